"""--block-private: which addresses count as public, and that every request and redirect hop is checked."""

from __future__ import annotations

import httpx
import pytest

from ingest.addresses import AddressBlocked, address_kind, guard_client, require_public_url
from ingest.errors import FeedMalformed


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("127.0.0.1", "loopback"),
        ("127.8.9.10", "loopback"),
        ("::1", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.5.4", "private"),
        ("192.168.1.1", "private"),
        ("169.254.169.254", "link-local"),  # cloud metadata
        ("fe80::1%eth0", "link-local"),
        ("fc00::1", "private"),
        ("0.0.0.0", "unspecified"),
        ("224.0.0.1", "multicast"),
        ("240.0.0.1", "private"),  # reserved; Python files it under private too
        ("100.64.0.1", "non-public"),  # carrier-grade NAT
        ("::ffff:127.0.0.1", "loopback"),  # IPv4-mapped
        ("64:ff9b::7f00:1", "loopback"),  # NAT64 of 127.0.0.1
        ("2002:7f00:1::", "loopback"),  # 6to4 of 127.0.0.1
    ],
)
def test_non_public_addresses_are_named_by_kind(address: str, kind: str):
    assert address_kind(address) == kind


@pytest.mark.parametrize("address", ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111"])
def test_public_addresses_pass(address: str):
    assert address_kind(address) is None


def fake_dns(table: dict[str, list[str]]):
    def resolve(host: str, port: int) -> list[str]:
        if host in table:
            return table[host]
        raise OSError(f"no such host {host}")

    return resolve


def client_with(handler, resolver) -> tuple[httpx.Client, list[str]]:
    requested: list[str] = []

    def record(request: httpx.Request) -> httpx.Response:
        requested.append(str(request.url))
        return handler(request)

    client = httpx.Client(transport=httpx.MockTransport(record), follow_redirects=True)
    return guard_client(client, resolver=resolver), requested


def test_a_host_with_any_private_address_among_its_addresses_is_refused_before_any_request():
    client, requested = client_with(
        lambda request: httpx.Response(200, text="<rss/>"),
        fake_dns({"mixed.example": ["93.184.216.34", "10.0.0.7"]}),
    )
    with pytest.raises(AddressBlocked, match=r"mixed.example resolves to 10.0.0.7, which is a private address"):
        client.get("http://mixed.example/feed")
    assert requested == []


def test_a_redirect_from_a_public_host_to_a_private_one_is_refused_at_the_hop():
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "public.example":
            return httpx.Response(302, headers={"Location": "http://169.254.169.254/latest/meta-data/"})
        return httpx.Response(200, text="secret")

    client, requested = client_with(handler, fake_dns({"public.example": ["93.184.216.34"]}))
    with pytest.raises(AddressBlocked, match=r"169\.254\.169\.254 is a link-local address"):
        client.get("http://public.example/feed")
    assert requested == ["http://public.example/feed"]


def test_public_hosts_are_fetched_as_usual():
    client, requested = client_with(
        lambda request: httpx.Response(200, text="<rss/>"), fake_dns({"news.example": ["93.184.216.34"]})
    )
    assert client.get("http://news.example/feed").text == "<rss/>"
    assert requested == ["http://news.example/feed"]


def test_guarding_a_client_twice_adds_the_checks_once():
    client = httpx.Client(transport=httpx.MockTransport(lambda request: httpx.Response(200)))
    guard_client(guard_client(client))
    assert len(client.event_hooks["request"]) == 1
    assert len(client.event_hooks["response"]) == 1


def test_require_public_url_names_the_address_and_the_flag():
    with pytest.raises(FeedMalformed, match=r"127.0.0.1 is a loopback address: refused by --block-private"):
        require_public_url("http://127.0.0.1:8080/rss")
    resolver = fake_dns({"feeds.example": ["93.184.216.34"]})
    assert require_public_url("https://feeds.example/rss", resolver=resolver) == "https://feeds.example/rss"
