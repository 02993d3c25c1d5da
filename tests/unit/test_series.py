"""Series: counts per bucket, zero-filled, in the chosen zone, with DST days handled."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

import warehouse
from tests.conftest import article


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def rows(frame, *columns):
    return [tuple(record) for record in frame[list(columns)].itertuples(index=False)]


def test_share_is_articles_over_all_articles_of_the_bucket(fresh_warehouse):
    warehouse.store_articles(
        fresh_warehouse,
        "Outlet A",
        [
            article("1", "Putin speaks", "Putin again", at("2018-07-16T09:00")),
            article("2", "Weather", "", at("2018-07-16T10:00")),
            article("3", "Trump speaks", "", at("2018-07-16T11:00")),
        ],
    )
    frame = warehouse.entity_series(fresh_warehouse, ["putin"], start=date(2018, 7, 16), end=date(2018, 7, 16))
    # 1 of 3 articles mentions Putin, twice.
    assert rows(frame, "bucket_start", "entity_id", "articles", "mentions", "total_articles", "share") == [
        ("2018-07-16", "putin", 1, 2, 3, 0.333333)
    ]


def test_buckets_without_articles_appear_as_zeros(fresh_warehouse):
    warehouse.store_articles(
        fresh_warehouse,
        "Outlet A",
        [
            article("1", "Putin", "", at("2018-07-14T12:00")),
            article("2", "Putin", "", at("2018-07-16T12:00")),
        ],
    )
    frame = warehouse.entity_series(fresh_warehouse, ["putin", "trump"])
    assert rows(frame, "bucket_start", "entity_id", "articles", "total_articles") == [
        ("2018-07-14", "putin", 1, 1),
        ("2018-07-14", "trump", 0, 1),
        ("2018-07-15", "putin", 0, 0),
        ("2018-07-15", "trump", 0, 0),
        ("2018-07-16", "putin", 1, 1),
        ("2018-07-16", "trump", 0, 1),
    ]


def test_day_buckets_follow_local_midnight_across_berlin_autumn_dst(fresh_warehouse):
    warehouse.store_articles(
        fresh_warehouse,
        "Outlet A",
        [
            article("1", "Putin", "", at("2025-10-25T22:30")),  # 00:30 CEST on the 26th in Berlin
            article("2", "Putin", "", at("2025-10-26T22:30")),  # 23:30 CET on the 26th
            article("3", "Putin", "", at("2025-10-26T23:30")),  # 00:30 CET on the 27th
        ],
    )
    berlin = warehouse.entity_series(fresh_warehouse, ["putin"], tz="Europe/Berlin")
    utc = warehouse.entity_series(fresh_warehouse, ["putin"], tz="UTC")
    assert rows(berlin, "bucket_start", "articles") == [("2025-10-26", 2), ("2025-10-27", 1)]
    assert rows(utc, "bucket_start", "articles") == [("2025-10-25", 1), ("2025-10-26", 2)]


def test_repeated_autumn_hour_in_berlin_is_two_buckets(fresh_warehouse):
    warehouse.store_articles(
        fresh_warehouse,
        "Outlet A",
        [
            article("1", "Putin", "", at("2025-10-26T00:30")),  # 02:30 CEST
            article("2", "Putin", "", at("2025-10-26T01:30")),  # 02:30 CET, one real hour later
        ],
    )
    frame = warehouse.entity_series(fresh_warehouse, ["putin"], bucket="hour", tz="Europe/Berlin")
    assert rows(frame, "bucket_start", "articles") == [
        ("2025-10-26T02:00:00+02:00", 1),
        ("2025-10-26T02:00:00+01:00", 1),
    ]


def test_new_york_spring_forward_day_has_23_hour_buckets(fresh_warehouse):
    warehouse.store_articles(
        fresh_warehouse,
        "Outlet A",
        [
            article("1", "Trump", "", at("2025-03-09T06:30")),  # 01:30 EST
            article("2", "Trump", "", at("2025-03-09T07:30")),  # 03:30 EDT: 02:xx does not exist that day
            article("3", "Trump", "", at("2025-03-10T03:30")),  # 23:30 EDT, still the 9th
        ],
    )
    hours = warehouse.entity_series(
        fresh_warehouse,
        ["trump"],
        bucket="hour",
        tz="America/New_York",
        start=date(2025, 3, 9),
        end=date(2025, 3, 9),
    )
    assert len(hours) == 23
    assert "2025-03-09T02:00:00-05:00" not in set(hours["bucket_start"])
    nonzero = hours[hours["articles"] > 0]
    assert rows(nonzero, "bucket_start", "articles") == [
        ("2025-03-09T01:00:00-05:00", 1),
        ("2025-03-09T03:00:00-04:00", 1),
        ("2025-03-09T23:00:00-04:00", 1),
    ]
    days = warehouse.entity_series(fresh_warehouse, ["trump"], tz="America/New_York")
    assert rows(days, "bucket_start", "articles") == [("2025-03-09", 3)]


def test_week_and_month_buckets_start_monday_and_first_of_month(fresh_warehouse):
    warehouse.store_articles(
        fresh_warehouse,
        "Outlet A",
        [
            article("1", "Trump", "", at("2018-07-15T12:00")),
            article("2", "Trump", "", at("2018-07-16T12:00")),
        ],
    )
    weeks = warehouse.entity_series(fresh_warehouse, ["trump"], bucket="week")
    months = warehouse.entity_series(fresh_warehouse, ["trump"], bucket="month")
    # Sunday the 15th belongs to the week of Monday the 9th; Monday the 16th starts a new one.
    assert rows(weeks, "bucket_start", "articles") == [("2018-07-09", 1), ("2018-07-16", 1)]
    assert rows(months, "bucket_start", "articles") == [("2018-07-01", 2)]


def test_by_source_totals_count_only_that_outlet(fresh_warehouse):
    warehouse.store_articles(fresh_warehouse, "Outlet A", [article("1", "Putin"), article("2", "Nothing")])
    warehouse.store_articles(fresh_warehouse, "Outlet B", [article("1", "Putin")])
    frame = warehouse.entity_series(fresh_warehouse, ["putin"], by_source=True)
    assert rows(frame, "source", "articles", "total_articles", "share") == [
        ("Outlet A", 1, 2, 0.5),
        ("Outlet B", 1, 1, 1.0),
    ]


def test_untrusted_dates_are_not_bucketed(fresh_warehouse):
    warehouse.store_articles(
        fresh_warehouse,
        "Outlet A",
        [
            article("1", "Putin", "", at("1970-01-01T00:00")),
            article("2", "Putin", "", at("2018-07-16T12:00")),
        ],
        fetched_at=at("2018-07-16T13:00"),
    )
    frame = warehouse.entity_series(fresh_warehouse, ["putin"])
    assert rows(frame, "bucket_start", "articles") == [("2018-07-16", 1)]


def test_unknown_entity_is_refused_naming_it(fresh_warehouse):
    with pytest.raises(warehouse.UnknownEntity, match="nobody"):
        warehouse.entity_series(fresh_warehouse, ["nobody"])
