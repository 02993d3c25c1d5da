"""Ad-hoc queries: Lucene syntax, counted by the alias rules (docs/counting.md, "Queries").

Every expected number is counted by hand from the articles of the fixture.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime

import pandas as pd
import pytest

import warehouse
from tests.conftest import article
from warehouse.counting.queries import QUERY_MENTIONS_TABLE, parse_query, query_matches, write_query_mentions

DAY = date(2018, 7, 16)


def at(day: int, hour: int) -> datetime:
    return datetime(2018, 7, day, hour, tzinfo=UTC)


ARTICLES = [
    # 1: Putin three times (title "Trump-Putin"; summary "Putin's" and "Vladimir Putin"), Trump once.
    article("1", "Trump-Putin summit in Helsinki", "Putin's aides and Vladimir Putin arrived.", at(16, 9)),
    # 2: "Putinism" is not Putin.
    article("2", "Putinism explained", "A book on the ideology.", at(16, 10)),
    # 3: sanction* three times: sanctions (title), sanctioned, sanction.
    article("3", "New sanctions on Moscow", "The EU sanctioned banks; sanction relief talks stalled.", at(16, 11)),
    article("4", "Helsinki weather", "Sunny and mild.", at(16, 12)),
    # 5: upper case: only a lower-case query word matches it.
    article("5", "PUTIN SPEAKS", "", at(16, 13)),
    # 6: lower-case "trump" is not the name Trump.
    article("6", "A trump card played", "Bridge night.", at(16, 14)),
]


@pytest.fixture
def summit_day(fresh_warehouse):
    warehouse.store_articles(fresh_warehouse, "Outlet A", ARTICLES)
    return fresh_warehouse


def counts(wh, query: str) -> tuple[int, int, int]:
    """(articles, mentions, total_articles) of the query on the fixture day."""
    frame = warehouse.entity_series(wh, [], queries=[query], start=DAY, end=DAY)
    (row,) = frame.itertuples(index=False)
    assert row.entity_id == query
    return row.articles, row.mentions, row.total_articles


@pytest.mark.parametrize(
    ("query", "articles", "mentions"),
    [
        ("Putin", 1, 3),  # article 1 only: Trump-Putin, Putin's, Vladimir Putin; not Putinism, not PUTIN
        ("putin", 2, 4),  # lower case matches any case: article 5's PUTIN too
        ('"Vladimir Putin"', 1, 1),
        ("sanction*", 1, 3),
        ("title:sanction*", 1, 1),  # only "sanctions" in the title of article 3
        ("title:Helsinki", 2, 2),  # articles 1 and 4
        ("Helsinki NOT Putin", 1, 1),  # article 4; article 1 has Putin
        ("Helsinki -Putin", 1, 1),
        ("Trump", 1, 1),  # article 1; "trump card" is not Trump
        ("trump", 2, 2),  # articles 1 and 6
        ("Helsinki (summit OR weather)", 2, 4),  # 1: Helsinki + summit; 4: Helsinki + weather
        ("Helsinki AND summit", 1, 2),
        ("summit OR weather OR bridge", 3, 3),  # articles 1, 4, 6 (Bridge: lower-case query, any case)
        ("Putinism", 1, 1),  # asked for by name, it is found
        ("Moscow sanction* -EU", 0, 0),  # article 3 has EU
        ("title:(Putin OR sanction*)", 2, 2),  # 1: Trump-Putin; 3: sanctions
        ("title:Putin Putin", 1, 3),  # article 1, its title hit counted once
    ],
)
def test_query_counts_articles_and_occurrences_by_the_alias_rules(summit_day, query, articles, mentions):
    assert counts(summit_day, query) == (articles, mentions, 6)


def test_overlapping_words_of_a_query_count_once_the_longest_winning():
    # "Vladimir Putin" is one occurrence of Putin OR "Vladimir Putin", as for an entity's aliases.
    either = warehouse.parse_query('Putin OR "Vladimir Putin"')
    both = warehouse.parse_query('"Vladimir Putin" Putin')
    text = "Vladimir Putin met Putin"
    assert query_matches(either, text, "") == 2
    assert query_matches(both, text, "") == 2
    assert query_matches(both, "Putin alone", "") == 0  # AND: the phrase is missing


def test_the_python_reference_counts_what_the_sql_plan_counts(summit_day):
    queries = ["Putin", "putin", "Helsinki (summit OR weather)", "title:(Putin OR sanction*)", '"Vladimir Putin" Putin']
    expected = {
        query: sum(query_matches(warehouse.parse_query(query), a.title, a.summary) for a in ARTICLES)
        for query in queries
    }
    frame = warehouse.entity_series(summit_day, [], queries=queries, start=DAY, end=DAY)
    assert dict(zip(frame["entity_id"], frame["mentions"], strict=True)) == expected


def test_query_rows_follow_the_entities_in_the_order_given(summit_day):
    frame = warehouse.entity_series(
        summit_day, ["trump", "putin"], queries=["sanction*", "Helsinki"], start=DAY, end=DAY
    )
    assert list(frame["entity_id"]) == ["putin", "trump", "sanction*", "Helsinki"]
    assert list(frame.columns) == warehouse.SERIES_COLUMNS


def test_a_query_that_looks_like_sql_is_just_words(fresh_warehouse):
    warehouse.store_articles(
        fresh_warehouse,
        "Outlet A",
        [
            article("1", "Hackers typed '; DROP TABLE articles; -- into a form", "", at(16, 9)),
            article("2", "Weather", "", at(16, 10)),
        ],
    )
    # Four words: "';", "DROP", "TABLE", "articles;" (the lone "--" is punctuation); article 1 has them all.
    assert counts(fresh_warehouse, "'; DROP TABLE articles; --") == (1, 4, 2)
    assert counts(fresh_warehouse, "Weather") == (1, 1, 2)  # the table is still there


def test_a_query_equal_to_an_entitys_aliases_gives_its_counts_row_for_row(fresh_warehouse):
    warehouse.store_articles(fresh_warehouse, "Outlet A", ARTICLES)
    warehouse.store_articles(
        fresh_warehouse,
        "Outlet B",
        [
            article("b1", "Путина встретили в Хельсинки", "", at(17, 8)),
            article("b2", "普京会见特朗普", "制裁", at(17, 9)),
            article("b3", "Vladimir Putin and Putin again", "Embargoes and sanctions", at(17, 10)),
            article("b4", "Quiet day", "", at(18, 10)),
        ],
    )
    # The shipped watchlist: putin is a leader (exact case), sanctions a theme (any case).
    as_queries = {
        "putin": 'Putin OR "Vladimir Putin" OR Путин* OR Путін* OR 普京',
        "sanctions": "sanction* OR embargo* OR санкци* OR 制裁",
    }
    for by_source in (False, True):
        entities = warehouse.entity_series(fresh_warehouse, list(as_queries), by_source=by_source)
        queries = warehouse.entity_series(fresh_warehouse, [], queries=list(as_queries.values()), by_source=by_source)
        renamed = queries.assign(entity_id=queries["entity_id"].map({q: e for e, q in as_queries.items()}))
        keys = ["bucket_start", *(["source"] if by_source else []), "entity_id"]
        pd.testing.assert_frame_equal(
            entities.sort_values(keys, ignore_index=True), renamed.sort_values(keys, ignore_index=True)
        )
    # And the counts are the ones worked out by hand: day 17, Putin in b1 (Путина), b2 (普京), b3 (twice).
    day_17 = entities[(entities["bucket_start"] == "2018-07-17") & (entities["entity_id"] == "putin")]
    assert day_17[["articles", "mentions"]].sum().tolist() == [3, 4]


def test_every_series_option_works_with_a_query(summit_day):
    warehouse.store_articles(summit_day, "Outlet B", [article("b1", "Putin in Helsinki", "", at(17, 9))])
    frame = warehouse.entity_series(
        summit_day,
        [],
        queries=["Putin"],
        bucket="day",
        tz="Europe/Helsinki",
        by_source=True,
        smooth=2,
        unique=True,
        completeness=True,
        with_entity="trump",
    )
    # Only Outlet A's article 1 mentions Putin and Trump. Helsinki is UTC+3: every article falls
    # on its UTC day. Smoothed over 2 days, Outlet A on the 17th: (1 + 0) / 2 articles.
    rows = {(r.bucket_start, r.source): (r.articles, r.total_articles) for r in frame.itertuples(index=False)}
    assert rows == {
        ("2018-07-16", "Outlet A"): (1.0, 6.0),
        ("2018-07-16", "Outlet B"): (0.0, 0.0),
        ("2018-07-17", "Outlet A"): (0.5, 3.0),
        ("2018-07-17", "Outlet B"): (0.0, 0.5),
    }
    assert frame["complete"].all()


def test_a_query_named_like_a_requested_entity_is_refused(summit_day):
    with pytest.raises(warehouse.QueryInvalid, match="also the id of a requested entity"):
        warehouse.entity_series(summit_day, ["putin"], queries=["putin"])


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ('"Alaska summit', 'unclosed quote: the " at character 1 has no closing "'),
        ("(Putin OR Trump", "unclosed parenthesis: the ( at character 1 has no closing )"),
        ("Putin) OR Trump", "the ) at character 6 closes no ("),
        ("NOT", "lone NOT at character 1: NOT needs a word after it"),
        ("Putin NOT", "lone NOT at character 7: NOT needs a word after it"),
        ("Putin AND", "lone AND at character 7: AND needs a word after it"),
        ("OR Trump", "lone OR at character 1: OR needs a word before it"),
        ("", 'empty query: type a word or an "exact phrase" to look for'),
        ("   ", 'empty query: type a word or an "exact phrase" to look for'),
        ("-Putin", "query would match articles that contain none of its words"),
        ("Putin OR NOT Trump", "query would match articles that contain none of its words"),
        ("sanc*ions", "a * works only at the end of a word, as in sanction* (at character 1)"),
        ("Pu?in", "? wildcards are not supported (at character 1)"),
        ("Putin~1", "fuzzy matching (~) is not supported"),
        ("summary:Putin", "unknown field 'summary:' at character 1: only title: is supported"),
        ('Putin ""', "empty phrase at character 7"),
        ("x" * 2_001, "query too long: 2,001 characters, the most is 2,000"),
        ("(" * 33 + "Putin" + ")" * 33, "parentheses nested more than 32 deep at character 33"),
        (" ".join(f"w{n}" for n in range(201)), "query has 201 different words and phrases, the most is 200"),
    ],
)
def test_a_query_that_does_not_parse_says_what_and_where(query, message):
    with pytest.raises(warehouse.QueryInvalid) as caught:
        warehouse.parse_query(query)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_operators_are_capitals_as_in_lucene_and_and_or_work_too():
    # Lower-case and/or/not are words; && and || are Lucene's other spelling of AND and OR.
    assert query_matches(warehouse.parse_query("Putin and Trump"), "Putin and Trump", "") == 3
    assert query_matches(warehouse.parse_query("Putin and Trump"), "Putin, Trump", "") == 0
    assert query_matches(warehouse.parse_query("Putin && Trump"), "Putin, Trump", "") == 2
    assert query_matches(warehouse.parse_query("Putin || Trump"), "Trump", "") == 1


def test_a_query_of_the_longest_allowed_length_is_counted(summit_day):
    names = [f"Name{number}" for number in range(150)]
    query = " OR ".join([*names, "Helsinki"])
    query += " " * (2_000 - len(query))
    assert len(query) == 2_000
    assert counts(summit_day, query) == (2, 2, 6)  # articles 1 and 4


def test_generated_queries_count_alike_in_sql_and_in_the_python_reference(fresh_warehouse):
    # Words that overlap, nest and differ in case, in random articles and random Boolean queries:
    # the SQL plan must pick the same articles with the same occurrences as the reference.
    rng = random.Random(15)
    words = ["Putin", "putin", "Vladimir Putin", "Trump", "Trump-Putin", "summit", "Summit", "sanction", "Putinism"]
    filler = ["the", "met", "in", "Helsinki", "'s", "-", "and", "talks", "sanctions"]
    articles = []
    for number in range(60):
        title = " ".join(rng.choice(words + filler) for _ in range(rng.randint(1, 6)))
        summary = " ".join(rng.choice(words + filler) for _ in range(rng.randint(0, 10)))
        articles.append(article(f"g{number}", title.replace(" 's", "'s"), summary, at(16, 9)))
    warehouse.store_articles(fresh_warehouse, "Outlet A", articles)
    terms = ["Putin", "putin", '"Vladimir Putin"', "Trump", "sanction*", "title:summit", "Summit", "talks", "Putin*"]

    def generated(depth: int) -> str:
        if depth == 0 or rng.random() < 0.3:
            return rng.choice(terms)
        left, right = generated(depth - 1), generated(depth - 1)
        return rng.choice([f"({left} OR {right})", f"{left} {right}", f"{left} -{right}", f"({left} AND {right})"])

    queries = []
    while len(queries) < 25:
        text = generated(3)
        try:
            warehouse.parse_query(text)
        except warehouse.QueryInvalid:  # only NOT parts: nothing to look for
            continue
        queries.append(text)
    queries = list(dict.fromkeys(queries))
    frame = warehouse.entity_series(fresh_warehouse, [], queries=queries, start=DAY, end=DAY)
    counted = {row.entity_id: (row.articles, row.mentions) for row in frame.itertuples(index=False)}
    for text in queries:
        query = warehouse.parse_query(text)
        found = [query_matches(query, a.title, a.summary) for a in articles]
        assert counted[text] == (sum(1 for n in found if n), sum(found)), text
    assert sum(1 for matched, _ in counted.values() if matched) >= 10  # most queries find something


def test_the_articles_behind_a_query_are_searched_with_the_same_rules(summit_day):
    page, total = warehouse.search_articles(summit_day, query="Helsinki -Putin", start=DAY, end=DAY)
    assert (total, list(page["title"])) == (1, ["Helsinki weather"])
    page, total = warehouse.search_articles(summit_day, query="putin", source="Outlet A")
    assert (total, list(page["title"])) == (2, ["PUTIN SPEAKS", "Trump-Putin summit in Helsinki"])  # newest first
    with pytest.raises(warehouse.QueryInvalid, match="unclosed quote"):
        warehouse.search_articles(summit_day, query='"Putin')


def test_a_query_pass_limited_to_days_reads_those_days_only(fresh_warehouse):
    warehouse.store_articles(
        fresh_warehouse,
        "Outlet A",
        [
            article("15", "Putin lands", "", at(15, 23)),
            article("16", "Putin meets Trump", "", at(16, 9)),
            article("17", "Putin flies home", "", at(17, 0)),
        ],
    )

    def titles(**limits) -> list[str]:
        with fresh_warehouse.reading() as connection:
            write_query_mentions(connection, [parse_query("Putin")], ["Putin"], **limits)
            rows = connection.execute(
                f"SELECT a.title FROM {QUERY_MENTIONS_TABLE} JOIN articles a USING (article_id) ORDER BY a.published_at"
            ).fetchall()
        return [title for (title,) in rows]

    assert titles() == ["Putin lands", "Putin meets Trump", "Putin flies home"]
    assert titles(days={DAY}) == ["Putin meets Trump"]  # UTC days: 23:00 on the 15th is the 15th
    assert titles(days={date(2018, 7, 15), date(2018, 7, 17)}) == ["Putin lands", "Putin flies home"]
    assert titles(days=set()) == []
