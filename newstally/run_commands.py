"""Commands that run things: the demo, the scheduler, the dashboard, and `up`, which runs them together."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from newstally import settings
from newstally.handles import UsageError, warehouse_for_writing


def cmd_demo(args: argparse.Namespace) -> int:
    from ingest import load_demo

    wh = warehouse_for_writing(args)
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
    from ingest import serve_demo_feeds

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

    import warehouse
    from ingest import fetch_due, start_parser_pool

    wh = warehouse_for_writing(args)
    # Parser processes are forked before rich starts its refresh thread (see ingest.workers).
    parser_pool = start_parser_pool(wh, feeds=len(warehouse.due_feeds(wh, include_not_due=args.force)))
    try:
        with Progress(transient=True) as progress:
            task = progress.add_task("fetching feeds", total=None)

            def advance(feed, result, new) -> None:
                progress.update(task, advance=1, description=f"{feed.source_name}: {result.outcome.value}, {new} new")

            outcomes = fetch_due(
                wh,
                force=args.force,
                progress=advance,
                host_gap_seconds=args.host_gap,
                block_private=args.block_private,
                parser_pool=parser_pool,
            )
    finally:
        if parser_pool is not None:
            parser_pool.close()
    new = sum(count for _, _, count in outcomes)
    failed = [(feed, result) for feed, result, _ in outcomes if result.outcome.value.endswith("error")]
    print(f"fetched {len(outcomes)} feeds: {new} new articles, {len(failed)} failed", file=sys.stderr)
    for feed, result in failed:
        print(f"  feed {feed.feed_id} {feed.url}: {result.error or result.outcome.value}", file=sys.stderr)
    return 0


def cmd_schedule(args: argparse.Namespace) -> int:
    from alerts import background_passes
    from ingest import run_scheduler

    wh = warehouse_for_writing(args)
    run_scheduler(
        wh,
        interval_seconds=args.interval,
        stop_event=_stop_on_signals(),
        host_gap_seconds=args.host_gap,
        block_private=args.block_private,
        after_pass=background_passes(wh, dashboard_url=settings.dashboard_url()),
        maintain_every_hours=args.maintain_every,
    )
    return 0


def cmd_dashboard(args: argparse.Namespace) -> int:
    config = settings.resolve(args.db, args.watchlist)
    command = _dashboard_command(args.host, args.port)
    env = {**os.environ, "NEWSTALLY_DB": settings.warehouse_target(config)}
    # Streamlit reads .streamlit/config.toml (theme, toolbar) from the working folder: the
    # dashboard package ships it, in a checkout and installed alike.
    os.chdir(settings.dashboard_app().parent)
    os.execve(sys.executable, command, env)
    return 0  # not reached


def _dashboard_command(host: str, port: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(settings.dashboard_app()),
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
        wh = warehouse_for_writing(args)
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
    gap = [] if args.host_gap is None else ["--host-gap", str(args.host_gap)]
    block = ["--block-private"] if args.block_private else []
    commands.append([*base, "schedule", "--interval", str(args.interval), *gap, *block])
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
    from ingest import set_on_signals

    stop = threading.Event()
    set_on_signals(stop)
    return stop
