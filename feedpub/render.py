"""Feeds to bytes: Atom, RSS, JSON Feed and OPML. It never reads the clock or disk.

Atom and RSS are written by our own serializer, byte for byte what feedgen 1.0.0 and
lxml wrote (`tests/render_reference.py` keeps that path, and a differential test holds
the two together). An entry is a few lines of text between a feed's head and tail, so
building a tree of objects per entry, in each format, for each feed that holds it, was
most of what rendering cost; the output keeps what render.py used to correct in
feedgen (FEED-NOTES.md): entries in the feed's order, every date from the records, the
channel `<link>` the site's, and entry links other than the alternate written with
their `rel` (feedgen drops their `rel` in Atom and the links themselves in RSS).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
from html import escape
from json.encoder import encode_basestring
from typing import Any

from lxml import etree

from feedpub import formats
from feedpub.config import Config
from feedpub.formats import FileFormat
from feedpub.types import Entry, Feed, FeedSummary, Image

ATOM_NS = "http://www.w3.org/2005/Atom"
FH_NS = "http://purl.org/syndication/history/1.0"
MEDIA_NS = "http://search.yahoo.com/mrss/"
DC_NS = "http://purl.org/dc/elements/1.1/"
CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"
_XML_DECLARATION = "<?xml version='1.0' encoding='UTF-8'?>\n"


@dataclass(frozen=True, slots=True)
class Format(FileFormat):
    """One output format (its name, suffix and media type from `formats`) and the
    function that renders a feed in it."""

    render: Callable[[Feed, Config], bytes]

    @classmethod
    def of(cls, kind: FileFormat, render: Callable[[Feed, Config], bytes]) -> Format:
        return cls(kind.name, kind.suffix, kind.media_type, render)


# --- XML text as lxml writes it ---------------------------------------------------


def _xml_text(value: str) -> str:
    """`value` as element text, escaped as lxml escapes it: &, <, > and CR."""
    # A replace that finds nothing is a quick scan that returns the string itself:
    # cheaper than looking for the characters first.
    return (
        value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")
    )


def _xml_attr(value: str) -> str:
    """`value` as an attribute value in double quotes, escaped as lxml escapes it."""
    return (
        value.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("\n", "&#10;")
        .replace("\r", "&#13;")
        .replace("\t", "&#9;")
    )


# What XML 1.0 cannot hold, which lxml refused with a ValueError wherever it was set:
# C0 controls but TAB, LF and CR; U+FFFE and U+FFFF; lone surrogates, which cannot even
# be encoded (UnicodeEncodeError is a ValueError too).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# The bytes that can start one of those in UTF-8: C0 controls but TAB, LF, CR; and
# 0xEF, the lead byte of U+FFFE and U+FFFF (and of other characters from U+F000 on).
_SUSPECT = bytes(
    0 if (byte < 0x20 and byte not in b"\t\n\r") or byte == 0xEF else 1 for byte in range(256)
)


def _encoded_xml(document: str) -> bytes:
    """The document in UTF-8, refused as lxml refused any text XML cannot hold.

    Every text and attribute value is in the document as it was given, only escaped,
    so one look at the whole document sees what lxml saw in each string; mapping
    every byte through a table is a fast pass in C, and only a document with a
    suspect byte is searched character by character.
    """
    data = document.encode()
    if b"\0" in data.translate(_SUSPECT):
        found = _NOT_XML.search(document)
        if found is not None:
            raise ValueError(f"All strings must be XML compatible: not {found.group()!r}")
    return data


def _date(value: datetime) -> str:
    """An RFC 3339 date, as Atom writes it."""
    return _zoned(value).isoformat()


def _zoned(value: datetime) -> datetime:
    """`value`, which must have a zone, as feedgen required."""
    if value.tzinfo is None:
        raise ValueError("Datetime object has no timezone info")
    return value


_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _rfc822(value: datetime) -> str:
    """An RSS date: strftime's `%a, %d %b %Y %H:%M:%S %z` in the C locale, whatever
    the process's locale, as feedgen wrote it (by switching the locale for each date)."""
    day, month = _DAYS[_zoned(value).weekday()], _MONTHS[value.month - 1]
    return f"{day}, {value.day:02d} {month} {value:%Y %H:%M:%S %z}"


