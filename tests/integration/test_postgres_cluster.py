"""The tests' own PostgreSQL: started as a non-root user, and gone when the test process is."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import REPO_ROOT
from tests.postgres_cluster import PostgresCluster

_START_THEN_DIE = """
import os, signal, sys, tempfile
from pathlib import Path
from tests.postgres_cluster import start_cluster
cluster = start_cluster(Path(tempfile.mkdtemp(prefix="newstally-pg-killed-")))
print(cluster.port, cluster.socket_dir, flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""


def _accepting(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def test_the_session_cluster_answers_on_loopback_and_belongs_to_no_root(postgres_cluster: PostgresCluster) -> None:
    assert postgres_cluster.psql("postgres", "SELECT 1 + 1") == "2\n"
    owner = postgres_cluster.data_dir.stat().st_uid
    assert owner != 0 or os.geteuid() != 0
    assert postgres_cluster.psql("postgres", "SHOW listen_addresses") == "127.0.0.1\n"


def test_a_cluster_whose_test_process_is_killed_stops_and_is_removed(postgres_cluster: PostgresCluster) -> None:
    # postgres_cluster: only so that this is skipped, with its reason, where PostgreSQL is absent.
    started = subprocess.run(
        [sys.executable, "-c", _START_THEN_DIE],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
        timeout=120,
        check=False,
    )
    assert started.returncode == -9, started.stderr
    port_text, folder = started.stdout.split()
    deadline = time.monotonic() + 30
    while (_accepting(int(port_text)) or Path(folder).exists()) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _accepting(int(port_text))
    assert not Path(folder).exists()
