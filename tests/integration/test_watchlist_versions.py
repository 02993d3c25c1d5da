"""The watchlist kept in the warehouse: versions, import and export, revert, and the incremental re-tally."""

from __future__ import annotations

import random
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import warehouse
from tests.conftest import SHIPPED_WATCHLIST, article

WORDS = [
    "Putin", "Vladimir Putin", "Trump", "Melania Trump", "Trump Tower", "Alaska", "summit", "Alaska summit",
    "Summit", "war in Ukraine", "Ukraine war", "trade war", "war", "sanctions", "tariffs", "tariff", "India",
    "tariffs on India", "NATO", "nato", "Trumpian", "Putin's", "Trump-Putin", "the", "talks", "普京", "关税",
    "Xi'an", "Xi", "Alaskan", "summitry", "\n",
]  # fmt: skip


def _corpus(wh: warehouse.Warehouse, count: int = 400, seed: int = 15) -> None:
    """Random sentences from words where aliases overlap within and across entities, spread over 40 days."""
    rng = random.Random(seed)
    start = datetime(2025, 7, 1, tzinfo=UTC)
    for outlet in ("Outlet A", "Outlet B"):
        items = []
        for n in range(count // 2):
            title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 7)))
            summary = " ".join(rng.choice(WORDS) for _ in range(rng.randint(0, 12)))
            items.append(article(f"{outlet}-{n}", title, summary, start + timedelta(hours=rng.randint(0, 24 * 40))))
        warehouse.store_articles(wh, outlet, items, fetched_at=start + timedelta(days=41))


def _snapshot(wh: warehouse.Warehouse) -> tuple[list, list]:
    """Every mention row and every slot × outlet × entity rollup total, sorted."""
    with wh.reading() as connection:
        mentions = connection.execute(
            "SELECT article_id, entity_id, occurrences, in_title FROM mentions ORDER BY ALL"
        ).fetchall()
        rollups = connection.execute(
            "SELECT slot, source_id, entity_id, sum(articles), sum(mentions) FROM slot_mentions"
            " GROUP BY ALL ORDER BY ALL"
        ).fetchall()
    return mentions, rollups


def _full_retally_of_current(wh: warehouse.Warehouse, tmp_path: Path) -> tuple[list, list]:
    exported = tmp_path / "current.toml"
    exported.write_text(warehouse.watchlist_export(wh), encoding="utf-8")
    warehouse.retally(wh, exported)
    return _snapshot(wh)


def _check_clean(wh: warehouse.Warehouse) -> None:
    # With the shipped file as the file in use: a watchlist shaped in the warehouse is no problem.
    assert warehouse.check_integrity(wh, watchlist_path=SHIPPED_WATCHLIST, recount_articles=None) == []


@pytest.fixture
def corpus(fresh_warehouse: warehouse.Warehouse) -> warehouse.Warehouse:
    _corpus(fresh_warehouse)
    return fresh_warehouse


def test_a_new_warehouse_starts_at_version_1_with_the_installed_file(fresh_warehouse):
    history = warehouse.watchlist_history(fresh_warehouse)
    assert [(v.version, v.action) for v in history] == [(1, "install")]
    assert warehouse.watchlist_export(fresh_warehouse) == SHIPPED_WATCHLIST.read_text(encoding="utf-8")


def test_saving_a_new_entity_tallies_only_it_and_equals_a_full_retally_row_for_row(corpus, tmp_path):
    before_mentions, _ = _snapshot(corpus)
    change = warehouse.save_entity(
        corpus,
        entity_id="alaska_summit",
        name="Alaska summit",
        kind="theme",
        aliases=["Alaska summit", "summit*", "Alaska"],  # overlaps its own aliases
        author="editor",
    )
    assert (change.version, change.mode, change.retallied) == (2, "entities", ("alaska_summit",))
    assert change.mention_rows > 0
    incremental = _snapshot(corpus)
    # The other entities' rows are untouched.
    assert [row for row in incremental[0] if row[1] != "alaska_summit"] == before_mentions
    _check_clean(corpus)
    assert _full_retally_of_current(corpus, tmp_path) == incremental


