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

The demo generator and its feed server are the sub-package `ingest.demo`.

The names below load on first use (lazy_loader reads them from `__init__.pyi`), so
`import ingest` costs nothing until a command needs, say, `fetch_feed` (and httpx).
Set EAGER_IMPORT=1 to import everything at once.
"""

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach_stub(__name__, __file__)
