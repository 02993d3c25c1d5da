"""Tallying speed: a full retally in SQL against the Python reference matcher and a pandas baseline.

Corpus: the demo generator at a high daily rate (realistic titles and summaries, about
140 characters an article), stored with `warehouse.store_articles`. Figures:
- `newstally retally` (one write transaction: SQL tally of every article), median of 3;
- the Python matcher (`Watchlist.find_mentions`) on a sample, scaled up;
- what an analyst would write by hand: pandas ``str.contains`` per alias with ``\\b``
  boundaries (which article mentions it), on a sample, scaled up (it does not even apply
  the exclusions);
- small batches, SQL against Python, which sets `PYTHON_TALLY_MAX_ARTICLES`.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import REPO_ROOT, median, store_stories, write_section

SECTION = "Tallying: SQL retally against Python and pandas"
WATCHLIST = REPO_ROOT / "newstally" / "defaults" / "watchlist.toml"
ARTICLES = 1_000_000
RUNS = 3
SAMPLE = 20_000


def _store_demo_corpus(wh, count: int, progress: Callable[[int], None] | None = None) -> int:
    """Store `count` demo articles, 200,000 at a time; `progress` hears the running total after each."""
    from ingest import generate_history

    stories = generate_history(7, date(2017, 1, 1), datetime(2030, 1, 1, tzinfo=UTC), articles_per_day=4_000)
    return store_stories(wh, stories, count, chunk=200_000, progress=progress)


def _sample(wh, size: int) -> list[tuple[int, str, str]]:
    with wh.reading() as connection:
        return connection.execute(
            "SELECT article_id, title, summary FROM articles ORDER BY hash(article_id) LIMIT ?", [size]
        ).fetchall()


def _pandas_seconds(watchlist, sample: list[tuple[int, str, str]]) -> float:
    import pandas as pd

    text = pd.Series([f"{title}\n{summary}" for _, title, summary in sample])
    started = time.perf_counter()
    for entity in watchlist.entities:
        for alias in entity.aliases:
            stem = re.escape(alias.rstrip("*")) + (r"\w*" if alias.endswith("*") else "")
            text.str.contains(rf"\b{stem}\b", flags=0 if entity.case_sensitive else re.IGNORECASE)
    return time.perf_counter() - started


def _small_batches(watchlist, sample: list[tuple[int, str, str]]) -> list[tuple[int, float, float]]:
    import duckdb

    from warehouse.counting.tally import mention_rows, tally_articles
    from warehouse.engine.db import migrate

    rows = []
    for size in (20, 200, 2_000, 20_000):
        batch = sample[:size]
        started = time.perf_counter()
        mention_rows(watchlist, batch)
        python_s = time.perf_counter() - started
        # The same articles in an in-memory warehouse, so the timing is the tally alone.
        connection = duckdb.connect()
        migrate(connection)
        connection.executemany(
            "INSERT INTO articles (article_id, source_id, identity_key, guid, url, title, summary, published_at,"
            " date_quality, fetched_at) VALUES (?, 1, ?, '', '', ?, ?, now()::TIMESTAMP, 'ok', now()::TIMESTAMP)",
            [[article_id, str(article_id), title, summary] for article_id, title, summary in batch],
        )
        started = time.perf_counter()
        tally_articles(connection, watchlist, [article_id for article_id, _, _ in batch])
        sql_s = time.perf_counter() - started
        connection.close()
        rows.append((size, python_s, sql_s))
    return rows


def section_name(articles: int) -> str:
    """The 1M section keeps its name; a corpus of another size (bench/scale.py's 10M) gets its own."""
    return SECTION if articles == ARTICLES else f"{SECTION} at {articles:,} articles"


def run(count: int = ARTICLES) -> str:
    return measure(count)[1]


def measure(count: int = ARTICLES) -> tuple[int, str]:
    """The corpus size and the section's body."""
    import resource

    import warehouse
    from warehouse.counting.patterns import sql_match_plan
    from warehouse.counting.tally import mention_rows
    from warehouse.engine.db import DEFAULT_MEMORY_LIMIT, MEMORY_LIMIT_VARIABLE

    prepared = os.environ.get("NEWSTALLY_BENCH_TALLY_DB")  # reuse a corpus stored by an earlier run
    path = Path(prepared) if prepared else Path(tempfile.mkdtemp(prefix="newstally-bench-tally-")) / "bench.duckdb"
    wh = warehouse.open_warehouse(path, watchlist_path=WATCHLIST, events_path=None)
    started = time.perf_counter()
    stored = warehouse.corpus_facts(wh).articles if prepared else _store_demo_corpus(wh, count)
    store_s = time.perf_counter() - started
    watchlist = warehouse.load_watchlist(WATCHLIST)
    plan = sql_match_plan(watchlist)

    retally_times, rows_written = [], 0
    for _ in range(RUNS):
        started = time.perf_counter()
        _, rows_written = warehouse.retally(wh, WATCHLIST)
        retally_times.append(time.perf_counter() - started)
    retally_s = median(retally_times)
    retally_peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    load = os.getloadavg()[0]
    print(f"stored {stored:,} in {store_s:.0f} s; retally {retally_times}", file=sys.stderr, flush=True)

    sample = _sample(wh, SAMPLE)
    python_times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        mention_rows(watchlist, sample)
        python_times.append(time.perf_counter() - started)
    python_s = median(python_times) * stored / len(sample)
    pandas_sample = sample[: SAMPLE // 4]
    pandas_s = _pandas_seconds(watchlist, pandas_sample) * stored / len(pandas_sample)
    small = _small_batches(watchlist, sample)
    size_mb = path.stat().st_size / 1e6

    cap = os.environ.get(MEMORY_LIMIT_VARIABLE) or DEFAULT_MEMORY_LIMIT
    stored_how = "stored by an earlier run (`NEWSTALLY_BENCH_TALLY_DB`)" if prepared else f"stored in {store_s:.0f} s"
    lines = [
        f"{stored:,} demo articles (`generate_history`, 4,000 a day), {stored_how} with",
        f"`store_articles` (tally on arrival included); database file {size_mb:,.0f} MB. Watchlist: the shipped one,",
        f"{len(watchlist.entities)} entities, {sum(len(e.aliases) for e in watchlist.entities)} aliases,"
        f" {sum(len(e.exclude) for e in watchlist.entities)} exclusions; SQL plan: one scan of every article,"
        f" {len(plan.exact_passes)} exact passes for the flagged ones; a retally also rebuilds the series rollups, and"
        f" runs under the warehouse's DuckDB memory cap ({cap})."
        " Target (issue 4): a full retally in at most"
        f" 2 s at 1M articles, 20 s at 10M. Peak RSS of this process after the retallies: {retally_peak_mb:,.0f} MB"
        f"{'' if prepared else ' (storing included)'}; load average {load:.1f} after them.",
        "",
        "| tally of every article | seconds | articles/s | vs SQL retally |",
        "|---|---|---|---|",
        f"| `retally`, SQL engine (median of {RUNS}, {rows_written:,} mention rows) | {retally_s:.1f} |"
        f" {stored / retally_s:,.0f} | 1.0x |",
        f"| Python reference matcher, {len(sample):,}-article sample scaled up | {python_s:.1f} |"
        f" {stored / python_s:,.0f} | {python_s / retally_s:.1f}x slower |",
        f"| pandas `str.contains` per alias (no exclusions), {len(pandas_sample):,}-article sample scaled up |"
        f" {pandas_s:.1f} | {stored / pandas_s:,.0f} | {pandas_s / retally_s:.1f}x slower |",
        "",
        "Small batches (on-arrival tally), seconds:",
        "",
        "| articles | Python | SQL |",
        "|---|---|---|",
        *[f"| {size:,} | {py:.3f} | {sql:.3f} |" for size, py, sql in small],
    ]
    return stored, "\n".join(lines)


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else ARTICLES
    stored, body = measure(count)
    write_section(section_name(stored), body)
    print(body)


if __name__ == "__main__":
    main()
