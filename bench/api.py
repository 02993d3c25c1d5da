"""The HTTP API under a few concurrent clients, beside the same call in-process: how long an analyst waits.

Usage:
- `python bench/api.py` (the smoke run, `make bench`): a demo corpus of `NEWSTALLY_BENCH_API_PER_DAY`
  articles a day (default 20, about 75,000 articles) generated into a temporary folder first;
  section "HTTP API: /v1/series under concurrent clients".
- `python bench/api.py --articles 1000000 [PATH]`: issue 17's size. The corpus is built the way
  bench/scale.py builds its 1M and 10M ones (`generate_history` at 4,000 a day from 2017-01-01,
  `store_articles`, tally on arrival), the corpus of "Analytics at 1,000,000 articles", into PATH
  (which must not exist; default a temporary folder, deleted afterwards).
- `python bench/api.py WAREHOUSE`: an existing file (e.g. one `bench/scale.py build` made).
A corpus of 500,000 articles or more writes its own section, "HTTP API at N articles: ...".

The call is issue 17's: `/v1/series` for 10 entities over a year of daily buckets (the
corpus's first full year, else its first year), as JSON and as CSV. Figures: p50 and p95 of
each request's latency and the requests served per second, for 1 and 4 clients each sending
requests back to back through one `newstally api` process; the in-process row is
`warehouse.series_table`, the function the route calls, and the baseline of the `x in-process`
column. The row under ingest has this process store a batch of articles in the benchmark year
every second meanwhile (each write changes the data version, so no request is answered from
what was kept). The whole measurement runs `NEWSTALLY_BENCH_API_REPEATS` times (default 3)
through the same server; each figure is the median of the runs' figures.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import median, percentile, write_section
from tests.integration.api_server import served_api  # the API tests' server, started the same way

SECTION = "HTTP API: /v1/series under concurrent clients"
ENTITIES = 10
IN_PROCESS_RUNS = 20
REQUESTS_PER_CLIENT = 20
CLIENT_COUNTS = (1, 4)
INGEST_BATCH = 200


def _newstally(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "newstally", "--db", str(db), *args], capture_output=True, text=True, check=True
    )


def _load(url: str, token: str, clients: int) -> tuple[list[float], float]:
    """Latencies of every request and requests per second, `clients` threads each sending REQUESTS_PER_CLIENT."""
    import httpx

    latencies: list[float] = []
    lock = threading.Lock()

    def client() -> None:
        with httpx.Client(headers={"Authorization": f"Bearer {token}"}, timeout=300) as session:
            for _ in range(REQUESTS_PER_CLIENT):
                started = time.perf_counter()
                response = session.get(url)
                elapsed = time.perf_counter() - started
                response.raise_for_status()
                with lock:
                    latencies.append(elapsed)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, len(latencies) / (time.perf_counter() - started)


def _ingest_until(stop: threading.Event, db: Path, year: int, stored: list[int]) -> None:
    """Store a batch of INGEST_BATCH articles every second, as a busy scheduler would, until `stop`."""
    from datetime import UTC, datetime, timedelta

    import warehouse

    wh = warehouse.Warehouse(db)
    batch = 0
    while not stop.is_set():
        moment = datetime(year, 6, 1, tzinfo=UTC) + timedelta(minutes=batch)
        articles = [
            warehouse.FetchedArticle(
                guid=f"bench-api-{batch}-{number}",
                url=f"https://bench.example/{batch}/{number}",
                title=f"Putin and Trump, bench story {number}",
                summary="",
                published_at=moment,
            )
            for number in range(INGEST_BATCH)
        ]
        warehouse.store_articles(wh, "Bench Wire", articles)
        stored.append(len(articles))
        batch += 1
        stop.wait(1.0)


def _year(facts) -> int:
    """The corpus's first full year when it has one (the demo's history), else its first (a 1M corpus: 2017)."""
    if facts.first_published_at is None:
        return 2018
    first = facts.first_published_at.year
    return first + 1 if facts.last_published_at and facts.last_published_at.year > first + 1 else first


def _once(base: str, query: str, token: str, wh, entity_ids: list[str], year: int, db: Path) -> dict[str, tuple]:
    """One run of every row: {row: (p50 s, p95 s, requests/s, note)}."""
    import httpx

    import warehouse

    start, end = date(year, 1, 1), date(year, 12, 31)
    url = f"{base}/v1/series?{query}"
    figures: dict[str, tuple] = {}
    # In turn, so a change of the machine's load hits both alike.
    durations: list[float] = []
    requests: list[float] = []
    with httpx.Client(headers={"Authorization": f"Bearer {token}"}, timeout=300) as session:
        for _ in range(IN_PROCESS_RUNS):
            began = time.perf_counter()
            frame = warehouse.series_table(wh, entity_ids, start=start, end=end)
            durations.append(time.perf_counter() - began)
            began = time.perf_counter()
            session.get(url).raise_for_status()
            requests.append(time.perf_counter() - began)
    figures[IN_PROCESS] = (median(durations), percentile(durations, 0.95), 1 / median(durations), len(frame))
    figures[IN_TURN] = (median(requests), percentile(requests, 0.95), 1 / median(requests), None)
    for fmt in ("json", "csv"):
        for clients in CLIENT_COUNTS:
            latencies, per_second = _load(f"{url}&format={fmt}", token, clients)
            figures[f"{fmt} {clients}"] = (median(latencies), percentile(latencies, 0.95), per_second, None)
    stop = threading.Event()
    stored: list[int] = []
    writer = threading.Thread(target=_ingest_until, args=(stop, db, year, stored))
    writer.start()
    try:
        latencies, per_second = _load(url, token, CLIENT_COUNTS[-1])
    finally:
        stop.set()
        writer.join()
    figures[UNDER_INGEST] = (median(latencies), percentile(latencies, 0.95), per_second, len(stored))
    revalidations = []
    with httpx.Client(headers={"Authorization": f"Bearer {token}"}, timeout=300) as session:
        first = session.get(url)
        for _ in range(REQUESTS_PER_CLIENT):
            began = time.perf_counter()
            unchanged = session.get(url, headers={"If-None-Match": first.headers["etag"]})
            revalidations.append(time.perf_counter() - began)
            assert unchanged.status_code == 304
    figures[REVALIDATED] = (median(revalidations), percentile(revalidations, 0.95), 1 / median(revalidations), None)
    figures["bytes"] = (0.0, 0.0, 0.0, len(first.content))
    return figures


IN_PROCESS, IN_TURN, UNDER_INGEST, REVALIDATED = "in-process", "in turn", "under ingest", "304"


def _measure(db: Path) -> tuple[int, str]:
    """The corpus size and the section's body."""
    import warehouse

    wh = warehouse.Warehouse(db)
    facts = warehouse.corpus_facts(wh)
    entity_ids = list(warehouse.list_entities(wh)["entity_id"])[:ENTITIES]
    year = _year(facts)
    token = _newstally(db, "tokens", "create", f"bench-{os.getpid()}").stdout.strip()
    query = f"entity={','.join(entity_ids)}&from={year}-01-01&to={year}-12-31"
    repeats = int(os.environ.get("NEWSTALLY_BENCH_API_REPEATS", "3"))
    runs: list[dict[str, tuple]] = []
    load_before = os.getloadavg()[0]
    with served_api(db) as base:
        _load(f"{base}/v1/series?{query}", token, 1)  # warm: first connection, caches of provenance, entities, token
        for number in range(repeats):
            runs.append(_once(base, query, token, wh, entity_ids, year, db))
            print(f"run {number + 1} of {repeats} done, load {os.getloadavg()[0]:.1f}", file=sys.stderr, flush=True)
    _newstally(db, "tokens", "revoke", f"bench-{os.getpid()}")
    load = os.getloadavg()[0]

    def middle(row: str, index: int) -> float:
        return median([run[row][index] for run in runs])

    baseline = middle(IN_PROCESS, 0)
    rows_of_series = runs[0][IN_PROCESS][3]
    batches = int(median([run[UNDER_INGEST][3] for run in runs]))
    labels = {
        IN_PROCESS: f"in-process `warehouse.series_table` ({rows_of_series:,} rows)",
        IN_TURN: "`GET /v1/series` json, in turn with the row above",
        **{f"{fmt} {clients}": f"`GET /v1/series` {fmt}" for fmt in ("json", "csv") for clients in CLIENT_COUNTS},
        UNDER_INGEST: f"`GET /v1/series` json under ingest (a batch of {INGEST_BATCH} articles a second,"
        f" {batches} batches in the median run)",
        REVALIDATED: "`GET /v1/series` with a current `If-None-Match` (304)",
    }
    clients_of = {IN_PROCESS: 1, IN_TURN: 1, UNDER_INGEST: CLIENT_COUNTS[-1], REVALIDATED: 1}
    table = "\n".join(
        f"| {label} | {clients_of.get(row) or row.split()[1]} | {middle(row, 0) * 1000:,.0f}"
        f" | {middle(row, 1) * 1000:,.0f} | {middle(row, 2):,.1f} | {middle(row, 0) / baseline:.2f}x |"
        for row, label in labels.items()
    )
    built = db.with_name(db.name + ".build.json")
    origin = ""
    if built.exists():
        made = json.loads(built.read_text(encoding="utf-8"))
        origin = (
            f" Built by `bench/scale.py build` (`generate_history`, 4,000 a day; `store_articles`, tally on arrival)"
            f" in {made['seconds']:,.0f} s, {made['articles_per_s']:,.0f} articles/s, finished {made['finished_utc']}"
            f" UTC; {made['size_mb']:,.0f} MB on disk."
        )
    body = (
        f"{facts.articles:,} articles from {facts.sources} outlets"
        f" ({facts.first_published_at:%Y-%m-%d} to {facts.last_published_at:%Y-%m-%d}); {ENTITIES} entities"
        f" ({', '.join(entity_ids)}), daily buckets of {year} ({rows_of_series:,} rows,"
        f" {int(middle('bytes', 3)):,} bytes as JSON).{origin} One `newstally api` process (uvicorn, FastAPI) on"
        f" 127.0.0.1; each client sends {REQUESTS_PER_CLIENT} requests back to back over one keep-alive"
        f" connection (httpx), after one warm-up request. The first two rows ran in turn, {IN_PROCESS_RUNS}"
        f" times each. Every figure is the median of {repeats} runs of the whole table through the same"
        f" server; *x in-process* is the row's p50 over the in-process p50. Load average {load_before:.1f}"
        f" before and {load:.1f} after (other work shared the 2 cores: read the ratios more than the"
        " milliseconds).\n\n"
        "| call | clients | p50 ms | p95 ms | requests/s | x in-process |\n|---|---|---|---|---|---|\n"
        f"{table}\n\n"
        "One process answers one query at a time (the warehouse's in-process lock), so more clients"
        " queue: latency grows with them while requests per second stay near one client's. Run more"
        " processes behind the proxy for more analysts (docs/operations.md). Over the in-process call, a"
        " request adds HTTP, the provenance and the encoding; the token's verdict, the data version and the"
        " corpus facts are kept in memory until the warehouse changes, so a 304 opens no connection. Under"
        " ingest a request waits for the writer's lock (docs/concurrency.md), and after each write the token,"
        " the entity list and the corpus facts are read again.\n"
    )
    return facts.articles, body


