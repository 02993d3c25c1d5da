"""The watchlist kept in the warehouse: import a file, export it, list its versions, revert to one.

Only the standard library is imported here; the warehouse is imported by the handlers.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from newstally.handles import UsageError, existing_warehouse, warehouse_for_writing
from newstally.output import print_rows

HISTORY_COLUMNS = ["version", "created_at", "action", "entity_id", "summary", "author", "watchlist_hash"]


def cmd_watchlist_import(args: argparse.Namespace) -> int:
    import warehouse

    if not Path(args.file).is_file():
        raise UsageError(f"no such watchlist file: {args.file}")
    change = warehouse.import_watchlist(warehouse_for_writing(args), Path(args.file), author=args.author)
    print(_described(change, f"imported {args.file}"), file=sys.stderr)
    return 0


def cmd_watchlist_export(args: argparse.Namespace) -> int:
    import warehouse

    text = warehouse.watchlist_export(existing_warehouse(args), args.version)
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
        print(f"wrote {args.out}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def cmd_watchlist_history(args: argparse.Namespace) -> int:
    import warehouse

    rows = [
        {
            "version": version.version,
            "created_at": version.created_at,
            "action": version.action,
            "entity_id": version.entity_id,
            "summary": version.summary,
            "author": version.author,
            "watchlist_hash": version.watchlist_hash,
        }
        for version in warehouse.watchlist_history(existing_warehouse(args))
    ]
    print_rows(rows, HISTORY_COLUMNS, fmt=args.format, title="Watchlist versions")
    return 0


def cmd_watchlist_revert(args: argparse.Namespace) -> int:
    import warehouse

    change = warehouse.revert_watchlist(existing_warehouse(args), args.version, author=args.author)
    print(_described(change, f"reverted to version {args.version}"), file=sys.stderr)
    return 0


def _described(change, done: str) -> str:
    if not change.changed:
        return f"the watchlist is already that one (version {change.version}): nothing to do"
    if change.mode == "none":
        counted = "names only: nothing to count again"
    elif change.mode == "full":
        counted = "every entity counted again"
    else:
        counted = f"counted again: {', '.join(change.retallied)}"
    return f"{done}: version {change.version}; {counted}; {change.mention_rows} mentions in {change.seconds:.1f} s"
