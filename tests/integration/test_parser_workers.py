"""Parsing in worker processes: the same articles as in-process, a dead worker costs one feed, no orphans.

ingest.workers forks parser processes for a fetch pass (and the scheduler keeps
one pool for its life), so ingest uses every core. These tests fork real processes
and kill real ones.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

import warehouse
from ingest import FeedMalformed, FeedUnavailable, fetch_due, parse_feed
from ingest.workers import ParserPool, start_parser_pool
from tests.conftest import REPO_ROOT, SHIPPED_WATCHLIST
from tests.integration.feed_server import respond, running_feed_server
from tests.integration.processes import alive
from warehouse.counting.watchlist import parse_watchlist

FIXTURES = REPO_ROOT / "tests" / "fixtures" / "feeds"
FETCHED_AT = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
needs_two_cores = pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="worker processes need two cores")


def _children(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        found.update(int(child) for child in (task / "children").read_text().split())
    return found


def test_a_pool_reads_every_fixture_as_parse_feed_does_and_hands_it_over_keyed_and_matched():
    watchlist = warehouse.load_watchlist(SHIPPED_WATCHLIST)
    documents = sorted(FIXTURES.glob("*.xml"))
    with ParserPool(2, watchlist) as pool:
        for path in documents:
            body = path.read_bytes()
            try:
                expected = parse_feed(body, fetched_at=FETCHED_AT, base_url="https://example.com/feed")
            except FeedMalformed as error:
                with pytest.raises(FeedMalformed, match=re.escape(str(error))):
                    pool.parse(body, fetched_at=FETCHED_AT, base_url="https://example.com/feed")
                continue
            keyed = warehouse.keyed_articles(expected.articles, fetched_at=FETCHED_AT, watchlist=watchlist)
            parsed = pool.parse(body, fetched_at=FETCHED_AT, base_url="https://example.com/feed")
            assert parsed == replace(expected, articles=(), keyed=keyed), path.name
            assert parsed.keyed is not None and parsed.keyed.mentions is not None


def test_a_killed_parser_costs_one_feed_and_later_feeds_are_parsed_in_this_process():
    body = (FIXTURES / "atom10_basic.xml").read_bytes()
    with ParserPool(2) as pool:
        for child in _children(os.getpid()):
            os.kill(child, signal.SIGKILL)
        time.sleep(0.2)

        with pytest.raises(FeedUnavailable, match="parser process died"):
            pool.parse(body, fetched_at=FETCHED_AT)
        after = pool.parse(body, fetched_at=FETCHED_AT)

    assert after == parse_feed(body, fetched_at=FETCHED_AT)


def test_no_pool_is_forked_while_another_thread_runs(fresh_warehouse):
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert start_parser_pool(fresh_warehouse, feeds=1_000) is None
    finally:
        stop.set()
        other.join()


def test_a_small_pass_parses_in_its_own_threads(fresh_warehouse):
    assert start_parser_pool(fresh_warehouse, feeds=3) is None


HOLDER = """
import sys, time
from ingest.workers import ParserPool
pool = ParserPool(2)
print("ready", flush=True)
time.sleep(600)
"""


def test_parser_processes_die_with_the_process_that_started_them():
    holder = subprocess.Popen([sys.executable, "-c", HOLDER], cwd=REPO_ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        workers = _children(holder.pid)
        assert len(workers) == 2

        holder.kill()
        holder.wait()

        deadline = time.monotonic() + 30
        while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(alive(pid) for pid in workers), "parser processes outlived a kill -9 of their parent"
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait()
        holder.stdout.close()


def _feed(number: int) -> bytes:
    items = "".join(
        f"<item><guid>f{number}-{n}</guid><title>Putin meets Zelensky, story {n} of feed {number}</title>"
        f"<link>https://outlet{number}.example/{n}</link><pubDate>Mon, 06 May 2024 10:{n:02d}:00 GMT</pubDate></item>"
        for n in range(30)
    )
    return f'<rss version="2.0"><channel><title>Outlet {number}</title>{items}</channel></rss>'.encode()


@needs_two_cores
def test_newstally_fetch_parses_in_worker_processes_and_stores_every_item(fresh_warehouse):
    feeds = 24
    with running_feed_server() as server:
        for number in range(feeds):
            server.routes[f"/feed{number}.xml"] = lambda handler, n=number: respond(handler, 200, _feed(n))
            warehouse.add_feed(fresh_warehouse, server.url(f"/feed{number}.xml"), source_name=f"Outlet {number}")

        fetched = subprocess.run(
            [sys.executable, "-m", "newstally", "--db", str(fresh_warehouse.path), "fetch"],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=300,
        )

    assert fetched.returncode == 0, fetched.stderr
    assert "parsing in 2 worker processes" in fetched.stderr
    with fresh_warehouse.reading() as connection:
        stored = connection.execute("SELECT count(*), count(DISTINCT guid) FROM articles").fetchone()
        mentions = connection.execute("SELECT count(*) FROM mentions WHERE entity_id = 'putin'").fetchone()
    assert stored == (feeds * 30, feeds * 30)
    assert mentions == (feeds * 30,)


@needs_two_cores
def test_mentions_found_by_workers_with_an_outdated_watchlist_are_found_again_with_the_stored_one(fresh_warehouse):
    outdated = parse_watchlist(
        '[[leader]]\nid = "putin"\nname = "Vladimir Putin"\naliases = ["Beijing"]\n', origin="before the edit"
    )
    with running_feed_server() as server, ParserPool(2, outdated) as pool:
        server.routes["/feed.xml"] = lambda handler: respond(handler, 200, _feed(1))
        warehouse.add_feed(fresh_warehouse, server.url("/feed.xml"), source_name="Outlet 1")
        fetch_due(fresh_warehouse, parser_pool=pool)

    with fresh_warehouse.reading() as connection:
        mentions = connection.execute(
            "SELECT entity_id, count(*) FROM mentions GROUP BY entity_id ORDER BY entity_id"
        ).fetchall()
    assert mentions == [("putin", 30), ("zelensky", 30)]
