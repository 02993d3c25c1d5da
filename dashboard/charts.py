"""Pure builders of what the pages draw: frames shaped by `dashboard.tables` in, Altair charts out.

Nothing here calls Streamlit or the warehouse, so every chart can be checked as a spec in a unit test.
Encodings are given as channel objects (`alt.Text("label:N")`, `alt.ColorValue(**alt.condition(...))`), not as
shorthand strings or condition dicts: Altair converts those with `from_dict`, which hashes its whole schema on
every call (tens of milliseconds each, on every draw).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, cast
from urllib.parse import urlencode

import altair as alt
import pandas as pd

from dashboard.tables import SMALL_BASE_ARTICLES, event_dates, gap_days
from dashboard.url_state import Bucket, Metric, SpikesView

if TYPE_CHECKING:
    from warehouse import Event

Chart = alt.TopLevelMixin
"""Any chart built here: one view, a layer or a concatenation."""
ChartBuilder = Callable[[], Chart]
"""Builds a chart when called: a page keeps a drawn chart only as a cached spec, and builds it again on a miss."""

# Okabe & Ito's palette, reordered so the first lines drawn are the most distinct on white;
# yellow goes last because it is faint on a light background.
OKABE_ITO: tuple[str, ...] = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#D55E00",  # vermillion
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#000000",  # black
    "#F0E442",  # yellow
)
# On a dark background black vanishes and the dark blue is dim: the same eight hues, lightest first.
OKABE_ITO_ON_DARK: tuple[str, ...] = (
    "#56B4E9",  # sky blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#F0E442",  # yellow
    "#CC79A7",  # reddish purple
    "#D55E00",  # vermillion
    "#FFFFFF",  # white
    "#0072B2",  # blue
)
MUTED_GREY = "#5f6b7a"  # events and secondary text: present, but quieter than the lines


@dataclass(frozen=True)
class Palette:
    """The colours a chart is drawn in; the lines are colour-blind-safe (Okabe–Ito) in either theme."""

    lines: tuple[str, ...]
    muted: str  # event rules, subtitles: present, but quieter than the lines
    label: str  # event labels
    ink: str  # text on pale heatmap cells
    paper: str  # the background, for strokes that separate marks
    gap: str  # ingest gaps: days some outlet's feeds were not fetched


LIGHT = Palette(lines=OKABE_ITO, muted=MUTED_GREY, label="#3d4651", ink="#1F2933", paper="#FFFFFF", gap="#9aa3ad")
DARK = Palette(lines=OKABE_ITO_ON_DARK, muted="#a3acb9", label="#d5dae1", ink="#1F2933", paper="#0E1117", gap="#8b95a1")


def palette_for(theme_type: str | None) -> Palette:
    """The palette for Streamlit's active theme type ("light" or "dark"); light when unknown."""
    return DARK if theme_type == "dark" else LIGHT


def embed_options(*, renderer: str = "svg") -> dict[str, object]:
    """The chart's usermeta for Streamlit: which renderer vega-embed uses (Streamlit keeps only that, a theme
    and padding from a spec's embed options, and turns vega-embed's own export menu off)."""
    return {"embedOptions": {"renderer": renderer}}


IMAGE_FORMATS = ("svg", "png")
IMAGE_WIDTH_PX = 1100  # a chart stretched to the page has no width of its own; an image needs one
_IMAGE_BACKGROUND = {"light": "#FFFFFF", "dark": "#0E1117"}


def _chart_title(text: str, subtitle: str, palette: Palette, *, offset: int | None = None) -> alt.TitleParams:
    """Every chart's title: left-aligned, with a muted subtitle saying what and when."""
    return alt.TitleParams(
        text=text,
        subtitle=subtitle,
        anchor="start",
        fontSize=16,
        subtitleFontSize=12,
        subtitleColor=palette.muted,
        offset=alt.Undefined if offset is None else offset,
    )


def chart_image(chart: Chart, image_format: str, *, palette: Palette = LIGHT) -> bytes:
    """The chart drawn as an SVG or PNG file, as the page shows it, on the page's background.

    Rendered by vl-convert (Vega in Rust, no browser), so it is slow-ish: call it when a download is asked for.
    """
    import vl_convert

    if image_format not in IMAGE_FORMATS:
        raise ValueError(f"unknown image format {image_format!r}; use one of {', '.join(IMAGE_FORMATS)}")
    spec = chart.to_dict()
    spec.pop("usermeta", None)
    if not any(key in spec for key in ("concat", "hconcat", "vconcat", "facet")) and "width" not in spec:
        spec["width"] = IMAGE_WIDTH_PX
    config = {"background": _IMAGE_BACKGROUND["dark" if palette is DARK else "light"]}
    if image_format == "svg":
        if palette is DARK:
            return vl_convert.vegalite_to_svg(spec, config=config, theme="dark").encode("utf-8")
        return vl_convert.vegalite_to_svg(spec, config=config).encode("utf-8")
    if palette is DARK:
        return vl_convert.vegalite_to_png(spec, scale=2, config=config, theme="dark")
    return vl_convert.vegalite_to_png(spec, scale=2, config=config)


