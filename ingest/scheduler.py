"""Fetching the feeds that are due, politely and concurrently, on a timer.

Feeds on different hosts are fetched in parallel, but never two requests to one
host at a time. A feed that fails waits twice as long after each failure, up to
six hours, so a dead server is not hammered every minute.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections import defaultdict
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from types import FrameType
from typing import Any
from urllib.parse import urlsplit

import httpx
from apscheduler.schedulers.background import BackgroundScheduler

import warehouse
from ingest.feeds import fetch_feed, make_client
from warehouse import Feed, FetchOutcome, FetchResult

__all__ = [
    "DEFAULT_INTERVAL",
    "LOCAL_INTERVAL",
    "MAX_BACKOFF",
    "FetchProgress",
    "fetch_due",
    "next_fetch_time",
    "run_scheduler",
]

logger = logging.getLogger(__name__)

DEFAULT_INTERVAL = timedelta(minutes=15)
# The demo's feed server on this machine: cheap to ask, and a demo should move.
LOCAL_INTERVAL = timedelta(minutes=1)
MAX_BACKOFF = timedelta(hours=6)
_LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
_SUCCESSFUL = frozenset({FetchOutcome.NEW_CONTENT, FetchOutcome.NOT_MODIFIED, FetchOutcome.PARTIAL})

FetchProgress = Callable[[Feed, FetchResult, int], None]


def next_fetch_time(feed: Feed, result: FetchResult, *, now: datetime) -> datetime:
    """When to fetch the feed again, given how this fetch went.

    After a success: the feed's interval (15 minutes, 1 minute for a local demo
    feed). After the n-th failure in a row: the interval times 2**n, capped at 6 hours.
    """
    interval = LOCAL_INTERVAL if _host(feed.url) in _LOCAL_HOSTS else DEFAULT_INTERVAL
    if result.outcome in _SUCCESSFUL:
        return now + interval
    failures = feed.consecutive_failures + 1
    # Capping the exponent first keeps 2**n small for a feed that has failed for months.
    delay = interval * 2 ** min(failures, 32)
    return now + min(delay, MAX_BACKOFF)


def fetch_due(
    wh: warehouse.Warehouse,
    *,
    now: datetime | None = None,
    force: bool = False,
    progress: FetchProgress | None = None,
    max_workers: int = 4,
    client: httpx.Client | None = None,
    stop_event: threading.Event | None = None,
) -> list[tuple[Feed, FetchResult, int]]:
    """Fetch every due feed (every enabled feed with `force`) and record each fetch.

    Returns (feed, result, new articles) for each feed fetched, in completion order.
    `progress` is called with the same triple after each feed, from worker threads
    but never two calls at once. When `stop_event` is set, feeds not yet started
    are left for the next pass.
    """
    moment = now or datetime.now(UTC)
    feeds = warehouse.due_feeds(wh, moment, include_not_due=force)
    if not feeds:
        logger.debug("no feeds due")
        return []
    by_host: dict[str, list[Feed]] = defaultdict(list)
    for feed in feeds:
        by_host[_host(feed.url)].append(feed)
    done: list[tuple[Feed, FetchResult, int]] = []
    report_lock = threading.Lock()

    def fetch_host(host_feeds: Sequence[Feed], http: httpx.Client) -> None:
        for feed in host_feeds:
            if stop_event is not None and stop_event.is_set():
                return
            outcome = _fetch_and_record(wh, feed, http, now=moment)
            if outcome is None:
                continue
            with report_lock:
                done.append(outcome)
                if progress is not None:
                    progress(*outcome)

    http = client or make_client()
    try:
        with ThreadPoolExecutor(max_workers=max(1, min(max_workers, len(by_host))), thread_name_prefix="fetch") as pool:
            for future in [pool.submit(fetch_host, host_feeds, http) for host_feeds in by_host.values()]:
                future.result()
    finally:
        if client is None:
            http.close()
    return done


def _fetch_and_record(
    wh: warehouse.Warehouse, feed: Feed, client: httpx.Client, *, now: datetime
) -> tuple[Feed, FetchResult, int] | None:
    """One feed's job. The only place in ingest that catches broadly: one feed's bug must not stop the rest."""
    try:
        result = fetch_feed(feed, client, now=now)
        new = warehouse.record_fetch(wh, result, next_fetch_at=next_fetch_time(feed, result, now=now))
    except Exception:
        logger.exception("feed %d %s: fetch job failed", feed.feed_id, feed.url)
        return None
    level = logging.INFO if result.outcome in _SUCCESSFUL else logging.WARNING
    logger.log(
        level,
        "feed %d %s: %s, %d new of %d, %d ms%s",
        feed.feed_id,
        feed.url,
        result.outcome.value,
        new,
        result.items_seen,
        result.duration_ms,
        f" ({result.error})" if result.error else "",
    )
    return feed, result, new


def _host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def run_scheduler(
    wh: warehouse.Warehouse,
    *,
    interval_seconds: float = 60,
    stop_event: threading.Event | None = None,
    max_workers: int = 4,
) -> None:
    """Run `fetch_due` every `interval_seconds` until SIGTERM/SIGINT or `stop_event`.

    The first pass starts at once. Passes never overlap: one that runs long makes
    the next wait, and missed runs collapse into one. Signal handlers are installed
    only when called from the main thread (Python allows no other); either way,
    setting `stop_event` stops it. In-flight requests finish (each is bounded by the
    fetch time limit); feeds not yet started wait for the next run.
    """
    stop = stop_event or threading.Event()
    scheduler = BackgroundScheduler(timezone=UTC)
    scheduler.add_job(
        _scheduled_pass,
        "interval",
        seconds=interval_seconds,
        jitter=max(1, round(interval_seconds / 20)),
        kwargs={"wh": wh, "stop_event": stop, "max_workers": max_workers},
        id="fetch_due",
        max_instances=1,
        coalesce=True,
        next_run_time=datetime.now(UTC),
    )
    previous_handlers = _install_signal_handlers(stop)
    scheduler.start()
    logger.info("scheduler started: fetching due feeds every %g s", interval_seconds)
    try:
        # A timed wait so the main thread wakes to run signal handlers promptly.
        while not stop.wait(0.5):
            pass
    finally:
        logger.info("scheduler stopping")
        scheduler.shutdown(wait=True)
        _restore_signal_handlers(previous_handlers)
        logger.info("scheduler stopped")


def _scheduled_pass(wh: warehouse.Warehouse, stop_event: threading.Event, max_workers: int) -> None:
    try:
        fetch_due(wh, max_workers=max_workers, stop_event=stop_event)
    except Exception:
        # A pass that cannot even list its feeds (warehouse unavailable) is logged and retried next time.
        logger.exception("fetch pass failed")


def _install_signal_handlers(stop: threading.Event) -> dict[int, Any]:
    if threading.current_thread() is not threading.main_thread():
        return {}

    def request_stop(signum: int, frame: FrameType | None) -> None:
        logger.info("received %s", signal.Signals(signum).name)
        stop.set()

    return {signum: signal.signal(signum, request_stop) for signum in (signal.SIGTERM, signal.SIGINT)}


def _restore_signal_handlers(previous: dict[int, Any]) -> None:
    for signum, handler in previous.items():
        signal.signal(signum, handler)
