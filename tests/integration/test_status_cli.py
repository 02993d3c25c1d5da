"""`newstally status` through the real entry point: one row per feed, and an exit code monitoring can use."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from pathlib import Path

import warehouse
from tests.integration.test_cli import newstally
from tests.unit.test_health import NOW, record
from warehouse import FetchOutcome


def test_status_exits_0_and_lists_every_feed_when_all_are_healthy(fresh_warehouse):
    healthy = warehouse.add_feed(fresh_warehouse, "https://wire.example/world.xml", source_name="Wire")
    warehouse.add_feed(fresh_warehouse, "https://post.example/rss", source_name="Post")
    record(fresh_warehouse, healthy.feed_id, NOW, new_articles=2)

    result = newstally("status", "--format", "csv", db=fresh_warehouse.path)

    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(rows[0]) == [
        "id",
        "source",
        "url",
        "state",
        "last_success_at",
        "last_error",
        "consecutive_failures",
        "new_per_day",
        "next_fetch_at",
        "disabled_reason",
    ]
    assert [(row["source"], row["state"]) for row in rows] == [("Post", "new"), ("Wire", "ok")]
    assert "2 feeds, 0 failing or disabled" in result.stderr


def test_status_exits_1_when_a_feed_has_failed_three_times_in_a_row(fresh_warehouse):
    feed = warehouse.add_feed(fresh_warehouse, "https://wire.example/world.xml", source_name="Wire")
    for hours in (3, 2, 1):
        record(fresh_warehouse, feed.feed_id, NOW - timedelta(hours=hours), FetchOutcome.TRANSIENT_ERROR)

    result = newstally("status", "--format", "json", db=fresh_warehouse.path)

    assert result.returncode == 1
    (row,) = json.loads(result.stdout)
    assert (row["state"], row["consecutive_failures"], row["last_error"]) == ("failing", 3, "HTTP 500")


def test_status_exits_1_when_a_feed_was_disabled_and_shows_why(fresh_warehouse):
    feed = warehouse.add_feed(fresh_warehouse, "https://wire.example/world.xml", source_name="Wire")
    record(fresh_warehouse, feed.feed_id, NOW, FetchOutcome.PERMANENT_ERROR, disable="HTTP 410 Gone: removed")

    table = newstally("status", db=fresh_warehouse.path)
    result = newstally("status", "--format", "csv", db=fresh_warehouse.path)

    assert (table.returncode, result.returncode) == (1, 1)
    assert "feed status" in table.stdout
    (row,) = csv.DictReader(io.StringIO(result.stdout))
    assert (row["state"], row["disabled_reason"]) == ("disabled", "HTTP 410 Gone: removed")


def test_status_after_feeds_enable_is_healthy_again(fresh_warehouse):
    feed = warehouse.add_feed(fresh_warehouse, "https://wire.example/world.xml", source_name="Wire")
    record(fresh_warehouse, feed.feed_id, NOW, FetchOutcome.PERMANENT_ERROR, disable="HTTP 410 Gone: removed")

    enabled = newstally("feeds", "enable", str(feed.feed_id), db=fresh_warehouse.path)
    result = newstally("status", "--format", "json", db=fresh_warehouse.path)

    assert enabled.returncode == 0, enabled.stderr
    assert result.returncode == 0
    (row,) = json.loads(result.stdout)
    assert (row["state"], row["consecutive_failures"], row["disabled_reason"]) == ("new", 0, "")


def test_status_without_a_warehouse_is_a_one_line_usage_error(tmp_path: Path):
    result = newstally("status", db=tmp_path / "missing.duckdb")

    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("newstally: error: no warehouse at")


def test_feeds_add_refuses_a_url_that_is_not_http_in_one_line(tmp_path: Path):
    db = tmp_path / "newstally.duckdb"

    result = newstally("feeds", "add", "file:///etc/passwd", db=db)

    assert result.returncode == 2
    assert result.stderr == "newstally: error: not an http(s) URL: 'file:///etc/passwd'\n"
    assert not db.exists()
