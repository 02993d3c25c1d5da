"""The soak at full size: ingest from 200 live feeds, three browser sessions, series and exports, at once.

Usage: `python bench/soak.py [--seconds 300] [--feeds 200] [--baseline-seconds 120]`.

A local server publishes a new item on every feed each second. For `--seconds`, the
scheduler (`schedule --interval 1`) and a loop of `fetch --force` ingest it into one
DuckDB file while the real `streamlit run` dashboard serves three headless-Chromium
sessions reloading Trends and Sources (each load a view not asked before), loops of
`newstally series` and `newstally export` run, and a thread makes the dashboard's
queries in-process. Then ingest stops, the last items are fetched, and the same
reading load runs for `--baseline-seconds` without ingest, on the finished (largest)
warehouse. The pieces are those of the soak tests (tests/integration/soak_load.py,
tests/browser/soak_sessions.py), so the figures are what the tests assert, at size.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import median, percentile, write_section

SECTION = "Soak: ingest, three browsers, exports"
SECONDS = 300.0
FEEDS = 200
BASELINE_SECONDS = 120.0
ALONE_RUNS = 5
_MEASURES = (
    ("page load", "Dashboard page load (browser, to chart drawn)"),
    ("dashboard query", "Dashboard queries (series + search + feed health, in-process)"),
    ("series command", "`newstally series --entity putin,nato`"),
    ("export command", "`newstally export` (every entity, daily, CSV)"),
    ("fetch command", "`newstally fetch --force` (all feeds)"),
)


def _load() -> str:
    one, five, _ = os.getloadavg()
    return f"{one:.1f} (5-min {five:.1f})"


def _reads(db: Path, wh, url: str, recorder, until: threading.Event, exports: Path) -> list[threading.Thread]:
    """The reading side of the soak: three browser sessions, series and export loops, the dashboard's queries."""
    from tests.browser.soak_sessions import browse
    from tests.integration.soak_load import command_loop, export_command, query_loop, series_command

    return [
        threading.Thread(target=browse, args=(url, recorder, "page load", until)),
        threading.Thread(target=command_loop, args=(recorder, "series command", series_command(db), until)),
        threading.Thread(target=command_loop, args=(recorder, "export command", export_command(db, exports), until)),
        threading.Thread(target=query_loop, args=(recorder, wh, "dashboard query", until)),
    ]


def _alone(db: Path, wh, url: str, recorder, exports: Path) -> None:
    """Each measure on its own, one after another, nothing else running: the floor of this machine."""
    from tests.browser.soak_sessions import browse
    from tests.integration.soak_load import command_loop, export_command, query_loop, series_command

    browse(url, recorder, "page load", threading.Event(), sessions=1, loads_per_session=ALONE_RUNS)
    loops = {
        "series command": lambda until: command_loop(recorder, "series command", series_command(db), until),
        "export command": lambda until: command_loop(recorder, "export command", export_command(db, exports), until),
        "dashboard query": lambda until: query_loop(recorder, wh, "dashboard query", until),
    }
    for name, loop in loops.items():
        until = threading.Event()
        worker = threading.Thread(target=loop, args=(until,))
        worker.start()
        while recorder.counts[name] + recorder.counts[f"{name} failed"] < ALONE_RUNS:
            time.sleep(0.05)
        until.set()
        worker.join()


def _run_for(seconds: float, workers: list[threading.Thread], until: threading.Event, at_end: Callable[[], None]):
    try:
        for worker in workers:
            worker.start()
        time.sleep(seconds)
        at_end()
    finally:
        until.set()
        for worker in workers:
            worker.join()