def section_name(articles: int) -> str:
    """The smoke run keeps the section's name; a corpus of 500,000 articles or more gets its own."""
    if articles < 500_000:
        return SECTION
    return f"HTTP API at {articles:,} articles: /v1/series under concurrent clients"


def measure(arguments: list[str]) -> tuple[int, str]:
    if "--articles" in arguments:
        at = arguments.index("--articles")
        count = int(arguments[at + 1])
        rest = arguments[:at] + arguments[at + 2 :]
        from bench.scale import build

        if rest:
            path = Path(rest[0])
            facts = build(path, count)
            print(f"built {facts['articles']:,} articles in {facts['seconds']:,.0f} s", file=sys.stderr)
            return _measure(path)
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "newstally.duckdb"
            build(path, count)
            return _measure(path)
    if arguments:
        return _measure(Path(arguments[0]))
    per_day = os.environ.get("NEWSTALLY_BENCH_API_PER_DAY", "20")
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "newstally.duckdb"
        _newstally(db, "demo", "--articles-per-day", per_day)
        return _measure(db)


def run() -> str:
    return measure(sys.argv[1:])[1]


def main() -> None:
    articles, body = measure(sys.argv[1:])
    write_section(section_name(articles), body)
    print(body)


if __name__ == "__main__":
    main()
