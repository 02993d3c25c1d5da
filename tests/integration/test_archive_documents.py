"""Archives as people keep them: JSON Feed, gzip and zip files, judged by their own time, broken files named."""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

import warehouse
from ingest import ingest_archive
from tests.conftest import SHIPPED_WATCHLIST
from tests.integration.test_cli import newstally

GAZETTE = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Harbour Gazette</title><link>https://gazette.example/</link>
<item><guid>hg-1</guid><title>Putin and Xi sign energy deal</title>
  <pubDate>Tue, 21 Apr 2020 09:00:00 GMT</pubDate></item>
<item><guid>hg-2</guid><title>Trump speaks to reporters</title>
  <pubDate>Tue, 21 Apr 2020 10:00:00 GMT</pubDate></item>
</channel></rss>
"""
COURIER = b"""<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Valley Courier</title><updated>2020-04-22T12:00:00Z</updated>
<entry><id>vc-1</id><title>Macron meets Putin</title><updated>2020-04-22T08:00:00Z</updated></entry>
</feed>
"""
JSON_FEED = {
    "version": "https://jsonfeed.org/version/1.1",
    "title": "Json Journal",
    "home_page_url": "https://json.example.org/",
    "items": [
        {"id": "jj-1", "url": "https://json.example.org/1", "title": "Putin visits Beijing",
         "date_published": "2020-04-21T12:00:00Z"},
        {"id": "jj-2", "url": "https://json.example.org/2", "title": "Weather turns cold",
         "content_html": "<p>Snow in April</p>", "date_published": "2020-04-21T13:00:00+01:00"},
        {"id": "jj-3", "url": "https://json.example.org/3", "content_text": "Trump golfs",
         "date_modified": "2020-04-22T09:00:00Z"},
    ],
}  # fmt: skip


def write(path: Path, body: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(body)
    return path


def series(db: Path, entity: str, start: str, end: str) -> dict[str, int]:
    """`newstally series` for one entity by day: articles per day (days with none left out)."""
    done = newstally("series", "--entity", entity, "--bucket", "day", "--from", start, "--to", end, db=db)
    assert done.returncode == 0, done.stderr
    rows = csv.DictReader(io.StringIO(done.stdout))
    return {row["bucket_start"][:10]: int(row["articles"]) for row in rows if int(row["articles"])}


def test_a_json_feed_archive_is_read_like_rss(fresh_warehouse, tmp_path: Path):
    path = write(tmp_path / "journal" / "2020-04-22.json", json.dumps(JSON_FEED).encode())

    report = ingest_archive(fresh_warehouse, [tmp_path])

    assert (report.files, report.files_stored, report.items_seen, report.items_new) == (1, 1, 3, 3)
    assert report.files_failed == report.files_partial == ()
    assert [source.name for source in warehouse.list_sources(fresh_warehouse)] == ["Json Journal"]
    # jj-1 and jj-3 (its content text is its only text) mention leaders; jj-2 is dated 12:00 UTC.
    assert series(fresh_warehouse.path, "putin", "2020-04-21", "2020-04-22") == {"2020-04-21": 1}
    assert series(fresh_warehouse.path, "trump", "2020-04-21", "2020-04-23") == {"2020-04-22": 1}
    assert path.exists()


def test_gzipped_feeds_are_read_whatever_their_name(fresh_warehouse, tmp_path: Path):
    write(tmp_path / "gazette" / "2020-04-21.xml.gz", gzip.compress(GAZETTE))
    # A body saved as the server sent it (Content-Encoding: gzip) under a .xml name.
    write(tmp_path / "courier" / "2020-04-22.xml", gzip.compress(COURIER))

    report = ingest_archive(fresh_warehouse, [tmp_path])

    assert report.files_failed == report.files_partial == ()
    assert (report.files, report.items_seen, report.items_new) == (2, 3, 3)
    assert sorted(source.name for source in warehouse.list_sources(fresh_warehouse)) == [
        "Harbour Gazette",
        "Valley Courier",
    ]
    assert series(fresh_warehouse.path, "putin", "2020-04-21", "2020-04-23") == {"2020-04-21": 1, "2020-04-22": 1}


def test_a_zip_of_several_feeds_stores_each_and_names_a_bad_member(fresh_warehouse, tmp_path: Path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("gazette/2020-04-21.xml", GAZETTE)
        archive.writestr("courier/2020-04-22.atom", COURIER)
        archive.writestr("journal/2020-04-22.json.gz", gzip.compress(json.dumps(JSON_FEED).encode()))
        archive.writestr("broken/error.xml", b"<html><title>502 Bad Gateway</title></html>")
        archive.writestr("README.txt", b"snapshots of three outlets")
        archive.writestr("__MACOSX/gazette/._2020-04-21.xml", b"\x00\x05\x16\x07")
    path = write(tmp_path / "snapshots.zip", buffer.getvalue())

    report = ingest_archive(fresh_warehouse, [path])

    assert (report.files, report.files_stored, report.items_seen, report.items_new) == (4, 3, 6, 6)
    assert report.files_failed == ((path / "broken/error.xml", "an HTML page ('502 Bad Gateway'), not a feed"),)
    assert sorted(source.name for source in warehouse.list_sources(fresh_warehouse)) == [
        "Harbour Gazette",
        "Json Journal",
        "Valley Courier",
    ]
    # Gazette hg-1, Courier vc-1, Journal jj-1.
    assert series(fresh_warehouse.path, "putin", "2020-04-21", "2020-04-23") == {"2020-04-21": 2, "2020-04-22": 1}

    again = ingest_archive(fresh_warehouse, [path])
    assert (again.items_seen, again.items_new) == (6, 0)


def test_a_cut_off_gzip_file_keeps_what_it_holds_and_is_reported_as_partly_broken(fresh_warehouse, tmp_path: Path):
    many = GAZETTE.replace(
        b"</channel>",
        b"".join(
            f"<item><guid>extra-{n}</guid><title>Story number {n} of many</title></item>".encode() for n in range(400)
        )
        + b"</channel>",
    )
    whole = gzip.compress(many)
    path = write(tmp_path / "gazette" / "cut.xml.gz", whole[: len(whole) // 2])

    report = ingest_archive(fresh_warehouse, [path])

    assert report.files_failed == ()
    ((partial_path, problem),) = report.files_partial
    assert partial_path == path
    assert problem.startswith("the gzip data was cut off")
    assert 2 <= report.items_new < 402


def test_a_file_that_is_not_gzip_data_after_all_is_named_with_why(fresh_warehouse, tmp_path: Path):
    path = write(tmp_path / "gazette" / "odd.xml", b"\x1f\x8b\x08\x00garbage that is not deflate data")

    report = ingest_archive(fresh_warehouse, [path])

    ((failed_path, reason),) = report.files_failed
    assert failed_path == path
    assert reason.startswith("not readable gzip data")


# A snapshot saved on 2026-01-04 whose generator wrote the year wrong on two items
# (December 2026 for December 2025). Judged by the snapshot's own time they are in the
# future, whenever the archive is ingested; judged by the file's time (today's clock when
# it was copied) they were "future" in December 2026 and counted from 2027 on.
MISDATED = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Year End Post</title><link>https://yearend.example/</link>
<lastBuildDate>Sun, 04 Jan 2026 18:00:00 GMT</lastBuildDate>
<item><guid>ye-1</guid><title>Putin's New Year address</title><pubDate>Thu, 01 Jan 2026 00:05:00 GMT</pubDate></item>
<item><guid>ye-2</guid><title>Putin visits troops</title><pubDate>Sat, 03 Jan 2026 11:00:00 GMT</pubDate></item>
<item><guid>ye-3</guid><title>Putin signs budget</title><pubDate>Mon, 29 Dec 2026 10:00:00 GMT</pubDate></item>
<item><guid>ye-4</guid><title>Putin and Xi call</title><pubDate>Wed, 31 Dec 2026 09:00:00 GMT</pubDate></item>
<item><guid>ye-5</guid><title>An undated brief on Putin</title></item>
</channel></rss>
"""


