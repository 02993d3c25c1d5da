"""Queries and `rising` through the real entry point: CSV rows, one-line errors with exit 2, exports, spikes."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

import warehouse
from tests.integration.test_analytics_cli import spiky_db  # noqa: F401 - a fixture
from tests.integration.test_cli import newstally


def rows(stdout: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(stdout)))


def test_series_query_rows_carry_the_query_beside_the_entities(spiky_db: Path):  # noqa: F811
    done = newstally(
        "series", "--entity", "putin", "--query", "Helsinki", "--query", "title:cabinet", "--from", "2023-02-04",
        "--to", "2023-02-04", db=spiky_db,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    # 2023-02-04: 1 cabinet meeting + 9 weather (Outlet A) and 30 "Putin in Helsinki" (Outlet B): 40 articles.
    assert rows(done.stdout) == [
        {"bucket_start": "2023-02-04", "entity_id": "putin", "articles": "31", "mentions": "31",
         "total_articles": "40", "share": "0.775"},
        {"bucket_start": "2023-02-04", "entity_id": "Helsinki", "articles": "30", "mentions": "30",
         "total_articles": "40", "share": "0.75"},
        {"bucket_start": "2023-02-04", "entity_id": "title:cabinet", "articles": "1", "mentions": "1",
         "total_articles": "40", "share": "0.025"},
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ('"Putin in Helsinki', 'unclosed quote: the " at character 1 has no closing "'),
        ("(Putin OR Trump", "unclosed parenthesis: the ( at character 1 has no closing )"),
        ("Putin NOT", "lone NOT at character 7: NOT needs a word after it"),
        ("NOT", "lone NOT at character 1: NOT needs a word after it"),
        ("", 'empty query: type a word or an "exact phrase" to look for'),
        ("Putin " * 400, "query too long: 2,400 characters, the most is 2,000"),
    ],
)
def test_a_query_that_does_not_parse_is_one_line_and_exit_2(spiky_db: Path, query: str, message: str):  # noqa: F811
    done = newstally("series", "--query", query, db=spiky_db)
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr == f"newstally: error: {message}\n"


def test_series_without_entity_or_query_is_one_line(spiky_db: Path):  # noqa: F811
    done = newstally("series", db=spiky_db)
    assert done.returncode == 2
    assert (
        done.stderr == "newstally: error: series needs --entity ID or --query QUERY (see 'newstally series --help')\n"
    )


def test_a_sql_looking_query_counts_words_and_harms_nothing(spiky_db: Path):  # noqa: F811
    done = newstally("series", "--query", "'; DROP TABLE articles; --", "--metric", "articles", db=spiky_db)
    assert done.returncode == 0, done.stderr
    assert {row["articles"] for row in rows(done.stdout)} == {"0"}
    with warehouse.Warehouse(spiky_db).reading() as connection:
        assert connection.execute("SELECT count(*) FROM articles").fetchone() == (380,)  # 35 x 10 + 30


def test_export_records_the_query_in_its_provenance(spiky_db: Path, tmp_path: Path):  # noqa: F811
    out = tmp_path / "helsinki.csv"
    done = newstally("export", "--out", str(out), "--query", "Helsinki", db=spiky_db)
    assert done.returncode == 0, done.stderr
    meta = json.loads(out.with_name("helsinki.csv.meta.json").read_text())
    assert meta["options"]["query"] == ["Helsinki"]
    exported = rows(out.read_text())
    assert {row["entity_id"] for row in exported} == {"Helsinki"}  # only the query: no entities were asked for
    assert sum(int(row["articles"]) for row in exported) == 30


def test_spikes_of_a_query_come_with_their_headlines(spiky_db: Path):  # noqa: F811
    done = newstally("spikes", "--query", "Helsinki", "--format", "json", db=spiky_db)
    assert done.returncode == 0, done.stderr
    (episode,) = json.loads(done.stdout)
    assert episode["id"] == "Helsinki:2023-02-04"
    # 30 of 40 articles that day; the 35 days before had none.
    assert (episode["peak_articles"], episode["peak_total_articles"]) == (30, 40)
    assert episode["headlines"][0]["title"] == "Putin in Helsinki"


def test_rising_as_json_lists_the_new_words_with_their_counts(spiky_db: Path):  # noqa: F811
    done = newstally("rising", "--window", "1d", "--format", "json", db=spiky_db)
    assert done.returncode == 0, done.stderr
    # The newest day (2023-02-04) has 40 titles: 30 "Putin in Helsinki", one "Putin holds cabinet
    # meeting", nine "Weather"; the 28 days before had 280, one cabinet meeting and nine Weather a day.
    # ln(((w + 1) / 42) / ((b + 1) / 282)): helsinki (30, 0) 5.338; putin (31, 28) 2.003. "in" is a
    # stop word, so "putin helsinki" is no phrase; cabinet, holds, meeting are in one window title only.
    assert [
        (row["term"], row["window_articles"], row["baseline_articles"], row["log_ratio"])
        for row in json.loads(done.stdout)
    ] == [("helsinki", 30, 0, 5.338), ("putin", 31, 28, 2.003)]
    assert done.stderr == (
        "window 2023-02-04 to 2023-02-04 (UTC, 40 articles) against 2023-01-07 to 2023-02-03 (280 articles)\n"
    )
