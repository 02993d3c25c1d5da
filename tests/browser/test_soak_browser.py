"""The soak with the dashboard as users see it: ingest, three browser sessions, series and exports at once.

A local server publishes a new item on every feed each second; the scheduler and a loop
of `newstally fetch --force` ingest it into one DuckDB file, while the real `streamlit run`
dashboard serves three headless-Chromium sessions reloading Trends and Sources, and
`newstally series` and `newstally export` run in loops beside the dashboard's queries.
No command, query or page load may fail, every export is a consistent snapshot, and in
the end the warehouse holds exactly the items published, each once. Latencies are printed
(`pytest -s`); bench/soak.py runs the full size with a baseline and writes the figures.

CI soaks for 20 s over 40 feeds; NEWSTALLY_SOAK_SECONDS=300 NEWSTALLY_SOAK_FEEDS=200
is the full-size run.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

import warehouse
from tests.browser.dashboard_server import requires_chromium, running_dashboard
from tests.browser.soak_sessions import SESSIONS, browse, first_load
from tests.conftest import SHIPPED_WATCHLIST
from tests.integration.feed_server import running_feed_server
from tests.integration.soak_load import (
    FEEDS,
    SOAK_SECONDS,
    Publisher,
    Recorder,
    command_loop,
    daily_counts,
    export_command,
    export_problems,
    lock_errors,
    newstally,
    percentiles,
    query_loop,
    run_newstally,
    series_command,
    serve_feeds,
    soak_while_scheduling,
    start_scheduler,
    stored_urls,
)

pytestmark = [
    pytest.mark.browser,
    # The configured limit guards against a hung test; a longer soak (the option) moves it along.
    pytest.mark.timeout(max(300, int(SOAK_SECONDS * 3) + 300)),
]


@requires_chromium
def test_three_browser_sessions_beside_ingest_and_exports_fail_nothing_and_store_exactly_what_was_published(
    tmp_path: Path,
):
    db = tmp_path / "newstally.duckdb"
    exports = tmp_path / "exports"
    exports.mkdir()
    wh = warehouse.open_warehouse(db, watchlist_path=SHIPPED_WATCHLIST)
    publisher = Publisher(FEEDS)
    recorder = Recorder()
    stop = threading.Event()

    with running_feed_server() as server:
        serve_feeds(server, publisher, wh)
        seeded = run_newstally(db, "fetch", "--force")
        assert seeded.returncode == 0, seeded.stderr
        with running_dashboard(db, tmp_path / "streamlit.log") as url:
            first_load(url)  # the server's first run imports everything: not what the soak is about
            scheduler = start_scheduler(db)
            workers = [
                threading.Thread(target=browse, args=(url, recorder, "page load", stop)),
                threading.Thread(
                    target=command_loop,
                    args=(recorder, "fetch command", lambda n: newstally(db, "fetch", "--force"), stop),
                ),
                threading.Thread(target=command_loop, args=(recorder, "series command", series_command(db), stop)),
                threading.Thread(
                    target=command_loop, args=(recorder, "export command", export_command(db, exports), stop)
                ),
                threading.Thread(target=query_loop, args=(recorder, wh, "dashboard query", stop)),
            ]
            scheduler_log = soak_while_scheduling(workers, publisher, stop, scheduler)
        final = run_newstally(db, "fetch", "--force")
        assert final.returncode == 0, final.stderr
        last_export = run_newstally(db, "export", "--out", str(exports / "export-final.csv"))
        assert last_export.returncode == 0, last_export.stderr
    server_log = (tmp_path / "streamlit.log").read_text(errors="replace")

    for name, samples in sorted(recorder.latencies.items()):
        print(f"browser soak {SOAK_SECONDS:.0f} s, {FEEDS} feeds: {name} {percentiles(samples)}")
    assert recorder.failures == []
    assert lock_errors([scheduler_log, server_log]) == 0
    assert "Traceback" not in server_log, server_log[-2000:]
    assert scheduler.returncode == 0, scheduler_log[-2000:]
    assert "Traceback" not in scheduler_log, scheduler_log[-2000:]
    assert recorder.counts["page load"] >= SESSIONS, "each session loads a page before it looks at the stop sign"
    assert recorder.counts["export command"] >= 1
    urls = stored_urls(wh)
    assert len(urls) == len(set(urls)), "an item was stored twice"
    assert set(urls) == publisher.published_urls(), "an item was lost or invented"
    published_per_day = publisher.articles_per_day()
    assert export_problems(sorted(exports.glob("export-*.csv")), published_per_day) == []
    final_totals = {day: rows["putin"][2] for day, rows in daily_counts(exports / "export-final.csv").items()}
    assert final_totals == published_per_day
    assert warehouse.check_integrity(wh, watchlist_path=SHIPPED_WATCHLIST, recount_articles=None) == []
