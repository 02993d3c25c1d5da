"""The Spikes page explains a typed query as it does an entity, run by AppTest on the hand-built spike warehouse.

In it every outlet ran 8 stories on Putin's reshuffle on 14 July 2018 (of 14 that day) and none before,
so the query `reshuffle` spikes that day: 24 of 42 articles.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import REPO_ROOT
from tests.spike_corpus import SHARED_HEADLINE, build_spike_corpus

APP = REPO_ROOT / "dashboard" / "app.py"
QUERY = "reshuffle"
QUERY_SPIKE = "reshuffle:2018-07-14"


@pytest.fixture(scope="module")
def spike_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_spike_corpus(tmp_path_factory.mktemp("spikes") / "newstally.duckdb").path


def page(db_path: Path, monkeypatch: pytest.MonkeyPatch, **query: str) -> AppTest:
    monkeypatch.setenv("NEWSTALLY_DB", str(db_path))
    app = AppTest.from_file(str(APP), default_timeout=30)
    app.switch_page("app_pages/spikes.py")
    for name, value in query.items():
        app.query_params[name] = value
    return app.run()


def test_a_query_link_opens_the_querys_spike_with_its_headlines_and_outlets(spike_warehouse, monkeypatch):
    app = page(spike_warehouse, monkeypatch, q=QUERY, spike=QUERY_SPIKE)

    assert not app.exception
    assert app.text_input(key="spikes_query").value == QUERY
    assert app.selectbox(key="spikes_episode").value == QUERY_SPIKE
    assert app.subheader[0].value == "“reshuffle”, 14 Jul 2018"
    headlines, outlets, terms, events, episodes = (frame.value for frame in app.dataframe)
    assert headlines["title"].iloc[0] == SHARED_HEADLINE
    # Every outlet: 8 reshuffle stories of its 14 that day; never one before.
    assert (
        outlets[["articles", "total_articles", "share_percent", "usual_share_percent"]].values.tolist()
        == [[8, 14, 57.14, 0.0]] * 3
    )
    assert [str(day) for day in episodes["peak"]] == ["2018-07-14"]
    assert episodes["peak_articles"].tolist() == [24]
    assert "minister" in terms["term"].tolist()  # a rising word of the reshuffle's titles
    assert "Trump–Putin summit, Helsinki" in events["name"].tolist()
    assert dict(app.query_params) == {"entity": "trump", "q": QUERY, "spike": QUERY_SPIKE}


def test_typing_a_query_explains_its_newest_spike_and_emptying_it_goes_back_to_the_entity(spike_warehouse, monkeypatch):
    app = page(spike_warehouse, monkeypatch, entity="putin")

    app.text_input(key="spikes_query").input(QUERY).run()

    assert not app.exception
    assert app.selectbox(key="spikes_episode").value == QUERY_SPIKE
    assert dict(app.query_params) == {"entity": "putin", "q": QUERY, "spike": QUERY_SPIKE}

    app.text_input(key="spikes_query").input("").run()

    assert not app.exception
    assert dict(app.query_params) == {"entity": "putin", "spike": "putin:2018-07-14"}


def test_a_query_that_does_not_parse_is_said_in_one_line(spike_warehouse, monkeypatch):
    app = page(spike_warehouse, monkeypatch, q='"unclosed')

    assert not app.exception
    [error] = app.error
    assert error.value.startswith("Not a query:")
    assert not app.dataframe


def test_a_query_without_spikes_says_so(spike_warehouse, monkeypatch):
    app = page(spike_warehouse, monkeypatch, q="harvest")

    assert not app.exception
    assert "No spikes found for “harvest”" in app.info[0].value
