"""The one way into the warehouse: a batch of arrivals (fetches and documents) stored in one transaction.

Ingest hands over keyed rows and nothing else: a fetch (`FetchArrival`: what it
produced and the fetcher's plan for the feed), or a document that came without a
registered feed (`FeedDocument`, or a `PreparedDocument` keyed in a parser process).
`store_intake` resolves outlets and feeds, stores the articles not yet stored
(an anti-join against what is stored, by ids any worker computes alike: a replay
adds nothing), tallies them, and writes each fetch's log row and feed state, all
in the transaction of one writer (the file's flock, the lake's advisory lock), so
the same code stores into a file and into a lake.

`record_fetch(es)`, `store_documents` and `store_articles` say the same for one kind
of arrival; they are shorthands, not other ways in.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from itertools import islice

import duckdb

from warehouse.engine.clock import utc_now
from warehouse.engine.db import Warehouse
from warehouse.intake.documents import FeedDocument, PreparedDocument, document_batch
from warehouse.intake.feeds import source_id_for
from warehouse.intake.fetches import fetch_batches, record_fetch_outcomes
from warehouse.intake.store import insert_batches
from warehouse.rows import FeedPlan, FeedPlans, FetchArrival, FetchedArticle, FetchResult

__all__ = ["Arrival", "record_fetch", "record_fetches", "store_articles", "store_documents", "store_intake"]

Arrival = FetchArrival | FeedDocument | PreparedDocument


def store_intake(wh: Warehouse, arrivals: Sequence[Arrival], *, is_demo: bool = False) -> list[int]:
    """Store the arrivals, all or none; returns how many of each arrival's articles were new, in order.

    An unknown feed id fails the whole call. Outlets named by documents are created
    when new (`is_demo` marks them as the demo's fictional outlets).
    """
    if not arrivals:
        return []
    with wh.writing() as connection:
        return _store(connection, arrivals, is_demo=is_demo)


def _store(connection: duckdb.DuckDBPyConnection, arrivals: Sequence[Arrival], *, is_demo: bool) -> list[int]:
    fetches = [arrival for arrival in arrivals if isinstance(arrival, FetchArrival)]
    documents = [arrival for arrival in arrivals if not isinstance(arrival, FetchArrival)]
    outlets = {
        name: source_id_for(connection, name, is_demo=is_demo) for name in {doc.source_name for doc in documents}
    }
    fetched = iter(fetch_batches(connection, fetches))
    batches = [
        next(fetched) if isinstance(arrival, FetchArrival) else document_batch(arrival, outlets[arrival.source_name])
        for arrival in arrivals
    ]
    counts = insert_batches(connection, batches)
    if fetches:
        fetch_counts = [new for arrival, new in zip(arrivals, counts, strict=True) if isinstance(arrival, FetchArrival)]
        record_fetch_outcomes(connection, fetches, fetch_counts)
    return counts


def record_fetch(wh: Warehouse, result: FetchResult, *, plan: FeedPlans | FeedPlan) -> int:
    """Store one fetch (`store_intake` of one `FetchArrival`); returns how many of its articles were new."""
    return store_intake(wh, [FetchArrival(result, plan)])[0]


def record_fetches(wh: Warehouse, fetches: Sequence[tuple[FetchResult, FeedPlans | FeedPlan]]) -> list[int]:
    """Store many fetches in one transaction (`store_intake` of their `FetchArrival`s)."""
    return store_intake(wh, [FetchArrival(result, plan) for result, plan in fetches])


def store_documents(wh: Warehouse, documents: Sequence[FeedDocument | PreparedDocument]) -> list[int]:
    """Store the documents' articles in one transaction (`store_intake` of documents)."""
    return store_intake(wh, documents)


def store_articles(
    wh: Warehouse,
    source_name: str,
    articles: Iterable[FetchedArticle],
    *,
    fetched_at: datetime | None = None,
    is_demo: bool = False,
    batch_size: int = 50_000,
) -> int:
    """Store articles of one outlet that came without a registered feed (demo history, tests).

    Each batch of `batch_size` is its own transaction, so a huge load never holds the
    writer lock for long and readers get in between batches.
    """
    moment = fetched_at or utc_now()
    new = 0
    for batch in _batches(articles, batch_size):
        new += store_intake(wh, [FeedDocument(source_name, batch, moment)], is_demo=is_demo)[0]
    return new


def _batches(items: Iterable[FetchedArticle], size: int) -> Iterator[list[FetchedArticle]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch
