"""Loading the demo corpus into a real DuckDB file, and fetching its live feeds on top."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

import warehouse
from ingest import DemoFeedServer, DemoReport, demo_feed_urls, demo_outlets, fetch_due, generate_history, load_demo
from tests.conftest import SHIPPED_EVENTS, SHIPPED_WATCHLIST

SEED = 5
ARTICLES_PER_DAY = 10.0
NOW = datetime(2025, 8, 20, 9, 30, tzinfo=UTC)
START = (NOW - timedelta(days=60)).date()
SERVER_URL = "http://127.0.0.1:8765"


def generated_count() -> int:
    return sum(1 for _ in generate_history(SEED, START, NOW, ARTICLES_PER_DAY))


def load(wh: warehouse.Warehouse, server_url: str = SERVER_URL):
    return load_demo(wh, seed=SEED, articles_per_day=ARTICLES_PER_DAY, server_url=server_url, now=NOW, start=START)


@dataclass
class Loaded:
    wh: warehouse.Warehouse
    report: DemoReport


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Loaded:
    """One load shared by the tests that only read: each load opens ~24 write transactions."""
    wh = warehouse.open_warehouse(
        tmp_path_factory.mktemp("demo") / "newstally.duckdb",
        watchlist_path=SHIPPED_WATCHLIST,
        events_path=SHIPPED_EVENTS,
    )
    return Loaded(wh, load(wh))


def test_loading_stores_every_generated_article(loaded):
    expected = generated_count()
    assert expected > 400  # sixty days at ten a day, fewer at weekends
    assert loaded.report.articles == loaded.report.articles_generated == expected
    assert warehouse.corpus_facts(loaded.wh).articles == expected
    assert loaded.report.outlets == 8
    assert loaded.report.first_published_at.date() == START
    assert loaded.report.last_published_at <= NOW


def test_loading_the_same_corpus_twice_adds_nothing(loaded):
    facts = warehouse.corpus_facts(loaded.wh)
    again = load(loaded.wh)
    assert again.articles == 0
    assert again.articles_generated == facts.articles
    assert warehouse.corpus_facts(loaded.wh).articles == facts.articles


def test_demo_outlets_and_their_feeds_are_registered_as_demo(loaded):
    sources = {source.name: source for source in warehouse.list_sources(loaded.wh)}
    assert set(sources) == {outlet.name for outlet in demo_outlets()}
    assert all(source.is_demo for source in sources.values())
    assert all(source.homepage.endswith(".example/") for source in sources.values())
    feeds = {(feed.source_name, feed.url) for feed in warehouse.list_feeds(loaded.wh)}
    assert feeds == set(demo_feed_urls(SERVER_URL))
    assert warehouse.corpus_facts(loaded.wh).is_demo


def test_fetching_the_live_feeds_after_loading_adds_only_what_is_new(fresh_warehouse):
    clock = {"now": NOW}
    with DemoFeedServer(SEED, live_since=NOW, now=lambda: clock["now"], articles_per_day=ARTICLES_PER_DAY) as server:
        load(fresh_warehouse, server.url)
        loaded = warehouse.corpus_facts(fresh_warehouse).articles
        clock["now"] = NOW + timedelta(minutes=3)
        results = fetch_due(fresh_warehouse, now=clock["now"])
    # Three live stories (one a minute), plus any history story published in those
    # three minutes; the two days of history already loaded dedupe by guid.
    published_meanwhile = sum(
        1
        for _, article in generate_history(SEED, NOW.date(), clock["now"], ARTICLES_PER_DAY)
        if article.published_at > NOW
    )
    assert len(results) == 8
    assert sum(new for _, _, new in results) == 3 + published_meanwhile
    assert warehouse.corpus_facts(fresh_warehouse).articles == loaded + 3 + published_meanwhile
