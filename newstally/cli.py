"""The one `newstally` command: parse arguments, call a package, print for humans or machines.

A user mistake (unknown entity, bad date, missing file, broken feed list) ends with one
line on stderr and exit code 2; nothing stored is touched. Only bugs show a traceback.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from pathlib import Path

from newstally import __version__, settings
from newstally.output import FORMATS, print_rows

logger = logging.getLogger("newstally")

EXIT_USAGE = 2


class UsageError(Exception):
    """A mistake in what the user asked for; its message is the one line they see."""


class _Parser(argparse.ArgumentParser):
    """argparse that reports a mistake in one line instead of a usage block."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"bad date {text!r}: use YYYY-MM-DD") from None


def _entity_list(text: str) -> list[str]:
    ids = [part.strip() for part in text.split(",") if part.strip()]
    if not ids:
        raise argparse.ArgumentTypeError("give at least one entity id, e.g. putin,trump")
    return ids


def _positive_int(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"bad number {text!r}: use a whole number of 1 or more")
    return int(text)


def _non_negative_int(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"bad number {text!r}: use a whole number of 0 or more")
    return int(text)


def _port(text: str) -> int:
    try:
        number = int(text)
    except ValueError:
        number = -1
    if not 0 < number < 65536:
        raise argparse.ArgumentTypeError(f"bad port {text!r}: use a number from 1 to 65535")
    return number


# --- warehouse handles ------------------------------------------------------------------------


def _existing_warehouse(args: argparse.Namespace):
    """The warehouse for reading; a missing file is a user mistake, not something to create."""
    import warehouse

    config = settings.resolve(args.db, args.watchlist)
    if not config.db_path.exists():
        raise UsageError(f"no warehouse at {config.db_path}: run 'newstally demo' or 'newstally feeds add URL' first")
    return warehouse.Warehouse(config.db_path)


def _warehouse_for_writing(args: argparse.Namespace):
    """The warehouse for writing, created with the watchlist and calendar when new."""
    import warehouse

    config = settings.resolve(args.db, args.watchlist)
    return warehouse.open_warehouse(
        config.db_path, watchlist_path=config.watchlist_path, events_path=config.events_path
    )


# --- commands ---------------------------------------------------------------------------------


def cmd_series(args: argparse.Namespace) -> int:
    import warehouse

    wh = _existing_warehouse(args)
    frame = warehouse.entity_series(
        wh,
        args.entity,
        bucket=args.bucket,
        start=args.date_from,
        end=args.date_to,
        tz=args.tz,
        by_source=args.by_source,
        with_entity=args.with_entity,
    )
    if args.metric:
        keys = [column for column in frame.columns if column in ("bucket_start", "source", "entity_id")]
        frame = frame[[*keys, args.metric]]
    frame.to_csv(sys.stdout, index=False, lineterminator="\n")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    import warehouse
    from warehouse.export import export_frame, widened, write_provenance

    wh = _existing_warehouse(args)
    entity_ids = args.entity or list(warehouse.list_entities(wh)["entity_id"])
    out = Path(args.out)
    if out.suffix.lower() not in (".csv", ".parquet", ".json"):
        raise UsageError(f"cannot export to {out}: use a .csv, .parquet or .json file name")
    if not out.parent.exists():
        raise UsageError(f"cannot export to {out}: folder {out.parent} does not exist")
    frame = warehouse.entity_series(
        wh,
        entity_ids,
        bucket=args.bucket,
        start=args.date_from,
        end=args.date_to,
        tz=args.tz,
        by_source=args.by_source,
    )
    if args.wide:
        frame = widened(frame, value="articles")
    export_frame(frame, out)
    options = {
        "entity": args.entity,
        "bucket": args.bucket,
        "from": args.date_from,
        "to": args.date_to,
        "tz": args.tz,
        "by_source": args.by_source,
        "wide": args.wide,
    }
    sidecar = write_provenance(wh, frame, out, command=["newstally", *args.argv], options=options)
    print(f"wrote {len(frame)} rows to {out} (provenance in {sidecar.name})", file=sys.stderr)
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from ingest.demo_corpus import load_demo

    wh = _warehouse_for_writing(args)
    config = settings.resolve(args.db, args.watchlist)
    server_url = f"http://127.0.0.1:{args.demo_port or config.demo_port}"
    started = time.monotonic()
    report = load_demo(
        wh,
        seed=args.seed,
        articles_per_day=args.articles_per_day,
        server_url=server_url,
        calendar_path=config.events_path,
    )
    print(
        f"demo data: {report.articles} new articles from {report.outlets} fictional outlets"
        f" in {time.monotonic() - started:.1f} s; live feeds at {server_url} ('newstally up --demo' serves them)",
        file=sys.stderr,
    )
    return 0