def _ingest_as_of(tmp_path: Path, today: datetime, body: bytes) -> Path:
    """Ingest the snapshot into a new warehouse, the file last written at `today` (the clock a copy gets)."""
    folder = tmp_path / today.strftime("%Y%m%d")
    path = write(folder / "yearend" / "2026-01-04.xml", body)
    os.utime(path, (today.timestamp(), today.timestamp()))
    wh = warehouse.open_warehouse(
        folder / "newstally.duckdb",
        watchlist_path=SHIPPED_WATCHLIST,
    )
    ingest_archive(wh, [path])
    return wh.path


@pytest.mark.parametrize("with_build_date", [True, False], ids=["lastBuildDate", "atom-updated"])
def test_a_misdated_snapshot_counts_the_same_whenever_it_is_ingested(tmp_path: Path, with_build_date: bool):
    body = MISDATED
    if not with_build_date:  # the same snapshot as Atom, dated by its feed-level <updated>
        body = _as_atom(MISDATED)
    this_month = _ingest_as_of(tmp_path, datetime(2026, 12, 7, 9, 0, tzinfo=UTC), body)
    next_year = _ingest_as_of(tmp_path, datetime(2027, 12, 7, 9, 0, tzinfo=UTC), body)

    counts = [series(db, "putin", "2025-12-01", "2027-02-01") for db in (this_month, next_year)]

    # ye-1 on 1 January, ye-2 and the undated ye-5 (filed at the newest item date before the
    # snapshot's time) on 3 January; ye-3 and ye-4 are future to a 4 January snapshot: never counted.
    assert counts[0] == counts[1] == {"2026-01-01": 1, "2026-01-03": 2}


