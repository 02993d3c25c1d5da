"""newstally: how much the news talks about whom. The composition root: settings and the CLI."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from newstally.notebook import NotebookWarehouse

__all__ = ["__version__", "open"]


def __getattr__(name: str) -> str:
    # Looked up on first use: importlib.metadata costs more than the rest of `newstally --help`.
    if name != "__version__":
        raise AttributeError(f"module 'newstally' has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("newstally")
    except PackageNotFoundError:  # running from a checkout that was never installed
        return "0.0.0"


def open(db: str | os.PathLike[str] | None = None) -> NotebookWarehouse:
    """The warehouse at `db` (a file, as `--db`) for a notebook: `wh.series(...)`, `wh.spikes(...)` give DataFrames.

    Imported on first call, so `import newstally` (and the CLI) stays cheap. See newstally.notebook.
    """
    from newstally.notebook import open as open_notebook

    return open_notebook(db)
