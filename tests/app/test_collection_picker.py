"""The collection picker (one sidebar control on every page, kept in the URL as `collection=`) run by Streamlit's
AppTest against a real warehouse file, and the Co-mentions heatmap's marking of shares over few articles."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pytest
from streamlit.testing.v1 import AppTest

import warehouse
from tests.app.test_comentions_page import PERIOD, seeded

APP = Path(__file__).resolve().parents[2] / "dashboard" / "app.py"


def page(db_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, **query: str) -> AppTest:
    monkeypatch.setenv("NEWSTALLY_DB", str(db_path))
    app = AppTest.from_file(str(APP), default_timeout=30)
    app.switch_page(f"app_pages/{name}.py")
    for key, value in query.items():
        app.query_params[key] = value
    return app.run()


def picker(app: AppTest):
    return app.selectbox(key="collection_picker")


def heatmap_cells(app: AppTest) -> tuple[dict, dict[tuple[str, str], dict]]:
    [chart] = app.get("vega_lite_chart")
    [dataset] = chart.proto.datasets
    rows = pa.ipc.open_stream(dataset.data.data).read_all().to_pylist()
    return json.loads(chart.proto.spec), {(row["leader"], row["theme"]): row for row in rows}


@pytest.fixture
def with_collections(fresh_warehouse) -> Path:
    """The Co-mentions page's seed (Example Times, Example Herald) and a collection of the Times alone."""
    wh = seeded(fresh_warehouse)
    warehouse.add_collection(wh, "times", sources=["Example Times"])
    return wh.path


def test_a_collection_in_the_url_restricts_the_heatmap_to_its_outlets(with_collections, monkeypatch):
    app = page(with_collections, monkeypatch, "comentions", collection="times", **PERIOD)

    assert not app.exception
    assert picker(app).value == "times"
    _, cells = heatmap_cells(app)
    # The Times alone, 15–16 July: 5 Putin stories, 4 of them on sanctions (both outlets: 5 of 10).
    putin = cells[("Vladimir Putin", "Sanctions")]
    assert (putin["both_articles"], putin["leader_articles"], putin["label"]) == (4, 5, "80.0 (5)")


def test_picking_a_collection_puts_it_in_the_url_and_all_outlets_takes_it_out(with_collections, monkeypatch):
    app = page(with_collections, monkeypatch, "comentions", **PERIOD)
    assert picker(app).value == ""  # All outlets
    assert picker(app).options == ["All outlets", "times"]

    app = picker(app).set_value("times").run()
    assert app.query_params["collection"] == "times"
    _, cells = heatmap_cells(app)
    assert cells[("Vladimir Putin", "Sanctions")]["leader_articles"] == 5

    app = picker(app).set_value("").run()
    assert "collection" not in app.query_params
    _, cells = heatmap_cells(app)
    assert cells[("Vladimir Putin", "Sanctions")]["leader_articles"] == 10


def test_an_unknown_collection_in_the_url_counts_every_outlet(with_collections, monkeypatch):
    app = page(with_collections, monkeypatch, "comentions", collection="nordic", **PERIOD)

    assert not app.exception
    assert picker(app).value == ""
    _, cells = heatmap_cells(app)
    assert cells[("Vladimir Putin", "Sanctions")]["leader_articles"] == 10


@pytest.mark.parametrize("name", ["trends", "spikes", "event_lens", "articles", "sources"])
def test_every_page_has_the_picker_and_keeps_the_collection_in_its_url(with_collections, monkeypatch, name):
    app = page(with_collections, monkeypatch, name, collection="times")

    assert not app.exception
    assert picker(app).value == "times"
    assert app.query_params["collection"] == "times"


def test_sources_page_lists_only_the_collections_outlets(with_collections, monkeypatch):
    app = page(
        with_collections, monkeypatch, "sources", collection="times", **{"from": "2018-07-13", "to": "2018-07-16"}
    )

    charts = app.get("vega_lite_chart")
    [dataset] = charts[0].proto.datasets
    rows = pa.ipc.open_stream(dataset.data.data).read_all().to_pylist()
    # The Times published 11 stories from 13 to 16 July; the Herald is not in the collection.
    assert [(row["source"], row["articles"]) for row in rows] == [("Example Times", 11)]


def test_heatmap_marks_cells_over_few_articles_and_says_why(fresh_warehouse, monkeypatch):
    app = page(seeded(fresh_warehouse).path, monkeypatch, "comentions", **PERIOD)

    spec, cells = heatmap_cells(app)
    # Every leader here has fewer than 20 articles: all cells are flagged, and the subtitle says so.
    assert all(cell["small_base"] for cell in cells.values())
    assert "under 20 articles" in json.dumps(spec["title"]["subtitle"])
    assert any("pale with a dashed outline" in caption.value for caption in app.caption)
