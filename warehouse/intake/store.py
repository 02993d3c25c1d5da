"""Writing articles: identity, date quality, idempotent insert, tally on arrival (the way in: arrivals.py).

Storing is idempotent: an article already stored for its outlet (same identity) is
skipped, so re-ingesting a feed, an archive or the demo history adds nothing.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from warehouse.counting.rollups import add_to_rollups
from warehouse.counting.tally import (
    find_mentions_in,
    insert_mentions,
    mention_frame,
    stored_watchlist,
    tally_new_articles,
)
from warehouse.counting.watchlist import Watchlist
from warehouse.engine.clock import to_stored
from warehouse.intake.identity import SAME_TITLE_WINDOW, article_id_of, distinct_articles, identity_key
from warehouse.rows import DateQuality, FetchedArticle, FoundMentions, KeyedArticles

__all__ = [
    "ArticleBatch",
    "KeyedArticles",
    "date_quality",
    "identity_key",
    "insert_batches",
    "keyed_articles",
]

logger = logging.getLogger(__name__)

_EARLIEST_TRUSTED = datetime(1990, 1, 1, tzinfo=UTC)
_FUTURE_TOLERANCE = timedelta(days=1)


def date_quality(published_at: datetime | None, fetched_at: datetime) -> DateQuality:
    """Whether a date can be used for bucketing; bad dates are the classic source of fake spikes."""
    if published_at is None:
        return DateQuality.MISSING
    if published_at > fetched_at + _FUTURE_TOLERANCE:
        return DateQuality.FUTURE
    if published_at < _EARLIEST_TRUSTED:
        return DateQuality.ANCIENT
    return DateQuality.OK


def keyed_articles(
    articles: Sequence[FetchedArticle],
    *,
    fetched_at: datetime,
    watchlist: Watchlist | None = None,
    dates_judged_at: datetime | None = None,
) -> KeyedArticles:
    """The distinct articles of one document (`distinct_articles`) with their keys, as columns.

    With a `watchlist`, their mentions are found too, so that a parser process can take
    that work off the storing process (which checks it still tallies with that watchlist).
    A date more than a day after `dates_judged_at` (default `fetched_at`) is in the future:
    a saved document's dates are judged against its own time, not the clock's.
    """
    judged_at = dates_judged_at or fetched_at
    keyed = KeyedArticles([], [], [], [], [], [], [], [], [])
    for item in distinct_articles(articles, fetched_at=fetched_at) if articles else ():
        article = item.article
        keyed.identity_keys.append(item.identity_key)
        keyed.syndication_keys.append(item.syndication_key)
        keyed.dedupe_by_title.append(item.dedupe_by_title)
        keyed.published_at.append(item.stored_published_at)
        keyed.date_quality.append(date_quality(article.published_at, judged_at).value)
        keyed.guids.append(article.guid)
        keyed.urls.append(article.url)
        keyed.titles.append(article.title)
        keyed.summaries.append(article.summary)
    if watchlist is None:
        return keyed
    found = find_mentions_in(watchlist, zip(range(len(keyed)), keyed.titles, keyed.summaries, strict=True))
    return replace(keyed, mentions=found)


@dataclass(frozen=True)
class ArticleBatch:
    """One document's articles, bound for one outlet (and the feed they came through, if any)."""

    source_id: int
    feed_id: int | None
    articles: KeyedArticles  # `keyed_articles` of the document, here or where it was parsed
    fetched_at: datetime  # UTC


# Only the stored rows that could collide with the incoming ones are read back.
_STORED_IDENTITIES = """
    SELECT a.source_id, a.identity_key FROM articles a
    SEMI JOIN incoming_identities i ON a.source_id = i.source_id AND a.identity_key = i.identity_key
"""
# Only stored titles near an incoming one in time can make it a repeat: an outlet's
# recurring headline ("Morning briefing") may have thousands of stored copies.
_STORED_TITLES = """
    SELECT a.source_id, a.syndication_key, a.published_at FROM articles a
    SEMI JOIN incoming_titles t ON a.source_id = t.source_id AND a.syndication_key = t.syndication_key
        AND a.published_at BETWEEN t.published_at - $window AND t.published_at + $window
"""
_INSERT = """
    INSERT INTO articles (article_id, source_id, feed_id, identity_key, guid, url, title, summary,
                          published_at, date_quality, fetched_at, syndication_key)
    SELECT article_id, source_id, feed_id, identity_key, guid, url, title, summary,
           published_at, date_quality, fetched_at, syndication_key
    FROM incoming_articles
"""
_ARTICLE_COLUMNS = {
    "article_id": pa.int64(),
    "source_id": pa.int32(),
    "feed_id": pa.int32(),
    "identity_key": pa.string(),
    "guid": pa.string(),
    "url": pa.string(),
    "title": pa.string(),
    "summary": pa.string(),
    "published_at": pa.timestamp("us"),
    "date_quality": pa.string(),
    "fetched_at": pa.timestamp("us"),
    "syndication_key": pa.string(),
}


