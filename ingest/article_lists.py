"""Article lists other tools export (Media Cloud, GDELT, any CSV or Parquet), stored as articles of their outlets.

Three layouts are read, by their documented column names (matched without regard
to case or a byte-order mark):

- `mediacloud`: Media Cloud's story list CSV: `title`, `url`, `publish_date` and
  `media_name` (else `media_url`); `stories_id` or `id`, `language` and the rest
  are ignored.
- `gdelt`: GDELT DOC 2.0 API article lists (`mode=ArtList`): the CSV (`URL`,
  `MobileURL`, `Date`, `Title`) and the JSON (`{"articles": [{"url", "url_mobile",
  "title", "seendate", "domain", "language", "sourcecountry"}]}`), or that JSON
  saved as a table. The outlet is `domain`, else the URL's host without "www.".
- `generic`: a CSV or Parquet table with `title`, `url`, `date`, `outlet` (and an
  optional `summary`).

Without a format named, the header decides when exactly one layout fits it. Each
row becomes a `FetchedArticle` with no guid, so its identity is its canonical URL
(else title and date), as for a feed item without one: importing the same list
again adds nothing. Dates without a zone are UTC. Rows are counted from 1 after the
header; a row that cannot be used (no title, no date, a link that is not http(s))
is reported by number and reason, and the rest is stored, through the same bulk
path as archives (warehouse.store_intake). Dates are judged against the file's
own time (its modification time), as for an archive file that states none.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import warehouse
from ingest.dates import read_date
from ingest.errors import ArticleListInvalid, FeedMalformed
from ingest.text import plain_text
from ingest.urls import canonical_url, require_http_url

__all__ = ["ARTICLE_LIST_FORMATS", "ArticleListReport", "RowProblem", "import_articles", "read_article_list"]

logger = logging.getLogger(__name__)

ARTICLE_LIST_FORMATS = ("mediacloud", "gdelt", "generic")
# Rows stored per transaction, as for archives: commits worth their cost, readers get in between.
BATCH_ARTICLES = 20_000
_PARQUET_SUFFIXES = frozenset({".parquet", ".pq"})
_JSON_SUFFIXES = frozenset({".json"})


@dataclass(frozen=True)
class _Layout:
    """Which columns of one tool's export hold what: each field by the names it may have, in order of preference."""

    name: str
    title: tuple[str, ...]
    url: tuple[str, ...]
    date: tuple[str, ...]
    outlet: tuple[str, ...]
    summary: tuple[str, ...] = ()
    marks: tuple[str, ...] = ()  # columns only this layout has: one of them must be there to recognise it
    outlet_required: bool = True  # else the outlet may come from the link's host alone

    def missing(self, columns: set[str]) -> list[str]:
        """The fields (named by their column names) this header lacks."""
        fields = [self.title, self.url, self.date, *([self.outlet] if self.outlet_required else [])]
        return [" or ".join(names) for names in fields if not columns.intersection(names)]

    def fits(self, columns: set[str]) -> bool:
        return not self.missing(columns) and (not self.marks or bool(columns.intersection(self.marks)))


_LAYOUTS = {
    "mediacloud": _Layout(
        "mediacloud",
        title=("title",),
        url=("url",),
        date=("publish_date",),
        outlet=("media_name", "media_url"),
        marks=("publish_date",),
    ),
    "gdelt": _Layout(
        "gdelt",
        title=("title",),
        url=("url",),
        date=("seendate", "date"),
        outlet=("domain",),
        marks=("mobileurl", "url_mobile", "seendate"),
        outlet_required=False,
    ),
    "generic": _Layout(
        "generic", title=("title",), url=("url",), date=("date",), outlet=("outlet",), summary=("summary",)
    ),
}


@dataclass(frozen=True)
class RowProblem:
    """A row that could not be used: its number (from 1, after the header) and why."""

    row: int
    reason: str


@dataclass(frozen=True)
class ArticleList:
    """What an article list holds: its articles by outlet, and the rows that could not be used."""

    path: Path
    format: str
    rows: int
    articles: dict[str, list[warehouse.FetchedArticle]]  # by outlet, in the file's order
    problems: tuple[RowProblem, ...]
    judged_at: datetime  # UTC; the file's time, against which dates are judged


@dataclass(frozen=True)
class ArticleListReport:
    """What an import did."""

    path: Path
    format: str
    rows: int  # rows in the file, the header not counted
    articles_new: int  # articles stored that were not stored before
    outlets: tuple[str, ...]  # the outlets the usable rows belong to, sorted
    problems: tuple[RowProblem, ...]

    @property
    def rows_used(self) -> int:
        return self.rows - len(self.problems)


