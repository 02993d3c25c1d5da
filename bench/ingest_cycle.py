"""Ingest throughput: a live fetch cycle over many local feeds, and the real-feeds archive backfill.

1. Live cycle: FEEDS feeds × ITEMS items, served by one HTTP server per loopback
   address (127.0.0.2, 127.0.0.3, ...) so per-host politeness applies as across
   real outlets. A first cycle into an empty warehouse, then a second where
   nothing changed (every feed answers 304). Baseline in the same run: a plain
   sequential loop of `feedparser.parse(url)` and row-by-row inserts.
2. Archive backfill: `ingest_archive` over /work/shared/data/realfeeds (read by
   path; never copied), beside the same baseline over the same files.

Each measured phase runs in its own process, so its peak memory (max RSS) is its own.
Run: .venv/bin/python bench/ingest_cycle.py [--feeds N] [--hosts N] [--items N]
     .venv/bin/python bench/ingest_cycle.py --archive-only [--archive-runs N]   (the archive part alone)
"""

from __future__ import annotations

import argparse
import math
import multiprocessing as mp
import os
import resource
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import BENCHMARKS_MD, REPO_ROOT, write_section
from ingest import pacing

REALFEEDS = Path("/work/shared/data/realfeeds")
WATCHLIST = REPO_ROOT / "newstally" / "defaults" / "watchlist.toml"
NAMES = ["Putin", "Trump", "Zelensky", "Macron", "Xi Jinping", "NATO", "sanctions", "markets", "the weather"]


# --- the feeds ------------------------------------------------------------------------------


def feed_body(feed_number: int, items: int) -> bytes:
    base = datetime(2024, 6, 1, tzinfo=UTC)
    entries = "".join(
        f"<item><guid>bench-{feed_number}-{index}</guid>"
        f"<title>{NAMES[(feed_number + index) % len(NAMES)]} and {NAMES[index % len(NAMES)]}: story {index}"
        f" of feed {feed_number}</title>"
        f"<link>https://outlet{feed_number}.example/story/{index}</link>"
        f"<description>&lt;p&gt;{NAMES[index % len(NAMES)]} said something about "
        f"{NAMES[(index * 7) % len(NAMES)]} on day {index}.&lt;/p&gt;</description>"
        f"<pubDate>{format_datetime(base + timedelta(minutes=feed_number + index * 13), usegmt=True)}</pubDate>"
        "</item>"
        for index in range(items)
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Outlet {feed_number}</title>'
        f"{entries}</channel></rss>"
    ).encode()


class _QuietHTTPServer(ThreadingHTTPServer):
    """Clients hanging up (kept-alive connections closed with a reset) are not printed as tracebacks."""

    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


