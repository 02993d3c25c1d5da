"""The watchlist compiled for DuckDB: RE2 patterns that count exactly what the Python matcher counts.

DuckDB's regex engine (RE2) has no lookbehind or lookahead, its ``\\b`` is ASCII-only
and its case folding is not Python's. So the rules of docs/counting.md are emulated,
and every emulation is chosen so the counts stay identical to `Watchlist.find_mentions`:

- Word characters are ``[\\pL\\pN_]`` (equal to Python's ``\\w`` except for code points
  Python's Unicode tables do not assign yet); white space is Python's ``\\s`` spelled out.
- The end rule ("no word character after") consumes the one non-word character that
  follows an alias. The start rule is not written before the alias, since a consumed
  character there would hide a second occurrence right after the first ("Putin Putin").
  Instead a last alternative swallows any word run that glues a word character to the
  start of an alias ("antiPutin"), so the scan can only reach an alias start that is
  preceded by a non-word character, a consumed end, or the start of the text.
- An alias that ends in an unspaced script (普京) also swallows spaced letters glued
  after it, which no alias can start in, so the same holds after it.
- Case-insensitive entries spell every cased character as the class of characters
  Python's ``re.IGNORECASE`` lets it match (RE2's folding differs for İ, for example).
- Exclusions are replaced by a separator first (``regexp_replace``, see `_mask_steps`);
  the Python matcher does the same.
- One scan finds every entity's aliases (and exclusions) at once, which is exact for an
  article unless a hit says an exclusion or an overlap between entities may be in play
  (`SqlMatchPlan`). Those articles are scanned again per *layer*: alias groups whose
  patterns can never overlap in any text, so one leftmost-longest scan finds exactly
  what a scan per entity would. Each matched string is mapped back to its entity in Python.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

from warehouse.counting.watchlist import (
    EXCLUSION_CUT,
    AliasParts,
    Entity,
    Watchlist,
    alias_parts,
    is_unspaced,
    is_word_char,
)

__all__ = ["MatchPass", "SqlMatchPlan", "sql_match_plan"]

_WORD = r"[\pL\pN_]"
_NOT_WORD = r"[^\pL\pN_]"
_UNSPACED_RANGES = (
    r"\x{0e00}-\x{0e7f}\x{3040}-\x{30ff}\x{3400}-\x{4dbf}\x{4e00}-\x{9fff}\x{ac00}-\x{d7af}\x{f900}-\x{faff}"
)
# A word character of a spaced script: letters and digits outside the unspaced ranges, or _.
_SPACED_WORD = rf"(?:[^\PL{_UNSPACED_RANGES}]|[^\PN{_UNSPACED_RANGES}]|_)"
# Python's str.isspace(), which is what `\s` means to Python's re.
_SPACE_RUN = r"[\p{Z}\t\n\x{0b}\f\r\x{1c}-\x{1f}\x{85}]+"


@dataclass(frozen=True)
class MatchPass:
    """One scan of the articles: its RE2 patterns, and the way from a matched text back to its entity."""

    extract_pattern: str  # for regexp_extract_all; group 0 of each match
    # regexp_replace(text, pattern, rewrite, 'g') steps, in order, that replace exclusions by EXCLUSION_CUT
    masks: tuple[tuple[str, str], ...]
    # (entity_id or None for an exclusion, fullmatch pattern, whether such a hit needs the exact scan)
    mappers: tuple[tuple[str | None, re.Pattern[str], bool], ...]

    def owner(self, matched: str) -> tuple[str | None, bool]:
        """The entity a matched text counts for (None: a swallowed glued word or an exclusion),
        and whether the article it came from must be scanned again exactly."""
        entity_id, needs_exact = None, False
        for candidate, pattern, flagged in self.mappers:
            if pattern.fullmatch(matched):
                needs_exact = needs_exact or flagged
                entity_id = entity_id or candidate
        return entity_id, needs_exact


@dataclass(frozen=True)
class SqlMatchPlan:
    """How DuckDB tallies a watchlist.

    `first_pass` scans every article once for every alias and exclusion together. Its
    hits are exact for an article unless one of them is flagged: an exclusion, an alias
    that could hide an exclusion starting inside it ("Donald Trump" / "Trump Tower"), or
    an alias that can overlap another entity's ("trade war" / "war in Ukraine"). Those
    articles, usually a small share, are scanned again by `exact_passes`: exclusions cut
    out, one pass per layer of alias groups that cannot overlap.
    """

    content_hash: str
    first_pass: MatchPass
    exact_passes: tuple[MatchPass, ...]


@dataclass(frozen=True)
class _AliasGroup:
    """Aliases of one entity that can overlap one another, with the exclusions that can overlap them."""

    entity: Entity
    aliases: tuple[str, ...]
    exclusions: tuple[str, ...]


@cache
def sql_match_plan(watchlist: Watchlist) -> SqlMatchPlan:
    """Compile a watchlist: one pass over everything, and the layered passes for the articles that need them."""
    groups = [group for entity in watchlist.entities for group in _alias_groups(entity)]
    layers: list[list[_AliasGroup]] = []
    for group in groups:
        for layer in layers:
            if not any(_groups_can_overlap(group, other) for other in layer):
                layer.append(group)
                break
        else:
            layers.append([group])
    conflicted = {
        index
        for index, group in enumerate(groups)
        if any(_groups_can_overlap(group, other) for j, other in enumerate(groups) if j != index)
    }
    return SqlMatchPlan(
        watchlist.content_hash,
        _first_pass(groups, conflicted),
        tuple(_exact_pass(layer) for layer in layers),
    )


def _first_pass(groups: list[_AliasGroup], conflicted: set[int]) -> MatchPass:
    patterns = [(alias, g.entity) for g in groups for alias in g.aliases]
    patterns += [(phrase, g.entity) for g in groups for phrase in g.exclusions]
    mappers: list[tuple[str | None, re.Pattern[str], bool]] = []
    for index, group in enumerate(groups):
        hiding, merged = [], []
        for alias in group.aliases:
            ways = [_hidden_exclusions(alias, x) for x in group.exclusions]
            if any(way is None for way in ways):
                hiding.append(alias)
            else:
                merged += [phrase for way in ways if way for phrase in way]
        plain = tuple(a for a in group.aliases if a not in hiding)
        case_sensitive = group.entity.case_sensitive
        if plain:
            mappers.append((group.entity.entity_id, _mapper(case_sensitive, plain), index in conflicted))
        if hiding:
            mappers.append((group.entity.entity_id, _mapper(case_sensitive, tuple(hiding)), True))
        if group.exclusions or merged:
            patterns += [(phrase, group.entity) for phrase in merged]
            mappers.append((None, _mapper(case_sensitive, (*group.exclusions, *merged)), True))
    return MatchPass(_scan_pattern(patterns), (), tuple(mappers))


def _hidden_exclusions(alias: str, exclusion: str) -> list[str] | None:
    """How a hit of `alias` could hide `exclusion` in a joint scan: [] never; phrases that betray it; None always.

    "Donald Trump" hides "Trump Tower" only in "Donald Trump Tower": scanning for that
    merged phrase too (flagged) keeps every plain "Donald Trump" off the exact scan.
    """
    first, second = alias_parts(alias), alias_parts(exclusion)
    for tailed, other in ((first, second), (second, first)):
        if tailed.word_forms and not tailed.ends_a_word and not other.starts_a_word:
            return None
    if (-len(alias), alias) < (-len(exclusion), exclusion) and _can_start_together(alias, exclusion):
        return None
    plain_a, plain_x = " ".join(first.words), " ".join(second.words)
    text_a, text_x = plain_a.casefold(), plain_x.casefold()
    merged = []
    for offset in _overlap_offsets(text_a, first, text_x, second, first_offset=1):
        if offset + len(text_x) <= len(text_a) or len(text_a) != len(plain_a) or first.word_forms:
            return None
        merged.append(plain_a[:offset] + exclusion)
    return merged


def _alias_groups(entity: Entity) -> list[_AliasGroup]:
    """Split an entity where no alias or exclusion can reach across: each part may go to its own pass.

    Counting each part separately and adding up is exact, since their hits never overlap.
    """
    patterns = [*entity.aliases, *entity.exclude]
    component = list(range(len(patterns)))

    def root(index: int) -> int:
        while component[index] != index:
            index = component[index]
        return index

    for i, first in enumerate(patterns):
        for j in range(i):
            if patterns_can_overlap(first, patterns[j]):
                component[root(i)] = root(j)
    groups = []
    for index in sorted({root(i) for i in range(len(entity.aliases))}):
        members = [i for i in range(len(patterns)) if root(i) == index]
        groups.append(
            _AliasGroup(
                entity,
                tuple(patterns[i] for i in members if i < len(entity.aliases)),
                tuple(patterns[i] for i in members if i >= len(entity.aliases)),
            )
        )
    return groups


@cache
def _groups_can_overlap(first: _AliasGroup, second: _AliasGroup) -> bool:
    return any(
        patterns_can_overlap(a, b)
        for a in (*first.aliases, *first.exclusions)
        for b in (*second.aliases, *second.exclusions)
    )


def _exact_pass(groups: list[_AliasGroup]) -> MatchPass:
    aliases = [(alias, group.entity) for group in groups for alias in group.aliases]
    exclusions = [(phrase, group.entity) for group in groups for phrase in group.exclusions]
    mappers = tuple(
        (group.entity.entity_id, _mapper(group.entity.case_sensitive, group.aliases), False) for group in groups
    )
    return MatchPass(_scan_pattern(aliases), _mask_steps(exclusions), mappers)


def _mask_steps(exclusions: list[tuple[str, Entity]]) -> tuple[tuple[str, str], ...]:
    """Replace steps that turn each exclusion hit into EXCLUSION_CUT, keeping the characters around it.

    No glued-word alternative here (a separator after a swallowed word would end a
    word-forms alias running through it); the start rule is a consumed non-word
    character, put back by the rewrite, as is the one the end rule consumes. A hit
    right after another has lost that character to it, so the step runs twice: the
    second run finds every hit the first skipped, each now after a put-back character.
    """
    ruled = [(x, e) for x, e in exclusions if alias_parts(x).starts_a_word]
    unruled = [(x, e) for x, e in exclusions if not alias_parts(x).starts_a_word]
    steps: list[tuple[str, str]] = []
    if ruled:
        ruled_step = (f"(^|{_NOT_WORD})(?:{_ordered_alternation(ruled, keep_end=True)})", f"\\1{EXCLUSION_CUT}\\2")
        steps += [ruled_step, ruled_step]
    if unruled:
        steps.append((f"(?:{_ordered_alternation(unruled, keep_end=True)})", f"{EXCLUSION_CUT}\\1"))
    return tuple(steps)


def _scan_pattern(patterns: list[tuple[str, Entity]]) -> str:
    glued = _glued_alternative(patterns)
    return _ordered_alternation(patterns) + (f"|{glued}" if glued else "")


def _ordered_alternation(patterns: list[tuple[str, Entity]], *, keep_end: bool = False) -> str:
    """The Python matcher's order (longest first, ties by text), the end rule written once per block.

    Each alias carrying its own copy of the Unicode boundary classes makes a pattern so
    large that RE2's DFA runs out of memory and falls back to its NFA, 100x slower. So
    aliases are grouped by the way they end, each block's tail written once. That keeps
    the order of the alternation only if no two aliases of different blocks can start
    matching at the same place with the blocks in the wrong order; when they could, the
    slow form is the exact one and is used.
    """
    ordered = sorted(patterns, key=lambda pair: (-len(pair[0]), pair[0]))
    blocks: dict[str, list[tuple[str, Entity]]] = {}
    for alias, entity in ordered:
        kind = _ending(alias_parts(alias))
        if keep_end and kind == "word forms":
            kind = "word"  # one captured end character for the rewrite; the forms tail goes inline
        blocks.setdefault(kind, []).append((alias, entity))
    block_order = _block_order(blocks)
    if block_order is None and not keep_end:
        return "|".join(_alias_fragment(alias, entity.case_sensitive) for alias, entity in ordered)
    # keep_end (masks): an order clash between blocks only matters for exclusions that overlap each other.
    tails = _KEPT_END_TAILS if keep_end else _TAILS
    return "|".join(
        "(?:"
        + "|".join(_alias_body(alias, entity.case_sensitive, inline_forms=keep_end) for alias, entity in blocks[kind])
        + ")"
        + tails[kind]
        for kind in block_order or list(blocks)
    )


_TAILS = {
    "word": f"(?:{_NOT_WORD}|$)",
    "word forms": f"{_SPACED_WORD}*(?:{_NOT_WORD}|$)",
    "glued": f"{_SPACED_WORD}*",
    "glued forms": f"{_WORD}*",
    "open": "",
}


_KEPT_END_TAILS = {**_TAILS, "word": f"({_NOT_WORD}|$)"}


def _ending(parts: AliasParts) -> str:
    if parts.ends_a_word:
        return "word forms" if parts.word_forms else "word"
    if parts.word_forms:
        return "glued forms"
    return "glued" if is_word_char(parts.last_char) else "open"


def _block_order(blocks: dict[str, list[tuple[str, Entity]]]) -> list[str] | None:
    """Blocks in an order that never lets a shorter alias win over a longer one at the same place; None if none."""
    kinds = list(blocks)
    before: dict[str, set[str]] = {kind: set() for kind in kinds}
    for kind in kinds:
        for other in kinds:
            if kind == other:
                continue
            for alias, _ in blocks[kind]:
                for other_alias, _ in blocks[other]:
                    if (-len(alias), alias) < (-len(other_alias), other_alias) and _can_start_together(
                        alias, other_alias
                    ):
                        before[other].add(kind)  # `kind` must come first
    order: list[str] = []
    while len(order) < len(kinds):
        ready = [kind for kind in kinds if kind not in order and before[kind] <= set(order)]
        if not ready:
            return None
        order.append(ready[0])
    return order


def _can_start_together(a: str, b: str) -> bool:
    """Could both match from the same place? Only if one literal, case-folded, begins the other."""
    first = " ".join(alias_parts(a).words).casefold()
    second = " ".join(alias_parts(b).words).casefold()
    return first.startswith(second) or second.startswith(first)


def _alias_body(alias: str, case_sensitive: bool, *, inline_forms: bool = False) -> str:
    parts = alias_parts(alias)
    body = _SPACE_RUN.join(_literal(part, case_sensitive) for part in parts.words)
    if inline_forms and parts.word_forms and parts.ends_a_word:
        body += f"{_SPACED_WORD}*"
    return body


def _alias_fragment(alias: str, case_sensitive: bool) -> str:
    """One alias with its own tail: the end rule as a consumed character, or a swallowed glued run."""
    return _alias_body(alias, case_sensitive) + _TAILS[_ending(alias_parts(alias))]


def _glued_alternative(patterns: list[tuple[str, Entity]]) -> str | None:
    """A word character followed by the first word of an alias: never a hit, swallowed so no hit starts inside.

    Where the alias's first word must end at a word's end (more words follow, or no word
    forms), so must the glued one, which keeps "award" and "toward" from matching the
    "war" of "war in Ukraine"; otherwise the rest of the glued word goes with it.
    """
    whole_words, open_words, exact = set(), set(), set()
    for alias, entity in patterns:
        parts = alias_parts(alias)
        if not parts.starts_a_word:
            continue
        first_word = parts.words[0]
        prefix = ""
        for char in first_word:
            if not is_word_char(char) or is_unspaced(char):
                break
            prefix += char
        if prefix != first_word:
            # "G-7": the glued run is "xG-" and no more; what follows the hyphen may start a hit.
            exact.add(_literal(first_word[: len(prefix) + 1], entity.case_sensitive))
        elif (len(parts.words) > 1 or parts.ends_a_word) and not (len(parts.words) == 1 and parts.word_forms):
            whole_words.add(_literal(prefix, entity.case_sensitive))
        else:
            open_words.add(_literal(prefix, entity.case_sensitive))
    alternatives = [f"{_WORD}(?:{'|'.join(sorted(exact))})"] if exact else []
    if whole_words:
        alternatives.append(f"{_WORD}(?:{'|'.join(sorted(whole_words))})(?:{_NOT_WORD}|$)")
    if open_words:
        alternatives.append(f"{_WORD}(?:{'|'.join(sorted(open_words))}){_SPACED_WORD}*")
    return "|".join(alternatives) or None


def _literal(text: str, case_sensitive: bool) -> str:
    return "".join(_char(char, case_sensitive) for char in text)


def _char(char: str, case_sensitive: bool) -> str:
    variants = (char,) if case_sensitive else _ignorecase_variants(char)
    if len(variants) == 1:
        return char if char.isascii() and char.isalnum() else _escaped(char)
    return "[" + "".join(_escaped(variant) for variant in variants) + "]"


def _escaped(char: str) -> str:
    return f"\\x{{{ord(char):x}}}"


@cache
def _ignorecase_variants(char: str) -> tuple[str, ...]:
    """Every character Python's re.IGNORECASE lets `char` match, so RE2 matches the same set."""
    lower_of, upper_of = _case_buckets()
    candidates = {char}
    for key in {char, char.lower(), char.upper()}:
        candidates |= lower_of.get(key, set()) | upper_of.get(key, set())
    probe = re.compile(re.escape(char), re.IGNORECASE)
    return tuple(sorted(c for c in candidates if probe.fullmatch(c)))


