"""Fetching the feeds that are due, politely and concurrently, on a timer.

Feeds on different hosts are fetched in parallel, but never two requests to one
host at a time. When to fetch each feed again, and when to give up on one, is
ingest.pacing's policy: adaptive intervals, doubling back-off, Retry-After, and
disabling after 410 or too many failures.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
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
from ingest import claimant, pacing
from ingest.addresses import guard_client
from ingest.feeds import Parse, fetch_feed, make_client
from ingest.pacing import DEFAULT_INTERVAL, LOCAL_INTERVAL, MAX_BACKOFF, next_fetch_time
from ingest.parsing import parse_feed
from ingest.recorder import FetchRecorder
from ingest.workers import ParserPool, start_parser_pool
from warehouse import Feed, FetchResult

__all__ = [
    "CLAIM_LEASE",
    "CLAIM_SHARE",
    "DEFAULT_INTERVAL",
    "LOCAL_INTERVAL",
    "MAX_BACKOFF",
    "FetchProgress",
    "fetch_due",
    "next_fetch_time",
    "run_scheduler",
    "set_on_signals",
]

logger = logging.getLogger(__name__)

FetchProgress = Callable[[Feed, FetchResult, int], None]

# How long a claimed feed stays out of other fetchers' reach; recording the fetch
# ends the claim sooner. Longer than a pass normally takes, short enough that a
# fetcher killed mid-pass delays its feeds by half an hour at most.
CLAIM_LEASE = timedelta(minutes=30)
# Feeds a pass claims at a time: it claims again when they are done, while fetchers on other
# hosts claim their own shares, so every host has work (one claim of every due feed left
# the others idle). Each claim is a write transaction.
CLAIM_SHARE = 50
# Threads mostly wait (on the network, on a host's gap); past this many hosts,
# hosts queue for a thread.
MAX_HOST_THREADS = 64


def fetch_due(
    wh: warehouse.Warehouse,
    *,
    now: datetime | None = None,
    force: bool = False,
    progress: FetchProgress | None = None,
    max_workers: int = 4,
    client: httpx.Client | None = None,
    stop_event: threading.Event | None = None,
    host_gap_seconds: float | None = None,
    block_private: bool = False,
    parser_pool: ParserPool | None = None,
) -> list[tuple[Feed, FetchResult, int]]:
    """Fetch every due feed (every enabled feed with `force`) and record each fetch.

    Returns (feed, result, new articles) for each feed fetched, in the order they
    were recorded. `progress` is called with the same triple after each feed is
    recorded, from the recorder thread (see ingest.recorder), never two at once.
    When `stop_event` is set, feeds not yet started are left for the next pass.
    Requests to one host are never in flight together and start at least
    `host_gap_seconds` apart (default: `ingest.pacing.host_gap_seconds`). With
    `block_private`, requests to non-public addresses are refused and recorded as
    permanent errors (see `ingest.addresses`).

    Documents are parsed in `parser_pool`'s processes; without one, a pass called
    from a single-threaded process starts its own for the pass (see ingest.workers),
    and any other parses in its fetch threads.

    The due feeds are claimed before they are fetched, `CLAIM_SHARE` at a time (see
    `warehouse.claim_due_feeds`), so another process fetching at the same time never
    takes the same feed, and takes its own share meanwhile; claims of a
    fetcher on this host that no longer runs (killed mid-pass) are taken back. A feed overdue
    by many intervals (the machine slept) is fetched once, not once per missed
    run. Each fetch is stamped with the time it started, or `now` when given.
    """
    moment = now or datetime.now(UTC)
    released = warehouse.release_abandoned_claims(wh, moment, abandoned=claimant.is_gone)
    if released:
        logger.info("took back %d feeds claimed by a fetcher that no longer runs", released)
    recorded: list[tuple[Feed, FetchResult, int]] = []
    claimed: set[int] = set()
    own_pool: ParserPool | None = None
    try:
        # Claimed a share at a time, so fetchers on other hosts take the rest meanwhile.
        while stop_event is None or not stop_event.is_set():
            feeds = warehouse.claim_due_feeds(
                wh,
                moment,
                lease=CLAIM_LEASE,
                include_not_due=force,
                claimant=claimant.this_process(),
                limit=None if force else CLAIM_SHARE,
            )
            if not {feed.feed_id for feed in feeds} - claimed:
                break  # nothing due, or only feeds this pass handed back (it was asked to stop)
            claimed.update(feed.feed_id for feed in feeds)
            if parser_pool is None and own_pool is None:
                # Before the recorder's and the fetchers' threads: workers may only be forked now.
                own_pool = start_parser_pool(wh, feeds=len(feeds))
            parsers = parser_pool or own_pool
            parse = parsers.parse if parsers is not None else parse_feed
            recorded += _fetch_claimed(
                wh,
                feeds,
                moment=moment,
                now=now,
                parse=parse,
                progress=progress,
                max_workers=max_workers,
                client=client,
                stop_event=stop_event,
                host_gap_seconds=host_gap_seconds,
                block_private=block_private,
            )
            if force or len(feeds) < CLAIM_SHARE:
                break
    finally:
        if own_pool is not None:
            own_pool.close()
    if not claimed:
        logger.debug("no feeds due")
    return recorded


def _fetch_claimed(
    wh: warehouse.Warehouse,
    feeds: list[Feed],
    *,
    moment: datetime,
    now: datetime | None,
    parse: Parse,
    progress: FetchProgress | None,
    max_workers: int,
    client: httpx.Client | None,
    stop_event: threading.Event | None,
    host_gap_seconds: float | None,
    block_private: bool,
) -> list[tuple[Feed, FetchResult, int]]:
    """Fetch claimed feeds, one thread per host, and record each; hand back the ones not started."""
    by_host: dict[str, list[Feed]] = defaultdict(list)
    for feed in feeds:
        by_host[_host(feed.url)].append(feed)
    unstarted = {feed.feed_id for feed in feeds}
    unstarted_lock = threading.Lock()
    recorder = FetchRecorder(wh, progress)
    # One thread per host, so a host waiting out its gap holds up no other host;
    # `max_workers` bounds the requests actually in flight.
    in_flight = threading.BoundedSemaphore(max(1, max_workers))

    def fetch_host(host_feeds: Sequence[Feed], http: httpx.Client) -> None:
        gap = host_gap_seconds if host_gap_seconds is not None else pacing.host_gap_seconds(host_feeds[0].url)
        previous_start: float | None = None
        for feed in host_feeds:
            if previous_start is not None:
                _pause(gap - (time.monotonic() - previous_start), stop_event)
            if stop_event is not None and stop_event.is_set():
                return
            with unstarted_lock:
                unstarted.discard(feed.feed_id)
            with in_flight:
                previous_start = time.monotonic()  # the gap runs from when the request really starts
                started_at = now or datetime.now(UTC)
                result = _fetch(feed, http, now=started_at, parse=parse)
            if result is not None:
                recorder.put(feed, result, started_at)

    http = client or make_client()
    if block_private:
        guard_client(http)
    try:
        with ThreadPoolExecutor(max_workers=min(len(by_host), MAX_HOST_THREADS), thread_name_prefix="fetch") as pool:
            for future in [pool.submit(fetch_host, host_feeds, http) for host_feeds in by_host.values()]:
                future.result()
    finally:
        recorder.close()
        if client is None:
            http.close()
        if unstarted:
            warehouse.release_feeds(wh, sorted(unstarted), due_at=moment)
    return recorder.recorded


def _pause(seconds: float, stop_event: threading.Event | None) -> None:
    if seconds <= 0:
        return
    if stop_event is not None:
        stop_event.wait(seconds)  # a stop request ends the pause at once
    else:
        time.sleep(seconds)


def _fetch(feed: Feed, client: httpx.Client, *, now: datetime, parse: Parse) -> FetchResult | None:
    """One feed's fetch. The only place in ingest that catches broadly: one feed's bug must not stop the rest."""
    try:
        return fetch_feed(feed, client, now=now, parse=parse)
    except Exception:
        logger.exception("feed %d %s: fetch job failed", feed.feed_id, feed.url)
        return None


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
    host_gap_seconds: float | None = None,
    block_private: bool = False,
    after_pass: Callable[[], None] | None = None,
    maintain_every_hours: float = 0,
) -> None:
    """Run `fetch_due` every `interval_seconds` until SIGTERM/SIGINT or `stop_event`.

    The first pass starts at once. Passes never overlap: one that runs long makes
    the next wait, and missed runs collapse into one. Signal handlers are installed
    only when called from the main thread (Python allows no other); either way,
    setting `stop_event` stops it. In-flight requests finish (each is bounded by the
    fetch time limit); feeds not yet started wait for the next run. `host_gap_seconds`
    overrides the per-host gap of every pass (see `fetch_due`). `after_pass` is called after
    every pass (the CLI passes the alerts pass in, as ingest knows nothing of alerts); an
    error in it is logged and fetching goes on. On a lake, `maintain_every_hours` (> 0) also
    compacts its files and expires old snapshots that often (`warehouse.maintain_lake`); it
    takes the lake's writer lock like any write, so several schedulers doing it is harmless.
    """
    stop = stop_event or threading.Event()
    # Started before APScheduler's threads, and kept for every pass (see ingest.workers).
    parser_pool = start_parser_pool(wh, feeds=1, min_feeds=0)
    scheduler = BackgroundScheduler(timezone=UTC)
    scheduler.add_job(
        _scheduled_pass,
        "interval",
        seconds=interval_seconds,
        jitter=max(1, round(interval_seconds / 20)),
        kwargs={
            "wh": wh,
            "stop_event": stop,
            "max_workers": max_workers,
            "host_gap_seconds": host_gap_seconds,
            "block_private": block_private,
            "parser_pool": parser_pool,
            "after_pass": after_pass,
        },
        id="fetch_due",
        max_instances=1,
        # After the machine slept: one late pass at once, however many were missed.
        coalesce=True,
        misfire_grace_time=None,
        next_run_time=datetime.now(UTC),
    )
    if maintain_every_hours > 0 and warehouse.is_lake_target(wh.path):
        scheduler.add_job(
            _maintain_lake,
            "interval",
            seconds=maintain_every_hours * 3600,
            kwargs={"wh": wh},
            id="lake_maintain",
            max_instances=1,
            coalesce=True,
            misfire_grace_time=None,
        )
    previous_handlers = _install_signal_handlers(stop)
    apscheduler_log = logging.getLogger("apscheduler.scheduler")
    apscheduler_log.addFilter(_overlap_is_expected)
    scheduler.start()
    logger.info("scheduler started: fetching due feeds every %g s", interval_seconds)
    try:
        # A timed wait so the main thread wakes to run signal handlers promptly.
        while not stop.wait(0.5):
            pass
    finally:
        logger.info("scheduler stopping")
        scheduler.shutdown(wait=True)
        apscheduler_log.removeFilter(_overlap_is_expected)
        if parser_pool is not None:
            parser_pool.close()
        _restore_signal_handlers(previous_handlers)
        logger.info("scheduler stopped")


def _overlap_is_expected(record: logging.LogRecord) -> bool:
    """Drop APScheduler's warning that a pass was still running at the next tick.

    Passes are meant not to overlap (max_instances=1): a pass longer than the interval makes
    the next wait, which is the design, not a fault, and on a large feed list it happened
    at every tick, burying the log's real warnings.
    """
    return "maximum number of running instances reached" not in record.getMessage()


def _scheduled_pass(
    wh: warehouse.Warehouse,
    stop_event: threading.Event,
    max_workers: int,
    host_gap_seconds: float | None = None,
    block_private: bool = False,
    parser_pool: ParserPool | None = None,
    after_pass: Callable[[], None] | None = None,
) -> None:
    try:
        fetch_due(
            wh,
            max_workers=max_workers,
            stop_event=stop_event,
            host_gap_seconds=host_gap_seconds,
            block_private=block_private,
            parser_pool=parser_pool,
        )
    except Exception:
        # A pass that cannot even list its feeds (warehouse unavailable) is logged and retried next time.
        logger.exception("fetch pass failed")
    if after_pass is not None:
        try:
            after_pass()
        except Exception:
            logger.exception("after-pass hook failed; fetching goes on")


def _maintain_lake(wh: warehouse.Warehouse) -> None:
    try:
        files = warehouse.maintain_lake(str(wh.path), lake_data=getattr(wh, "lake_data", None))
    except Exception:
        logger.exception("lake maintenance failed; fetching goes on")
        return
    logger.info("lake maintained: %d data files before, %d after", files["files_before"], files["files_after"])


def _install_signal_handlers(stop: threading.Event) -> dict[int, Any]:
    return set_on_signals(stop)


def set_on_signals(stop: threading.Event) -> dict[int, Any]:
    """Make SIGTERM and SIGINT set `stop`; returns the handlers they had (none off the main thread).

    The handler runs in the main thread between two of its bytecodes, possibly while
    that thread holds `stop`'s own lock (inside `stop.wait()`): setting the event right
    there would wait for ever on a lock its own thread holds. So the handler leaves the
    setting (and the logging, which takes locks too) to a short-lived thread.
    """
    if threading.current_thread() is not threading.main_thread():
        return {}

    def set_stop(signum: int) -> None:
        logger.info("received %s", signal.Signals(signum).name)
        stop.set()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        threading.Thread(target=set_stop, args=(signum,), name="stop-request", daemon=True).start()

    return {signum: signal.signal(signum, request_stop) for signum in (signal.SIGTERM, signal.SIGINT)}


def _restore_signal_handlers(previous: dict[int, Any]) -> None:
    for signum, handler in previous.items():
        signal.signal(signum, handler)
