"""`newstally init`: editable copies of the shipped files, never over a user's own edits unless told."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO_ROOT, SHIPPED_EVENTS, SHIPPED_FEEDS, SHIPPED_WATCHLIST

NAMES = ("watchlist.toml", "events.toml", "feeds.opml")


def newstally(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "newstally", *args], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )


def test_init_writes_the_three_shipped_files_and_says_how_to_use_them(tmp_path: Path):
    done = newstally("init", "mine", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    folder = tmp_path / "mine"
    assert sorted(path.name for path in folder.iterdir()) == sorted(NAMES)
    assert (folder / "watchlist.toml").read_bytes() == SHIPPED_WATCHLIST.read_bytes()
    assert (folder / "events.toml").read_bytes() == SHIPPED_EVENTS.read_bytes()
    assert (folder / "feeds.opml").read_bytes() == SHIPPED_FEEDS.read_bytes()
    assert f"NEWSTALLY_WATCHLIST={folder.resolve() / 'watchlist.toml'}" in done.stdout
    assert f"NEWSTALLY_EVENTS={folder.resolve() / 'events.toml'}" in done.stdout
    assert f"newstally feeds import {folder.resolve() / 'feeds.opml'}" in done.stdout


def test_init_without_a_folder_writes_into_the_current_one(tmp_path: Path):
    assert newstally("init", cwd=tmp_path).returncode == 0
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(NAMES)


def test_init_keeps_an_edited_copy_unless_forced(tmp_path: Path):
    edited = tmp_path / "watchlist.toml"
    edited.write_text("# my own watchlist\n", encoding="utf-8")
    refused = newstally("init", str(tmp_path), cwd=tmp_path)
    assert refused.returncode == 2
    assert refused.stderr.count("\n") == 1 and "--force" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert edited.read_text(encoding="utf-8") == "# my own watchlist\n"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["watchlist.toml"]  # nothing half-written

    forced = newstally("init", str(tmp_path), "--force", cwd=tmp_path)
    assert forced.returncode == 0, forced.stderr
    assert edited.read_bytes() == SHIPPED_WATCHLIST.read_bytes()


def test_init_into_a_file_is_a_one_line_mistake(tmp_path: Path):
    (tmp_path / "taken").write_text("x", encoding="utf-8")
    done = newstally("init", "taken", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "not a folder" in done.stderr


def test_a_new_warehouse_takes_the_calendar_and_watchlist_the_user_points_at(tmp_path: Path):
    assert newstally("init", cwd=tmp_path).returncode == 0
    events = tmp_path / "events.toml"
    events.write_text('[[event]]\nid = "my_summit"\nname = "My summit"\nstart = 2018-07-16\n', encoding="utf-8")
    options = ("--db", str(tmp_path / "mine.duckdb"), "--watchlist", str(tmp_path / "watchlist.toml"))
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "NEWSTALLY_EVENTS": str(events)}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "newstally", *options, *args]
        return subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, check=False)

    created = run("feeds", "add", "https://news.example/rss")  # creates the warehouse
    assert created.returncode == 0, created.stderr
    listed = run("events", "list", "--format", "csv")
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.splitlines()[1:] == ["my_summit,My summit,2018-07-16,2018-07-16,,,"]
