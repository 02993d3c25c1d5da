"""A warehouse with one spike built by hand: Putin's coverage jumps on Saturday 14 July 2018, two days before Helsinki.

Shared by the app and browser tests of the Trends, Spikes and Event lens pages.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import warehouse
from tests.conftest import SHIPPED_EVENTS, SHIPPED_WATCHLIST

FIRST_DAY, LAST_DAY = date(2018, 6, 1), date(2018, 8, 31)
SPIKE_DAY = date(2018, 7, 14)
SPIKE_ID = "putin:2018-07-14"
OUTLETS = ("Example Times", "Example Herald", "Example Courier")
SHARED_HEADLINE = "Putin surprises the Kremlin with a snap reshuffle"
ROUTINE_TOPICS = ("Putin", "Trump", "the weather", "the World Cup", "rail strikes", "the harvest")
SPIKE_STORIES_PER_OUTLET = 8


def outlet_articles(outlet_number: int) -> list[warehouse.FetchedArticle]:
    """Six stories a day, one of them about Putin (a share of 1/6); on SPIKE_DAY eight more about his reshuffle.

    Spike day, all outlets: 18 routine + 24 reshuffle articles, 3 + 24 = 27 about Putin,
    a share of 27/42 against a flat 1/6 before: far above the spike threshold.
    """
    articles = []
    for offset in range((LAST_DAY - FIRST_DAY).days + 1):
        day = FIRST_DAY + timedelta(days=offset)
        for number, topic in enumerate(ROUTINE_TOPICS):
            title = f"{topic}: story {number} of {day:%d %B} ({OUTLETS[outlet_number]})"
            articles.append(_article(outlet_number, day, number, title))
        if day == SPIKE_DAY:
            for number in range(SPIKE_STORIES_PER_OUTLET):
                own = f"Putin reshuffle: minister {number} goes, says {OUTLETS[outlet_number]}"
                title = SHARED_HEADLINE if number == 0 else own
                articles.append(_article(outlet_number, day, 10 + number, title))
    return articles


def _article(outlet_number: int, day: date, number: int, title: str) -> warehouse.FetchedArticle:
    return warehouse.FetchedArticle(
        guid=f"{outlet_number}-{day}-{number}",
        url=f"https://outlet{outlet_number}.example/{day}/{number}",
        title=title,
        summary="",
        # The Times runs every story an hour before the others, so it published the shared one first.
        published_at=datetime(day.year, day.month, day.day, 6 + number % 14 + outlet_number, tzinfo=UTC),
    )


def build_spike_corpus(path: Path) -> warehouse.Warehouse:
    wh = warehouse.open_warehouse(path, watchlist_path=SHIPPED_WATCHLIST, events_path=SHIPPED_EVENTS)
    for number, outlet in enumerate(OUTLETS):
        warehouse.store_articles(wh, outlet, outlet_articles(number), fetched_at=datetime(2018, 9, 1, tzinfo=UTC))
    return wh