_LAST_CASED_PLANE_END = 0x20000


@cache
def _case_buckets() -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    lower_of: dict[str, set[str]] = {}
    upper_of: dict[str, set[str]] = {}
    # No code point above the Supplementary Multilingual Plane has case (the last cased
    # script, Adlam, ends at U+1E95F), so scanning 0x20000 instead of 0x110000 is exact and 8x cheaper.
    for code in range(_LAST_CASED_PLANE_END):
        char = chr(code)
        lower, upper = char.lower(), char.upper()
        if lower == upper == char:
            continue
        if len(lower) == 1:
            lower_of.setdefault(lower, set()).add(char)
        if len(upper) == 1:
            upper_of.setdefault(upper, set()).add(char)
        if len(lower) > 1:  # İ lowers to i + a dot; re.IGNORECASE uses the simple mapping, i
            lower_of.setdefault(lower[0], set()).add(char)
    return lower_of, upper_of


def _mapper(case_sensitive: bool, aliases: tuple[str, ...]) -> re.Pattern[str]:
    """Python pattern that fully matches what these alias fragments extract."""
    fragments = []
    for alias in aliases:
        parts = alias_parts(alias)
        body = r"\s+".join(re.escape(word) for word in parts.words)
        if parts.word_forms:
            body += r"\w*"  # wider than the scan's tail; a matched text has only one owner in its pass
        if parts.ends_a_word:
            body += r"\W?"
        elif is_word_char(parts.last_char):
            body += r"\w*"
        fragments.append(body)
    return re.compile("|".join(fragments), 0 if case_sensitive else re.IGNORECASE)


