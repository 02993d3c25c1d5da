"""Alerts (issue 16): from a feed item to the alert at a receiver, and one evaluation pass of 50 rules.

1. Latency. A feed on a local HTTP server (127.0.0.1), a JSON webhook receiver on 127.0.0.1, and
   `newstally schedule` at its default interval (a pass every 60 s; a feed on this machine is due
   again a minute after each fetch, ingest.pacing.LOCAL_INTERVAL), which runs an alerts pass after
   every fetch pass. The outlet has eight weeks of quiet history (so "usual" exists) and a quiet day
   so far; each run publishes a handful of items about one leader in the feed at once, and
   measures from publishing to the alert's POST arriving at the receiver. Each run watches another
   leader (its own rule, cooldown 0), so each is a new episode.
2. One pass. `alerts.run_pass(..., dry_run=True)` with 50 spike rules (every entity of the shipped
   watchlist, then again in other time zones; a second row with 10 of the 50 on queries) on
   ARTICLES demo articles (bench/tally.py's corpus, 4,000 a day), judged at noon of its last whole day.
   Dry: nothing is recorded or sent, so every pass does the same work; a rule that is far above
   usual still reads its episode, headlines and completeness.

Run: .venv/bin/python bench/alerts.py [--runs N] [--articles N] [--db PATH] [--only latency|pass] [--results F]
(`--db` keeps the built corpus for another run; without it a temporary file is used. With `--results`,
the parts can run apart and still write one section.)
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import REPO_ROOT, median, write_section

SECTION = "Alerts: feed item to alert, and one pass of 50 rules"
WATCHLIST = REPO_ROOT / "newstally" / "defaults" / "watchlist.toml"
EVENTS = REPO_ROOT / "newstally" / "defaults" / "events.toml"
SCHEDULER_INTERVAL_SECONDS = 60  # `newstally schedule`'s default --interval
RUNS = 3
ITEMS_PER_RUN = 10  # items about the leader published at once (a rule needs 5 articles)
BASELINE_DAYS = 57  # eight weeks and a day of history before today
BASELINE_PER_DAY = 48  # two quiet articles an hour
ARTICLES = 1_000_000
RULES = 50
QUERY_RULES = 10
PASSES = 3
LEADERS = ["putin", "trump", "macron", "scholz", "erdogan", "modi", "netanyahu"]
QUERIES = [
    "putin AND (summit OR talks)",
    "trump AND tariffs",
    '"trade war" OR tariffs',
    "nato AND NOT trump",
    "sanctions AND (russia OR iran)",
    "macron OR scholz OR merz",
    "xi AND taiwan",
    "zelensky AND (aid OR weapons)",
    "election* AND NOT poll*",
    "climate AND summit",
]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _alias_and_name(entity_id: str) -> tuple[str, str]:
    """The entity's first alias (what the items say) and its name (what the alert's title says)."""
    watchlist = tomllib.loads(WATCHLIST.read_text(encoding="utf-8"))
    for entry in watchlist.get("leader", []) + watchlist.get("theme", []):
        if entry["id"] == entity_id:
            return entry["aliases"][0], entry["name"]
    raise KeyError(entity_id)


# --- 1. from a feed item to the alert ------------------------------------------------------------


class _Feed:
    """An RSS feed whose items the benchmark adds while the scheduler polls it."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.items: list[tuple[str, str, datetime]] = []  # (guid, title, published)
        self.lock = threading.Lock()
        self.requests = 0

    def publish(self, titles: list[str], at: datetime) -> None:
        with self.lock:
            for title in titles:
                self.items.append((f"item-{len(self.items)}", title, at))

    def body(self) -> bytes:
        with self.lock:
            self.requests += 1
            items = "".join(
                f"<item><title>{title}</title><link>{self.base}/{guid}</link><guid>{guid}</guid>"
                f"<description>{title}.</description><pubDate>{format_datetime(at)}</pubDate></item>"
                for guid, title, at in self.items[-100:]
            )
        return (
            '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Bench Wire</title>'
            f"<link>{self.base}/</link><description>bench</description>{items}</channel></rss>"
        ).encode()


