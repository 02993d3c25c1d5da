"""The Articles page run by Streamlit's AppTest against a real warehouse file seeded in a temporary folder."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

import warehouse
from tests.conftest import REPO_ROOT, article

APP = REPO_ROOT / "dashboard" / "app.py"
PAGE = "app_pages/articles.py"


def at_noon(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(hour=12, tzinfo=UTC)


HOSTILE_TITLE = "<script>alert(1)</script> **bold** [click](javascript:alert(2))"

TIMES_ARTICLES = [
    article("a1", "Trump flies to Brussels for the NATO summit", published_at=at_noon("2018-07-09")),
    article("a2", "Trump and Putin meet in Helsinki", "The summit lasted four hours", at_noon("2018-07-16")),
    # An hour after the meeting: newest first puts it before a2 (a tie would be ordered by article id).
    article("a3", "Putin's press conference, line by line", published_at=at_noon("2018-07-16") + timedelta(hours=1)),
    article("a4", "Heatwave grips Finland", published_at=at_noon("2018-07-17")),
    article("a5", HOSTILE_TITLE, "<img src=x onerror=alert(3)>", at_noon("2018-07-18")),
]
HERALD_ARTICLES = [
    article("h1", "What Helsinki means for Trump", published_at=at_noon("2018-07-20")),
    article("h2", "Zelensky's comedy show tops the ratings", published_at=at_noon("2018-07-23")),
]


def seeded(fresh: warehouse.Warehouse, *, is_demo: bool = False) -> warehouse.Warehouse:
    fetched_at = at_noon("2018-07-24")
    warehouse.store_articles(fresh, "Example Times", TIMES_ARTICLES, fetched_at=fetched_at, is_demo=is_demo)
    warehouse.store_articles(fresh, "Example Herald", HERALD_ARTICLES, fetched_at=fetched_at, is_demo=is_demo)
    return fresh


def articles_page(db_path: Path, monkeypatch: pytest.MonkeyPatch, **query: str) -> AppTest:
    monkeypatch.setenv("NEWSTALLY_DB", str(db_path))
    app = AppTest.from_file(str(APP), default_timeout=30)
    app.switch_page(PAGE)
    for name, value in query.items():
        app.query_params[name] = value
    return app.run()


def listed(app: AppTest):
    [table] = app.dataframe
    return table.value


def all_text(app: AppTest) -> str:
    return "\n".join(element.value for kind in ("info", "warning", "error") for element in getattr(app, kind))


def test_page_lists_every_article_newest_first_with_outlet_link_and_entities(fresh_warehouse, monkeypatch):
    app = articles_page(seeded(fresh_warehouse).path, monkeypatch)

    assert not app.exception
    assert app.title[0].value == "Articles"
    shown = listed(app)
    assert shown["title"].tolist()[:3] == [
        "Zelensky's comedy show tops the ratings",
        "What Helsinki means for Trump",
        HOSTILE_TITLE,
    ]
    assert len(shown) == 7
    helsinki = shown.set_index("title").loc["Trump and Putin meet in Helsinki"]
    assert helsinki["source"] == "Example Times"
    assert helsinki["url"] == "https://news.example/a2"
    assert helsinki["entities"] == "Vladimir Putin, Donald Trump"  # sorted by id: putin, trump
    assert [button.label for button in app.get("download_button")] == ["CSV + provenance", "Parquet + provenance"]
    assert dict(app.query_params) == {}  # nothing chosen, nothing in the URL


def test_query_params_restore_search_entity_outlet_and_dates(fresh_warehouse, monkeypatch):
    app = articles_page(
        seeded(fresh_warehouse).path,
        monkeypatch,
        q="helsinki",  # a query: a word in lower case matches any case (HELSINKI would match only capitals)
        entity="trump",
        source="Example Times",
        **{"from": "2018-07-10", "to": "2018-07-20"},
    )

    assert not app.exception
    assert app.text_input(key="articles_q").value == "helsinki"
    assert app.selectbox(key="articles_entity").value == "trump"
    assert app.selectbox(key="articles_source").value == "Example Times"
    assert str(app.date_input(key="articles_from").value) == "2018-07-10"
    assert str(app.date_input(key="articles_to").value) == "2018-07-20"
    # h1 also matches the text and entity but comes from the Herald.
    assert listed(app)["title"].tolist() == ["Trump and Putin meet in Helsinki"]


def test_search_finds_text_in_summaries_too(fresh_warehouse, monkeypatch):
    app = articles_page(seeded(fresh_warehouse).path, monkeypatch, q="four hours")

    assert listed(app)["title"].tolist() == ["Trump and Putin meet in Helsinki"]


def test_changing_a_control_writes_the_view_to_the_url(fresh_warehouse, monkeypatch):
    app = articles_page(seeded(fresh_warehouse).path, monkeypatch)

    app.text_input(key="articles_q").input("putin").run()
    app.selectbox(key="articles_source").select("Example Times").run()

    assert dict(app.query_params) == {"q": "putin", "source": "Example Times"}
    assert listed(app)["title"].tolist() == [
        "Putin's press conference, line by line",
        "Trump and Putin meet in Helsinki",
    ]


def test_a_link_followed_later_in_the_session_replaces_the_controls(fresh_warehouse, monkeypatch):
    app = articles_page(seeded(fresh_warehouse).path, monkeypatch, q="heatwave")

    app.query_params.clear()
    app.query_params["entity"] = "putin"
    app.run()

    assert app.text_input(key="articles_q").value == ""
    assert app.selectbox(key="articles_entity").value == "putin"
    assert listed(app)["title"].tolist() == [
        "Putin's press conference, line by line",
        "Trump and Putin meet in Helsinki",
    ]


def test_feed_text_stays_plain_text_and_never_reaches_markdown(fresh_warehouse, monkeypatch):
    app = articles_page(seeded(fresh_warehouse).path, monkeypatch, q='"<script>"')

    shown = listed(app)
    assert shown["title"].tolist() == [HOSTILE_TITLE]
    assert shown["summary"].tolist() == ["<img src=x onerror=alert(3)>"]
    rendered = [element.value for element in app.markdown] + [element.value for element in app.caption]
    assert not any("<script>" in text or "onerror" in text for text in rendered)
    assert app.get("html") == []


def test_a_link_that_is_not_http_is_not_offered(fresh_warehouse, monkeypatch):
    hostile = warehouse.FetchedArticle("x1", "javascript:alert(1)", "A hostile link", "", at_noon("2018-07-19"))
    warehouse.store_articles(fresh_warehouse, "Example Times", [hostile], fetched_at=at_noon("2018-07-24"))

    app = articles_page(fresh_warehouse.path, monkeypatch)

    [url] = listed(app)["url"].tolist()
    assert pd.isna(url)


def test_pages_of_fifty_with_previous_and_next(fresh_warehouse, monkeypatch):
    first = datetime(2018, 7, 1, tzinfo=UTC)
    stories = [article(f"s{n}", f"Story {n}", published_at=first + timedelta(hours=n)) for n in range(1, 121)]
    warehouse.store_articles(fresh_warehouse, "Example Times", stories, fetched_at=at_noon("2018-07-24"))

    app = articles_page(fresh_warehouse.path, monkeypatch, page="2")

    # 120 stories, newest (120) first: page 2 holds stories 70 down to 21.
    titles = listed(app)["title"].tolist()
    assert (titles[0], titles[-1], len(titles)) == ("Story 70", "Story 21", 50)
    assert "Articles 51–100 of 120" in app.caption[-1].value

    app.button(key="articles_next").click().run()
    assert listed(app)["title"].tolist() == [f"Story {n}" for n in range(20, 0, -1)]
    assert app.query_params["page"] == "3"
    assert app.button(key="articles_next").disabled

    app.button(key="articles_previous").click().run()
    app.button(key="articles_previous").click().run()
    assert listed(app)["title"].tolist()[0] == "Story 120"
    assert "page" not in app.query_params  # page 1 is the default, left out of the URL
    assert app.button(key="articles_previous").disabled


def test_a_new_search_starts_again_at_the_first_page(fresh_warehouse, monkeypatch):
    first = datetime(2018, 7, 1, tzinfo=UTC)
    stories = [article(f"s{n}", f"Story {n}", published_at=first + timedelta(hours=n)) for n in range(1, 61)]
    warehouse.store_articles(fresh_warehouse, "Example Times", stories, fetched_at=at_noon("2018-07-24"))
    app = articles_page(fresh_warehouse.path, monkeypatch, page="2")

    app.text_input(key="articles_q").input("story 1*").run()

    # A query: "story" and a word starting with 1, so 1, 10–19 and 100+ (none): 11 stories, one page.
    assert len(listed(app)) == 11
    assert "page" not in app.query_params


def test_a_page_past_the_end_shows_the_last_page(fresh_warehouse, monkeypatch):
    app = articles_page(seeded(fresh_warehouse).path, monkeypatch, page="9")

    assert not app.exception
    assert len(listed(app)) == 7
    assert "page" not in app.query_params


def test_invalid_query_params_are_dropped_without_an_error(fresh_warehouse, monkeypatch):
    app = articles_page(
        seeded(fresh_warehouse).path,
        monkeypatch,
        entity="nobody",
        source="<b>No such outlet</b>",
        **{"from": "yesterday", "to": "2018-02-31"},
        page="-3",
    )

    assert not app.exception
    assert not app.error
    assert app.selectbox(key="articles_entity").value is None
    assert app.selectbox(key="articles_source").value is None
    assert len(listed(app)) == 7


def test_sql_looking_search_text_finds_nothing_and_harms_nothing(fresh_warehouse, monkeypatch):
    app = articles_page(seeded(fresh_warehouse).path, monkeypatch, q="'; DROP TABLE articles; --")

    assert not app.exception
    assert "No articles match" in all_text(app)
    assert warehouse.corpus_facts(fresh_warehouse).articles == 7


def test_an_empty_warehouse_shows_how_to_get_articles(fresh_warehouse, monkeypatch):
    app = articles_page(fresh_warehouse.path, monkeypatch)

    assert not app.exception
    assert "newstally demo" in all_text(app)
    assert app.dataframe == []


def test_a_missing_warehouse_file_shows_how_to_get_articles_and_creates_nothing(tmp_path, monkeypatch):
    missing = tmp_path / "nowhere" / "newstally.duckdb"

    app = articles_page(missing, monkeypatch)

    assert not app.exception
    assert "newstally feeds add URL" in all_text(app)
    assert not missing.exists()


def test_demo_data_carries_a_banner(fresh_warehouse, monkeypatch):
    app = articles_page(seeded(fresh_warehouse, is_demo=True).path, monkeypatch)

    assert "Demo data" in all_text(app)


def test_real_data_has_no_demo_banner(fresh_warehouse, monkeypatch):
    app = articles_page(seeded(fresh_warehouse).path, monkeypatch)

    assert "Demo data" not in all_text(app)


def test_trends_links_each_line_to_its_articles_over_the_charted_range(fresh_warehouse, monkeypatch):
    monkeypatch.setenv("NEWSTALLY_DB", str(seeded(fresh_warehouse).path))
    app = AppTest.from_file(str(APP), default_timeout=30)
    app.query_params["entities"] = "putin,trump"
    app.query_params["from"] = "2018-07-10"
    app.query_params["to"] = "2018-07-20"
    app.run()

    links = [link for link in app.get("page_link") if not link.proto.label.startswith("Spikes of")]
    assert [link.proto.label for link in links] == ["Vladimir Putin", "Donald Trump"]
    assert all(link.proto.page.endswith("articles") for link in links)
    putin_link = links[0].proto
    assert dict(putin_link.query_string and [pair.split("=") for pair in putin_link.query_string.split("&")]) == {
        "entity": "putin",
        "from": "2018-07-10",
        "to": "2018-07-20",
    }


def test_the_search_box_takes_a_query(fresh_warehouse, monkeypatch):
    app = articles_page(seeded(fresh_warehouse).path, monkeypatch, q='title:Helsinki OR "press conference"')

    assert not app.exception
    # a2 and h1 have Helsinki in the title, a3 the phrase; a2's summary alone would not count for title:.
    assert listed(app)["title"].tolist() == [
        "What Helsinki means for Trump",
        "Putin's press conference, line by line",
        "Trump and Putin meet in Helsinki",
    ]

    app.text_input(key="articles_q").input("summit NOT NATO").run()

    # a1 and a2 say summit (a2 in its summary); a1 also says NATO.
    assert listed(app)["title"].tolist() == ["Trump and Putin meet in Helsinki"]
    assert app.query_params["q"] == "summit NOT NATO"


def test_a_search_that_is_not_a_query_shows_one_line(fresh_warehouse, monkeypatch):
    app = articles_page(seeded(fresh_warehouse).path, monkeypatch, q='"Alaska summit')

    assert not app.exception
    assert app.dataframe == []
    [error] = app.error
    assert "unclosed quote" in error.value
    assert "\n" not in error.value
    assert app.text_input(key="articles_q").value == '"Alaska summit'
