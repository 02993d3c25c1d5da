"""The warehouse's DuckDB memory cap: every connection has it, big queries spill past it, and running out is one line.

DuckDB states limits in MiB: 500 MB = 500,000,000 / 1,048,576 = 476.8 MiB, and
1 GB = 953.6 MiB.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from pathlib import Path

import duckdb
import pytest

import warehouse
from tests.integration.test_cli import newstally
from warehouse.engine.db import DEFAULT_MEMORY_LIMIT

# Two million distinct strings of 50 bytes or so: about 100 MB of keys to deduplicate.
_SPILLING_QUERY = (
    "SELECT count(*) FROM (SELECT DISTINCT i::VARCHAR || '-a-value-long-enough-not-to-be-inlined'"
    " FROM range(2000000) AS t(i))"
)


def setting(wh: warehouse.Warehouse, name: str) -> str:
    with wh.reading() as connection:
        return connection.execute("SELECT current_setting(?)", [name]).fetchall()[0][0]


def test_every_connection_is_capped_at_500_mb_by_default(fresh_warehouse, monkeypatch):
    monkeypatch.delenv("NEWSTALLY_MEMORY_LIMIT", raising=False)
    assert DEFAULT_MEMORY_LIMIT == "500MB"
    assert setting(fresh_warehouse, "memory_limit") == "476.8 MiB"
    with fresh_warehouse.writing() as connection:
        assert connection.execute("SELECT current_setting('memory_limit')").fetchall() == [("476.8 MiB",)]


def test_the_cap_and_the_spill_folder_come_from_the_environment(fresh_warehouse, monkeypatch, tmp_path):
    monkeypatch.setenv("NEWSTALLY_MEMORY_LIMIT", "1GB")
    monkeypatch.setenv("NEWSTALLY_TEMP_DIRECTORY", str(tmp_path / "spill"))
    assert setting(fresh_warehouse, "memory_limit") == "953.6 MiB"
    assert setting(fresh_warehouse, "temp_directory") == str(tmp_path / "spill")


def test_a_share_of_the_machines_memory_is_a_cap_too(fresh_warehouse, monkeypatch):
    # DuckDB 1.5 reads no percentages itself; the operations guide offers them.
    machine = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    with duckdb.connect(config={"memory_limit": f"{machine // 4 // 1_000_000}MB"}) as reference:
        a_quarter = reference.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]
    monkeypatch.setenv("NEWSTALLY_MEMORY_LIMIT", "25%")
    assert setting(fresh_warehouse, "memory_limit") == a_quarter
    monkeypatch.setenv("NEWSTALLY_MEMORY_LIMIT", "250%")  # no share of the machine: DuckDB's own error
    with pytest.raises(warehouse.WarehouseUnavailable, match=r"NEWSTALLY_MEMORY_LIMIT .* is not valid"):
        setting(fresh_warehouse, "memory_limit")


def test_the_spill_folder_sits_beside_the_warehouse_by_default(fresh_warehouse, monkeypatch):
    monkeypatch.delenv("NEWSTALLY_TEMP_DIRECTORY", raising=False)
    assert setting(fresh_warehouse, "temp_directory") == str(fresh_warehouse.path) + ".tmp"


def test_a_query_bigger_than_the_cap_spills_to_disk_on_a_read_only_connection(fresh_warehouse, monkeypatch):
    monkeypatch.setenv("NEWSTALLY_MEMORY_LIMIT", "64MB")
    spill = Path(str(fresh_warehouse.path) + ".tmp")
    spilled: list[int] = []
    finished = threading.Event()

    def watch() -> None:
        # DuckDB removes its spill files when the query ends, so look while it runs.
        while not finished.is_set():
            # Not made yet, or a file went between listing and looking.
            with contextlib.suppress(FileNotFoundError):
                spilled.append(sum(entry.stat().st_size for entry in spill.iterdir()))
            time.sleep(0.01)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        with fresh_warehouse.reading() as connection:
            assert connection.execute(_SPILLING_QUERY).fetchall() == [(2_000_000,)]
    finally:
        finished.set()
        watcher.join()
    assert max(spilled, default=0) > 0


def test_a_query_that_cannot_fit_is_a_warehouse_error_naming_the_setting(fresh_warehouse, monkeypatch):
    monkeypatch.setenv("NEWSTALLY_MEMORY_LIMIT", "32MB")
    # A list is built whole in memory: it cannot spill.
    too_big = "SELECT len(list(i::VARCHAR || '-a-long-enough-value')) FROM range(5000000) AS t(i)"
    with (
        pytest.raises(warehouse.WarehouseUnavailable, match="raise NEWSTALLY_MEMORY_LIMIT"),
        fresh_warehouse.reading() as connection,
    ):
        connection.execute(too_big)


def test_an_invalid_memory_limit_is_one_line_from_the_cli(fresh_warehouse, monkeypatch):
    monkeypatch.setenv("NEWSTALLY_MEMORY_LIMIT", "lots")
    done = newstally("events", "list", db=fresh_warehouse.path)
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert "NEWSTALLY_MEMORY_LIMIT" in done.stderr
