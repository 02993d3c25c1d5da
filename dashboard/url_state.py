"""Each page's controls as one value, read from and written to the URL query string.

A shared link must restore the view, and a hand-edited or stale link must still open
a page: every parameter that cannot be used falls back to its default, silently.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

Bucket = Literal["day", "week", "month"]
Metric = Literal["articles", "share"]

BUCKETS: tuple[Bucket, ...] = ("day", "week", "month")
METRICS: tuple[Metric, ...] = ("articles", "share")
DEFAULT_ENTITY_IDS: tuple[str, ...] = ("trump", "putin", "zelensky")
DEFAULT_BUCKET: Bucket = "week"
DEFAULT_METRIC: Metric = "articles"
DEFAULT_SPAN_YEARS = 2
# One colour-blind-safe colour per line (charts.OKABE_ITO).
MAX_ENTITIES = 8
# Ad-hoc queries beside the entities (`q=`, repeated); each is counted over every article in range.
MAX_QUERIES = 4
# A long Boolean list of names fits; the warehouse refuses past 2,000 characters.
MAX_QUERY_CHARS = 1000

# Trailing means over this many buckets, as `newstally series --smooth N` (1: none); `smooth=` in the URL.
SMOOTHINGS: tuple[int, ...] = (1, 3, 7)

# Links written by hand tend to say "raw" for plain counts.
_METRIC_ALIASES: dict[str, Metric] = {"articles": "articles", "raw": "articles", "share": "share"}


@dataclass(frozen=True)
class TrendsView:
    """What the Trends page shows: which entities, over which dates, bucketed how, as what."""

    entity_ids: tuple[str, ...]
    start: date
    end: date  # inclusive
    bucket: Bucket
    metric: Metric
    per_outlet: bool = False  # small multiples: one chart per outlet
    queries: tuple[str, ...] = ()  # ad-hoc queries (warehouse.parse_query), each a line after the entities'
    smooth: int = 1  # each value the trailing mean over this many buckets (one of SMOOTHINGS), as `series --smooth`

    def to_params(self) -> dict[str, str | list[str]]:
        """The query string that restores this view, e.g. ``entities=trump,putin&from=2018-01-01&q=tariff*``;
        each query is one `q` (a query may hold any character, commas among them)."""
        params: dict[str, str | list[str]] = {
            "entities": ",".join(self.entity_ids),
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "bucket": self.bucket,
            "metric": self.metric,
        }
        if self.per_outlet:
            params["split"] = "outlet"
        if self.queries:
            params["q"] = list(self.queries)
        if self.smooth > 1:
            params["smooth"] = str(self.smooth)
        return params


def default_trends_view(entity_ids: Sequence[str], *, first_day: date, last_day: date) -> TrendsView:
    """The view a bare URL opens: the usual leaders over the corpus's last two years, weekly counts."""
    return TrendsView(
        entity_ids=_default_entities(entity_ids),
        start=max(first_day, _years_before(last_day, DEFAULT_SPAN_YEARS)),
        end=last_day,
        bucket=DEFAULT_BUCKET,
        metric=DEFAULT_METRIC,
    )


def trends_view_from_params(
    params: Mapping[str, str | Sequence[str]],
    *,
    entity_ids: Sequence[str],
    first_day: date,
    last_day: date,
) -> TrendsView:
    """The view a URL asks for, each unusable part replaced by its default.

    `entity_ids` are the entities that exist; `first_day`..`last_day` the days the
    corpus covers, to which a requested range is clipped. Queries (`q`, repeated) are kept as typed,
    blank ones dropped, each cut to MAX_QUERY_CHARS: whether one parses is for the page to say. A link
    with queries and no entities draws the queries alone; without either, the usual leaders.
    """
    default = default_trends_view(entity_ids, first_day=first_day, last_day=last_day)

    queries = requested_queries(params)
    chosen = _requested_entities(params, entity_ids) or (() if queries else default.entity_ids)
    start, end = _requested_range(params, first_day=first_day, last_day=last_day, default=(default.start, default.end))

    bucket = _last_value(params.get("bucket"))
    metric = _METRIC_ALIASES.get(_last_value(params.get("metric")) or "", default.metric)
    smooth = _last_value(params.get("smooth"))
    return TrendsView(
        entity_ids=chosen,
        start=start,
        end=end,
        bucket=bucket if bucket in BUCKETS else default.bucket,
        metric=metric,
        per_outlet=_last_value(params.get("split")) == "outlet",
        queries=queries,
        smooth=int(smooth) if smooth in {str(window) for window in SMOOTHINGS} else 1,
    )


