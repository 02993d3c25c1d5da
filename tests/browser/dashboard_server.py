"""A real `streamlit run` of the dashboard on a free local port, for browser tests to drive with Debian's Chromium."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
SERVER_START_TIMEOUT_S = 45

requires_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="Debian's chromium is not installed (`make chromium` installs it)"
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_healthy(url: str, server: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"streamlit exited with {server.returncode}:\n{log_path.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    pytest.fail(f"streamlit did not answer within {SERVER_START_TIMEOUT_S} s:\n{log_path.read_text()}")


@contextmanager
def running_dashboard(db_path: Path, log_path: Path) -> Iterator[str]:
    """The dashboard reading `db_path`, served until the block ends; yields its base URL."""
    port = free_port()
    command = [
        sys.executable, "-m", "streamlit", "run", str(REPO_ROOT / "dashboard" / "app.py"),
        "--server.headless", "true",
        "--server.address", "127.0.0.1",
        "--server.port", str(port),
        "--browser.gatherUsageStats", "false",
        "--server.fileWatcherType", "none",
        "--server.runOnSave", "false",
        "--client.toolbarMode", "viewer",
    ]  # fmt: skip
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            command,
            cwd=REPO_ROOT / "dashboard",  # for dashboard/.streamlit/config.toml (theme)
            # Its own address is the base of the links the Alerts page shows.
            env={**os.environ, "NEWSTALLY_DB": str(db_path), "NEWSTALLY_DASHBOARD_URL": f"http://127.0.0.1:{port}"},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        url = f"http://127.0.0.1:{port}"
        wait_until_healthy(url, server, log_path)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@contextmanager
def launched_chromium() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def grid_cell(page, text: str):
    """A cell of a st.dataframe grid, found through the grid's accessible table (the grid itself is a canvas)."""
    return page.locator('[data-testid="stDataFrame"] td', has_text=text)


def page_link(page, target: str):
    """The st.page_link whose address ends with `target`, as the user sees it, once the script run is over.

    A horizontal row renders each link twice, one copy hidden, and a link found by its text alone may be a longer
    one ("Spikes of Vladimir Putin" for "Vladimir Putin"); a click while the script still runs may land on an
    element that moves under it.
    """
    page.locator('[data-testid="stStatusWidget"]').wait_for(state="hidden", timeout=30_000)
    return page.locator(f'[data-testid="stPageLink"] a[href$="{target}"]').filter(visible=True)
