"""Writing a frame to CSV, Parquet or JSON by the file's suffix, atomically, with a provenance sidecar.

The sidecar `FILE.meta.json` records what an analyst needs to reproduce or cite the
file: the command and options, the watchlist hash, the feed list, zone, bucket, the
counting rules, the row count, the product version and when it was made. The data
file itself carries no timestamp, so re-running the recorded command on the same
warehouse writes a byte-identical file.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from collections.abc import Sequence
from datetime import UTC, date, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import pandas as pd

from warehouse.analysis.catalog import corpus_facts
from warehouse.engine.db import Warehouse
from warehouse.errors import WarehouseError
from warehouse.intake.feeds import list_feeds

__all__ = [
    "COUNTING_RULES",
    "EXPORT_SUFFIXES",
    "EXPORT_TABLES",
    "corpus_provenance",
    "csv_ready",
    "export_frame",
    "export_records",
    "flat_frame",
    "json_records",
    "provenance",
    "widened",
    "write_provenance",
]

EXPORT_SUFFIXES = (".csv", ".parquet", ".json")

COUNTING_RULES = (
    "An article mentions an entity when an alias matches its title or summary as a whole word or phrase "
    "(possessives and hyphenated compounds match; trailing * allows word forms; names case-sensitive, themes not; "
    "exclusions cancel the match at their place). articles = articles in the bucket mentioning the entity; "
    "mentions = their occurrences; total_articles = all articles in the bucket from the same outlets; "
    "share = articles / total_articles. Dates in the future or before 1990 are not bucketed. "
    "With unique, copies of a syndicated story (same syndication_key) in a row's bucket and outlets count once, "
    "in total_articles too; with smooth N, values are trailing means over N buckets and share is the ratio of the "
    "window's sums; complete = every outlet of the row fetched all its feeds successfully on every UTC day the "
    "bucket (or window) touches. See docs/counting.md."
)
_TABLE_RULES = {
    "series": COUNTING_RULES,
    "spikes": (
        "UTC days; a day is a spike day when its share stands at least `threshold` robust z-scores above the median "
        "(and MAD) of the `window` days before it, the count also beats Poisson chance by the same score, and at "
        "least `min_count` articles mention the entity; consecutive spike days are one episode. See docs/spikes.md. "
        + COUNTING_RULES
    ),
    "event-lens": (
        "UTC days; window = event start - window .. end + window; baseline = the `baseline` days before it, minus "
        "days inside another event's window; shares are means of daily shares; lift = window_share / baseline_share "
        "(empty when the baseline share is 0). See docs/spikes.md. " + COUNTING_RULES
    ),
    "comentions": (
        "UTC days; share = articles mentioning both the leader and the theme / articles mentioning the leader, in "
        "the period and in the period of equal length before it; change = share - previous_share. "
        "See docs/spikes.md. " + COUNTING_RULES
    ),
}
EXPORT_TABLES = tuple(_TABLE_RULES)


def _atomic_write(path: Path, write: Any) -> None:
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(handle)
    try:
        write(temporary)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def export_frame(frame: pd.DataFrame, path: Path) -> Path:
    """Write `frame` to `path`; a half-written file never replaces a good one."""
    suffix = path.suffix.lower()
    if suffix not in EXPORT_SUFFIXES:
        raise WarehouseError(f"cannot export to {path}: use a .csv, .parquet or .json file name")
    if suffix == ".csv":
        _atomic_write(path, lambda target: csv_ready(frame).to_csv(target, index=False, lineterminator="\n"))
    elif suffix == ".parquet":
        _atomic_write(path, lambda target: frame.to_parquet(target, index=False))
    else:
        _atomic_write(path, lambda target: frame.to_json(target, orient="records", indent=2, force_ascii=False))
    return path


def csv_ready(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with true/false columns spelled `true`/`false`, as JSON and most tools spell them."""
    flags = [column for column in frame.columns if frame[column].dtype == bool]
    if not flags:
        return frame
    return frame.assign(**{column: frame[column].map({True: "true", False: "false"}) for column in flags})


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_json_value(item) for item in value]
    if isinstance(value, dict):
        return {key: _json_value(item) for key, item in value.items()}
    if hasattr(value, "item"):  # numpy scalars
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _flat_value(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return "; ".join(str(item) for item in value)
    return value


def flat_frame(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> pd.DataFrame:
    """One line per row: lists joined with "; ", whole-number columns kept whole even with gaps."""
    frame = pd.DataFrame(
        [{column: _flat_value(row.get(column)) for column in columns} for row in rows], columns=columns
    )
    for column in columns:
        present = [row.get(column) for row in rows if row.get(column) is not None]
        if present and all(isinstance(value, int) and not isinstance(value, bool) for value in present):
            frame[column] = frame[column].astype("Int64")
    return frame


def json_records(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> list[dict[str, Any]]:
    """Report rows as JSON values: nested lists and objects kept, dates ISO 8601, NaN as None."""
    return [{column: _json_value(row.get(column)) for column in columns} for row in rows]


def export_records(rows: Sequence[dict[str, Any]], columns: Sequence[str], path: Path) -> pd.DataFrame:
    """Write report rows by suffix: JSON keeps nested lists and objects, CSV and Parquet get one flat line each.

    Returns the flat frame, for the provenance sidecar.
    """
    suffix = path.suffix.lower()
    if suffix not in EXPORT_SUFFIXES:
        raise WarehouseError(f"cannot export to {path}: use a .csv, .parquet or .json file name")
    frame = flat_frame(rows, columns)
    if suffix == ".json":
        text = json.dumps(json_records(rows, columns), ensure_ascii=False, indent=2) + "\n"
        _atomic_write(path, lambda target: Path(target).write_text(text, encoding="utf-8"))
    else:
        export_frame(frame, path)
    return frame


def widened(frame: pd.DataFrame, *, value: str = "articles") -> pd.DataFrame:
    """One column per entity holding `value`, one row per bucket (and source when present), then `complete` if any."""
    keys = [column for column in ("bucket_start", "source") if column in frame.columns]
    wide = frame.pivot_table(index=keys, columns="entity_id", values=value, aggfunc="first", sort=False)
    wide = wide.reindex(columns=list(dict.fromkeys(frame["entity_id"])))
    wide.columns.name = None
    if "complete" in frame.columns:  # one verdict per bucket (and source), the same for every entity
        wide = wide.join(frame.drop_duplicates(keys).set_index(keys)["complete"])
    return wide.reset_index()


def _product_version() -> str:
    try:
        return version("newstally")
    except PackageNotFoundError:
        return "unknown"


def corpus_provenance(wh: Warehouse) -> dict[str, Any]:
    """The provenance fields that depend only on the warehouse: watchlist, corpus, feeds, product version.

    They change only when the warehouse's data version does, so a server may keep them per version.
    """
    facts = corpus_facts(wh)
    return {
        "watchlist_hash": facts.watchlist_hash,
        "corpus": {
            "articles": facts.articles,
            "sources": facts.sources,
            "is_demo": facts.is_demo,
            "first_published_at": facts.first_published_at.isoformat() if facts.first_published_at else None,
            "last_published_at": facts.last_published_at.isoformat() if facts.last_published_at else None,
        },
        "feeds": [{"id": feed.feed_id, "source": feed.source_name, "url": feed.url} for feed in list_feeds(wh)],
        "product_version": _product_version(),
    }


def provenance(
    wh: Warehouse,
    frame: pd.DataFrame,
    *,
    file: str,
    command: list[str],
    options: dict[str, Any],
    table: str = "series",
    corpus: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """What the sidecar of an export records about `frame`; `table` is one of EXPORT_TABLES.

    `corpus` is `corpus_provenance(wh)` when the caller has it already. The HTTP API sends
    the same fields with every response (`file` is then the request's path).
    """
    corpus = corpus if corpus is not None else corpus_provenance(wh)
    return {
        "file": file,
        "table": table,
        "command": command,
        "options": {
            key: (value.isoformat() if hasattr(value, "isoformat") else value) for key, value in options.items()
        },
        "rows": len(frame),
        "columns": list(frame.columns),
        "watchlist_hash": corpus["watchlist_hash"],
        "time_zone": options.get("tz", "UTC"),
        "bucket": options.get("bucket", "day"),
        "counting_rules": _TABLE_RULES.get(table, COUNTING_RULES),
        "corpus": corpus["corpus"],
        "feeds": corpus["feeds"],
        "product_version": corpus["product_version"],
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def write_provenance(
    wh: Warehouse,
    frame: pd.DataFrame,
    path: Path,
    *,
    command: list[str],
    options: dict[str, Any],
    table: str = "series",
) -> Path:
    """Write `path`.meta.json describing how `frame` was made; `table` is one of EXPORT_TABLES."""
    meta = provenance(wh, frame, file=path.name, command=command, options=options, table=table)
    sidecar = path.with_name(path.name + ".meta.json")
    _atomic_write(
        sidecar, lambda target: Path(target).write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n")
    )
    return sidecar