def _element(indent: str, name: str, text: str) -> str:
    """A line holding an element with text (a pretty-printed leaf)."""
    return f"{indent}<{name}>{_xml_text(text)}</{name}>\n"


def _empty(indent: str, name: str, attributes: Iterable[tuple[str, str]]) -> str:
    """A line holding an empty element with these attributes, in this order."""
    attrs = "".join(f' {key}="{_xml_attr(value)}"' for key, value in attributes)
    return f"{indent}<{name}{attrs}/>\n"


# --- Atom and RSS -------------------------------------------------------------------


def render_atom(feed: Feed, config: Config) -> bytes:
    """The feed as an Atom 1.0 document."""
    entries = [_atom_entry(entry) for entry in feed.entries]
    return _encoded_xml("".join([_atom_head(feed, config), *entries, "</feed>\n"]))


def render_rss(feed: Feed, config: Config) -> bytes:
    """The feed as an RSS 2.0 document, with Atom, Dublin Core and Media RSS extensions."""
    items = [_rss_item(entry) for entry in feed.entries]
    return _encoded_xml("".join([_rss_head(feed, config), *items, "  </channel>\n</rss>\n"]))


def _atom_head(feed: Feed, config: Config) -> str:
    """The document up to its first entry: the root, the feed's metadata and links."""
    self_url = config.feed_url(ATOM.path(feed.name))
    updated = _feed_date(feed)
    if not feed.title:
        raise ValueError("Required fields not set (title)")  # as feedgen
    namespaces = f' xmlns:media="{MEDIA_NS}"'
    if feed.archive_of is not None:
        namespaces += f' xmlns:fh="{FH_NS}"'
    lang = f' xml:lang="{_xml_attr(config.language)}"' if config.language else ""
    lines = [
        _XML_DECLARATION,
        f'<feed{namespaces} xmlns="{ATOM_NS}"{lang}>\n',
        _element("  ", "id", self_url),
        _element("  ", "title", feed.title),
        _element("  ", "updated", _date(updated)),
    ]
    if config.author.name:  # Atom needs a name: feedgen left out an author without one
        lines.append("  <author>\n")
        lines.append(_element("    ", "name", config.author.name))
        if config.author.email:
            lines.append(_element("    ", "email", config.author.email))
        if config.author.uri:
            lines.append(_element("    ", "uri", config.author.uri))
        lines.append("  </author>\n")
    lines.append(
        _empty("  ", "link", [("href", self_url), ("rel", "self"), ("type", ATOM.media_type)])
    )
    lines.append(
        _empty(
            "  ", "link", [("href", config.home_url), ("rel", "alternate"), ("type", "text/html")]
        )
    )
    lines += _feed_links(feed, config, ATOM, "link")
    lines.append("  <generator>feedpub</generator>\n")  # no version: bytes stay put
    if feed.description:
        lines.append(_element("  ", "subtitle", feed.description))
    return "".join(lines)


def _rss_head(feed: Feed, config: Config) -> str:
    """The document up to its first item: the root, the channel's metadata and links."""
    updated = _feed_date(feed)
    missing = [
        name
        for name, value in (
            ("title", feed.title),
            ("link", config.home_url),
            ("description", feed.description),
        )
        if not value
    ]
    if missing:
        raise ValueError(f"Required fields not set ({', '.join(missing)})")  # as feedgen
    fh = f' xmlns:fh="{FH_NS}"' if feed.archive_of is not None else ""
    self_url = config.feed_url(RSS.path(feed.name))
    lines = [
        _XML_DECLARATION,
        f'<rss xmlns:media="{MEDIA_NS}"{fh} xmlns:dc="{DC_NS}" xmlns:atom="{ATOM_NS}" '
        f'xmlns:content="{CONTENT_NS}" version="2.0">\n',
        "  <channel>\n",
        _element("    ", "title", feed.title),
        _element("    ", "link", config.home_url),  # the site, never the feed
        _element("    ", "description", feed.description),
        _empty(
            "    ", "atom:link", [("href", self_url), ("rel", "self"), ("type", RSS.media_type)]
        ),
        *_feed_links(feed, config, RSS, "atom:link"),
        "    <docs>http://www.rssboard.org/rss-specification</docs>\n",
        "    <generator>feedpub</generator>\n",
    ]
    if config.language:
        lines.append(_element("    ", "language", config.language))
    lines.append(_element("    ", "lastBuildDate", _rfc822(updated)))
    return "".join(lines)


