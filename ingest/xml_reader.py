"""The fast reader: well-formed RSS 2.0/0.9x, RSS 1.0 and Atom 1.0 read with lxml.

feedparser reads about 2,500 items a second; most of that is its pure-Python
event handling, which a well-formed document does not need. This reader builds an
lxml tree (C speed), takes the few fields newstally stores, and follows
feedparser's rules for them exactly: which date wins, when a guid is the link,
how links resolve. Anything it is not sure to read as feedparser would (broken
XML, a DOCTYPE, xml:base, XHTML text, markup inside a text element, an unknown
dialect) it declines with None, and feedparser reads the document instead.

A document holding more items than the cap is read only up to the item past the
cap (`cut`, found by `ingest.parsing`): lxml's incremental parser confirms that
the bytes there start an item, the elements still open there are closed, and that
shorter document is read as any other. The rest of the body is never parsed.
"""

from __future__ import annotations

import contextlib
import re
import time
from dataclasses import replace
from functools import lru_cache
from urllib.parse import urljoin

from feedparser.html import _cp1252
from feedparser.mixin import _FeedParserMixin
from lxml import etree

from ingest.dates import read_date
from ingest.raw import RawEntry, RawFeed

__all__ = ["read_well_formed"]

_ATOM = "http://www.w3.org/2005/Atom"
_RSS1 = "http://purl.org/rss/1.0/"
_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"

# feedparser names an element by the prefix it knows for the element's namespace
# (any prefix the document uses for Dublin Core is "dc"), else by the prefix the
# document gives it; RSS and Atom elements have none. Its handlers go by that name.
_PREFIXES = {uri.lower(): prefix for uri, prefix in _FeedParserMixin.namespaces.items()}
_NAMES: dict[object, tuple[str, str]] = {}  # tag -> (prefix, name), for tags whose name needs no document
_ROLE_OF_TAG: dict[object, tuple[str | None, str, str]] = {}  # tag -> (role, prefix, name), for the same tags
_PUBLISHED = {"pubdate", "published", "issued"}
_UPDATED = {"updated", "modified", "lastbuilddate"}
_HTML_TYPES = {"text/html", "application/xhtml+xml"}
# What feedparser makes of each element that feeds a stored field, at any depth of
# an item (media:group holds a media:description); others it files elsewhere.
_ROLES: dict[tuple[str, str], str] = {
    ("", "title"): "title",
    ("", "link"): "link",
    ("", "guid"): "id",
    ("", "id"): "id",
    ("", "description"): "description",
    ("", "summary"): "description",
    ("", "content"): "content",
    **{("", name): "published" for name in _PUBLISHED},
    **{("", name): "updated" for name in _UPDATED},
    ("media", "title"): "media_title",
    ("media", "description"): "description",
    ("dc", "title"): "title",
    ("dc", "description"): "description",
    ("dc", "date"): "updated",
    ("dcterms", "issued"): "published",
    ("dcterms", "modified"): "updated",
    ("content", "encoded"): "content",
    ("itunes", "summary"): "description",
    # Read by feedparser in ways this reader does not follow.
    ("", "body"): "decline",
    ("xhtml", "body"): "decline",
    ("", "fullitem"): "decline",
    ("", "abstract"): "decline",
    ("", "textinput"): "decline",
}
_LINK_ATTRIBUTE = "href"
_MANGLED_QUERY = re.compile("&([A-Za-z0-9_]+);")
_CP1252_CONTROLS = re.compile("[\x80-\x9f]")
_XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"
_ABSOLUTE_HTTP = re.compile(r"https?://[^/?#]", re.IGNORECASE)
_EXTRA_SLASHES = re.compile("^([A-Za-z][A-Za-z0-9+-.]*://)(/*)(.*?)")

# Bytes fed to the incremental parser at once while looking for the cut: the deadline is checked between them.
_CHUNK_BYTES = 1024 * 1024
# Items read between two looks at the clock.
_ITEMS_PER_CLOCK_CHECK = 256
_ITEM_TAGS = ("item", f"{{{_RSS1}}}item", f"{{{_ATOM}}}entry")

_PARSER_OPTIONS = {
    "resolve_entities": False,
    "no_network": True,
    "remove_comments": True,
    "remove_pis": True,
    "huge_tree": False,
    "recover": False,
}


class _Decline(Exception):
    """The document has something this reader does not read exactly as feedparser would."""


