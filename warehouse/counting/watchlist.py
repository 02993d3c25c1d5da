"""The watchlist: leaders and themes, their aliases, and the rules that turn text into mentions.

The counting rules live here and nowhere else (docs/counting.md says them in prose):
an alias matches as a whole word or phrase; a trailing ``*`` allows word forms; a
possessive or a hyphenated compound still matches ("Putin's", "Trump-Putin");
leaders are case-sensitive and themes are not unless the entry says otherwise; an
exclusion ("Melania Trump", "Xi'an") removes a match at the place it covers only;
aliases written in scripts without spaces between words (Chinese, Japanese, Thai,
and Korean, whose particles attach to names) match anywhere, since a word boundary
means nothing there.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import ahocorasick

from warehouse.errors import WatchlistInvalid

__all__ = [
    "AliasParts",
    "Entity",
    "Mention",
    "Watchlist",
    "alias_parts",
    "find_mentions",
    "is_unspaced",
    "is_word_char",
    "load_watchlist",
    "ordered_aliases",
    "parse_watchlist",
]

ENTITY_KINDS = {"leader": "leader", "theme": "theme"}
EXCLUSION_CUT = "\x02"  # what an exclusion leaves behind in the text aliases are searched in
_ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
_UNSPACED_SCRIPT = re.compile(r"[\u0e00-\u0e7f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")


@dataclass(frozen=True)
class Entity:
    """A leader or a theme as the watchlist file defines it."""

    entity_id: str
    kind: str  # leader | theme
    name: str
    aliases: tuple[str, ...]
    exclude: tuple[str, ...]
    case_sensitive: bool


@dataclass(frozen=True)
class Mention:
    """One entity found in one article."""

    entity_id: str
    occurrences: int
    in_title: bool


@dataclass(frozen=True)
class AliasHit:
    """Where one alias matched, for `newstally explain`."""

    entity_id: str
    alias: str
    field: str  # title | summary
    start: int
    end: int
    text: str
    excluded_by: str | None


def _simple_lower(char: str) -> str:
    lowered = char.lower()
    return lowered if len(lowered) == 1 else lowered[0]


def _simple_upper(char: str) -> str:
    raised = char.upper()
    return raised if len(raised) == 1 else char


@dataclass(frozen=True)
class AliasParts:
    """The anatomy of one alias or exclusion that both matching engines build on."""

    words: tuple[str, ...]  # the literal split on white space, without a trailing *
    word_forms: bool  # a trailing * allows more word characters
    starts_a_word: bool  # the start rule applies: no word character may precede it
    ends_a_word: bool  # the end rule applies: no word character may follow it
    last_char: str


def is_word_char(char: str) -> bool:
    """A letter or digit of any script, or _: what Python's re calls \\w."""
    return char.isalnum() or char == "_"


def is_unspaced(char: str) -> bool:
    """Chinese, Japanese kana, Thai, Hangul: scripts where a word boundary means nothing."""
    return _UNSPACED_SCRIPT.match(char) is not None


@cache
def alias_parts(alias: str) -> AliasParts:
    word_forms = alias.endswith("*")
    literal = alias[:-1] if word_forms else alias
    first, last = literal[0], literal[-1]
    return AliasParts(
        words=tuple(literal.split()),
        word_forms=word_forms,
        starts_a_word=first.isalnum() and not is_unspaced(first),
        ends_a_word=(last.isalnum() or word_forms) and not is_unspaced(last),
        last_char=last,
    )


def ordered_aliases(aliases: tuple[str, ...]) -> list[str]:
    """Longest first, so "Vladimir Putin" is one occurrence, not "Vladimir Putin" and "Putin"; ties by text."""
    return sorted(set(aliases), key=lambda alias: (-len(alias), alias))


class _EntityMatcher:
    """Compiled patterns of one entity: one alternation of its aliases, one of its exclusions.

    The start rule is checked on each hit rather than written as a lookbehind (which
    makes Python's engine 15-40x slower on these alternations); a hit that fails it is
    retried one character later, exactly as a lookbehind would.
    """

    def __init__(self, entity: Entity) -> None:
        self.entity = entity
        flags = 0 if entity.case_sensitive else re.IGNORECASE
        self.aliases = ordered_aliases(entity.aliases)
        self.alias_pattern = re.compile("|".join(f"({_alias_regex(a)})" for a in self.aliases), flags)
        self.exclusions = ordered_aliases(entity.exclude)
        self.exclude_pattern = (
            re.compile("|".join(f"({_alias_regex(e)})" for e in self.exclusions), flags) if self.exclusions else None
        )

    def count(self, text: str) -> int:
        if self.exclude_pattern is not None:
            text = self.cut_exclusions(text)
        return sum(1 for _ in _hits(self.alias_pattern, text))

    def exclusion_spans(self, text: str) -> list[tuple[int, int]]:
        """Where the exclusions cut: each hit, with the spaced letters glued after one that ends in Chinese."""
        if self.exclude_pattern is None:
            return []
        spans = []
        for match in _hits(self.exclude_pattern, text):
            parts = alias_parts(self.exclusions[(match.lastindex or 1) - 1])
            end = match.end()
            if not parts.ends_a_word and is_word_char(parts.last_char):
                while end < len(text) and is_word_char(text[end]) and not is_unspaced(text[end]):
                    end += 1
            spans.append((match.start(), end))
        return spans

    def cut_exclusions(self, text: str) -> str:
        """The text with what the exclusions cover replaced by a separator: an alias counts only where none is.

        The separator (U+0002) is neither a word character nor white space, so the words
        on either side of a cut stay apart ("Ukraine Emine Erdogan. war" is no "Ukraine war").
        """
        pieces, position = [], 0
        for start, end in self.exclusion_spans(text):
            if start < position:  # inside the previous cut
                continue
            pieces.append(text[position:start])
            pieces.append(EXCLUSION_CUT)
            position = end
        pieces.append(text[position:])
        return "".join(pieces)


