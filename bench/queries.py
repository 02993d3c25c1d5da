"""Ad-hoc queries over the whole history: a query's daily line against the regular-expression floor.

Usage: `python bench/queries.py [--articles N]`. The corpus is the demo history of
bench/tally.py (`generate_history`, 4,000 a day), stored with `store_articles` into a
temporary folder, or the warehouse named by `NEWSTALLY_BENCH_TALLY_DB` when set.

For each query: `entity_series(wh, [], queries=[q])`, daily, all years, UTC (parse, the
scan, the exact passes, zero-filling, totals and share, labelled), against the floor
measured in the same run: DuckDB counting the same regular expression (the query's
first-pass RE2 pattern) over titles and summaries, grouped by day, nothing else, on a
fresh read-only connection whose opening is not timed. Median of RUNS runs, taken in
turn so a change of load hits both alike; then one `newstally series --query` from the
shell, start-up included. Targets (issue 15): under 1 s and within 2x the floor at 1M; under 5 s at 10M
(a corpus of 5M or more gets its own section, "... at N articles").
`rising --window 7d` is timed too (issue 15: under 2 s at 1M).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import median, write_section

SECTION = "Queries: a query's daily line against the regular-expression floor"
ARTICLES = 1_000_000
RUNS = 5
QUERIES = (
    "Putin",
    '(sanction* OR "troll farm*" OR ransomware) AND (Trump OR Putin) -Crimea',
    'title:"interest rates" OR "central bank"',
)
TARGET_SECONDS = 1.0
TARGET_RATIO = 2.0
# At 10M the issue asks for the line under 5 s, and the corpus gets a section of its own, as the other 10M ones.
LARGE_CORPUS = 5_000_000
LARGE_TARGET_SECONDS = 5.0
_FLOOR_QUERY = """
SELECT date_trunc('day', published_at) AS day,
       count(*) FILTER (WHERE regexp_matches(title, $pattern) OR regexp_matches(summary, $pattern)) AS articles
