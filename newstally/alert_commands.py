"""The `alerts` and `digest` commands: rules, a pass, the history, the morning digest (issue 16).

The parsers are declared here (`add_alert_parsers`, called by cli.build_parser); the handlers
import `alerts` and `warehouse` only when they run, so `newstally --help` stays fast.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from newstally import settings
from newstally.handles import UsageError, existing_warehouse, warehouse_for_writing

FORMATS = ("table", "csv", "json")  # newstally.output's, named here so building the parser imports no pandas
Command = Callable[..., argparse.ArgumentParser]
EXIT_CHANNEL_FAILED = 1
RULE_COLUMNS = ["name", "kind", "watches", "channels", "threshold", "min_articles", "quiet", "tz", "cooldown_h", "at"]


def _instant(text: str) -> datetime:
    """An ISO 8601 date and time; without an offset it is UTC."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"bad date and time {text!r}: use e.g. 2018-07-16T14:00 (UTC)") from None
    if len(text.strip()) <= 10:
        raise argparse.ArgumentTypeError(f"give a time too, e.g. {text.strip()}T14:00")
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _entity_ids(text: str) -> list[str]:
    ids = [part.strip() for part in text.split(",") if part.strip()]
    if not ids:
        raise argparse.ArgumentTypeError("give at least one entity id, e.g. putin,trump")
    return ids


def _number(kind: type) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            return kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"bad number {text!r}") from None

    return parse


def add_alert_parsers(command: Command, parser_class: type[argparse.ArgumentParser]) -> None:
    """Declare `alerts ...` and `digest ...` through cli.build_parser's `command` helper."""
    group = command("alerts", "", "spike alerts to chat and e-mail: add, list, remove, test, run, history")
    actions = group.add_subparsers(dest="alerts_command", metavar="ACTION", parser_class=parser_class)
    actions.required = True

    def action(name: str, handler: str, help_text: str) -> argparse.ArgumentParser:
        sub = actions.add_parser(name, help=help_text, description=help_text)
        sub.set_defaults(handler=handler)
        return sub

    sub = action(
        "add",
        "alert_commands:cmd_alerts_add",
        "add a rule: alert when an entity's (or a query's) coverage so far today is far above usual for that time"
        " of day and weekday",
    )
    sub.add_argument("name", help="the rule's name")
    watched = sub.add_mutually_exclusive_group(required=True)
    watched.add_argument("--entity", metavar="ID", help="the watchlist entity to watch")
    watched.add_argument(
        "--query", metavar="QUERY", help="a query in Lucene syntax (docs/counting.md), e.g. 'putin AND helsinki'"
    )
    sub.add_argument(
        "--to", action="append", required=True, metavar="URL", help="an Apprise channel URL; repeat for more"
    )
    sub.add_argument("--threshold", type=_number(float), default=3.5, metavar="Z", help="score to reach (3.5)")
    sub.add_argument("--min-articles", type=_number(int), default=5, metavar="N", help="articles needed today (5)")
    sub.add_argument("--quiet", metavar="HH:MM-HH:MM", help="local hours in which alerts are held, sent after")
    sub.add_argument("--tz", default="UTC", metavar="ZONE", help="IANA zone of the day and quiet hours (UTC)")
    sub.add_argument(
        "--cooldown", type=_number(float), default=6.0, metavar="HOURS", help="least hours between two messages (6)"
    )

    sub = action("list", "alert_commands:cmd_alerts_list", "list alert and digest rules (channel secrets masked)")
    sub.add_argument("--format", choices=FORMATS, default="table")

    sub = action(
        "remove",
        "alert_commands:cmd_alerts_remove",
        "remove an alert or digest rule (what it sent stays in the history)",
    )
    sub.add_argument("name")

    sub = action(
        "test",
        "alert_commands:cmd_alerts_test",
        "send a test message through each channel of a rule; say what each answered",
    )
    sub.add_argument("name")

    sub = action(
        "run",
        "alert_commands:cmd_alerts_run",
        "one evaluation pass: send what is due, hold what must wait, record it (the scheduler runs one after every"
        " fetch pass)",
    )
    sub.add_argument("--at", type=_instant, metavar="DATETIME", help="judge as if the clock were then (ISO, UTC)")
    sub.add_argument("--dry-run", action="store_true", help="print what would be sent; send and record nothing")

    sub = action(
        "history",
        "alert_commands:cmd_alerts_history",
        "every alert and digest: channel, what it answered, attempts, holds",
    )
    sub.add_argument("--format", choices=FORMATS, default="table")

    group = command("digest", "", "the morning digest: add, send")
    actions = group.add_subparsers(dest="digest_command", metavar="ACTION", parser_class=parser_class)
    actions.required = True
    sub = action(
        "add",
        "alert_commands:cmd_digest_add",
        "add a daily digest: rises and falls, yesterday's spikes, the coming week, shares",
    )
    sub.add_argument("name", help="the digest's name")
    sub.add_argument("--to", action="append", required=True, metavar="URL", help="an Apprise channel URL; repeat")
    sub.add_argument("--at", required=True, metavar="HH:MM", help="local time to send it every day")
    sub.add_argument("--tz", default="UTC", metavar="ZONE", help="IANA zone of --at and of the days (UTC)")
    sub.add_argument("--entities", type=_entity_ids, metavar="ID,...", help="watched entities (default: the alerts')")

    sub = action("send", "alert_commands:cmd_digest_send", "build and send a digest now (or as if at --at)")
    sub.add_argument("name")
    sub.add_argument("--at", type=_instant, metavar="DATETIME", help="build it as if the clock were then (ISO, UTC)")
    sub.add_argument("--dry-run", action="store_true", help="print the digest; send and record nothing")


