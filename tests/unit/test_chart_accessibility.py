"""Every chart the dashboard draws can be read by everyone: a title, titled axes and legends with units,
colour-blind-safe line colours in the light and the dark theme; and the grey bands of ingest gaps."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from datetime import date

import altair as alt
import pandas as pd
import pytest

from dashboard import charts, tables
from tests.unit.test_charts import HELSINKI, NAMES, NATO, spike, warehouse_series

START, END = date(2018, 7, 9), date(2018, 7, 29)
# What a quantitative axis or legend may count in: its title must say which.
UNITS = ("Articles", "%", "points")


def completeness() -> pd.DataFrame:
    """Two outlets' fetch record: the Herald's feeds failed on 11 and 12 July, the Times' on 12 July."""
    rows = [
        ("Example Herald", date(2018, 7, 10), True),
        ("Example Herald", date(2018, 7, 11), False),
        ("Example Herald", date(2018, 7, 12), False),
        ("Example Times", date(2018, 7, 11), True),
        ("Example Times", date(2018, 7, 12), False),
    ]
    frame = pd.DataFrame(rows, columns=["source", "day", "complete"])
    return frame.assign(feeds=1, feeds_fetched=1, feeds_ok=frame["complete"].astype(int))


def by_outlet() -> pd.DataFrame:
    series = warehouse_series()
    return pd.concat([series.assign(source="Example Times"), series.assign(source="Example Herald")])


def comention_matrix() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "leader_id": ["putin", "putin", "trump", "trump"],
            "theme_id": ["sanctions", "nato", "sanctions", "nato"],
            "leader_articles": [10, 10, 2, 2],
            "both_articles": [5, 1, 0, 1],
            "share": [0.5, 0.1, 0.0, 0.5],
            "previous_leader_articles": [4, 4, 0, 0],
            "previous_both_articles": [1, 1, 0, 0],
            "previous_share": [0.25, 0.25, 0.0, 0.0],
            "change": [0.25, -0.15, None, None],
        }
    )


def every_chart(palette: charts.Palette) -> Iterator[tuple[str, alt.TopLevelMixin]]:
    """Each builder in charts.py that returns a chart, with data like the pages give it."""
    shown = tables.series_as_shown(warehouse_series(), NAMES)
    spikes = tables.spikes_as_shown([spike("putin", date(2018, 7, 16))], NAMES)
    gaps = tables.gap_days(completeness())
    for metric in ("articles", "share"):
        yield (
            f"trends_chart/{metric}",
            charts.trends_chart(
                shown, [HELSINKI, NATO], metric=metric, bucket="week", start=START, end=END,
                spikes=spikes, gaps=gaps, palette=palette,
            ),
        )  # fmt: skip
        yield (
            f"outlet_small_multiples/{metric}",
            charts.outlet_small_multiples(
                tables.series_as_shown(by_outlet(), NAMES), metric=metric, bucket="week", start=START, end=END,
                completeness=completeness(), palette=palette,
            ),
        )  # fmt: skip
    volume = pd.DataFrame({"source": ["Example Times", "Example Herald"], "articles": [12, 3]})
    yield "source_volume_chart", charts.source_volume_chart(volume, start=START, end=END, palette=palette)
    shares = pd.DataFrame(
        {"source": ["Example Times"], "entity_id": ["trump"], "articles": [2], "total_articles": [4], "share": [0.5]}
    )
    yield (
        "share_of_voice_chart",
        charts.share_of_voice_chart(
            tables.share_of_voice_as_shown(shares, NAMES), start=START, end=END, palette=palette
        ),
    )
    matrix = tables.comentions_as_shown(comention_matrix(), {**NAMES, "sanctions": "Sanctions", "nato": "NATO"})
    for show in ("share", "change"):
        yield (
            f"comention_heatmap/{show}",
            charts.comention_heatmap(
                matrix, show=show, start=START, end=END, previous_start=date(2018, 6, 18), palette=palette
            ),
        )


def views(spec: dict) -> Iterator[list[dict]]:
    """Each single view of a spec as the layers drawn on one set of axes."""
    if "concat" in spec:
        for panel in spec["concat"]:
            yield from views(panel)
    elif "layer" in spec:
        yield spec["layer"]
    else:
        yield [spec]


