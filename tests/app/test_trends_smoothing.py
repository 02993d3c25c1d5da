"""Smoothing and small bases on the Trends page (issue 15), run by Streamlit's AppTest against a real warehouse:
the Smooth control draws `newstally series --smooth N`'s numbers and lives in the URL; a share over fewer than
SMALL_BASE_ARTICLES articles is marked on the chart and says what it is based on."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from streamlit.testing.v1 import AppTest

import warehouse
from dashboard.tables import SMALL_BASE_ARTICLES
from tests.app.test_trends_page import APP
from tests.app.test_trends_queries import _datasets
from tests.conftest import article

# One outlet, a week of days: (Putin articles, all articles). Wednesday the 11th is a quiet day of 3 articles.
WEEK = {
    "2018-07-09": (2, 30),
    "2018-07-10": (10, 30),
    "2018-07-11": (1, 3),
    "2018-07-12": (6, 30),
    "2018-07-13": (0, 30),
    "2018-07-14": (3, 30),
    "2018-07-15": (9, 30),
}
VIEW = {"entities": "putin", "from": "2018-07-09", "to": "2018-07-15", "bucket": "day"}


def a_week_of_articles() -> list[warehouse.FetchedArticle]:
    articles = []
    for day, (putin, total) in WEEK.items():
        noon = datetime.fromisoformat(day).replace(hour=12, tzinfo=UTC)
        articles += [article(f"{day}-p{n}", f"Putin story {n} of {day}", published_at=noon) for n in range(putin)]
        articles += [
            article(f"{day}-w{n}", f"Weather report {n} of {day}", published_at=noon) for n in range(total - putin)
        ]
    return articles


@pytest.fixture
def week(fresh_warehouse: warehouse.Warehouse) -> warehouse.Warehouse:
    warehouse.store_articles(fresh_warehouse, "Example Times", a_week_of_articles())
    return fresh_warehouse


def trends(db_path, monkeypatch: pytest.MonkeyPatch, **params: str) -> AppTest:
    monkeypatch.setenv("NEWSTALLY_DB", str(db_path))
    app = AppTest.from_file(str(APP), default_timeout=30)
    for name, value in params.items():
        app.query_params[name] = value
    return app.run()


def line(app: AppTest) -> dict[str, dict]:
    """The chart's points of the one line drawn, by day."""
    [chart] = app.get("vega_lite_chart")
    [points] = [dataset for dataset in _datasets(chart) if "articles_from" in dataset.columns]
    return {row["day"]: row for row in points.to_dict("records")}


def subtitle(app: AppTest) -> str:
    [chart] = app.get("vega_lite_chart")
    return json.loads(chart.proto.spec)["title"]["subtitle"]


def test_smooth_in_the_url_draws_the_trailing_means_newstally_series_smooth_prints(week, monkeypatch):
    app = trends(week.path, monkeypatch, **VIEW, smooth="3")

    assert not app.exception
    assert app.segmented_control(key="trends_smooth").value == 3
    points = line(app)
    # By hand, Putin's articles over the 3 days ending on each day (the data starts on the 9th):
    # 9th 2/1, 10th (2+10)/2, 11th (2+10+1)/3, 12th (10+1+6)/3, 13th (1+6+0)/3, 14th (6+0+3)/3, 15th (0+3+9)/3.
    assert [round(points[day]["articles"], 2) for day in WEEK] == [2.0, 6.0, 4.33, 5.67, 2.33, 3.0, 4.0]
    cli = warehouse.entity_series(week, ["putin"], smooth=3, start=date(2018, 7, 9), end=date(2018, 7, 15))
    assert [points[day]["articles"] for day in WEEK] == pytest.approx(cli["articles"].tolist())
    assert "each point the mean of the 3 days ending there" in subtitle(app)
    # The totals under the chart stay counts over the range.
    assert app.dataframe[0].value.set_index("entity").loc["Vladimir Putin", "articles"] == 31
    assert app.query_params["smooth"] == "3"


def test_choosing_a_smoothing_writes_it_to_the_url_and_none_takes_it_out(week, monkeypatch):
    app = trends(week.path, monkeypatch, **VIEW)
    assert app.segmented_control(key="trends_smooth").value == 1
    assert line(app)["2018-07-11"]["articles"] == 1
    assert "smooth" not in app.query_params

    app.segmented_control(key="trends_smooth").set_value(7).run()
    assert app.query_params["smooth"] == "7"
    assert line(app)["2018-07-15"]["articles"] == pytest.approx(31 / 7)

    app.segmented_control(key="trends_smooth").set_value(1).run()
    assert "smooth" not in app.query_params
    assert line(app)["2018-07-11"]["articles"] == 1


def test_a_smoothing_the_page_does_not_offer_falls_back_to_none(week, monkeypatch):
    app = trends(week.path, monkeypatch, **VIEW, smooth="5")

    assert not app.exception
    assert app.segmented_control(key="trends_smooth").value == 1
    assert "smooth" not in app.query_params


def test_a_share_over_few_articles_is_marked_and_says_what_it_is_based_on(week, monkeypatch):
    app = trends(week.path, monkeypatch, **VIEW, metric="share")

    points = line(app)
    assert [day for day, point in points.items() if point["small_base"]] == ["2018-07-11"]
    assert points["2018-07-11"]["based_on"] == (
        f"3 articles: fewer than {SMALL_BASE_ARTICLES}, too few for the share to mean much"
    )
    assert points["2018-07-12"]["based_on"] == "30 articles"
    assert f"hollow rings: shares of fewer than {SMALL_BASE_ARTICLES} articles" in subtitle(app)


def test_smoothing_widens_the_base_a_share_is_over(week, monkeypatch):
    app = trends(week.path, monkeypatch, **VIEW, metric="share", smooth="3")

    points = line(app)
    assert not any(point["small_base"] for point in points.values())
    assert points["2018-07-11"]["based_on"] == "63 articles over 3 days"  # 30 + 30 + 3
    assert points["2018-07-11"]["share_percent"] == pytest.approx(100 * 13 / 63, abs=0.001)
    assert "hollow rings" not in subtitle(app)
