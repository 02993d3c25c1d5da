"""Parsing in worker processes, so a fetch pass or an archive uses every core.

Parsing is pure Python and most of ingest's work; in threads it runs on one core
whatever the machine has. Workers are forked, which is cheap and needs no import
guard in the caller's script (forkserver and spawn re-import the caller's main
module), but forking is only safe while the forking process runs no other thread:
a lock another thread held at that moment would stay held in the child for ever.
So a pool is started before any thread of the pass (`start_parser_pool` returns
None otherwise and the caller parses in its own threads), and every worker is
forked at once, before the pool's own manager thread exists.

Workers also key each document's articles for storing and find their watchlist
mentions (`warehouse.keyed_articles`), with the watchlist the pool was started with:
work that needs no warehouse, moved off the storing process, which is a fetch pass's
bottleneck. They send back columns, not an object per article.

Workers ignore Ctrl-C (the parent decides when to stop and shuts them down), end on
SIGTERM whatever handler the parent had installed (multiprocessing.Pool stops its
workers so), and die with their parent (Linux's parent-death signal), so a `kill -9`
of the scheduler leaves no orphan behind.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import multiprocessing
import os
import signal
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import replace
from datetime import datetime

import warehouse
from ingest.errors import FeedUnavailable
from ingest.parsing import ParsedFeed, parse_feed

__all__ = ["ParserPool", "initialise_worker", "start_parser_pool", "worker_count"]

logger = logging.getLogger(__name__)

_PR_SET_PDEATHSIG = 1


def worker_count() -> int:
    """One worker per core, at most four: beyond that the storing process is the bottleneck."""
    return min(os.cpu_count() or 1, 4)


def initialise_worker() -> None:
    """Run first in every worker: leave Ctrl-C to the parent, end on SIGTERM, and die with the parent."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() == 1:  # the parent died before the signal was armed
        os._exit(0)


# In a worker: the watchlist its pool was started with (inherited through the fork, never pickled).
_watchlist: warehouse.Watchlist | None = None


def _start_worker(watchlist: warehouse.Watchlist | None) -> None:
    global _watchlist
    initialise_worker()
    _watchlist = watchlist


def _ready() -> int:
    return os.getpid()


def parse_and_key(
    body: bytes, *, fetched_at: datetime, base_url: str = "", deadline: float | None = None
) -> ParsedFeed:
    """`parse_feed`, with the articles handed over keyed (and matched, given a watchlist) instead of as objects.

    `deadline` is a `time.monotonic()` value of the process that submitted the work: a
    forked worker on the same machine reads the same clock (CLOCK_MONOTONIC on Linux).
    """
    parsed = parse_feed(body, fetched_at=fetched_at, base_url=base_url, deadline=deadline)
    keyed = warehouse.keyed_articles(parsed.articles, fetched_at=fetched_at, watchlist=_watchlist)
    return replace(parsed, articles=(), keyed=keyed)


class ParserPool:
    """`parse_and_key` run in forked worker processes, callable from many threads at once.

    `watchlist` is the one the workers find mentions with: the warehouse's stored one
    when the pool starts. Should it be edited later, the storing process notices and
    matches those articles itself.
    """

    def __init__(self, workers: int, watchlist: warehouse.Watchlist | None = None) -> None:
        self._executor = ProcessPoolExecutor(
            workers,
            mp_context=multiprocessing.get_context("fork"),
            initializer=_start_worker,
            initargs=(watchlist,),
        )
        self._broken = False
        # The first task forks every worker (with fork, Python starts them all at once)
        # while this process still has one thread; waiting for it proves they run.
        self._executor.submit(_ready).result()

    def parse(
        self, body: bytes, *, fetched_at: datetime, base_url: str = "", deadline: float | None = None
    ) -> ParsedFeed:
        """What `parse_and_key` returns or raises, computed in a worker.

        If a worker died (killed, or crashed on hostile bytes), this feed's parse is
        reported as a transient error and the pool is retired: later feeds are parsed
        in the calling thread, as without a pool.
        """
        if self._broken:
            return parse_feed(body, fetched_at=fetched_at, base_url=base_url, deadline=deadline)
        try:
            return self._executor.submit(
                parse_and_key, body, fetched_at=fetched_at, base_url=base_url, deadline=deadline
            ).result()
        except BrokenProcessPool as error:
            self._broken = True
            logger.error("a parser process died; parsing in this process from now on")
            raise FeedUnavailable("the parser process died while reading this document") from error

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> ParserPool:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def start_parser_pool(wh: warehouse.Warehouse, *, feeds: int, min_feeds: int = 20) -> ParserPool | None:
    """A pool for a pass over `feeds` feeds into `wh`, or None where parsing in threads is the right call.

    None with one core, for a pass too small to repay the forks (`min_feeds`), and
    whenever this process already runs another thread (see the module docstring).
    The workers find mentions with `wh`'s watchlist as it is now.
    """
    workers = worker_count()
    if workers < 2 or feeds < min_feeds or threading.active_count() > 1:
        return None
    # Compiled here, before the fork, so every worker inherits it instead of compiling it again.
    watchlist = warehouse.current_watchlist(wh) if wh.exists() else None
    try:
        pool = ParserPool(workers, watchlist)
    except (OSError, BrokenProcessPool) as error:
        logger.warning("parsing in this process: could not start parser processes: %s", error)
        return None
    logger.info("parsing in %d worker processes", workers)
    return pool