def field_definition(encoding: object) -> dict | None:
    """The encoding's field definition, also when it sits in a condition (colour for valid values only)."""
    if not isinstance(encoding, dict):
        return None
    if "field" in encoding:
        return encoding
    condition = encoding.get("condition")
    return condition if isinstance(condition, dict) and "field" in condition else None


def title_of(definition: dict, guide: str) -> str | None:
    return definition.get("title") or (definition.get(guide) or {}).get("title")


@functools.cache
def chart_specs(theme: str) -> dict[str, dict]:
    return {name: chart.to_dict() for name, chart in every_chart(charts.palette_for(theme))}


ALL_CHARTS = list(chart_specs("light"))


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("name", ALL_CHARTS)
def test_every_chart_has_a_title(name, theme):
    title = chart_specs(theme)[name]["title"]
    assert (title["text"] if isinstance(title, dict) else title).strip()


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("name", ALL_CHARTS)
def test_every_axis_and_legend_has_a_title_and_quantities_their_unit(name, theme):
    spec = chart_specs(theme)[name]

    for layers in views(spec):
        for channel, guide in (("x", "axis"), ("y", "axis"), ("color", "legend")):
            drawn = [
                definition
                for layer in layers
                if (definition := field_definition(layer.get("encoding", {}).get(channel)))
                and definition.get("scale", {}) is not None  # scale None: placed by pixel, no axis
            ]
            if not drawn:
                continue
            titles = [title for definition in drawn if (title := title_of(definition, guide))]
            assert titles, f"{name}: the {channel} {guide} has no title"
            if any(definition.get("type") == "quantitative" for definition in drawn):
                assert any(unit in titles[0] for unit in UNITS), f"{name}: {titles[0]!r} names no unit"


def test_line_colours_are_okabe_ito_in_both_themes():
    assert sorted(charts.LIGHT.lines) == sorted(charts.OKABE_ITO)
    # On a dark page black becomes white; the other seven hues stay.
    assert sorted(charts.DARK.lines) == sorted({*charts.OKABE_ITO} - {"#000000"} | {"#FFFFFF"})
    # Black lines vanish on a dark page, and the dark blue is dim there: neither leads.
    assert charts.DARK.lines[0] != "#0072B2" and "#000000" not in charts.DARK.lines[:7]
    assert charts.palette_for("dark") is charts.DARK
    assert charts.palette_for(None) is charts.LIGHT


def test_gap_days_are_the_days_some_outlets_feeds_failed_with_the_outlets_named():
    gaps = tables.gap_days(completeness())

    assert [tuple(row) for row in gaps.itertuples(index=False)] == [
        (date(2018, 7, 11), date(2018, 7, 12), "Example Herald", 1),
        (date(2018, 7, 12), date(2018, 7, 13), "Example Herald, Example Times", 2),
    ]


def test_gaps_are_grey_bands_under_the_lines_and_the_subtitle_says_so():
    shown = tables.series_as_shown(warehouse_series(), NAMES)
    chart = charts.trends_chart(
        shown, [], metric="articles", bucket="week", start=START, end=END, gaps=tables.gap_days(completeness())
    )

    spec = chart.to_dict()
    band = spec["layer"][0]
    assert band["mark"]["type"] == "rect" and band["mark"]["color"] == charts.LIGHT.gap
    assert [row["gap_day"] for row in spec["datasets"][band["data"]["name"]]] == ["2018-07-11", "2018-07-12"]
    assert "grey: 2 days some outlet's feeds failed" in spec["title"]["subtitle"]


def test_small_multiples_draw_one_panel_per_outlet_busiest_first():
    busy, quiet = warehouse_series().assign(source="Example Times"), warehouse_series().assign(source="Quiet")
    shown = tables.series_as_shown(pd.concat([quiet.assign(articles=0), busy]), NAMES)
    chart = charts.outlet_small_multiples(shown, metric="articles", bucket="week", start=START, end=END)

    assert [panel["title"]["text"] for panel in chart.to_dict()["concat"]] == ["Example Times", "Quiet"]
