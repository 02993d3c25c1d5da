"""Everything at once against one DuckDB file: ingest, dashboard reads, series and exports.

A local server publishes a new item on every feed each second. The scheduler and a
loop of `newstally fetch --force` processes ingest it, while `newstally series` and
`newstally export` run in loops and reader threads make the dashboard's queries. No
command may fail, no read may raise, and in the end the warehouse holds exactly the
items published. Latencies (p50/p95) are printed (`pytest -s`) for docs/benchmarks.md.

CI soaks for 20 s over 40 feeds; NEWSTALLY_SOAK_SECONDS=300 NEWSTALLY_SOAK_FEEDS=200
is the full-size run.
"""

from __future__ import annotations

import os
import signal
import statistics
import subprocess
import sys
import threading
import time
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import warehouse
from tests.conftest import REPO_ROOT, SHIPPED_WATCHLIST
from tests.integration.feed_server import respond, running_feed_server

SOAK_SECONDS = float(os.environ.get("NEWSTALLY_SOAK_SECONDS", "20"))
FEEDS = int(os.environ.get("NEWSTALLY_SOAK_FEEDS", "40"))
FIRST_DAY = datetime(2024, 5, 1, tzinfo=UTC)


class Publisher:
    """Feed f carries items 0..n-1, n growing by one a second until `stop`."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.stopped_at: float | None = None

    def visible(self) -> int:
        now = self.stopped_at if self.stopped_at is not None else time.monotonic()
        return 1 + int(now - self.started)

    def stop(self) -> None:
        self.stopped_at = time.monotonic()

    def document(self, feed: int) -> bytes:
        items = "".join(
            f"<item><guid>f{feed}-{n}</guid><title>Putin and NATO, item {n} of feed {feed}</title>"
            f"<link>https://soak{feed}.example/{n}</link>"
            f"<pubDate>{format_datetime(FIRST_DAY + timedelta(minutes=n), usegmt=True)}</pubDate></item>"
            for n in reversed(range(self.visible()))
        )
        return f'<rss version="2.0"><channel><title>Soak {feed}</title>{items}</channel></rss>'.encode()

    def published_urls(self) -> set[str]:
        return {f"https://soak{feed}.example/{n}" for feed in range(FEEDS) for n in range(self.visible())}


def environment() -> dict[str, str]:
    return {key: value for key, value in os.environ.items() if key != "NEWSTALLY_DB"}


def newstally(db: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "newstally", "--db", str(db), "--watchlist", str(SHIPPED_WATCHLIST), *args]


def percentiles(samples: list[float]) -> str:
    if len(samples) < 2:
        return f"n={len(samples)}"
    cuts = statistics.quantiles(samples, n=20)
    return f"n={len(samples)} p50={statistics.median(samples) * 1000:.0f} ms p95={cuts[18] * 1000:.0f} ms"


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
        scheduler = subprocess.Popen(
            newstally(db, "schedule", "--interval", "1"),
            cwd=REPO_ROOT,
            env=environment(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
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
                args=("export command", lambda n: newstally(db, "export", "--out", str(tmp_path / f"export-{n}.csv"))),
            ),
            *[threading.Thread(target=dashboard_reader) for _ in range(2)],
        ]
        try:
            for worker in workers:
                worker.start()
            time.sleep(SOAK_SECONDS)
            publisher.stop()
        finally:
            stop.set()
            for worker in workers:
                worker.join(timeout=180)
            scheduler.send_signal(signal.SIGTERM)
            _, scheduler_log = scheduler.communicate(timeout=120)
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
    urls: list[str] = []
    offset = 0
    while True:
        page, total = warehouse.search_articles(wh, limit=1000, offset=offset)
        urls += page["url"].tolist()
        offset += len(page)
        if offset >= total or page.empty:
            break
    assert len(urls) == len(set(urls)), "an item was stored twice"
    assert set(urls) == publisher.published_urls(), "an item was lost or invented"
    assert warehouse.check_integrity(wh, watchlist_path=SHIPPED_WATCHLIST, recount_articles=None) == []
    assert all(len(samples) > 0 for samples in latencies.values())