def read_well_formed(
    body: bytes, *, cut: int | None = None, max_items: int = 0, deadline: float | None = None
) -> RawFeed | None:
    """The document's feed, or None when feedparser should read it instead.

    `cut` is where the start tag of the item past the cap (`max_items`) may begin: the
    document is read as if it ended there, and the feed says so (`cut_at_cap`); when lxml
    does not find the (max_items + 1)-th item starting there, feedparser is left to read
    the cut bytes. `deadline` (a `time.monotonic()` value) stops the reading: the items
    read by then are kept and the feed says so (`timed_out`).
    """
    if b"<!DOCTYPE" in body[:4096].upper():
        return None
    if cut is not None:
        closed = _closed_before_item(body, cut, max_items, deadline)
        if closed is None:
            return None
        if isinstance(closed, RawFeed):
            return closed
        body = closed
    try:
        root = etree.fromstring(body, etree.XMLParser(**_PARSER_OPTIONS))
    except (etree.XMLSyntaxError, ValueError, LookupError):
        return None
    if (root.getroottree().docinfo.encoding or "utf-8").lower() not in ("utf-8", "utf8"):
        # feedparser second-guesses other declared encodings (and repairs what it
        # takes for mis-decoded UTF-8); only UTF-8 is read the same by both.
        return None
    base = _document_base(root, body)
    if base is None:
        return None
    try:
        raw = _read_root(root, base, deadline)
    except _Decline:
        return None
    return replace(raw, cut_at_cap=True) if raw is not None and cut is not None else raw


def _closed_before_item(body: bytes, cut: int, max_items: int, deadline: float | None) -> bytes | RawFeed | None:
    """The bytes before `cut` with the elements open there closed; None to decline; a timed-out feed.

    lxml's incremental parser reads up to the end of the start tag at `cut`, reporting only
    item starts: there must be exactly `max_items` before it, and it must be one. Its
    ancestors are the elements left open.
    """
    tag_end = body.find(b">", cut) + 1
    if tag_end == 0:
        return None
    parser = etree.XMLPullParser(events=("start",), tag=_ITEM_TAGS, **_PARSER_OPTIONS)
    starts = 0
    last = None
    try:
        for start in range(0, tag_end, _CHUNK_BYTES):
            if deadline is not None and time.monotonic() > deadline:
                return RawFeed(title="", link="", entries=(), items_seen=0, timed_out=True)
            parser.feed(body[start : min(start + _CHUNK_BYTES, tag_end)])
            for _event, element in parser.read_events():
                starts += 1
                last = element
    except (etree.XMLSyntaxError, ValueError, LookupError):
        return None
    if starts != max_items + 1 or last is None or not _in_item_place(last):
        return None
    closing = b"".join(f"</{_qualified_name(ancestor)}>".encode() for ancestor in last.iterancestors())
    return body[:cut] + closing


def _in_item_place(item: etree._Element) -> bool:
    """Whether the item is where `_read_root` looks for items: in the RSS channel, in the RDF or Atom root."""
    parent = item.getparent()
    if parent is None:
        return False
    grandparent = parent.getparent()
    if item.tag == "item":
        return parent.tag == "channel" and grandparent is not None and grandparent.tag == "rss"
    expected = f"{{{_RDF}}}RDF" if item.tag == f"{{{_RSS1}}}item" else f"{{{_ATOM}}}feed"
    return parent.tag == expected and grandparent is None


def _qualified_name(element: etree._Element) -> str:
    local = etree.QName(element).localname
    return f"{element.prefix}:{local}" if element.prefix else local


def _document_base(root: etree._Element, body: bytes) -> str | None:
    """The base links resolve against: an absolute xml:base on the root element, else none ("").

    feedparser also takes xml:base (and a plain "base" attribute) on any element,
    each resolved against the one above; such documents are left to it (None).
    """
    if b"base=" not in body:
        return ""
    if body.count(b"base=") != 1:
        return None
    base = root.get(_XML_BASE)
    return base if base is not None and _ABSOLUTE_HTTP.match(base) and ":///" not in base else None


def _field_text(value: str) -> str:
    """A text field as feedparser leaves it: stripped, mis-decoded UTF-8 repaired, cp1252 controls mapped."""
    return _repaired(value.strip())


def _repaired(value: str) -> str:
    if value.isascii():
        return value  # neither repair can change ASCII, and most fields are
    # feedparser takes text that encodes as Latin-1 and decodes as UTF-8 for mis-decoded UTF-8.
    with contextlib.suppress(UnicodeEncodeError, UnicodeDecodeError):
        value = value.encode("iso-8859-1").decode("utf-8")
    return value.translate(_cp1252) if _CP1252_CONTROLS.search(value) else value


def _resolved(uri: str, base: str) -> str:
    """A link as feedparser resolves it: stray slashes after the scheme dropped, then joined to the base."""
    if ":///" in uri:
        uri = _EXTRA_SLASHES.sub(r"\1\3", uri)
    if not base or not uri:
        return uri
    try:
        return urljoin(base, uri)
    except ValueError:
        return ""


