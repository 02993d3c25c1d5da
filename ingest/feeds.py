"""Fetching one feed over HTTP and parsing its bytes into the warehouse's row types.

feedparser's untyped dicts stop here: `parse_feed` turns them into `FetchedArticle`
rows, and `fetch_feed` turns every HTTP outcome (including timeouts and refusals)
into one `FetchResult`, so the scheduler never has to catch network exceptions.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
import xml.sax
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from importlib import metadata
from typing import Any

import feedparser
import feedparser.exceptions
import httpx
from selectolax.lexbor import LexborHTMLParser

from ingest.errors import FeedMalformed, FeedUnavailable
from ingest.text import plain_text
from ingest.urls import canonical_url, require_http_url
from warehouse import Feed, FetchedArticle, FetchOutcome, FetchResult

__all__ = [
    "DEFAULT_MAX_BODY_BYTES",
    "DEFAULT_TIME_LIMIT_SECONDS",
    "MAX_ITEMS_PER_DOCUMENT",
    "UNCONDITIONAL_AFTER",
    "USER_AGENT",
    "ParsedFeed",
    "fetch_feed",
    "make_client",
    "parse_feed",
]

logger = logging.getLogger(__name__)


def _package_version() -> str:
    try:
        return metadata.version("newstally")
    except metadata.PackageNotFoundError:
        # Running from a source tree that was never installed.
        return "dev"


USER_AGENT = f"newstally/{_package_version()} (+https://github.com/newstally/newstally)"

# Real feeds are well under 2 MB; anything near the cap is a misconfigured server
# or a hostile one, and reading it all would only cost memory.
DEFAULT_MAX_BODY_BYTES = 20 * 1024 * 1024
# httpx's timeouts bound each read, not the whole response: a server trickling one
# byte a second would never trip them. This bounds the whole exchange.
DEFAULT_TIME_LIMIT_SECONDS = 60.0

# Some servers keep one ETag after the feed changed and answer 304 for ever; after
# this long a run of 304s, the next request carries no validators.
UNCONDITIONAL_AFTER = timedelta(hours=24)
_PERMANENT_REDIRECTS = frozenset({301, 308})
_RETRY_LATER = frozenset({429, 503})

_CONNECT_TIMEOUT_SECONDS = 10.0
_READ_TIMEOUT_SECONDS = 30.0
_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/rdf+xml;q=0.9, "
    "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
)

# A DOCTYPE with an internal subset declaring entities: feeds have no use for one,
# and it is how XXE (external entities reading local files) and billion-laughs
# (nested entities expanding to gigabytes) attacks work. expat refuses external
# entities and caps amplification, but only after seconds of expanding.
_INTERNAL_SUBSET = re.compile(rb"<!DOCTYPE[^\[>]*\[.*?\]\s*>", re.DOTALL | re.IGNORECASE)
_PROLOG_BYTES = 65536
# Real feeds carry tens of items, archives a few thousand; past this a document is
# a runaway generator, and the rest of it would only cost memory and time.
MAX_ITEMS_PER_DOCUMENT = 20_000

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


def parse_feed(body: bytes, *, fetched_at: datetime, base_url: str = "") -> ParsedFeed:
    """Parse an RSS 0.9x/1.0/2.0 or Atom document given as raw bytes.

    The bytes go to feedparser untouched so that it, not us, decides the encoding
    from the XML declaration and byte-order mark. Relative links resolve against
    `base_url`. A document that is partly broken keeps the items that parsed and
    says what is wrong in `error`.

    Entity declarations are removed before parsing, so entity attacks cost nothing.

    Raises FeedMalformed when there is no feed at all: an empty body, an HTML page,
    an XML document of another kind, or a feed so truncated that nothing is left.
    """
    body, declared_entities = _without_entity_declarations(body)
    headers = {"content-type": "application/xml"}
    if base_url:
        headers["content-location"] = base_url
    # No sanitising: nothing is ever rendered, and plain_text drops scripts and tags anyway.
    parsed: Any = feedparser.parse(body, response_headers=headers, sanitize_html=False)
    entries = parsed.get("entries", [])
    problem = _bozo_text(parsed)
    broken_xml = isinstance(parsed.get("bozo_exception"), xml.sax.SAXParseException)
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
    if declared_entities:
        problem = "; ".join(filter(None, ["entity declarations removed unread", problem]))
    if len(readable) > MAX_ITEMS_PER_DOCUMENT:
        problem = "; ".join(
            filter(None, [problem, f"{len(readable):,} items; only the first {MAX_ITEMS_PER_DOCUMENT:,} kept"])
        )
        readable = readable[:MAX_ITEMS_PER_DOCUMENT]
    articles = tuple(article for entry in readable if (article := _article_from_entry(entry)) is not None)
    channel = parsed.get("feed", {})
    link = _field(channel, "link")
    return ParsedFeed(
        title=plain_text(_field(channel, "title")),
        link=canonical_url(link) if _is_http(link) else "",
        articles=articles,
        error=problem,
        items_seen=len(entries),
        fetched_at=fetched_at,
    )


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


def _article_from_entry(entry: dict[str, Any]) -> FetchedArticle | None:
    """One feed item as a row, or None when it has neither a title nor a summary to read."""
    guid = _field(entry, "id").strip()
    link = _field(entry, "link").strip()
    url = canonical_url(link) if _is_http(link) else ""
    title = plain_text(_field(entry, "title"))
    summary = plain_text(_field(entry, "summary") or _first_content(entry))
    if not (title or summary):
        return None
    published = dict.get(entry, "published_parsed") or dict.get(entry, "updated_parsed")
    return FetchedArticle(guid=guid, url=url, title=title, summary=summary, published_at=_utc_datetime(published))


def _field(record: dict[str, Any], key: str) -> str:
    # dict.get, not FeedParserDict.get: the latter maps missing keys onto others
    # (updated -> published) with a DeprecationWarning, and we want only what is there.
    value = dict.get(record, key)
    return value if isinstance(value, str) else ""


def _first_content(entry: dict[str, Any]) -> str:
    contents = dict.get(entry, "content") or []
    return _field(contents[0], "value") if contents else ""


def _utc_datetime(parsed_time: time.struct_time | None) -> datetime | None:
    """feedparser's UTC struct_time as an aware datetime; None when absent or impossible."""
    if parsed_time is None:
        return None
    try:
        return datetime(*parsed_time[:6], tzinfo=UTC)
    except (TypeError, ValueError, OverflowError):
        return None


