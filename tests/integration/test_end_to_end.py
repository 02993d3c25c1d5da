"""The whole path as a user drives it: a feed on a local server, the real CLI, and the series that comes out;
and `newstally up`, which must come up, pull its demo feeds over HTTP, and stop cleanly on Ctrl-C."""

from __future__ import annotations

import csv
import io
import os
import signal
import socket
import subprocess
import sys
import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import httpx

from tests.integration.feed_server import respond, running_feed_server
from tests.integration.processes import alive, descendants


def newstally(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "newstally", "--db", str(db), *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def rss_with(items: list[tuple[str, str, str]]) -> bytes:
    entries = "".join(
        f"<item><guid>{guid}</guid><title>{title}</title><pubDate>{date}</pubDate></item>"
        for guid, title, date in items
    )
    channel = f"<channel><title>Local Herald</title>{entries}</channel>"
    return f'<?xml version="1.0"?><rss version="2.0">{channel}</rss>'.encode()


def series_rows(db: Path) -> list[dict[str, str]]:
    result = newstally(db, "series", "--entity", "putin", "--from", "2025-08-14", "--to", "2025-08-15")
    assert result.returncode == 0, result.stderr
    return list(csv.DictReader(io.StringIO(result.stdout)))


def test_an_article_fetched_over_http_shows_up_in_the_series(tmp_path: Path):
    db = tmp_path / "newstally.duckdb"
    items = [("a1", "Putin lands in Anchorage", "Thu, 14 Aug 2025 18:00:00 GMT")]

    def feed(handler: BaseHTTPRequestHandler) -> None:
        respond(handler, 200, rss_with(items))

    with running_feed_server() as server:
        server.routes["/feed.xml"] = feed
        assert newstally(db, "feeds", "add", server.url("/feed.xml"), "--source", "Local Herald").returncode == 0
        fetched = newstally(db, "fetch")
        assert fetched.returncode == 0, fetched.stderr
        assert [(r["bucket_start"], r["articles"], r["total_articles"]) for r in series_rows(db)] == [
            ("2025-08-14", "1", "1"),
            ("2025-08-15", "0", "0"),
        ]
        # The outlet publishes a second story the next day; a forced fetch brings it in, once.
        items.append(("a2", "Trump and Putin meet", "Fri, 15 Aug 2025 20:00:00 GMT"))
        assert newstally(db, "fetch", "--force").returncode == 0
        assert newstally(db, "fetch", "--force").returncode == 0
    assert [(r["bucket_start"], r["articles"], r["total_articles"]) for r in series_rows(db)] == [
        ("2025-08-14", "1", "1"),
        ("2025-08-15", "1", "1"),
    ]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_up_serves_dashboard_pulls_demo_feeds_and_stops_everything_on_ctrl_c(tmp_path: Path):
    db = tmp_path / "newstally.duckdb"
    dashboard_port, demo_port = free_port(), free_port()
    log = (tmp_path / "up.log").open("w")
    up = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "newstally",
            "--db",
            str(db),
            "up",
            "--demo",
            "--articles-per-day",
            "3",
            "--port",
            str(dashboard_port),
            "--demo-port",
            str(demo_port),
            "--interval",
            "5",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        healthy = fetched = False
        while time.monotonic() < deadline and not (healthy and fetched):
            assert up.poll() is None, (tmp_path / "up.log").read_text()
            time.sleep(1)
            try:
                healthy = httpx.get(f"http://127.0.0.1:{dashboard_port}/_stcore/health", timeout=2).status_code == 200
            except httpx.HTTPError:
                healthy = False
            if db.exists():
                listing = newstally(db, "feeds", "list", "--format", "csv")
                rows = list(csv.DictReader(io.StringIO(listing.stdout))) if listing.returncode == 0 else []
                fetched = bool(rows) and all(row["last_success_at"] for row in rows)
        assert healthy, "the dashboard never answered"
        assert fetched, "the scheduler never fetched every demo feed"
        children = descendants(up.pid)
        assert children, "up started no processes"
        up.send_signal(signal.SIGINT)
        up.wait(timeout=15)
        time.sleep(0.5)
        assert [pid for pid in children if alive(pid)] == []
    finally:
        if up.poll() is None:
            os.killpg(up.pid, signal.SIGKILL)
            up.wait()
        log.close()