def requested_queries(params: Mapping[str, str | Sequence[str]]) -> tuple[str, ...]:
    """The URL's queries (`q`, possibly repeated), trimmed, each once, first come first, at most MAX_QUERIES."""
    texts = (value.strip()[:MAX_QUERY_CHARS].strip() for value in _all_values(params.get("q")))
    return tuple(dict.fromkeys(text for text in texts if text))[:MAX_QUERIES]


def _requested_entities(params: Mapping[str, str | Sequence[str]], entity_ids: Sequence[str]) -> tuple[str, ...]:
    """The known entities the URL's `entities` names (comma-separated, possibly repeated), first come first, at most
    `MAX_ENTITIES`; empty when it names none."""
    known = set(entity_ids)
    requested = [entity_id.strip() for value in _all_values(params.get("entities")) for entity_id in value.split(",")]
    return tuple(dict.fromkeys(e for e in requested if e in known))[:MAX_ENTITIES]


def _requested_range(
    params: Mapping[str, str | Sequence[str]], *, first_day: date, last_day: date, default: tuple[date, date]
) -> tuple[date, date]:
    """The URL's `from` and `to` days clipped to `first_day`..`last_day`: a missing or unreadable day is its
    `default`, and a reversed range is the default range."""
    start = _parse_day(_last_value(params.get("from")))
    end = _parse_day(_last_value(params.get("to")))
    start = default[0] if start is None else min(max(start, first_day), last_day)
    end = default[1] if end is None else min(max(end, first_day), last_day)
    if start > end:
        return default
    return start, end


def _default_entities(entity_ids: Sequence[str]) -> tuple[str, ...]:
    known = set(entity_ids)
    chosen = tuple(e for e in DEFAULT_ENTITY_IDS if e in known)
    return chosen or tuple(entity_ids[: len(DEFAULT_ENTITY_IDS)])


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _all_values(value: str | Sequence[str] | None) -> Iterable[str]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return value


def _last_value(value: str | Sequence[str] | None) -> str | None:
    values = list(_all_values(value))
    return values[-1].strip() if values else None


