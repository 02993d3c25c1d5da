"""Parsing a feed document's bytes into the warehouse's row types.

Two readers produce the same raw items. The fast one (`ingest.xml_reader`, lxml)
takes well-formed RSS 2.0/0.9x, RSS 1.0 and Atom 1.0 documents and declines
everything else; feedparser takes what it declines: broken XML, odd encodings,
Atom 0.3, unknown dialects. Both hand `RawEntry` values to one cleaning step, so
the stored article does not depend on which reader read it; a test checks the two
agree on every fixture document.

feedparser's untyped dicts stop here: nothing untyped leaves this module.
"""

from __future__ import annotations

import logging
import re
import time
import xml.sax
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

import feedparser
import feedparser.exceptions
from selectolax.lexbor import LexborHTMLParser

from ingest.compression import GZIP_MAGIC, gunzipped
from ingest.dates import usable_date
from ingest.encoding import in_declared_encoding
from ingest.errors import FeedMalformed, FeedUnavailable
from ingest.json_feed import is_json_document, read_json_feed
from ingest.raw import RawEntry, RawFeed
from ingest.text import plain_text
from ingest.urls import canonical_url, require_http_url
from ingest.xml_reader import read_well_formed
from warehouse import FetchedArticle, KeyedArticles

__all__ = ["MAX_ITEMS_PER_DOCUMENT", "ParsedFeed", "parse_feed", "parse_with_feedparser"]

logger = logging.getLogger(__name__)

# A DOCTYPE with an internal subset declaring entities: feeds have no use for one,
# and it is how XXE (external entities reading local files) and billion-laughs
# (nested entities expanding to gigabytes) attacks work. expat refuses external
# entities and caps amplification, but only after seconds of expanding.
_INTERNAL_SUBSET = re.compile(rb"<!DOCTYPE[^\[>]*\[.*?\]\s*>", re.DOTALL | re.IGNORECASE)
_PROLOG_BYTES = 65536
_CHARACTER_REFERENCE = re.compile(rb"&#([xX][0-9a-fA-F]{1,8}|[0-9]{1,10});")
# Real feeds carry tens of items, archives a few thousand; past this a document is
# a runaway generator, and the rest of it would only cost memory and time.
MAX_ITEMS_PER_DOCUMENT = 20_000
# Where an item may start: every start tag either reader could take for an item or an
# entry (any prefix, any case) matches, and some that neither would (text inside CDATA).
# Counting them costs a scan of the bytes; reading the items costs a thousand times more.
_ITEM_START = re.compile(rb"<(?:[^\s<>/:!?]+:)?(?:item|entry)(?=[\s/>])", re.IGNORECASE)

# A link that require_http_url would accept, recognised without splitting it.
_PLAIN_HTTP_LINK = re.compile(r"https?://[A-Za-z0-9.-]+(?:[:/?#]|$)")

# feedparser flags these as "bozo" although the items it read are sound.
_HARMLESS_BOZO = (feedparser.exceptions.NonXMLContentType, feedparser.exceptions.UndeclaredNamespace)


@dataclass(frozen=True)
class ParsedFeed:
    """What one feed document held, already converted to warehouse rows."""

    title: str  # plain text; "" when the feed has none
    link: str  # the outlet's homepage as the feed states it; "" when none
    articles: tuple[FetchedArticle, ...]
    error: str | None  # why the document is partly broken; its readable items are still in `articles`
    items_seen: int  # items in the document, including any too empty to keep
    fetched_at: datetime  # UTC; when the bytes were fetched, as `store_articles` wants it
    # The document's own time, UTC: RSS lastBuildDate (else the channel's pubDate), Atom's updated; None when none.
    updated_at: datetime | None = None
    # The articles keyed for storing where they were parsed (ingest.workers); `articles` is then empty.
    keyed: KeyedArticles | None = None
    # Reading stopped at the deadline: `articles` are the items read by then, the rest was never read.
    timed_out: bool = False


