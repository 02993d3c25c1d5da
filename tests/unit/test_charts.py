"""The Trends chart as a Vega-Lite spec: lines, event rules, labels, titles, spike markers."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pandas as pd
import pytest

from dashboard import charts, tables
from warehouse import Episode, Event, Headline

NAMES = {"trump": "Donald Trump", "putin": "Vladimir Putin"}
HELSINKI = Event(
    event_id="helsinki_2018",
    name="Trump–Putin summit, Helsinki",
    start_date=date(2018, 7, 16),
    end_date=date(2018, 7, 16),
    participants=("Donald Trump", "Vladimir Putin"),
    place="Helsinki, Finland",
)
NATO = Event(
    event_id="nato_brussels_2018",
    name="NATO summit, Brussels",
    start_date=date(2018, 7, 11),
    end_date=date(2018, 7, 12),
    participants=("Donald Trump", "Angela Merkel"),
    place="Brussels, Belgium",
)
G20_OSAKA = Event(
    event_id="g20_osaka_2019",
    name="Trump and Putin meet, G20 Osaka",
    start_date=date(2019, 6, 28),
    end_date=date(2019, 6, 29),
)


def warehouse_series() -> pd.DataFrame:
    """Three weeks for two entities, shaped like `warehouse.entity_series` output."""
    rows = [
        # bucket_start, entity_id, articles, mentions, total_articles
        ("2018-07-09", "putin", 2, 3, 10),
        ("2018-07-09", "trump", 4, 4, 10),
        ("2018-07-16", "putin", 6, 9, 20),
        ("2018-07-16", "trump", 8, 8, 20),
        ("2018-07-23", "putin", 0, 0, 5),
        ("2018-07-23", "trump", 1, 1, 5),
    ]
    frame = pd.DataFrame(rows, columns=["bucket_start", "entity_id", "articles", "mentions", "total_articles"])
    return frame.assign(share=frame["articles"] / frame["total_articles"])


def chart_spec(metric="articles", events=(HELSINKI, NATO, G20_OSAKA), start=date(2018, 7, 9), end=date(2018, 7, 29)):
    shown = tables.series_as_shown(warehouse_series(), NAMES)
    chart = charts.trends_chart(shown, list(events), metric=metric, bucket="week", start=start, end=end)
    return chart.to_dict()


def layers_with_mark(spec: dict, mark_type: str) -> list[dict]:
    def mark_of(layer: dict) -> str:
        mark = layer["mark"]
        return mark if isinstance(mark, str) else mark["type"]

    return [layer for layer in spec["layer"] if mark_of(layer) == mark_type]


def rows_of(spec: dict, layer: dict) -> list[dict]:
    return spec["datasets"][layer["data"]["name"]]


def test_chart_draws_one_line_per_entity():
    spec = chart_spec()

    [lines] = layers_with_mark(spec, "line")
    assert lines["encoding"]["color"]["field"] == "entity"
    assert {row["entity"] for row in rows_of(spec, lines)} == {"Donald Trump", "Vladimir Putin"}
    assert lines["encoding"]["color"]["scale"]["range"] == ["#0072B2", "#E69F00"]


def test_chart_draws_a_labelled_rule_for_each_event_in_range_only():
    spec = chart_spec()

    dashed_rules = [rule for rule in layers_with_mark(spec, "rule") if rule["mark"].get("strokeDash")]
    [rules] = dashed_rules
    assert sorted(row["name"] for row in rows_of(spec, rules)) == [
        "NATO summit, Brussels",
        "Trump–Putin summit, Helsinki",
    ]
    labelled = {row["label"] for layer in layers_with_mark(spec, "text") for row in rows_of(spec, layer)}
    assert "Trump–Putin summit, Helsinki" in labelled
    assert "Trump and Putin meet, G20 Osaka" not in labelled


def test_event_rules_carry_name_date_participants_and_place_in_their_tooltip():
    spec = chart_spec()

    [rules] = [rule for rule in layers_with_mark(spec, "rule") if rule["mark"].get("strokeDash")]
    assert [item["field"] for item in rules["encoding"]["tooltip"]] == ["name", "when", "participants", "place"]
    nato = next(row for row in rows_of(spec, rules) if row["name"] == "NATO summit, Brussels")
    assert nato["when"] == "11 Jul 2018 – 12 Jul 2018"
    assert nato["participants"] == "Donald Trump, Angela Merkel"
    assert nato["place"] == "Brussels, Belgium"


def test_nearby_event_labels_go_on_different_rows():
    # NATO (11 July) and Helsinki (16 July) are five days apart: a few pixels in a year's range.
    spec = chart_spec(start=date(2018, 1, 1), end=date(2018, 12, 31))

    texts = [row for layer in layers_with_mark(spec, "text") for row in rows_of(spec, layer)]
    label_rows = {row["name"]: row["label_y"] for row in texts}
    assert label_rows["NATO summit, Brussels"] != label_rows["Trump–Putin summit, Helsinki"]


def test_distant_event_labels_share_the_top_row():
    # Five days are a quarter of a three-week range: room for both labels on one row.
    spec = chart_spec(start=date(2018, 7, 9), end=date(2018, 7, 29))

    texts = [row for layer in layers_with_mark(spec, "text") for row in rows_of(spec, layer)]
    assert {row["label_y"] for row in texts} == {3}


def test_labels_that_cannot_fit_are_left_off_but_their_rules_stay():
    crowd = [
        Event(event_id=f"call_{number}", name=f"Phone call number {number}", start_date=date(2018, 7, 16),
              end_date=date(2018, 7, 16))
        for number in range(12)
    ]  # fmt: skip
    spec = chart_spec(events=crowd)

    [rules] = [rule for rule in layers_with_mark(spec, "rule") if rule["mark"].get("strokeDash")]
    assert len(rows_of(spec, rules)) == 12
    [text_rows] = {tuple(row["label"] for row in rows_of(spec, layer)) for layer in layers_with_mark(spec, "text")}
    shown_labels = [label for label in text_rows if label]
    # Right and left of the rule on each of five rows: ten labels fit on one day, two do not.
    assert len(shown_labels) == 10
    assert "hover one for its name" in spec["title"]["subtitle"]


def test_a_chart_with_many_points_falls_back_to_canvas():
    days = pd.date_range("2016-01-01", periods=700, freq="D").strftime("%Y-%m-%d")
    entity_ids = ["trump", "putin", "biden", "xi", "modi", "merz", "kim_jong_un", "starmer"]
    many = pd.DataFrame(
        [(day, entity_id, 1, 1, 10, 0.1) for day in days for entity_id in entity_ids],
        columns=["bucket_start", "entity_id", "articles", "mentions", "total_articles", "share"],
    )
    names = {entity_id: entity_id for entity_id in many["entity_id"].unique()}
    shown = tables.series_as_shown(many, names)
    chart = charts.trends_chart(
        shown, [], metric="articles", bucket="day", start=date(2016, 1, 1), end=date(2017, 11, 30)
    )

    assert len(shown) == 5600  # 700 days × 8 entities
    assert chart.usermeta == {"embedOptions": {"renderer": "canvas"}}


def test_chart_without_events_in_range_has_no_rules():
    spec = chart_spec(events=[G20_OSAKA])

    assert layers_with_mark(spec, "rule") == []
    assert layers_with_mark(spec, "text") == []


def test_raw_counts_chart_titles_its_axes_with_units():
    spec = chart_spec(metric="articles")

    [lines] = layers_with_mark(spec, "line")
    assert spec["title"]["text"] == "Articles mentioning each entity, per week"
    assert lines["encoding"]["y"]["field"] == "articles"
    assert lines["encoding"]["y"]["title"] == "Articles per week"
    assert lines["encoding"]["x"]["axis"]["title"] == "Week starting (UTC)"


def test_share_chart_plots_percent_of_all_articles():
    spec = chart_spec(metric="share")

    [lines] = layers_with_mark(spec, "line")
    assert spec["title"]["text"] == "Share of all articles mentioning each entity, per week"
    assert lines["encoding"]["y"]["field"] == "share_percent"
    assert lines["encoding"]["y"]["title"] == "Share of all articles (%)"
    assert max(row["share_percent"] for row in rows_of(spec, lines)) == pytest.approx(40.0)


def test_line_points_carry_bucket_entity_and_value_in_their_tooltip():
    spec = chart_spec()

    [points] = layers_with_mark(spec, "point")
    fields = [item["field"] for item in points["encoding"]["tooltip"]]
    assert fields[:3] == ["bucket_label", "entity", "articles"]
    assert "share_percent" in fields


def test_chart_renders_as_svg_so_event_labels_are_text_in_the_page():
    assert chart_spec()["usermeta"] == {"embedOptions": {"renderer": "svg"}}


def test_subtitle_says_when_the_range_cuts_a_week():
    cut = chart_spec(start=date(2018, 7, 11), end=date(2018, 7, 29))["title"]["subtitle"]
    whole = chart_spec(start=date(2018, 7, 9), end=date(2018, 7, 29))["title"]["subtitle"]

    assert "first week only partly in range" in cut
    assert "partly" not in whole


def test_empty_series_still_makes_a_chart():
    shown = tables.series_as_shown(warehouse_series().iloc[0:0], NAMES)
    chart = charts.trends_chart(
        shown, [HELSINKI], metric="articles", bucket="day", start=date(2018, 7, 1), end=date(2018, 7, 31)
    )

    assert chart.to_dict()["layer"]


def spike(entity_id: str, peak: date, *, score: float = 6.5, headline: str = "Putin meets Trump") -> Episode:
    return Episode(
        entity_id=entity_id,
        start=peak,
        peak=peak,
        end=peak,
        peak_articles=6,
        peak_total_articles=20,
        peak_share=0.3,
        baseline_share=0.1,
        score=score,
        headlines=(
            Headline(1, "Example Times", datetime(2018, 7, 17, 9, tzinfo=UTC), headline, "https://x.example/1", 3),
        ),
    )


def test_spikes_draw_one_marker_per_episode_peaking_in_range_at_its_bucket_on_its_line():
    episodes = [
        spike("putin", date(2018, 7, 17)),  # week of 16 July: 6 articles
        spike("trump", date(2018, 7, 10), score=4.0),  # week of 9 July: 4 articles
        spike("putin", date(2018, 8, 20)),  # after the range
        spike("merkel", date(2018, 7, 17)),  # not charted
    ]
    shown = tables.series_as_shown(warehouse_series(), NAMES)
    spikes = tables.spikes_as_shown(episodes, NAMES)
    spec = charts.trends_chart(
        shown, [], metric="articles", bucket="week", start=date(2018, 7, 9), end=date(2018, 7, 29), spikes=spikes
    ).to_dict()

    [markers] = [layer for layer in layers_with_mark(spec, "point") if layer["mark"].get("shape") == "diamond"]
    assert sorted((row["day"], row["entity"], row["articles"]) for row in rows_of(spec, markers)) == [
        ("2018-07-09", "Donald Trump", 4),
        ("2018-07-16", "Vladimir Putin", 6),
    ]
    assert [item["title"] for item in markers["encoding"]["tooltip"]] == [
        "Spike of",
        "Peak day",
        "Score",
        "Top headline",
    ]
    putin = next(row for row in rows_of(spec, markers) if row["entity"] == "Vladimir Putin")
    assert putin["peak_label"] == "Tue 17 Jul 2018"
    assert putin["top_headline"] == "Putin meets Trump"
    assert markers["encoding"]["href"]["field"] == "spike_link"
    assert putin["spike_link"] == "spikes?entity=putin&spike=putin%3A2018-07-17"  # relative to the Trends page
    assert "2 spikes as diamonds" in spec["title"]["subtitle"]


def test_a_chart_without_spikes_has_no_markers():
    spec = chart_spec()

    assert [layer for layer in layers_with_mark(spec, "point") if layer["mark"].get("shape") == "diamond"] == []


def line_rows(spec: dict, layer: dict) -> list[dict]:
    """A layer's rows, its own or the chart's (layers drawing the same frame share it at the top)."""
    return spec["datasets"][(layer.get("data") or spec["data"])["name"]]


def small_week_series() -> pd.DataFrame:
    """warehouse_series with the bases `share_bases=True` adds: weeks of 10, 20 and 5 articles, 10 and 5 under 20."""
    series = warehouse_series()
    return series.assign(share_base=series["total_articles"])


def test_a_share_over_few_articles_is_a_hollow_ring_and_every_point_says_what_its_share_is_based_on():
    shown = tables.series_as_shown(small_week_series(), NAMES)
    spec = charts.trends_chart(
        shown, [], metric="share", bucket="week", start=date(2018, 7, 9), end=date(2018, 7, 29)
    ).to_dict()

    rings, points = layers_with_mark(spec, "point")  # the rings under the points, whose hover would hide theirs
    assert rings["mark"]["filled"] is False
    assert "small_base" in str(rings["transform"][0]["filter"])
    small = [(row["day"], row["entity"]) for row in line_rows(spec, points) if row["small_base"]]
    assert sorted(small) == [
        ("2018-07-09", "Donald Trump"),
        ("2018-07-09", "Vladimir Putin"),
        ("2018-07-23", "Donald Trump"),
        ("2018-07-23", "Vladimir Putin"),
    ]
    based_on = {row["day"]: row["based_on"] for row in line_rows(spec, points)}
    assert based_on == {
        "2018-07-09": "10 articles: fewer than 20, too few for the share to mean much",
        "2018-07-16": "20 articles",
        "2018-07-23": "5 articles: fewer than 20, too few for the share to mean much",
    }
    assert "Share based on" in [item["title"] for item in points["encoding"]["tooltip"]]
    assert "hollow rings: shares of fewer than 20 articles" in spec["title"]["subtitle"]


def test_counts_draw_no_rings_a_count_is_not_a_share():
    shown = tables.series_as_shown(small_week_series(), NAMES)
    spec = charts.trends_chart(
        shown, [], metric="articles", bucket="week", start=date(2018, 7, 9), end=date(2018, 7, 29)
    ).to_dict()

    assert len(layers_with_mark(spec, "point")) == 1
    assert "hollow rings" not in spec["title"]["subtitle"]


def test_a_smoothed_chart_says_its_values_are_means_over_the_window():
    smoothed = warehouse_series().assign(articles=lambda frame: frame["articles"] / 3)
    shown = tables.series_as_shown(smoothed, NAMES)
    spec = charts.trends_chart(
        shown, [], metric="articles", bucket="week", start=date(2018, 7, 9), end=date(2018, 7, 29), smooth=3
    ).to_dict()

    [lines] = layers_with_mark(spec, "line")
    [points] = layers_with_mark(spec, "point")
    assert lines["encoding"]["y"]["title"] == "Articles per week, mean of 3 weeks"
    tooltip = {item["title"]: item.get("format") for item in points["encoding"]["tooltip"]}
    assert tooltip["Articles mentioning, mean of 3 weeks"] == ",.2~f"  # 2/3 is not shown as 1
    assert max(row["articles"] for row in line_rows(spec, points)) == pytest.approx(8 / 3)
    assert "each point the mean of the 3 weeks ending there" in spec["title"]["subtitle"]


def test_each_outlets_chart_rings_its_own_shares_over_few_articles():
    times = small_week_series().assign(source="Example Times")
    herald = small_week_series().assign(source="Example Herald", total_articles=200, share_base=200)
    shown = tables.series_as_shown(pd.concat([times, herald]), NAMES)
    spec = charts.outlet_small_multiples(
        shown, metric="share", bucket="week", start=date(2018, 7, 9), end=date(2018, 7, 29)
    ).to_dict()

    panels = {panel["title"]["text"]: panel["layer"] for panel in spec["concat"]}
    assert len(panels["Example Times"]) == 2  # its line, and rings on its weeks of 10 and 5 articles
    assert len(panels["Example Herald"]) == 1  # 200 articles a week: its line alone
    assert "hollow rings: shares of fewer than 20 articles" in spec["title"]["subtitle"]
