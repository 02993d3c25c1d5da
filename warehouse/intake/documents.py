"""Feed documents that came without a registered feed: archives, article lists, the demo history.

`warehouse.intake.arrivals.store_intake` stores many in one transaction: one per saved
file would cost more in opening and committing the warehouse than in storing the
file's items. Their articles go in with one statement; each document still dedupes
on its own (shared links are judged per document).

What a document's articles are keyed by (identity, syndication, stored date) needs
nothing from the warehouse, so `prepare_document` can run where the document was
parsed, in a parser process, and leave the storing process only the decisions that
need stored rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from warehouse.counting.patterns import sql_match_plan
from warehouse.counting.tally import stored_watchlist
from warehouse.counting.watchlist import Watchlist
from warehouse.engine.db import Warehouse
from warehouse.intake.store import ArticleBatch, KeyedArticles, keyed_articles
from warehouse.rows import FetchedArticle

__all__ = ["FeedDocument", "PreparedDocument", "document_batch", "prepare_document", "prepare_storing"]


@dataclass(frozen=True)
class FeedDocument:
    """The articles of one feed document and the outlet they belong to."""

    source_name: str
    articles: Sequence[FetchedArticle]
    fetched_at: datetime  # UTC; stands in for missing item dates
    # UTC; the time dates are judged against ("future": more than a day after it); None: `fetched_at`.
    dates_judged_at: datetime | None = None


@dataclass(frozen=True)
class PreparedDocument:
    """A feed document whose articles carry their keys, each story of the document once."""

    source_name: str
    articles: KeyedArticles
    fetched_at: datetime  # UTC; stands in for missing item dates


def prepare_document(document: FeedDocument, *, watchlist: Watchlist | None = None) -> PreparedDocument:
    """The document's articles keyed as the warehouse stores them (and matched, given a watchlist).

    Pure, so it can run in any process.
    """
    return PreparedDocument(
        document.source_name,
        keyed_articles(
            document.articles,
            fetched_at=document.fetched_at,
            watchlist=watchlist,
            dates_judged_at=document.dates_judged_at,
        ),
        document.fetched_at,
    )


def prepare_storing(wh: Warehouse) -> None:
    """Do ahead what the first bulk store would do first: read the stored watchlist and compile it for tallying.

    Both are kept for the life of the process. The archive ingest calls this while its
    parser processes read the first documents, when this process would only wait; the
    tally of a large batch then starts at once.
    """
    if not wh.exists():
        return  # created by the first store, with no watchlist to compile
    with wh.reading() as connection:
        watchlist = stored_watchlist(connection)
    if watchlist is not None:
        sql_match_plan(watchlist)


def document_batch(document: FeedDocument | PreparedDocument, source_id: int) -> ArticleBatch:
    """The document's articles bound for its outlet; a prepared document stores as the one it was made from."""
    if isinstance(document, FeedDocument):
        document = prepare_document(document)
    return ArticleBatch(source_id, None, document.articles, document.fetched_at)
