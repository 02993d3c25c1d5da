"""Spikes, event lens and co-mentions on the 300,000-article demo corpus: how long an editor waits.

Usage: `python bench/analytics.py [WAREHOUSE]`. Without a warehouse file, the demo corpus
is generated into a temporary folder first (about a minute). Figures: median of 5
in-process runs of each call, and one `newstally spikes` from the shell.

`python bench/analytics.py --scale [WAREHOUSE]` measures the queries of issue 4 on the
1,000,000-article corpus that bench/tally.py stores (`NEWSTALLY_BENCH_TALLY_DB`, or the
file given; the 10,000,000-article one of `bench/scale.py build` too): `series` for a year
of daily data for 10 entities beside a bare DuckDB GROUP BY over the mentions table (the
floor), `spikes` for all entities, one event lens and the daily series of all entities
over all years. The section is named after the corpus size, so 1M and 10M keep their own.
`make bench` runs it when `NEWSTALLY_BENCH_TALLY_DB` is set.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from functools import partial
from pathlib import Path
from typing import TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import median, write_section

RUNS = 5
T = TypeVar("T")


def _timed(call: Callable[[], T]) -> tuple[float, T]:
    durations = []
    for _ in range(RUNS):
        started = time.perf_counter()
        result = call()
        durations.append(time.perf_counter() - started)
    return median(durations), result


def _measure(path: Path) -> str:
    import warehouse

    wh = warehouse.Warehouse(path)
    facts = warehouse.corpus_facts(wh)
    entity_ids = list(warehouse.list_entities(wh)["entity_id"])
    newest = facts.last_published_at.date() if facts.last_published_at else date.today()
    calendar = warehouse.list_events(wh)
    rows = []
    seconds, episodes = _timed(lambda: warehouse.spike_episodes(wh))
    rows.append((f"`spike_episodes`, all {len(entity_ids)} entities, whole corpus ({len(episodes)} episodes)", seconds))
    seconds, _ = _timed(lambda: warehouse.entity_series(wh, entity_ids))
    rows.append(("… of which the daily series of all entities (`entity_series`)", seconds))
    seconds, _ = _timed(lambda: warehouse.spike_episodes(wh, entity_ids=["putin"]))
    rows.append(("`spike_episodes`, one entity, whole corpus", seconds))
    seconds, _ = _timed(lambda: warehouse.spike_episodes(wh, since=date(newest.year, 1, 1)))
    rows.append(("`spike_episodes`, all entities, this year", seconds))
    lens_seconds = [_timed(partial(warehouse.event_lens, wh, event.event_id))[0] for event in calendar]
    rows.append((f"`event_lens`, all entities and outlets (median over {len(calendar)} events)", median(lens_seconds)))
    seconds, _ = _timed(lambda: warehouse.comention_matrix(wh))
    rows.append(("`comention_matrix`, last 28 days against the 28 before", seconds))
    seconds, _ = _timed(lambda: warehouse.comention_matrix(wh, start=date(2017, 1, 1), end=newest))
    rows.append(("`comention_matrix`, whole corpus", seconds))
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "newstally", "--db", str(path), "spikes", "--format", "csv"],
        check=True,
        capture_output=True,
    )
    rows.append(("`newstally spikes --format csv` from the shell, start-up included", time.perf_counter() - started))
    table = "\n".join(f"| {name} | {seconds:.2f} |" for name, seconds in rows)
    load = os.getloadavg()[0]
    return (
        f"{facts.articles:,} demo articles from {facts.sources} outlets, {len(entity_ids)} entities."
        f" Median of {RUNS} in-process runs (the shell row: one run); load average {load:.1f} at the end,"
        f" so on a busy machine expect these, on an idle one less.\n\n| call | seconds |\n|---|---|\n{table}\n"
    )


SCALE_RUNS = 7
# Issue 4's ceiling for a year of daily data for 10 entities, by corpus size.
SERIES_TARGET_MS = {1_000_000: 100, 10_000_000: 500}
SERIES_ENTITIES = 10
# The floor: what DuckDB needs at least to count a daily series from the tallies, no zero-filling, no totals.
_FLOOR_QUERY = """
SELECT date_trunc('day', a.published_at) AS day, m.entity_id, count(*) AS articles, sum(m.occurrences) AS mentions
FROM mentions m
JOIN articles a USING (article_id)
WHERE list_contains($entity_ids, m.entity_id) AND a.published_at >= $start_utc AND a.published_at < $end_utc
GROUP BY ALL
"""


def _interleaved(calls: dict[str, Callable[[], object]], runs: int) -> dict[str, float]:
    """Median seconds of each call, run in turn so a change of load hits them alike."""
    durations: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(runs):
        for name, call in calls.items():
            started = time.perf_counter()
            call()
            durations[name].append(time.perf_counter() - started)
    return {name: median(values) for name, values in durations.items()}


def _measure_scale(path: Path) -> str:
    from datetime import datetime, timedelta

    import duckdb

    import warehouse

    wh = warehouse.Warehouse(path)
    facts = warehouse.corpus_facts(wh)
    entity_ids = list(warehouse.list_entities(wh)["entity_id"])
    chosen = entity_ids[:SERIES_ENTITIES]
    first_day = facts.first_published_at.date() if facts.first_published_at else date(2017, 1, 1)
    last_day = first_day + timedelta(days=364)
    bounds = {
        "entity_ids": chosen,
        "start_utc": datetime.combine(first_day, datetime.min.time()),
        "end_utc": datetime.combine(last_day + timedelta(days=1), datetime.min.time()),
    }

    def floor() -> None:
        # A fresh connection, its opening not timed, closed at once: DuckDB shares an open
        # database with later connections, which would spare them the opening they pay.
        connection = duckdb.connect(str(path), read_only=True)
        try:
            started = time.perf_counter()
            connection.execute(_FLOOR_QUERY, bounds).fetchall()
            floor_durations.append(time.perf_counter() - started)
        finally:
            connection.close()

    def floor_fresh() -> None:
        with wh.reading() as connection:  # the flock and short read-only connection of every warehouse read
            connection.execute(_FLOOR_QUERY, bounds).fetchall()

    options = {
        "`--by-source`": {"by_source": True},
        "`--unique`": {"unique": True},
        "`--smooth 7`": {"smooth": 7},
        "`--complete`": {"completeness": True},
        "`--tz Europe/Berlin`": {"tz": "Europe/Berlin"},
    }
    floor_durations: list[float] = []
    series_runs = SCALE_RUNS if facts.articles <= 2_000_000 else 5  # each call is about 10x slower at 10M
    timed = _interleaved(
        {
            "floor": floor,
            "floor_fresh": floor_fresh,
            "series": partial(warehouse.entity_series, wh, chosen, start=first_day, end=last_day),
            **{
                name: partial(warehouse.entity_series, wh, chosen, start=first_day, end=last_day, **kwargs)
                for name, kwargs in options.items()
            },
        },
        series_runs,
    )
    series_s = {"floor": median(floor_durations), "floor_fresh": timed["floor_fresh"], "series": timed["series"]}
    option_s = {name: timed[name] for name in options}
    calendar = warehouse.list_events(wh)
    inside = [
        event
        for event in calendar
        if event.start_date - timedelta(days=40) >= first_day
        and event.end_date <= (facts.last_published_at or facts.first_published_at).date()
    ]
    lens_event = inside[-1] if inside else calendar[0]
    # At 10M articles a spikes run takes tens of seconds: three runs keep the benchmark within minutes.
    other_runs = 5 if facts.articles <= 2_000_000 else 3
    other_s = _interleaved(
        {
            "spikes": lambda: warehouse.spike_episodes(wh),
            "lens": partial(warehouse.event_lens, wh, lens_event.event_id),
            "all_series": partial(warehouse.entity_series, wh, entity_ids),
        },
        other_runs,
    )
    episodes = len(warehouse.spike_episodes(wh))
    floor, floor_fresh_s, series = series_s["floor"], series_s["floor_fresh"], series_s["series"]
    load = os.getloadavg()[0]
    rows = [
        f"| bare `GROUP BY` over mentions ⋈ articles, the query alone (the floor) | {floor * 1000:.0f} | 1.00x |",
        f"| the same with its opening: `Warehouse.reading()` (flock, read-only connection) |"
        f" {floor_fresh_s * 1000:.0f} | {floor_fresh_s / floor:.2f}x |",
        f"| `entity_series`: zero-filled, totals and share, labelled | {series * 1000:.0f} | {series / floor:.2f}x |",
        *(
            f"| `entity_series` with {name} | {seconds * 1000:.0f} | {seconds / floor:.2f}x |"
            for name, seconds in option_s.items()
        ),
        f"| `spike_episodes`, all {len(entity_ids)} entities, whole corpus ({episodes} episodes) |"
        f" {other_s['spikes'] * 1000:.0f} | |",
        f"| `event_lens` {lens_event.event_id}, all entities and outlets | {other_s['lens'] * 1000:.0f} | |",
        f"| `entity_series`, all {len(entity_ids)} entities, daily, all years | {other_s['all_series'] * 1000:.0f} | |",
    ]
    target_ms = SERIES_TARGET_MS.get(facts.articles)
    target = f" under {target_ms} ms at {facts.articles:,} articles" if target_ms else ""
    newest_day = facts.last_published_at.date() if facts.last_published_at else last_day
    filled = (
        "the corpus covers all of it"
        if newest_day >= last_day
        else f"the corpus fills the first {(newest_day - first_day).days + 1} days of it"
    )
    return (
        f"{facts.articles:,} demo articles from {facts.sources} outlets ({first_day} to"
        f" {facts.last_published_at.date() if facts.last_published_at else '?'}), stored by bench/tally.py. Series:"
        f" {len(chosen)} entities ({', '.join(chosen)}), daily, {first_day} to {last_day} (a year; {filled}), UTC."
        f" Median of {series_runs} runs; the series rows run in turn, so a change of load hits"
        f" them alike (the last three rows: median of {other_runs}, run after them). The machine was shared with"
        f" other sessions (load average {load:.1f} at the end): read the ratios more than the milliseconds.\n\n"
        "| call | ms | vs floor |\n|---|---|---|\n" + "\n".join(rows) + "\n\n"
        f"Targets (issue 4): series within 1.5x the floor{target}."
        f" Measured: {series / floor:.2f}x the bare query, {series / floor_fresh_s:.2f}x the floor read the way every"
        f" warehouse read must (opening a read-only connection under the lock);"
        f" {series * 1000:.0f} ms.\n"
    )


def _scale_section(path: Path) -> str:
    import warehouse

    articles = warehouse.corpus_facts(warehouse.Warehouse(path)).articles
    return f"Analytics at {articles:,} articles: series against the GROUP BY floor"


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--scale":
        prepared = sys.argv[2] if len(sys.argv) > 2 else os.environ.get("NEWSTALLY_BENCH_TALLY_DB")
        if not prepared:
            raise SystemExit("give the 1M warehouse: --scale PATH or NEWSTALLY_BENCH_TALLY_DB (see bench/tally.py)")
        body = _measure_scale(Path(prepared))
        write_section(_scale_section(Path(prepared)), body)
        print(body)
        return
    if os.environ.get("NEWSTALLY_BENCH_TALLY_DB") and len(sys.argv) == 1:
        body = _measure_scale(Path(os.environ["NEWSTALLY_BENCH_TALLY_DB"]))
        write_section(_scale_section(Path(os.environ["NEWSTALLY_BENCH_TALLY_DB"])), body)
        print(body)
    if len(sys.argv) > 1:
        body = _measure(Path(sys.argv[1]))
    else:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "demo.duckdb"
            subprocess.run([sys.executable, "-m", "newstally", "--db", str(path), "demo"], check=True)
            body = _measure(path)
    write_section("Analytics: spikes, event lens, co-mentions", body)
    print(body)


if __name__ == "__main__":
    main()
