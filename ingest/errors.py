"""The exceptions ingest raises on purpose.

    IngestError
    ├── FeedUnavailable    transient: timeout, connection refused or reset, HTTP 5xx or 429;
    │                      the same request may well work later
    ├── FeedMalformed      permanent: not a feed, HTTP 404/410/other 4xx, a URL that is not http(s);
    │                      retrying soon will not help
    ├── FeedListInvalid    an OPML feed list that is missing or is not OPML
    ├── ArchiveNotFound    a file or folder given to the archive ingest does not exist
    └── ArticleListInvalid an article list to import that is missing, unreadable or of no known layout

Callers decide what to do by type, never by reading messages. Each message is fit
for one line on stderr and names the URL or file it is about.
"""

from __future__ import annotations

__all__ = [
    "ArchiveNotFound",
    "ArticleListInvalid",
    "FeedListInvalid",
    "FeedMalformed",
    "FeedUnavailable",
    "IngestError",
]


class IngestError(Exception):
    """Base of everything ingest raises on purpose."""


class FeedUnavailable(IngestError):
    """The feed could not be had this time; worth trying again later."""


class FeedMalformed(IngestError):
    """The feed cannot be used as it is; trying again soon will not change that."""


class FeedListInvalid(IngestError):
    """An OPML feed list that cannot be read or is not OPML."""


class ArchiveNotFound(IngestError):
    """A path handed to the archive ingest does not exist."""


class ArticleListInvalid(IngestError):
    """An article list to import (Media Cloud, GDELT, CSV, Parquet): missing, unreadable or of no known layout."""
