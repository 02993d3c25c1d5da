"""Lake variants: every migration newer than the lake baseline has one, and it makes the tables a new lake has.

A lake made by `lake init` holds every migration up to LAKE_BASELINE; a newer migration
reaches an existing lake only through its lake variant (`newstally lake upgrade`).
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from tests.conftest import SAMPLE_MIGRATION_NAME, SAMPLE_VERSION, migrations_with_sample
from warehouse.engine import extensions, queries
from warehouse.engine.lake import _catalog_refusal, lake_schema_sql, pending_lake_migrations
from warehouse.engine.queries import LAKE_BASELINE, lake_migration_files, migration_files
from warehouse.errors import WarehouseUnavailable

_COLUMNS = """
    SELECT table_name, column_name, data_type, is_nullable, column_default FROM information_schema.columns
    WHERE table_catalog = 'lake' ORDER BY table_name, ordinal_position
"""
TARGET = "ducklake:postgres:dbname=news"


def test_every_migration_newer_than_the_lake_baseline_has_a_lake_variant() -> None:
    newer = {name for version, name, _ in migration_files() if version > LAKE_BASELINE}
    variants = {name for _, name, _ in lake_migration_files()}
    missing = sorted(newer - variants)
    assert missing == [], (
        f"write warehouse/engine/migrations/lake/{missing[0] if missing else ''}: the same change in what"
        " DuckLake has, for `newstally lake upgrade` (docs/scale-out.md, 'Upgrading a lake's schema')"
    )


def test_every_lake_variant_belongs_to_a_shipped_migration_newer_than_the_baseline() -> None:
    newer = {name for version, name, _ in migration_files() if version > LAKE_BASELINE}
    assert {name for _, name, _ in lake_migration_files()} <= newer


def test_the_lake_baseline_is_a_shipped_migration() -> None:
    assert LAKE_BASELINE in {version for version, _, _ in migration_files()}


@pytest.mark.parametrize("with_sample", [False, True], ids=["shipped", "with the sample migration"])
def test_the_lake_variants_bring_a_lake_at_the_baseline_to_the_columns_of_a_new_lake(
    with_sample: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(extensions.EXTENSION_DIRECTORY_VARIABLE, str(tmp_path / "extensions"))
    if with_sample:
        monkeypatch.setattr(queries, "MIGRATIONS_FOLDER", migrations_with_sample(tmp_path / "migrations"))
    new_lake = lake_schema_sql()
    variants = [sql for version, _, sql in lake_migration_files() if version > LAKE_BASELINE]
    baseline = tmp_path / "baseline"
    baseline.mkdir()
    for version, name, sql in migration_files():
        if version <= LAKE_BASELINE:
            (baseline / name).write_text(sql, encoding="utf-8")
    monkeypatch.setattr(queries, "MIGRATIONS_FOLDER", baseline)
    lake_at_baseline = lake_schema_sql()

    assert _columns(tmp_path / "upgraded", [lake_at_baseline, *variants]) == _columns(tmp_path / "new", [new_lake])
    if with_sample:
        assert any("source_totals" in sql for sql in variants)


def _columns(folder: Path, statements: list[str]) -> list[tuple]:
    """The columns of a lake (a local DuckLake catalog file standing in for PostgreSQL) after `statements`."""
    connection = extensions.connect_offline()
    try:
        connection.execute(f"ATTACH 'ducklake:{folder}.ducklake' AS lake (DATA_PATH '{folder}/')")
        connection.execute("USE lake")
        connection.execute(statements[0])
        # The variants in one transaction, as `upgrade_lake` applies them.
        connection.execute("BEGIN TRANSACTION")
        for statement in statements[1:]:
            connection.execute(statement)
        connection.execute("COMMIT")
        return connection.execute(_COLUMNS).fetchall()
    finally:
        connection.close()


def test_a_lake_lacking_the_newest_migration_gets_its_lake_variant(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shipped = {version for version, _, _ in migration_files()}
    monkeypatch.setattr(queries, "MIGRATIONS_FOLDER", migrations_with_sample(tmp_path / "migrations"))
    steps = pending_lake_migrations(TARGET, shipped)
    assert [(version, name) for version, name, _ in steps] == [(SAMPLE_VERSION, SAMPLE_MIGRATION_NAME)]
    assert "source_id INTEGER NOT NULL" in steps[0][2]  # the lake variant, not the file's
    assert pending_lake_migrations(TARGET, {*shipped, SAMPLE_VERSION}) == []


def test_a_lake_lacking_a_migration_of_the_baseline_cannot_be_upgraded() -> None:
    with pytest.raises(WarehouseUnavailable, match=r"lacks migration 0008_collections\.sql.*lake init a new one"):
        pending_lake_migrations(TARGET, set(range(1, 8)))


def test_a_lake_newer_than_this_newstally_is_refused() -> None:
    shipped = {version for version, _, _ in migration_files()}
    with pytest.raises(WarehouseUnavailable, match=r"written by a newer newstally \(schema 9999\)"):
        pending_lake_migrations(TARGET, {*shipped, 9999})


def test_an_upgrade_refused_by_postgresql_says_why_in_its_one_line() -> None:
    # What DuckDB 1.5.5 raised when the ingest role (no CREATE on the schema) ran `lake upgrade`, shortened.
    error = duckdb.TransactionException(
        "TransactionContext Error: Failed to commit: Failed to commit DuckLake transaction.\n"
        'Failed to flush changes into DuckLake: Failed to execute query "INSERT INTO ...;\n...":'
        " ERROR:  permission denied for schema public\nLINE 1: ...CREATE TABLE IF NOT EXISTS ..."
    )
    assert _catalog_refusal(error) == " (permission denied for schema public)"
    assert _catalog_refusal(duckdb.CatalogException("Catalog Error: Table with name nope does not exist!")) == ""