def insert_batches(connection: duckdb.DuckDBPyConnection, batches: Sequence[ArticleBatch]) -> list[int]:
    """Insert the articles not yet stored for their outlets and tally them; returns each batch's new count.

    The result is what storing the batches one after another would give: an article
    is new unless its outlet already has its identity, or (for one without a guid)
    the same title within `SAME_TITLE_WINDOW`, stored or earlier in these batches.
    Deciding in Python against just the colliding stored rows, then inserting every
    new row in one statement, costs one round trip instead of one per document.
    """
    incoming = _Incoming(batches)
    if not incoming.identity_keys:
        return [0] * len(batches)
    stored_identities, stored_titles = _colliding_rows(connection, incoming)
    counts = [0] * len(batches)
    new_rows: list[int] = []
    # Plain lists walked in step: an article already stored costs two lookups and nothing else.
    for row, (batch_number, source_id, key, syndication, by_title, published_at) in enumerate(
        zip(
            incoming.batch_numbers,
            incoming.source_ids,
            incoming.identity_keys,
            incoming.syndication_keys,
            incoming.dedupe_by_title,
            incoming.published_at,
            strict=True,
        )
    ):
        identity = (source_id, key)
        if identity in stored_identities:
            continue
        titles = stored_titles[(source_id, syndication)] if syndication else []
        if by_title and any(abs(published_at - other) <= SAME_TITLE_WINDOW for other in titles):
            continue
        stored_identities.add(identity)
        titles.append(published_at)
        new_rows.append(row)
        counts[batch_number] += 1
    if new_rows:
        _insert_and_tally(connection, incoming, new_rows)
    return counts


class _Incoming:
    """The batches' keyed articles end to end, with each article's batch, outlet and feed."""

    def __init__(self, batches: Sequence[ArticleBatch]) -> None:
        self.keyed = [batch.articles for batch in batches]
        self.batch_numbers: list[int] = []
        self.source_ids: list[int] = []
        self.feed_ids: list[int | None] = []
        self.fetched_at: list[datetime] = []
        self.identity_keys: list[str] = []
        self.syndication_keys: list[str | None] = []
        self.dedupe_by_title: list[bool] = []
        self.published_at: list[datetime] = []
        for number, (batch, keyed) in enumerate(zip(batches, self.keyed, strict=True)):
            size = len(keyed)
            self.batch_numbers += [number] * size
            self.source_ids += [batch.source_id] * size
            self.feed_ids += [batch.feed_id] * size
            self.fetched_at += [to_stored(batch.fetched_at)] * size
            self.identity_keys += keyed.identity_keys
            self.syndication_keys += keyed.syndication_keys
            self.dedupe_by_title += keyed.dedupe_by_title
            self.published_at += keyed.published_at

    def offsets(self) -> list[int]:
        """Where each batch's articles start in the columns."""
        starts = [0]
        for keyed in self.keyed[:-1]:
            starts.append(starts[-1] + len(keyed))
        return starts

    def row_numbers(self, rows: list[int]) -> dict[tuple[int, str], int]:
        """The rows by (outlet, identity): unique among the rows of new articles, not among all."""
        return {(self.source_ids[row], self.identity_keys[row]): row for row in rows}

    def column(self, name: str) -> list:
        return [value for keyed in self.keyed for value in getattr(keyed, name)]


