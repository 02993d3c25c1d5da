"""spikes, event-lens and comentions through the real entry point: formats, ids, ISO dates, one-line errors."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

import warehouse
from tests.conftest import article
from tests.integration.test_cli import newstally

FIRST_DAY = date(2023, 1, 1)  # no shipped calendar event falls in early 2023


def at(offset: int, hour: int) -> datetime:
    return datetime.combine(FIRST_DAY + timedelta(days=offset), datetime.min.time()).replace(hour=hour, tzinfo=UTC)


@pytest.fixture
def spiky_db(fresh_warehouse) -> Path:
    """35 quiet days (1 of 10 articles a day about Putin), then 30 more Putin articles on day 34."""
    quiet = []
    for offset in range(35):
        quiet.append(article(f"p{offset}", "Putin holds cabinet meeting", "", at(offset, 9)))
        quiet += [article(f"w{offset}-{n}", "Weather", "", at(offset, 10 + n)) for n in range(9)]
    warehouse.store_articles(fresh_warehouse, "Outlet A", quiet)
    burst = [article(f"b{n}", "Putin in Helsinki", f"Report {n}", at(34, n % 24)) for n in range(30)]
    warehouse.store_articles(fresh_warehouse, "Outlet B", burst)
    warehouse.add_event(
        fresh_warehouse,
        warehouse.Event("helsinki_2023", "Helsinki talks", date(2023, 2, 5), date(2023, 2, 5), entity_ids=("putin",)),
    )
    return fresh_warehouse.path


def test_spikes_as_json_has_an_id_iso_dates_and_lists(spiky_db: Path):
    done = newstally("spikes", "--entity", "putin", "--format", "json", db=spiky_db)
    assert done.returncode == 0, done.stderr
    (episode,) = json.loads(done.stdout)
    assert episode["id"] == "putin:2023-02-04"
    assert (episode["start"], episode["peak"], episode["end"]) == ("2023-02-04", "2023-02-04", "2023-02-04")
    # 31 of 40 articles that day.
    assert (episode["peak_articles"], episode["peak_total_articles"], episode["peak_share"]) == (31, 40, 0.775)
    # All thirty burst titles are one story run by one outlet, first published at 00:00.
    assert episode["headlines"][0] == {
        "article_id": episode["headlines"][0]["article_id"],
        "source": "Outlet B",
        "published_at": "2023-02-04T00:00:00+00:00",
        "title": "Putin in Helsinki",
        "url": "https://news.example/b0",
        "outlets": 1,
    }
    assert episode["terms"] == ["helsinki"]
    assert episode["events"] == ["helsinki_2023"]


def test_spikes_as_csv_joins_lists_with_semicolons(spiky_db: Path):
    done = newstally("spikes", "--format", "csv", "--since", "2023-02-01", db=spiky_db)
    assert done.returncode == 0, done.stderr
    (row,) = list(csv.DictReader(io.StringIO(done.stdout)))
    assert row["id"] == "putin:2023-02-04"
    # The burst is one story; the cabinet meeting that morning is another.
    assert row["headlines"] == "Putin in Helsinki — Outlet B; Putin holds cabinet meeting — Outlet A"
    assert row["events"] == "helsinki_2023"


def test_spikes_table_runs_and_an_unknown_entity_is_one_line(spiky_db: Path):
    assert newstally("spikes", db=spiky_db).returncode == 0
    done = newstally("spikes", "--entity", "nobody", db=spiky_db)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "unknown entity nobody" in done.stderr


def test_event_lens_as_json_gives_lift_per_entity(spiky_db: Path):
    done = newstally("event-lens", "helsinki_2023", "--window", "1", "--baseline", "7", "--format", "json", db=spiky_db)
    assert done.returncode == 0, done.stderr
    putin = next(row for row in json.loads(done.stdout) if row["entity_id"] == "putin")
    # Window 4 to 6 February = days 34 to 36; only day 34 has articles: 31 of 40 (0.775).
    # Baseline days 27 to 33: 1 of 10 each (0.1). Lift 7.75.
    assert (putin["window_share"], putin["baseline_share"], putin["lift"]) == (0.775, 0.1, 7.75)
    assert (putin["peak_day"], putin["days_to_peak"]) == ("2023-02-04", -1)
    # Outlet B published nothing in the baseline: no lift, but it is listed (30 articles).
    assert putin["outlets"] == [
        {"source": "Outlet B", "window_articles": 30, "window_share": 1.0, "baseline_share": 0.0, "lift": None}
    ]
    assert "window 2023-02-04 to 2023-02-06" in done.stderr


def test_event_lens_of_an_unknown_event_is_one_line_and_exit_2(spiky_db: Path):
    done = newstally("event-lens", "nope", db=spiky_db)
    assert done.returncode == 2
    assert done.stderr == "newstally: error: no event with id 'nope' (see 'newstally events list')\n"


def test_comentions_as_csv_has_one_row_per_leader_and_theme(spiky_db: Path):
    done = newstally("comentions", "--from", "2023-02-04", "--to", "2023-02-04", "--format", "csv", db=spiky_db)
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert len(rows) == 15 * 12
    assert rows[0].keys() == {
        "id",
        "leader_id",
        "theme_id",
        "leader_articles",
        "both_articles",
        "share",
        "previous_leader_articles",
        "previous_both_articles",
        "previous_share",
        "change",
    }
    putin = next(row for row in rows if row["leader_id"] == "putin")
    assert putin["id"] == f"putin:{putin['theme_id']}"
    assert (putin["leader_articles"], putin["previous_leader_articles"]) == ("31", "1")


def test_comentions_with_the_period_reversed_is_one_line_and_exit_2(spiky_db: Path):
    done = newstally("comentions", "--from", "2023-02-04", "--to", "2023-02-01", db=spiky_db)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1


def test_series_metric_prints_only_that_column_and_with_counts_co_mentions(spiky_db: Path):
    done = newstally(
        "series", "--entity", "putin", "--from", "2023-02-04", "--to", "2023-02-04", "--metric", "share", db=spiky_db
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "bucket_start,entity_id,share\n2023-02-04,putin,0.775\n"
    # No article of that day mentions Trump too.
    done = newstally(
        "series", "--entity", "putin", "--from", "2023-02-04", "--to", "2023-02-04", "--with", "trump", db=spiky_db
    )
    assert done.stdout == "bucket_start,entity_id,articles,mentions,total_articles,share\n2023-02-04,putin,0,0,40,0.0\n"
