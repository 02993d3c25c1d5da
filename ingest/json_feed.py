"""Reading JSON Feed documents (jsonfeed.org, versions 1.0 and 1.1) into the raw items the XML readers produce.

A JSON Feed is an object with a `version` URL (https://jsonfeed.org/version/1 or
/1.1), a `title`, a `home_page_url` and `items`; an item has an `id`, a `url` (else
an `external_url`), a `title`, a `summary`, `content_html` or `content_text`, and
RFC 3339 `date_published` / `date_modified`. The format has no feed-level date.
Items that are not objects are counted as seen and skipped, as the XML readers skip
items too empty to keep.
"""

from __future__ import annotations

import json
from typing import Any

from ingest.dates import read_date
from ingest.errors import FeedMalformed
from ingest.raw import RawEntry, RawFeed

__all__ = ["is_json_document", "read_json_feed"]

_JSON_FEED_VERSION_HOST = "jsonfeed.org"


def is_json_document(body: bytes) -> bool:
    """Whether the bytes begin as a JSON object or array would (after a byte-order mark and white space)."""
    return body[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").startswith((b"{", b"["))


def read_json_feed(body: bytes, *, max_items: int | None = None) -> RawFeed:
    """The JSON Feed document's feed; of its items, only the first `max_items` objects are read.

    Raises FeedMalformed when the bytes are not JSON, or JSON of another kind.
    """
    try:
        document = json.loads(body.decode("utf-8-sig"))
    except UnicodeDecodeError as error:
        raise FeedMalformed(f"a JSON document not in UTF-8 ({error.reason}), not a feed") from error
    except json.JSONDecodeError as error:
        raise FeedMalformed(
            f"not well-formed JSON at line {error.lineno}, column {error.colno}: {error.msg}"
        ) from error
    except RecursionError as error:
        raise FeedMalformed("a JSON document nested too deeply, not a feed") from error
    version = document.get("version") if isinstance(document, dict) else None
    if not isinstance(version, str) or _JSON_FEED_VERSION_HOST not in version:
        raise FeedMalformed("a JSON document, not a feed")
    items = document.get("items")
    if not isinstance(items, list):
        raise FeedMalformed("a JSON Feed without an items list")
    objects = [item for item in items if isinstance(item, dict)]
    skipped = len(items) - len(objects)
    cut = max_items is not None and len(objects) > max_items
    entries = tuple(_entry(item) for item in (objects[:max_items] if cut else objects))
    return RawFeed(
        title=_text(document, "title"),
        link=_text(document, "home_page_url"),
        entries=entries,
        items_seen=len(items),
        problem=f"{skipped} of {len(items)} items are not JSON objects and were skipped" if skipped else None,
        cut_at_cap=cut,
    )


def _entry(item: dict[str, Any]) -> RawEntry:
    identifier = item.get("id")
    # Version 1.0 let publishers write numbers; 1.1 says a string. Both name the same item.
    guid = str(identifier) if isinstance(identifier, int | str) and not isinstance(identifier, bool) else ""
    return RawEntry(
        guid=guid,
        link=_text(item, "url") or _text(item, "external_url"),
        title=_text(item, "title"),
        summary=_text(item, "summary") or _text(item, "content_html") or _text(item, "content_text"),
        published=read_date(_text(item, "date_published")),
        updated=read_date(_text(item, "date_modified")),
    )


def _text(record: dict[str, Any], key: str) -> str:
    value = record.get(key)
    return value if isinstance(value, str) else ""