def _feed_date(feed: Feed) -> datetime:
    if feed.updated_at is None:
        # select never plans an empty feed, and a feed's date never comes from the clock.
        raise ValueError(f"feed {feed.name!r} has no entries, so it has no date")
    return feed.updated_at


def _feed_links(feed: Feed, config: Config, fmt: Format, tag: str) -> list[str]:
    """The feed's links beyond self and alternate: WebSub's hub, and RFC 5005's links
    between a feed and its archive pages, with the `fh:archive` mark on an archive."""
    indent = "  " if fmt is ATOM else "    "
    links = []
    if config.hub:
        links.append(("hub", config.hub))
    if feed.archive_of is not None:
        links.append(("current", config.feed_url(fmt.path(feed.archive_of))))
    if feed.prev_archive is not None:
        links.append(("prev-archive", config.feed_url(fmt.path(feed.prev_archive))))
    lines = [_empty(indent, tag, [("rel", rel), ("href", href)]) for rel, href in links]
    if feed.archive_of is not None:
        lines.append(f"{indent}<fh:archive/>\n")
    return lines


def _atom_entry(entry: Entry) -> str:
    """One entry of an Atom feed, as lines of the document: the same in every feed."""
    if not (entry.id and entry.title):
        raise ValueError("Required fields not set")  # as feedgen: Atom needs both
    author = entry.author.name if entry.author is not None else ""
    if entry.content_html:
        content = entry.content_html
    elif not entry.summary and entry.related:
        content = rss_description(entry)  # for readers that show only content
    else:
        content = ""
    return "".join(
        [
            f"  <entry>\n    <id>{_xml_text(entry.id)}</id>\n",
            f"    <title>{_xml_text(entry.title)}</title>\n",
            f"    <updated>{_date(entry.updated_at)}</updated>\n",
            f"    <author>\n      <name>{_xml_text(author)}</name>\n    </author>\n"
            if author
            else "",
            f'    <content type="html">{_xml_text(content)}</content>\n' if content else "",
            f'    <link href="{_xml_attr(entry.link)}"/>\n',  # the alternate link
            f"    <summary>{_xml_text(entry.summary)}</summary>\n" if entry.summary else "",
            *[f'    <category term="{_xml_attr(topic)}"/>\n' for topic in entry.categories],
            f"    <published>{_date(entry.published_at)}</published>\n",
            _thumbnail(entry.thumbnail, "    ") if entry.thumbnail is not None else "",
            _entry_links(entry, "    <link"),
            "  </entry>\n",
        ]
    )


def _rss_item(entry: Entry) -> str:
    """One item of an RSS feed, as lines of the document: the same in every feed."""
    description = rss_description(entry)
    content = entry.content_html
    if not (entry.title or description or content):
        raise ValueError("Required fields not set")  # as feedgen
    if description and content:
        text = (
            f"      <description>{_xml_text(description)}</description>\n"
            f"      <content:encoded>{_xml_text(content)}</content:encoded>\n"
        )
    elif description or content:  # feedgen's choice: the body when there is no other
        text = f"      <description>{_xml_text(description or content)}</description>\n"
    else:
        text = ""
    _zoned(entry.updated_at)  # not written in RSS, but refused without a zone as in Atom
    return "".join(
        [
            "    <item>\n",
            f"      <title>{_xml_text(entry.title)}</title>\n" if entry.title else "",
            f"      <link>{_xml_text(entry.link)}</link>\n" if entry.link else "",
            text,
            f'      <guid isPermaLink="true">{_xml_text(entry.id)}</guid>\n' if entry.id else "",
            *[f"      <category>{_xml_text(topic)}</category>\n" for topic in entry.categories],
            f"      <pubDate>{_rfc822(entry.published_at)}</pubDate>\n",
            _thumbnail(entry.thumbnail, "      ") if entry.thumbnail is not None else "",
            _entry_links(entry, "      <atom:link"),
            f"      <dc:creator>{_xml_text(entry.author.name)}</dc:creator>\n"
            if entry.author is not None
            else "",
            "    </item>\n",
        ]
    )