def _hits(pattern: re.Pattern[str], text: str) -> Iterator[re.Match[str]]:
    """Leftmost, longest-alias-first hits that obey the start rule."""
    position = 0
    while (match := pattern.search(text, position)) is not None:
        if _starts_a_word(text, match):
            yield match
            position = max(match.end(), match.start() + 1)
        else:
            position = match.start() + 1


def _starts_a_word(text: str, match: re.Match[str]) -> bool:
    """True unless the hit is glued to a word character before it (in a spaced script)."""
    start = match.start()
    if start == 0:
        return True
    first = text[start]
    if is_unspaced(first) or not first.isalnum():
        return True
    return not is_word_char(text[start - 1])


def _overlaps_any(span: tuple[int, int], others: list[tuple[int, int]]) -> bool:
    start, end = span
    return any(start < other_end and other_start < end for other_start, other_end in others)


def _alias_regex(alias: str) -> str:
    """One alias as a regex fragment; the end-of-word rule is part of it, the start rule is not."""
    parts = alias_parts(alias)
    body = r"\s+".join(re.escape(word) for word in parts.words)
    if parts.word_forms:
        # Word forms continue in the alias's own kind of script: "Путин*" does not run into glued Chinese.
        body += _SPACED_WORD_CHARS if parts.ends_a_word else r"\w*"
    return body + (r"(?!\w)" if parts.ends_a_word else "")


_SPACED_WORD_CHARS = r"[^\W\u0e00-\u0e7f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]*"


class Watchlist:
    """Parsed watchlist with compiled matchers and the hash of the file's content.

    This is the reference implementation of docs/counting.md and the engine behind
    `newstally explain`; the warehouse tallies in SQL with patterns compiled from the
    same rules (warehouse.counting.patterns), and a test holds the two to identical counts.
    """

    def __init__(self, entities: tuple[Entity, ...], content_hash: str) -> None:
        self.entities = entities
        self.content_hash = content_hash
        self._matchers = tuple(_EntityMatcher(entity) for entity in entities)
        self._candidates = _stem_automaton(entities)

    def __hash__(self) -> int:
        return hash(self.content_hash)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Watchlist) and other.content_hash == self.content_hash

    def entity_ids(self) -> list[str]:
        return [entity.entity_id for entity in self.entities]

    def find_mentions(self, title: str, summary: str) -> list[Mention]:
        """Mentions of every entity in one article's title and summary."""
        # A regex pass per entity is costly; a single Aho-Corasick pass over the
        # case-folded text finds the few entities whose alias stems occur at all.
        candidates: set[int] = set()
        for _, indexes in self._candidates.iter(_prefilter_fold(f"{title}\n{summary}")):
            candidates.update(indexes)
        found = []
        for index in sorted(candidates):
            matcher = self._matchers[index]
            title_count = matcher.count(title)
            summary_count = matcher.count(summary)
            if title_count or summary_count:
                found.append(Mention(matcher.entity.entity_id, title_count + summary_count, in_title=title_count > 0))
        return found

    def explain(self, title: str, summary: str) -> list[AliasHit]:
        """Every alias hit in an article, with the exclusion that cancelled it if any."""
        hits = []
        for matcher in self._matchers:
            entity = matcher.entity
            for field, text in (("title", title), ("summary", summary)):
                excluded = matcher.exclusion_spans(text)
                for match in _hits(matcher.alias_pattern, text):
                    alias = matcher.aliases[(match.lastindex or 1) - 1]
                    cancelling = next(
                        (text[a:b].rstrip() for a, b in excluded if _overlaps_any(match.span(), [(a, b)])), None
                    )
                    hits.append(
                        AliasHit(
                            entity.entity_id,
                            alias,
                            field,
                            match.start(),
                            match.end(),
                            text[match.start() : match.end()],
                            cancelling,
                        )
                    )
        return hits


