"""`newstally lake upgrade` brings a lake to a newer schema in place, all of it or none.

No migration newer than the lake baseline ships yet, so these tests bring their own, one above
the newest shipped (tests/fixtures/sample_migration: a file migration and its lake variant; 9
today), in a folder holding the shipped migrations beside it. The real CLI runs in a
subprocess with its migrations read from that folder (`warehouse.engine.queries.MIGRATIONS_FOLDER`,
set before the CLI starts): a newstally that ships the sample. The lake is made and filled at
the shipped schema (8 today) in this process, by the shipped code.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

import warehouse
import warehouse.engine.queries
from tests.conftest import (
    REPO_ROOT,
    SAMPLE_MIGRATION_NAME,
    SAMPLE_VERSION,
    SHIPPED_EVENTS,
    SHIPPED_SCHEMA,
    SHIPPED_WATCHLIST,
    article,
    migrations_with_sample,
)
from tests.postgres_cluster import PostgresCluster
from warehouse.engine.lake import close_lakes

# Good statements first, then one naming a table that does not exist.
FAILING_LAKE_VARIANT = """
ALTER TABLE sources ADD COLUMN feed_count INTEGER DEFAULT 0;
UPDATE sources SET name = 'overwritten';
CREATE TABLE source_totals (source_id INTEGER NOT NULL, articles BIGINT NOT NULL DEFAULT 0);
INSERT INTO source_totals SELECT source_id, count(*) FROM no_such_table GROUP BY source_id;
"""

_RUN_WITH_MIGRATIONS = """
import sys
from pathlib import Path
import warehouse.engine.queries
warehouse.engine.queries.MIGRATIONS_FOLDER = Path(sys.argv[1])
from newstally.cli import main
raise SystemExit(main(sys.argv[2:]))
"""

_COLUMNS = """
    SELECT table_name, column_name, data_type, is_nullable, column_default FROM information_schema.columns
    WHERE table_catalog = 'lake' ORDER BY table_name, ordinal_position
