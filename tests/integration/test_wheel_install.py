"""The wheel, installed into a new virtualenv and used from a folder outside the checkout, runs.

Offline: the wheel is built with the shared venv's setuptools (no build isolation, no index),
and the new virtualenv sees the project's dependencies through a .pth line naming the shared
venv's site-packages, whose own .pth files (the editable install of newstally) are not read.
So every newstally module the commands import is the wheel's copy, which the test checks.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import site
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import date, timedelta
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT, SHIPPED_EVENTS, SHIPPED_FEEDS, SHIPPED_WATCHLIST

pytestmark = pytest.mark.wheel

PACKAGES = ("newstally", "ingest", "warehouse", "dashboard")
# Not part of the wheel, and slow or large to copy.
_NOT_SOURCE = shutil.ignore_patterns(
    ".git", ".venv", "data", "build", "dist", "*.egg-info", "__pycache__", ".*_cache", "tests", "bench", "docs"
)


def _clean_environment() -> dict[str, str]:
    """This process's environment without what would point the new install at the checkout or a warehouse."""
    return {
        key: value
        for key, value in os.environ.items()
        if key not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV") and not key.startswith("NEWSTALLY_")
    }


def _run(command: list[str], cwd: Path, timeout: float = 300, **env: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        command, cwd=cwd, env={**_clean_environment(), **env}, capture_output=True, text=True, timeout=timeout
    )
    assert done.returncode == 0, f"{' '.join(command)}\n{done.stdout}\n{done.stderr}"
    return done


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new virtualenv with the wheel built from this checkout installed in it: its folder."""
    root = tmp_path_factory.mktemp("wheel")
    source = root / "source"
    shutil.copytree(REPO_ROOT, source, ignore=_NOT_SOURCE)
    dist = root / "dist"
    _run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-w", dist, source],
        cwd=root,
    )
    [wheel] = dist.glob("newstally-*.whl")
    venv = root / "venv"
    _run([sys.executable, "-m", "venv", venv], cwd=root)
    python = venv / "bin" / "python"
    purelib = Path(_run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], cwd=root).stdout)
    shared = [Path(path) for path in site.getsitepackages()]
    assert not any((path / name / "__init__.py").exists() for path in shared for name in PACKAGES)
    (Path(str(purelib).strip()) / "newstally_dependencies.pth").write_text(
        "".join(f"{path}\n" for path in shared), encoding="utf-8"
    )
    _run([python, "-m", "pip", "install", "--no-index", "--no-deps", "--quiet", wheel], cwd=root)
    return venv


@pytest.fixture(scope="module")
def elsewhere(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder outside the checkout, where a user would run newstally."""
    return tmp_path_factory.mktemp("elsewhere")


def test_every_package_imported_is_the_wheels_copy(installed: Path, elsewhere: Path):
    probe = (
        "import sys, newstally, ingest, warehouse, dashboard\n"
        "from newstally import settings\n"
        "for module in (newstally, ingest, warehouse, dashboard): print(module.__file__)\n"
        "print(settings.DEFAULT_WATCHLIST); print(settings.dashboard_app())\n"
        "print(settings.dashboard_app().parent / '.streamlit' / 'config.toml')\n"
        "print('\\n'.join(sys.path))\n"
    )
    lines = _run([installed / "bin" / "python", "-c", probe], cwd=elsewhere).stdout.splitlines()
    files, path = lines[:7], lines[7:]
    assert all(Path(file).resolve().is_relative_to(installed.resolve()) for file in files), files
    assert all(Path(file).is_file() for file in files[4:]), files  # the watchlist, the app, its theme
    assert not any(entry and Path(entry).resolve() == REPO_ROOT.resolve() for entry in path)


def test_demo_series_status_and_init_run_from_another_folder(installed: Path, elsewhere: Path):
    newstally = str(installed / "bin" / "newstally")
    assert "init" in _run([newstally, "--help"], cwd=elsewhere).stdout
    _run([newstally, "demo", "--articles-per-day", "1"], cwd=elsewhere)
    assert (elsewhere / "data" / "newstally.duckdb").exists()

    series = _run(
        [newstally, "series", "--entity", "putin", "--from", "2018-07-01", "--to", "2018-07-31"], cwd=elsewhere
    )
    rows = list(csv.DictReader(io.StringIO(series.stdout)))
    assert list(rows[0]) == ["bucket_start", "entity_id", "articles", "mentions", "total_articles", "share"]
    # No holes: one row for each of July's 31 days, whatever the demo drew.
    assert [row["bucket_start"] for row in rows] == [str(date(2018, 7, 1) + timedelta(days=n)) for n in range(31)]
    assert all(int(row["articles"]) <= int(row["total_articles"]) for row in rows)

    status = subprocess.run(
        [newstally, "status", "--format", "csv"],
        cwd=elsewhere,
        env=_clean_environment(),
        capture_output=True,
        text=True,
    )
    assert status.returncode in (0, 1), status.stderr  # 1: a demo outlet's live feeds are not being served
    assert status.stdout.startswith("id,source,url,state,")

    copies = elsewhere / "mine"
    shown = _run([newstally, "init", str(copies)], cwd=elsewhere).stdout
    assert (copies / "watchlist.toml").read_bytes() == SHIPPED_WATCHLIST.read_bytes()
    assert (copies / "events.toml").read_bytes() == SHIPPED_EVENTS.read_bytes()
    assert (copies / "feeds.opml").read_bytes() == SHIPPED_FEEDS.read_bytes()
    assert f"NEWSTALLY_WATCHLIST={copies.resolve() / 'watchlist.toml'}" in shown


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_dashboard_serves_its_first_page(installed: Path, elsewhere: Path):
    newstally = str(installed / "bin" / "newstally")
    if not (elsewhere / "data" / "newstally.duckdb").exists():
        _run([newstally, "demo", "--articles-per-day", "1"], cwd=elsewhere)
    port = _free_port()
    log = (elsewhere / "dashboard.log").open("w")
    server = subprocess.Popen(
        [newstally, "dashboard", "--port", str(port)],
        cwd=elsewhere,
        env=_clean_environment(),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=5) as health:
                    assert health.read() == b"ok"
                    break
            except OSError:
                assert server.poll() is None, (elsewhere / "dashboard.log").read_text()
                assert time.monotonic() < deadline, "the dashboard did not answer within 90 s"
                time.sleep(0.3)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as page:
            assert page.status == 200
            assert b'<div id="root"></div>' in page.read()
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()

    # The page itself, run by Streamlit's AppTest from the installed package on the demo warehouse.
    first_page = (
        "from streamlit.testing.v1 import AppTest\n"
        "from newstally import settings\n"
        "app = AppTest.from_file(str(settings.dashboard_app()), default_timeout=120).run()\n"
        "assert not app.exception, app.exception\n"
        "print(len(app.get('vega_lite_chart')))\n"
    )
    charts = _run(
        [str(installed / "bin" / "python"), "-c", first_page],
        cwd=elsewhere,
        NEWSTALLY_DB=str(elsewhere / "data" / "newstally.duckdb"),
    )
    assert int(charts.stdout.strip().splitlines()[-1]) >= 1
