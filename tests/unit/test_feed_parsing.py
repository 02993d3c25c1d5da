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


def test_every_fixture_feed_has_an_expectation():
    assert len(CASES) >= 10
    missing = [case.name for case in CASES if not case.with_suffix(".expected.json").exists()]
    assert missing == []


@pytest.mark.parametrize("document", CASES, ids=[case.stem for case in CASES])
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
