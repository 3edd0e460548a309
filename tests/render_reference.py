"""The Atom and RSS renderers as they were with feedgen 1.0.0 and lxml, and the JSON
Feed items as `json.dumps` wrote them: the references `feedpub.render`'s own
serializers are checked against, byte for byte.

Kept as they were when the build stopped using them (render.py before #14), with only
the imports changed: change them only with the output, never to make a test pass.
"""

from __future__ import annotations

import json
from html import escape
from typing import Any

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.feed import FeedEntry, FeedGenerator
from lxml import etree

from feedpub.config import Config
from feedpub.render import ATOM, JSON, RSS, Format
from feedpub.types import Entry, Feed

ATOM_NS = "http://www.w3.org/2005/Atom"
FH_NS = "http://purl.org/syndication/history/1.0"


class _FeedLinks(BaseExtension):  # type: ignore[misc]
    """Writes feed-level links feedgen drops (WebSub's `hub`, RFC 5005's `current` and
    `prev-archive`) with their `rel`, and RFC 5005's `fh:archive` marker."""

    def __init__(self) -> None:
        self.links: list[dict[str, str]] = []
        self.archive = False

    def add(self, rel: str, href: str) -> None:
        self.links.append({"rel": rel, "href": href})

    def extend_ns(self) -> dict[str, str]:
        return {"fh": FH_NS} if self.archive else {}

    def extend_atom(self, feed: Any) -> Any:
        for link in self.links:
            _insert_after_links(feed, etree.Element("link", link))
        if self.archive:
            _insert_after_links(feed, etree.Element(f"{{{FH_NS}}}archive"))
        return feed

    def extend_rss(self, rss: Any) -> Any:
        channel = rss.find("channel")
        for link in self.links:
            _insert_after_links(channel, etree.Element(f"{{{ATOM_NS}}}link", link))
        if self.archive:
            _insert_after_links(channel, etree.Element(f"{{{FH_NS}}}archive"))
        return rss


def _insert_after_links(parent: Any, element: Any) -> None:
    """Put `element` after the last link child, so links stay together."""
    links = [i for i, child in enumerate(parent) if str(child.tag).endswith(("link", "archive"))]
    parent.insert(links[-1] + 1 if links else len(parent), element)


class _EntryLinks(BaseEntryExtension):  # type: ignore[misc]
    """Writes `atom:link` elements with their `rel`, in Atom entries and RSS items."""

    def __init__(self) -> None:
        self.links: list[dict[str, str]] = []

    def add(self, rel: str, href: str, title: str | None = None) -> None:
        link = {"rel": rel, "href": href}
        if title:
            link["title"] = title
        self.links.append(link)

    def extend_atom(self, entry: Any) -> Any:
        # feedgen builds Atom elements without a namespace under a root whose default
        # namespace is Atom's; a namespaced element here would get a prefix of its own.
        for link in self.links:
            etree.SubElement(entry, "link", link)
        return entry

    def extend_rss(self, item: Any) -> Any:
        for link in self.links:
            etree.SubElement(item, f"{{{ATOM_NS}}}link", link)
        return item


def render_atom(feed: Feed, config: Config) -> bytes:
    """The feed as an Atom 1.0 document."""
    fg = _generator(feed, config, ATOM)
    for entry in feed.entries:
        fe = _entry(fg, entry)
        if entry.summary:
            fe.summary(entry.summary)
        if entry.content_html:
            fe.content(entry.content_html, type="html")
        elif not entry.summary and entry.related:
            # Some text for readers that show only content: the related links.
            fe.content(rss_description(entry), type="html")
        if entry.author is not None:
            fe.author(name=entry.author.name)
    return bytes(fg.atom_str(pretty=True))


def render_rss(feed: Feed, config: Config) -> bytes:
    """The feed as an RSS 2.0 document, with Atom, Dublin Core and Media RSS extensions."""
    fg = _generator(feed, config, RSS)
    fg.load_extension("dc", atom=False, rss=True)
    for entry in feed.entries:
        fe = _entry(fg, entry)
        fe.guid(entry.id, permalink=True)
        description = rss_description(entry)
        if description:
            fe.description(description, isSummary=True)
        if entry.content_html:
            fe.content(entry.content_html)
        if entry.author is not None:
            fe.dc.dc_creator(entry.author.name)
    return bytes(fg.rss_str(pretty=True))


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


def _generator(feed: Feed, config: Config, fmt: Format) -> FeedGenerator:
    self_url = config.feed_url(fmt.path(feed.name))
    fg = FeedGenerator()
    fg.load_extension("media")
    fg.register_extension("feedpub", _FeedLinks, _EntryLinks)
    fg.id(self_url)
    fg.title(feed.title)
    fg.description(feed.description)
    # The self link first and the alternate last: RSS's <link> is the last one added.
    fg.link(href=self_url, rel="self", type=fmt.media_type)
    fg.link(href=config.home_url, rel="alternate", type="text/html")
    links: _FeedLinks = fg.feedpub
    if config.hub:
        links.add("hub", config.hub)
    if feed.archive_of is not None:
        links.archive = True
        links.add("current", config.feed_url(fmt.path(feed.archive_of)))
    if feed.prev_archive is not None:
        links.add("prev-archive", config.feed_url(fmt.path(feed.prev_archive)))
    author = {"name": config.author.name}
    if config.author.email:
        author["email"] = config.author.email
    if config.author.uri:
        author["uri"] = config.author.uri
    fg.author(author)
    if config.language:
        fg.language(config.language)
    if feed.updated_at is None:
        # feedgen would fill in the clock; select never plans an empty feed.
        raise ValueError(f"feed {feed.name!r} has no entries, so it has no date")
    fg.updated(feed.updated_at)  # also lastBuildDate; never the clock
    fg.generator("feedpub")
    return fg


def _entry(fg: FeedGenerator, entry: Entry) -> FeedEntry:
    fe = fg.add_entry(order="append")
    fe.id(entry.id)
    fe.title(entry.title)
    fe.link(href=entry.link, rel="alternate")
    fe.published(entry.published_at)
    fe.updated(entry.updated_at)
    for topic in entry.categories:
        fe.category(term=topic)
    if entry.thumbnail is not None:
        thumbnail = {"url": entry.thumbnail.url}
        if entry.thumbnail.width:
            thumbnail["width"] = str(entry.thumbnail.width)
        if entry.thumbnail.height:
            thumbnail["height"] = str(entry.thumbnail.height)
        fe.media.thumbnail(thumbnail, group=None)
    links: _EntryLinks = fe.feedpub
    if entry.via:
        links.add("via", entry.via)
    for link in entry.related:
        links.add("related", link.href, link.title)
    return fe


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
