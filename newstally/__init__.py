"""newstally: how much the news talks about whom. The composition root: settings and the CLI."""

from __future__ import annotations

__all__ = ["__version__"]


def __getattr__(name: str) -> str:
    # Looked up on first use: importlib.metadata costs more than the rest of `newstally --help`.
    if name != "__version__":
        raise AttributeError(f"module 'newstally' has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("newstally")
    except PackageNotFoundError:  # running from a checkout that was never installed
        return "0.0.0"
