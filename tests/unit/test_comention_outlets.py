"""Outlets that diverge on co-mentions: an outlet's leader–theme share against all outlets', from a hand-made corpus."""

from __future__ import annotations

from datetime import date

import warehouse
from tests.conftest import article

SUMMIT_DAY = date(2018, 7, 16)


def putin_stories(prefix: str, *, with_sanctions: int, without: int) -> list[warehouse.FetchedArticle]:
    stories = [article(f"{prefix}-s{n}", f"Putin weighs new sanctions, part {n}") for n in range(with_sanctions)]
    stories += [article(f"{prefix}-p{n}", f"Putin arrives, part {n}") for n in range(without)]
    return stories


def test_outlets_furthest_from_the_all_outlets_share_come_first(fresh_warehouse):
    # Times: 4 of 5 Putin stories mention sanctions (80 %); Herald: 1 of 5 (20 %); together 5 of 10 (50 %).
    warehouse.store_articles(fresh_warehouse, "Example Times", putin_stories("t", with_sanctions=4, without=1))
    warehouse.store_articles(fresh_warehouse, "Example Herald", putin_stories("h", with_sanctions=1, without=4))

    frame = warehouse.comention_outlet_divergence(fresh_warehouse, start=SUMMIT_DAY, end=SUMMIT_DAY)

    assert list(frame.columns) == warehouse.OUTLET_DIVERGENCE_COLUMNS
    rows = [tuple(row) for row in frame.itertuples(index=False)]
    assert rows == [  # equal gaps of 30 points: by outlet name
        ("Example Herald", "putin", "sanctions", 5, 1, 0.2, 0.5, -0.3),
        ("Example Times", "putin", "sanctions", 5, 4, 0.8, 0.5, 0.3),
    ]


def test_an_outlet_with_too_few_articles_on_the_leader_is_not_compared(fresh_warehouse):
    warehouse.store_articles(fresh_warehouse, "Example Times", putin_stories("t", with_sanctions=4, without=1))
    warehouse.store_articles(fresh_warehouse, "Example Herald", putin_stories("h", with_sanctions=0, without=2))

    frame = warehouse.comention_outlet_divergence(fresh_warehouse, start=SUMMIT_DAY, end=SUMMIT_DAY)

    # All outlets: 4 of 7 = 57.1429 %; the Times 80 %, so 22.8571 points above; the Herald has only 2 stories.
    assert [(row.source, row.share, row.all_outlets_share, row.difference) for row in frame.itertuples()] == [
        ("Example Times", 0.8, 0.571429, 0.228571)
    ]


def test_articles_outside_the_period_are_not_counted(fresh_warehouse):
    warehouse.store_articles(fresh_warehouse, "Example Times", putin_stories("t", with_sanctions=4, without=1))

    frame = warehouse.comention_outlet_divergence(fresh_warehouse, start=date(2018, 7, 17), end=date(2018, 7, 20))

    assert frame.empty
