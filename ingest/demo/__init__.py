"""Demo mode: a deterministic corpus of fictional outlets' stories, and their live feeds over HTTP.

Nothing here is real news: every outlet lives on an `.example` domain and is stored
with `is_demo=True`. `corpus` decides what each day's stories are about (the real
political timeline and events.toml), `text` writes their headlines and summaries,
`outlets` lists the fictional outlets and how each spells names, and `server`
serves their feeds on 127.0.0.1 with the guids of the loaded history.
"""

from ingest.demo.corpus import (
    DEFAULT_CALENDAR_PATH,
    HISTORY_START,
    DemoReport,
    generate_day,
    generate_history,
    live_items,
    load_demo,
)
from ingest.demo.outlets import DemoOutlet, demo_feed_urls, demo_outlet, demo_outlets
from ingest.demo.server import DemoFeedServer, FeedDocument, serve_demo_feeds

__all__ = [
    "DEFAULT_CALENDAR_PATH",
    "HISTORY_START",
    "DemoFeedServer",
    "DemoOutlet",
    "DemoReport",
    "FeedDocument",
    "demo_feed_urls",
    "demo_outlet",
    "demo_outlets",
    "generate_day",
    "generate_history",
    "live_items",
    "load_demo",
    "serve_demo_feeds",
]
