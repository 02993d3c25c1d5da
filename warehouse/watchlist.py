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
from dataclasses import dataclass
from pathlib import Path

import ahocorasick

from warehouse.errors import WatchlistInvalid

__all__ = ["Entity", "Mention", "Watchlist", "find_mentions", "load_watchlist", "parse_watchlist"]

ENTITY_KINDS = {"leader": "leader", "theme": "theme"}
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


class _EntityMatcher:
    """Compiled patterns of one entity.

    Two speed decisions, both measured (a lookbehind first, or re.IGNORECASE, makes
    Python's regex engine 15-40x slower on these alternations): the "no word
    character before" rule is checked in Python on each hit, and case-insensitive
    entities are matched case-sensitively against lower-cased text.
    """

    def __init__(self, entity: Entity) -> None:
        self.entity = entity
        self.lowered = not entity.case_sensitive
        self.alias_pattern = _alternation(entity.aliases, lowered=self.lowered)
        self.exclude_pattern = _alternation(entity.exclude, lowered=self.lowered) if entity.exclude else None

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Start and end of every counted alias hit in `text` (lower-cased first if need be)."""
        subject = text.lower() if self.lowered else text
        spans = [match.span() for match in self.alias_pattern.finditer(subject) if _starts_a_word(subject, match)]
        if spans and self.exclude_pattern is not None:
            excluded = [m.span() for m in self.exclude_pattern.finditer(subject) if _starts_a_word(subject, m)]
            spans = [span for span in spans if not _overlaps_any(span, excluded)]
        return spans

    def count(self, text: str) -> int:
        return len(self.spans(text))


def _starts_a_word(text: str, match: re.Match[str]) -> bool:
    """True unless the hit is glued to a word character before it (in a spaced script)."""
    start = match.start()
    if start == 0:
        return True
    first = text[start]
    if _UNSPACED_SCRIPT.match(first) or not first.isalnum():
        return True
    before = text[start - 1]
    return not (before.isalnum() or before == "_")


def _overlaps_any(span: tuple[int, int], others: list[tuple[int, int]]) -> bool:
    start, end = span
    return any(start < other_end and other_start < end for other_start, other_end in others)


def _alias_regex(alias: str) -> str:
    """One alias as a regex fragment; the end-of-word rule is part of it, the start rule is not."""
    word_forms = alias.endswith("*")
    literal = alias[:-1] if word_forms else alias
    body = r"\s+".join(re.escape(part) for part in literal.split())
    if word_forms:
        body += r"\w*"
    last = literal[-1]
    ends_a_word = (last.isalnum() or word_forms) and not _UNSPACED_SCRIPT.match(last)
    return body + (r"(?!\w)" if ends_a_word else "")


def _alternation(aliases: tuple[str, ...], *, lowered: bool) -> re.Pattern[str]:
    # Longest first, so "Vladimir Putin" is one occurrence, not "Vladimir Putin" and "Putin".
    ordered = sorted({alias.lower() if lowered else alias for alias in aliases}, key=len, reverse=True)
    return re.compile("|".join(_alias_regex(alias) for alias in ordered))


class Watchlist:
    """Parsed watchlist with compiled matchers and the hash of the file's content."""

    def __init__(self, entities: tuple[Entity, ...], content_hash: str) -> None:
        self.entities = entities
        self.content_hash = content_hash
        self._matchers = tuple(_EntityMatcher(entity) for entity in entities)
        self._candidates = _stem_automaton(entities)

    def entity_ids(self) -> list[str]:
        return [entity.entity_id for entity in self.entities]

    def find_mentions(self, title: str, summary: str) -> list[Mention]:
        """Mentions of every entity in one article's title and summary."""
        # A regex pass per entity is costly; a single Aho-Corasick pass over the
        # lower-cased text finds the few entities whose alias stems occur at all.
        candidates: set[int] = set()
        for _, indexes in self._candidates.iter(f"{title}\n{summary}".lower()):
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
                subject = text.lower() if matcher.lowered else text
                excluded = []
                if matcher.exclude_pattern is not None:
                    excluded = [m.span() for m in matcher.exclude_pattern.finditer(subject)]
                for match in matcher.alias_pattern.finditer(subject):
                    if not _starts_a_word(subject, match):
                        continue
                    alias = _alias_that_matched(entity, match.group(0), lowered=matcher.lowered)
                    cancelling = next((text[a:b] for a, b in excluded if _overlaps_any(match.span(), [(a, b)])), None)
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


def _alias_that_matched(entity: Entity, matched: str, *, lowered: bool) -> str:
    for alias in sorted(entity.aliases, key=len, reverse=True):
        pattern = alias.lower() if lowered else alias
        if re.fullmatch(_alias_regex(pattern), matched):
            return alias
    return matched


def _stem_automaton(entities: tuple[Entity, ...]) -> ahocorasick.Automaton:
    """Lower-cased literal stems of every alias, each mapped to the entities that use it."""
    owners: dict[str, set[int]] = {}
    for index, entity in enumerate(entities):
        for alias in entity.aliases:
            owners.setdefault(alias.rstrip("*").lower(), set()).add(index)
    automaton = ahocorasick.Automaton()
    for stem, indexes in owners.items():
        automaton.add_word(stem, frozenset(indexes))
    automaton.make_automaton()
    return automaton


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
