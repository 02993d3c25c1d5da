"""Queries on the Trends page (issue 15), run by Streamlit's AppTest against a real warehouse file: a typed query
gets its line, a bad one one readable line, and the URL holds them."""

from __future__ import annotations

import json
from urllib.parse import parse_qs

import pytest
from streamlit.testing.v1 import AppTest

from tests.app.test_trends_page import APP, seeded

# The hand-made corpus of test_trends_page, one outlet:
#   a1 Mon 09 Jul "Trump flies to Brussels for the NATO summit"
#   a2 Mon 16 Jul "Trump and Putin meet in Helsinki"        a3 Mon 16 Jul "Putin's press conference, line by line"
#   a4 Tue 17 Jul "Heatwave grips Finland"                  a5 Fri 20 Jul "What Helsinki means for Trump"
#   a6 Mon 23 Jul "Zelensky's comedy show tops the ratings"
DAYS = {"from": "2018-07-09", "to": "2018-07-23"}


def trends(db_path, monkeypatch: pytest.MonkeyPatch, **params: str | list[str]) -> AppTest:
    monkeypatch.setenv("NEWSTALLY_DB", str(db_path))
    app = AppTest.from_file(str(APP), default_timeout=30)
    for name, value in params.items():
        app.query_params[name] = value
    return app.run()


def line_points(app: AppTest, line: str) -> dict[str, int]:
    """Articles per bucket of one line, as the chart's data holds them (bucket start → articles)."""
    [chart] = app.get("vega_lite_chart")
    spec = json.loads(chart.proto.spec)
    [points] = [
        dataset for dataset in _datasets(chart) if "articles_from" in dataset.columns and line in set(dataset["entity"])
    ]
    rows = points[points["entity"] == line]
    assert spec["title"]["text"].startswith("Articles ")
    return dict(zip(rows["day"], rows["articles"].astype(int), strict=True))


def _datasets(chart):
    import pyarrow as pa

    return [pa.ipc.open_stream(named.data.data).read_pandas() for named in chart.proto.datasets]


def totals(app: AppTest):
    return app.dataframe[0].value.set_index("entity")


def test_a_query_in_the_url_draws_its_line_beside_the_entities(fresh_warehouse, monkeypatch):
    app = trends(seeded(fresh_warehouse).path, monkeypatch, entities="trump", q="helsinki", bucket="day", **DAYS)

    assert not app.exception
    assert app.multiselect(key="trends_queries").value == ["helsinki"]
    # "helsinki" in lower case matches any case: a2 (16 Jul) and a5 (20 Jul), one each day.
    points = line_points(app, "helsinki")
    assert {day: n for day, n in points.items() if n} == {"2018-07-16": 1, "2018-07-20": 1}
    assert len(points) == 15  # every day of the range, zeros included
    assert totals(app).loc["helsinki", "articles"] == 2
    assert totals(app).loc["Donald Trump", "articles"] == 3  # a1, a2, a5
    assert app.query_params["q"] == "helsinki"


def test_a_typed_query_is_added_as_a_line_and_written_to_the_url(fresh_warehouse, monkeypatch):
    app = trends(seeded(fresh_warehouse).path, monkeypatch, entities="putin", **DAYS)

    app.text_input(key="trends_query_input").input('"press conference" OR heatwave').run()

    assert not app.exception
    assert app.text_input(key="trends_query_input").value == ""
    assert app.multiselect(key="trends_queries").value == ['"press conference" OR heatwave']
    # a3 and a4, both in the week of Mon 16 Jul: 2 of the range's 6 articles.
    row = totals(app).loc['"press conference" OR heatwave']
    assert (row["articles"], row["share_percent"], row["busiest_bucket"]) == (2, 33.33, "2018-07-16")
    assert row["busiest_articles"] == 2
    assert app.query_params["q"] == '"press conference" OR heatwave'

    app.text_input(key="trends_query_input").input("title:Trump NOT Helsinki").run()

    assert app.multiselect(key="trends_queries").value == ['"press conference" OR heatwave', "title:Trump NOT Helsinki"]
    assert totals(app).loc["title:Trump NOT Helsinki", "articles"] == 1  # a1 only
    assert app.session_state["trends_queries"] == app.multiselect(key="trends_queries").value


def test_a_query_alone_draws_without_the_usual_leaders(fresh_warehouse, monkeypatch):
    app = trends(seeded(fresh_warehouse).path, monkeypatch, q="summit")

    assert not app.exception
    assert app.multiselect(key="trends_entities").value == []
    assert list(totals(app).index) == ["summit"]
    assert totals(app).loc["summit", "articles"] == 1  # a1


def test_a_bad_query_shows_one_line_instead_of_the_chart(fresh_warehouse, monkeypatch):
    app = trends(seeded(fresh_warehouse).path, monkeypatch, entities="trump", q="(tariffs OR sanctions", **DAYS)

    assert not app.exception
    assert app.get("vega_lite_chart") == []
    [error] = app.error
    assert "unclosed parenthesis" in error.value
    assert "character 1" in error.value
    assert "\n" not in error.value
    assert app.query_params["q"] == "(tariffs OR sanctions"  # the link still says what was asked


