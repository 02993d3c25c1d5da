"""The Sources page run by Streamlit's AppTest against a real warehouse file seeded in a temporary folder."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pytest
from streamlit.testing.v1 import AppTest

import warehouse
from tests.conftest import REPO_ROOT, article

APP = REPO_ROOT / "dashboard" / "app.py"
PAGE = "app_pages/sources.py"


def at_noon(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(hour=12, tzinfo=UTC)


def seeded(fresh: warehouse.Warehouse, *, is_demo: bool = False) -> warehouse.Warehouse:
    fetched_at = at_noon("2018-07-24")
    times = [
        article("t1", "Trump and Putin meet in Helsinki", published_at=at_noon("2018-07-16")),
        article("t2", "Putin's press conference", published_at=at_noon("2018-07-16")),
        article("t3", "Heatwave grips Finland", published_at=at_noon("2018-07-17")),
        article("t4", "Trump tweets", published_at=at_noon("2018-07-18")),
    ]
    herald = [
        article("h1", "What Helsinki means for Trump", published_at=at_noon("2018-07-17")),
        article("h2", "Football results", published_at=at_noon("2018-06-01")),
    ]
    warehouse.store_articles(fresh, "Example Times", times, fetched_at=fetched_at, is_demo=is_demo)
    warehouse.store_articles(fresh, "Example Herald", herald, fetched_at=fetched_at, is_demo=is_demo)
    return fresh


def with_feeds(wh: warehouse.Warehouse) -> warehouse.Warehouse:
    """A healthy Times feed and a Herald feed whose last three fetches failed (three make it failing)."""
    healthy = warehouse.add_feed(wh, "https://times.example/rss", source_name="Example Times")
    failing = warehouse.add_feed(wh, "https://herald.example/rss", source_name="Example Herald")
    warehouse.record_fetch(
        wh,
        warehouse.FetchResult(
            feed_id=healthy.feed_id,
            started_at=at_noon("2018-07-24"),
            outcome=warehouse.FetchOutcome.NOT_MODIFIED,
            duration_ms=12,
            status_code=304,
        ),
        plan=warehouse.FeedPlan(next_fetch_at=at_noon("2018-07-24") + timedelta(minutes=30)),
    )
    for hour in range(3):
        warehouse.record_fetch(
            wh,
            warehouse.FetchResult(
                feed_id=failing.feed_id,
                started_at=at_noon("2018-07-24") + timedelta(hours=hour),
                outcome=warehouse.FetchOutcome.TRANSIENT_ERROR,
                duration_ms=30_000,
                status_code=503,
                error="HTTP 503 <b>Service Unavailable</b>",
            ),
            plan=warehouse.FeedPlan(next_fetch_at=at_noon("2018-07-24") + timedelta(hours=hour + 1)),
        )
    return wh


def sources_page(db_path: Path, monkeypatch: pytest.MonkeyPatch, **query: str) -> AppTest:
    monkeypatch.setenv("NEWSTALLY_DB", str(db_path))
    app = AppTest.from_file(str(APP), default_timeout=30)
    app.switch_page(PAGE)
    for name, value in query.items():
        app.query_params[name] = value
    return app.run()


def charts_drawn(app: AppTest) -> list[tuple[dict, list[dict]]]:
    """Each chart's spec and the rows of its one dataset (Streamlit sends those beside the spec, as Arrow)."""
    drawn = []
    for chart in app.get("vega_lite_chart"):
        [dataset] = chart.proto.datasets
        rows = pa.ipc.open_stream(dataset.data.data).read_all().to_pylist()
        drawn.append((json.loads(chart.proto.spec), rows))
    return drawn


def all_text(app: AppTest) -> str:
    return "\n".join(element.value for kind in ("info", "warning", "error") for element in getattr(app, kind))


def test_page_draws_volume_and_share_of_voice_for_the_chosen_range(fresh_warehouse, monkeypatch):
    app = sources_page(
        seeded(fresh_warehouse).path, monkeypatch, entities="trump,putin", **{"from": "2018-07-16", "to": "2018-07-18"}
    )

    assert not app.exception
    assert app.title[0].value == "Sources"
    (volume, volume_rows), (shares, share_rows) = charts_drawn(app)
    assert volume["title"]["text"] == "Articles per outlet"
    # Times: t1–t4; Herald: h1 (h2 is in June, out of range).
    assert [(row["source"], row["articles"]) for row in volume_rows] == [
        ("Example Times", 4),
        ("Example Herald", 1),
    ]
    assert shares["title"]["text"].startswith("Share of voice")
    # Times: Trump in t1, t4 of 4 (50 %), Putin in t1, t2 (50 %); Herald: Trump in h1 of 1 (100 %), Putin 0.
    assert sorted((row["source"], row["entity"], row["share_percent"]) for row in share_rows) == [
        ("Example Herald", "Donald Trump", 100.0),
        ("Example Herald", "Vladimir Putin", 0.0),
        ("Example Times", "Donald Trump", 50.0),
        ("Example Times", "Vladimir Putin", 50.0),
    ]
    # Volume and share of voice, each as CSV, Parquet, SVG and PNG; no feeds yet.
    assert len(app.get("download_button")) == 8


