"""A hostile feed costs a worker bounded time: reading stops at the item cap and at the fetch's deadline.

The bodies are built here: hundreds of thousands of tiny junk items, well-formed (the
fast lxml reader's case) or broken (feedparser's). CPU time is compared with reading
the same body whole in the same test, never with a wall-clock limit.
"""

from __future__ import annotations

import itertools
import json
import time
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

import ingest.parsing
import ingest.xml_reader
import warehouse
from ingest import FeedUnavailable, fetch_due, fetch_feed, parse_feed
from tests.integration.feed_server import respond
from warehouse import Feed, FetchOutcome

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)


def junk_rss(
    count: int, *, before_items: bytes = b"", prolog: bytes = b'<?xml version="1.0" encoding="UTF-8"?>'
) -> bytes:
    items = b"".join(b"<item><guid>j%d</guid><title>junk %d</title></item>" % (n, n) for n in range(count))
    return prolog + b'<rss version="2.0"><channel><title>Junk</title>' + before_items + items + b"</channel></rss>"


def cpu_seconds_to_parse(body: bytes) -> tuple[float, ingest.parsing.ParsedFeed]:
    started = time.process_time()
    parsed = parse_feed(body, fetched_at=NOW)
    return time.process_time() - started, parsed


def test_a_well_formed_body_of_300000_junk_items_is_read_only_up_to_the_cap(monkeypatch):
    body = junk_rss(300_000)

    capped_seconds, capped = cpu_seconds_to_parse(body)
    monkeypatch.setattr(ingest.parsing, "MAX_ITEMS_PER_DOCUMENT", 10**9)
    whole_seconds, whole = cpu_seconds_to_parse(body)

    assert [article.guid for article in capped.articles] == [f"j{n}" for n in range(20_000)]
    assert capped.items_seen == 300_000
    assert capped.error == "300,000 items; only the first 20,000 kept"
    assert len(whole.articles) == 300_000
    assert capped_seconds < whole_seconds / 4, (capped_seconds, whole_seconds)


def test_a_broken_body_of_junk_items_costs_feedparser_only_the_cap(monkeypatch):
    # An unclosed element before the items: lxml refuses the document, feedparser reads it.
    body = junk_rss(30_000, before_items=b"<junk>")
    monkeypatch.setattr(ingest.parsing, "MAX_ITEMS_PER_DOCUMENT", 1_000)

    capped_seconds, capped = cpu_seconds_to_parse(body)
    monkeypatch.setattr(ingest.parsing, "MAX_ITEMS_PER_DOCUMENT", 10**9)
    whole_seconds, whole = cpu_seconds_to_parse(body)

    assert [article.title for article in capped.articles] == [f"junk {n}" for n in range(1_000)]
    assert capped.items_seen == 30_000
    assert capped.error.endswith("30,000 items; only the first 1,000 kept")
    assert whole.error.startswith("not well-formed XML")  # the whole body really went to feedparser
    assert len(whole.articles) == 30_000
    assert capped_seconds < whole_seconds / 4, (capped_seconds, whole_seconds)


def test_a_well_formed_feed_feedparser_reads_is_cut_without_a_false_complaint(monkeypatch):
    # A DOCTYPE sends the document to feedparser; the cut leaves its XML unclosed, which is not the feed's fault.
    doctype = b'<?xml version="1.0"?><!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" "x.dtd">'
    monkeypatch.setattr(ingest.parsing, "MAX_ITEMS_PER_DOCUMENT", 3)

    parsed = parse_feed(junk_rss(10, prolog=doctype), fetched_at=NOW)

    assert [article.guid for article in parsed.articles] == ["j0", "j1", "j2"]
    assert (parsed.items_seen, parsed.error) == (10, "10 items; only the first 3 kept")


def test_items_inside_an_unknown_element_are_left_to_feedparser_at_the_cut(monkeypatch):
    # Cut and closed, the document would be well-formed with its items out of place; lxml must not read it so.
    monkeypatch.setattr(ingest.parsing, "MAX_ITEMS_PER_DOCUMENT", 3)

    parsed = parse_feed(junk_rss(10, before_items=b"<junk>"), fetched_at=NOW)

    assert [article.guid for article in parsed.articles] == ["j0", "j1", "j2"]


def test_atom_and_rss_1_documents_are_cut_at_the_cap_by_the_fast_reader(monkeypatch):
    monkeypatch.setattr(ingest.parsing, "MAX_ITEMS_PER_DOCUMENT", 2)
    entries = b"".join(b"<entry><id>a%d</id><title>Entry %d</title></entry>" % (n, n) for n in range(5))
    atom = b'<feed xmlns="http://www.w3.org/2005/Atom"><title>A</title>' + entries + b"</feed>"
    rdf_items = b"".join(b'<item rdf:about="http://x.test/%d"><title>Item %d</title></item>' % (n, n) for n in range(5))
    rdf = (
        b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/">'
        b'<channel rdf:about="http://x.test/"><title>R</title></channel>' + rdf_items + b"</rdf:RDF>"
    )
    read = []
    monkeypatch.setattr(ingest.parsing, "parse_with_feedparser", lambda *args, **kwargs: read.append(args))

    parsed_atom = parse_feed(atom, fetched_at=NOW)
    parsed_rdf = parse_feed(rdf, fetched_at=NOW)

    assert read == []  # feedparser was never asked
    assert [article.title for article in parsed_atom.articles] == ["Entry 0", "Entry 1"]
    assert [article.title for article in parsed_rdf.articles] == ["Item 0", "Item 1"]
    assert parsed_atom.error == parsed_rdf.error == "5 items; only the first 2 kept"


