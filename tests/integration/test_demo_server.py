"""The demo feed server over real HTTP on 127.0.0.1, with a fake clock."""

from __future__ import annotations

import logging
import socket
import struct
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from xml.etree import ElementTree

import feedparser
import httpx
import pytest

from ingest import DemoFeedServer, demo_feed_urls, demo_outlets, generate_history, serve_demo_feeds

SEED = 11
# Mid-afternoon of the Anchorage summit: a busy news day.
NOW = datetime(2025, 8, 15, 15, 0, 20, tzinfo=UTC)
LIVE_SINCE = datetime(2025, 8, 15, 14, 50, 0, tzinfo=UTC)


@dataclass
class FakeClock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now

    def advance(self, minutes: int) -> None:
        self.now += timedelta(minutes=minutes)


@dataclass
class RunningDemo:
    server: DemoFeedServer
    clock: FakeClock
    client: httpx.Client

    def get(self, url: str, **headers: str) -> httpx.Response:
        return self.client.get(url, headers=headers)

    def feed(self, url: str) -> feedparser.FeedParserDict:
        response = self.get(url)
        assert response.status_code == 200
        return feedparser.parse(response.content)


def running_demo(articles_per_day: float, **options) -> Iterator[RunningDemo]:
    clock = FakeClock(NOW)
    server = DemoFeedServer(SEED, live_since=LIVE_SINCE, now=clock, articles_per_day=articles_per_day, **options)
    with server, httpx.Client(timeout=10) as client:
        yield RunningDemo(server, clock, client)
    with pytest.raises(httpx.ConnectError):
        httpx.get(server.url, timeout=2)


@pytest.fixture
def demo() -> Iterator[RunningDemo]:
    """A server with history (20 stories a day) and the live trickle."""
    yield from running_demo(20.0)


@pytest.fixture
def live_only() -> Iterator[RunningDemo]:
    """A server whose history is empty, so every item is a live one: one per minute."""
    yield from running_demo(0.0)


def all_items(demo: RunningDemo) -> list[feedparser.FeedParserDict]:
    return [entry for _, url in demo_feed_urls(demo.server.url) for entry in demo.feed(url).entries]


def test_feeds_alternate_between_rss_and_atom_and_both_parse_cleanly(demo):
    versions = {}
    for name, url in demo_feed_urls(demo.server.url):
        parsed = demo.feed(url)
        assert not parsed.bozo, (url, parsed.get("bozo_exception"))
        assert parsed.feed.title == name
        versions[name] = parsed.version
    assert set(versions.values()) == {"rss20", "atom10"}
    assert versions["The Meridian Ledger (demo)"] == "rss20"
    assert versions["Baltic Wire (demo)"] == "atom10"


def test_live_only_feeds_hold_one_item_per_minute_since_live_since(live_only):
    # 14:51, 14:52, ..., 15:00: ten minutes have passed since 14:50.
    assert len(all_items(live_only)) == 10


def test_three_minutes_later_the_feeds_hold_three_more_live_items(live_only):
    before = {entry.id for entry in all_items(live_only)}
    live_only.clock.advance(3)
    after = {entry.id for entry in all_items(live_only)}
    assert before < after
    assert len(after - before) == 3
    assert all(guid.startswith(f"demo-live:{SEED}:") for guid in after - before)


def test_a_feed_holds_the_outlets_history_of_the_last_two_days_plus_its_live_items(demo):
    outlet = demo_outlets()[0]
    (_, url), *_ = demo_feed_urls(demo.server.url)
    served = {entry.id for entry in demo.feed(url).entries}
    # The same guids the bulk load stores, so what was loaded dedupes.
    history = {
        article.guid
        for name, article in generate_history(SEED, (NOW - timedelta(days=2)).date(), NOW, 20.0)
        if name == outlet.name and article.published_at > NOW - timedelta(days=2)
    }
    live = {guid for guid in served if guid.startswith("demo-live:")}
    assert served - live == history
    assert len(history) > 5


def test_items_come_newest_first_with_the_generated_text(demo):
    outlet = demo_outlets()[1]
    url = dict(demo_feed_urls(demo.server.url))[outlet.name]
    entries = demo.feed(url).entries
    published = [entry.published_parsed for entry in entries]
    assert published == sorted(published, reverse=True)
    generated = {
        article.guid: article
        for name, article in generate_history(SEED, (NOW - timedelta(days=2)).date(), NOW, 20.0)
        if name == outlet.name
    }
    for entry in entries:
        if entry.id in generated:
            assert entry.title == generated[entry.id].title
            assert entry.summary == generated[entry.id].summary
            assert entry.link == generated[entry.id].url


