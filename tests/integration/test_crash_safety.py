"""kill -9 in the middle of an ingest: nothing committed is lost or doubled, and a rerun completes the ingest.

A real writer process (`newstally ingest-archive` over a generated folder of feed
files) is killed with SIGKILL once it has stored part of the folder. Every item
mentions Putin, so "every article has its mentions" is checkable through the
public series: articles mentioning Putin must equal all articles.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import warehouse
from ingest.archive import BATCH_ITEMS
from tests.conftest import REPO_ROOT, SHIPPED_WATCHLIST

# Several of the ingest's transactions (ingest.archive.BATCH_ITEMS items each), so it can be killed between them.
FILES = 600
ITEMS_PER_FILE = 100
OUTLETS = 6
FIRST_DAY = datetime(2024, 5, 1, 6, 0, tzinfo=UTC)


def write_archive(folder: Path) -> None:
    """FILES feed documents, ITEMS_PER_FILE distinct items each, spread over OUTLETS outlets and 30 days."""
    folder.mkdir()
    for number in range(FILES):
        items = []
        for index in range(ITEMS_PER_FILE):
            published = FIRST_DAY + timedelta(days=(number + index) % 30, minutes=index)
            items.append(
                f"<item><guid>file{number}-item{index}</guid>"
                f"<title>Putin and story {index} of file {number}</title>"
                f"<link>https://outlet.example/{number}/{index}</link>"
                f"<pubDate>{format_datetime(published, usegmt=True)}</pubDate></item>"
            )
        document = (
            '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>Outlet {number % OUTLETS}</title>{''.join(items)}</channel></rss>"
        )
        (folder / f"snapshot-{number:04d}.xml").write_text(document, encoding="utf-8")


def ingest_command(db: Path, folder: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "newstally",
        "--db",
        str(db),
        "--watchlist",
        str(SHIPPED_WATCHLIST),
        "ingest-archive",
        str(folder),
    ]


def stored_articles(wh: warehouse.Warehouse) -> int:
    return warehouse.corpus_facts(wh).articles if wh.exists() else 0


def articles_mentioning_putin(wh: warehouse.Warehouse) -> int:
    frame = warehouse.entity_series(wh, ["putin"], start=FIRST_DAY.date(), end=(FIRST_DAY + timedelta(days=31)).date())
    return int(frame["articles"].sum())


def test_sigkill_mid_ingest_loses_nothing_committed_and_a_rerun_completes_it(tmp_path: Path):
    assert FILES * ITEMS_PER_FILE > 2 * BATCH_ITEMS, "the archive must take several transactions"
    folder = tmp_path / "archive"
    write_archive(folder)
    db = tmp_path / "newstally.duckdb"
    wh = warehouse.Warehouse(db)
    env = {key: value for key, value in os.environ.items() if key != "NEWSTALLY_DB"}
    writer = subprocess.Popen(
        ingest_command(db, folder), cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 60
        while stored_articles(wh) < 1 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert writer.poll() is None, "the ingest finished before it could be killed; give it more files"
        writer.send_signal(signal.SIGKILL)
        assert writer.wait(timeout=10) == -signal.SIGKILL
    finally:
        if writer.poll() is None:
            writer.kill()
            writer.wait()

    after_kill = stored_articles(wh)
    assert 0 < after_kill < FILES * ITEMS_PER_FILE
    # Files are stored in groups, one transaction each: whole files, never part of one.
    assert after_kill % ITEMS_PER_FILE == 0
    assert articles_mentioning_putin(wh) == after_kill

    rerun = subprocess.run(
        ingest_command(db, folder), cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=300
    )

    assert rerun.returncode == 0, rerun.stderr
    assert f"{FILES * ITEMS_PER_FILE - after_kill} new" in rerun.stderr
    assert stored_articles(wh) == FILES * ITEMS_PER_FILE
    assert articles_mentioning_putin(wh) == FILES * ITEMS_PER_FILE
    assert {source.name for source in warehouse.list_sources(wh)} == {f"Outlet {n}" for n in range(OUTLETS)}
