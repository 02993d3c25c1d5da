"""Spikes: days on which an entity's coverage stands far above its own recent past, merged into episodes.

`detect_spikes` is the statistical judgement, plain pandas over one daily series and
testable without a database; `spike_episodes` feeds it the warehouse's series and
attaches the evidence an editor needs to believe a spike (headlines, rising words,
calendar events). docs/spikes.md explains the method and its parameters.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view

from warehouse.analysis.catalog import list_entities, require_entities
from warehouse.analysis.events import list_events
from warehouse.analysis.evidence import (
    Headline,
    RisingTerm,
    TermCount,
    episode_headlines,
    episode_term_counts,
    headline_days,
    rank_rising_terms,
)
from warehouse.analysis.series import entity_series, first_bucketed_at
from warehouse.counting.queries import mentions_with_queries, parse_query
from warehouse.engine.db import Warehouse
from warehouse.errors import WarehouseError
from warehouse.rows import Event

__all__ = [
    "DEFAULT_WINDOW_DAYS",
    "EPISODE_COLUMNS",
    "Episode",
    "detect_spikes",
    "spike_episodes",
    "spike_episodes_peaking_within",
]

EPISODE_COLUMNS = ["start", "peak", "end", "peak_count", "peak_value", "baseline_median", "score"]

# MAD × 1.4826 estimates the standard deviation of normal noise, so the score reads
# like a z-score; 3.5 on that scale is Iglewicz and Hoaglin's cut-off for outliers.
_MAD_TO_SIGMA = 1.4826
DEFAULT_WINDOW_DAYS = 28  # a day is judged against this many days before it
# spike_episodes_peaking_within reads this far past its range, so an episode peaking in it is
# seen to its end, and its true peak with it.
_LOOKAHEAD_DAYS = 14
EVENT_PROXIMITY_DAYS = 3
HEADLINES_PER_EPISODE = 5
TERMS_PER_EPISODE = 8


@dataclass(frozen=True)
class Episode:
    """A run of consecutive spike days of one entity, with the evidence behind it. Dates are UTC days."""

    entity_id: str
    start: date
    peak: date
    end: date
    peak_articles: int  # articles mentioning the entity on the peak day
    peak_total_articles: int  # all articles that day
    peak_share: float
    baseline_share: float  # median daily share of the window_days (28) days before the peak
    score: float  # robust z-score of the peak day
    headlines: tuple[Headline, ...] = ()
    rising_terms: tuple[RisingTerm, ...] = ()
    events: tuple[Event, ...] = ()

    @property
    def episode_id(self) -> str:
        return f"{self.entity_id}:{self.start.isoformat()}"


def detect_spikes(
    daily: pd.Series,
    *,
    totals: pd.Series | None = None,
    window_days: int = DEFAULT_WINDOW_DAYS,
    threshold: float = 3.5,
    min_count: int = 5,
) -> pd.DataFrame:
    """Days far above their own recent past, merged into episodes: start, peak, end, peak_count, peak_value, ...

    `daily` is articles per day (index: dates). With `totals` (all articles per day) each
    day is judged on its share, so a day on which every outlet simply published more, or
    a batch of newly added feeds, is not a spike; without, on the count itself.

    A day's yardstick is the median and MAD of the `window_days` days before it: the
    day itself is left out, so a burst cannot raise its own yardstick. Its score is the
    smaller of two: the robust z-score (value - median) / (1.4826 × MAD), the MAD floored
    at one article's worth so a flat or empty past does not turn one stray article into
    an infinite score; and a chance score, the count against the count the median
    predicts on Anscombe's square-root scale, so the ordinary Poisson noise of a thinly
    covered entity is not news. A day is flagged when its score reaches `threshold` and
    at least `min_count` articles mention the entity; days with fewer than `window_days`
    days of past are not judged. Consecutive flagged days form one episode; its peak is
    the day with the highest value, and `peak_value`, `baseline_median` and `score` are
    that day's.
    """
    counts = _daily(daily)
    day_totals = None if totals is None else _daily(totals).reindex(counts.index, fill_value=0.0).to_numpy()
    judged = _judged(counts.to_numpy()[:, None], day_totals, window_days, threshold, min_count)
    return _episodes(counts.index, *(column[:, 0] for column in judged))


def _daily(series: pd.Series) -> pd.Series:
    """The series on a gapless daily index (missing days are zeros), as floats."""
    if series.empty:
        return pd.Series(dtype="float64", index=pd.DatetimeIndex([]))
    indexed = series.copy()
    indexed.index = pd.DatetimeIndex(pd.to_datetime(series.index)).normalize()
    indexed = indexed.groupby(level=0).sum()
    days = pd.date_range(indexed.index.min(), indexed.index.max(), freq="D")
    return indexed.reindex(days, fill_value=0).astype("float64")


_Judged = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def _judged(
    counts: np.ndarray, day_totals: np.ndarray | None, window_days: int, threshold: float, min_count: int
) -> _Judged:
    """count, value, median, score, flagged for a days × series matrix of counts (one column per entity).

    `day_totals` (one per day, shared by every column) makes the value a share.
    """
    counts = counts.astype("float64")
    if day_totals is None:
        values = counts
        one_article: float | np.ndarray = 1.0
        sizes = np.ones((len(counts), 1))
    else:
        sizes = day_totals.astype("float64")[:, None]
        values = np.divide(counts, sizes, out=np.zeros_like(counts), where=sizes > 0)
        one_article = 1.0 / np.where(sizes > 0, sizes, 1.0)
    medians, deviations = _past_median_and_mad(values, window_days)
    with np.errstate(invalid="ignore"):
        robust = (values - medians) / np.maximum(deviations * _MAD_TO_SIGMA, one_article)
        expected = medians * sizes
        # Anscombe: 2·sqrt(x + 3/8) turns Poisson counts into unit-variance normal ones.
        chance = 2.0 * (np.sqrt(counts + 0.375) - np.sqrt(expected + 0.375))
        scores = np.minimum(robust, chance)
        flagged = (~np.isnan(medians)) & (scores >= threshold) & (counts >= min_count)
    return counts, values, medians, scores, flagged


def _past_median_and_mad(values: np.ndarray, window_days: int) -> tuple[np.ndarray, np.ndarray]:
    """Median and MAD of the `window_days` rows before each row, per column; NaN where the past is shorter."""
    medians = np.full(values.shape, np.nan)
    deviations = np.full(values.shape, np.nan)
    if len(values) > window_days:
        windows = sliding_window_view(values[:-1], window_days, axis=0)  # rows × columns × window
        window_medians = np.median(windows, axis=-1)
        medians[window_days:] = window_medians
        deviations[window_days:] = np.median(np.abs(windows - window_medians[..., None]), axis=-1)
    return medians, deviations


def _episodes(
    days: pd.DatetimeIndex,
    counts: np.ndarray,
    values: np.ndarray,
    medians: np.ndarray,
    scores: np.ndarray,
    flagged: np.ndarray,
) -> pd.DataFrame:
    positions = np.flatnonzero(flagged)
    if len(positions) == 0:
        return pd.DataFrame({column: pd.Series(dtype="object") for column in EPISODE_COLUMNS})
    # The index is gapless and daily, so consecutive days are consecutive positions.
    runs = np.split(positions, np.flatnonzero(np.diff(positions) != 1) + 1)
    rows = []
    for run in runs:
        peak = run[np.argmax(values[run])]  # the first of equal highs
        rows.append(
            {
                "start": days[run[0]].date(),
                "peak": days[peak].date(),
                "end": days[run[-1]].date(),
                "peak_count": int(counts[peak]),
                "peak_value": float(values[peak]),
                "baseline_median": float(medians[peak]),
                "score": round(float(scores[peak]), 2),
            }
        )
    return pd.DataFrame(rows, columns=EPISODE_COLUMNS)


def spike_episodes(
    wh: Warehouse,
    *,
    entity_ids: list[str] | None = None,
    queries: Sequence[str] = (),
    since: date | None = None,
    until: date | None = None,
    window_days: int = DEFAULT_WINDOW_DAYS,
    threshold: float = 3.5,
    min_count: int = 5,
    collection: str | None = None,
) -> list[Episode]:
    """Every spike episode of the entities (default: all) that ends on or after `since`, by start date.

    Days are UTC calendar days and only trustworthy dates count (docs/counting.md), so a
    pile-up of articles with a bogus future or 1970 date can never make a spike.
    With `queries` (warehouse.counting.queries) and no `entity_ids`, only the queries are judged;
    their episodes carry the query text as entity_id. With `collection`, coverage is judged
    over its outlets only (articles and totals both).
    """
    if window_days < 1:
        raise WarehouseError(f"the spike window needs 1 day or more, not {window_days}")
    everyone = [] if queries else list(list_entities(wh)["entity_id"])
    ids = require_entities(wh, entity_ids) if entity_ids else everyone
    # Judging starts window_days before `since`, so an episode already under way on
    # `since` keeps its true start (and its id) unless it began even earlier.
    load_from = since - timedelta(days=2 * window_days) if since else None
    series = entity_series(wh, ids, queries=queries, start=load_from, end=until, collection=collection)
    table = _episode_table(series, window_days=window_days, threshold=threshold, min_count=min_count)
    if since is not None:
        table = table[table["end"] >= since]
    return _with_evidence(wh, table, series, calendar=list_events(wh), terms_baseline_days=window_days, queries=queries)


def spike_episodes_peaking_within(
    wh: Warehouse,
    entity_ids: Sequence[str],
    *,
    start: date,
    end: date,
    queries: Sequence[str] = (),
    calendar: Sequence[Event] | None = None,
    first_day: date | None = None,
    collection: str | None = None,
) -> list[Episode]:
    """The entities' (and `queries'`) spike episodes whose peak falls from `start` to `end` (UTC days), by start
    date, for marking them on a chart: without their rising terms, which a chart does not show.

    Otherwise they are exactly the episodes `spike_episodes` finds over all the data (same id,
    days, score, headlines and events; a query's carry its text as entity_id), but judged from
    the days around the range only, so a short range does not pay for judging every spike of
    years of coverage; a query's headlines are read from its episodes' own days. A day's judgement
    looks back DEFAULT_WINDOW_DAYS days, so the series is read from twice that before `start`
    (not before `first_day`, the corpus's first UTC day with bucketed articles, where judging
    over all the data starts too) to _LOOKAHEAD_DAYS after `end`; when an episode peaking in
    the range reaches either end of what was read, it may run on beyond it, and the read
    widens until none does. `calendar` and `first_day` are read from the warehouse unless given.
    """
    ids = list(dict.fromkeys(entity_ids))
    if first_day is None:
        with wh.reading() as connection:
            first_at = first_bucketed_at(connection)
        if first_at is None:
            return []
        first_day = first_at.date()
    lookback = timedelta(days=2 * DEFAULT_WINDOW_DAYS)
    judge_from = max(start - lookback, first_day)
    read_to = end + timedelta(days=_LOOKAHEAD_DAYS)
    while True:
        series = entity_series(wh, ids, queries=queries, start=judge_from, end=read_to, collection=collection)
        table = _episode_table(series)
        judged = table[(table["peak"] >= start) & (table["peak"] <= end)]
        first_judged = judge_from + timedelta(days=DEFAULT_WINDOW_DAYS)
        cut_at_start = judge_from > first_day and bool((judged["start"] <= first_judged).any())
        cut_at_end = bool((judged["end"] >= read_to).any())
        if not (cut_at_start or cut_at_end):
            break
        if cut_at_start:
            judge_from = max(judge_from - lookback, first_day)
        if cut_at_end:
            read_to += timedelta(days=2 * _LOOKAHEAD_DAYS)
    events = list(calendar) if calendar is not None else list_events(wh)
    return _with_evidence(wh, judged, series, calendar=events, terms_baseline_days=None, queries=queries)


def _episode_table(
    series: pd.DataFrame,
    *,
    window_days: int = DEFAULT_WINDOW_DAYS,
    threshold: float = 3.5,
    min_count: int = 5,
) -> pd.DataFrame:
    """Every episode of every entity in a gapless daily `entity_series` frame: entity_id and EPISODE_COLUMNS."""
    found = []
    if not series.empty:
        # One matrix, days × entities, judged in one pass.
        counts = series.pivot(index="bucket_start", columns="entity_id", values="articles")
        totals = _totals_by_day(series).reindex(counts.index).to_numpy()
        days = pd.DatetimeIndex(pd.to_datetime(counts.index))
        judged = _judged(counts.to_numpy(), totals, window_days, threshold, min_count)
        for position, entity_id in enumerate(counts.columns):
            episodes = _episodes(days, *(array[:, position] for array in judged))
            if not episodes.empty:
                found.append(episodes.assign(entity_id=entity_id))
    if not found:
        return pd.DataFrame({column: pd.Series(dtype="object") for column in ["entity_id", *EPISODE_COLUMNS]})
    return pd.concat(found, ignore_index=True)


def _totals_by_day(series: pd.DataFrame) -> pd.Series:
    return series.drop_duplicates("bucket_start").set_index("bucket_start")["total_articles"]


def _with_evidence(
    wh: Warehouse,
    table: pd.DataFrame,
    series: pd.DataFrame,
    *,
    calendar: Sequence[Event],
    terms_baseline_days: int | None,
    queries: Sequence[str] = (),
) -> list[Episode]:
    """The episodes of `table`, by start date, with headlines, nearby events and (given a baseline) rising terms."""
    if table.empty:
        return []
    table = table.sort_values(["start", "entity_id"], kind="stable").reset_index(drop=True)
    table["episode_id"] = table["entity_id"] + ":" + table["start"].map(date.isoformat)
    terms_by_episode: dict[str, list[TermCount]] = defaultdict(list)
    with wh.reading() as connection:
        # A query's episodes carry its text as entity_id: its matches (of the days the evidence
        # reads, UTC) are written under that key.
        searched = {text: parse_query(text) for text in dict.fromkeys(queries)}
        first = min(table["start"]) - timedelta(days=terms_baseline_days or 0)
        after = max(table["end"]) + timedelta(days=1)
        mentions = "mentions"
        if searched:
            start_utc, end_utc = datetime.combine(first, time(0)), datetime.combine(after, time(0))
            # Headlines alone read the episodes' days up to their peaks; rising terms need every day.
            days = None if terms_baseline_days is not None else headline_days(table)
            mentions = mentions_with_queries(connection, searched, start_utc=start_utc, end_utc=end_utc, days=days)
        headlines = episode_headlines(connection, table, limit=HEADLINES_PER_EPISODE, mentions=mentions)
        if terms_baseline_days is not None:
            counts = episode_term_counts(connection, table, baseline_days=terms_baseline_days, mentions=mentions)
            for term in counts:
                terms_by_episode[term.episode_id].append(term)
    totals_by_day = _totals_by_day(series)
    events = list(calendar)
    return [
        _episode(
            record, totals_by_day, headlines.get(record.episode_id, ()), terms_by_episode[record.episode_id], events
        )
        for record in table.itertuples(index=False)
    ]


def _episode(
    record,
    totals_by_day: pd.Series,
    headlines: tuple[Headline, ...],
    terms: list[TermCount],
    calendar: list[Event],
) -> Episode:
    peak_total = int(totals_by_day.get(record.peak.isoformat(), 0))
    near_from = record.start - timedelta(days=EVENT_PROXIMITY_DAYS)
    near_to = record.end + timedelta(days=EVENT_PROXIMITY_DAYS)
    return Episode(
        entity_id=record.entity_id,
        start=record.start,
        peak=record.peak,
        end=record.end,
        peak_articles=int(record.peak_count),
        peak_total_articles=peak_total,
        peak_share=round(float(record.peak_value), 6),
        baseline_share=round(float(record.baseline_median), 6),
        score=float(record.score),
        headlines=headlines,
        rising_terms=rank_rising_terms(terms, limit=TERMS_PER_EPISODE),
        events=tuple(event for event in calendar if event.start_date <= near_to and event.end_date >= near_from),
    )