def _is_http(url: str) -> bool:
    try:
        require_http_url(url)
    except FeedMalformed:
        return False
    return True


def make_client(*, user_agent: str = USER_AGENT) -> httpx.Client:
    """An HTTP client for feeds: follows redirects, names itself, bounded connect and read times.

    One client is shared by all fetches of a pass so connections to a host are reused.
    """
    return httpx.Client(
        follow_redirects=True,
        max_redirects=5,
        headers={"User-Agent": user_agent, "Accept": _ACCEPT},
        timeout=httpx.Timeout(_READ_TIMEOUT_SECONDS, connect=_CONNECT_TIMEOUT_SECONDS),
    )


@dataclass
class _Transfer:
    """What is known so far about one HTTP exchange; filled in as it proceeds."""

    status_code: int | None = None
    etag: str | None = None
    last_modified: str | None = None
    final_url: str = ""
    body: bytes = b""
    cut_off_at_bytes: int | None = None  # set when the body was longer than the cap
    moved_to: str | None = None  # where the leading permanent redirects (301/308) led
    retry_after: datetime | None = None  # UTC; from Retry-After on a 429 or 503


def fetch_feed(
    feed: Feed,
    client: httpx.Client,
    *,
    now: datetime,
    time_limit_seconds: float = DEFAULT_TIME_LIMIT_SECONDS,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
) -> FetchResult:
    """Fetch a feed politely and classify what happened. Never raises for network trouble.

    The request is conditional on the feed's stored ETag and Last-Modified, unless
    the feed has answered 304 for `UNCONDITIONAL_AFTER`; a 200 whose body hashes
    to the stored content hash counts as not modified without being parsed, and
    one whose body differs is parsed whatever its ETag says. Timeouts, refused
    connections, 5xx and 429 are transient errors; 404, 410, other 4xx, bad URLs
    and documents that are not feeds are permanent. A successful fetch reached
    through permanent redirects only says so in `moved_to`; a 429 or 503 passes
    on its Retry-After as `retry_after`.
    """
    started = time.monotonic()
    transfer = _Transfer()
    conditional = feed.not_modified_since is None or now - feed.not_modified_since < UNCONDITIONAL_AFTER
    try:
        require_http_url(feed.url)
        _download(
            feed,
            client,
            transfer,
            deadline=started + time_limit_seconds,
            max_body_bytes=max_body_bytes,
            conditional=conditional,
            now=now,
        )
        _raise_for_status(feed.url, transfer.status_code)
        if transfer.status_code == httpx.codes.NOT_MODIFIED:
            return _not_modified(feed, transfer, now, started, content_hash=feed.content_hash)
        content_hash = hashlib.sha256(transfer.body).hexdigest()
        if content_hash == feed.content_hash:
            return _not_modified(feed, transfer, now, started, content_hash=content_hash)
        parsed = parse_feed(transfer.body, fetched_at=now, base_url=transfer.final_url or feed.url)
    except FeedUnavailable as error:
        return _failure(feed, transfer, now, started, FetchOutcome.TRANSIENT_ERROR, error)
    except FeedMalformed as error:
        return _failure(feed, transfer, now, started, FetchOutcome.PERMANENT_ERROR, error)
    problems = [parsed.error] if parsed.error else []
    if transfer.cut_off_at_bytes is not None:
        problems.insert(0, f"body cut off at {transfer.cut_off_at_bytes:,} bytes")
    return FetchResult(
        feed_id=feed.feed_id,
        started_at=now,
        outcome=FetchOutcome.PARTIAL if problems else FetchOutcome.NEW_CONTENT,
        duration_ms=_elapsed_ms(started),
        status_code=transfer.status_code,
        bytes_received=len(transfer.body),
        error="; ".join(problems) or None,
        etag=transfer.etag,
        last_modified=transfer.last_modified,
        content_hash=content_hash,
        articles=parsed.articles,
        items_seen=parsed.items_seen,
        moved_to=transfer.moved_to,
    )


