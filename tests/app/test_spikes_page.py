"""The Spikes page, and the spike markers on Trends, run by AppTest against a warehouse with one hand-built spike."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pytest
from streamlit.testing.v1 import AppTest

import warehouse
from tests.conftest import REPO_ROOT
from tests.spike_corpus import FIRST_DAY, LAST_DAY, SHARED_HEADLINE, SPIKE_ID, build_spike_corpus

APP = REPO_ROOT / "dashboard" / "app.py"
PAGE = "app_pages/spikes.py"


@pytest.fixture(scope="module")
def spike_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_spike_corpus(tmp_path_factory.mktemp("spikes") / "newstally.duckdb").path


def page(db_path: Path, monkeypatch: pytest.MonkeyPatch, switch_to: str | None = PAGE, **query: str) -> AppTest:
    monkeypatch.setenv("NEWSTALLY_DB", str(db_path))
    app = AppTest.from_file(str(APP), default_timeout=30)
    if switch_to:
        app.switch_page(switch_to)
    for name, value in query.items():
        app.query_params[name] = value
    return app.run()


def diamond_rows(app: AppTest) -> list[dict]:
    """The rows of the Trends chart's spike-marker layer (Streamlit sends datasets beside the spec, as Arrow)."""
    [chart] = app.get("vega_lite_chart")
    spec = json.loads(chart.proto.spec)
    datasets = {dataset.name: dataset for dataset in chart.proto.datasets}
    rows = []
    for layer in spec["layer"]:
        mark = layer["mark"]
        if isinstance(mark, dict) and mark.get("shape") == "diamond":
            data = datasets[layer["data"]["name"]].data.data
            rows.extend(pa.ipc.open_stream(data).read_all().to_pylist())
    return rows


def test_trends_marks_the_spike_at_its_peak_day_and_still_renders(spike_warehouse, monkeypatch):
    app = page(
        spike_warehouse,
        monkeypatch,
        switch_to=None,
        entities="putin,trump",
        bucket="day",
        metric="share",
        **{"from": "2018-07-01", "to": "2018-07-31"},
    )

    assert not app.exception
    [marker] = diamond_rows(app)
    assert (marker["day"], marker["entity"], marker["peak_label"]) == (
        "2018-07-14",
        "Vladimir Putin",
        "Sat 14 Jul 2018",
    )
    # 27 of 42 articles that day mention Putin: 3 routine (one per outlet) and 3 × 8 about the reshuffle.
    assert marker["share_percent"] == pytest.approx(100 * 27 / 42, abs=0.001)
    assert marker["top_headline"] == SHARED_HEADLINE


def test_trends_links_to_each_lines_spikes(spike_warehouse, monkeypatch):
    app = page(spike_warehouse, monkeypatch, switch_to=None, entities="putin")

    links = [link for link in app.get("page_link") if link.proto.label.startswith("Spikes of")]
    assert [link.proto.label for link in links] == ["Spikes of Vladimir Putin →"]


def test_a_spike_link_opens_its_headlines_words_and_events(spike_warehouse, monkeypatch):
    app = page(spike_warehouse, monkeypatch, entity="putin", spike=SPIKE_ID)

    assert not app.exception
    assert app.title[0].value == "Spikes"
    assert app.selectbox(key="spikes_entity").value == "putin"
    assert app.selectbox(key="spikes_episode").value == SPIKE_ID
    headlines, outlets, terms, events, episodes = (frame.value for frame in app.dataframe)
    assert headlines["title"].iloc[0] == SHARED_HEADLINE
    assert headlines["source"].iloc[0] == "Example Times"  # an hour ahead of the others
    assert headlines["outlets"].iloc[0] == 3
    # Every outlet: 1 routine Putin story + 8 on the reshuffle, of 6 + 8 that day; usually 1 of 6.
    assert (
        outlets[["articles", "total_articles", "share_percent", "usual_share_percent"]].values.tolist()
        == [[9, 14, 64.29, 16.67]] * 3
    )
    assert "Every outlet that published in the spike mentioned it." in [caption.value for caption in app.caption]
    assert "reshuffle" in terms["term"].tolist()
    assert "Trump–Putin summit, Helsinki" in events["name"].tolist()
    assert [str(day) for day in episodes["peak"]] == ["2018-07-14"]
    # The headlines behind the spike, the outlets, and every spike: each as CSV and Parquet.
    assert [button.label for button in app.get("download_button")] == ["CSV + provenance", "Parquet + provenance"] * 3
    assert dict(app.query_params) == {"entity": "putin", "spike": SPIKE_ID}


def test_the_outlet_that_ignored_the_spike_is_named_and_listed_first(tmp_path, monkeypatch):
    wh = build_spike_corpus(tmp_path / "newstally.duckdb")
    quiet = [
        warehouse.FetchedArticle(
            guid=f"gazette-{day}-{number}",
            url=f"https://gazette.example/{day}/{number}",
            title=f"{topic}: the Gazette on {day:%d %B}",
            summary="",
            published_at=datetime(day.year, day.month, day.day, 9 + number, tzinfo=UTC),
        )
        for day in (FIRST_DAY + timedelta(days=offset) for offset in range((LAST_DAY - FIRST_DAY).days + 1))
        for number, topic in enumerate(("the weather", "the harvest", "rail strikes", "tennis", "the tides", "art"))
    ]
    warehouse.store_articles(wh, "Example Gazette", quiet, fetched_at=datetime(2018, 9, 1, tzinfo=UTC))

    app = page(wh.path, monkeypatch, entity="putin", spike=SPIKE_ID)

    assert not app.exception
    outlets = app.dataframe[1].value
    # The Gazette ran its 6 stories that day, none on Putin (and none ever); the others 9 of 14 (usually 1 of 6).
    assert outlets.iloc[0].to_dict() == {
        "source": "Example Gazette",
        "articles": 0,
        "total_articles": 6,
        "share_percent": 0.0,
        "usual_share_percent": 0.0,
        "small_base": True,  # 6 articles that day: under 20
    }
    assert outlets["share_percent"].tolist()[1:] == [64.29] * 3
    assert "Not one article mentioning Vladimir Putin in the spike from: Example Gazette." in [
        caption.value for caption in app.caption
    ]


def test_a_bare_url_opens_the_newest_spike_of_the_usual_first_leader_and_writes_it(spike_warehouse, monkeypatch):
    app = page(spike_warehouse, monkeypatch, entity="putin")

    assert app.selectbox(key="spikes_episode").value == SPIKE_ID
    assert dict(app.query_params) == {"entity": "putin", "spike": SPIKE_ID}


def test_an_entity_without_spikes_says_so(spike_warehouse, monkeypatch):
    app = page(spike_warehouse, monkeypatch, entity="merkel")

    assert not app.exception
    assert "No spikes found for Angela Merkel" in app.info[0].value
    assert dict(app.query_params) == {"entity": "merkel"}


def test_changing_the_entity_updates_the_url(spike_warehouse, monkeypatch):
    app = page(spike_warehouse, monkeypatch, entity="putin", spike=SPIKE_ID)

    app.selectbox(key="spikes_entity").set_value("trump").run()

    assert not app.exception
    assert dict(app.query_params) == {"entity": "trump"}


def test_unknown_entity_and_spike_fall_back_without_an_error(spike_warehouse, monkeypatch):
    app = page(spike_warehouse, monkeypatch, entity="<b>nobody</b>", spike="putin:1970-01-01")

    assert not app.exception
    assert not app.error
    assert app.selectbox(key="spikes_entity").value == "trump"