def _stem_automaton(entities: tuple[Entity, ...]) -> ahocorasick.Automaton:
    """Case-folded first words of every alias, each mapped to the entities that use it."""
    owners: dict[str, set[int]] = {}
    for index, entity in enumerate(entities):
        for alias in entity.aliases:
            # The first word only: the text may join an alias's words with any run of white space.
            owners.setdefault(_prefilter_fold(alias.rstrip("*").split()[0]), set()).add(index)
    automaton = ahocorasick.Automaton()
    for stem, indexes in owners.items():
        automaton.add_word(stem, frozenset(indexes))
    automaton.make_automaton()
    return automaton


# Characters that re.IGNORECASE equates with a letter whose str.lower() differs from
# theirs (ſ and s, K and k, İ and i, ς and σ): folded before the prefilter looks.
_SPECIAL_FOLDS = {
    char: folded
    for char, folded in (
        (chr(code), _simple_lower(_simple_upper(_simple_lower(chr(code))))) for code in range(0x80, 0x2200)
    )
    if folded != char.lower()
}
_SPECIAL_FOLD_TABLE = str.maketrans(_SPECIAL_FOLDS)
_HAS_SPECIAL_FOLD = re.compile("[" + re.escape("".join(_SPECIAL_FOLDS)) + "]")


def _prefilter_fold(text: str) -> str:
    if _HAS_SPECIAL_FOLD.search(text):
        text = text.translate(_SPECIAL_FOLD_TABLE)
    return text.lower()


def find_mentions(watchlist: Watchlist, title: str, summary: str) -> list[Mention]:
    """Mentions of every watchlist entity in one article."""
    return watchlist.find_mentions(title, summary)


def load_watchlist(path: Path) -> Watchlist:
    """Read and validate a watchlist file; errors name the file."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError as error:
        raise WatchlistInvalid(f"watchlist file not found: {path}") from error
    except (OSError, UnicodeDecodeError) as error:
        raise WatchlistInvalid(f"cannot read watchlist {path}: {error}") from error
    return parse_watchlist(text, origin=str(path))


def parse_watchlist(text: str, *, origin: str = "watchlist") -> Watchlist:
    """Validate the TOML text of a watchlist."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise WatchlistInvalid(f"{origin}: not valid TOML: {error}") from error
    unknown_tables = set(document) - set(ENTITY_KINDS)
    if unknown_tables:
        raise WatchlistInvalid(
            f"{origin}: unknown section(s) {', '.join(sorted(unknown_tables))}; use [[leader]] or [[theme]]"
        )
    entities: list[Entity] = []
    seen: set[str] = set()
    for kind in ENTITY_KINDS:
        for position, entry in enumerate(document.get(kind, []), start=1):
            entities.append(_entity_from_entry(entry, kind=kind, where=f"{origin}: {kind} #{position}"))
            if entities[-1].entity_id in seen:
                raise WatchlistInvalid(f"{origin}: entity id {entities[-1].entity_id!r} appears twice")
            seen.add(entities[-1].entity_id)
    if not entities:
        raise WatchlistInvalid(f"{origin}: no [[leader]] or [[theme]] entries")
    content_hash = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
    return Watchlist(tuple(entities), content_hash)


def _entity_from_entry(entry: object, *, kind: str, where: str) -> Entity:
    if not isinstance(entry, dict):
        raise WatchlistInvalid(f"{where}: expected a table")
    entity_id = entry.get("id")
    if not isinstance(entity_id, str) or not _ID_PATTERN.match(entity_id):
        raise WatchlistInvalid(f"{where}: id must be lower-case letters, digits and _ (got {entity_id!r})")
    name = entry.get("name", entity_id)
    aliases = entry.get("aliases", [])
    exclude = entry.get("exclude", [])
    case_sensitive = entry.get("case_sensitive", kind == "leader")
    if not isinstance(name, str):
        raise WatchlistInvalid(f"{where} ({entity_id}): name must be a string")
    for label, values in (("aliases", aliases), ("exclude", exclude)):
        if not isinstance(values, list) or not all(isinstance(v, str) and v.strip("* ") for v in values):
            raise WatchlistInvalid(f"{where} ({entity_id}): {label} must be a list of non-empty strings")
    if not aliases:
        raise WatchlistInvalid(f"{where} ({entity_id}): needs at least one alias")
    if not isinstance(case_sensitive, bool):
        raise WatchlistInvalid(f"{where} ({entity_id}): case_sensitive must be true or false")
    unknown_keys = set(entry) - {"id", "name", "aliases", "exclude", "case_sensitive"}
    if unknown_keys:
        raise WatchlistInvalid(f"{where} ({entity_id}): unknown key(s) {', '.join(sorted(unknown_keys))}")
    return Entity(
        entity_id=entity_id,
        kind=kind,
        name=name,
        aliases=tuple(a.strip() for a in aliases),
        exclude=tuple(e.strip() for e in exclude),
        case_sensitive=case_sensitive,
    )
