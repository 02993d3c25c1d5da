"""Trends with a fetch log: days an outlet's feeds failed are greyed, and the lines can be split per outlet."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import warehouse
from tests.conftest import REPO_ROOT, article

APP = REPO_ROOT / "dashboard" / "app.py"
VIEW = {"entities": "trump,putin", "from": "2018-07-09", "to": "2018-07-15", "bucket": "day"}
HERALD_FAILED_ON = "2018-07-11"


def at(day: str, hour: int) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


def fetch(wh: warehouse.Warehouse, feed_id: int, day: str, titles: list[str], *, failed: bool = False) -> None:
    started = at(day, 8)
    result = warehouse.FetchResult(
        feed_id=feed_id,
        started_at=started,
        outcome=warehouse.FetchOutcome.TRANSIENT_ERROR if failed else warehouse.FetchOutcome.NEW_CONTENT,
        duration_ms=20,
        status_code=503 if failed else 200,
        error="HTTP 503" if failed else None,
        articles=tuple(
            article(f"{feed_id}-{day}-{n}", title, published_at=started - timedelta(hours=1))
            for n, title in enumerate(titles)
        ),
        items_seen=len(titles),
    )
    warehouse.record_fetch(wh, result, plan=warehouse.FeedPlan(next_fetch_at=started + timedelta(hours=1)))


def with_fetch_log(wh: warehouse.Warehouse) -> warehouse.Warehouse:
    """9–15 July: the Times fetched daily, a Trump and a Putin story each day; the Herald a Trump story a day,
    except on 11 July, when its feed failed."""
    times = warehouse.add_feed(wh, "https://times.example/rss", source_name="Example Times").feed_id
    herald = warehouse.add_feed(wh, "https://herald.example/rss", source_name="Example Herald").feed_id
    for offset in range(7):
        day = f"2018-07-{9 + offset:02d}"
        fetch(wh, times, day, ["Trump speaks", "Putin answers"])
        if day == HERALD_FAILED_ON:
            fetch(wh, herald, day, [], failed=True)
        else:
            fetch(wh, herald, day, ["Trump again"])
    return wh


def trends_page(db_path: Path, monkeypatch: pytest.MonkeyPatch, **query: str) -> AppTest:
    monkeypatch.setenv("NEWSTALLY_DB", str(db_path))
    app = AppTest.from_file(str(APP), default_timeout=30)
    for name, value in query.items():
        app.query_params[name] = value
    return app.run()


def chart_spec(app: AppTest) -> dict:
    [chart] = app.get("vega_lite_chart")
    return json.loads(chart.proto.spec)


def gap_layers(spec: dict) -> list[dict]:
    return [layer for layer in spec["layer"] if layer.get("encoding", {}).get("x2", {}).get("field") == "gap_until"]


def test_a_day_an_outlets_feed_failed_is_a_grey_band_with_a_caption(fresh_warehouse, monkeypatch):
    app = trends_page(with_fetch_log(fresh_warehouse).path, monkeypatch, **VIEW)

    assert not app.exception
    spec = chart_spec(app)
    [band] = gap_layers(spec)
    assert band["mark"]["type"] == "rect"
    assert "grey: 1 day some outlet's feeds failed" in spec["title"]["subtitle"]
    captions = " ".join(caption.value for caption in app.caption)
    assert "Grey bands mark 1 day on which some outlet's feeds were not all fetched" in captions


def test_without_failures_there_is_no_band_and_no_caption(fresh_warehouse, monkeypatch):
    times = warehouse.add_feed(fresh_warehouse, "https://times.example/rss", source_name="Example Times").feed_id
    for offset in range(7):
        fetch(fresh_warehouse, times, f"2018-07-{9 + offset:02d}", ["Trump speaks"])

    app = trends_page(fresh_warehouse.path, monkeypatch, **VIEW)

    spec = chart_spec(app)
    assert gap_layers(spec) == []
    assert "Grey bands" not in " ".join(caption.value for caption in app.caption)


def test_one_chart_per_outlet_busiest_first_with_each_outlets_own_gaps(fresh_warehouse, monkeypatch):
    app = trends_page(with_fetch_log(fresh_warehouse).path, monkeypatch, split="outlet", **VIEW)

    assert not app.exception
    assert app.toggle(key="trends_per_outlet").value is True
    spec = chart_spec(app)
    assert spec["title"]["text"] == "Articles mentioning each entity, per day, one chart per outlet"
    times, herald = spec["concat"]
    # The Times: 7 Trump + 7 Putin stories; the Herald: 6 Trump stories.
    assert (times["title"]["text"], herald["title"]["text"]) == ("Example Times", "Example Herald")
    assert len(times["layer"]) == 1  # lines only: every Times fetch went well
    assert herald["layer"][0]["mark"]["type"] == "rect"  # its failed day, under its lines
    totals = app.dataframe[0].value.set_index("entity")
    assert totals.loc["Donald Trump", "articles"] == 13  # 7 Times + 6 Herald
    assert totals.loc["Vladimir Putin", "articles"] == 7


def test_the_per_outlet_option_lives_in_the_url(fresh_warehouse, monkeypatch):
    app = trends_page(with_fetch_log(fresh_warehouse).path, monkeypatch, **VIEW)
    assert "split" not in app.query_params

    app.toggle(key="trends_per_outlet").set_value(True).run()
    assert app.query_params["split"] == "outlet"
    assert "concat" in chart_spec(app)

    app.toggle(key="trends_per_outlet").set_value(False).run()
    assert "split" not in app.query_params
    assert "layer" in chart_spec(app)
