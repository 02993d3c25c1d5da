"""A consistent copy of the warehouse while the scheduler and dashboards keep running.

The copy is taken under the shared lock of `warehouse.engine.db`: readers go on, a writer waits
until the bytes are copied (about a second per GB), and no commit can land half in the
copy. The log of commits not yet folded into the file (`.wal`) is copied with it and
folded in, so the backup is one self-contained DuckDB file.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb

from warehouse.engine.db import Warehouse, connection_config
from warehouse.engine.lake import LakeNotSupported, is_lake_target
from warehouse.errors import WarehouseError, WarehouseNotWritable, WarehouseUnavailable

__all__ = ["backup_warehouse"]


def backup_warehouse(wh: Warehouse, destination: Path) -> int:
    """Copy the warehouse to `destination` (a new file); returns its size in bytes.

    Raises WarehouseError when `destination` exists, WarehouseNotWritable when it cannot
    be written (no space, no permission), leaving no partial file behind.
    """
    if is_lake_target(wh.path):
        raise LakeNotSupported(
            "not yet supported on a lake: back up its PostgreSQL database (pg_dump) and its data path together"
        )
    destination = Path(destination)
    if destination.exists():
        raise WarehouseError(f"{destination} already exists: back up to a new file")
    if destination.resolve() == wh.path.resolve():
        raise WarehouseError("the backup cannot be the warehouse itself")
    partial = destination.with_name(destination.name + ".partial")
    partial_wal = partial.with_name(partial.name + ".wal")
    try:
        with wh.reading():  # the shared lock: no writer until the copy is whole
            shutil.copyfile(wh.path, partial)
            if wh.wal_path.exists():
                shutil.copyfile(wh.wal_path, partial_wal)
        connection = duckdb.connect(str(partial), config=connection_config(partial))
        try:
            connection.execute("CHECKPOINT")  # fold the copied log into the file
        finally:
            connection.close()
        os.replace(partial, destination)
    except OSError as error:
        raise WarehouseNotWritable(
            f"cannot write backup {destination}: {error.strerror or error}; nothing was written"
        ) from error
    except duckdb.Error as error:
        raise WarehouseUnavailable(f"cannot complete backup {destination}: {error}") from error
    finally:
        for leftover in (partial, partial_wal):
            leftover.unlink(missing_ok=True)
    return destination.stat().st_size
