"""The lens chart's spike markers, judged from the days around its window, are the Spikes page's episodes."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import pandas as pd
import pytest

import warehouse
import warehouse.analysis.lens
import warehouse.analysis.spikes
from tests.spike_corpus import SPIKE_DAY, SPIKE_ID, build_spike_corpus
from warehouse.analysis.spikes import spike_episodes_peaking_within


def the_spike_pages_episodes_peaking_within(wh: warehouse.Warehouse, entity_ids: list[str], start: date, end: date):
    """What the markers must be: spike_episodes over all the data, those peaking in the range, rising terms aside."""
    return [
        dataclasses.replace(episode, rising_terms=())
        for episode in warehouse.spike_episodes(wh, entity_ids=entity_ids)
        if start <= episode.peak <= end
    ]


@pytest.fixture(scope="module")
def spiky_warehouse(tmp_path_factory: pytest.TempPathFactory) -> warehouse.Warehouse:
    return build_spike_corpus(tmp_path_factory.mktemp("lens-spikes") / "newstally.duckdb")


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (SPIKE_DAY - timedelta(days=3), SPIKE_DAY + timedelta(days=3)),  # around Putin's spike
        (SPIKE_DAY, SPIKE_DAY),  # the peak day alone
        (SPIKE_DAY + timedelta(days=1), SPIKE_DAY + timedelta(days=9)),  # just after it: no marker
        (date(2018, 6, 1), date(2018, 6, 5)),  # the corpus's first days, with no past to judge against
    ],
)
def test_markers_are_the_spike_pages_episodes_peaking_in_the_window(spiky_warehouse, start, end):
    entity_ids = ["putin", "trump"]

    found = spike_episodes_peaking_within(spiky_warehouse, entity_ids, start=start, end=end)

    assert found == the_spike_pages_episodes_peaking_within(spiky_warehouse, entity_ids, start, end)
    assert (SPIKE_ID in [episode.episode_id for episode in found]) == (start <= SPIKE_DAY <= end)


QUERY = "Putin OR Kremlin"


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (date(2018, 6, 1), SPIKE_DAY + timedelta(days=30)),  # all of it, as Trends asks
        (SPIKE_DAY, SPIKE_DAY),
        (SPIKE_DAY + timedelta(days=1), SPIKE_DAY + timedelta(days=9)),
    ],
)
def test_a_querys_markers_are_the_spike_pages_episodes_of_the_query(spiky_warehouse, start, end):
    expected = [
        dataclasses.replace(episode, rising_terms=())
        for episode in warehouse.spike_episodes(spiky_warehouse, queries=[QUERY])
        if start <= episode.peak <= end
    ]

    found = spike_episodes_peaking_within(spiky_warehouse, [], queries=[QUERY], start=start, end=end)

    assert found == expected
    spiked = [episode for episode in found if episode.peak == SPIKE_DAY]
    assert bool(spiked) == (start <= SPIKE_DAY <= end)
    if spiked:
        assert spiked[0].entity_id == QUERY
        assert spiked[0].headlines[0].title == "Putin surprises the Kremlin with a snap reshuffle"


def test_a_marker_keeps_its_top_headline_and_nearby_events(spiky_warehouse):
    (putin,) = spike_episodes_peaking_within(spiky_warehouse, ["putin"], start=SPIKE_DAY, end=SPIKE_DAY)

    assert putin.headlines[0].title == "Putin surprises the Kremlin with a snap reshuffle"
    assert "helsinki_2018" in [event.event_id for event in putin.events]  # two days later


# A made-up daily series for one entity, served in place of the warehouse's: long episodes are
# easy to draw this way and hard to build from articles. One million articles a day.
FIRST_DAY = date(2020, 1, 1)
DAILY_ARTICLES = 1_000_000


def _putin_per_day() -> list[int]:
    """Flat (±10) but for two long episodes.

    From day 120, 50 days of 12 % growth a day: one episode of about 45 days peaking on its
    last day. From day 230, a one-day burst to 100 times the usual, then 30 days of growth
    from twice the usual to below the burst: one episode peaking on its first day and
    running on for about a month.
    """
    counts = []
    for offset in range(320):
        flat = 100 + (10 if offset % 2 else -10)
        if 120 <= offset < 170:
            counts.append(int(100 * 1.12 ** (offset - 119)))
        elif offset == 230:
            counts.append(10_000)
        elif 230 < offset <= 260:
            counts.append(int(200 * 1.12 ** (offset - 231)))
        else:
            counts.append(flat)
    return counts


def _made_up_series(wh, entity_ids, *, start=None, end=None, **options) -> pd.DataFrame:
    counts = _putin_per_day()
    first = start or FIRST_DAY
    last = end or FIRST_DAY + timedelta(days=len(counts) - 1)
    rows = []
    for offset in range((last - first).days + 1):
        day = first + timedelta(days=offset)
        index = (day - FIRST_DAY).days
        inside = 0 <= index < len(counts)
        articles, total = (counts[index], DAILY_ARTICLES) if inside else (0, 0)
        rows.append((day.isoformat(), "putin", articles, articles, total, round(articles / total, 6) if total else 0.0))
    return pd.DataFrame(rows, columns=["bucket_start", "entity_id", "articles", "mentions", "total_articles", "share"])


@pytest.fixture
def long_episodes(fresh_warehouse, monkeypatch) -> warehouse.Warehouse:
    monkeypatch.setattr(warehouse.analysis.lens, "entity_series", _made_up_series)
    monkeypatch.setattr(warehouse.analysis.spikes, "entity_series", _made_up_series)
    return fresh_warehouse


def test_an_episode_begun_long_before_the_window_keeps_its_start(long_episodes):
    episodes = warehouse.spike_episodes(long_episodes, entity_ids=["putin"])
    growth = next(episode for episode in episodes if episode.peak == FIRST_DAY + timedelta(days=169))
    window = (growth.peak - timedelta(days=2), growth.peak)
    # The first read starts 56 days before the window and judges from 28 days before it: not far enough.
    assert growth.start < window[0] - timedelta(days=28)

    found = spike_episodes_peaking_within(long_episodes, ["putin"], start=window[0], end=window[1], first_day=FIRST_DAY)

    assert found == the_spike_pages_episodes_peaking_within(long_episodes, ["putin"], *window)
    assert [episode.start for episode in found] == [growth.start]


def test_an_episode_running_on_long_after_the_window_keeps_its_end(long_episodes):
    episodes = warehouse.spike_episodes(long_episodes, entity_ids=["putin"])
    burst = next(episode for episode in episodes if episode.peak == FIRST_DAY + timedelta(days=230))
    window = (burst.peak - timedelta(days=1), burst.peak + timedelta(days=1))
    # The first read ends 14 days after the window: not far enough.
    assert burst.end > window[1] + timedelta(days=14)

    found = spike_episodes_peaking_within(long_episodes, ["putin"], start=window[0], end=window[1], first_day=FIRST_DAY)

    assert found == the_spike_pages_episodes_peaking_within(long_episodes, ["putin"], *window)
    assert [episode.end for episode in found] == [burst.end]
