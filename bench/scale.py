"""newstally at 10,000,000 demo articles: storing, size on disk, and the peak memory of each process.

Usage:
- `python bench/scale.py build [PATH] [--articles N]` stores the demo corpus the way bench/tally.py does
  (`generate_history` at 4,000 a day, `store_articles`, tally on arrival included) into PATH (default
  /tmp/bench_10m.duckdb) and records wall time, articles/s, size on disk and the peak RSS of the storing
  process in PATH.build.json (progress on stderr). It refuses an existing file.
- `python bench/scale.py [PATH]` measures on that warehouse the peak RSS of one process running
  `newstally series`, `spikes` and `event-lens` each, of `newstally retally` and of `newstally schedule`
  (both on a scratch copy of PATH beside it, deleted afterwards; the scheduler fetches the demo outlets'
  live feeds from `newstally serve-demo` on 127.0.0.1 for SCHEDULER_SECONDS, one pass a minute), and of
  the `streamlit` dashboard process while headless Chromium loads Trends and changes a control (with the
  time to the first chart and to the redraw), and writes the section "Scale: 10M articles" with the build
  figures. Every process runs twice, with the warehouse's DuckDB memory cap (`NEWSTALLY_MEMORY_LIMIT`
  unset: warehouse.engine.db.DEFAULT_MEMORY_LIMIT) and with DuckDB's own default (80% of RAM), so the table
  shows what the cap saves and costs in the same run. The timings of the queries themselves are
  bench/tally.py (`NEWSTALLY_BENCH_TALLY_DB=PATH`) and bench/analytics.py (`--scale PATH`).
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import REPO_ROOT, median, served_dashboard, write_section

SECTION = "Scale: 10M articles"
DEFAULT_PATH = Path("/tmp/bench_10m.duckdb")
ARTICLES = 10_000_000
WATCHLIST = REPO_ROOT / "newstally" / "defaults" / "watchlist.toml"
SERIES_ENTITIES = 10
# One run each: the peak resident set hardly varies; bench/analytics.py times these calls properly.
CLI_RUNS = 1
DASHBOARD_RUNS = 3
TARGET_RSS_MB = 1_000
# DuckDB's own default memory_limit, which the warehouse used before it set a cap.
UNCAPPED = "80%"
# The demo feeds add one live story a minute on top of the last two days' history, so a
# scheduler pass a minute: the first stores the history (100 items a feed), the others a few.
SCHEDULER_SECONDS = 150
SCHEDULER_INTERVAL_SECONDS = 10
DEMO_ARTICLES_PER_DAY = 4_000


def _rss_mb() -> float:
    """Current resident set of this process, MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _build_facts_path(path: Path) -> Path:
    return path.with_name(path.name + ".build.json")


def build(path: Path, count: int) -> dict:
    import warehouse
    from bench.tally import _store_demo_corpus

    if path.exists():
        raise SystemExit(f"{path} exists: building adds to an empty warehouse only")
    # The calendar too: the event-lens rows of bench/analytics.py need it.
    wh = warehouse.open_warehouse(
        path, watchlist_path=WATCHLIST, events_path=REPO_ROOT / "newstally" / "defaults" / "events.toml"
    )
    started = time.perf_counter()
    checkpoints: list[tuple[int, float, float]] = []

    def progress(stored: int) -> None:
        elapsed = time.perf_counter() - started
        checkpoints.append((stored, elapsed, _rss_mb()))
        print(
            f"{datetime.now(UTC):%H:%M:%S} stored {stored:,} in {elapsed:,.0f} s ({stored / elapsed:,.0f}/s),"
            f" RSS {_rss_mb():,.0f} MB, peak {_peak_rss_mb():,.0f} MB, load {os.getloadavg()[0]:.1f}",
            file=sys.stderr,
            flush=True,
        )

    stored = _store_demo_corpus(wh, count, progress)
    seconds = time.perf_counter() - started
    facts = {
        "articles": stored,
        "seconds": seconds,
        "articles_per_s": stored / seconds,
        "size_mb": path.stat().st_size / 1e6,
        "peak_rss_mb": _peak_rss_mb(),
        "finished_utc": f"{datetime.now(UTC):%Y-%m-%d %H:%M}",
        "load_average_at_end": os.getloadavg()[0],
        "checkpoints": checkpoints,
    }
    _build_facts_path(path).write_text(json.dumps(facts, indent=1), encoding="utf-8")
    return facts


