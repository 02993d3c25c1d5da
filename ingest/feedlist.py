"""The feed list as OPML: reading one into the warehouse's feed registry, and writing one out.

One outline per feed. The outlet is the folder outline the feed sits in, or, for a
feed outline at the top level, its own `text`; `title` is the feed's title. That is
the shape `opml_document` writes, so an export imports back to the same feeds.

Files are read with the standard XML parser, which keeps every attribute (title,
htmlUrl, language) and the folder nesting. listparser reads only the files that
are not well-formed XML (typically a raw "&" in a URL): it recovers from those,
but drops those attributes and mixes `category` attributes into its folders.
"""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import listparser

import warehouse
from ingest.errors import FeedListInvalid, FeedMalformed
from ingest.urls import require_http_url

__all__ = ["FeedListEntry", "export_opml", "import_opml", "opml_document", "read_opml"]

logger = logging.getLogger(__name__)


# The warehouse's row type: registering a list hands these over as they are.
FeedListEntry = warehouse.FeedListEntry


def read_opml(path: Path) -> list[FeedListEntry]:
    """The feeds an OPML file lists, in document order, each URL once.

    Raises FeedListInvalid, naming the file, when it cannot be read or is not OPML.
    Outlines whose URL is not http(s) are skipped with a warning.
    """
    try:
        document = path.read_bytes()
    except OSError as error:
        raise FeedListInvalid(f"cannot read feed list {path}: {error.strerror or error}") from error
    try:
        root = ElementTree.fromstring(document)
    except ElementTree.ParseError:
        entries = list(_entries_recovered(path, document))
    else:
        if root.tag.lower() != "opml":
            raise FeedListInvalid(f"{path} is not an OPML feed list (its root element is <{root.tag}>)")
        entries = list(_entries_from_tree(root))
    return _usable(path, entries)


def _entries_from_tree(root: ElementTree.Element) -> Iterator[FeedListEntry]:
    body = root.find("body")
    if body is None:
        return
    yield from _walk(body, folder="")


def _walk(parent: ElementTree.Element, *, folder: str) -> Iterator[FeedListEntry]:
    for outline in parent.findall("outline"):
        attributes = {name.lower(): value.strip() for name, value in outline.attrib.items()}
        text = attributes.get("text") or attributes.get("title", "")
        url = attributes.get("xmlurl", "")
        if not url:
            yield from _walk(outline, folder=text or folder)
            continue
        yield FeedListEntry(
            source_name=folder or text or _host(url),
            url=url,
            # At the top level `text` names the outlet; inside a folder it names the feed.
            title=attributes.get("title") or (text if folder else ""),
            homepage=attributes.get("htmlurl", ""),
            language=attributes.get("language", ""),
            country=attributes.get("country", "").upper(),
        )


def _entries_recovered(path: Path, document: bytes) -> Iterator[FeedListEntry]:
    parsed: Any = listparser.parse(document)
    if not parsed.get("version", "").startswith("opml"):
        raise FeedListInvalid(f"{path} is not an OPML feed list (not well-formed XML and no <opml> element)")
    logger.warning("%s is not well-formed XML; read it leniently, feed titles may be lost", path)
    for feed in parsed.get("feeds", []):
        # listparser appends the folder path last among a feed's categories (after
        # any from a `category` attribute), so this is the innermost folder when
        # there is one; a best effort for a file that is broken anyway.
        categories = feed.get("categories") or []
        folder = categories[-1][-1] if categories and categories[-1] else ""
        url = feed.get("url", "")
        title = feed.get("title", "")
        yield FeedListEntry(source_name=folder or title or _host(url), url=url, title=title)


def _usable(path: Path, entries: Iterable[FeedListEntry]) -> list[FeedListEntry]:
    usable: dict[str, FeedListEntry] = {}
    for entry in entries:
        try:
            require_http_url(entry.url)
        except FeedMalformed as error:
            logger.warning("%s: skipped outline %r: %s", path, entry.source_name, error)
            continue
        usable.setdefault(entry.url, entry)
    return list(usable.values())


def _host(url: str) -> str:
    return urlsplit(url).hostname or url


def import_opml(wh: warehouse.Warehouse, path: Path) -> int:
    """Register every feed of an OPML file with its outlet; returns how many feeds were new.

    Registering is idempotent: feeds already known (by URL) are left as they are. The whole
    list goes in as one transaction (`warehouse.add_feeds`): all or none, one commit.
    """
    entries = read_opml(path)
    added = warehouse.add_feeds(wh, entries)
    logger.info("%s: %d feeds listed, %d new", path, len(entries), added)
    return added


def opml_document(entries: Iterable[FeedListEntry], *, title: str = "newstally feeds") -> str:
    """An OPML 2.0 document listing the feeds, one top-level outline each, that `read_opml` reads back."""
    root = ElementTree.Element("opml", version="2.0")
    head = ElementTree.SubElement(root, "head")
    ElementTree.SubElement(head, "title").text = title
    body = ElementTree.SubElement(root, "body")
    for entry in entries:
        attributes = {"type": "rss", "text": entry.source_name}
        if entry.title:
            attributes["title"] = entry.title
        attributes["xmlUrl"] = entry.url
        if entry.homepage:
            attributes["htmlUrl"] = entry.homepage
        if entry.language:
            attributes["language"] = entry.language
        if entry.country:
            attributes["country"] = entry.country
        ElementTree.SubElement(body, "outline", attributes)
    ElementTree.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ElementTree.tostring(root, encoding="unicode") + "\n"


def export_opml(wh: warehouse.Warehouse) -> str:
    """The warehouse's registered feeds as an OPML 2.0 document."""
    sources = {source.source_id: source for source in warehouse.list_sources(wh)}
    entries = []
    for feed in warehouse.list_feeds(wh):
        source = sources.get(feed.source_id)
        entries.append(
            FeedListEntry(
                source_name=feed.source_name,
                url=feed.url,
                title=feed.title,
                homepage=source.homepage if source else "",
                language=source.language if source else "",
                country=source.country if source else "",
            )
        )
    return opml_document(entries)
