"""Series with `unique`: a syndicated story counts once across outlets, in the totals too, so share stays <= 1."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

import warehouse
from tests.conftest import article


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def rows(frame, *columns):
    return [tuple(record) for record in frame[list(columns)].itertuples(index=False)]


@pytest.fixture
def wire_day(fresh_warehouse):
    """One wire story run by three outlets, a second one by two, and two short titles of one outlet.

    "Putin meets Trump in Helsinki" (A, with Putin also in the summary; B; C with a "!") is one story;
    "Weather forecast for Monday" (A, B) another; "Putin" and "Rain" are too short to share a
    syndication key, so each is a story of its own.
    """
    noon = at("2018-07-16T12:00")
    warehouse.store_articles(
        fresh_warehouse,
        "Outlet A",
        [
            article("a1", "Putin meets Trump in Helsinki", "Putin arrived late.", noon),
            article("a2", "Weather forecast for Monday", "", noon),
        ],
    )
    warehouse.store_articles(
        fresh_warehouse,
        "Outlet B",
        [
            article("b1", "Putin meets Trump in Helsinki", "", noon),
            article("b2", "Weather forecast for Monday", "", noon),
        ],
    )
    warehouse.store_articles(
        fresh_warehouse,
        "Outlet C",
        [
            article("c1", "Putin meets Trump in Helsinki!", "", noon),
            article("c2", "Putin", "", noon),
            article("c3", "Rain", "", noon),
        ],
    )
    return fresh_warehouse


def test_without_unique_every_copy_counts(wire_day):
    frame = warehouse.entity_series(wire_day, ["putin"])
    # Putin in a1 (twice), b1, c1, c2: 4 of 7 articles, 5 occurrences.
    assert rows(frame, "articles", "mentions", "total_articles", "share") == [(4, 5, 7, 0.571429)]


def test_unique_counts_each_story_once_in_articles_and_in_the_total(wire_day):
    frame = warehouse.entity_series(wire_day, ["putin"], unique=True)
    # Stories: Helsinki (a1 = b1 = c1), weather (a2 = b2), "Putin" (c2), "Rain" (c3): 4.
    # Putin is in 2 of them; occurrences are the most of any copy: 2 (a1) + 1 (c2) = 3.
    assert rows(frame, "articles", "mentions", "total_articles", "share") == [(2, 3, 4, 0.5)]


def test_unique_with_co_mentions_counts_stories_mentioning_both(wire_day):
    frame = warehouse.entity_series(wire_day, ["putin"], unique=True, with_entity="trump")
    # Only the Helsinki story names both; 2 Putin occurrences in its fullest copy.
    assert rows(frame, "articles", "mentions", "total_articles", "share") == [(1, 2, 4, 0.25)]


def test_unique_by_source_merges_only_copies_within_the_outlet(wire_day):
    warehouse.store_articles(
        wire_day, "Outlet A", [article("a3", "Putin meets Trump in Helsinki", "Updated", at("2018-07-16T18:00"))]
    )
    frame = warehouse.entity_series(wire_day, ["putin"], unique=True, by_source=True)
    # Outlet A ran the Helsinki story twice (two guids): one story, plus the weather: 1 of 2.
    assert rows(frame, "source", "articles", "total_articles", "share") == [
        ("Outlet A", 1, 2, 0.5),
        ("Outlet B", 1, 2, 0.5),
        ("Outlet C", 2, 3, 0.666667),
    ]


def test_a_copy_in_another_bucket_counts_again_there(wire_day):
    warehouse.store_articles(
        wire_day, "Outlet D", [article("d1", "Putin meets Trump in Helsinki", "", at("2018-07-17T08:00"))]
    )
    frame = warehouse.entity_series(wire_day, ["putin"], unique=True, start=date(2018, 7, 17), end=date(2018, 7, 17))
    assert rows(frame, "bucket_start", "articles", "total_articles") == [("2018-07-17", 1, 1)]
    weekly = warehouse.entity_series(wire_day, ["putin"], unique=True, bucket="week")
    # In the week of Monday 16 July both days are one bucket: the Helsinki story counts once.
    assert rows(weekly, "bucket_start", "articles", "total_articles") == [("2018-07-16", 2, 4)]
