"""Real receivers on 127.0.0.1 for alert tests: an HTTP server taking webhooks, an SMTP server taking mail."""

from __future__ import annotations

import email
import json
import socket
import ssl
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller


@dataclass
class Posted:
    path: str
    headers: dict[str, str]
    payload: dict


@dataclass
class WebhookReceiver:
    port: int
    status: int = 200  # what every request is answered with
    delay_seconds: float = 0.0  # how long it takes to answer
    posts: list[Posted] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


@contextmanager
def webhook_receiver(status: int = 200, *, tls: bool = False, delay_seconds: float = 0.0) -> Iterator[WebhookReceiver]:
    """Answer every POST with `status` and keep its JSON body, until the block ends.

    With `tls`, over HTTPS with a self-signed certificate made for the occasion (openssl).
    """
    receiver = WebhookReceiver(port=0, status=status, delay_seconds=delay_seconds)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            with receiver.lock:
                receiver.posts.append(
                    Posted(self.path, {k.lower(): v for k, v in self.headers.items()}, json.loads(body or b"{}"))
                )
            time.sleep(receiver.delay_seconds)
            answer = b"{}" if receiver.status < 400 else b"server on fire"
            self.send_response(receiver.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.port = server.server_address[1]
    if tls:
        server.socket = _self_signed_context().wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _self_signed_context() -> ssl.SSLContext:
    with tempfile.TemporaryDirectory() as folder:
        key, certificate = f"{folder}/key.pem", f"{folder}/certificate.pem"
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", certificate,
             "-days", "1", "-subj", "/CN=127.0.0.1"],
            check=True,
            capture_output=True,
        )  # fmt: skip
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(certificate, key)
    return context


@dataclass
class MailReceiver:
    port: int
    messages: list[EmailMessage] = field(default_factory=list)
    recipients: list[list[str]] = field(default_factory=list)

    def channel(self, to: str = "desk@news.example") -> str:
        return f"mailto://127.0.0.1:{self.port}?from=alerts@news.example&to={to}"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def mail_receiver() -> Iterator[MailReceiver]:
    """A real SMTP server (aiosmtpd) keeping every message it is handed, parsed."""
    receiver = MailReceiver(port=_free_port())

    class Handler:
        async def handle_DATA(self, server, session, envelope) -> str:
            receiver.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
            receiver.recipients.append(list(envelope.rcpt_tos))
            return "250 OK"

    controller = Controller(Handler(), hostname="127.0.0.1", port=receiver.port)
    controller.start()
    try:
        yield receiver
    finally:
        controller.stop()
