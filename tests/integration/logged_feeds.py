"""Feeds that publish an item a second on local servers that log which process fetched what, and when.

For the test of several `newstally schedule` processes sharing one warehouse
(tests/integration/test_lake_schedulers.py). Feed f is its own outlet, `Outlet f`,
served at `/feedF.xml` by one of a few servers on 127.0.0.1; it carries items
0..n-1, n growing by one a second until the publisher is frozen. Every title is
deterministic and names Putin, Trump, both or neither (`mentions`), so what a
complete warehouse must count is known without asking it.

The servers log every request with its start and end (monotonic seconds) and the
process that sent it. The fetcher names no worker in its requests (one User-Agent
for all), so the server finds the client's process itself: the connection's client
port leads to a socket inode in /proc/net/tcp, and the inode to the process holding
it in /proc/PID/fd. It is looked up once per connection (keep-alive reuses it).
"""

from __future__ import annotations

import itertools
import os
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from tests.integration.feed_server import QuietHTTPServer, respond

# The soak's first day, so the dashboard views of tests/browser/soak_sessions.py fall on the data.
FIRST_DAY = datetime(2024, 5, 1, tzinfo=UTC)
# Four items a day per feed: a run of a minute spans a couple of weeks of daily buckets.
ITEM_SPACING = timedelta(hours=6)
KINDS = (
    ("Putin speaks to reporters", ("putin",)),
    ("Trump holds a rally", ("trump",)),
    ("Putin and Trump talk by phone", ("putin", "trump")),
    ("Markets steady after a quiet week", ()),
)


def outlet(feed: int) -> str:
    return f"Outlet {feed:03d}"


def guid(feed: int, number: int) -> str:
    return f"f{feed}-{number}"


def kind(feed: int, number: int) -> int:
    return (feed + number) % len(KINDS)


def published_at(feed: int, number: int) -> datetime:
    # Feeds a minute apart within the day, never across midnight (200 feeds < 6 hours).
    return FIRST_DAY + number * ITEM_SPACING + timedelta(minutes=feed)


class Publisher:
    """Every feed carries items 0..n-1, n = 1 + whole seconds since `start()`, until `freeze()`."""

    def __init__(self, feeds: int) -> None:
        self.feeds = feeds
        self.started: float | None = None
        self.frozen_at: float | None = None

    def start(self) -> None:
        """Start publishing afresh: item 0 now, one more each second."""
        self.started = time.monotonic()
        self.frozen_at = None

    def freeze(self) -> float:
        """Publish nothing more from now on; returns the moment (monotonic)."""
        self.frozen_at = time.monotonic()
        return self.frozen_at

    def visible(self) -> int:
        if self.started is None:
            return 1
        now = self.frozen_at if self.frozen_at is not None else time.monotonic()
        return 1 + int(now - self.started)

    def document(self, feed: int) -> bytes:
        items = "".join(
            f'<item><guid isPermaLink="false">{guid(feed, n)}</guid>'
            f"<title>{escape(KINDS[kind(feed, n)][0])}, item {n} of feed {feed}</title>"
            f"<link>https://outlet{feed}.example/{n}</link>"
            f"<pubDate>{format_datetime(published_at(feed, n), usegmt=True)}</pubDate></item>"
            for n in reversed(range(self.visible()))
        )
        return f'<rss version="2.0"><channel><title>{outlet(feed)}</title>{items}</channel></rss>'.encode()

    def published(self) -> set[tuple[str, str]]:
        """(outlet, guid) of every item published so far."""
        return {(outlet(feed), guid(feed, n)) for feed in range(self.feeds) for n in range(self.visible())}

    def articles_per_day(self, entity: str) -> dict[date, int]:
        """Items published per UTC day whose title names `entity`."""
        per_day: dict[date, int] = defaultdict(int)
        for feed in range(self.feeds):
            for n in range(self.visible()):
                if entity in KINDS[kind(feed, n)][1]:
                    per_day[published_at(feed, n).date()] += 1
        return dict(per_day)


@dataclass
class FeedRequest:
    feed: int
    pid: int | None  # the client process, None when it could not be found (it died meanwhile)
    started: float
    ended: float | None = None
    status: int | None = None


@dataclass
class FeedServers:
    """The running servers: each feed's URL, and every request they got."""

    urls: list[str]
    requests: list[FeedRequest] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def log(self) -> list[FeedRequest]:
        with self.lock:
            return list(self.requests)

    def clear(self) -> None:
        with self.lock:
            self.requests.clear()


def write_opml(path: Path, urls: list[str]) -> None:
    """The feed list `newstally feeds import` reads: one top-level outline per feed, its own outlet."""
    outlines = "\n".join(
        f'    <outline type="rss" text={quoteattr(outlet(feed))} title={quoteattr(outlet(feed))}'
        f" xmlUrl={quoteattr(url)}/>"
        for feed, url in enumerate(urls)
    )
    path.write_text(
        f'<?xml version="1.0" encoding="UTF-8"?>\n<opml version="2.0">\n  <head><title>test feeds</title></head>\n'
        f"  <body>\n{outlines}\n  </body>\n</opml>\n",
        encoding="utf-8",
    )


