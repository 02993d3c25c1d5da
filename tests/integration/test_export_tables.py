"""`newstally export --table`: spikes, event lens and co-mentions as files, reproducible from their sidecar."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pandas as pd
import pytest

from tests.integration import test_analytics_cli
from tests.integration.test_cli import newstally

spiky_db = test_analytics_cli.spiky_db  # the corpus of the analytics CLI tests: a Putin spike on 4 February 2023


@pytest.mark.parametrize(
    ("table", "suffix", "options"),
    [
        ("series", ".csv", ("--entity", "putin", "--smooth", "3", "--unique", "--complete", "--by-source")),
        ("series", ".json", ("--entity", "putin,trump", "--wide", "--metric", "share")),
        (
            "spikes",
            ".json",
            (
                "--entity",
                "putin",
            ),
        ),
        ("spikes", ".parquet", ("--min-count", "5")),
        ("event-lens", ".csv", ("--event", "helsinki_2023", "--window", "1", "--baseline", "7")),
        ("event-lens", ".parquet", ("--event", "helsinki_2023")),
        ("comentions", ".json", ("--from", "2023-02-04", "--to", "2023-02-04")),
        ("comentions", ".csv", ("--wide",)),
    ],
)
def test_rerunning_the_recorded_command_writes_identical_bytes(
    spiky_db: Path,
    tmp_path: Path,
    table: str,
    suffix: str,
    options: tuple[str, ...],
):
    out = tmp_path / f"{table}{suffix}"
    done = newstally("export", "--out", str(out), "--table", table, *options, db=spiky_db)
    assert done.returncode == 0, done.stderr
    first = out.read_bytes()
    meta = json.loads(out.with_name(out.name + ".meta.json").read_text())
    assert meta["table"] == table
    assert meta["options"]["table"] == table
    assert meta["command"][0] == "newstally"
    assert meta["rows"] > 0 and meta["watchlist_hash"] and meta["product_version"] and meta["generated_at"]
    assert (meta["time_zone"], meta["bucket"]) == ("UTC", "day")
    assert meta["counting_rules"]
    out.unlink()
    again = newstally(*meta["command"][1:])
    assert again.returncode == 0, again.stderr
    assert out.read_bytes() == first


def test_spikes_export_as_csv_has_ids_iso_dates_and_joined_lists(spiky_db: Path, tmp_path: Path):
    out = tmp_path / "spikes.csv"
    assert newstally("export", "--out", str(out), "--table", "spikes", db=spiky_db).returncode == 0
    (row,) = list(csv.DictReader(io.StringIO(out.read_text())))
    assert (row["id"], row["start"], row["peak"], row["end"]) == (
        "putin:2023-02-04",
        "2023-02-04",
        "2023-02-04",
        "2023-02-04",
    )
    # 31 of 40 articles on the peak day.
    assert (row["peak_articles"], row["peak_total_articles"], row["peak_share"]) == ("31", "40", "0.775")
    assert row["headlines"] == "Putin in Helsinki — Outlet B; Putin holds cabinet meeting — Outlet A"
    assert row["events"] == "helsinki_2023"


def test_spikes_export_as_json_keeps_headlines_as_objects(spiky_db: Path, tmp_path: Path):
    out = tmp_path / "spikes.json"
    assert newstally("export", "--out", str(out), "--table", "spikes", db=spiky_db).returncode == 0
    (episode,) = json.loads(out.read_text())
    assert episode["headlines"][0]["published_at"] == "2023-02-04T00:00:00+00:00"
    assert episode["headlines"][0]["source"] == "Outlet B"


def test_event_lens_export_has_an_id_per_event_and_entity(spiky_db: Path, tmp_path: Path):
    out = tmp_path / "lens.parquet"
    done = newstally(
        "export",
        "--out",
        str(out),
        "--table",
        "event-lens",
        "--event",
        "helsinki_2023",
        "--window",
        "1",
        "--baseline",
        "7",
        db=spiky_db,
    )
    assert done.returncode == 0, done.stderr
    frame = pd.read_parquet(out)
    putin = frame[frame["entity_id"] == "putin"].iloc[0]
    # Window days 34-36: only day 34 has articles, 31 of 40 (0.775); baseline 1 of 10 a day (0.1): lift 7.75.
    assert (putin["id"], putin["event_id"]) == ("helsinki_2023:putin", "helsinki_2023")
    assert (putin["window_share"], putin["baseline_share"], putin["lift"]) == (0.775, 0.1, 7.75)
    assert str(putin["peak_day"]) == "2023-02-04"
    assert putin["days_to_peak"] == -1


def test_comentions_export_wide_has_a_row_per_leader_and_a_column_per_theme(spiky_db: Path, tmp_path: Path):
    out = tmp_path / "matrix.csv"
    done = newstally("export", "--out", str(out), "--table", "comentions", "--wide", db=spiky_db)
    assert done.returncode == 0, done.stderr
    frame = pd.read_csv(out)
    assert len(frame) == 15 and list(frame.columns)[:3] == ["leader_id", "nato", "ukraine_war"]
    assert len(frame.columns) == 1 + 12


def test_series_export_with_complete_writes_true_and_false(spiky_db: Path, tmp_path: Path):
    out = tmp_path / "series.csv"
    done = newstally(
        "export",
        "--out",
        str(out),
        "--entity",
        "putin",
        "--from",
        "2023-02-04",
        "--to",
        "2023-02-04",
        "--complete",
        db=spiky_db,
    )
    assert done.returncode == 0, done.stderr
    # The corpus came without registered feeds: nothing was due, so every bucket is complete.
    assert out.read_text() == (
        "bucket_start,entity_id,articles,mentions,total_articles,share,complete\n2023-02-04,putin,31,31,40,0.775,true\n"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--table", "spikes", "--wide"), "--wide does not apply to --table spikes"),
        (
            ("--table", "event-lens", "--wide", "--event", "helsinki_2023"),
            "--wide does not apply to --table event-lens",
        ),
        (("--table", "event-lens"), "needs --event"),
        (("--table", "event-lens", "--event", "nope"), "no event with id 'nope'"),
        (("--table", "spikes", "--bucket", "week"), "--bucket does not apply to --table spikes"),
        (("--table", "comentions", "--entity", "putin"), "--entity does not apply to --table comentions"),
        (("--table", "series", "--baseline", "7"), "--baseline does not apply to --table series"),
        (("--table", "series", "--smooth", "0"), "bad number '0'"),
        (("--table", "matrix"), "invalid choice"),
    ],
)
def test_export_mistakes_are_one_line_exit_2_and_write_nothing(
    spiky_db: Path,
    tmp_path: Path,
    args: tuple[str, ...],
    message: str,
):
    out = tmp_path / "out.csv"
    before = spiky_db.read_bytes()
    done = newstally("export", "--out", str(out), *args, db=spiky_db)
    assert done.returncode == 2
    assert message in done.stderr and done.stderr.count("\n") == 1, done.stderr
    assert not out.exists() and not out.with_name("out.csv.meta.json").exists()
    assert spiky_db.read_bytes() == before


def test_series_command_takes_smooth_and_complete(spiky_db: Path):
    done = newstally(
        "series",
        "--entity",
        "putin",
        "--from",
        "2023-02-04",
        "--to",
        "2023-02-05",
        "--smooth",
        "2",
        "--metric",
        "share",
        "--complete",
        db=spiky_db,
    )
    assert done.returncode == 0, done.stderr
    # 3 Feb: 1 of 10; 4 Feb: 31 of 40; 5 Feb: nothing. Windows of 2 days: (1+31)/(10+40), (31+0)/(40+0).
    assert (
        done.stdout
        == "bucket_start,entity_id,share,complete\n2023-02-04,putin,0.64,true\n2023-02-05,putin,0.775,true\n"
    )


def test_series_command_unique_counts_the_burst_as_one_story(spiky_db: Path):
    done = newstally(
        "series", "--entity", "putin", "--from", "2023-02-04", "--to", "2023-02-04", "--unique", db=spiky_db
    )
    assert done.returncode == 0, done.stderr
    # Outlet B's 30 "Putin in Helsinki" copies are one story; with Outlet A's cabinet meeting, 2 Putin stories.
    # The 9 one-word "Weather" titles are too short to share a key: 9 stories. 2 of 11.
    assert (
        done.stdout
        == "bucket_start,entity_id,articles,mentions,total_articles,share\n2023-02-04,putin,2,2,11,0.181818\n"
    )


def test_series_export_wide_keeps_the_metric_and_one_complete_per_bucket(spiky_db: Path, tmp_path: Path):
    out = tmp_path / "wide.csv"
    done = newstally(
        "export",
        "--out",
        str(out),
        "--wide",
        "--entity",
        "putin,trump",
        "--metric",
        "share",
        "--from",
        "2023-02-04",
        "--to",
        "2023-02-04",
        "--complete",
        db=spiky_db,
    )
    assert done.returncode == 0, done.stderr
    # 31 of 40 articles mention Putin, none Trump.
    assert out.read_text() == "bucket_start,putin,trump,complete\n2023-02-04,0.775,0.0,true\n"
