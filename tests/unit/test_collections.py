"""Collections: named groups of outlets, and every count restricted to them (lines, totals and shares)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

import warehouse
from tests.conftest import article

DAY = date(2018, 7, 16)


def at(hour: int, day: int = 16) -> datetime:
    return datetime(2018, 7, day, hour, tzinfo=UTC)


@pytest.fixture
def four_outlets(fresh_warehouse: warehouse.Warehouse) -> warehouse.Warehouse:
    """Two German outlets, a British and an American one, all on 2018-07-16 (UTC).

    Berlin Post (DE, de):   "Putin in Helsinki", "Weather in Bavaria"
    Hamburg Blatt (DE, de): "Trump und Putin in Helsinki"
    London Daily (GB, en-GB): "Putin lands", "Trump golf", "Rain again", "Cricket results"
    Boston Ledger (US, en): "Trump speaks"
    """
    wh = fresh_warehouse
    outlets = {
        "Berlin Post": ("DE", "de", ["Putin in Helsinki", "Weather in Bavaria"]),
        "Hamburg Blatt": ("DE", "de", ["Trump und Putin in Helsinki"]),
        "London Daily": ("GB", "en-GB", ["Putin lands", "Trump golf", "Rain again", "Cricket results"]),
        "Boston Ledger": ("US", "en", ["Trump speaks"]),
    }
    for name, (country, language, titles) in outlets.items():
        warehouse.ensure_source(wh, name, country=country, language=language)
        warehouse.store_articles(
            wh, name, [article(f"{name}-{n}", title, "", at(9 + n)) for n, title in enumerate(titles)]
        )
    return wh


def _rows(frame) -> dict[str, tuple]:
    return {row.entity_id: (row.articles, row.total_articles, row.share) for row in frame.itertuples(index=False)}


def test_a_country_collection_restricts_lines_totals_and_shares(four_outlets):
    warehouse.add_collection(four_outlets, "germany", country="de")
    frame = warehouse.entity_series(four_outlets, ["putin", "trump"], start=DAY, end=DAY, collection="germany")
    # German outlets: 3 articles; Putin in 2 (Berlin, Hamburg), Trump in 1 (Hamburg).
    assert _rows(frame) == {"putin": (2, 3, 0.666667), "trump": (1, 3, 0.333333)}


def test_a_language_collection_takes_the_regional_forms(four_outlets):
    warehouse.add_collection(four_outlets, "english", language="en")
    frame = warehouse.entity_series(four_outlets, ["putin", "trump"], start=DAY, end=DAY, collection="english")
    # en and en-GB: London Daily (4) and Boston Ledger (1) = 5; Putin 1, Trump 2.
    assert _rows(frame) == {"putin": (1, 5, 0.2), "trump": (2, 5, 0.4)}


def test_without_a_collection_every_outlet_counts(four_outlets):
    frame = warehouse.entity_series(four_outlets, ["putin", "trump"], start=DAY, end=DAY)
    # 8 articles; Putin in 3, Trump in 3.
    assert _rows(frame) == {"putin": (3, 8, 0.375), "trump": (3, 8, 0.375)}


@pytest.mark.parametrize(
    "options",
    [{}, {"by_source": True}, {"unique": True}, {"queries": ("Helsinki",)}, {"tz": "Europe/Berlin"}],
    ids=["rollups", "by-source", "unique", "with-a-query", "other-zone"],
)
def test_every_way_of_counting_keeps_to_the_collection(four_outlets, options):
    warehouse.add_collection(four_outlets, "picked", sources=["Berlin Post", "Boston Ledger"])
    frame = warehouse.entity_series(four_outlets, ["putin"], start=DAY, end=DAY, collection="picked", **options)
    frame = frame[frame["entity_id"] == "putin"]
    # Berlin Post 2 articles (Putin in 1), Boston Ledger 1 (no Putin): 1 of 3 together.
    assert int(frame["articles"].sum()) == 1
    if options.get("by_source"):
        assert dict(zip(frame["source"], frame["total_articles"], strict=True)) == {
            "Berlin Post": 2,
            "Boston Ledger": 1,
        }
    else:
        assert list(frame["total_articles"]) == [3]
        assert list(frame["share"]) == [0.333333]


def test_a_query_line_counts_only_the_collections_matches(four_outlets):
    warehouse.add_collection(four_outlets, "germany", country="DE")
    frame = warehouse.entity_series(four_outlets, [], queries=["Helsinki"], start=DAY, end=DAY, collection="germany")
    # "Helsinki" is in both German titles about the summit: 2 of the 3 German articles.
    assert _rows(frame) == {"Helsinki": (2, 3, 0.666667)}


def test_comentions_count_the_collections_articles_only(four_outlets):
    warehouse.add_collection(four_outlets, "english", language="en")
    matrix = warehouse.comention_matrix(four_outlets, start=DAY, end=DAY, collection="english")
    leaders = matrix.drop_duplicates("leader_id").set_index("leader_id")["leader_articles"]
    # English outlets: Putin in 1 article (London), Trump in 2 (London, Boston).
    assert leaders["putin"] == 1
    assert leaders["trump"] == 2


def test_share_of_voice_and_volume_list_only_the_collections_outlets(four_outlets):
    warehouse.add_collection(four_outlets, "germany", country="DE")
    volume = warehouse.source_volume(four_outlets, start=DAY, end=DAY, collection="germany")
    assert list(zip(volume["source"], volume["articles"], strict=True)) == [("Berlin Post", 2), ("Hamburg Blatt", 1)]
    voice = warehouse.share_of_voice(four_outlets, ["putin"], start=DAY, end=DAY, collection="germany")
    assert list(voice["source"]) == ["Berlin Post", "Hamburg Blatt"]
    assert list(voice["share"]) == [0.5, 1.0]


def test_articles_search_keeps_to_the_collection(four_outlets):
    warehouse.add_collection(four_outlets, "us", country="US")
    found, total = warehouse.search_articles(four_outlets, collection="us")
    assert total == 1
    assert list(found["title"]) == ["Trump speaks"]


def test_a_rule_takes_an_outlet_added_later(four_outlets):
    warehouse.add_collection(four_outlets, "germany", country="DE")
    warehouse.ensure_source(four_outlets, "Munich Morning", country="DE", language="de")
    (germany,) = warehouse.list_collections(four_outlets)
    assert germany.outlets == ("Berlin Post", "Hamburg Blatt", "Munich Morning")
    assert germany.rule == "country DE"


def test_an_unknown_collection_is_refused(four_outlets):
    with pytest.raises(warehouse.UnknownCollection, match="no collection named 'nordic'"):
        warehouse.entity_series(four_outlets, ["putin"], collection="nordic")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({}, "needs --country, --language or at least one --source"),
        ({"country": "DE", "sources": ["Berlin Post"]}, "not both"),
        ({"sources": ["Nowhere Times"]}, "no outlet named 'Nowhere Times'"),
    ],
)
def test_a_collection_that_cannot_be_made_is_refused_and_nothing_is_stored(four_outlets, options, message):
    with pytest.raises(warehouse.CollectionInvalid, match=message):
        warehouse.add_collection(four_outlets, "bad", **options)
    assert warehouse.list_collections(four_outlets) == []


def test_a_name_is_taken_once_and_remove_frees_it(four_outlets):
    warehouse.add_collection(four_outlets, "germany", country="DE")
    with pytest.raises(warehouse.CollectionInvalid, match="exists"):
        warehouse.add_collection(four_outlets, "germany", language="de")
    warehouse.remove_collection(four_outlets, "germany")
    assert warehouse.list_collections(four_outlets) == []
    with pytest.raises(warehouse.UnknownCollection):
        warehouse.remove_collection(four_outlets, "germany")


def test_a_feed_lists_country_and_language_make_a_rule_collection(fresh_warehouse, tmp_path):
    from ingest import FeedListEntry, export_opml, import_opml, opml_document, read_opml

    path = tmp_path / "feeds.opml"
    path.write_text(
        opml_document(
            [
                FeedListEntry("Tagesblatt", "https://tagesblatt.example/rss", language="de", country="de"),
                FeedListEntry("Daily Post", "https://dailypost.example/rss", language="en-GB", country="GB"),
            ]
        ),
        encoding="utf-8",
    )
    assert [entry.country for entry in read_opml(path)] == ["DE", "GB"]
    import_opml(fresh_warehouse, path)
    warehouse.add_collection(fresh_warehouse, "germany", country="DE")
    warehouse.add_collection(fresh_warehouse, "english", language="en")
    assert {collection.name: collection.outlets for collection in warehouse.list_collections(fresh_warehouse)} == {
        "english": ("Daily Post",),
        "germany": ("Tagesblatt",),
    }
    assert 'country="GB"' in export_opml(fresh_warehouse)
