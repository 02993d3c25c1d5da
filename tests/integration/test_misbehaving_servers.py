"""Servers that lie, stall or attack: each test plays one misbehaviour on 127.0.0.1.

The well-behaved cases and the simple status codes are in test_fetch_http.py;
these are the ones the real web adds.
"""

from __future__ import annotations

import gzip
import hashlib
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler

import warehouse
from ingest import fetch_due, fetch_feed
from tests.integration.feed_server import respond
from tests.integration.test_fetch_http import BODY, rss
from warehouse import Feed, FetchOutcome

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
STUCK_ETAG = '"forever"'


def a_feed(url: str, **stored: object) -> Feed:
    return replace(Feed(feed_id=7, source_id=1, source_name="Test Wire", url=url, title="", enabled=True), **stored)


# --- servers that lie about ETags -------------------------------------------------------


def stuck_etag_server(bodies: list[bytes]):
    """Answers 304 to its one ETag whatever the feed now says, and 200 with the latest body otherwise."""

    def route(handler: BaseHTTPRequestHandler) -> None:
        if handler.headers.get("If-None-Match") == STUCK_ETAG:
            handler.send_response(304)
            handler.send_header("ETag", STUCK_ETAG)
            handler.send_header("Content-Length", "0")
            handler.end_headers()
            return
        respond(handler, 200, bodies[-1], {"ETag": STUCK_ETAG})

    return route


def test_a_feed_that_answered_304_for_a_day_is_fetched_unconditionally(server, fresh_warehouse):
    bodies = [rss("Putin meets Xi")]
    server.routes["/stuck.xml"] = stuck_etag_server(bodies)
    feed = warehouse.add_feed(fresh_warehouse, server.url("/stuck.xml"), source_name="Test Wire")
    fetch_due(fresh_warehouse, now=NOW)
    bodies.append(rss("Putin meets Xi", "Summit ends"))  # changed, same ETag

    within_a_day = [fetch_due(fresh_warehouse, now=NOW + timedelta(hours=hours)) for hours in (1, 12, 24)]
    after_a_day = fetch_due(fresh_warehouse, now=NOW + timedelta(hours=25))

    assert [result.status_code for ((_, result, _),) in within_a_day] == [304, 304, 304]
    assert warehouse.get_feed(fresh_warehouse, feed.feed_id).not_modified_since is None  # reset by the 200
    (_, result, new) = after_a_day[0]
    assert (result.status_code, result.outcome, new) == (200, FetchOutcome.NEW_CONTENT, 1)
    requests = server.requests_to("/stuck.xml")
    assert [request.headers.get("if-none-match") for request in requests] == [
        None,
        STUCK_ETAG,
        STUCK_ETAG,
        STUCK_ETAG,
        None,
    ]


def test_the_run_of_304s_is_remembered_from_its_first_answer(server, fresh_warehouse):
    server.routes["/stuck.xml"] = stuck_etag_server([BODY])
    feed = warehouse.add_feed(fresh_warehouse, server.url("/stuck.xml"), source_name="Test Wire")
    fetch_due(fresh_warehouse, now=NOW)

    fetch_due(fresh_warehouse, now=NOW + timedelta(hours=1))
    fetch_due(fresh_warehouse, now=NOW + timedelta(hours=2))

    assert warehouse.get_feed(fresh_warehouse, feed.feed_id).not_modified_since == NOW + timedelta(hours=1)


def test_a_changed_body_under_the_same_etag_is_parsed(server, client):
    first = rss("Putin meets Xi")
    changed = rss("Putin meets Xi", "Summit ends")
    server.routes["/same-etag.xml"] = lambda handler: respond(handler, 200, changed, {"ETag": STUCK_ETAG})
    stored = a_feed(server.url("/same-etag.xml"), etag=STUCK_ETAG, content_hash=hashlib.sha256(first).hexdigest())

    result = fetch_feed(stored, client, now=NOW)

    assert result.outcome is FetchOutcome.NEW_CONTENT
    assert [article.title for article in result.articles] == ["Putin meets Xi", "Summit ends"]
    assert result.content_hash == hashlib.sha256(changed).hexdigest()


