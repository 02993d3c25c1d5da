"""The Articles and Sources pages' pure parts: their views read from a URL, and the frames and charts they draw."""

from __future__ import annotations

from datetime import date

import pandas as pd

from dashboard import charts
from dashboard.url_state import (
    ArticlesView,
    SourcesView,
    articles_view_from_params,
    sources_view_from_params,
)

ENTITY_IDS = ["trump", "putin", "zelensky", "biden", "nato"]
SOURCES = ["Example Herald", "Example Times"]
FIRST_DAY = date(2016, 1, 1)
LAST_DAY = date(2025, 9, 10)


def articles_view(params: dict) -> ArticlesView:
    return articles_view_from_params(
        params, entity_ids=ENTITY_IDS, sources=SOURCES, first_day=FIRST_DAY, last_day=LAST_DAY
    )


def sources_view(params: dict) -> SourcesView:
    return sources_view_from_params(params, entity_ids=ENTITY_IDS, first_day=FIRST_DAY, last_day=LAST_DAY)


def test_a_bare_articles_url_lists_everything_from_the_first_page():
    assert articles_view({}) == ArticlesView()
    assert ArticlesView().to_params() == {}


def test_a_full_articles_url_restores_every_control():
    view = articles_view(
        {"q": " summit ", "entity": "putin", "source": "Example Times", "from": "2018-07-01", "to": "2018-07-31"}
        | {"page": "2"}
    )

    assert view == ArticlesView("summit", "putin", "Example Times", date(2018, 7, 1), date(2018, 7, 31), 2)


def test_an_articles_view_written_to_params_reads_back_the_same():
    view = ArticlesView("100% <b>", "nato", "Example Herald", None, date(2020, 2, 29), 7)

    assert view.to_params() == {"q": "100% <b>", "entity": "nato", "source": "Example Herald", "to": "2020-02-29"} | {
        "page": "7"
    }
    assert articles_view(view.to_params()) == view


def test_unusable_articles_params_are_dropped():
    view = articles_view(
        {"entity": "nobody", "source": "No Such Outlet", "from": "soon", "to": "2018-02-31", "page": "-1"}
    )

    assert view == ArticlesView()


def test_articles_dates_are_clipped_to_the_corpus_and_put_the_right_way_round():
    view = articles_view({"from": "2030-01-01", "to": "2010-01-01"})

    assert (view.start, view.end) == (FIRST_DAY, LAST_DAY)


def test_a_very_long_search_text_is_cut_short():
    # The search is a query, as long as a Trends line's may be.
    assert len(articles_view({"q": "x" * 5000}).text) == 1000


def test_a_bare_sources_url_shows_the_usual_leaders_over_the_last_thirty_days():
    # 10 September back 29 days is 12 August: thirty days in all.
    assert sources_view({}) == SourcesView(("trump", "putin", "zelensky"), date(2025, 8, 12), LAST_DAY)


def test_a_sources_view_written_to_params_reads_back_the_same():
    view = SourcesView(("nato", "biden"), date(2018, 7, 1), date(2018, 7, 31))

    assert sources_view(view.to_params()) == view


def test_sources_charts_have_titles_and_axis_titles():
    volume = pd.DataFrame({"source": ["A", "B"], "articles": [5, 0]})
    shown = pd.DataFrame(
        {"source": ["A"], "entity": ["Donald Trump"], "articles": [1], "total_articles": [5], "share_percent": [20.0]}
    )

    volume_spec = charts.source_volume_chart(volume, start=date(2018, 7, 1), end=date(2018, 7, 31)).to_dict()
    share_spec = charts.share_of_voice_chart(shown, start=date(2018, 7, 1), end=date(2018, 7, 31)).to_dict()

    assert volume_spec["title"]["text"] == "Articles per outlet"
    assert volume_spec["encoding"]["x"]["title"] == "Articles in range"
    assert volume_spec["encoding"]["y"]["sort"] == ["A", "B"]  # busiest on top, as given
    assert share_spec["title"]["text"].startswith("Share of voice")
    # The colour is conditional (shares over few articles are left off the scale): the title is the scale's.
    assert share_spec["layer"][0]["encoding"]["color"]["condition"]["title"] == "Share of the outlet's articles (%)"