def _read_root(root: etree._Element, base: str, deadline: float | None = None) -> RawFeed | None:
    tag = root.tag if isinstance(root.tag, str) else ""
    if tag == "rss":
        channel = root.find("channel")
        if channel is None or root.find("item") is not None:
            return None
        items = channel.findall("item")
    elif tag == f"{{{_RDF}}}RDF":
        channel = root.find(f"{{{_RSS1}}}channel")
        if channel is None:
            return None
        items = root.findall(f"{{{_RSS1}}}item")
    elif tag == f"{{{_ATOM}}}feed":
        channel = root
        items = root.findall(f"{{{_ATOM}}}entry")
    else:
        return None
    title, link, updated = _channel_fields(channel, base)
    if deadline is None:
        entries = tuple(_Entry(item, base).raw_entry() for item in items)
        return RawFeed(title=title, link=link, entries=entries, items_seen=len(entries), updated=updated)
    read: list[RawEntry] = []
    for number, item in enumerate(items):
        if number % _ITEMS_PER_CLOCK_CHECK == 0 and time.monotonic() > deadline:
            return RawFeed(
                title=title,
                link=link,
                entries=tuple(read),
                items_seen=len(read),
                updated=updated,
                problem=f"reading stopped at the time limit after {len(read):,} of {len(items):,} items",
                timed_out=True,
            )
        read.append(_Entry(item, base).raw_entry())
    return RawFeed(title=title, link=link, entries=tuple(read), items_seen=len(read), updated=updated)


def _name(element: etree._Element) -> tuple[str, str]:
    """(prefix, lower-cased local name), as feedparser's handlers see an element."""
    tag = element.tag
    known = _NAMES.get(tag)
    if known is not None:
        return known
    if not isinstance(tag, str):
        return "", ""
    if tag[0] != "{":
        name = _NAMES[tag] = ("", tag.lower())
        return name
    namespace, local = tag[1:].split("}", 1)
    lowered = namespace.lower()
    if "backend.userland.com/rss" in lowered:
        lowered = "http://backend.userland.com/rss"
    prefix = _PREFIXES.get(lowered)
    if prefix is not None:
        name = _NAMES[tag] = (prefix.lower(), local.lower())
        return name
    # An unknown namespace goes by the prefix this document gives it: not cached.
    return (element.prefix or "").lower(), local.lower()


def _role(element: etree._Element) -> tuple[str | None, str, str]:
    """(role, prefix, name): what feedparser makes of an element (`_ROLES`), and its name as `_name` gives it."""
    tag = element.tag
    known = _ROLE_OF_TAG.get(tag)
    if known is not None:
        return known
    prefix, name = _name(element)
    found = (_ROLES.get((prefix, name)), prefix, name)
    if tag in _NAMES:  # named without the document, so the role holds for every element with this tag
        _ROLE_OF_TAG[tag] = found
    return found


def _channel_fields(channel: etree._Element, base: str) -> tuple[str, str, time.struct_time | None]:
    """The feed's own title, link and time, by feedparser's rules for the channel's direct children.

    Its time is the last updated date (lastBuildDate, updated, dc:date), else the last published one (pubDate).
    """
    title: str | None = None
    link: str | None = None
    updated: time.struct_time | None = None
    published: time.struct_time | None = None
    for child in channel:
        role = _ROLES.get(_name(child))
        if role == "updated" and not len(child):
            updated = _date(_field_text(child.text or ""))
        elif role == "published" and not len(child):
            published = _date(_field_text(child.text or ""))
        elif role == "title" and not title:
            title = _field_text(_text(child))
        elif role == "link":
            link = _link(child, link, base, in_item=False)
        elif role == "id" and link is None and _attribute(child, "ispermalink", "true") == "true":
            link = _repaired(_resolved(_text(child).strip(), base))
    return title or "", link or "", updated or published


