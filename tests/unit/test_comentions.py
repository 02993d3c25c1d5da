"""Co-mentions: the share of a leader's articles that also mention a theme, against the period before."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime

import warehouse
from tests.conftest import article


def at(day: int) -> datetime:
    return datetime(2023, 9, day, 12, tzinfo=UTC)


def test_share_of_a_leaders_articles_mentioning_each_theme_and_its_change(fresh_warehouse):
    warehouse.store_articles(
        fresh_warehouse,
        "Outlet A",
        [
            article("0", "Putin sanctions", "", datetime(2023, 8, 31, 12, tzinfo=UTC)),  # before both periods
            # The previous period, 1 to 7 September: 3 Putin articles, 1 about sanctions.
            article("1", "Putin speaks", "", at(2)),
            article("2", "Putin speaks again", "", at(3)),
            article("3", "Putin faces sanctions", "", at(5)),
            # The period asked for, 8 to 14 September: 4 Putin articles, 1 Trump article.
            article("4", "Putin faces new sanctions", "", at(8)),
            article("5", "Putin and NATO: sanctions loom", "", at(9)),
            article("6", "Putin speaks", "", at(10)),
            article("7", "Putin visits Crimea", "", at(11)),
            article("8", "Trump speaks", "", at(12)),
            article("9", "Sanctions news", "", at(13)),  # no leader: in nobody's row
        ],
    )
    frame = warehouse.comention_matrix(fresh_warehouse, start=date(2023, 9, 8), end=date(2023, 9, 14))
    assert len(frame) == 15 * 12  # every leader × every theme of the shipped watchlist
    pairs = frame.set_index(["leader_id", "theme_id"])
    # Sanctions: 2 of Putin's 4 articles now (0.5), 1 of 3 before (0.333333); change 0.5 − 1/3.
    assert tuple(pairs.loc[("putin", "sanctions")]) == (4, 2, 0.5, 3, 1, 0.333333, 0.166667)
    # NATO and Crimea: 1 of 4 now, 0 of 3 before.
    assert tuple(pairs.loc[("putin", "nato")]) == (4, 1, 0.25, 3, 0, 0.0, 0.25)
    assert tuple(pairs.loc[("putin", "crimea")]) == (4, 1, 0.25, 3, 0, 0.0, 0.25)
    # Trump: 1 article now, none about sanctions; none before, so no change can be given.
    trump = pairs.loc[("trump", "sanctions")]
    assert tuple(trump[:6]) == (1, 0, 0.0, 0, 0, 0.0)
    assert math.isnan(trump["change"])


def test_without_dates_the_period_is_the_28_days_up_to_the_newest_article(fresh_warehouse):
    warehouse.store_articles(
        fresh_warehouse,
        "Outlet A",
        [
            article("1", "Putin faces sanctions", "", datetime(2023, 9, 28, 12, tzinfo=UTC)),  # 28 days before
            article("2", "Putin speaks", "", datetime(2023, 10, 25, 12, tzinfo=UTC)),  # the newest
            article("3", "Putin faces sanctions", "", datetime(2023, 9, 27, 12, tzinfo=UTC)),  # 29: previous
        ],
    )
    frame = warehouse.comention_matrix(fresh_warehouse).set_index(["leader_id", "theme_id"])
    # 28 September to 25 October: 2 Putin articles, 1 about sanctions; the day before is the previous period.
    assert tuple(frame.loc[("putin", "sanctions")])[:6] == (2, 1, 0.5, 1, 1, 1.0)
