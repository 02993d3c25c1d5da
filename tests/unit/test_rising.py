"""`rising`: title words and two-word phrases whose share of articles rose, on a corpus built by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

import warehouse
from tests.conftest import article

WINDOW_DAY = date(2025, 8, 15)


def noon(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time()).replace(hour=12, tzinfo=UTC)


@pytest.fixture
def summit_news(fresh_warehouse):
    """28 quiet days, then a day when Alaska and a German summit story arrive.

    Baseline (2025-07-18 to 2025-08-14): one article a day, 27 x "Markets steady", 1 x "Markets rally".
    Window (2025-08-15), 9 articles: 3 x "Alaska summit opens", 3 x "Markets rally" (outlet without
    a language: English stop words), 3 x "Der Gipfel und die Zölle" (a German outlet).
    """
    baseline = [
        article(
            f"q{offset}",
            "Markets rally" if offset == 5 else "Markets steady",
            "",
            noon(WINDOW_DAY - timedelta(days=offset)),
        )
        for offset in range(1, 29)
    ]
    window = [article(f"a{n}", "Alaska summit opens", "", noon(WINDOW_DAY)) for n in range(3)]
    window += [article(f"m{n}", "Markets rally", "", noon(WINDOW_DAY)) for n in range(3)]
    warehouse.store_articles(fresh_warehouse, "Wire", baseline + window)
    warehouse.ensure_source(fresh_warehouse, "Zeitung", language="de")
    warehouse.store_articles(
        fresh_warehouse,
        "Zeitung",
        [article(f"z{n}", "Der Gipfel und die Zölle", "", noon(WINDOW_DAY)) for n in range(3)],
    )
    return fresh_warehouse


def test_rising_ranks_terms_by_their_rise_in_share_of_articles(summit_news):
    report = warehouse.rising_terms(summit_news, window_days=1)
    assert report.window == (WINDOW_DAY, WINDOW_DAY)
    assert report.baseline == (date(2025, 7, 18), date(2025, 8, 14))
    assert (report.window_articles, report.baseline_articles) == (9, 28)
    # log_ratio = ln(((w + 1) / (9 + 2)) / ((b + 1) / (28 + 2))):
    #   new terms (w 3, b 0): ln((4/11) / (1/30)) = ln(10.909) = 2.390
    #   rally (w 3, b 1):     ln((4/11) / (2/30)) = ln(5.4545) = 1.696
    #   markets (w 3, b 28) fell in share (3/9 against 28/28) and is not listed.
    # "opens" is an English stop word, "der", "und", "die" German ones (the outlet's language),
    # so neither "summit opens" nor "gipfel zölle" (words not next to each other) is a phrase.
    assert [
        (row["term"], row["window_articles"], row["baseline_articles"], row["log_ratio"]) for row in report.rows
    ] == [
        ("alaska", 3, 0, 2.39),
        ("alaska summit", 3, 0, 2.39),
        ("gipfel", 3, 0, 2.39),
        ("summit", 3, 0, 2.39),
        ("zölle", 3, 0, 2.39),
        ("markets rally", 3, 1, 1.696),
        ("rally", 3, 1, 1.696),
    ]
    rally = report.rows[-1]
    assert (rally["window_share"], rally["baseline_share"]) == (0.333333, 0.035714)  # 3/9, 1/28


def test_a_week_window_holds_the_seven_days_up_to_the_newest_article(summit_news):
    report = warehouse.rising_terms(summit_news, window_days=7)
    assert report.window == (date(2025, 8, 9), WINDOW_DAY)
    assert report.baseline == (date(2025, 7, 12), date(2025, 8, 8))
    # The window now also holds 6 quiet days (offsets 1-6, "rally" among them): 15 articles;
    # the baseline the other 22 days of the fixture.
    assert (report.window_articles, report.baseline_articles) == (15, 22)
    rally = next(row for row in report.rows if row["term"] == "rally")
    assert (rally["window_articles"], rally["baseline_articles"]) == (4, 0)


def test_an_empty_warehouse_has_nothing_rising(fresh_warehouse):
    assert warehouse.rising_terms(fresh_warehouse).rows == []