def test_a_query_named_like_an_entity_id_says_so_instead_of_a_traceback(fresh_warehouse, monkeypatch):
    app = trends(seeded(fresh_warehouse).path, monkeypatch, entities="trump", q="trump", **DAYS)

    assert not app.exception
    assert app.get("vega_lite_chart") == []
    [error] = app.error
    assert "also the id of a requested entity" in error.value


def test_each_query_links_to_its_articles_and_to_saving_it_as_an_entity(fresh_warehouse, monkeypatch):
    app = trends(seeded(fresh_warehouse).path, monkeypatch, entities="putin", q=["helsinki", "tariff*"], **DAYS)

    assert not app.exception
    assert app.query_params["q"] == ["helsinki", "tariff*"]  # one q= per query
    links = {link.proto.label: link.proto for link in app.get("page_link")}
    helsinki = links["helsinki"]
    assert helsinki.page.endswith("articles")
    assert parse_qs(helsinki.query_string) == {"q": ["helsinki"], "from": ["2018-07-09"], "to": ["2018-07-23"]}
    assert "tariff\\*" in links  # the label escapes markdown: a * stays a star
    # The Watchlist page is another helper's: linked as a page once it is in the navigation, else by its path.
    saves = [link for link in app.get("page_link") if link.proto.label.startswith("Save ")]
    saves_markdown = [element.value for element in app.markdown if "as entity" in element.value]
    if saves:
        assert [parse_qs(link.proto.query_string) for link in saves] == [
            {"query": ["helsinki"]},
            {"query": ["tariff*"]},
        ]
    else:
        assert saves_markdown == [
            "[Save helsinki as entity](watchlist?query=helsinki)",
            "[Save tariff\\* as entity](watchlist?query=tariff%2A)",
        ]


def test_the_chart_lets_a_click_pick_a_point_of_a_query_line(fresh_warehouse, monkeypatch):
    app = trends(seeded(fresh_warehouse).path, monkeypatch, q="helsinki", bucket="week", **DAYS)

    [chart] = app.get("vega_lite_chart")
    spec = json.loads(chart.proto.spec)
    params = [param for layer in spec["layer"] for param in layer.get("params", [])] + spec.get("params", [])
    [opened] = [param for param in params if param["name"] == "open_articles"]
    assert opened["select"]["on"] == "click" and opened["select"]["nearest"] is True
    assert list(chart.proto.selection_mode) == ["open_articles"]
    [points] = [d for d in _datasets(chart) if "articles_from" in d.columns]
    week = points[points["day"] == "2018-07-16"].iloc[0]
    assert (week["entity_id"], week["articles_from"], week["articles_to"], week["articles"]) == (
        "helsinki",
        "2018-07-16",
        "2018-07-22",
        2,
    )


def test_a_query_line_has_its_spike_diamond_linked_to_its_spikes_view(tmp_path, monkeypatch):
    from tests.spike_corpus import build_spike_corpus

    wh = build_spike_corpus(tmp_path / "newstally.duckdb")
    app = trends(wh.path, monkeypatch, entities="trump", q="Putin", bucket="day", **{"from": "2018-07-01"})

    assert not app.exception
    [chart] = app.get("vega_lite_chart")
    [markers] = [dataset for dataset in _datasets(chart) if "spike_link" in dataset.columns]
    # Putin's reshuffle on Sat 14 July: 1 routine story + 8 a day in each of three outlets. The diamond opens
    # the Spikes page on that query's episode.
    assert markers["entity"].tolist() == ["Putin"]
    assert markers["spike_link"].tolist() == ["spikes?q=Putin&spike=Putin%3A2018-07-14"]
    assert line_points(app, "Putin")["2018-07-14"] == 27


def test_a_query_line_is_split_per_outlet_too(tmp_path, monkeypatch):
    from tests.spike_corpus import build_spike_corpus

    wh = build_spike_corpus(tmp_path / "newstally.duckdb")
    app = trends(wh.path, monkeypatch, q="reshuffle", bucket="day", split="outlet", **{"from": "2018-07-10"})

    assert not app.exception
    [chart] = app.get("vega_lite_chart")
    spec = json.loads(chart.proto.spec)
    assert len(spec["concat"]) == 3  # one chart per outlet
    per_outlet = {}
    for dataset in _datasets(chart):
        if "source" in dataset.columns and "entity" in dataset.columns:
            spike = dataset[dataset["day"] == "2018-07-14"]
            per_outlet.update(zip(spike["source"], spike["articles"].astype(int), strict=True))
    # "reshuffle" in lower case matches "Putin reshuffle: ..." and "... snap reshuffle": 8 a outlet that day.
    assert per_outlet == {"Example Times": 8, "Example Herald": 8, "Example Courier": 8}


def test_a_fifth_query_is_refused_with_a_note(fresh_warehouse, monkeypatch):
    four = ["helsinki", "summit", "heatwave", "ratings"]
    app = trends(seeded(fresh_warehouse).path, monkeypatch, q=four, **DAYS)

    app.text_input(key="trends_query_input").input("brussels").run()

    assert not app.exception
    assert app.multiselect(key="trends_queries").value == four
    assert "At most 4 queries" in app.toast[0].value
    assert app.query_params["q"] == four
