"""Ingesting saved feed documents (files or folders of .xml/.rss/.atom/.json) as if each had just been fetched.

Archives are messy: truncated downloads, HTML error pages saved as .xml, empty
stubs, gzipped bodies saved under a .xml name, zip files of many feeds. One bad
file is recorded in the report and the rest go on; only a path that does not exist
at all stops the run, before anything is stored. A file is known as gzip or zip by
its first bytes, whatever its name; each feed in a zip is a document of its own,
named `ARCHIVE.zip/MEMBER` in the report.

Dates are judged against the document's own time (`document_time`), never today's
clock, so the same archive gives the same counts whenever it is ingested.
"""

from __future__ import annotations

import functools
import gc
import itertools
import logging
import multiprocessing
import threading
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import warehouse
from ingest.compression import MAX_DOCUMENT_BYTES
from ingest.errors import ArchiveNotFound, FeedMalformed
from ingest.json_feed import is_json_document
from ingest.parsing import ParsedFeed, parse_feed
from ingest.workers import initialise_worker, worker_count

__all__ = ["FEED_FILE_SUFFIXES", "ArchiveReport", "archive_files", "document_time", "ingest_archive"]

logger = logging.getLogger(__name__)

FEED_FILE_SUFFIXES = frozenset({".xml", ".rss", ".atom", ".json"})
_ZIP_MAGIC = b"PK\x03\x04"
# Files are stored in groups, one transaction each, so commits do not dominate and
# the tally runs in SQL over many articles at once; small enough that an interrupted
# run loses little and readers get in between.
BATCH_FILES = 1_000
BATCH_ITEMS = 20_000
# Parsing is most of the work and needs no warehouse: worker processes parse while
# this one stores. Below this many files starting them costs more than it saves.
PARALLEL_MIN_FILES = 50
# A document time before this is a generator's default (1970), not when the document was made.
TRUSTED_DOCUMENT_TIMES_FROM = datetime(1990, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class ArchiveReport:
    """What an archive ingest did, file by file where it matters."""

    files: int  # feed documents found: files, and each feed inside a zip file
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
            found.extend(sorted(child for child in path.rglob("*") if _is_feed_file(child.name) and child.is_file()))
        elif path.is_file():
            found.append(path)
        else:
            raise ArchiveNotFound(f"no such file or folder: {path}")
    return found


def _is_feed_file(name: str) -> bool:
    """Whether a file in a folder (or a zip) is looked at: a feed file's name, or a compressed one's."""
    suffixes = [suffix.lower() for suffix in Path(name).suffixes]
    if not suffixes:
        return False
    if suffixes[-1] == ".zip":
        return True
    if suffixes[-1] == ".gz":
        return len(suffixes) >= 2 and suffixes[-2] in FEED_FILE_SUFFIXES
    return suffixes[-1] in FEED_FILE_SUFFIXES


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
    documents = 0
    failed: list[tuple[Path, str]] = []
    partial: list[tuple[Path, str]] = []
    items_seen = items_new = 0
    pending: list[_ReadFile] = []
    pending_items = 0

    def flush() -> None:
        nonlocal items_new
        counts = warehouse.store_intake(wh, [read.document for read in pending if read.document is not None])
        for read, new in zip(pending, counts, strict=True):
            items_new += new
            logger.debug("%s: %s, %d items, %d new", read.path, read.outlet, read.articles, new)
            if progress is not None:
                progress(read.path)
        pending.clear()

    named = frozenset(path for path in paths if not path.is_dir())
    with _reading(files, source_name, named) as (read_files, in_workers):
        if in_workers:
            warehouse.prepare_storing(wh)
        for read in read_files:
            documents += 1
            if read.document is None:
                logger.warning("%s: not stored: %s", read.path, read.error)
                failed.append((read.path, read.error or ""))
                if progress is not None:
                    progress(read.path)
                continue
            pending.append(read)
            items_seen += read.items_seen
            if read.error:
                logger.warning("%s: partly broken, readable items stored: %s", read.path, read.error)
                partial.append((read.path, read.error))
            pending_items += read.articles
            if len(pending) >= BATCH_FILES or pending_items >= BATCH_ITEMS:
                flush()
                pending_items = 0
    flush()
    report = ArchiveReport(
        files=documents,
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
def _reading(
    files: Sequence[Path], source_name: str | None, named: frozenset[Path]
) -> Iterator[tuple[Iterator[_ReadFile], bool]]:
    """Each file read and prepared for storing, in order, and whether worker processes do it (when it pays).

    Workers are forked, which is only safe while this process runs no other thread
    (a lock held by another thread would stay held in the child for ever); they die
    with this process (see ingest.workers).
    """
    read = functools.partial(_read_file, source_name=source_name, named=named)
    workers = worker_count()
    if len(files) < PARALLEL_MIN_FILES or workers < 2 or threading.active_count() > 1:
        yield itertools.chain.from_iterable(map(read, files)), False
        return
    # Frozen, the objects the workers inherit are left alone by their garbage collector,
    # which would otherwise touch (and so copy) the pages holding them.
    gc.freeze()
    try:
        pool = multiprocessing.get_context("fork").Pool(workers, initializer=initialise_worker)
    finally:
        gc.unfreeze()
    with pool:
        yield itertools.chain.from_iterable(pool.imap(read, files, chunksize=8)), True


def _read_file(path: Path, *, source_name: str | None, named: frozenset[Path] = frozenset()) -> list[_ReadFile]:
    """Parse one file (each feed of a zip file) and key its articles as the warehouse stores them.

    All the work that needs no warehouse.
    """
    try:
        modified_at = _modified_at(path)
        with path.open("rb") as file:
            head = file.read(len(_ZIP_MAGIC))
        if head == _ZIP_MAGIC:
            return _read_zip(path, modified_at, source_name=source_name)
        body = path.read_bytes()
    except OSError as error:
        return [_ReadFile(path, None, error.strerror or str(error))]
    read = _read_document(
        path, body, modified_at, folder=path.parent.name, source_name=source_name, named=path in named
    )
    return [read] if read is not None else []


def _read_zip(path: Path, modified_at: datetime, *, source_name: str | None) -> list[_ReadFile]:
    """Each feed file in a zip file, read as if it were a file of its own (at the zip's time, when it has none)."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = [
                member
                for member in archive.infolist()
                if not member.is_dir() and _is_feed_file(member.filename) and not _is_zip_clutter(member.filename)
            ]
            if not members:
                return [_ReadFile(path, None, "a zip file with no feed files in it (.xml, .rss, .atom, .json)")]
            reads = [_read_member(path, archive, member, modified_at, source_name=source_name) for member in members]
            return [read for read in reads if read is not None]
    except (OSError, zipfile.BadZipFile, zipfile.LargeZipFile) as error:
        return [_ReadFile(path, None, f"not a readable zip file: {error}")]


def _read_member(
    path: Path, archive: zipfile.ZipFile, member: zipfile.ZipInfo, modified_at: datetime, *, source_name: str | None
) -> _ReadFile | None:
    name = path / member.filename
    if member.file_size > MAX_DOCUMENT_BYTES:
        return _ReadFile(name, None, f"{member.file_size:,} bytes uncompressed, more than a feed document can be")
    try:
        body = archive.read(member)
    except (OSError, zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError) as error:
        return _ReadFile(name, None, f"not readable from the zip file: {error}")
    if body.startswith(_ZIP_MAGIC):
        return _ReadFile(name, None, "a zip file inside the zip file: unpack it first")
    folder = Path(member.filename).parent.name or path.stem
    return _read_document(name, body, modified_at, folder=folder, source_name=source_name)


def _is_zip_clutter(name: str) -> bool:
    """macOS's resource forks that its archiver adds beside every file."""
    return name.startswith("__MACOSX/") or Path(name).name.startswith("._")


def _read_document(
    path: Path, body: bytes, modified_at: datetime, *, folder: str, source_name: str | None, named: bool = False
) -> _ReadFile | None:
    """One document's bytes parsed and keyed; its outlet by name, title or folder.

    None for a JSON file of another kind found in a folder or a zip file: data kept beside
    the feeds, not a broken feed (a JSON file named on its own is reported).
    """
    try:
        parsed = parse_feed(body, fetched_at=modified_at)
    except FeedMalformed as error:
        if not named and path.suffix.lower() == ".json" and is_json_document(body) and b"jsonfeed.org" not in body:
            logger.debug("%s: passed over: %s", path, error)
            return None
        return _ReadFile(path, None, str(error))
    outlet = source_name or parsed.title or folder
    judged_at = document_time(parsed)
    document = warehouse.prepare_document(
        warehouse.FeedDocument(outlet, parsed.articles, _snapshot_time(parsed, judged_at), dates_judged_at=judged_at)
    )
    return _ReadFile(path, document, parsed.error, parsed.items_seen, len(parsed.articles))


def _modified_at(path: Path) -> datetime:
    return datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)


def document_time(parsed: ParsedFeed) -> datetime:
    """When a saved document was made, by its own account: its lastBuildDate or updated, else the file's time.

    Its dates are judged against this time, never against today's clock, so the same
    archive gives the same counts whenever it is ingested. A document time later than
    the file's (a generator's bogus clock) or before 1990 (an epoch default) is not believed.
    """
    stated = parsed.updated_at
    if stated is not None and TRUSTED_DOCUMENT_TIMES_FROM <= stated <= parsed.fetched_at:
        return stated
    return parsed.fetched_at


def _snapshot_time(parsed: ParsedFeed, ceiling: datetime) -> datetime:
    """When the saved document was most likely fetched: just after its newest dated item.

    A file's modification time is when it was copied, often years after the
    snapshot; used as the fetch time, it would file every undated item of a 2020
    snapshot under today. The newest item date is the better estimate, and the
    document's own time the fallback (and the ceiling, so a bogus future date cannot
    pull it forward).
    """
    dates = [
        article.published_at
        for article in parsed.articles
        if article.published_at is not None and article.published_at <= ceiling
    ]
    return max(dates, default=ceiling)