@cache
def patterns_can_overlap(a: str, b: str) -> bool:
    """Could a hit of `a` and a hit of `b` share a character in some text? False only when surely not.

    Compared case-folded with white space normalised, at every offset, honouring the
    start and end rules where a boundary falls inside the other pattern.
    """
    first, second = alias_parts(a), alias_parts(b)
    # A word-forms tail in an unspaced script runs over glued characters, where an alias
    # without a start rule can begin; a spaced tail runs over spaced letters only, where none can.
    for tailed, other in ((first, second), (second, first)):
        if tailed.word_forms and not tailed.ends_a_word and not other.starts_a_word:
            return True
    text_a, text_b = " ".join(first.words).casefold(), " ".join(second.words).casefold()
    return _overlap_at_some_offset(text_a, first, text_b, second) or _overlap_at_some_offset(
        text_b, second, text_a, first
    )


def _overlap_at_some_offset(text_a: str, first: AliasParts, text_b: str, second: AliasParts) -> bool:
    """Does `text_b` fit starting at some offset inside `text_a`, overlapping it, boundaries permitting?"""
    return next(_overlap_offsets(text_a, first, text_b, second), None) is not None


def _overlap_offsets(
    text_a: str, first: AliasParts, text_b: str, second: AliasParts, *, first_offset: int = 0
) -> Iterator[int]:
    """The offsets inside `text_a` where `text_b` can start and overlap it, boundaries permitting."""
    # Only offsets where b's first character stands can start an overlap: find them in C, not by slicing.
    offset = text_a.find(text_b[0], first_offset) if text_b else -1
    while offset != -1:
        candidate, offset = offset, text_a.find(text_b[0], offset + 1)
        if _overlaps_at(text_a, first, text_b, second, candidate):
            yield candidate


def _overlaps_at(text_a: str, first: AliasParts, text_b: str, second: AliasParts, offset: int) -> bool:
    """Whether `text_b` starting at `offset` inside `text_a` overlaps it, boundaries permitting."""
    overlap = min(len(text_a) - offset, len(text_b))
    if text_a[offset : offset + overlap] != text_b[:overlap]:
        return False
    if second.starts_a_word and offset > 0 and is_word_char(text_a[offset - 1]):
        return False  # b would be glued to the word character before it
    end = offset + len(text_b)
    if second.ends_a_word and not second.word_forms and end < len(text_a) and is_word_char(text_a[end]):
        return False  # b would be glued to the word character after it (a word-forms tail would run on)
    glued_after_a = end > len(text_a) and is_word_char(text_b[len(text_a) - offset])
    # a would be glued to the word character after it
    return not (first.ends_a_word and not first.word_forms and glued_after_a)
