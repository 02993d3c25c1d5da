"""The CLI through its real entry point: help for every command, the series contract, one-line errors."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest

import warehouse
from newstally.cli import build_parser
from tests.conftest import REPO_ROOT, article


def newstally(*args: str, db: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ}
    env.pop("NEWSTALLY_DB", None)
    prefix = ["--db", str(db)] if db else []
    return subprocess.run(
        [sys.executable, "-m", "newstally", *prefix, *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def command_paths() -> list[tuple[str, ...]]:
    """Every command and sub-action the parser knows, e.g. ('feeds', 'add')."""
    import argparse

    found: list[tuple[str, ...]] = []

    def walk(parser: argparse.ArgumentParser, prefix: tuple[str, ...]) -> None:
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    found.append((*prefix, name))
                    walk(sub, (*prefix, name))

    walk(build_parser(), ())
    return found


@pytest.mark.parametrize("path", command_paths(), ids=" ".join)
def test_every_command_has_help_and_appears_in_the_readme(path: tuple[str, ...], capsys):
    # In-process: twenty interpreter start-ups would only test Python's start-up.
    from newstally.cli import main

    with pytest.raises(SystemExit) as stopped:
        main([*path, "--help"])
    assert stopped.value.code == 0
    assert "usage: newstally" in capsys.readouterr().out
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    top = path[0]
    assert f"newstally {top}" in readme
    if len(path) > 1:
        assert f"{path[1]}" in readme


@pytest.fixture
def seeded_db(fresh_warehouse) -> Path:
    def at(day: int, hour: int) -> datetime:
        return datetime(2018, 7, day, hour, tzinfo=UTC)

    warehouse.store_articles(
        fresh_warehouse,
        "Outlet A",
        [
            article("1", "Trump-Putin summit in Helsinki", "Putin's aides watched.", at(16, 10)),
            article("2", "Weather in Helsinki", "", at(16, 11)),
            article("3", "Putin returns", "", at(18, 9)),
        ],
    )
    warehouse.store_articles(fresh_warehouse, "Outlet B", [article("1", "Trump tweets", "", at(16, 12))])
    return fresh_warehouse.path


def test_series_prints_the_contract_csv_with_no_holes(seeded_db: Path):
    result = newstally("series", "--entity", "putin,trump", "--from", "2018-07-16", "--to", "2018-07-18", db=seeded_db)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "bucket_start,entity_id,articles,mentions,total_articles,share"
    # 16th: 3 articles; Putin in 1 (2 occurrences), Trump in 2. 17th: nothing. 18th: 1 article, Putin.
    assert lines[1:] == [
        "2018-07-16,putin,1,2,3,0.333333",
        "2018-07-16,trump,2,2,3,0.666667",
        "2018-07-17,putin,0,0,0,0.0",
        "2018-07-17,trump,0,0,0,0.0",
        "2018-07-18,putin,1,1,1,1.0",
        "2018-07-18,trump,0,0,1,0.0",
    ]


def test_series_by_source_puts_source_after_bucket_start(seeded_db: Path):
    result = newstally(
        "series",
        "--entity",
        "trump",
        "--by-source",
        "--from",
        "2018-07-16",
        "--to",
        "2018-07-16",
        db=seeded_db,
    )
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(rows[0]) == [
        "bucket_start",
        "source",
        "entity_id",
        "articles",
        "mentions",
        "total_articles",
        "share",
    ]
    assert [(r["source"], r["articles"], r["total_articles"]) for r in rows] == [
        ("Outlet A", "1", "2"),
        ("Outlet B", "1", "1"),
    ]


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".json"])
def test_export_writes_the_series_table_by_suffix(seeded_db: Path, tmp_path: Path, suffix: str):
    out = tmp_path / f"series{suffix}"
    result = newstally(
        "export",
        "--out",
        str(out),
        "--entity",
        "putin",
        "--from",
        "2018-07-16",
        "--to",
        "2018-07-18",
        db=seeded_db,
    )
    assert result.returncode == 0, result.stderr
    frame = {".csv": pd.read_csv, ".parquet": pd.read_parquet, ".json": pd.read_json}[suffix](out)
    assert list(frame.columns) == [
        "bucket_start",
        "entity_id",
        "articles",
        "mentions",
        "total_articles",
        "share",
    ]
    assert list(frame["articles"]) == [1, 0, 1]


def test_export_without_entity_covers_every_watchlist_entity(seeded_db: Path, tmp_path: Path):
    out = tmp_path / "all.csv"
    assert newstally("export", "--out", str(out), db=seeded_db).returncode == 0
    assert set(pd.read_csv(out)["entity_id"]) == set(
        warehouse.list_entities(warehouse.Warehouse(seeded_db))["entity_id"]
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("series", "--entity", "nobody"), "unknown entity nobody"),
        (("series", "--entity", "putin", "--from", "2018-13-01"), "bad date '2018-13-01'"),
        (("series", "--entity", "putin", "--tz", "Mars/Olympus"), "unknown time zone"),
        (("series", "--entity", "putin", "--bucket", "fortnight"), "invalid choice"),
        (("export", "--out", "/no/such/folder/x.csv"), "does not exist"),
        (("export", "--out", "series.xlsx"), "use a .csv, .parquet or .json"),
        (("ingest-archive", "/no/such/archive"), "no such file or folder"),
        (("feeds", "import", "/no/such/feeds.opml"), "no OPML file"),
        (("feeds", "remove", "999"), "no feed with id 999"),
        (("events", "remove", "no_such_event"), "no event with id"),
    ],
)
def test_user_mistakes_get_one_line_exit_2_and_change_nothing(seeded_db: Path, args: tuple[str, ...], message: str):
    before = seeded_db.read_bytes()
    result = newstally(*args, db=seeded_db)
    assert result.returncode == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert seeded_db.read_bytes() == before


def test_reading_a_missing_warehouse_does_not_create_one(tmp_path: Path):
    missing = tmp_path / "none.duckdb"
    result = newstally("series", "--entity", "putin", db=missing)
    assert result.returncode == 2
    assert "no warehouse at" in result.stderr
    assert not missing.exists()


def test_events_add_then_list_as_json(seeded_db: Path):
    added = newstally(
        "events",
        "add",
        "my_summit",
        "--name",
        "My summit",
        "--start",
        "2018-07-20",
        "--participants",
        "A,B",
        "--entities",
        "putin",
        db=seeded_db,
    )
    assert added.returncode == 0, added.stderr
    listed = newstally("events", "list", "--from", "2018-07-19", "--to", "2018-07-21", "--format", "json", db=seeded_db)
    import json

    events = json.loads(listed.stdout)
    assert [(e["id"], e["start_date"], e["participants"]) for e in events] == [("my_summit", "2018-07-20", ["A", "B"])]


def test_export_writes_a_provenance_sidecar_and_rerunning_it_gives_identical_bytes(seeded_db: Path, tmp_path: Path):
    import json

    out = tmp_path / "putin.parquet"
    args = ("export", "--out", str(out), "--entity", "putin", "--from", "2018-07-16", "--to", "2018-07-18")
    assert newstally(*args, db=seeded_db).returncode == 0
    first = out.read_bytes()
    meta = json.loads((tmp_path / "putin.parquet.meta.json").read_text())
    assert meta["rows"] == 3
    assert meta["command"][:3] == ["newstally", "--db", str(seeded_db)]
    assert meta["watchlist_hash"] == warehouse.corpus_facts(warehouse.Warehouse(seeded_db)).watchlist_hash
    assert meta["bucket"] == "day" and meta["time_zone"] == "UTC"
    assert "whole word" in meta["counting_rules"]
    assert meta["product_version"]
    assert newstally(*meta["command"][1:]).returncode == 0
    assert out.read_bytes() == first


def test_export_wide_has_one_column_per_entity(seeded_db: Path, tmp_path: Path):
    out = tmp_path / "wide.csv"
    result = newstally(
        "export",
        "--out",
        str(out),
        "--wide",
        "--entity",
        "putin,trump",
        "--from",
        "2018-07-16",
        "--to",
        "2018-07-16",
        db=seeded_db,
    )
    assert result.returncode == 0, result.stderr
    assert out.read_text().splitlines() == ["bucket_start,putin,trump", "2018-07-16,1,2"]


def test_db_may_also_follow_the_command(seeded_db: Path):
    result = newstally(
        "series", "--entity", "putin", "--from", "2018-07-18", "--to", "2018-07-18", "--db", str(seeded_db)
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[1] == "2018-07-18,putin,1,1,1,1.0"
