"""The scheduler's promises about timing: one fetch of a feed at a time, no catch-up burst, nothing lost on stop."""

from __future__ import annotations

import itertools
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler

import warehouse
from ingest import fetch_due
from tests.integration.feed_server import respond
from tests.integration.test_fetch_http import BODY

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)


def slow(handler: BaseHTTPRequestHandler) -> None:
    time.sleep(0.1)
    respond(handler, 200, BODY)


def test_two_fetchers_at_once_never_fetch_one_feed_twice(server, fresh_warehouse):
    for number in range(6):
        server.routes[f"/feed-{number}.xml"] = slow
        warehouse.add_feed(fresh_warehouse, server.url(f"/feed-{number}.xml"), source_name=f"Outlet {number}")
    # Two handles on one file, as two processes would have (each its own lock file descriptor).
    handles = [warehouse.Warehouse(fresh_warehouse.path), warehouse.Warehouse(fresh_warehouse.path)]
    results: list[list] = []
    start = threading.Barrier(2)

    def fetcher(handle: warehouse.Warehouse) -> None:
        start.wait()
        results.append(fetch_due(handle, now=NOW))

    threads = [threading.Thread(target=fetcher, args=(handle,)) for handle in handles]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert Counter(request.path for request in server.requests) == {f"/feed-{n}.xml": 1 for n in range(6)}
    assert sum(len(result) for result in results) == 6
    assert warehouse.corpus_facts(fresh_warehouse).articles == 6 * 3  # six outlets, three stories each


def test_two_fetchers_share_a_long_list_of_due_feeds(server, fresh_warehouse, monkeypatch):
    """A pass claims a share at a time, so a second fetcher starting while the first works gets feeds too."""
    monkeypatch.setattr("ingest.scheduler.CLAIM_SHARE", 4)
    for number in range(16):
        server.routes[f"/feed-{number}.xml"] = slow
        warehouse.add_feed(fresh_warehouse, server.url(f"/feed-{number}.xml"), source_name=f"Outlet {number}")
    handles = [warehouse.Warehouse(fresh_warehouse.path), warehouse.Warehouse(fresh_warehouse.path)]
    results: dict[int, list] = {}
    first_claimed = threading.Event()

    def fetcher(number: int) -> None:
        if number == 1:
            first_claimed.wait(timeout=30)  # the second starts once the first has its first share
        results[number] = fetch_due(handles[number], now=NOW, progress=lambda *_: first_claimed.set())

    threads = [threading.Thread(target=fetcher, args=(number,)) for number in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert Counter(request.path for request in server.requests) == {f"/feed-{n}.xml": 1 for n in range(16)}
    assert len(results[0]) + len(results[1]) == 16
    assert len(results[1]) >= 4, "the second fetcher found every feed claimed by the first"


def test_a_feed_overdue_by_many_intervals_is_fetched_once(server, fresh_warehouse):
    server.routes["/feed.xml"] = lambda handler: respond(handler, 200, BODY)
    feed = warehouse.add_feed(fresh_warehouse, server.url("/feed.xml"), source_name="Wire")
    fetch_due(fresh_warehouse, now=NOW)

    # The machine slept for a day: 1,440 one-minute runs were missed.
    woke = NOW + timedelta(days=1)
    fetch_due(fresh_warehouse, now=woke)
    fetch_due(fresh_warehouse, now=woke + timedelta(seconds=1))

    assert len(server.requests_to("/feed.xml")) == 2
    assert warehouse.get_feed(fresh_warehouse, feed.feed_id).next_fetch_at == woke + timedelta(minutes=1)


def test_a_claimed_feed_is_not_due_for_anyone_else(server, fresh_warehouse):
    feed = warehouse.add_feed(fresh_warehouse, server.url("/feed.xml"), source_name="Wire")

    claimed = warehouse.claim_due_feeds(fresh_warehouse, NOW, lease=timedelta(minutes=30))

    assert [each.feed_id for each in claimed] == [feed.feed_id]
    assert warehouse.claim_due_feeds(fresh_warehouse, NOW, lease=timedelta(minutes=30)) == []
    # A fetcher that died holding the claim only delays the feed by the lease.
    assert (
        len(warehouse.claim_due_feeds(fresh_warehouse, NOW + timedelta(minutes=30), lease=timedelta(minutes=30))) == 1
    )


def test_a_pass_with_nothing_due_writes_nothing(server, fresh_warehouse):
    server.routes["/feed.xml"] = lambda handler: respond(handler, 200, BODY)
    warehouse.add_feed(fresh_warehouse, server.url("/feed.xml"), source_name="Wire")
    fetch_due(fresh_warehouse, now=NOW)
    version = warehouse.corpus_facts(fresh_warehouse).data_version

    fetch_due(fresh_warehouse, now=NOW + timedelta(seconds=10))

    assert warehouse.corpus_facts(fresh_warehouse).data_version == version


def test_feeds_left_unstarted_by_a_stop_are_due_again_at_once(server, fresh_warehouse):
    for number in range(3):
        server.routes[f"/feed-{number}.xml"] = lambda handler: respond(handler, 200, BODY)
        warehouse.add_feed(fresh_warehouse, server.url(f"/feed-{number}.xml"), source_name="Wire")
    stop = threading.Event()
    stop.set()

    stopped = fetch_due(fresh_warehouse, now=NOW, stop_event=stop)
    resumed = fetch_due(fresh_warehouse, now=NOW + timedelta(seconds=1))

    assert stopped == []
    assert len(resumed) == 3


def test_requests_to_one_host_start_at_least_the_gap_apart(server, fresh_warehouse):
    started: list[float] = []

    def timed(handler: BaseHTTPRequestHandler) -> None:
        started.append(time.monotonic())
        respond(handler, 200, BODY)

    for number in range(3):
        server.routes[f"/feed-{number}.xml"] = timed
        warehouse.add_feed(fresh_warehouse, server.url(f"/feed-{number}.xml"), source_name=f"Outlet {number}")

    fetch_due(fresh_warehouse, now=NOW, host_gap_seconds=0.3)

    gaps = [later - earlier for earlier, later in itertools.pairwise(started)]
    assert len(started) == 3
    # Measured at the server, so a few milliseconds of connection set-up may fall either side.
    assert all(gap >= 0.28 for gap in gaps), gaps
    assert started[-1] - started[0] >= 0.58


def test_remote_hosts_get_the_default_gap_and_this_machine_none():
    from ingest.pacing import DEFAULT_HOST_GAP_SECONDS, host_gap_seconds

    assert host_gap_seconds("https://feeds.example.org/world.xml") == DEFAULT_HOST_GAP_SECONDS == 0.25
    assert host_gap_seconds("http://127.0.0.1:8765/feeds/demo.xml") == 0.0
