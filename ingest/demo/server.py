"""The demo outlets' live feeds, served over real HTTP on 127.0.0.1.

Each fictional outlet gets a feed (RSS 2.0 or Atom 1.0, alternating, so both
parsers are exercised) holding its demo stories of the last two days plus one new
story a minute across all outlets, so the scheduler, the warehouse and the
dashboard run end to end with numbers that grow while you watch. Items carry the
guids of the bulk-loaded history, so what was loaded already dedupes. Feeds answer
conditional requests (ETag, Last-Modified) with 304 like a well-behaved publisher.
"""

from __future__ import annotations

import hashlib
import logging
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from xml.etree import ElementTree

from ingest.demo.corpus import generate_day, live_items
from ingest.demo.outlets import DemoOutlet, demo_feed_urls, demo_outlet, demo_outlets
from ingest.feedlist import FeedListEntry, opml_document
from warehouse import FetchedArticle

__all__ = ["DemoFeedServer", "FeedDocument", "demo_feed_urls", "serve_demo_feeds"]

logger = logging.getLogger(__name__)

_ATOM_NAMESPACE = "http://www.w3.org/2005/Atom"
_CONTENT_TYPES = {
    "rss": "application/rss+xml; charset=utf-8",
    "atom": "application/atom+xml; charset=utf-8",
}
_DEMO_NOTICE = "Demo data: a fictional outlet whose stories newstally generates. Not real news."
# Days of generated history kept in memory; a feed window spans three calendar days.
_CACHED_DAYS = 4
# How often the serving thread checks for stop(): the longest stop() waits.
_SHUTDOWN_POLL_SECONDS = 0.05


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class FeedDocument:
    """A rendered response: body and the validators a conditional GET compares."""

    body: bytes
    content_type: str
    etag: str | None = None
    last_modified: datetime | None = None  # newest item's time; None for an empty feed


class DemoFeedServer:
    """The demo feeds on a ThreadingHTTPServer in a background thread.

    `now` is the server's clock (tests pass a fake one); items newer than it are
    not yet published. `live_since` is when the live trickle began: minutes after it
    each add one story. Use as a context manager, or call start() and stop().
    """

    def __init__(
        self,
        seed: int,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        live_since: datetime,
        now: Callable[[], datetime] = _utc_now,
        articles_per_day: float = 80.0,
        calendar_path: Path | None = None,
        history_days: int = 2,
        max_items: int = 100,
    ) -> None:
        if live_since.tzinfo is None:
            raise ValueError(f"live_since must be timezone-aware (UTC), got {live_since!r}")
        self.seed = seed
        self.live_since = live_since.astimezone(UTC)
        self.articles_per_day = articles_per_day
        self.calendar_path = calendar_path
        self.history_window = timedelta(days=history_days)
        self.max_items = max_items
        self._now = now
        self._days: dict[date, list[tuple[str, FetchedArticle]]] = {}
        self._days_lock = threading.Lock()
        self._httpd = _DemoHTTPServer((host, port), _DemoRequestHandler, self)
        bound_host, bound_port = self._httpd.socket.getsockname()[:2]
        self._url = f"http://{bound_host}:{bound_port}"
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """Base URL, e.g. http://127.0.0.1:8765 (no trailing slash)."""
        return self._url

    def start(self) -> DemoFeedServer:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._httpd.serve_forever,
                kwargs={"poll_interval": _SHUTDOWN_POLL_SECONDS},
                name="demo-feed-server",
                daemon=True,
            )
            self._thread.start()
            logger.info("demo feeds serving at %s (seed %s)", self.url, self.seed)
        return self

    def stop(self) -> None:
        """Stop serving and release the port; safe to call twice."""
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join()
            self._thread = None
        self._httpd.server_close()

    def __enter__(self) -> DemoFeedServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    # --- documents -------------------------------------------------------------

    def feed_items(self, outlet: DemoOutlet, now: datetime | None = None) -> list[FetchedArticle]:
        """The outlet's items as of `now` (default: the server's clock): newest first, at most max_items."""
        now = (now or self._now()).astimezone(UTC)
        window_start = now - self.history_window
        items = [
            article
            for day in _days_between(window_start.date(), now.date())
            for name, article in self._history_day(day)
            if name == outlet.name and _published(article) > window_start and _published(article) <= now
        ]
        live_start = max(self.live_since, window_start)
        items += [
            article
            for name, article in live_items(self.seed, live_start, now, calendar_path=self.calendar_path)
            if name == outlet.name
        ]
        items.sort(key=lambda article: (_published(article), article.guid), reverse=True)
        return items[: self.max_items]

    def feed_document(self, outlet: DemoOutlet) -> FeedDocument:
        """The outlet's feed, rendered in its format."""
        now = self._now()
        items = self.feed_items(outlet, now)
        render = _rss if outlet.feed_format == "rss" else _atom
        body = render(outlet, items, self_url=f"{self.url}{outlet.feed_path}", now=now)
        digest = hashlib.sha256("\n".join(article.guid for article in items).encode()).hexdigest()
        return FeedDocument(
            body=body,
            content_type=_CONTENT_TYPES[outlet.feed_format],
            etag=f'"{digest[:24]}"',
            last_modified=_published(items[0]) if items else None,
        )

    def opml_document(self) -> FeedDocument:
        entries = [
            FeedListEntry(
                source_name=outlet.name,
                url=url,
                title=f"{outlet.name} (demo)",
                homepage=outlet.homepage,
                language=outlet.language,
            )
            for outlet, (_, url) in zip(demo_outlets(), demo_feed_urls(self.url), strict=True)
        ]
        text = opml_document(entries, title="newstally demo feeds (fictional outlets)")
        return FeedDocument(body=text.encode("utf-8"), content_type="text/x-opml; charset=utf-8")

    def index_document(self) -> FeedDocument:
        lines = [
            "newstally demo feeds: fictional outlets, generated stories, not real news.",
            f"seed {self.seed}; feed list: {self.url}/feeds.opml",
            "",
            *(f"{name}: {url}" for name, url in demo_feed_urls(self.url)),
        ]
        return FeedDocument(body=("\n".join(lines) + "\n").encode("utf-8"), content_type="text/plain; charset=utf-8")

    def _history_day(self, day: date) -> list[tuple[str, FetchedArticle]]:
        with self._days_lock:
            stories = self._days.get(day)
            if stories is None:
                stories = generate_day(self.seed, day, self.articles_per_day, calendar_path=self.calendar_path)
                self._days[day] = stories
                for stale in sorted(self._days)[:-_CACHED_DAYS]:
                    del self._days[stale]
            return stories