@contextmanager
def _serving(feed_holder: list[_Feed], arrivals: list[tuple[float, dict]]) -> Iterator[tuple[int, int]]:
    """The feed server and the webhook receiver on 127.0.0.1: (feed port, receiver port)."""

    class FeedHandler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = feed_holder[0].body()
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            arrived = time.time()
            payload = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
            arrivals.append((arrived, payload))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    servers = [ThreadingHTTPServer(("127.0.0.1", 0), FeedHandler), ThreadingHTTPServer(("127.0.0.1", 0), Receiver)]
    threads = [threading.Thread(target=server.serve_forever, daemon=True) for server in servers]
    for thread in threads:
        thread.start()
    try:
        yield servers[0].server_address[1], servers[1].server_address[1]
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()


def _quiet_history(wh, now: datetime) -> int:
    """Eight weeks of quiet articles from Bench Wire and today's so far: no leader in them."""
    import warehouse

    first = (now - timedelta(days=BASELINE_DAYS)).replace(hour=0, minute=0, second=0, microsecond=0)
    step = timedelta(days=1) / BASELINE_PER_DAY
    articles: list[warehouse.FetchedArticle] = []
    moment = first
    while moment < now - timedelta(minutes=5):
        number = len(articles)
        title = f"Harbour works and council budget, report {number}"
        articles.append(
            warehouse.FetchedArticle(
                guid=f"history-{number}",
                url=f"https://bench-wire.example/history/{number}",
                title=title,
                summary=f"{title}: the usual local news of the day.",
                published_at=moment,
            )
        )
        moment += step
    return warehouse.store_articles(wh, "Bench Wire", articles)


def measure_latency(runs: int) -> dict:
    import warehouse
    from alerts import add_spike_rule

    leaders = LEADERS[:runs]
    with tempfile.TemporaryDirectory(prefix="bench-alerts-") as scratch:
        path = Path(scratch) / "newstally.duckdb"
        wh = warehouse.open_warehouse(path, watchlist_path=WATCHLIST, events_path=EVENTS)
        history = _quiet_history(wh, datetime.now(UTC))
        arrivals: list[tuple[float, dict]] = []
        holder: list[_Feed] = []
        with _serving(holder, arrivals) as (feed_port, receiver_port):
            feed = _Feed(f"http://127.0.0.1:{feed_port}")
            holder.append(feed)
            warehouse.add_feed(wh, f"http://127.0.0.1:{feed_port}/feed.xml", source_name="Bench Wire")
            for leader in leaders:
                add_spike_rule(
                    wh, f"desk-{leader}", entity_id=leader, cooldown_hours=0,
                    channels=[f"json://127.0.0.1:{receiver_port}/newsroom"],
                )  # fmt: skip
            with tempfile.TemporaryFile() as log:  # a file, not a pipe: a full pipe would stall the scheduler
                scheduler = subprocess.Popen(
                    [sys.executable, "-m", "newstally", "--db", str(path), "schedule"],
                    cwd=REPO_ROOT, stdout=log, stderr=log,
                    env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
                )  # fmt: skip
                latencies: list[float] = []
                try:
                    time.sleep(20)  # the first pass: the feed (empty) fetched once
                    for run, leader in enumerate(leaders):
                        alias, name = _alias_and_name(leader)
                        # Publish at a random point of the interval, as a story would appear.
                        time.sleep(7 + 17 * run % SCHEDULER_INTERVAL_SECONDS)
                        published = time.time()
                        feed.publish(
                            [f"{alias} says talks went well, report {run}-{n}" for n in range(ITEMS_PER_RUN)],
                            datetime.fromtimestamp(published, UTC) - timedelta(seconds=1),
                        )
                        deadline = published + 4 * SCHEDULER_INTERVAL_SECONDS
                        while time.time() < deadline:
                            found = [at for at, payload in arrivals if name in str(payload.get("title", ""))]
                            if found:
                                latencies.append(found[0] - published)
                                print(f"run {run + 1}: {leader} alert after {latencies[-1]:.1f} s", file=sys.stderr)
                                break
                            time.sleep(0.1)
                        else:
                            log.seek(0)
                            tail = log.read().decode(errors="replace")[-3000:]
                            raise RuntimeError(
                                f"no alert for {leader} within {4 * SCHEDULER_INTERVAL_SECONDS} s\n{tail}"
                            )
                finally:
                    scheduler.send_signal(signal.SIGTERM)
                    scheduler.wait(timeout=60)
        return {
            "latencies": latencies,
            "history": history,
            "feed_requests": feed.requests,
            "load": os.getloadavg()[0],
        }