CHART_HEIGHT_PX = 440
# Event labels sit in rows above the lines; the y scale leaves headroom for the rows in use.
_ASSUMED_PLOT_WIDTH_PX = 1100
_LABEL_FONT_PX = 11
_LABEL_CHAR_PX = 5.3
_LABEL_MAX_PX = 220
_LABEL_GAP_PX = 14
_LABEL_TOP_PX = 3
_LABEL_ROW_PX = 16
_MAX_LABEL_ROWS = 5
# SVG keeps labels as text in the page (searchable, testable) but slows down past a few thousand points.
_MAX_SVG_POINTS = 5000


_BUCKET_AXIS_TITLES: dict[str, str] = {
    "day": "Day (UTC)",
    "week": "Week starting (UTC)",
    "month": "Month (UTC)",
}


def events_in_range(events: Sequence[Event], *, start: date, end: date) -> list[Event]:
    """Events that overlap `start`..`end` (both inclusive), earliest first."""
    return sorted(
        (event for event in events if event.start_date <= end and event.end_date >= start),
        key=lambda event: (event.start_date, event.name),
    )


def _gap_count(gaps: pd.DataFrame | None, *, start: date, end: date) -> int:
    if gaps is None or gaps.empty:
        return 0
    return int(((gaps["day"] >= start) & (gaps["day"] <= end)).sum())


def _gap_bands(
    gaps: pd.DataFrame | None, *, x_scale: alt.Scale, start: date, end: date, palette: Palette
) -> alt.Chart | None:
    """Grey bands over the days with ingest gaps in `start`..`end`, each saying which outlets failed."""
    if not _gap_count(gaps, start=start, end=end):
        return None
    assert gaps is not None
    shown = gaps[(gaps["day"] >= start) & (gaps["day"] <= end)]
    bands = pd.DataFrame(
        {
            "gap_day": [day.isoformat() for day in shown["day"]],
            "gap_until": [day.isoformat() for day in shown["until"]],
            "gap_label": [f"{day:%a %d %b %Y}" for day in shown["day"]],
            "outlets": shown["outlets"].astype(str),
            "meaning": "Ingest gap: feeds not all fetched; counts may be low",
        }
    )
    return (
        alt.Chart(bands)
        .mark_rect(color=palette.gap, opacity=0.28, clip=True)
        .encode(
            x=alt.X("gap_day:T", scale=x_scale),
            x2=alt.X2("gap_until:T"),
            tooltip=[
                alt.Tooltip("meaning:N", title="Grey band"),
                alt.Tooltip("gap_label:N", title="Day (UTC)"),
                alt.Tooltip("outlets:N", title="Outlets affected"),
            ],
        )
    )


def _entity_colour(names: list[str], palette: Palette) -> alt.Color:
    # The page allows as many entities as the palette has colours; past that, colours repeat.
    colours = [palette.lines[position % len(palette.lines)] for position in range(len(names))]
    return alt.Color(
        "entity:N",
        title="Entity",
        sort=names,
        scale=alt.Scale(domain=names, range=colours),
        legend=alt.Legend(orient="top", title=None, labelLimit=220),
    )