class _DemoHTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(
        self,
        address: tuple[str, int],
        handler: type[BaseHTTPRequestHandler],
        feeds: DemoFeedServer,
    ) -> None:
        self.feeds = feeds
        super().__init__(address, handler)

    def handle_error(self, request: object, client_address: tuple[str, int]) -> None:
        # The stdlib prints the traceback to stderr; route it to logging instead. A client
        # that hangs up (a reset kept-alive connection, a fetch that gave up) is no failure.
        if isinstance(sys.exc_info()[1], ConnectionError):
            logger.debug("demo feed server: %s hung up", client_address[0])
            return
        logger.exception("demo feed server: request from %s failed", client_address[0])


class _DemoRequestHandler(BaseHTTPRequestHandler):
    server: _DemoHTTPServer
    server_version = "newstally-demo/1"
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self._respond(include_body=True)

    def do_HEAD(self) -> None:
        self._respond(include_body=False)

    def log_message(self, format: str, *args: object) -> None:
        # Request lines go to logging at debug level, not to stderr as the stdlib does.
        logger.debug("%s %s", self.address_string(), format % args)

    def _respond(self, *, include_body: bool) -> None:
        feeds = self.server.feeds
        path = self.path.split("?", 1)[0]
        if path == "/":
            document = feeds.index_document()
        elif path == "/feeds.opml":
            document = feeds.opml_document()
        elif (outlet := _outlet_for_path(path)) is not None:
            document = feeds.feed_document(outlet)
        else:
            self._send(HTTPStatus.NOT_FOUND, FeedDocument(b"not found\n", "text/plain; charset=utf-8"), True)
            return
        if _not_modified(document, self.headers.get("If-None-Match"), self.headers.get("If-Modified-Since")):
            self._send(HTTPStatus.NOT_MODIFIED, document, False)
        else:
            self._send(HTTPStatus.OK, document, include_body)

    def _send(self, status: HTTPStatus, document: FeedDocument, include_body: bool) -> None:
        self.send_response(status)
        if status != HTTPStatus.NOT_MODIFIED:
            self.send_header("Content-Type", document.content_type)
            self.send_header("Content-Length", str(len(document.body)))
        if document.etag is not None:
            self.send_header("ETag", document.etag)
        if document.last_modified is not None:
            self.send_header("Last-Modified", format_datetime(document.last_modified, usegmt=True))
        self.send_header("Cache-Control", "max-age=60")
        self.end_headers()
        if include_body:
            self.wfile.write(document.body)


