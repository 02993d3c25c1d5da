"""Everything at once against one DuckDB file: ingest, dashboard reads, series and exports.

A local server publishes a new item on every feed each second. The scheduler and a
loop of `newstally fetch --force` processes ingest it, while `newstally series` and
`newstally export` run in loops and reader threads make the dashboard's queries. No
command may fail, no read may raise, every export is a consistent snapshot, and in the
end the warehouse holds exactly the items published. Latencies (p50/p95) are printed
(`pytest -s`); bench/soak.py writes the full-size figures to docs/benchmarks.md.

CI soaks for 20 s over 40 feeds; NEWSTALLY_SOAK_SECONDS=300 NEWSTALLY_SOAK_FEEDS=200
is the full-size run.
"""

from __future__ import annotations

import subprocess
import threading
import time
from datetime import date
from pathlib import Path

import pytest

import warehouse
from tests.conftest import REPO_ROOT, SHIPPED_WATCHLIST
from tests.integration.feed_server import respond, running_feed_server
from tests.integration.soak_load import (
    FEEDS,
    SOAK_SECONDS,
    Publisher,
    environment,
    export_problems,
    newstally,
    percentiles,
    soak_while_scheduling,
    start_scheduler,
    stored_urls,
)


# The full-size run (NEWSTALLY_SOAK_SECONDS=300) outlasts the suite's default time limit.
@pytest.mark.timeout(max(300, int(SOAK_SECONDS * 3) + 300))
def test_ingest_reads_series_and_exports_at_once_fail_nothing_and_store_exactly_what_was_published(tmp_path: Path):
    db = tmp_path / "newstally.duckdb"
    wh = warehouse.open_warehouse(db, watchlist_path=SHIPPED_WATCHLIST)
    publisher = Publisher()
    stop = threading.Event()
    failures: list[str] = []
    latencies: dict[str, list[float]] = {
        "dashboard query without ingest": [],
        "dashboard query": [],
        "series command": [],
        "export command": [],
    }

    def command_loop(name: str, make_command) -> None:
        number = 0
        while not stop.is_set():
            started = time.monotonic()
            result = subprocess.run(
                make_command(number), cwd=REPO_ROOT, env=environment(), capture_output=True, text=True, timeout=120
            )
            if result.returncode != 0:
                failures.append(f"{name}: {result.stderr.strip()[-300:]}")
            elif name in latencies:
                latencies[name].append(time.monotonic() - started)
            number += 1

    def dashboard_reader(key: str = "dashboard query", until: threading.Event = stop) -> None:
        while not until.is_set():
            started = time.monotonic()
            try:
                warehouse.entity_series(wh, ["putin", "nato"], bucket="day", start=date(2024, 5, 1))
                warehouse.search_articles(wh, text="item", limit=50)
                warehouse.feed_health(wh)
            except Exception as error:  # every failure is the finding
                failures.append(f"dashboard query: {error!r}")
            latencies[key].append(time.monotonic() - started)

    with running_feed_server() as server:
        for feed in range(FEEDS):
            server.routes[f"/soak{feed}.xml"] = lambda handler, feed=feed: respond(
                handler, 200, publisher.document(feed)
            )
            warehouse.add_feed(wh, server.url(f"/soak{feed}.xml"), source_name=f"Soak {feed}")
        # The baseline: the first items fetched once, then the same reads with no writer at work.
        seeded = subprocess.run(
            newstally(db, "fetch", "--force"),
            cwd=REPO_ROOT,
            env=environment(),
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert seeded.returncode == 0, seeded.stderr
        baseline_done = threading.Event()
        baseline = [
            threading.Thread(target=dashboard_reader, args=("dashboard query without ingest", baseline_done))
            for _ in range(2)
        ]
        for reader in baseline:
            reader.start()
        time.sleep(SOAK_SECONDS / 4)
        baseline_done.set()
        for reader in baseline:
            reader.join(timeout=120)
        scheduler = start_scheduler(db)
        workers = [
            threading.Thread(target=command_loop, args=("fetch command", lambda n: newstally(db, "fetch", "--force"))),
            threading.Thread(
                target=command_loop,
                args=(
                    "series command",
                    lambda n: newstally(db, "series", "--entity", "putin,nato", "--from", "2024-05-01"),
                ),
            ),
            threading.Thread(
                target=command_loop,
                args=(
                    "export command",
                    lambda n: newstally(db, "export", "--out", str(tmp_path / f"export-{n:05d}.csv")),
                ),
            ),
            *[threading.Thread(target=dashboard_reader) for _ in range(2)],
        ]
        scheduler_log = soak_while_scheduling(workers, publisher, stop, scheduler)
        final = subprocess.run(
            newstally(db, "fetch", "--force"),
            cwd=REPO_ROOT,
            env=environment(),
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert final.returncode == 0, final.stderr

    for name, samples in latencies.items():
        print(f"soak {SOAK_SECONDS:.0f} s, {FEEDS} feeds: {name} {percentiles(samples)}")
    assert failures == []
    assert scheduler.returncode == 0, scheduler_log[-2000:]
    assert "Traceback" not in scheduler_log, scheduler_log[-2000:]
    urls = stored_urls(wh)
    assert len(urls) == len(set(urls)), "an item was stored twice"
    assert set(urls) == publisher.published_urls(), "an item was lost or invented"
    assert export_problems(sorted(tmp_path.glob("export-*.csv")), publisher.articles_per_day()) == []
    assert warehouse.check_integrity(wh, watchlist_path=SHIPPED_WATCHLIST, recount_articles=None) == []
    assert all(len(samples) > 0 for samples in latencies.values())