def parse_feed(body: bytes, *, fetched_at: datetime, base_url: str = "", deadline: float | None = None) -> ParsedFeed:
    """Parse an RSS 0.9x/1.0/2.0, Atom or JSON Feed (1.0, 1.1) document given as raw bytes.

    The bytes go to the parsers untouched so that they, not we, decide the encoding
    from the XML declaration and byte-order mark. Relative links resolve against
    `base_url`. A document that is partly broken keeps the items that parsed and
    says what is wrong in `error`.

    Gzip-compressed bytes (a body saved as it came over the wire) are decompressed
    first; when they were cut off, `error` says so. Entity declarations are removed
    before parsing, so entity attacks cost nothing.
    A document declared as UTF-8 but written in another encoding is read in the one
    it really uses (ingest.encoding), and `error` says so.

    Only the first `MAX_ITEMS_PER_DOCUMENT` items are read, by either reader: the bytes
    from the start tag of the next one on are never parsed, and `error` says how many
    items the document seems to hold. `deadline` (a `time.monotonic()` value, the fetch's)
    stops the fast reader, keeping the items read by then (`timed_out`); feedparser, which
    cannot be stopped, is not started after it.

    Raises FeedMalformed when there is no feed at all: an empty body, an HTML page,
    an XML document of another kind, or a feed so truncated that nothing is left.
    Raises FeedUnavailable when the deadline passed before any item was read.
    """
    cut_off = None
    if body.startswith(GZIP_MAGIC):
        try:
            body, cut_off = gunzipped(body)
        except ValueError as error:
            raise FeedMalformed(str(error)) from error
    try:
        raw = _raw_feed(body, deadline)
    except FeedMalformed as error:
        if cut_off:
            raise FeedMalformed(f"{cut_off}; {error}") from error
        raise
    if raw.timed_out and not raw.entries:
        raise FeedUnavailable("the time limit ran out while parsing, before any item was read")
    if cut_off:
        raw = raw.with_problem(cut_off, first=True)
    return _parsed_feed(raw, fetched_at, base_url=base_url)


def _raw_feed(body: bytes, deadline: float | None = None) -> RawFeed:
    cap = MAX_ITEMS_PER_DOCUMENT
    if is_json_document(body):
        return read_json_feed(body, max_items=cap)
    body, declared_entities = _without_entity_declarations(body)
    body = _without_surrogate_references(body)
    body, misdeclared = in_declared_encoding(body)
    item_tags, cut = _item_cut(body, cap)
    raw = None if declared_entities else read_well_formed(body, cut=cut, max_items=cap, deadline=deadline)
    if raw is None:
        if deadline is not None and time.monotonic() > deadline:
            return RawFeed(title="", link="", entries=(), items_seen=0, timed_out=True)
        raw = parse_with_feedparser(body if cut is None else body[:cut], cut_short=cut is not None)
    if raw.cut_at_cap:
        # Items past the cap are counted by their start tags, not read.
        raw = replace(raw, items_seen=max(item_tags, len(raw.entries) + 1))
    if misdeclared:
        raw = raw.with_problem(misdeclared, first=True)
    if declared_entities:
        raw = raw.with_problem("entity declarations removed unread", first=True)
    return raw


def _item_cut(body: bytes, cap: int) -> tuple[int, int | None]:
    """How many item start tags the bytes seem to hold, and where the one past the cap starts (None within it)."""
    starts = _ITEM_START.finditer(body)
    for number, start in enumerate(starts, start=1):
        if number > cap:
            return number + sum(1 for _ in starts), start.start()
    return 0, None


