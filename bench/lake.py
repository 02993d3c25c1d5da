"""DuckLake against the local file: reads at scale, ingest with 1 to 3 workers, and `lake maintain`.

Every part starts its own PostgreSQL cluster (tests/postgres_cluster.py, through
bench.common.postgres_cluster) and stops it; a lake is a new database on it, with its data
files in a folder beside the warehouse file. Figures are medians of several runs, the file
and the lake taking turns in the same run, and their ratio. Each part writes its own
subsection of "DuckLake against the local file" in docs/benchmarks.md.

Usage (`python bench/lake.py` with no part runs all three at a smoke size, a few minutes):
- `reads [--sizes 1000000,10000000] [--budget-minutes 25] [--folder DIR]`: stores the demo corpus
  into a warehouse file the way bench/scale.py builds it (`generate_history`, 4,000 a day,
  `store_articles`), growing it to each size in turn; at each size `newstally lake import`s it
  into a new lake and times `series` (day; week by outlet), `spikes`, the Trends page's first
  chart (the reads dashboard/app_pages/trends.py makes for its default view) and `retally`, on
  the file and on the lake. A size whose build would take the budget past its end (at the rate
  seen so far) is left out and named in the section. Default: 100,000 articles (smoke).
- `retally --files A.duckdb[,B.duckdb]`: a full `retally` on each file kept by `reads --folder DIR`
  (DIR/lake-bench-N.duckdb) and on a lake imported from it, in turn (once lakes take writes; `reads`
  times it too when they do).
- `ingest [--feeds N] [--items N] [--hosts N]`: feeds served on local loopback hosts; the same
  feeds stored by one `newstally schedule` process into a file, then by 1, 2 and 3 processes
  into a new lake each; articles stored per second until all are in.
- `maintain [--feeds N] [--passes N]`: many small fetch passes into a lake (new items each
  pass), then its Parquet data-file count and a read's latency before and after
  `newstally lake maintain`.
Add `--no-write` to print the subsection without writing it into docs/benchmarks.md.
The issue's sizes, on a quiet machine (each run once): `python bench/lake.py reads --sizes
1000000,10000000 --budget-minutes 60`, `python bench/lake.py ingest --feeds 400 --items 100`,
`python bench/lake.py maintain --feeds 100 --passes 60`.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from http.server import BaseHTTPRequestHandler
from itertools import islice
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import REPO_ROOT, median, postgres_cluster, store_stories, write_subsection

SECTION = "DuckLake against the local file"
WATCHLIST = REPO_ROOT / "newstally" / "defaults" / "watchlist.toml"
EVENTS = REPO_ROOT / "newstally" / "defaults" / "events.toml"
SMOKE_SIZES = (100_000,)
DEMO_ARTICLES_PER_DAY = 4_000
CHUNK = 200_000
SERIES_ENTITIES = 10
TARGET_RATIO = 2.0
NEWSTALLY = [sys.executable, "-m", "newstally"]


def _runs(articles: int) -> int:
    """Runs per read: 5 up to 2M articles, 3 above (a spikes run takes tens of seconds at 10M)."""
    return 5 if articles <= 2_000_000 else 3


def _retally_runs(articles: int) -> int:
    """A retally rewrites every mention: 3 runs up to 2M articles, 1 above (minutes each at 10M)."""
    return 3 if articles <= 2_000_000 else 1


def _runs_text(runs: int) -> str:
    return f"median of {runs}" if runs > 1 else "one run"


def _load() -> float:
    return os.getloadavg()[0]


def _cli(*arguments: str, db: str, lake_data: Path | None = None) -> float:
    """Run `newstally --db db ARGUMENTS` from the shell; its wall seconds (start-up included)."""
    command = [*NEWSTALLY, "--db", db]
    if lake_data is not None:
        command += ["--lake-data", str(lake_data)]
    started = time.perf_counter()
    done = subprocess.run([*command, *arguments], cwd=REPO_ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"newstally {' '.join(arguments)} failed: {done.stderr[-2000:]}")
    return time.perf_counter() - started


def _new_lake(cluster: Any, name: str, data: Path) -> tuple[str, float]:
    """`newstally lake init` in a new database of the cluster: the lake's target and the seconds it took."""
    target = f"ducklake:postgres:{cluster.create_database(name)}"
    return target, _cli("lake", "init", db=target, lake_data=data)


