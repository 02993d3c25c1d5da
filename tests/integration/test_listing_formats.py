"""Every listing command speaks table, CSV and JSON, with an `id` per row and ISO 8601 dates."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest

import warehouse
from tests.integration import test_analytics_cli
from tests.integration.test_cli import newstally
from tests.unit.test_health import NOW, record

spiky_db = test_analytics_cli.spiky_db  # the corpus of the analytics CLI tests: a Putin spike on 4 February 2023

ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
ISO_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(\+00:00)?$")
LISTINGS = {
    "events list": (("events", "list"), {"start_date": ISO_DATE, "end_date": ISO_DATE}),
    "spikes": (("spikes",), {"start": ISO_DATE, "peak": ISO_DATE, "end": ISO_DATE}),
    "feeds list": (("feeds", "list"), {"last_success_at": ISO_TIME, "next_fetch_at": ISO_TIME}),
    "status": (("status",), {"last_success_at": ISO_TIME, "next_fetch_at": ISO_TIME}),
    "event-lens": (("event-lens", "helsinki_2023"), {"peak_day": ISO_DATE}),
    "comentions": (("comentions", "--from", "2023-02-04", "--to", "2023-02-04"), {}),
}


@pytest.fixture
def listed_db(spiky_db: Path) -> Path:
    """The spike corpus plus one feed fetched successfully, so feed listings have dates."""
    wh = warehouse.Warehouse(spiky_db)
    feed = warehouse.add_feed(wh, "https://wire.example/feed.xml", source_name="Wire")
    record(wh, feed.feed_id, NOW, new_articles=1)
    return spiky_db


@pytest.mark.parametrize("listing", list(LISTINGS))
def test_csv_and_json_carry_an_id_and_iso_dates(listed_db: Path, listing: str):
    args, date_columns = LISTINGS[listing]
    as_csv = newstally(*args, "--format", "csv", db=listed_db)
    as_json = newstally(*args, "--format", "json", db=listed_db)
    assert as_csv.returncode == 0, as_csv.stderr
    assert as_json.returncode == 0, as_json.stderr
    csv_rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    json_rows = json.loads(as_json.stdout)
    assert csv_rows and len(csv_rows) == len(json_rows)
    assert next(iter(csv_rows[0])) == "id" and next(iter(json_rows[0])) == "id"
    assert len({row["id"] for row in json_rows}) == len(json_rows), "ids are unique"
    for column, pattern in date_columns.items():
        assert all(pattern.match(row[column]) for row in csv_rows if row[column]), column
        assert all(pattern.match(row[column]) for row in json_rows if row[column]), column


@pytest.mark.parametrize("listing", list(LISTINGS))
def test_the_table_format_prints_for_people(listed_db: Path, listing: str):
    args, _ = LISTINGS[listing]
    done = newstally(*args, db=listed_db)
    assert done.returncode in (0, 1), done.stderr  # status exits 1 when a feed needs attention
    assert done.stdout.strip()
