"""A throwaway PostgreSQL cluster for tests: Debian's binaries, a free 127.0.0.1 port, a tmp folder.

`initdb` refuses to run as root, so when the tests run as root (CI here does) the cluster
belongs to a non-root system user (`postgres`, which Debian's package creates, else
`nobody`) and every server command runs through `runuser`. The cluster trusts local
connections and listens only on 127.0.0.1; its socket lives in its own folder. A small
watcher process stops it when the test process ends, should that process be killed
before its teardown runs.

Written by hand rather than with pytest-postgresql: that plugin runs `initdb` as the
current user (so not as root, which is how CI runs) and brings psycopg, mirakuru and
port-for for what is three commands here.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

_DEBIAN_ROOT = Path("/usr/lib/postgresql")
_SERVICE_USERS = ("postgres", "nobody")
SUPERUSER = "newstally"


def postgres_bin_dir() -> Path | None:
    """The folder of initdb, pg_ctl and psql: on PATH, else Debian's newest /usr/lib/postgresql/N/bin."""
    on_path = shutil.which("initdb")
    if on_path and shutil.which("pg_ctl"):
        return Path(on_path).resolve().parent
    if _DEBIAN_ROOT.is_dir():
        versions = sorted(
            (entry for entry in _DEBIAN_ROOT.iterdir() if (entry / "bin" / "initdb").exists()),
            key=lambda entry: int(entry.name) if entry.name.isdigit() else 0,
        )
        if versions:
            return versions[-1] / "bin"
    return None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class PostgresCluster:
    """One running cluster; `stop()` ends it and is safe to call twice."""

    bin_dir: Path
    data_dir: Path
    socket_dir: Path
    port: int
    run_as: str | None  # the system user that owns the cluster when we are root
    watcher: subprocess.Popen[bytes] | None = None

    def conninfo(self, dbname: str) -> str:
        """A libpq key=value connection string for `dbname` on this cluster."""
        return f"dbname={dbname} host=127.0.0.1 port={self.port} user={SUPERUSER}"

    def create_database(self, name: str) -> str:
        """Create an empty database; its connection string."""
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", SUPERUSER, name)
        return self.conninfo(name)

    def psql(self, dbname: str, sql: str) -> str:
        """Run SQL through psql; its unaligned output."""
        return self._run(
            "psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", self.conninfo(dbname), "-c", sql
        ).stdout

    def stop(self) -> None:
        if (self.data_dir / "postmaster.pid").exists():
            self._run(*self._stop_arguments(), check=False)
        if self.watcher is not None:
            self.watcher.kill()
            self.watcher.wait()
            self.watcher = None

    def stop_when_gone(self, pid: int) -> None:
        """Stop the cluster and remove its folder when process `pid` ends, even by SIGKILL (no teardown then)."""
        stop = self._command(*self._stop_arguments())
        script = (
            'pid=$1; folder=$2; shift 2; while kill -0 "$pid" 2>/dev/null; do sleep 1; done; "$@"; rm -rf "$folder"'
        )
        self.watcher = subprocess.Popen(
            ["sh", "-c", script, "cluster-watcher", str(pid), str(self.socket_dir), *stop],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )

    def _stop_arguments(self) -> tuple[str, ...]:
        return ("pg_ctl", "-D", str(self.data_dir), "-m", "immediate", "-w", "stop")

    def _command(self, program: str, *arguments: str) -> list[str]:
        command = [str(self.bin_dir / program), *arguments]
        if self.run_as is not None:
            command = ["runuser", "-u", self.run_as, "--", *command]
        return command

    def _run(self, program: str, *arguments: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            self._command(program, *arguments), capture_output=True, text=True, timeout=120, check=False
        )
        if check and result.returncode != 0:
            raise RuntimeError(f"{program} failed ({result.returncode}): {result.stderr.strip() or result.stdout}")
        return result


@contextmanager
def throwaway_cluster(prefix: str = "newstally-pg-") -> Iterator[PostgresCluster]:
    """A cluster in a new temporary folder for the block; stopped and its folder removed after, failures included."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        cluster = start_cluster(folder)
        try:
            yield cluster
        finally:
            cluster.stop()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def start_cluster(folder: Path) -> PostgresCluster:
    """initdb and start a cluster in `folder` (created, and handed to the service user when root).

    The service user must be able to reach `folder`: put it in a world-searchable place such
    as the system temp folder, not under pytest's private tmp_path.
    """
    bin_dir = postgres_bin_dir()
    if bin_dir is None:
        raise FileNotFoundError("PostgreSQL binaries (initdb, pg_ctl) not found")
    run_as = _service_user() if os.geteuid() == 0 else None
    folder.mkdir(parents=True, exist_ok=True)
    if run_as is not None:
        entry = pwd.getpwnam(run_as)
        os.chown(folder, entry.pw_uid, entry.pw_gid)
    cluster = PostgresCluster(bin_dir, folder / "data", folder, free_port(), run_as)
    cluster._run("initdb", "-D", str(cluster.data_dir), "--auth=trust", "-U", SUPERUSER, "-E", "UTF8", "--no-sync")
    options = (
        f"-c listen_addresses=127.0.0.1 -p {cluster.port} -c unix_socket_directories={folder}"
        " -c fsync=off -c max_connections=100"
    )
    try:
        cluster._run(
            "pg_ctl", "-D", str(cluster.data_dir), "-o", options, "-l", str(folder / "server.log"), "-w", "start"
        )
    except RuntimeError as error:
        log = folder / "server.log"
        detail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
        cluster.stop()
        raise RuntimeError(f"{error}\n{detail}") from error
    cluster.stop_when_gone(os.getpid())
    _wait_until_accepting(cluster.port)
    return cluster


def _service_user() -> str:
    for name in _SERVICE_USERS:
        try:
            pwd.getpwnam(name)
        except KeyError:
            continue
        return name
    raise RuntimeError("running as root and no non-root user (postgres, nobody) to own a test cluster")


def _wait_until_accepting(port: int, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