@contextmanager
def serving(feeds: int, hosts: int, items: int) -> Iterator[list[str]]:
    """One server per loopback address; yields the feed URLs. Answers 304 to a matching ETag."""
    bodies = {number: feed_body(number, items) for number in range(feeds)}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            number = int(self.path.rsplit("-", 1)[1].split(".")[0])
            etag = f'"feed-{number}"'
            if self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            body = bodies[number]
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            self.send_header("ETag", etag)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    servers = []
    for host_number in range(hosts):
        server = _QuietHTTPServer((f"127.0.0.{host_number + 2}", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
    urls = [
        f"http://127.0.0.{number % hosts + 2}:{servers[number % hosts].server_address[1]}/feed-{number}.xml"
        for number in range(feeds)
    ]
    try:
        yield urls
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()


# --- phases, each in its own process ----------------------------------------------------------


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _worker_peak_mb() -> float:
    """The largest peak of any parser process this one started (0 when it parsed in-process)."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def _cpu_seconds() -> tuple[float, float]:
    """CPU seconds of this process and of its finished children (the parser processes)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


def _baseline(sources: list[str], db_path: str, out: mp.Queue) -> None:
    """The naive loop the issue measures against: feedparser fetches and parses, one INSERT per row."""
    import duckdb
    import feedparser

    connection = duckdb.connect(db_path)
    connection.execute(
        "CREATE TABLE IF NOT EXISTS items (feed VARCHAR, guid VARCHAR, title VARCHAR, summary VARCHAR, link VARCHAR)"
    )
    started = time.perf_counter()
    stored = 0
    for source in sources:
        parsed = feedparser.parse(source)
        for entry in parsed.entries:
            connection.execute(
                "INSERT INTO items VALUES (?, ?, ?, ?, ?)",
                [source, entry.get("id", ""), entry.get("title", ""), entry.get("summary", ""), entry.get("link", "")],
            )
            stored += 1
    connection.close()
    out.put({"seconds": time.perf_counter() - started, "items": stored, "peak_mb": _peak_mb()})


def _live_cycle(db_path: str, max_workers: int, out: mp.Queue) -> None:
    import warehouse
    from ingest import fetch_due

    wh = warehouse.Warehouse(db_path)
    before = warehouse.corpus_facts(wh).articles
    started = time.perf_counter()
    results = fetch_due(wh, force=True, max_workers=max_workers)
    seconds = time.perf_counter() - started
    stored = warehouse.corpus_facts(wh).articles - before
    outcomes: dict[str, int] = {}
    for _, result, _ in results:
        outcomes[result.outcome.value] = outcomes.get(result.outcome.value, 0) + 1
    out.put(
        {
            "seconds": seconds,
            "items": stored,
            "peak_mb": _peak_mb(),
            "worker_peak_mb": _worker_peak_mb(),
            "cpu": _cpu_seconds(),
            "outcomes": outcomes,
        }
    )


def _archive(db_path: str, out: mp.Queue) -> None:
    """`ingest_archive` into an empty warehouse, then again (nothing new); CPU counted over the ingest calls only."""
    import warehouse
    from ingest import ingest_archive

    wh = warehouse.open_warehouse(db_path, watchlist_path=WATCHLIST)
    figures = {}
    for phase in ("first", "again"):
        own_before, children_before = _cpu_seconds()
        started = time.perf_counter()
        report = ingest_archive(wh, [REALFEEDS])
        seconds = time.perf_counter() - started
        own_after, children_after = _cpu_seconds()
        figures[phase] = {
            "seconds": seconds,
            "items": report.items_seen,
            "new": report.items_new,
            "files": report.files,
            "failed": len(report.files_failed),
            "peak_mb": _peak_mb(),
            "worker_peak_mb": _worker_peak_mb(),
            "cpu": (own_after - own_before, children_after - children_before),
        }
    out.put(figures)


def run_phase(target, *args) -> dict:
    out: mp.Queue = mp.Queue()
    process = mp.Process(target=target, args=(*args, out))
    process.start()
    result = out.get()
    process.join()
    return result


def register_feeds(db_path: str, urls: list[str]) -> None:
    import warehouse

    wh = warehouse.open_warehouse(db_path, watchlist_path=WATCHLIST)
    for number, url in enumerate(urls):
        warehouse.add_feed(wh, url, source_name=f"Outlet {number}")


# --- report -----------------------------------------------------------------------------------


def row(name: str, figures: dict, baseline: dict | None = None) -> str:
    rate = figures["items"] / figures["seconds"] if figures["seconds"] else float("nan")
    speedup = f"{baseline['seconds'] / figures['seconds']:.1f}×" if baseline else "—"
    peak = f"{figures['peak_mb']:.0f}"
    if figures.get("worker_peak_mb"):
        peak += f" (+ {figures['worker_peak_mb']:.0f} per parser process)"
    cpu = "; ".join(f"{seconds:.1f}" for seconds in figures.get("cpu", ()) if seconds) or "—"
    cells = [name, f"{figures['seconds']:.1f}", f"{figures['items']:,}", f"{rate:,.0f}", peak, cpu]
    return "| " + " | ".join([*cells, speedup]) + " |"


HEADER = (
    "| phase | wall s | items | items/s | peak MB | CPU s (storing process; parser processes) | vs baseline |\n"
    "|---|---|---|---|---|---|---|"
)
_ARCHIVE_START = "Archive backfill:"
_TARGETS = "Targets from issue 3:"


def archive_section(runs: int) -> str:
    """The archive part of the section: the baseline, then the median of `runs` ingests, each in a fresh process."""
    if not REALFEEDS.is_dir():
        return f"{_ARCHIVE_START} the archive folder `{REALFEEDS}` was not found on this machine.\n\n{_TARGETS_TEXT}"
    files = sorted(str(path) for path in REALFEEDS.rglob("*.xml"))
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as folder:
        print("archive baseline ...", file=sys.stderr)
        baseline = run_phase(_baseline, files, str(Path(folder) / "archive-baseline.duckdb"))
        print(f"  {baseline}", file=sys.stderr)
        ingests = []
        for number in range(runs):
            print(f"archive ingest {number + 1} of {runs} ...", file=sys.stderr)
            ingests.append(run_phase(_archive, str(Path(folder) / f"archive-{number}.duckdb")))
            print(f"  {ingests[-1]}", file=sys.stderr)
    load_after = os.getloadavg()
    ingests.sort(key=lambda figures: figures["first"]["seconds"])
    median = ingests[len(ingests) // 2]
    first, again = median["first"], median["again"]
    walls = ", ".join(f"{figures['first']['seconds']:.2f}" for figures in ingests)
    load = (
        f"{load_before[0]:.1f} before, {load_after[0]:.1f} after"
        f" (1-minute load average; {os.cpu_count()} cores, other work included)"
    )
    return f"""{_ARCHIVE_START} every .xml under `{REALFEEDS}` (parse, clean, match, dedupe, store; items = items seen).
Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; load {load}. The ingest ran {runs} times, each in a fresh
process into an empty warehouse (wall s {walls}); the median run is shown, and the same process's second ingest of
the archive (nothing new). CPU s of the ingest rows are counted over the `ingest_archive` call only.

{HEADER}
{row("baseline: feedparser.parse(path) + row-by-row INSERT", baseline)}
{row(f"`ingest_archive` ({first['files']} files, {first['failed']} unusable, {first['new']:,} new)", first, baseline)}
{row(f"`ingest_archive` again ({again['new']:,} new)", again, baseline)}

{_TARGETS_TEXT}"""


_TARGETS_TEXT = f"""{_TARGETS} first cycle ≥ 10× the baseline, unchanged cycle < 10 s, peak < 300 MB;
archive ≥ 10,000 items/s and ≥ 4× the baseline."""


def replace_archive_part(archive: str) -> None:
    """Rewrite only the archive part of the section in docs/benchmarks.md, keeping the live-cycle figures."""
    text = BENCHMARKS_MD.read_text(encoding="utf-8")
    start = text.index(_ARCHIVE_START, text.index("## Ingest: live cycle and archive backfill"))
    end = text.index("archive ≥ 10,000 items/s and ≥ 4× the baseline.", start)
    end = text.index("\n", end) + 1
    BENCHMARKS_MD.write_text(text[:start] + archive.strip() + "\n" + text[end:], encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=1000)
    parser.add_argument("--hosts", type=int, default=50)
    parser.add_argument("--items", type=int, default=50)
    parser.add_argument("--workers", type=int, default=16)
    parser.add_argument("--archive-runs", type=int, default=3, help="archive ingests to take the median of")
    parser.add_argument(
        "--archive-only",
        action="store_true",
        help="measure only the archive backfill and rewrite only its part of the section",
    )
    parser.add_argument(
        "--no-write", action="store_true", help="print the section instead of writing docs/benchmarks.md"
    )
    args = parser.parse_args()

    archive = archive_section(args.archive_runs)
    if args.archive_only:
        print(archive)
        if not args.no_write:
            replace_archive_part(archive)
        return

    with tempfile.TemporaryDirectory() as folder:
        db = str(Path(folder) / "live.duckdb")
        with serving(args.feeds, args.hosts, args.items) as urls:
            print(f"registering {len(urls)} feeds ...", file=sys.stderr)
            register_feeds(db, urls)
            load_before = os.getloadavg()[0]
            print("baseline cycle ...", file=sys.stderr)
            baseline = run_phase(_baseline, urls, str(Path(folder) / "baseline.duckdb"))
            print(f"  {baseline}", file=sys.stderr)
            print("first cycle ...", file=sys.stderr)
            first = run_phase(_live_cycle, db, args.workers)
            print(f"  {first}", file=sys.stderr)
            print("unchanged cycle ...", file=sys.stderr)
            second = run_phase(_live_cycle, db, args.workers)
            print(f"  {second}", file=sys.stderr)
            load_after = os.getloadavg()[0]

    per_host = math.ceil(args.feeds / args.hosts)
    gap = pacing.DEFAULT_HOST_GAP_SECONDS
    floor = (per_host - 1) * gap
    body = f"""
Live cycle: {args.feeds:,} feeds × {args.items} items on {args.hosts} loopback addresses, one server each;
`fetch_due(force=True, max_workers={args.workers})`, each phase in a fresh process (peak = that process's max RSS;
documents are parsed in forked parser processes, one per core, whose own peak is given beside it: forked, they share
most of their pages with the parent, so the sum overstates the machine's use).
Items for the unchanged cycle are items stored (zero is right); its target is wall time under 10 s.
Each address serves {per_host} feeds, and requests to one host start at least {gap} s apart (the default per-host gap,
`ingest.pacing.DEFAULT_HOST_GAP_SECONDS`), so no cycle can take less than {floor:.2f} s: here that caps the first cycle
at {baseline["seconds"] / floor:.1f}× the baseline.
Load {load_before:.1f} before the baseline, {load_after:.1f} after the unchanged cycle (1-minute load average;
{os.cpu_count()} cores).

{HEADER}
{row("baseline: feedparser.parse(url) + row-by-row INSERT, sequential", baseline)}
{row("first cycle, empty warehouse", first, baseline)}
{row("unchanged cycle (all 304)", second, baseline)}

Outcomes, unchanged cycle: {second.get("outcomes")}.

{archive}
"""
    if args.no_write:
        print(body)
    else:
        write_section("Ingest: live cycle and archive backfill", body)
        print(body)


if __name__ == "__main__":
    main()
