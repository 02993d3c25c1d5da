"""A query's matches are read from the text once per data version and range, then remembered.

The dashboard asks for one query many times in a row (another range, bucket or zone, its
spike markers and their headlines); every answer must be the one a fresh read gives, and a
write must make what was remembered stale at once.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

import warehouse
import warehouse.counting.queries
from tests.conftest import article
from warehouse.counting import remembered

QUERY = "sanction*"


def at(day: int, hour: int = 12) -> datetime:
    return datetime(2018, 7, day, hour, tzinfo=UTC)


@pytest.fixture
def reads(monkeypatch) -> list[tuple[str, ...]]:
    """The queries of every pass over the articles' text, in order."""
    passes: list[tuple[str, ...]] = []
    read = warehouse.counting.queries._read_query_mentions

    def counted(connection, queries, keys, **limits):
        passes.append(tuple(query.text for query in queries))
        return read(connection, queries, keys, **limits)

    monkeypatch.setattr(warehouse.counting.queries, "_read_query_mentions", counted)
    remembered.forget_all()
    yield passes
    remembered.forget_all()


@pytest.fixture
def july(fresh_warehouse) -> warehouse.Warehouse:
    warehouse.store_articles(
        fresh_warehouse,
        "Outlet A",
        [
            article("1", "New sanctions on Moscow", "", at(2)),
            article("2", "Sanctions relief talks", "The EU sanctioned banks.", at(10)),
            article("3", "Helsinki weather", "Sunny.", at(10)),
            article("4", "Sanctions bite", "", at(20)),
        ],
    )
    return fresh_warehouse


def line(wh: warehouse.Warehouse, **options) -> list[tuple[str, int, int]]:
    frame = warehouse.entity_series(wh, [], queries=[QUERY], **options)
    return [(row.bucket_start, row.articles, row.mentions) for row in frame.itertuples() if row.articles]


def fresh_line(wh: warehouse.Warehouse, **options) -> list[tuple[str, int, int]]:
    remembered.forget_all()
    try:
        return line(wh, **options)
    finally:
        remembered.forget_all()


def test_a_query_asked_again_over_the_same_data_is_not_read_again(july, reads):
    whole = line(july)
    week = line(july, start=date(2018, 7, 9), end=date(2018, 7, 15), bucket="week", tz="Europe/Berlin")
    day = line(july, start=date(2018, 7, 10), end=date(2018, 7, 10))

    assert reads == [(QUERY,)]
    assert whole == [("2018-07-02", 1, 1), ("2018-07-10", 1, 2), ("2018-07-20", 1, 1)]
    assert week == fresh_line(july, start=date(2018, 7, 9), end=date(2018, 7, 15), bucket="week", tz="Europe/Berlin")
    assert day == [("2018-07-10", 1, 2)]


def test_a_write_makes_the_remembered_matches_stale(july, reads):
    line(july)
    warehouse.store_articles(july, "Outlet B", [article("5", "More sanctions", "", at(10, 18))])

    assert line(july) == [("2018-07-02", 1, 1), ("2018-07-10", 2, 3), ("2018-07-20", 1, 1)]
    assert reads == [(QUERY,), (QUERY,)]


def test_a_wider_range_than_was_read_is_read_again(july, reads):
    first = line(july, start=date(2018, 7, 5), end=date(2018, 7, 12))
    wider = line(july, start=date(2018, 7, 1), end=date(2018, 7, 12))
    inside = line(july, start=date(2018, 7, 2), end=date(2018, 7, 11))

    assert first == [("2018-07-10", 1, 2)]
    assert wider == [("2018-07-02", 1, 1), ("2018-07-10", 1, 2)]
    assert inside == [("2018-07-02", 1, 1), ("2018-07-10", 1, 2)]
    assert reads == [(QUERY,), (QUERY,)]


def test_a_range_reaching_past_the_articles_covers_all_time_on_that_side(july, reads):
    line(july, start=date(2018, 6, 1), end=date(2018, 8, 31))  # before the first and after the last article
    assert line(july) == [("2018-07-02", 1, 1), ("2018-07-10", 1, 2), ("2018-07-20", 1, 1)]
    assert reads == [(QUERY,)]


def test_a_read_of_some_days_only_is_not_remembered(july, reads):
    with july.reading() as connection:
        warehouse.counting.queries.write_query_mentions(
            connection, [warehouse.parse_query(QUERY)], ["q"], days={date(2018, 7, 10)}
        )
    line(july)

    assert reads == [(QUERY,), (QUERY,)]


def test_two_warehouses_at_the_same_write_count_do_not_share_matches(tmp_path, reads):
    first, second = warehouse.Warehouse(tmp_path / "a.duckdb"), warehouse.Warehouse(tmp_path / "b.duckdb")
    warehouse.store_articles(first, "Outlet A", [article("1", "Sanctions", "", at(3))])
    warehouse.store_articles(
        second, "Outlet A", [article("1", "Weather", "", at(3)), article("2", "Sanctions", "", at(4))]
    )

    assert line(first) == [("2018-07-03", 1, 1)]
    assert line(second) == [("2018-07-04", 1, 1)]
    assert reads == [(QUERY,), (QUERY,)]


def test_only_the_most_recently_used_queries_are_kept(july, reads, monkeypatch):
    monkeypatch.setattr(remembered, "MAX_QUERIES", 2)
    for query in ("sanction*", "Helsinki", "weather", "sanction*"):
        warehouse.entity_series(july, [], queries=[query])

    assert reads == [("sanction*",), ("Helsinki",), ("weather",), ("sanction*",)]
