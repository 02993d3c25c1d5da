"""Fuzzing the path from feed bytes to the warehouse: generated RSS/Atom with hostile text, and raw bytes.

Every document must end one of two documented ways: `ingest.parse_feed` raises
`FeedMalformed` with a one-line reason (what the fetcher and the archive record), or
it returns articles that `warehouse.store_documents` stores in a real DuckDB file, all
of them accounted for and none twice (storing the same document again adds nothing).
No other exception, and the process's memory stays bounded.

CI runs 200 examples per test; NEWSTALLY_FUZZ_EXAMPLES=5000 runs a longer campaign.
"""

from __future__ import annotations

import itertools
import os
import resource
from datetime import UTC, datetime
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import warehouse
from ingest.errors import FeedMalformed
from ingest.feeds import parse_feed
from tests.conftest import SHIPPED_WATCHLIST

EXAMPLES = int(os.environ.get("NEWSTALLY_FUZZ_EXAMPLES", "200"))
FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,  # nothing written into the working tree
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    # Shrinking megabyte documents can take Hypothesis its full five minutes; in CI a failure
    # is reported as found (the assertion names the document). NEWSTALLY_FUZZ_SHRINK=1 shrinks.
    phases=[Phase.explicit, Phase.reuse, Phase.generate]
    + ([Phase.shrink] if os.environ.get("NEWSTALLY_FUZZ_SHRINK") else []),
)
# A failing example of a megabyte is reported at its full size, which is what we want.
pytestmark = pytest.mark.filterwarnings("ignore:Generating overly large repr:hypothesis.errors.HypothesisWarning")
FETCHED_AT = datetime(2024, 5, 1, 12, tzinfo=UTC)
# Loose: parsing a few MB and a DuckDB connection cost tens of MB; a leak per document
# over hundreds of examples would cost far more.
MEMORY_GROWTH_LIMIT_MB = 400

# --- strategies -----------------------------------------------------------------------------------

HOSTILE_PIECES = [
    "&amp;",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "&#0;",
    "&#x1F600;",
    "&#xD800;",
    "&#56320;",
    "&nbsp;",
    "&bogus;",
    "]]>",
    "<![CDATA[",
    "<b>bold</b>",
    "<script>x()</script>",
    "'; DROP TABLE articles; --",
    "%_\\",
    "\u202e",
    "\ufeff",
    "\x00",
    "\x1b[31m",
    "Putin",
    "Trump-Putin",
    "Xi'an",
    "NATO",
]
huge_text = st.builds(lambda char, count: char * count, st.sampled_from("xé字 <&"), st.integers(10_000, 200_000))
everyday_hostile_text = st.one_of(
    st.text(max_size=60),
    st.lists(st.sampled_from(HOSTILE_PIECES), max_size=6).map("".join),
    st.text(alphabet=st.characters(max_codepoint=0x20), max_size=20),  # control characters
)
# A huge value in one field of twenty: enough to reach every size cap, few enough to stay fast.
hostile_text = st.integers(0, 19).flatmap(lambda pick: huge_text if pick == 0 else everyday_hostile_text)
odd_dates = st.one_of(
    st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31)).map(
        lambda moment: moment.strftime("%a, %d %b %Y %H:%M:%S +0000")
    ),
    st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31)).map(
        lambda moment: moment.isoformat() + "Z"
    ),
    st.sampled_from(
        [
            "",
            "yesterday",
            "Mon, 31 Feb 2018 25:61:00 +9999",
            "0000-00-00T00:00:00Z",
            "Thu, 01 Jan 1970 00:00:00 GMT",
            "9999-12-31T23:59:59Z",
            "-0001-01-01",
            "2018-07-16T12:00:00+25:00",
            "Mon, 16 Jul 2018 12:00:00 XYZ",
            "99999999999999999999",
        ]
    ),
    hostile_text,
)


