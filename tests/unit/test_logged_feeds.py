"""The logged feed servers of the multi-scheduler test: they name the client process, and overlaps are found."""

from __future__ import annotations

import http.client
import os
from datetime import date
from urllib.parse import urlsplit

from tests.integration.logged_feeds import (
    FeedRequest,
    Publisher,
    fetched_again_too_soon,
    overlapping_fetches,
    running_feed_servers,
)


def test_the_server_logs_the_process_that_fetched_and_what_it_was_given():
    publisher = Publisher(feeds=3)
    with running_feed_servers(publisher, servers=2) as servers:
        address = urlsplit(servers.urls[2])
        connection = http.client.HTTPConnection(address.hostname or "", address.port, timeout=10)
        try:
            connection.request("GET", address.path)
            response = connection.getresponse()
            body = response.read()
        finally:
            connection.close()
    assert response.status == 200
    assert b'<guid isPermaLink="false">f2-0</guid>' in body
    assert b"Putin and Trump talk by phone, item 0 of feed 2" in body  # (2 + 0) % 4 == 2: both leaders
    [request] = servers.log()
    assert (request.feed, request.pid, request.status) == (2, os.getpid(), 200)
    assert request.ended is not None and request.ended >= request.started


def test_titles_name_putin_trump_both_or_neither_and_the_daily_counts_follow():
    publisher = Publisher(feeds=2)  # before start(): one item per feed, published on the first day
    assert publisher.published() == {("Outlet 000", "f0-0"), ("Outlet 001", "f1-0")}
    # Feed 0 item 0 is kind 0 (Putin alone), feed 1 item 0 kind 1 (Trump alone).
    assert publisher.articles_per_day("putin") == {date(2024, 5, 1): 1}
    assert publisher.articles_per_day("trump") == {date(2024, 5, 1): 1}


def test_requests_for_one_feed_in_flight_together_are_reported_and_one_after_another_are_not():
    one_after_another = [FeedRequest(1, 10, 0.0, 1.0, 200), FeedRequest(1, 11, 1.5, 2.0, 200)]
    assert overlapping_fetches(one_after_another) == []
    other_feeds_at_once = [FeedRequest(1, 10, 0.0, 1.0, 200), FeedRequest(2, 11, 0.5, 2.0, 200)]
    assert overlapping_fetches(other_feeds_at_once) == []
    # The second starts while a long first one still runs, even after a short one ended in between.
    nested = [FeedRequest(1, 10, 0.0, 5.0, 200), FeedRequest(1, 11, 1.0, 2.0, 200), FeedRequest(1, 12, 3.0, 4.0, 200)]
    found = overlapping_fetches(nested)
    assert len(found) == 2
    assert found[0].startswith("feed 1: pid 10 [0.000, 5.000] and pid 11")
    never_ended = [FeedRequest(3, 10, 0.0, None, None), FeedRequest(3, 11, 9.0, 9.5, 200)]
    assert len(overlapping_fetches(never_ended)) == 1


def test_a_feed_fetched_again_before_its_interval_is_reported_unless_the_killed_worker_fetched_it_first():
    paced = [FeedRequest(1, 10, 0.0, 1.0, 200), FeedRequest(1, 11, 61.0, 62.0, 200)]
    assert fetched_again_too_soon(paced, 30, excused=None) == []
    twice = [FeedRequest(1, 10, 0.0, 1.0, 200), FeedRequest(1, 11, 4.0, 5.0, 200)]
    assert fetched_again_too_soon(twice, 30, excused=None) == ["feed 1: pid 11 at 4.000, 4.000 s after pid 10"]
    assert fetched_again_too_soon(twice, 30, excused=10) == []