def serve_demo_feeds(
    seed: int,
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    live_since: datetime,
    stop_event: threading.Event,
    articles_per_day: float = 80.0,
    calendar_path: Path | None = None,
    on_started: Callable[[DemoFeedServer], None] | None = None,
) -> None:
    """Serve the demo feeds until `stop_event` is set or the user presses Ctrl-C.

    `on_started` receives the running server (its URL when port is 0).
    """
    server = DemoFeedServer(
        seed,
        host,
        port,
        live_since=live_since,
        articles_per_day=articles_per_day,
        calendar_path=calendar_path,
    )
    with server:
        if on_started is not None:
            on_started(server)
        try:
            while not stop_event.wait(0.5):
                pass
        except KeyboardInterrupt:
            logger.info("demo feed server interrupted")
    logger.info("demo feed server stopped")


def _outlet_for_path(path: str) -> DemoOutlet | None:
    name = path.removeprefix("/feeds/")
    if name == path or "." not in name:
        return None
    slug, extension = name.rsplit(".", 1)
    try:
        outlet = demo_outlet(slug)
    except KeyError:
        return None
    return outlet if outlet.feed_format == extension else None


def _not_modified(document: FeedDocument, if_none_match: str | None, if_modified_since: str | None) -> bool:
    """RFC 9110: If-None-Match decides when present; If-Modified-Since only without it."""
    if document.etag is None:
        return False
    if if_none_match is not None:
        tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
        return "*" in tags or document.etag in tags
    if if_modified_since is None or document.last_modified is None:
        return False
    try:
        since = parsedate_to_datetime(if_modified_since)
    except (TypeError, ValueError):
        return False
    if since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    return document.last_modified.replace(microsecond=0) <= since


def _days_between(first: date, last: date) -> list[date]:
    return [first + timedelta(days=offset) for offset in range((last - first).days + 1)]


def _published(article: FetchedArticle) -> datetime:
    assert article.published_at is not None  # demo stories always carry a date
    return article.published_at


def _rss(outlet: DemoOutlet, items: Sequence[FetchedArticle], *, self_url: str, now: datetime) -> bytes:
    rss = ElementTree.Element("rss", {"version": "2.0"})
    channel = ElementTree.SubElement(rss, "channel")
    _text(channel, "title", outlet.name)
    _text(channel, "link", outlet.homepage)
    _text(channel, "description", _DEMO_NOTICE)
    _text(channel, "language", outlet.language)
    _text(channel, "generator", "newstally demo")
    _text(channel, "lastBuildDate", format_datetime(_published(items[0]) if items else now, usegmt=True))
    for article in items:
        item = ElementTree.SubElement(channel, "item")
        _text(item, "title", article.title)
        _text(item, "link", article.url)
        _text(item, "guid", article.guid).set("isPermaLink", "false")
        _text(item, "pubDate", format_datetime(_published(article), usegmt=True))
        _text(item, "description", article.summary)
    return ElementTree.tostring(rss, encoding="utf-8", xml_declaration=True)


def _atom(outlet: DemoOutlet, items: Sequence[FetchedArticle], *, self_url: str, now: datetime) -> bytes:
    # A plain xmlns attribute: ElementTree's default_namespace rejects un-namespaced attributes.
    feed = ElementTree.Element("feed", {"xmlns": _ATOM_NAMESPACE})
    _text(feed, "title", outlet.name)
    _text(feed, "subtitle", _DEMO_NOTICE)
    _text(feed, "id", f"{outlet.homepage}#demo-feed")
    _text(feed, "updated", _rfc3339(_published(items[0]) if items else now))
    ElementTree.SubElement(feed, "link", {"rel": "alternate", "href": outlet.homepage})
    ElementTree.SubElement(feed, "link", {"rel": "self", "href": self_url})
    author = ElementTree.SubElement(feed, "author")
    _text(author, "name", outlet.name)
    for article in items:
        entry = ElementTree.SubElement(feed, "entry")
        _text(entry, "title", article.title)
        _text(entry, "id", article.guid)
        ElementTree.SubElement(entry, "link", {"rel": "alternate", "href": article.url})
        _text(entry, "published", _rfc3339(_published(article)))
        _text(entry, "updated", _rfc3339(_published(article)))
        _text(entry, "summary", article.summary)
    return ElementTree.tostring(feed, encoding="utf-8", xml_declaration=True)


def _text(parent: ElementTree.Element, tag: str, text: str) -> ElementTree.Element:
    element = ElementTree.SubElement(parent, tag)
    element.text = text
    return element


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
