"""`newstally collections` and `--collection` through the real entry point: counts, provenance, one-line errors."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

import warehouse
from tests.conftest import article
from tests.integration.test_cli import newstally


@pytest.fixture
def two_countries(fresh_warehouse) -> Path:
    """2018-07-16: Berlin Post (DE) 'Putin in Helsinki', 'Weather'; London Daily (GB) 'Putin lands', 'Trump golf',
    'Rain again'; 2018-07-17: London Daily 'Putin again'."""
    wh = fresh_warehouse
    warehouse.ensure_source(wh, "Berlin Post", country="DE", language="de")
    warehouse.ensure_source(wh, "London Daily", country="GB", language="en-GB")
    warehouse.store_articles(
        wh,
        "Berlin Post",
        [
            article("b1", "Putin in Helsinki", "", datetime(2018, 7, 16, 9, tzinfo=UTC)),
            article("b2", "Weather", "", datetime(2018, 7, 16, 10, tzinfo=UTC)),
        ],
    )
    warehouse.store_articles(
        wh,
        "London Daily",
        [
            article("l1", "Putin lands", "", datetime(2018, 7, 16, 9, tzinfo=UTC)),
            article("l2", "Trump golf", "", datetime(2018, 7, 16, 10, tzinfo=UTC)),
            article("l3", "Rain again", "", datetime(2018, 7, 16, 11, tzinfo=UTC)),
            article("l4", "Putin again", "", datetime(2018, 7, 17, 9, tzinfo=UTC)),
        ],
    )
    return wh.path


def test_collections_add_list_and_a_restricted_series(two_countries: Path):
    added = newstally("collections", "add", "uk", "--country", "gb", db=two_countries)
    assert added.returncode == 0, added.stderr
    assert "collection uk (country GB): 1 outlets: London Daily" in added.stderr
    listed = newstally("collections", "list", "--format", "csv", db=two_countries)
    assert listed.stdout.splitlines() == ["name,rule,outlets,sources", "uk,country GB,1,London Daily"]
    series = newstally(
        "series",
        "--entity",
        "putin",
        "--from",
        "2018-07-16",
        "--to",
        "2018-07-17",
        "--collection",
        "uk",
        db=two_countries,
    )
    assert series.returncode == 0, series.stderr
    # London Daily: 3 articles on the 16th (Putin in 1), 1 on the 17th (Putin).
    assert series.stdout.splitlines()[1:] == ["2018-07-16,putin,1,1,3,0.333333", "2018-07-17,putin,1,1,1,1.0"]
    whole = newstally("series", "--entity", "putin", "--from", "2018-07-16", "--to", "2018-07-16", db=two_countries)
    # Both outlets: 5 articles, Putin in 2.
    assert whole.stdout.splitlines()[1:] == ["2018-07-16,putin,2,2,5,0.4"]


def test_a_picked_collection_in_comentions_and_the_export_sidecar(two_countries: Path, tmp_path: Path):
    assert newstally("collections", "add", "berlin", "--source", "Berlin Post", db=two_countries).returncode == 0
    out = tmp_path / "series.csv"
    exported = newstally(
        "export",
        "--out",
        str(out),
        "--entity",
        "putin",
        "--from",
        "2018-07-16",
        "--to",
        "2018-07-16",
        "--collection",
        "berlin",
        db=two_countries,
    )
    assert exported.returncode == 0, exported.stderr
    assert out.read_text().splitlines()[1:] == ["2018-07-16,putin,1,1,2,0.5"]
    sidecar = json.loads((tmp_path / "series.csv.meta.json").read_text())
    assert sidecar["options"]["collection"] == {"name": "berlin", "rule": "picked by hand", "outlets": ["Berlin Post"]}
    comentions = newstally(
        "comentions",
        "--from",
        "2018-07-16",
        "--to",
        "2018-07-16",
        "--collection",
        "berlin",
        "--format",
        "json",
        db=two_countries,
    )
    assert comentions.returncode == 0, comentions.stderr
    putin = [row for row in json.loads(comentions.stdout) if row["leader_id"] == "putin"]
    assert {row["leader_articles"] for row in putin} == {1}


@pytest.mark.parametrize(
    "command",
    [
        ["series", "--entity", "putin"],
        ["export", "--out", "OUT"],
        ["spikes"],
        ["comentions"],
        ["rising"],
        ["event-lens", "helsinki_2018"],
    ],
    ids=lambda command: command[0],
)
def test_an_unknown_collection_is_one_line_and_exit_2(two_countries: Path, tmp_path: Path, command: list[str]):
    command = [str(tmp_path / "out.csv") if part == "OUT" else part for part in command]
    result = newstally(*command, "--collection", "nordic", db=two_countries)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "newstally: error: no collection named 'nordic' (see 'newstally collections list')"
    ]
    assert not (tmp_path / "out.csv").exists()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["add", "x"], "a collection needs --country, --language or at least one --source"),
        (["add", "x", "--country", "DE", "--source", "Berlin Post"], "not both"),
        (["add", "x", "--source", "Nowhere"], "no outlet named 'Nowhere'"),
        (["remove", "nordic"], "no collection named 'nordic'"),
    ],
)
def test_collection_mistakes_are_one_line_and_exit_2(two_countries: Path, arguments: list[str], message: str):
    result = newstally("collections", *arguments, db=two_countries)
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert message in line
    assert newstally("collections", "list", "--format", "csv", db=two_countries).stdout.splitlines() == [
        "name,rule,outlets,sources"
    ]