@contextmanager
def _user_mistakes() -> Iterator[None]:
    from alerts import AlertsError

    try:
        yield
    except AlertsError as error:
        raise UsageError(str(error)) from None


def cmd_alerts_add(args: argparse.Namespace) -> int:
    from alerts import add_spike_rule

    with _user_mistakes():
        rule = add_spike_rule(
            warehouse_for_writing(args),
            args.name,
            channels=args.to,
            entity_id=args.entity,
            query_text=args.query,
            threshold=args.threshold,
            min_articles=args.min_articles,
            quiet=args.quiet,
            time_zone=args.tz,
            cooldown_hours=args.cooldown,
        )
    watches = rule.entity_id or f"query {rule.query_text!r}"
    print(f"alert rule {rule.name}: {watches}, {len(rule.channels)} channel(s)", file=sys.stderr)
    return 0


def cmd_alerts_list(args: argparse.Namespace) -> int:
    import warehouse
    from alerts import shown_as
    from newstally.output import print_rows

    rows = [
        {
            "name": rule.name,
            "kind": rule.kind,
            "watches": rule.entity_id or rule.query_text or ",".join(rule.entity_ids or ()) or "(alerts' entities)",
            "channels": [shown_as(channel) for channel in rule.channels],
            "threshold": rule.threshold,
            "min_articles": rule.min_articles,
            "quiet": f"{rule.quiet_start}-{rule.quiet_end}" if rule.quiet_start else None,
            "tz": rule.time_zone,
            "cooldown_h": rule.cooldown_hours,
            "at": rule.send_at,
        }
        for rule in warehouse.list_alert_rules(existing_warehouse(args))
    ]
    print_rows(rows, RULE_COLUMNS, fmt=args.format, title="alert rules")
    return 0


def cmd_alerts_remove(args: argparse.Namespace) -> int:
    import warehouse

    rule = warehouse.remove_alert_rule(existing_warehouse(args), args.name)
    print(f"removed {rule.kind} rule {rule.name} (its history stays)", file=sys.stderr)
    return 0


def cmd_alerts_test(args: argparse.Namespace) -> int:
    from alerts import test_rule

    results = test_rule(warehouse_for_writing(args), args.name)
    for channel, ok, answer in results:
        print(f"{channel}: {'ok' if ok else 'FAILED'} — {answer}")
    return 0 if all(ok for _, ok, _ in results) else EXIT_CHANNEL_FAILED


def _print_report(report) -> int:
    for line in report.lines:
        print(line)
    print(f"{report.sent} sent, {report.held} held, {report.failed} failed", file=sys.stderr)
    return EXIT_CHANNEL_FAILED if report.failed else 0


def cmd_alerts_run(args: argparse.Namespace) -> int:
    from alerts import run_pass

    wh = existing_warehouse(args) if args.dry_run else warehouse_for_writing(args)
    with _user_mistakes():
        report = run_pass(wh, at=args.at, dry_run=args.dry_run, dashboard_url=settings.dashboard_url(), emit=print)
    return _print_report(report)


def cmd_alerts_history(args: argparse.Namespace) -> int:
    import warehouse
    from newstally.output import print_rows

    frame = warehouse.alert_history(existing_warehouse(args))
    rows = [
        {column: (None if _missing(value) else value) for column, value in record.items()}
        for record in frame.to_dict("records")
    ]
    columns = list(warehouse.ALERT_HISTORY_COLUMNS)
    if args.format == "table":
        columns.remove("title")
    print_rows(rows, columns, fmt=args.format, title="alerts and digests")
    return 0


def _missing(value: object) -> bool:
    try:
        return bool(value != value)  # NaN and NaT are not equal to themselves
    except (TypeError, ValueError):
        return False


def cmd_digest_add(args: argparse.Namespace) -> int:
    from alerts import add_digest_rule

    with _user_mistakes():
        rule = add_digest_rule(
            warehouse_for_writing(args),
            args.name,
            channels=args.to,
            send_at=args.at,
            time_zone=args.tz,
            entity_ids=args.entities,
        )
    print(f"digest {rule.name}: every day at {rule.send_at} {rule.time_zone}, {len(rule.channels)} channel(s)")
    return 0


def cmd_digest_send(args: argparse.Namespace) -> int:
    from alerts import send_digest

    wh = existing_warehouse(args) if args.dry_run else warehouse_for_writing(args)
    with _user_mistakes():
        report = send_digest(
            wh, args.name, at=args.at, dry_run=args.dry_run, dashboard_url=settings.dashboard_url(), emit=print
        )
    return _print_report(report)
