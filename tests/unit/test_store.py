"""Storing articles: identity, idempotence, date quality, tallying on arrival, retally."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import warehouse
from tests.conftest import SHIPPED_WATCHLIST, article
from warehouse.intake.store import date_quality, identity_key
from warehouse.rows import DateQuality, FetchedArticle

FETCHED = datetime(2018, 7, 16, 13, 0, tzinfo=UTC)


def test_storing_the_same_articles_twice_adds_nothing(fresh_warehouse):
    batch = [article("1", "Putin"), article("2", "Trump")]
    assert warehouse.store_articles(fresh_warehouse, "Outlet A", batch) == 2
    assert warehouse.store_articles(fresh_warehouse, "Outlet A", batch) == 0
    assert warehouse.corpus_facts(fresh_warehouse).articles == 2


def test_same_guid_in_two_outlets_is_two_articles(fresh_warehouse):
    assert warehouse.store_articles(fresh_warehouse, "Outlet A", [article("1", "Putin")]) == 1
    assert warehouse.store_articles(fresh_warehouse, "Outlet B", [article("1", "Putin")]) == 1


def test_identity_is_guid_else_link_else_title_and_date():
    when = datetime(2018, 7, 16, tzinfo=UTC)
    assert identity_key(FetchedArticle("g", "https://x/1", "T", "", when)) == "guid:g"
    assert identity_key(FetchedArticle("", "https://x/1", "T", "", when)) == "url:https://x/1"
    no_link = identity_key(FetchedArticle("", "", "T", "", when))
    assert no_link.startswith("hash:")
    assert no_link != identity_key(FetchedArticle("", "", "T", "", when + timedelta(days=1)))


def test_dates_missing_in_the_future_or_before_1990_are_flagged():
    assert date_quality(None, FETCHED) is DateQuality.MISSING
    assert date_quality(FETCHED + timedelta(days=2), FETCHED) is DateQuality.FUTURE
    assert date_quality(FETCHED + timedelta(hours=20), FETCHED) is DateQuality.OK
    assert date_quality(datetime(1970, 1, 1, tzinfo=UTC), FETCHED) is DateQuality.ANCIENT


def test_article_without_date_is_bucketed_at_fetch_time(fresh_warehouse):
    undated = FetchedArticle("1", "", "Putin", "", None)
    warehouse.store_articles(fresh_warehouse, "Outlet A", [undated], fetched_at=FETCHED)
    frame = warehouse.entity_series(fresh_warehouse, ["putin"])
    assert list(frame["bucket_start"]) == ["2018-07-16"]


def test_retally_after_adding_an_alias_changes_counts_exactly(fresh_warehouse, tmp_path: Path):
    warehouse.store_articles(
        fresh_warehouse,
        "Outlet A",
        [article("1", "The Kremlin leader spoke"), article("2", "Putin spoke"), article("3", "Weather")],
    )
    before = warehouse.entity_series(fresh_warehouse, ["putin"])
    assert list(before["articles"]) == [1]
    edited = SHIPPED_WATCHLIST.read_text(encoding="utf-8").replace(
        'aliases = ["Putin", ', 'aliases = ["Kremlin leader", "Putin", '
    )
    edited_path = tmp_path / "watchlist.toml"
    edited_path.write_text(edited, encoding="utf-8")
    old_hash = warehouse.corpus_facts(fresh_warehouse).watchlist_hash
    watchlist, _ = warehouse.retally(fresh_warehouse, edited_path)
    after = warehouse.entity_series(fresh_warehouse, ["putin"])
    assert list(after["articles"]) == [2]
    assert warehouse.corpus_facts(fresh_warehouse).watchlist_hash == watchlist.content_hash != old_hash


def test_new_articles_are_tallied_with_the_retallied_watchlist(fresh_warehouse, tmp_path: Path):
    edited_path = tmp_path / "watchlist.toml"
    edited_path.write_text(
        SHIPPED_WATCHLIST.read_text(encoding="utf-8").replace(
            'aliases = ["Putin", ', 'aliases = ["Kremlin leader", "Putin", '
        ),
        encoding="utf-8",
    )
    warehouse.retally(fresh_warehouse, edited_path)
    warehouse.store_articles(fresh_warehouse, "Outlet A", [article("9", "The Kremlin leader arrived")])
    assert list(warehouse.entity_series(fresh_warehouse, ["putin"])["articles"]) == [1]
