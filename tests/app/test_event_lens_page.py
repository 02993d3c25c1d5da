"""The Event lens page run by AppTest against a warehouse whose Putin coverage jumps two days before Helsinki."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import REPO_ROOT
from tests.spike_corpus import build_spike_corpus

APP = REPO_ROOT / "dashboard" / "app.py"
PAGE = "app_pages/event_lens.py"


@pytest.fixture(scope="module")
def spike_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_spike_corpus(tmp_path_factory.mktemp("lens") / "newstally.duckdb").path


def lens_page(db_path: Path, monkeypatch: pytest.MonkeyPatch, **query: str) -> AppTest:
    monkeypatch.setenv("NEWSTALLY_DB", str(db_path))
    app = AppTest.from_file(str(APP), default_timeout=30)
    app.switch_page(PAGE)
    for name, value in query.items():
        app.query_params[name] = value
    return app.run()


def test_an_event_link_draws_the_window_chart_and_the_lift_table(spike_warehouse, monkeypatch):
    app = lens_page(spike_warehouse, monkeypatch, event="helsinki_2018", window="3", baseline="28")

    assert not app.exception
    assert app.title[0].value == "Event lens"
    [chart] = app.get("vega_lite_chart")
    spec = json.loads(chart.proto.spec)
    assert spec["title"]["text"] == "Share of all articles, ±3 days around Trump–Putin summit, Helsinki"
    assert "1 spike as diamonds" in spec["title"]["subtitle"]  # Putin's, on 14 July
    table = app.dataframe[0].value.set_index("entity")
    # Window 13–19 July: six days of 18 articles with 3 about Putin, and 14 July with 27 of 42.
    # Mean daily share (6 × 1/6 + 27/42) / 7 = 0.2347; baseline 1/6 every day: lift 1.408.
    putin = table.loc["Vladimir Putin"]
    assert putin["window_share_percent"] == pytest.approx(23.47, abs=0.01)
    assert putin["baseline_share_percent"] == pytest.approx(16.67, abs=0.01)
    assert putin["lift"] == pytest.approx(1.408, abs=0.001)
    assert str(putin["peak_day"]) == "2018-07-14"
    assert putin["days_to_peak"] == -2
    assert "Example Times ×1.4" in putin["outlets_moved_most"]
    assert table.index[0] == "Vladimir Putin"  # largest lift first
    assert [button.label for button in app.get("download_button")] == [
        "CSV + provenance",
        "Parquet + provenance",
        "Chart as SVG",
        "Chart as PNG",
    ]


def test_query_params_restore_event_window_baseline_and_comparison(spike_warehouse, monkeypatch):
    app = lens_page(
        spike_warehouse, monkeypatch, event="helsinki_2018", window="5", baseline="14", compare="nato_brussels_2018"
    )

    assert not app.exception
    assert app.selectbox(key="lens_event").value == "helsinki_2018"
    assert app.selectbox(key="lens_compare").value == "nato_brussels_2018"
    assert app.number_input(key="lens_window").value == 5
    assert app.number_input(key="lens_baseline").value == 14
    assert len(app.get("vega_lite_chart")) == 2  # side by side
    assert len(app.dataframe) == 2
    assert dict(app.query_params) == {
        "event": "helsinki_2018",
        "window": "5",
        "baseline": "14",
        "compare": "nato_brussels_2018",
    }


def test_a_bare_url_opens_helsinki_and_writes_it_to_the_url(spike_warehouse, monkeypatch):
    app = lens_page(spike_warehouse, monkeypatch)

    assert dict(app.query_params) == {"event": "helsinki_2018", "window": "3", "baseline": "28"}


def test_changing_the_window_updates_the_url(spike_warehouse, monkeypatch):
    app = lens_page(spike_warehouse, monkeypatch, event="helsinki_2018")

    app.number_input(key="lens_window").set_value(7).run()

    assert not app.exception
    assert app.query_params["window"] == "7"


def test_invalid_query_params_fall_back_to_defaults_without_an_error(spike_warehouse, monkeypatch):
    app = lens_page(spike_warehouse, monkeypatch, event="nowhere", window="-4", baseline="x", compare="helsinki_2018")

    assert not app.exception
    assert not app.error
    assert dict(app.query_params) == {"event": "helsinki_2018", "window": "3", "baseline": "28"}


def test_an_event_outside_the_corpus_says_there_is_nothing_to_measure(spike_warehouse, monkeypatch):
    app = lens_page(spike_warehouse, monkeypatch, event="anchorage_2025")

    assert not app.exception
    assert not app.error
    assert "No article mentions anyone" in app.info[0].value
    assert app.get("vega_lite_chart") == []
