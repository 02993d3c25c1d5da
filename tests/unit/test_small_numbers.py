"""Honest small numbers: a share over fewer than 20 articles is flagged wherever the dashboard shows it, and the
heatmaps' colour scales are spread over the shares that carry weight (docs/counting.md, "Small numbers")."""

from __future__ import annotations

from datetime import date

import pandas as pd

from dashboard import charts, tables

NAMES = {
    "putin": "Vladimir Putin",
    "scholz": "Olaf Scholz",
    "sanctions": "Sanctions",
    "nato": "NATO",
}
START, END = date(2022, 3, 1), date(2022, 3, 28)


def matrix() -> pd.DataFrame:
    """Putin: 200 articles, 50 on sanctions (25 %), 20 on NATO (10 %). Scholz: 3 articles, all 3 on sanctions
    (100 %), none on NATO; 40 articles in the period before."""
    return pd.DataFrame(
        {
            "leader_id": ["putin", "putin", "scholz", "scholz"],
            "theme_id": ["sanctions", "nato", "sanctions", "nato"],
            "leader_articles": [200, 200, 3, 3],
            "both_articles": [50, 20, 3, 0],
            "share": [0.25, 0.1, 1.0, 0.0],
            "previous_leader_articles": [180, 180, 40, 40],
            "previous_both_articles": [36, 18, 4, 4],
            "previous_share": [0.2, 0.1, 0.1, 0.1],
            "change": [0.05, 0.0, 0.9, -0.1],
        }
    )


def layers(chart) -> tuple[list[dict], list[dict]]:
    spec = chart.to_dict()
    (rows,) = spec["datasets"].values()
    return spec["layer"], rows


def test_comentions_table_flags_a_leader_with_fewer_than_20_articles():
    shown = tables.comentions_as_shown(matrix(), NAMES)
    flags = dict(zip(zip(shown["leader_id"], shown["theme_id"], strict=True), shown["small_base"], strict=True))
    assert flags == {
        ("putin", "sanctions"): False,
        ("putin", "nato"): False,
        ("scholz", "sanctions"): True,
        ("scholz", "nato"): True,
    }
    assert not shown["previous_small_base"].any()  # 180 and 40 articles before


def test_heatmap_shows_counts_marks_small_cells_and_takes_its_colours_from_the_others():
    chart = charts.comention_heatmap(
        tables.comentions_as_shown(matrix(), NAMES), show="share", start=START, end=END, previous_start=date(2022, 2, 1)
    )
    (cells, outlines, _labels), rows = layers(chart)
    by_cell = {(row["leader"], row["theme"]): row for row in rows}
    scholz = by_cell[("Olaf Scholz", "Sanctions")]
    assert (scholz["label"], scholz["small_base"]) == ("100.0 (3)", True)
    assert (
        by_cell[("Vladimir Putin", "Sanctions")]["label"],
        by_cell[("Vladimir Putin", "Sanctions")]["small_base"],
    ) == (
        "25.0 (200)",
        False,
    )
    # The scale runs to Putin × Sanctions' 25 %, the largest share over 20 articles or more, not Scholz's 100 %.
    colour = cells["encoding"]["color"]
    assert colour["condition"]["scale"]["domain"] == [0, 25.0]
    assert "!datum.small_base" in colour["condition"]["test"]
    # Small cells get the pale value and a dashed outline; the subtitle says why.
    assert outlines["mark"]["strokeDash"] == [3, 2]
    assert outlines["transform"] == [{"filter": "datum.small_base"}]
    assert "under 20 articles" in chart.to_dict()["title"]["subtitle"]


def test_change_view_flags_a_change_whose_earlier_share_was_over_few_articles():
    few_before = matrix().assign(previous_leader_articles=[180, 180, 5, 5])
    shown = tables.comentions_as_shown(few_before.assign(leader_articles=[200, 200, 30, 30]), NAMES)
    chart = charts.comention_heatmap(shown, show="change", start=START, end=END, previous_start=date(2022, 2, 1))
    (cells, _, _), rows = layers(chart)
    assert {row["leader"]: row["small_base"] for row in rows} == {"Vladimir Putin": False, "Olaf Scholz": True}
    # Putin's changes are +5 and 0 points: the diverging scale spans ±5, not Scholz's +90.
    assert cells["encoding"]["color"]["condition"]["scale"]["domain"] == [-5.0, 5.0]


def test_share_of_voice_flags_outlets_with_few_articles_and_scales_on_the_rest():
    shares = pd.DataFrame(
        {
            "source": ["Big Daily", "Tiny Weekly"],
            "entity_id": ["putin", "putin"],
            "articles": [30, 2],
            "total_articles": [300, 2],
            "share": [0.1, 1.0],
        }
    )
    shown = tables.share_of_voice_as_shown(shares, NAMES)
    assert list(shown["small_base"]) == [False, True]
    chart = charts.share_of_voice_chart(shown, start=START, end=END)
    (cells, _, _), rows = layers(chart)
    assert [row["label"] for row in rows] == ["10.0", "100.0 (2)"]
    assert cells["encoding"]["color"]["condition"]["scale"]["domain"] == [0, 10.0]