def cmd_serve_demo(args: argparse.Namespace) -> int:
    from ingest.demo_server import serve_demo_feeds

    config = settings.resolve(args.db, args.watchlist)
    stop = _stop_on_signals()
    serve_demo_feeds(
        seed=args.seed,
        host="127.0.0.1",
        port=args.port or config.demo_port,
        live_since=datetime.now(UTC),
        stop_event=stop,
        articles_per_day=args.articles_per_day,
        calendar_path=config.events_path,
    )
    return 0


def cmd_fetch(args: argparse.Namespace) -> int:
    from rich.progress import Progress

    from ingest.scheduler import fetch_due

    wh = _warehouse_for_writing(args)
    with Progress(transient=True) as progress:
        task = progress.add_task("fetching feeds", total=None)

        def advance(feed, result, new) -> None:
            progress.update(task, advance=1, description=f"{feed.source_name}: {result.outcome.value}, {new} new")

        outcomes = fetch_due(wh, force=args.force, progress=advance)
    new = sum(count for _, _, count in outcomes)
    failed = [(feed, result) for feed, result, _ in outcomes if result.outcome.value.endswith("error")]
    print(f"fetched {len(outcomes)} feeds: {new} new articles, {len(failed)} failed", file=sys.stderr)
    for feed, result in failed:
        print(f"  feed {feed.feed_id} {feed.url}: {result.error or result.outcome.value}", file=sys.stderr)
    return 0


def cmd_schedule(args: argparse.Namespace) -> int:
    from ingest.scheduler import run_scheduler

    wh = _warehouse_for_writing(args)
    run_scheduler(wh, interval_seconds=args.interval, stop_event=_stop_on_signals())
    return 0


def cmd_feeds_add(args: argparse.Namespace) -> int:
    import warehouse
    from ingest.urls import require_http_url

    require_http_url(args.url)
    wh = _warehouse_for_writing(args)
    feed = warehouse.add_feed(wh, args.url, source_name=args.source or _host_of(args.url), title=args.title or "")
    print(f"feed {feed.feed_id}: {feed.url} ({feed.source_name})", file=sys.stderr)
    return 0


def _host_of(url: str) -> str:
    from urllib.parse import urlsplit

    return urlsplit(url).hostname or url


def cmd_feeds_list(args: argparse.Namespace) -> int:
    import warehouse

    feeds = warehouse.list_feeds(_existing_warehouse(args))
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

    feed = warehouse.remove_feed(_existing_warehouse(args), args.feed_id)
    print(f"removed feed {feed.feed_id}: {feed.url} (its articles stay)", file=sys.stderr)
    return 0


def cmd_feeds_enable(args: argparse.Namespace) -> int:
    import warehouse

    feed = warehouse.enable_feed(_existing_warehouse(args), args.feed_id)
    print(f"enabled feed {feed.feed_id}: {feed.url}", file=sys.stderr)
    return 0


EXIT_FEEDS_FAILING = 1
STATUS_COLUMNS = [
    "id",
    "source",
    "url",
    "state",
    "last_success_at",
    "last_error",
    "consecutive_failures",
    "new_per_day",
    "next_fetch_at",
    "disabled_reason",
]


def cmd_status(args: argparse.Namespace) -> int:
    """Feed health for people and for monitoring: exit 1 when any feed is failing or was disabled."""
    import warehouse

    feeds = warehouse.feed_health(_existing_warehouse(args))
    rows = [
        {
            "id": feed.feed_id,
            "source": feed.source_name,
            "url": feed.url,
            "state": feed.state.value,
            "last_success_at": feed.last_success_at,
            "last_error": feed.last_error,
            "consecutive_failures": feed.consecutive_failures,
            "new_per_day": feed.new_items_per_day,
            "next_fetch_at": feed.next_fetch_at,
            "disabled_reason": feed.disabled_reason,
        }
        for feed in feeds
    ]
    print_rows(rows, STATUS_COLUMNS, fmt=args.format, title="feed status")
    attention = [feed for feed in feeds if feed.needs_attention]
    print(f"{len(feeds)} feeds, {len(attention)} failing or disabled", file=sys.stderr)
    return EXIT_FEEDS_FAILING if attention else 0


