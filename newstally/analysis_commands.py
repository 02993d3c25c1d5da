"""Commands that read the numbers: series, exports, events, explain, retally, spikes, event lens, co-mentions."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from newstally import settings
from newstally.handles import UsageError, existing_warehouse, warehouse_for_writing
from newstally.output import print_rows


def _series_frame(args: argparse.Namespace, wh, entity_ids: list[str]):
    import warehouse

    return warehouse.series_table(
        wh,
        entity_ids,
        queries=args.query or (),
        bucket=args.bucket,
        start=args.date_from,
        end=args.date_to,
        tz=args.tz,
        by_source=args.by_source,
        metric=args.metric,
        with_entity=args.with_entity,
        smooth=args.smooth,
        unique=args.unique,
        complete=args.complete,
        collection=args.collection,
    )


def cmd_series(args: argparse.Namespace) -> int:
    # Columns, not a frame: the CSV is written without importing pandas, which would double the start-up.
    import warehouse
    from newstally.output import write_columns_csv

    if not args.entity and not args.query:
        raise UsageError("series needs --entity ID or --query QUERY (see 'newstally series --help')")
    columns = warehouse.series_columns(
        existing_warehouse(args),
        args.entity or [],
        queries=args.query or (),
        bucket=args.bucket,
        start=args.date_from,
        end=args.date_to,
        tz=args.tz,
        by_source=args.by_source,
        with_entity=args.with_entity,
        unique=args.unique,
        smooth=args.smooth,
        completeness=args.complete,
        collection=args.collection,
    )
    if args.metric:
        columns = {name: columns[name] for name in warehouse.metric_columns(list(columns), args.metric, args.complete)}
    write_columns_csv(columns, sys.stdout)
    return 0


# Options of `export` that belong to one table only; a value other than the default elsewhere is a mistake.
_TABLE_OPTIONS = {
    "series": ("bucket", "tz", "by_source", "metric", "with_entity", "smooth", "unique", "complete"),
    "spikes": ("since", "threshold", "min_count"),
    "event-lens": ("event", "baseline"),
}
_OPTION_FLAGS = {
    "bucket": "--bucket",
    "tz": "--tz",
    "by_source": "--by-source",
    "metric": "--metric",
    "with_entity": "--with",
    "smooth": "--smooth",
    "unique": "--unique",
    "complete": "--complete",
    "since": "--since",
    "threshold": "--threshold",
    "min_count": "--min-count",
    "event": "--event",
    "baseline": "--baseline",
    "entity": "--entity",
    "query": "--query",
    "date_from": "--from",
    "date_to": "--to",
    "window": "--window",
}
_DEFAULTS = {"bucket": "day", "tz": "UTC", "smooth": 1}
_SHARED_OPTIONS = {
    "entity": ("series", "spikes"),
    "query": ("series", "spikes"),
    "date_from": ("series", "comentions"),
    "date_to": ("series", "comentions"),
    "window": ("spikes", "event-lens"),
}
_WIDE_TABLES = ("series", "comentions")


def _check_export_options(args: argparse.Namespace) -> None:
    """One line naming the first option that the chosen table does not take."""
    given = set()
    for name in _OPTION_FLAGS:
        value = getattr(args, name, None)
        if value is not None and value is not False and value != _DEFAULTS.get(name):
            given.add(name)
    for name in sorted(given, key=list(_OPTION_FLAGS).index):
        tables = _SHARED_OPTIONS.get(name) or next(table for table, names in _TABLE_OPTIONS.items() if name in names)
        if args.table not in tables:
            raise UsageError(
                f"{_OPTION_FLAGS[name]} does not apply to --table {args.table} (it is for {' and '.join(tables)})"
            )
    if args.wide and args.table not in _WIDE_TABLES:
        raise UsageError(f"--wide does not apply to --table {args.table}: its rows are not one value per entity")
    if args.table == "event-lens" and not args.event:
        raise UsageError("--table event-lens needs --event EVENT_ID (see 'newstally events list')")


def cmd_export(args: argparse.Namespace) -> int:
    from warehouse import EXPORT_SUFFIXES, write_provenance

    out = Path(args.out)
    if out.suffix.lower() not in EXPORT_SUFFIXES:
        raise UsageError(f"cannot export to {out}: use a .csv, .parquet or .json file name")
    if not out.parent.exists():
        raise UsageError(f"cannot export to {out}: folder {out.parent} does not exist")
    _check_export_options(args)
    wh = existing_warehouse(args)
    exporters = {
        "series": _export_series,
        "spikes": _export_spikes,
        "event-lens": _export_event_lens,
        "comentions": _export_comentions,
    }
    frame, options = exporters[args.table](args, wh, out)
    if args.collection is not None:
        options["collection"] = _collection_record(wh, args.collection)
    sidecar = write_provenance(wh, frame, out, command=["newstally", *args.argv], options=options, table=args.table)
    print(f"wrote {len(frame)} rows to {out} (provenance in {sidecar.name})", file=sys.stderr)
    return 0


def _collection_record(wh, name: str) -> dict[str, object]:
    """What the sidecar says of a collection: its rule and the outlets it held, which may change later."""
    import warehouse

    collection = next(found for found in warehouse.list_collections(wh) if found.name == name)
    return {"name": collection.name, "rule": collection.rule, "outlets": list(collection.outlets)}


def _export_series(args: argparse.Namespace, wh, out: Path):
    import warehouse
    from warehouse import export_frame, widened

    entity_ids = args.entity or ([] if args.query else list(warehouse.list_entities(wh)["entity_id"]))
    frame = _series_frame(args, wh, entity_ids)
    if args.wide:
        frame = widened(frame, value=args.metric or "articles")
    export_frame(frame, out)
    options = {
        "table": "series",
        "entity": args.entity,
        "query": args.query,
        "bucket": args.bucket,
        "from": args.date_from,
        "to": args.date_to,
        "tz": args.tz,
        "by_source": args.by_source,
        "metric": args.metric,
        "with": args.with_entity,
        "smooth": args.smooth,
        "unique": args.unique,
        "complete": args.complete,
        "wide": args.wide,
        "collection": args.collection,
    }
    return frame, options


def _export_spikes(args: argparse.Namespace, wh, out: Path):
    import warehouse
    from warehouse import EPISODE_REPORT_COLUMNS, episode_rows, export_records

    options = {
        "table": "spikes",
        "entity": args.entity,
        "query": args.query,
        "since": args.since,
        "window": 28 if args.window is None else args.window,
        "threshold": 3.5 if args.threshold is None else args.threshold,
        "min_count": args.min_count or 5,
        "collection": args.collection,
    }
    episodes = warehouse.spike_episodes(
        wh,
        entity_ids=args.entity,
        queries=args.query or (),
        since=args.since,
        window_days=options["window"],
        threshold=options["threshold"],
        min_count=options["min_count"],
        collection=args.collection,
    )
    rows = episode_rows(episodes, nested=out.suffix.lower() == ".json")
    return export_records(rows, EPISODE_REPORT_COLUMNS, out), options


def _export_event_lens(args: argparse.Namespace, wh, out: Path):
    import warehouse
    from warehouse import LENS_REPORT_COLUMNS, export_records, lens_rows

    options = {
        "table": "event-lens",
        "event": args.event,
        "window": 3 if args.window is None else args.window,
        "baseline": args.baseline or 28,
        "collection": args.collection,
    }
    result = warehouse.event_lens(
        wh,
        args.event,
        window_days=options["window"],
        baseline_days=options["baseline"],
        collection=args.collection,
    )
    rows = lens_rows(result, nested=out.suffix.lower() == ".json")
    return export_records(rows, LENS_REPORT_COLUMNS, out), options


def _export_comentions(args: argparse.Namespace, wh, out: Path):
    import warehouse
    from warehouse import COMENTION_REPORT_COLUMNS, comention_rows, export_frame, export_records

    frame = warehouse.comention_matrix(wh, start=args.date_from, end=args.date_to, collection=args.collection)
    options = {
        "table": "comentions",
        "from": args.date_from,
        "to": args.date_to,
        "wide": args.wide,
        "collection": args.collection,
    }
    if args.wide:
        wide = frame.pivot(index="leader_id", columns="theme_id", values="share")
        wide = wide.reindex(
            index=list(dict.fromkeys(frame["leader_id"])), columns=list(dict.fromkeys(frame["theme_id"]))
        )
        wide.columns.name = None
        wide = wide.reset_index()
        export_frame(wide, out)
        return wide, options
    return export_records(comention_rows(frame), COMENTION_REPORT_COLUMNS, out), options


def cmd_events_list(args: argparse.Namespace) -> int:
    import warehouse

    rows = warehouse.events_report(existing_warehouse(args), start=args.date_from, end=args.date_to)
    print_rows(rows, warehouse.EVENT_REPORT_COLUMNS, fmt=args.format, title="events")
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
    from newstally.reports import EPISODE_TABLE_COLUMNS, print_report

    rows = warehouse.spikes_report(
        existing_warehouse(args),
        entity_ids=args.entity,
        queries=args.query or (),
        since=args.since,
        window_days=args.window,
        threshold=args.threshold,
        min_count=args.min_count,
        nested=args.format == "json",
        collection=args.collection,
    )
    columns = EPISODE_TABLE_COLUMNS if args.format == "table" else warehouse.EPISODE_REPORT_COLUMNS
    print_report(rows, columns, fmt=args.format, title="spike episodes (UTC days)")
    return 0


def cmd_rising(args: argparse.Namespace) -> int:
    import warehouse

    report = warehouse.rising_terms(
        existing_warehouse(args), window_days=warehouse.RISING_WINDOWS[args.window], collection=args.collection
    )
    (first, last), (base_first, base_last) = report.window, report.baseline
    print(
        f"window {first} to {last} (UTC, {report.window_articles} articles) against {base_first} to {base_last}"
        f" ({report.baseline_articles} articles)",
        file=sys.stderr,
    )
    print_rows(report.rows, warehouse.RISING_COLUMNS, fmt=args.format, title=f"rising terms, last {args.window}")
    return 0


def cmd_event_lens(args: argparse.Namespace) -> int:
    import warehouse
    from newstally.reports import print_report

    result, rows = warehouse.lens_report(
        existing_warehouse(args),
        args.event_id,
        window_days=args.window,
        baseline_days=args.baseline,
        nested=args.format == "json",
        collection=args.collection,
    )
    days = result.days
    print(
        f"{result.event.name}: window {days.window[0]} to {days.window[-1]};"
        f" baseline {len(days.baseline)} days before it ({len(days.excluded)} left out for other events)",
        file=sys.stderr,
    )
    print_report(rows, warehouse.LENS_REPORT_COLUMNS, fmt=args.format, title=f"event lens: {result.event.event_id}")
    return 0


def cmd_comentions(args: argparse.Namespace) -> int:
    import warehouse
    from newstally.reports import print_report

    rows = warehouse.comention_report(
        existing_warehouse(args), start=args.date_from, end=args.date_to, collection=args.collection
    )
    print_report(rows, warehouse.COMENTION_REPORT_COLUMNS, fmt=args.format, title="co-mentions")
    return 0
