"""parse_feed against the fixture feeds, each carrying its own expectation."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ingest import errors, parse_feed

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "feeds"
FETCHED_AT = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)

CASES = sorted(FIXTURES.glob("*.xml"))


def _expectation(document: Path) -> dict:
    return json.loads(document.with_suffix(".expected.json").read_text(encoding="utf-8"))


def _case(document: Path) -> pytest.ParameterSet:
    """One fixture as a test case; a `known_bug` in its expectation makes it a strict expected failure."""
    known_bug = _expectation(document).get("known_bug") if document.with_suffix(".expected.json").exists() else None
    marks = [pytest.mark.xfail(strict=True, reason=known_bug)] if known_bug else []
    return pytest.param(document, id=document.stem, marks=marks)


def test_every_fixture_feed_has_an_expectation():
    assert len(CASES) >= 100
    missing = [case.name for case in CASES if not case.with_suffix(".expected.json").exists()]
    assert missing == []


@pytest.mark.parametrize("document", [_case(document) for document in CASES])
def test_fixture_feed_parses_as_its_expectation_says(document: Path):
    expected = _expectation(document)
    body = document.read_bytes()
    base_url = expected.get("base_url", "")

    if "raises" in expected:
        with pytest.raises(getattr(errors, expected["raises"])) as raised:
            parse_feed(body, fetched_at=FETCHED_AT, base_url=base_url)
        assert expected["message_contains"] in str(raised.value)
        return

    parsed = parse_feed(body, fetched_at=FETCHED_AT, base_url=base_url)

    assert parsed.title == expected["title"]
    assert parsed.link == expected["link"]
    assert parsed.items_seen == expected["items_seen"]
    assert parsed.fetched_at == FETCHED_AT
    if "error_contains" in expected:
        assert parsed.error is not None
        for fragment in expected["error_contains"]:
            assert fragment in parsed.error
    else:
        assert parsed.error == expected["error"]
    actual_articles = [
        {
            "guid": article.guid,
            "url": article.url,
            "title": article.title,
            "summary": article.summary,
            "published_at": article.published_at.isoformat() if article.published_at else None,
        }
        for article in parsed.articles
    ]
    assert actual_articles == expected["articles"]


def test_published_dates_are_timezone_aware_utc():
    parsed = parse_feed((FIXTURES / "rss2_basic.xml").read_bytes(), fetched_at=FETCHED_AT)

    assert all(article.published_at.tzinfo is UTC for article in parsed.articles if article.published_at)


def test_updated_stands_in_when_an_entry_has_no_published_date():
    body = b"""<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>
    <entry><id>x</id><title>Only updated</title><updated>2024-01-02T03:04:05Z</updated></entry></feed>"""

    (article,) = parse_feed(body, fetched_at=FETCHED_AT).articles

    assert article.published_at == datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)


def test_an_empty_body_is_not_a_feed():
    with pytest.raises(errors.FeedMalformed, match="empty document"):
        parse_feed(b"", fetched_at=FETCHED_AT)


def test_plain_text_that_is_not_xml_is_not_a_feed():
    with pytest.raises(errors.FeedMalformed):
        parse_feed(b"Service temporarily unavailable", fetched_at=FETCHED_AT)


def test_an_item_with_neither_title_nor_summary_is_counted_but_not_kept():
    body = b"""<rss version="2.0"><channel><title>t</title>
    <item><guid>only-a-guid</guid></item><item><title>Readable</title></item></channel></rss>"""

    parsed = parse_feed(body, fetched_at=FETCHED_AT)

    assert parsed.items_seen == 2
    assert [article.title for article in parsed.articles] == ["Readable"]


def test_links_that_are_not_http_are_dropped_but_the_item_is_kept():
    body = b"""<rss version="2.0"><channel><title>t</title>
    <item><title>Odd link</title><link>javascript:alert(1)</link></item></channel></rss>"""

    (article,) = parse_feed(body, fetched_at=FETCHED_AT).articles

    assert article.url == ""
    assert article.title == "Odd link"


def test_a_document_past_the_item_cap_keeps_the_first_items_and_says_so(monkeypatch):
    import ingest.parsing

    monkeypatch.setattr(ingest.parsing, "MAX_ITEMS_PER_DOCUMENT", 3)
    items = b"".join(b"<item><guid>%d</guid><title>Story %d</title></item>" % (n, n) for n in range(5))
    body = b'<rss version="2.0"><channel><title>t</title>' + items + b"</channel></rss>"

    parsed = parse_feed(body, fetched_at=FETCHED_AT)

    assert [article.title for article in parsed.articles] == ["Story 0", "Story 1", "Story 2"]
    assert parsed.items_seen == 5
    assert parsed.error == "5 items; only the first 3 kept"


def test_entity_declarations_are_removed_before_parsing():
    body = b"""<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY boom "expanded">]>
    <rss version="2.0"><channel><title>t</title>
    <item><guid>1</guid><title>No &boom; here</title></item></channel></rss>"""

    parsed = parse_feed(body, fetched_at=FETCHED_AT)

    assert len(parsed.articles) == 1
    assert "expanded" not in parsed.articles[0].title
    assert parsed.error.startswith("entity declarations removed unread")


def test_a_plain_doctype_without_entities_is_left_alone():
    body = b"""<?xml version="1.0"?><!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN"
    "http://my.netscape.com/publish/formats/rss-0.91.dtd">
    <rss version="0.91"><channel><title>t</title><item><title>Old school</title></item></channel></rss>"""

    parsed = parse_feed(body, fetched_at=FETCHED_AT)

    assert [article.title for article in parsed.articles] == ["Old school"]
    assert parsed.error is None


def test_a_json_document_is_reported_as_json_not_as_broken_xml():
    with pytest.raises(errors.FeedMalformed, match=r"^a JSON document, not a feed$"):
        parse_feed(b'  {"status": "error", "message": "<html> is not allowed"}', fetched_at=FETCHED_AT)


def test_an_encoding_name_feedparser_cannot_look_up_is_refused_not_a_crash():
    # Found by the fuzz run (tests/integration/test_fuzz_parse_store.py).
    body = b'<?xml version="1.0" encoding="\x00utf-8"?><rdf:RDF xmlns'

    with pytest.raises(errors.FeedMalformed, match="not readable as a feed"):
        parse_feed(body, fetched_at=FETCHED_AT)


def test_a_character_reference_to_a_surrogate_becomes_the_replacement_character():
    body = b'<rss version="2.0"><channel><item><description>A &#xD800; B &#56320;</description></item></channel></rss>'

    (article,) = parse_feed(body, fetched_at=FETCHED_AT).articles

    assert article.summary == "A \ufffd B \ufffd"
