"""A dashboard download: the shown frame and the same provenance sidecar `newstally export` writes, in one zip."""

from __future__ import annotations

import io
import json
import zipfile

import pandas as pd

import warehouse
from tests.conftest import article
from warehouse.export.files import write_provenance

SHOWN = pd.DataFrame({"entity": ["Donald Trump", "Vladimir Putin"], "articles": [3, 2]})


def unzipped(bundle: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(bundle)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_a_csv_bundle_holds_the_frame_and_its_meta_json(fresh_warehouse):
    warehouse.store_articles(fresh_warehouse, "Example Times", [article("a1", "Trump and Putin meet")])

    bundle = warehouse.export_bundle(
        fresh_warehouse, SHOWN, file_name="totals.csv", command=["newstally-dashboard", "trends"], options={}
    )

    files = unzipped(bundle)
    assert sorted(files) == ["totals.csv", "totals.csv.meta.json"]
    assert files["totals.csv"].decode() == "entity,articles\nDonald Trump,3\nVladimir Putin,2\n"
    meta = json.loads(files["totals.csv.meta.json"])
    assert meta["file"] == "totals.csv"
    assert meta["rows"] == 2
    assert meta["columns"] == ["entity", "articles"]
    assert meta["command"] == ["newstally-dashboard", "trends"]
    assert meta["corpus"]["articles"] == 1


def test_a_parquet_bundle_reads_back_as_the_frame(fresh_warehouse):
    bundle = warehouse.export_bundle(
        fresh_warehouse, SHOWN, file_name="totals.parquet", command=["newstally-dashboard"], options={}
    )

    files = unzipped(bundle)
    assert sorted(files) == ["totals.parquet", "totals.parquet.meta.json"]
    pd.testing.assert_frame_equal(pd.read_parquet(io.BytesIO(files["totals.parquet"])), SHOWN)


def test_the_sidecar_has_the_same_fields_as_the_cli_exports(fresh_warehouse, tmp_path):
    cli_sidecar = write_provenance(fresh_warehouse, SHOWN, tmp_path / "x.csv", command=["newstally"], options={})

    bundle = warehouse.export_bundle(fresh_warehouse, SHOWN, file_name="x.csv", command=["d"], options={})

    downloaded = json.loads(unzipped(bundle)["x.csv.meta.json"])
    assert downloaded.keys() == json.loads(cli_sidecar.read_text()).keys()


def test_the_sidecar_states_the_rules_of_the_table_it_comes_from(fresh_warehouse):
    bundle = warehouse.export_bundle(
        fresh_warehouse, SHOWN, file_name="m.csv", command=["d"], options={}, table="comentions"
    )

    meta = json.loads(unzipped(bundle)["m.csv.meta.json"])
    assert meta["table"] == "comentions"
    assert meta["counting_rules"].startswith("UTC days; share = articles mentioning both the leader and the theme")