def _thumbnail(image: Image, indent: str) -> str:
    """Media RSS's thumbnail, directly in the entry (no `media:group`), sizes as text."""
    url = f' url="{_xml_attr(image.url)}"' if image.url else ""
    height = f' height="{image.height}"' if image.height else ""
    width = f' width="{image.width}"' if image.width else ""
    return f"{indent}<media:thumbnail{url}{height}{width}/>\n"


def _entry_links(entry: Entry, start: str) -> str:
    """The entry's `via` link and its related entries' links, with their `rel`; `start`
    is each line up to its attributes (indent and tag)."""
    via = f'{start} rel="via" href="{_xml_attr(entry.via)}"/>\n' if entry.via else ""
    related = [
        f'{start} rel="related" href="{_xml_attr(link.href)}" title="{_xml_attr(link.title)}"/>\n'
        if link.title
        else f'{start} rel="related" href="{_xml_attr(link.href)}"/>\n'
        for link in entry.related
    ]
    return via + "".join(related)


def rss_description(entry: Entry) -> str:
    """The summary as HTML, followed by the related items as links for plain readers."""
    parts = []
    if entry.summary:
        parts.append(f"<p>{escape(entry.summary)}</p>")
    if entry.related:
        items = "".join(
            f'<li><a href="{escape(link.href)}">{escape(link.title)}</a></li>'
            for link in entry.related
        )
        parts.append(f"<p>Related:</p><ul>{items}</ul>")
    return "".join(parts)


def render_json(feed: Feed, config: Config) -> bytes:
    """The feed as a JSON Feed 1.1 document; related items in the `_feedpub` extension."""
    document: dict[str, Any] = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": feed.title,
        "home_page_url": config.home_url,
        "feed_url": config.feed_url(JSON.path(feed.name)),
        "description": feed.description,
        "authors": [_json_author(config.author.name, config.author.uri)],
    }
    if config.language:
        document["language"] = config.language
    if config.hub:
        document["hubs"] = [{"type": "WebSub", "url": config.hub}]
    if feed.prev_archive is not None:  # JSON Feed pages towards older items
        document["next_url"] = config.feed_url(JSON.path(feed.prev_archive))
    if feed.archive_of is not None:
        document["_feedpub"] = {
            "archive": True,
            "current": config.feed_url(JSON.path(feed.archive_of)),
        }
    # The head indented, each item on a line of its own: diffs stay readable.
    if not feed.entries:
        document["items"] = []
        return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8") + b"\n"
    head = json.dumps(document, ensure_ascii=False, indent=2)
    assert head.endswith("\n}")
    items = ",\n".join([_json_item(entry) for entry in feed.entries])
    return f'{head[:-2]},\n  "items": [\n{items}\n  ]\n}}\n'.encode()


# A string as JSON, quoted and escaped, as json.dumps(ensure_ascii=False) writes it
# (the same C function).
_string = encode_basestring


