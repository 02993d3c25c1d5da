"""Ingesting saved feed documents (files or folders of .xml/.rss/.atom) as if each had just been fetched.

Archives are messy: truncated downloads, HTML error pages saved as .xml, empty
stubs. One bad file is recorded in the report and the rest go on; only a path
that does not exist at all stops the run, before anything is stored.
"""

from __future__ import annotations

import functools
import gc
import logging
import multiprocessing
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import warehouse
from ingest.errors import ArchiveNotFound, FeedMalformed
from ingest.parsing import ParsedFeed, parse_feed
from ingest.workers import initialise_worker, worker_count

__all__ = ["FEED_FILE_SUFFIXES", "ArchiveReport", "archive_files", "ingest_archive"]

logger = logging.getLogger(__name__)

FEED_FILE_SUFFIXES = frozenset({".xml", ".rss", ".atom"})
# Files are stored in groups, one transaction each, so commits do not dominate and
# the tally runs in SQL over many articles at once; small enough that an interrupted
# run loses little and readers get in between.
BATCH_FILES = 1_000
BATCH_ITEMS = 20_000
# Parsing is most of the work and needs no warehouse: worker processes parse while
# this one stores. Below this many files starting them costs more than it saves.
PARALLEL_MIN_FILES = 50


@dataclass(frozen=True)
class ArchiveReport:
    """What an archive ingest did, file by file where it matters."""

    files: int  # feed files found
    files_failed: tuple[tuple[Path, str], ...]  # (file, reason) for files that stored nothing
    files_partial: tuple[tuple[Path, str], ...]  # (file, problem) for broken files whose readable items were stored
    items_seen: int
    items_new: int

    @property
    def files_stored(self) -> int:
        return self.files - len(self.files_failed)


def archive_files(paths: Iterable[Path]) -> list[Path]:
    """The feed files the paths name: files as given, folders searched recursively, sorted.

    Raises ArchiveNotFound for the first path that does not exist.
    """
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(
                sorted(
                    child for child in path.rglob("*") if child.suffix.lower() in FEED_FILE_SUFFIXES and child.is_file()
                )
            )
        elif path.is_file():
            found.append(path)
        else:
            raise ArchiveNotFound(f"no such file or folder: {path}")
    return found


def ingest_archive(
    wh: warehouse.Warehouse,
    paths: Sequence[Path],
    *,
    source_name: str | None = None,
    progress: Callable[[Path], None] | None = None,
) -> ArchiveReport:
    """Parse and store every feed file under `paths`.

    Each file's items go to one outlet: `source_name` when given, else the feed's
    own title, else the name of the folder holding the file. `progress` is called
    with each file once it is done (stored, or found unusable). Files are stored in
    groups of up to `BATCH_FILES` files or `BATCH_ITEMS` items, each group in one
    transaction: an interrupted run keeps every group it committed, whole.
    """
    files = archive_files(paths)
    failed: list[tuple[Path, str]] = []
    partial: list[tuple[Path, str]] = []
    items_seen = items_new = 0
    pending: list[_ReadFile] = []
    pending_items = 0

    def flush() -> None:
        nonlocal items_new
        counts = warehouse.store_documents(wh, [read.document for read in pending if read.document is not None])
        for read, new in zip(pending, counts, strict=True):
            items_new += new
            logger.debug("%s: %s, %d items, %d new", read.path, read.outlet, read.articles, new)
            if progress is not None:
                progress(read.path)
        pending.clear()

    with _reading(files, source_name) as (read_files, in_workers):
        if in_workers:
            warehouse.prepare_storing(wh)
        for read in read_files:
            if read.document is None:
                logger.warning("%s: not stored: %s", read.path, read.error)
                failed.append((read.path, read.error or ""))
                if progress is not None:
                    progress(read.path)
                continue
            pending.append(read)
            items_seen += read.items_seen
            if read.error:
                partial.append((read.path, read.error))
            pending_items += read.articles
            if len(pending) >= BATCH_FILES or pending_items >= BATCH_ITEMS:
                flush()
                pending_items = 0
    flush()
    report = ArchiveReport(
        files=len(files),
        files_failed=tuple(failed),
        files_partial=tuple(partial),
        items_seen=items_seen,
        items_new=items_new,
    )
    logger.info(
        "archive: %d files, %d stored (%d partly broken), %d failed; %d items seen, %d new",
        report.files,
        report.files_stored,
        len(partial),
        len(failed),
        items_seen,
        items_new,
    )
    return report


@dataclass(frozen=True)
class _ReadFile:
    """One archive file as a parser process hands it over: ready to store, or why it cannot be."""

    path: Path
    document: warehouse.PreparedDocument | None  # None: nothing to store, and `error` says why
    error: str | None  # why nothing was stored, or what is wrong with a partly broken file
    items_seen: int = 0
    articles: int = 0  # articles read, before the document's own repeats were dropped

    @property
    def outlet(self) -> str:
        return self.document.source_name if self.document is not None else ""


@contextmanager
def _reading(files: Sequence[Path], source_name: str | None) -> Iterator[tuple[Iterator[_ReadFile], bool]]:
    """Each file read and prepared for storing, in order, and whether worker processes do it (when it pays).

    Workers are forked, which is only safe while this process runs no other thread
    (a lock held by another thread would stay held in the child for ever); they die
    with this process (see ingest.workers).
    """
    read = functools.partial(_read_file, source_name=source_name)
    workers = worker_count()
    if len(files) < PARALLEL_MIN_FILES or workers < 2 or threading.active_count() > 1:
        yield map(read, files), False
        return
    # Frozen, the objects the workers inherit are left alone by their garbage collector,
    # which would otherwise touch (and so copy) the pages holding them.
    gc.freeze()
    try:
        pool = multiprocessing.get_context("fork").Pool(workers, initializer=initialise_worker)
    finally:
        gc.unfreeze()
    with pool:
        yield pool.imap(read, files, chunksize=8), True


def _read_file(path: Path, *, source_name: str | None) -> _ReadFile:
    """Parse one file and key its articles as the warehouse stores them: all the work that needs no warehouse."""
    try:
        parsed = parse_feed(path.read_bytes(), fetched_at=_modified_at(path))
    except (OSError, FeedMalformed) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        return _ReadFile(path, None, reason)
    outlet = source_name or parsed.title or path.parent.name
    document = warehouse.prepare_document(warehouse.FeedDocument(outlet, parsed.articles, _snapshot_time(parsed)))
    return _ReadFile(path, document, parsed.error, parsed.items_seen, len(parsed.articles))


def _modified_at(path: Path) -> datetime:
    return datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)


def _snapshot_time(parsed: ParsedFeed) -> datetime:
    """When the saved document was most likely fetched: just after its newest dated item.

    A file's modification time is when it was copied, often years after the
    snapshot; used as the fetch time, it would file every undated item of a 2020
    snapshot under today. The newest item date is the better estimate, and the file
    time the fallback (and the ceiling, so a bogus future date cannot pull it forward).
    """
    ceiling = parsed.fetched_at
    dates = [
        article.published_at
        for article in parsed.articles
        if article.published_at is not None and article.published_at <= ceiling
    ]
    return max(dates, default=ceiling)
