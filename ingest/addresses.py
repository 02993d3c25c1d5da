"""Keeping feed requests off this machine and private networks (SSRF), for `--block-private`.

A feed list is user input: a URL naming 127.0.0.1, a 10.x host, a cloud metadata
address (169.254.169.254) or a name that resolves to one would make the fetcher a
way into the local network. With the guard on, every request the HTTP client sends,
each redirect hop included, first resolves its host and is refused when any of its
addresses is not public; and every response is checked against the address the
connection really reached, so a name that resolves to a public address for the
check and a private one for the connection (DNS rebinding) is refused too, before
its body is read.

A refusal raises `AddressBlocked`, an `httpx.UnsupportedProtocol`, which
`ingest.feeds.fetch_feed` records as a permanent error of that fetch.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Sequence
from urllib.parse import urlsplit

import httpx

from ingest.errors import FeedMalformed

__all__ = ["AddressBlocked", "Resolver", "address_kind", "guard_client", "require_public_url", "system_resolver"]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Sequence[str]]

_DEFAULT_PORTS = {"http": 80, "https": 443}
_GUARD_MARK = "_newstally_private_guard"


class AddressBlocked(httpx.UnsupportedProtocol):
    """A request to an address that is not public, refused under `--block-private`."""


def system_resolver(host: str, port: int) -> list[str]:
    """Every address the system resolver gives for `host` (an IP literal resolves to itself)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({str(info[4][0]) for info in infos})


def address_kind(text: str) -> str | None:
    """None for a public address; otherwise what it is: loopback, private, link-local, ..."""
    try:
        address: IPAddress = ipaddress.ip_address(text.split("%", 1)[0])  # drop an IPv6 zone id
    except ValueError:
        return "unparseable"
    if isinstance(address, ipaddress.IPv6Address):
        # ::ffff:127.0.0.1 and 64:ff9b::7f00:1 reach the IPv4 address inside them.
        embedded = address.ipv4_mapped or address.sixtofour or _nat64(address)
        if embedded is not None:
            return address_kind(str(embedded))
    for kind, test in (
        ("unspecified", address.is_unspecified),
        ("loopback", address.is_loopback),
        ("link-local", address.is_link_local),
        ("multicast", address.is_multicast),
        ("private", address.is_private),
        ("reserved", address.is_reserved),
    ):
        if test:
            return kind
    return None if address.is_global else "non-public"


def _nat64(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if address in ipaddress.IPv6Network("64:ff9b::/96"):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def _refusal(host: str, blocked: Sequence[tuple[str, str]]) -> str:
    address, kind = blocked[0]
    shown = host if host == address else f"{host} resolves to {address}, which"
    return f"{shown} is a {kind} address: refused by --block-private"


def _blocked_addresses(host: str, port: int, resolver: Resolver) -> list[tuple[str, str]]:
    literal = host.strip("[]")
    if _is_ip_literal(literal):
        kind = address_kind(literal)
        return [(literal, kind)] if kind is not None else []
    try:
        addresses = resolver(host, port)
    except (OSError, UnicodeError):
        # Not resolvable now: the request itself will fail and be recorded as such.
        return []
    return [(address, kind) for address in addresses if (kind := address_kind(address)) is not None]


def _is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False
    return True


def require_public_url(url: str, *, resolver: Resolver = system_resolver) -> str:
    """The URL if every address its host resolves to is public; else FeedMalformed saying which is not."""
    parts = urlsplit(url.strip())
    host = parts.hostname or ""
    try:
        port = parts.port or _DEFAULT_PORTS.get(parts.scheme.lower(), 80)
    except ValueError as error:
        raise FeedMalformed(f"not a usable URL: {url!r}") from error
    blocked = _blocked_addresses(host, port, resolver)
    if blocked:
        raise FeedMalformed(f"{url}: {_refusal(host, blocked)}")
    return url


def guard_client(client: httpx.Client, *, resolver: Resolver = system_resolver) -> httpx.Client:
    """Make `client` refuse requests and responses involving non-public addresses; returns it."""
    if getattr(client, _GUARD_MARK, False):
        return client

    def check_request(request: httpx.Request) -> None:
        host = request.url.host
        port = request.url.port or _DEFAULT_PORTS.get(request.url.scheme, 80)
        blocked = _blocked_addresses(host, port, resolver)
        if blocked:
            raise AddressBlocked(_refusal(host, blocked), request=request)

    def check_peer(response: httpx.Response) -> None:
        stream = response.extensions.get("network_stream")
        peer = stream.get_extra_info("server_addr") if stream is not None else None
        if not peer:
            return
        kind = address_kind(str(peer[0]))
        if kind is not None:
            raise AddressBlocked(
                f"{response.request.url.host} connected to {peer[0]}, which is a {kind} address:"
                " refused by --block-private",
                request=response.request,
            )

    hooks = client.event_hooks
    client.event_hooks = {
        "request": [*hooks.get("request", []), check_request],
        "response": [*hooks.get("response", []), check_peer],
    }
    setattr(client, _GUARD_MARK, True)
    return client
