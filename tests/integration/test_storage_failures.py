"""A write that fails for lack of space or permission: one clear line, and the warehouse as it was.

Disk full without root's mount rights: the writer runs with RLIMIT_FSIZE just above what
the warehouse needs and SIGXFSZ ignored, so a write past the limit fails with EFBIG as a
full disk fails with ENOSPC, in the same places. Read-only: chmod when the tests run as
an ordinary user; as root (whom chmod does not stop) the command runs in its own mount
namespace with the folder bind-mounted read-only, and the test is skipped, saying why,
only where neither is possible.
"""

from __future__ import annotations

import hashlib
import os
import resource
import shutil
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import warehouse
from tests.conftest import REPO_ROOT, SHIPPED_WATCHLIST, article
from warehouse.upkeep.integrity import check_integrity

ARTICLES = 2_000


@pytest.fixture
def populated(fresh_warehouse: warehouse.Warehouse) -> warehouse.Warehouse:
    start = datetime(2018, 7, 1, tzinfo=UTC)
    warehouse.store_articles(
        fresh_warehouse,
        "Outlet A",
        [
            article(f"g{n}", f"Putin and Trump, story {n}", "NATO sanctions", start + timedelta(minutes=n))
            for n in range(ARTICLES)
        ],
    )
    return fresh_warehouse


def state(wh: warehouse.Warehouse) -> tuple:
    """What a reader sees: the corpus, the tallies behind a series, the feeds and the calendar.

    Not the data version: opening a warehouse for writing commits a (tiny) transaction of its own.
    """
    facts = warehouse.corpus_facts(wh)
    series = warehouse.entity_series(wh, ["putin", "trump", "nato"], start=datetime(2018, 7, 1).date())
    return (
        facts.articles,
        facts.watchlist_hash,
        series.to_csv(index=False),
        [feed.url for feed in warehouse.list_feeds(wh)],
        [event.event_id for event in warehouse.list_events(wh)],
    )


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def newstally_command(db: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "newstally", "--db", str(db), *args]


def run(command: list[str], **kwargs) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key != "NEWSTALLY_DB"}
    return subprocess.run(
        command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=180, check=False, **kwargs
    )


def file_size_limit(limit_bytes: int):
    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG instead of death, like ENOSPC
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit_bytes, limit_bytes))

    return apply


def assert_one_clear_line(result: subprocess.CompletedProcess[str], reason: str) -> None:
    assert result.returncode == 2, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("newstally: error: cannot write warehouse"), lines[0]
    assert reason in lines[0], lines[0]
    assert "Traceback" not in result.stderr


# --- disk full ----------------------------------------------------------------------------------


def test_retally_on_a_full_disk_fails_in_one_line_and_leaves_the_tallies_as_they_were(
    populated: warehouse.Warehouse, tmp_path: Path
):
    before, before_bytes = state(populated), digest(populated.path)
    edited = tmp_path / "watchlist.toml"
    edited.write_text(
        SHIPPED_WATCHLIST.read_text(encoding="utf-8")
        + '\n[[theme]]\nid = "story"\nname = "Story"\naliases = ["story"]\n',
        encoding="utf-8",
    )
    # Room for a small log, not for 2,000 articles' worth of new mentions.
    result = run(
        newstally_command(populated.path, "--watchlist", str(edited), "retally"),
        preexec_fn=file_size_limit(64 * 1024),
    )

    assert_one_clear_line(result, "file size limit reached; nothing of this write was stored")
    assert digest(populated.path) == before_bytes
    assert state(populated) == before
    assert check_integrity(populated, watchlist_path=SHIPPED_WATCHLIST) == []
    # Space again: the same command succeeds.
    assert run(newstally_command(populated.path, "--watchlist", str(edited), "retally")).returncode == 0
    assert check_integrity(populated, watchlist_path=edited) == []


def test_ingest_on_a_full_disk_keeps_no_part_of_the_failed_batch(populated: warehouse.Warehouse, tmp_path: Path):
    folder = tmp_path / "archive"
    folder.mkdir()
    items = "".join(
        f"<item><guid>new{n}</guid><title>Putin story {n} {'x' * 400}</title>"
        f"<pubDate>Mon, 16 Jul 2018 12:00:00 GMT</pubDate></item>"
        for n in range(400)
    )
    (folder / "big.xml").write_text(f'<rss version="2.0"><channel><title>Outlet B</title>{items}</channel></rss>')
    before = state(populated)

    result = run(
        newstally_command(populated.path, "ingest-archive", str(folder)), preexec_fn=file_size_limit(64 * 1024)
    )

    assert_one_clear_line(result, "file size limit reached")
    assert state(populated) == before
    assert check_integrity(populated, watchlist_path=SHIPPED_WATCHLIST) == []


# --- read-only ------------------------------------------------------------------------------------


def read_only_runner(folder: Path):
    """A function running a command with `folder` read-only to it, or a reason why that cannot be done here."""
    if os.geteuid() != 0:

        def as_user(command: list[str]) -> subprocess.CompletedProcess[str]:
            modes = {path: path.stat().st_mode for path in [folder, *folder.iterdir()]}
            for path in modes:
                path.chmod(0o555 if path.is_dir() else 0o444)
            try:
                return run(command)
            finally:
                for path, mode in modes.items():
                    path.chmod(mode)

        return as_user, None
    unshare = shutil.which("unshare")
    if unshare is None:
        return None, "running as root, where chmod does not stop writes, and unshare(1) is missing"
    probe = run([unshare, "--mount", "sh", "-c", f"mount --bind -o ro '{folder}' '{folder}'"])
    if probe.returncode != 0:
        return None, f"running as root and a read-only bind mount is not permitted here: {probe.stderr.strip()}"

    def in_read_only_mount(command: list[str]) -> subprocess.CompletedProcess[str]:
        script = f'mount --bind -o ro "{folder}" "{folder}" && exec "$@"'
        return run([unshare, "--mount", "sh", "-c", script, "sh", *command])

    return in_read_only_mount, None


@pytest.mark.parametrize(
    "command",
    [
        ["feeds", "add", "https://news.example/rss"],
        ["events", "add", "new_summit", "--name", "Summit", "--start", "2018-07-20"],
        ["retally"],
    ],
    ids=["feeds-add", "events-add", "retally"],
)
def test_a_write_to_a_read_only_warehouse_fails_in_one_line_and_reads_still_work(
    populated: warehouse.Warehouse, command: list[str]
):
    runner, reason = read_only_runner(populated.path.parent)
    if runner is None:
        pytest.skip(reason)
    before, before_bytes = state(populated), digest(populated.path)

    result = runner(newstally_command(populated.path, *command))

    assert_one_clear_line(result, "nothing")
    assert any(word in result.stderr for word in ("read-only file system", "permission denied"))
    assert digest(populated.path) == before_bytes
    assert state(populated) == before
    series = runner(newstally_command(populated.path, "series", "--entity", "putin", "--from", "2018-07-01"))
    assert series.returncode == 0, series.stderr
    assert series.stdout.startswith("bucket_start,entity_id,articles")
    assert check_integrity(populated, watchlist_path=SHIPPED_WATCHLIST) == []


def test_an_export_into_a_read_only_folder_fails_in_one_line(populated: warehouse.Warehouse):
    runner, reason = read_only_runner(populated.path.parent)
    if runner is None:
        pytest.skip(reason)
    out = populated.path.parent / "series.csv"

    result = runner(newstally_command(populated.path, "export", "--out", str(out), "--entity", "putin"))

    assert result.returncode == 2, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("newstally: error: cannot write"), result.stderr
    assert not out.exists()
