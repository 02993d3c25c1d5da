"""Opening the DuckDB file, the cross-process lock discipline, and migrations.

DuckDB lets one process write a file or many read it, never both, and a second
process that meets the lock gets an error. So no connection here lives long: every
read takes a shared `fcntl.flock` on a sidecar `.lock` file and opens the database
read-only; every write takes the exclusive lock and opens it read-write. Nobody
ever meets DuckDB's own lock, so no caller ever sees a lock error; they wait a few
milliseconds instead. docs/concurrency.md has the measurements behind the choice.
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

import duckdb

from warehouse.errors import WarehouseUnavailable

logger = logging.getLogger(__name__)

_MIGRATIONS_PACKAGE = "warehouse.migrations"
_BUMP_WRITE_COUNT = (
    "INSERT INTO warehouse_facts VALUES ('write_count', '1')"
    " ON CONFLICT (key) DO UPDATE SET value = CAST(CAST(warehouse_facts.value AS BIGINT) + 1 AS VARCHAR)"
)


class Warehouse:
    """A handle on one warehouse file; cheap to create, holds no connection."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.lock_path = self.path.with_name(self.path.name + ".lock")
        # flock excludes other processes; threads of this process share one
        # open file description, so they also need an in-process lock.
        self._thread_lock = threading.RLock()

    def __repr__(self) -> str:
        return f"Warehouse({str(self.path)!r})"

    def exists(self) -> bool:
        return self.path.exists()

    @contextmanager
    def _flock(self, mode: int) -> Iterator[None]:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o664)
        except OSError as error:
            raise WarehouseUnavailable(f"cannot use warehouse {self.path}: {error.strerror or error}") from error
        try:
            fcntl.flock(fd, mode)
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    @contextmanager
    def reading(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-only connection, held only for the block."""
        if not self.path.exists():
            raise WarehouseUnavailable(
                f"no warehouse at {self.path}: run 'newstally demo' or 'newstally feeds add' first"
            )
        with self._thread_lock, self._flock(fcntl.LOCK_SH):
            connection = _connect(self.path, read_only=True)
            try:
                yield connection
            finally:
                connection.close()

    @contextmanager
    def writing(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-write connection inside one transaction: all of the block or none of it."""
        with self._thread_lock, self._flock(fcntl.LOCK_EX):
            connection = _connect(self.path, read_only=False)
            try:
                migrate(connection)
                connection.execute("BEGIN TRANSACTION")
                try:
                    yield connection
                    # Every committed write bumps the version readers key their caches on.
                    connection.execute(_BUMP_WRITE_COUNT)
                except BaseException:
                    connection.execute("ROLLBACK")
                    raise
                try:
                    connection.execute("COMMIT")
                except duckdb.Error as error:
                    raise WarehouseUnavailable(f"cannot write warehouse {self.path}: {error}") from error
            finally:
                connection.close()


def _connect(path: Path, *, read_only: bool) -> duckdb.DuckDBPyConnection:
    try:
        connection = duckdb.connect(str(path), read_only=read_only)
    except duckdb.IOException as error:
        raise WarehouseUnavailable(f"cannot open warehouse {path}: {error}") from error
    except duckdb.Error as error:
        raise WarehouseUnavailable(f"cannot open warehouse {path}: {error}") from error
    # Timestamps are stored as naive UTC; the session zone only matters for casts.
    connection.execute("SET TimeZone = 'UTC'")
    return connection


def migration_files() -> list[tuple[int, str, str]]:
    """(version, name, sql) of every shipped migration, in order."""
    found = []
    for entry in resources.files(_MIGRATIONS_PACKAGE).iterdir():
        name = entry.name
        if name.endswith(".sql") and name[:4].isdigit():
            found.append((int(name[:4]), name, entry.read_text(encoding="utf-8")))
    return sorted(found)


def migrate(connection: duckdb.DuckDBPyConnection) -> None:
    """Apply the migrations this file has not seen, each in its own transaction."""
    connection.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL)"
    )
    applied = {row[0] for row in connection.execute("SELECT version FROM schema_migrations").fetchall()}
    for version, name, sql in migration_files():
        if version in applied:
            continue
        logger.debug("applying migration %s", name)
        connection.execute("BEGIN TRANSACTION")
        try:
            connection.execute(sql)
            connection.execute("INSERT INTO schema_migrations VALUES (?, ?, now()::TIMESTAMP)", [version, name])
            connection.execute("COMMIT")
        except BaseException:
            connection.execute("ROLLBACK")
            raise


def fetch_one(result: duckdb.DuckDBPyConnection) -> tuple | None:
    """The first row of a result, reading it to the end.

    DuckDB 2 refuses further work on a connection whose last result was only partly
    read, so a lone `fetchone()` would poison the rest of a transaction.
    """
    rows = result.fetchall()
    return rows[0] if rows else None
