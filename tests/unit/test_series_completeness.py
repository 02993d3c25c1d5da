"""Series with `completeness`: a bucket in which an outlet's feeds failed is marked, so a gap is not silence."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

import warehouse
from tests.conftest import article
from tests.unit.test_health import record
from warehouse import FetchOutcome


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def rows(frame, *columns):
    return [tuple(record) for record in frame[list(columns)].itertuples(index=False)]


@pytest.fixture
def failed_sunday(fresh_warehouse):
    """Wire's one feed fails on Sunday 9 June 2024 (UTC) and succeeds on the 8th and 10th; Post's never fails.

    Archive has no registered feed: nothing was due, so it is always complete. Its articles
    (one mentioning Putin each day, at noon UTC) make the series.
    """
    wire = warehouse.add_feed(fresh_warehouse, "https://wire.example/feed.xml", source_name="Wire").feed_id
    post = warehouse.add_feed(fresh_warehouse, "https://post.example/feed.xml", source_name="Post").feed_id
    for day in ("2024-06-08", "2024-06-09", "2024-06-10"):
        record(fresh_warehouse, post, at(f"{day}T06:00"), new_articles=1)
        failed = day == "2024-06-09"
        outcome = FetchOutcome.TRANSIENT_ERROR if failed else FetchOutcome.NEW_CONTENT
        record(fresh_warehouse, wire, at(f"{day}T07:00"), outcome, new_articles=0 if failed else 1)
    warehouse.store_articles(
        fresh_warehouse,
        "Archive",
        [article(f"x{day}", "Putin speaks", "", at(f"2024-06-{day}T12:00")) for day in ("08", "09", "10")],
    )
    return fresh_warehouse


def test_a_day_on_which_one_outlet_failed_is_incomplete_for_all_outlets(failed_sunday):
    frame = warehouse.entity_series(failed_sunday, ["putin"], completeness=True)
    assert list(frame.columns) == [*warehouse.SERIES_COLUMNS, "complete"]
    assert rows(frame, "bucket_start", "articles", "complete") == [
        ("2024-06-08", 1, True),
        ("2024-06-09", 1, False),
        ("2024-06-10", 1, True),
    ]


def test_by_source_only_the_failing_outlet_is_incomplete_and_outlets_without_feeds_are_complete(failed_sunday):
    frame = warehouse.entity_series(failed_sunday, ["putin"], by_source=True, completeness=True)
    incomplete = [
        (day, source) for day, source, complete in rows(frame, "bucket_start", "source", "complete") if not complete
    ]
    assert incomplete == [("2024-06-09", "Wire")]
    assert len(frame) == 3 * 3  # Archive, Post, Wire on three days


def test_a_week_is_complete_only_when_every_day_of_it_is(failed_sunday):
    frame = warehouse.entity_series(failed_sunday, ["putin"], bucket="week", completeness=True)
    # Saturday 8 and Sunday 9 June are in the week of Monday 3 June: Sunday's failure marks it.
    # The week of Monday 10 June runs to the 16th, and nothing was fetched after the 10th.
    assert rows(frame, "bucket_start", "complete") == [("2024-06-03", False), ("2024-06-10", False)]
    days = warehouse.entity_series(
        failed_sunday, ["putin"], start=date(2024, 6, 10), end=date(2024, 6, 11), completeness=True
    )
    assert rows(days, "bucket_start", "complete") == [("2024-06-10", True), ("2024-06-11", False)]


def test_an_hour_takes_the_completeness_of_its_utc_day(failed_sunday):
    frame = warehouse.entity_series(
        failed_sunday, ["putin"], bucket="hour", start=date(2024, 6, 9), end=date(2024, 6, 9), completeness=True
    )
    assert set(frame["complete"]) == {False}


def test_a_local_day_touching_a_failed_utc_day_is_incomplete(failed_sunday):
    frame = warehouse.entity_series(failed_sunday, ["putin"], tz="Europe/Berlin", completeness=True)
    # Berlin's 10 June runs from 22:00 UTC on the 9th, so the failure on the 9th touches it.
    assert rows(frame, "bucket_start", "complete") == [
        ("2024-06-08", True),
        ("2024-06-09", False),
        ("2024-06-10", False),
    ]


def test_a_smoothed_bucket_is_complete_only_when_its_whole_window_is(failed_sunday):
    frame = warehouse.entity_series(failed_sunday, ["putin"], smooth=2, completeness=True)
    assert rows(frame, "bucket_start", "complete") == [
        ("2024-06-08", True),
        ("2024-06-09", False),
        ("2024-06-10", False),
    ]


def test_without_completeness_the_columns_are_the_contract(failed_sunday):
    assert list(warehouse.entity_series(failed_sunday, ["putin"]).columns) == warehouse.SERIES_COLUMNS
