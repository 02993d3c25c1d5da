"""DuckDB extensions loaded from their PyPI wheels, never downloaded at run time.

DuckDB would fetch `ducklake`, `postgres_scanner` and `httpfs` from its own extension
repository the first time a statement needs them. A warehouse host may have no route
there, and a download at run time is not something an operator can pin or review. So
each extension comes from its wheel (`duckdb-extension-<name>`, pinned beside duckdb in
requirements.lock), which holds one file: `extensions/v<duckdb version>/<name>.duckdb_extension`.
A connection made here has autoinstall and autoload off, an extension directory of
newstally's own, installs each file from its path once (a no-op afterwards) and loads it
by name.
"""

from __future__ import annotations

import fcntl
import os
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

import duckdb

from warehouse.errors import WarehouseUnavailable

# extension name -> (import package, distribution to pip-install)
_WHEELS = {
    "ducklake": ("duckdb_extension_ducklake", "duckdb-extension-ducklake"),
    "postgres_scanner": ("duckdb_extension_postgres_scanner", "duckdb-extension-postgres-scanner"),
    "httpfs": ("duckdb_extension_httpfs", "duckdb-extension-httpfs"),
}
LAKE_EXTENSIONS = ("ducklake", "postgres_scanner", "httpfs")  # httpfs: a data path on S3-compatible storage
EXTENSION_DIRECTORY_VARIABLE = "NEWSTALLY_EXTENSION_DIRECTORY"


class ExtensionMissing(WarehouseUnavailable):
    """The wheel of a DuckDB extension newstally needs is not installed for this DuckDB."""


def extension_file(name: str) -> Path:
    """The `.duckdb_extension` file of `name` inside its installed wheel, for the running DuckDB."""
    package, distribution = _WHEELS[name]
    version = duckdb.__version__
    fix = f"install it with: pip install {distribution}=={version}"
    try:
        root = resources.files(package)
    except ModuleNotFoundError:
        raise ExtensionMissing(f"the DuckDB extension {name} is not installed; {fix}") from None
    found = Path(str(root)) / "extensions" / f"v{version}" / f"{name}.duckdb_extension"
    if not found.is_file():
        raise ExtensionMissing(f"the installed {distribution} holds no {name} extension for DuckDB {version}; {fix}")
    return found


def extension_directory() -> Path:
    """Where installed extensions are kept: NEWSTALLY_EXTENSION_DIRECTORY, else a per-user cache folder.

    Never DuckDB's default (~/.duckdb/extensions), which other DuckDB programs on the host
    fill with downloaded files of their own.
    """
    configured = os.environ.get(EXTENSION_DIRECTORY_VARIABLE)
    if configured:
        return Path(configured)
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "newstally" / "duckdb-extensions"
    if _can_create(cache):
        return cache
    # A service account without a writable home (nobody, a read-only image).
    return Path(tempfile.gettempdir()) / f"newstally-{os.getuid()}" / "duckdb-extensions"


def _can_create(path: Path) -> bool:
    existing = path
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    return os.access(existing, os.W_OK)


def offline_config() -> dict[str, str | bool]:
    """Connection settings that keep DuckDB from reaching for extensions on its own."""
    return {
        "autoinstall_known_extensions": False,
        "autoload_known_extensions": False,
        "extension_directory": str(extension_directory()),
    }


def load_extensions(connection: duckdb.DuckDBPyConnection, names: Iterable[str] = LAKE_EXTENSIONS) -> None:
    """Install (once) and load each extension from its wheel file."""
    files = [(name, extension_file(name)) for name in names]
    directory = extension_directory()
    with _install_lock(directory):
        for name, path in files:
            try:
                # INSTALL of an extension already in the directory does nothing; from a path it
                # never touches the network. The path is a parameter-free literal: INSTALL takes none.
                connection.execute(f"INSTALL '{_quoted(path)}'")
                connection.execute(f"LOAD {name}")
            except duckdb.Error as error:
                first_line = (str(error).strip().splitlines() or [type(error).__name__])[0]
                raise ExtensionMissing(f"cannot load the DuckDB extension {name} from {path}: {first_line}") from error


def connect_offline(
    database: str = ":memory:",
    names: Iterable[str] = LAKE_EXTENSIONS,
    config: dict[str, str | bool | int | float | list[str]] | None = None,
) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection with autoinstall/autoload off and the named extensions loaded from their wheels."""
    connection = duckdb.connect(database, config={**(config or {}), **offline_config()})
    try:
        load_extensions(connection, names)
    except BaseException:
        connection.close()
        raise
    return connection


@contextmanager
def _install_lock(directory: Path) -> Iterator[None]:
    """Two processes installing into one directory at once would race on the copied file."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fd = os.open(directory / ".install.lock", os.O_RDWR | os.O_CREAT, 0o664)
    except OSError as error:
        raise WarehouseUnavailable(
            f"cannot use the DuckDB extension directory {directory}: {error.strerror or error};"
            f" set {EXTENSION_DIRECTORY_VARIABLE} to a writable folder"
        ) from error
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def _quoted(path: Path) -> str:
    return str(path).replace("'", "''")
