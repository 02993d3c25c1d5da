"""`newstally api` started for real on a free 127.0.0.1 port, for the API's tests."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.conftest import REPO_ROOT


def newstally(*args: str, db: Path) -> subprocess.CompletedProcess[str]:
    """The real CLI on warehouse `db`."""
    env = {key: value for key, value in os.environ.items() if key != "NEWSTALLY_DB"}
    return subprocess.run(
        [sys.executable, "-m", "newstally", "--db", str(db), *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO_ROOT,
        timeout=120,
        check=False,
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def served_api(db: Path) -> Iterator[str]:
    """The base URL of `newstally api` serving `db`; the server is stopped on leaving."""
    port = free_port()
    with tempfile.TemporaryFile() as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "newstally", "--db", str(db), "api", "--port", str(port)],
            cwd=REPO_ROOT,
            stdout=log,
            stderr=log,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    with urllib.request.urlopen(f"{base}/v1/health", timeout=2) as response:
                        assert json.load(response)["status"] == "ok"
                        break
                except OSError:
                    if time.monotonic() > deadline or server.poll() is not None:
                        log.seek(0)
                        output = log.read().decode(errors="replace")
                        raise RuntimeError(f"newstally api did not start:\n{output}") from None
                    time.sleep(0.1)
            yield base
        finally:
            server.terminate()
            server.wait(timeout=15)
