"""The warehouse in a DuckLake: catalog in PostgreSQL, data as Parquet files on shared storage.

A target `ducklake:postgres:CONNINFO` (CONNINFO a libpq key=value string) names the lake;
its data path is stored in the catalog when the lake is created, and may be given again
to reach the same files under another mount point. Attaching costs 0.4-1.4 s, so a
process attaches once and keeps that connection; each read gets its own cursor on it,
inside one transaction (one snapshot), with `USE lake` so the queries written for the
file run unchanged.

Writes take turns under a PostgreSQL advisory lock (`LakeWarehouse.writing`) and run the
same statements as on a file: DuckLake has no sequences, keys, ON CONFLICT or RETURNING,
so the write path uses none of them (docs/scale-out.md). A lake made by an older newstally
is brought to this one's schema by `upgrade_lake`, which applies the lake variants of the
migrations it lacks.
"""

from __future__ import annotations

import fcntl
import logging
import os
import re
import tempfile
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import duckdb

from warehouse.engine.db import (
    MEMORY_LIMIT_VARIABLE,
    TEMP_DIRECTORY_VARIABLE,
    Warehouse,
    bump_write_count,
    fetch_one,
    memory_limit,
    migrate,
    migration_files,
)
from warehouse.engine.extensions import LAKE_EXTENSIONS, connect_offline
from warehouse.engine.queries import LAKE_BASELINE, lake_migration_files, load_query
from warehouse.errors import WarehouseError, WarehouseUnavailable

# The tables and columns of a migrated warehouse file, in order, as `lake_schema_sql` copies them.
_FILE_COLUMNS = """
    SELECT table_name, column_name, data_type, is_nullable = 'YES', column_default FROM information_schema.columns
    WHERE table_catalog = current_database() ORDER BY table_name, ordinal_position
"""

logger = logging.getLogger(__name__)

LAKE_PREFIX = "ducklake:"
CATALOG = "lake"  # the name the lake is attached under in every connection
_SUPPORTED_CATALOGS = ("postgres:",)
_SOURCE = "lake_import_source"


class LakeNotSupported(WarehouseError):
    """An operation a lake does not do (a backup by file copy)."""


def is_lake_target(target: str | os.PathLike[str]) -> bool:
    """True for `ducklake:...`, the form --db takes for a lake; False for a warehouse file path."""
    return str(target).startswith(LAKE_PREFIX)