def cmd_feeds_import(args: argparse.Namespace) -> int:
    from ingest.feedlist import import_opml

    path = Path(args.file) if args.file else settings.DEFAULT_FEEDS_OPML
    if not path.exists():
        raise UsageError(f"no OPML file at {path}")
    count = import_opml(_warehouse_for_writing(args), path)
    print(f"imported {count} feeds from {path}", file=sys.stderr)
    return 0


def cmd_feeds_export(args: argparse.Namespace) -> int:
    from ingest.feedlist import export_opml

    document = export_opml(_existing_warehouse(args))
    if args.out:
        Path(args.out).write_text(document, encoding="utf-8")
        print(f"wrote {args.out}", file=sys.stderr)
    else:
        sys.stdout.write(document)
    return 0


def cmd_ingest_archive(args: argparse.Namespace) -> int:
    from ingest.archive import ingest_archive

    paths = [Path(p) for p in args.paths]
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise UsageError(f"no such file or folder: {', '.join(missing)}")
    report = ingest_archive(_warehouse_for_writing(args), paths, source_name=args.source)
    print(
        f"{report.files} files: {report.items_seen} items seen, {report.items_new} new;"
        f" {len(report.files_failed)} files could not be used",
        file=sys.stderr,
    )
    for path, reason in report.files_failed:
        print(f"  {path}: {reason}", file=sys.stderr)
    return 0


def cmd_events_list(args: argparse.Namespace) -> int:
    import warehouse

    events = warehouse.list_events(_existing_warehouse(args), start=args.date_from, end=args.date_to)
    rows = [
        {
            "id": event.event_id,
            "name": event.name,
            "start_date": event.start_date,
            "end_date": event.end_date,
            "place": event.place,
            "participants": list(event.participants),
            "entity_ids": list(event.entity_ids),
        }
        for event in events
    ]
    print_rows(
        rows,
        ["id", "name", "start_date", "end_date", "place", "participants", "entity_ids"],
        fmt=args.format,
        title="events",
    )
    return 0


def cmd_events_add(args: argparse.Namespace) -> int:
    import warehouse

    event = warehouse.Event(
        event_id=args.event_id,
        name=args.name,
        start_date=args.start,
        end_date=args.end or args.start,
        participants=tuple(p.strip() for p in (args.participants or "").split(",") if p.strip()),
        place=args.place or "",
        entity_ids=tuple(args.entities or ()),
    )
    wh = _warehouse_for_writing(args)
    if event.entity_ids:
        warehouse.require_entities(wh, list(event.entity_ids))
    warehouse.add_event(wh, event)
    print(f"event {event.event_id}: {event.name} on {event.start_date}", file=sys.stderr)
    return 0


def cmd_events_remove(args: argparse.Namespace) -> int:
    import warehouse

    warehouse.remove_event(_existing_warehouse(args), args.event_id)
    print(f"removed event {args.event_id}", file=sys.stderr)
    return 0


def cmd_events_load(args: argparse.Namespace) -> int:
    import warehouse

    count = warehouse.load_events(_warehouse_for_writing(args), Path(args.file))
    print(f"loaded {count} events from {args.file}", file=sys.stderr)
    return 0


def cmd_retally(args: argparse.Namespace) -> int:
    import warehouse

    config = settings.resolve(args.db, args.watchlist)
    wh = _existing_warehouse(args)
    started = time.monotonic()
    watchlist, rows = warehouse.retally(wh, config.watchlist_path)
    print(
        f"retallied with watchlist {watchlist.content_hash} ({config.watchlist_path}):"
        f" {rows} mentions in {time.monotonic() - started:.1f} s",
        file=sys.stderr,
    )
    return 0


