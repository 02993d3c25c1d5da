"""Readers beside a writer on one DuckDB file: the warehouse's flock discipline against naive connections.

One writer process stores small batches continuously; two reader processes run the
series query in a loop. Baseline: the same readers with no writer. Alternative: the
same load with naive short-lived DuckDB connections and no lock (what DESIGN.md saw
fail). Figures: read latency p50/p95, failed reads, write batches per second.
"""

from __future__ import annotations

import multiprocessing as mp
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import REPO_ROOT, median, percentile, write_section

DURATION_S = 8.0
NAMES = ["Putin", "Trump", "Zelensky", "Macron", "Xi Jinping", "NATO", "sanctions", "the weather", "markets"]


def _articles(count: int, start_index: int):
    import warehouse

    rng = random.Random(start_index)
    base = datetime(2024, 1, 1, tzinfo=UTC)
    return [
        warehouse.FetchedArticle(
            guid=f"bench-{start_index + i}",
            url="",
            title=f"{rng.choice(NAMES)} and {rng.choice(NAMES)} in talks",
            summary=f"{rng.choice(NAMES)} said {rng.choice(NAMES)} would respond.",
            published_at=base + timedelta(minutes=rng.randrange(0, 60 * 24 * 365)),
        )
        for i in range(count)
    ]


def _writer(path: str, stop_at: float, naive: bool, results: mp.Queue) -> None:
    import duckdb

    import warehouse

    wh = warehouse.Warehouse(path)
    batches, errors, index = 0, 0, 10_000_000
    while time.monotonic() < stop_at:
        batch = _articles(200, index)
        index += 200
        try:
            if naive:
                connection = duckdb.connect(path)
                connection.executemany(
                    "INSERT INTO articles (source_id, identity_key, guid, url, title, summary, published_at,"
                    " date_quality, fetched_at) VALUES (1, ?, ?, '', ?, ?, ?, 'ok', now()::TIMESTAMP)",
                    [
                        [f"guid:{a.guid}", a.guid, a.title, a.summary, a.published_at.replace(tzinfo=None)]
                        for a in batch
                    ],
                )
                connection.close()
            else:
                warehouse.store_articles(wh, "Bench Outlet", batch)
            batches += 1
        except Exception:
            errors += 1
        time.sleep(0.05)
    results.put(("writer", batches, errors, []))


def _reader(path: str, stop_at: float, naive: bool, results: mp.Queue) -> None:
    import duckdb

    import warehouse

    wh = warehouse.Warehouse(path)
    latencies, errors = [], 0
    while time.monotonic() < stop_at:
        started = time.perf_counter()
        try:
            if naive:
                connection = duckdb.connect(path, read_only=True)
                connection.execute(
                    "SELECT date_trunc('day', published_at), count(*) FROM articles GROUP BY 1"
                ).fetchall()
                connection.close()
            else:
                warehouse.entity_series(wh, ["putin", "trump"], bucket="week")
            latencies.append((time.perf_counter() - started) * 1000)
        except Exception:
            errors += 1
    results.put(("reader", len(latencies), errors, latencies))


def _scenario(path: str, *, with_writer: bool, naive: bool) -> dict[str, float]:
    results: mp.Queue = mp.Queue()
    stop_at = time.monotonic() + DURATION_S
    processes = [mp.Process(target=_reader, args=(path, stop_at, naive, results)) for _ in range(2)]
    if with_writer:
        processes.append(mp.Process(target=_writer, args=(path, stop_at, naive, results)))
    for process in processes:
        process.start()
    collected = [results.get(timeout=DURATION_S + 60) for _ in processes]
    for process in processes:
        process.join()
    latencies = [value for kind, _, _, values in collected if kind == "reader" for value in values]
    reads = sum(count for kind, count, _, _ in collected if kind == "reader")
    read_errors = sum(errors for kind, _, errors, _ in collected if kind == "reader")
    writes = sum(count for kind, count, _, _ in collected if kind == "writer")
    write_errors = sum(errors for kind, _, errors, _ in collected if kind == "writer")
    return {
        "reads": reads,
        "read_errors": read_errors,
        "p50": median(latencies),
        "p95": percentile(latencies, 0.95),
        "write_batches_per_s": writes / DURATION_S,
        "write_errors": write_errors,
    }


def run() -> str:
    import warehouse

    folder = Path(tempfile.mkdtemp(prefix="newstally-bench-"))
    path = folder / "bench.duckdb"
    wh = warehouse.open_warehouse(
        path,
        watchlist_path=REPO_ROOT / "newstally" / "defaults" / "watchlist.toml",
        events_path=REPO_ROOT / "newstally" / "defaults" / "events.toml",
    )
    warehouse.store_articles(wh, "Bench Outlet", _articles(50_000, 0))
    rows = [
        ("flock discipline, no writer (baseline)", _scenario(str(path), with_writer=False, naive=False)),
        ("flock discipline, writer storing 200-article batches", _scenario(str(path), with_writer=True, naive=False)),
        ("naive short connections, no lock, writer inserting", _scenario(str(path), with_writer=True, naive=True)),
    ]
    lines = [
        f"50,000 articles, then {DURATION_S:.0f} s per scenario: 2 reader processes looping a weekly series query,",
        "optionally 1 writer process storing a 200-article batch every 50 ms.",
        "",
        "| scenario | reads | failed reads | read p50 ms | read p95 ms | write batches/s | failed writes |",
        "|---|---|---|---|---|---|---|",
    ]
    for label, figures in rows:
        lines.append(
            f"| {label} | {figures['reads']:.0f} | {figures['read_errors']:.0f} | {figures['p50']:.1f} |"
            f" {figures['p95']:.1f} | {figures['write_batches_per_s']:.1f} | {figures['write_errors']:.0f} |"
        )
    baseline, loaded = rows[0][1], rows[1][1]
    lines += ["", f"Read p50 under write load vs baseline: {loaded['p50'] / baseline['p50']:.2f}x."]
    return "\n".join(lines)


if __name__ == "__main__":
    body = run()
    write_section("Concurrency: readers beside a writer", body)
    print(body)
