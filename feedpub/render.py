"""Feeds to bytes. The only module that imports feedgen; it never reads the clock or disk.

feedgen 1.0.0 has traps this module steps around (see FEED-NOTES.md): entries are
added with `order="append"`, every date is set from the records so none comes from
`now()`, the self link is added before the alternate link (RSS's channel `<link>` is
the last one added), and entry links other than the alternate are written by our own
extension because feedgen drops their `rel` in Atom and drops them entirely in RSS.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from html import escape
from typing import Any

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.feed import FeedEntry, FeedGenerator
from lxml import etree

from feedpub.config import Config
from feedpub.types import Entry, Feed

ATOM_NS = "http://www.w3.org/2005/Atom"


class _NoFeedExtension(BaseExtension):  # type: ignore[misc]
    """feedgen wants a feed-level class for every extension; ours adds nothing there."""


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


@dataclass(frozen=True, slots=True)
class Format:
    """One output format: the file suffix, its media type and the function that renders it."""

    name: str
    suffix: str
    media_type: str
    render: Callable[[Feed, Config], bytes]

    def path(self, feed_name: str) -> str:
        return f"{feed_name}{self.suffix}"


def render_atom(feed: Feed, config: Config) -> bytes:
    """The feed as an Atom 1.0 document."""
    fg = _generator(feed, config, ATOM)
    for entry in feed.entries:
        fe = _entry(fg, entry)
        if entry.summary:
            fe.summary(entry.summary)
        if entry.content_html:
            fe.content(entry.content_html, type="html")
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
    fg.register_extension("feedpub", _NoFeedExtension, _EntryLinks)
    fg.id(self_url)
    fg.title(feed.title)
    fg.description(feed.description)
    # The self link first and the alternate last: RSS's <link> is the last one added.
    fg.link(href=self_url, rel="self", type=fmt.media_type)
    fg.link(href=config.home_url, rel="alternate", type="text/html")
    author = {"name": config.author.name}
    if config.author.email:
        author["email"] = config.author.email
    if config.author.uri:
        author["uri"] = config.author.uri
    fg.author(author)
    if config.language:
        fg.language(config.language)
    if feed.updated_at is None:
        # feedgen would fill in the clock; group_feeds never publishes an empty feed.
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


ATOM = Format("atom", ".atom.xml", "application/atom+xml", render_atom)
RSS = Format("rss", ".rss.xml", "application/rss+xml", render_rss)
FORMATS = (ATOM, RSS)