def measure(seconds: float, feeds: int, baseline_seconds: float) -> str:
    import warehouse
    from tests.browser.dashboard_server import running_dashboard
    from tests.browser.soak_sessions import SESSIONS, first_load
    from tests.conftest import SHIPPED_WATCHLIST
    from tests.integration.feed_server import running_feed_server
    from tests.integration.soak_load import (
        Publisher,
        Recorder,
        command_loop,
        daily_counts,
        export_problems,
        lock_errors,
        newstally,
        run_newstally,
        serve_feeds,
        start_scheduler,
        stored_urls,
    )

    folder = Path(tempfile.mkdtemp(prefix="newstally-soak-"))
    db = folder / "newstally.duckdb"
    soak_exports, idle_exports, alone_exports = (folder / f"exports-{phase}" for phase in ("soak", "idle", "alone"))
    for exports in (soak_exports, idle_exports, alone_exports):
        exports.mkdir()
    wh = warehouse.open_warehouse(db, watchlist_path=SHIPPED_WATCHLIST)
    publisher = Publisher(feeds)
    soak, idle, alone = Recorder(), Recorder(), Recorder()
    loads: dict[str, str] = {}

    with running_feed_server() as server:
        serve_feeds(server, publisher, wh)
        seeded = run_newstally(db, "fetch", "--force")
        if seeded.returncode != 0:
            raise RuntimeError(f"the first fetch failed: {seeded.stderr}")
        with running_dashboard(db, folder / "streamlit.log") as url:
            warm_up_s = first_load(url)
            loads["soak start"] = _load()
            requests_before = len(server.requests)
            scheduler = start_scheduler(db)
            stop = threading.Event()
            ingest_and_reads = [
                threading.Thread(
                    target=command_loop,
                    args=(soak, "fetch command", lambda n: newstally(db, "fetch", "--force"), stop),
                ),
                *_reads(db, wh, url, soak, stop, soak_exports),
            ]
            try:
                _run_for(seconds, ingest_and_reads, stop, publisher.stop)
            finally:
                scheduler.send_signal(signal.SIGTERM)
                _, scheduler_log = scheduler.communicate(timeout=300)
            loads["soak end"] = _load()
            final = run_newstally(db, "fetch", "--force")
            if final.returncode != 0:
                soak.failed("final fetch", final.stderr.strip()[-300:])
            feed_requests = len(server.requests) - requests_before

            loads["baseline start"] = _load()
            stop = threading.Event()
            _run_for(baseline_seconds, _reads(db, wh, url, idle, stop, idle_exports), stop, lambda: None)
            loads["baseline end"] = _load()
            _alone(db, wh, url, alone, alone_exports)
            loads["alone end"] = _load()
        server_log = (folder / "streamlit.log").read_text(errors="replace")

    urls = stored_urls(wh)
    published = publisher.published_urls()
    per_day = publisher.articles_per_day()
    soak_export_files = sorted(soak_exports.glob("export-*.csv"))
    idle_export_files = sorted(idle_exports.glob("export-*.csv")) + sorted(alone_exports.glob("export-*.csv"))
    inconsistent = export_problems(soak_export_files, per_day) + export_problems(idle_export_files, per_day)
    incomplete = [
        path for path in idle_export_files if {d: r["putin"][2] for d, r in daily_counts(path).items()} != per_day
    ]
    integrity = warehouse.check_integrity(wh, watchlist_path=SHIPPED_WATCHLIST, recount_articles=None)
    failures = soak.failures + idle.failures + alone.failures
    locks = lock_errors([scheduler_log, server_log, *failures])
    server_tracebacks = server_log.count("Traceback")
    scheduler_tracebacks = scheduler_log.count("Traceback")

    def cells(recorder, key: str) -> str:
        samples = recorder.latencies.get(key, [])
        failed = recorder.counts.get(f"{key} failed", 0)
        if not samples:
            return f"— | — | — | {failed}"
        return f"{len(samples)} | {median(samples):.2f} | {percentile(samples, 0.95):.2f} | {failed}"

    def ratio(key: str) -> str:
        during, without = soak.latencies.get(key, []), idle.latencies.get(key, [])
        return f"{median(during) / median(without):.1f}x" if during and without else "—"

    def floor(key: str) -> str:
        samples = alone.latencies.get(key, [])
        return f"{median(samples):.2f}" if samples else "—"

    rows = "\n".join(
        f"| {label} | {cells(soak, key)} | {cells(idle, key)} | {floor(key)} | {ratio(key)} |"
        for key, label in _MEASURES
    )
    failure_lines = "".join(f"\n- {failure}" for failure in failures[:10])
    articles = len(urls)
    return (
        f"One DuckDB file, {feeds} feeds on a local server each gaining an item every second, for"
        f" {seconds:.0f} s: `newstally schedule --interval 1` and a loop of `newstally fetch --force` ingest;"
        f" the real `streamlit run` dashboard serves {SESSIONS} headless-Chromium sessions (one browser, a"
        " context each) reloading Trends and Sources, every load a view not asked before (another entity"
        " beside Putin, then another first day), so the dashboard's caches cannot answer; a `newstally series`"
        " loop, a `newstally export` loop and one thread making the dashboard's queries in-process run beside"
        f" them. Then ingest stops and the same reading load runs for {baseline_seconds:.0f} s *without ingest*,"
        " on the finished warehouse (the largest it was during the soak, so the baseline is not flattered by a"
        " smaller corpus). A page load is timed as in bench/dashboard.py: from navigation until the first"
        " chart has drawn its marks; it fails on a Streamlit exception, error or warning box, or no chart."
        " Seconds; p95 is the nearest-rank 95th percentile. The machine is shared with other work and has 2"
        f" cores for everything here; load average {loads['soak start']} at the start of the soak,"
        f" {loads['soak end']} at its end, {loads['baseline start']} at the start of the baseline and"
        f" {loads['baseline end']} at its end, {loads['alone end']} after the *alone* runs: each measure"
        f" {ALONE_RUNS} times on its own (one browser session, one command at a time, nothing else running),"
        " the floor of this machine. The dashboard server's first page (imports) took"
        f" {warm_up_s:.1f} s and is not counted.\n\n"
        "| measure | soak: n | soak: p50 s | soak: p95 s | soak: failed | no ingest: n | no ingest: p50 s"
        " | no ingest: p95 s | no ingest: failed | alone: p50 s | p50 soak / no ingest |\n"
        f"|---|---|---|---|---|---|---|---|---|---|---|\n{rows}\n\n"
        f"Items published: {len(published):,} ({len(published) // feeds} per feed, counting from when the feeds"
        " were registered, before the dashboard started); stored:"
        f" {articles:,}"
        f" ({articles - len(set(urls)):,} twice, {len(published - set(urls)):,} lost,"
        f" {len(set(urls) - published):,} not published). Feed requests served during the soak:"
        f" {feed_requests:,}, each feed fetched every {seconds * feeds / max(feed_requests, 1):.0f} s on average"
        " by the scheduler and the fetch loop together."
        f" Lock errors: {locks}. Failed commands, queries and page loads: {len(failures)}."
        f" Tracebacks: {server_tracebacks} in the dashboard's log, {scheduler_tracebacks} in the scheduler's;"
        f" the scheduler exited with {scheduler.returncode} on SIGTERM."
        f" Exports checked as snapshots: {len(soak_export_files)} during the soak and {len(idle_export_files)}"
        f" without ingest, {len(inconsistent)} inconsistencies (within an export, every day's Putin, NATO and"
        " total counts agree; across exports no day's count shrinks or exceeds what was published);"
        f" {len(incomplete)} of the exports without ingest differ from the published items per day."
        f" Integrity check: {'clean' if not integrity else '; '.join(map(str, integrity))}."
        + (f"\n\nFailures (first 10):{failure_lines}" if failures else "")
        + ("\n\nExport inconsistencies (first 10):\n- " + "\n- ".join(inconsistent[:10]) if inconsistent else "")
        + "\n"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=SECONDS, help=f"soak with ingest (default {SECONDS:.0f})")
    parser.add_argument("--feeds", type=int, default=FEEDS, help=f"feeds on the local server (default {FEEDS})")
    parser.add_argument(
        "--baseline-seconds",
        type=float,
        default=BASELINE_SECONDS,
        help=f"the same reads without ingest (default {BASELINE_SECONDS:.0f})",
    )
    parser.add_argument("--no-write", action="store_true", help="print the section, do not write docs/benchmarks.md")
    args = parser.parse_args()
    from tests.browser.dashboard_server import CHROMIUM

    if not CHROMIUM.exists():
        print(f"bench/soak.py: {CHROMIUM} missing (`make chromium`); skipped")
        return
    body = measure(args.seconds, args.feeds, args.baseline_seconds)
    if not args.no_write:
        write_section(SECTION, body)
    print(body)


if __name__ == "__main__":
    main()
