"""Downloads for the dashboard: a shown frame as the file and provenance sidecar `newstally export` writes, zipped.

The pair is made by the export's own `export_frame` and `write_provenance`, so a file
downloaded from a page carries the same `.meta.json` as one written by the CLI.
"""

from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import pandas as pd

from warehouse.engine.db import Warehouse
from warehouse.export.files import export_frame, write_provenance

__all__ = ["export_bundle"]


def export_bundle(
    wh: Warehouse,
    frame: pd.DataFrame,
    *,
    file_name: str,
    command: list[str],
    options: dict[str, Any],
    table: str = "series",
) -> bytes:
    """A zip holding `frame` written as `file_name` (.csv, .parquet or .json) and its `file_name.meta.json`.

    `table` (one of `warehouse.export.files.EXPORT_TABLES`) picks the rules the sidecar states.
    """
    with tempfile.TemporaryDirectory(prefix="newstally-download-") as folder:
        path = export_frame(frame, Path(folder) / file_name)
        sidecar = write_provenance(wh, frame, path, command=command, options=options, table=table)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.write(path, path.name)
            archive.write(sidecar, sidecar.name)
    return buffer.getvalue()