def cmd_explain(args: argparse.Namespace) -> int:
    import warehouse

    evidence = warehouse.explain_article(_existing_warehouse(args), args.article_id)
    print(f"article {evidence.article_id} · {evidence.source} · {evidence.published_at} ({evidence.date_quality})")
    print(f"title:   {evidence.title}")
    print(f"summary: {evidence.summary}")
    print(f"url:     {evidence.url}")
    print(
        f"watchlist {evidence.watchlist_hash}; stored mentions: "
        + (", ".join(f"{k}×{v}" for k, v in evidence.stored_mentions.items()) or "none")
    )
    rows = [
        {
            "entity_id": hit.entity_id,
            "alias": hit.alias,
            "field": hit.field,
            "position": f"{hit.start}-{hit.end}",
            "text": hit.text,
            "counted": "no: excluded by " + repr(hit.excluded_by) if hit.excluded_by else "yes",
        }
        for hit in evidence.hits
    ]
    print_rows(
        rows, ["entity_id", "alias", "field", "position", "text", "counted"], fmt=args.format, title="alias hits"
    )
    return 0


def cmd_spikes(args: argparse.Namespace) -> int:
    import warehouse
    from newstally.reports import EPISODE_REPORT_COLUMNS, EPISODE_TABLE_COLUMNS, episode_rows, print_report

    episodes = warehouse.spike_episodes(
        _existing_warehouse(args),
        entity_ids=args.entity,
        since=args.since,
        window_days=args.window,
        threshold=args.threshold,
        min_count=args.min_count,
    )
    rows = episode_rows(episodes, nested=args.format == "json")
    columns = EPISODE_TABLE_COLUMNS if args.format == "table" else EPISODE_REPORT_COLUMNS
    print_report(rows, columns, fmt=args.format, title="spike episodes (UTC days)")
    return 0


def cmd_event_lens(args: argparse.Namespace) -> int:
    import warehouse
    from newstally.reports import LENS_REPORT_COLUMNS, lens_rows, print_report

    result = warehouse.event_lens(
        _existing_warehouse(args), args.event_id, window_days=args.window, baseline_days=args.baseline
    )
    days = result.days
    print(
        f"{result.event.name}: window {days.window[0]} to {days.window[-1]};"
        f" baseline {len(days.baseline)} days before it ({len(days.excluded)} left out for other events)",
        file=sys.stderr,
    )
    rows = lens_rows(result, nested=args.format == "json")
    print_report(rows, LENS_REPORT_COLUMNS, fmt=args.format, title=f"event lens: {result.event.event_id}")
    return 0


def cmd_comentions(args: argparse.Namespace) -> int:
    import warehouse
    from newstally.reports import COMENTION_REPORT_COLUMNS, comention_rows, print_report

    frame = warehouse.comention_matrix(_existing_warehouse(args), start=args.date_from, end=args.date_to)
    print_report(comention_rows(frame), COMENTION_REPORT_COLUMNS, fmt=args.format, title="co-mentions")
    return 0


def cmd_dashboard(args: argparse.Namespace) -> int:
    config = settings.resolve(args.db, args.watchlist)
    command = _dashboard_command(args.host, args.port)
    env = {**os.environ, "NEWSTALLY_DB": str(config.db_path.resolve())}
    # Streamlit reads .streamlit/config.toml from the working folder.
    os.chdir(settings.PROJECT_ROOT)
    os.execve(sys.executable, command, env)
    return 0  # not reached


def _dashboard_command(host: str, port: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(settings.DASHBOARD_APP),
        "--server.address",
        host,
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
    ]


def cmd_up(args: argparse.Namespace) -> int:
    """Scheduler, dashboard and (in demo mode) the demo feed server as child processes."""
    import warehouse

    config = settings.resolve(args.db, args.watchlist)
    db_path = config.db_path.resolve()
    if args.demo:
        wh = _warehouse_for_writing(args)
        if warehouse.corpus_facts(wh).articles == 0:
            print("no articles yet: generating the demo corpus (fictional outlets) ...", file=sys.stderr)
            cmd_demo(args)
    elif not db_path.exists():
        raise UsageError(f"no warehouse at {config.db_path}: use 'newstally up --demo' or add feeds first")
    base = [sys.executable, "-m", "newstally", "--db", str(db_path)]
    if args.watchlist:
        base += ["--watchlist", str(Path(args.watchlist).resolve())]
    commands: list[list[str]] = []
    if args.demo:
        commands.append(
            [
                *base,
                "serve-demo",
                "--seed",
                str(args.seed),
                "--articles-per-day",
                str(args.articles_per_day),
                "--port",
                str(args.demo_port or config.demo_port),
            ]
        )
    commands.append([*base, "schedule", "--interval", str(args.interval)])
    commands.append([*base, "dashboard", "--host", args.host, "--port", str(args.port)])
    stop = _stop_on_signals()
    children = [subprocess.Popen(command, start_new_session=True) for command in commands]
    print(
        f"newstally is up: dashboard on http://{args.host}:{args.port} (Ctrl-C stops everything)",
        file=sys.stderr,
    )
    try:
        while not stop.is_set():
            if any(child.poll() is not None for child in children):
                print("a newstally process ended; stopping the others", file=sys.stderr)
                break
            stop.wait(0.5)
    finally:
        _stop_children(children)
    failed = [child for child in children if child.returncode not in (0, -signal.SIGTERM, -signal.SIGINT)]
    return 1 if failed and not stop.is_set() else 0