def test_query_params_restore_entities_and_dates(fresh_warehouse, monkeypatch):
    app = sources_page(
        seeded(fresh_warehouse).path, monkeypatch, entities="putin,nato", **{"from": "2018-07-01", "to": "2018-07-17"}
    )

    assert app.multiselect(key="sources_entities").value == ["putin", "nato"]
    assert str(app.date_input(key="sources_from").value) == "2018-07-01"
    assert str(app.date_input(key="sources_to").value) == "2018-07-17"


def test_a_bare_url_shows_the_usual_leaders_over_the_last_thirty_days_and_writes_them_to_the_url(
    fresh_warehouse, monkeypatch
):
    app = sources_page(seeded(fresh_warehouse).path, monkeypatch)

    assert app.multiselect(key="sources_entities").value == ["trump", "putin", "zelensky"]
    # The corpus ends on 18 July; thirty days back from there is 19 June.
    assert dict(app.query_params) == {"entities": "trump,putin,zelensky", "from": "2018-06-19", "to": "2018-07-18"}


def test_changing_a_control_updates_the_url(fresh_warehouse, monkeypatch):
    app = sources_page(seeded(fresh_warehouse).path, monkeypatch)

    app.multiselect(key="sources_entities").unselect("zelensky").run()

    assert app.query_params["entities"] == "trump,putin"


def test_no_entities_chosen_still_shows_volume_and_asks_for_some(fresh_warehouse, monkeypatch):
    app = sources_page(seeded(fresh_warehouse).path, monkeypatch)

    app.multiselect(key="sources_entities").set_value([]).run()

    assert not app.exception
    assert len(app.get("vega_lite_chart")) == 1
    assert "Pick at least one entity" in all_text(app)


def test_feed_health_lists_failing_feeds_on_top(fresh_warehouse, monkeypatch):
    app = sources_page(with_feeds(seeded(fresh_warehouse)).path, monkeypatch)

    [health] = app.dataframe
    table = health.value
    assert table["source"].tolist() == ["Example Herald", "Example Times"]
    assert table["status"].tolist() == ["failing", "ok"]
    assert table["consecutive_failures"].tolist() == [3, 0]
    assert table["last_error"].iloc[0] == "HTTP 503 <b>Service Unavailable</b>"  # as text, never as HTML
    assert str(table["last_success_at"].iloc[1]) == "2018-07-24 12:00:00"
    assert len(app.get("download_button")) == 10  # and the feed health table as CSV and Parquet


def test_feeds_without_articles_yet_still_show_their_health(fresh_warehouse, monkeypatch):
    app = sources_page(with_feeds(fresh_warehouse).path, monkeypatch)

    assert not app.exception
    assert "newstally demo" in all_text(app)
    [health] = app.dataframe
    assert health.value["status"].tolist() == ["failing", "ok"]


def test_an_empty_warehouse_shows_how_to_get_articles(fresh_warehouse, monkeypatch):
    app = sources_page(fresh_warehouse.path, monkeypatch)

    assert not app.exception
    assert "newstally feeds add URL" in all_text(app)
    assert app.get("vega_lite_chart") == []


def test_a_missing_warehouse_file_shows_how_to_get_articles_and_creates_nothing(tmp_path, monkeypatch):
    missing = tmp_path / "nowhere" / "newstally.duckdb"

    app = sources_page(missing, monkeypatch)

    assert not app.exception
    assert "newstally demo" in all_text(app)
    assert not missing.exists()


def test_invalid_query_params_fall_back_to_defaults_without_an_error(fresh_warehouse, monkeypatch):
    app = sources_page(
        seeded(fresh_warehouse).path, monkeypatch, entities="nobody", **{"from": "2018-13-01", "to": "tomorrow"}
    )

    assert not app.exception
    assert not app.error
    assert app.multiselect(key="sources_entities").value == ["trump", "putin", "zelensky"]


def test_demo_data_carries_a_banner(fresh_warehouse, monkeypatch):
    app = sources_page(seeded(fresh_warehouse, is_demo=True).path, monkeypatch)

    assert "Demo data" in all_text(app)


def test_real_data_has_no_demo_banner(fresh_warehouse, monkeypatch):
    app = sources_page(seeded(fresh_warehouse).path, monkeypatch)

    assert "Demo data" not in all_text(app)
