"""`newstally lake init|import|maintain|upgrade`: a warehouse in a DuckLake (catalog in PostgreSQL, Parquet files).

The lake is named by --db ducklake:postgres:CONNINFO; --lake-data says where its files live.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from newstally import settings
from newstally.handles import UsageError

DEFAULT_KEEP_HOURS = 1.0


def add_lake_commands(command: Callable[..., argparse.ArgumentParser]) -> None:
    """Register `lake` and its actions through the CLI's own `command` helper."""
    lake = command("lake", "", "a warehouse in a DuckLake (PostgreSQL catalog): init, import, maintain, upgrade")
    actions = lake.add_subparsers(dest="lake_command", metavar="ACTION", parser_class=type(lake))
    actions.required = True
    sub = actions.add_parser(
        "init",
        help="create the lake's catalog and newstally's tables in an empty PostgreSQL database",
        description="create the lake's catalog and newstally's tables in an empty PostgreSQL database"
        " (--db ducklake:postgres:CONNINFO, --lake-data DIR_OR_URL)",
    )
    sub.set_defaults(handler="lake_commands:cmd_lake_init")
    sub = actions.add_parser(
        "import",
        help="copy a warehouse file into a new lake, every table exactly",
        description="copy a warehouse file into a new lake, every table exactly",
    )
    sub.add_argument("file", metavar="FILE.duckdb")
    sub.set_defaults(handler="lake_commands:cmd_lake_import")
    sub = actions.add_parser(
        "maintain",
        help="compact the lake's small data files, expire old snapshots, delete the files they freed",
        description="compact the lake's small data files, expire old snapshots, delete the files they freed",
    )
    sub.add_argument(
        "--keep-hours",
        type=_hours,
        default=DEFAULT_KEEP_HOURS,
        metavar="HOURS",
        help="keep snapshots (and their files) younger than this, for readers still on them"
        f" (default {DEFAULT_KEEP_HOURS:g})",
    )
    sub.set_defaults(handler="lake_commands:cmd_lake_maintain")
    sub = actions.add_parser(
        "upgrade",
        help="bring the lake's tables to this newstally's schema, all missing migrations in one commit",
        description="bring the lake's tables to this newstally's schema: apply the lake variants of the"
        " migrations it lacks, in order, in one commit (a failure leaves it as it was); run it once,"
        " as the lake's owner, after upgrading newstally (docs/scale-out.md, 'Upgrading a lake's schema')",
    )
    sub.set_defaults(handler="lake_commands:cmd_lake_upgrade")


def cmd_lake_init(args: argparse.Namespace) -> int:
    import warehouse

    target, lake_data = _lake(args)
    if not lake_data:
        raise UsageError("lake init needs --lake-data DIR_OR_URL (or NEWSTALLY_LAKE_DATA): where the data files go")
    warehouse.init_lake(target, lake_data)
    print(f"created lake {target} with its data in {lake_data}", file=sys.stderr)
    return 0


def cmd_lake_import(args: argparse.Namespace) -> int:
    import warehouse

    target, lake_data = _lake(args)
    source = Path(args.file)
    if not source.is_file():
        raise UsageError(f"no warehouse file at {source}")
    counts = warehouse.import_warehouse(target, source, lake_data=lake_data)
    print(
        f"imported {source} into lake {target}: {counts.get('articles', 0):,} articles,"
        f" {counts.get('mentions', 0):,} mentions, {len(counts)} tables",
        file=sys.stderr,
    )
    return 0


def cmd_lake_maintain(args: argparse.Namespace) -> int:
    import warehouse

    target, lake_data = _lake(args)
    files = warehouse.maintain_lake(target, older_than_hours=args.keep_hours, lake_data=lake_data)
    before, after = files["files_before"], files["files_after"]
    print(f"maintained lake {target}: {before} data files before, {after} after", file=sys.stderr)
    return 0


def cmd_lake_upgrade(args: argparse.Namespace) -> int:
    import warehouse

    target, lake_data = _lake(args)
    upgrade = warehouse.upgrade_lake(target, lake_data=lake_data)
    if upgrade.applied:
        print(
            f"upgraded lake {target} from schema {upgrade.schema_before} to {upgrade.schema_after}:"
            f" applied {', '.join(upgrade.applied)}",
            file=sys.stderr,
        )
    else:
        print(f"lake {target} is already at schema {upgrade.schema_after}; nothing to do", file=sys.stderr)
    return 0


def _lake(args: argparse.Namespace) -> tuple[str, str | None]:
    import warehouse

    config = settings.resolve(args.db, args.watchlist, args.lake_data)
    if not warehouse.is_lake_target(config.db_path):
        raise UsageError(
            f"--db {config.db_path} is a file: lake commands need --db ducklake:postgres:CONNINFO"
            " (e.g. 'ducklake:postgres:dbname=news host=127.0.0.1 user=news')"
        )
    return str(config.db_path), config.lake_data


def _hours(text: str) -> float:
    try:
        hours = float(text)
    except ValueError:
        hours = -1.0
    if not 0 <= hours < float("inf"):
        raise argparse.ArgumentTypeError(f"bad number of hours {text!r}: use a number of 0 or more, e.g. 24")
    return hours
