"""The SQL tally and the Python reference matcher count exactly the same, on text chosen to trip them up."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import duckdb
import pandas as pd
import pytest

from tests.conftest import SHIPPED_WATCHLIST
from warehouse.counting import rollups, tally
from warehouse.counting.tally import counted_hits, mention_rows, tally_articles
from warehouse.counting.watchlist import Watchlist, load_watchlist, parse_watchlist
from warehouse.engine.db import migrate

WATCHLIST = load_watchlist(SHIPPED_WATCHLIST)

HAND_WRITTEN = [
    ("Putin arrives in Helsinki", ""),
    ("Putinism and Trumpian politics", "antiPutin xVladimir Putin"),
    ("She played her trump card", "TRUMP CARD; Trump card"),
    ("Putin's press secretary and Trump’s lawyer", '(Putin) [Trump] «Putin» "Trump"'),
    ("Trump-Putin summit ends", "Putin–Trump, Putin/Trump, Putin_Trump, Putin.Trump"),
    ("Vladimir Putin spoke; later Putin left", "Vladimir  Putin\nand Vladimir\nPutin"),
    ("Melania Trump waved as Trump spoke", "Melania Trump Trump, Melania Trump Melania Trump"),
    ("Donald Trump Jr. testifies", "Donald Trump Jr. Trump; Donald Trump Jr Trump; Donald Trump Tower"),
    ("Flights to Xi'an resume", "Xi's visit was delayed; Xi’an; Xian; Xi Jinping; Xi Jinpings; President Xi'an"),
    ("Zelenskyy meets Macron", "Zelensky and Macron discussed Crimea. Olena Zelenska and Brigitte Macron too."),
    ("Sanctions widen", "banks sanctioned; SANCTIONS bite; the sanctity of law; sanction-hit"),
    ("Путин и Трамп", "встреча Путина, письмо Путину, ПУТИН, путин, Путинизм"),
    ("习近平会见普京", "特朗普京 特朗普和普京 普京Putin Putin普京 美国总统Trump表示"),
    ("NATO allies meet", "a nato-style arrangement; Nato; OTAN; НАТО; 北约"),
    ("Putin Putin Putin", "Trump Trump,Trump-Trump"),
    ("Erdoğan and Erdogan", "ERDOĞAN, Recep Tayyip Erdoğan, Emine Erdoğan"),
    ("Kim Jong\nUn", "Kim  Jong-un; Kim Jong-Un; KIM JONG UN"),
    ("hackers hack", "HACKED; shack, whack; cyber-attacks; cyberattack"),
    ("gas prices soar 🚀", "natural gas; gas pipelines; газопровод; газа 🙂 Nord Stream"),
    ("trade war in Ukraine?", "Ukraine war, Russia-Ukraine war; trade wars; war in Ukraine"),
    ("Starmer 斯塔默茨", "默茨 Merz; Friedrich Merz's"),
    ("G7, G-7 and G20", "G7G20; the G8's; Group of Seven"),
    ("İSTANBUL ſanctions", "SANCTİONS; ſanction"),
    ("", ""),
    ("Trump", "Putin"),
    ("Emoji 🙂Trump🙂", "Trump🙂Putin"),
    ("Thai ปูติน and Korean 푸틴", "Modi Moditeam Narendra Modi"),
    ("Netanyahu and Sara Netanyahu", "Benjamin Netanyahu; Yair Netanyahu's"),
    ("ceasefire, cease-fire, truce", "peace talks; peace deals; armistice"),
]

FRAGMENTS = [
    "Putin",
    "Vladimir Putin",
    "Trump",
    "Donald Trump",
    "Melania Trump",
    "Donald Trump Jr.",
    "Trump Tower",
    "trump card",
    "Xi",
    "Xi'an",
    "Xi Jinping",
    "President Xi",
    "习近平",
    "普京",
    "特朗普",
    "Путина",
    "Путін",
    "NATO",
    "nato",
    "sanctions",
    "SANCTIONED",
    "Erdoğan",
    "Emine Erdogan",
    "Zelensky",
    "Зеленского",
    "war",
    "trade war",
    "war in Ukraine",
    "Ukraine",
    "gas",
    "natural gas",
    "газ",
    "energy",
    "hack",
    "G7",
    "Merz",
    "斯塔默",
    "默茨",
    "news",
    "said",
    "the",
    "x",
    "42",
    "_",
    "é",
]
SEPARATORS = [" ", " ", " ", "-", ", ", "'s ", "’s ", "\n", "", "(", ") ", "🙂", "  ", ". ", "/", "_"]


def _generated(count: int, seed: int = 20251125) -> list[tuple[str, str]]:
    rng = random.Random(seed)

    def line(words: int) -> str:
        pieces = []
        for _ in range(words):
            pieces.append(rng.choice(FRAGMENTS))
            pieces.append(rng.choice(SEPARATORS))
        return "".join(pieces[:-1])

    return [(line(rng.randint(1, 5)), line(rng.randint(0, 9))) for _ in range(count)]


def _python_rows(watchlist: Watchlist, articles: list[tuple[str, str]]) -> list[tuple]:
    frame = mention_rows(watchlist, [(i, title, summary) for i, (title, summary) in enumerate(articles, start=1)])
    return sorted((int(a), e, int(o), bool(t)) for a, e, o, t in frame.itertuples(index=False))


def _sql_rows(watchlist: Watchlist, articles: list[tuple[str, str]], article_ids: list[int] | None = None) -> list:
    connection = _connection_with(articles)
    tally_articles(connection, watchlist, article_ids)
    rows = connection.execute("SELECT article_id, entity_id, occurrences, in_title FROM mentions").fetchall()
    connection.close()
    return sorted(rows)


def _connection_with(
    articles: list[tuple[str, str]], published: list[datetime] | None = None
) -> duckdb.DuckDBPyConnection:
    """An in-memory warehouse holding (title, summary) articles numbered from 1, published at
    `published` (default all at 2025-01-01)."""
    connection = duckdb.connect()
    migrate(connection)
    frame = pd.DataFrame(
        {
            "article_id": pd.Series(range(1, len(articles) + 1), dtype="int64"),
            "title": [title for title, _ in articles],
            "summary": [summary for _, summary in articles],
            "published_at": published or [datetime(2025, 1, 1)] * len(articles),
        }
    )
    connection.register("given", frame)
    connection.execute(
        "INSERT INTO articles (article_id, source_id, identity_key, guid, url, title, summary, published_at,"
        " date_quality, fetched_at) SELECT article_id, 1, article_id::VARCHAR, '', '', title, summary,"
        " published_at, 'ok', TIMESTAMP '2025-01-01' FROM given"
    )
    connection.unregister("given")
    return connection


@pytest.mark.parametrize("articles", [HAND_WRITTEN, _generated(400)], ids=["hand-written", "generated"])
def test_sql_tally_counts_exactly_what_the_python_matcher_counts(articles: list[tuple[str, str]]):
    assert _sql_rows(WATCHLIST, articles) == _python_rows(WATCHLIST, articles)


def test_sql_tally_of_listed_articles_leaves_the_others_alone():
    articles = [("Putin", ""), ("Trump", ""), ("Macron", "")]
    # Only articles 1 and 3 are tallied: Putin once in the title, Macron once in the title.
    assert _sql_rows(WATCHLIST, articles, article_ids=[1, 3]) == [(1, "putin", 1, True), (3, "macron", 1, True)]


def test_a_tally_of_every_article_a_period_at_a_time_counts_what_one_pass_counts(monkeypatch):
    articles = _generated(400)
    rng = random.Random(7)
    # Half of them in one 15-minute slot (a period never splits a slot), the rest over two days.
    published = [datetime(2025, 1, 1, 12, 5)] * 200 + [
        datetime(2025, 1, 1) + timedelta(minutes=rng.randrange(2 * 24 * 60)) for _ in range(200)
    ]

    def every_mention() -> list[tuple]:
        connection = _connection_with(articles, published=published)
        written = tally_articles(connection, WATCHLIST)
        rows = connection.execute("SELECT article_id, entity_id, occurrences, in_title FROM mentions").fetchall()
        connection.close()
        assert written == len(rows)
        return sorted(rows)

    in_one_pass = every_mention()
    monkeypatch.setattr(rollups, "PERIOD_ARTICLES", 30)
    scanned: list[int] = []
    real_scan = tally._scan
    monkeypatch.setattr(tally, "_scan", lambda *args, **kwargs: scanned.append(1) or real_scan(*args, **kwargs))

    assert every_mention() == in_one_pass
    assert len(in_one_pass) > 400
    assert len(scanned) >= 7  # the crowded slot in one period, the other 200 articles 30 a period


def test_an_error_that_aborts_the_transaction_during_a_tally_is_the_error_raised():
    # Out of memory in a scan aborts the transaction; cleaning up must not hide it behind
    # "Current transaction is aborted", and the rollback leaves no temporary table behind.
    connection = _connection_with([("Putin", ""), ("Trump", "")])
    connection.execute("BEGIN TRANSACTION")

    with pytest.raises(duckdb.InvalidInputException, match="the scan failed"), counted_hits(connection, WATCHLIST):
        connection.execute("SELECT error('the scan failed')")

    connection.execute("ROLLBACK")
    assert connection.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name LIKE 'tally_%'").fetchone() == (0,)
    assert tally_articles(connection, WATCHLIST) == 2  # the connection still tallies
    connection.close()


def test_sql_tally_of_the_spec_cases_gives_the_hand_counted_numbers():
    articles = [
        ("Vladimir Putin spoke; later Putin left", ""),  # 1 putin: 2 ("Vladimir Putin" once, "Putin" once)
        ("Melania Trump waved as Trump spoke", ""),  # 2 trump: 1 (Melania Trump is cut out)
        ("Flights to Xi'an resume", "Xi's visit was delayed"),  # 3 xi: 1, in the summary only
        ("习近平会见普京", ""),  # 4 xi: 1, putin: 1
        ("Putin Putin", "Trump-Putin"),  # 5 putin: 3, trump: 1
        ("NATO allies meet", "a nato-style arrangement"),  # 6 nato: 1
        ("Sanctions widen", "banks sanctioned; SANCTIONS bite; the sanctity of law"),  # 7 sanctions: 3
    ]
    assert _sql_rows(WATCHLIST, articles) == [
        (1, "putin", 2, True),
        (2, "trump", 1, True),
        (3, "xi", 1, False),
        (4, "putin", 1, True),
        (4, "xi", 1, True),
        (5, "putin", 3, True),
        (5, "trump", 1, False),
        (6, "nato", 1, True),
        (7, "sanctions", 3, True),
    ]


def test_custom_watchlist_with_overlapping_entities_counts_both():
    # "Nord Stream" (energy) and "Nord Stream sabotage" (sabotage) overlap: each entity counts its own hit.
    watchlist = parse_watchlist(
        '[[theme]]\nid = "energy"\naliases = ["Nord Stream", "gas"]\n'
        '[[theme]]\nid = "sabotage"\naliases = ["Nord Stream sabotage", "sabotag*"]\nexclude = ["gas sabotage"]\n'
    )
    articles = [("Nord Stream sabotage probe", "nord stream gas sabotage; sabotaged")]
    # energy: "Nord Stream" twice (title, summary) + "gas" once = 3; sabotage: title phrase, summary
    # "sabotaged" (the "gas sabotage" exclusion cuts the other) = 2.
    assert _sql_rows(watchlist, articles) == [(1, "energy", 3, True), (1, "sabotage", 2, True)]
    assert _python_rows(watchlist, articles) == _sql_rows(watchlist, articles)