# --- servers that never stop, or send too much -------------------------------------------


def endless(handler: BaseHTTPRequestHandler) -> None:
    """A 200 with no Content-Length that streams items until the client hangs up."""
    handler.send_response(200)
    handler.send_header("Content-Type", "application/rss+xml")
    handler.send_header("Connection", "close")
    handler.end_headers()
    handler.wfile.write(b'<?xml version="1.0"?><rss version="2.0"><channel><title>Endless</title>')
    number = 0
    while True:
        handler.wfile.write(b"<item><guid>e%d</guid><title>Story %d</title></item>" % (number, number))
        number += 1


def test_an_endless_body_is_cut_off_at_the_size_cap(server, client):
    server.routes["/endless.xml"] = endless
    started = time.monotonic()

    result = fetch_feed(a_feed(server.url("/endless.xml")), client, now=NOW, max_body_bytes=64 * 1024)

    assert time.monotonic() - started < 10
    assert result.outcome is FetchOutcome.PARTIAL
    assert result.bytes_received == 64 * 1024
    assert "body cut off at 65,536 bytes" in result.error
    assert result.articles[0].title == "Story 0"


def test_an_endless_body_under_a_generous_cap_is_cut_off_by_the_time_limit(server, client):
    server.routes["/endless.xml"] = endless

    result = fetch_feed(
        a_feed(server.url("/endless.xml")), client, now=NOW, time_limit_seconds=0.5, max_body_bytes=10**12
    )

    assert result.outcome is FetchOutcome.TRANSIENT_ERROR
    assert "time limit" in result.error


def test_a_gzip_bomb_is_cut_off_after_the_cap_of_decompressed_bytes(server, client):
    # 64 MB of spaces after a valid feed head: about 64 KB on the wire.
    head = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>Bomb</title>'
        b"<item><guid>1</guid><title>First</title></item>"
    )
    bomb = gzip.compress(head + b" " * (64 * 1024 * 1024), compresslevel=9)
    server.routes["/bomb.xml"] = lambda handler: respond(handler, 200, bomb, {"Content-Encoding": "gzip"})

    result = fetch_feed(a_feed(server.url("/bomb.xml")), client, now=NOW, max_body_bytes=1024 * 1024)

    assert len(bomb) < 200 * 1024
    assert result.bytes_received == 1024 * 1024
    assert result.outcome is FetchOutcome.PARTIAL
    assert [article.title for article in result.articles] == ["First"]


def test_a_feed_of_10000_items_is_stored_whole(server, fresh_warehouse):
    items = b"".join(
        b"<item><guid>big-%d</guid><title>Story number %d of the day</title>"
        b"<pubDate>Sat, 01 Jun 2024 10:00:00 GMT</pubDate></item>" % (number, number)
        for number in range(10_000)
    )
    body = b'<?xml version="1.0"?><rss version="2.0"><channel><title>Big</title>' + items + b"</channel></rss>"
    server.routes["/big.xml"] = lambda handler: respond(handler, 200, body)
    warehouse.add_feed(fresh_warehouse, server.url("/big.xml"), source_name="Big")

    ((_, result, new),) = fetch_due(fresh_warehouse, now=NOW)

    assert (result.outcome, result.items_seen, new) == (FetchOutcome.NEW_CONTENT, 10_000, 10_000)
    assert warehouse.corpus_facts(fresh_warehouse).articles == 10_000


# --- servers that fail, then recover -----------------------------------------------------


