"""Printing the analytics commands' rows (spikes, event-lens, comentions) for people and for machines.

The rows themselves are shaped in `warehouse` (its reports), where the HTTP API and the
notebook API get the same ones. JSON keeps nested lists (headlines, outlets) as lists of
objects and a missing number as null; CSV and tables join lists with "; " so each record
stays one line.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, TextIO

from newstally.output import print_rows

__all__ = ["EPISODE_TABLE_COLUMNS", "print_report"]

# A table is read by a person on a terminal: the top headline and a few words are enough.
EPISODE_TABLE_COLUMNS = [
    "id",
    "peak",
    "end",
    "peak_articles",
    "peak_share",
    "baseline_share",
    "score",
    "headline",
    "terms",
]


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


def print_report(
    rows: Sequence[dict[str, Any]], columns: Sequence[str], *, fmt: str, title: str = "", out: TextIO | None = None
) -> None:
    """Like output.print_rows, but JSON keeps nested objects and writes a missing value as null."""
    if fmt != "json":
        print_rows(rows, columns, fmt=fmt, title=title, out=out)
        return
    payload = [{column: _json_value(row.get(column)) for column in columns} for row in rows]
    (out or sys.stdout).write(json.dumps(payload, ensure_ascii=False, indent=2) + "\n")
