"""One Chromium per test module, shared by every browser test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.browser.dashboard_server import launched_chromium


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with launched_chromium() as chromium:
        yield chromium