def _as_atom(rss: bytes) -> bytes:
    assert b"<lastBuildDate>Sun, 04 Jan 2026 18:00:00 GMT" in rss
    return b"""<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Year End Post</title><updated>2026-01-04T18:00:00Z</updated>
<entry><id>ye-1</id><title>Putin's New Year address</title><published>2026-01-01T00:05:00Z</published></entry>
<entry><id>ye-2</id><title>Putin visits troops</title><published>2026-01-03T11:00:00Z</published></entry>
<entry><id>ye-3</id><title>Putin signs budget</title><published>2026-12-29T10:00:00Z</published></entry>
<entry><id>ye-4</id><title>Putin and Xi call</title><published>2026-12-31T09:00:00Z</published></entry>
<entry><id>ye-5</id><title>An undated brief on Putin</title></entry>
</feed>
"""


def test_without_a_document_time_the_file_time_is_the_judge(tmp_path: Path):
    undated_snapshot = MISDATED.replace(b"<lastBuildDate>Sun, 04 Jan 2026 18:00:00 GMT</lastBuildDate>\n", b"")

    db = _ingest_as_of(tmp_path, datetime(2026, 12, 30, 12, 0, tzinfo=UTC), undated_snapshot)

    # Against noon on 30 December 2026 ye-4 (31 December, within a day's tolerance) is not future;
    # the undated item is filed at the newest date before the file's time, ye-3's.
    assert series(db, "putin", "2025-12-01", "2027-02-01") == {
        "2026-01-01": 1,
        "2026-01-03": 1,
        "2026-12-29": 2,
        "2026-12-31": 1,
    }


def test_the_cli_summary_names_each_partly_broken_and_unusable_file(tmp_path: Path):
    folder = tmp_path / "archive"
    write(folder / "gazette" / "whole.xml", GAZETTE)
    cut = GAZETTE[: GAZETTE.index(b"<item><guid>hg-2")] + b"<item><guid>hg-2</guid><tit"
    cut_path = write(folder / "gazette" / "cut.xml", cut)
    html_path = write(folder / "latimes" / "error.rss", b"<html><title>Forbidden</title></html>")
    db = tmp_path / "newstally.duckdb"

    done = newstally("ingest-archive", str(folder), db=db)

    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    # whole.xml: hg-1, hg-2; cut.xml: hg-1 kept, hg-2 seen but cut off; both stories stored once.
    assert "3 files: 4 items seen, 2 new; 1 files could not be used, 1 partly broken" in lines
    assert f"  {html_path}: not used: an HTML page ('Forbidden'), not a feed" in lines
    (partial,) = [line for line in lines if line.startswith(f"  {cut_path}: partly broken")]
    assert "the last item was cut off and skipped" in partial


def test_other_json_beside_the_feeds_is_passed_over_but_reported_when_named(fresh_warehouse, tmp_path: Path):
    write(tmp_path / "journal" / "2020-04-22.json", json.dumps(JSON_FEED).encode())
    metadata = write(tmp_path / "journal" / "crawl-metadata.json", b'{"crawler": "wget", "files": 1}')

    in_folder = ingest_archive(fresh_warehouse, [tmp_path])
    named = ingest_archive(fresh_warehouse, [metadata])

    assert (in_folder.files, in_folder.files_failed, in_folder.items_new) == (1, (), 3)
    assert named.files_failed == ((metadata, "a JSON document, not a feed"),)


@pytest.mark.parametrize(
    ("channel_date", "expected"),
    [
        ("<lastBuildDate>Sun, 04 Jan 2026 18:00:00 GMT</lastBuildDate>", datetime(2026, 1, 4, 18, 0, tzinfo=UTC)),
        ("<pubDate>Sat, 03 Jan 2026 06:00:00 +0300</pubDate>", datetime(2026, 1, 3, 3, 0, tzinfo=UTC)),
        # A generator's epoch default, and a clock ahead of the file's: the file's time instead.
        ("<lastBuildDate>Thu, 01 Jan 1970 00:00:00 GMT</lastBuildDate>", datetime(2026, 2, 1, tzinfo=UTC)),
        ("<lastBuildDate>Fri, 01 Jan 2100 00:00:00 GMT</lastBuildDate>", datetime(2026, 2, 1, tzinfo=UTC)),
        ("", datetime(2026, 2, 1, tzinfo=UTC)),
    ],
    ids=["lastBuildDate", "channel-pubDate", "epoch", "ahead-of-the-file", "none"],
)
def test_the_document_time_is_its_own_when_believable_else_the_files(channel_date: str, expected: datetime):
    from ingest import parse_feed
    from ingest.archive import document_time

    body = f'<rss version="2.0"><channel><title>T</title>{channel_date}<item><title>x</title></item></channel></rss>'
    for reader_input in (body.encode(), b"<!DOCTYPE rss>" + body.encode()):  # the fast reader, then feedparser
        parsed = parse_feed(reader_input, fetched_at=datetime(2026, 2, 1, tzinfo=UTC))
        assert document_time(parsed) == expected