def test_a_json_feed_is_cut_at_the_cap(monkeypatch):
    monkeypatch.setattr(ingest.parsing, "MAX_ITEMS_PER_DOCUMENT", 2)
    body = json.dumps(
        {
            "version": "https://jsonfeed.org/version/1.1",
            "title": "J",
            "items": [{"id": str(n), "title": f"Item {n}"} for n in range(6)],
        }
    ).encode()

    parsed = parse_feed(body, fetched_at=NOW)

    assert [article.title for article in parsed.articles] == ["Item 0", "Item 1"]
    assert (parsed.items_seen, parsed.error) == (6, "6 items; only the first 2 kept")


def test_the_first_items_of_a_hostile_feed_are_stored_exactly_once(server, fresh_warehouse, monkeypatch):
    monkeypatch.setattr(ingest.parsing, "MAX_ITEMS_PER_DOCUMENT", 500)
    bodies = iter([junk_rss(50_000), junk_rss(50_000) + b"<!-- changed -->"])
    server.routes["/junk.xml"] = lambda handler: respond(handler, 200, next(bodies))
    warehouse.add_feed(fresh_warehouse, server.url("/junk.xml"), source_name="Junk")

    ((_, first, stored_first),) = fetch_due(fresh_warehouse, now=NOW)
    ((_, second, stored_second),) = fetch_due(fresh_warehouse, now=NOW, force=True)

    assert (first.outcome, first.items_seen, stored_first) == (FetchOutcome.PARTIAL, 50_000, 500)
    assert first.error == "50,000 items; only the first 500 kept"
    assert (second.outcome, stored_second) == (FetchOutcome.PARTIAL, 0)  # read again, nothing new
    assert warehouse.corpus_facts(fresh_warehouse).articles == 500


# --- the fetch's deadline covers parsing ------------------------------------------------------


def a_clock(*readings: float) -> SimpleNamespace:
    """A stand-in for the time module in the fast reader: these readings, then the last one for ever."""
    values = itertools.chain(readings, itertools.repeat(readings[-1]))
    return SimpleNamespace(monotonic=lambda: next(values))


def test_reading_stops_at_the_deadline_keeping_the_items_read(monkeypatch):
    monkeypatch.setattr(ingest.xml_reader, "time", a_clock(1.0, 2.0, 3.0, 4.0))

    parsed = parse_feed(junk_rss(2_000), fetched_at=NOW, deadline=3.0)

    # The clock is read every 256 items: at 0, 256 and 512 it is not past 3; at 768 it is.
    assert parsed.timed_out
    assert [article.guid for article in parsed.articles] == [f"j{n}" for n in range(768)]
    assert parsed.error == "reading stopped at the time limit after 768 of 2,000 items"


def test_a_deadline_passed_before_any_item_was_read_is_a_transient_error():
    already = time.monotonic() - 1
    doctype = b'<?xml version="1.0"?><!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" "x.dtd">'

    with pytest.raises(FeedUnavailable, match="time limit"):
        parse_feed(junk_rss(10), fetched_at=NOW, deadline=already)  # the fast reader
    with pytest.raises(FeedUnavailable, match="time limit"):
        parse_feed(junk_rss(10, prolog=doctype), fetched_at=NOW, deadline=already)  # feedparser is not started
    with pytest.raises(FeedUnavailable, match="time limit"):
        parse_feed(junk_rss(100_000), fetched_at=NOW, deadline=already)  # looking for the cut


def test_a_fetch_whose_parsing_ran_out_of_time_is_partial_and_read_again_next_time(server, client, monkeypatch):
    body = junk_rss(2_000)
    server.routes["/slow.xml"] = lambda handler: respond(handler, 200, body)
    feed = Feed(feed_id=7, source_id=1, source_name="Slow", url=server.url("/slow.xml"), title="", enabled=True)
    monkeypatch.setattr(ingest.xml_reader, "time", a_clock(0.0, 0.0, float("inf")))

    result = fetch_feed(feed, client, now=NOW)

    assert result.outcome is FetchOutcome.PARTIAL
    assert len(result.articles) == 512
    assert result.error == "reading stopped at the time limit after 512 of 2,000 items"
    assert result.content_hash is None  # not taken for unchanged next time: the body is read again

    monkeypatch.setattr(ingest.xml_reader, "time", a_clock(float("inf")))
    failed = fetch_feed(feed, client, now=NOW)

    assert failed.outcome is FetchOutcome.TRANSIENT_ERROR
    assert failed.error == "the time limit ran out while parsing, before any item was read"
