"""What the news talks about more than before: title words and two-word phrases whose share of articles rose.

Counting is set work in SQL (`rising_term_counts.sql`): the titles of the window and of
the days before it, split into words, stop words of each outlet's language left out.
Ranking reuses the spike evidence's rule (`rank_rising_terms`): the smoothed ratio of a
term's share of articles in the window to its share in the baseline.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache

import stop_words

from warehouse.analysis.evidence import STOP_WORDS, TermCount, rank_rising_terms
from warehouse.counting.collections import collection_source_ids
from warehouse.engine.db import Warehouse
from warehouse.engine.queries import load_query
from warehouse.errors import WarehouseError

__all__ = ["RISING_COLUMNS", "RISING_WINDOWS", "RisingReport", "rising_terms"]

RISING_WINDOWS = {"1d": 1, "7d": 7}
BASELINE_DAYS = 28
MIN_WINDOW_ARTICLES = 3  # fewer is chance: one story's headline words
# ... and at least 1 in 1,000 of the window's articles: in a week of 20,000 articles, three
# headlines sharing a word are noise, which the smoothed ratio would still rank above a story.
MIN_WINDOW_SHARE = 0.001
FALLBACK_LANGUAGE = "en"  # outlets whose feed list gives no language (or one without a stop-word list)
RISING_COLUMNS = [
    "term",
    "window_articles",
    "window_share",
    "baseline_articles",
    "baseline_share",
    "log_ratio",
]
_COUNTS = load_query("rising_term_counts")
_PERIOD_TOTALS = (
    "SELECT count(*) FILTER (WHERE published_at >= $window_start), count(*) FILTER (WHERE published_at < $window_start)"
    " FROM articles WHERE date_quality IN ('ok', 'missing')"
    " AND published_at >= $baseline_start AND published_at < $window_end"
    " AND ($source_ids IS NULL OR list_contains($source_ids, source_id))"
)
_NEWEST_BUCKETED_AT = "SELECT max(published_at) FROM articles WHERE date_quality IN ('ok', 'missing')"


@dataclass(frozen=True)
class RisingReport:
    """The rising terms of a window, with the periods they were measured over (UTC days, inclusive)."""

    window: tuple[date, date]
    baseline: tuple[date, date]
    window_articles: int
    baseline_articles: int
    rows: list[dict[str, object]]  # RISING_COLUMNS, best first


@cache
def _stop_word_lists() -> tuple[list[str], list[str]]:
    """Parallel lists (language code, word) of every language the stop-words package ships."""
    languages, words = [], []
    for code in sorted(stop_words.LANGUAGE_MAPPING):
        listed = set(stop_words.get_stop_words(code))
        if code == "en":
            listed |= STOP_WORDS  # headline filler: live, update, latest
        for word in sorted(listed):
            languages.append(code)
            words.append(word.lower())
    return languages, words


def rising_terms(
    wh: Warehouse,
    *,
    window_days: int = 1,
    baseline_days: int = BASELINE_DAYS,
    limit: int = 20,
    collection: str | None = None,
) -> RisingReport:
    """Terms whose share of articles in the last `window_days` UTC days rose most against the `baseline_days` before.

    The window ends with the day of the newest article (a live warehouse: today, so far).
    A term is a title word or two neighbouring title words; it must be in at least
    MIN_WINDOW_ARTICLES articles of the window, and MIN_WINDOW_SHARE of them, and rise at least 1.5-fold
    (warehouse.spike_evidence.rank_rising_terms says how the rise is measured). With
    `collection`, only its outlets' titles and totals count (the window still ends on the
    newest article's day of any outlet).
    """
    if window_days < 1 or baseline_days < 1:
        raise WarehouseError("the window and the baseline need 1 day or more")
    languages, words = _stop_word_lists()
    with wh.reading() as connection:
        source_ids = collection_source_ids(connection, collection)
        row = connection.execute(_NEWEST_BUCKETED_AT).fetchone()
        newest = row[0] if row else None
        if newest is None:
            today = datetime.now(UTC).date()
            return RisingReport((today, today), (today, today), 0, 0, [])
        last_day = newest.date()
        window_start = last_day - timedelta(days=window_days - 1)
        baseline_start = window_start - timedelta(days=baseline_days)
        bounds = {
            "window_start": datetime.combine(window_start, time(0)),
            "window_end": datetime.combine(last_day + timedelta(days=1), time(0)),
            "baseline_start": datetime.combine(baseline_start, time(0)),
            "source_ids": source_ids,
        }
        totals = connection.execute(_PERIOD_TOTALS, bounds).fetchone()
        window_total, baseline_total = (int(totals[0]), int(totals[1])) if totals else (0, 0)
        rows = connection.execute(
            _COUNTS,
            {
                **bounds,
                "listed_languages": sorted(set(languages)),
                "stop_languages": languages,
                "stop_words": words,
                "fallback_language": FALLBACK_LANGUAGE,
                "min_window_articles": max(MIN_WINDOW_ARTICLES, math.ceil(window_total * MIN_WINDOW_SHARE)),
            },
        ).fetchall()
    counts = [TermCount("window", term, int(w), int(b), window_total, baseline_total) for term, w, b in rows]
    ranked = rank_rising_terms(counts, limit=limit)
    return RisingReport(
        window=(window_start, last_day),
        baseline=(baseline_start, window_start - timedelta(days=1)),
        window_articles=window_total,
        baseline_articles=baseline_total,
        rows=[
            {
                "term": term.term,
                "window_articles": term.episode_articles,
                "window_share": _share(term.episode_articles, window_total),
                "baseline_articles": term.baseline_articles,
                "baseline_share": _share(term.baseline_articles, baseline_total),
                "log_ratio": term.log_ratio,
            }
            for term in ranked
        ],
    )


def _share(articles: int, total: int) -> float:
    return round(articles / total, 6) if total else 0.0
