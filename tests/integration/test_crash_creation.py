"""kill -9 while a warehouse is being created or migrated: what is left opens and passes `newstally check`.

A real `newstally ingest-archive` into a path with no warehouse yet is SIGKILLed at
increasing moments of its first second and a half, the window in which the file is
created, migrated and given its watchlist. After every kill the path holds either no
warehouse or one that `newstally check` passes; the same command run again then
completes and the check stays clean.

A crash inside the migration of an existing file is made exactly: the log holding one
committed migration is copied before DuckDB folds it into the file. DuckDB 1.5 cannot
replay that log (duckdb#18259), so without the recovery in warehouse.engine.db the
file would not open at all.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from tests.conftest import REPO_ROOT, SHIPPED_WATCHLIST
from warehouse.engine.queries import migration_files

FEEDS = REPO_ROOT / "tests" / "fixtures" / "feeds"
KILLS = 20
STEP_SECONDS = 0.075  # the k-th kill comes k steps after the start: 0.075 s to 1.5 s
BUDGET_SECONDS = 200  # on a slow or busy machine fewer kills, never an endless test


def newstally(db: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "newstally", "--db", str(db), "--watchlist", str(SHIPPED_WATCHLIST), *args]


def environment() -> dict[str, str]:
    return {key: value for key, value in os.environ.items() if key != "NEWSTALLY_DB"}


def run(command: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=REPO_ROOT, env=environment(), capture_output=True, text=True, timeout=300)


def killed_after(command: list[str], seconds: float) -> bool:
    """Start the command, SIGKILL it `seconds` later; whether it was still running then."""
    process = subprocess.Popen(
        command, cwd=REPO_ROOT, env=environment(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        try:
            process.wait(timeout=seconds)
            return False
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGKILL)
            # It may have finished between the timeout and the signal: then it was not killed.
            code = process.wait(timeout=30)
            assert code in (0, -signal.SIGKILL), f"exit {code} before the kill"
            return code == -signal.SIGKILL
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def assert_checks_clean(db: Path, context: str) -> None:
    check = run(newstally(db, "check"))
    assert check.returncode == 0, f"{context}: {check.stdout}{check.stderr[-2000:]}"
    assert "no problems found" in check.stderr


@pytest.mark.timeout(BUDGET_SECONDS + 200)
def test_sigkill_while_creating_leaves_no_warehouse_or_a_whole_one(tmp_path: Path):
    outcomes = []
    started = time.monotonic()
    for kill in range(1, KILLS + 1):
        folder = tmp_path / f"kill{kill:02d}"
        folder.mkdir()
        db = folder / "new.duckdb"
        delay = kill * STEP_SECONDS
        was_running = killed_after(newstally(db, "ingest-archive", str(FEEDS)), delay)
        left = "whole" if db.exists() else "absent"
        outcomes.append((delay, was_running, left))
        if db.exists():
            assert_checks_clean(db, f"after the kill at {delay:.3f} s")

        rerun = run(newstally(db, "ingest-archive", str(FEEDS)))
        assert rerun.returncode == 0, f"rerun after the kill at {delay:.3f} s: {rerun.stderr[-2000:]}"
        assert_checks_clean(db, f"after the rerun following the kill at {delay:.3f} s")
        # The temporary a crashed creation left was removed or renamed into place.
        assert sorted(path.name for path in folder.iterdir() if "creating" in path.name) == []
        if time.monotonic() - started > BUDGET_SECONDS:
            break
    print("delay s, killed, left:", outcomes)
    killed = [outcome for outcome in outcomes if outcome[1]]
    assert len(killed) >= len(outcomes) // 2, f"most commands finished before their kill: {outcomes}"
    assert any(left == "absent" for _, was_running, left in killed), f"no kill came during creation: {outcomes}"


def test_a_crash_inside_a_migration_of_an_existing_file_is_finished_before_anyone_reads(tmp_path: Path):
    """The state SIGKILL leaves right after a migration's commit, before DuckDB folds its log into the file."""
    live = tmp_path / "live"
    live.mkdir()
    db = live / "old.duckdb"
    first, second, *_ = migration_files()
    connection = duckdb.connect(str(db))
    try:
        connection.execute(
            "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR NOT NULL,"
            " applied_at TIMESTAMP NOT NULL)"
        )
        connection.execute(first[2])
        connection.execute("INSERT INTO schema_migrations VALUES (?, ?, now()::TIMESTAMP)", [first[0], first[1]])
        connection.execute("CHECKPOINT")
        # What migrate() does for an existing file: the marker, then the migration's one transaction.
        (live / "old.duckdb.migrating").touch()
        connection.execute("BEGIN TRANSACTION")
        connection.execute(second[2])
        connection.execute("INSERT INTO schema_migrations VALUES (?, ?, now()::TIMESTAMP)", [second[0], second[1]])
        connection.execute("COMMIT")
        crashed = tmp_path / "crashed"
        shutil.copytree(live, crashed)
    finally:
        connection.close()
    copy = crashed / "old.duckdb"
    assert (crashed / "old.duckdb.wal").exists(), "the migration must still be in the log, as after a crash"

    # The first to open it, a reader included, finishes the upgrade: check finds every migration applied.
    # (This hand-made file has no watchlist, which check reports; an upgraded warehouse has its own.)
    check = run(newstally(copy, "check"))
    assert "checked " in check.stderr, check.stderr[-2000:]
    assert "migration" not in check.stdout, check.stdout + check.stderr[-2000:]
    assert not (crashed / "old.duckdb.migrating").exists()

    rerun = run(newstally(copy, "ingest-archive", str(FEEDS)))
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    assert_checks_clean(copy, "after migrating on")


