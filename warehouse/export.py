"""Writing a frame to CSV, Parquet or JSON, chosen by the file's suffix, atomically."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pandas as pd

from warehouse.errors import WarehouseError

__all__ = ["EXPORT_SUFFIXES", "export_frame"]

EXPORT_SUFFIXES = (".csv", ".parquet", ".json")


def export_frame(frame: pd.DataFrame, path: Path) -> Path:
    """Write `frame` to `path`; a half-written file never replaces a good one."""
    suffix = path.suffix.lower()
    if suffix not in EXPORT_SUFFIXES:
        raise WarehouseError(f"cannot export to {path}: use a .csv, .parquet or .json file name")
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(handle)
    try:
        if suffix == ".csv":
            frame.to_csv(temporary, index=False, lineterminator="\n")
        elif suffix == ".parquet":
            frame.to_parquet(temporary, index=False)
        else:
            frame.to_json(temporary, orient="records", indent=2, force_ascii=False)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path
