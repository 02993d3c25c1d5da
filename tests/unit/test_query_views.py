"""Queries in the dashboard's URLs (issue 15): Trends' `q=` lines, the Articles view a clicked point opens, the
Watchlist link that keeps a query, and the Trends view a Discover term opens."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

import pytest

import warehouse
from dashboard import tables
from dashboard.url_state import (
    MAX_QUERIES,
    MAX_QUERY_CHARS,
    ArticlesView,
    TrendsView,
    clicked_articles,
    discover_trends_view,
    save_as_entity_params,
    term_as_query,
    trends_view_from_params,
)

ENTITY_IDS = ["trump", "putin", "zelensky", "biden", "nato"]
FIRST_DAY = date(2016, 1, 1)
LAST_DAY = date(2025, 9, 10)


def view_from(params: dict) -> TrendsView:
    return trends_view_from_params(params, entity_ids=ENTITY_IDS, first_day=FIRST_DAY, last_day=LAST_DAY)


def test_each_q_param_is_a_query_line_beside_the_entities():
    view = view_from({"entities": "putin", "q": ['"Alaska summit" OR tariff*', "sanction*"], "bucket": "day"})

    assert view.entity_ids == ("putin",)
    assert view.queries == ('"Alaska summit" OR tariff*', "sanction*")


def test_queries_are_written_as_repeated_q_params_and_read_back_the_same():
    view = TrendsView(("trump",), date(2018, 7, 1), date(2018, 7, 31), "day", "share", queries=("a, b", "title:x"))

    params = view.to_params()

    assert params["q"] == ["a, b", "title:x"]  # a comma belongs to the query
    assert urlencode(params, doseq=True).endswith("&q=a%2C+b&q=title%3Ax")
    assert view_from(params) == view


def test_a_view_without_queries_writes_the_url_it_always_did():
    view = TrendsView(("trump", "putin"), date(2018, 7, 1), date(2018, 7, 31), "week", "articles")

    assert view.to_params() == {
        "entities": "trump,putin",
        "from": "2018-07-01",
        "to": "2018-07-31",
        "bucket": "week",
        "metric": "articles",
    }
    assert view_from(view.to_params()) == view


def test_a_link_with_queries_and_no_entities_draws_the_queries_alone():
    assert view_from({"q": "tariffs"}).entity_ids == ()
    assert view_from({"q": "tariffs", "entities": ""}).entity_ids == ()
    assert view_from({"q": "  "}).entity_ids == ("trump", "putin", "zelensky")  # a blank query is none


def test_queries_are_trimmed_kept_once_capped_in_number_and_length():
    view = view_from({"q": [" tariffs ", "tariffs", "", *[f"word{n}" for n in range(10)], "x" * 5000]})

    assert view.queries[:2] == ("tariffs", "word0")
    assert len(view.queries) == MAX_QUERIES
    assert all(len(query) <= MAX_QUERY_CHARS for query in view_from({"q": "x" * 5000}).queries)


def test_a_bad_query_is_kept_in_the_view_for_the_page_to_explain():
    assert view_from({"q": "(tariffs"}).queries == ("(tariffs",)


def test_a_clicked_point_opens_the_articles_of_its_line_over_its_bucket():
    view = TrendsView(("putin",), date(2018, 7, 1), date(2018, 7, 31), "week", "articles", queries=("tariff*",))

    query_point = {"entity_id": "tariff*", "articles_from": "2018-07-16", "articles_to": "2018-07-22"}
    entity_point = {"entity_id": "putin", "articles_from": "2018-07-30", "articles_to": "2018-07-31"}

    assert clicked_articles([query_point], view) == ArticlesView(
        text="tariff*", start=date(2018, 7, 16), end=date(2018, 7, 22)
    )
    assert clicked_articles([entity_point], view) == ArticlesView(
        entity_id="putin", start=date(2018, 7, 30), end=date(2018, 7, 31)
    )
    assert clicked_articles([query_point, entity_point], view).entity_id == "putin"  # the last click


@pytest.mark.parametrize(
    "point",
    [
        {},
        {"entity_id": "merkel", "articles_from": "2018-07-16", "articles_to": "2018-07-22"},  # not a line
        {"entity_id": "putin", "articles_from": "soon", "articles_to": "2018-07-22"},
        {"entity_id": "putin", "articles_from": "2018-07-22", "articles_to": "2018-07-16"},
    ],
)
def test_a_click_that_names_no_line_or_days_opens_nothing(point):
    view = TrendsView(("putin",), date(2018, 7, 1), date(2018, 7, 31), "week", "articles")

    assert clicked_articles([point], view) is None
    assert clicked_articles([], view) is None


def test_save_as_entity_links_to_the_watchlist_page_with_the_query():
    assert urlencode(save_as_entity_params('"Alaska summit" OR tariff*')) == ("query=%22Alaska+summit%22+OR+tariff%2A")


@pytest.mark.parametrize(
    ("term", "query"),
    [
        ("tariffs", "tariffs"),
        ("alaska summit", '"alaska summit"'),
        ("us-china", "us-china"),
        ("o'brien", "o'brien"),
        ("10:30", '"10:30"'),  # a colon would name a field
        ("c++", '"c++"'),
        ("NOT", '"NOT"'),  # an operator
        ("普京", "普京"),
        ('say "no"', '"say no"'),
    ],
)
def test_a_discover_term_becomes_a_query_for_exactly_it(term, query):
    assert term_as_query(term) == query
    parsed = warehouse.parse_query(query)
    assert len(parsed.terms) == 1


def test_a_discover_term_opens_trends_day_by_day_over_its_window_and_baseline():
    view = discover_trends_view("alaska summit", start=date(2018, 6, 7), end=date(2018, 7, 5))

    assert view == TrendsView((), date(2018, 6, 7), date(2018, 7, 5), "day", "articles", queries=('"alaska summit"',))


def test_labels_escape_what_markdown_would_read():
    assert tables.markdown_escaped("tariff* OR **bold** [x](javascript:y)") == (
        "tariff\\* OR \\*\\*bold\\*\\* \\[x\\]\\(javascript\\:y\\)"
    )
    assert tables.query_labels(["NATO", "tariffs"], {"nato": "NATO"}) == {"NATO": "NATO (query)", "tariffs": "tariffs"}
