"""Printing rows for people (rich tables) and for machines (CSV, JSON with ISO 8601 dates)."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any, TextIO

FORMATS = ("table", "csv", "json")


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return "; ".join(str(item) for item in value)
    if value is None:
        return ""
    return value


def write_columns_csv(columns: Mapping[str, Any], out: TextIO) -> None:
    """Equal columns as CSV, byte for byte as pandas' `to_csv(index=False, lineterminator="\\n")` writes them
    (floats by `repr`, text quoted only when it must be), with true/false for flags; without importing pandas."""
    names = list(columns)
    cells = [_csv_cells(columns[name]) for name in names]
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(names)
    writer.writerows(zip(*cells, strict=True))


def _csv_cells(values: Any) -> list[str]:
    items = values.tolist() if hasattr(values, "tolist") else list(values)
    return [
        ("true" if item else "false")
        if isinstance(item, bool)
        else repr(item)
        if isinstance(item, float)
        else ""
        if item is None or item != item  # None and NaN: an empty cell
        else str(item)
        for item in items
    ]


def print_rows(
    rows: Sequence[dict[str, Any]],
    columns: Sequence[str],
    *,
    fmt: str,
    title: str = "",
    out: TextIO | None = None,
) -> None:
    """Rows as a table, CSV or JSON; `columns` fixes the order and the CSV header."""
    import pandas as pd  # here, not above: `newstally --help` must not pay for pandas and rich
    from rich.console import Console
    from rich.table import Table

    stream = out or sys.stdout
    if fmt == "json":
        payload = [
            {
                column: (
                    _plain(row.get(column)) if not isinstance(row.get(column), list | tuple) else list(row[column])
                )
                for column in columns
            }
            for row in rows
        ]
        stream.write(json.dumps(payload, ensure_ascii=False, indent=2) + "\n")
        return
    frame = pd.DataFrame([{column: _plain(row.get(column)) for column in columns} for row in rows], columns=columns)
    if fmt == "csv":
        frame.to_csv(stream, index=False, lineterminator="\n")
        return
    table = Table(title=title or None, show_lines=False)
    for column in columns:
        table.add_column(column)
    for record in frame.itertuples(index=False):
        table.add_row(*(str(value) for value in record))
    Console(file=stream, soft_wrap=False).print(table)
