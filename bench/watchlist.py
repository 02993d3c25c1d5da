"""Saving a new entity from the dashboard: its whole history tallied, and its line read, against a full retally.

Usage: `python bench/watchlist.py [--articles N]`. The corpus is the demo history of
bench/tally.py (`generate_history`, 4,000 a day), stored with `store_articles` into a
temporary folder, or a copy of the warehouse named by `NEWSTALLY_BENCH_TALLY_DB` when set
(the benchmark writes to it).

Timed, each RUNS times with a different new entity: `save_entity` (a new version, the
entity counted over every article, its slot rollups rebuilt, one transaction: what the
Watchlist page's "Save entity" button runs), then the entity's daily line over all days
(`entity_series`, what Trends draws next); an edit of the entity's aliases; retiring it.
Against them, one full `retally` of the same watchlist. Target (issue 15): a new entity's
full history on the chart in under 10 s at 1M articles.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import median, write_section

SECTION = "Watchlist: saving a new entity, its whole history tallied"
ARTICLES = 1_000_000
TARGET_SECONDS = 10.0
# New entities as an editor would save them from a query: a phrase, words, word forms, an exclusion.
ENTITIES = (
    ("summit_talks", ["summit", "summit talks", "Helsinki"], []),
    ("interest_rates", ["interest rate*", "central bank"], ["central bank digital currency"]),
    ("hacking", ["ransomware", "hack*", "cyber attack*"], []),
)


def _corpus(count: int) -> tuple[Path, str]:
    import warehouse
    from bench.tally import WATCHLIST, _store_demo_corpus

    folder = Path(tempfile.mkdtemp(prefix="newstally-bench-watchlist-"))
    path = folder / "bench.duckdb"
    prepared = os.environ.get("NEWSTALLY_BENCH_TALLY_DB")
    if prepared:
        shutil.copyfile(prepared, path)
        return path, "a copy of a warehouse stored by an earlier run (`NEWSTALLY_BENCH_TALLY_DB`)"
    wh = warehouse.open_warehouse(path, watchlist_path=WATCHLIST, events_path=None)
    started = time.perf_counter()
    _store_demo_corpus(wh, count, progress=lambda n: print(f"stored {n:,}", file=sys.stderr, flush=True))
    return path, f"stored in {time.perf_counter() - started:.0f} s with `store_articles` (tally on arrival included)"


def _measure(path: Path, stored_how: str) -> str:
    import warehouse
    from bench.tally import WATCHLIST

    wh = warehouse.Warehouse(path)
    facts = warehouse.corpus_facts(wh)
    rows, totals, edits, retires = [], [], [], []
    for entity_id, aliases, exclude in ENTITIES:
        started = time.perf_counter()
        change = warehouse.save_entity(
            wh, entity_id=entity_id, name=entity_id, kind="theme", aliases=aliases, exclude=exclude
        )
        saved = time.perf_counter() - started
        series = warehouse.entity_series(wh, [entity_id], bucket="day")
        total = time.perf_counter() - started
        assert change.mode == "entities", change
        totals.append(total)
        started = time.perf_counter()
        warehouse.save_entity(
            wh, entity_id=entity_id, name=entity_id, kind="theme", aliases=aliases[:-1], exclude=exclude, new=False
        )
        edits.append(time.perf_counter() - started)
        started = time.perf_counter()
        warehouse.retire_entity(wh, entity_id)
        retires.append(time.perf_counter() - started)
        rows.append(
            f"| `{entity_id}`: {', '.join(f'`{a}`' for a in aliases)}"
            + (f" not {', '.join(f'`{x}`' for x in exclude)}" if exclude else "")
            + f" | {int(series['articles'].sum()):,} | {change.mention_rows:,} | {saved:.2f} | {total - saved:.2f}"
            f" | {total:.2f} |"
        )
    started = time.perf_counter()
    warehouse.retally(wh, WATCHLIST)
    full = time.perf_counter() - started
    problems = warehouse.check_integrity(wh, recount_articles=10_000)
    load = os.getloadavg()[0]
    verdict = "met" if max(totals) < TARGET_SECONDS else "not met"
    return f"""
{facts.articles:,} demo articles from {facts.sources} outlets, {stored_how}. Each new entity is saved with
`save_entity` (what the Watchlist page's "Save entity" runs: a new version, the entity counted over every
article in SQL with a watchlist of that entity alone, its slot rollups rebuilt, one transaction), then its
daily line over all days is read with `entity_series` (what Trends draws next). Load average {load:.1f} at the
end (2 cores shared with other sessions).

| new entity | articles on its line | mention rows | save (tally + rollups), s | its daily line, s | total, s |
|---|---|---|---|---|---|
{chr(10).join(rows)}

Editing one of them (an alias fewer): median {median(edits):.2f} s; retiring it: median {median(retires):.2f} s.
A full `retally` of the shipped watchlist (27 entities) on the same warehouse: {full:.2f} s.
`newstally check` after all of it (newest 10,000 articles recounted, rollups recounted): {len(problems)} problems.

Target (issue 15): a saved entity's full history on the chart under {TARGET_SECONDS:.0f} s at 1M articles: {verdict}
(slowest {max(totals):.2f} s). The incremental tally is one RE2 scan of every title and summary for the
entity's aliases, so its cost is the floor of the Queries section, not the size of the watchlist.
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=ARTICLES)
    parser.add_argument("--no-write", action="store_true", help="print the section instead of writing it")
    args = parser.parse_args()
    path, stored_how = _corpus(args.articles)
    try:
        body = _measure(path, stored_how)
    finally:
        shutil.rmtree(path.parent, ignore_errors=True)
    if args.no_write:
        print(body)
    else:
        write_section(SECTION, body)
        print(body)


if __name__ == "__main__":
    main()
