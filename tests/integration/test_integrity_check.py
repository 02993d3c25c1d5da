"""`newstally check` on a real warehouse file, corrupted in each way it guards against.

Each test breaks a healthy warehouse with plain DuckDB SQL, as a bug, a half-done
manual repair or a crash could, and expects the check to name the problem in one
line and exit 1, without changing the file.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

import warehouse
from newstally.cli import main
from tests.conftest import REPO_ROOT, SHIPPED_WATCHLIST, article


@pytest.fixture
def healthy(fresh_warehouse: warehouse.Warehouse) -> Path:
    """A warehouse with two outlets, a feed with one recorded fetch, and tallied articles."""
    at = datetime(2018, 7, 16, 12, tzinfo=UTC)
    warehouse.store_articles(
        fresh_warehouse,
        "Outlet A",
        [
            article("a1", "Putin meets Trump in Helsinki", "NATO allies watched.", at),
            article("a2", "Weather in Helsinki", "", at),
            article("a3", "Zelensky speaks", "Putin's war", at),
        ],
    )
    warehouse.store_articles(fresh_warehouse, "Outlet B", [article("b1", "Trump tweets", "", at)])
    feed = warehouse.add_feed(fresh_warehouse, "https://outlet-b.example/rss", source_name="Outlet B")
    warehouse.record_fetch(
        fresh_warehouse,
        warehouse.FetchResult(
            feed_id=feed.feed_id,
            started_at=at,
            outcome=warehouse.FetchOutcome.TRANSIENT_ERROR,
            duration_ms=5,
            error="timed out",
        ),
        plan=warehouse.FeedPlan(next_fetch_at=at),
    )
    return fresh_warehouse.path


def corrupt(db: Path, *statements: str) -> None:
    connection = duckdb.connect(str(db))
    try:
        for statement in statements:
            connection.execute(statement)
    finally:
        connection.close()


def check(db: Path, *options: str, capsys) -> tuple[int, str, str]:
    code = main(["--db", str(db), "--watchlist", str(SHIPPED_WATCHLIST), "check", *options])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_healthy_warehouse_passes_with_exit_0_and_prints_no_problem(healthy: Path, capsys):
    code, out, err = check(healthy, capsys=capsys)
    assert code == 0, out + err
    assert out == ""
    assert "no problems found" in err


def test_a_removed_feed_leaves_fetches_and_articles_that_are_not_orphans(healthy: Path, capsys):
    # Removing a feed keeps its record of what was fetched; that is by design, not damage.
    wh = warehouse.Warehouse(healthy)
    warehouse.remove_feed(wh, warehouse.list_feeds(wh)[0].feed_id)
    code, out, err = check(healthy, capsys=capsys)
    assert code == 0, out + err


CORRUPTIONS: dict[str, tuple[list[str], str]] = {
    "mention_without_article": (
        ["INSERT INTO mentions VALUES (999999, 'putin', 1, false)"],
        "orphans: mentions without article: 999999",
    ),
    "mention_of_unknown_entity": (
        ["INSERT INTO mentions SELECT article_id, 'nobody', 1, true FROM articles WHERE guid = 'a2'"],
        "orphans: mentions of an entity not in the watchlist: nobody",
    ),
    "article_without_source": (
        ["UPDATE articles SET source_id = 77 WHERE guid = 'b1'"],
        "orphans: articles without source",
    ),
    "feed_without_source": (
        ["UPDATE feeds SET source_id = 77"],
        "orphans: feeds without source",
    ),
    "fetch_of_a_feed_never_assigned": (
        [
            "INSERT INTO fetches (feed_id, started_at, outcome, duration_ms)"
            " VALUES (4242, TIMESTAMP '2018-07-16 12:00:00', 'new_content', 3)"
        ],
        "orphans: fetches of a feed id never assigned: 4242",
    ),
    "missing_migration": (
        ["DELETE FROM schema_migrations WHERE version = 2"],
        "migrations: not applied: 0002_ingest_hardening.sql",
    ),
    "migration_from_a_newer_version": (
        ["INSERT INTO schema_migrations VALUES (9999, '9999_future.sql', TIMESTAMP '2030-01-01 00:00:00')"],
        "migrations: applied by a newer newstally: 9999",
    ),
    "watchlist_hash_tampered": (
        ["UPDATE warehouse_facts SET value = 'deadbeefdeadbeef' WHERE key = 'watchlist_hash'"],
        "watchlist: stored hash deadbeefdeadbeef does not match the stored watchlist",
    ),
    "entity_missing_from_entities_table": (
        ["DELETE FROM aliases WHERE entity_id = 'nato'", "DELETE FROM entities WHERE entity_id = 'nato'"],
        "watchlist: entities table differs from the stored watchlist: nato",
    ),
    "article_left_untallied": (
        ["DELETE FROM mentions WHERE article_id = (SELECT article_id FROM articles WHERE guid = 'a3')"],
        "mentions: stored mentions differ from a recount with the stored watchlist in 1 of",
    ),
    "occurrences_miscounted": (
        ["UPDATE mentions SET occurrences = occurrences + 1 WHERE entity_id = 'trump'"],
        "mentions: stored mentions differ from a recount with the stored watchlist in 2 of",
    ),
    "unknown_date_quality": (
        ["UPDATE articles SET date_quality = 'sometime' WHERE guid = 'a1'"],
        "values: articles with an unknown date quality (1 rows)",
    ),
    "duplicate_article_identity": (
        [
            # The UNIQUE constraint forbids it, so rebuild the table without one, as a botched repair might.
            "CREATE TABLE articles_copy AS SELECT * FROM articles",
            "DROP TABLE articles",
            "ALTER TABLE articles_copy RENAME TO articles",
            "INSERT INTO articles SELECT * REPLACE (article_id + 1000 AS article_id) FROM articles WHERE guid = 'a1'",
        ],
        "duplicates: article identity (source_id, identity_key): 1 stored more than once",
    ),
    "duplicate_mention": (
        ["INSERT INTO mentions SELECT * FROM mentions WHERE entity_id = 'zelensky'"],
        "duplicates: mention (article_id, entity_id): 1 stored more than once",
    ),
}


@pytest.mark.parametrize("name", sorted(CORRUPTIONS))
def test_each_kind_of_corruption_is_reported_in_one_line_with_exit_1(healthy: Path, name: str, capsys):
    statements, expected = CORRUPTIONS[name]
    corrupt(healthy, *statements)
    before = file_digest(healthy)

    code, out, err = check(healthy, capsys=capsys)

    assert code == 1, out + err
    assert expected in out, out
    assert all(line.count(": ") >= 1 for line in out.splitlines())
    assert "problem(s) found" in err
    assert file_digest(healthy) == before, "the check must not change the file"


def test_a_watchlist_file_other_than_the_one_tallied_with_asks_for_a_retally(healthy: Path, tmp_path: Path, capsys):
    edited = tmp_path / "watchlist.toml"
    edited.write_text(
        SHIPPED_WATCHLIST.read_text(encoding="utf-8") + '\n[[theme]]\nid = "weather"\nname = "Weather"\n'
        'aliases = ["weather"]\n',
        encoding="utf-8",
    )
    code = main(["--db", str(healthy), "--watchlist", str(edited), "check"])
    out = capsys.readouterr().out
    assert code == 1
    assert "run 'newstally retally'" in out

    assert main(["--db", str(healthy), "--watchlist", str(edited), "retally"]) == 0
    assert main(["--db", str(healthy), "--watchlist", str(edited), "check"]) == 0


def test_full_recount_finds_an_untallied_article_older_than_the_default_sample(healthy: Path, capsys, monkeypatch):
    from warehouse.counting.rollups import rebuild_rollups

    # The rollups are recounted from the damaged mentions, so only a recount of the article can tell.
    connection = duckdb.connect(str(healthy))
    try:
        connection.execute("DELETE FROM mentions WHERE article_id = (SELECT min(article_id) FROM articles)")
        rebuild_rollups(connection)
    finally:
        connection.close()
    # `newstally check` reads the sample size from the warehouse face.
    monkeypatch.setattr(warehouse, "DEFAULT_RECOUNT_ARTICLES", 2)
    assert check(healthy, capsys=capsys)[0] == 0  # only the newest two are recounted
    code, out, _ = check(healthy, "--full", capsys=capsys)
    assert code == 1
    assert "1 of every article" in out


def test_series_rollups_that_disagree_with_the_mentions_are_reported_and_retally_mends_them(healthy: Path, capsys):
    # Outlet A's three articles and Outlet B's one share a slot: losing B's slot row and one
    # of A's mention rows (putin: a1 and a3) leaves 1 + 1 keys that disagree with a recount.
    corrupt(
        healthy,
        "DELETE FROM slot_articles WHERE source_id = (SELECT source_id FROM sources WHERE name = 'Outlet B')",
        "DELETE FROM slot_mentions WHERE entity_id = 'putin'",
    )
    code, out, _ = check(healthy, "--format", "csv", capsys=capsys)
    assert code == 1
    assert out.splitlines()[1].startswith("rollups,2,")
    assert "series rollups differ from a recount of the articles in 1 slot × outlet and 1 slot × outlet × entity" in out

    assert main(["--db", str(healthy), "retally"]) == 0
    assert check(healthy, capsys=capsys)[0] == 0


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_machine_formats_list_the_problems_as_rows(healthy: Path, fmt: str, capsys):
    corrupt(healthy, "INSERT INTO mentions VALUES (999999, 'putin', 1, false)")
    code, out, _ = check(healthy, "--format", fmt, capsys=capsys)
    assert code == 1
    if fmt == "json":
        rows = json.loads(out)
        assert rows[0]["check"] == "orphans"
        assert rows[0]["rows"] == 1
    else:
        assert out.splitlines()[0] == "check,rows,detail"
        assert out.splitlines()[1].startswith("orphans,1,")


def test_clean_warehouse_in_json_is_an_empty_list(healthy: Path, capsys):
    code, out, _ = check(healthy, "--format", "json", capsys=capsys)
    assert code == 0
    assert json.loads(out) == []


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key != "NEWSTALLY_DB"}
    return subprocess.run(
        [sys.executable, "-m", "newstally", *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_damaged_file_is_exit_1_with_one_line_and_a_missing_one_is_a_usage_error(healthy: Path, tmp_path: Path):
    damaged = tmp_path / "damaged.duckdb"
    data = bytearray(healthy.read_bytes())
    data[: 4096 * 2] = b"\x00garbage" * 1024  # the file header and first block
    damaged.write_bytes(bytes(data))

    result = run_cli("--db", str(damaged), "check")
    assert result.returncode == 1, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "cannot open warehouse" in result.stderr

    missing = run_cli("--db", str(tmp_path / "nothing.duckdb"), "check")
    assert missing.returncode == 2
    assert missing.stderr.startswith("newstally: error: no warehouse at")

    bad_format = run_cli("--db", str(healthy), "check", "--format", "xml")
    assert bad_format.returncode == 2
    assert len(bad_format.stderr.strip().splitlines()) == 1
