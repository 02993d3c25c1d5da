"""Feed state that tells the truth: moves, 410, Retry-After, back-off, disabling and re-enabling.

Each test fetches from a real server on 127.0.0.1 into a real warehouse file and
then reads the feed back as `newstally feeds list` would show it.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler

import pytest

import warehouse
from ingest import fetch_due
from ingest.pacing import MAX_CONSECUTIVE_FAILURES
from tests.integration.feed_server import FeedServer, respond, running_feed_server
from tests.integration.test_fetch_http import BODY, rss
from warehouse import FetchOutcome

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)


def redirect(code: int, location: str):
    return lambda handler: respond(handler, code, headers={"Location": location})


def error_page(code: int, headers: dict[str, str] | None = None):
    return lambda handler: respond(
        handler, code, b"<html>error</html>", {"Content-Type": "text/html", **(headers or {})}
    )


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with running_feed_server() as running:
        running.routes["/new.xml"] = lambda handler: respond(handler, 200, BODY)
        yield running


@pytest.mark.parametrize("code", [301, 308])
def test_a_permanent_redirect_moves_the_stored_feed_url(server, fresh_warehouse, code: int):
    server.routes["/old.xml"] = redirect(code, "/new.xml")
    feed = warehouse.add_feed(fresh_warehouse, server.url("/old.xml"), source_name="Test Wire")

    fetch_due(fresh_warehouse, now=NOW)
    fetch_due(fresh_warehouse, now=NOW + timedelta(hours=1))

    assert warehouse.get_feed(fresh_warehouse, feed.feed_id).url == server.url("/new.xml")
    # The second fetch went straight to the new address.
    assert [request.path for request in server.requests] == ["/old.xml", "/new.xml", "/new.xml"]


@pytest.mark.parametrize("code", [302, 303, 307])
def test_a_temporary_redirect_keeps_the_stored_feed_url(server, fresh_warehouse, code: int):
    server.routes["/old.xml"] = redirect(code, "/new.xml")
    feed = warehouse.add_feed(fresh_warehouse, server.url("/old.xml"), source_name="Test Wire")

    (outcome,) = fetch_due(fresh_warehouse, now=NOW)

    assert outcome[1].outcome is FetchOutcome.NEW_CONTENT
    assert warehouse.get_feed(fresh_warehouse, feed.feed_id).url == server.url("/old.xml")


def test_only_the_permanent_start_of_a_redirect_chain_moves_the_feed(server, fresh_warehouse):
    server.routes["/old.xml"] = redirect(301, "/middle.xml")
    server.routes["/middle.xml"] = redirect(302, "/new.xml")
    feed = warehouse.add_feed(fresh_warehouse, server.url("/old.xml"), source_name="Test Wire")

    fetch_due(fresh_warehouse, now=NOW)

    assert warehouse.get_feed(fresh_warehouse, feed.feed_id).url == server.url("/middle.xml")


def test_a_permanent_redirect_to_a_dead_page_does_not_move_the_feed(server, fresh_warehouse):
    server.routes["/old.xml"] = redirect(301, "/nowhere.xml")
    feed = warehouse.add_feed(fresh_warehouse, server.url("/old.xml"), source_name="Test Wire")

    fetch_due(fresh_warehouse, now=NOW)

    stored = warehouse.get_feed(fresh_warehouse, feed.feed_id)
    assert stored.url == server.url("/old.xml")
    assert stored.consecutive_failures == 1


def test_a_permanent_redirect_onto_a_registered_feed_disables_the_duplicate(server, fresh_warehouse):
    server.routes["/old.xml"] = redirect(301, "/new.xml")
    kept = warehouse.add_feed(fresh_warehouse, server.url("/new.xml"), source_name="Test Wire")
    moved = warehouse.add_feed(fresh_warehouse, server.url("/old.xml"), source_name="Test Wire")

    fetch_due(fresh_warehouse, now=NOW)

    duplicate = warehouse.get_feed(fresh_warehouse, moved.feed_id)
    assert duplicate.url == server.url("/old.xml")
    assert not duplicate.enabled
    assert duplicate.disabled_reason == (
        f"permanently redirected to {server.url('/new.xml')}, which is already feed {kept.feed_id}"
    )
    assert warehouse.get_feed(fresh_warehouse, kept.feed_id).enabled


def test_move_feed_points_a_feed_at_a_new_url(server, fresh_warehouse):
    feed = warehouse.add_feed(fresh_warehouse, server.url("/old.xml"), source_name="Test Wire")

    assert warehouse.move_feed(fresh_warehouse, feed.feed_id, server.url("/new.xml")) is None
    assert warehouse.get_feed(fresh_warehouse, feed.feed_id).url == server.url("/new.xml")


def test_410_disables_the_feed_at_once_with_the_reason_kept(server, fresh_warehouse):
    server.routes["/gone.xml"] = error_page(410)
    feed = warehouse.add_feed(fresh_warehouse, server.url("/gone.xml"), source_name="Test Wire")

    fetch_due(fresh_warehouse, now=NOW)
    later = fetch_due(fresh_warehouse, now=NOW + timedelta(days=1))

    stored = warehouse.get_feed(fresh_warehouse, feed.feed_id)
    assert not stored.enabled
    assert stored.disabled_reason == "HTTP 410 Gone: the server says the feed was removed for good"
    assert "HTTP 410" in stored.last_error
    assert later == []
    assert len(server.requests_to("/gone.xml")) == 1


@pytest.mark.parametrize("code", [429, 503])
def test_retry_after_in_seconds_is_honoured(server, fresh_warehouse, code: int):
    # Two hours: far beyond the 2-minute back-off a local feed's first failure gets.
    server.routes["/busy.xml"] = error_page(code, {"Retry-After": "7200"})
    feed = warehouse.add_feed(fresh_warehouse, server.url("/busy.xml"), source_name="Test Wire")

    fetch_due(fresh_warehouse, now=NOW)
    too_early = fetch_due(fresh_warehouse, now=NOW + timedelta(minutes=119))

    assert warehouse.get_feed(fresh_warehouse, feed.feed_id).next_fetch_at == NOW + timedelta(hours=2)
    assert too_early == []
    assert len(server.requests_to("/busy.xml")) == 1


def test_retry_after_as_an_http_date_is_honoured(server, fresh_warehouse):
    later = NOW + timedelta(hours=3)
    server.routes["/busy.xml"] = error_page(503, {"Retry-After": format_datetime(later, usegmt=True)})
    feed = warehouse.add_feed(fresh_warehouse, server.url("/busy.xml"), source_name="Test Wire")

    fetch_due(fresh_warehouse, now=NOW)

    assert warehouse.get_feed(fresh_warehouse, feed.feed_id).next_fetch_at == later


def test_a_retry_after_shorter_than_the_back_off_does_not_shorten_it(server, fresh_warehouse):
    server.routes["/busy.xml"] = error_page(429, {"Retry-After": "5"})
    feed = warehouse.add_feed(fresh_warehouse, server.url("/busy.xml"), source_name="Test Wire")

    fetch_due(fresh_warehouse, now=NOW)

    # A local feed's interval is 1 minute; the first failure waits 2.
    assert warehouse.get_feed(fresh_warehouse, feed.feed_id).next_fetch_at == NOW + timedelta(minutes=2)


def test_failures_back_off_and_the_tenth_in_a_row_disables_the_feed(server, fresh_warehouse):
    server.routes["/broken.xml"] = error_page(500)
    feed = warehouse.add_feed(fresh_warehouse, server.url("/broken.xml"), source_name="Test Wire")
    waits: list[timedelta] = []
    moment = NOW
    for _ in range(MAX_CONSECUTIVE_FAILURES):
        fetch_due(fresh_warehouse, now=moment)
        stored = warehouse.get_feed(fresh_warehouse, feed.feed_id)
        if stored.enabled:
            waits.append(stored.next_fetch_at - moment)
            moment = stored.next_fetch_at

    # 1 minute × 2, 4, 8, ... capped at 6 hours; nine waits, then disabled.
    minutes = [2, 4, 8, 16, 32, 64, 128, 256, 360]
    assert waits == [timedelta(minutes=m) for m in minutes]
    assert not stored.enabled
    assert stored.consecutive_failures == 10
    assert stored.disabled_reason == f"10 consecutive failures; the last: {server.url('/broken.xml')}: HTTP 500"
    assert fetch_due(fresh_warehouse, now=moment + timedelta(days=30)) == []


def test_a_success_between_failures_starts_the_count_again(server, fresh_warehouse):
    answers = iter([500] * 9 + [200] + [500] * 9)

    def flaky(handler: BaseHTTPRequestHandler) -> None:
        code = next(answers)
        respond(handler, code, BODY if code == 200 else b"oops")

    server.routes["/flaky.xml"] = flaky
    feed = warehouse.add_feed(fresh_warehouse, server.url("/flaky.xml"), source_name="Test Wire")
    for _ in range(19):
        fetch_due(fresh_warehouse, now=NOW, force=True)

    stored = warehouse.get_feed(fresh_warehouse, feed.feed_id)
    assert stored.enabled
    assert stored.consecutive_failures == 9


def test_enabling_a_disabled_feed_gives_it_a_clean_slate(server, fresh_warehouse):
    server.routes["/gone.xml"] = error_page(410)
    feed = warehouse.add_feed(fresh_warehouse, server.url("/gone.xml"), source_name="Test Wire")
    fetch_due(fresh_warehouse, now=NOW)
    server.routes["/gone.xml"] = lambda handler: respond(handler, 200, rss("Back again"))

    enabled = warehouse.enable_feed(fresh_warehouse, feed.feed_id)
    fetched = fetch_due(fresh_warehouse, now=NOW + timedelta(seconds=1))

    assert enabled.enabled
    assert (enabled.disabled_reason, enabled.consecutive_failures, enabled.next_fetch_at) == (None, 0, None)
    assert [new for *_, new in fetched] == [1]
