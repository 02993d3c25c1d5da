"""The soak's moving parts, shared by the soak tests and bench/soak.py.

A `Publisher` whose feeds gain one item a second (so the soak knows exactly what was
published), the command and query loops that read and write the warehouse at once,
a `Recorder` for their latencies and failures, and the checks run at the end: every
published item stored once, and every export a consistent snapshot.

Every item's title mentions Putin and NATO once, so in any consistent state of the
warehouse each bucket's Putin articles, NATO articles and total articles are the same
number. An export that read articles stored but not yet tallied would show otherwise.
"""

from __future__ import annotations

import csv
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import warehouse
from tests.conftest import REPO_ROOT, SHIPPED_WATCHLIST
from tests.integration.feed_server import FeedServer, respond

SOAK_SECONDS = float(os.environ.get("NEWSTALLY_SOAK_SECONDS", "20"))
FEEDS = int(os.environ.get("NEWSTALLY_SOAK_FEEDS", "40"))
FIRST_DAY = datetime(2024, 5, 1, tzinfo=UTC)
# Four items a day: a soak of a few minutes spans weeks, so the dashboard's charts have lines to draw.
ITEM_SPACING = timedelta(hours=6)
ITEMS_PER_DAY = 4
COMMAND_TIMEOUT_S = 600


class Publisher:
    """Feed f carries items 0..n-1, n growing by one a second until `stop`."""

    def __init__(self, feeds: int = FEEDS) -> None:
        self.feeds = feeds
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
            f"<pubDate>{format_datetime(FIRST_DAY + n * ITEM_SPACING, usegmt=True)}</pubDate></item>"
            for n in reversed(range(self.visible()))
        )
        return f'<rss version="2.0"><channel><title>Soak {feed}</title>{items}</channel></rss>'.encode()

    def published_urls(self) -> set[str]:
        return {f"https://soak{feed}.example/{n}" for feed in range(self.feeds) for n in range(self.visible())}

    def articles_per_day(self) -> dict[date, int]:
        """Items published per UTC day over all feeds: what a complete daily export must count."""
        per_day: dict[date, int] = defaultdict(int)
        for n in range(self.visible()):
            per_day[(FIRST_DAY + n * ITEM_SPACING).date()] += self.feeds
        return dict(per_day)


def serve_feeds(server: FeedServer, publisher: Publisher, wh: warehouse.Warehouse) -> None:
    """Route each of the publisher's feeds on the server and register it in the warehouse."""
    for feed in range(publisher.feeds):
        server.routes[f"/soak{feed}.xml"] = lambda handler, feed=feed: respond(handler, 200, publisher.document(feed))
        warehouse.add_feed(wh, server.url(f"/soak{feed}.xml"), source_name=f"Soak {feed}")


def environment() -> dict[str, str]:
    return {key: value for key, value in os.environ.items() if key != "NEWSTALLY_DB"}


def newstally(db: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "newstally", "--db", str(db), "--watchlist", str(SHIPPED_WATCHLIST), *args]


def run_newstally(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        newstally(db, *args),
        cwd=REPO_ROOT,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT_S,
    )


