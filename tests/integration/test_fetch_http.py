"""Fetching feeds over real HTTP from a server on 127.0.0.1, and recording them in a real warehouse."""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler

import pytest

import ingest.feeds
import warehouse
from ingest import USER_AGENT, fetch_due, fetch_feed, run_scheduler
from tests.integration.feed_server import FeedServer, respond, running_feed_server
from warehouse import Feed, FetchOutcome

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
ETAG = '"v1"'
LAST_MODIFIED = "Sat, 01 Jun 2024 11:00:00 GMT"


def rss(*titles: str) -> bytes:
    items = "".join(
        f"<item><guid>story-{number}</guid><title>{title}</title>"
        f"<link>https://news.example/{number}</link><pubDate>Sat, 01 Jun 2024 10:0{number}:00 GMT</pubDate></item>"
        for number, title in enumerate(titles)
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>Test Wire</title>{items}</channel></rss>'.encode()


BODY = rss("Putin meets Xi", "Summit ends", "Talks to resume")


def conditional_feed(handler: BaseHTTPRequestHandler) -> None:
    """A well-behaved feed server: validators on every 200, and 304 when they match."""
    if handler.headers.get("If-None-Match") == ETAG or handler.headers.get("If-Modified-Since") == LAST_MODIFIED:
        handler.send_response(304)
        handler.send_header("ETag", ETAG)
        handler.send_header("Content-Length", "0")
        handler.end_headers()
        return
    respond(handler, 200, BODY, {"ETag": ETAG, "Last-Modified": LAST_MODIFIED})


def status(code: int):
    return lambda handler: respond(handler, code, b"<html><body>error</body></html>", {"Content-Type": "text/html"})


def trickle(handler: BaseHTTPRequestHandler) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", "application/rss+xml")
    handler.send_header("Content-Length", str(len(BODY)))
    handler.end_headers()
    for byte in BODY:
        handler.wfile.write(bytes([byte]))
        handler.wfile.flush()
        time.sleep(0.05)


HUGE_BODY = b'<?xml version="1.0"?><rss version="2.0"><channel><title>Endless</title>' + b"".join(
    b"<item><guid>g%d</guid><title>Story %d</title></item>" % (number, number) for number in range(50_000)
)


def huge(handler: BaseHTTPRequestHandler) -> None:
    respond(handler, 200, HUGE_BODY)


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with running_feed_server() as running:
        running.routes.update(
            {
                "/feed.xml": conditional_feed,
                "/same-body.xml": lambda handler: respond(handler, 200, BODY),
                "/page.html": lambda handler: respond(
                    handler, 200, b"<!DOCTYPE html><html><head><title>Welcome</title></head></html>"
                ),
                "/trickle.xml": trickle,
                "/huge.xml": huge,
            }
        )
        yield running


def a_feed(url: str, **stored: object) -> Feed:
    return replace(Feed(feed_id=7, source_id=1, source_name="Test Wire", url=url, title="", enabled=True), **stored)


def test_first_fetch_returns_new_content_with_articles_and_validators(server, client):
    result = fetch_feed(a_feed(server.url("/feed.xml")), client, now=NOW)

    assert result.outcome is FetchOutcome.NEW_CONTENT
    assert result.status_code == 200
    assert [article.title for article in result.articles] == ["Putin meets Xi", "Summit ends", "Talks to resume"]
    assert result.items_seen == 3
    assert result.etag == ETAG
    assert result.last_modified == LAST_MODIFIED
    assert result.content_hash == hashlib.sha256(BODY).hexdigest()
    assert result.bytes_received == len(BODY)
    assert result.feed_id == 7
    assert result.started_at == NOW
    assert result.error is None


def test_first_fetch_sends_no_validators(server, client):
    fetch_feed(a_feed(server.url("/feed.xml")), client, now=NOW)

    (request,) = server.requests_to("/feed.xml")
    assert "if-none-match" not in request.headers
    assert "if-modified-since" not in request.headers


def test_second_fetch_of_unchanged_feed_sends_if_none_match(server, client):
    first = fetch_feed(a_feed(server.url("/feed.xml")), client, now=NOW)
    stored = a_feed(server.url("/feed.xml"), etag=first.etag, content_hash=first.content_hash)

    second = fetch_feed(stored, client, now=NOW)

    assert server.requests_to("/feed.xml")[1].headers["if-none-match"] == ETAG
    assert second.outcome is FetchOutcome.NOT_MODIFIED
    assert second.status_code == 304
    assert second.articles == ()
    assert second.etag == ETAG


def test_second_fetch_sends_if_modified_since_when_only_last_modified_is_stored(server, client):
    second = fetch_feed(a_feed(server.url("/feed.xml"), last_modified=LAST_MODIFIED), client, now=NOW)

    assert server.requests_to("/feed.xml")[0].headers["if-modified-since"] == LAST_MODIFIED
    assert second.outcome is FetchOutcome.NOT_MODIFIED


def test_a_200_with_an_unchanged_body_is_not_modified_and_not_parsed(server, client, monkeypatch):
    stored = a_feed(server.url("/same-body.xml"), content_hash=hashlib.sha256(BODY).hexdigest())

    def parse_must_not_run(*args: object, **kwargs: object) -> None:
        raise AssertionError("an unchanged body was parsed")

    monkeypatch.setattr(ingest.feeds, "parse_feed", parse_must_not_run)

    result = fetch_feed(stored, client, now=NOW)

    assert result.outcome is FetchOutcome.NOT_MODIFIED
    assert result.status_code == 200
    assert result.articles == ()


@pytest.mark.parametrize("code", [404, 410, 403, 400])
def test_client_errors_are_permanent(server, client, code: int):
    server.routes["/failing.xml"] = status(code)

    result = fetch_feed(a_feed(server.url("/failing.xml")), client, now=NOW)

    assert result.outcome is FetchOutcome.PERMANENT_ERROR
    assert result.status_code == code
    assert f"HTTP {code}" in result.error


@pytest.mark.parametrize("code", [500, 502, 503, 429])
def test_server_errors_and_too_many_requests_are_transient(server, client, code: int):
    server.routes["/failing.xml"] = status(code)

    result = fetch_feed(a_feed(server.url("/failing.xml")), client, now=NOW)

    assert result.outcome is FetchOutcome.TRANSIENT_ERROR
    assert result.status_code == code


def test_a_failure_keeps_the_stored_validators(server, client):
    server.routes["/failing.xml"] = status(500)
    stored = a_feed(server.url("/failing.xml"), etag=ETAG, last_modified=LAST_MODIFIED, content_hash="abc")

    result = fetch_feed(stored, client, now=NOW)

    assert (result.etag, result.last_modified, result.content_hash) == (ETAG, LAST_MODIFIED, "abc")


def test_an_html_page_served_as_a_feed_is_a_permanent_error(server, client):
    result = fetch_feed(a_feed(server.url("/page.html")), client, now=NOW)

    assert result.outcome is FetchOutcome.PERMANENT_ERROR
    assert result.status_code == 200
    assert "HTML page ('Welcome')" in result.error


def test_a_trickling_server_is_cut_off_by_the_time_limit(server, client):
    started = time.monotonic()

    result = fetch_feed(a_feed(server.url("/trickle.xml")), client, now=NOW, time_limit_seconds=0.5)

    assert time.monotonic() - started < 2.0
    assert result.outcome is FetchOutcome.TRANSIENT_ERROR
    assert "time limit" in result.error
    assert 0 < result.duration_ms < 2000


def test_a_body_bigger_than_the_cap_is_cut_off_and_its_complete_items_kept(server, client):
    result = fetch_feed(a_feed(server.url("/huge.xml")), client, now=NOW, max_body_bytes=16 * 1024)

    assert result.bytes_received == 16 * 1024
    assert result.outcome is FetchOutcome.PARTIAL
    assert "body cut off at 16,384 bytes" in result.error
    assert len(result.articles) > 300
    assert result.articles[0].title == "Story 0"


def test_a_refused_connection_is_transient(client):
    with running_feed_server() as stopped:
        url = stopped.url("/feed.xml")

    result = fetch_feed(a_feed(url), client, now=NOW)

    assert result.outcome is FetchOutcome.TRANSIENT_ERROR
    assert result.status_code is None
    assert "ConnectError" in result.error


def test_a_redirect_loop_is_permanent(server, client):
    server.routes["/loop.xml"] = lambda handler: respond(handler, 302, headers={"Location": "/loop.xml"})

    result = fetch_feed(a_feed(server.url("/loop.xml")), client, now=NOW)

    assert result.outcome is FetchOutcome.PERMANENT_ERROR
    assert "too many redirects" in result.error


def test_a_body_that_fails_to_decompress_is_transient(server, client):
    server.routes["/bad-gzip.xml"] = lambda handler: respond(
        handler, 200, b"certainly not gzip", {"Content-Encoding": "gzip"}
    )

    result = fetch_feed(a_feed(server.url("/bad-gzip.xml")), client, now=NOW)

    assert result.outcome is FetchOutcome.TRANSIENT_ERROR
    assert "DecodingError" in result.error


def test_a_url_that_is_not_http_is_permanent_and_requests_nothing(client):
    result = fetch_feed(a_feed("file:///etc/passwd"), client, now=NOW)

    assert result.outcome is FetchOutcome.PERMANENT_ERROR
    assert "not an http(s) URL" in result.error


def test_requests_name_newstally_in_the_user_agent(server, client):
    fetch_feed(a_feed(server.url("/feed.xml")), client, now=NOW)

    user_agent = server.requests_to("/feed.xml")[0].headers["user-agent"]
    assert user_agent == USER_AGENT
    assert user_agent.startswith("newstally/")
    assert "(+https://github.com/newstally/newstally)" in user_agent


def test_redirects_are_followed_and_relative_links_resolve_against_the_final_url(server, client):
    server.routes["/old.xml"] = lambda handler: respond(handler, 301, headers={"Location": "/feed.xml"})

    result = fetch_feed(a_feed(server.url("/old.xml")), client, now=NOW)

    assert result.outcome is FetchOutcome.NEW_CONTENT
    assert len(result.articles) == 3


# --- into a real warehouse ---------------------------------------------------------------


def test_fetching_the_same_feed_twice_adds_nothing_the_second_time(server, fresh_warehouse):
    warehouse.add_feed(fresh_warehouse, server.url("/same-body.xml"), source_name="Test Wire")

    first = fetch_due(fresh_warehouse, now=NOW)
    second = fetch_due(fresh_warehouse, now=NOW + timedelta(hours=1))

    assert [(result.outcome, new) for _, result, new in first] == [(FetchOutcome.NEW_CONTENT, 3)]
    assert [(result.outcome, new) for _, result, new in second] == [(FetchOutcome.NOT_MODIFIED, 0)]
    assert warehouse.corpus_facts(fresh_warehouse).articles == 3


def test_a_changed_feed_adds_only_its_new_items(server, fresh_warehouse):
    bodies = iter([rss("Putin meets Xi", "Summit ends"), rss("Putin meets Xi", "Summit ends", "Modi visits")])
    server.routes["/changing.xml"] = lambda handler: respond(handler, 200, next(bodies))
    warehouse.add_feed(fresh_warehouse, server.url("/changing.xml"), source_name="Test Wire")

    first = fetch_due(fresh_warehouse, now=NOW)
    second = fetch_due(fresh_warehouse, now=NOW + timedelta(hours=1))

    assert [new for *_, new in first + second] == [2, 1]


def test_fetch_due_records_validators_and_sends_them_next_time(server, fresh_warehouse):
    feed = warehouse.add_feed(fresh_warehouse, server.url("/feed.xml"), source_name="Test Wire")

    fetch_due(fresh_warehouse, now=NOW)
    stored = warehouse.get_feed(fresh_warehouse, feed.feed_id)
    fetch_due(fresh_warehouse, now=NOW + timedelta(hours=1))

    assert stored.etag == ETAG
    assert server.requests_to("/feed.xml")[1].headers["if-none-match"] == ETAG


def test_fetch_due_respects_next_fetch_at(server, fresh_warehouse):
    feed = warehouse.add_feed(fresh_warehouse, server.url("/feed.xml"), source_name="Test Wire")
    fetch_due(fresh_warehouse, now=NOW)
    # A feed on 127.0.0.1 is the demo's: due again one minute later.
    assert warehouse.get_feed(fresh_warehouse, feed.feed_id).next_fetch_at == NOW + timedelta(minutes=1)

    too_early = fetch_due(fresh_warehouse, now=NOW + timedelta(seconds=30))
    due_again = fetch_due(fresh_warehouse, now=NOW + timedelta(minutes=1))

    assert too_early == []
    assert len(due_again) == 1
    assert len(server.requests_to("/feed.xml")) == 2


def test_force_fetches_feeds_that_are_not_due(server, fresh_warehouse):
    warehouse.add_feed(fresh_warehouse, server.url("/feed.xml"), source_name="Test Wire")
    fetch_due(fresh_warehouse, now=NOW)

    forced = fetch_due(fresh_warehouse, now=NOW + timedelta(seconds=1), force=True)

    assert len(forced) == 1


def test_a_failing_feed_backs_off_doubling(server, fresh_warehouse):
    server.routes["/failing.xml"] = status(503)
    feed = warehouse.add_feed(fresh_warehouse, server.url("/failing.xml"), source_name="Test Wire")

    fetch_due(fresh_warehouse, now=NOW)
    after_one = warehouse.get_feed(fresh_warehouse, feed.feed_id)
    fetch_due(fresh_warehouse, now=after_one.next_fetch_at)
    after_two = warehouse.get_feed(fresh_warehouse, feed.feed_id)

    # Local feed: 1-minute interval, so 2 minutes after the first failure, 4 after the second.
    assert after_one.next_fetch_at == NOW + timedelta(minutes=2)
    assert after_two.next_fetch_at == NOW + timedelta(minutes=2) + timedelta(minutes=4)
    assert after_two.consecutive_failures == 2
    assert "HTTP 503" in after_two.last_error


def test_progress_hears_of_every_feed(server, fresh_warehouse):
    for path in ("/feed.xml", "/same-body.xml"):
        warehouse.add_feed(fresh_warehouse, server.url(path), source_name="Test Wire")
    heard: list[tuple[str, FetchOutcome, int]] = []

    fetch_due(
        fresh_warehouse, now=NOW, progress=lambda feed, result, new: heard.append((feed.url, result.outcome, new))
    )

    assert sorted(heard) == sorted(
        [
            (server.url("/feed.xml"), FetchOutcome.NEW_CONTENT, 3),
            (server.url("/same-body.xml"), FetchOutcome.NEW_CONTENT, 0),
        ]
    )


def test_never_two_requests_in_flight_to_one_host(server, fresh_warehouse):
    def slow(handler: BaseHTTPRequestHandler) -> None:
        time.sleep(0.05)
        respond(handler, 200, BODY)

    for number in range(4):
        server.routes[f"/slow-{number}.xml"] = slow
        warehouse.add_feed(fresh_warehouse, server.url(f"/slow-{number}.xml"), source_name=f"Outlet {number}")

    results = fetch_due(fresh_warehouse, now=NOW, max_workers=4)

    assert len(results) == 4
    assert server.most_in_flight == 1


def test_the_scheduler_runs_a_first_pass_at_once_and_stops_when_asked(server, fresh_warehouse):
    warehouse.add_feed(fresh_warehouse, server.url("/feed.xml"), source_name="Test Wire")
    stop = threading.Event()
    runner = threading.Thread(
        target=run_scheduler, args=(fresh_warehouse,), kwargs={"interval_seconds": 3600, "stop_event": stop}
    )
    runner.start()
    try:
        deadline = time.monotonic() + 10
        while warehouse.corpus_facts(fresh_warehouse).articles < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop.set()
        runner.join(timeout=5)

    assert not runner.is_alive()
    assert warehouse.corpus_facts(fresh_warehouse).articles == 3


def test_a_pass_longer_than_the_interval_makes_the_next_wait_without_a_warning(fresh_warehouse, caplog):
    passes: list[float] = []

    def slow_after_pass() -> None:
        passes.append(time.monotonic())
        time.sleep(2.5)  # the pass outlasts two ticks of a 1 s interval

    stop = threading.Event()
    runner = threading.Thread(
        target=run_scheduler,
        args=(fresh_warehouse,),
        kwargs={"interval_seconds": 1, "stop_event": stop, "after_pass": slow_after_pass},
    )
    with caplog.at_level(logging.INFO):
        runner.start()
        try:
            deadline = time.monotonic() + 20
            while len(passes) < 2 and time.monotonic() < deadline:
                time.sleep(0.05)
        finally:
            stop.set()
            runner.join(timeout=10)

    assert len(passes) >= 2
    assert passes[1] - passes[0] >= 2.5  # the second started after the first ended: no overlap
    assert [record.getMessage() for record in caplog.records if record.levelno >= logging.WARNING] == []
