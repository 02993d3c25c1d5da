"""`--host-gap SECONDS` on fetch, schedule and up: the per-host politeness gap, set from the command line."""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import ClassVar

import pytest

import warehouse
from newstally.cli import build_parser, main
from tests.integration.feed_server import FeedServer, respond, running_feed_server
from tests.integration.test_fetch_http import BODY

GAP_SECONDS = 0.4
# Arrival times are taken at the server, so connection set-up can shift one request
# a few milliseconds against the other; only a lower bound is asserted.
SLACK_SECONDS = 0.02


@pytest.fixture
def timed_server() -> Iterator[tuple[FeedServer, list[float]]]:
    arrivals: list[float] = []

    def timed(handler: BaseHTTPRequestHandler) -> None:
        arrivals.append(time.monotonic())
        respond(handler, 200, BODY)

    with running_feed_server() as server:
        for number in range(3):
            server.routes[f"/feed-{number}.xml"] = timed
        yield server, arrivals


def _register_feeds(wh: warehouse.Warehouse, server: FeedServer) -> None:
    # Three outlets on one host (127.0.0.1), which by default gets no gap at all.
    for number in range(3):
        warehouse.add_feed(wh, server.url(f"/feed-{number}.xml"), source_name=f"Outlet {number}")


def _newstally(*args: str) -> list[str]:
    return [sys.executable, "-m", "newstally", *args]


def _environment() -> dict[str, str]:
    env = {**os.environ}
    env.pop("NEWSTALLY_DB", None)
    return env


def _assert_spaced(arrivals: list[float], gap: float) -> None:
    gaps = [later - earlier for earlier, later in itertools.pairwise(arrivals)]
    assert len(arrivals) == 3
    assert all(each >= gap - SLACK_SECONDS for each in gaps), gaps


def test_fetch_with_host_gap_spaces_requests_to_one_host_by_at_least_the_gap(timed_server, fresh_warehouse):
    server, arrivals = timed_server
    _register_feeds(fresh_warehouse, server)

    finished = subprocess.run(
        _newstally("--db", str(fresh_warehouse.path), "fetch", "--host-gap", str(GAP_SECONDS)),
        capture_output=True,
        text=True,
        env=_environment(),
        timeout=120,
        check=False,
    )

    assert finished.returncode == 0, finished.stderr
    assert "fetched 3 feeds: 9 new articles, 0 failed" in finished.stderr  # three outlets, three stories each
    _assert_spaced(arrivals, GAP_SECONDS)


def test_schedule_with_host_gap_spaces_requests_to_one_host_by_at_least_the_gap(timed_server, fresh_warehouse):
    server, arrivals = timed_server
    _register_feeds(fresh_warehouse, server)

    scheduler = subprocess.Popen(
        _newstally("--db", str(fresh_warehouse.path), "schedule", "--interval", "60", "--host-gap", str(GAP_SECONDS)),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=_environment(),
    )
    try:
        waited_until = time.monotonic() + 60
        while len(arrivals) < 3 and time.monotonic() < waited_until and scheduler.poll() is None:
            time.sleep(0.05)
    finally:
        scheduler.send_signal(signal.SIGTERM)
        _, stderr = scheduler.communicate(timeout=30)

    assert scheduler.returncode == 0, stderr.decode(errors="replace")
    _assert_spaced(arrivals, GAP_SECONDS)


class _RecordedChild:
    """Stands in for a child process of `up`: records its command and ends at once."""

    commands: ClassVar[list[list[str]]] = []

    def __init__(self, command: list[str], **_: object) -> None:
        self.commands.append(command)
        self.returncode = 0

    def poll(self) -> int:
        return 0

    def terminate(self) -> None:
        pass

    def wait(self, timeout: float | None = None) -> int:
        return 0


@pytest.mark.parametrize(
    ("option", "forwarded"),
    [(["--host-gap", "1.5"], ["--host-gap", "1.5"]), ([], [])],
    ids=["given", "not given"],
)
def test_up_hands_its_host_gap_to_the_scheduler_it_starts(
    option: list[str], forwarded: list[str], fresh_warehouse, monkeypatch
):
    import newstally.run_commands

    _RecordedChild.commands = []
    monkeypatch.setattr(newstally.run_commands.subprocess, "Popen", _RecordedChild)
    # The real one installs signal handlers, which would outlive this test in pytest's process.
    monkeypatch.setattr(newstally.run_commands, "_stop_on_signals", threading.Event)

    assert main(["--db", str(fresh_warehouse.path), "up", *option]) == 0

    (schedule,) = [command for command in _RecordedChild.commands if "schedule" in command]
    assert schedule[schedule.index("schedule") :] == ["schedule", "--interval", "60", *forwarded]


@pytest.mark.parametrize("command", ["fetch", "schedule", "up"])
@pytest.mark.parametrize("value", ["-1", "-0.5", "soon", "", "nan", "inf"])
def test_a_negative_or_non_numeric_host_gap_is_one_line_and_exit_2(command: str, value: str, tmp_path: Path, capsys):
    database = tmp_path / "never-created.duckdb"

    with pytest.raises(SystemExit) as stopped:
        main(["--db", str(database), command, f"--host-gap={value}"])

    assert stopped.value.code == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1
    assert f"bad number of seconds {value!r}: use a number of 0 or more" in error
    assert not database.exists()


@pytest.mark.parametrize("command", ["fetch", "schedule", "up"])
def test_host_gap_accepts_zero_and_fractions_and_defaults_to_the_pacing_policy(command: str):
    parser = build_parser()

    assert parser.parse_args([command, "--host-gap", "0"]).host_gap == 0.0
    assert parser.parse_args([command, "--host-gap", "2.25"]).host_gap == 2.25
    assert parser.parse_args([command]).host_gap is None  # None: ingest.pacing decides per host


def test_the_help_states_the_default_gap_that_pacing_really_uses(capsys):
    from ingest.pacing import DEFAULT_HOST_GAP_SECONDS

    with pytest.raises(SystemExit):
        main(["fetch", "--help"])

    help_text = " ".join(capsys.readouterr().out.split())
    assert f"default {DEFAULT_HOST_GAP_SECONDS:g} for remote hosts" in help_text
