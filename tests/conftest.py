"""Fixtures shared by every test layer: the shipped files, a fresh warehouse file, a PostgreSQL cluster."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

import warehouse
import warehouse.engine.queries
from tests.postgres_cluster import PostgresCluster, postgres_bin_dir, throwaway_cluster

REPO_ROOT = Path(__file__).resolve().parent.parent
SHIPPED_DEFAULTS = REPO_ROOT / "newstally" / "defaults"
SHIPPED_WATCHLIST = SHIPPED_DEFAULTS / "watchlist.toml"
SHIPPED_EVENTS = SHIPPED_DEFAULTS / "events.toml"
SHIPPED_FEEDS = SHIPPED_DEFAULTS / "feeds.opml"
# The newest shipped migration, and a sample one above it with its lake variant (never shipped).
SHIPPED_SCHEMA = max(version for version, _, _ in warehouse.engine.queries.migration_files())
SAMPLE_MIGRATION = REPO_ROOT / "tests" / "fixtures" / "sample_migration"
SAMPLE_VERSION = SHIPPED_SCHEMA + 1
SAMPLE_MIGRATION_NAME = f"{SAMPLE_VERSION:04d}_source_totals.sql"
SAMPLE_LAKE_VARIANT = (SAMPLE_MIGRATION / "lake" / "source_totals.sql").read_text(encoding="utf-8")


@pytest.fixture
def fresh_warehouse(tmp_path: Path) -> warehouse.Warehouse:
    """A real DuckDB file in a temporary folder, created with the shipped watchlist and calendar."""
    return warehouse.open_warehouse(
        tmp_path / "newstally.duckdb", watchlist_path=SHIPPED_WATCHLIST, events_path=SHIPPED_EVENTS
    )


def article(guid: str, title: str, summary: str = "", published_at: datetime | None = None) -> warehouse.FetchedArticle:
    """A hand-made article; published at noon UTC on 2018-07-16 unless told otherwise."""
    return warehouse.FetchedArticle(
        guid=guid,
        url=f"https://news.example/{guid}",
        title=title,
        summary=summary,
        published_at=published_at or datetime(2018, 7, 16, 12, 0, tzinfo=UTC),
    )


def migrations_with_sample(folder: Path, lake_variant: str | None = SAMPLE_LAKE_VARIANT) -> Path:
    """`folder` holding the shipped migrations and the sample one, with `lake_variant` as its lake variant.

    Point `warehouse.engine.queries.MIGRATIONS_FOLDER` at it to be a newstally that ships the
    sample migration; `lake_variant=None` ships it without one.
    """
    (folder / "lake").mkdir(parents=True)
    for _, name, sql in warehouse.engine.queries.migration_files():
        (folder / name).write_text(sql, encoding="utf-8")
    (folder / SAMPLE_MIGRATION_NAME).write_bytes((SAMPLE_MIGRATION / "source_totals.sql").read_bytes())
    if lake_variant is not None:
        (folder / "lake" / SAMPLE_MIGRATION_NAME).write_text(lake_variant, encoding="utf-8")
    return folder


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[PostgresCluster]:
    """A real PostgreSQL cluster started for this test session on a free port, stopped at its end."""
    if postgres_bin_dir() is None:
        pytest.skip(
            "PostgreSQL is not installed (no initdb/pg_ctl): run 'make postgresql' or apt-get install postgresql"
        )
    with throwaway_cluster() as cluster:
        yield cluster


@pytest.fixture
def lake_catalog(postgres_cluster: PostgresCluster) -> str:
    """The libpq connection string of a new, empty database on the session's cluster."""
    return postgres_cluster.create_database(f"lake_{uuid.uuid4().hex[:12]}")
