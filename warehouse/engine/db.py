"""Opening the DuckDB file, the cross-process lock discipline, and migrations.

DuckDB lets one process write a file or many read it, never both, and a second
process that meets the lock gets an error. So no connection here lives long: every
read takes a shared `fcntl.flock` on a sidecar `.lock` file and opens the database
read-only; every write takes the exclusive lock and opens it read-write. Nobody
ever meets DuckDB's own lock, so no caller ever sees a lock error; they wait a few
milliseconds instead. docs/concurrency.md has the measurements behind the choice.
"""

from __future__ import annotations

import errno
import fcntl
import logging
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from warehouse.engine.queries import migration_files
from warehouse.errors import WarehouseNotWritable, WarehouseUnavailable

logger = logging.getLogger(__name__)

# Written as a delete and an insert, not ON CONFLICT, which a lake does not have; the writer lock makes it atomic.
_DROP_FACT = "DELETE FROM warehouse_facts WHERE key = ?"
_ADD_FACT = "INSERT INTO warehouse_facts VALUES (?, ?)"


def set_fact(connection: duckdb.DuckDBPyConnection, key: str, value: str) -> None:
    """Store a warehouse fact, replacing its old value (inside the writer's transaction)."""
    connection.execute(_DROP_FACT, [key])
    connection.execute(_ADD_FACT, [key, value])


def bump_write_count(connection: duckdb.DuckDBPyConnection) -> None:
    """Every committed write bumps the version readers key their caches on."""
    row = fetch_one(
        connection.execute("SELECT max(CAST(value AS BIGINT)) FROM warehouse_facts WHERE key = 'write_count'")
    )
    set_fact(connection, "write_count", str((int(row[0]) if row and row[0] is not None else 0) + 1))


