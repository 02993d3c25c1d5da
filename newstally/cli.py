"""The one `newstally` command: parse arguments, call a package, print for humans or machines.

A user mistake (unknown entity, bad date, missing file, broken feed list) ends with one
line on stderr and exit code 2; nothing stored is touched. Only bugs show a traceback.
"""

from __future__ import annotations

import argparse
import errno
import importlib
import logging
import sys
from collections.abc import Callable, Sequence
from datetime import date

import newstally
from newstally import settings
from newstally.handles import UsageError
from newstally.lake_commands import add_lake_commands
from newstally.output import FORMATS

logger = logging.getLogger("newstally")

EXIT_USAGE = 2
_STORAGE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS, errno.EACCES, errno.EPERM})


class _Parser(argparse.ArgumentParser):
    """argparse that reports a mistake in one line instead of a usage block."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


class _VersionAction(argparse.Action):
    """`--version`, reading the installed version only when asked."""

    def __call__(self, parser, namespace, values, option_string=None) -> None:
        parser.exit(0, f"newstally {newstally.__version__}\n")


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


def _seconds(text: str) -> float:
    try:
        number = float(text)
    except ValueError:
        number = -1.0
    if not 0 <= number < float("inf"):
        raise argparse.ArgumentTypeError(f"bad number of seconds {text!r}: use a number of 0 or more, e.g. 0.5")
    return number


def _add_host_gap_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--host-gap",
        type=_seconds,
        metavar="SECONDS",
        help="least seconds between the starts of two requests to one host"
        " (default 0.25 for remote hosts, none for feeds on this machine)",
    )


def _add_block_private_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--block-private",
        action="store_true",
        help="refuse feed URLs (and redirects) that resolve to loopback, private, link-local or reserved addresses",
    )


def _port(text: str) -> int:
    try:
        number = int(text)
    except ValueError:
        number = -1
    if not 0 < number < 65536:
        raise argparse.ArgumentTypeError(f"bad port {text!r}: use a number from 1 to 65535")
    return number


# --- the parser ---------------------------------------------------------------------------------


def _add_query_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--query",
        action="append",
        metavar="QUERY",
        help='a search in Lucene syntax, counted like an entity: words, "exact phrases", AND, OR, NOT, -word,'
        " (parentheses), word*, title:word (repeatable; its rows carry the query as entity_id; docs/counting.md)",
    )


def _add_collection_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--collection",
        metavar="NAME",
        help="count only the outlets of this collection, in totals and shares too (see 'newstally collections list')",
    )


def _add_series_options(parser: argparse.ArgumentParser, *, entity_required: bool) -> None:
    from warehouse import BUCKETS  # warehouse.rows: no analysis code, no pandas or DuckDB

    parser.add_argument(
        "--entity",
        type=_entity_list,
        required=False,
        help="entity id(s), comma-separated (see watchlist.toml)" + ("; or --query" if entity_required else ""),
    )
    _add_query_option(parser)
    _add_collection_option(parser)
    parser.add_argument("--bucket", choices=BUCKETS, default="day", help="time bucket (default: day)")
    parser.add_argument("--from", dest="date_from", type=_iso_date, help="first local date, YYYY-MM-DD")
    parser.add_argument("--to", dest="date_to", type=_iso_date, help="last local date, YYYY-MM-DD (inclusive)")
    parser.add_argument("--tz", default="UTC", help="IANA time zone for buckets (default: UTC)")
    parser.add_argument("--by-source", action="store_true", help="one series per outlet")
    parser.add_argument(
        "--metric",
        choices=("articles", "mentions", "share"),
        help="only this value column (default: all of articles, mentions, total_articles, share)",
    )
    parser.add_argument(
        "--with",
        dest="with_entity",
        metavar="ID",
        help="co-mentions: count only articles that also mention this entity",
    )
    parser.add_argument(
        "--smooth",
        type=_positive_int,
        default=1,
        metavar="N",
        help="trailing mean over this bucket and the N-1 before it; share = sum(articles) / sum(total_articles)"
        " over the window (default 1: no smoothing)",
    )
    parser.add_argument(
        "--unique",
        action="store_true",
        help="count a syndicated story once: copies sharing a headline within a bucket are one story (totals too)",
    )
    parser.add_argument(
        "--complete",
        action="store_true",
        help="append a column complete: true when every outlet of the row fetched all its feeds on every UTC day"
        " the bucket touches",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="newstally", description="Media-coverage trend tracker: feeds → DuckDB → tallies → dashboard."
    )
    parser.add_argument("--version", action=_VersionAction, nargs=0, help="show the version and exit")
    parser.add_argument(
        "--db",
        help="warehouse file, or a lake: ducklake:postgres:CONNINFO (env NEWSTALLY_DB; default data/newstally.duckdb)",
    )
    parser.add_argument(
        "--watchlist", help="watchlist file (env NEWSTALLY_WATCHLIST; default the shipped watchlist.toml)"
    )
    parser.add_argument(
        "--lake-data",
        metavar="DIR_OR_URL",
        help="where a lake's data files live, for --db ducklake:postgres:CONNINFO (env NEWSTALLY_LAKE_DATA)",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug detail")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands.required = True

    def command(name: str, handler: str, help_text: str, **kwargs) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text, **kwargs)
        sub.set_defaults(handler=handler)
        return sub

    sub = command("series", "analysis_commands:cmd_series", "print coverage series as CSV on stdout")
    _add_series_options(sub, entity_required=True)

    sub = command(
        "export",
        "analysis_commands:cmd_export",
        "write series (default), spikes, an event lens or the co-mention matrix to a .csv, .parquet or .json file,"
        " with a FILE.meta.json sidecar",
    )
    sub.add_argument("--out", required=True, help="output file; its suffix picks the format")
    sub.add_argument(
        "--table",
        choices=("series", "spikes", "event-lens", "comentions"),
        default="series",
        help="what to export, with the options of the command of that name (default: series)",
    )
    sub.add_argument(
        "--wide",
        action="store_true",
        help="series: one column per entity (articles, or --metric); comentions: one row per leader, a column per"
        " theme (share)",
    )
    _add_series_options(sub, entity_required=False)
    sub.add_argument("--event", metavar="EVENT_ID", help="event-lens: the event (see 'newstally events list')")
    sub.add_argument("--since", type=_iso_date, help="spikes: only episodes ending on or after this UTC date")
    sub.add_argument(
        "--window", type=_non_negative_int, help="spikes: days of past (28); event-lens: days either side (3)"
    )
    sub.add_argument("--threshold", type=float, help="spikes: score a spike day must reach (3.5)")
    sub.add_argument("--min-count", type=_positive_int, help="spikes: articles a spike day needs (5)")
    sub.add_argument("--baseline", type=_positive_int, help="event-lens: days before the window (28)")

    sub = command(
        "demo", "run_commands:cmd_demo", "fill the warehouse with the deterministic demo corpus (fictional outlets)"
    )
    sub.add_argument("--seed", type=int, default=2017, help="random seed (default 2017)")
    sub.add_argument(
        "--articles-per-day", type=float, default=80.0, help="corpus size (default 80 a day, about 300,000)"
    )
    sub.add_argument(
        "--demo-port", type=_port, help="port of the live demo feeds (env NEWSTALLY_DEMO_PORT; default 8765)"
    )

    sub = command("serve-demo", "run_commands:cmd_serve_demo", "serve the demo outlets' live feeds on 127.0.0.1")
    sub.add_argument("--seed", type=int, default=2017, help="random seed; use the one given to 'demo'")
    sub.add_argument(
        "--articles-per-day", type=float, default=80.0, help="corpus size; use the one given to 'demo' (default 80)"
    )
    sub.add_argument("--port", type=_port, help="port (default 8765)")

    sub = command("fetch", "run_commands:cmd_fetch", "fetch every due feed once")
    sub.add_argument("--force", action="store_true", help="fetch every enabled feed now, due or not")
    _add_host_gap_option(sub)
    _add_block_private_option(sub)

    sub = command("schedule", "run_commands:cmd_schedule", "run the scheduler until stopped (SIGTERM or Ctrl-C)")
    sub.add_argument("--interval", type=int, default=60, help="seconds between passes over due feeds (default 60)")
    sub.add_argument(
        "--maintain-every",
        type=float,
        default=6.0,
        metavar="HOURS",
        help="on a lake: run 'lake maintain' every HOURS, the first HOURS after start (default 6; 0: never)",
    )
    _add_host_gap_option(sub)
    _add_block_private_option(sub)

    feeds = command("feeds", "", "manage feeds: add, list, remove, enable, import, export")
    feed_commands = feeds.add_subparsers(dest="feeds_command", metavar="ACTION", parser_class=_Parser)
    feed_commands.required = True
    sub = feed_commands.add_parser("add", help="register a feed URL", description="register a feed URL")
    sub.add_argument("url")
    sub.add_argument("--source", help="outlet name (default: the URL's host)")
    sub.add_argument("--title", help="feed title")
    _add_block_private_option(sub)
    sub.set_defaults(handler="feed_commands:cmd_feeds_add")
    sub = feed_commands.add_parser(
        "list", help="list feeds and their health", description="list feeds and their health"
    )
    sub.add_argument("--format", choices=FORMATS, default="table")
    sub.set_defaults(handler="feed_commands:cmd_feeds_list")
    sub = feed_commands.add_parser(
        "remove",
        help="unregister a feed (its articles stay)",
        description="unregister a feed (its articles stay)",
    )
    sub.add_argument("feed_id", type=int)
    sub.set_defaults(handler="feed_commands:cmd_feeds_remove")
    sub = feed_commands.add_parser("enable", help="re-enable a disabled feed", description="re-enable a disabled feed")
    sub.add_argument("feed_id", type=int)
    sub.set_defaults(handler="feed_commands:cmd_feeds_enable")
    sub = feed_commands.add_parser(
        "import",
        help="register the feeds of an OPML file (default: the shipped feeds.opml)",
        description="register the feeds of an OPML file (default: the shipped feeds.opml)",
    )
    sub.add_argument("file", nargs="?")
    sub.set_defaults(handler="feed_commands:cmd_feeds_import")
    sub = feed_commands.add_parser(
        "export", help="write the feed list as OPML", description="write the feed list as OPML"
    )
    sub.add_argument("--out", help="file (default: stdout)")
    sub.set_defaults(handler="feed_commands:cmd_feeds_export")

    sub = command(
        "ingest-archive",
        "feed_commands:cmd_ingest_archive",
        "ingest saved feed files (files or folders of .xml/.rss/.atom/.json feeds, gzipped or in .zip files)",
    )
    sub.add_argument("paths", nargs="+", metavar="PATH")
    sub.add_argument("--source", help="outlet name for every file (default: each feed's title)")

    sub = command(
        "import-articles",
        "feed_commands:cmd_import_articles",
        "store an article list other tools export (Media Cloud story CSV, GDELT article list, a CSV or Parquet"
        " with title, url, date, outlet) as articles of their outlets",
    )
    sub.add_argument("file", metavar="FILE")
    sub.add_argument(
        "--format",
        choices=("mediacloud", "gdelt", "generic"),
        help="the file's layout (default: told from its header)",
    )

    sub = command(
        "status",
        "feed_commands:cmd_status",
        "one row per feed: state, last success and error, failures in a row, new items a day (7 days),"
        " next fetch; exits 1 when a feed is failing or was disabled, or an alert channel has failed for over an hour",
    )
    sub.add_argument("--format", choices=FORMATS, default="table")

    add_lake_commands(command)

    events = command("events", "", "manage the events calendar: list, add, remove, load")
    event_commands = events.add_subparsers(dest="events_command", metavar="ACTION", parser_class=_Parser)
    event_commands.required = True
    sub = event_commands.add_parser("list", help="list events", description="list events")
    sub.add_argument("--from", dest="date_from", type=_iso_date)
    sub.add_argument("--to", dest="date_to", type=_iso_date)
    sub.add_argument("--format", choices=FORMATS, default="table")
    sub.set_defaults(handler="analysis_commands:cmd_events_list")
    sub = event_commands.add_parser("add", help="add or replace an event", description="add or replace an event")
    sub.add_argument("event_id", help="id: lower-case letters, digits and _")
    sub.add_argument("--name", required=True)
    sub.add_argument("--start", required=True, type=_iso_date)
    sub.add_argument("--end", type=_iso_date)
    sub.add_argument("--place")
    sub.add_argument("--participants", help="comma-separated names")
    sub.add_argument("--entities", type=_entity_list, help="watchlist ids the event concerns, comma-separated")
    sub.set_defaults(handler="analysis_commands:cmd_events_add")
    sub = event_commands.add_parser("remove", help="remove an event", description="remove an event")
    sub.add_argument("event_id")
    sub.set_defaults(handler="analysis_commands:cmd_events_remove")
    sub = event_commands.add_parser(
        "load",
        help="add or replace the events of a calendar file",
        description="add or replace the events of a calendar file",
    )
    sub.add_argument("file")
    sub.set_defaults(handler="analysis_commands:cmd_events_load")

    collections = command("collections", "", "manage collections, named groups of outlets: add, list, remove")
    collection_commands = collections.add_subparsers(dest="collections_command", metavar="ACTION", parser_class=_Parser)
    collection_commands.required = True
    sub = collection_commands.add_parser(
        "add",
        help="name a group of outlets: all of a country and/or language, or those given with --source",
        description="name a group of outlets: all of a country and/or language (outlets added later join),"
        " or those given with --source",
    )
    sub.add_argument("name")
    sub.add_argument("--country", metavar="CC", help="outlets of this country, e.g. DE")
    sub.add_argument("--language", metavar="LL", help="outlets of this language, e.g. en (also takes en-GB)")
    sub.add_argument("--source", action="append", metavar="NAME", help="an outlet by name (repeatable)")
    sub.set_defaults(handler="collection_commands:cmd_collections_add")
    sub = collection_commands.add_parser(
        "list", help="list collections and their outlets", description="list collections and their outlets"
    )
    sub.add_argument("--format", choices=FORMATS, default="table")
    sub.set_defaults(handler="collection_commands:cmd_collections_list")
    sub = collection_commands.add_parser(
        "remove", help="remove a collection (its outlets stay)", description="remove a collection (its outlets stay)"
    )
    sub.add_argument("name")
    sub.set_defaults(handler="collection_commands:cmd_collections_remove")

    sub = command(
        "explain",
        "analysis_commands:cmd_explain",
        "show which alias matched where in one article, and what was excluded",
    )
    sub.add_argument("article_id", type=int)
    sub.add_argument("--format", choices=FORMATS, default="table")

    watchlist = command("watchlist", "", "the watchlist kept in the warehouse: import, export, history, revert")
    watchlist_commands = watchlist.add_subparsers(dest="watchlist_command", metavar="ACTION", parser_class=_Parser)
    watchlist_commands.required = True
    sub = watchlist_commands.add_parser(
        "import",
        help="make a watchlist file the current version; only the entities it changes are counted again",
        description="make a watchlist file the current version; only the entities it changes are counted again",
    )
    sub.add_argument("file")
    sub.add_argument("--author", help="who made the change, kept in the history")
    sub.set_defaults(handler="watchlist_commands:cmd_watchlist_import")
    sub = watchlist_commands.add_parser(
        "export",
        help="print the current watchlist (or --version N) as TOML that imports back to the same watchlist",
        description="print the current watchlist (or --version N) as TOML that imports back to the same watchlist",
    )
    sub.add_argument("--out", help="write to this file instead of stdout")
    sub.add_argument("--version", type=_positive_int, help="an older version (see 'newstally watchlist history')")
    sub.set_defaults(handler="watchlist_commands:cmd_watchlist_export")
    sub = watchlist_commands.add_parser(
        "history", help="every watchlist version: when, what changed, who", description="every watchlist version"
    )
    sub.add_argument("--format", choices=FORMATS, default="table")
    sub.set_defaults(handler="watchlist_commands:cmd_watchlist_history")
    sub = watchlist_commands.add_parser(
        "revert",
        help="make an older version current again, as a new version",
        description="make an older version current again, as a new version; only what differs is counted again",
    )
    sub.add_argument("version", type=_positive_int)
    sub.add_argument("--author", help="who made the change, kept in the history")
    sub.set_defaults(handler="watchlist_commands:cmd_watchlist_revert")

    command(
        "retally", "analysis_commands:cmd_retally", "recount every article against the (edited) watchlist, atomically"
    )

    sub = command(
        "check",
        "check_commands:cmd_check",
        "integrity check: migrations, watchlist vs mentions, orphan rows, duplicate identities;"
        " exits 1 when a problem is found",
    )
    sub.add_argument("--full", action="store_true", help="recount every article's mentions (default: newest 10,000)")
    sub.add_argument("--format", choices=FORMATS, default="table")

    sub = command(
        "backup",
        "check_commands:cmd_backup",
        "copy the warehouse to a new file while the scheduler and dashboard keep running (readers' lock)",
    )
    sub.add_argument("--out", required=True, help="the backup file to create (must not exist)")

    sub = command(
        "spikes",
        "analysis_commands:cmd_spikes",
        "list spike episodes with the headlines, rising words and events behind them",
    )
    sub.add_argument("--entity", type=_entity_list, help="entity id(s), comma-separated (default: all)")
    _add_query_option(sub)
    sub.add_argument("--since", type=_iso_date, help="only episodes ending on or after this UTC date, YYYY-MM-DD")
    sub.add_argument("--window", type=_positive_int, default=28, help="days of past each day is judged against (28)")
    sub.add_argument("--threshold", type=float, default=3.5, help="score a spike day must reach (default 3.5)")
    sub.add_argument("--min-count", type=_positive_int, default=5, help="articles a spike day needs (default 5)")
    _add_collection_option(sub)
    sub.add_argument("--format", choices=FORMATS, default="table")

    sub = command(
        "rising",
        "analysis_commands:cmd_rising",
        "title words and two-word phrases whose share of articles rose most in the last day or week against the"
        " 28 days before (stop words of each outlet's language left out)",
    )
    sub.add_argument("--window", choices=("1d", "7d"), default="1d", help="the last day or week (default 1d)")
    _add_collection_option(sub)
    sub.add_argument("--format", choices=FORMATS, default="table")

    sub = command(
        "event-lens",
        "analysis_commands:cmd_event_lens",
        "how much an event lifted each entity's coverage, and in which outlets",
    )
    sub.add_argument("event_id", help="an event id (see 'newstally events list')")
    sub.add_argument("--window", type=_non_negative_int, default=3, help="days either side of the event (default 3)")
    sub.add_argument("--baseline", type=_positive_int, default=28, help="days before the window (default 28)")
    _add_collection_option(sub)
    sub.add_argument("--format", choices=FORMATS, default="table")

    sub = command(
        "comentions", "analysis_commands:cmd_comentions", "share of each leader's articles that also mention each theme"
    )
    sub.add_argument("--from", dest="date_from", type=_iso_date, help="first UTC date (default: 28 days up to --to)")
    sub.add_argument("--to", dest="date_to", type=_iso_date, help="last UTC date, inclusive (default: newest article)")
    _add_collection_option(sub)
    sub.add_argument("--format", choices=FORMATS, default="table")

    sub = command(
        "init",
        "init_command:cmd_init",
        "write editable copies of the shipped watchlist.toml, events.toml and feeds.opml into a folder,"
        " and say how to point newstally at them",
    )
    sub.add_argument("dir", nargs="?", default=".", metavar="DIR", help="the folder (default: the current one)")
    sub.add_argument("--force", action="store_true", help="overwrite copies already there")

    sub = command("dashboard", "run_commands:cmd_dashboard", "serve the dashboard for this warehouse")
    sub.add_argument("--host", default=settings.DEFAULT_DASHBOARD_HOST, help="address to bind (default 127.0.0.1)")
    sub.add_argument("--port", type=_port, default=settings.DEFAULT_DASHBOARD_PORT, help="port (default 8501)")

    sub = command(
        "api", "api_commands:cmd_api", "serve the read-only HTTP API (JSON, CSV, Parquet; bearer tokens; docs at /docs)"
    )
    sub.add_argument("--host", default=settings.DEFAULT_API_HOST, help="address to bind (default 127.0.0.1)")
    sub.add_argument(
        "--port", type=_port, default=settings.DEFAULT_API_PORT, help=f"port (default {settings.DEFAULT_API_PORT})"
    )
    sub.add_argument(
        "--root-path", default="", metavar="PATH", help="path prefix the proxy serves the API under, e.g. /api"
    )

    tokens = command("tokens", "", "manage the API's bearer tokens: create, list, revoke")
    token_commands = tokens.add_subparsers(dest="tokens_command", metavar="ACTION", parser_class=_Parser)
    token_commands.required = True
    sub = token_commands.add_parser(
        "create", help="make a token and print it (only its hash is stored)", description="make a token and print it"
    )
    sub.add_argument("name", help="who or what the token is for, e.g. alice or nightly-notebook")
    sub.set_defaults(handler="api_commands:cmd_tokens_create")
    sub = token_commands.add_parser("list", help="list tokens (never the tokens themselves)", description="list tokens")
    sub.add_argument("--format", choices=FORMATS, default="table")
    sub.set_defaults(handler="api_commands:cmd_tokens_list")
    sub = token_commands.add_parser("revoke", help="refuse a token from now on", description="refuse a token")
    sub.add_argument("name")
    sub.set_defaults(handler="api_commands:cmd_tokens_revoke")

    sub = command(
        "up", "run_commands:cmd_up", "run scheduler, dashboard and (with --demo) the demo feed server; Ctrl-C stops all"
    )
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
    _add_host_gap_option(sub)
    _add_block_private_option(sub)

    from newstally.alert_commands import add_alert_parsers

    add_alert_parsers(command, _Parser)
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
                sub.add_argument(
                    "--lake-data", default=argparse.SUPPRESS, help="lake data folder or URL (as before the command)"
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


def _handler(name: str) -> Callable[[argparse.Namespace], int]:
    """The command's function, "module:function" in newstally, imported only for the command that runs."""
    module, function = name.split(":")
    return getattr(importlib.import_module(f"newstally.{module}"), function)


def _is_user_mistake(error: Exception) -> bool:
    """A UsageError, or an error of the warehouse or ingest: those packages are only asked when loaded."""
    if isinstance(error, UsageError):
        return True
    # A package the command never imported cannot have raised; asking it would import it.
    warehouse = sys.modules.get("warehouse")
    ingest = sys.modules.get("ingest")
    return (warehouse is not None and isinstance(error, warehouse.WarehouseError)) or (
        ingest is not None and isinstance(error, ingest.IngestError)
    )


def _run(args: argparse.Namespace) -> int:
    handler = _handler(args.handler)
    try:
        try:
            return int(handler(args))
        except Exception as error:
            if not _is_user_mistake(error):
                raise
            print(f"newstally: error: {error}", file=sys.stderr)
            return EXIT_USAGE
    except BrokenPipeError:  # `newstally series ... | head`
        sys.stderr.close()
        return 0
    except OSError as error:
        # An output file on a full or read-only disk is the machine's state, not a bug:
        # one line, as for the warehouse's own WarehouseNotWritable.
        if error.errno not in _STORAGE_ERRNOS:
            raise
        where = f" {error.filename}" if error.filename else ""
        print(f"newstally: error: cannot write{where}: {error.strerror}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