def parse_with_feedparser(body: bytes, *, cut_short: bool = False) -> RawFeed:
    """The reference reader: feedparser, for every document the fast reader declines.

    feedparser is given no base URL: it would resolve guids against it too, and a
    guid such as "story-17" would become a different identity whenever the feed
    moved. Links are resolved against the fetch URL after reading, for both readers.

    `cut_short`: the bytes were cut before the start tag of the item past the cap, so
    the XML ending there unclosed is no fault of the document's.

    Raises FeedMalformed when the document holds no feed.
    """
    headers = {"content-type": "application/xml"}
    # No sanitising and no resolving of links inside HTML: nothing is ever rendered, and
    # plain_text drops tags anyway. Both rewrite the HTML through sgmllib, which turns an
    # entity it does not know ("&lpar;", HTML5's) into "&amp;lpar", losing its semicolon.
    try:
        parsed: Any = feedparser.parse(body, response_headers=headers, sanitize_html=False, resolve_relative_uris=False)
    except (ValueError, LookupError, UnicodeError) as error:
        # feedparser's own crashes on hostile bytes (an encoding name with a NUL in it, say).
        raise FeedMalformed(f"not readable as a feed: {type(error).__name__}: {error}") from error
    entries = parsed.get("entries", [])
    problem = _bozo_text(parsed)
    broken_xml = isinstance(parsed.get("bozo_exception"), xml.sax.SAXParseException)
    if cut_short and broken_xml and _ran_out(parsed["bozo_exception"]):
        problem = None
    if not entries and (not parsed.get("version") or broken_xml):
        raise FeedMalformed(_not_a_feed_reason(body, problem))
    if entries and not parsed.get("version"):
        problem = problem or "not a recognised RSS or Atom document"
    readable = entries
    if broken_xml and _last_item_unclosed(body, len(entries)):
        # The item being read when the bytes ran out is incomplete (a title cut
        # mid-word, a link cut short). Stored, it would win over the complete
        # item for good: the next full read dedupes against it by guid.
        readable = entries[:-1]
        problem = f"{problem}; the last item was cut off and skipped"
    channel = parsed.get("feed", {})
    return RawFeed(
        title=_field(channel, "title"),
        link=_field(channel, "link"),
        entries=tuple(_raw_entry(entry) for entry in readable),
        items_seen=len(entries),
        problem=problem,
        updated=usable_date(dict.get(channel, "updated_parsed")) or usable_date(dict.get(channel, "published_parsed")),
        cut_at_cap=cut_short,
    )


def _ran_out(error: xml.sax.SAXParseException) -> bool:
    """Whether expat's complaint is only that the bytes ended with elements open, as a cut leaves them."""
    return error.getMessage() == "no element found"


def _parsed_feed(raw: RawFeed, fetched_at: datetime, *, base_url: str = "") -> ParsedFeed:
    entries: Sequence[RawEntry] = raw.entries
    problem = raw.problem
    if raw.cut_at_cap or len(entries) > MAX_ITEMS_PER_DOCUMENT:
        seen = max(raw.items_seen, len(entries))
        problem = "; ".join(filter(None, [problem, f"{seen:,} items; only the first {MAX_ITEMS_PER_DOCUMENT:,} kept"]))
        entries = entries[:MAX_ITEMS_PER_DOCUMENT]
    feed_link = _absolute(raw.link, base_url)
    return ParsedFeed(
        title=plain_text(raw.title),
        link=canonical_url(feed_link) if _is_http(feed_link) else "",
        articles=tuple(article for entry in entries if (article := _article(entry, base_url)) is not None),
        error=problem,
        items_seen=raw.items_seen,
        fetched_at=fetched_at,
        updated_at=_utc_datetime(raw.updated),
        timed_out=raw.timed_out,
    )


def _article(entry: RawEntry, base_url: str) -> FetchedArticle | None:
    """One feed item as a row, or None when it has neither a title nor a summary to read."""
    link = _absolute(entry.link.strip(), base_url)
    title = plain_text(entry.title)
    summary = plain_text(entry.summary)
    if not (title or summary):
        return None
    return FetchedArticle(
        guid=entry.guid.strip(),
        url=canonical_url(link) if _is_http(link) else "",
        title=title,
        summary=summary,
        published_at=_utc_datetime(entry.published or entry.updated),
    )


def _raw_entry(entry: dict[str, Any]) -> RawEntry:
    return RawEntry(
        guid=_field(entry, "id"),
        link=_field(entry, "link"),
        title=_field(entry, "title"),
        summary=_field(entry, "summary") or _first_content(entry),
        published=usable_date(dict.get(entry, "published_parsed")),
        updated=usable_date(dict.get(entry, "updated_parsed")),
    )


