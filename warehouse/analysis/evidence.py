"""The evidence attached to a spike episode: the headlines that drove it and the words that rose with it.

Grouping articles into stories and counting title words is set work, done in SQL
(`episode_headlines`, `episode_term_counts`) so that only a few rows per episode ever
reach Python: a busy entity's episodes hold hundreds of thousands of articles at ten
million. Ranking the rising words is plain Python over those rows (`rank_rising_terms`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import NamedTuple

import duckdb
import pandas as pd

from warehouse.engine.queries import load_query

__all__ = [
    "STOP_WORDS",
    "Headline",
    "RisingTerm",
    "TermCount",
    "episode_headlines",
    "episode_term_counts",
    "headline_days",
    "rank_rising_terms",
]

# Function words and headline filler that rise and fall with volume, not with a story.
STOP_WORDS = frozenset(
    """
    a about after again against all also amid among an and any are as at back be been before being
    between but by can could did does doing down during each few for from further had has have having
    he her here hers him his how into its just more most new news not now off once only other our out
    over own said same says she should since some still such than that the their them then there these
    they this those through today too under until very was week were what when where which while who
    whom why will with would year years you your yet live latest update updates report reports
    """.split()  # noqa: SIM905 - a word list reads better as text
)
_EPISODE_HEADLINES = load_query("episode_headlines")
_EPISODE_TERM_COUNTS = load_query("episode_term_counts")
MIN_EPISODE_TITLES_PER_TERM = 2
# A word must be at least 1.5 times as frequent in the episode's titles as before to count as
# rising; smoothing alone nudges a word that is in every title of both periods above 1.
MIN_LOG_RATIO = math.log(1.5)


class TermCount(NamedTuple):
    """How many titles hold a word in an episode and in its baseline; `episode_term_counts` returns these."""

    episode_id: str
    term: str
    episode_articles: int
    baseline_articles: int
    episode_titles: int  # all titles of the entity's articles in the episode
    baseline_titles: int  # all titles of the entity's articles in the baseline


@dataclass(frozen=True)
class Headline:
    """One story behind a spike: its first-published article, and how many outlets ran it."""

    article_id: int
    source: str
    published_at: datetime  # UTC
    title: str
    url: str
    outlets: int  # outlets that ran the same story (same content words in the title)


@dataclass(frozen=True)
class RisingTerm:
    """A title word that rose during an episode against its baseline."""

    term: str
    episode_articles: int  # titles containing it during the episode
    baseline_articles: int  # titles containing it in the baseline window
    log_ratio: float  # natural log of the smoothed rate in the episode over the rate in the baseline


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=offset) for offset in range((last - first).days + 1)]


def headline_days(episodes: pd.DataFrame) -> set[date]:
    """The UTC days `episode_headlines` draws the episodes' candidates from: each one's start to its peak."""
    return {day for start, peak in zip(episodes["start"], episodes["peak"], strict=True) for day in _days(start, peak)}


def episode_headlines(
    connection: duckdb.DuckDBPyConnection, episodes: pd.DataFrame, *, limit: int = 5, mentions: str = "mentions"
) -> dict[str, tuple[Headline, ...]]:
    """Per episode id, the `limit` stories most widely carried, each by the outlet that published it first.

    The candidates are the articles mentioning the episode's entity from its start day to
    its peak day. Articles whose titles share their content words (any order, any case,
    stop words aside) are one story. Stories run by more outlets come first; among equals,
    one naming the entity in its title, then the earliest. `episodes` has episode_id,
    entity_id, start, peak (dates, UTC days); an episode without candidates is left out.
    """
    episode_ids, entity_ids, days = [], [], []
    for episode_id, entity_id, start, peak in zip(
        episodes["episode_id"], episodes["entity_id"], episodes["start"], episodes["peak"], strict=True
    ):
        for day in _days(start, peak):
            episode_ids.append(episode_id)
            entity_ids.append(entity_id)
            days.append(day)
    rows = connection.execute(
        _EPISODE_HEADLINES.replace("{mentions}", mentions),
        {
            "episode_ids": episode_ids,
            "entity_ids": entity_ids,
            "days": days,
            "stop_words": sorted(STOP_WORDS),
            "limit": limit,
        },
    ).fetchall()
    found: dict[str, list[Headline]] = {}
    for episode_id, article_id, source, published_at, title, url, outlets in rows:
        found.setdefault(episode_id, []).append(
            Headline(
                article_id=int(article_id),
                source=source,
                published_at=published_at.replace(tzinfo=UTC),
                title=title,
                url=url,
                outlets=int(outlets),
            )
        )
    return {episode_id: tuple(headlines) for episode_id, headlines in found.items()}


def episode_term_counts(
    connection: duckdb.DuckDBPyConnection, episodes: pd.DataFrame, *, baseline_days: int, mentions: str = "mentions"
) -> list[TermCount]:
    """Per episode and title word: titles containing it in the episode and in the `baseline_days` before.

    `episodes` has episode_id, entity_id, start, end (dates, UTC days); only words in at
    least two episode titles are returned.
    """
    episode_ids, entity_ids, days, in_episode = [], [], [], []
    for episode_id, entity_id, start, end in zip(
        episodes["episode_id"], episodes["entity_id"], episodes["start"], episodes["end"], strict=True
    ):
        for day in _days(start - timedelta(days=baseline_days), end):
            episode_ids.append(episode_id)
            entity_ids.append(entity_id)
            days.append(day)
            in_episode.append(day >= start)
    rows = connection.execute(
        _EPISODE_TERM_COUNTS.replace("{mentions}", mentions),
        {
            "episode_ids": episode_ids,
            "entity_ids": entity_ids,
            "days": days,
            "in_episode": in_episode,
            "stop_words": sorted(STOP_WORDS),
            "min_episode_articles": MIN_EPISODE_TITLES_PER_TERM,
        },
    ).fetchall()
    return [TermCount(*row) for row in rows]


def rank_rising_terms(counts: Iterable[TermCount], *, limit: int = 8) -> tuple[RisingTerm, ...]:
    """Words ranked by how much more often they appear in episode titles than in baseline titles.

    log_ratio = ln( ((e + 1) / (E + 2)) / ((b + 1) / (B + 2)) ): e of E episode titles and
    b of B baseline titles contain the word. The +1/+2 (Laplace) smoothing keeps a word
    absent from the baseline finite and lets a word seen in many titles outrank one seen
    in two. Only words that rose at least 1.5-fold (log_ratio >= ln 1.5) are returned.
    """
    terms = []
    for _, term, in_episode, in_baseline, episode_titles, baseline_titles in counts:
        log_ratio = math.log(((in_episode + 1) / (episode_titles + 2)) / ((in_baseline + 1) / (baseline_titles + 2)))
        if log_ratio >= MIN_LOG_RATIO:
            terms.append(
                RisingTerm(
                    term=term,
                    episode_articles=int(in_episode),
                    baseline_articles=int(in_baseline),
                    log_ratio=round(log_ratio, 3),
                )
            )
    terms.sort(key=lambda term: (-term.log_ratio, -term.episode_articles, term.term))
    return tuple(terms[:limit])
