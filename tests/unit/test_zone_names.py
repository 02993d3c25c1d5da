"""Time zone names: IANA names only, not every file a zone folder holds (DuckDB would fail on those)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

import warehouse
from tests.conftest import article


@pytest.mark.parametrize("name", ["posix/Europe/Berlin", "right/UTC", "localtime", "posixrules", "utc", ""])
def test_a_zone_file_that_is_not_an_iana_name_is_an_unknown_time_zone(fresh_warehouse, name: str):
    with pytest.raises(warehouse.UnknownTimeZone, match="use an IANA name"):
        warehouse.entity_series(fresh_warehouse, ["putin"], tz=name)


def test_an_iana_name_buckets_in_that_zone(fresh_warehouse):
    # 23:30 UTC on the 15th is 01:30 on the 16th in Berlin (CEST, UTC+2).
    late = article("1", "Putin at night", "", datetime(2018, 7, 15, 23, 30, tzinfo=UTC))
    warehouse.store_articles(fresh_warehouse, "Outlet", [late])
    frame = warehouse.entity_series(
        fresh_warehouse, ["putin"], tz="Europe/Berlin", start=date(2018, 7, 16), end=date(2018, 7, 16)
    )
    assert frame[["bucket_start", "articles"]].to_dict("records") == [{"bucket_start": "2018-07-16", "articles": 1}]