def _colliding_rows(
    connection: duckdb.DuckDBPyConnection, incoming: _Incoming
) -> tuple[set[tuple[int, str]], defaultdict[tuple[int, str], list[datetime]]]:
    identities = pa.table(
        {
            "source_id": pa.array(incoming.source_ids, pa.int32()),
            "identity_key": pa.array(incoming.identity_keys, pa.string()),
        }
    )
    titles = pa.table(
        {
            "source_id": pa.array(incoming.source_ids, pa.int32()),
            "syndication_key": pa.array(incoming.syndication_keys, pa.string()),
            "published_at": pa.array(incoming.published_at, pa.timestamp("us")),
        }
    ).filter(pc.is_valid(pc.field("syndication_key")))
    connection.register("incoming_identities", identities)
    connection.register("incoming_titles", titles)
    try:
        stored_identities = {
            (int(source_id), key) for source_id, key in connection.execute(_STORED_IDENTITIES).fetchall()
        }
        stored_titles: defaultdict[tuple[int, str], list[datetime]] = defaultdict(list)
        for source_id, key, published_at in connection.execute(
            _STORED_TITLES, {"window": SAME_TITLE_WINDOW}
        ).fetchall():
            stored_titles[(int(source_id), key)].append(published_at)
    finally:
        connection.unregister("incoming_identities")
        connection.unregister("incoming_titles")
    return stored_identities, stored_titles


def _insert_and_tally(connection: duckdb.DuckDBPyConnection, incoming: _Incoming, rows: list[int]) -> None:
    ids = [0] * len(incoming.identity_keys)  # only the new rows' are computed and kept
    for row in rows:
        ids[row] = article_id_of(incoming.source_ids[row], incoming.identity_keys[row])
    values = {
        "article_id": ids,
        "source_id": incoming.source_ids,
        "feed_id": incoming.feed_ids,
        "identity_key": incoming.identity_keys,
        "guid": incoming.column("guids"),
        "url": incoming.column("urls"),
        "title": incoming.column("titles"),
        "summary": incoming.column("summaries"),
        "published_at": incoming.published_at,
        "date_quality": incoming.column("date_quality"),
        "fetched_at": incoming.fetched_at,
        "syndication_key": incoming.syndication_keys,
    }
    table = pa.table({name: pa.array(values[name], kind) for name, kind in _ARTICLE_COLUMNS.items()})
    if len(rows) < table.num_rows:
        table = table.take(pa.array(rows, pa.int64()))
    connection.register("incoming_articles", table)
    try:
        connection.execute(_INSERT)
    finally:
        connection.unregister("incoming_articles")
    titles, summaries = values["title"], values["summary"]
    inserted = [
        (ids[row], titles[row], summaries[row], incoming.source_ids[row], incoming.identity_keys[row]) for row in rows
    ]
    watchlist = stored_watchlist(connection)
    if watchlist is not None and inserted:
        found, unmatched = _found_mentions(incoming, rows, inserted, watchlist)
        insert_mentions(connection, mention_frame(found))
        if unmatched:
            tally_new_articles(connection, watchlist, unmatched)
    if inserted:  # every write has migrated the file first (Warehouse.writing), so the rollups exist
        add_to_rollups(connection, [row[0] for row in inserted])


def _found_mentions(
    incoming: _Incoming, rows: list[int], inserted: list[tuple[int, str, str, int, str]], watchlist: Watchlist
) -> tuple[FoundMentions, list[tuple[int, str, str]]]:
    """The inserted articles' mentions already found by the parser processes, and the articles still to match.

    Mentions found with another watchlist than the stored one (edited and retallied
    since the parser processes started) are not used: those articles are matched again.
    """
    found = FoundMentions(watchlist.content_hash, [], [], [], [])
    # Each batch's mentions if they were found with the stored watchlist, else None (archives,
    # demo history, parsing in the fetcher's threads, a watchlist edited since the workers started).
    usable = [
        mentions if mentions is not None and mentions.watchlist_hash == watchlist.content_hash else None
        for mentions in (keyed.mentions for keyed in incoming.keyed)
    ]
    if all(mentions is None for mentions in usable):
        return found, [(article_id, title, summary) for article_id, title, summary, _, _ in inserted]
    unmatched: list[tuple[int, str, str]] = []
    row_of = incoming.row_numbers(rows)
    article_ids: dict[int, int] = {}
    for article_id, title, summary, source_id, key in inserted:
        row = row_of[(source_id, key)]
        if usable[incoming.batch_numbers[row]] is not None:
            article_ids[row] = article_id
        else:
            unmatched.append((article_id, title, summary))
    for mentions, offset in zip(usable, incoming.offsets(), strict=True):
        if mentions is None:
            continue
        for position, entity_id, occurrences, in_title in zip(
            mentions.articles, mentions.entity_ids, mentions.occurrences, mentions.in_title, strict=True
        ):
            stored_as = article_ids.get(offset + position)
            if stored_as is not None:  # else stored before, or a repeat of another new article
                found.articles.append(stored_as)
                found.entity_ids.append(entity_id)
                found.occurrences.append(occurrences)
                found.in_title.append(in_title)
    return found, unmatched