"""
_TABLES = "SELECT table_name FROM duckdb_tables() WHERE database_name = 'lake' ORDER BY 1"


def newstally(*args: str, migrations: Path | None = None) -> subprocess.CompletedProcess[str]:
    """The real CLI; with `migrations`, as a newstally that ships the migrations of that folder."""
    environment = {**os.environ}
    environment.pop("NEWSTALLY_DB", None)
    environment.pop("NEWSTALLY_LAKE_DATA", None)
    start = ["-m", "newstally"] if migrations is None else ["-c", _RUN_WITH_MIGRATIONS, str(migrations)]
    return subprocess.run(
        [sys.executable, *start, *args],
        capture_output=True,
        text=True,
        env=environment,
        cwd=REPO_ROOT,
        timeout=300,
        check=False,
    )


OLD = [version for version, _, _ in warehouse.engine.queries.migration_files()]  # the shipped: 1 to 8 today


@pytest.fixture
def old_lake(lake_catalog: str, tmp_path: Path) -> Iterator[str]:
    """A lake made by the shipped code: two outlets with articles, three outlets with feeds."""
    target = f"ducklake:postgres:{lake_catalog}"
    warehouse.init_lake(target, str(tmp_path / "lake-data"))
    lake = warehouse.open_warehouse(target, watchlist_path=SHIPPED_WATCHLIST, events_path=SHIPPED_EVENTS)
    times = [article("t1", "Trump and Putin meet"), article("t2", "Putin speaks"), article("t3", "Heatwave")]
    warehouse.store_articles(lake, "Example Times", times)
    warehouse.store_articles(lake, "Example Herald", [article("h1", "What Helsinki means")])
    warehouse.add_feed(lake, "https://times.example/world.xml", source_name="Example Times")
    warehouse.add_feed(lake, "https://times.example/politics.xml", source_name="Example Times")
    warehouse.add_feed(lake, "https://herald.example/rss", source_name="Example Herald")
    warehouse.add_feed(lake, "https://wire.example/rss", source_name="Example Wire")
    close_lakes()
    yield target
    close_lakes()


def rows(target: str, query: str) -> list[tuple]:
    """The rows of a query on the lake, through a connection attached anew (as another process would)."""
    close_lakes()
    with warehouse.Warehouse(target).reading() as connection:
        return connection.execute(query).fetchall()


def everything(target: str) -> dict[str, list[str]]:
    """Every table's columns and rows, the rows sorted: the lake's whole content."""
    close_lakes()
    with warehouse.Warehouse(target).reading() as connection:
        content = {"columns": [repr(column) for column in connection.execute(_COLUMNS).fetchall()]}
        for (table,) in connection.execute(_TABLES).fetchall():
            content[table] = sorted(repr(row) for row in connection.execute(f'SELECT * FROM "{table}"').fetchall())
    return content


def schema_versions(target: str) -> list[int]:
    return [version for (version,) in rows(target, "SELECT version FROM schema_migrations ORDER BY 1")]


def test_upgrade_brings_an_old_lake_to_the_columns_of_a_new_lake_with_its_data_carried(
    old_lake: str, postgres_cluster: PostgresCluster, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    migrations = migrations_with_sample(tmp_path / "migrations")

    refused = newstally("--db", old_lake, "feeds", "add", "https://gazette.example/rss", migrations=migrations)
    assert refused.returncode == 2
    assert refused.stderr.count("\n") == 1, refused.stderr
    assert f"is at schema {SHIPPED_SCHEMA} and this newstally writes schema {SAMPLE_VERSION}" in refused.stderr
    assert "lake upgrade" in refused.stderr

    upgraded = newstally("--db", old_lake, "lake", "upgrade", migrations=migrations)
    assert upgraded.returncode == 0, upgraded.stderr
    assert f"from schema {SHIPPED_SCHEMA} to {SAMPLE_VERSION}: applied {SAMPLE_MIGRATION_NAME}" in upgraded.stderr
    assert schema_versions(old_lake) == [*OLD, SAMPLE_VERSION]

    # A lake made new by a newstally that ships the sample migration has exactly these columns.
    monkeypatch.setattr(warehouse.engine.queries, "MIGRATIONS_FOLDER", migrations)
    new_lake = f"ducklake:postgres:{postgres_cluster.create_database(f'lake_{uuid.uuid4().hex[:12]}')}"
    warehouse.init_lake(new_lake, str(tmp_path / "new-lake-data"))
    assert rows(old_lake, _COLUMNS) == rows(new_lake, _COLUMNS)
    assert ("source_totals", "articles", "BIGINT", "NO", "'0'") in rows(old_lake, _COLUMNS)

    # Times has 3 articles and 2 feeds, Herald 1 and 1, Wire no article and 1 feed.
    by_outlet = """
        SELECT s.name, s.feed_count, t.articles FROM sources s LEFT JOIN source_totals t USING (source_id) ORDER BY 1
    """
    assert rows(old_lake, by_outlet) == [
        ("Example Herald", 1, 1),
        ("Example Times", 2, 3),
        ("Example Wire", 1, None),
    ]

    written = newstally(
        "--db", old_lake, "feeds", "add", "https://gazette.example/rss", "--source", "Gazette", migrations=migrations
    )
    assert written.returncode == 0, written.stderr
    assert rows(old_lake, "SELECT feed_count FROM sources WHERE name = 'Gazette'") == [(0,)]

    again = newstally("--db", old_lake, "lake", "upgrade", migrations=migrations)
    assert again.returncode == 0, again.stderr
    assert again.stderr.strip().endswith(f"is already at schema {SAMPLE_VERSION}; nothing to do")

    # The shipped newstally, which does not know the sample migration, does not "upgrade" it.
    older = newstally("--db", old_lake, "lake", "upgrade")
    assert older.returncode == 2
    assert older.stderr.count("\n") == 1, older.stderr
    assert f"was written by a newer newstally (schema {SAMPLE_VERSION}); upgrade newstally on this host" in older.stderr


def test_a_lake_variant_failing_halfway_leaves_the_lake_exactly_as_it_was(old_lake: str, tmp_path: Path) -> None:
    migrations = migrations_with_sample(tmp_path / "migrations", FAILING_LAKE_VARIANT)
    before = everything(old_lake)

    failed = newstally("--db", old_lake, "lake", "upgrade", migrations=migrations)
    assert failed.returncode == 2
    assert failed.stderr.count("\n") == 1, failed.stderr
    assert f"the lake variant of {SAMPLE_MIGRATION_NAME} failed" in failed.stderr
    assert f"nothing was changed, the lake is still at schema {SHIPPED_SCHEMA}" in failed.stderr

    assert everything(old_lake) == before
    assert schema_versions(old_lake) == OLD
    # The newstally it was made with still writes it.
    written = newstally("--db", old_lake, "feeds", "add", "https://gazette.example/rss", "--source", "Gazette")
    assert written.returncode == 0, written.stderr


def test_a_migration_without_a_lake_variant_is_named_and_nothing_is_changed(old_lake: str, tmp_path: Path) -> None:
    migrations = migrations_with_sample(tmp_path / "migrations", lake_variant=None)
    before = everything(old_lake)

    refused = newstally("--db", old_lake, "lake", "upgrade", migrations=migrations)
    assert refused.returncode == 2
    assert refused.stderr.count("\n") == 1, refused.stderr
    assert f"ships migration {SAMPLE_MIGRATION_NAME} without its lake variant" in refused.stderr
    assert everything(old_lake) == before
