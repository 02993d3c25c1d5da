"""The names of the ingest face: lazy_loader reads this stub to know where each name lives (see __init__.py).

A name listed in `__all__` is re-exported for type checkers; add a name here and to `__all__` together.
"""

from .addresses import require_public_url
from .archive import ArchiveReport, archive_files, ingest_archive
from .article_lists import ARTICLE_LIST_FORMATS, ArticleListReport, import_articles
from .demo import (
    DemoFeedServer,
    DemoOutlet,
    DemoReport,
    demo_feed_urls,
    demo_outlets,
    generate_day,
    generate_history,
    live_items,
    load_demo,
    serve_demo_feeds,
)
from .errors import ArchiveNotFound, ArticleListInvalid, FeedListInvalid, FeedMalformed, FeedUnavailable, IngestError
from .feedlist import FeedListEntry, export_opml, import_opml, opml_document, read_opml
from .feeds import USER_AGENT, fetch_feed, make_client
from .parsing import ParsedFeed, parse_feed
from .scheduler import fetch_due, next_fetch_time, run_scheduler, set_on_signals
from .text import plain_text
from .urls import canonical_url, require_http_url
from .workers import start_parser_pool

__all__ = [
    "ARTICLE_LIST_FORMATS",
    "USER_AGENT",
    "ArchiveNotFound",
    "ArchiveReport",
    "ArticleListInvalid",
    "ArticleListReport",
    "DemoFeedServer",
    "DemoOutlet",
    "DemoReport",
    "FeedListEntry",
    "FeedListInvalid",
    "FeedMalformed",
    "FeedUnavailable",
    "IngestError",
    "ParsedFeed",
    "archive_files",
    "canonical_url",
    "demo_feed_urls",
    "demo_outlets",
    "export_opml",
    "fetch_due",
    "fetch_feed",
    "generate_day",
    "generate_history",
    "import_articles",
    "import_opml",
    "ingest_archive",
    "live_items",
    "load_demo",
    "make_client",
    "next_fetch_time",
    "opml_document",
    "parse_feed",
    "plain_text",
    "read_opml",
    "require_http_url",
    "require_public_url",
    "run_scheduler",
    "serve_demo_feeds",
    "set_on_signals",
    "start_parser_pool",
]
