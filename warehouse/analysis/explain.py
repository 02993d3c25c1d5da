"""Single articles and the evidence behind their counts: what `newstally explain` shows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from warehouse.counting.tally import stored_watchlist
from warehouse.counting.watchlist import AliasHit
from warehouse.engine.clock import from_stored
from warehouse.engine.db import Warehouse, fetch_one
from warehouse.errors import WarehouseError

__all__ = ["ArticleEvidence", "UnknownArticle", "explain_article"]


class UnknownArticle(WarehouseError):
    """An article id that is not stored."""


@dataclass(frozen=True)
class ArticleEvidence:
    """An article, its stored mentions, and every alias hit that produced them."""

    article_id: int
    source: str
    title: str
    summary: str
    url: str
    published_at: datetime | None
    date_quality: str
    watchlist_hash: str
    stored_mentions: dict[str, int]
    hits: tuple[AliasHit, ...]


def explain_article(wh: Warehouse, article_id: int) -> ArticleEvidence:
    """Why an article counts for whom: re-matches it with the stored watchlist, beside the stored tally."""
    with wh.reading() as connection:
        row = fetch_one(
            connection.execute(
                "SELECT a.article_id, s.name, a.title, a.summary, a.url, a.published_at, a.date_quality"
                " FROM articles a JOIN sources s USING (source_id) WHERE a.article_id = ?",
                [article_id],
            )
        )
        if row is None:
            raise UnknownArticle(f"no article with id {article_id}")
        mentions = dict(
            connection.execute(
                "SELECT entity_id, occurrences FROM mentions WHERE article_id = ? ORDER BY entity_id", [article_id]
            ).fetchall()
        )
        watchlist = stored_watchlist(connection)
    hits = tuple(watchlist.explain(row[2], row[3])) if watchlist else ()
    return ArticleEvidence(
        article_id=row[0],
        source=row[1],
        title=row[2],
        summary=row[3],
        url=row[4],
        published_at=from_stored(row[5]),
        date_quality=row[6],
        watchlist_hash=watchlist.content_hash if watchlist else "",
        stored_mentions=mentions,
        hits=hits,
    )