@pytest.mark.parametrize(
    "aliases",
    [
        ["trade war", "war"],  # overlaps ukraine_war's "Ukraine war" and "war in Ukraine"
        ["Trump Tower", "Melania"],  # overlaps trump's alias and its exclusions
        ["tariffs on India", "tariff*", "关税"],
        ["Putin's", "Trump-Putin"],
    ],
)
def test_an_entity_overlapping_other_entities_is_still_exact(corpus, tmp_path, aliases):
    change = warehouse.save_entity(corpus, entity_id="probe", name="Probe", kind="theme", aliases=aliases)
    assert change.mode == "entities"
    incremental = _snapshot(corpus)
    _check_clean(corpus)
    assert _full_retally_of_current(corpus, tmp_path) == incremental


def test_editing_and_retiring_an_entity_equal_a_full_retally(corpus, tmp_path):
    change = warehouse.save_entity(
        corpus,
        entity_id="putin",
        name="Vladimir Putin",
        kind="leader",
        aliases=["Putin", "Vladimir Putin"],
        exclude=["Putin's"],
        new=False,
    )
    assert (change.mode, change.retallied) == ("entities", ("putin",))
    edited = _snapshot(corpus)
    _check_clean(corpus)
    assert _full_retally_of_current(corpus, tmp_path) == edited

    change = warehouse.retire_entity(corpus, "trump", author="editor")
    assert change.mode == "entities"
    retired = _snapshot(corpus)
    assert not [row for row in retired[0] if row[1] == "trump"]
    assert not [row for row in retired[1] if row[2] == "trump"]
    _check_clean(corpus)
    assert _full_retally_of_current(corpus, tmp_path) == retired


def test_renaming_an_entity_counts_nothing_again(corpus):
    before = _snapshot(corpus)
    change = warehouse.save_entity(
        corpus, entity_id="nato", name="The Alliance", kind="theme", aliases=["NATO", "Nato",
        "North Atlantic Treaty Organization", "OTAN", "НАТО", "北约"], case_sensitive=True, new=False,
    )  # fmt: skip
    assert (change.changed, change.mode, change.retallied) == (True, "none", ())
    assert _snapshot(corpus) == before
    assert warehouse.list_entities(corpus).set_index("entity_id").loc["nato", "name"] == "The Alliance"


def test_revert_brings_back_an_older_version_as_a_new_one(corpus):
    original = _snapshot(corpus)
    warehouse.save_entity(corpus, entity_id="tariffs", name="Tariffs", kind="theme", aliases=["tariff*"])
    warehouse.retire_entity(corpus, "putin")
    change = warehouse.revert_watchlist(corpus, 1, author="lead")
    assert change.version == 4
    assert _snapshot(corpus) == original
    history = warehouse.watchlist_history(corpus)
    assert [(v.version, v.action, v.entity_id, v.author) for v in history] == [
        (1, "install", None, None),
        (2, "add", "tariffs", None),
        (3, "retire", "putin", None),
        (4, "revert", None, "lead"),
    ]
    assert history[3].summary == "reverted to version 1"
    assert history[3].watchlist_hash == history[0].watchlist_hash
    assert warehouse.watchlist_export(corpus) == SHIPPED_WATCHLIST.read_text(encoding="utf-8")
    _check_clean(corpus)


def test_export_imports_back_to_the_same_watchlist(corpus, tmp_path):
    warehouse.save_entity(
        corpus,
        entity_id="odd",
        name='Quotes "and" \\ backslashes',
        kind="leader",
        aliases=['He said "no"', "Тест*", "普京"],
        exclude=["a\tb"],
        case_sensitive=False,
    )
    text = warehouse.watchlist_export(corpus)
    exported = tmp_path / "export.toml"
    exported.write_text(text, encoding="utf-8")
    parsed = warehouse.load_watchlist(exported)
    assert parsed.entities == warehouse.current_watchlist(corpus).entities
    change = warehouse.import_watchlist(corpus, exported)
    assert (change.changed, change.version) == (False, 2)
    assert len(warehouse.watchlist_history(corpus)) == 2


