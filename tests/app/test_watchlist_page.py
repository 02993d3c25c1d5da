"""The Watchlist page run by Streamlit's AppTest against a real warehouse file seeded in a temporary folder."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import warehouse
from tests.conftest import REPO_ROOT, article

APP = REPO_ROOT / "dashboard" / "app.py"
PAGE = "app_pages/watchlist.py"


def at_noon(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(hour=12, tzinfo=UTC)


def seeded(fresh: warehouse.Warehouse) -> warehouse.Warehouse:
    items = [
        article("1", "Alaska summit: Trump meets Putin", "In Anchorage.", at_noon("2025-08-15")),
        article("2", "After the Alaska summit", "Alaska Airlines flights resume.", at_noon("2025-08-16")),
        article("3", "Alaska Airlines strike", "", at_noon("2025-08-16")),
        article("4", "Weather", "", at_noon("2025-08-17")),
    ]
    warehouse.store_articles(fresh, "Example Times", items, fetched_at=at_noon("2025-08-18"))
    return fresh


def watchlist_page(db_path: Path, monkeypatch: pytest.MonkeyPatch, **query: str) -> AppTest:
    monkeypatch.setenv("NEWSTALLY_DB", str(db_path))
    app = AppTest.from_file(str(APP), default_timeout=60)
    app.switch_page(PAGE)
    for name, value in query.items():
        app.query_params[name] = value
    return app.run()


def listed_ids(app: AppTest) -> list[str]:
    [entities] = [frame for frame in app.dataframe if "entity_id" in frame.value.columns]
    return list(entities.value["entity_id"])


def test_a_query_in_the_url_prefills_the_form_and_saving_counts_its_history(fresh_warehouse, monkeypatch):
    wh = seeded(fresh_warehouse)
    app = watchlist_page(wh.path, monkeypatch, query='"Alaska summit" OR Anchorage -"Alaska Airlines"')

    assert not app.exception
    assert app.title[0].value == "Watchlist"
    assert app.text_input(key="new_id").value == "alaska_summit"
    assert app.text_input(key="new_name").value == "Alaska summit"
    assert app.text_area(key="new_aliases").value == "Alaska summit\nAnchorage"
    assert app.text_area(key="new_exclude").value == "Alaska Airlines"
    assert any("NOT" in c.value and "alias" in c.value for c in app.caption)  # how query syntax maps to aliases
    assert "alaska_summit" not in listed_ids(app)

    app.button(key="save_new").click().run()

    assert not app.exception
    assert "Version 2: added theme alaska_summit" in app.success[0].value
    assert [link.proto.query_string for link in app.get("page_link")] == ["entities=alaska_summit%2Ctrump%2Cputin"]
    assert "alaska_summit" in listed_ids(app)
    history = next(frame for frame in app.dataframe if "version" in frame.value.columns).value
    assert list(history["version"]) == [2, 1]
    # Articles 1 (title and summary) and 2 (title): the history is there, day by day.
    series = warehouse.entity_series(wh, ["alaska_summit"], start=date(2025, 8, 15), end=date(2025, 8, 17))
    assert list(series["articles"]) == [1, 1, 0]
    assert list(series["mentions"]) == [2, 1, 0]


def test_a_duplicate_id_is_one_readable_line_and_nothing_is_saved(fresh_warehouse, monkeypatch):
    wh = seeded(fresh_warehouse)
    app = watchlist_page(wh.path, monkeypatch, query="Putin")
    assert app.text_input(key="new_id").value == "putin"

    app.button(key="save_new").click().run()

    assert not app.exception
    assert [e.value for e in app.error] == ["an entity with id 'putin' already exists: pick another id or edit it"]
    assert len(warehouse.watchlist_history(wh)) == 1


def test_a_query_that_is_no_entity_says_why(fresh_warehouse, monkeypatch):
    app = watchlist_page(seeded(fresh_warehouse).path, monkeypatch, query="title:Putin")
    assert not app.exception
    assert [e.value for e in app.error] == [
        "Cannot make an entity from 'title:Putin': title: has no entity equivalent:"
        " an entity counts titles and summaries"
    ]


def test_edit_retire_and_revert(fresh_warehouse, monkeypatch):
    wh = seeded(fresh_warehouse)
    app = watchlist_page(wh.path, monkeypatch)
    app.text_input(key="watchlist_author").input("Desk editor").run()
    app.selectbox(key="edit_pick").select("trump").run()
    app.text_area(key="edit_aliases_trump").input("Trump\nDonald Trump").run()
    app.button(key="save_edit").click().run()
    assert not app.exception
    assert "Version 2: edited leader trump" in app.success[0].value
    assert warehouse.current_watchlist(wh).entities[0].aliases == ("Trump", "Donald Trump")

    app.selectbox(key="edit_pick").select("putin").run()
    app.button(key="retire").click().run()
    assert "Version 3: retired putin" in app.success[0].value
    assert "putin" not in listed_ids(app)

    app.selectbox(key="revert_pick").select(1).run()
    app.button(key="revert").click().run()
    assert "Version 4: reverted to version 1" in app.success[0].value
    assert "putin" in listed_ids(app)
    assert {v.author for v in warehouse.watchlist_history(wh)[1:]} == {"Desk editor"}
    assert warehouse.check_integrity(wh, recount_articles=None) == []