def import_articles(wh: warehouse.Warehouse, path: Path, *, format: str | None = None) -> ArticleListReport:
    """Read an article list (`read_article_list`) and store its usable rows as articles of their outlets.

    Outlets not yet known are created, as the archive ingest creates them. Raises
    ArticleListInvalid, before anything is stored, when the file is missing or unreadable
    or its format is unknown or cannot be told from its header.
    """
    read = read_article_list(path, format=format)
    documents = [
        warehouse.FeedDocument(outlet, chunk, read.judged_at, dates_judged_at=read.judged_at)
        for outlet, articles in read.articles.items()
        for chunk in _chunks(articles, BATCH_ARTICLES)
    ]
    new = 0
    for group in _groups(documents, BATCH_ARTICLES):
        new += sum(warehouse.store_intake(wh, group))
    report = ArticleListReport(path, read.format, read.rows, new, tuple(sorted(read.articles)), read.problems)
    logger.info(
        "%s (%s): %d rows, %d unusable; %d new articles of %d outlets",
        path,
        read.format,
        read.rows,
        len(read.problems),
        new,
        len(report.outlets),
    )
    return report


def read_article_list(path: Path, *, format: str | None = None) -> ArticleList:
    """The articles of an article list file, by outlet, and the rows that could not be used.

    Raises ArticleListInvalid when the file is missing or unreadable, the format is
    unknown, its columns are missing, or (without a format) the header fits no layout or several.
    """
    if format is not None and format not in _LAYOUTS:
        raise ArticleListInvalid(
            f"unknown article list format {format!r}: use one of {', '.join(ARTICLE_LIST_FORMATS)}"
        )
    if not path.is_file():
        raise ArticleListInvalid(f"no such file: {path}")
    names, records = _read_records(path)
    columns = {name: index for index, name in enumerate(names)}
    layout = _layout_for(path, set(columns), format)
    by_outlet: dict[str, list[warehouse.FetchedArticle]] = defaultdict(list)
    problems: list[RowProblem] = []
    rows = 0
    for number, record in enumerate(records, start=1):
        rows = number
        try:
            outlet, article = _row_article(layout, columns, record)
        except _Unusable as unusable:
            problems.append(RowProblem(number, str(unusable)))
            continue
        by_outlet[outlet].append(article)
    judged_at = datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)
    return ArticleList(path, layout.name, rows, dict(by_outlet), tuple(problems), judged_at)


def _layout_for(path: Path, columns: set[str], format: str | None) -> _Layout:
    if format is not None:
        layout = _LAYOUTS[format]
        missing = layout.missing(columns)
        if missing:
            raise ArticleListInvalid(f"{path}: not a {format} article list: no column {', no column '.join(missing)}")
        return layout
    fitting = [layout for layout in _LAYOUTS.values() if layout.fits(columns)]
    if len(fitting) == 1:
        return fitting[0]
    if fitting:
        names = " and ".join(layout.name for layout in fitting)
        raise ArticleListInvalid(f"{path}: the header fits both {names}: say which with --format")
    header = ", ".join(sorted(columns)) or "no columns"
    raise ArticleListInvalid(
        f"{path}: the header ({header}) is not one of a known article list: give --format"
        " (mediacloud: title, url, publish_date, media_name; gdelt: URL, MobileURL, Date, Title;"
        " generic: title, url, date, outlet)"
    )


class _Unusable(Exception):
    """Why one row cannot be stored."""


def _row_article(
    layout: _Layout, columns: dict[str, int], record: Sequence[Any] | None
) -> tuple[str, warehouse.FetchedArticle]:
    if record is None:
        raise _Unusable("not a record (a JSON object)")

    def value(names: tuple[str, ...]) -> Any:
        for name in names:
            index = columns.get(name)
            if index is not None and not _blank(record[index]):
                return record[index]
        return None

    title = plain_text(_text(value(layout.title)))
    if not title:
        raise _Unusable("no title")
    raw_url = _text(value(layout.url)).strip()
    url = ""
    if raw_url:
        try:
            require_http_url(raw_url)
        except FeedMalformed as error:
            raise _Unusable(f"url {_quoted(raw_url)} is not an http(s) address") from error
        url = canonical_url(raw_url)
    published_at = _row_date(value(layout.date))
    outlet = _outlet(_text(value(layout.outlet)).strip(), raw_url)
    if not outlet:
        raise _Unusable("no outlet, and no url to name it by")
    summary = plain_text(_text(value(layout.summary))) if layout.summary else ""
    return outlet, warehouse.FetchedArticle(guid="", url=url, title=title, summary=summary, published_at=published_at)


def _row_date(value: Any) -> datetime:
    if value is None:
        raise _Unusable("no date")
    if isinstance(value, datetime):  # pandas.Timestamp too, from a Parquet timestamp column
        stamp = value.to_pydatetime() if hasattr(value, "to_pydatetime") else value
        return stamp.replace(tzinfo=UTC) if stamp.tzinfo is None else stamp.astimezone(UTC)
    text = _text(value).strip()
    parsed = _iso_date(text)
    if parsed is None:
        read = read_date(text)
        parsed = datetime(*read[:6], tzinfo=UTC) if read is not None and read.tm_year > 0 else None
    if parsed is None:
        raise _Unusable(f"date {_quoted(text)} is not a date")
    return parsed


