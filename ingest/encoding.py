"""Documents that say they are UTF-8 and are not: read in the encoding they really use.

A feed's bytes go to the parsers as they came, so that the XML declaration and
byte-order mark decide the encoding. One lie is common enough to need help:
servers that stamp `encoding="UTF-8"` on Cyrillic, Greek or Arabic text written
in a legacy code page (windows-1251, say). feedparser then falls back to
windows-1252 and every word comes out as mojibake ("Ìèíèñòð" for "Министр"),
which no alias ever matches. Such a document is re-encoded as the UTF-8 it claims
to be, from the encoding charset-normalizer finds, and the fetch records why.

Only documents that mostly fail to decode as UTF-8 are touched: a UTF-8 document
with a stray byte or a cut-off last character is left to the parsers as before. And
only when the text found is mostly in a non-Latin script: for Latin text feedparser's
own fallback, windows-1252, is right far more often than a guess from a few accented
letters (which may well pick a Baltic or Central European code page).
"""

from __future__ import annotations

import codecs
import re
import unicodedata

import charset_normalizer

__all__ = ["in_declared_encoding"]

_DECLARATION = re.compile(rb"""\A\s*<\?xml[^>]*?\bencoding\s*=\s*(["'])([A-Za-z0-9._:-]{1,40})\1""")
# The legacy encodings news sites still serve, for scripts other than Latin (and the
# Central European and Turkish pages, so their letters are not taken for Cyrillic). Left
# to choose freely, charset-normalizer picks rarities such as mac-cyrillic for short Greek.
_LEGACY_WEB_ENCODINGS = [
    "cp1251", "koi8_r", "koi8_u", "cp1253", "iso8859_7", "cp1256", "cp1255", "cp1250", "cp1254", "cp1257",
    "cp874", "gb18030", "big5", "shift_jis", "euc_jp", "euc_kr",
]  # fmt: skip
_BYTE_ORDER_MARKS = (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_LE)


def in_declared_encoding(body: bytes) -> tuple[bytes, str | None]:
    """The document as UTF-8 if it claims UTF-8 but is mostly written in another encoding, and why; else as given."""
    if body.startswith(_BYTE_ORDER_MARKS) or not _claims_utf8(body):
        return body, None
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        return body, None
    if not _mostly_not_utf8(body):
        return body, None
    best = charset_normalizer.from_bytes(body, cp_isolation=_LEGACY_WEB_ENCODINGS).best()
    if best is None or codecs.lookup(best.encoding).name in ("utf-8", "ascii"):
        return body, None
    text = str(best)
    if not _mostly_non_latin(text):
        return body, None
    name = codecs.lookup(best.encoding).name
    return text.encode("utf-8"), f"encoding: declared as UTF-8 but written in {name}; read as {name}"


def _claims_utf8(body: bytes) -> bool:
    """Whether the XML declaration names UTF-8 (a document without one is UTF-8 by XML's rule too)."""
    declared = _DECLARATION.match(body[:512])
    if declared is None:
        return False  # no declaration: feedparser's own guessing already reads these well
    try:
        return codecs.lookup(declared[2].decode("ascii")).name == "utf-8"
    except LookupError:
        return False


def _mostly_not_utf8(body: bytes) -> bool:
    """More of the document's non-ASCII characters fail to decode as UTF-8 than succeed."""
    text = body.decode("utf-8", errors="replace")
    broken = text.count("\ufffd")
    readable = sum(1 for char in text if char > "\x7f") - broken
    return broken > readable


def _mostly_non_latin(text: str) -> bool:
    """Whether most of the text's non-ASCII letters belong to a script other than Latin (Cyrillic, Greek, Arabic...)."""
    letters = [char for char in text if char > "\x7f" and char.isalpha()]
    latin = sum(1 for char in letters if unicodedata.name(char, "").startswith("LATIN"))
    return len(letters) > 0 and latin * 2 < len(letters)