@contextmanager
def _memory_limit(limit: str | None) -> Iterator[None]:
    """NEWSTALLY_MEMORY_LIMIT for the child processes started in the block; None: the warehouse's default."""
    before = os.environ.pop("NEWSTALLY_MEMORY_LIMIT", None)
    if limit is not None:
        os.environ["NEWSTALLY_MEMORY_LIMIT"] = limit
    try:
        yield
    finally:
        os.environ.pop("NEWSTALLY_MEMORY_LIMIT", None)
        if before is not None:
            os.environ["NEWSTALLY_MEMORY_LIMIT"] = before


@contextmanager
def _scratch_copy(path: Path) -> Iterator[Path]:
    """A copy of the warehouse beside it for processes that write; removed afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="newstally-scale-", dir=path.parent))
    try:
        copy = folder / path.name
        shutil.copyfile(path, copy)
        yield copy
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _child_peak_rss_mb(command: list[str]) -> tuple[float, float]:
    """Run `command`; its wall seconds and peak RSS in MB (the kernel's own count, from wait4)."""
    started = time.perf_counter()
    child = subprocess.Popen(command, cwd=REPO_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed: {child.stderr.read().decode(errors='replace')[-2000:]}")
    child.stderr.close()
    return seconds, usage.ru_maxrss / 1024


def _status_mb(pid: int, field: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _cli_rows(path: Path, wh) -> list[tuple[str, float, float]]:
    from datetime import timedelta

    import warehouse

    facts = warehouse.corpus_facts(wh)
    entity_ids = list(warehouse.list_entities(wh)["entity_id"])
    last_day = facts.last_published_at.date()
    year_ago = last_day - timedelta(days=364)
    event = _lens_event(wh, facts)
    newstally = [sys.executable, "-m", "newstally", "--db", str(path)]
    commands = [
        (
            f"`newstally series`, {SERIES_ENTITIES} entities, daily, last year",
            [*newstally, "series", "--entity", ",".join(entity_ids[:SERIES_ENTITIES]),
             "--from", str(year_ago), "--to", str(last_day)],
        ),
        (
            f"`newstally series`, all {len(entity_ids)} entities, daily, all years",
            [*newstally, "series", "--entity", ",".join(entity_ids)],
        ),
        (f"`newstally spikes --format csv`, all {len(entity_ids)} entities", [*newstally, "spikes", "--format", "csv"]),
        (f"`newstally event-lens {event} --format csv`", [*newstally, "event-lens", event, "--format", "csv"]),
    ]  # fmt: skip
    rows = []
    for name, command in commands:
        rows.append((name, *_capped_and_uncapped(name, lambda command=command: _child_peak_rss_mb(command))))
    return rows


Figures = tuple[float, float]  # seconds, peak RSS in MB


def _capped_and_uncapped(name: str, run) -> tuple[Figures, Figures]:
    """`run` CLI_RUNS times with the warehouse's memory cap, then as often with DuckDB's default, in turn."""
    capped, uncapped = [], []
    for _ in range(CLI_RUNS):
        with _memory_limit(None):
            capped.append(run())
        with _memory_limit(UNCAPPED):
            uncapped.append(run())
    print(f"{name}: capped {capped}, uncapped {uncapped}", file=sys.stderr, flush=True)
    return tuple(  # type: ignore[return-value]
        (median([seconds for seconds, _ in runs]), max(peak for _, peak in runs)) for runs in (capped, uncapped)
    )


def _retally_row(path: Path) -> tuple[str, Figures, Figures]:
    """`newstally retally` of every article, on a scratch copy (it writes)."""
    with _scratch_copy(path) as copy:
        command = [sys.executable, "-m", "newstally", "--db", str(copy), "retally"]
        return ("`newstally retally` (every article, shipped watchlist), on a copy", *_capped_and_uncapped(
            "retally", lambda: _child_peak_rss_mb(command)
        ))  # fmt: skip


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _scheduler_run(path: Path) -> dict[str, float]:
    """`newstally schedule` on a scratch copy, fed by `newstally serve-demo`, for SCHEDULER_SECONDS; then SIGTERM."""
    import warehouse
    from ingest import demo_feed_urls

    with _scratch_copy(path) as copy:
        wh = warehouse.Warehouse(copy)
        before = warehouse.corpus_facts(wh).articles
        port = _free_port()
        base = [sys.executable, "-m", "newstally", "--db", str(copy)]
        server = subprocess.Popen(
            [*base, "serve-demo", "--port", str(port), "--articles-per-day", str(DEMO_ARTICLES_PER_DAY)],
            cwd=REPO_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            url = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 60
            while True:
                try:
                    with urllib.request.urlopen(url, timeout=2):
                        break
                except OSError:
                    if time.monotonic() > deadline or server.poll() is not None:
                        raise RuntimeError("newstally serve-demo did not start") from None
                    time.sleep(0.2)
            for name, feed_url in demo_feed_urls(url):
                warehouse.add_feed(wh, feed_url, source_name=name)
            with tempfile.TemporaryFile() as log:  # a file, not a pipe: a full pipe would stall the scheduler
                started = time.perf_counter()
                scheduler = subprocess.Popen(
                    [*base, "schedule", "--interval", str(SCHEDULER_INTERVAL_SECONDS)],
                    cwd=REPO_ROOT, stdout=log, stderr=log,
                )  # fmt: skip
                time.sleep(SCHEDULER_SECONDS)
                scheduler.send_signal(signal.SIGTERM)
                _, status, usage = os.wait4(scheduler.pid, 0)
                seconds = time.perf_counter() - started
                if os.waitstatus_to_exitcode(status) != 0:
                    log.seek(0)
                    raise RuntimeError(f"newstally schedule failed: {log.read().decode(errors='replace')[-2000:]}")
        finally:
            server.terminate()
            server.wait(timeout=15)
        return {
            "seconds": seconds,
            "peak_rss_mb": usage.ru_maxrss / 1024,
            "new_articles": warehouse.corpus_facts(wh).articles - before,
        }


def _scheduler_row(path: Path) -> tuple[str, Figures, Figures, dict[str, float]]:
    runs = {}
    for label, limit in (("capped", None), ("uncapped", UNCAPPED)):
        with _memory_limit(limit):
            runs[label] = _scheduler_run(path)
    print(f"scheduler: {runs}", file=sys.stderr, flush=True)
    name = (
        f"`newstally schedule --interval {SCHEDULER_INTERVAL_SECONDS}` on a copy, fetching the 8 demo feeds of"
        f" `newstally serve-demo` for {SCHEDULER_SECONDS} s"
    )
    return (
        name,
        (runs["capped"]["seconds"], runs["capped"]["peak_rss_mb"]),
        (runs["uncapped"]["seconds"], runs["uncapped"]["peak_rss_mb"]),
        runs["capped"],
    )


def _lens_event(wh, facts) -> str:
    """The latest calendar event with its baseline and window inside the corpus."""
    from datetime import timedelta

    import warehouse

    first_day, last_day = facts.first_published_at.date(), facts.last_published_at.date()
    inside = [
        event
        for event in warehouse.list_events(wh)
        if event.start_date - timedelta(days=40) >= first_day and event.end_date <= last_day
    ]
    return max(inside, key=lambda event: event.start_date).event_id


def _dashboard(path: Path, wh) -> dict[str, float]:
    """Trends in headless Chromium: first visit, then DASHBOARD_RUNS cold loads each followed by one control change."""
    from datetime import timedelta

    from playwright.sync_api import sync_playwright

    import warehouse
    from bench.dashboard import CHROMIUM, _control, _first_chart_s, _redraw_s

    last_day = warehouse.corpus_facts(wh).last_published_at.date()
    year_ago = last_day - timedelta(days=365)
    figures: dict[str, float] = {}
    with served_dashboard(path) as (url, server), sync_playwright() as playwright:
        figures["idle_rss_mb"] = _status_mb(server.pid, "VmRSS")
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--headless", "--no-sandbox"])
        page = chromium.new_page(viewport={"width": 1400, "height": 1000})
        figures["first_visit_s"] = _first_chart_s(page, url)  # the default Trends view, server imports included
        first_charts, redraws = [], []
        for run in range(DASHBOARD_RUNS):
            # A view no earlier load asked for, so the warehouse is queried, not Streamlit's cache.
            start = year_ago - timedelta(days=run + 1)
            view = f"{url}/?entities=trump,putin,zelensky&from={start}&to={last_day}&bucket=week&metric=articles"
            first_charts.append(_first_chart_s(page, view))
            share = partial(_control(page, "Share of all articles").click)
            redraws.append(_redraw_s(page, share, "Share of all articles mentioning"))
        chromium.close()
        figures["peak_rss_mb"] = _status_mb(server.pid, "VmHWM")
        figures["rss_after_mb"] = _status_mb(server.pid, "VmRSS")
    print(f"dashboard: first charts {first_charts}, redraws {redraws}, {figures}", file=sys.stderr, flush=True)
    figures["first_chart_s"] = median(first_charts)
    figures["redraw_s"] = median(redraws)
    return figures


def _ratio(capped: float, uncapped: float) -> str:
    return f"{capped / uncapped:.2f}x" if uncapped else ""


def measure(path: Path) -> str:
    import warehouse
    from warehouse.engine.db import DEFAULT_MEMORY_LIMIT

    build_facts_path = _build_facts_path(path)
    built = json.loads(build_facts_path.read_text(encoding="utf-8")) if build_facts_path.exists() else None
    wh = warehouse.Warehouse(path)
    facts = warehouse.corpus_facts(wh)
    load_before = os.getloadavg()
    cli = _cli_rows(path, wh)
    cli.append(_retally_row(path))
    *scheduler_row, scheduler_facts = _scheduler_row(path)
    cli.append(tuple(scheduler_row))  # type: ignore[arg-type]
    dashboards = {}
    for label, limit in (("capped", None), ("uncapped", UNCAPPED)):
        with _memory_limit(limit):
            dashboards[label] = _dashboard(path, wh)
    load_after = os.getloadavg()
    dashboard, uncapped_dashboard = dashboards["capped"], dashboards["uncapped"]
    size_mb = path.stat().st_size / 1e6
    build_lines = (
        [
            f"| storing {built['articles']:,} articles (`store_articles`, tally on arrival included), one process"
            f" | {built['seconds']:,.0f} s ({built['seconds'] / 60:.0f} min), {built['articles_per_s']:,.0f}"
            " articles/s | | "
            f"{built['peak_rss_mb']:,.0f} (built before the cap) | |",
        ]
        if built
        else ["| storing | not recorded (no PATH.build.json) | | | |"]
    )
    rows = [
        *build_lines,
        *(
            f"| {name} | {capped[0]:.1f} s | {uncapped[0]:.1f} s | **{capped[1]:,.0f}** | {uncapped[1]:,.0f}"
            f" ({_ratio(capped[1], uncapped[1])}, {_ratio(capped[0], uncapped[0])} the time) |"
            for name, capped, uncapped in cli
        ),
        f"| `streamlit run` dashboard: idle after start | | | {dashboard['idle_rss_mb']:,.0f} |"
        f" {uncapped_dashboard['idle_rss_mb']:,.0f} |",
        f"| … after Chromium loaded Trends {DASHBOARD_RUNS + 1} times and changed a control {DASHBOARD_RUNS} times"
        f" (peak; resident at the end: {dashboard['rss_after_mb']:,.0f} MB capped,"
        f" {uncapped_dashboard['rss_after_mb']:,.0f} MB uncapped) | | | **{dashboard['peak_rss_mb']:,.0f}** |"
        f" {uncapped_dashboard['peak_rss_mb']:,.0f}"
        f" ({_ratio(dashboard['peak_rss_mb'], uncapped_dashboard['peak_rss_mb'])}) |",
    ]
    built_note = (
        f"Built by `python bench/scale.py build` (finished {built['finished_utc']} UTC, load average"
        f" {built['load_average_at_end']:.1f} at its end)."
        if built
        else ""
    )
    return (
        f"{facts.articles:,} demo articles (`generate_history`, 4,000 a day, {facts.first_published_at.date()} to"
        f" {facts.last_published_at.date()}) from {facts.sources} outlets, shipped watchlist; database file"
        f" {built['size_mb'] if built else size_mb:,.0f} MB on disk as built ({size_mb:,.0f} MB when measured here,"
        f" after any retallies of bench/tally.py: DuckDB does not give back the freed blocks). {built_note}"
        " Peak memory is the kernel's peak resident set of each process"
        f" (`wait4` for the CLI and the scheduler, VmHWM for the dashboard server); the CLI rows are {CLI_RUNS} run"
        " each from the shell, start-up included (bench/analytics.py times the calls themselves)."
        f" *Capped* is the warehouse's DuckDB `memory_limit` of {DEFAULT_MEMORY_LIMIT} (`NEWSTALLY_MEMORY_LIMIT`"
        f" unset, docs/operations.md); *uncapped* is DuckDB's own default, {UNCAPPED} of RAM"
        f" (`NEWSTALLY_MEMORY_LIMIT={UNCAPPED}`), what every process used before; the two runs of each row"
        " follow each other, so a change of load hits both alike. The retally and the scheduler work on a scratch"
        " copy of the warehouse; the scheduler fetched the 8 demo feeds of `newstally serve-demo"
        f" --articles-per-day {DEMO_ARTICLES_PER_DAY:,}` (a pass a minute, the first one storing 100 items a feed,"
        f" the later ones the demo's one live story a minute) and stored {scheduler_facts['new_articles']:,}"
        " new articles in the capped run, then stopped on SIGTERM."
        f" Load average {load_before[0]:.1f} before and"
        f" {load_after[0]:.1f} after the measurements (2 shared cores): read the seconds as upper bounds.\n\n"
        "| process | time, capped | time, uncapped | peak RSS, MB, capped"
        " | peak RSS, MB, uncapped (capped/uncapped) |\n"
        "|---|---|---|---|---|\n" + "\n".join(rows) + "\n\n"
        f"Dashboard, Trends (3 leaders, a year, weekly), headless Chromium, median of {DASHBOARD_RUNS}, capped:"
        f" first chart {dashboard['first_chart_s']:.2f} s from navigation (a view not asked before, so the warehouse"
        f" is queried; {uncapped_dashboard['first_chart_s']:.2f} s uncapped), redraw {dashboard['redraw_s']:.2f} s"
        f" from the click on *Share of all articles* to the new chart ({uncapped_dashboard['redraw_s']:.2f} s"
        " uncapped); the first visit after the server started (default view, imports included) took"
        f" {dashboard['first_visit_s']:.2f} s ({uncapped_dashboard['first_visit_s']:.2f} s uncapped)."
        f" Target (issue 6): under {TARGET_RSS_MB:,} MB for each process.\n"
    )


def main() -> None:
    arguments = sys.argv[1:]
    if arguments[:1] == ["build"]:
        rest = arguments[1:]
        count = ARTICLES
        if "--articles" in rest:
            at = rest.index("--articles")
            count = int(rest[at + 1])
            del rest[at : at + 2]
        path = Path(rest[0]) if rest else DEFAULT_PATH
        facts = build(path, count)
        print(json.dumps({key: value for key, value in facts.items() if key != "checkpoints"}, indent=1))
        return
    path = Path(arguments[0]) if arguments else DEFAULT_PATH
    if not path.exists():
        raise SystemExit(f"{path} missing: build it first (python bench/scale.py build {path})")
    body = measure(path)
    write_section(SECTION, body)
    print(body)


if __name__ == "__main__":
    main()