class _Entry:
    """One item's fields, filled as feedparser fills them while it walks the item's elements in order.

    feedparser reads elements of several namespaces at any depth into the same
    fields (media:description is a description, media:title a title), and its rules
    decide which wins: the first description is the summary and a later one becomes
    content, unless content came first; a deeper title never replaces one read
    higher up; for dates and alternate links the last one wins.
    """

    def __init__(self, item: etree._Element, base: str) -> None:
        self.base = base
        self.values: dict[str, str] = {}
        self.depths: dict[str, int] = {}  # feedparser's property_depth_map
        self.link: str | None = None
        self.contents: list[str] = []
        self.has_content = False
        self.title_depth = -1
        self.published: time.struct_time | None = None
        self.updated: time.struct_time | None = None
        if item.keys():
            if item.get("href") is not None or item.get("lastmod") is not None:
                raise _Decline  # Channel Definition Format attributes, which feedparser reads as link and date
            about = item.get(f"{{{_RDF}}}about")
            if about:
                self.values["id"] = about
        for child in item:
            self.visit(child, 1)

    def raw_entry(self) -> RawEntry:
        return RawEntry(
            guid=self.values.get("id", ""),
            link=self.link or "",
            title=self.values.get("title", ""),
            summary=self.values.get("summary", "") or (self.contents[0] if self.contents else ""),
            published=self.published,
            updated=self.updated,
        )

    def visit(self, element: etree._Element, depth: int) -> None:
        role, prefix, name = _role(element)
        if role is None:
            if len(element) or (name == "source" and prefix == ""):
                self.pass_through(element, prefix, name, depth)
            return
        if role == "link":
            self.link = _link(element, self.link, self.base, in_item=True)
        elif role in ("title", "media_title"):
            self.title(_field_text(_text(element)), depth, keeps_depth=role == "media_title")
        elif role == "id":
            is_permalink = _attribute(element, "ispermalink", "true") == "true"
            value = _text(element).strip()
            self.store("id", _repaired(_resolved(value, self.base) if is_permalink else value), depth)
            if is_permalink and self.link is None:
                self.link = self.values["id"]
        elif role == "description":
            text = _field_text(_text(element))
            if "summary" in self.values and not self.has_content:
                self.content(text, _content_type(_attribute(element, "type", "text/plain")))
            else:
                self.store("summary", text, depth)
        elif role == "content":
            default_type = "text/html" if prefix == "content" else "text/plain"
            self.content(_field_text(_content_text(element)), _content_type(_attribute(element, "type", default_type)))
        elif role == "published":
            self.published = _date(_field_text(_text(element)))
        elif role == "updated":
            self.updated = _date(_field_text(_text(element)))
        else:
            raise _Decline

    def pass_through(self, element: etree._Element, namespace: str, name: str, depth: int) -> None:
        """An element holding no stored field: look inside it (media:group holds media:description)."""
        if namespace == "" and name in ("source", "image"):
            # feedparser files what these hold under the source or the image, not the item.
            if len(element):
                raise _Decline
            if name == "source":
                self.title_depth = -1
        for child in element:
            self.visit(child, depth + 1)

    def store(self, key: str, value: str, depth: int) -> None:
        old_depth = self.depths.get(key)
        if old_depth is None or depth <= old_depth:
            self.depths[key] = depth
            self.values[key] = value

    def title(self, value: str, depth: int, *, keeps_depth: bool) -> None:
        if not -1 < self.title_depth <= depth:
            self.store("title", value, depth)
        if value and not keeps_depth:
            self.title_depth = depth

    def content(self, value: str, kind: str) -> None:
        self.has_content = True
        self.contents.append(value)
        if kind == "text/plain" or kind in _HTML_TYPES:
            self.values.setdefault("summary", value)


def _text(element: etree._Element) -> str:
    """The element's text; markup inside it or an XHTML construct is left to feedparser."""
    # Most text elements have no attributes at all; keys() answers that without a lookup.
    if len(element) or (element.keys() and _attribute(element, "mode", "") == "base64"):
        raise _Decline
    return element.text or ""


def _content_text(element: etree._Element) -> str:
    if element.get("src") is not None:
        raise _Decline
    return _text(element)


def _link(element: etree._Element, current: str | None, base: str, *, in_item: bool) -> str | None:
    """The link after this link element, by feedparser's rules (the last alternate HTML link wins)."""
    href = element.get(_LINK_ATTRIBUTE)
    if href is None:
        text = _repaired(_resolved(_text(element).strip(), base))
        if in_item:
            # feedparser undoes what it takes for a query string mangled as entities.
            text = text.replace("&amp;", "&")
        return _MANGLED_QUERY.sub(r"&\g<1>", text) if "&" in text else text
    rel = _attribute(element, "rel", "alternate")
    kind = _attribute(element, "type", "application/atom+xml" if rel == "self" else "text/html")
    if rel == "alternate" and _content_type(kind) in _HTML_TYPES:
        return _resolved(href, base)
    return current


def _content_type(kind: str) -> str:
    return {"text": "text/plain", "html": "text/html", "xhtml": "application/xhtml+xml"}.get(kind, kind)


def _attribute(element: etree._Element, name: str, default: str) -> str:
    """An attribute looked up without regard to case, as feedparser lower-cases attribute names."""
    for key, value in element.items():
        if key.lower() == name:
            return value
    return default


@lru_cache(maxsize=8192)
def _date(text: str) -> time.struct_time | None:
    # feedparser's own date reader (with ingest.dates' handler), so every date form it knows is read alike.
    return read_date(text)