# --- 2. one pass of 50 rules ----------------------------------------------------------------------


def _corpus(path: Path, articles: int) -> tuple[int, float | None]:
    """The demo corpus of bench/tally.py at `articles` articles in `path` (kept when it holds them already)."""
    import warehouse
    from bench.tally import _store_demo_corpus

    wh = warehouse.open_warehouse(path, watchlist_path=WATCHLIST, events_path=EVENTS)
    have = warehouse.corpus_facts(wh).articles
    if have >= articles:
        return have, None
    started = time.perf_counter()
    _store_demo_corpus(
        wh,
        articles - have,
        lambda stored: print(f"stored {have + stored:,} in {time.perf_counter() - started:,.0f} s", file=sys.stderr),
    )
    return warehouse.corpus_facts(wh).articles, time.perf_counter() - started


def _rules(wh, *, queries: int) -> None:
    import warehouse
    from alerts import add_spike_rule

    for rule in warehouse.list_alert_rules(wh):
        warehouse.remove_alert_rule(wh, rule.name)
    entities = warehouse.list_entities(wh)["entity_id"].tolist()
    zones = ["UTC", "Europe/Berlin", "America/New_York"]
    channel = ["json://127.0.0.1:9/never-called"]
    for number in range(RULES - queries):
        entity = entities[number % len(entities)]
        zone = zones[(number // len(entities)) % len(zones)]
        add_spike_rule(wh, f"rule-{number:02d}", entity_id=entity, time_zone=zone, channels=channel)
    for number in range(queries):
        add_spike_rule(wh, f"query-{number:02d}", query_text=QUERIES[number % len(QUERIES)], channels=channel)


def measure_pass(path: Path, articles: int) -> dict:
    import warehouse
    from alerts import run_pass
    from warehouse.counting import remembered

    stored, build_seconds = _corpus(path, articles)
    wh = warehouse.Warehouse(path)
    facts = warehouse.corpus_facts(wh)
    assert facts.first_published_at is not None and facts.last_published_at is not None
    first_day, last_day = facts.first_published_at.date(), facts.last_published_at.date()
    # Noon of the last whole day: the corpus's last day may stop early.
    at = datetime.combine(last_day - timedelta(days=1), datetime.min.time(), tzinfo=UTC) + timedelta(hours=12)
    rows = {}
    for queries in (0, QUERY_RULES):
        _rules(wh, queries=queries)
        seconds = []
        for _ in range(PASSES):
            # A scheduler's pass follows its fetches' writes: no query's matches are remembered then.
            remembered.forget_all()
            started = time.perf_counter()
            report = run_pass(wh, at=at, dry_run=True)
            seconds.append(time.perf_counter() - started)
        above = sum("would send" in line or "would hold" in line or "nothing to send" in line for line in report.lines)
        rows[str(queries)] = {"seconds": seconds, "above": above}
        print(f"{queries} query rules: {seconds}", file=sys.stderr)
    return {
        "articles": stored,
        "build_seconds": build_seconds,
        "first_day": first_day.isoformat(),
        "last_day": last_day.isoformat(),
        "at": f"{at:%Y-%m-%d %H:%M}",
        "rows": rows,
        "load": os.getloadavg()[0],
        "size_mb": path.stat().st_size / 1e6,
    }


# --- the section ------------------------------------------------------------------------------------


def section(latency: dict | None, one_pass: dict | None) -> str:
    parts = []
    if latency is not None:
        values = latency["latencies"]
        runs = ", ".join(f"{value:.1f}" for value in values)
        parts.append(
            f"**From a feed item to the alert at the receiver.** `newstally schedule` at its default interval"
            f" ({SCHEDULER_INTERVAL_SECONDS} s between passes; a feed on this machine is due again 1 minute after"
            f" each fetch, `ingest.pacing.LOCAL_INTERVAL`), fetching one RSS feed from a local HTTP server; an"
            f" alerts pass runs after every fetch pass and posts to a `json://` webhook receiver on 127.0.0.1. The"
            f" outlet had {latency['history']:,} quiet articles over the {BASELINE_DAYS} days before (so usual"
            f" exists for every weekday and hour); each run published {ITEMS_PER_RUN} items about another leader at"
            f" once, at a different point of the interval, with a rule per leader (cooldown 0). Time from publishing"
            f" the items to the alert's POST arriving, {len(values)} runs: {runs} s.\n\n"
            f"| | seconds |\n|---|---|\n"
            f"| scheduler interval (default) | {SCHEDULER_INTERVAL_SECONDS} |\n"
            f"| feed item → alert, median | {median(values):.1f} |\n"
            f"| feed item → alert, worst | {max(values):.1f} |\n\n"
            f"An item waits for the feed's next fetch (up to one interval, two when the feed falls due just"
            f" after a pass started); fetching, storing, the alerts pass and the POST take the rest. Load average"
            f" {latency['load']:.1f} at the end (2 shared cores)."
        )
    if one_pass is not None:
        built = (
            f"built for this run in {one_pass['build_seconds']:,.0f} s"
            if one_pass["build_seconds"]
            else "built by an earlier run"
        )
        lines = [
            f"**One evaluation pass, {RULES} rules, {one_pass['articles']:,} articles.** The demo corpus of"
            f" bench/tally.py (`generate_history`, 4,000 a day, {one_pass['first_day']} to {one_pass['last_day']};"
            f" {built}; {one_pass['size_mb']:,.0f} MB), shipped watchlist. `alerts.run_pass(at=…, dry_run=True)`"
            f" judged at {one_pass['at']} UTC: every rule's nine windows (today so far and the"
            f" same hours of the eight same weekdays before), and for a rule far above usual its episode,"
            f" completeness and headlines; dry, so nothing is recorded or sent and each pass does the same work."
            f" Entity rules: every entity of the watchlist, then again in Europe/Berlin and America/New_York. Median"
            f" and worst of {PASSES} passes.",
            "",
            "| rules | far above usual | seconds, median | worst |",
            "|---|---|---|---|",
        ]
        for key, row in one_pass["rows"].items():
            queries = int(key)
            kind = f"{RULES} on entities" if not queries else f"{RULES - queries} on entities, {queries} on queries"
            lines.append(f"| {kind} | {row['above']} | {median(row['seconds']):.2f} | {max(row['seconds']):.2f} |")
        above = max(row["above"] for row in one_pass["rows"].values())
        lines += [
            "",
            f"Only a rule far above usual reads its episode, completeness and headlines; at this instant {above} at"
            " most did (the demo corpus is even), so these seconds are mostly every rule's nine windows."
            " A query's matches have no rollup: the pass reads the eight weeks' articles once for all its query"
            f" rules (one scan for the ten). Load average {one_pass['load']:.1f} at the end (2 cores shared with"
            " other sessions): read the seconds as upper bounds.",
        ]
        parts.append("\n".join(lines))
    return "\n\n".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=RUNS, help=f"latency runs (default {RUNS}, at most 7)")
    parser.add_argument("--articles", type=int, default=ARTICLES)
    parser.add_argument("--db", type=Path, help="where to build (or find) the corpus of the pass benchmark")
    parser.add_argument("--only", choices=["latency", "pass"])
    parser.add_argument(
        "--results", type=Path, help="a JSON file keeping each part's figures, so parts run apart make one section"
    )
    args = parser.parse_args()
    parts = json.loads(args.results.read_text()) if args.results and args.results.exists() else {}
    if args.only != "pass":
        parts["latency"] = measure_latency(min(args.runs, len(LEADERS)))
    if args.only != "latency":
        if args.db is not None:
            parts["pass"] = measure_pass(args.db, args.articles)
        else:
            with tempfile.TemporaryDirectory(prefix="bench-alerts-") as scratch:
                parts["pass"] = measure_pass(Path(scratch) / "newstally.duckdb", args.articles)
    if args.results:
        args.results.write_text(json.dumps(parts, indent=1))
    body = section(parts.get("latency"), parts.get("pass"))
    write_section(SECTION, body)
    print(body)


if __name__ == "__main__":
    main()
