"""The HTTP API under a few concurrent clients, beside the same call in-process: how long an analyst waits.

Usage: `python bench/api.py [WAREHOUSE]`. Without a warehouse file, a demo corpus of
`NEWSTALLY_BENCH_API_PER_DAY` articles a day (default 20, about 75,000 articles) is
generated into a temporary folder first. The call is issue 17's: `/v1/series` for 10
entities over a year of daily buckets (the corpus's first full year), as JSON and as CSV.
Figures: p50 and p95 of each request's latency and the requests served per second, for 1
and 4 clients each sending requests back to back through one `newstally api` process;
the in-process row is `warehouse.series_table`, the function the route calls. The row under
ingest has this process store a batch of articles in the benchmark year every second meanwhile
(each write changes the data version, so no request is answered from what was kept).
"""

from __future__ import annotations

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
        with httpx.Client(headers={"Authorization": f"Bearer {token}"}, timeout=120) as session:
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


def _measure(db: Path) -> str:
    import httpx

    import warehouse

    wh = warehouse.Warehouse(db)
    facts = warehouse.corpus_facts(wh)
    entity_ids = list(warehouse.list_entities(wh)["entity_id"])[:ENTITIES]
    year = (facts.first_published_at.year + 1) if facts.first_published_at else 2018
    start, end = date(year, 1, 1), date(year, 12, 31)
    token = _newstally(db, "tokens", "create", f"bench-{os.getpid()}").stdout.strip()
    query = f"entity={','.join(entity_ids)}&from={start}&to={end}"
    with served_api(db) as base:
        url = f"{base}/v1/series?{query}"
        _load(url, token, 1)  # warm: first connection, caches of the provenance, entity list and token
        # In turn, so a change of the machine's load hits both alike.
        durations: list[float] = []
        requests: list[float] = []
        with httpx.Client(headers={"Authorization": f"Bearer {token}"}, timeout=120) as session:
            for _ in range(IN_PROCESS_RUNS):
                began = time.perf_counter()
                frame = warehouse.series_table(wh, entity_ids, start=start, end=end)
                durations.append(time.perf_counter() - began)
                began = time.perf_counter()
                session.get(url).raise_for_status()
                requests.append(time.perf_counter() - began)
        rows = [
            f"| in-process `warehouse.series_table` ({len(frame):,} rows) | 1 | {median(durations) * 1000:.0f}"
            f" | {percentile(durations, 0.95) * 1000:.0f} | {1 / median(durations):.1f} |",
            f"| `GET /v1/series` json, in turn with the row above | 1 | {median(requests) * 1000:.0f}"
            f" | {percentile(requests, 0.95) * 1000:.0f} | {1 / median(requests):.1f} |",
        ]
        for fmt in ("json", "csv"):
            url = f"{base}/v1/series?{query}&format={fmt}"
            for clients in CLIENT_COUNTS:
                latencies, per_second = _load(url, token, clients)
                rows.append(
                    f"| `GET /v1/series` {fmt} | {clients} | {median(latencies) * 1000:.0f}"
                    f" | {percentile(latencies, 0.95) * 1000:.0f} | {per_second:.1f} |"
                )
        stop = threading.Event()
        stored: list[int] = []
        writer = threading.Thread(target=_ingest_until, args=(stop, db, year, stored))
        writer.start()
        try:
            latencies, per_second = _load(f"{base}/v1/series?{query}", token, CLIENT_COUNTS[-1])
        finally:
            stop.set()
            writer.join()
        rows.append(
            f"| `GET /v1/series` json under ingest ({len(stored)} batches of {INGEST_BATCH} articles, one a second)"
            f" | {CLIENT_COUNTS[-1]} | {median(latencies) * 1000:.0f} | {percentile(latencies, 0.95) * 1000:.0f}"
            f" | {per_second:.1f} |"
        )
        revalidations = []
        with httpx.Client(headers={"Authorization": f"Bearer {token}"}, timeout=120) as session:
            first = session.get(f"{base}/v1/series?{query}")
            for _ in range(REQUESTS_PER_CLIENT):
                began = time.perf_counter()
                unchanged = session.get(f"{base}/v1/series?{query}", headers={"If-None-Match": first.headers["etag"]})
                revalidations.append(time.perf_counter() - began)
                assert unchanged.status_code == 304
        rows.append(
            f"| `GET /v1/series` with a current `If-None-Match` (304) | 1 | {median(revalidations) * 1000:.0f}"
            f" | {percentile(revalidations, 0.95) * 1000:.0f} | {1 / median(revalidations):.1f} |"
        )
    _newstally(db, "tokens", "revoke", f"bench-{os.getpid()}")
    load = os.getloadavg()[0]
    table = "\n".join(rows)
    return (
        f"{facts.articles:,} articles from {facts.sources} outlets; {ENTITIES} entities, daily buckets of {year}"
        f" ({len(frame):,} rows, {len(first.content):,} bytes as JSON). One `newstally api` process (uvicorn,"
        f" FastAPI) on 127.0.0.1; each client sends {REQUESTS_PER_CLIENT} requests back to back over one"
        f" keep-alive connection (httpx), after one warm-up request. The first two rows ran in turn,"
        f" {IN_PROCESS_RUNS} times each. Load average {load:.1f} at the end (other work shared the machine).\n\n"
        "| call | clients | p50 ms | p95 ms | requests/s |\n|---|---|---|---|---|\n"
        f"{table}\n\n"
        "One process answers one query at a time (the warehouse's in-process lock), so more clients"
        " queue: latency grows with them while requests per second stay near one client's. Run more"
        " processes behind the proxy for more analysts (docs/operations.md). Over the in-process call, a"
        " request adds HTTP, the provenance and the encoding; the token's verdict, the data version and the"
        " corpus facts are kept in memory until the warehouse changes, so a 304 opens no connection. Under"
        " ingest a request waits for the writer's lock (docs/concurrency.md), and after each write the token,"
        " the entity list and the corpus facts are read again.\n"
    )


def run() -> str:
    if len(sys.argv) > 1:
        return _measure(Path(sys.argv[1]))
    per_day = os.environ.get("NEWSTALLY_BENCH_API_PER_DAY", "20")
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "newstally.duckdb"
        _newstally(db, "demo", "--articles-per-day", per_day)
        return _measure(db)


def main() -> None:
    body = run()
    write_section(SECTION, body)
    print(body)


if __name__ == "__main__":
    main()