def _stop_children(children: Sequence[subprocess.Popen], grace_seconds: float = 5.0) -> None:
    for child in children:
        if child.poll() is None:
            child.terminate()
    deadline = time.monotonic() + grace_seconds
    for child in children:
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def _stop_on_signals() -> threading.Event:
    """An event set by SIGTERM or SIGINT, so long-running commands stop cleanly."""
    stop = threading.Event()
    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
    return stop


# --- the parser ---------------------------------------------------------------------------------


def _add_series_options(parser: argparse.ArgumentParser, *, entity_required: bool) -> None:
    from warehouse.series import BUCKETS

    parser.add_argument(
        "--entity",
        type=_entity_list,
        required=entity_required,
        help="entity id(s), comma-separated (see watchlist.toml)",
    )
    parser.add_argument("--bucket", choices=BUCKETS, default="day", help="time bucket (default: day)")
    parser.add_argument("--from", dest="date_from", type=_iso_date, help="first local date, YYYY-MM-DD")
    parser.add_argument("--to", dest="date_to", type=_iso_date, help="last local date, YYYY-MM-DD (inclusive)")
    parser.add_argument("--tz", default="UTC", help="IANA time zone for buckets (default: UTC)")
    parser.add_argument("--by-source", action="store_true", help="one series per outlet")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="newstally", description="Media-coverage trend tracker: feeds → DuckDB → tallies → dashboard."
    )
    parser.add_argument("--version", action="version", version=f"newstally {__version__}")
    parser.add_argument("--db", help="warehouse file (env NEWSTALLY_DB; default data/newstally.duckdb)")
    parser.add_argument(
        "--watchlist", help="watchlist file (env NEWSTALLY_WATCHLIST; default the shipped watchlist.toml)"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug detail")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands.required = True

    def command(
        name: str, handler: Callable[[argparse.Namespace], int], help_text: str, **kwargs
    ) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text, **kwargs)
        sub.set_defaults(handler=handler)
        return sub

    sub = command("series", cmd_series, "print coverage series as CSV on stdout")
    _add_series_options(sub, entity_required=True)
    sub.add_argument(
        "--metric",
        choices=("articles", "mentions", "share"),
        help="print only this value column (default: all of articles, mentions, total_articles, share)",
    )
    sub.add_argument(
        "--with",
        dest="with_entity",
        metavar="ID",
        help="co-mentions: count only articles that also mention this entity",
    )

    sub = command("export", cmd_export, "write coverage series to a .csv, .parquet or .json file")
    sub.add_argument("--out", required=True, help="output file; its suffix picks the format")
    sub.add_argument("--wide", action="store_true", help="one column per entity (articles) instead of long rows")
    _add_series_options(sub, entity_required=False)

    sub = command("demo", cmd_demo, "fill the warehouse with the deterministic demo corpus (fictional outlets)")
    sub.add_argument("--seed", type=int, default=2017, help="random seed (default 2017)")
    sub.add_argument(
        "--articles-per-day", type=float, default=80.0, help="corpus size (default 80 a day, about 300,000)"
    )
    sub.add_argument(
        "--demo-port", type=_port, help="port of the live demo feeds (env NEWSTALLY_DEMO_PORT; default 8765)"
    )

    sub = command("serve-demo", cmd_serve_demo, "serve the demo outlets' live feeds on 127.0.0.1")
    sub.add_argument("--seed", type=int, default=2017, help="random seed; use the one given to 'demo'")
    sub.add_argument(
        "--articles-per-day", type=float, default=80.0, help="corpus size; use the one given to 'demo' (default 80)"
    )
    sub.add_argument("--port", type=_port, help="port (default 8765)")

    sub = command("fetch", cmd_fetch, "fetch every due feed once")
    sub.add_argument("--force", action="store_true", help="fetch every enabled feed now, due or not")

    sub = command("schedule", cmd_schedule, "run the scheduler until stopped (SIGTERM or Ctrl-C)")
    sub.add_argument("--interval", type=int, default=60, help="seconds between passes over due feeds (default 60)")

    feeds = command("feeds", lambda _: 0, "manage feeds: add, list, remove, enable, import, export")
    feed_commands = feeds.add_subparsers(dest="feeds_command", metavar="ACTION", parser_class=_Parser)
    feed_commands.required = True
    sub = feed_commands.add_parser("add", help="register a feed URL", description="register a feed URL")
    sub.add_argument("url")
    sub.add_argument("--source", help="outlet name (default: the URL's host)")
    sub.add_argument("--title", help="feed title")
    sub.set_defaults(handler=cmd_feeds_add)
    sub = feed_commands.add_parser(
        "list", help="list feeds and their health", description="list feeds and their health"
    )
    sub.add_argument("--format", choices=FORMATS, default="table")
    sub.set_defaults(handler=cmd_feeds_list)
    sub = feed_commands.add_parser(
        "remove",
        help="unregister a feed (its articles stay)",
        description="unregister a feed (its articles stay)",
    )
    sub.add_argument("feed_id", type=int)
    sub.set_defaults(handler=cmd_feeds_remove)
    sub = feed_commands.add_parser("enable", help="re-enable a disabled feed", description="re-enable a disabled feed")
    sub.add_argument("feed_id", type=int)
    sub.set_defaults(handler=cmd_feeds_enable)
    sub = feed_commands.add_parser(
        "import",
        help="register the feeds of an OPML file (default: the shipped feeds.opml)",
        description="register the feeds of an OPML file (default: the shipped feeds.opml)",
    )
    sub.add_argument("file", nargs="?")
    sub.set_defaults(handler=cmd_feeds_import)
    sub = feed_commands.add_parser(
        "export", help="write the feed list as OPML", description="write the feed list as OPML"
    )
    sub.add_argument("--out", help="file (default: stdout)")
    sub.set_defaults(handler=cmd_feeds_export)

    sub = command("ingest-archive", cmd_ingest_archive, "ingest saved feed files (files or folders of .xml/.rss/.atom)")
    sub.add_argument("paths", nargs="+", metavar="PATH")
    sub.add_argument("--source", help="outlet name for every file (default: each feed's title)")

    sub = command(
        "status",
        cmd_status,
        "one row per feed: state, last success and error, failures in a row, new items a day (7 days),"
        " next fetch; exits 1 when a feed is failing or was disabled",
    )
    sub.add_argument("--format", choices=FORMATS, default="table")

    events = command("events", lambda _: 0, "manage the events calendar: list, add, remove, load")
    event_commands = events.add_subparsers(dest="events_command", metavar="ACTION", parser_class=_Parser)
    event_commands.required = True
    sub = event_commands.add_parser("list", help="list events", description="list events")
    sub.add_argument("--from", dest="date_from", type=_iso_date)
    sub.add_argument("--to", dest="date_to", type=_iso_date)
    sub.add_argument("--format", choices=FORMATS, default="table")
    sub.set_defaults(handler=cmd_events_list)
    sub = event_commands.add_parser("add", help="add or replace an event", description="add or replace an event")
    sub.add_argument("event_id", help="id: lower-case letters, digits and _")
    sub.add_argument("--name", required=True)
    sub.add_argument("--start", required=True, type=_iso_date)
    sub.add_argument("--end", type=_iso_date)
    sub.add_argument("--place")
    sub.add_argument("--participants", help="comma-separated names")
    sub.add_argument("--entities", type=_entity_list, help="watchlist ids the event concerns, comma-separated")
    sub.set_defaults(handler=cmd_events_add)
    sub = event_commands.add_parser("remove", help="remove an event", description="remove an event")
    sub.add_argument("event_id")
    sub.set_defaults(handler=cmd_events_remove)
    sub = event_commands.add_parser(
        "load",
        help="add or replace the events of a calendar file",
        description="add or replace the events of a calendar file",
    )
    sub.add_argument("file")
    sub.set_defaults(handler=cmd_events_load)

    sub = command("explain", cmd_explain, "show which alias matched where in one article, and what was excluded")
    sub.add_argument("article_id", type=int)
    sub.add_argument("--format", choices=FORMATS, default="table")

    command("retally", cmd_retally, "recount every article against the (edited) watchlist, atomically")

    sub = command("spikes", cmd_spikes, "list spike episodes with the headlines, rising words and events behind them")
    sub.add_argument("--entity", type=_entity_list, help="entity id(s), comma-separated (default: all)")
    sub.add_argument("--since", type=_iso_date, help="only episodes ending on or after this UTC date, YYYY-MM-DD")
    sub.add_argument("--window", type=_positive_int, default=28, help="days of past each day is judged against (28)")
    sub.add_argument("--threshold", type=float, default=3.5, help="score a spike day must reach (default 3.5)")
    sub.add_argument("--min-count", type=_positive_int, default=5, help="articles a spike day needs (default 5)")
    sub.add_argument("--format", choices=FORMATS, default="table")

    sub = command("event-lens", cmd_event_lens, "how much an event lifted each entity's coverage, and in which outlets")
    sub.add_argument("event_id", help="an event id (see 'newstally events list')")
    sub.add_argument("--window", type=_non_negative_int, default=3, help="days either side of the event (default 3)")
    sub.add_argument("--baseline", type=_positive_int, default=28, help="days before the window (default 28)")
    sub.add_argument("--format", choices=FORMATS, default="table")

    sub = command("comentions", cmd_comentions, "share of each leader's articles that also mention each theme")
    sub.add_argument("--from", dest="date_from", type=_iso_date, help="first UTC date (default: 28 days up to --to)")
    sub.add_argument("--to", dest="date_to", type=_iso_date, help="last UTC date, inclusive (default: newest article)")
    sub.add_argument("--format", choices=FORMATS, default="table")

    sub = command("dashboard", cmd_dashboard, "serve the dashboard for this warehouse")
    sub.add_argument("--host", default=settings.DEFAULT_DASHBOARD_HOST, help="address to bind (default 127.0.0.1)")
    sub.add_argument("--port", type=_port, default=settings.DEFAULT_DASHBOARD_PORT, help="port (default 8501)")

    sub = command("up", cmd_up, "run scheduler, dashboard and (with --demo) the demo feed server; Ctrl-C stops all")
    sub.add_argument(
        "--demo",
        action="store_true",
        help="demo mode: generate the demo corpus if empty and serve its live feeds",
    )
    sub.add_argument("--seed", type=int, default=2017, help="demo seed (default 2017)")
    sub.add_argument("--articles-per-day", type=float, default=80.0, help="demo corpus size (default 80 a day)")
    sub.add_argument("--demo-port", type=_port, help="port of the live demo feeds (default 8765)")
    sub.add_argument("--host", default=settings.DEFAULT_DASHBOARD_HOST, help="dashboard address (default 127.0.0.1)")
    sub.add_argument(
        "--port", type=_port, default=settings.DEFAULT_DASHBOARD_PORT, help="dashboard port (default 8501)"
    )
    sub.add_argument("--interval", type=int, default=60, help="scheduler pass interval in seconds (default 60)")
    _accept_global_options_everywhere(parser)
    return parser


def _accept_global_options_everywhere(parser: argparse.ArgumentParser) -> None:
    """Let `--db` and `--watchlist` stand after the command too (`newstally series --db X ...`).

    On a command they default to SUPPRESS, so a value given before the command is kept
    unless the command repeats the option.
    """
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                sub.add_argument("--db", default=argparse.SUPPRESS, help="warehouse file (as before the command)")
                sub.add_argument(
                    "--watchlist", default=argparse.SUPPRESS, help="watchlist file (as before the command)"
                )
                _accept_global_options_everywhere(sub)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    args.argv = list(argv if argv is not None else sys.argv[1:])
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    for noisy in ("httpx", "httpcore", "apscheduler.executors", "apscheduler.scheduler"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    return _run(args)


def _run(args: argparse.Namespace) -> int:
    import warehouse

    try:
        from ingest.errors import IngestError
    except ImportError:  # pragma: no cover - ingest always ships with the CLI
        IngestError = warehouse.WarehouseError  # type: ignore[misc,assignment]
    try:
        return int(args.handler(args))
    except (UsageError, warehouse.WarehouseError, IngestError) as error:
        print(f"newstally: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:  # `newstally series ... | head`
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        return 130
