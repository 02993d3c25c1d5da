"""The Co-mentions page run by Streamlit's AppTest against a real warehouse file seeded in a temporary folder."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pytest
from streamlit.testing.v1 import AppTest

import warehouse
from tests.conftest import REPO_ROOT, article

APP = REPO_ROOT / "dashboard" / "app.py"
PAGE = "app_pages/comentions.py"
PERIOD = {"from": "2018-07-15", "to": "2018-07-16"}  # the period before: 13–14 July


def at_noon(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(hour=12, tzinfo=UTC)


def stories(prefix: str, day: str, title: str, count: int) -> list[warehouse.FetchedArticle]:
    return [article(f"{prefix}{n}", f"{title}, part {n}", published_at=at_noon(day)) for n in range(count)]


def seeded(fresh: warehouse.Warehouse) -> warehouse.Warehouse:
    """Putin and sanctions: the Times 4 of 5, the Herald 1 of 5 (50 % together), after 1 of 4 the days before (25 %).
    Trump and trade: 1 of 2 stories, with no Trump story the days before."""
    times = [
        *stories("ts", "2018-07-16", "Putin faces new sanctions", 4),
        *stories("tp", "2018-07-15", "Putin arrives in Helsinki", 1),
        *stories("tt", "2018-07-16", "Trump threatens new tariffs", 1),
        *stories("tx", "2018-07-16", "Trump lands in Helsinki", 1),
        *stories("bs", "2018-07-13", "Putin shrugs off sanctions", 1),
        *stories("bp", "2018-07-14", "Putin visits a factory", 3),
    ]
    herald = [
        *stories("hs", "2018-07-15", "Putin and the sanctions question", 1),
        *stories("hp", "2018-07-16", "Putin smiles for the cameras", 4),
    ]
    warehouse.store_articles(fresh, "Example Times", times, fetched_at=at_noon("2018-07-17"))
    warehouse.store_articles(fresh, "Example Herald", herald, fetched_at=at_noon("2018-07-17"))
    return fresh


def comentions_page(db_path: Path, monkeypatch: pytest.MonkeyPatch, **query: str) -> AppTest:
    monkeypatch.setenv("NEWSTALLY_DB", str(db_path))
    app = AppTest.from_file(str(APP), default_timeout=30)
    app.switch_page(PAGE)
    for name, value in query.items():
        app.query_params[name] = value
    return app.run()


def heatmap(app: AppTest) -> tuple[dict, dict[tuple[str, str], dict]]:
    """The heatmap's spec and its cells by (leader, theme)."""
    [chart] = app.get("vega_lite_chart")
    [dataset] = chart.proto.datasets
    rows = pa.ipc.open_stream(dataset.data.data).read_all().to_pylist()
    return json.loads(chart.proto.spec), {(row["leader"], row["theme"]): row for row in rows}


def test_heatmap_labels_each_cell_with_the_share_of_the_leaders_articles(fresh_warehouse, monkeypatch):
    app = comentions_page(seeded(fresh_warehouse).path, monkeypatch, **PERIOD)

    assert not app.exception
    assert app.title[0].value == "Co-mentions"
    spec, cells = heatmap(app)
    assert spec["title"]["text"] == "Co-mentions: % of each leader's articles that mention the theme"
    putin = cells[("Vladimir Putin", "Sanctions")]
    assert (putin["both_articles"], putin["leader_articles"], putin["label"]) == (5, 10, "50.0 (10)")
    trump = cells[("Donald Trump", "Trade and tariffs")]
    assert (trump["both_articles"], trump["leader_articles"], trump["label"]) == (1, 2, "50.0 (2)")
    assert cells[("Donald Trump", "Sanctions")]["label"] == "0.0 (2)"
    assert [button.label for button in app.get("download_button")][:2] == ["CSV + provenance", "Parquet + provenance"]


def test_change_view_labels_points_against_the_period_before(fresh_warehouse, monkeypatch):
    app = comentions_page(seeded(fresh_warehouse).path, monkeypatch, show="change", **PERIOD)

    spec, cells = heatmap(app)
    assert spec["title"]["text"].startswith("Change in how often")
    assert "13 Jul 2018 – 14 Jul 2018" in spec["title"]["subtitle"]
    # Putin and sanctions: 50 % now against 1 of 4 = 25 % before.
    assert cells[("Vladimir Putin", "Sanctions")]["label"] == "+25.0 (10)"
    # No Trump story before: no change to speak of, an empty cell.
    assert cells[("Donald Trump", "Trade and tariffs")]["label"] == ""


def test_outlets_that_diverge_most_are_listed_with_the_gap_in_points(fresh_warehouse, monkeypatch):
    app = comentions_page(seeded(fresh_warehouse).path, monkeypatch, **PERIOD)

    table = app.dataframe[0].value
    # Only Putin has 5 stories in each outlet: Times 80 %, Herald 20 %, all outlets 50 %.
    assert [
        (row.source, row.leader, row.theme, row.share_percent, row.difference_points) for row in table.itertuples()
    ][:2] == [
        ("Example Herald", "Vladimir Putin", "Sanctions", 20.0, -30.0),
        ("Example Times", "Vladimir Putin", "Sanctions", 80.0, 30.0),
    ]


def test_the_view_is_written_to_the_url_and_restored_from_it(fresh_warehouse, monkeypatch):
    app = comentions_page(seeded(fresh_warehouse).path, monkeypatch)

    # A bare URL: the corpus's last 28 days (clipped to its first day), as shares.
    assert dict(app.query_params) == {"from": "2018-07-13", "to": "2018-07-16", "show": "share"}
    app.segmented_control(key="comentions_show").set_value("change").run()
    assert app.query_params["show"] == "change"
    assert heatmap(app)[0]["title"]["text"].startswith("Change in how often")