@st.composite
def text_node(draw, name: str) -> str:
    """An element whose text is escaped, wrapped in CDATA, or pasted raw (often breaking the XML)."""
    value = draw(hostile_text)
    how = draw(st.sampled_from(["escaped", "escaped", "cdata", "raw"]))
    if how == "escaped":
        inner = escape(value)
    elif how == "cdata":
        inner = f"<![CDATA[{value}]]>"
    else:
        inner = value
    return f"<{name}>{inner}</{name}>"


@st.composite
def rss_item(draw) -> str:
    parts = []
    if draw(st.booleans()):
        parts.append(draw(text_node("title")))
    if draw(st.booleans()):
        parts.append(draw(text_node("description")))
    if draw(st.booleans()):
        parts.append(f"<guid>{escape(draw(hostile_text))}</guid>")
    if draw(st.booleans()):
        link = draw(st.sampled_from(["https://news.example/", "http://x.example/a?utm_source=1&b=", "javascript:", ""]))
        parts.append(f"<link>{escape(link + draw(hostile_text)[:50])}</link>")
    if draw(st.booleans()):
        parts.append(f"<pubDate>{escape(draw(odd_dates))}</pubDate>")
    return f"<item>{''.join(parts)}</item>"


@st.composite
def atom_entry(draw) -> str:
    parts = [draw(text_node("title")), f"<id>{escape(draw(hostile_text))}</id>"]
    if draw(st.booleans()):
        parts.append(f'<link href="{escape(draw(hostile_text)[:80], {chr(34): "&quot;"})}"/>')
    if draw(st.booleans()):
        parts.append(f"<updated>{escape(draw(odd_dates))}</updated>")
    if draw(st.booleans()):
        parts.append(draw(text_node("summary")))
    if draw(st.booleans()):
        parts.append(f'<content type="html">{escape(draw(hostile_text))}</content>')
    return f"<entry>{''.join(parts)}</entry>"


@st.composite
def feed_documents(draw) -> bytes:
    kind = draw(st.sampled_from(["rss2", "atom", "rss1"]))
    title = draw(text_node("title"))
    if kind == "atom":
        entries = "".join(draw(st.lists(atom_entry(), max_size=12)))
        document = f'<feed xmlns="http://www.w3.org/2005/Atom">{title}{entries}</feed>'
    elif kind == "rss1":
        items = "".join(draw(st.lists(rss_item(), max_size=12))).replace("<item>", '<item rdf:about="x">')
        document = (
            '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/">'
            f"<channel>{title}</channel>{items}</rdf:RDF>"
        )
    else:
        items = "".join(draw(st.lists(rss_item(), max_size=12)))
        document = f'<rss version="2.0"><channel>{title}{items}</channel></rss>'
    declaration = draw(
        st.sampled_from(
            [
                '<?xml version="1.0" encoding="utf-8"?>',
                '<?xml version="1.0" encoding="windows-1251"?>',
                '<?xml version="1.0" encoding="bogus-42"?>',
                "",
            ]
        )
    )
    body = (declaration + document).encode("utf-8", errors="surrogatepass")
    cut = draw(st.one_of(st.none(), st.integers(0, len(body))))  # a transfer cut short
    return body if cut is None else body[:cut]


mutated_bytes = st.one_of(
    st.binary(max_size=4096),
    st.builds(
        lambda document, position, junk: document[:position] + junk + document[position:],
        feed_documents(),
        st.integers(0, 2000),
        st.binary(min_size=1, max_size=64),
    ),
    st.sampled_from([b"\xef\xbb\xbf", b"\xff\xfe<\x00r\x00s\x00s\x00", b"<html><title>502</title></html>", b"<rss"]),
)

# --- the property ------------------------------------------------------------------------------------


