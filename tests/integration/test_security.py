"""Security through the real CLI: the dashboard binds loopback by default, and --block-private keeps feeds public.

Servers run on 127.0.0.1, which is exactly what --block-private must refuse: with the
flag the fetch is recorded as a permanent error and the server sees no request;
without it the same feed is fetched and stored.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

import warehouse
from ingest.addresses import guard_client
from ingest.feeds import make_client
from ingest.scheduler import fetch_due
from newstally import settings
from newstally.cli import build_parser
from newstally.run_commands import _dashboard_command
from tests.conftest import REPO_ROOT, SHIPPED_WATCHLIST
from tests.integration.feed_server import respond, running_feed_server
from tests.integration.processes import descendants

RSS = (
    b'<?xml version="1.0"?><rss version="2.0"><channel><title>Local</title>'
    b"<item><guid>one</guid><title>Putin speaks</title><link>https://local.example/1</link>"
    b"<pubDate>Mon, 16 Jul 2018 12:00:00 GMT</pubDate></item></channel></rss>"
)


def newstally(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key != "NEWSTALLY_DB"}
    return subprocess.run(
        [sys.executable, "-m", "newstally", "--watchlist", str(SHIPPED_WATCHLIST), *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- the dashboard's address ---------------------------------------------------------------------


@pytest.mark.parametrize("command", ["dashboard", "up"])
def test_dashboard_and_up_bind_loopback_unless_told_otherwise(command: str):
    args = build_parser().parse_args([command])
    assert args.host == "127.0.0.1" == settings.DEFAULT_DASHBOARD_HOST
    streamlit = _dashboard_command(args.host, args.port)
    assert streamlit[streamlit.index("--server.address") + 1] == "127.0.0.1"


def listening_addresses(port: int) -> set[str]:
    """Local addresses with a socket listening on `port`, read from the kernel's tables."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if not Path(table).exists():
            continue
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            address, port_hex = fields[1].rsplit(":", 1)
            if fields[3] == "0A" and int(port_hex, 16) == port:  # 0A: LISTEN
                found.add(_hex_address(address))
    return found


def _hex_address(text: str) -> str:
    raw = bytes.fromhex(text)
    if len(raw) == 4:
        return socket.inet_ntop(socket.AF_INET, raw[::-1])
    words = b"".join(raw[i : i + 4][::-1] for i in range(0, 16, 4))
    return socket.inet_ntop(socket.AF_INET6, words)


def test_up_serves_the_dashboard_on_loopback_only(fresh_warehouse: warehouse.Warehouse, tmp_path: Path):
    port = free_port()
    env = {key: value for key, value in os.environ.items() if key != "NEWSTALLY_DB"}
    log = (tmp_path / "up.log").open("w")
    up = subprocess.Popen(
        [sys.executable, "-m", "newstally", "--db", str(fresh_warehouse.path), "up", "--port", str(port)],
        cwd=REPO_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    children: list[int] = []
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and not listening_addresses(port):
            assert up.poll() is None, (tmp_path / "up.log").read_text()
            time.sleep(0.5)
        children = descendants(up.pid)
        assert listening_addresses(port) == {"127.0.0.1"}
        assert httpx.get(f"http://127.0.0.1:{port}/_stcore/health", timeout=10).status_code == 200
    finally:
        children = children or descendants(up.pid)
        if up.poll() is None:
            up.send_signal(signal.SIGINT)
            try:
                up.wait(timeout=20)
            except subprocess.TimeoutExpired:
                up.kill()
                up.wait()
        for pid in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        log.close()


# --- --block-private -----------------------------------------------------------------------------


def test_feeds_add_with_block_private_refuses_a_loopback_url_and_stores_nothing(tmp_path: Path):
    db = tmp_path / "newstally.duckdb"
    refused = newstally("--db", str(db), "feeds", "add", "http://127.0.0.1:9/rss", "--block-private")
    assert refused.returncode == 2
    assert refused.stderr.strip().splitlines() == [
        "newstally: error: http://127.0.0.1:9/rss: 127.0.0.1 is a loopback address: refused by --block-private"
    ]
    assert not db.exists()

    allowed = newstally("--db", str(db), "feeds", "add", "http://127.0.0.1:9/rss")
    assert allowed.returncode == 0, allowed.stderr


def test_fetch_with_block_private_records_a_refusal_and_without_it_stores_the_feed(tmp_path: Path):
    db = tmp_path / "newstally.duckdb"
    with running_feed_server() as server:
        server.routes["/rss"] = lambda handler: respond(handler, 200, RSS)
        assert newstally("--db", str(db), "feeds", "add", server.url("/rss")).returncode == 0

        blocked = newstally("--db", str(db), "fetch", "--force", "--block-private")
        assert blocked.returncode == 0, blocked.stderr
        assert "refused by --block-private" in blocked.stderr
        assert server.requests == []
        feed = warehouse.list_feeds(warehouse.Warehouse(db))[0]
        assert "127.0.0.1 is a loopback address: refused by --block-private" in (feed.last_error or "")
        assert warehouse.corpus_facts(warehouse.Warehouse(db)).articles == 0

        allowed = newstally("--db", str(db), "fetch", "--force")
        assert allowed.returncode == 0, allowed.stderr
        assert len(server.requests_to("/rss")) == 1
        assert warehouse.corpus_facts(warehouse.Warehouse(db)).articles == 1


def test_a_name_vouched_public_that_connects_to_loopback_is_refused_dns_rebinding(
    fresh_warehouse: warehouse.Warehouse,
):
    # The resolver says public when asked; the connection still reaches 127.0.0.1, as
    # after a DNS rebinding. The peer check refuses the response before anything is stored,
    # so neither the body nor the redirect it asks for is used.
    with running_feed_server() as server:
        server.routes["/rss"] = lambda handler: respond(handler, 200, RSS)
        server.routes["/go"] = lambda handler: respond(handler, 302, headers={"Location": server.url("/rss")})
        port = int(server.base_url.rsplit(":", 1)[1])
        warehouse.add_feed(fresh_warehouse, f"http://localhost:{port}/go", source_name="Local")
        client = guard_client(make_client(), resolver=lambda host, port: ["93.184.216.34"])
        try:
            outcomes = fetch_due(fresh_warehouse, force=True, client=client, block_private=True)
        finally:
            client.close()
    (_, result, new), *_ = outcomes
    assert result.outcome is warehouse.FetchOutcome.PERMANENT_ERROR
    assert "connected to 127.0.0.1, which is a loopback address" in (result.error or "")
    assert new == 0
    assert server.requests_to("/rss") == []


def test_schedule_with_block_private_records_the_refusal(tmp_path: Path):
    db = tmp_path / "newstally.duckdb"
    with running_feed_server() as server:
        server.routes["/rss"] = lambda handler: respond(handler, 200, RSS)
        assert newstally("--db", str(db), "feeds", "add", server.url("/rss")).returncode == 0
        env = {key: value for key, value in os.environ.items() if key != "NEWSTALLY_DB"}
        scheduler = subprocess.Popen(
            [sys.executable, "-m", "newstally", "--db", str(db), "schedule", "--interval", "1", "--block-private"],
            cwd=REPO_ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 60
            feed = warehouse.list_feeds(warehouse.Warehouse(db))[0]
            while time.monotonic() < deadline and not feed.last_error:
                time.sleep(0.3)
                feed = warehouse.list_feeds(warehouse.Warehouse(db))[0]
        finally:
            scheduler.send_signal(signal.SIGTERM)
            scheduler.wait(timeout=30)
    assert "refused by --block-private" in (feed.last_error or "")
    assert server.requests == []
