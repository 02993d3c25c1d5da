"""Commands about feeds: adding, listing, health, OPML, fetching archives, importing article lists."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from newstally import settings
from newstally.handles import UsageError, existing_warehouse, warehouse_for_writing
from newstally.output import print_rows


def cmd_feeds_add(args: argparse.Namespace) -> int:
    import warehouse
    from ingest import require_http_url

    require_http_url(args.url)
    if args.block_private:
        from ingest import require_public_url

        require_public_url(args.url)
    wh = warehouse_for_writing(args)
    feed = warehouse.add_feed(wh, args.url, source_name=args.source or _host_of(args.url), title=args.title or "")
    print(f"feed {feed.feed_id}: {feed.url} ({feed.source_name})", file=sys.stderr)
    return 0


def _host_of(url: str) -> str:
    from urllib.parse import urlsplit

    return urlsplit(url).hostname or url


def cmd_feeds_list(args: argparse.Namespace) -> int:
    import warehouse

    feeds = warehouse.list_feeds(existing_warehouse(args))
    rows = [
        {
            "id": feed.feed_id,
            "source": feed.source_name,
            "url": feed.url,
            "enabled": feed.enabled,
            "last_success_at": feed.last_success_at,
            "consecutive_failures": feed.consecutive_failures,
            "next_fetch_at": feed.next_fetch_at,
            "last_error": feed.last_error,
        }
        for feed in feeds
    ]
    columns = [
        "id",
        "source",
        "url",
        "enabled",
        "last_success_at",
        "consecutive_failures",
        "next_fetch_at",
        "last_error",
    ]
    print_rows(rows, columns, fmt=args.format, title="feeds")
    return 0


def cmd_feeds_remove(args: argparse.Namespace) -> int:
    import warehouse

    feed = warehouse.remove_feed(existing_warehouse(args), args.feed_id)
    print(f"removed feed {feed.feed_id}: {feed.url} (its articles stay)", file=sys.stderr)
    return 0


def cmd_feeds_enable(args: argparse.Namespace) -> int:
    import warehouse

    feed = warehouse.enable_feed(existing_warehouse(args), args.feed_id)
    print(f"enabled feed {feed.feed_id}: {feed.url}", file=sys.stderr)
    return 0


EXIT_FEEDS_FAILING = 1


def cmd_status(args: argparse.Namespace) -> int:
    """Feed health for people and for monitoring: exit 1 when any feed is failing or was disabled,
    or an alert channel has failed for more than an hour."""
    import warehouse

    feeds = warehouse.feed_health(existing_warehouse(args))
    print_rows(warehouse.feed_status_rows(feeds), warehouse.FEED_STATUS_COLUMNS, fmt=args.format, title="feed status")
    attention = [feed for feed in feeds if feed.needs_attention]
    print(f"{len(feeds)} feeds, {len(attention)} failing or disabled", file=sys.stderr)
    from alerts import failing_channels

    channels = failing_channels(existing_warehouse(args))
    for channel in channels:
        print(f"alert channel {channel.shown_as} failing since {channel.failing_since:%Y-%m-%d %H:%M} UTC: "
              f"{channel.answer}", file=sys.stderr)  # fmt: skip
    return EXIT_FEEDS_FAILING if attention or channels else 0


def cmd_feeds_import(args: argparse.Namespace) -> int:
    from ingest import import_opml

    path = Path(args.file) if args.file else settings.DEFAULT_FEEDS_OPML
    if not path.exists():
        raise UsageError(f"no OPML file at {path}")
    count = import_opml(warehouse_for_writing(args), path)
    print(f"imported {count} feeds from {path}", file=sys.stderr)
    return 0


def cmd_feeds_export(args: argparse.Namespace) -> int:
    from ingest import export_opml

    document = export_opml(existing_warehouse(args))
    if args.out:
        Path(args.out).write_text(document, encoding="utf-8")
        print(f"wrote {args.out}", file=sys.stderr)
    else:
        sys.stdout.write(document)
    return 0


def cmd_ingest_archive(args: argparse.Namespace) -> int:
    from ingest import ingest_archive

    paths = [Path(p) for p in args.paths]
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise UsageError(f"no such file or folder: {', '.join(missing)}")
    report = ingest_archive(warehouse_for_writing(args), paths, source_name=args.source)
    print(
        f"{report.files} files: {report.items_seen} items seen, {report.items_new} new;"
        f" {len(report.files_failed)} files could not be used, {len(report.files_partial)} partly broken",
        file=sys.stderr,
    )
    for path, reason in report.files_failed:
        print(f"  {path}: not used: {reason}", file=sys.stderr)
    for path, problem in report.files_partial:
        print(f"  {path}: partly broken, its readable items stored: {problem}", file=sys.stderr)
    return 0


def cmd_import_articles(args: argparse.Namespace) -> int:
    """Store an article list other tools export; one line per unusable row, the rest stored."""
    from ingest import import_articles

    path = Path(args.file)
    if not path.is_file():
        raise UsageError(f"no such file: {path}")
    report = import_articles(warehouse_for_writing(args), path, format=args.format)
    for problem in report.problems:
        print(f"{path}: row {problem.row}: {problem.reason}", file=sys.stderr)
    print(
        f"{path} ({report.format}): {report.rows} rows, {report.articles_new} new articles"
        f" of {len(report.outlets)} outlets; {len(report.problems)} rows could not be used",
        file=sys.stderr,
    )
    return 0
