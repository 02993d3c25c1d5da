"""Ingesting saved feed files into a real warehouse: the good stored, the broken reported, nothing raised."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

import warehouse
from ingest import ArchiveNotFound, ingest_archive
from ingest.archive import PARALLEL_MIN_FILES
from ingest.workers import worker_count
from tests.conftest import SHIPPED_WATCHLIST

GOOD = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Harbour Gazette</title><link>https://gazette.example/</link>
<item><guid>hg-1</guid><title>Putin and Xi sign energy deal</title>
  <pubDate>Tue, 21 Apr 2020 09:00:00 GMT</pubDate></item>
<item><guid>hg-2</guid><title>Trump speaks to reporters</title>
  <pubDate>Tue, 21 Apr 2020 10:00:00 GMT</pubDate></item>
<item><guid>hg-3</guid><title>An undated brief</title></item>
</channel></rss>
"""
TRUNCATED = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>Cut Off Daily</title><link>https://cut'
)
HTML_PAGE = b"""<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN">
<HTML><HEAD><TITLE>ERROR: The request could not be satisfied</TITLE></HEAD><BODY><H1>403 ERROR</H1></BODY></HTML>
"""
EMPTY_STUB = b'<?xml version="1.0" encoding="UTF-8"?>\n<root>\n</root>\n'


def write(path: Path, body: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(body)
    return path


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    folder = tmp_path / "snapshots"
    write(folder / "gazette" / "2020-04-21T12.xml", GOOD)
    write(folder / "dailycut" / "2020-05-17T23.xml", TRUNCATED)
    write(folder / "latimes" / "2021-10-11T18.rss", HTML_PAGE)
    write(folder / "stub" / "2024-08-24T00.atom", EMPTY_STUB)
    write(folder / "notes.txt", b"not a feed file and not looked at")
    return folder


def test_a_folder_is_ingested_recursively_with_broken_files_reported(fresh_warehouse, archive: Path):
    report = ingest_archive(fresh_warehouse, [archive])

    assert report.files == 4
    assert report.files_stored == 1
    assert report.items_seen == 3
    assert report.items_new == 3
    failed = {path.relative_to(archive).as_posix(): reason for path, reason in report.files_failed}
    assert set(failed) == {"dailycut/2020-05-17T23.xml", "latimes/2021-10-11T18.rss", "stub/2024-08-24T00.atom"}
    assert "not well-formed XML" in failed["dailycut/2020-05-17T23.xml"]
    assert "HTML page" in failed["latimes/2021-10-11T18.rss"]
    assert "no RSS or Atom feed" in failed["stub/2024-08-24T00.atom"]
    assert [source.name for source in warehouse.list_sources(fresh_warehouse)] == ["Harbour Gazette"]


def test_ingesting_the_same_archive_twice_adds_nothing(fresh_warehouse, archive: Path):
    ingest_archive(fresh_warehouse, [archive])

    again = ingest_archive(fresh_warehouse, [archive])

    assert again.items_seen == 3
    assert again.items_new == 0
    assert warehouse.corpus_facts(fresh_warehouse).articles == 3


def test_a_given_source_name_overrides_the_feed_title(fresh_warehouse, archive: Path):
    ingest_archive(fresh_warehouse, [archive / "gazette" / "2020-04-21T12.xml"], source_name="The Gazette")

    assert [source.name for source in warehouse.list_sources(fresh_warehouse)] == ["The Gazette"]


def test_a_feed_without_a_title_is_filed_under_its_folder_name(fresh_warehouse, tmp_path: Path):
    untitled = GOOD.replace(b"<title>Harbour Gazette</title>", b"")
    path = write(tmp_path / "harbour_gazette" / "snapshot.xml", untitled)

    ingest_archive(fresh_warehouse, [path])

    assert [source.name for source in warehouse.list_sources(fresh_warehouse)] == ["harbour_gazette"]


def test_undated_items_are_dated_by_the_snapshot_not_by_the_file_copy(fresh_warehouse, tmp_path: Path):
    path = write(tmp_path / "gazette" / "snapshot.xml", GOOD)
    copied_later = datetime(2025, 1, 1, tzinfo=UTC).timestamp()
    os.utime(path, (copied_later, copied_later))

    ingest_archive(fresh_warehouse, [path])

    facts = warehouse.corpus_facts(fresh_warehouse)
    # The undated brief takes the newest item's time (10:00), not the 2025 file time.
    assert facts.last_published_at == datetime(2020, 4, 21, 10, 0, tzinfo=UTC)


def test_a_truncated_file_that_kept_items_is_stored_and_reported_as_partial(fresh_warehouse, tmp_path: Path):
    cut = GOOD[: GOOD.index(b"<item><guid>hg-3")] + b"<item><guid>hg-3</guid><tit"
    path = write(tmp_path / "gazette" / "cut.xml", cut)

    report = ingest_archive(fresh_warehouse, [path])

    assert report.files_failed == ()
    assert report.items_new == 2
    ((partial_path, problem),) = report.files_partial
    assert partial_path == path
    assert "cut off" in problem


def test_a_missing_path_raises_naming_it_before_anything_is_stored(fresh_warehouse, archive: Path):
    missing = archive / "no-such-folder"

    with pytest.raises(ArchiveNotFound, match="no-such-folder"):
        ingest_archive(fresh_warehouse, [archive, missing])

    assert warehouse.corpus_facts(fresh_warehouse).articles == 0


def test_progress_hears_of_every_file(fresh_warehouse, archive: Path):
    heard: list[str] = []

    ingest_archive(fresh_warehouse, [archive], progress=lambda path: heard.append(path.name))

    assert sorted(heard) == ["2020-04-21T12.xml", "2020-05-17T23.xml", "2021-10-11T18.rss", "2024-08-24T00.atom"]


def snapshot(outlet: int, number: int) -> bytes:
    """Snapshot `number` of outlet `outlet`: a sliding window of its stories, so most items repeat the last one's."""
    items = []
    for story in range(number, number + 12):
        guid = f"<guid>o{outlet}-s{story}</guid>" if story % 3 else ""  # every third item has no guid
        date = f"<pubDate>Tue, {1 + story % 28:02d} Apr 2020 09:00:00 GMT</pubDate>" if story % 5 else ""
        items.append(
            f"<item>{guid}<title>Putin and Macron, story {story} of outlet {outlet}</title>"
            f"<link>https://outlet{outlet}.example/story/{story}?utm_source=rss</link>"
            f"<description>&lt;p&gt;Trump said&lt;/p&gt;&lt;p&gt;NATO {story}&lt;/p&gt;</description>{date}</item>"
        )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Outlet {outlet}</title>'
        f"{''.join(items)}</channel></rss>"
    ).encode()


