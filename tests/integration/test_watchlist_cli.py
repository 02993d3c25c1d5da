"""`newstally watchlist import|export|history|revert` through the real entry point."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

import warehouse
from tests.conftest import SHIPPED_WATCHLIST, article
from tests.integration.test_cli import newstally


@pytest.fixture
def seeded_db(fresh_warehouse) -> Path:
    noon = datetime(2025, 8, 15, 12, tzinfo=UTC)
    warehouse.store_articles(
        fresh_warehouse,
        "Outlet A",
        [
            article("1", "Alaska summit: Trump meets Putin", "Tariffs on India loom.", noon),
            article("2", "Putin in Anchorage", "", noon),
            article("3", "Weather", "", noon),
        ],
    )
    return fresh_warehouse.path


def test_export_import_history_and_revert(seeded_db: Path, tmp_path: Path):
    exported = tmp_path / "watchlist.toml"
    result = newstally("watchlist", "export", "--out", str(exported), db=seeded_db)
    assert result.returncode == 0, result.stderr
    assert exported.read_text(encoding="utf-8") == SHIPPED_WATCHLIST.read_text(encoding="utf-8")

    result = newstally("watchlist", "import", str(exported), db=seeded_db)
    assert result.returncode == 0, result.stderr
    assert "already that one (version 1)" in result.stderr

    edited = tmp_path / "edited.toml"
    edited.write_text(
        exported.read_text(encoding="utf-8")
        + '\n[[theme]]\nid = "alaska"\nname = "Alaska summit"\naliases = ["Alaska summit", "Anchorage"]\n',
        encoding="utf-8",
    )
    result = newstally("watchlist", "import", str(edited), "--author", "desk", db=seeded_db)
    assert result.returncode == 0, result.stderr
    assert "version 2; counted again: alaska; 2 mentions" in result.stderr

    series = newstally("series", "--entity", "alaska", "--from", "2025-08-15", "--to", "2025-08-15", db=seeded_db)
    assert series.stdout.splitlines()[1] == "2025-08-15,alaska,2,2,3,0.666667"

    result = newstally("watchlist", "history", "--format", "json", db=seeded_db)
    assert result.returncode == 0, result.stderr
    history = json.loads(result.stdout)
    assert [(row["version"], row["action"], row["author"]) for row in history] == [
        (1, "install", ""),  # an empty cell, as every listing prints a missing value
        (2, "import", "desk"),
    ]
    assert history[1]["summary"] == "imported edited.toml"

    result = newstally("watchlist", "revert", "1", db=seeded_db)
    assert result.returncode == 0, result.stderr
    assert "version 3; counted again: alaska; 0 mentions" in result.stderr
    assert newstally("watchlist", "export", db=seeded_db).stdout == SHIPPED_WATCHLIST.read_text(encoding="utf-8")
    result = newstally("watchlist", "history", "--format", "csv", db=seeded_db)
    assert result.stdout.splitlines()[0] == "version,created_at,action,entity_id,summary,author,watchlist_hash"
    assert result.stdout.splitlines()[3].startswith("3,")
    assert newstally("check", db=seeded_db).returncode == 0


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (("watchlist", "revert", "9"), "no watchlist version 9: see 'newstally watchlist history'"),
        (("watchlist", "import", "missing.toml"), "no such watchlist file: missing.toml"),
        (("watchlist", "export", "--version", "9"), "no watchlist version 9"),
    ],
)
def test_mistakes_are_one_line_and_exit_2(seeded_db: Path, arguments, message):
    result = newstally(*arguments, db=seeded_db)
    assert result.returncode == 2
    assert result.stderr.strip() == f"newstally: error: {message}" or message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_an_invalid_file_is_refused_and_nothing_changes(seeded_db: Path, tmp_path: Path):
    broken = tmp_path / "broken.toml"
    broken.write_text('[[leader]]\nid = "x"\naliases = []\n', encoding="utf-8")
    result = newstally("watchlist", "import", str(broken), db=seeded_db)
    assert result.returncode == 2
    assert "needs at least one alias" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    history = newstally("watchlist", "history", "--format", "csv", db=seeded_db)
    assert len(history.stdout.splitlines()) == 2


def test_a_deployment_that_edits_the_file_and_retallies_keeps_working(seeded_db: Path, tmp_path: Path):
    edited = tmp_path / "mine.toml"
    edited.write_text(
        SHIPPED_WATCHLIST.read_text(encoding="utf-8") + '\n[[theme]]\nid = "weather"\naliases = ["weather"]\n',
        encoding="utf-8",
    )
    assert newstally("--watchlist", str(edited), "retally", db=seeded_db).returncode == 0
    series = newstally("series", "--entity", "weather", "--from", "2025-08-15", "--to", "2025-08-15", db=seeded_db)
    assert series.stdout.splitlines()[1] == "2025-08-15,weather,1,1,3,0.333333"
    assert newstally("--watchlist", str(edited), "check", db=seeded_db).returncode == 0
    # The file changed since: check says so, as before versions existed.
    result = newstally("check", db=seeded_db)
    assert result.returncode == 1
    assert "run 'newstally retally'" in result.stdout