def test_importing_an_edited_file_recounts_only_what_it_changed(corpus, tmp_path):
    edited = tmp_path / "edited.toml"
    edited.write_text(
        SHIPPED_WATCHLIST.read_text(encoding="utf-8").replace('"Putin", "Vladimir Putin"', '"Putin"'),
        encoding="utf-8",
    )
    change = warehouse.import_watchlist(corpus, edited, author="ops")
    assert (change.version, change.mode, change.retallied) == (2, "entities", ("putin",))
    assert warehouse.watchlist_history(corpus)[-1].summary == "imported edited.toml"


def test_retally_with_an_edited_file_records_a_version_and_an_unchanged_one_does_not(corpus, tmp_path):
    warehouse.retally(corpus, SHIPPED_WATCHLIST)
    assert len(warehouse.watchlist_history(corpus)) == 1
    edited = tmp_path / "w.toml"
    edited.write_text(SHIPPED_WATCHLIST.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    warehouse.retally(corpus, edited)
    assert [v.action for v in warehouse.watchlist_history(corpus)] == ["install", "retally"]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"entity_id": "putin"}, "an entity with id 'putin' already exists"),
        ({"aliases": []}, "give at least one alias"),
        ({"aliases": ["  "]}, "give at least one alias"),
        ({"aliases": ["!!"]}, "'!!' has no letter or digit"),
        ({"aliases": ["a*b"]}, "a * is allowed only once, at the end"),
        ({"entity_id": "Bad Id"}, "id must be lower-case letters"),
        ({"kind": "person"}, "kind must be leader or theme"),
    ],
)
def test_mistakes_are_one_readable_line_and_store_nothing(corpus, options, message):
    before = _snapshot(corpus)
    arguments = {"entity_id": "new_one", "name": "New", "kind": "theme", "aliases": ["summit"], **options}
    with pytest.raises(warehouse.WarehouseError, match=re.escape(message)) as raised:
        warehouse.save_entity(corpus, **arguments)
    assert "\n" not in str(raised.value)
    assert _snapshot(corpus) == before
    assert len(warehouse.watchlist_history(corpus)) == 1


def test_a_query_becomes_aliases_and_exclusions():
    draft = warehouse.entity_draft_from_query('"Alaska summit" OR Anchorage -"Alaska Airlines"')
    assert (draft.entity_id, draft.name, draft.aliases, draft.exclude) == (
        "alaska_summit",
        "Alaska summit",
        ("Alaska summit", "Anchorage"),
        ("Alaska Airlines",),
    )
    assert warehouse.entity_draft_from_query("tariff* India").aliases == ("tariff*", "India")
    assert warehouse.entity_draft_from_query("普京").entity_id.startswith("entity_")
    with pytest.raises(warehouse.QueryInvalid, match="title: has no entity equivalent"):
        warehouse.entity_draft_from_query("title:Putin")
    with pytest.raises(warehouse.QueryInvalid, match="only single words or phrases can follow NOT"):
        warehouse.entity_draft_from_query("Putin NOT (Trump OR Xi)")


def test_a_warehouse_from_before_versions_gets_its_stored_watchlist_as_version_1(fresh_warehouse):
    with fresh_warehouse.writing() as connection:
        connection.execute("DROP TABLE watchlist_versions")
        connection.execute("DELETE FROM schema_migrations WHERE version = 7")
    with fresh_warehouse.writing():
        pass  # the next write migrates
    [first] = warehouse.watchlist_history(fresh_warehouse)
    assert (first.version, first.action, first.summary) == (
        1,
        "install",
        "the watchlist stored before versions were kept",
    )
    assert warehouse.watchlist_export(fresh_warehouse) == SHIPPED_WATCHLIST.read_text(encoding="utf-8")


def test_check_reports_a_newest_version_that_is_not_the_stored_watchlist(fresh_warehouse):
    with fresh_warehouse.writing() as connection:
        connection.execute("UPDATE watchlist_versions SET watchlist_hash = 'tampered' WHERE version = 1")
    [problem] = warehouse.check_integrity(fresh_warehouse)
    assert problem.check == "watchlist"
    assert problem.detail.startswith("the newest watchlist version (tampered) is not the stored watchlist")