def test_a_feed_is_capped_at_max_items_keeping_the_newest(demo):
    outlet = demo_outlets()[0]
    uncapped = [entry.id for entry in demo.feed(demo.server.url + outlet.feed_path).entries]
    assert len(uncapped) > 5
    for capped in running_demo(20.0, max_items=5):
        assert [entry.id for entry in capped.feed(capped.server.url + outlet.feed_path).entries] == uncapped[:5]


def test_second_request_with_the_etag_gets_304(demo):
    url = demo_feed_urls(demo.server.url)[0][1]
    first = demo.get(url)
    assert first.headers["ETag"].startswith('"')
    second = demo.get(url, **{"If-None-Match": first.headers["ETag"]})
    assert second.status_code == 304
    assert second.content == b""


def test_second_request_with_if_modified_since_gets_304(demo):
    url = demo_feed_urls(demo.server.url)[0][1]
    first = demo.get(url)
    second = demo.get(url, **{"If-Modified-Since": first.headers["Last-Modified"]})
    assert second.status_code == 304


def test_last_modified_is_the_newest_items_time(live_only):
    # Only live items: the newest of all is 15:00, but each feed has its own newest.
    for _, url in demo_feed_urls(live_only.server.url):
        response = live_only.get(url)
        entries = feedparser.parse(response.content).entries
        if entries:
            newest = max(entry.published_parsed for entry in entries)
            assert response.headers["Last-Modified"] == datetime(*newest[:6]).strftime("%a, %d %b %Y %H:%M:%S GMT")


def test_a_feed_that_changed_answers_200_to_the_old_etag(live_only):
    etags = {url: live_only.get(url).headers["ETag"] for _, url in demo_feed_urls(live_only.server.url)}
    live_only.clock.advance(3)
    statuses = [live_only.get(url, **{"If-None-Match": etag}).status_code for url, etag in etags.items()]
    # Three new items land in one to three feeds; the others are unchanged.
    assert 1 <= statuses.count(200) <= 3
    assert statuses.count(304) == len(statuses) - statuses.count(200)


def test_the_opml_lists_every_outlet_feed(demo):
    response = demo.get(f"{demo.server.url}/feeds.opml")
    assert response.status_code == 200
    outlines = ElementTree.fromstring(response.content).iter("outline")
    listed = {(outline.get("text"), outline.get("xmlUrl")) for outline in outlines}
    assert listed == set(demo_feed_urls(demo.server.url))
    assert len(listed) == len(demo_outlets())


def test_the_front_page_is_plain_text_naming_the_demo(demo):
    response = demo.get(f"{demo.server.url}/")
    assert response.headers["Content-Type"].startswith("text/plain")
    assert "fictional" in response.text
    assert "/feeds.opml" in response.text


@pytest.mark.parametrize("path", ["/feeds/nowhere.rss", "/feeds/meridian-ledger.atom", "/elsewhere"])
def test_unknown_paths_are_404(demo, path):
    assert demo.get(f"{demo.server.url}{path}").status_code == 404


def test_requests_are_logged_through_logging_not_printed(demo, capfd, caplog):
    caplog.set_level("DEBUG", logger="ingest.demo.server")
    demo.get(demo_feed_urls(demo.server.url)[0][1])
    assert capfd.readouterr().err == ""
    assert any("GET /feeds/meridian-ledger.rss" in record.getMessage() for record in caplog.records)


def test_a_client_hanging_up_is_no_error(demo, capfd, caplog):
    """A reader that resets its connection mid-request (as HTTP clients do) leaves no traceback behind."""
    caplog.set_level("DEBUG", logger="ingest.demo.server")
    host, port = demo.server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as client:
        client.sendall(b"GET /feeds/meridian-ledger.rss HTTP/1.1\r\nHost: x\r\n")
        client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # close with a reset
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not hang_ups(caplog):
        time.sleep(0.02)
    assert hang_ups(caplog) == ["demo feed server: 127.0.0.1 hung up"]
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []
    assert capfd.readouterr().err == ""
    assert demo.get(demo_feed_urls(demo.server.url)[0][1]).status_code == 200


def hang_ups(caplog) -> list[str]:
    return [record.getMessage() for record in caplog.records if "hung up" in record.getMessage()]


def test_serve_demo_feeds_serves_until_the_stop_event_is_set():
    stop = threading.Event()
    started = threading.Event()
    servers: list[DemoFeedServer] = []

    def on_started(server: DemoFeedServer) -> None:
        servers.append(server)
        started.set()

    thread = threading.Thread(
        target=serve_demo_feeds,
        kwargs={"seed": SEED, "live_since": NOW, "stop_event": stop, "on_started": on_started},
        daemon=True,
    )
    thread.start()
    assert started.wait(10)
    assert httpx.get(f"{servers[0].url}/", timeout=5).status_code == 200
    stop.set()
    thread.join(10)
    assert not thread.is_alive()
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{servers[0].url}/", timeout=2)
