"""The event lens: each entity's mean daily share around an event against the days before it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pandas as pd
import pytest

import warehouse
from tests.conftest import article
from warehouse.analysis.lens import LensDays, entity_lifts, lens_days

EVENT_DAY = date(2023, 6, 14)  # no shipped calendar event falls near it


def day(offset: int) -> date:
    return EVENT_DAY + timedelta(days=offset)


def event(event_id: str, start: date, end: date | None = None) -> warehouse.Event:
    return warehouse.Event(event_id, event_id.replace("_", " "), start, end or start)


def test_the_window_spans_the_event_and_window_days_either_side():
    summit = event("summit", day(0), day(1))
    days = lens_days(summit, [summit], window_days=3, baseline_days=28)
    assert (days.window[0], days.window[-1], len(days.window)) == (day(-3), day(4), 8)
    assert (days.baseline[0], days.baseline[-1], len(days.baseline)) == (day(-31), day(-4), 28)
    assert days.excluded == ()


def test_baseline_days_inside_another_events_window_are_left_out():
    summit, call = event("summit", day(0)), event("call", day(-4))
    days = lens_days(summit, [summit, call], window_days=1, baseline_days=4)
    # The summit's baseline is days -5 to -2; the call's window is days -5 to -3.
    assert days.excluded == (day(-5), day(-4), day(-3))
    assert days.baseline == (day(-2),)


def rows(outlet: str, day_label: str, putin: int, total: int) -> dict:
    return {
        "bucket_start": day_label,
        "source": outlet,
        "entity_id": "putin",
        "articles": putin,
        "total_articles": total,
    }


def test_outlets_that_moved_most_come_first_and_small_ones_are_not_ranked():
    baseline, window = ("2023-06-01", "2023-06-02"), ("2023-06-10", "2023-06-11")
    daily = pd.DataFrame(
        [
            *(rows("A", label, 1, 10) for label in baseline),
            *(rows("A", label, 2, 10) for label in window),  # 0.1 → 0.2: lift 2
            *(rows("B", label, 1, 10) for label in baseline),
            *(rows("B", label, 4, 10) for label in window),  # 0.1 → 0.4: lift 4
            *(rows("C", label, 0, 5) for label in baseline),
            *(rows("C", label, 1, 5) for label in window),  # only 2 articles: below the minimum of 3
            *(rows("D", label, 0, 10) for label in baseline),
            rows("D", window[0], 2, 10),
            rows("D", window[1], 1, 10),  # never covered before: no lift, listed after those with one
        ]
    )
    days = LensDays(
        window=(date(2023, 6, 10), date(2023, 6, 11)), baseline=(date(2023, 6, 1), date(2023, 6, 2)), excluded=()
    )
    (putin,) = entity_lifts(daily, days, event_start=date(2023, 6, 10))
    # All outlets together: baseline days 2 of 35 each; window days 9 of 35 and 8 of 35.
    # Means 2/35 = 0.057143 and 8.5/35 = 0.242857; lift 4.25. Peak on the first window day.
    assert (putin.window_articles, putin.window_share, putin.baseline_share, putin.lift) == (
        17,
        0.242857,
        0.057143,
        4.25,
    )
    assert (putin.peak_day, putin.days_to_peak) == (date(2023, 6, 10), 0)
    assert [(outlet.source, outlet.window_articles, outlet.lift) for outlet in putin.outlets] == [
        ("B", 8, 4.0),
        ("A", 4, 2.0),
        ("D", 3, None),
    ]


def at(offset: int, hour: int) -> datetime:
    return datetime.combine(day(offset), datetime.min.time()).replace(hour=hour, tzinfo=UTC)


# Ten articles a day from day -5 to day +1; this many of them mention Putin.
PUTIN_PER_DAY = {-5: 1, -4: 3, -3: 1, -2: 1, -1: 4, 0: 6, 1: 5}


@pytest.fixture
def lens_corpus(fresh_warehouse):
    stored = []
    for offset, putin in PUTIN_PER_DAY.items():
        for n in range(10):
            title = "Putin speaks" if n < putin else "Weather"
            stored.append(article(f"{offset}-{n}", title, "", at(offset, 8 + n)))
    warehouse.store_articles(fresh_warehouse, "Outlet A", stored)
    warehouse.add_event(fresh_warehouse, event("summit", day(0)))
    return fresh_warehouse


def test_lift_is_the_window_mean_share_over_the_baseline_mean_share(lens_corpus):
    result = warehouse.event_lens(lens_corpus, "summit", window_days=1, baseline_days=4)
    putin = next(entity for entity in result.entities if entity.entity_id == "putin")
    # Window (days -1, 0, +1): 4, 6 and 5 of 10, mean 0.5. Baseline (days -5 to -2): 1, 3, 1
    # and 1 of 10, mean 0.15. Lift 0.5 / 0.15 = 3.333.
    assert (putin.window_articles, putin.window_share, putin.baseline_share, putin.lift) == (15, 0.5, 0.15, 3.333)
    assert (putin.peak_day, putin.days_to_peak) == (day(0), 0)
    assert [entity.entity_id for entity in result.entities] == ["putin"]


def test_an_earlier_event_takes_its_days_out_of_the_baseline(lens_corpus):
    warehouse.add_event(lens_corpus, event("phone_call", day(-4)))
    result = warehouse.event_lens(lens_corpus, "summit", window_days=1, baseline_days=4)
    putin = next(entity for entity in result.entities if entity.entity_id == "putin")
    # The call's window covers days -5 to -3 (including the busy day -4, 3 of 10); the
    # baseline keeps day -2 alone: 1 of 10. Lift 0.5 / 0.1 = 5.0.
    assert result.days.baseline == (day(-2),)
    assert (putin.baseline_share, putin.lift) == (0.1, 5.0)


def test_an_unknown_event_is_refused(lens_corpus):
    with pytest.raises(warehouse.UnknownEvent, match="no event with id 'nope'"):
        warehouse.event_lens(lens_corpus, "nope")