@pytest.mark.timeout(BUDGET_SECONDS + 200)
def test_sigkill_while_migrating_an_existing_file_leaves_one_that_opens_and_migrates_on(tmp_path: Path):
    first = migration_files()[0]
    template = tmp_path / "template.duckdb"
    connection = duckdb.connect(str(template))
    try:
        connection.execute(
            "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR NOT NULL,"
            " applied_at TIMESTAMP NOT NULL)"
        )
        connection.execute(first[2])
        connection.execute("INSERT INTO schema_migrations VALUES (?, ?, now()::TIMESTAMP)", [first[0], first[1]])
    finally:
        connection.close()
    outcomes = []
    started = time.monotonic()
    for kill in range(1, 11):
        folder = tmp_path / f"kill{kill:02d}"
        folder.mkdir()
        db = folder / "old.duckdb"
        shutil.copy(template, db)
        delay = kill * 2 * STEP_SECONDS
        was_running = killed_after(newstally(db, "ingest-archive", str(FEEDS)), delay)
        interrupted = (folder / "old.duckdb.migrating").exists()
        check = run(newstally(db, "check"))
        outcomes.append((delay, was_running, interrupted, check.returncode, check.stdout[:60]))
        # It opens: the check runs. Killed during the upgrade, the check finishes it and finds the file whole;
        # killed before the upgrade began, the file is the old one, its migrations listed as still to apply.
        assert "checked " in check.stderr or "no warehouse at" in check.stderr, (
            f"after the kill at {delay:.3f} s: {check.stderr[-2000:]}"
        )
        if interrupted:
            assert "migration" not in check.stdout, f"after the kill at {delay:.3f} s: {check.stdout}"
        rerun = run(newstally(db, "ingest-archive", str(FEEDS)))
        assert rerun.returncode == 0, f"rerun after the kill at {delay:.3f} s: {rerun.stderr[-2000:]}"
        assert_checks_clean(db, f"after the rerun following the kill at {delay:.3f} s")
        if time.monotonic() - started > BUDGET_SECONDS:
            break
    print("delay s, killed, inside a migration, check exit:", outcomes)
