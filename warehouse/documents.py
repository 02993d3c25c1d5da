"""Storing many feed documents in one transaction: the archive ingest's bulk path.

One transaction per saved file costs more in opening and committing the warehouse
than in storing the file's items; grouping files keeps each commit worth its cost,
and their articles go in with one statement (warehouse.store.insert_batches). Each
document still dedupes on its own (shared links are judged per document).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from warehouse.db import Warehouse
from warehouse.registry import source_id_for
from warehouse.rows import FetchedArticle
from warehouse.store import ArticleBatch, insert_batches

__all__ = ["FeedDocument", "store_documents"]


@dataclass(frozen=True)
class FeedDocument:
    """The articles of one feed document and the outlet they belong to."""

    source_name: str
    articles: Sequence[FetchedArticle]
    fetched_at: datetime  # UTC; stands in for missing item dates


def store_documents(wh: Warehouse, documents: Sequence[FeedDocument]) -> list[int]:
    """Store the documents' articles, all or none; returns how many of each document's articles were new."""
    if not documents:
        return []
    with wh.writing() as connection:
        source_ids = {name: source_id_for(connection, name) for name in {doc.source_name for doc in documents}}
        return insert_batches(
            connection,
            [ArticleBatch(source_ids[doc.source_name], None, doc.articles, doc.fetched_at) for doc in documents],
        )
