"""Fixtures the integration tests share: a feed server on 127.0.0.1 and the HTTP client ingest uses.

A test file that needs a server with its own routes defines its own `server`, which takes precedence.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from ingest import make_client
from tests.integration.feed_server import FeedServer, running_feed_server


@pytest.fixture
def server() -> Iterator[FeedServer]:
    """A running feed server with no routes yet; stopped after the test."""
    with running_feed_server() as running:
        yield running


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    """The client `fetch_feed` is given in production: its timeouts, limits and user agent."""
    with make_client() as http:
        yield http
