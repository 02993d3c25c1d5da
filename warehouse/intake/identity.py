"""When two feed items are the same story: identity within an outlet, and syndication across outlets.

Within an outlet an item is known by its guid, else its canonical link, else a
hash of its title and date (its summary and date when it has no title: RSS 0.92
allows items that are only a description). Two traps of the real web shape the rules:

- Some feeds point every item's link at their homepage. A link that several
  differently titled items of one document share identifies none of them, so
  those items fall back to the title-and-date hash.
- An item without a guid that repeats a title the outlet used within 7 days is
  the same story seen again (through another feed of the outlet, or with a
  re-decorated link). Items with guids are trusted: publishers reuse headline
  templates ("Live: ...", "Morning briefing") for distinct stories, and a guid is
  the publisher saying so.

Across outlets nothing is merged: a wire story carried by five outlets is five
articles, but they share a `syndication_key` (a hash of the normalised title) so
the analytics can tell original coverage from copies.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from warehouse.engine.clock import to_stored
from warehouse.rows import FetchedArticle

__all__ = [
    "MIN_SYNDICATION_WORDS",
    "SAME_TITLE_WINDOW",
    "IncomingArticle",
    "article_id_of",
    "distinct_articles",
    "identity_key",
    "shared_links",
    "syndication_key",
]

SAME_TITLE_WINDOW = timedelta(days=7)
# "Briefing", "Live updates", "Letters": titles this short recur for unrelated
# stories, in one outlet and across outlets, so they mark nothing.
MIN_SYNDICATION_WORDS = 3

_WORD = re.compile(r"\w+")


def identity_key(article: FetchedArticle, *, shared_links: frozenset[str] = frozenset()) -> str:
    """What makes an article the same story within its outlet: guid, else link, else title (or summary) and date.

    `shared_links` are links that identify no single item (see `shared_links`).
    """
    if article.guid:
        return f"guid:{article.guid}"
    if article.url and article.url not in shared_links:
        return f"url:{article.url}"
    stamp = article.published_at.isoformat() if article.published_at else ""
    # A titled item's key is the hash of title and date alone, as it always was: stored articles keep their identity.
    hashed = f"{article.title}\n{stamp}" if article.title else f"\n{stamp}\n{article.summary}"
    digest = hashlib.sha256(hashed.encode()).hexdigest()[:32]
    return f"hash:{digest}"


def shared_links(articles: Iterable[FetchedArticle]) -> frozenset[str]:
    """Links that two or more differently titled items of one document carry: a homepage, not a story.

    An item without a title is told apart by its summary.
    """
    titles: dict[str, set[str]] = defaultdict(set)
    for article in articles:
        if article.url:
            titles[article.url].add(article.title or f"\n{article.summary}")
    return frozenset(url for url, seen in titles.items() if len(seen) > 1)


def article_id_of(source_id: int, identity_key: str) -> int:
    """An article's id, computed from its outlet and identity: every worker and every replay gets the same one.

    63 bits of a BLAKE2b digest, so it is a positive BIGINT. Nobody hands ids out, so
    writers on many hosts need not ask anyone, and a batch stored twice (a replay
    after a crash, two workers racing) names the same rows. Two different articles
    share an id with a probability of about n²/2⁶⁴: one in 180,000 at 10 million.
    """
    digest = hashlib.blake2b(f"{source_id}\x1f{identity_key}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") >> 1


def syndication_key(title: str) -> str | None:
    """The same for every copy of a headline, whatever its case, punctuation or spacing; None when too short."""
    # The runs of word characters: what splitting at every non-word run leaves, found in one pass.
    words = _WORD.findall(unicodedata.normalize("NFKC", title).casefold())
    if len(words) < MIN_SYNDICATION_WORDS:
        return None
    return hashlib.sha256(" ".join(words).encode()).hexdigest()[:20]


@dataclass(frozen=True)
class IncomingArticle:
    """An article with the keys the warehouse stores and deduplicates it by."""

    article: FetchedArticle
    identity_key: str
    syndication_key: str | None
    # True when the same-title rule applies to it: it has no guid and a title long enough to mean something.
    dedupe_by_title: bool
    # Naive UTC, as stored: the article's date, else the time its document was fetched.
    stored_published_at: datetime


def distinct_articles(articles: Sequence[FetchedArticle], *, fetched_at: datetime) -> Iterator[IncomingArticle]:
    """The articles of one document with their keys, each story once.

    A later item repeating an earlier one's identity is dropped, and so is an item
    without a guid repeating the title of an item kept within `SAME_TITLE_WINDOW`.
    `fetched_at` stands in for missing dates, as it does when the article is stored.
    """
    links = shared_links(articles)
    seen_keys: set[str] = set()
    kept_titles: dict[str, list[datetime]] = defaultdict(list)
    for article in articles:
        key = identity_key(article, shared_links=links)
        if key in seen_keys:
            continue
        syndication = syndication_key(article.title)
        by_title = syndication is not None and not article.guid
        published_at = to_stored(article.published_at or fetched_at)
        earlier = kept_titles[syndication] if syndication is not None else []
        if by_title and any(abs(published_at - other) <= SAME_TITLE_WINDOW for other in earlier):
            continue
        seen_keys.add(key)
        if syndication is not None:
            kept_titles[syndication].append(published_at)
        yield IncomingArticle(article, key, syndication, by_title, published_at)
