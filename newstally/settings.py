"""Where things are: the warehouse file, the watchlist, the calendar, the shipped feed list.

Each setting comes from a command-line option, else an environment variable, else
the default here; nothing else in the code reads the environment for these.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent

DEFAULT_DB = Path("data/newstally.duckdb")
DEFAULT_WATCHLIST = PROJECT_ROOT / "watchlist.toml"
DEFAULT_EVENTS = PROJECT_ROOT / "events.toml"
DEFAULT_FEEDS_OPML = PROJECT_ROOT / "feeds.opml"
DASHBOARD_APP = PROJECT_ROOT / "dashboard" / "app.py"
DEFAULT_DASHBOARD_HOST = "127.0.0.1"
DEFAULT_DASHBOARD_PORT = 8501
DEFAULT_DEMO_PORT = 8765


@dataclass(frozen=True)
class Settings:
    db_path: Path  # a file, or a lake: `ducklake:postgres:CONNINFO` (CONNINFO in libpq's key=value form)
    watchlist_path: Path
    events_path: Path
    demo_port: int
    lake_data: str | None = None  # where a lake's data files live: a folder or a URL (s3://...)


def resolve(db: str | None = None, watchlist: str | None = None, lake_data: str | None = None) -> Settings:
    """Settings from explicit values, else NEWSTALLY_* variables, else defaults."""
    return Settings(
        db_path=Path(db or os.environ.get("NEWSTALLY_DB") or DEFAULT_DB),
        watchlist_path=Path(watchlist or os.environ.get("NEWSTALLY_WATCHLIST") or DEFAULT_WATCHLIST),
        events_path=Path(os.environ.get("NEWSTALLY_EVENTS") or DEFAULT_EVENTS),
        demo_port=int(os.environ.get("NEWSTALLY_DEMO_PORT") or DEFAULT_DEMO_PORT),
        lake_data=lake_data or os.environ.get("NEWSTALLY_LAKE_DATA") or None,
    )
