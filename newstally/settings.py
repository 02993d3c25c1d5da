"""Where things are: the warehouse file, the watchlist, the calendar, the shipped feed list.

Each setting comes from a command-line option, else an environment variable, else the
default here; nothing else in the code (CLI, scheduler, dashboard) reads the environment
for these. The shipped watchlist, calendar and feed list are package data of `newstally`
(newstally/defaults/), so an installed wheel finds them as a checkout does; `newstally
init` writes editable copies of them.
"""

from __future__ import annotations

import importlib.util
import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

__all__ = [
    "DEFAULT_DASHBOARD_HOST",
    "DEFAULT_DASHBOARD_PORT",
    "DEFAULT_DB",
    "DEFAULT_DEMO_PORT",
    "DEFAULT_EVENTS",
    "DEFAULT_FEEDS_OPML",
    "DEFAULT_WATCHLIST",
    "SHIPPED_FILES",
    "Settings",
    "dashboard_app",
    "resolve",
    "warehouse_target",
]


def _shipped(name: str) -> Path:
    """A file of newstally/defaults as a path: installed packages are plain folders, never zips."""
    return Path(str(resources.files("newstally").joinpath("defaults", name)))


DEFAULT_DB = Path("data/newstally.duckdb")
DEFAULT_WATCHLIST = _shipped("watchlist.toml")
DEFAULT_EVENTS = _shipped("events.toml")
DEFAULT_FEEDS_OPML = _shipped("feeds.opml")
# What `newstally init` copies, and the variable or command that points newstally at each copy.
SHIPPED_FILES = (DEFAULT_WATCHLIST, DEFAULT_EVENTS, DEFAULT_FEEDS_OPML)
DEFAULT_DASHBOARD_HOST = "127.0.0.1"
DEFAULT_DASHBOARD_PORT = 8501
DEFAULT_DEMO_PORT = 8765
DEFAULT_API_HOST = "127.0.0.1"
DEFAULT_API_PORT = 8502


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


def warehouse_target(config: Settings | None = None) -> str:
    """The warehouse as every process should name it: a file as an absolute path (`NEWSTALLY_DB`, else
    data/newstally.duckdb under the cwd), a lake (`ducklake:...`) as given, since it is no path."""
    import warehouse

    db_path = (config or resolve()).db_path
    if warehouse.is_lake_target(db_path):
        return str(db_path)
    return str(db_path.expanduser().resolve())


def dashboard_app() -> Path:
    """The dashboard's Streamlit script in the installed `dashboard` package (found, not imported)."""
    spec = importlib.util.find_spec("dashboard")
    if spec is None or spec.origin is None:  # pragma: no cover - dashboard ships in the same wheel
        raise ModuleNotFoundError("the dashboard package is not installed")
    return Path(spec.origin).parent / "app.py"


def dashboard_url() -> str:
    """The dashboard's base URL as the newsroom reaches it, for the links in alerts (env NEWSTALLY_DASHBOARD_URL)."""
    return os.environ.get("NEWSTALLY_DASHBOARD_URL") or f"http://{DEFAULT_DASHBOARD_HOST}:{DEFAULT_DASHBOARD_PORT}"
