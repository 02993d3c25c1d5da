"""The lake's tables are the file's tables: same names, columns, order, types and NOT NULLs."""

from __future__ import annotations

from pathlib import Path

import pytest

import warehouse
from warehouse.engine import extensions
from warehouse.engine.lake import lake_schema_sql

_COLUMNS = """
    SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns
    WHERE table_catalog = ? ORDER BY table_name, ordinal_position
"""


def test_the_lake_schema_has_every_column_of_a_migrated_warehouse_file(
    fresh_warehouse: warehouse.Warehouse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(extensions.EXTENSION_DIRECTORY_VARIABLE, str(tmp_path / "extensions"))
    with fresh_warehouse.reading() as connection:
        file_columns = connection.execute(_COLUMNS, ["newstally"]).fetchall()
    connection = extensions.connect_offline()
    try:
        # A DuckLake with a local catalog file stands in for PostgreSQL: the schema is the same.
        connection.execute(f"ATTACH 'ducklake:{tmp_path / 'catalog.ducklake'}' AS lake (DATA_PATH '{tmp_path}/')")
        connection.execute("USE lake")
        connection.execute(lake_schema_sql())
        lake_columns = connection.execute(_COLUMNS, ["lake"]).fetchall()
    finally:
        connection.close()
    assert [column for column in lake_columns if column[0] != "lake_sequences"] == file_columns
    assert {column[0] for column in file_columns} >= {"articles", "mentions", "schema_migrations", "slot_mentions"}
