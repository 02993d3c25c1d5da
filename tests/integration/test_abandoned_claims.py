"""A fetcher killed mid-pass: its claimed feeds are taken back at once by the next fetcher, not after the lease.

Claims name their holder (host, process id, process start time); a claimant that
no longer runs on this host is surely gone, one still running is respected.
"""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta

import warehouse
from ingest import fetch_due
from ingest.claimant import is_gone, this_process
from tests.conftest import REPO_ROOT
from tests.integration.feed_server import respond, running_feed_server
from tests.integration.test_fetch_http import BODY

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)

CLAIM_AND_DIE = """
import os, sys
from datetime import datetime, timedelta
import warehouse
from ingest.claimant import this_process
feeds = warehouse.claim_due_feeds(
    warehouse.Warehouse(sys.argv[1]), datetime.fromisoformat(sys.argv[2]), lease=timedelta(minutes=30),
    claimant=this_process(),
)
print(len(feeds), flush=True)
os.kill(os.getpid(), 9)
"""


def test_feeds_claimed_by_a_killed_fetcher_are_fetched_by_the_next_pass(fresh_warehouse):
    with running_feed_server() as server:
        for number in range(3):
            server.routes[f"/feed-{number}.xml"] = lambda handler: respond(handler, 200, BODY)
            warehouse.add_feed(fresh_warehouse, server.url(f"/feed-{number}.xml"), source_name=f"Outlet {number}")
        killed = subprocess.run(
            [sys.executable, "-c", CLAIM_AND_DIE, str(fresh_warehouse.path), NOW.isoformat()],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert killed.returncode == -9 and killed.stdout.strip() == "3", killed.stderr
        assert warehouse.due_feeds(fresh_warehouse, NOW) == []  # the dead fetcher's lease holds them

        results = fetch_due(fresh_warehouse, now=NOW + timedelta(minutes=1))

    assert len(results) == 3
    assert Counter(request.path for request in server.requests) == {f"/feed-{n}.xml": 1 for n in range(3)}


def test_feeds_claimed_by_a_fetcher_that_still_runs_are_left_to_it(fresh_warehouse):
    with running_feed_server() as server:
        server.routes["/feed.xml"] = lambda handler: respond(handler, 200, BODY)
        warehouse.add_feed(fresh_warehouse, server.url("/feed.xml"), source_name="Wire")
        claimed = warehouse.claim_due_feeds(fresh_warehouse, NOW, lease=timedelta(minutes=30), claimant=this_process())

        results = fetch_due(fresh_warehouse, now=NOW + timedelta(minutes=1))

    assert len(claimed) == 1
    assert results == []
    assert server.requests == []


def test_a_claimant_is_gone_only_when_this_host_has_no_such_process():
    me = this_process()
    host, pid, started = me.rsplit(":", 2)

    assert not is_gone(me)
    assert is_gone(f"{host}:{pid}:{int(started) + 1}")  # the id reused by a later process
    assert not is_gone(f"another-host.example:{pid}:{started}")  # cannot be told from here
    assert not is_gone("not a claimant name")