def _folder_mb(folder: Path) -> tuple[int, float]:
    files = [path for path in folder.rglob("*") if path.is_file()]
    return len(files), sum(path.stat().st_size for path in files) / 1e6


# --- reads --------------------------------------------------------------------------------------


class _Stories:
    """The demo stream bench/scale.py stores, resumed where the file ends (skipped only when more are needed)."""

    def __init__(self) -> None:
        self.stream: Iterator | None = None

    def after(self, have: int) -> Iterator:
        if self.stream is None:
            from ingest import generate_history

            self.stream = generate_history(
                7, date(2017, 1, 1), datetime(2030, 1, 1, tzinfo=UTC), articles_per_day=DEMO_ARTICLES_PER_DAY
            )
            for _ in islice(self.stream, have):
                pass
        return self.stream


def _grow(path: Path, count: int, source: _Stories) -> dict[str, float]:
    """Store demo articles until the file holds `count`."""
    import warehouse

    wh = warehouse.open_warehouse(path, watchlist_path=WATCHLIST, events_path=EVENTS)
    have = warehouse.corpus_facts(wh).articles
    if have >= count:
        return {"from": have, "to": have, "seconds": 0.0}
    stories = source.after(have)
    started = time.perf_counter()

    def progress(new: int) -> None:
        print(
            f"{datetime.now(UTC):%H:%M:%S} stored {have + new:,} ({new / (time.perf_counter() - started):,.0f}/s),"
            f" load {_load():.1f}",
            file=sys.stderr,
            flush=True,
        )

    stored = have + store_stories(wh, stories, count - have, chunk=CHUNK, progress=progress)
    seconds = time.perf_counter() - started
    return {"from": have, "to": stored, "seconds": seconds}


def _trends_first_chart(wh: Any, entity_ids: list[str], *, series_only: bool = False) -> None:
    """What the Trends page reads for its default view before it draws (dashboard/app_pages/trends.py, uncached)."""
    import warehouse
    from dashboard.url_state import default_trends_view

    facts = warehouse.corpus_facts(wh)
    assert facts.first_published_at is not None and facts.last_published_at is not None
    first_day, last_day = facts.first_published_at.date(), facts.last_published_at.date()
    view = default_trends_view(entity_ids, first_day=first_day, last_day=last_day)
    warehouse.entity_series(wh, list(view.entity_ids), bucket=view.bucket, start=view.start, end=view.end)
    if series_only:
        return
    calendar = warehouse.list_events(wh)
    warehouse.spike_episodes_peaking_within(
        wh, sorted(view.entity_ids), start=first_day, end=last_day, calendar=calendar, first_day=first_day
    )
    warehouse.ingest_completeness(wh, view.start, view.end)


def _read_calls(wh: Any, entity_ids: list[str]) -> dict[str, Callable[[], object]]:
    import warehouse

    chosen = entity_ids[:SERIES_ENTITIES]
    return {
        f"`series`: `entity_series`, {len(chosen)} entities, daily, all days": lambda: warehouse.entity_series(
            wh, chosen
        ),
        f"`series`: `entity_series`, {len(chosen)} entities, weekly by outlet, all days": lambda: (
            warehouse.entity_series(wh, chosen, bucket="week", by_source=True)
        ),
        f"`spikes`: `spike_episodes`, all {len(entity_ids)} entities, whole corpus": lambda: warehouse.spike_episodes(
            wh
        ),
        "Trends first chart: `entity_series`, 3 leaders, last 2 years, weekly (its first read)": lambda: (
            _trends_first_chart(wh, entity_ids, series_only=True)
        ),
        "Trends first chart: every read before drawing (facts, series, calendar, spike markers, completeness)": (
            lambda: _trends_first_chart(wh, entity_ids)
        ),
    }


