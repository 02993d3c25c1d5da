"""Getting articles in: the feed list, fetching and parsing feeds, archives, and the scheduler.

Ingest turns feeds into the warehouse's row types and hands them over; it knows
nothing about leaders, themes or charts. Exceptions (ingest.errors):

    IngestError
    ├── FeedUnavailable    transient: timeout, connection failure, HTTP 5xx or 429
    ├── FeedMalformed      permanent: not a feed, HTTP 404/410/other 4xx, not an http(s) URL
    ├── FeedListInvalid    an OPML file that is missing or is not OPML
    ├── ArchiveNotFound    an archive path that does not exist
    └── ArticleListInvalid an article list to import that is missing, unreadable or of no known layout

`fetch_feed` and `fetch_due` never raise for network trouble: every outcome is a
`FetchResult` whose `outcome` says transient or permanent. When to fetch a feed
again, and when to disable one, is `ingest.pacing`; docs/ingest.md has the rules.
"""

from ingest.archive import ArchiveReport, archive_files, ingest_archive
from ingest.article_lists import ARTICLE_LIST_FORMATS, ArticleListReport, import_articles
from ingest.errors import (
    ArchiveNotFound,
    ArticleListInvalid,
    FeedListInvalid,
    FeedMalformed,
    FeedUnavailable,
    IngestError,
)
from ingest.feedlist import FeedListEntry, export_opml, import_opml, opml_document, read_opml
from ingest.feeds import USER_AGENT, fetch_feed, make_client
from ingest.parsing import ParsedFeed, parse_feed
from ingest.scheduler import fetch_due, next_fetch_time, run_scheduler
from ingest.text import plain_text
from ingest.urls import canonical_url, require_http_url

__all__ = [
    "ARTICLE_LIST_FORMATS",
    "USER_AGENT",
    "ArchiveNotFound",
    "ArchiveReport",
    "ArticleListInvalid",
    "ArticleListReport",
    "FeedListEntry",
    "FeedListInvalid",
    "FeedMalformed",
    "FeedUnavailable",
    "IngestError",
    "ParsedFeed",
    "archive_files",
    "canonical_url",
    "export_opml",
    "fetch_due",
    "fetch_feed",
    "import_articles",
    "import_opml",
    "ingest_archive",
    "make_client",
    "next_fetch_time",
    "opml_document",
    "parse_feed",
    "plain_text",
    "read_opml",
    "require_http_url",
    "run_scheduler",
]
