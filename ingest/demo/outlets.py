"""The fictional outlets of demo mode, and how each one spells names.

Every outlet lives on an `.example` domain (reserved, never resolvable) and is
stored with `is_demo=True`, so demo data can never pass for real coverage. Their
house styles differ the way real style guides do (Zelenskyy or Zelensky, Erdogan
or Erdoğan, Nato or NATO), so the demo exercises every alias of the watchlist.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

FeedFormat = Literal["rss", "atom"]


@dataclass(frozen=True)
class DemoOutlet:
    """A fictional news outlet: what the warehouse stores as its source."""

    name: str
    slug: str
    homepage: str
    country: str
    language: str
    feed_format: FeedFormat = "rss"
    # Share of the day's stories this outlet publishes; the weights sum to 1.
    volume_share: float = 0.125
    # Entity id -> how much more (or less) than average this outlet covers it.
    coverage_bias: dict[str, float] = field(default_factory=dict, hash=False)
    # Entity id -> the surname this outlet's style guide prescribes.
    spellings: dict[str, str] = field(default_factory=dict, hash=False)

    @property
    def domain(self) -> str:
        return self.homepage.removeprefix("https://").rstrip("/")

    @property
    def feed_path(self) -> str:
        """Where the demo feed server serves this outlet's feed."""
        return f"/feeds/{self.slug}.{self.feed_format}"


_OUTLETS: tuple[DemoOutlet, ...] = (
    DemoOutlet(
        name="The Meridian Ledger (demo)",
        slug="meridian-ledger",
        homepage="https://meridian-ledger.example/",
        country="GB",
        language="en",
        feed_format="rss",
        volume_share=0.19,
        coverage_bias={"starmer": 2.5, "merkel": 1.2, "nato": 1.2},
        spellings={"zelensky": "Zelenskyy", "kim_jong_un": "Kim Jong-un", "nato": "Nato"},
    ),
    DemoOutlet(
        name="Baltic Wire (demo)",
        slug="baltic-wire",
        homepage="https://baltic-wire.example/",
        country="EE",
        language="en",
        feed_format="atom",
        volume_share=0.09,
        coverage_bias={"putin": 1.6, "lukashenko": 3.0, "nato": 1.8, "ukraine_war": 1.5, "energy": 1.4},
        spellings={"zelensky": "Zelensky", "lukashenko": "Lukashenka", "erdogan": "Erdoğan"},
    ),
    DemoOutlet(
        name="Pacific Courier (demo)",
        slug="pacific-courier",
        homepage="https://pacific-courier.example/",
        country="AU",
        language="en",
        feed_format="rss",
        volume_share=0.12,
        coverage_bias={"xi": 2.2, "kim_jong_un": 2.0, "modi": 1.8, "trade": 1.5, "merkel": 0.6},
        spellings={"zelensky": "Zelenskyy", "kim_jong_un": "Kim Jong Un"},
    ),
    DemoOutlet(
        name="Harbour Street Journal (demo)",
        slug="harbour-street-journal",
        homepage="https://harbour-street-journal.example/",
        country="CA",
        language="en",
        feed_format="atom",
        volume_share=0.12,
        coverage_bias={"trump": 1.2, "trade": 1.6, "g7_g20": 1.5, "energy": 1.3},
        spellings={"zelensky": "Zelenskyy", "kim_jong_un": "Kim Jong Un"},
    ),
    DemoOutlet(
        name="The Continental Review (demo)",
        slug="continental-review",
        homepage="https://continental-review.example/",
        country="DE",
        language="en",
        feed_format="rss",
        volume_share=0.14,
        coverage_bias={"merkel": 2.2, "scholz": 2.5, "merz": 2.5, "macron": 1.8, "energy": 1.3},
        spellings={"zelensky": "Zelenskiy", "erdogan": "Erdoğan", "kim_jong_un": "Kim Jong-un"},
    ),
    DemoOutlet(
        name="Northern Dispatch (demo)",
        slug="northern-dispatch",
        homepage="https://northern-dispatch.example/",
        country="NO",
        language="en",
        feed_format="atom",
        volume_share=0.08,
        coverage_bias={"nato": 1.7, "energy": 1.6, "arms_control": 1.4, "cyber": 1.3},
        spellings={"zelensky": "Zelensky", "kim_jong_un": "Kim Jong-un"},
    ),
    DemoOutlet(
        name="Cape Sentinel (demo)",
        slug="cape-sentinel",
        homepage="https://cape-sentinel.example/",
        country="ZA",
        language="en",
        feed_format="rss",
        volume_share=0.10,
        coverage_bias={"modi": 1.6, "xi": 1.4, "g7_g20": 1.6, "trade": 1.3, "nato": 0.6},
        spellings={"zelensky": "Zelensky", "kim_jong_un": "Kim Jong Un"},
    ),
    DemoOutlet(
        name="Lakeside Tribune (demo)",
        slug="lakeside-tribune",
        homepage="https://lakeside-tribune.example/",
        country="US",
        language="en",
        feed_format="atom",
        volume_share=0.16,
        coverage_bias={"trump": 1.5, "biden": 1.6, "election_interference": 1.6, "netanyahu": 1.3},
        spellings={"zelensky": "Zelensky", "kim_jong_un": "Kim Jong Un"},
    ),
)


def demo_outlets() -> list[DemoOutlet]:
    """The demo outlets, in a fixed order (the order matters to determinism)."""
    return list(_OUTLETS)


def demo_feed_urls(server_url: str) -> list[tuple[str, str]]:
    """(outlet name, feed URL) of every demo outlet on a demo feed server, for registering."""
    base = server_url.rstrip("/")
    return [(outlet.name, f"{base}{outlet.feed_path}") for outlet in _OUTLETS]


def demo_outlet(slug: str) -> DemoOutlet:
    """The demo outlet with this slug; KeyError when there is none."""
    for outlet in _OUTLETS:
        if outlet.slug == slug:
            return outlet
    raise KeyError(slug)
