"""The fast reader (lxml) and feedparser store the same articles from every document the fast one reads.

`parse_feed` reads well-formed UTF-8 RSS/Atom with lxml and gives everything else
to feedparser. An article must not depend on which reader read it, so for every
fixture document (and the tricky cases below) the fast reader's result, once
cleaned, equals feedparser's; and the fast reader must really read most of them,
or the speed it exists for is gone.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from ingest.errors import FeedMalformed
from ingest.parsing import _parsed_feed, parse_feed, parse_with_feedparser
from ingest.xml_reader import read_well_formed

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "feeds"
DOCUMENTS = sorted(FIXTURES.glob("*.xml"))
FETCHED_AT = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
BASE_URLS = ["", "https://news.example.org/feeds/world.xml"]


def _both(body: bytes, base_url: str):
    fast = read_well_formed(body)
    if fast is None:
        return None, None
    reference = parse_with_feedparser(body)
    return _parsed_feed(fast, FETCHED_AT, base_url=base_url), _parsed_feed(reference, FETCHED_AT, base_url=base_url)


@pytest.mark.parametrize("base_url", BASE_URLS, ids=["no-base", "with-base"])
@pytest.mark.parametrize("document", DOCUMENTS, ids=[document.stem for document in DOCUMENTS])
def test_fast_reader_and_feedparser_agree_on_each_fixture(document: Path, base_url: str):
    body = document.read_bytes()
    try:
        fast, reference = _both(body, base_url)
    except FeedMalformed:
        pytest.fail(f"{document.name}: the fast reader read a document feedparser finds no feed in")
    if fast is not None:
        assert fast == reference


def test_fast_reader_reads_most_fixture_documents():
    read = [document.name for document in DOCUMENTS if read_well_formed(document.read_bytes()) is not None]
    # The corpus is full of deliberately broken documents; the well-formed UTF-8 ones go fast.
    assert len(read) >= len(DOCUMENTS) // 3


def _rss_item(inner: str, *, namespaces: str = "") -> bytes:
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0" {namespaces}><channel><title>T</title>'
        f"<link>https://outlet.example/</link><item>{inner}</item></channel></rss>"
    ).encode()


MEDIA = 'xmlns:media="http://search.yahoo.com/mrss/"'
CONTENT = 'xmlns:content="http://purl.org/rss/1.0/modules/content/"'
DC = 'xmlns:dc="http://purl.org/dc/elements/1.1/"'

TRICKY = {
    "media description alone is the summary": _rss_item(
        "<title>A</title><media:group><media:description>Deep text</media:description></media:group>",
        namespaces=MEDIA,
    ),
    "description before media description wins": _rss_item(
        "<title>A</title><description>First</description><media:description>Second</media:description>",
        namespaces=MEDIA,
    ),
    "content before description: description is the summary": _rss_item(
        "<title>A</title><content:encoded>&lt;p&gt;Body&lt;/p&gt;</content:encoded><description>Short</description>",
        namespaces=CONTENT,
    ),
    "content alone is the summary": _rss_item(
        "<title>A</title><content:encoded><![CDATA[<p>Only <b>body</b></p>]]></content:encoded>",
        namespaces=CONTENT,
    ),
    "media title does not replace the title": _rss_item(
        "<title>Real</title><media:title>Media</media:title>", namespaces=MEDIA
    ),
    "media title stands in for a missing title": _rss_item(
        "<media:content url='https://cdn.example/x.jpg'><media:title>Caption</media:title></media:content>"
        "<description>Text</description>",
        namespaces=MEDIA,
    ),
    "a second description becomes content": _rss_item(
        "<title>A</title><description>One</description><description>Two</description>"
    ),
    "guid is the link when there is none": _rss_item("<title>A</title><guid>https://outlet.example/a</guid>"),
    "a guid that is not a permalink is neither resolved nor the link": _rss_item(
        "<title>A</title><guid isPermaLink='false'>story-17</guid>"
    ),
    "a relative permalink guid is resolved": _rss_item("<title>A</title><guid>/story/18</guid>"),
    "double-escaped ampersands in a link": _rss_item(
        "<title>A</title><link>https://outlet.example/a?x=1&amp;amp;ref=rss</link>"
    ),
    "dc:date after pubDate is the updated date": _rss_item(
        "<title>A</title><pubDate>Mon, 06 May 2024 09:00:00 GMT</pubDate><dc:date>2024-05-07T10:00:00Z</dc:date>",
        namespaces=DC,
    ),
    "unparseable pubDate falls back to dc:date": _rss_item(
        "<title>A</title><pubDate>yesterday-ish</pubDate><dc:date>2024-05-07T10:00:00+02:00</dc:date>",
        namespaces=DC,
    ),
    "dc:title is a title": _rss_item("<dc:title>Dublin</dc:title>", namespaces=DC),
    "cp1252 control characters are mapped": _rss_item("<title>It\u0092s a \u0093quote\u0094</title>"),
    "atom: id before link, link wins": (
        b'<feed xmlns="http://www.w3.org/2005/Atom"><title>F</title><link href="https://outlet.example/"/>'
        b"<entry><id>https://outlet.example/id/1</id><title type='html'>&lt;b&gt;Bold&lt;/b&gt; news</title>"
        b"<link rel='alternate' type='text/html' href='https://outlet.example/story/1'/>"
        b"<link rel='enclosure' href='https://outlet.example/a.mp3'/>"
        b"<summary>S</summary><published>2024-05-06T09:00:00Z</published></entry></feed>"
    ),
    "atom: relative link resolved against the base": (
        b'<feed xmlns="http://www.w3.org/2005/Atom"><title>F</title>'
        b"<entry><id>urn:uuid:1</id><title>T</title><link href='/story/2'/></entry></feed>"
    ),
    "xml:base on the root resolves links and permalink guids": (
        b'<rss version="2.0" xml:base="https://outlet.example/section/"><channel><title>B</title><link>/</link>'
        b"<item><title>T</title><link>story/1</link><guid>../id/1</guid></item>"
        b"<item><title>U</title><guid isPermaLink='false'>id-2</guid></item></channel></rss>"
    ),
    "rss 1.0 item about is its id": (
        b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/">'
        b"<channel rdf:about='https://outlet.example/'><title>R</title><link>https://outlet.example/</link></channel>"
        b"<item rdf:about='https://outlet.example/r/1'><title>One</title><link>https://outlet.example/r/1</link>"
        b"<description>D</description></item></rdf:RDF>"
    ),
}


@pytest.mark.parametrize("base_url", BASE_URLS, ids=["no-base", "with-base"])
@pytest.mark.parametrize("case", list(TRICKY), ids=list(TRICKY))
def test_fast_reader_follows_feedparser_rules(case: str, base_url: str):
    fast, reference = _both(TRICKY[case], base_url)
    assert fast is not None, "the fast reader should read this well-formed document itself"
    assert fast == reference


@pytest.mark.parametrize(
    "body",
    [
        _rss_item("<title>A</title>").replace(b'encoding="utf-8"', b'encoding="iso-8859-1"'),
        _rss_item("<title>A &amp; B</title>").replace(b"</channel></rss>", b"</channel>"),
        b'<?xml version="1.0"?><!DOCTYPE rss SYSTEM "http://my.netscape.com/publish/formats/rss-0.91.dtd">'
        b'<rss version="0.91"><channel><title>T</title><item><title>A&nbsp;B</title></item></channel></rss>',
        _rss_item("<title>A</title><fullitem>Body</fullitem>"),
        b'<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://outlet.example/"><title>F</title>'
        b"<entry xml:base='/news/'><title>T</title><link href='a'/></entry></feed>",
        b'<feed xmlns="http://www.w3.org/2005/Atom"><title>F</title>'
        b"<entry><title type='xhtml'><div xmlns='http://www.w3.org/1999/xhtml'>X</div></title></entry></feed>",
    ],
    ids=["latin-1", "truncated", "doctype", "fullitem", "nested-xml-base", "xhtml-title"],
)
def test_documents_the_fast_reader_cannot_match_go_to_feedparser(body: bytes):
    assert read_well_formed(body) is None
    parse_feed(body, fetched_at=FETCHED_AT)  # still parsed, by feedparser
