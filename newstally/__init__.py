"""newstally: how much the news talks about whom. The composition root: settings and the CLI."""

from __future__ import annotations

import os
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from newstally.notebook import NotebookWarehouse

try:
    __version__ = version("newstally")
except PackageNotFoundError:  # running from a checkout that was never installed
    __version__ = "0.0.0"


def open(db: str | os.PathLike[str] | None = None) -> NotebookWarehouse:
    """The warehouse at `db` (a file, as `--db`) for a notebook: `wh.series(...)`, `wh.spikes(...)` give DataFrames.

    Imported on first call, so `import newstally` (and the CLI) stays cheap. See newstally.notebook.
    """
    from newstally.notebook import open as open_notebook

    return open_notebook(db)