FROM articles
GROUP BY ALL
"""


def _corpus(count: int) -> tuple[Path, str]:
    import warehouse
    from bench.tally import WATCHLIST, _store_demo_corpus

    prepared = os.environ.get("NEWSTALLY_BENCH_TALLY_DB")
    if prepared:
        return Path(prepared), "stored by an earlier run (`NEWSTALLY_BENCH_TALLY_DB`)"
    path = Path(tempfile.mkdtemp(prefix="newstally-bench-queries-")) / "bench.duckdb"
    wh = warehouse.open_warehouse(path, watchlist_path=WATCHLIST, events_path=None)
    started = time.perf_counter()
    _store_demo_corpus(wh, count, progress=lambda n: print(f"stored {n:,}", file=sys.stderr, flush=True))
    return path, f"stored in {time.perf_counter() - started:.0f} s with `store_articles` (tally on arrival included)"


def _floor_pattern(query: str) -> str:
    from warehouse.counting.patterns import sql_match_plan
    from warehouse.counting.queries import _counting, parse_query

    return sql_match_plan(_counting([parse_query(query)]).watchlist).first_pass.extract_pattern


def _section(articles: int) -> str:
    return SECTION if articles < LARGE_CORPUS else f"{SECTION} at {articles:,} articles"


def _measure(path: Path, stored_how: str) -> tuple[str, str]:
    """The section's name and body."""
    import duckdb

    import warehouse
    from warehouse.counting import remembered

    wh = warehouse.Warehouse(path)
    facts = warehouse.corpus_facts(wh)
    large = facts.articles >= LARGE_CORPUS
    target_seconds = LARGE_TARGET_SECONDS if large else TARGET_SECONDS
    rows = []
    under_target, within_ratio = [], []
    for query in QUERIES:
        pattern = _floor_pattern(query)
        floor_durations: list[float] = []
        series_durations: list[float] = []
        again_durations: list[float] = []
        days = 0
        for _ in range(RUNS):
            connection = duckdb.connect(str(path), read_only=True)
            try:
                started = time.perf_counter()
                connection.execute(_FLOOR_QUERY, {"pattern": pattern}).fetchall()
                floor_durations.append(time.perf_counter() - started)
            finally:
                connection.close()
            remembered.forget_all()  # a query not asked before in this process: its text is read
            started = time.perf_counter()
            frame = warehouse.entity_series(wh, [], queries=[query])
            series_durations.append(time.perf_counter() - started)
            days = len(frame)
            started = time.perf_counter()
            warehouse.entity_series(wh, [], queries=[query], bucket="week", tz="Europe/Berlin")
            again_durations.append(time.perf_counter() - started)
        matched = int(frame["articles"].sum())
        floor_s, series_s = median(floor_durations), median(series_durations)
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "newstally", "--db", str(path), "series", "--query", query],
            check=True,
            capture_output=True,
        )
        shell_s = time.perf_counter() - started
        ratio = series_s / floor_s
        under_target.append(series_s < target_seconds)
        within_ratio.append(ratio <= TARGET_RATIO)
        rows.append(
            f"| `{query}` | {matched:,} | {days:,} | {floor_s * 1000:,.0f} | {series_s * 1000:,.0f} | {ratio:.2f}x"
            f" | {median(again_durations) * 1000:,.0f} | {shell_s:.2f} |"
        )
        print(rows[-1], file=sys.stderr, flush=True)
    rising_durations = []
    for _ in range(RUNS):
        started = time.perf_counter()
        report = warehouse.rising_terms(wh, window_days=7)
        rising_durations.append(time.perf_counter() - started)
    rising_s = median(rising_durations)
    load = os.getloadavg()[0]
    ratios = "met" if all(within_ratio) else "not met for every query"
    seconds = "met" if all(under_target) else "not met for every query"
    if large:
        targets = f"Target (issue 15) at 10,000,000 articles: a query line under {target_seconds:.0f} s: {seconds}."
    else:
        targets = (
            f"Targets (issue 15) at 1,000,000 articles: a query line within {TARGET_RATIO:.0f}x the floor: {ratios};"
            f" under {target_seconds:.0f} s: {seconds}; `rising` for the last week under 2 s:"
            f" {'met' if rising_s < 2 else 'not met'}."
        )
    return _section(facts.articles), (
        f"{facts.articles:,} demo articles from {facts.sources} outlets"
        f" ({facts.first_published_at:%Y-%m-%d} to {facts.last_published_at:%Y-%m-%d}), {stored_how}."
        f" Each query's line: `entity_series(wh, [], queries=[q])`, daily, all years, UTC. The floor: DuckDB"
        " counting the same regular expression (the query's first-pass RE2 pattern) over titles and summaries,"
        " grouped by day, nothing else, on a fresh read-only connection (opening not timed). Median of"
        f" {RUNS} runs taken in turn, each after the process forgot the matches it remembers"
        " (`warehouse/counting/remembered.py`), so every line reads the text; *asked again*: the same query"
        " weekly in Europe/Berlin right after, as a dashboard asks it, answered from the remembered matches."
        " The shell column is one `newstally series --query` run, start-up included."
        f" Load average {load:.1f} at the end (2 cores shared with other sessions): read the ratios more than"
        " the milliseconds.\n\n"
        "| query | articles matched | days | floor, ms | series, ms | vs floor | asked again, ms | shell, s |\n"
        "|---|---|---|---|---|---|---|---|\n" + "\n".join(rows) + "\n\n"
        f"`rising_terms(window_days=7)` (words and two-word phrases of the last week's titles against the 28"
        f" days before; {len(report.rows)} terms listed): {rising_s * 1000:,.0f} ms, median of {RUNS}.\n\n"
        f"{targets}\n"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=ARTICLES, help="corpus size (default 1,000,000)")
    parser.add_argument("--no-write", action="store_true", help="print the section instead of writing it")
    args = parser.parse_args()
    path, stored_how = _corpus(args.articles)
    section, body = _measure(path, stored_how)
    if not args.no_write:
        write_section(section, body)
    print(body)


if __name__ == "__main__":
    main()
