"""The Trends page run by Streamlit's AppTest against a real warehouse file seeded in a temporary folder."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import warehouse
from tests.conftest import REPO_ROOT, article

APP = REPO_ROOT / "dashboard" / "app.py"


def at_noon(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(hour=12, tzinfo=UTC)


HAND_MADE_ARTICLES = [
    article("a1", "Trump flies to Brussels for the NATO summit", published_at=at_noon("2018-07-09")),
    article("a2", "Trump and Putin meet in Helsinki", published_at=at_noon("2018-07-16")),
    article("a3", "Putin's press conference, line by line", published_at=at_noon("2018-07-16")),
    article("a4", "Heatwave grips Finland", published_at=at_noon("2018-07-17")),
    article("a5", "What Helsinki means for Trump", published_at=at_noon("2018-07-20")),
    article("a6", "Zelensky's comedy show tops the ratings", published_at=at_noon("2018-07-23")),
]


def seeded(fresh: warehouse.Warehouse, *, is_demo: bool = False) -> warehouse.Warehouse:
    stored = warehouse.store_articles(
        fresh, "Example Times", HAND_MADE_ARTICLES, fetched_at=at_noon("2018-07-24"), is_demo=is_demo
    )
    assert stored == len(HAND_MADE_ARTICLES)
    return fresh


def trends_page(db_path: Path, monkeypatch: pytest.MonkeyPatch, **query: str) -> AppTest:
    monkeypatch.setenv("NEWSTALLY_DB", str(db_path))
    app = AppTest.from_file(str(APP), default_timeout=30)
    for name, value in query.items():
        app.query_params[name] = value
    return app.run()


def chart_spec(app: AppTest) -> dict:
    [chart] = app.get("vega_lite_chart")
    return json.loads(chart.proto.spec)


def all_text(app: AppTest) -> str:
    return "\n".join(element.value for kind in ("info", "warning", "error") for element in getattr(app, kind))


def test_page_renders_a_chart_and_totals_for_a_seeded_warehouse(fresh_warehouse, monkeypatch):
    app = trends_page(seeded(fresh_warehouse).path, monkeypatch)

    assert not app.exception
    assert app.title[0].value == "Trends"
    assert chart_spec(app)["title"]["text"] == "Articles mentioning each entity, per week"
    totals = app.dataframe[0].value.set_index("entity")
    assert totals.loc["Donald Trump", "articles"] == 3  # a1, a2, a5
    assert totals.loc["Vladimir Putin", "articles"] == 2  # a2, a3
    assert [button.label for button in app.get("download_button")] == [
        "CSV + provenance",
        "Parquet + provenance",
        "Chart as SVG",
        "Chart as PNG",
        "CSV + provenance",  # the totals table
        "Parquet + provenance",
    ]


def test_a_bare_url_opens_the_default_view_and_writes_it_to_the_url(fresh_warehouse, monkeypatch):
    app = trends_page(seeded(fresh_warehouse).path, monkeypatch)

    assert app.multiselect(key="trends_entities").value == ["trump", "putin", "zelensky"]
    assert app.segmented_control(key="trends_bucket").value == "week"
    assert app.segmented_control(key="trends_metric").value == "articles"
    # The corpus spans less than two years, so the default range is all of it.
    assert app.query_params["from"] == "2018-07-09"
    assert app.query_params["to"] == "2018-07-23"
    assert app.query_params["entities"] == "trump,putin,zelensky"


def test_query_params_restore_entities_dates_bucket_and_metric(fresh_warehouse, monkeypatch):
    app = trends_page(
        seeded(fresh_warehouse).path,
        monkeypatch,
        entities="putin,nato",
        **{"from": "2018-07-10", "to": "2018-07-20"},
        bucket="day",
        metric="share",
    )

    assert not app.exception
    assert app.multiselect(key="trends_entities").value == ["putin", "nato"]
    assert str(app.date_input(key="trends_from").value) == "2018-07-10"
    assert str(app.date_input(key="trends_to").value) == "2018-07-20"
    assert app.segmented_control(key="trends_bucket").value == "day"
    assert app.segmented_control(key="trends_metric").value == "share"
    assert chart_spec(app)["title"]["text"] == "Share of all articles mentioning each entity, per day"


def test_changing_a_control_updates_the_url(fresh_warehouse, monkeypatch):
    app = trends_page(seeded(fresh_warehouse).path, monkeypatch)

    app.segmented_control(key="trends_metric").set_value("share").run()
    app.multiselect(key="trends_entities").unselect("zelensky").run()

    assert app.query_params["metric"] == "share"
    assert app.query_params["entities"] == "trump,putin"


def test_invalid_query_params_fall_back_to_defaults_without_an_error(fresh_warehouse, monkeypatch):
    app = trends_page(
        seeded(fresh_warehouse).path,
        monkeypatch,
        entities="nobody,<b>x</b>",
        **{"from": "yesterday", "to": "2018-02-31"},
        bucket="fortnight",
        metric="42",
    )

    assert not app.exception
    assert not app.error
    assert app.multiselect(key="trends_entities").value == ["trump", "putin", "zelensky"]
    assert app.segmented_control(key="trends_bucket").value == "week"
    assert app.segmented_control(key="trends_metric").value == "articles"
    assert app.query_params["from"] == "2018-07-09"


def test_a_missing_warehouse_file_shows_how_to_get_articles_and_creates_nothing(tmp_path, monkeypatch):
    missing = tmp_path / "nowhere" / "newstally.duckdb"

    app = trends_page(missing, monkeypatch)

    assert not app.exception
    assert "newstally demo" in all_text(app)
    assert "newstally feeds add URL" in all_text(app)
    assert "newstally fetch" in all_text(app)
    assert not missing.exists()


def test_a_warehouse_without_articles_shows_how_to_get_articles(fresh_warehouse, monkeypatch):
    app = trends_page(fresh_warehouse.path, monkeypatch)

    assert not app.exception
    assert "newstally demo" in all_text(app)
    assert app.get("vega_lite_chart") == []


def test_demo_data_carries_a_banner(fresh_warehouse, monkeypatch):
    app = trends_page(seeded(fresh_warehouse, is_demo=True).path, monkeypatch)

    assert "Demo data" in all_text(app)


def test_real_data_has_no_demo_banner(fresh_warehouse, monkeypatch):
    app = trends_page(seeded(fresh_warehouse).path, monkeypatch)

    assert "Demo data" not in all_text(app)


def test_new_articles_show_up_without_a_restart(fresh_warehouse, monkeypatch):
    from dashboard import data

    app = trends_page(seeded(fresh_warehouse).path, monkeypatch)
    warehouse.store_articles(
        fresh_warehouse,
        "Example Times",
        [article("a7", "Putin replies to Trump", published_at=at_noon("2018-07-18"))],
        fetched_at=at_noon("2018-07-24"),
    )
    data.corpus_facts.clear()  # stands in for its two-second expiry

    app.run()

    totals = app.dataframe[0].value.set_index("entity")
    assert totals.loc["Donald Trump", "articles"] == 4  # a1, a2, a5, a7
    assert totals.loc["Vladimir Putin", "articles"] == 3  # a2, a3, a7
