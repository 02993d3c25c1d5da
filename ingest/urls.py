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
# are such, and w3lib costs about 100 µs a link. See `_simple_canonical`.
_SIMPLE_LINK = re.compile(
    r"(?P<scheme>[A-Za-z]+)://(?P<host>[A-Za-z0-9.-]+)(?P<port>:[0-9]{1,5})?"
    r"(?P<path>/[A-Za-z0-9._~/,-]*)?(?:\?(?P<query>[A-Za-z0-9._~=&-]*))?(?:#.*)?",
    re.DOTALL,
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
    simple = _simple_canonical(url)
    return simple if simple is not None else _general_canonical(url)


def _general_canonical(url: str) -> str:
    """`canonical_url` for any link: w3lib's normalisation, then our own rules."""
    try:
        parts = urlsplit(canonicalize_url(url, keep_fragments=False))
        port = parts.port
    except ValueError:
        # A broken authority ("http://[oops/", port 99999) has no canonical form;
        # the link is kept as given rather than losing the article.
        return url
    netloc = parts.netloc
    if port is not None and _DEFAULT_PORTS.get(parts.scheme) == port:
        netloc = netloc.rsplit(":", 1)[0]
    return urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), _without_tracking(parts.query), ""))


def _simple_canonical(url: str) -> str | None:
    """`_general_canonical(url)` built straight from the pieces of a simple link; None for any other link.

    Most feed links are simple (see `_SIMPLE_LINK`), and reading them once instead of
    through w3lib and two more rounds of splitting and joining halves the cost of a
    feed item. tests/unit/test_urls.py holds the two paths to the same answers.
    """
    simple = _SIMPLE_LINK.fullmatch(url)
    if simple is None or "/." in (simple["path"] or ""):
        return None  # dot segments ("/./", "/../") are w3lib's to resolve
    query = simple["query"] or ""
    if "=" in query and ("==" in query or any(part.count("=") > 1 for part in query.split("&"))):
        return None
    scheme, port = simple["scheme"].lower(), simple["port"]
    netloc = simple["host"].lower()
    if port is not None:
        number = int(port[1:])
        if number > 65535:
            return None
        if _DEFAULT_PORTS.get(scheme) != number:
            netloc += f":{number}"
    pairs = sorted((key, value) for key, _, value in (part.partition("=") for part in query.split("&") if part))
    query = _without_tracking("&".join(f"{key}={value}" for key, value in pairs))
    return urlunsplit((scheme, netloc, (simple["path"] or "").rstrip("/"), query, ""))


def _without_tracking(query: str) -> str:
    return "&".join(pair for pair in query.split("&") if pair and not is_tracking_parameter(pair.split("=", 1)[0]))


def require_http_url(url: str) -> str:
    """Return the URL if it can be fetched over http(s); otherwise raise FeedMalformed.

    Other schemes (file:, ftp:, javascript:) and host-less URLs are refused here so
    that a feed list can never make the fetcher read local files.
    """
    parts = urlsplit(url.strip())
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise FeedMalformed(f"not an http(s) URL: {url!r}")
    return url.strip()
