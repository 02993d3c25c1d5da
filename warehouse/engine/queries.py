"""The one place the warehouse reads its SQL files: named queries and the numbered migrations.

Queries are the statements too long to read inline, one per file in `warehouse/sql/`
(`load_query("entity_series")` reads `warehouse/sql/entity_series.sql`); migrations are
`warehouse/engine/migrations/NNNN_name.sql`, applied in order by `warehouse.engine.db.migrate`,
and a migration newer than `LAKE_BASELINE` also ships as a lake variant of the same name in
`migrations/lake/`, which `newstally lake upgrade` applies to an existing lake.
Both ship as package data, so they are found in a wheel as in the checkout.
"""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path

QUERIES_PACKAGE = "warehouse.sql"
MIGRATIONS_PACKAGE = "warehouse.engine.migrations"

# Where the migrations are read from: the shipped ones (a folder, in a checkout as in an
# installed wheel); a test points it at a folder of its own.
MIGRATIONS_FOLDER = Path(str(resources.files(MIGRATIONS_PACKAGE)))
LAKE_VARIANTS = "lake"  # the subfolder of MIGRATIONS_FOLDER holding the lake variants

# The newest migration that needs no lake variant: every lake made before lake variants
# existed holds migrations 1 to 8 (`lake init` built it from their schema, `lake_schema_sql`);
# a newer migration reaches an existing lake only through its lake variant.
LAKE_BASELINE = 8


def load_query(name: str) -> str:
    """The text of `warehouse/sql/<name>.sql`."""
    return resources.files(QUERIES_PACKAGE).joinpath(f"{name}.sql").read_text(encoding="utf-8")


def migration_files() -> list[tuple[int, str, str]]:
    """(version, name, sql) of every shipped migration, in order; name is the file's name."""
    return _migrations_in(MIGRATIONS_FOLDER)


def lake_migration_files() -> list[tuple[int, str, str]]:
    """(version, name, sql) of every lake variant, in order: same version and name as its file migration.

    A lake variant does on a DuckLake what its migration does on a file, in what DuckLake
    has: tables without keys or sequences, added columns with constant defaults, INSERT,
    UPDATE, DELETE (docs/scale-out.md, "Upgrading a lake's schema").
    """
    return _migrations_in(MIGRATIONS_FOLDER / LAKE_VARIANTS)


@functools.cache
def _migrations_in(folder: Path) -> list[tuple[int, str, str]]:
    """The NNNN_name.sql files of a folder, in order; none when there is no such folder.

    Read once per process and folder: a long-running scheduler must apply only the migrations
    its own code knows, not one an upgrade has just put on disk beside it (a new table it
    would not keep up to date).
    """
    if not folder.is_dir():
        return []
    found = []
    for entry in folder.iterdir():
        name = entry.name
        if name.endswith(".sql") and name[:4].isdigit():
            found.append((int(name[:4]), name, entry.read_text(encoding="utf-8")))
    return sorted(found)
