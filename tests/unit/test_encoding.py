"""Documents that claim UTF-8 and are not: repaired only when most of their text says so."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ingest import parse_feed
from ingest.encoding import in_declared_encoding

FETCHED_AT = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)


def _document(title: str, *, declared: str | None, written_in: str) -> bytes:
    declaration = f'<?xml version="1.0" encoding="{declared}"?>\n' if declared else ""
    text = (
        f'{declaration}<rss version="2.0"><channel><title>{title}</title>'
        f"<item><guid>1</guid><title>{title}</title><description>{title}. {title}.</description></item>"
        "</channel></rss>"
    )
    return text.encode(written_in)


def test_cyrillic_written_in_windows_1251_but_declared_utf8_is_read_as_cyrillic():
    body = _document("Министр иностранных дел подал в отставку", declared="UTF-8", written_in="cp1251")

    parsed = parse_feed(body, fetched_at=FETCHED_AT)

    assert parsed.articles[0].title == "Министр иностранных дел подал в отставку"
    assert "declared as UTF-8 but written in cp1251" in (parsed.error or "")


@pytest.mark.parametrize(
    ("title", "written_in"),
    [
        ("Ο πρωθυπουργός συναντήθηκε με τον Πούτιν στην Αθήνα", "cp1253"),
        ("الرئيس بوتين يلتقي ترامب في هلسنكي", "cp1256"),
        ("Путин встретился с Трампом в Хельсинки", "koi8_r"),
        ("普京与特朗普在赫尔辛基会面", "gb18030"),
        ("プーチン大統領とトランプ大統領が会談", "shift_jis"),
    ],
)
def test_other_scripts_in_legacy_encodings_declared_utf8_are_read_right(title: str, written_in: str):
    body = _document(title, declared="UTF-8", written_in=written_in)

    parsed = parse_feed(body, fetched_at=FETCHED_AT)

    assert parsed.articles[0].title == title
    assert "declared as UTF-8 but written in" in (parsed.error or "")


def test_latin_text_in_windows_1252_declared_utf8_is_left_to_feedparsers_windows_1252_fallback():
    body = _document("Café über Putin", declared="UTF-8", written_in="cp1252")

    assert in_declared_encoding(body) == (body, None)
    assert parse_feed(body, fetched_at=FETCHED_AT).articles[0].title == "Café über Putin"


def test_a_utf8_document_with_one_stray_byte_is_left_to_the_parsers():
    body = _document("Зеленский и Путин: переговоры", declared="UTF-8", written_in="utf-8") + b"\xff"

    assert in_declared_encoding(body) == (body, None)


def test_valid_utf8_and_other_declared_encodings_are_untouched():
    utf8 = _document("Élection à l'université", declared="utf-8", written_in="utf-8")
    latin1 = _document("Élection à l'université", declared="ISO-8859-1", written_in="latin-1")
    undeclared = _document("Élection à l'université", declared=None, written_in="latin-1")

    for body in (utf8, latin1, undeclared):
        assert in_declared_encoding(body) == (body, None)