def trends_chart(
    shown: pd.DataFrame,
    events: Sequence[Event],
    *,
    metric: Metric,
    bucket: Bucket,
    start: date,
    end: date,
    spikes: pd.DataFrame | None = None,
    gaps: pd.DataFrame | None = None,
    title: str | None = None,
    palette: Palette = LIGHT,
    queries: Collection[str] = (),
    smooth: int = 1,
) -> alt.LayerChart:
    """One line per entity over time, with the calendar's events in range as labelled vertical rules.

    `shown` is a frame from `tables.series_as_shown`; `spikes`, one from `tables.spikes_as_shown`, adds a
    marker on each line at the bucket holding an episode's peak day, linked to its Spikes page (for a line
    named in `queries`, the Spikes page of that query);
    a click on a point selects it in the `OPEN_ARTICLES` parameter: its line and its bucket's first and last
    day in range (`entity_id`, `articles_from`, `articles_to`), for the page to open the articles behind it;
    `gaps`, one from `tables.gap_days`, greys the days on which some outlet's feeds were not fetched.
    With `smooth` N > 1 the series is smoothed (`series --smooth N`): values are trailing means, said so in
    the axis and tooltips. A share over fewer than SMALL_BASE_ARTICLES articles (`small_base`) is drawn as a
    hollow ring on the share line, and every point's tooltip says how many articles its share is based on.
    Rendered as SVG, so event labels are text in the page, unless there are too many points
    for SVG to stay quick.
    """
    value_field = "articles" if metric == "articles" else "share_percent"
    window = _smoothing_window(smooth, bucket)
    if metric == "articles":
        title = title or f"Articles mentioning each entity, per {bucket}"
        y_title = f"Articles per {bucket}" + (f", mean of {window}" if window else "")
        y_format = ",d"
    else:
        title = title or f"Share of all articles mentioning each entity, per {bucket}"
        y_title = "Share of all articles (%)" + (f", over {window}" if window else "")
        y_format = ".1~f"

    in_range = events_in_range(events, start=start, end=end)
    labels = _placed_labels(in_range, start=start, end=end)
    labelled = labels[labels["label"] != ""] if len(labels) else labels
    label_band_px = (labelled["label_y"].max() + _LABEL_ROW_PX + 4) if len(labelled) else 0
    highest = float(shown[value_field].max()) if len(shown) else 0.0
    y_max = (highest or 1.0) * CHART_HEIGHT_PX / (CHART_HEIGHT_PX - label_band_px)
    domain_start = min([start, *shown["bucket_start"].tolist()]) if len(shown) else start
    x_scale = alt.Scale(type="utc", domain=[_utc_datetime(domain_start), _utc_datetime(end)])
    x_axis = alt.Axis(
        title=_BUCKET_AXIS_TITLES[bucket],
        format="%b %Y" if bucket == "month" else "%d %b %Y",
        tickCount={"interval": "month"} if bucket == "month" else alt.Undefined,
        labelOverlap=True,
        grid=False,
    )

    names = list(dict.fromkeys(shown["entity"].tolist()))
    # The page allows as many entities as the palette has colours; past that, colours repeat.
    colour = _entity_colour(names, palette)

    line_data = shown.assign(
        day=[d.isoformat() for d in shown["bucket_start"]],
        bucket_label=[_bucket_label(d, bucket) for d in shown["bucket_start"]],
        articles_from=[max(d, start).isoformat() for d in shown["bucket_start"]],
        articles_to=[min(_bucket_end(d, bucket), end).isoformat() for d in shown["bucket_start"]],
        based_on=_share_bases(shown, window),
        small_base=_small_bases(shown, "small_base"),
    ).drop(columns=["bucket_start"])
    base = alt.Chart(line_data).encode(
        x=alt.X("day:T", scale=x_scale, axis=x_axis),
        y=alt.Y(
            f"{value_field}:Q",
            title=y_title,
            axis=alt.Axis(format=y_format, tickMinStep=1 if metric == "articles" else 0.1),
            scale=alt.Scale(domain=[0, y_max], nice=True),
        ),
        color=colour,
    )
    hover = alt.selection_point(on="pointerover", nearest=True, empty=False, clear="pointerout")
    # The nearest point under a click: the same voronoi cells the hover uses, so the point shown is the one opened.
    opened = alt.selection_point(
        name=OPEN_ARTICLES, on="click", nearest=True, empty=False, fields=list(OPEN_ARTICLES_FIELDS)
    )
    lines = base.mark_line(strokeWidth=2.2, interpolate="monotone", clip=True)
    count_format = ",.2~f" if window else ",d"
    mean_of = f", mean of {window}" if window else ""
    tooltip = [
        alt.Tooltip("bucket_label:N", title=bucket.capitalize()),
        alt.Tooltip("entity:N", title="Entity"),
        alt.Tooltip("articles:Q", title=f"Articles mentioning{mean_of}", format=count_format),
        alt.Tooltip("share_percent:Q", title="Share of all articles (%)", format=".2f"),
        alt.Tooltip("total_articles:Q", title=f"All articles{mean_of}", format=count_format),
        alt.Tooltip("based_on:N", title="Share based on"),
    ]
    points = base.mark_point(filled=True, size=60, clip=True).encode(
        opacity=alt.OpacityValue(**alt.when(hover).then(alt.value(1)).otherwise(alt.value(0))),
        tooltip=tooltip,
    )
    small = metric == "share" and bool(line_data["small_base"].any())
    rings = [_small_base_rings(base, palette, tooltip)] if small else []
    under, over = _event_layers(labels, x_scale=x_scale, palette=palette)
    gap_bands = _gap_bands(gaps, x_scale=x_scale, start=start, end=end, palette=palette)
    if gap_bands is not None:
        under.insert(0, gap_bands)
    markers = _spike_markers(
        shown, spikes, value_field=value_field, bucket=bucket, start=start, end=end, queries=queries
    )
    if len(markers):
        over.append(
            alt.Chart(markers)
            .mark_point(
                shape="diamond", filled=True, size=150, stroke=palette.paper, strokeWidth=1.2, opacity=1, clip=True
            )
            .encode(
                x=alt.X("day:T", scale=x_scale),
                y=alt.Y(f"{value_field}:Q"),
                color=colour,
                href=alt.Href("spike_link:N"),
                tooltip=[
                    alt.Tooltip("entity:N", title="Spike of"),
                    alt.Tooltip("peak_label:N", title="Peak day"),
                    alt.Tooltip("score:Q", title="Score", format=".1f"),
                    alt.Tooltip("top_headline:N", title="Top headline"),
                ],
            )
        )
    # Event labels, spike markers and hover targets go above the points' nearest-point (voronoi)
    # layer, which would otherwise catch every pointer event and hide their tooltips.
    layers: list[alt.Chart] = [*under, lines, *rings, points.add_params(hover, opened), *over]

    subtitle = f"{start:%d %b %Y} – {end:%d %b %Y}"
    if in_range:
        subtitle += f" · {len(in_range)} calendar event{'s' if len(in_range) != 1 else ''} as dashed rules"
        if len(labelled) < len(in_range):
            subtitle += " (hover one for its name)"
    if len(markers):
        subtitle += f" · {len(markers)} spike{'s' if len(markers) != 1 else ''} as diamonds"
    if window:
        subtitle += f" · each point the mean of the {window} ending there"
    if small:
        subtitle += f" · hollow rings: shares of fewer than {SMALL_BASE_ARTICLES} articles, too few to mean much"
    if len(shown):
        subtitle += " · click a point for its articles"
    gap_count = _gap_count(gaps, start=start, end=end)
    if gap_count:
        subtitle += f" · grey: {gap_count} day{'s' if gap_count != 1 else ''} some outlet's feeds failed"
    partial = _partial_edges(start, end, bucket)
    if partial and metric == "articles":
        subtitle += f" · the {partial} only partly in range, so lower"
    # Given to the layer at once: `.properties()` and `.configure_view()` would each copy every layer again.
    # (Altair types layer() as possibly faceted; with these arguments it is a LayerChart.)
    return cast(
        alt.LayerChart,
        alt.layer(
            *layers,
            title=_chart_title(title, subtitle, palette, offset=6),
            height=CHART_HEIGHT_PX,
            usermeta=embed_options(renderer="svg" if len(shown) <= _MAX_SVG_POINTS else "canvas"),
            config=alt.Config(view=alt.ViewConfig(stroke=None)),
        ),
    )


