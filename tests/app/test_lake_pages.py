"""Dashboard pages read a lake (catalog in a real PostgreSQL) and draw what they draw for the file."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pytest
from streamlit.testing.v1 import AppTest

import warehouse
from tests.app.test_sources_page import seeded, with_feeds
from tests.conftest import REPO_ROOT
from warehouse.engine.lake import close_lakes

APP = REPO_ROOT / "dashboard" / "app.py"


@pytest.fixture
def file_and_lake(fresh_warehouse: warehouse.Warehouse, lake_catalog: str, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """The Sources page's seeded warehouse file, and the same imported into a new lake."""
    with_feeds(seeded(fresh_warehouse))
    target = f"ducklake:postgres:{lake_catalog}"
    warehouse.init_lake(target, str(tmp_path / "lake-data"))
    warehouse.import_warehouse(target, fresh_warehouse.path)
    yield str(fresh_warehouse.path), target
    close_lakes()


def page(db: str, path: str, monkeypatch: pytest.MonkeyPatch, **query: str) -> AppTest:
    monkeypatch.setenv("NEWSTALLY_DB", db)
    app = AppTest.from_file(str(APP), default_timeout=60)
    app.switch_page(path)
    for name, value in query.items():
        app.query_params[name] = value
    return app.run()


def charts_drawn(app: AppTest) -> list[tuple[dict, dict[str, list[dict]]]]:
    """Each chart's spec and the rows of each of its datasets (sent beside the spec, as Arrow)."""
    return [
        (
            json.loads(chart.proto.spec),
            {
                dataset.name: pa.ipc.open_stream(dataset.data.data).read_all().to_pylist()
                for dataset in chart.proto.datasets
            },
        )
        for chart in app.get("vega_lite_chart")
    ]


def shown(app: AppTest) -> tuple:
    """What a reader sees: titles, notes, every chart's spec and rows, every table's cells."""
    assert not app.exception
    texts = [
        element.value for kind in ("title", "caption", "markdown", "info", "warning") for element in getattr(app, kind)
    ]
    tables = [frame.value.to_dict("list") for frame in app.dataframe]
    return texts, charts_drawn(app), tables


@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("app_pages/sources.py", {"entities": "trump,putin", "from": "2018-07-16", "to": "2018-07-18"}),
        ("app_pages/trends.py", {"entities": "trump,putin", "from": "2018-07-01", "to": "2018-07-24"}),
    ],
    ids=["sources", "trends"],
)
def test_a_page_on_the_lake_shows_what_it_shows_on_the_file(
    path: str, query: dict[str, str], file_and_lake: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    on_file = shown(page(file_and_lake[0], path, monkeypatch, **query))
    on_lake = shown(page(file_and_lake[1], path, monkeypatch, **query))
    assert on_file[1], "the page drew no chart"
    assert on_lake == on_file
