"""The warehouse a command works on, and the error a command raises for a user's mistake."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from newstally import settings

if TYPE_CHECKING:  # the warehouse is imported lazily so `newstally --help` starts fast
    from warehouse import Warehouse


class UsageError(Exception):
    """A mistake in what the user asked for; its message is the one line they see."""


def existing_warehouse(args: argparse.Namespace) -> Warehouse:
    """The warehouse for reading; a missing file is a user mistake, not something to create."""
    import warehouse

    config = settings.resolve(args.db, args.watchlist, getattr(args, "lake_data", None))
    if warehouse.is_lake_target(config.db_path):
        return warehouse.Warehouse(config.db_path, lake_data=config.lake_data)
    if not config.db_path.exists():
        raise UsageError(f"no warehouse at {config.db_path}: run 'newstally demo' or 'newstally feeds add URL' first")
    return warehouse.Warehouse(config.db_path)


def warehouse_for_writing(args: argparse.Namespace) -> Warehouse:
    """The warehouse for writing, created with the watchlist and calendar when new."""
    import warehouse

    config = settings.resolve(args.db, args.watchlist)
    return warehouse.open_warehouse(
        config.db_path, watchlist_path=config.watchlist_path, events_path=config.events_path
    )
