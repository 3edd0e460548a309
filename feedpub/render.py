"""Feeds to bytes: Atom, RSS, JSON Feed and OPML. It never reads the clock or disk.

Atom and RSS are written by our own serializer, byte for byte what feedgen 1.0.0 and
lxml wrote (`tests/feedgen_reference.py` keeps that path, and a differential test holds
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

# What XML 1.0 cannot hold, which lxml refuses with a ValueError: C0 controls but TAB,
# LF and CR, U+FFFE, U+FFFF, and lone surrogates (which cannot be encoded at all).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# What text or an attribute value cannot hold as it is: markup, TAB, LF, CR, and the above.
_SPECIAL = re.compile('[\x00-\x1f"&<>\ud800-\udfff\ufffe\uffff]')


def _xml_text(value: str) -> str:
    """`value` as element text, escaped as lxml escapes it (&, <, >, and CR)."""
    if _SPECIAL.search(value) is None:  # most text, and nearly every URL: nothing to do
        return value
    _refuse_non_xml(value)
    return (
        value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")
    )


def _xml_attr(value: str) -> str:
    """`value` as an attribute value in double quotes, escaped as lxml escapes it."""
    if _SPECIAL.search(value) is None:
        return value
    _refuse_non_xml(value)
    return (
        value.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("\n", "&#10;")
        .replace("\r", "&#13;")
        .replace("\t", "&#9;")
    )


def _refuse_non_xml(value: str) -> None:
    found = _NOT_XML.search(value)
    if found is not None:
        raise ValueError(
            f"All strings must be XML compatible: not {found.group()!r} at {found.start()}"
        )


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
    _zoned(value)
    return f"{_DAYS[value.weekday()]}, {value:%d} {_MONTHS[value.month - 1]} {value:%Y %H:%M:%S %z}"


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
    entries = [atom_entry(entry) for entry in feed.entries]
    return "".join([_atom_head(feed, config), *entries, "</feed>\n"]).encode()


def render_rss(feed: Feed, config: Config) -> bytes:
    """The feed as an RSS 2.0 document, with Atom, Dublin Core and Media RSS extensions."""
    items = [rss_item(entry) for entry in feed.entries]
    return "".join([_rss_head(feed, config), *items, "  </channel>\n</rss>\n"]).encode()


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


def atom_entry(entry: Entry) -> str:
    """One entry of an Atom feed, as lines of the document: the same in every feed."""
    if not (entry.id and entry.title):
        raise ValueError("Required fields not set")  # as feedgen: Atom needs both
    lines = [
        "  <entry>\n",
        _element("    ", "id", entry.id),
        _element("    ", "title", entry.title),
        _element("    ", "updated", _date(entry.updated_at)),
    ]
    if entry.author is not None and entry.author.name:
        lines.append(
            f"    <author>\n{_element('      ', 'name', entry.author.name)}    </author>\n"
        )
    if entry.content_html:
        content = entry.content_html
    elif not entry.summary and entry.related:
        content = rss_description(entry)  # for readers that show only content
    else:
        content = ""
    if content:
        lines.append(f'    <content type="html">{_xml_text(content)}</content>\n')
    lines.append(_empty("    ", "link", [("href", entry.link)]))  # the alternate link
    if entry.summary:
        lines.append(_element("    ", "summary", entry.summary))
    lines += [_empty("    ", "category", [("term", topic)]) for topic in entry.categories]
    lines.append(_element("    ", "published", _date(entry.published_at)))
    if entry.thumbnail is not None:
        lines.append(_thumbnail(entry.thumbnail))
    lines += _entry_links(entry, "link")
    lines.append("  </entry>\n")
    return "".join(lines)


def rss_item(entry: Entry) -> str:
    """One item of an RSS feed, as lines of the document: the same in every feed."""
    description = rss_description(entry)
    content = entry.content_html
    if not (entry.title or description or content):
        raise ValueError("Required fields not set")  # as feedgen
    lines = ["    <item>\n"]
    if entry.title:
        lines.append(_element("      ", "title", entry.title))
    if entry.link:
        lines.append(_element("      ", "link", entry.link))
    if description:
        lines.append(_element("      ", "description", description))
        if content:
            lines.append(_element("      ", "content:encoded", content))
    elif content:  # feedgen's choice: the body as the description when there is no other
        lines.append(_element("      ", "description", content))
    if entry.id:
        lines.append(f'      <guid isPermaLink="true">{_xml_text(entry.id)}</guid>\n')
    lines += [_element("      ", "category", topic) for topic in entry.categories]
    lines.append(_element("      ", "pubDate", _rfc822(entry.published_at)))
    _zoned(entry.updated_at)  # not written in RSS, but refused without a zone as in Atom
    if entry.thumbnail is not None:
        lines.append(_thumbnail(entry.thumbnail, "      "))
    lines += _entry_links(entry, "atom:link", "      ")
    if entry.author is not None:
        lines.append(_element("      ", "dc:creator", entry.author.name))
    lines.append("    </item>\n")
    return "".join(lines)


def _thumbnail(image: Image, indent: str = "    ") -> str:
    """Media RSS's thumbnail, directly in the entry (no `media:group`), sizes as text."""
    attributes = [
        (name, str(value))
        for name, value in (("url", image.url), ("height", image.height), ("width", image.width))
        if value
    ]
    return _empty(indent, "media:thumbnail", attributes)


def _entry_links(entry: Entry, tag: str, indent: str = "    ") -> list[str]:
    """The entry's `via` link and its related entries' links, with their `rel`."""
    lines = []
    if entry.via:
        lines.append(_empty(indent, tag, [("rel", "via"), ("href", entry.via)]))
    for link in entry.related:
        attributes = [("rel", "related"), ("href", link.href)]
        if link.title:
            attributes.append(("title", link.title))
        lines.append(_empty(indent, tag, attributes))
    return lines


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
    # The head indented, each item on a line of its own: diffs stay readable, and
    # the items (nearly all of the bytes) go through json's C encoder, which indenting
    # would turn off.
    if not feed.entries:
        document["items"] = []
        return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8") + b"\n"
    head = json.dumps(document, ensure_ascii=False, indent=2)
    assert head.endswith("\n}")
    items = ",\n".join(
        "    " + json.dumps(_json_item(entry), ensure_ascii=False) for entry in feed.entries
    )
    return f'{head[:-2]},\n  "items": [\n{items}\n  ]\n}}\n'.encode()


def _json_item(entry: Entry) -> dict[str, Any]:
    item: dict[str, Any] = {"id": entry.id, "url": entry.link}
    if entry.via:
        item["external_url"] = entry.via
    item["title"] = entry.title
    if entry.summary:
        item["summary"] = entry.summary
    # Every item needs content: the body, else the summary and related links as HTML.
    content = entry.content_html or rss_description(entry)
    if content:
        item["content_html"] = content
    else:
        item["content_text"] = entry.title
    item["date_published"] = entry.published_at.isoformat()
    item["date_modified"] = entry.updated_at.isoformat()
    if entry.thumbnail is not None:
        item["image"] = entry.thumbnail.url
    if entry.categories:
        item["tags"] = list(entry.categories)
    if entry.author is not None:
        item["authors"] = [_json_author(entry.author.name, f"https://{entry.author.domain}/")]
    extension: dict[str, Any] = {}
    if entry.author is not None:
        extension["provider"] = {"name": entry.author.name, "domain": entry.author.domain}
    if entry.related:
        extension["related"] = [{"url": link.href, "title": link.title} for link in entry.related]
    if extension:
        item["_feedpub"] = extension
    return item


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
