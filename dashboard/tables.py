"""The frames the pages list, pick from and download: small warehouse results in, display-ready tables out.

Plain pandas, no Altair and no Streamlit: the charts draw these frames (`charts`), the pages list them in
`st.dataframe` and offer them as downloads (`layout.table_downloads`), so what a reader sees, what a chart
draws and what a file holds are the same numbers. Shares become percentages here, entity ids display names,
and feed text stays plain text (a link that is not http(s) is dropped).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from warehouse import Episode, Event, FeedHealth, LensResult


SHOWN_COLUMNS = (
    "bucket_start",
    "entity_id",
    "entity",
    "articles",
    "total_articles",
    "share_percent",
    "share_base",
    "small_base",
)


def series_as_shown(series: pd.DataFrame, entity_names: Mapping[str, str]) -> pd.DataFrame:
    """The series in the shape the page draws, lists and downloads: one row per bucket and entity.

    `series` is what `warehouse.entity_series` returns; `entity_names` maps the chosen ids to
    display names, in the order the lines should be drawn. Share becomes a percentage. A series
    by outlet keeps its `source` column, and then rows go by outlet first. A smoothed series keeps its
    means (articles and total_articles with decimals). `share_base` is the articles the share divides
    (the series' own, else total_articles) and `small_base` flags one under SMALL_BASE_ARTICLES.
    """
    if series.empty:
        return pd.DataFrame({column: [] for column in SHOWN_COLUMNS})
    chosen = series[series["entity_id"].isin(list(entity_names))]
    bucket_start = pd.to_datetime(chosen["bucket_start"])
    if bucket_start.dt.tz is not None:
        bucket_start = bucket_start.dt.tz_convert("UTC").dt.tz_localize(None)
    total = _counts(chosen["total_articles"])
    articles = _counts(chosen["articles"])
    base = _counts(chosen["share_base"]) if "share_base" in chosen.columns else total
    by_outlet = {"source": chosen["source"].astype(str)} if "source" in chosen.columns else {}
    shown = pd.DataFrame(
        {
            "bucket_start": bucket_start.dt.date,
            **by_outlet,
            "entity_id": chosen["entity_id"].astype(str),
            "entity": chosen["entity_id"].map(dict(entity_names)).astype(str),
            "articles": articles,
            "total_articles": total,
            "share_percent": (100 * articles / total.where(total > 0)).fillna(0.0).round(3),
            "share_base": base,
            "small_base": base < SMALL_BASE_ARTICLES,
        }
    )
    order = {entity_id: position for position, entity_id in enumerate(entity_names)}
    shown["_order"] = shown["entity_id"].map(order)
    keys = ["source", "_order", "bucket_start"] if by_outlet else ["_order", "bucket_start"]
    return shown.sort_values(keys).drop(columns="_order").reset_index(drop=True)


def _counts(values: pd.Series) -> pd.Series:
    """Whole numbers as integers; a smoothed series' means as they are."""
    numbers = values.astype(float)
    return numbers.astype("int64") if (numbers % 1 == 0).all() else numbers


def query_labels(queries: Sequence[str], entity_names: Mapping[str, str]) -> dict[str, str]:
    """How each query's line is named: its text, marked "(query)" when an entity has that name."""
    taken = set(entity_names.values())
    return {query: f"{query} (query)" if query in taken else query for query in queries}


def entity_totals(shown: pd.DataFrame) -> pd.DataFrame:
    """Per entity over the shown range: articles mentioning it, their share of all articles, its busiest bucket."""
    rows = []
    for entity, group in shown.groupby("entity", sort=False):
        all_articles = int(group["total_articles"].sum())
        articles = int(group["articles"].sum())
        busiest = group.loc[group["articles"].idxmax()] if articles else None
        rows.append(
            {
                "entity": entity,
                "articles": articles,
                "share_percent": round(100 * articles / all_articles, 2) if all_articles else 0.0,
                "busiest_bucket": busiest["bucket_start"].isoformat() if busiest is not None else "—",
                "busiest_articles": int(busiest["articles"]) if busiest is not None else 0,
            }
        )
    columns = ["entity", "articles", "share_percent", "busiest_bucket", "busiest_articles"]
    return pd.DataFrame(rows, columns=columns)


GAP_COLUMNS = ("day", "until", "outlets", "outlet_count")


def gap_days(completeness: pd.DataFrame) -> pd.DataFrame:
    """The UTC days on which some outlet's feeds were not all fetched successfully, one row per day.

    `completeness` is what `warehouse.ingest_completeness` returns (or some outlets' rows of it);
    `until` is the next day, so a band covers the whole day; `outlets` names the outlets affected.
    """
    if completeness.empty:
        return pd.DataFrame({column: [] for column in GAP_COLUMNS})
    failed = completeness[~completeness["complete"].astype(bool)]
    rows = [
        {
            "day": day,
            "until": day + timedelta(days=1),
            "outlets": ", ".join(sorted(group["source"].astype(str))),
            "outlet_count": len(group),
        }
        for day, group in failed.groupby("day", sort=True)
    ]
    return pd.DataFrame(rows, columns=list(GAP_COLUMNS))


SPIKE_SHOWN_COLUMNS = (
    "episode_id",
    "entity_id",
    "entity",
    "start",
    "peak",
    "end",
    "peak_articles",
    "peak_share_percent",
    "baseline_share_percent",
    "score",
    "top_headline",
)


def spikes_as_shown(episodes: Sequence[Episode], entity_names: Mapping[str, str]) -> pd.DataFrame:
    """Spike episodes as the pages mark, list and download them: one row each, newest first, shares in percent.

    Episodes of entities not in `entity_names` are left out.
    """
    rows = [
        {
            "episode_id": episode.episode_id,
            "entity_id": episode.entity_id,
            "entity": entity_names[episode.entity_id],
            "start": episode.start,
            "peak": episode.peak,
            "end": episode.end,
            "peak_articles": episode.peak_articles,
            "peak_share_percent": round(100 * episode.peak_share, 2),
            "baseline_share_percent": round(100 * episode.baseline_share, 2),
            "score": episode.score,
            "top_headline": episode.headlines[0].title if episode.headlines else "",
        }
        for episode in episodes
        if episode.entity_id in entity_names
    ]
    table = pd.DataFrame(rows, columns=list(SPIKE_SHOWN_COLUMNS))
    if table.empty:
        return table
    return table.sort_values(["start", "entity_id"], ascending=[False, True], kind="stable").reset_index(drop=True)


def event_dates(event: Event) -> str:
    if event.end_date > event.start_date:
        return f"{event.start_date:%d %b %Y} – {event.end_date:%d %b %Y}"
    return f"{event.start_date:%d %b %Y}"


ARTICLE_SHOWN_COLUMNS = ("published_at", "source", "title", "entities", "url", "summary")


SAFE_LINK_SCHEMES = ("http://", "https://")


def safe_link(url: str) -> str | None:
    """`url` when it is http(s); None otherwise (say `javascript:` from a hostile feed), so no page offers it."""
    return url if url.lower().startswith(SAFE_LINK_SCHEMES) else None


def articles_as_shown(found: pd.DataFrame, entity_names: Mapping[str, str]) -> pd.DataFrame:
    """The articles the way the Articles page lists and downloads them: plain text, one row each.

    `found` is a page from `warehouse.search_articles`. Entities become their display names;
    a link that is not http(s) (say `javascript:` from a hostile feed) becomes empty, so the
    page never offers it as something to click.
    """
    if found.empty:
        return _empty(ARTICLE_SHOWN_COLUMNS)
    return pd.DataFrame(
        {
            "published_at": found["published_at"],
            "source": found["source"].astype(str),
            "title": found["title"].astype(str),
            "entities": [", ".join(entity_names.get(e, e) for e in ids) for ids in found["entity_ids"]],
            "url": [safe_link(url) for url in found["url"]],
            "summary": found["summary"].astype(str),
        },
        columns=list(ARTICLE_SHOWN_COLUMNS),
    )


def page_count(total: int, page_size: int) -> int:
    """Pages needed for `total` rows, at least one so an empty result still has a page."""
    return max(1, -(-total // page_size))


# A share over fewer articles than this is flagged wherever it is shown (`small_base`): one article more or
# less moves it by 5 points or more, so it is noise beside shares over hundreds. docs/counting.md, "Small numbers".
SMALL_BASE_ARTICLES = 20

SHARE_SHOWN_COLUMNS = ("source", "entity", "articles", "total_articles", "share_percent", "small_base")


def share_of_voice_as_shown(shares: pd.DataFrame, entity_names: Mapping[str, str]) -> pd.DataFrame:
    """Share of voice as the Sources page draws and downloads it: display names, share in percent, and
    `small_base` where the outlet had fewer than SMALL_BASE_ARTICLES articles in all."""
    if shares.empty:
        return _empty(SHARE_SHOWN_COLUMNS)
    return pd.DataFrame(
        {
            "source": shares["source"].astype(str),
            "entity": _display_names(shares["entity_id"], entity_names),
            "articles": shares["articles"].astype("int64"),
            "total_articles": shares["total_articles"].astype("int64"),
            "share_percent": (100 * shares["share"].astype(float)).round(2),
            "small_base": shares["total_articles"].astype("int64") < SMALL_BASE_ARTICLES,
        },
        columns=list(SHARE_SHOWN_COLUMNS),
    )


FEED_HEALTH_COLUMNS = (  # what needs attention first; the feed's address last
    "status",
    "source",
    "consecutive_failures",
    "last_error",
    "last_success_at",
    "next_fetch_at",
    "last_failure_at",
    "new_items_per_day",
    "enabled",
    "url",
)


# Failing and disabled feeds need someone to look; retrying ones may yet recover on their own.
_STATUS_ORDER = {"failing": 0, "disabled": 1, "retrying": 2, "new": 3, "ok": 4}


def feed_health_table(feeds: Sequence[FeedHealth]) -> pd.DataFrame:
    """One row per feed, as `warehouse.feed_health` reports it: failing and disabled feeds on top,
    most failures first, then by outlet. Times are naive UTC; a disabled feed's reason stands in
    for its last error when it has none.
    """
    rows = [
        {
            "status": feed.state.value,
            "source": feed.source_name,
            "url": feed.url,
            "enabled": feed.enabled,
            "last_success_at": _naive_utc(feed.last_success_at),
            "last_failure_at": _naive_utc(feed.last_failure_at),
            "last_error": feed.last_error or feed.disabled_reason or "",
            "consecutive_failures": feed.consecutive_failures,
            "next_fetch_at": _naive_utc(feed.next_fetch_at),
            "new_items_per_day": feed.new_items_per_day,
        }
        for feed in feeds
    ]
    table = pd.DataFrame(rows, columns=list(FEED_HEALTH_COLUMNS))
    if table.empty:
        return table
    table = table.assign(_rank=table["status"].map(_STATUS_ORDER).fillna(len(_STATUS_ORDER))).sort_values(
        ["_rank", "consecutive_failures", "source", "url"], ascending=[True, False, True, True], kind="stable"
    )
    for column in ("last_success_at", "last_failure_at", "next_fetch_at"):
        table[column] = pd.to_datetime(table[column])
    return table.drop(columns="_rank").reset_index(drop=True)


def _naive_utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


HEADLINE_SHOWN_COLUMNS = ("published_at", "source", "title", "outlets", "url")


def headlines_as_shown(episode: Episode) -> pd.DataFrame:
    """The stories behind an episode, as the Spikes page lists them: plain text, naive UTC times, safe links only."""
    return pd.DataFrame(
        {
            "published_at": pd.to_datetime([_naive_utc(headline.published_at) for headline in episode.headlines]),
            "source": [headline.source for headline in episode.headlines],
            "title": [headline.title for headline in episode.headlines],
            "outlets": [headline.outlets for headline in episode.headlines],
            "url": [safe_link(headline.url) for headline in episode.headlines],
        },
        columns=list(HEADLINE_SHOWN_COLUMNS),
    )


OUTLET_COVERAGE_COLUMNS = (
    "source",
    "articles",
    "total_articles",
    "share_percent",
    "usual_share_percent",
    "small_base",
)


def outlet_coverage_as_shown(series: pd.DataFrame, *, start: date, end: date) -> pd.DataFrame:
    """Each outlet's coverage of one entity from `start` to `end` against its own usual share before.

    `series` is a daily, per-outlet series of the entity (`entity_series(by_source=True)`)
    running from some days before `start` to `end`. Per outlet: articles mentioning the
    entity in the span, all its articles then, that share in %, and its share in % over the
    days before `start` (None where the outlet published nothing). The least coverage comes
    first, so the outlets that ignored a spike head the table. `small_base` flags an outlet whose share in the
    span or before it is over fewer than SMALL_BASE_ARTICLES articles.
    """
    if series.empty:
        return pd.DataFrame(columns=list(OUTLET_COVERAGE_COLUMNS))
    days = pd.to_datetime(series["bucket_start"]).dt.date
    counts = ["articles", "total_articles"]
    during = series[(days >= start) & (days <= end)].groupby("source")[counts].sum()
    before = series[days < start].groupby("source")[counts].sum().reindex(during.index, fill_value=0)
    shown = pd.DataFrame(
        {
            "source": during.index,
            "articles": during["articles"].to_numpy(),
            "total_articles": during["total_articles"].to_numpy(),
            "share_percent": _percent(during["articles"], during["total_articles"]),
            "usual_share_percent": _percent(before["articles"], before["total_articles"]),
            "small_base": (
                (during["total_articles"] < SMALL_BASE_ARTICLES) | (before["total_articles"] < SMALL_BASE_ARTICLES)
            ).to_numpy(),
        }
    )
    return shown.sort_values(["share_percent", "source"], na_position="last", kind="stable").reset_index(drop=True)


def outlets_that_ignored(coverage: pd.DataFrame) -> list[str]:
    """Outlets that published in the span but not one article mentioning the entity."""
    ignored = coverage[(coverage["articles"] == 0) & (coverage["total_articles"] > 0)]
    return ignored["source"].tolist()


def _percent(numerators: pd.Series, denominators: pd.Series) -> list[float | None]:
    return [
        round(100 * numerator / denominator, 2) if denominator else None
        for numerator, denominator in zip(numerators, denominators, strict=True)
    ]


def rising_terms_as_shown(episode: Episode) -> pd.DataFrame:
    """Words that rose in an episode's titles: titles holding them then and before, and how much more often."""
    return pd.DataFrame(
        {
            "term": [term.term for term in episode.rising_terms],
            "episode_articles": [term.episode_articles for term in episode.rising_terms],
            "baseline_articles": [term.baseline_articles for term in episode.rising_terms],
            "times_as_frequent": [round(math.exp(term.log_ratio), 1) for term in episode.rising_terms],
        },
        columns=["term", "episode_articles", "baseline_articles", "times_as_frequent"],
    )


def events_as_shown(events: Sequence[Event]) -> pd.DataFrame:
    """Calendar events as a small table: name, dates, participants, place."""
    return pd.DataFrame(
        {
            "name": [event.name for event in events],
            "when": [event_dates(event) for event in events],
            "participants": [", ".join(event.participants) for event in events],
            "place": [event.place for event in events],
        },
        columns=["name", "when", "participants", "place"],
    )


def episode_label(episode_id: str, shown: pd.DataFrame) -> str:
    """How an episode reads in a picker, e.g. "peak Mon 16 Jul 2018 · score 6.2", from a `spikes_as_shown` frame."""
    row = shown[shown["episode_id"] == episode_id].iloc[0]
    span = "" if row["start"] == row["end"] else f" ({row['start']:%d %b} – {row['end']:%d %b %Y})"
    return f"peak {row['peak']:%a %d %b %Y}{span} · score {row['score']:.1f}"


LENS_SHOWN_COLUMNS = (
    "entity",
    "window_articles",
    "window_share_percent",
    "baseline_share_percent",
    "lift",
    "peak_day",
    "days_to_peak",
    "outlets_moved_most",
    "small_base",
)


def lens_table_as_shown(result: LensResult, entity_names: Mapping[str, str]) -> pd.DataFrame:
    """The event lens's lifts as the page lists and downloads them: largest lift first, shares in percent.

    A lift is empty when the baseline share was 0; the outlets read like "Example Times ×3.2, Example Herald (new)".
    `small_base` flags a lift whose window or baseline share is over fewer than SMALL_BASE_ARTICLES articles.
    """
    rows = [
        {
            "entity": entity_names.get(lift.entity_id, lift.entity_id),
            "window_articles": lift.window_articles,
            "window_share_percent": round(100 * lift.window_share, 2),
            "baseline_share_percent": round(100 * lift.baseline_share, 2),
            "lift": lift.lift,
            "peak_day": lift.peak_day,
            "days_to_peak": lift.days_to_peak,
            "outlets_moved_most": ", ".join(
                f"{outlet.source} ×{outlet.lift:.1f}" if outlet.lift is not None else f"{outlet.source} (new)"
                for outlet in lift.outlets
            ),
            "small_base": min(lift.window_total_articles, lift.baseline_total_articles) < SMALL_BASE_ARTICLES,
        }
        for lift in result.entities
    ]
    table = pd.DataFrame(rows, columns=list(LENS_SHOWN_COLUMNS))
    table["lift"] = table["lift"].astype("float64")
    table["days_to_peak"] = table["days_to_peak"].astype("Int64")
    return table


def lens_chart_entities(result: LensResult, entity_names: Mapping[str, str], *, limit: int) -> list[str]:
    """Whom the lens chart draws: the event's own participants that are on the watchlist, else the largest lifts."""
    own = event_participants(result.event, entity_names, limit=limit)
    if own:
        return own
    return [lift.entity_id for lift in result.entities if lift.entity_id in entity_names][:limit]


def event_participants(event: Event, entity_names: Mapping[str, str], *, limit: int) -> list[str]:
    """The event's own participants that are on the watchlist: whom the lens chart draws, known before any lift."""
    return [entity_id for entity_id in event.entity_ids if entity_id in entity_names][:limit]


def event_label(event: Event) -> str:
    """How an event reads in a picker, e.g. "Trump–Putin summit, Helsinki (16 Jul 2018)"."""
    return f"{event.name} ({event_dates(event)})"


COMENTION_SHOWN_COLUMNS = (
    "leader_id",
    "theme_id",
    "leader",
    "theme",
    "leader_articles",
    "both_articles",
    "share_percent",
    "previous_leader_articles",
    "previous_share_percent",
    "change_points",
    "small_base",
    "previous_small_base",
)


def comentions_as_shown(matrix: pd.DataFrame, entity_names: Mapping[str, str]) -> pd.DataFrame:
    """The leader × theme matrix as the Co-mentions page draws and downloads it: names, shares in percent.

    `matrix` is what `warehouse.comention_matrix` returns; change_points is the share's change in
    percentage points, empty when the leader had no articles in the previous period. Leaders with
    no articles in either period are left out: a row of zeros says nothing. `small_base` flags a share over
    fewer than SMALL_BASE_ARTICLES articles on the leader (its change: in either period).
    """
    matrix = matrix[(matrix["leader_articles"] > 0) | (matrix["previous_leader_articles"] > 0)]
    if matrix.empty:
        return _empty(COMENTION_SHOWN_COLUMNS)
    return pd.DataFrame(
        {
            "leader_id": matrix["leader_id"].astype(str),
            "theme_id": matrix["theme_id"].astype(str),
            "leader": _display_names(matrix["leader_id"], entity_names),
            "theme": _display_names(matrix["theme_id"], entity_names),
            "leader_articles": matrix["leader_articles"].astype("int64"),
            "both_articles": matrix["both_articles"].astype("int64"),
            "share_percent": (100 * matrix["share"].astype(float)).round(2),
            "previous_leader_articles": matrix["previous_leader_articles"].astype("int64"),
            "previous_share_percent": (100 * matrix["previous_share"].astype(float)).round(2),
            "change_points": (100 * matrix["change"].astype(float)).round(2),
            "small_base": matrix["leader_articles"].astype("int64") < SMALL_BASE_ARTICLES,
            "previous_small_base": matrix["previous_leader_articles"].astype("int64") < SMALL_BASE_ARTICLES,
        },
        columns=list(COMENTION_SHOWN_COLUMNS),
    )


DIVERGENCE_SHOWN_COLUMNS = (
    "source",
    "leader",
    "theme",
    "leader_articles",
    "both_articles",
    "share_percent",
    "all_outlets_share_percent",
    "difference_points",
    "small_base",
)


def divergence_as_shown(divergence: pd.DataFrame, entity_names: Mapping[str, str]) -> pd.DataFrame:
    """The outlets that diverge most, as listed: display names, shares in percent, the gap in points."""
    if divergence.empty:
        return _empty(DIVERGENCE_SHOWN_COLUMNS)
    return pd.DataFrame(
        {
            "source": divergence["source"].astype(str),
            "leader": _display_names(divergence["leader_id"], entity_names),
            "theme": _display_names(divergence["theme_id"], entity_names),
            "leader_articles": divergence["leader_articles"].astype("int64"),
            "both_articles": divergence["both_articles"].astype("int64"),
            "share_percent": (100 * divergence["share"].astype(float)).round(2),
            "all_outlets_share_percent": (100 * divergence["all_outlets_share"].astype(float)).round(2),
            "difference_points": (100 * divergence["difference"].astype(float)).round(2),
            "small_base": divergence["leader_articles"].astype("int64") < SMALL_BASE_ARTICLES,
        },
        columns=list(DIVERGENCE_SHOWN_COLUMNS),
    )


def _empty(columns: Sequence[str]) -> pd.DataFrame:
    """A table with these columns and no rows, as a page lists an empty result."""
    return pd.DataFrame({column: pd.Series(dtype="object") for column in columns})


def _display_names(entity_ids: pd.Series, entity_names: Mapping[str, str]) -> pd.Series:
    """Entity ids as their display names; an id the watchlist no longer names stays as it is."""
    return entity_ids.map(lambda entity_id: entity_names.get(entity_id, entity_id)).astype(str)


RISING_SHOWN_COLUMNS = (
    "term",
    "window_articles",
    "baseline_articles",
    "window_share_percent",
    "baseline_share_percent",
    "times_as_frequent",
)


def rising_as_shown(rows: Sequence[Mapping[str, object]]) -> pd.DataFrame:
    """`warehouse.rising_terms`' rows as the Discover page lists them, best first: articles holding the term in the
    window and in the days before, those as shares in percent, and how many times as frequent it became."""
    if not rows:
        return _empty(RISING_SHOWN_COLUMNS)
    frame = pd.DataFrame(list(rows))
    return pd.DataFrame(
        {
            "term": frame["term"].astype(str),
            "window_articles": frame["window_articles"].astype("int64"),
            "baseline_articles": frame["baseline_articles"].astype("int64"),
            "window_share_percent": (100 * frame["window_share"].astype(float)).round(2),
            "baseline_share_percent": (100 * frame["baseline_share"].astype(float)).round(2),
            "times_as_frequent": [round(math.exp(float(ratio)), 1) for ratio in frame["log_ratio"]],
        },
        columns=list(RISING_SHOWN_COLUMNS),
    )


def markdown_escaped(text: str) -> str:
    """`text` to show as itself where Streamlit reads markdown (labels, links): every ASCII punctuation mark
    backslash-escaped, so a query's `*` or a headline's `**` stays a character."""
    return "".join(
        f"\\{char}" if char.isascii() and not char.isalnum() and not char.isspace() else char for char in text
    )
