"""Writing a frame to CSV, Parquet or JSON by the file's suffix, atomically, with a provenance sidecar.

The sidecar `FILE.meta.json` records what an analyst needs to reproduce or cite the
file: the command and options, the watchlist hash, the feed list, zone, bucket, the
counting rules, the row count, the product version and when it was made. The data
file itself carries no timestamp, so re-running the recorded command on the same
warehouse writes a byte-identical file.
"""

from __future__ import annotations

import json
import os
import tempfile
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import pandas as pd

from warehouse.catalog import corpus_facts
from warehouse.db import Warehouse
from warehouse.errors import WarehouseError
from warehouse.registry import list_feeds

__all__ = ["COUNTING_RULES", "EXPORT_SUFFIXES", "export_frame", "widened", "write_provenance"]

EXPORT_SUFFIXES = (".csv", ".parquet", ".json")

COUNTING_RULES = (
    "An article mentions an entity when an alias matches its title or summary as a whole word or phrase "
    "(possessives and hyphenated compounds match; trailing * allows word forms; names case-sensitive, themes not; "
    "exclusions cancel the match at their place). articles = articles in the bucket mentioning the entity; "
    "mentions = their occurrences; total_articles = all articles in the bucket from the same outlets; "
    "share = articles / total_articles. Dates in the future or before 1990 are not bucketed. See docs/counting.md."
)


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
        _atomic_write(path, lambda target: frame.to_csv(target, index=False, lineterminator="\n"))
    elif suffix == ".parquet":
        _atomic_write(path, lambda target: frame.to_parquet(target, index=False))
    else:
        _atomic_write(path, lambda target: frame.to_json(target, orient="records", indent=2, force_ascii=False))
    return path


def widened(frame: pd.DataFrame, *, value: str = "articles") -> pd.DataFrame:
    """One column per entity holding `value`, one row per bucket (and source when present)."""
    keys = [column for column in ("bucket_start", "source") if column in frame.columns]
    wide = frame.pivot_table(index=keys, columns="entity_id", values=value, aggfunc="first", sort=False)
    wide = wide.reindex(columns=list(dict.fromkeys(frame["entity_id"])))
    wide.columns.name = None
    return wide.reset_index()


def _product_version() -> str:
    try:
        return version("newstally")
    except PackageNotFoundError:
        return "unknown"


def write_provenance(
    wh: Warehouse, frame: pd.DataFrame, path: Path, *, command: list[str], options: dict[str, Any]
) -> Path:
    """Write `path`.meta.json describing how `frame` was made."""
    facts = corpus_facts(wh)
    feeds = [{"id": feed.feed_id, "source": feed.source_name, "url": feed.url} for feed in list_feeds(wh)]
    meta = {
        "file": path.name,
        "command": command,
        "options": {
            key: (value.isoformat() if hasattr(value, "isoformat") else value) for key, value in options.items()
        },
        "rows": len(frame),
        "columns": list(frame.columns),
        "watchlist_hash": facts.watchlist_hash,
        "time_zone": options.get("tz", "UTC"),
        "bucket": options.get("bucket", "day"),
        "counting_rules": COUNTING_RULES,
        "corpus": {
            "articles": facts.articles,
            "sources": facts.sources,
            "is_demo": facts.is_demo,
            "first_published_at": facts.first_published_at.isoformat() if facts.first_published_at else None,
            "last_published_at": facts.last_published_at.isoformat() if facts.last_published_at else None,
        },
        "feeds": feeds,
        "product_version": _product_version(),
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    sidecar = path.with_name(path.name + ".meta.json")
    _atomic_write(
        sidecar, lambda target: Path(target).write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n")
    )
    return sidecar
