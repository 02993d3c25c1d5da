"""OPML feed lists: reading, writing, and the round trip through the warehouse."""

from __future__ import annotations

from pathlib import Path

import pytest

import warehouse
from ingest import FeedListEntry, FeedListInvalid, export_opml, import_opml, opml_document, read_opml
from tests.conftest import SHIPPED_EVENTS, SHIPPED_FEEDS, SHIPPED_WATCHLIST

ENTRIES = [
    FeedListEntry(
        "BBC News",
        "https://feeds.bbci.co.uk/news/world/rss.xml",
        "BBC News – World",
        homepage="https://www.bbc.co.uk/news/world",
        language="en",
    ),
    FeedListEntry(
        "BBC News",
        "https://feeds.bbci.co.uk/news/politics/rss.xml",
        "BBC News – Politics",
        homepage="https://www.bbc.co.uk/news/politics",
        language="en",
    ),
    FeedListEntry("Le Monde & Co", "https://example.fr/rss?section=monde&format=xml", "Monde <intl>", language="fr"),
]


def _write(tmp_path: Path, text: str, name: str = "feeds.opml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_an_exported_document_reads_back_to_the_same_feeds(tmp_path: Path):
    path = _write(tmp_path, opml_document(ENTRIES))

    assert read_opml(path) == ENTRIES


def test_the_exported_document_is_opml_2_0():
    document = opml_document(ENTRIES)

    assert document.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<opml version="2.0">')
    assert 'xmlUrl="https://example.fr/rss?section=monde&amp;format=xml"' in document


def test_a_feed_inside_a_folder_belongs_to_the_folder_outlet(tmp_path: Path):
    path = _write(
        tmp_path,
        """<?xml version="1.0"?><opml version="1.0"><head/><body>
        <outline text="The Guardian">
          <outline text="World news" type="rss" xmlUrl="https://www.theguardian.com/world/rss"/>
          <outline text="Politics" type="rss" xmlUrl="https://www.theguardian.com/politics/rss"/>
        </outline>
        <outline text="NPR" title="NPR World" type="rss" xmlUrl="https://feeds.npr.org/1004/rss.xml"/>
        </body></opml>""",
    )

    assert [(entry.source_name, entry.title) for entry in read_opml(path)] == [
        ("The Guardian", "World news"),
        ("The Guardian", "Politics"),
        ("NPR", "NPR World"),
    ]


def test_a_list_with_a_raw_ampersand_is_still_read(tmp_path: Path):
    path = _write(
        tmp_path,
        '<opml version="2.0"><body><outline text="Euronews" xmlUrl="https://www.euronews.com/rss?level=theme&name=news"/></body></opml>',
    )

    (entry,) = read_opml(path)

    assert entry.url == "https://www.euronews.com/rss?level=theme&name=news"
    assert entry.source_name == "Euronews"


def test_outlines_without_an_http_feed_url_are_skipped(tmp_path: Path):
    path = _write(
        tmp_path,
        """<opml version="2.0"><body>
        <outline text="Local file" xmlUrl="file:///etc/passwd"/>
        <outline text="Good" xmlUrl="https://good.example/rss"/>
        <outline text="Good again" xmlUrl="https://good.example/rss"/>
        </body></opml>""",
    )

    assert [entry.url for entry in read_opml(path)] == ["https://good.example/rss"]


def test_a_file_that_is_not_opml_is_refused_with_a_one_line_message_naming_it(tmp_path: Path):
    path = _write(tmp_path, "<html><body>Not found</body></html>", name="broken.opml")

    with pytest.raises(FeedListInvalid) as raised:
        read_opml(path)

    message = str(raised.value)
    assert str(path) in message
    assert "not an OPML feed list" in message
    assert "\n" not in message


def test_garbage_that_is_not_even_xml_is_refused(tmp_path: Path):
    path = _write(tmp_path, "this is { not xml", name="garbage.opml")

    with pytest.raises(FeedListInvalid, match=r"garbage\.opml"):
        read_opml(path)


def test_a_missing_file_is_refused_with_its_name(tmp_path: Path):
    with pytest.raises(FeedListInvalid, match=r"nowhere\.opml"):
        read_opml(tmp_path / "nowhere.opml")


def test_the_shipped_feed_list_names_at_least_24_outlets_with_http_feeds():
    entries = read_opml(SHIPPED_FEEDS)

    assert len({entry.source_name for entry in entries}) >= 24
    assert all(entry.url.startswith(("https://", "http://")) for entry in entries)


def test_every_shipped_outlet_says_where_it_is_based_so_country_collections_work():
    countries = {entry.source_name: entry.country for entry in read_opml(SHIPPED_FEEDS)}

    assert [name for name, country in countries.items() if not country] == ["UN News"]  # not a country's outlet
    assert all(len(country) == 2 and country.isupper() for country in countries.values() if country)
    assert {name for name, country in countries.items() if country == "UA"} == {
        "The Kyiv Independent",
        "Ukrainska Pravda",
    }


def test_importing_registers_each_feed_with_its_outlet_once(fresh_warehouse, tmp_path: Path):
    path = _write(tmp_path, opml_document(ENTRIES))

    assert import_opml(fresh_warehouse, path) == 3
    assert import_opml(fresh_warehouse, path) == 0

    feeds = warehouse.list_feeds(fresh_warehouse)
    assert sorted((feed.source_name, feed.url, feed.title) for feed in feeds) == sorted(
        (entry.source_name, entry.url, entry.title) for entry in ENTRIES
    )
    sources = {source.name: source for source in warehouse.list_sources(fresh_warehouse)}
    assert sources["BBC News"].homepage == "https://www.bbc.co.uk/news/world"
    assert sources["Le Monde & Co"].language == "fr"


def test_export_then_import_into_another_warehouse_gives_the_same_feeds(fresh_warehouse, tmp_path: Path):
    import_opml(fresh_warehouse, _write(tmp_path, opml_document(ENTRIES)))
    exported = _write(tmp_path, export_opml(fresh_warehouse), name="exported.opml")
    other = warehouse.open_warehouse(
        tmp_path / "other.duckdb", watchlist_path=SHIPPED_WATCHLIST, events_path=SHIPPED_EVENTS
    )

    import_opml(other, exported)

    def described(wh: warehouse.Warehouse) -> set[tuple[str, str, str]]:
        return {(feed.source_name, feed.url, feed.title) for feed in warehouse.list_feeds(wh)}

    assert described(other) == described(fresh_warehouse)