def _download(
    feed: Feed,
    client: httpx.Client,
    transfer: _Transfer,
    *,
    deadline: float,
    max_body_bytes: int,
    conditional: bool,
    now: datetime,
) -> None:
    """GET the feed into `transfer`, converting transport failures into ingest errors."""
    headers = {}
    if feed.etag and conditional:
        headers["If-None-Match"] = feed.etag
    if feed.last_modified and conditional:
        headers["If-Modified-Since"] = feed.last_modified
    limit_seconds = max(deadline - time.monotonic(), 0.001)
    timeout = httpx.Timeout(
        min(client.timeout.read or limit_seconds, limit_seconds),
        connect=min(client.timeout.connect or limit_seconds, limit_seconds),
    )
    try:
        with client.stream("GET", feed.url, headers=headers, timeout=timeout) as response:
            transfer.status_code = response.status_code
            transfer.final_url = str(response.url)
            transfer.etag = response.headers.get("ETag")
            transfer.last_modified = response.headers.get("Last-Modified")
            transfer.moved_to = _permanent_destination(feed.url, response)
            if response.status_code in _RETRY_LATER:
                transfer.retry_after = retry_after_time(response.headers.get("Retry-After"), now=now)
            if response.is_success:
                _read_body(response, transfer, deadline=deadline, max_body_bytes=max_body_bytes)
    except httpx.TimeoutException as error:
        raise FeedUnavailable(f"{feed.url}: timed out ({type(error).__name__})") from error
    except httpx.TooManyRedirects as error:
        raise FeedMalformed(f"{feed.url}: too many redirects") from error
    except (httpx.UnsupportedProtocol, httpx.InvalidURL) as error:
        raise FeedMalformed(f"{feed.url}: {error}") from error
    except httpx.RequestError as error:
        # Connection failures, resets, protocol errors, and bodies that fail to
        # decompress (usually a transfer cut short): all worth another try later.
        raise FeedUnavailable(f"{feed.url}: {type(error).__name__}: {error or 'connection failed'}") from error