def _same_answers(file_wh: Any, lake_wh: Any, entity_ids: list[str]) -> bool:
    """The lake's series and spikes equal the file's (a benchmark of wrong answers would be worthless)."""
    import warehouse

    chosen = entity_ids[:SERIES_ENTITIES]
    series = [warehouse.entity_series(wh, chosen, bucket="week", by_source=True) for wh in (file_wh, lake_wh)]
    spikes = [warehouse.spike_episodes(wh) for wh in (file_wh, lake_wh)]
    return bool(series[0].equals(series[1])) and spikes[0] == spikes[1]


def _interleaved(calls: dict[str, tuple[Callable[[], object], Callable[[], object]]], runs: int) -> dict:
    """Median seconds of each (file, lake) pair, the two taking turns (which goes first alternates)."""
    durations: dict[str, tuple[list[float], list[float]]] = {name: ([], []) for name in calls}
    for run in range(runs):
        for name, pair in calls.items():
            order = (0, 1) if run % 2 == 0 else (1, 0)
            for side in order:
                started = time.perf_counter()
                pair[side]()
                durations[name][side].append(time.perf_counter() - started)
        print(f"run {run + 1}/{runs} done, load {_load():.1f}", file=sys.stderr, flush=True)
    return {name: (median(file_s), median(lake_s)) for name, (file_s, lake_s) in durations.items()}


def _retally_pair(file_wh: Any, lake_wh: Any, runs: int) -> tuple[float | None, float | None]:
    """Median seconds of a full `retally` on the lake and on the file, taken in turn; None for an engine on
    which it failed (its one-line error printed; it is not tried again)."""
    import warehouse

    durations: dict[Any, list[float]] = {file_wh: [], lake_wh: []}
    failed: set[Any] = set()
    for run in range(runs):
        for wh in (lake_wh, file_wh) if run % 2 == 0 else (file_wh, lake_wh):
            if wh in failed:
                continue
            started = time.perf_counter()
            try:
                warehouse.retally(wh, WATCHLIST)
            except warehouse.WarehouseError as error:
                print(f"retally failed on {wh}: {error}", file=sys.stderr, flush=True)
                failed.add(wh)
                continue
            durations[wh].append(time.perf_counter() - started)
    return tuple(None if wh in failed else median(durations[wh]) for wh in (file_wh, lake_wh))  # type: ignore[return-value]


def _seconds_cell(seconds: float | None, *, scale: float = 1.0, digits: int = 1) -> str:
    """A retally's figure, or why there is none: at 10M a file's retally can exceed the 500MB memory cap."""
    if seconds is None:
        return "failed: out of memory at the 500MB cap"
    return f"{seconds * scale:,.{digits}f}"


def retally_part(files: list[Path]) -> tuple[str, str]:
    """A full retally on each kept file (see `reads --folder`) and on a lake imported from it, in turn."""
    import warehouse

    rows = []
    load_before = _load()
    with postgres_cluster() as cluster:
        for index, path in enumerate(files):
            file_wh = warehouse.Warehouse(path)
            with file_wh.writing():  # brings a file kept from an earlier newstally to this one's schema
                pass
            target, _ = _new_lake(cluster, f"lake_retally_{index}", path.parent / f"lake-data-retally-{index}")
            import_s = _cli("lake", "import", str(path), db=target)
            articles = warehouse.corpus_facts(file_wh).articles
            runs = _retally_runs(articles)
            file_s, lake_s = _retally_pair(file_wh, warehouse.Warehouse(target), runs)
            print(f"{path}: file {file_s}, lake {lake_s}", file=sys.stderr, flush=True)
            rows.append(
                f"| {articles:,} | {import_s:.1f} | {_seconds_cell(file_s)} | {_seconds_cell(lake_s)}"
                f" | {_ratio(file_s, lake_s)} | {_runs_text(runs)} |"
            )
            shutil.rmtree(path.parent / f"lake-data-retally-{index}", ignore_errors=True)
    body = (
        "`warehouse.retally` with the shipped watchlist (every article counted again, mentions and rollups"
        " rewritten, one transaction) on the warehouse file and on a lake `newstally lake import`ed from it"
        " (catalog in a PostgreSQL 15 cluster the benchmark started), the two in turn. The corpora are the"
        f" files the reads above were measured on. Load average {load_before:.1f} before, {_load():.1f} after.\n\n"
        "| articles | `lake import`, s | retally, file, s | retally, lake, s | lake/file | runs |\n"
        "|---|---|---|---|---|---|\n" + "\n".join(rows)
    )
    return "Retally on the lake", body