def _json_item(entry: Entry) -> str:
    """One item of a JSON Feed, as its line of the document: the same in every feed.

    Written as `json.dumps(item, ensure_ascii=False)` wrote the item's dict (key order,
    `", "` and `": "` separators), each string by json's own encoder: the items are
    nearly all of the bytes, and a dict per item, encoded by a fresh encoder, cost
    several times more.
    """
    content = entry.content_html or rss_description(entry)  # every item needs content
    author = entry.author
    related = ", ".join(
        [
            f'{{"url": {_string(link.href)}, "title": {_string(link.title)}}}'
            for link in entry.related
        ]
    )
    extension = [
        f'"provider": {{"name": {_string(author.name)}, "domain": {_string(author.domain)}}}'
        if author is not None
        else "",
        f'"related": [{related}]' if related else "",
    ]
    return "".join(
        [
            f'    {{"id": {_string(entry.id)}, "url": {_string(entry.link)}',
            f', "external_url": {_string(entry.via)}' if entry.via else "",
            f', "title": {_string(entry.title)}',
            f', "summary": {_string(entry.summary)}' if entry.summary else "",
            f', "content_html": {_string(content)}'
            if content
            else f', "content_text": {_string(entry.title)}',
            f', "date_published": {_string(entry.published_at.isoformat())}',
            f', "date_modified": {_string(entry.updated_at.isoformat())}',
            f', "image": {_string(entry.thumbnail.url)}' if entry.thumbnail is not None else "",
            f', "tags": [{", ".join([_string(t) for t in entry.categories])}]'
            if entry.categories
            else "",
            f', "authors": [{{"name": {_string(author.name)}, '
            f'"url": {_string(f"https://{author.domain}/")}}}]'
            if author is not None
            else "",
            f', "_feedpub": {{{", ".join(filter(None, extension))}}}' if any(extension) else "",
            "}",
        ]
    )


def _json_author(name: str, url: str | None) -> dict[str, str]:
    return {"name": name, "url": url} if url else {"name": name}


def render_opml(feeds: Iterable[Feed | FeedSummary], config: Config) -> bytes:
    """An OPML 2.0 subscription list of every feed: "all" first, then a folder per kind.

    Folders are named after the site, so two sites imported into one reader keep their
    feeds apart. The head holds only OPML 1.0's elements: the W3C validator reports
    OPML 2.0's `docs` as an undefined head element.
    """
    fmt = FEED_FORMATS[config.opml_format]
    root = etree.Element("opml", version="2.0")
    head = etree.SubElement(root, "head")
    etree.SubElement(head, "title").text = f"{config.title}: every feed"
    feeds = list(feeds)
    newest = max((f.updated_at for f in feeds if f.updated_at), default=None)
    if newest is not None:  # the newest entry's date, never the clock
        etree.SubElement(head, "dateModified").text = format_datetime(newest, usegmt=True)
    etree.SubElement(head, "ownerName").text = config.author.name
    if config.author.email:
        etree.SubElement(head, "ownerEmail").text = config.author.email
    body = etree.SubElement(root, "body")
    for kind, label in SECTIONS:
        members = [f for f in feeds if f.kind == kind]
        if not members:
            continue
        parent = body
        if kind != "all":  # one feed of everything needs no folder of its own
            folder = f"{config.title}: {label}"
            parent = etree.SubElement(body, "outline", text=folder, title=folder)
        for feed in members:
            etree.SubElement(parent, "outline", _subscription(feed, fmt, config))
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def _subscription(feed: Feed | FeedSummary, fmt: Format, config: Config) -> dict[str, str]:
    """A feed's outline attributes; `type="rss"` is OPML's convention for any feed format."""
    html = f"{feed.name}.html" if "html" in config.formats else None
    attributes = {"type": "rss", "text": feed.title, "title": feed.title}
    if feed.description:  # an empty attribute is noise to a reader
        attributes["description"] = feed.description
    attributes["xmlUrl"] = config.feed_url(fmt.path(feed.name))
    attributes["htmlUrl"] = config.feed_url(html) if html else config.home_url
    if config.language:
        attributes["language"] = config.language
    return attributes


# The kinds of feed listed for subscribers, in order, with their headings.
SECTIONS = (("all", "All"), ("topic", "Topics"), ("provider", "Providers"), ("custom", "Custom"))

ATOM = Format.of(formats.ATOM, render_atom)
RSS = Format.of(formats.RSS, render_rss)
JSON = Format.of(formats.JSON, render_json)
FEED_FORMATS = {f.name: f for f in (ATOM, RSS, JSON)}
assert FEED_FORMATS.keys() == formats.FEED_FORMATS.keys()  # a renderer for each feed format
OPML_PATH = "feeds.opml"
