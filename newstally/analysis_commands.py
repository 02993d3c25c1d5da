"""Commands that read the numbers: series, exports, events, explain, retally, spikes, event lens, co-mentions."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from newstally import settings
from newstally.handles import UsageError, existing_warehouse, warehouse_for_writing
from newstally.output import print_rows


def cmd_series(args: argparse.Namespace) -> int:
    import warehouse

    wh = existing_warehouse(args)
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

    wh = existing_warehouse(args)
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


def cmd_events_list(args: argparse.Namespace) -> int:
    import warehouse

    events = warehouse.list_events(existing_warehouse(args), start=args.date_from, end=args.date_to)
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
    wh = warehouse_for_writing(args)
    if event.entity_ids:
        warehouse.require_entities(wh, list(event.entity_ids))
    warehouse.add_event(wh, event)
    print(f"event {event.event_id}: {event.name} on {event.start_date}", file=sys.stderr)
    return 0


def cmd_events_remove(args: argparse.Namespace) -> int:
    import warehouse

    warehouse.remove_event(existing_warehouse(args), args.event_id)
    print(f"removed event {args.event_id}", file=sys.stderr)
    return 0


def cmd_events_load(args: argparse.Namespace) -> int:
    import warehouse

    count = warehouse.load_events(warehouse_for_writing(args), Path(args.file))
    print(f"loaded {count} events from {args.file}", file=sys.stderr)
    return 0


def cmd_retally(args: argparse.Namespace) -> int:
    import warehouse

    config = settings.resolve(args.db, args.watchlist)
    wh = existing_warehouse(args)
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

    evidence = warehouse.explain_article(existing_warehouse(args), args.article_id)
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
        existing_warehouse(args),
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
        existing_warehouse(args), args.event_id, window_days=args.window, baseline_days=args.baseline
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

    frame = warehouse.comention_matrix(existing_warehouse(args), start=args.date_from, end=args.date_to)
    print_report(comention_rows(frame), COMENTION_REPORT_COLUMNS, fmt=args.format, title="co-mentions")
    return 0