def start_scheduler(db: Path) -> subprocess.Popen[str]:
    """`newstally schedule --interval 1`: every feed due again a second after its fetch."""
    return subprocess.Popen(
        newstally(db, "schedule", "--interval", "1"),
        cwd=REPO_ROOT,
        env=environment(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def series_command(db: Path) -> Callable[[int], list[str]]:
    return lambda number: newstally(db, "series", "--entity", "putin,nato", "--from", FIRST_DAY.date().isoformat())


def export_command(db: Path, folder: Path) -> Callable[[int], list[str]]:
    """Every entity, daily: the default export, numbered so each can be checked afterwards."""
    return lambda number: newstally(db, "export", "--out", str(folder / f"export-{number:05d}.csv"))


def percentiles(samples: list[float]) -> str:
    if len(samples) < 2:
        return f"n={len(samples)}"
    cuts = statistics.quantiles(samples, n=20)
    return f"n={len(samples)} p50={statistics.median(samples) * 1000:.0f} ms p95={cuts[18] * 1000:.0f} ms"


@dataclass
class Recorder:
    """Latencies (seconds) by name and every failure's one-line story, from any thread."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    failures: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def succeeded(self, name: str, seconds: float) -> None:
        with self.lock:
            self.latencies[name].append(seconds)
            self.counts[name] += 1

    def failed(self, name: str, story: str) -> None:
        with self.lock:
            self.failures.append(f"{name}: {story}")
            self.counts[f"{name} failed"] += 1


def command_loop(
    recorder: Recorder, name: str, make_command: Callable[[int], list[str]], until: threading.Event
) -> None:
    """Run command 0, 1, 2, … back to back until `until` is set; a non-zero exit is a failure."""
    number = 0
    while not until.is_set():
        started = time.monotonic()
        result = subprocess.run(
            make_command(number),
            cwd=REPO_ROOT,
            env=environment(),
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT_S,
        )
        if result.returncode != 0:
            recorder.failed(name, result.stderr.strip()[-300:])
        else:
            recorder.succeeded(name, time.monotonic() - started)
        number += 1


def query_loop(recorder: Recorder, wh: warehouse.Warehouse, name: str, until: threading.Event) -> None:
    """The dashboard's reads (series, article search, feed health) in this process, back to back."""
    while not until.is_set():
        started = time.monotonic()
        try:
            warehouse.entity_series(wh, ["putin", "nato"], bucket="day", start=FIRST_DAY.date())
            warehouse.search_articles(wh, text="item", limit=50)
            warehouse.feed_health(wh)
        except Exception as error:  # every failure is the finding
            recorder.failed(name, repr(error))
        else:
            recorder.succeeded(name, time.monotonic() - started)


def stored_urls(wh: warehouse.Warehouse) -> list[str]:
    """Every stored article's URL, duplicates kept."""
    urls: list[str] = []
    offset = 0
    while True:
        page, total = warehouse.search_articles(wh, limit=1000, offset=offset)
        urls += page["url"].tolist()
        offset += len(page)
        if offset >= total or page.empty:
            return urls


def daily_counts(export: Path) -> dict[date, dict[str, tuple[int, int, int]]]:
    """An export's rows: by day, by entity, (articles, mentions, total_articles)."""
    by_day: dict[date, dict[str, tuple[int, int, int]]] = defaultdict(dict)
    with export.open(newline="", encoding="utf-8") as rows:
        for row in csv.DictReader(rows):
            by_day[date.fromisoformat(row["bucket_start"])][row["entity_id"]] = (
                int(row["articles"]),
                int(row["mentions"]),
                int(row["total_articles"]),
            )
    return dict(by_day)


def export_problems(exports: list[Path], published_per_day: dict[date, int]) -> list[str]:
    """What makes these exports (in the order they were made) other than snapshots of a growing warehouse.

    Within one export, every day's Putin and NATO rows count each of that day's articles once
    (every title mentions both once) and every entity's row sees the same total. From one
    export to the next no day's total shrinks, and none exceeds what was published that day.
    """
    problems: list[str] = []
    previous: dict[date, int] = {}
    for export in exports:
        totals: dict[date, int] = {}
        for day, rows in daily_counts(export).items():
            day_totals = {total for _, _, total in rows.values()}
            if len(day_totals) != 1:
                problems.append(f"{export.name} {day}: entities see different totals {sorted(day_totals)}")
                continue
            total = day_totals.pop()
            totals[day] = total
            for entity_id in ("putin", "nato"):
                if rows.get(entity_id) != (total, total, total):
                    problems.append(f"{export.name} {day}: {entity_id} {rows.get(entity_id)} of {total} articles")
            others = {entity_id: row for entity_id, row in rows.items() if entity_id not in ("putin", "nato")}
            if any(row[:2] != (0, 0) for row in others.values()):
                problems.append(f"{export.name} {day}: an entity no title names was counted")
            if total > published_per_day.get(day, 0):
                problems.append(f"{export.name} {day}: {total} articles, {published_per_day.get(day, 0)} published")
        for day, total in previous.items():
            if totals.get(day, 0) < total:
                problems.append(
                    f"{export.name} {day}: {totals.get(day, 0)} articles after {total} in the export before"
                )
        previous = totals
    return problems


def lock_errors(texts: list[str]) -> int:
    """DuckDB's own lock conflicts (what the warehouse's discipline exists to prevent) in logs and failures."""
    return sum(text.count("Could not set lock") + text.count("Conflicting lock") for text in texts)


def soak_while_scheduling(
    workers: list[threading.Thread], publisher: Publisher, stop: threading.Event, scheduler: subprocess.Popen
) -> str:
    """Run the workers beside the scheduler for SOAK_SECONDS, then stop all; returns the scheduler's log."""
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
    return scheduler_log
