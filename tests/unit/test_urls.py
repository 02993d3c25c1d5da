"""canonical_url and require_http_url."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ingest import FeedMalformed, canonical_url, require_http_url


def test_scheme_and_host_are_lower_cased_but_the_path_is_not():
    assert canonical_url("HTTPS://News.Example.COM/World/Story") == "https://news.example.com/World/Story"


@pytest.mark.parametrize(
    "parameter", ["utm_source=rss", "UTM_Campaign=x", "fbclid=abc", "gclid=1", "mc_cid=2", "mc_eid=3"]
)
def test_tracking_parameters_are_removed(parameter: str):
    assert canonical_url(f"https://example.com/a?id=7&{parameter}") == "https://example.com/a?id=7"


def test_meaningful_parameters_are_kept_in_a_stable_order():
    assert canonical_url("https://example.com/a?b=2&a=1") == canonical_url("https://example.com/a?a=1&b=2")
    assert canonical_url("https://example.com/a?b=2&a=1") == "https://example.com/a?a=1&b=2"


def test_fragment_is_removed():
    assert canonical_url("https://example.com/story#comments") == "https://example.com/story"


def test_trailing_slash_is_removed():
    assert canonical_url("https://example.com/world/story/") == "https://example.com/world/story"
    assert canonical_url("https://example.com/") == "https://example.com"


def test_default_port_is_dropped_and_others_kept():
    assert canonical_url("http://example.com:80/a") == "http://example.com/a"
    assert canonical_url("https://example.com:443/a") == "https://example.com/a"
    assert canonical_url("http://127.0.0.1:8080/a") == "http://127.0.0.1:8080/a"


def test_differently_decorated_links_to_one_story_agree():
    links = [
        "https://www.example.com/world/summit-ends/",
        "HTTPS://WWW.EXAMPLE.COM/world/summit-ends?utm_source=twitter&utm_medium=social",
        "https://www.example.com/world/summit-ends#top",
    ]

    assert {canonical_url(link) for link in links} == {"https://www.example.com/world/summit-ends"}


def test_non_ascii_paths_are_percent_encoded():
    assert (
        canonical_url("https://example.com/новости") == "https://example.com/%D0%BD%D0%BE%D0%B2%D0%BE%D1%81%D1%82%D0%B8"
    )


def test_blank_link_gives_empty_string():
    assert canonical_url("  ") == ""


def test_a_link_too_broken_to_normalise_is_kept_as_given():
    assert canonical_url("http://[not-an-ip/story") == "http://[not-an-ip/story"


@pytest.mark.parametrize("url", ["http://example.com/feed", "https://example.com/rss.xml"])
def test_http_and_https_urls_are_accepted(url: str):
    assert require_http_url(url) == url


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "ftp://example.com/feed", "javascript:alert(1)", "example.com/feed", "https://"]
)
def test_other_urls_are_refused_as_malformed(url: str):
    with pytest.raises(FeedMalformed, match="not an http"):
        require_http_url(url)


@pytest.mark.parametrize(
    "link",
    [
        "https://Example.COM/A/b/",
        "https://example.com/a?b=2&a=1",
        "https://example.com/a?b&a=1",
        "https://example.com:443/a",
        "https://example.com/a#x",
        "https://example.com",
        "https://example.com/a?a=1&a=0",
        "https://example.com/a/?",
        "HTTPS://example.com/a",
        "https://example.com/a?=x",
        "https://example.com/a?a==b",
        "https://example.com/a?a=b=c",
        "https://example.com/a?&&a=1",
        "https://example.com/news/2024/05/06/story-1.html?ref=rss&utm_source=x",
        "https://example.com/a%2Fb?q=%41",
        "https://пример.рф/новости?a=1",
        "https://example.com/a b?c d=e f",
        "https://example.com/a;p?q",
    ],
)
def test_simple_links_are_canonicalised_exactly_as_the_general_path_does(link: str):
    from ingest.urls import _general_canonical, _simple_canonical

    assert _simple_canonical(link) in (None, _general_canonical(link))


_SIMPLE_PIECE = st.text(alphabet="aZ09._~-,/", max_size=6)


@given(
    scheme=st.sampled_from(["http", "https", "HTTPS", "ftp"]),
    host=st.text(alphabet="aZ09.-", min_size=1, max_size=8),
    port=st.sampled_from(["", ":80", ":443", ":8080", ":0", ":99999", ":080"]),
    path=st.one_of(st.just(""), _SIMPLE_PIECE.map(lambda piece: "/" + piece)),
    query=st.one_of(st.just(""), st.text(alphabet="ab=&_-utm.", max_size=12).map(lambda q: "?" + q)),
    fragment=st.sampled_from(["", "#", "#a==b", "#x?y"]),
)
def test_the_fast_path_agrees_with_w3lib_on_generated_simple_links(scheme, host, port, path, query, fragment):
    from ingest.urls import _general_canonical, _simple_canonical

    link = f"{scheme}://{host}{port}{path}{query}{fragment}"
    assert _simple_canonical(link) in (None, _general_canonical(link))
