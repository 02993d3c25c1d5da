"""The dashboard judges each entity's spikes once per data version, whatever mix of entities a view shows."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

import warehouse
from dashboard import data
from tests.spike_corpus import FIRST_DAY, LAST_DAY, SPIKE_DAY, SPIKE_ID, build_spike_corpus


@pytest.fixture
def spiky_warehouse(tmp_path) -> warehouse.Warehouse:
    return build_spike_corpus(tmp_path / "newstally.duckdb")


@pytest.fixture
def counted_calls(monkeypatch):
    """Every `warehouse.spike_episodes` call the dashboard makes, by the entities it asked for."""
    calls: list[list[str]] = []
    real = warehouse.spike_episodes

    def counting(wh, *, entity_ids=None, **options):
        calls.append(list(entity_ids or []))
        return real(wh, entity_ids=entity_ids, **options)

    monkeypatch.setattr(warehouse, "spike_episodes", counting)
    data._episode_store.clear()
    yield calls
    data._episode_store.clear()


def test_a_new_mix_of_entities_judges_only_the_new_ones_and_lists_what_the_warehouse_lists(
    spiky_warehouse, counted_calls
):
    path = str(spiky_warehouse.path)

    first = data.spike_episodes(path, "v1", ("putin", "trump"))
    second = data.spike_episodes(path, "v1", ("trump", "zelensky"))
    again = data.spike_episodes(path, "v1", ("zelensky", "putin", "trump"))

    assert counted_calls == [["putin", "trump"], ["zelensky"]]
    expected = warehouse.spike_episodes(spiky_warehouse, entity_ids=["putin", "trump", "zelensky"])
    assert again == expected
    assert first == [episode for episode in expected if episode.entity_id in ("putin", "trump")]
    assert second == [episode for episode in expected if episode.entity_id in ("trump", "zelensky")]
    assert SPIKE_ID in [episode.episode_id for episode in expected]  # there is a spike to compare


def test_new_data_is_judged_afresh(spiky_warehouse, counted_calls):
    path = str(spiky_warehouse.path)

    data.spike_episodes(path, "v1", ("putin",))
    data.spike_episodes(path, "v2", ("putin",))

    assert counted_calls == [["putin"], ["putin"]]


@pytest.fixture
def counted_reads(monkeypatch):
    """Every `spike_episodes_peaking_within` read the dashboard makes: (entities, first day, last day)."""
    reads: list[tuple[list[str], date, date]] = []
    real = warehouse.spike_episodes_peaking_within

    def counting(wh, entity_ids, *, start, end, **options):
        reads.append((list(entity_ids), start, end))
        return real(wh, entity_ids, start=start, end=end, **options)

    monkeypatch.setattr(warehouse, "spike_episodes_peaking_within", counting)
    data._marker_store.clear()
    data._spikes_read_around.clear()
    yield reads
    data._marker_store.clear()
    data._spikes_read_around.clear()


def test_markers_are_the_spike_episodes_without_rising_terms_judged_once_per_entity(spiky_warehouse, counted_reads):
    path = str(spiky_warehouse.path)

    first = data.spike_markers(path, "v1", ("putin", "trump"), first_day=FIRST_DAY, last_day=LAST_DAY)
    again = data.spike_markers(path, "v1", ("putin", "trump", "zelensky"), first_day=FIRST_DAY, last_day=LAST_DAY)

    assert counted_reads == [(["putin", "trump"], FIRST_DAY, LAST_DAY), (["zelensky"], FIRST_DAY, LAST_DAY)]
    expected = warehouse.spike_episodes(spiky_warehouse, entity_ids=["putin", "trump", "zelensky"])
    assert again == [dataclasses.replace(episode, rising_terms=()) for episode in expected]
    assert first == [episode for episode in again if episode.entity_id in ("putin", "trump")]
    assert SPIKE_ID in [episode.episode_id for episode in again]


def test_a_window_reads_only_around_itself_unless_the_entities_are_judged_already(spiky_warehouse, counted_reads):
    path = str(spiky_warehouse.path)
    window = {"start": SPIKE_DAY, "end": SPIKE_DAY, "first_day": FIRST_DAY}

    around = data.spikes_peaking_within(path, "v1", ("putin",), **window)
    data.spike_markers(path, "v1", ("putin",), first_day=FIRST_DAY, last_day=LAST_DAY)
    counted_reads.clear()
    stored = data.spikes_peaking_within(path, "v1", ("putin",), **window)

    assert [episode.episode_id for episode in around] == [SPIKE_ID]
    assert stored == around
    assert counted_reads == []  # the markers judged over all the data answered
