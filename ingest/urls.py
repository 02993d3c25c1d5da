"""Canonical article URLs, so one story reached through differently decorated links is stored once."""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

from w3lib.url import canonicalize_url

from ingest.errors import FeedMalformed

__all__ = ["canonical_url", "is_tracking_parameter", "require_http_url"]

# Parameters that say how a reader arrived, not what they read.
_TRACKING_PREFIXES = ("utm_", "at_", "pk_", "mtm_", "ga_")
_TRACKING_NAMES = frozenset(
    {
        "fbclid", "gclid", "dclid", "gclsrc", "msclkid", "yclid", "twclid", "igshid",
        "mc_cid", "mc_eid", "_hsenc", "_hsmi", "mkt_tok", "oly_anon_id", "oly_enc_id",
        "vero_id", "wickedid", "rb_clickid", "s_cid", "cmpid", "cmp", "ito", "ns_mchannel",
        "ns_source", "ns_campaign", "ns_linkname", "ns_fee", "ocid", "ref_src", "smid", "sr_share",
    }
)  # fmt: skip

_DEFAULT_PORTS = {"http": 80, "https": 443}


def is_tracking_parameter(name: str) -> bool:
    """Whether a query parameter only tracks the reader (utm_*, fbclid, gclid, mc_cid...)."""
    lowered = name.lower()
    return lowered in _TRACKING_NAMES or lowered.startswith(_TRACKING_PREFIXES)


# Links made only of these characters are canonicalised here, as w3lib would, without
# its general machinery (percent-encoding, IDNA, query re-encoding): most feed links
# are such, and w3lib costs about 100 µs a link.
_SIMPLE_LINK = re.compile(
    r"(?P<scheme>[A-Za-z]+)://(?P<host>[A-Za-z0-9.-]+)(?P<port>:[0-9]{1,5})?"
    r"(?P<path>/[A-Za-z0-9._~/,-]*)?(?:\?(?P<query>[A-Za-z0-9._~=&-]*))?(?:#.*)?",
    re.DOTALL,
)


def _w3lib_canonical(url: str) -> str:
    """What `w3lib.url.canonicalize_url(url, keep_fragments=False)` returns, quickly for simple links."""
    simple = _SIMPLE_LINK.fullmatch(url)
    if simple is None or "==" in url or any(part.count("=") > 1 for part in (simple["query"] or "").split("&")):
        return canonicalize_url(url, keep_fragments=False)
    pairs = sorted(
        (key, value) for key, _, value in (part.partition("=") for part in (simple["query"] or "").split("&") if part)
    )
    query = "&".join(f"{key}={value}" for key, value in pairs)
    return urlunsplit(
        (simple["scheme"].lower(), simple["host"].lower() + (simple["port"] or ""), simple["path"] or "/", query, "")
    )


def canonical_url(url: str) -> str:
    """The one spelling of a link that the warehouse deduplicates on.

    Scheme and host lower-cased, default port dropped, percent-encoding normalised,
    query parameters sorted with tracking ones removed, fragment removed, and a
    trailing slash removed. Returns "" for an empty or blank link, and the link as
    given when it is too broken to normalise.
    """
    url = url.strip()
    if not url:
        return ""
    try:
        parts = urlsplit(_w3lib_canonical(url))
        port = parts.port
    except ValueError:
        # A broken authority ("http://[oops/", port 99999) has no canonical form;
        # the link is kept as given rather than losing the article.
        return url
    query = "&".join(
        pair for pair in parts.query.split("&") if pair and not is_tracking_parameter(pair.split("=", 1)[0])
    )
    netloc = parts.netloc
    if port is not None and _DEFAULT_PORTS.get(parts.scheme) == port:
        netloc = netloc.rsplit(":", 1)[0]
    path = parts.path.rstrip("/")
    return urlunsplit((parts.scheme, netloc, path, query, ""))


def require_http_url(url: str) -> str:
    """Return the URL if it can be fetched over http(s); otherwise raise FeedMalformed.

    Other schemes (file:, ftp:, javascript:) and host-less URLs are refused here so
    that a feed list can never make the fetcher read local files.
    """
    parts = urlsplit(url.strip())
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise FeedMalformed(f"not an http(s) URL: {url!r}")
    return url.strip()
