"""The scheduler as its own process: SIGTERM and SIGINT stop it cleanly and promptly."""

from __future__ import annotations

import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import logging, sys
logging.basicConfig(level=logging.INFO, format="%(message)s")
import warehouse
from ingest import run_scheduler
run_scheduler(warehouse.Warehouse(sys.argv[1]), interval_seconds=3600)
"""


def _lines(stream) -> queue.Queue[str]:
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        for line in stream:
            lines.put(line)

    threading.Thread(target=pump, daemon=True).start()
    return lines


def _wait_for(lines: queue.Queue[str], text: str, timeout: float) -> list[str]:
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=0.1)
        except queue.Empty:
            continue
        seen.append(line)
        if text in line:
            return seen
    raise AssertionError(f"{text!r} not logged within {timeout} s; got {seen}")


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_stops_the_scheduler_within_a_few_seconds(fresh_warehouse, signum: signal.Signals):
    process = subprocess.Popen(
        [sys.executable, "-c", SCRIPT, str(fresh_warehouse.path)],
        cwd=REPO_ROOT,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        lines = _lines(process.stderr)
        _wait_for(lines, "scheduler started", timeout=30)
        signalled = time.monotonic()

        process.send_signal(signum)
        returncode = process.wait(timeout=5)

        assert time.monotonic() - signalled < 5
        assert returncode == 0
        _wait_for(lines, "scheduler stopped", timeout=1)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stderr.close()


def test_a_signal_arriving_while_the_main_thread_holds_the_stop_events_lock_still_stops_it():
    """The race behind a scheduler that sometimes ignored SIGTERM: the handler ran inside `stop.wait()`."""
    import os

    from ingest.scheduler import set_on_signals

    stop = threading.Event()
    previous = set_on_signals(stop)
    try:
        with stop._cond:  # where Event.wait holds it, between its bytecodes
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(0.2)  # the handler runs here, in this thread, with the lock held
            assert not stop.is_set()
        assert stop.wait(timeout=10)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