# Relative to the Trends page, so it also works under a server.baseUrlPath.
SPIKES_URL_PATH = "spikes"
OPEN_ARTICLES = "open_articles"  # the Trends chart's click selection
OPEN_ARTICLES_FIELDS = ("entity_id", "articles_from", "articles_to")


def _spike_markers(
    shown: pd.DataFrame,
    spikes: pd.DataFrame | None,
    *,
    value_field: str,
    bucket: Bucket,
    start: date,
    end: date,
    queries: Collection[str] = (),
) -> pd.DataFrame:
    """One marker per episode peaking in `start`..`end`, placed on its entity's line at the peak's bucket."""
    if spikes is None or spikes.empty or shown.empty:
        return pd.DataFrame()
    in_range = spikes[(spikes["peak"] >= start) & (spikes["peak"] <= end)]
    placed = in_range.assign(bucket_start=[_bucket_start(day, bucket) for day in in_range["peak"]]).merge(
        shown[["entity_id", "bucket_start", value_field]], on=["entity_id", "bucket_start"], how="inner"
    )
    return pd.DataFrame(
        {
            "day": [day.isoformat() for day in placed["bucket_start"]],
            "entity": placed["entity"].astype(str),
            value_field: placed[value_field],
            "peak_label": [f"{day:%a %d %b %Y}" for day in placed["peak"]],
            "score": placed["score"].astype(float),
            "top_headline": placed["top_headline"].astype(str),
            "episode_id": placed["episode_id"].astype(str),
            "spike_link": [
                f"{SPIKES_URL_PATH}?{urlencode(_spikes_view(entity_id, episode_id, queries).to_params())}"
                for entity_id, episode_id in zip(placed["entity_id"], placed["episode_id"], strict=True)
            ],
        }
    )


def _spikes_view(line: str, episode_id: str, queries: Collection[str]) -> SpikesView:
    """The Spikes view of a line's episode: a query's line carries the query text as its id."""
    return SpikesView("", episode_id, query=line) if line in queries else SpikesView(line, episode_id)