def _parse_day(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


ARTICLES_PAGE_SIZE = 50
MAX_SEARCH_CHARS = MAX_QUERY_CHARS  # the search box takes a query, as long as a Trends line's
SOURCES_DEFAULT_SPAN_DAYS = 30


@dataclass(frozen=True)
class ArticlesView:
    """What the Articles page lists: a search query, an entity, an outlet, a date range, and which page.

    `text` is a query in the language of Trends' lines (warehouse.parse_query); a plain word is one.
    """

    text: str = ""
    entity_id: str | None = None
    source: str | None = None
    start: date | None = None  # inclusive; None leaves the range open on that side
    end: date | None = None
    page: int = 1  # 1-based

    def to_params(self) -> dict[str, str]:
        """The query string that restores this view, e.g. ``q=summit&entity=putin&page=2``; unset parts are left out."""
        params = {
            "q": self.text,
            "entity": self.entity_id or "",
            "source": self.source or "",
            "from": self.start.isoformat() if self.start else "",
            "to": self.end.isoformat() if self.end else "",
            "page": str(self.page) if self.page > 1 else "",
        }
        return {name: value for name, value in params.items() if value}


def articles_view_from_params(
    params: Mapping[str, str | Sequence[str]],
    *,
    entity_ids: Sequence[str],
    sources: Sequence[str],
    first_day: date,
    last_day: date,
) -> ArticlesView:
    """The Articles view a URL asks for; an unknown entity or outlet, or an unreadable date or page, is dropped.

    Dates are clipped to `first_day`..`last_day`; a reversed range is put the right way round.
    """
    text = (_last_value(params.get("q")) or "")[:MAX_SEARCH_CHARS]
    entity_id = _last_value(params.get("entity"))
    source = _last_value(params.get("source"))
    start = _parse_day(_last_value(params.get("from")))
    end = _parse_day(_last_value(params.get("to")))
    start = min(max(start, first_day), last_day) if start else None
    end = min(max(end, first_day), last_day) if end else None
    if start and end and start > end:
        start, end = end, start
    page_text = _last_value(params.get("page")) or ""
    page = int(page_text) if page_text.isdecimal() and 0 < int(page_text) < 1_000_000 else 1
    return ArticlesView(
        text=text,
        entity_id=entity_id if entity_id in set(entity_ids) else None,
        source=source if source in set(sources) else None,
        start=start,
        end=end,
        page=page,
    )


@dataclass(frozen=True)
class SourcesView:
    """What the Sources page compares: which entities' share of voice, over which dates."""

    entity_ids: tuple[str, ...]
    start: date
    end: date  # inclusive

    def to_params(self) -> dict[str, str]:
        return {"entities": ",".join(self.entity_ids), "from": self.start.isoformat(), "to": self.end.isoformat()}


def sources_view_from_params(
    params: Mapping[str, str | Sequence[str]],
    *,
    entity_ids: Sequence[str],
    first_day: date,
    last_day: date,
) -> SourcesView:
    """The Sources view a URL asks for; by default the usual leaders over the corpus's last 30 days."""
    default_start = max(first_day, last_day - timedelta(days=SOURCES_DEFAULT_SPAN_DAYS - 1))
    chosen = _requested_entities(params, entity_ids) or _default_entities(entity_ids)
    start, end = _requested_range(params, first_day=first_day, last_day=last_day, default=(default_start, last_day))
    return SourcesView(entity_ids=chosen, start=start, end=end)


@dataclass(frozen=True)
class SpikesView:
    """What the Spikes page explains: an entity, or a query typed instead, and one of its episodes (None: newest)."""

    entity_id: str
    episode_id: str | None = None  # "putin:2018-07-14": entity (or query text) and start day
    query: str | None = None  # a query (warehouse.parse_query) explained instead of the entity

    def to_params(self) -> dict[str, str]:
        """The query string that restores this view, e.g. ``entity=putin&spike=putin:2018-07-14``, or with a query
        ``entity=putin&q=putin AND helsinki&spike=putin AND helsinki:2018-07-14``."""
        params = {"entity": self.entity_id} if self.entity_id else {}
        if self.query:
            params["q"] = self.query
        if self.episode_id:
            params["spike"] = self.episode_id
        return params


def spikes_view_from_params(params: Mapping[str, str | Sequence[str]], *, entity_ids: Sequence[str]) -> SpikesView:
    """The Spikes view a URL asks for: an unknown entity falls back to the usual first leader.

    A spike id is kept only when it belongs to the query (`q`) when there is one, else to the entity; whether the
    episode exists, and whether the query parses, is for the page to check.
    """
    entity_id = _last_value(params.get("entity"))
    if entity_id not in set(entity_ids):
        entity_id = _default_entities(entity_ids)[0] if entity_ids else ""
    query = (_last_value(params.get("q")) or "")[:MAX_QUERY_CHARS].strip() or None
    spike = _last_value(params.get("spike"))
    owner = query or entity_id
    return SpikesView(
        entity_id=entity_id, episode_id=spike if spike and spike.startswith(f"{owner}:") else None, query=query
    )


DEFAULT_LENS_EVENT_ID = "helsinki_2018"
DEFAULT_LENS_WINDOW_DAYS = 3
DEFAULT_LENS_BASELINE_DAYS = 28
MAX_LENS_WINDOW_DAYS = 30
MAX_LENS_BASELINE_DAYS = 180


@dataclass(frozen=True)
class EventLensView:
    """What the Event lens page measures: an event, its ±window days, the baseline before, and maybe a second event."""

    event_id: str
    window_days: int = DEFAULT_LENS_WINDOW_DAYS
    baseline_days: int = DEFAULT_LENS_BASELINE_DAYS
    compare_id: str | None = None

    def to_params(self) -> dict[str, str]:
        """The query string that restores this view, e.g. ``event=helsinki_2018&window=3&baseline=28``."""
        params = {"event": self.event_id, "window": str(self.window_days), "baseline": str(self.baseline_days)}
        if self.compare_id:
            params["compare"] = self.compare_id
        return params


def event_lens_view_from_params(
    params: Mapping[str, str | Sequence[str]], *, event_ids: Sequence[str]
) -> EventLensView:
    """The Event lens view a URL asks for; an unknown event, or a window or baseline out of range, is its default.

    `event_ids` are the calendar's events, newest last; without Helsinki 2018 the newest is the default.
    """
    known = set(event_ids)
    default_event = DEFAULT_LENS_EVENT_ID if DEFAULT_LENS_EVENT_ID in known else (event_ids[-1] if event_ids else "")
    event_id = _last_value(params.get("event"))
    event_id = event_id if event_id in known else default_event
    compare = _last_value(params.get("compare"))
    return EventLensView(
        event_id=event_id,
        window_days=_bounded_int(params.get("window"), 0, MAX_LENS_WINDOW_DAYS, DEFAULT_LENS_WINDOW_DAYS),
        baseline_days=_bounded_int(params.get("baseline"), 1, MAX_LENS_BASELINE_DAYS, DEFAULT_LENS_BASELINE_DAYS),
        compare_id=compare if compare in known and compare != event_id else None,
    )


def _bounded_int(value: str | Sequence[str] | None, lowest: int, highest: int, default: int) -> int:
    text = _last_value(value) or ""
    return int(text) if text.isdecimal() and lowest <= int(text) <= highest else default


COMENTION_SHOWS = ("share", "change")
DEFAULT_COMENTION_PERIOD_DAYS = 28


@dataclass(frozen=True)
class ComentionsView:
    """What the Co-mentions page compares: a period of UTC days, against the one of equal length before, shown as
    shares or as their change."""

    start: date
    end: date  # inclusive
    show: str = "share"

    @property
    def previous_start(self) -> date:
        return self.start - timedelta(days=(self.end - self.start).days + 1)

    def to_params(self) -> dict[str, str]:
        """The query string that restores this view, e.g. ``from=2018-07-01&to=2018-07-28&show=change``."""
        return {"from": self.start.isoformat(), "to": self.end.isoformat(), "show": self.show}


def comentions_view_from_params(
    params: Mapping[str, str | Sequence[str]], *, first_day: date, last_day: date
) -> ComentionsView:
    """The Co-mentions view a URL asks for; by default the corpus's last 28 days, as shares."""
    default_start = max(first_day, last_day - timedelta(days=DEFAULT_COMENTION_PERIOD_DAYS - 1))
    start, end = _requested_range(params, first_day=first_day, last_day=last_day, default=(default_start, last_day))
    show = _last_value(params.get("show"))
    return ComentionsView(start=start, end=end, show=show if show in COMENTION_SHOWS else "share")


def save_as_entity_params(query: str) -> dict[str, str]:
    """The Watchlist page's query string that starts a new entity from a Trends query: ``query=tariff*``."""
    return {"query": query}


_PLAIN_WORD = re.compile(r"[^\W_][\w'’.-]*", re.UNICODE)
_LUCENE_WORDS = {"AND", "OR", "NOT", "TO"}


def term_as_query(term: str) -> str:
    """A word or phrase as a query that looks for exactly it: a plain word as it is, anything else
    (a two-word phrase, a word Lucene would read as syntax) as an "exact phrase"."""
    text = " ".join(term.replace('"', " ").split())
    if _PLAIN_WORD.fullmatch(text) and text not in _LUCENE_WORDS:
        return text
    return f'"{text}"'


def discover_trends_view(term: str, *, start: date, end: date) -> TrendsView:
    """The Trends view a Discover term opens: the term alone as a query, day by day from `start` to `end`
    (the baseline's first day to the window's last), so its rise shows against the days before."""
    return TrendsView(
        entity_ids=(), start=start, end=end, bucket="day", metric="articles", queries=(term_as_query(term),)
    )


def clicked_articles(selected: Sequence[Mapping[str, object]], view: TrendsView) -> ArticlesView | None:
    """The Articles view behind a point clicked on the Trends chart: its line's entity or query over its bucket's
    days in range. `selected` is the chart's click selection, points as {entity_id, articles_from, articles_to};
    None when there is none, or it names no line of `view`."""
    if not selected:
        return None
    point = selected[-1]
    line = str(point.get("entity_id", ""))
    start, end = _parse_day(str(point.get("articles_from", ""))), _parse_day(str(point.get("articles_to", "")))
    if start is None or end is None or start > end:
        return None
    if line in view.queries:
        return ArticlesView(text=line, start=start, end=end)
    if line in view.entity_ids:
        return ArticlesView(entity_id=line, start=start, end=end)
    return None
