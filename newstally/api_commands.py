"""Commands for analysts' access: serving the HTTP API, and the tokens it accepts.

Only the standard library is imported here; FastAPI, uvicorn and the warehouse are
imported by the handlers, so `newstally --help` does not pay for them.
"""

from __future__ import annotations

import argparse
import logging
import socket
import sys

from newstally.handles import UsageError, existing_warehouse
from newstally.output import print_rows

logger = logging.getLogger(__name__)

TOKEN_COLUMNS = ["name", "state", "created_at", "revoked_at"]


def cmd_api(args: argparse.Namespace) -> int:
    """Serve the read-only API until SIGTERM or Ctrl-C."""
    import uvicorn

    from api import create_app

    wh = existing_warehouse(args)
    root_path = args.root_path.rstrip("/")
    if root_path and not root_path.startswith("/"):
        raise UsageError(f"bad --root-path {args.root_path!r}: use a path starting with /, e.g. /api")
    listener = _listening_socket(args.host, args.port)
    if args.host not in ("127.0.0.1", "::1", "localhost"):
        print(
            f"newstally: warning: the API listens on {args.host}; tokens cross the network in clear text"
            " unless a TLS proxy is in front (docs/operations.md)",
            file=sys.stderr,
        )
    config = uvicorn.Config(
        create_app(wh),
        log_level="info",
        root_path=root_path,
        proxy_headers=True,
        forwarded_allow_ips="127.0.0.1",
        access_log=True,
    )
    shown_host = f"[{args.host}]" if ":" in args.host else args.host
    print(
        f"newstally API on http://{shown_host}:{listener.getsockname()[1]}"
        f" (docs at {root_path}/docs behind the proxy; Ctrl-C stops it)"
        if root_path
        else f"newstally API on http://{shown_host}:{listener.getsockname()[1]} (docs at /docs; Ctrl-C stops it)",
        file=sys.stderr,
    )
    uvicorn.Server(config).run(sockets=[listener])
    return 0


def _listening_socket(host: str, port: int) -> socket.socket:
    """The server's socket, bound here so a taken port is one line, not a log of uvicorn's."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind((host, port))
    except (OSError, OverflowError) as error:
        listener.close()
        reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        raise UsageError(f"cannot listen on {host}:{port}: {reason}") from None
    listener.listen(128)
    return listener


def cmd_tokens_create(args: argparse.Namespace) -> int:
    import warehouse

    token = warehouse.create_token(existing_warehouse(args), args.name)
    print(token)
    print(
        f"token {args.name} made: it is shown this once (only its hash is stored);"
        " send it as 'Authorization: Bearer TOKEN'",
        file=sys.stderr,
    )
    return 0


def cmd_tokens_list(args: argparse.Namespace) -> int:
    import warehouse

    rows = [
        {
            "name": token.name,
            "state": "active" if token.active else "revoked",
            "created_at": token.created_at,
            "revoked_at": token.revoked_at,
        }
        for token in warehouse.list_tokens(existing_warehouse(args))
    ]
    print_rows(rows, TOKEN_COLUMNS, fmt=args.format, title="API tokens")
    return 0


def cmd_tokens_revoke(args: argparse.Namespace) -> int:
    import warehouse

    token = warehouse.revoke_token(existing_warehouse(args), args.name)
    print(f"token {token.name} revoked at {token.revoked_at:%Y-%m-%d %H:%M:%S} UTC", file=sys.stderr)
    return 0
