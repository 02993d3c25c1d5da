"""The politeness policy: adaptive intervals, Retry-After, disabling, jitter."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from ingest.feeds import retry_after_time
from ingest.pacing import disable_reason, next_fetch_time, plan_next_fetch, poll_interval
from warehouse import Feed, FetchOutcome, FetchResult

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
REMOTE = "https://feeds.example.org/world.xml"


def a_feed(url: str = REMOTE, **stored: object) -> Feed:
    return replace(Feed(feed_id=1, source_id=1, source_name="Example", url=url, title="", enabled=True), **stored)


def a_result(outcome: FetchOutcome = FetchOutcome.NEW_CONTENT, **fields: object) -> FetchResult:
    return replace(FetchResult(feed_id=1, started_at=NOW, outcome=outcome, duration_ms=5), **fields)


def test_a_feed_with_new_items_is_polled_twice_as_often():
    assert poll_interval(a_feed(), a_result(), new_items=3) == timedelta(minutes=7, seconds=30)


def test_a_feed_with_nothing_new_is_polled_half_again_as_seldom():
    assert poll_interval(a_feed(), a_result(FetchOutcome.NOT_MODIFIED), new_items=0) == timedelta(minutes=22.5)


def test_the_adapted_interval_builds_on_the_stored_one():
    feed = a_feed(poll_interval_seconds=3600)

    assert poll_interval(feed, a_result(), new_items=0) == timedelta(minutes=90)


@pytest.mark.parametrize(
    ("stored_seconds", "new_items", "expected"),
    [(5 * 60, 10, timedelta(minutes=5)), (6 * 3600, 0, timedelta(hours=6)), (5 * 3600, 0, timedelta(hours=6))],
)
def test_the_interval_stays_between_5_minutes_and_6_hours(stored_seconds: int, new_items: int, expected: timedelta):
    assert poll_interval(a_feed(poll_interval_seconds=stored_seconds), a_result(), new_items=new_items) == expected


def test_a_feed_that_had_nothing_new_for_a_day_is_polled_every_6_hours():
    feed = a_feed()
    moment = NOW
    while moment < NOW + timedelta(days=1):
        interval = poll_interval(feed, a_result(FetchOutcome.NOT_MODIFIED), new_items=0)
        feed = replace(feed, poll_interval_seconds=round(interval.total_seconds()))
        moment += interval

    assert feed.poll_interval_seconds == 6 * 3600


def test_a_local_demo_feed_keeps_its_1_minute_interval_whatever_happens():
    feed = a_feed("http://127.0.0.1:8765/feeds/demo.xml")

    assert poll_interval(feed, a_result(), new_items=0) == timedelta(minutes=1)
    assert poll_interval(feed, a_result(), new_items=50) == timedelta(minutes=1)


def test_a_failure_leaves_the_interval_alone():
    feed = a_feed(poll_interval_seconds=3600)

    assert poll_interval(feed, a_result(FetchOutcome.TRANSIENT_ERROR), new_items=0) == timedelta(hours=1)


def test_retry_after_later_than_the_back_off_wins():
    result = a_result(FetchOutcome.TRANSIENT_ERROR, status_code=429, retry_after=NOW + timedelta(hours=2))

    assert next_fetch_time(a_feed(), result, now=NOW) == NOW + timedelta(hours=2)


def test_an_absurd_retry_after_is_capped_at_a_week():
    result = a_result(FetchOutcome.TRANSIENT_ERROR, status_code=503, retry_after=NOW + timedelta(days=365))

    assert next_fetch_time(a_feed(), result, now=NOW) == NOW + timedelta(days=7)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("120", NOW + timedelta(minutes=2)),
        (" 0 ", NOW),
        ("Sat, 01 Jun 2024 15:00:00 GMT", datetime(2024, 6, 1, 15, 0, tzinfo=UTC)),
        ("soon", None),
        ("", None),
        (None, None),
        ("-5", None),
    ],
)
def test_retry_after_is_read_as_seconds_or_an_http_date(header: str | None, expected: datetime | None):
    assert retry_after_time(header, now=NOW) == expected


def test_410_disables_at_once():
    result = a_result(FetchOutcome.PERMANENT_ERROR, status_code=410, error="HTTP 410")

    assert disable_reason(a_feed(), result) == "HTTP 410 Gone: the server says the feed was removed for good"


def test_the_tenth_failure_in_a_row_disables_and_the_ninth_does_not():
    result = a_result(FetchOutcome.TRANSIENT_ERROR, status_code=500, error="HTTP 500")

    assert disable_reason(a_feed(consecutive_failures=8), result) is None
    assert disable_reason(a_feed(consecutive_failures=9), result) == "10 consecutive failures; the last: HTTP 500"


def test_a_success_never_disables():
    assert disable_reason(a_feed(consecutive_failures=50), a_result()) is None


def test_remote_feeds_get_up_to_a_tenth_of_their_interval_of_jitter():
    rng = random.Random(7)
    offsets = {
        plan_next_fetch(a_feed(), a_result(FetchOutcome.NOT_MODIFIED), 0, now=NOW, rng=rng).next_fetch_at
        - (NOW + timedelta(minutes=22.5))
        for _ in range(200)
    }

    assert len(offsets) > 100
    assert all(abs(offset) <= timedelta(minutes=2.25) for offset in offsets)


def test_the_plan_carries_the_interval_and_the_disable_reason():
    result = a_result(FetchOutcome.PERMANENT_ERROR, status_code=410)

    plan = plan_next_fetch(a_feed(poll_interval_seconds=600), result, 0, now=NOW, rng=random.Random(1))

    assert plan.poll_interval_seconds == 600
    assert plan.disabled_reason is not None and "410" in plan.disabled_reason


def test_jitter_never_brings_a_fetch_before_retry_after():
    result = a_result(FetchOutcome.TRANSIENT_ERROR, status_code=429, retry_after=NOW + timedelta(hours=5))
    feed = a_feed(consecutive_failures=3)  # back-off 15 min × 16 = 4 h, below the Retry-After

    earliest = min(
        plan_next_fetch(feed, result, 0, now=NOW, rng=random.Random(seed)).next_fetch_at for seed in range(50)
    )

    assert earliest >= NOW + timedelta(hours=5)
