"""The one place the warehouse reads its SQL files: named queries and the numbered migrations.

Queries are the statements too long to read inline, one per file in `warehouse/sql/`
(`load_query("entity_series")` reads `warehouse/sql/entity_series.sql`); migrations are
`warehouse/engine/migrations/NNNN_name.sql`, applied in order by `warehouse.engine.db.migrate`.
Both ship as package data, so they are found in a wheel as in the checkout.
"""

from __future__ import annotations

import functools
from importlib import resources

QUERIES_PACKAGE = "warehouse.sql"
MIGRATIONS_PACKAGE = "warehouse.engine.migrations"


def load_query(name: str) -> str:
    """The text of `warehouse/sql/<name>.sql`."""
    return resources.files(QUERIES_PACKAGE).joinpath(f"{name}.sql").read_text(encoding="utf-8")


@functools.cache
def migration_files() -> list[tuple[int, str, str]]:
    """(version, name, sql) of every shipped migration, in order.

    Read once per process: a long-running scheduler must apply only the migrations its
    own code knows, not one an upgrade has just put on disk beside it (a new table it
    would not keep up to date).
    """
    found = []
    for entry in resources.files(MIGRATIONS_PACKAGE).iterdir():
        name = entry.name
        if name.endswith(".sql") and name[:4].isdigit():
            found.append((int(name[:4]), name, entry.read_text(encoding="utf-8")))
    return sorted(found)
