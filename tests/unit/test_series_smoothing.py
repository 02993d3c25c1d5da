"""Series smoothing (`smooth`): trailing means per outlet and entity, share as the ratio of the window's sums."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

import warehouse
from tests.conftest import article


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def rows(frame, *columns):
    return [tuple(record) for record in frame[list(columns)].itertuples(index=False)]


def day_of(outlet: str, day: str, putin: int, others: int) -> list[warehouse.FetchedArticle]:
    return [article(f"{outlet}{day}p{n}", "Putin speaks", "", at(f"{day}T09:00")) for n in range(putin)] + [
        article(f"{outlet}{day}o{n}", "Weather", "", at(f"{day}T10:00")) for n in range(others)
    ]


@pytest.fixture
def five_days(fresh_warehouse):
    """Outlet A, Putin articles of all articles: 10th 1 of 4, 11th 2 of 2, 12th nothing, 13th 1 of 10, 14th 0 of 4."""
    articles = (
        day_of("a", "2018-07-10", 1, 3)
        + day_of("a", "2018-07-11", 2, 0)
        + day_of("a", "2018-07-13", 1, 9)
        + day_of("a", "2018-07-14", 0, 4)
    )
    warehouse.store_articles(fresh_warehouse, "Outlet A", articles)
    return fresh_warehouse


def test_smoothing_is_a_trailing_mean_and_share_the_ratio_of_the_window_sums(five_days):
    frame = warehouse.entity_series(five_days, ["putin"], smooth=3)
    # Window of 3 days ending on each day; at the start of the data only the days there are.
    # 10th: [10]        articles 1/1,        total 4/1,        share 1/4
    # 11th: [10,11]     articles (1+2)/2,    total (4+2)/2,    share 3/6
    # 12th: [10,11,12]  articles 3/3,        total 6/3,        share 3/6
    # 13th: [11,12,13]  articles (2+0+1)/3,  total (2+0+10)/3, share 3/12 (the mean of the daily shares
    #                   would be (1.0 + 0.1)/2 = 0.55: the 2-article day would weigh as much as the 10-article one)
    # 14th: [12,13,14]  articles 1/3,        total 14/3,       share 1/14
    assert rows(frame, "bucket_start", "articles", "mentions", "total_articles", "share") == [
        ("2018-07-10", 1.0, 1.0, 4.0, 0.25),
        ("2018-07-11", 1.5, 1.5, 3.0, 0.5),
        ("2018-07-12", 1.0, 1.0, 2.0, 0.5),
        ("2018-07-13", 1.0, 1.0, 4.0, 0.25),
        ("2018-07-14", 0.333333, 0.333333, 4.666667, 0.071429),
    ]


def test_a_smoothed_bucket_has_the_same_value_whatever_the_from_date(five_days):
    whole = warehouse.entity_series(five_days, ["putin"], smooth=3)
    tail = warehouse.entity_series(five_days, ["putin"], smooth=3, start=date(2018, 7, 13))
    # The days before --from are read for the window but not shown.
    assert rows(tail, "bucket_start", "articles", "total_articles", "share") == [
        ("2018-07-13", 1.0, 4.0, 0.25),
        ("2018-07-14", 0.333333, 4.666667, 0.071429),
    ]
    assert rows(tail, "articles", "share") == rows(whole.tail(2), "articles", "share")


def test_smoothing_over_one_bucket_changes_nothing(five_days):
    assert warehouse.entity_series(five_days, ["putin"], smooth=1).equals(warehouse.entity_series(five_days, ["putin"]))


def test_smoothing_runs_per_outlet(fresh_warehouse):
    warehouse.store_articles(
        fresh_warehouse, "Outlet A", day_of("a", "2018-07-10", 1, 1) + day_of("a", "2018-07-11", 0, 2)
    )
    warehouse.store_articles(fresh_warehouse, "Outlet B", day_of("b", "2018-07-11", 3, 1))
    frame = warehouse.entity_series(fresh_warehouse, ["putin"], smooth=2, by_source=True)
    # A: 10th [1 of 2] -> 1, 2, 0.5; 11th [1 of 2, 0 of 2] -> 0.5, 2, 1/4.
    # B: 10th [0 of 0] -> 0, 0, 0; 11th [0 of 0, 3 of 4] -> 1.5, 2, 3/4.
    assert rows(frame, "bucket_start", "source", "articles", "total_articles", "share") == [
        ("2018-07-10", "Outlet A", 1.0, 2.0, 0.5),
        ("2018-07-10", "Outlet B", 0.0, 0.0, 0.0),
        ("2018-07-11", "Outlet A", 0.5, 2.0, 0.25),
        ("2018-07-11", "Outlet B", 1.5, 2.0, 0.75),
    ]


def test_smoothing_hours_reads_the_hours_before_from_across_midnight(fresh_warehouse):
    warehouse.store_articles(
        fresh_warehouse,
        "Outlet A",
        [article("1", "Putin", "", at("2018-07-15T23:10")), article("2", "Weather", "", at("2018-07-16T00:10"))],
    )
    frame = warehouse.entity_series(
        fresh_warehouse, ["putin"], bucket="hour", smooth=2, start=date(2018, 7, 16), end=date(2018, 7, 16)
    )
    assert len(frame) == 24
    # 00:00 on the 16th: window [23:00 on the 15th, 00:00] = 1 of 2 articles.
    assert rows(frame.head(2), "bucket_start", "articles", "total_articles", "share") == [
        ("2018-07-16T00:00:00+00:00", 0.5, 1.0, 0.5),
        ("2018-07-16T01:00:00+00:00", 0.0, 0.5, 0.0),
    ]


def test_smoothing_with_a_window_under_one_is_refused(five_days):
    with pytest.raises(warehouse.WarehouseError, match="1 bucket or more"):
        warehouse.entity_series(five_days, ["putin"], smooth=0)


def test_share_bases_are_the_articles_each_share_divides_the_window_sum_once_smoothed(five_days):
    plain = warehouse.entity_series(five_days, ["putin"], share_bases=True)
    smoothed = warehouse.entity_series(five_days, ["putin"], smooth=3, share_bases=True, start=date(2018, 7, 11))
    # Unsmoothed: each day's own articles, 4, 2, 0, 10, 4. Over 3 days (the 10th read for the window but not shown):
    # 11th [10,11] 4+2, 12th [10,11,12] 4+2+0, 13th [11,12,13] 2+0+10, 14th [12,13,14] 0+10+4.
    assert rows(plain, "bucket_start", "share_base") == [
        ("2018-07-10", 4),
        ("2018-07-11", 2),
        ("2018-07-12", 0),
        ("2018-07-13", 10),
        ("2018-07-14", 4),
    ]
    assert rows(smoothed, "bucket_start", "share_base") == [
        ("2018-07-11", 6),
        ("2018-07-12", 6),
        ("2018-07-13", 12),
        ("2018-07-14", 14),
    ]
    assert "share_base" not in warehouse.entity_series(five_days, ["putin"], smooth=3).columns
