"""Series options beyond the contract: co-mentions (`with_entity`)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

import warehouse
from tests.conftest import article


def at(hour: int) -> datetime:
    return datetime(2018, 7, 16, hour, tzinfo=UTC)


@pytest.fixture
def summit_day(fresh_warehouse):
    warehouse.store_articles(
        fresh_warehouse,
        "Outlet A",
        [
            article("1", "Trump-Putin summit", "Putin arrives first", at(9)),
            article("2", "Putin speaks", "", at(10)),
            article("3", "Trump speaks", "", at(11)),
            article("4", "Weather", "", at(12)),
        ],
    )
    return fresh_warehouse


def test_with_entity_counts_only_articles_mentioning_both(summit_day):
    frame = warehouse.entity_series(
        summit_day, ["putin"], start=date(2018, 7, 16), end=date(2018, 7, 16), with_entity="trump"
    )
    # Only article 1 mentions both; Putin twice in it. All 4 articles stay the denominator.
    assert [tuple(row) for row in frame.itertuples(index=False)] == [("2018-07-16", "putin", 1, 2, 4, 0.25)]


def test_without_with_entity_the_series_is_unchanged(summit_day):
    frame = warehouse.entity_series(summit_day, ["putin"], start=date(2018, 7, 16), end=date(2018, 7, 16))
    assert list(frame.columns) == warehouse.SERIES_COLUMNS
    assert [tuple(row) for row in frame.itertuples(index=False)] == [("2018-07-16", "putin", 2, 3, 4, 0.5)]


def test_with_an_unknown_entity_is_refused(summit_day):
    with pytest.raises(warehouse.UnknownEntity):
        warehouse.entity_series(summit_day, ["putin"], with_entity="nobody")
