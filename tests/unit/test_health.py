"""Feed health and ingest completeness, read from a fetch log written by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from itertools import count

import pytest

import warehouse
from tests.conftest import article
from warehouse import FeedPlan, FeedState, FetchOutcome, FetchResult

NOW = datetime(2024, 6, 10, 12, 0, tzinfo=UTC)
_guids = count()


def record(
    wh: warehouse.Warehouse,
    feed_id: int,
    at: datetime,
    outcome: FetchOutcome = FetchOutcome.NEW_CONTENT,
    *,
    new_articles: int = 0,
    disable: str | None = None,
) -> None:
    """One fetch of a feed at `at`, with `new_articles` articles never seen before."""
    articles = tuple(
        article(f"g{next(_guids)}", f"Story number {number}", published_at=at) for number in range(new_articles)
    )
    failed = outcome in (FetchOutcome.TRANSIENT_ERROR, FetchOutcome.PERMANENT_ERROR)
    result = FetchResult(
        feed_id=feed_id,
        started_at=at,
        outcome=outcome,
        duration_ms=10,
        status_code=500 if failed else 200,
        error="HTTP 500" if failed else None,
        articles=articles,
        items_seen=len(articles),
    )
    warehouse.record_fetch(wh, result, plan=FeedPlan(next_fetch_at=at + timedelta(minutes=15), disabled_reason=disable))


@pytest.fixture
def feed_id(fresh_warehouse) -> int:
    return warehouse.add_feed(fresh_warehouse, "https://wire.example/feed.xml", source_name="Wire").feed_id


def health_of(wh: warehouse.Warehouse, feed_id: int) -> warehouse.FeedHealth:
    (health,) = [feed for feed in warehouse.feed_health(wh, now=NOW) if feed.feed_id == feed_id]
    return health


def test_a_feed_never_fetched_is_new_and_needs_no_attention(fresh_warehouse, feed_id):
    health = health_of(fresh_warehouse, feed_id)

    assert health.state is FeedState.NEW
    assert not health.needs_attention
    assert (health.last_success_at, health.new_items_per_day, health.fetches_in_window) == (None, 0.0, 0)


def test_new_items_per_day_average_the_last_seven_days_of_the_fetch_log(fresh_warehouse, feed_id):
    record(fresh_warehouse, feed_id, NOW - timedelta(days=8), new_articles=100)  # outside the window
    record(fresh_warehouse, feed_id, NOW - timedelta(days=3), new_articles=9)
    record(fresh_warehouse, feed_id, NOW - timedelta(days=1), new_articles=5)
    record(fresh_warehouse, feed_id, NOW - timedelta(hours=1), FetchOutcome.NOT_MODIFIED)

    health = health_of(fresh_warehouse, feed_id)

    # (9 + 5) new items over 7 days.
    assert health.new_items_per_day == 2.0
    assert health.fetches_in_window == 3
    assert health.state is FeedState.OK
    assert health.last_success_at == NOW - timedelta(hours=1)
    assert health.next_fetch_at == NOW - timedelta(minutes=45)  # fetched an hour ago, due 15 minutes later


def test_two_failures_in_a_row_are_retrying_and_three_are_failing(fresh_warehouse, feed_id):
    record(fresh_warehouse, feed_id, NOW - timedelta(hours=4))
    record(fresh_warehouse, feed_id, NOW - timedelta(hours=3), FetchOutcome.TRANSIENT_ERROR)
    record(fresh_warehouse, feed_id, NOW - timedelta(hours=2), FetchOutcome.TRANSIENT_ERROR)
    retrying = health_of(fresh_warehouse, feed_id)
    record(fresh_warehouse, feed_id, NOW - timedelta(hours=1), FetchOutcome.TRANSIENT_ERROR)
    failing = health_of(fresh_warehouse, feed_id)

    assert (retrying.state, retrying.needs_attention) == (FeedState.RETRYING, False)
    assert (failing.state, failing.needs_attention) == (FeedState.FAILING, True)
    assert failing.consecutive_failures == 3
    assert failing.last_error == "HTTP 500"
    assert failing.last_failure_at == NOW - timedelta(hours=1)
    assert failing.last_success_at == NOW - timedelta(hours=4)


def test_a_disabled_feed_needs_attention_and_says_why(fresh_warehouse, feed_id):
    record(fresh_warehouse, feed_id, NOW - timedelta(hours=1), FetchOutcome.PERMANENT_ERROR, disable="HTTP 410 Gone")

    health = health_of(fresh_warehouse, feed_id)

    assert (health.state, health.needs_attention, health.disabled_reason) == (FeedState.DISABLED, True, "HTTP 410 Gone")


def test_a_success_ends_a_run_of_failures(fresh_warehouse, feed_id):
    for hours in (5, 4, 3):
        record(fresh_warehouse, feed_id, NOW - timedelta(hours=hours), FetchOutcome.TRANSIENT_ERROR)
    record(fresh_warehouse, feed_id, NOW - timedelta(hours=2))

    health = health_of(fresh_warehouse, feed_id)

    assert (health.state, health.consecutive_failures, health.last_error) == (FeedState.OK, 0, None)


# --- completeness ------------------------------------------------------------------------


def day_at(day: int, hour: int) -> datetime:
    return datetime(2024, 6, day, hour, tzinfo=UTC)


def test_an_outlet_day_is_complete_only_when_every_feed_was_fetched_successfully(fresh_warehouse):
    world = warehouse.add_feed(fresh_warehouse, "https://wire.example/world.xml", source_name="Wire").feed_id
    europe = warehouse.add_feed(fresh_warehouse, "https://wire.example/europe.xml", source_name="Wire").feed_id
    # 1 June: both fine. 2 June: europe fails all day. 3 June: nothing fetched (the machine slept).
    # 4 June: world fails once, then succeeds; europe succeeds.
    record(fresh_warehouse, world, day_at(1, 8))
    record(fresh_warehouse, europe, day_at(1, 9))
    record(fresh_warehouse, world, day_at(2, 8))
    record(fresh_warehouse, europe, day_at(2, 9), FetchOutcome.TRANSIENT_ERROR)
    record(fresh_warehouse, europe, day_at(2, 10), FetchOutcome.TRANSIENT_ERROR)
    record(fresh_warehouse, world, day_at(4, 8), FetchOutcome.TRANSIENT_ERROR)
    record(fresh_warehouse, world, day_at(4, 9))
    record(fresh_warehouse, europe, day_at(4, 9))

    frame = warehouse.ingest_completeness(fresh_warehouse, date(2024, 6, 1), date(2024, 6, 4))

    assert list(frame.columns) == ["source", "day", "feeds", "feeds_fetched", "feeds_ok", "complete"]
    assert [tuple(row) for row in frame.itertuples(index=False)] == [
        ("Wire", date(2024, 6, 1), 2, 2, 2, True),
        ("Wire", date(2024, 6, 2), 2, 2, 1, False),
        ("Wire", date(2024, 6, 3), 2, 0, 0, False),
        ("Wire", date(2024, 6, 4), 2, 2, 2, True),
    ]


def test_outlets_without_feeds_have_no_completeness_rows(fresh_warehouse):
    warehouse.store_articles(fresh_warehouse, "Archive Outlet", [article("1", "Old story")])

    frame = warehouse.ingest_completeness(fresh_warehouse, date(2018, 7, 16), date(2018, 7, 16))

    assert frame.empty


def test_a_disabled_feed_is_expected_only_until_its_last_fetch(fresh_warehouse):
    feed = warehouse.add_feed(fresh_warehouse, "https://wire.example/old.xml", source_name="Wire").feed_id
    record(fresh_warehouse, feed, day_at(1, 8))
    record(fresh_warehouse, feed, day_at(2, 8), FetchOutcome.PERMANENT_ERROR, disable="HTTP 410 Gone")

    frame = warehouse.ingest_completeness(fresh_warehouse, date(2024, 6, 1), date(2024, 6, 3))

    assert [(row.day, row.complete) for row in frame.itertuples()] == [
        (date(2024, 6, 1), True),
        (date(2024, 6, 2), False),
    ]