class Warehouse:
    """A handle on one warehouse file; cheap to create, holds no connection.

    For a `ducklake:` target it is a warehouse.engine.lake.LakeWarehouse instead, so every
    caller that names the warehouse by the user's --db works on both.
    """

    def __new__(cls, path: Path | str, *, lake_data: str | None = None) -> Warehouse:
        if cls is Warehouse and str(path).startswith("ducklake:"):
            from warehouse.engine.lake import LakeWarehouse

            return LakeWarehouse.__new__(LakeWarehouse, path, lake_data=lake_data)
        return super().__new__(cls)

    def __init__(self, path: Path | str, *, lake_data: str | None = None) -> None:
        # lake_data (where a lake's files are) means nothing for a file.
        self.path = Path(path)
        self.lock_path = self.path.with_name(self.path.name + ".lock")
        self.wal_path = self.path.with_name(self.path.name + ".wal")
        # A new file is built under this name and renamed into place only once it is whole.
        self.building_path = self.path.with_name(self.path.name + ".creating")
        # Present while a migration of an existing file is under way (see `migrate`).
        self.migrating_path = self.path.with_name(self.path.name + ".migrating")
        # flock excludes other processes; threads of this process share one
        # open file description, so they also need an in-process lock.
        self._thread_lock = threading.RLock()

    def __repr__(self) -> str:
        return f"Warehouse({str(self.path)!r})"

    def exists(self) -> bool:
        return self.path.exists()

    @contextmanager
    def _flock(self, mode: int) -> Iterator[None]:
        fd = self._open_lock_file(mode)
        if fd is None:
            yield
            return
        try:
            fcntl.flock(fd, mode)
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def _open_lock_file(self, mode: int) -> int | None:
        """The sidecar lock file, open; None when reading a warehouse whose folder nobody here may write."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            return os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o664)
        except OSError as error:
            if mode == fcntl.LOCK_SH and error.errno in _NOT_PERMITTED:
                # A read-only copy (a backup, a read-only mount) is still readable: a shared
                # lock works on a file opened read-only, and where even the lock file cannot
                # be made, no writer of ours can be at work in that folder either.
                try:
                    return os.open(self.lock_path, os.O_RDONLY)
                except OSError:
                    return None
            if error.errno in _NOT_PERMITTED:
                reason = _STORAGE_REASONS.get(error.strerror or "", error.strerror)
                raise WarehouseNotWritable(
                    f"cannot write warehouse {self.path}: {reason}; nothing was changed"
                ) from error
            raise WarehouseUnavailable(f"cannot use warehouse {self.path}: {error.strerror or error}") from error

    def create(self, initialize: Callable[[duckdb.DuckDBPyConnection], None] | None = None) -> bool:
        """Make the warehouse file when there is none, whole or not at all; True when this call made it.

        The file is built under a temporary name beside it (`FILE.creating`): every migration,
        then `initialize` (the watchlist and calendar) in one transaction, checkpointed so no
        log is left, synced, and renamed into place under the writer lock. A reader or a crash
        therefore sees either no warehouse or a whole one. A temporary left by a crashed
        creator is removed and the file built again.
        """
        with self._thread_lock, self._flock(fcntl.LOCK_EX):
            if self.path.exists():
                return False
            self._build(initialize)
            return True

    def _build(self, initialize: Callable[[duckdb.DuckDBPyConnection], None] | None) -> None:
        """Build the file under `building_path` and rename it into place; the caller holds the writer lock."""
        building_wal = self.building_path.with_name(self.building_path.name + ".wal")
        for leftover in (self.building_path, building_wal):
            _remove(leftover)
        connection = _connect(self.building_path, read_only=False, settings_of=self.path)
        try:
            try:
                migrate(connection)
                connection.execute("BEGIN TRANSACTION")
                if initialize is not None:
                    initialize(connection)
                bump_write_count(connection)
                connection.execute("COMMIT")
                connection.execute("CHECKPOINT")
            except duckdb.IOException as error:
                raise _write_failure(self.path, error) from error
            finally:
                connection.close()
            if building_wal.exists():
                raise WarehouseUnavailable(f"cannot create warehouse {self.path}: its log was not folded into it")
            try:
                _sync(self.building_path)
                # A log without its database (the file deleted by hand) must not be replayed into the new one.
                _remove(self.wal_path)
                os.replace(self.building_path, self.path)
                _sync(self.path.parent)
            except OSError as error:
                raise _write_failure(self.path, error) from error
        except BaseException:
            for leftover in (self.building_path, building_wal):
                _remove(leftover)
            raise

    def _finish_interrupted_migration(self) -> None:
        """After a crash during an upgrade: the file opened, its log replayed or dropped, the upgrade finished.

        Only a migration leaves `migrating_path`, and it checkpoints before writing it, so the
        log then holds that one migration's transaction at most. DuckDB 1.5 cannot replay a log
        holding `ALTER TABLE ... ADD COLUMN` on a table with a function default (duckdb#18259):
        such a log is dropped, which leaves the file as it was before that migration, and
        `migrate` applies it again, with the ones after it: a reader (`newstally check`
        included) then sees the file fully migrated. The caller holds the writer lock.
        """
        try:
            connection = _connect(self.path, read_only=False)
        except WarehouseUnavailable as error:
            if "replaying WAL" not in str(error) or not self.wal_path.exists():
                raise
            reason = (str(error.__cause__ or error).strip().splitlines() or ["unreadable"])[0]
            logger.warning(
                "dropped the log of an interrupted migration of %s (%s); it is applied again", self.path, reason
            )
            self.wal_path.unlink()
            connection = _connect(self.path, read_only=False)
        try:
            connection.execute("CHECKPOINT")
            migrate(connection, marker=self.migrating_path)
        finally:
            connection.close()
        self.migrating_path.unlink(missing_ok=True)

    @contextmanager
    def reading(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-only connection, held only for the block."""
        if not self.path.exists():
            raise WarehouseUnavailable(
                f"no warehouse at {self.path}: run 'newstally demo' or 'newstally feeds add' first"
            )
        if self.migrating_path.exists():
            try:
                with self._thread_lock, self._flock(fcntl.LOCK_EX):
                    if self.migrating_path.exists():
                        self._finish_interrupted_migration()
            except WarehouseNotWritable:
                logger.debug("cannot finish the interrupted migration of %s here", self.path, exc_info=True)
        with self._thread_lock, self._flock(fcntl.LOCK_SH):
            connection = _connect(self.path, read_only=True)
            try:
                yield connection
            except duckdb.OutOfMemoryException as error:
                raise _out_of_memory(self.path) from error
            finally:
                connection.close()

    @contextmanager
    def writing(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-write connection inside one transaction: all of the block or none of it."""
        with self._thread_lock, self._flock(fcntl.LOCK_EX):
            if not self.path.exists():
                self._build(None)
            elif self.migrating_path.exists():
                self._finish_interrupted_migration()
            connection = _connect(self.path, read_only=False)
            failed: duckdb.Error | None = None
            try:
                try:
                    migrate(connection, marker=self.migrating_path)
                except duckdb.IOException as error:
                    raise _write_failure(self.path, error) from error
                wal_size = _file_size(self.wal_path)
                connection.execute("BEGIN TRANSACTION")
                try:
                    yield connection
                    bump_write_count(connection)
                except duckdb.IOException as error:
                    _roll_back(connection)
                    raise _write_failure(self.path, error) from error
                except duckdb.OutOfMemoryException as error:
                    _roll_back(connection)
                    raise _out_of_memory(self.path) from error
                except BaseException:
                    _roll_back(connection)
                    raise
                try:
                    connection.execute("COMMIT")
                except duckdb.Error as error:
                    failed = error
            finally:
                connection.close()
            if failed is not None:
                # A commit that failed half-way through writing the log (disk full, file
                # size limit) can leave the whole transaction in it, and the next open
                # would replay what the caller was told failed. Cut the log back to where
                # it was; shrinking a file needs no space. The writer lock is still held.
                _truncate_to(self.wal_path, wal_size)
                raise _write_failure(self.path, failed) from failed


# Why a write can fail without any fault of the data: no room, a size limit, no permission.
# DuckDB reports the operating system's error only as text, so these are matched by it.
_NOT_PERMITTED = frozenset({errno.EACCES, errno.EPERM, errno.EROFS})
_STORAGE_REASONS = {
    os.strerror(errno.ENOSPC): "no space left on the device",
    os.strerror(errno.EDQUOT): "disk quota exceeded",
    os.strerror(errno.EFBIG): "file size limit reached",
    os.strerror(errno.EROFS): "read-only file system",
    os.strerror(errno.EACCES): "permission denied",
    os.strerror(errno.EPERM): "operation not permitted",
}


def _write_failure(path: Path, error: BaseException) -> WarehouseUnavailable:
    """The typed error for a failed write: WarehouseNotWritable when space or permission ran out."""
    text = str(error)
    for os_text, reason in _STORAGE_REASONS.items():
        if os_text in text:
            return WarehouseNotWritable(f"cannot write warehouse {path}: {reason}; nothing of this write was stored")
    first_line = (text.strip().splitlines() or [type(error).__name__])[0]
    return WarehouseUnavailable(f"cannot write warehouse {path}: {first_line}")


def _roll_back(connection: duckdb.DuckDBPyConnection) -> None:
    try:
        connection.execute("ROLLBACK")
    except duckdb.Error:
        # After an I/O failure DuckDB may have ended the transaction itself; the error
        # that caused it is the one worth reporting.
        logger.debug("rollback after a failed write failed too", exc_info=True)


def _file_size(path: Path) -> int | None:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return None


def _remove(path: Path) -> None:
    path.unlink(missing_ok=True)


def _sync(path: Path) -> None:
    """fsync a file or a folder (so a rename in it is durable)."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _truncate_to(path: Path, size: int | None) -> None:
    """Cut the file back to `size` bytes (remove it when it did not exist); never lengthen it."""
    current = _file_size(path)
    if current is None or (size is not None and current <= size):
        return
    try:
        if size is None:
            path.unlink()
        else:
            os.truncate(path, size)
    except OSError:
        logger.exception("could not cut the write-ahead log %s back after a failed commit", path)


# DuckDB's own default lets its buffer pool grow to 80% of the machine's memory, so one
# big query (spikes over ten years) could take gigabytes while the scheduler and the
# dashboard share the box. With a cap, joins and aggregates past it spill to a temporary
# folder beside the warehouse instead (docs/operations.md, "Memory").
DEFAULT_MEMORY_LIMIT = "500MB"
MEMORY_LIMIT_VARIABLE = "NEWSTALLY_MEMORY_LIMIT"
TEMP_DIRECTORY_VARIABLE = "NEWSTALLY_TEMP_DIRECTORY"


def connection_config(path: Path) -> dict[str, str | bool | int | float | list[str]]:
    """DuckDB settings for every connection to the warehouse at `path`.

    Read from the environment here rather than passed down, because every process
    (scheduler, CLI, each dashboard session) opens the warehouse through this module and
    the cap must hold in all of them (`memory_limit`); `NEWSTALLY_TEMP_DIRECTORY` moves the spill
    folder, which otherwise sits beside the warehouse as `FILE.tmp` (created only when a query spills).
    """
    return {
        "memory_limit": memory_limit(),
        "temp_directory": os.environ.get(TEMP_DIRECTORY_VARIABLE) or str(path.with_name(path.name + ".tmp")),
    }


def memory_limit() -> str:
    """The DuckDB memory cap of this process's connections: `NEWSTALLY_MEMORY_LIMIT` in DuckDB's units
    ("500MB", "2GB"), or a share of the machine's memory ("25%"), which DuckDB 1.5 no longer reads
    itself and gets here as megabytes; `DEFAULT_MEMORY_LIMIT` without it.

    Anything else goes to DuckDB as it is, so a value it cannot read is its one-line error.
    """
    value = (os.environ.get(MEMORY_LIMIT_VARIABLE) or DEFAULT_MEMORY_LIMIT).strip()
    if not value.endswith("%"):
        return value
    try:
        share = float(value[:-1])
    except ValueError:
        return value
    if not 0 < share <= 100:
        return value
    machine = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    return f"{int(machine * share / 100) // 1_000_000}MB"


def _out_of_memory(path: Path) -> WarehouseUnavailable:
    """The one-line error for a query that needed more than the memory cap and could not spill."""
    limit = connection_config(path)["memory_limit"]
    return WarehouseUnavailable(
        f"a query on warehouse {path} needed more memory than the limit of {limit} allows;"
        f" raise {MEMORY_LIMIT_VARIABLE} (e.g. {MEMORY_LIMIT_VARIABLE}=2GB); nothing was changed"
    )


def _connect(path: Path, *, read_only: bool, settings_of: Path | None = None) -> duckdb.DuckDBPyConnection:
    """A connection to the file at `path`, with the settings of the warehouse at `settings_of` (default `path`)."""
    try:
        connection = duckdb.connect(str(path), read_only=read_only, config=connection_config(settings_of or path))
    except duckdb.IOException as error:
        if not read_only:
            failure = _write_failure(path, error)
            if isinstance(failure, WarehouseNotWritable):
                raise failure from error
        raise WarehouseUnavailable(f"cannot open warehouse {path}: {error}") from error
    except duckdb.ParserException as error:
        # The only text parsed before the file is opened is the settings from the environment.
        raise WarehouseUnavailable(
            f"cannot open warehouse {path}: {MEMORY_LIMIT_VARIABLE} or {TEMP_DIRECTORY_VARIABLE} is not valid: {error}"
        ) from error
    except duckdb.Error as error:
        raise WarehouseUnavailable(f"cannot open warehouse {path}: {error}") from error
    # Timestamps are stored as naive UTC; the session zone only matters for casts.
    connection.execute("SET TimeZone = 'UTC'")
    return connection


def migrate(connection: duckdb.DuckDBPyConnection, *, marker: Path | None = None) -> None:
    """Apply the migrations this file has not seen, each in its own transaction.

    With `marker` (an existing file being upgraded), each migration starts and ends with a
    checkpoint and the marker file exists from the first to the end of the last, so a crash
    inside one leaves a log holding that migration alone, and a crash at any point leaves the
    marker, which tells `Warehouse` to finish the upgrade before anyone reads
    (`_finish_interrupted_migration`).
    """
    connection.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL)"
    )
    applied = {row[0] for row in connection.execute("SELECT version FROM schema_migrations").fetchall()}
    for version, name, sql in migration_files():
        if version in applied:
            continue
        logger.debug("applying migration %s", name)
        if marker is not None:
            connection.execute("CHECKPOINT")
            marker.touch()
        connection.execute("BEGIN TRANSACTION")
        try:
            connection.execute(sql)
            connection.execute("INSERT INTO schema_migrations VALUES (?, ?, now()::TIMESTAMP)", [version, name])
            connection.execute("COMMIT")
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        if marker is not None:
            connection.execute("CHECKPOINT")
    if marker is not None:
        marker.unlink(missing_ok=True)


def fetch_one(result: duckdb.DuckDBPyConnection) -> tuple | None:
    """The first row of a result, reading it to the end.

    DuckDB 2 refuses further work on a connection whose last result was only partly
    read, so a lone `fetchone()` would poison the rest of a transaction.
    """
    rows = result.fetchall()
    return rows[0] if rows else None