def test_a_500_then_a_200_stores_the_items_and_clears_the_failure(server, fresh_warehouse):
    answers = iter([500, 200])
    server.routes["/flaky.xml"] = lambda handler: respond(
        handler, (code := next(answers)), BODY if code == 200 else b""
    )
    feed = warehouse.add_feed(fresh_warehouse, server.url("/flaky.xml"), source_name="Test Wire")

    first = fetch_due(fresh_warehouse, now=NOW)
    failed = warehouse.get_feed(fresh_warehouse, feed.feed_id)
    second = fetch_due(fresh_warehouse, now=failed.next_fetch_at)
    recovered = warehouse.get_feed(fresh_warehouse, feed.feed_id)

    assert [(result.outcome, new) for _, result, new in first + second] == [
        (FetchOutcome.TRANSIENT_ERROR, 0),
        (FetchOutcome.NEW_CONTENT, 3),
    ]
    assert (failed.consecutive_failures, recovered.consecutive_failures) == (1, 0)
    assert recovered.last_error is None


# --- servers that mislabel what they send -------------------------------------------------


def test_a_feed_served_as_text_html_is_still_read(server, client):
    server.routes["/mislabelled.xml"] = lambda handler: respond(handler, 200, BODY, {"Content-Type": "text/html"})

    result = fetch_feed(a_feed(server.url("/mislabelled.xml")), client, now=NOW)

    assert result.outcome is FetchOutcome.NEW_CONTENT
    assert len(result.articles) == 3


def test_a_feed_in_windows_1252_declared_as_utf_8_keeps_its_accents(server, client):
    body = (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>T</title>'
        "<item><guid>1</guid><title>Café über Putin</title></item></channel></rss>"
    ).encode("cp1252")
    server.routes["/latin.xml"] = lambda handler: respond(
        handler, 200, body, {"Content-Type": "application/rss+xml; charset=utf-8"}
    )

    result = fetch_feed(a_feed(server.url("/latin.xml")), client, now=NOW)

    assert result.outcome is FetchOutcome.PARTIAL
    assert [article.title for article in result.articles] == ["Café über Putin"]
    assert "wrong character encoding" in result.error


def test_a_utf_8_feed_declared_as_latin_1_is_read_as_utf_8(server, client):
    body = (
        '<?xml version="1.0" encoding="iso-8859-1"?><rss version="2.0"><channel><title>T</title>'
        "<item><guid>1</guid><title>Путин в Café</title></item></channel></rss>"
    ).encode()
    server.routes["/utf8.xml"] = lambda handler: respond(handler, 200, body)

    result = fetch_feed(a_feed(server.url("/utf8.xml")), client, now=NOW)

    assert [article.title for article in result.articles] == ["Путин в Café"]


# --- hostile documents --------------------------------------------------------------------


def test_an_xxe_payload_reads_no_local_file(server, client, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT", encoding="utf-8")
    body = (
        f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM "file://{secret}">]>'
        '<rss version="2.0"><channel><title>T</title>'
        "<item><guid>1</guid><title>Leak &xxe; here</title><description>&xxe;</description></item>"
        "</channel></rss>"
    ).encode()
    server.routes["/xxe.xml"] = lambda handler: respond(handler, 200, body)

    result = fetch_feed(a_feed(server.url("/xxe.xml")), client, now=NOW)

    assert len(result.articles) == 1
    assert "TOP-SECRET" not in repr(result.articles)
    assert "entity declarations removed" in result.error


def test_a_billion_laughs_payload_is_not_expanded_and_costs_no_time(server, client):
    levels = "".join(f'<!ENTITY lol{level} "{f"&lol{level - 1};" * 10}">' for level in range(1, 10))
    body = (
        f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY lol0 "lol">{levels}]>'
        '<rss version="2.0"><channel><title>T</title>'
        "<item><guid>1</guid><title>Laugh &lol9;</title></item></channel></rss>"
    ).encode()
    server.routes["/lol.xml"] = lambda handler: respond(handler, 200, body)
    started = time.monotonic()

    result = fetch_feed(a_feed(server.url("/lol.xml")), client, now=NOW)

    assert time.monotonic() - started < 2
    assert [len(article.title) < 100 for article in result.articles] == [True]
    assert "entity declarations removed" in result.error
