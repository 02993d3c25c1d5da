"""Spikes, event lens and co-mentions on the 300,000-article demo corpus: how long an editor waits.

Usage: `python bench/analytics.py [WAREHOUSE]`. Without a warehouse file, the demo corpus
is generated into a temporary folder first (about a minute). Figures: median of 5
in-process runs of each call, and one `newstally spikes` from the shell.
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


def main() -> None:
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
