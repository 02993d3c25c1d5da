"""Turning a report into a response: JSON, CSV or Parquet, with its provenance and an ETag.

The ETag is made from the warehouse's data version and the request (path and every
parameter, the format too) before any query runs, so a client that sends it back with
`If-None-Match` gets a 304 for the price of one small read. It is weak (`W/"…"`): a JSON
body also carries `generated_at`, which differs between two equivalent responses.
"""

from __future__ import annotations

import hashlib
import io
import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

import pandas as pd
from fastapi import Request, Response

import warehouse

FORMATS = ("json", "csv", "parquet")
Format = Literal["json", "csv", "parquet"]
MEDIA_TYPES = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "parquet": "application/vnd.apache.parquet",
}
PROVENANCE_HEADER = "Newstally-Provenance"
DATA_VERSION_HEADER = "Newstally-Data-Version"
NEXT_CURSOR_HEADER = "Newstally-Next-Cursor"
# In a header the provenance leaves out what can be long; the JSON `meta` object has every field.
_HEADER_OMITS = ("feeds", "counting_rules")
API_VERSION = "1"


@dataclass
class Report:
    """What an endpoint found: a frame (series) or rows and their columns (every other table)."""

    table: str
    options: dict[str, Any]
    frame: pd.DataFrame | None = None
    rows: Sequence[dict[str, Any]] = ()
    columns: Sequence[str] = ()
    extra: dict[str, Any] = field(default_factory=dict)  # top-level JSON fields beside meta and rows
    headers: dict[str, str] = field(default_factory=dict)

    def flat(self) -> pd.DataFrame:
        """One line per row, for CSV and Parquet."""
        if self.frame is not None:
            return self.frame
        return warehouse.flat_frame(self.rows, self.columns)


class Responder:
    """Per app: the warehouse, and its corpus provenance kept for the data version it was read at."""

    def __init__(self, wh: warehouse.Warehouse) -> None:
        self.wh = wh
        self._lock = threading.Lock()
        self._corpus: tuple[str, dict[str, Any]] | None = None

    def etag(self, request: Request, version: str, *, clock: bool = False) -> str:
        """A weak validator for this request on data version `version`; with `clock`, also the current UTC hour."""
        parameters = sorted(request.query_params.multi_items())
        key = [API_VERSION, version, request.url.path, parameters]
        if clock:  # feed health counts the last 7 days from now
            key.append(datetime.now(UTC).strftime("%Y-%m-%dT%H"))
        digest = hashlib.sha256(json.dumps(key, ensure_ascii=True).encode()).hexdigest()[:32]
        return f'W/"{digest}"'

    def not_modified(self, request: Request, etag: str) -> Response | None:
        """A 304 when the client already holds this representation (weak comparison, as RFC 9110 asks)."""
        sent = request.headers.get("if-none-match")
        if not sent:
            return None
        held = {tag.strip().removeprefix("W/") for tag in sent.split(",")}
        if "*" in held or etag.removeprefix("W/") in held:
            return Response(status_code=304, headers={"ETag": etag, "Cache-Control": "private, no-cache"})
        return None

    def corpus(self, version: str) -> dict[str, Any]:
        with self._lock:
            if self._corpus is not None and self._corpus[0] == version:
                return self._corpus[1]
        found = warehouse.corpus_provenance(self.wh)
        with self._lock:
            self._corpus = (version, found)
        return found

    def respond(self, request: Request, report: Report, *, fmt: str, etag: str, version: str) -> Response:
        flat = report.flat()
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        meta = warehouse.provenance(
            self.wh,
            flat,
            file=target,
            command=["GET", target],
            options=report.options,
            table=report.table,
            corpus=self.corpus(version),
        )
        meta["data_version"] = version
        headers = {
            "ETag": etag,
            "Cache-Control": "private, no-cache",
            DATA_VERSION_HEADER: version,
            PROVENANCE_HEADER: json.dumps(
                {key: value for key, value in meta.items() if key not in _HEADER_OMITS}, ensure_ascii=True
            ),
            **report.headers,
        }
        if fmt == "csv":
            body = warehouse.csv_ready(flat).to_csv(index=False, lineterminator="\n")
            headers["Content-Disposition"] = f'inline; filename="{report.table}.csv"'
            return Response(body.encode("utf-8"), media_type=MEDIA_TYPES["csv"], headers=headers)
        if fmt == "parquet":
            buffer = io.BytesIO()
            flat = flat.copy()
            flat.attrs = {"newstally": meta}  # pandas.read_parquet gives it back as DataFrame.attrs
            flat.to_parquet(buffer, index=False)
            headers["Content-Disposition"] = f'inline; filename="{report.table}.parquet"'
            return Response(buffer.getvalue(), media_type=MEDIA_TYPES["parquet"], headers=headers)
        if report.frame is not None:
            rows_text = report.frame.to_json(orient="records", force_ascii=False, double_precision=15)
        else:
            rows_text = json.dumps(warehouse.json_records(report.rows, report.columns), ensure_ascii=False)
        parts = [f'"meta":{json.dumps(meta, ensure_ascii=False)}', f'"rows":{rows_text}']
        parts += [f"{json.dumps(key)}:{json.dumps(value, ensure_ascii=False)}" for key, value in report.extra.items()]
        body = "{" + ",".join(parts) + "}"
        return Response(body.encode("utf-8"), media_type=MEDIA_TYPES["json"], headers=headers)
