"""Parsing in worker processes, so a fetch pass or an archive uses every core.

Parsing is pure Python and most of ingest's work; in threads it runs on one core
whatever the machine has. Workers are forked, which is cheap and needs no import
guard in the caller's script (forkserver and spawn re-import the caller's main
module), but forking is only safe while the forking process runs no other thread:
a lock another thread held at that moment would stay held in the child for ever.
So a pool is started before any thread of the pass (`start_parser_pool` returns
None otherwise and the caller parses in its own threads), and every worker is
forked at once, before the pool's own manager thread exists.

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
from datetime import datetime

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


def _ready() -> int:
    return os.getpid()


class ParserPool:
    """`parse_feed` run in forked worker processes, callable from many threads at once."""

    def __init__(self, workers: int) -> None:
        self._executor = ProcessPoolExecutor(
            workers, mp_context=multiprocessing.get_context("fork"), initializer=initialise_worker
        )
        self._broken = False
        # The first task forks every worker (with fork, Python starts them all at once)
        # while this process still has one thread; waiting for it proves they run.
        self._executor.submit(_ready).result()

    def parse(self, body: bytes, *, fetched_at: datetime, base_url: str = "") -> ParsedFeed:
        """What `parse_feed` returns or raises, computed in a worker.

        If a worker died (killed, or crashed on hostile bytes), this feed's parse is
        reported as a transient error and the pool is retired: later feeds are parsed
        in the calling thread, as without a pool.
        """
        if self._broken:
            return parse_feed(body, fetched_at=fetched_at, base_url=base_url)
        try:
            return self._executor.submit(parse_feed, body, fetched_at=fetched_at, base_url=base_url).result()
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


def start_parser_pool(*, feeds: int, min_feeds: int = 20) -> ParserPool | None:
    """A pool for a pass over `feeds` feeds, or None where parsing in threads is the right call.

    None with one core, for a pass too small to repay the forks (`min_feeds`), and
    whenever this process already runs another thread (see the module docstring).
    """
    workers = worker_count()
    if workers < 2 or feeds < min_feeds or threading.active_count() > 1:
        return None
    try:
        pool = ParserPool(workers)
    except (OSError, BrokenProcessPool) as error:
        logger.warning("parsing in this process: could not start parser processes: %s", error)
        return None
    logger.info("parsing in %d worker processes", workers)
    return pool