@contextmanager
def running_feed_servers(publisher: Publisher, servers: int = 4, delay_s: float = 0.0) -> Iterator[FeedServers]:
    """Serve the publisher's feeds from `servers` servers on free 127.0.0.1 ports until the block ends.

    Each response waits `delay_s` first, so a pass over many feeds takes a while (a test can
    then act in the middle of one).
    """
    state = FeedServers(urls=[])
    with ExitStack() as stack:
        ports = [stack.enter_context(_serving(publisher, state, delay_s)) for _ in range(servers)]
        state.urls = [f"http://127.0.0.1:{ports[feed % servers]}/feed{feed}.xml" for feed in range(publisher.feeds)]
        yield state


@contextmanager
def _serving(publisher: Publisher, state: FeedServers, delay_s: float) -> Iterator[int]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        client_pid: int | None = None
        looked_up = False

        def do_GET(self) -> None:
            started = time.monotonic()
            if not self.looked_up:
                self.client_pid = client_process(self.client_address[1], self.connection.getsockname()[1])
                self.looked_up = True
            name = self.path.removeprefix("/feed").removesuffix(".xml")
            if not name.isdigit() or int(name) >= publisher.feeds:
                respond(self, 404, b"no such feed")
                return
            request = FeedRequest(int(name), self.client_pid, started)
            with state.lock:
                state.requests.append(request)
            try:
                time.sleep(delay_s)
                body = publisher.document(request.feed)
                request.status = 200
                respond(self, 200, body)
            except (BrokenPipeError, ConnectionResetError):
                request.status = None  # the client went away (killed) before the body was out
            finally:
                request.ended = time.monotonic()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = QuietHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def client_process(client_port: int, server_port: int) -> int | None:
    """The process holding the 127.0.0.1 TCP socket from `client_port` to `server_port`, if it still runs."""
    inode = _socket_inode(client_port, server_port)
    if inode is None:
        return None
    link = f"socket:[{inode}]"
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fds = os.listdir(entry / "fd")
        except OSError:
            continue  # gone, or not ours
        for fd in fds:
            try:
                if os.readlink(entry / "fd" / fd) == link:
                    return int(entry.name)
            except OSError:
                continue
    return None


def _socket_inode(client_port: int, server_port: int) -> str | None:
    local, remote = f"0100007F:{client_port:04X}", f"0100007F:{server_port:04X}"
    try:
        lines = Path("/proc/net/tcp").read_text().splitlines()[1:]
    except OSError:
        return None
    for line in lines:
        fields = line.split()
        if fields[1] == local and fields[2] == remote and fields[9] != "0":
            return fields[9]
    return None


def overlapping_fetches(requests: list[FeedRequest]) -> list[str]:
    """Every pair of requests for one feed that were in flight at the same time, as readable lines."""
    by_feed: dict[int, list[FeedRequest]] = defaultdict(list)
    for request in requests:
        by_feed[request.feed].append(request)
    found = []
    for feed, feed_requests in sorted(by_feed.items()):
        feed_requests.sort(key=lambda request: request.started)
        latest: FeedRequest | None = None  # the earlier request that ends last
        for request in feed_requests:
            if latest is not None and request.started < _end(latest):
                found.append(
                    f"feed {feed}: pid {latest.pid} [{latest.started:.3f}, {_end(latest):.3f}] and"
                    f" pid {request.pid} [{request.started:.3f}, {_end(request):.3f}]"
                )
            if latest is None or _end(request) > _end(latest):
                latest = request
    return found


def fetched_again_too_soon(requests: list[FeedRequest], gap_s: float, *, excused: int | None) -> list[str]:
    """Every fetch of a feed that started less than `gap_s` after the one before it, as readable lines.

    Two workers that both took a feed fetch it twice in a row even when not at the same
    time. A fetch after one by the `excused` process (killed before it could record what
    it fetched, so its feeds are rightly fetched again at once) is not counted.
    """
    by_feed: dict[int, list[FeedRequest]] = defaultdict(list)
    for request in requests:
        by_feed[request.feed].append(request)
    found = []
    for feed, feed_requests in sorted(by_feed.items()):
        feed_requests.sort(key=lambda request: request.started)
        for before, after in itertools.pairwise(feed_requests):
            if before.pid != excused and after.started - before.started < gap_s:
                found.append(
                    f"feed {feed}: pid {after.pid} at {after.started:.3f},"
                    f" {after.started - before.started:.3f} s after pid {before.pid}"
                )
    return found


def _end(request: FeedRequest) -> float:
    return request.ended if request.ended is not None else float("inf")
