"""Ad-hoc queries in Lucene syntax, counted by the watchlist's rules: parsing, and the plan that counts them in SQL.

A query is never SQL. `parse_query` reads the text with luqum (the Lucene grammar
Media Cloud and most news archives use) into a small tree of terms; each term is an
alias as the watchlist knows it, so the same word-boundary rules and the same RE2
patterns count it (warehouse.counting.watchlist, warehouse.counting.patterns). The words reach
DuckDB only inside those patterns, as parameters; the tree decides only which code-made
SQL pieces (AND, OR, NOT, column names) are put together. docs/counting.md says the
rules in prose, letter case among them.

`write_query_mentions` counts every article once for a set of queries and leaves a
temporary table shaped like `mentions`, so series read a query's matches exactly as
they read an entity's.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property
from typing import TYPE_CHECKING, cast

from warehouse.counting import remembered
from warehouse.errors import QueryInvalid

# Imported where a query is parsed or counted: a series without queries (`newstally series --entity`)
# loads neither luqum nor the watchlist's matchers (docs/benchmarks.md, CLI start-up).
if TYPE_CHECKING:
    import duckdb
    from luqum import tree

    from warehouse.counting.watchlist import Entity, Watchlist

__all__ = [
    "MAX_QUERY_CHARS",
    "MAX_QUERY_TERMS",
    "QUERY_MENTIONS_TABLE",
    "Query",
    "Term",
    "keyed_queries",
    "mentions_with_queries",
    "parse_query",
    "query_matches",
    "write_query_mentions",
]

MAX_QUERY_CHARS = 2_000  # a long Boolean list of names fits; a pasted article does not
MAX_QUERY_TERMS = 200  # each term is a branch of one regular expression
MAX_NESTING = 32  # parentheses inside parentheses
QUERY_MENTIONS_TABLE = "query_mentions"  # temporary: (article_id, entity_id, occurrences, in_title)
TITLE_FIELD = "title"
_OPERATORS = {"AND", "OR", "NOT"}
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Term:
    """A word, phrase or word stem as an alias: `text` follows the alias rules (a trailing * allows word forms)."""

    text: str
    case_sensitive: bool  # smart case: a term with an upper-case letter matches that case only


@dataclass(frozen=True)
class _Has:
    term: Term
    title_only: bool


@dataclass(frozen=True)
class _All:
    parts: tuple[_Node, ...]


@dataclass(frozen=True)
class _Any:
    parts: tuple[_Node, ...]


@dataclass(frozen=True)
class _Not:
    part: _Node


_Node = _Has | _All | _Any | _Not


@dataclass(frozen=True)
class Query:
    """A parsed query: the text as typed and the tree it means."""

    text: str
    root: _Node

    @cached_property
    def terms(self) -> tuple[Term, ...]:
        return tuple(dict.fromkeys(node.term for node in _leaves(self.root)))

    @cached_property
    def counted(self) -> tuple[_Has, ...]:
        """The term uses whose hits make up `occurrences`: those not under a NOT (a title-only use of a
        term also searched everywhere adds nothing: its title hits are among the others)."""
        positive = tuple(dict.fromkeys(_positive_leaves(self.root, negated=False)))
        everywhere = {node.term for node in positive if not node.title_only}
        return tuple(node for node in positive if not (node.title_only and node.term in everywhere))

    def alias_list(self) -> tuple[Term, ...] | None:
        """The query's terms when it is one alias list: terms joined by OR, one field and one letter-case rule.

        Counted like that, overlapping terms count once, the longest winning, as an
        entity's aliases do; so a query made of an entity's aliases gives its counts.
        """
        if isinstance(self.root, _Has):
            return (self.root.term,)
        if not isinstance(self.root, _Any):
            return None
        nodes = [node for node in self.root.parts if isinstance(node, _Has)]
        if len(nodes) != len(self.root.parts) or len({node.title_only for node in nodes}) != 1:
            return None
        cased = [node.term for node in nodes if any(char.lower() != char.upper() for char in node.term.text)]
        if len({term.case_sensitive for term in cased}) > 1:
            return None
        return tuple(dict.fromkeys(node.term for node in nodes))

    @property
    def title_only(self) -> bool:
        return all(node.title_only for node in _leaves(self.root))


def _leaves(node: _Node) -> Iterable[_Has]:
    if isinstance(node, _Has):
        yield node
    elif isinstance(node, _Not):
        yield from _leaves(node.part)
    else:
        for part in node.parts:
            yield from _leaves(part)


def _positive_leaves(node: _Node, *, negated: bool) -> Iterable[_Has]:
    if isinstance(node, _Has):
        if not negated:
            yield node
    elif isinstance(node, _Not):
        yield from _positive_leaves(node.part, negated=not negated)
    else:
        for part in node.parts:
            yield from _positive_leaves(part, negated=negated)


def _entity(entity_id: str, terms: tuple[Term, ...]) -> Entity:
    """Terms as the aliases of one entity; `case_rule` put them together, so any() is the rule of the cased ones."""
    from warehouse.counting.watchlist import Entity

    return Entity(
        entity_id=entity_id,
        kind="theme",
        name=entity_id,
        aliases=tuple(term.text for term in terms),
        exclude=(),
        case_sensitive=any(term.case_sensitive for term in terms),
    )


def _case_rule(term: Term) -> bool:
    """The letter-case group of a term: a term without cased letters (普京, 2024) goes with the exact ones."""
    return term.case_sensitive or not any(char.lower() != char.upper() for char in term.text)


# --- parsing ------------------------------------------------------------------------------------


def parse_query(text: str) -> Query:
    """Read a Lucene query; a mistake raises QueryInvalid with one line saying what and where (1-based)."""
    from luqum.exceptions import IllegalCharacterError, ParseError
    from luqum.parser import parser as lucene_parser

    if len(text) > MAX_QUERY_CHARS:
        raise QueryInvalid(f"query too long: {len(text):,} characters, the most is {MAX_QUERY_CHARS:,}")
    if not text.strip():
        raise QueryInvalid('empty query: type a word or an "exact phrase" to look for')
    _check_quotes_and_parentheses(text)
    prepared, origin = _prepared(text)
    _check_operators(prepared, origin)
    try:
        parsed = lucene_parser.parse(prepared)
    except IllegalCharacterError as error:
        raise QueryInvalid(_illegal_message(str(error), origin)) from error
    except ParseError as error:
        raise QueryInvalid(_syntax_message(str(error), prepared, origin)) from error
    root = _node(parsed, title_only=False, origin=origin)
    query = Query(text, root)
    if len(query.terms) > MAX_QUERY_TERMS:
        raise QueryInvalid(f"query has {len(query.terms)} different words and phrases, the most is {MAX_QUERY_TERMS}")
    if _holds(root, frozenset()):
        raise QueryInvalid(
            "query would match articles that contain none of its words: add a word to look for"
            " (NOT and - only leave articles out)"
        )
    return query


def _check_quotes_and_parentheses(text: str) -> None:
    opened: list[int] = []
    quote_at: int | None = None
    position = 0
    while position < len(text):
        char = text[position]
        if char == "\\":
            position += 2
            continue
        if quote_at is not None:
            if char == '"':
                quote_at = None
        elif char == '"':
            quote_at = position
        elif char == "(":
            opened.append(position)
            if len(opened) > MAX_NESTING:
                raise QueryInvalid(f"parentheses nested more than {MAX_NESTING} deep at character {position + 1}")
        elif char == ")":
            if not opened:
                raise QueryInvalid(f"the ) at character {position + 1} closes no (")
            opened.pop()
        position += 1
    if quote_at is not None:
        raise QueryInvalid(f'unclosed quote: the " at character {quote_at + 1} has no closing "')
    if opened:
        raise QueryInvalid(f"unclosed parenthesis: the ( at character {opened[-1] + 1} has no closing )")


def _prepared(text: str) -> tuple[str, list[int]]:
    """The text luqum reads, and for each of its characters the position in the text as typed.

    Lucene gives ' no meaning, but luqum's lexer refuses a word starting with it: it is
    escaped so it stays plain text. A - or + that stands before no word ("Trump - Putin",
    "--") is punctuation and left out, so "'; DROP TABLE articles; --" is four words.
    && and || are Lucene's AND and OR.
    """
    out: list[str] = []
    origin: list[int] = []

    def emit(chunk: str, at: int) -> None:
        out.extend(chunk)
        origin.extend([at] * len(chunk))

    position, in_quote = 0, False
    while position < len(text):
        char = text[position]
        before = text[position - 1] if position else " "
        at_word_start = before.isspace() or before in "()"
        if char == "\\":
            emit(text[position : position + 2], position)
            position += 2
            continue
        if char == '"':
            in_quote = not in_quote
        elif not in_quote and at_word_start:
            rest = text[position:]
            if rest.startswith(("&&", "||")) and (len(rest) == 2 or rest[2].isspace()):
                emit(" AND " if char == "&" else " OR ", position)
                position += 2
                continue
            if char == "'":
                emit("\\'", position)
                position += 1
                continue
            if char in "-+":
                run = len(rest) - len(rest.lstrip("-+"))
                after = rest[run : run + 1]
                if run > 1 or not after or after.isspace() or after == ")":
                    emit(" " * run, position)  # a dash between words, or "--": punctuation, not a word
                    position += run
                    continue
        emit(char, position)
        position += 1
    return "".join(out), origin


def _check_operators(prepared: str, origin: list[int]) -> None:
    """AND, OR and NOT each need a word where they reach: one line naming the lone one."""
    tokens = [
        (match.group(), match.start())
        for match in re.finditer(r'"(?:[^"\\]|\\.)*"|\(|\)|(?:[^\s()"\\]|\\.)+', prepared)
    ]
    for index, (token, start) in enumerate(tokens):
        if token not in _OPERATORS:
            continue
        before = tokens[index - 1][0] if index else None
        after = tokens[index + 1][0] if index + 1 < len(tokens) else None
        where = f"character {origin[start] + 1}"
        if after is None or after == ")" or after in ("AND", "OR"):
            raise QueryInvalid(f"lone {token} at {where}: {token} needs a word after it")
        if token != "NOT" and (before is None or before == "(" or before in _OPERATORS):
            raise QueryInvalid(f"lone {token} at {where}: {token} needs a word before it")


def _syntax_message(message: str, prepared: str, origin: list[int]) -> str:
    found = re.search(r"unexpected\s+'(.*)' at position (\d+)", message)
    if found:
        position = int(found.group(2))
        where = origin[position] + 1 if position < len(origin) else len(origin)
        return f"cannot read the query at character {where}: {found.group(1)!r} is not expected there"
    return f"cannot read the query: it ends where a word was expected (after character {len(origin)})"


def _illegal_message(message: str, origin: list[int]) -> str:
    found = re.search(r"Illegal character '(.*)' at position (\d+)", message, re.S)
    if not found:
        return f"cannot read the query: {message}"
    position = int(found.group(2))
    where = origin[position] + 1 if position < len(origin) else len(origin)
    return f"cannot read the query at character {where}: {found.group(1)[:20]!r} cannot start a word (put it in quotes)"


@functools.cache
def _unsupported() -> dict[type, str]:
    from luqum import tree

    return {
        tree.Fuzzy: "fuzzy matching (~) is not supported: list the spellings joined by OR",
        tree.Proximity: 'proximity ("..."~N) is not supported: use AND between the words',
        tree.Boost: "boosts (^) do not apply: a query counts articles, it does not rank them",
        tree.Range: "ranges ([a TO b]) are not supported",
        tree.From: "ranges (>, >=) are not supported",
        tree.To: "ranges (<, <=) are not supported",
        tree.Regex: "regular expressions (/.../) are not supported: use words, phrases and a trailing *",
    }


def _node(item: tree.Item, *, title_only: bool, origin: list[int]) -> _Node:
    from luqum import tree

    where = f"character {origin[min(item.pos or 0, len(origin) - 1)] + 1}" if item.pos is not None else "somewhere"
    if isinstance(item, tree.Word):
        return _Has(_word_term(item.value, where), title_only)
    if isinstance(item, tree.Phrase):
        return _Has(_phrase_term(item.value, where), title_only)
    if isinstance(item, tree.SearchField):
        if item.name.lower() != TITLE_FIELD:
            raise QueryInvalid(
                f"unknown field '{item.name}:' at {where}: only title: is supported"
                ' (put a word that holds a colon in quotes: "10:30")'
            )
        return _node(item.expr, title_only=True, origin=origin)
    if isinstance(item, tree.Group | tree.FieldGroup | tree.Plus):
        return _node(item.children[0], title_only=title_only, origin=origin)
    if isinstance(item, tree.Not | tree.Prohibit):
        return _Not(_node(item.children[0], title_only=title_only, origin=origin))
    if isinstance(item, tree.AndOperation | tree.UnknownOperation):
        return _All(tuple(_node(child, title_only=title_only, origin=origin) for child in item.children))
    if isinstance(item, tree.OrOperation):
        return _Any(tuple(_node(child, title_only=title_only, origin=origin) for child in item.children))
    for kind, message in _unsupported().items():
        if isinstance(item, kind):
            raise QueryInvalid(f"{message} (at {where})")
    raise QueryInvalid(f"cannot use {str(item)!r} at {where}")


def _unescaped(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def _word_term(raw: str, where: str) -> Term:
    word = _unescaped(raw)
    if "?" in raw.replace("\\?", ""):
        raise QueryInvalid(f"? wildcards are not supported (at {where}): use a trailing * for word forms")
    stem = word[:-1] if raw.endswith("*") and not raw.endswith("\\*") else word
    if "*" in raw.rstrip("*").replace("\\*", "") or raw.endswith("**"):
        raise QueryInvalid(f"a * works only at the end of a word, as in sanction* (at {where})")
    if not stem.strip():
        raise QueryInvalid(f"a * needs the start of a word before it, as in sanction* (at {where})")
    return _term(word)


def _phrase_term(raw: str, where: str) -> Term:
    phrase = _SPACE.sub(" ", _unescaped(raw[1:-1])).strip()
    if not phrase.strip("* "):
        raise QueryInvalid(f"empty phrase at {where}: put words between the quotes")
    return _term(phrase)


def _term(text: str) -> Term:
    return Term(text, case_sensitive=any(char.isupper() for char in text))


# --- meaning ------------------------------------------------------------------------------------


def _holds(node: _Node, found: frozenset[_Has]) -> bool:
    """Whether an article where exactly the term uses in `found` hit satisfies the query."""
    if isinstance(node, _Has):
        return node in found
    if isinstance(node, _Not):
        return not _holds(node.part, found)
    if isinstance(node, _All):
        return all(_holds(part, found) for part in node.parts)
    return any(_holds(part, found) for part in node.parts)


@dataclass(frozen=True)
class _Counting:
    """The pseudo-watchlist that counts a set of queries in one scan, and how each query reads its hits."""

    watchlist: Watchlist
    term_ids: dict[Term, str]
    # (query, title_only, case_sensitive) -> one entity of its counted terms, where they can overlap
    occurrence_ids: dict[tuple[int, bool, bool], str]
    single_ids: dict[int, str]  # query -> its one entity, when it is one


def _counting(queries: Sequence[Query]) -> _Counting:
    """Terms become pseudo-entities (one per term); extra entities count occurrences where terms can overlap.

    Each term is matched on its own, as if it were the only alias, so AND/OR/NOT see
    every term that is there. A query's occurrences are its counted terms' hits with
    overlapping ones counted once, the longest winning (as an entity's aliases): when
    two of its counted terms can overlap, those terms also form one entity that counts
    them together. A plain OR of terms is that entity alone.
    """
    from warehouse.counting.watchlist import Watchlist

    entities: dict[tuple[tuple[str, ...], bool], Entity] = {}

    def entity_for(terms: tuple[Term, ...]) -> str:
        key = (tuple(term.text for term in terms), any(term.case_sensitive for term in terms))
        if key not in entities:
            entities[key] = _entity(f"e{len(entities)}", terms)
        return entities[key].entity_id

    term_ids: dict[Term, str] = {}
    occurrence_ids: dict[tuple[int, bool, bool], str] = {}
    single_ids: dict[int, str] = {}
    for number, query in enumerate(queries):
        alias_list = query.alias_list()
        if alias_list is not None:
            single_ids[number] = entity_for(alias_list)
            continue
        for term in query.terms:
            term_ids[term] = entity_for((term,))
        for title_only in (False, True):
            for case_sensitive in (False, True):
                terms = tuple(
                    dict.fromkeys(
                        node.term
                        for node in query.counted
                        if node.title_only == title_only and _case_rule(node.term) == case_sensitive
                    )
                )
                if len(terms) > 1 and _any_overlap(terms):
                    occurrence_ids[(number, title_only, case_sensitive)] = entity_for(terms)
    content = repr(sorted((key, entity.entity_id) for key, entity in entities.items()))
    watchlist = Watchlist(tuple(entities.values()), "query:" + hashlib.sha256(content.encode()).hexdigest()[:16])
    return _Counting(watchlist, term_ids, occurrence_ids, single_ids)


def _any_overlap(terms: tuple[Term, ...]) -> bool:
    from warehouse.counting.patterns import patterns_can_overlap

    return any(patterns_can_overlap(a.text, b.text) for i, a in enumerate(terms) for b in terms[:i])


_TERM_HITS = """
CREATE OR REPLACE TEMP TABLE query_term_hits AS
SELECT h.article_id, m.entity_id,
       count(*) FILTER (WHERE h.in_title) AS title_hits,
       count(*) FILTER (WHERE NOT h.in_title) AS summary_hits
FROM tally_hits h
JOIN tally_hit_entities m ON m.pass_number = h.pass_number AND m.matched = h.matched
GROUP BY ALL
"""
# {condition}: built by _candidate_condition from the queries' trees, patterns as parameters.
_CANDIDATES = """
SELECT article_id
FROM articles
WHERE date_quality IN ('ok', 'missing')
  AND published_at >= $start_utc
  AND published_at < $end_utc
  {on_days}
  AND ({condition})
"""
_HOLDS_ONE = "(regexp_matches(title, $pattern_{n}) OR regexp_matches(summary, $pattern_{n}))"
_CREATE_QUERY_MENTIONS = (
    f"CREATE OR REPLACE TEMP TABLE {QUERY_MENTIONS_TABLE}"
    " (article_id BIGINT, entity_id VARCHAR, occurrences INTEGER, in_title BOOLEAN)"
)
# {columns}: per entity of the scan, its title and summary hits as columns t_N / s_N; {matches},
# {occurrences}, {in_title}: expressions over them built from the query's tree. All code-made;
# entity ids are parameters.
_QUERY_MENTIONS = """
INSERT INTO {table}
SELECT article_id, $key, ({occurrences})::INTEGER, {in_title}
FROM (
    SELECT article_id, {columns}
    FROM query_term_hits
    GROUP BY article_id
)
WHERE {matches}
"""


def write_query_mentions(
    connection: duckdb.DuckDBPyConnection,
    queries: Sequence[Query],
    keys: Sequence[str],
    *,
    start_utc: datetime | None = None,
    end_utc: datetime | None = None,
    days: Collection[date] | None = None,
) -> None:
    """Fill the temporary table QUERY_MENTIONS_TABLE with every article each query matches, as mentions of `keys`.

    Only articles a series can count are read: a trustworthy date, published from
    `start_utc` (naive UTC) to before `end_utc`, and with `days` on one of those UTC days.
    A query this process counted over a range holding this one, on the same data, is
    answered from its remembered matches (warehouse.counting.remembered); the others are
    read in one pass, and remembered unless `days` left some out.
    """
    connection.execute(_CREATE_QUERY_MENTIONS)
    if not queries:
        return
    start, end = start_utc or remembered.EARLIEST, end_utc or remembered.LATEST
    state = remembered.data_state(connection)
    unread: dict[str, Query] = {}
    for query, key in zip(queries, keys, strict=True):
        rows = remembered.recall(state, query.text, start, end)
        if rows is None:
            unread[key] = query
        else:
            remembered.write_recalled(
                connection, QUERY_MENTIONS_TABLE, rows, key, start_utc=start, end_utc=end, days=days
            )
    if not unread:
        return
    _read_query_mentions(connection, list(unread.values()), list(unread), start_utc=start, end_utc=end, days=days)
    if days is None:
        keys_by_text = {query.text: key for key, query in unread.items()}
        remembered.remember(connection, state, QUERY_MENTIONS_TABLE, keys_by_text, start, end)


def _read_query_mentions(
    connection: duckdb.DuckDBPyConnection,
    queries: Sequence[Query],
    keys: Sequence[str],
    *,
    start_utc: datetime,
    end_utc: datetime,
    days: Collection[date] | None,
) -> None:
    """`write_query_mentions` by reading the text: one scan of the articles finds the terms of all
    the queries together; then each query's tree picks its articles and counts its occurrences, in
    SQL. The scan first asks only which articles can match (RE2 stops at the first hit;
    `_candidate_condition`), and collects the hits of just those."""
    from warehouse.counting.tally import counted_hits

    counting = _counting(queries)
    condition, parameters = _candidate_condition(queries)
    on_days, day_parameters = remembered.day_filter(days)
    parameters.update(day_parameters, start_utc=start_utc, end_utc=end_utc)
    found = connection.execute(_CANDIDATES.format(condition=condition, on_days=on_days), parameters).fetchnumpy()[
        "article_id"
    ]
    # An array of ids, as the tally's scope frame takes them, without a Python list in between.
    candidates = cast("Sequence[int]", found)
    with counted_hits(connection, counting.watchlist, candidates):
        connection.execute(_TERM_HITS)
    try:
        for number, (query, key) in enumerate(zip(queries, keys, strict=True)):
            _insert_query_mentions(connection, counting, number, query, key)
    finally:
        connection.execute("DROP TABLE IF EXISTS query_term_hits")


def _candidate_condition(queries: Sequence[Query]) -> tuple[str, dict[str, object]]:
    """SQL that is true for every article some query may match, and its parameters (one RE2 pattern per term set).

    Each query is a conjunction of term sets, an article matching it holding a term of
    each (`_required_term_sets`); DuckDB tests the next set only on the articles that
    passed the one before, so `"Alaska summit" tariffs` reads every text once for the
    phrase, and only the few articles holding it for tariffs.
    """
    patterns: dict[tuple[Term, ...], int] = {}
    alternatives = []
    for query in queries:
        conjuncts = []
        for terms in _required_term_sets(query):
            number = patterns.setdefault(terms, len(patterns))
            conjuncts.append(_HOLDS_ONE.format(n=number))
        alternatives.append("(" + " AND ".join(conjuncts) + ")")
    parameters: dict[str, object] = {f"pattern_{n}": _presence_pattern(terms) for terms, n in patterns.items()}
    return " OR ".join(alternatives), parameters


def _required_term_sets(query: Query) -> list[tuple[Term, ...]]:
    """Sets of terms an article the query matches holds one of each: a part of a top-level AND that no
    article without its terms satisfies (NOT Trump is not one), or all the terms of any other query."""
    parts = query.root.parts if isinstance(query.root, _All) else (query.root,)
    required = [
        tuple(dict.fromkeys(node.term for node in _leaves(part))) for part in parts if not _holds(part, frozenset())
    ]
    return required or [query.terms]


def _presence_pattern(terms: tuple[Term, ...]) -> str:
    """The tally's first-pass RE2 pattern for these terms: it matches wherever any of them does, and more."""
    from warehouse.counting.patterns import sql_match_plan
    from warehouse.counting.watchlist import Watchlist

    entities = tuple(_entity(f"e{number}", (term,)) for number, term in enumerate(terms))
    content = repr([(term.text, term.case_sensitive) for term in terms])
    watchlist = Watchlist(entities, "presence:" + hashlib.sha256(content.encode()).hexdigest()[:16])
    return sql_match_plan(watchlist).first_pass.extract_pattern


def _insert_query_mentions(
    connection: duckdb.DuckDBPyConnection, counting: _Counting, number: int, query: Query, key: str
) -> None:
    columns: dict[str, int] = {}
    parameters: dict[str, object] = {"key": key}

    def column(entity_id: str) -> int:
        if entity_id not in columns:
            columns[entity_id] = len(columns)
            parameters[f"entity_{columns[entity_id]}"] = entity_id
        return columns[entity_id]

    def hits(entity_id: str, title_only: bool) -> str:
        index = column(entity_id)
        return f"t_{index}" if title_only else f"(t_{index} + s_{index})"

    if number in counting.single_ids:
        entity_id = counting.single_ids[number]
        title_only = query.title_only
        matches = f"{hits(entity_id, title_only)} > 0"
        occurrences = hits(entity_id, title_only)
        in_title = f"t_{column(entity_id)} > 0"
    else:
        matches = _condition(query.root, lambda node: f"{hits(counting.term_ids[node.term], node.title_only)} > 0")
        counted = _counted_entities(counting, number, query)
        occurrences = " + ".join(hits(entity_id, title_only) for entity_id, title_only in counted) or "0"
        in_title = " OR ".join(f"t_{column(entity_id)} > 0" for entity_id, _ in counted) or "false"
    selected = ", ".join(
        f"coalesce(sum(title_hits) FILTER (WHERE entity_id = $entity_{index}), 0) AS t_{index},"
        f" coalesce(sum(summary_hits) FILTER (WHERE entity_id = $entity_{index}), 0) AS s_{index}"
        for index in columns.values()
    )
    statement = _QUERY_MENTIONS.format(
        table=QUERY_MENTIONS_TABLE, columns=selected, matches=matches, occurrences=occurrences, in_title=in_title
    )
    connection.execute(statement, parameters)


def _counted_entities(counting: _Counting, number: int, query: Query) -> list[tuple[str, bool]]:
    """The entities (and whether in titles only) whose hits add up to a query's occurrences (not an alias list)."""
    found = []
    for title_only in (False, True):
        for case_sensitive in (False, True):
            together = counting.occurrence_ids.get((number, title_only, case_sensitive))
            if together:
                found.append((together, title_only))
                continue
            group = (
                n.term for n in query.counted if (n.title_only, _case_rule(n.term)) == (title_only, case_sensitive)
            )
            found += [(counting.term_ids[term], title_only) for term in dict.fromkeys(group)]
    return found


def _condition(node: _Node, leaf) -> str:
    if isinstance(node, _Has):
        return leaf(node)
    if isinstance(node, _Not):
        return f"(NOT {_condition(node.part, leaf)})"
    joiner = " AND " if isinstance(node, _All) else " OR "
    return "(" + joiner.join(_condition(part, leaf) for part in node.parts) + ")"


# --- the reference --------------------------------------------------------------------------------


def query_matches(query: Query, title: str, summary: str) -> int:
    """The occurrences of `query` in one article (0: the article does not match), with the Python matcher.

    The reference the SQL plan is held to, as `Watchlist.find_mentions` is for the tally.
    """
    counting = _counting([query])
    in_title = {m.entity_id: m.occurrences for m in counting.watchlist.find_mentions(title, "")}
    in_summary = {m.entity_id: m.occurrences for m in counting.watchlist.find_mentions(summary, "")}

    def hits(entity_id: str, title_only: bool) -> int:
        found = in_title.get(entity_id, 0)
        return found if title_only else found + in_summary.get(entity_id, 0)

    if 0 in counting.single_ids:
        return hits(counting.single_ids[0], query.title_only)
    present = frozenset(node for node in _leaves(query.root) if hits(counting.term_ids[node.term], node.title_only))
    if not _holds(query.root, present):
        return 0
    return sum(hits(entity_id, title_only) for entity_id, title_only in _counted_entities(counting, 0, query))


# --- series -------------------------------------------------------------------------------------

# A query's rows carry this key inside a series until they are labelled with the query's text.
# "~" sorts after every entity id (lower-case letters, digits, _), so queries come after the
# entities, in the order given; ids of the watchlist can never take this form.
_KEY_FORMAT = "~query{:03d}"
_COUNTED_MENTIONS_VIEW = "counted_mentions"
_CREATE_COUNTED_MENTIONS = (
    f"CREATE OR REPLACE TEMP VIEW {_COUNTED_MENTIONS_VIEW} AS"
    " SELECT article_id, entity_id, occurrences, in_title FROM mentions"
    f" UNION ALL SELECT article_id, entity_id, occurrences, in_title FROM {QUERY_MENTIONS_TABLE}"
)


def keyed_queries(texts: Sequence[str], entity_ids: Sequence[str]) -> dict[str, Query]:
    """Parsed queries (each once, in the order given) by the key their rows carry until labelled.

    A query whose text is also a requested entity id is refused: its rows could not be told apart.
    """
    queries: dict[str, Query] = {}
    for number, text in enumerate(dict.fromkeys(texts)):
        if text in entity_ids:
            raise QueryInvalid(
                f"query {text!r} is also the id of a requested entity: their rows could not be told apart"
                f' (write the query as "{text}", or leave out --entity {text})'
            )
        queries[_KEY_FORMAT.format(number)] = parse_query(text)
    return queries


def mentions_with_queries(
    connection: duckdb.DuckDBPyConnection,
    queries: dict[str, Query],
    *,
    start_utc: datetime | None = None,
    end_utc: datetime | None = None,
    days: Collection[date] | None = None,
    with_entities: bool = True,
) -> str:
    """The name of a relation like `mentions` that also holds the queries' matches under their keys.

    The matches are those of articles published from `start_utc` to before `end_utc` (naive UTC),
    with `days` on one of those UTC days only. Without `with_entities` the relation holds the
    queries' matches only, sparing a read of every mention.
    """
    write_query_mentions(
        connection, list(queries.values()), list(queries), start_utc=start_utc, end_utc=end_utc, days=days
    )
    if not with_entities:
        return QUERY_MENTIONS_TABLE
    connection.execute(_CREATE_COUNTED_MENTIONS)
    return _COUNTED_MENTIONS_VIEW
