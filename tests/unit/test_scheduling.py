"""next_fetch_time: polite intervals and doubling back-off."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ingest import next_fetch_time
from warehouse import Feed, FetchOutcome, FetchResult

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)


def a_feed(url: str = "https://feeds.example.org/world.xml", consecutive_failures: int = 0) -> Feed:
    return Feed(
        feed_id=1,
        source_id=1,
        source_name="Example",
        url=url,
        title="",
        enabled=True,
        consecutive_failures=consecutive_failures,
    )


def a_result(outcome: FetchOutcome) -> FetchResult:
    return FetchResult(feed_id=1, started_at=NOW, outcome=outcome, duration_ms=5)


@pytest.mark.parametrize("outcome", [FetchOutcome.NEW_CONTENT, FetchOutcome.NOT_MODIFIED, FetchOutcome.PARTIAL])
def test_a_feed_that_answered_is_fetched_again_in_15_minutes(outcome: FetchOutcome):
    assert next_fetch_time(a_feed(), a_result(outcome), now=NOW) == NOW + timedelta(minutes=15)


@pytest.mark.parametrize("host", ["127.0.0.1:8765", "localhost:8765", "[::1]:8765"])
def test_a_local_demo_feed_is_fetched_again_in_1_minute(host: str):
    feed = a_feed(f"http://{host}/feeds/demo.xml")

    assert next_fetch_time(feed, a_result(FetchOutcome.NEW_CONTENT), now=NOW) == NOW + timedelta(minutes=1)


@pytest.mark.parametrize("outcome", [FetchOutcome.TRANSIENT_ERROR, FetchOutcome.PERMANENT_ERROR])
def test_the_first_failure_waits_twice_the_interval(outcome: FetchOutcome):
    assert next_fetch_time(a_feed(), a_result(outcome), now=NOW) == NOW + timedelta(minutes=30)


@pytest.mark.parametrize(
    ("failures_before", "wait"),
    [(1, timedelta(minutes=60)), (2, timedelta(minutes=120)), (3, timedelta(minutes=240))],
)
def test_each_further_failure_doubles_the_wait(failures_before: int, wait: timedelta):
    feed = a_feed(consecutive_failures=failures_before)

    assert next_fetch_time(feed, a_result(FetchOutcome.TRANSIENT_ERROR), now=NOW) == NOW + wait


@pytest.mark.parametrize("failures_before", [4, 10, 1000])
def test_the_wait_never_exceeds_6_hours(failures_before: int):
    feed = a_feed(consecutive_failures=failures_before)

    assert next_fetch_time(feed, a_result(FetchOutcome.TRANSIENT_ERROR), now=NOW) == NOW + timedelta(hours=6)


def test_a_success_after_failures_returns_to_the_normal_interval():
    feed = a_feed(consecutive_failures=5)

    assert next_fetch_time(feed, a_result(FetchOutcome.NEW_CONTENT), now=NOW) == NOW + timedelta(minutes=15)