def _permanent_destination(url: str, response: httpx.Response) -> str | None:
    """The URL the leading permanent redirects led to, or None when the first hop was not one.

    Only the permanent prefix of the chain counts: after 301 → 302 → 200 the feed
    has moved to the 302's URL, which may itself hand out temporary answers.
    """
    hops = [*response.history, response]
    permanent = 0
    while permanent < len(response.history) and hops[permanent].status_code in _PERMANENT_REDIRECTS:
        permanent += 1
    if permanent == 0:
        return None
    destination = str(hops[permanent].request.url)
    return destination if destination != url and _is_http(destination) else None


def retry_after_time(value: str | None, *, now: datetime) -> datetime | None:
    """A Retry-After header (seconds, or an HTTP date) as a UTC time; None when absent or unreadable."""
    if not value:
        return None
    text = value.strip()
    if text.isdigit():
        return now + timedelta(seconds=int(text))
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def _read_body(response: httpx.Response, transfer: _Transfer, *, deadline: float, max_body_bytes: int) -> None:
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        if time.monotonic() > deadline:
            raise FeedUnavailable(f"{response.url}: response not complete within the time limit")
        chunks.append(chunk)
        size += len(chunk)
        if size > max_body_bytes:
            transfer.cut_off_at_bytes = max_body_bytes
            break
    transfer.body = b"".join(chunks)[:max_body_bytes]


def _raise_for_status(url: str, status_code: int | None) -> None:
    if status_code is None or status_code < 300 or status_code == httpx.codes.NOT_MODIFIED:
        return
    # 408 and 429 ask us to come back later; so does any server-side failure.
    if status_code >= 500 or status_code in (httpx.codes.REQUEST_TIMEOUT, httpx.codes.TOO_MANY_REQUESTS):
        raise FeedUnavailable(f"{url}: HTTP {status_code}")
    raise FeedMalformed(f"{url}: HTTP {status_code}")


def _not_modified(
    feed: Feed, transfer: _Transfer, now: datetime, started: float, *, content_hash: str | None
) -> FetchResult:
    # A 304 need not repeat the validators; keep the stored ones so the next request is conditional too.
    return FetchResult(
        feed_id=feed.feed_id,
        started_at=now,
        outcome=FetchOutcome.NOT_MODIFIED,
        duration_ms=_elapsed_ms(started),
        status_code=transfer.status_code,
        bytes_received=len(transfer.body),
        etag=transfer.etag or feed.etag,
        last_modified=transfer.last_modified or feed.last_modified,
        content_hash=content_hash,
        moved_to=transfer.moved_to,
    )


def _failure(
    feed: Feed, transfer: _Transfer, now: datetime, started: float, outcome: FetchOutcome, error: Exception
) -> FetchResult:
    # The stored validators and hash describe the last good copy; a failure must not erase them.
    return FetchResult(
        feed_id=feed.feed_id,
        started_at=now,
        outcome=outcome,
        duration_ms=_elapsed_ms(started),
        status_code=transfer.status_code,
        bytes_received=len(transfer.body),
        error=str(error),
        etag=feed.etag,
        last_modified=feed.last_modified,
        content_hash=feed.content_hash,
        retry_after=transfer.retry_after,
    )


def _elapsed_ms(started: float) -> int:
    return round((time.monotonic() - started) * 1000)