def stored_articles_and_mentions(wh: warehouse.Warehouse) -> tuple[list[tuple], list[tuple]]:
    with wh.reading() as connection:
        articles = connection.execute(
            "SELECT s.name, a.identity_key, a.guid, a.url, a.title, a.summary, a.published_at, a.date_quality,"
            " a.fetched_at, a.syndication_key FROM articles a JOIN sources s USING (source_id)"
            " ORDER BY s.name, a.identity_key"
        ).fetchall()
        mentions = connection.execute(
            "SELECT s.name, a.identity_key, m.entity_id, m.occurrences, m.in_title FROM mentions m"
            " JOIN articles a USING (article_id) JOIN sources s USING (source_id)"
            " ORDER BY s.name, a.identity_key, m.entity_id"
        ).fetchall()
    return articles, mentions


@pytest.mark.skipif(worker_count() < 2, reason="parser processes need two cores")
def test_an_archive_read_in_parser_processes_is_stored_as_one_read_in_this_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    folder = tmp_path / "snapshots"
    for number in range(PARALLEL_MIN_FILES + 10):
        write(folder / f"outlet{number % 3}" / f"{number:04d}.xml", snapshot(number % 3, number // 3))
    in_workers = warehouse.open_warehouse(tmp_path / "workers.duckdb", watchlist_path=SHIPPED_WATCHLIST)
    in_process = warehouse.open_warehouse(tmp_path / "here.duckdb", watchlist_path=SHIPPED_WATCHLIST)

    parallel = ingest_archive(in_workers, [folder])
    monkeypatch.setattr("ingest.archive.PARALLEL_MIN_FILES", 10**9)
    serial = ingest_archive(in_process, [folder])

    assert parallel == serial
    assert parallel.items_new < parallel.items_seen, "snapshots repeat items"
    assert stored_articles_and_mentions(in_workers) == stored_articles_and_mentions(in_process)
    assert ingest_archive(in_workers, [folder]).items_new == 0