def _reads_at(path: Path, cluster: Any, size_index: int) -> dict[str, Any]:
    import warehouse

    data = path.parent / f"lake-data-{size_index}"
    target, init_s = _new_lake(cluster, f"lake_reads_{size_index}", data)
    import_s = _cli("lake", "import", str(path), db=target)
    file_wh, lake_wh = warehouse.Warehouse(path), warehouse.Warehouse(target)
    facts = warehouse.corpus_facts(file_wh)
    entity_ids = list(warehouse.list_entities(file_wh)["entity_id"])
    same = _same_answers(file_wh, lake_wh, entity_ids)  # also the warm-up: the lake is attached, caches filled
    file_calls, lake_calls = _read_calls(file_wh, entity_ids), _read_calls(lake_wh, entity_ids)
    runs = _runs(facts.articles)
    load_before = _load()
    timed = _interleaved({name: (file_calls[name], lake_calls[name]) for name in file_calls}, runs)
    files, parquet_mb = _folder_mb(data)
    retally_file, retally_lake = _retally_pair(file_wh, lake_wh, _retally_runs(facts.articles))
    figures = {
        "articles": facts.articles,
        "mentions": _count(file_wh, "mentions"),
        "file_mb": path.stat().st_size / 1e6,
        "parquet_files": files,
        "parquet_mb": parquet_mb,
        "init_s": init_s,
        "import_s": import_s,
        "same": same,
        "runs": runs,
        "timed": timed,
        "retally": (retally_file, retally_lake),
        "load": (load_before, _load()),
    }
    print(json.dumps(figures, indent=1, default=str), file=sys.stderr, flush=True)
    shutil.rmtree(data, ignore_errors=True)
    return figures


def _count(wh: Any, table: str) -> int:
    with wh.reading() as connection:
        row = connection.execute(f"SELECT count(*) FROM {table}").fetchone()
    return int(row[0]) if row else 0


def _ratio(file_s: float | None, lake_s: float | None) -> str:
    if file_s is None or lake_s is None:
        return ""
    ratio = lake_s / file_s
    return f"**{ratio:.2f}x**" if ratio > TARGET_RATIO else f"{ratio:.2f}x"