def _absolute(link: str, base_url: str) -> str:
    """A relative link resolved against the URL the document came from."""
    if not link or not base_url or "://" in link[:12]:
        return link
    try:
        return urljoin(base_url, link)
    except ValueError:
        return ""


def _without_surrogate_references(body: bytes) -> bytes:
    """The document with character references to UTF-16 surrogates (&#xD800;) replaced by U+FFFD.

    They name no character; XML forbids them, and feedparser's lenient reader crashes
    encoding one. A replacement character keeps the rest of the text readable.
    """
    if b"&#" not in body:
        return body
    return _CHARACTER_REFERENCE.sub(_replace_surrogate, body)


def _replace_surrogate(reference: re.Match[bytes]) -> bytes:
    text = reference.group(1)
    try:
        code = int(text[1:], 16) if text[:1] in (b"x", b"X") else int(text)
    except ValueError:
        return reference.group(0)
    return b"&#xFFFD;" if 0xD800 <= code <= 0xDFFF else reference.group(0)


def _without_entity_declarations(body: bytes) -> tuple[bytes, bool]:
    """The document without a DOCTYPE internal subset that declares entities, and whether it had one."""
    found = _INTERNAL_SUBSET.search(body, 0, _PROLOG_BYTES)
    if found is None or b"<!ENTITY" not in found.group(0).upper():
        return body, False
    return body[: found.start()] + body[found.end() :], True


def _bozo_text(parsed: Mapping[str, Any]) -> str | None:
    """A one-line account of feedparser's complaint, or None when there is none worth keeping."""
    if not parsed.get("bozo"):
        return None
    exception = parsed.get("bozo_exception")
    if isinstance(exception, _HARMLESS_BOZO):
        return None
    if isinstance(exception, xml.sax.SAXParseException):
        return (
            f"not well-formed XML at line {exception.getLineNumber()}, "
            f"column {exception.getColumnNumber()}: {exception.getMessage()}"
        )
    if isinstance(exception, feedparser.exceptions.CharacterEncodingOverride):
        return f"wrong character encoding: {exception}"
    return f"{type(exception).__name__}: {exception}" if exception else "feedparser reported a problem"


def _last_item_unclosed(body: bytes, entry_count: int) -> bool:
    closed = body.count(b"</item>") + body.count(b"</entry>") + body.count(b":item>") + body.count(b":entry>")
    return closed < entry_count


def _not_a_feed_reason(body: bytes, problem: str | None) -> str:
    head = body[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if not head:
        return "empty document, not a feed"
    if head.startswith((b"<!doctype html", b"<html")) or b"<html" in head:
        title = _html_title(body)
        return f"an HTML page{f' ({title!r})' if title else ''}, not a feed"
    if problem:
        return f"no readable feed items: {problem}"
    return "no RSS or Atom feed in the document"


def _html_title(body: bytes) -> str:
    node = LexborHTMLParser(body[:65536].decode("utf-8", errors="replace")).css_first("title")
    return plain_text(node.text())[:120] if node is not None else ""


def _field(record: dict[str, Any], key: str) -> str:
    # dict.get, not FeedParserDict.get: the latter maps missing keys onto others
    # (updated -> published) with a DeprecationWarning, and we want only what is there.
    value = dict.get(record, key)
    return value if isinstance(value, str) else ""


def _first_content(entry: dict[str, Any]) -> str:
    contents = dict.get(entry, "content") or []
    return _field(contents[0], "value") if contents else ""


def _utc_datetime(parsed_time: time.struct_time | None) -> datetime | None:
    """A UTC struct_time as an aware datetime; None when absent or impossible."""
    if parsed_time is None:
        return None
    try:
        return datetime(*parsed_time[:6], tzinfo=UTC)
    except (TypeError, ValueError, OverflowError):
        return None


def _is_http(url: str) -> bool:
    if _PLAIN_HTTP_LINK.match(url):
        return True
    try:
        require_http_url(url)
    except FeedMalformed:
        return False
    return True
