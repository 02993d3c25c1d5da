"""The dashboard judges each entity's spikes once per data version, whatever mix of entities a view shows."""

from __future__ import annotations

import pytest

import warehouse
from dashboard import data
from tests.spike_corpus import SPIKE_ID, build_spike_corpus


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
