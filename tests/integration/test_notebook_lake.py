"""`newstally.open` on a lake (`ducklake:postgres:CONNINFO`, as `--db` takes it) gives the tables the file gives.

The hand-built spike corpus (tests/spike_corpus.py, 1,680 articles, Putin's spike on 2018-07-14)
is written to a file, a collection of two of its three outlets added, and the file imported
into a lake on the session's real PostgreSQL cluster through the CLI, as a user would. Every
notebook call is then made on both and the DataFrames compared.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

import newstally
import warehouse
from tests.integration.test_lake import newstally as cli
from tests.postgres_cluster import PostgresCluster
from tests.spike_corpus import build_spike_corpus
from warehouse.engine.lake import close_lakes

COLLECTION = "times_herald"


@pytest.fixture(scope="module")
def file_and_lake(
    postgres_cluster: PostgresCluster, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Path, str]]:
    """(the warehouse file, the `ducklake:postgres:...` target it was imported into)."""
    db = tmp_path_factory.mktemp("notebook") / "spikes.duckdb"
    build_spike_corpus(db)
    two = ("--source", "Example Times", "--source", "Example Herald")
    grouped = cli("--db", str(db), "collections", "add", COLLECTION, *two)
    assert grouped.returncode == 0, grouped.stderr
    target = f"ducklake:postgres:{postgres_cluster.create_database('lake_for_notebook')}"
    data = tmp_path_factory.mktemp("notebook_lake") / "data"
    created = cli("--db", target, "--lake-data", str(data), "lake", "init")
    assert created.returncode == 0, created.stderr
    imported = cli("--db", target, "lake", "import", str(db))
    assert imported.returncode == 0, imported.stderr
    yield db, target
    close_lakes()


CALLS = [
    ("series", ("putin,trump",), {"start": "2018-07-10", "end": "2018-07-16"}),
    ("series", ("putin",), {"bucket": "week", "tz": "Europe/Berlin", "by_source": True, "smooth": 2}),
    ("series", (), {"query": ["reshuffle", "Trump OR Putin"], "start": "2018-07-13", "end": "2018-07-14"}),
    ("series", ("putin",), {"collection": COLLECTION, "metric": "share", "start": "2018-07-13", "end": "2018-07-15"}),
    ("spikes", (), {}),
    ("spikes", ("putin",), {"collection": COLLECTION}),
    ("articles", (), {"limit": None}),
    ("articles", ("reshuffle",), {"entity": "putin", "start": "2018-07-14", "end": "2018-07-14", "tz": "Asia/Tokyo"}),
    ("articles", (), {"query": "title:minister", "collection": COLLECTION}),
    ("event_lens", ("helsinki_2018",), {"window": 2}),
    ("comentions", (), {"start": "2018-07-01", "end": "2018-07-31"}),
    ("entities", (), {}),
    ("events", (), {"start": "2018-07-01", "end": "2018-07-31"}),
    ("sources", (), {}),
]


@pytest.mark.parametrize(("method", "args", "kwargs"), CALLS, ids=lambda value: str(value)[:40])
def test_a_call_on_the_lake_equals_the_same_call_on_the_file(
    file_and_lake: tuple[Path, str], method: str, args: tuple, kwargs: dict
) -> None:
    db, target = file_and_lake
    on_file = getattr(newstally.open(db), method)(*args, **kwargs)
    on_lake = getattr(newstally.open(target), method)(*args, **kwargs)
    assert len(on_file) > 0
    pd.testing.assert_frame_equal(on_lake, on_file)


def test_the_lake_counts_what_was_worked_out_by_hand(file_and_lake: tuple[Path, str]) -> None:
    wh = newstally.open(file_and_lake[1])
    series = wh.series("putin", start="2018-07-14", end="2018-07-14", collection=COLLECTION)
    # Two outlets of three on the spike day: 6 + 8 stories each, 1 + 8 of them about Putin.
    assert series[["articles", "total_articles"]].to_dict("records") == [{"articles": 18, "total_articles": 28}]
    assert list(wh.spikes()["id"]) == ["putin:2018-07-14"]
    assert len(wh.articles(limit=None)) == 1680
    assert repr(wh) == f"newstally.open({file_and_lake[1]!r})"


def test_a_database_without_a_lake_is_one_clear_error(postgres_cluster: PostgresCluster) -> None:
    target = f"ducklake:postgres:{postgres_cluster.create_database('no_lake_for_notebook')}"
    with pytest.raises(warehouse.WarehouseUnavailable, match="no lake at"):
        newstally.open(target)
