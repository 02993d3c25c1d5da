"""Fixtures shared by every test layer: the repository's shipped files and a fresh warehouse file."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

import warehouse

REPO_ROOT = Path(__file__).resolve().parent.parent
SHIPPED_DEFAULTS = REPO_ROOT / "newstally" / "defaults"
SHIPPED_WATCHLIST = SHIPPED_DEFAULTS / "watchlist.toml"
SHIPPED_EVENTS = SHIPPED_DEFAULTS / "events.toml"
SHIPPED_FEEDS = SHIPPED_DEFAULTS / "feeds.opml"


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
