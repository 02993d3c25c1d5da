"""Looking after the warehouse file: `newstally check` (is it whole?) and `newstally backup` (a consistent copy)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from newstally import settings
from newstally.handles import existing_warehouse
from newstally.output import print_rows

EXIT_PROBLEMS = 1


def cmd_check(args: argparse.Namespace) -> int:
    """Migrations, watchlist, mentions, orphan rows and duplicate identities; monitoring reads the exit code."""
    import warehouse
    from warehouse import DEFAULT_RECOUNT_ARTICLES, INTEGRITY_COLUMNS, check_integrity

    wh = existing_warehouse(args)
    config = settings.resolve(args.db, args.watchlist)
    try:
        problems = check_integrity(
            wh,
            watchlist_path=config.watchlist_path,
            recount_articles=None if args.full else DEFAULT_RECOUNT_ARTICLES,
        )
    except warehouse.WarehouseUnavailable as error:
        # A file that cannot even be opened is the gravest finding, not a usage mistake.
        print(f"newstally: check: {error}", file=sys.stderr)
        return EXIT_PROBLEMS
    rows = [{"check": problem.check, "rows": problem.rows, "detail": problem.detail} for problem in problems]
    if args.format == "table":
        for row in rows:
            print(f"{row['check']}: {row['detail']} ({row['rows']:,} rows)")
    else:
        print_rows(rows, INTEGRITY_COLUMNS, fmt=args.format)
    scope = "every article" if args.full else f"up to {DEFAULT_RECOUNT_ARTICLES:,} newest articles"
    verdict = f"{len(problems)} problem(s) found" if problems else "no problems found"
    print(f"checked {wh.path} (mentions recounted for {scope}): {verdict}", file=sys.stderr)
    return EXIT_PROBLEMS if problems else 0


def cmd_backup(args: argparse.Namespace) -> int:
    """Copy the warehouse under the readers' lock, so the scheduler may keep running."""
    from warehouse import backup_warehouse

    wh = existing_warehouse(args)
    size = backup_warehouse(wh, Path(args.out))
    print(f"backed up {wh.path} to {args.out} ({size / 1_048_576:,.1f} MB)", file=sys.stderr)
    return 0