def _bucket_end(first: date, bucket: Bucket) -> date:
    """The last day of the bucket starting on `first`."""
    if bucket == "week":
        return first + timedelta(days=6)
    if bucket == "month":
        return (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    return first


def _bucket_start(day: date, bucket: Bucket) -> date:
    if bucket == "week":
        return day - timedelta(days=day.weekday())
    if bucket == "month":
        return day.replace(day=1)
    return day


def _placed_labels(in_range: Sequence[Event], *, start: date, end: date) -> pd.DataFrame:
    """Each event's rule position and where its label goes: a row at the top, and a side of the rule.

    Pixel widths are estimates (the chart stretches to its container), good enough to keep
    labels of nearby events apart. A label takes the first row where it fits right of its
    rule, else left of it; when every row is taken there it is left off (its rule and tooltip stay).
    """
    span_days = max((end - start).days, 1)
    rows_taken: list[list[tuple[float, float]]] = []
    placed = []
    for event in in_range:
        day = max(event.start_date, start)
        x = (day - start).days / span_days * _ASSUMED_PLOT_WIDTH_PX
        width = min(len(event.name) * _LABEL_CHAR_PX, _LABEL_MAX_PX) + _LABEL_GAP_PX
        sides = {"right": (x, x + width), "left": (x - width, x)}
        if x + width > _ASSUMED_PLOT_WIDTH_PX:
            del sides["right"]
        elif x - width < 0:
            del sides["left"]
        options = [(row, side) for row in range(_MAX_LABEL_ROWS) for side in sides]
        free = [
            (row, side)
            for row, side in options
            if row >= len(rows_taken) or _overlap(sides[side], rows_taken[row]) == 0
        ]
        row, side = free[0] if free else (0, next(iter(sides)))
        if free:
            while len(rows_taken) <= row:
                rows_taken.append([])
            rows_taken[row].append(sides[side])
        placed.append(
            {
                "day": day.isoformat(),
                "until": min(event.end_date + timedelta(days=1), end).isoformat(),
                "multi_day": event.end_date > event.start_date,
                "name": event.name,
                "label": event.name if free else "",
                "when": event_dates(event),
                "participants": ", ".join(event.participants) or "—",
                "place": event.place or "—",
                "side": side,
                "label_y": _LABEL_TOP_PX + row * _LABEL_ROW_PX,
            }
        )
    return pd.DataFrame(placed)


def _overlap(extent: tuple[float, float], taken: Sequence[tuple[float, float]]) -> float:
    left, right = extent
    return sum(max(0.0, min(right, other_right) - max(left, other_left)) for other_left, other_right in taken)


def _event_layers(
    labels: pd.DataFrame, *, x_scale: alt.Scale, palette: Palette = LIGHT
) -> tuple[list[alt.Chart], list[alt.Chart]]:
    """Layers drawn under the lines (spans, dashed rules) and over them (hover targets, labels)."""
    if labels.empty:
        return [], []
    x = alt.X("day:T", scale=x_scale)
    tooltip = [
        alt.Tooltip("name:N", title="Event"),
        alt.Tooltip("when:N", title="Date"),
        alt.Tooltip("participants:N", title="Participants"),
        alt.Tooltip("place:N", title="Place"),
    ]
    events = alt.Chart(labels)
    spans = (
        events.transform_filter(alt.datum.multi_day)
        .mark_rect(color=palette.muted, opacity=0.10, clip=True)
        .encode(x=x, x2=alt.X2("until:T"))
    )
    rules = events.mark_rule(color=palette.muted, strokeDash=[4, 3], strokeWidth=1.2, clip=True).encode(
        x=x, tooltip=tooltip
    )
    # A wide transparent rule makes the thin dashed one easy to hover for its tooltip.
    hover_targets = events.mark_rule(strokeWidth=9, opacity=0, clip=True).encode(x=x, tooltip=tooltip)
    texts = [
        events.transform_filter(alt.datum.side == side)
        .mark_text(
            align=align,  # type: ignore[arg-type]
            baseline="top",
            dx=dx,
            fontSize=_LABEL_FONT_PX,
            fontWeight=500,
            limit=_LABEL_MAX_PX,
            color=palette.label,
        )
        .encode(x=x, y=alt.Y("label_y:Q", scale=None), text=alt.Text("label:N"), tooltip=tooltip)
        for side, align, dx in (("right", "left", 4), ("left", "right", -4))
    ]
    return [spans, rules], [hover_targets, *texts]


def _partial_edges(start: date, end: date, bucket: Bucket) -> str:
    """Which edge buckets the range cuts, e.g. "first and last week"; empty when none."""
    if bucket == "day":
        return ""
    if bucket == "week":
        cut_first, cut_last = start.weekday() != 0, end.weekday() != 6
    else:
        cut_first, cut_last = start.day != 1, (end + timedelta(days=1)).day != 1
    if cut_first and cut_last:
        return f"first and last {bucket}s"
    if cut_first or cut_last:
        return f"{'first' if cut_first else 'last'} {bucket}"
    return ""


def _utc_datetime(day: date) -> alt.DateTime:
    return alt.DateTime(year=day.year, month=day.month, date=day.day, utc=True)


def _bucket_label(day: date, bucket: Bucket) -> str:
    if bucket == "week":
        return f"week of {day:%d %b %Y}"
    if bucket == "month":
        return f"{day:%B %Y}"
    return f"{day:%a %d %b %Y}"


# Title, axes and legend take this much of a chart's height; each outlet's row adds the rest.
_VOLUME_CHROME_PX = 110
_BAR_ROW_PX = 36
_HEATMAP_CHROME_PX = 190
_HEATMAP_ROW_PX = 52
_COMENTION_CHROME_PX = 300


def source_volume_chart(volume: pd.DataFrame, *, start: date, end: date, palette: Palette = LIGHT) -> alt.Chart:
    """Horizontal bars: articles per outlet over `start`..`end`, busiest on top."""
    order = volume["source"].tolist()
    return (
        alt.Chart(volume)
        .mark_bar(color=palette.lines[0])
        .encode(
            x=alt.X("articles:Q", title="Articles in range", axis=alt.Axis(format=",d", tickMinStep=1)),
            y=alt.Y("source:N", title="Outlet", sort=order, axis=alt.Axis(labelLimit=260)),
            tooltip=[alt.Tooltip("source:N", title="Outlet"), alt.Tooltip("articles:Q", title="Articles", format=",d")],
        )
        .properties(
            title=_chart_title("Articles per outlet", f"{start:%d %b %Y} – {end:%d %b %Y} (UTC days)", palette),
            # Streamlit fits the whole chart, title and axes included, into this height.
            height=_VOLUME_CHROME_PX + _BAR_ROW_PX * max(len(volume), 1),
            usermeta=embed_options(),
        )
        .configure_view(stroke=None)
    )


def share_of_voice_chart(shown: pd.DataFrame, *, start: date, end: date, palette: Palette = LIGHT) -> alt.LayerChart:
    """A heatmap, outlet × entity, shaded by the share of the outlet's articles that mention the entity.

    An outlet with too few articles for a share to mean much (`small_base`) is pale with a dashed outline and
    its count in brackets, off the colour scale, which is spread over the other outlets' shares.
    """
    entities = list(dict.fromkeys(shown["entity"].tolist()))
    outlets = list(dict.fromkeys(shown["source"].tolist()))
    small = _small_bases(shown, "small_base")
    shown = shown.assign(
        small_base=small,
        label=[
            f"{share:.1f} ({total:,})" if is_small else f"{share:.1f}"
            for share, total, is_small in zip(shown["share_percent"], shown["total_articles"], small, strict=True)
        ],
    )
    weighty = shown.loc[~small, "share_percent"]
    darkest = float(weighty.max()) if len(weighty) else 0.0
    base = alt.Chart(shown).encode(
        x=alt.X("entity:N", title="Entity", sort=entities, axis=alt.Axis(orient="top", labelAngle=0, labelLimit=160)),
        y=alt.Y("source:N", title="Outlet", sort=outlets, axis=alt.Axis(labelLimit=260)),
    )
    tooltip = [
        alt.Tooltip("source:N", title="Outlet"),
        alt.Tooltip("entity:N", title="Entity"),
        alt.Tooltip("articles:Q", title="Articles mentioning", format=",d"),
        alt.Tooltip("total_articles:Q", title="All the outlet's articles", format=",d"),
        alt.Tooltip("share_percent:Q", title="Share (%)", format=".2f"),
        alt.Tooltip("small_base:N", title=f"Under {SMALL_BASE_ARTICLES} articles"),
    ]
    colour = alt.Color(
        "share_percent:Q",
        title="Share of the outlet's articles (%)",
        scale=alt.Scale(scheme="blues", domain=[0, darkest or 1.0]),
        legend=alt.Legend(orient="bottom", gradientLength=260, titleLimit=400),
    )
    cells = base.mark_rect(stroke=palette.paper, strokeWidth=1).encode(
        color=alt.ColorValue(**alt.condition("!datum.small_base", colour, alt.value(palette.muted + "33"))),
        tooltip=tooltip,
    )
    # Dark text on pale cells, white on dark ones: readable at any shade.
    labels = base.mark_text(fontSize=11).encode(
        text=alt.Text("label:N"),
        color=alt.ColorValue(
            **alt.when((alt.datum.share_percent > darkest * 0.5) & ~alt.datum.small_base)
            .then(alt.value("white"))
            .when(alt.datum.small_base)
            .then(alt.value(palette.muted))
            .otherwise(alt.value(palette.ink))
        ),
        tooltip=tooltip,
    )
    subtitle = f"{start:%d %b %Y} – {end:%d %b %Y} (UTC days)"
    if small.any():
        subtitle += f" · dashed pale cells: outlets with under {SMALL_BASE_ARTICLES} articles (count in brackets)"
    return (
        alt.layer(cells, _small_cell_outlines(base, palette), labels)
        .properties(
            title=_chart_title(
                "Share of voice: % of each outlet's articles mentioning the entity",
                subtitle,
                palette,
            ),
            height=_HEATMAP_CHROME_PX + _HEATMAP_ROW_PX * max(len(outlets), 1),
            usermeta=embed_options(),
        )
        .configure_view(stroke=None)
    )


SMALL_MULTIPLE_WIDTH_PX = 340
SMALL_MULTIPLE_HEIGHT_PX = 130
SMALL_MULTIPLE_COLUMNS = 3


def outlet_small_multiples(
    shown: pd.DataFrame,
    *,
    metric: Metric,
    bucket: Bucket,
    start: date,
    end: date,
    completeness: pd.DataFrame | None = None,
    palette: Palette = LIGHT,
    smooth: int = 1,
) -> alt.ConcatChart:
    """One small chart per outlet, busiest first, each with a line per entity on the same y scale.

    `shown` is a `tables.series_as_shown` frame of a series by outlet; `completeness`, from
    `warehouse.ingest_completeness`, greys each outlet's own days with ingest gaps. As on `trends_chart`,
    `smooth` says the values are means, and a share over too few of the outlet's articles is a hollow ring.
    """
    window = _smoothing_window(smooth, bucket)
    mean_of = f", mean of {window}" if window else ""
    value_field = "articles" if metric == "articles" else "share_percent"
    y_title = f"Articles per {bucket}" if metric == "articles" else "Share (%)"
    names = list(dict.fromkeys(shown["entity"].tolist()))
    colour = _entity_colour(names, palette)
    x_scale = alt.Scale(type="utc", domain=[_utc_datetime(start), _utc_datetime(end)])
    highest = float(shown[value_field].max()) if len(shown) else 0.0
    y_scale = alt.Scale(domain=[0, highest or 1.0], nice=True)
    busiest = shown.groupby("source")["articles"].sum().sort_values(ascending=False, kind="stable")
    panels = []
    for outlet in busiest.index:
        own = shown[shown["source"] == outlet].assign(
            day=lambda frame: [d.isoformat() for d in frame["bucket_start"]],
            bucket_label=lambda frame: [_bucket_label(d, bucket) for d in frame["bucket_start"]],
            based_on=lambda frame: _share_bases(frame, window),
            small_base=lambda frame: _small_bases(frame, "small_base"),
        )
        tooltip = [
            alt.Tooltip("bucket_label:N", title=bucket.capitalize()),
            alt.Tooltip("entity:N", title="Entity"),
            alt.Tooltip("articles:Q", title=f"Articles mentioning{mean_of}", format=",.2~f" if window else ",d"),
            alt.Tooltip("share_percent:Q", title="Share of the outlet's articles (%)", format=".2f"),
            alt.Tooltip("based_on:N", title="Share based on"),
        ]
        drawn = alt.Chart(own.drop(columns=["bucket_start"]))
        lines = drawn.mark_line(strokeWidth=1.8, interpolate="monotone", clip=True).encode(
            x=alt.X(
                "day:T",
                scale=x_scale,
                axis=alt.Axis(
                    title=_BUCKET_AXIS_TITLES[bucket],
                    format="%d %b" if (end - start).days <= 120 else "%b %Y",
                    labelOverlap=True,
                    grid=False,
                ),
            ),
            y=alt.Y(f"{value_field}:Q", title=y_title, scale=y_scale, axis=alt.Axis(tickCount=3)),
            color=colour,
            tooltip=tooltip,
        )
        rings = (
            [_small_base_rings(lines, palette, tooltip)] if metric == "share" and bool(own["small_base"].any()) else []
        )
        own_completeness = None if completeness is None else completeness[completeness["source"] == outlet]
        bands = _gap_bands(
            None if own_completeness is None else gap_days(own_completeness),
            x_scale=x_scale,
            start=start,
            end=end,
            palette=palette,
        )
        panels.append(
            alt.layer(*([bands] if bands is not None else []), lines, *rings).properties(
                title=alt.TitleParams(text=str(outlet), anchor="start", fontSize=13),
                width=SMALL_MULTIPLE_WIDTH_PX,
                height=SMALL_MULTIPLE_HEIGHT_PX,
            )
        )
    measure = "Articles mentioning each entity" if metric == "articles" else "Share of the outlet's articles"
    points = len(shown)
    notes = f" · each point the mean of the {window} ending there" if window else ""
    if metric == "share" and _small_bases(shown, "small_base").any():
        notes += f" · hollow rings: shares of fewer than {SMALL_BASE_ARTICLES} articles, too few to mean much"
    return (
        alt.concat(*panels, columns=SMALL_MULTIPLE_COLUMNS)
        .properties(
            title=_chart_title(
                f"{measure}, per {bucket}, one chart per outlet",
                f"{start:%d %b %Y} – {end:%d %b %Y} · busiest outlet first · the same scale in every chart"
                + (" · grey: days the outlet's feeds failed" if completeness is not None and len(completeness) else "")
                + notes,
                palette,
            ),
            usermeta=embed_options(
                renderer="svg" if points <= _MAX_SVG_POINTS else "canvas",
            ),
        )
        .configure_view(stroke=None)
    )


def comention_heatmap(
    shown: pd.DataFrame,
    *,
    show: str,
    start: date,
    end: date,
    previous_start: date,
    palette: Palette = LIGHT,
) -> alt.LayerChart:
    """A heatmap, leader × theme, each cell labelled: the share of the leader's articles mentioning the theme
    (`show="share"`), or its change in points against the period of equal length before (`show="change"`),
    with the leader's articles it is over in brackets.

    A cell over too few articles (`small_base`, and for a change `previous_small_base` too; see
    tables.SMALL_BASE_ARTICLES) is drawn pale with a dashed outline, off the colour scale, whose domain
    comes from the other cells: three articles must not paint the darkest cell and fade the rest.
    """
    leaders = list(dict.fromkeys(shown["leader"].tolist()))
    themes = list(dict.fromkeys(shown["theme"].tolist()))
    previous_end = start - timedelta(days=1)
    small = _small_bases(shown, "small_base")
    if show == "change":
        small = small | _small_bases(shown, "previous_small_base")
    cells_data = shown.assign(
        small_base=small,
        label=[
            _cell_label(share, change, articles, show=show)
            for share, change, articles in zip(
                shown["share_percent"], shown["change_points"], shown["leader_articles"], strict=True
            )
        ],
    )
    weighty = cells_data[~small]
    base = alt.Chart(cells_data).encode(
        x=alt.X(
            "theme:N",
            title="Theme",
            sort=themes,
            axis=alt.Axis(orient="top", labelAngle=-35, labelAlign="left", labelOverlap=False, labelLimit=160),
        ),
        y=alt.Y("leader:N", title="Leader", sort=leaders, axis=alt.Axis(labelLimit=220)),
    )
    tooltip = [
        alt.Tooltip("leader:N", title="Leader"),
        alt.Tooltip("theme:N", title="Theme"),
        alt.Tooltip("both_articles:Q", title="Articles mentioning both", format=",d"),
        alt.Tooltip("leader_articles:Q", title="Articles mentioning the leader", format=",d"),
        alt.Tooltip("share_percent:Q", title="Share (%)", format=".1f"),
        alt.Tooltip("previous_share_percent:Q", title="Share before (%)", format=".1f"),
        alt.Tooltip("change_points:Q", title="Change (points)", format="+.1f"),
    ]
    if show == "change":
        changes = weighty["change_points"].abs()
        extent = float(changes.max()) if changes.notna().any() else 0.0
        extent = extent or 1.0
        field = "change_points"
        colour = alt.Color(
            "change_points:Q",
            title="Change in share (percentage points)",
            scale=alt.Scale(scheme="blueorange", domain=[-extent, extent]),
            legend=alt.Legend(orient="bottom", gradientLength=260, titleLimit=400),
        )
        strong = alt.expr.abs(alt.datum.change_points) > extent * 0.6
        title = "Change in how often each leader's coverage mentions each theme"
        subtitle = (
            f"{start:%d %b %Y} – {end:%d %b %Y} against {previous_start:%d %b %Y} – {previous_end:%d %b %Y} "
            "· percentage points · orange: more often, blue: less · empty: no earlier articles"
        )
    else:
        extent = float(weighty["share_percent"].max()) if len(weighty) else 0.0
        field = "share_percent"
        colour = alt.Color(
            "share_percent:Q",
            title="Share of the leader's articles mentioning the theme (%)",
            scale=alt.Scale(scheme="blues", domain=[0, extent or 1.0]),
            legend=alt.Legend(orient="bottom", gradientLength=260, titleLimit=400),
        )
        strong = alt.datum.share_percent > extent * 0.5
        title = "Co-mentions: % of each leader's articles that mention the theme"
        subtitle = f"{start:%d %b %Y} – {end:%d %b %Y} (UTC days)"
    if small.any():
        subtitle += f" · dashed pale cells: under {SMALL_BASE_ARTICLES} articles, too few to compare"
    tooltip.append(alt.Tooltip("small_base:N", title=f"Under {SMALL_BASE_ARTICLES} articles"))
    cells = base.mark_rect(stroke=palette.paper, strokeWidth=1).encode(
        color=alt.ColorValue(
            **alt.condition(f"isValid(datum.{field}) && !datum.small_base", colour, alt.value(palette.muted + "33"))
        ),
        tooltip=tooltip,
    )
    # Dark text on pale cells, white on strong ones: readable at any shade.
    labels = base.mark_text(fontSize=11).encode(
        text=alt.Text("label:N"),
        color=alt.ColorValue(
            **alt.when(strong & ~alt.datum.small_base)
            .then(alt.value("white"))
            .when(alt.datum.small_base)
            .then(alt.value(palette.muted))
            .otherwise(alt.value(palette.ink))
        ),
        tooltip=tooltip,
    )
    return (
        alt.layer(cells, _small_cell_outlines(base, palette), labels)
        .properties(
            title=_chart_title(title, subtitle, palette),
            # Rotated theme names take more room than the share-of-voice heatmap's level ones.
            height=_COMENTION_CHROME_PX + _HEATMAP_ROW_PX * max(len(leaders), 1),
            usermeta=embed_options(),
        )
        .configure_view(stroke=None)
    )


def _cell_label(share_percent: float, change_points: float, articles: int, *, show: str) -> str:
    """The share (or its change) and, in brackets, the leader's articles it is over: "100.0 (3)"."""
    if show != "change":
        return f"{share_percent:.1f} ({articles:,})"
    if pd.isna(change_points):
        return ""
    return f"{change_points:+.1f} ({articles:,})"


def _smoothing_window(smooth: int, bucket: Bucket) -> str:
    """The smoothing window in words ("7 days"); empty when there is none."""
    return f"{smooth} {bucket}s" if smooth > 1 else ""


def _share_bases(shown: pd.DataFrame, window: str) -> list[str]:
    """Each row's "based on" words: how many articles its share divides, and whether that is too few to mean much."""
    if "share_base" not in shown:
        return [""] * len(shown)
    over = f" over {window}" if window else ""
    return [
        f"{base:,.0f} articles{over}"
        + (f": fewer than {SMALL_BASE_ARTICLES}, too few for the share to mean much" if small else "")
        for base, small in zip(shown["share_base"], _small_bases(shown, "small_base"), strict=True)
    ]


def _small_base_rings(base: alt.Chart, palette: Palette, tooltip: list[alt.Tooltip]) -> alt.Chart:
    """A hollow ring on the line at each share over too few articles (`small_base`), always shown."""
    return (
        base.transform_filter(alt.datum.small_base)
        .mark_point(
            shape="circle", filled=False, fill=palette.paper, fillOpacity=1, size=56, strokeWidth=1.8, clip=True
        )
        .encode(tooltip=[alt.Tooltip("few:N", title="Few articles"), *tooltip])
        .transform_calculate(few="'yes'")
    )


def _small_bases(shown: pd.DataFrame, column: str) -> pd.Series:
    """The frame's flag of shares over too few articles, all False when it has none."""
    if column not in shown:
        return pd.Series(False, index=shown.index)
    return shown[column].fillna(False).astype(bool)


def _small_cell_outlines(base: alt.Chart, palette: Palette) -> alt.Chart:
    """A dashed outline inside each cell whose share is over too few articles (`small_base`)."""
    return (
        base.transform_filter("datum.small_base")
        .mark_rect(filled=False, stroke=palette.muted, strokeDash=[3, 2], strokeWidth=1)
        .encode()
    )
