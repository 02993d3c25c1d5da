"""Series read from the slot rollups: the same answer as scanning every article, kept in step with every write."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import pandas as pd
import pytest

import warehouse
import warehouse.analysis.series
import warehouse.counting.rollups
from tests.conftest import SHIPPED_WATCHLIST, article


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def rows(frame, *columns):
    return [tuple(record) for record in frame[list(columns)].itertuples(index=False)]


def scanned_series(monkeypatch, wh, entity_ids, **options) -> pd.DataFrame:
    """The series as counted from the articles themselves, without the rollups."""
    with monkeypatch.context() as patched:
        patched.setattr(warehouse.analysis.series, "has_rollups", lambda connection: False)
        return warehouse.entity_series(wh, entity_ids, **options)


# Around both DST changes of 2018 in Europe and North America, on the :15/:30/:45 edges of
# zones with quarter-hour offsets, a future and an ancient date (never bucketed), and two
# outlets whose articles share slots.
EDGE_TIMES = [
    "2018-03-10T23:59",
    "2018-03-11T06:59",
    "2018-03-11T07:00",
    "2018-03-25T00:59",
    "2018-03-25T01:00",
    "2018-03-25T01:14",
    "2018-03-25T01:15",
    "2018-10-28T00:30",
    "2018-10-28T01:30",
    "2018-11-04T05:30",
    "2018-11-04T06:30",
    "2018-12-31T18:14",
    "2018-12-31T18:15",
    "2018-12-31T18:29",
    "2018-12-31T18:30",
    "2018-12-31T23:59",
]


@pytest.fixture
def edge_corpus(fresh_warehouse: warehouse.Warehouse) -> warehouse.Warehouse:
    fetched = datetime(2019, 1, 2, tzinfo=UTC)
    for outlet, names in (("Outlet A", ("Putin", "Trump")), ("Outlet B", ("Putin's", "Putin and NATO"))):
        items = [
            article(f"{outlet}-{n}", f"{names[n % 2]} at {moment}", "Putin" if n % 3 == 0 else "", at(moment))
            for n, moment in enumerate(EDGE_TIMES)
        ]
        items.append(article(f"{outlet}-future", "Putin from the future", "", fetched + timedelta(days=30)))
        items.append(article(f"{outlet}-ancient", "Putin long ago", "", at("1985-01-01T00:00")))
        warehouse.store_articles(fresh_warehouse, outlet, items, fetched_at=fetched)
    return fresh_warehouse


@pytest.mark.parametrize("tz", ["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Asia/Kathmandu"])
@pytest.mark.parametrize("bucket", ["hour", "day", "week", "month"])
@pytest.mark.parametrize("by_source", [False, True])
def test_rollups_count_exactly_what_a_scan_of_the_articles_counts(edge_corpus, monkeypatch, tz, bucket, by_source):
    options = {"bucket": bucket, "tz": tz, "by_source": by_source}
    expected = scanned_series(monkeypatch, edge_corpus, ["putin", "trump", "nato"], **options)
    assert not expected.empty
    pd.testing.assert_frame_equal(warehouse.entity_series(edge_corpus, ["putin", "trump", "nato"], **options), expected)


def test_articles_stored_in_separate_batches_into_one_slot_are_summed(fresh_warehouse):
    noon = at("2018-07-16T12:00")
    warehouse.store_articles(fresh_warehouse, "Outlet A", [article("1", "Putin speaks", "", noon)])
    warehouse.store_articles(fresh_warehouse, "Outlet A", [article("2", "Putin and Putin", "", noon)])
    warehouse.store_articles(fresh_warehouse, "Outlet A", [article("3", "Weather", "", noon)])
    frame = warehouse.entity_series(fresh_warehouse, ["putin"], start=date(2018, 7, 16), end=date(2018, 7, 16))
    # Articles 1 and 2 of 3 mention Putin, 1 + 2 times.
    assert rows(frame, "articles", "mentions", "total_articles") == [(2, 3, 3)]


def test_retally_recounts_the_rollups_with_the_new_alias(fresh_warehouse, tmp_path: Path):
    noon = at("2018-07-16T12:00")
    warehouse.store_articles(
        fresh_warehouse,
        "Outlet A",
        [article("1", "Vlad speaks", "", noon), article("2", "Putin speaks", "", noon), article("3", "Rain", "", noon)],
    )
    one_day = {"start": date(2018, 7, 16), "end": date(2018, 7, 16)}
    before = warehouse.entity_series(fresh_warehouse, ["putin"], **one_day)
    assert rows(before, "articles", "total_articles") == [(1, 3)]

    edited = tmp_path / "watchlist.toml"
    edited.write_text(
        SHIPPED_WATCHLIST.read_text(encoding="utf-8").replace('aliases = ["Putin"', 'aliases = ["Vlad", "Putin"', 1),
        encoding="utf-8",
    )
    assert edited.read_text(encoding="utf-8") != SHIPPED_WATCHLIST.read_text(encoding="utf-8")
    warehouse.retally(fresh_warehouse, edited)
    # "Vlad speaks" now mentions Putin too: 2 of the 3 articles.
    after = warehouse.entity_series(fresh_warehouse, ["putin"], **one_day)
    assert rows(after, "articles", "total_articles") == [(2, 3)]


def test_a_retally_a_period_at_a_time_writes_one_rollup_row_per_key_that_a_scan_agrees_with(edge_corpus, monkeypatch):
    # Retallies and rebuilds run a period of publication at a time so they fit the memory cap at
    # any size; here 5 articles a period, so the 36 articles (shared slots, a future and an ancient
    # date) take several, and no slot may be counted in two.
    with edge_corpus.reading() as connection:
        mentions_before = sorted(connection.execute("SELECT * FROM mentions").fetchall())
    monkeypatch.setattr(warehouse.counting.rollups, "PERIOD_ARTICLES", 5)
    with edge_corpus.reading() as connection:
        assert len(warehouse.counting.rollups.article_periods(connection)) >= 6

    warehouse.retally(edge_corpus, SHIPPED_WATCHLIST)

    with edge_corpus.reading() as connection:
        assert sorted(connection.execute("SELECT * FROM mentions").fetchall()) == mentions_before
        for table, keys in (("slot_articles", "slot, source_id"), ("slot_mentions", "slot, source_id, entity_id")):
            repeated = f"SELECT count(*) FROM (SELECT {keys} FROM {table} GROUP BY ALL HAVING count(*) > 1)"
            assert connection.execute(repeated).fetchone() == (0,), table
        assert warehouse.counting.rollups.rollup_mismatches(connection) == (0, 0)
    options = {"bucket": "hour", "by_source": True}
    expected = scanned_series(monkeypatch, edge_corpus, ["putin", "trump", "nato"], **options)
    pd.testing.assert_frame_equal(warehouse.entity_series(edge_corpus, ["putin", "trump", "nato"], **options), expected)


def _as_before_the_rollups(path: Path) -> None:
    """Turn a warehouse back into what a version without migration 0004 left."""
    connection = duckdb.connect(str(path))
    try:
        connection.execute("DROP TABLE slot_articles")
        connection.execute("DROP TABLE slot_mentions")
        connection.execute("DELETE FROM schema_migrations WHERE version = 4")
    finally:
        connection.close()


def test_a_warehouse_from_before_the_rollups_reads_the_same_before_and_after_its_migration(edge_corpus, monkeypatch):
    expected = scanned_series(monkeypatch, edge_corpus, ["putin", "trump"], by_source=True)
    _as_before_the_rollups(edge_corpus.path)

    # Read-only commands do not migrate: they count from the articles meanwhile.
    pd.testing.assert_frame_equal(warehouse.entity_series(edge_corpus, ["putin", "trump"], by_source=True), expected)

    # The first write migrates, and the migration counts the articles already stored.
    migrated = warehouse.open_warehouse(edge_corpus.path, watchlist_path=SHIPPED_WATCHLIST)
    with migrated.reading() as connection:
        assert warehouse.counting.rollups.has_rollups(connection)
        assert warehouse.counting.rollups.rollup_mismatches(connection) == (0, 0)
    pd.testing.assert_frame_equal(warehouse.entity_series(migrated, ["putin", "trump"], by_source=True), expected)


def test_a_running_process_applies_only_the_migrations_it_started_with(tmp_path: Path, monkeypatch):
    """A scheduler left running across an upgrade must not create tables its old code does not keep."""
    import warehouse.engine.queries

    known = warehouse.engine.queries.migration_files()
    folder = tmp_path / "migrations"
    folder.mkdir()
    for _, name, sql in known:
        (folder / name).write_text(sql, encoding="utf-8")
    monkeypatch.setattr(warehouse.engine.queries, "MIGRATIONS_FOLDER", folder)
    assert warehouse.engine.queries.migration_files() == known  # the process has read its migrations
    # An upgrade puts a newer one on disk beside the running process.
    (folder / "0099_from_the_future.sql").write_text("CREATE TABLE future (x INTEGER);", encoding="utf-8")

    wh = warehouse.open_warehouse(tmp_path / "running.duckdb", watchlist_path=SHIPPED_WATCHLIST)
    with wh.reading() as connection:
        versions = [row[0] for row in connection.execute("SELECT version FROM schema_migrations ORDER BY 1").fetchall()]
    assert versions == [version for version, _, _ in known]
