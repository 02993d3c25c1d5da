"""Commands that name groups of outlets: collections add, list, remove."""

from __future__ import annotations

import argparse
import sys

from newstally.handles import existing_warehouse
from newstally.output import print_rows

COLLECTION_COLUMNS = ["name", "rule", "outlets", "sources"]


def cmd_collections_add(args: argparse.Namespace) -> int:
    import warehouse

    collection = warehouse.add_collection(
        existing_warehouse(args),
        args.name,
        country=args.country,
        language=args.language,
        sources=args.source or (),
    )
    print(
        f"collection {collection.name} ({collection.rule}): {len(collection.outlets)} outlets"
        + (f": {', '.join(collection.outlets)}" if collection.outlets else ""),
        file=sys.stderr,
    )
    return 0


def cmd_collections_list(args: argparse.Namespace) -> int:
    import warehouse

    rows = [
        {
            "name": collection.name,
            "rule": collection.rule,
            "outlets": len(collection.outlets),
            "sources": list(collection.outlets),
        }
        for collection in warehouse.list_collections(existing_warehouse(args))
    ]
    print_rows(rows, COLLECTION_COLUMNS, fmt=args.format, title="collections")
    return 0


def cmd_collections_remove(args: argparse.Namespace) -> int:
    import warehouse

    warehouse.remove_collection(existing_warehouse(args), args.name)
    print(f"removed collection {args.name}", file=sys.stderr)
    return 0