class LakeWarehouse(Warehouse):
    """A warehouse in a DuckLake. `Warehouse(target)` returns one for a `ducklake:` target."""

    def __new__(cls, target: str | os.PathLike[str], *, lake_data: str | None = None) -> LakeWarehouse:
        return object.__new__(cls)

    def __init__(self, target: str | os.PathLike[str], *, lake_data: str | None = None) -> None:
        self.target = str(target)
        catalog = self.target[len(LAKE_PREFIX) :]
        if not catalog.startswith(_SUPPORTED_CATALOGS):
            raise WarehouseUnavailable(
                f"unsupported lake {self.target}: use ducklake:postgres:CONNINFO,"
                " e.g. 'ducklake:postgres:dbname=news host=127.0.0.1 user=news'"
            )
        if catalog.startswith(("postgres:postgresql:", "postgres:postgres:")):
            # The URI form (postgresql://...) does not survive being held as a path by the CLI's settings.
            raise WarehouseUnavailable(
                f"unsupported lake {self.target}: give the connection string as key=value pairs,"
                " e.g. 'ducklake:postgres:dbname=news host=db.example user=news'"
            )
        self.lake_data = data_path_text(lake_data) if lake_data else None
        # `path` names the warehouse in messages, as it does for a file.
        self.path = self.target  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"LakeWarehouse({self.target!r})"

    def exists(self) -> bool:
        """True when the lake's catalog exists and holds newstally's tables."""
        try:
            connection = _attached(self.target, self.lake_data, create=False)
        except LakeMissing:
            return False
        return _has_tables(connection)

    @contextmanager
    def reading(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor on the process's attached lake, inside one read transaction (one snapshot)."""
        connection = _attached(self.target, self.lake_data, create=False)
        if not _has_tables(connection):
            raise WarehouseUnavailable(_no_tables_message(self.target))
        with _connections_lock:
            cursor = connection.cursor()
        try:
            _prepare(cursor)
            cursor.execute("BEGIN TRANSACTION")
            try:
                yield cursor
            except duckdb.OutOfMemoryException as error:
                raise WarehouseUnavailable(
                    f"a query on lake {self.target} needed more memory than {MEMORY_LIMIT_VARIABLE} allows"
                ) from error
            except (duckdb.IOException, duckdb.HTTPException) as error:
                raise _unreachable_data(self.target, error) from error
            finally:
                _quietly(cursor, "ROLLBACK")
        finally:
            cursor.close()

    @contextmanager
    def writing(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor on the lake inside one transaction, holding the lake's writer lock: all of the block or none.

        Writers take turns, as they do on a file: the lock is a PostgreSQL advisory lock
        in the lake's own database, held by a second cursor until this transaction has
        committed, so the next writer's snapshot starts after it. Fetching and parsing,
        the work that takes time, run in parallel on every host; only the commits queue.
        A writer that dies loses its PostgreSQL session, and its lock with it.
        """
        connection = _attached(self.target, self.lake_data, create=False)
        if not _has_tables(connection):
            raise WarehouseUnavailable(_no_tables_message(self.target))
        with _writer_lock(self.target), _locked_cursor(connection, self.target), _cursor(connection) as cursor:
            _prepare(cursor)
            _check_schema(cursor, self.target)
            cursor.execute("BEGIN TRANSACTION")
            try:
                yield cursor
                bump_write_count(cursor)
            except duckdb.OutOfMemoryException as error:
                _quietly(cursor, "ROLLBACK")
                raise WarehouseUnavailable(
                    f"a write to lake {self.target} needed more memory than {MEMORY_LIMIT_VARIABLE} allows"
                ) from error
            except (duckdb.IOException, duckdb.HTTPException) as error:
                _quietly(cursor, "ROLLBACK")
                raise _unreachable_data(self.target, error) from error
            except BaseException:
                _quietly(cursor, "ROLLBACK")
                raise
            try:
                cursor.execute("COMMIT")
            except duckdb.Error as error:
                raise WarehouseUnavailable(f"cannot write to lake {self.target}: {_first_line(error)}") from error


# The advisory lock key all newstally writers of one lake take (advisory locks are per database).
_WRITER_LOCK_KEY = 0x6E657773_74616C79 >> 1  # "newstaly", as a positive BIGINT
CONTROL = "newstally_control"  # the lake's PostgreSQL database attached as itself, for the writer lock
_process_writer_locks: dict[str, threading.Lock] = {}


def _writer_lock(target: str) -> threading.Lock:
    """One writer per process and lake at a time; the advisory lock orders the processes."""
    with _connections_lock:
        return _process_writer_locks.setdefault(target, threading.Lock())


@contextmanager
def _cursor(connection: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    with _connections_lock:
        cursor = connection.cursor()
    try:
        yield cursor
    finally:
        cursor.close()


@contextmanager
def _locked_cursor(connection: duckdb.DuckDBPyConnection, target: str) -> Iterator[None]:
    """Hold the lake's writer lock for the block: a PostgreSQL transaction that took the advisory lock."""
    _attach_control(connection, target)
    with _cursor(connection) as lock:
        try:
            lock.execute("BEGIN TRANSACTION")
            lock.execute(f"CALL postgres_execute('{CONTROL}', 'SELECT pg_advisory_xact_lock({_WRITER_LOCK_KEY})')")
        except duckdb.Error as error:
            _quietly(lock, "ROLLBACK")
            raise WarehouseUnavailable(f"cannot take the writer lock of lake {target}: {_first_line(error)}") from error
        try:
            yield
        finally:
            _quietly(lock, "ROLLBACK")  # ends the PostgreSQL transaction, which releases the lock


_controls: set[int] = set()  # ids of connections with the lake's database attached as CONTROL


def _attach_control(connection: duckdb.DuckDBPyConnection, target: str) -> None:
    with _connections_lock:
        if id(connection) in _controls:
            return
        conninfo = target[len(LAKE_PREFIX) :].removeprefix("postgres:")
        try:
            connection.execute(f"ATTACH '{_literal(conninfo)}' AS {CONTROL} (TYPE postgres)")
        except duckdb.Error as error:
            raise WarehouseUnavailable(f"cannot reach the database of lake {target}: {_first_line(error)}") from error
        _controls.add(id(connection))


def _check_schema(cursor: duckdb.DuckDBPyConnection, target: str) -> None:
    """Refuse to write a lake whose tables are not the ones this newstally writes."""
    applied = _applied_versions(cursor)
    shipped = {version for version, _, _ in migration_files()}
    if applied - shipped:
        raise WarehouseUnavailable(_newer_lake_message(target, applied))
    if shipped - applied:
        raise WarehouseUnavailable(
            f"lake {target} is at schema {max(applied, default=0)} and this newstally writes schema {max(shipped)};"
            f" upgrade the lake once, as its owner: newstally --db '{target}' lake upgrade"
        )


def _applied_versions(cursor: duckdb.DuckDBPyConnection) -> set[int]:
    return {int(row[0]) for row in cursor.execute("SELECT version FROM schema_migrations").fetchall()}


def _newer_lake_message(target: str, applied: set[int]) -> str:
    return f"lake {target} was written by a newer newstally (schema {max(applied)}); upgrade newstally on this host"


class LakeMissing(WarehouseUnavailable):
    """The PostgreSQL database holds no DuckLake catalog."""


def data_path_text(lake_data: str) -> str:
    """The DATA_PATH as DuckLake wants it: a URL as given, a local folder absolute, ending in '/'."""
    if urlsplit(lake_data).scheme in ("", "file"):
        lake_data = str(Path(lake_data.removeprefix("file://")).expanduser().resolve())
    return lake_data if lake_data.endswith("/") else lake_data + "/"


def init_lake(target: str, lake_data: str) -> None:
    """Create the DuckLake catalog and newstally's tables in an empty PostgreSQL database."""
    data_path = data_path_text(lake_data)
    if urlsplit(data_path).scheme == "":
        try:
            Path(data_path).mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise WarehouseUnavailable(
                f"cannot create the lake's data folder {data_path}: {error.strerror or error}"
            ) from error
    try:
        # A catalog that exists keeps the data path it was made with.
        connection = _attached(target, None, create=False)
    except LakeMissing:
        connection = _attached(target, data_path, create=True)
    if _has_tables(connection):
        raise WarehouseUnavailable(f"lake {target} already holds newstally's tables; nothing was changed")
    with _connections_lock:
        cursor = connection.cursor()
    try:
        _prepare(cursor)
        cursor.execute("BEGIN TRANSACTION")
        try:
            cursor.execute(lake_schema_sql())
            cursor.executemany(
                "INSERT INTO schema_migrations VALUES (?, ?, now()::TIMESTAMP)",
                [[version, name] for version, name, _ in migration_files()],
            )
            cursor.execute("COMMIT")
        except BaseException:
            _quietly(cursor, "ROLLBACK")
            raise
    except duckdb.Error as error:
        raise WarehouseUnavailable(
            f"cannot create newstally's tables in lake {target}: {_first_line(error)}"
        ) from error
    finally:
        cursor.close()


def import_warehouse(target: str, source: Path, *, lake_data: str | None = None) -> dict[str, int]:
    """Copy every table of the warehouse file `source` into the lake, in one commit; rows per table.

    The lake must be freshly created (`init_lake`) and empty. Rows keep their ids and
    their order, so the same queries give the same answers.
    """
    source_warehouse = Warehouse(Path(source))
    if not source_warehouse.exists():
        raise WarehouseUnavailable(f"no warehouse at {source}")
    connection = _attached(target, lake_data, create=False)
    if not _has_tables(connection):
        raise WarehouseUnavailable(_no_tables_message(target))
    with _connections_lock:
        cursor = connection.cursor()
    # The file's shared lock keeps its writers out while it is copied, as for any reader.
    with source_warehouse._flock(fcntl.LOCK_SH):
        try:
            _prepare(cursor)
            cursor.execute(f"ATTACH '{_literal(str(Path(source).resolve()))}' AS {_SOURCE} (READ_ONLY)")
            try:
                return _copy_tables(cursor, target, source)
            finally:
                _quietly(cursor, f"DETACH {_SOURCE}")
        except duckdb.Error as error:
            raise WarehouseUnavailable(f"cannot import {source} into lake {target}: {_first_line(error)}") from error
        finally:
            cursor.close()


_TABLES_IN = "SELECT table_name FROM duckdb_tables() WHERE database_name = ? AND schema_name = 'main' ORDER BY 1"
_SOURCE_SEQUENCES = "SELECT sequence_name, last_value FROM duckdb_sequences() WHERE database_name = ? ORDER BY 1"
_LAKE_ONLY_TABLES = frozenset({"lake_sequences"})


def _copy_tables(cursor: duckdb.DuckDBPyConnection, target: str, source: Path) -> dict[str, int]:
    source_tables = [row[0] for row in cursor.execute(_TABLES_IN, [_SOURCE]).fetchall()]
    lake_tables = {row[0] for row in cursor.execute(_TABLES_IN, [CATALOG]).fetchall()}
    unknown = sorted(set(source_tables) - lake_tables)
    if unknown:
        raise WarehouseUnavailable(
            f"{source} has tables this lake does not: {', '.join(unknown)}; is it from a newer newstally?"
        )
    shipped = sorted(version for version, _, _ in migration_files())
    applied = [
        row[0] for row in cursor.execute(f"SELECT version FROM {_SOURCE}.schema_migrations ORDER BY 1").fetchall()
    ]
    if applied != shipped:
        raise WarehouseUnavailable(
            f"{source} is at another schema version than this newstally ({applied[-1:] or 'none'} against"
            f" {shipped[-1:]}): open it once for writing with this newstally (e.g. 'newstally --db {source} retally')"
        )
    cursor.execute("BEGIN TRANSACTION")
    try:
        stored = fetch_one(cursor.execute("SELECT (SELECT count(*) FROM articles) + (SELECT count(*) FROM feeds)"))
        if stored and stored[0]:
            raise WarehouseUnavailable(f"lake {target} already holds data; import only into a new lake")
        cursor.execute("DELETE FROM schema_migrations")
        counts = {}
        for table in source_tables:
            # Table names come from the catalogs, never from a user; rowid order keeps
            # the order readers rely on (entities in watchlist order).
            cursor.execute(f'INSERT INTO "{table}" BY NAME SELECT * FROM {_SOURCE}.main."{table}" ORDER BY rowid')
            counts[table] = _count(cursor, f'{_SOURCE}.main."{table}"')
        sequences = cursor.execute(_SOURCE_SEQUENCES, [_SOURCE]).fetchall()
        cursor.executemany("INSERT INTO lake_sequences VALUES (?, ?)", [list(row) for row in sequences])
        for table, expected in counts.items():
            copied = _count(cursor, f'"{table}"')
            if copied != expected:
                raise WarehouseUnavailable(f"copying {table} gave {copied} rows instead of {expected}; nothing stored")
        cursor.execute("COMMIT")
    except BaseException:
        _quietly(cursor, "ROLLBACK")
        raise
    return counts


def maintain_lake(target: str, *, older_than_hours: float = 1.0, lake_data: str | None = None) -> dict[str, int]:
    """Compact small data files, expire snapshots older than the given age, delete the files they freed.

    Snapshots younger than `older_than_hours` (and their files) stay for readers still on them.
    Returns the number of data files before and after. It holds the writer lock: compaction
    rewrites files that a concurrent writer's deletes would conflict with.
    """
    connection = _attached(target, lake_data, create=False)
    with _writer_lock(target), _locked_cursor(connection, target), _cursor(connection) as cursor:
        return _maintain(cursor, target, older_than_hours)


def _maintain(cursor: duckdb.DuckDBPyConnection, target: str, older_than_hours: float) -> dict[str, int]:
    try:
        _prepare(cursor)
        before = _data_file_count(cursor)
        cursor.execute(f"CALL ducklake_flush_inlined_data('{CATALOG}')")
        cursor.execute(f"CALL ducklake_merge_adjacent_files('{CATALOG}')")
        age = f"now() - INTERVAL '{float(older_than_hours) * 3600:.0f} seconds'"
        cursor.execute(f"CALL ducklake_expire_snapshots('{CATALOG}', older_than => {age})")
        cursor.execute(f"CALL ducklake_cleanup_old_files('{CATALOG}', older_than => {age})")
        return {"files_before": before, "files_after": _data_file_count(cursor)}
    except duckdb.Error as error:
        raise WarehouseUnavailable(f"cannot maintain lake {target}: {_first_line(error)}") from error


def _data_file_count(cursor: duckdb.DuckDBPyConnection) -> int:
    row = fetch_one(cursor.execute(f"SELECT count(*) FROM __ducklake_metadata_{CATALOG}.ducklake_data_file"))
    return int(row[0]) if row else 0


@dataclass(frozen=True)
class LakeUpgrade:
    """What `upgrade_lake` did: the schema before and after, and the migrations it applied (none: nothing to do)."""

    schema_before: int
    schema_after: int
    applied: tuple[str, ...]


def upgrade_lake(target: str, *, lake_data: str | None = None) -> LakeUpgrade:
    """Bring a lake to this newstally's schema: the lake variants of the migrations it lacks, in one commit.

    All of them run in one DuckLake transaction, each recorded in `schema_migrations`, so a
    failure anywhere leaves the lake exactly as it was, at its old schema. It holds the
    writer lock, so no writer of this lake is between two of its statements; writers of
    the old newstally refuse the lake once it is upgraded, those of the new one before.
    """
    connection = _attached(target, lake_data, create=False)
    if not _has_tables(connection):
        raise WarehouseUnavailable(_no_tables_message(target))
    with _writer_lock(target), _locked_cursor(connection, target), _cursor(connection) as cursor:
        _prepare(cursor)
        applied = _applied_versions(cursor)
        steps = pending_lake_migrations(target, applied)
        before = max(applied, default=0)
        if not steps:
            return LakeUpgrade(schema_before=before, schema_after=before, applied=())
        failing = "its start"
        try:
            cursor.execute("BEGIN TRANSACTION")
            for version, name, sql in steps:
                failing = f"the lake variant of {name}"
                cursor.execute(sql)
                cursor.execute("INSERT INTO schema_migrations VALUES (?, ?, now()::TIMESTAMP)", [version, name])
            failing = "its commit"
            # A migration may fill tables: readers' caches, keyed on the write count, must notice.
            bump_write_count(cursor)
            cursor.execute("COMMIT")
        except duckdb.Error as error:
            _quietly(cursor, "ROLLBACK")
            raise WarehouseUnavailable(
                f"cannot upgrade lake {target}: {failing} failed: {_first_line(error)}{_catalog_refusal(error)};"
                f" nothing was changed, the lake is still at schema {before}"
            ) from error
        except BaseException:
            _quietly(cursor, "ROLLBACK")
            raise
        return LakeUpgrade(schema_before=before, schema_after=steps[-1][0], applied=tuple(name for _, name, _ in steps))


def _catalog_refusal(error: duckdb.Error) -> str:
    """PostgreSQL's own reason when it refused DuckLake's commit, which DuckDB puts pages below its first line.

    Most often "permission denied for schema public": a schema change makes tables in the
    catalog's database, which only the lake's owner may (docs/scale-out.md, "PostgreSQL").
    """
    refused = re.search(r"\bERROR:\s+(.+)", str(error))
    return f" ({refused.group(1).strip()})" if refused else ""


def pending_lake_migrations(target: str, applied: set[int]) -> list[tuple[int, str, str]]:
    """(version, name, sql) of the lake variants a lake with these migrations applied needs, in order.

    Refuses a lake newer than this newstally, and one lacking a migration that has no lake
    variant, naming it: a migration up to LAKE_BASELINE (no lake made by newstally lacks
    one), or a newer one shipped without its variant.
    """
    shipped = migration_files()
    if applied - {version for version, _, _ in shipped}:
        raise WarehouseUnavailable(_newer_lake_message(target, applied))
    variants = {name: (version, name, sql) for version, name, sql in lake_migration_files()}
    steps = []
    for version, name, _ in shipped:
        if version in applied:
            continue
        if version <= LAKE_BASELINE:
            raise WarehouseUnavailable(
                f"lake {target} lacks migration {name}, which every lake newstally makes has, so it cannot be"
                " upgraded: lake init a new one and lake import a file"
            )
        if name not in variants:
            raise WarehouseUnavailable(
                f"this newstally ships migration {name} without its lake variant (migrations/lake/{name}),"
                f" so it cannot upgrade lake {target}; nothing was changed"
            )
        steps.append(variants[name])
    return steps


def lake_schema_sql() -> str:
    """CREATE TABLE statements for a lake: every table and column of a fully migrated warehouse file.

    Derived from the migrations themselves (applied to an in-memory database), so a new
    migration reaches a new lake without a second copy of the schema (an existing lake gets
    it from its lake variant, `upgrade_lake`); what DuckLake lacks
    (keys, sequences and the defaults that call them, foreign keys) is left out; NOT NULL
    and constant defaults are kept, so an INSERT written for the file works. The lake's own
    `lake_sequences` table (warehouse/sql/lake_sequences.sql) is added at the end.
    """
    memory = duckdb.connect(":memory:")
    try:
        migrate(memory)
        columns = memory.execute(_FILE_COLUMNS).fetchall()
    finally:
        memory.close()
    tables: dict[str, list[str]] = {}
    for table, column, data_type, nullable, default in columns:
        constant = f" DEFAULT {default}" if default is not None and not default.startswith("nextval(") else ""
        tables.setdefault(table, []).append(f"    {column} {data_type}{'' if nullable else ' NOT NULL'}{constant}")
    statements = [f"CREATE TABLE {table} (\n" + ",\n".join(lines) + "\n);" for table, lines in tables.items()]
    return "\n\n".join([*statements, load_query("lake_sequences")])


# --- the one attached connection of this process ---------------------------------------------

_connections: dict[str, duckdb.DuckDBPyConnection] = {}
_connections_lock = threading.RLock()


def _attached(target: str, lake_data: str | None, *, create: bool) -> duckdb.DuckDBPyConnection:
    """This process's connection with the lake attached as `lake`, made on first use.

    One per target: a process names its data path once (a later, different --lake-data in
    the same process is not re-attached).
    """
    with _connections_lock:
        connection = _connections.get(target)
        if connection is not None:
            return connection
        secret = s3_secret_sql(os.environ)
        connection = connect_offline(names=LAKE_EXTENSIONS, config=_lake_config())
        options = [] if create else ["CREATE_IF_NOT_EXISTS false"]
        if lake_data:
            options.append(f"DATA_PATH '{_literal(data_path_text(lake_data))}'")
            if not create:
                # The same files under another mount point on this host.
                options.append("OVERRIDE_DATA_PATH true")
        attach = f"ATTACH '{_literal(target)}' AS {CATALOG}" + (f" ({', '.join(options)})" if options else "")
        try:
            if secret:
                connection.execute(secret)
            connection.execute(attach)
        except duckdb.Error as error:
            connection.close()
            text = _first_line(error)
            if "creating a new DuckLake is explicitly disabled" in text:
                raise LakeMissing(
                    f"no lake at {target}: create it with 'newstally --db \"{target}\" --lake-data DIR lake init'"
                ) from error
            raise WarehouseUnavailable(f"cannot open lake {target}: {text}") from error
        _connections[target] = connection
        return connection


# A data path on S3-compatible storage (s3://bucket/prefix/): the DuckDB secret option each variable sets.
S3_VARIABLES = (
    ("KEY_ID", "NEWSTALLY_S3_KEY_ID"),
    ("SECRET", "NEWSTALLY_S3_SECRET"),
    ("REGION", "NEWSTALLY_S3_REGION"),
    ("ENDPOINT", "NEWSTALLY_S3_ENDPOINT"),  # host[:port] of a store other than AWS (MinIO, Ceph, R2)
    ("URL_STYLE", "NEWSTALLY_S3_URL_STYLE"),  # path (most self-hosted stores) or vhost (AWS's default)
    ("USE_SSL", "NEWSTALLY_S3_USE_SSL"),  # false for a plain-HTTP endpoint
)

_S3_CHOICES = {"NEWSTALLY_S3_URL_STYLE": ("path", "vhost"), "NEWSTALLY_S3_USE_SSL": ("true", "false")}


def s3_secret_sql(environ: Mapping[str, str]) -> str | None:
    """The CREATE SECRET that lets this process's connection read and write the lake's files on S3.

    Made from the NEWSTALLY_S3_* variables that are set (None when none is), as a temporary
    secret: it lives in this connection only and is never written to disk. (httpfs also takes
    AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION and DUCKDB_S3_ENDPOINT from the
    environment as its deprecated global settings, but has no variable for the URL style that
    most self-hosted stores need; a secret, when there is one, wins over those settings.)
    """
    for name, choices in _S3_CHOICES.items():
        value = environ.get(name)
        if value and value.lower() not in choices:
            raise WarehouseUnavailable(f"bad {name}={value!r}: use {' or '.join(choices)}")
    options = [f"{option} '{_literal(environ[name])}'" for option, name in S3_VARIABLES if environ.get(name)]
    if not options:
        return None
    return f"CREATE TEMPORARY SECRET newstally_s3 (TYPE s3, {', '.join(options)})"


def close_lakes() -> None:
    """Detach every lake this process opened (tests; a process that exits needs not)."""
    with _connections_lock:
        for connection in _connections.values():
            connection.close()
        _connections.clear()
        _ready.clear()
        _controls.clear()


def _lake_config() -> dict[str, str | bool | int | float | list[str]]:
    temp = os.environ.get(TEMP_DIRECTORY_VARIABLE) or str(Path(tempfile.gettempdir()) / f"newstally-{os.getuid()}.tmp")
    return {"memory_limit": memory_limit(), "temp_directory": temp}


def _prepare(cursor: duckdb.DuckDBPyConnection) -> None:
    cursor.execute(f"USE {CATALOG}")
    # Timestamps are stored as naive UTC; the session zone only matters for casts.
    cursor.execute("SET TimeZone = 'UTC'")


_ready: set[int] = set()  # ids of connections whose lake was seen holding newstally's tables


def _has_tables(connection: duckdb.DuckDBPyConnection) -> bool:
    """Whether the attached lake holds newstally's tables (once seen, never asked again)."""
    if id(connection) in _ready:
        return True
    with _connections_lock:
        cursor = connection.cursor()
    try:
        row = fetch_one(
            cursor.execute(
                "SELECT count(*) FROM duckdb_tables() WHERE database_name = ? AND table_name = 'schema_migrations'",
                [CATALOG],
            )
        )
    finally:
        cursor.close()
    if row and row[0]:
        _ready.add(id(connection))
        return True
    return False


def _no_tables_message(target: str) -> str:
    return f"lake {target} has no newstally tables: run 'newstally lake init' or 'newstally lake import FILE' first"


def _count(cursor: duckdb.DuckDBPyConnection, table: str) -> int:
    row = fetch_one(cursor.execute(f"SELECT count(*) FROM {table}"))
    return int(row[0]) if row else 0


def _literal(text: str) -> str:
    """Text inside a single-quoted SQL literal, for statements that take no parameters (ATTACH)."""
    return text.replace("'", "''")


def _quietly(cursor: duckdb.DuckDBPyConnection, statement: str) -> None:
    try:
        cursor.execute(statement)
    except duckdb.Error:
        logger.debug("%s failed", statement, exc_info=True)


def _unreachable_data(target: str, error: duckdb.Error) -> WarehouseUnavailable:
    """The one-line error for a lake whose data files cannot be read or written (a folder gone or
    unmounted, storage that does not answer): the catalog is fine, so it names the data path's error."""
    return WarehouseUnavailable(
        f"cannot reach the data files of lake {target}: {_first_line(error)}; nothing was changed"
    )


def _first_line(error: BaseException) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]