def rss_megabytes() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Ledger:
    """Parses each document, stores the parsed ones in batches of outlets of their own, and checks where each ended.

    Batches of 25 documents per transaction, as the archive ingest stores them: opening the
    warehouse for each example would make the fuzz run ten times slower for no more coverage.
    """

    BATCH = 25

    def __init__(self, wh: warehouse.Warehouse) -> None:
        self.wh = wh
        self.numbers = itertools.count()
        self.pending: list[tuple[warehouse.FeedDocument, bytes]] = []
        self.stored = self.refused = 0

    def ingest(self, body: bytes) -> None:
        try:
            parsed = parse_feed(body, fetched_at=FETCHED_AT, base_url="https://news.example/feed")
        except FeedMalformed as error:
            reason = str(error)
            assert reason.strip(), "a refusal must say why"
            assert "\n" not in reason, f"a refusal is one line: {reason!r}"
            self.refused += 1
            return
        assert parsed.items_seen >= len(parsed.articles)
        assert parsed.error is None or "\n" not in parsed.error
        outlet = f"fuzz outlet {next(self.numbers)}"
        self.pending.append((warehouse.FeedDocument(outlet, parsed.articles, parsed.fetched_at), body))
        if len(self.pending) >= self.BATCH:
            self.flush()

    def flush(self) -> None:
        documents = [document for document, _ in self.pending]
        bodies = [body for _, body in self.pending]
        self.pending = []
        if not documents:
            return
        before = self.total_articles()
        try:
            counts = warehouse.store_documents(self.wh, documents)
        except Exception as error:
            raise AssertionError(f"storing failed ({error!r}) for one of these documents: {bodies!r}") from error
        for document, new, body in zip(documents, counts, bodies, strict=True):
            assert new <= len(document.articles), body
            # Each document has an outlet of its own, so its first article at least is new.
            assert (new > 0) == bool(document.articles), body
        assert self.total_articles() == before + sum(counts), "every new article is stored, once"
        assert warehouse.store_documents(self.wh, documents) == [0] * len(documents), "storing again adds nothing"
        self.stored += len(documents)

    def total_articles(self) -> int:
        return warehouse.search_articles(self.wh, limit=1)[1]


def test_generated_feeds_parse_and_store_or_are_refused_in_one_line(tmp_path: Path):
    wh = warehouse.open_warehouse(tmp_path / "fuzz.duckdb", watchlist_path=SHIPPED_WATCHLIST)
    ledger = Ledger(wh)
    start_mb = rss_megabytes()

    @FUZZ_SETTINGS
    @given(feed_documents())
    def ingest_one(body: bytes) -> None:
        ledger.ingest(body)

    ingest_one()
    ledger.flush()
    assert ledger.stored > 0, "the strategies must reach the warehouse, not only the refusals"
    assert rss_megabytes() - start_mb < MEMORY_GROWTH_LIMIT_MB
    assert warehouse.check_integrity(wh, watchlist_path=SHIPPED_WATCHLIST) == []


def test_raw_and_mutated_bytes_parse_and_store_or_are_refused_in_one_line(tmp_path: Path):
    wh = warehouse.open_warehouse(tmp_path / "fuzz.duckdb", watchlist_path=SHIPPED_WATCHLIST)
    ledger = Ledger(wh)
    start_mb = rss_megabytes()

    @FUZZ_SETTINGS
    @given(mutated_bytes)
    def ingest_one(body: bytes) -> None:
        ledger.ingest(body)

    ingest_one()
    ledger.flush()
    assert ledger.refused > 0
    assert rss_megabytes() - start_mb < MEMORY_GROWTH_LIMIT_MB
    assert warehouse.check_integrity(wh, watchlist_path=SHIPPED_WATCHLIST) == []


def test_a_surrogate_character_reference_is_refused_or_replaced_not_a_crash():
    body = b'<rss version="2.0"><channel><item><description>&#xD800;</description></item></channel></rss>'
    try:
        parsed = parse_feed(body, fetched_at=FETCHED_AT)
    except FeedMalformed:
        return
    assert all("\ud800" not in article.summary for article in parsed.articles)
