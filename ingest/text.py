"""Plain text out of the HTML that feeds put in titles and summaries.

Entity-decoding and tag-stripping are done by a real HTML parser (Lexbor via
selectolax), never by regular expressions, and nothing is ever rendered.
"""

from __future__ import annotations

from selectolax.lexbor import LexborHTMLParser

__all__ = ["plain_text"]

# Their content is code or markup, never words a reader sees.
_DROPPED_TAGS = ["script", "style", "noscript", "template", "iframe", "object", "svg", "math"]
_DROPPED = frozenset(_DROPPED_TAGS)

# Elements that separate words visually; without a space around them
# "<p>Kyiv</p><p>Moscow</p>" would read "KyivMoscow" and defeat whole-word matching.
# Inline elements get no space, so "<b>Pu</b>tin" stays "Putin".
_BLOCK_SELECTOR = ", ".join(
    [
        "address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt",
        "figcaption", "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header",
        "hr", "li", "main", "nav", "ol", "p", "pre", "section", "table", "td", "th", "tr", "ul",
    ]
)  # fmt: skip


def plain_text(html_or_text: str) -> str:
    """The words of a feed field as a reader would see them, on one line.

    Tags are removed, entities decoded, `<script>`/`<style>` content dropped, and
    every run of whitespace (including non-breaking spaces) folded to one space.
    Plain text passes through unchanged apart from the whitespace folding; a bare
    `<` followed by a letter is, as in any browser, read as the start of a tag.
    """
    if "<" not in html_or_text and "&" not in html_or_text:
        return _fold_whitespace(html_or_text)
    tree = LexborHTMLParser(html_or_text)
    root = tree.root
    if root is None:
        return ""
    # Stripping costs a search of the tree per tag; one walk says whether any is there at all.
    if not _DROPPED.isdisjoint(node.tag for node in root.traverse()):
        root.strip_tags(_DROPPED_TAGS)
    for node in root.css(_BLOCK_SELECTOR):
        node.insert_before(" ")
        node.insert_after(" ")
    return _fold_whitespace(root.text())


# C0 and C1 control characters other than whitespace: invisible, and never part of a word.
_CONTROLS = {code: None for code in [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F, *range(0x80, 0xA0)]}


def _fold_whitespace(text: str) -> str:
    if not text.isprintable():
        text = text.translate(_CONTROLS)
    return " ".join(text.split())