def reads(sizes: list[int], budget_minutes: float, folder: Path, *, keep_copies: bool) -> tuple[str, str]:
    """Grow one file through `sizes`, measuring at each; (subsection name, body)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "lake-bench.duckdb"
    measured: list[dict] = []
    builds: list[dict] = []
    skipped: list[tuple[int, float]] = []
    stories = _Stories()
    facts_path = path.with_name(path.name + ".build.json")
    if path.exists() and facts_path.exists():  # built by `bench/scale.py build PATH --articles N`
        built = json.loads(facts_path.read_text(encoding="utf-8"))
        builds.append({"from": 0, "to": built["articles"], "seconds": built["seconds"]})
    with postgres_cluster() as cluster:
        for index, size in enumerate(sorted(sizes)):
            grown = [b for b in builds if b["to"] > b["from"]]
            built = builds[-1]["to"] if builds else 0
            spent = sum(b["seconds"] for b in grown)
            rate = sum(b["to"] - b["from"] for b in grown) / spent if grown else 0
            if rate and spent + (size - built) / rate > budget_minutes * 60:
                skipped.append((size, (size - built) / rate / 60))
                continue
            grown_now = _grow(path, size, stories)
            if grown_now["to"] > grown_now["from"]:
                builds.append(grown_now)
            if keep_copies:  # for a later run of the lake's retally on the same corpus
                copy = path.with_name(f"lake-bench-{grown_now['to']}.duckdb")
                shutil.copyfile(path, copy)
                if path.with_name(path.name + ".wal").exists():
                    shutil.copyfile(path.with_name(path.name + ".wal"), copy.with_name(copy.name + ".wal"))
            measured.append(_reads_at(path, cluster, index))
    name = "Reads at " + " and ".join(f"{figures['articles']:,}" for figures in measured) + " articles"
    return name, _reads_body(measured, builds, skipped, budget_minutes)


def _reads_body(measured: list[dict], builds: list[dict], skipped: list[tuple[int, float]], budget: float) -> str:
    lines = []
    for figures in measured:
        runs = figures["runs"]
        rows = [
            f"| {name} | {file_s * 1000:,.0f} | {lake_s * 1000:,.0f} | {_ratio(file_s, lake_s)} |"
            for name, (file_s, lake_s) in figures["timed"].items()
        ]
        retally_file, retally_lake = figures["retally"]
        rows.append(
            f"| `retally`: every article, shipped watchlist, one transaction"
            f" ({_runs_text(_retally_runs(figures['articles']))})"
            f" | {_seconds_cell(retally_file, scale=1000, digits=0)}"
            f" | {_seconds_cell(retally_lake, scale=1000, digits=0)} | {_ratio(retally_file, retally_lake)} |"
        )
        lines += [
            f"**{figures['articles']:,} articles** ({figures['mentions']:,} mentions): file"
            f" {figures['file_mb']:,.0f} MB; lake {figures['parquet_mb']:,.0f} MB in {figures['parquet_files']}"
            f" Parquet files. `newstally lake init` {figures['init_s']:.1f} s, `newstally lake import`"
            f" {figures['import_s']:.1f} s (from the shell, start-up included). Same series and spike episodes"
            f" on both: {'yes' if figures['same'] else '**no**'}. Median of {runs} runs, file and lake in turn;"
            f" load average {figures['load'][0]:.1f} before, {figures['load'][1]:.1f} after.",
            "",
            "| read | file, ms | lake, ms | lake/file |",
            "|---|---|---|---|",
            *rows,
            "",
        ]
    build_text = "; ".join(
        f"{b['from']:,} to {b['to']:,} in {b['seconds']:,.0f} s ({(b['to'] - b['from']) / b['seconds']:,.0f}/s)"
        for b in builds
    )
    skipped_text = (
        " Left out: "
        + "; ".join(
            f"{size:,} articles (another {minutes:,.0f} min of storing at the rate seen)" for size, minutes in skipped
        )
        + f", past the build budget of {budget:g} min on this shared machine. On a quiet one:"
        " `python bench/lake.py reads --sizes 1000000,10000000 --budget-minutes 60` (about an hour; run it once)."
        if skipped
        else ""
    )
    intro = (
        "The demo corpus (`generate_history`, 4,000 articles a day from 2017-01-01, shipped watchlist and"
        f" calendar) stored into one warehouse file with `store_articles` as bench/scale.py does, grown size by"
        f" size ({build_text}); at each size `newstally lake import`ed into a new lake (catalog in a PostgreSQL"
        " 15 cluster the benchmark started on 127.0.0.1, data files in a local folder). In-process calls: the file"
        " is read the way every reader does (shared lock, short read-only connection per read); the lake through"
        " the process's one attached connection (attached before timing, as a dashboard or API process keeps"
        " it). The retally runs after the reads (it rewrites every mention), on the file and on the lake."
        f" Target (issue 14): reads on the lake within {TARGET_RATIO:g}x the file; a ratio over it is in bold."
        f"{skipped_text}"
    )
    return intro + "\n\n" + "\n".join(lines)


# --- ingest ---------------------------------------------------------------------------------------


def _template(folder: Path, urls: list[str]) -> Path:
    """A warehouse file with the watchlist, the calendar and the feeds registered, nothing fetched."""
    import warehouse

    path = folder / "template.duckdb"
    wh = warehouse.open_warehouse(path, watchlist_path=WATCHLIST, events_path=EVENTS)
    for number, url in enumerate(urls):
        warehouse.add_feed(wh, url, source_name=f"Outlet {number}")
    return path


def _stored(wh: Any) -> int:
    return _count(wh, "articles")


def _schedulers(db: str, workers: int, expected: int, wh: Any, log_folder: Path) -> dict[str, Any]:
    """Start `workers` `newstally schedule` processes on `db` at once; seconds until `expected` articles are stored."""
    processes, logs = [], []
    started = time.perf_counter()
    for number in range(workers):
        log = (log_folder / f"schedule-{number}.log").open("wb")  # a file: a full pipe would stall a worker
        logs.append(log)
        work = log_folder / f"worker-{number}"
        work.mkdir(exist_ok=True)
        processes.append(
            subprocess.Popen(
                [*NEWSTALLY, "--db", db, "schedule", "--interval", "1"],
                cwd=work,
                env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
                stdout=log,
                stderr=log,
            )
        )
    try:
        stored, first = 0, None
        deadline = time.monotonic() + 1_800
        while stored < expected:
            if any(process.poll() is not None for process in processes):
                raise RuntimeError(f"a scheduler stopped early; see {log_folder}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"only {stored} of {expected} articles after 30 min; see {log_folder}")
            time.sleep(0.25)
            stored = _stored(wh)
            if stored and first is None:
                first = (stored, time.perf_counter())
        seconds = time.perf_counter() - started
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for log in logs:
            log.close()
    assert first is not None
    after_first = started + seconds - first[1]
    # Which worker fetched how many feeds: the recorder logs one line per feed it records.
    fetched = [
        sum(
            " ingest.recorder: feed " in line for line in (log_folder / f"schedule-{number}.log").open(errors="replace")
        )
        for number in range(workers)
    ]
    return {
        "fetched_by_worker": " / ".join(str(count) for count in fetched),
        "seconds": seconds,
        "articles": stored,
        "per_s": stored / seconds,
        "first_s": first[1] - started,
        "steady_per_s": (stored - first[0]) / after_first if after_first > 0 else float("nan"),
    }


def ingest(feeds: int, items: int, hosts: int, folder: Path) -> tuple[str, str]:
    """The file with one worker, then (with `lake`) a new lake for each of 1, 2 and 3 workers."""
    import warehouse
    from bench.ingest_cycle import serving

    folder.mkdir(parents=True, exist_ok=True)
    expected = feeds * items
    results: dict[str, dict[str, Any] | str] = {}
    load_before = _load()
    with serving(feeds, hosts, items) as urls, postgres_cluster() as cluster:
        template = _template(folder, urls)
        file_copy = folder / "ingest-file.duckdb"
        shutil.copyfile(template, file_copy)
        results["file, 1 worker"] = _schedulers(
            str(file_copy), 1, expected, warehouse.Warehouse(file_copy), _logs(folder, "file")
        )
        for workers in (1, 2, 3):
            label = f"lake, {workers} worker{'s' if workers > 1 else ''}"
            target, _ = _new_lake(cluster, f"lake_ingest_{workers}", folder / f"lake-data-{workers}")
            _cli("lake", "import", str(template), db=target)
            try:
                results[label] = _schedulers(
                    target, workers, expected, warehouse.Warehouse(target), _logs(folder, f"lake{workers}")
                )
            except RuntimeError as error:
                results[label] = f"failed: {str(error).splitlines()[0]}"
            print(f"{label}: {results[label]}", file=sys.stderr, flush=True)
    baseline = results["file, 1 worker"]
    assert isinstance(baseline, dict)
    rows = []
    for label, figures in results.items():
        if isinstance(figures, str):
            rows.append(f"| {label} | {figures} | | | | | | |")
            continue
        rows.append(
            f"| {label} | {figures['articles']:,} | {figures['seconds']:.1f} | {figures['per_s']:,.0f} |"
            f" {figures['per_s'] / baseline['per_s']:.2f}x | {figures['first_s']:.1f} |"
            f" {figures['steady_per_s']:,.0f} | {figures['fetched_by_worker']} |"
        )
    body = (
        f"{feeds} RSS feeds of {items} items each ({expected:,} articles), served over HTTP by one server per"
        f" loopback address ({hosts} hosts), registered in a warehouse file that is copied for the file run and"
        " `newstally lake import`ed into a new lake (catalog in a PostgreSQL 15 cluster the benchmark started,"
        " data in a local folder) for each lake run. The workers are `newstally schedule --interval 1`"
        " processes, each in its own working directory, started together; the time runs from their start"
        " (imports and attaching included) until every article is stored (the count polled every 0.25 s), then"
        f" they get SIGTERM. One run each (load average {load_before:.1f} before, {_load():.1f} after).\n\n"
        "| target | articles | seconds | articles/s | vs file, 1 worker | first article stored after, s"
        " | articles/s from the first stored to the last | feeds fetched by each worker |\n"
        "|---|---|---|---|---|---|---|---|\n" + "\n".join(rows)
    )
    return f"Ingest: {feeds} feeds of {items} items, 1 to 3 workers", body


def _logs(folder: Path, name: str) -> Path:
    logs = folder / f"logs-{name}"
    logs.mkdir(exist_ok=True)
    return logs


# --- maintain -------------------------------------------------------------------------------------


@contextmanager
def _growing_feeds(feeds: int) -> Iterator[tuple[list[str], Callable[[int], None]]]:
    """Feeds on 127.0.0.2 whose items grow: (urls, publish(n) so that each feed holds n items)."""
    from bench.ingest_cycle import _QuietHTTPServer, feed_body

    published = [0]

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            number = int(self.path.rsplit("-", 1)[1].split(".")[0])
            body = feed_body(number, published[0])
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = _QuietHTTPServer(("127.0.0.2", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]

    def publish(count: int) -> None:
        published[0] = count

    try:
        yield [f"http://127.0.0.2:{port}/feed-{number}.xml" for number in range(feeds)], publish
    finally:
        server.shutdown()
        server.server_close()


def _read_latency(wh: Any, entity_ids: list[str], runs: int) -> float:
    import warehouse

    durations = []
    for _ in range(runs):
        started = time.perf_counter()
        warehouse.entity_series(wh, entity_ids[:SERIES_ENTITIES])
        durations.append(time.perf_counter() - started)
    return median(durations)


def _data_files(wh: Any) -> int:
    with wh.reading() as connection:
        row = connection.execute("SELECT count(*) FROM __ducklake_metadata_lake.ducklake_data_file").fetchone()
    return int(row[0]) if row else 0


def maintain(feeds: int, passes: int, folder: Path) -> tuple[str, str]:
    """`passes` forced fetch passes into a lake (each feed 2 items more each pass), then `lake maintain`."""
    import warehouse
    from ingest import fetch_due

    folder.mkdir(parents=True, exist_ok=True)
    runs = 7
    with _growing_feeds(feeds) as (urls, publish), postgres_cluster() as cluster:
        template = _template(folder, urls)
        data = folder / "lake-data-maintain"
        target, _ = _new_lake(cluster, "lake_maintain", data)
        _cli("lake", "import", str(template), db=target)
        wh = warehouse.Warehouse(target)
        started = time.perf_counter()
        for number in range(passes):
            publish(2 * (number + 1))
            fetch_due(wh, force=True)
        ingest_s = time.perf_counter() - started
        entity_ids = list(warehouse.list_entities(wh)["entity_id"])
        articles = _stored(wh)
        files_before, files_on_disk_before = _data_files(wh), _folder_mb(data)
        before = _read_latency(wh, entity_ids, runs)
        maintain_s = _cli("lake", "maintain", "--keep-hours", "0", db=target)
        files_after, files_on_disk_after = _data_files(wh), _folder_mb(data)
        after = _read_latency(wh, entity_ids, runs)
    body = (
        f"{passes} forced fetch passes (`ingest.fetch_due(force=True)`, in-process) over {feeds} local feeds, each"
        f" feed 2 items longer each pass: {articles:,} articles in {ingest_s:.1f} s, many small commits. Then"
        " `newstally lake maintain --keep-hours 0` (flush inlined rows, merge adjacent files, expire every"
        f" older snapshot, delete the freed files) took {maintain_s:.1f} s from the shell. Read: `entity_series`,"
        f" {SERIES_ENTITIES} entities, daily, all days, median of {runs} in-process runs. Load average"
        f" {_load():.1f} at the end.\n\n"
        "| | data files (catalog) | Parquet files on disk (data and delete files) | MB on disk | read, ms |\n"
        "|---|---|---|---|---|\n"
        f"| before `lake maintain` | {files_before:,} | {files_on_disk_before[0]:,} | {files_on_disk_before[1]:.1f}"
        f" | {before * 1000:.0f} |\n"
        f"| after | {files_after:,} | {files_on_disk_after[0]:,} | {files_on_disk_after[1]:.1f}"
        f" | {after * 1000:.0f} ({after / before:.2f}x) |"
    )
    return f"Maintenance after a long ingest: {passes} passes over {feeds} feeds", body


# --- command line ---------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("part", nargs="?", choices=("reads", "retally", "ingest", "maintain"))
    parser.add_argument("--files", help="retally: warehouse files kept by `reads --folder`, comma-separated")
    parser.add_argument("--sizes", default=",".join(str(size) for size in SMOKE_SIZES))
    parser.add_argument("--budget-minutes", type=float, default=25.0)
    parser.add_argument("--feeds", type=int)
    parser.add_argument("--items", type=int, default=20)
    parser.add_argument("--hosts", type=int, default=4)
    parser.add_argument("--passes", type=int, default=10)
    parser.add_argument("--folder", type=Path, help="work folder, kept (default: a temporary one, removed)")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    from tests.postgres_cluster import postgres_bin_dir

    if postgres_bin_dir() is None:
        print("bench/lake.py: PostgreSQL is not installed (make postgresql); skipped", file=sys.stderr)
        return
    folder = args.folder or Path(tempfile.mkdtemp(prefix="newstally-bench-lake-"))
    parts = [args.part] if args.part else ["reads", "ingest", "maintain"]
    try:
        for part in parts:
            if part == "reads":
                name, body = reads(
                    [int(size) for size in args.sizes.split(",")],
                    args.budget_minutes,
                    folder,
                    keep_copies=args.folder is not None,
                )
            elif part == "retally":
                if not args.files:
                    parser.error("retally needs --files A.duckdb[,B.duckdb]")
                name, body = retally_part([Path(file) for file in args.files.split(",")])
            elif part == "ingest":
                name, body = ingest(args.feeds or 40, args.items, args.hosts, folder / "ingest")
            else:
                name, body = maintain(args.feeds or 20, args.passes, folder / "maintain")
            if not args.no_write:
                write_subsection(SECTION, name, body)
            print(f"### {name}\n\n{body}\n", flush=True)
    finally:
        if args.folder is None:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
