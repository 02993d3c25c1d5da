"""`newstally backup`: a whole, self-contained copy, even while a real writer keeps committing."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import warehouse
from tests.conftest import REPO_ROOT, SHIPPED_WATCHLIST, article
from tests.integration.test_crash_safety import ITEMS_PER_FILE, ingest_command, write_archive


def newstally(*args: str) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key != "NEWSTALLY_DB"}
    return subprocess.run(
        [sys.executable, "-m", "newstally", "--watchlist", str(SHIPPED_WATCHLIST), *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


LEAVE_A_COMMIT_IN_THE_LOG = """
import os, sys, duckdb
connection = duckdb.connect(sys.argv[1])
connection.execute("UPDATE warehouse_facts SET value = '4242' WHERE key = 'write_count'")
os._exit(0)
"""


def test_a_backup_is_one_file_holding_every_commit_even_those_still_in_the_log(
    fresh_warehouse: warehouse.Warehouse, tmp_path: Path
):
    warehouse.store_articles(fresh_warehouse, "Outlet A", [article(str(n), f"Putin story {n}") for n in range(50)])
    # A writer that died after committing, before folding its log into the file.
    subprocess.run([sys.executable, "-c", LEAVE_A_COMMIT_IN_THE_LOG, str(fresh_warehouse.path)], check=True, timeout=60)
    assert fresh_warehouse.wal_path.exists()
    out = tmp_path / "backup" / "copy.duckdb"
    out.parent.mkdir()

    result = newstally("--db", str(fresh_warehouse.path), "backup", "--out", str(out))

    assert result.returncode == 0, result.stderr
    assert sorted(path.name for path in out.parent.iterdir()) == ["copy.duckdb"]
    copy = warehouse.Warehouse(out)
    assert warehouse.corpus_facts(copy).articles == 50
    assert warehouse.corpus_facts(copy).data_version.startswith("4242-")
    assert warehouse.check_integrity(copy, watchlist_path=SHIPPED_WATCHLIST) == []


def test_backups_taken_while_a_writer_commits_hold_whole_transactions_only(tmp_path: Path):
    folder = tmp_path / "archive"
    write_archive(folder)
    db = tmp_path / "newstally.duckdb"
    env = {key: value for key, value in os.environ.items() if key != "NEWSTALLY_DB"}
    writer = subprocess.Popen(
        ingest_command(db, folder), cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    backups = []
    try:
        while not db.exists() and writer.poll() is None:
            time.sleep(0.05)
        for number in range(3):
            out = tmp_path / f"backup-{number}.duckdb"
            result = newstally("--db", str(db), "backup", "--out", str(out))
            assert result.returncode == 0, result.stderr
            backups.append(out)
    finally:
        writer.wait(timeout=300)
    for out in backups:
        copy = warehouse.Warehouse(out)
        assert warehouse.check_integrity(copy, watchlist_path=SHIPPED_WATCHLIST, recount_articles=None) == []
        # The archive ingest commits whole files (of ITEMS_PER_FILE items), never part of one.
        assert warehouse.corpus_facts(copy).articles % ITEMS_PER_FILE == 0


def test_backup_refuses_to_overwrite_and_says_so_in_one_line(fresh_warehouse: warehouse.Warehouse, tmp_path: Path):
    existing = tmp_path / "already.duckdb"
    existing.write_bytes(b"precious")

    result = newstally("--db", str(fresh_warehouse.path), "backup", "--out", str(existing))

    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [f"newstally: error: {existing} already exists: back up to a new file"]
    assert existing.read_bytes() == b"precious"


def test_a_restored_backup_is_sound_and_writable(fresh_warehouse: warehouse.Warehouse, tmp_path: Path):
    warehouse.store_articles(fresh_warehouse, "Outlet A", [article("1", "Putin speaks")])
    out = tmp_path / "copy.duckdb"
    assert newstally("--db", str(fresh_warehouse.path), "backup", "--out", str(out)).returncode == 0
    restored = tmp_path / "restored" / "newstally.duckdb"
    restored.parent.mkdir()
    restored.write_bytes(out.read_bytes())

    assert newstally("--db", str(restored), "check").returncode == 0
    assert newstally("--db", str(restored), "feeds", "add", "https://news.example/rss").returncode == 0
    assert [feed.url for feed in warehouse.list_feeds(warehouse.Warehouse(restored))] == ["https://news.example/rss"]
