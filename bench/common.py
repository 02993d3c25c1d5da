"""Shared by the benchmarks: machine facts, medians, and writing a section into docs/benchmarks.md."""

from __future__ import annotations

import contextlib
import os
import platform
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
BENCHMARKS_MD = REPO_ROOT / "docs" / "benchmarks.md"


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    with contextlib.suppress(OSError, IndexError):
        free = subprocess.run(["free", "-g"], capture_output=True, text=True, check=False)
        memory = free.stdout.split()[7] + " GiB"
    system = f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores, {memory} RAM"
    return f"{system}, {cpu}; Python {platform.python_version()}"


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))
    return ordered[index]


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def write_section(name: str, body: str) -> None:
    """Replace (or append) the section `## name` of docs/benchmarks.md, stamped with machine and date."""
    BENCHMARKS_MD.parent.mkdir(parents=True, exist_ok=True)
    text = (
        BENCHMARKS_MD.read_text(encoding="utf-8")
        if BENCHMARKS_MD.exists()
        else ("# Benchmarks\n\nWritten by `make bench` (bench/run_all.py); each section says when and where it ran.\n")
    )
    stamp = f"_Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine()}._"
    section = f"## {name}\n\n{stamp}\n\n{body.strip()}\n"
    pattern = re.compile(rf"^## {re.escape(name)}\n.*?(?=^## |\Z)", re.S | re.M)
    text = pattern.sub(lambda _: section + "\n", text) if pattern.search(text) else text.rstrip() + "\n\n" + section
    BENCHMARKS_MD.write_text(text, encoding="utf-8")


def write_subsection(section: str, name: str, body: str) -> None:
    """Replace (or add) `### name` inside the section `## section`, stamped; the section's other parts stay.

    For a benchmark whose parts run at different times (or sizes): each part keeps its own run's stamp.
    """
    text = BENCHMARKS_MD.read_text(encoding="utf-8") if BENCHMARKS_MD.exists() else "# Benchmarks\n"
    stamp = f"_Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine()}._"
    part = f"### {name}\n\n{stamp}\n\n{body.strip()}\n"
    pattern = re.compile(rf"^## {re.escape(section)}\n.*?(?=^## |\Z)", re.S | re.M)
    found = pattern.search(text)
    current = found.group(0).rstrip() + "\n" if found else f"## {section}\n"
    inner = re.compile(rf"^### {re.escape(name)}\n.*?(?=^### |\Z)", re.S | re.M)
    if inner.search(current):
        current = inner.sub(lambda _: part + "\n", current).rstrip() + "\n"
    else:
        current = current.rstrip() + "\n\n" + part
    if found:
        text = text[: found.start()] + current + ("\n" if text[found.end() :] else "") + text[found.end() :]
    else:
        text = text.rstrip() + "\n\n" + current
    BENCHMARKS_MD.write_text(text, encoding="utf-8")


@contextmanager
def postgres_cluster() -> Iterator[Any]:
    """A throwaway PostgreSQL cluster on a free 127.0.0.1 port (tests/postgres_cluster.py); stopped, removed after."""
    from tests.postgres_cluster import throwaway_cluster

    with throwaway_cluster("newstally-bench-pg-") as cluster:
        yield cluster


@contextmanager
def served_dashboard(
    db_path: Path, script: Path = REPO_ROOT / "dashboard" / "app.py"
) -> Iterator[tuple[str, subprocess.Popen]]:
    """`streamlit run` of the dashboard (or another script) for a warehouse on a free port: (url, process)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [
        sys.executable, "-m", "streamlit", "run", str(script),
        "--server.headless", "true", "--server.address", "127.0.0.1", "--server.port", str(port),
        "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
    ]  # fmt: skip
    with tempfile.TemporaryFile() as log:
        server = subprocess.Popen(
            command,
            cwd=REPO_ROOT / "dashboard",  # for dashboard/.streamlit/config.toml (theme)
            env={**os.environ, "NEWSTALLY_DB": str(db_path)},
            stdout=log,
            stderr=log,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                        break
                except OSError:
                    if time.monotonic() > deadline or server.poll() is not None:
                        log.seek(0)
                        raise RuntimeError(f"streamlit did not start:\n{log.read().decode(errors='replace')}") from None
                    time.sleep(0.2)
            yield url, server
        finally:
            server.terminate()
            server.wait(timeout=15)


def store_stories(
    wh: Any,
    stories: Iterator[tuple[str, Any]],
    count: int,
    *,
    chunk: int,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Store up to `count` demo (outlet, article) pairs from `stories`, `chunk` at a time; returns how many were new.

    `progress` hears the running total after each chunk.
    """
    import warehouse

    stored = 0
    while stored < count:
        batch = list(islice(stories, min(chunk, count - stored)))
        if not batch:
            break
        by_outlet: dict[str, list] = defaultdict(list)
        for outlet, article in batch:
            by_outlet[outlet].append(article)
        for outlet, articles in by_outlet.items():
            stored += warehouse.store_articles(wh, outlet, articles, is_demo=True, batch_size=chunk)
        if progress is not None:
            progress(stored)
    return stored
