"""Fetching one feed over HTTP: conditional GET, caps, redirects, and every outcome classified.

`fetch_feed` turns every HTTP outcome (including timeouts and refusals) into one
`FetchResult`, so the scheduler never has to catch network exceptions; the bytes
it gets are parsed by `ingest.parsing.parse_feed`.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from importlib import metadata

import httpx

from ingest.errors import FeedMalformed, FeedUnavailable
from ingest.parsing import ParsedFeed, parse_feed
from ingest.urls import require_http_url
from warehouse import Feed, FetchOutcome, FetchResult

__all__ = [
    "DEFAULT_MAX_BODY_BYTES",
    "DEFAULT_TIME_LIMIT_SECONDS",
    "UNCONDITIONAL_AFTER",
    "USER_AGENT",
    "fetch_feed",
    "make_client",
]

logger = logging.getLogger(__name__)

# parse_feed's signature: (body, *, fetched_at, base_url, deadline) -> ParsedFeed.
Parse = Callable[..., ParsedFeed]


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
    parse: Parse = parse_feed,
) -> FetchResult:
    """Fetch a feed politely and classify what happened. Never raises for network trouble.

    The request is conditional on the feed's stored ETag and Last-Modified, unless
    the feed has answered 304 for `UNCONDITIONAL_AFTER`; a 200 whose body hashes
    to the stored content hash counts as not modified without being parsed, and
    one whose body differs is parsed whatever its ETag says. Timeouts, refused
    connections, 5xx and 429 are transient errors; 404, 410, other 4xx, bad URLs
    and documents that are not feeds are permanent. A successful fetch reached
    through permanent redirects only says so in `moved_to`; a 429 or 503 passes
    on its Retry-After as `retry_after`. `parse` reads the body (`parse_feed`, or a
    worker pool's `ParserPool.parse`).

    The time limit covers parsing too: the parser gets what is left of it, and a
    document whose reading it stopped keeps the items read by then (PARTIAL, its hash
    not stored, so the next fetch reads it again), or is a transient error when no item
    was read.
    """
    started = time.monotonic()
    deadline = started + time_limit_seconds
    transfer = _Transfer()
    conditional = feed.not_modified_since is None or now - feed.not_modified_since < UNCONDITIONAL_AFTER
    try:
        require_http_url(feed.url)
        _download(
            feed,
            client,
            transfer,
            deadline=deadline,
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
        parsed = parse(transfer.body, fetched_at=now, base_url=transfer.final_url or feed.url, deadline=deadline)
    except FeedUnavailable as error:
        return _failure(feed, transfer, now, started, FetchOutcome.TRANSIENT_ERROR, error)
    except FeedMalformed as error:
        return _failure(feed, transfer, now, started, FetchOutcome.PERMANENT_ERROR, error)
    problems = [parsed.error] if parsed.error else []
    # Only part of a body read by the deadline: hashed, it would pass for unchanged and never be read whole.
    stored_hash = feed.content_hash if parsed.timed_out else content_hash
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
        content_hash=stored_hash,
        articles=parsed.articles,
        items_seen=parsed.items_seen,
        moved_to=transfer.moved_to,
        keyed=parsed.keyed,
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