def _iso_date(text: str) -> datetime | None:
    """ISO 8601 in any of its forms (Media Cloud's "2020-04-21 09:00:00", GDELT's "20200421T090000Z"); zoneless is UTC.

    GDELT's article list files also write "20200421090000".
    """
    if len(text) == 14 and text.isdigit():
        text = f"{text[:8]}T{text[8:]}"
    try:
        stamp = datetime.fromisoformat(text)
    except ValueError:
        return None
    return stamp.replace(tzinfo=UTC) if stamp.tzinfo is None else stamp.astimezone(UTC)


def _outlet(named: str, url: str) -> str:
    """The outlet a row names (a Media Cloud media_url names it by its host), else its link's host without www."""
    if named and "://" not in named:
        return named
    link = named or url
    if not link:
        return ""
    try:
        host = urlsplit(link).hostname or ""
    except ValueError:
        return ""
    return host.removeprefix("www.")


def _blank(value: Any) -> bool:
    """Whether a cell is empty: None, NaN, NaT, NA (what pandas and Parquet give for missing), or white space."""
    if isinstance(value, str):
        return not value.strip()
    if value is None:
        return True
    import pandas as pd

    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # a list or dict in a JSON cell: not blank, and not text either
        return False


def _text(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else str(value)


def _quoted(text: str) -> str:
    return repr(text if len(text) <= 80 else f"{text[:77]}...")


def _read_records(path: Path) -> tuple[list[str], Iterator[Sequence[Any] | None]]:
    """The file's column names (lower case, trimmed) and its rows as sequences in that order (None: not a record)."""
    suffix = path.suffix.lower()
    if suffix in _JSON_SUFFIXES:
        return _json_records(path)
    import pandas as pd

    try:
        if suffix in _PARQUET_SUFFIXES:
            frame = pd.read_parquet(path)
        else:
            frame = pd.read_csv(
                path,
                dtype=str,
                keep_default_na=False,
                encoding="utf-8-sig",
                sep="\t" if suffix == ".tsv" else ",",
            )
    except pd.errors.EmptyDataError as error:
        raise ArticleListInvalid(f"{path}: an empty file, no header") from error
    except UnicodeDecodeError as error:
        raise ArticleListInvalid(f"{path}: not UTF-8 text ({error.reason} at byte {error.start})") from error
    except (ValueError, OSError, ImportError, pd.errors.ParserError) as error:
        kind = "Parquet" if suffix in _PARQUET_SUFFIXES else "CSV"
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise ArticleListInvalid(f"{path}: not a readable {kind} file: {first_line}") from error
    names = [_column_name(name) for name in frame.columns]
    values = [frame[column].tolist() for column in frame.columns]
    return names, iter(zip(*values, strict=True)) if values else iter(())


def _json_records(path: Path) -> tuple[list[str], Iterator[Sequence[Any] | None]]:
    """A JSON article list: GDELT's `{"articles": [...]}`, or a plain list of objects."""
    try:
        document = json.loads(path.read_bytes().decode("utf-8-sig"))
    except UnicodeDecodeError as error:
        raise ArticleListInvalid(f"{path}: not UTF-8 text ({error.reason} at byte {error.start})") from error
    except (json.JSONDecodeError, RecursionError) as error:
        raise ArticleListInvalid(f"{path}: not readable JSON: {error}") from error
    records = document.get("articles") if isinstance(document, dict) else document
    if not isinstance(records, list):
        raise ArticleListInvalid(f"{path}: a JSON document without a list of articles")
    names: list[str] = []
    for record in records:
        if isinstance(record, dict):
            names.extend(_column_name(key) for key in record if _column_name(key) not in names)
    keyed = [
        {_column_name(key): item for key, item in record.items()} if isinstance(record, dict) else None
        for record in records
    ]
    return names, (None if record is None else [record.get(name) for name in names] for record in keyed)


def _column_name(name: object) -> str:
    return str(name).lstrip("\ufeff").strip().lower()


def _chunks(articles: list[warehouse.FetchedArticle], size: int) -> Iterator[list[warehouse.FetchedArticle]]:
    for start in range(0, len(articles), size):
        yield articles[start : start + size]


def _groups(documents: list[warehouse.FeedDocument], size: int) -> Iterator[list[warehouse.FeedDocument]]:
    """The documents in groups of about `size` articles, one transaction each."""
    group: list[warehouse.FeedDocument] = []
    count = 0
    for document in documents:
        if group and count + len(document.articles) > size:
            yield group
            group, count = [], 0
        group.append(document)
        count += len(document.articles)
    if group:
        yield group
