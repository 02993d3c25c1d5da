"""Downloads as users get them: the Trends series as CSV and Parquet (each zipped with its .meta.json) whose
numbers match `newstally series` for the same view, and the chart itself as SVG and PNG."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest

import warehouse
from tests.browser.dashboard_server import requires_chromium, running_dashboard
from tests.conftest import REPO_ROOT, SHIPPED_EVENTS, SHIPPED_WATCHLIST, article

pytestmark = pytest.mark.browser

VIEW = "entities=trump,putin&from=2018-07-09&to=2018-07-23&bucket=week&metric=articles"


def at_noon(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(hour=12, tzinfo=UTC)


ARTICLES = [
    article("a1", "Trump flies to Brussels for the NATO summit", published_at=at_noon("2018-07-09")),
    article("a2", "Trump and Putin meet in Helsinki", published_at=at_noon("2018-07-16")),
    article("a3", "Putin's press conference, line by line", published_at=at_noon("2018-07-16")),
    article("a4", "Heatwave grips Finland", published_at=at_noon("2018-07-17")),
    article("a5", "What Helsinki means for Trump", published_at=at_noon("2018-07-20")),
    article("a6", "Zelensky's comedy show tops the ratings", published_at=at_noon("2018-07-23")),
]
# By hand, weeks starting Monday: 9 July holds a1; 16 July a2–a5; 23 July a6.
EXPECTED_ARTICLES = {
    ("2018-07-09", "trump"): 1,
    ("2018-07-16", "trump"): 2,  # a2, a5
    ("2018-07-23", "trump"): 0,
    ("2018-07-09", "putin"): 0,
    ("2018-07-16", "putin"): 2,  # a2, a3
    ("2018-07-23", "putin"): 0,
}
EXPECTED_TOTALS = {"2018-07-09": 1, "2018-07-16": 4, "2018-07-23": 1}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    folder = tmp_path_factory.mktemp("downloads")
    wh = warehouse.open_warehouse(
        folder / "newstally.duckdb", watchlist_path=SHIPPED_WATCHLIST, events_path=SHIPPED_EVENTS
    )
    warehouse.store_articles(wh, "Example Times", ARTICLES, fetched_at=at_noon("2018-07-24"))
    with running_dashboard(wh.path, folder / "streamlit.log") as url:
        yield url, wh.path


def cli_series(db_path: Path) -> pd.DataFrame:
    printed = subprocess.run(
        [sys.executable, "-m", "newstally", "--db", str(db_path), "series", "--entity", "trump,putin",
         "--bucket", "week", "--from", "2018-07-09", "--to", "2018-07-23"],
        cwd=REPO_ROOT, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    return pd.read_csv(io.StringIO(printed))


def downloaded_zip(page, label: str) -> dict[str, bytes]:
    buttons = page.get_by_role("button", name=label)
    # The page draws its parts in turn: wait for the totals table's button too, so the first is the series'.
    buttons.nth(1).wait_for(state="visible", timeout=30_000)
    with page.expect_download(timeout=30_000) as download_info:
        buttons.first.click()  # the series; the totals table follows
    download = download_info.value
    assert download.suggested_filename.endswith(".zip")
    with zipfile.ZipFile(download.path()) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def as_numbers(frame: pd.DataFrame) -> tuple[dict, dict]:
    days = pd.to_datetime(frame["bucket_start"]).dt.strftime("%Y-%m-%d")
    articles = dict(zip(zip(days, frame["entity_id"], strict=True), frame["articles"].astype(int), strict=True))
    totals = dict(zip(days, frame["total_articles"].astype(int), strict=True))
    return articles, totals


@requires_chromium
@pytest.mark.parametrize(
    ("label", "read"),
    [("CSV + provenance", lambda raw: pd.read_csv(io.BytesIO(raw))), ("Parquet + provenance", pd.read_parquet)],
)
def test_a_downloaded_series_matches_newstally_series_for_the_same_view(served, browser, label, read):
    url, db_path = served
    page = browser.new_page(viewport={"width": 1400, "height": 1050})
    page.goto(f"{url}/?{VIEW}")
    page.locator(".vega-embed svg").first.wait_for(state="visible", timeout=30_000)

    files = downloaded_zip(page, label)

    suffix = ".csv" if label.startswith("CSV") else ".parquet"
    [data_name] = [name for name in files if name.endswith(suffix)]
    assert set(files) == {data_name, f"{data_name}.meta.json"}
    shown = read(io.BytesIO(files[data_name]) if suffix == ".parquet" else files[data_name])
    articles, totals = as_numbers(shown)
    assert articles == EXPECTED_ARTICLES
    assert totals == EXPECTED_TOTALS
    assert as_numbers(cli_series(db_path)) == (articles, totals)

    meta = json.loads(files[f"{data_name}.meta.json"])
    assert meta["file"] == data_name
    assert meta["rows"] == 6
    assert meta["bucket"] == "week"
    assert meta["corpus"]["articles"] == 6
    assert meta["options"]["equivalent_command"] == (
        "newstally series --entity trump,putin --bucket week --from 2018-07-09 --to 2018-07-23"
    )
    assert meta["command"][1].startswith("trends?entities=trump%2Cputin")
    page.close()


@requires_chromium
def test_the_chart_downloads_as_svg_and_png_as_drawn(served, browser):
    url, _ = served
    page = browser.new_page(viewport={"width": 1400, "height": 1050})
    page.goto(f"{url}/?{VIEW}")
    page.locator(".vega-embed svg").first.wait_for(state="visible", timeout=30_000)

    with page.expect_download(timeout=60_000) as svg_info:
        page.get_by_role("button", name="Chart as SVG").click()
    assert svg_info.value.suggested_filename == "newstally-articles-week-2018-07-09-2018-07-23.svg"
    svg = Path(svg_info.value.path()).read_text()
    assert svg.lstrip().startswith("<svg")
    for text in ("Articles mentioning each entity, per week", "Articles per week", "Donald Trump", "Helsinki"):
        assert text in svg

    with page.expect_download(timeout=60_000) as png_info:
        page.get_by_role("button", name="Chart as PNG").click()
    assert png_info.value.suggested_filename == "newstally-articles-week-2018-07-09-2018-07-23.png"
    assert Path(png_info.value.path()).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    page.close()
