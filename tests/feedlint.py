"""Offline checks for the W3C Feed Validation Service's rules, for the tests.

The validator (validator.w3.org/feed, source at github.com/w3c/feedvalidator) cannot
be reached from a test, so this module checks the rules of it that need no network,
plus the matching MUSTs of RFC 4287, the RSS Advisory Board profile, JSON Feed 1.1
and OPML 2.0. Each rule is named after the validator's message where it has one
(its docs are at validator.w3.org/feed/docs/error/<Rule>.html or .../warning/...).

Left out on purpose: `ImplausibleDate` (it compares dates with today's clock),
`DuplicateUpdated` (entries may share a date), `ContainsHTML` (a title may
legitimately talk about `<b>`), and the checks that need the feed's HTTP response.
"""

from __future__ import annotations

import email.utils
import json
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import feedparser
import lxml.html
from lxml import etree

ATOM_NS = "http://www.w3.org/2005/Atom"
CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"
MEDIA_NS = "http://search.yahoo.com/mrss/"
XML_NS = "http://www.w3.org/XML/1998/namespace"
A = f"{{{ATOM_NS}}}"
JSONFEED_VERSION = "https://jsonfeed.org/version/1.1"

RSS_TYPE = "application/rss+xml"
ATOM_TYPE = "application/atom+xml"

# RFC 822 as the RSS profile allows it: four-digit year, optional seconds (validator's rfc2822_re).
RFC_822 = re.compile(
    r"^(?:(?P<dow>Mon|Tue|Wed|Thu|Fri|Sat|Sun), )?\d\d? "
    r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d\d:\d\d(?::\d\d)? "
    r"(?:[+-]\d\d[0-5]\d|UT|GMT|EST|EDT|CST|CDT|MST|MDT|PST|PDT|Z)$"
)
RFC_3339 = re.compile(
    r"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)"
    r"(\.\d+)?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$"
)
# An address, optionally followed by a name in parentheses: "desk@example.org (Desk)".
EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+( \(.*\))?$")
LANGUAGE = re.compile(r"^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$")
MIME = re.compile(r"^[A-Za-z0-9!#$&^_.+-]+/[A-Za-z0-9!#$&^_.+-]+(\s*;.*)?$")
# RFC 3986 characters; an IRI (RFC 3987) may hold non-ASCII characters besides.
URI_CHARS = re.compile(r"^[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]*$")
BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")

# Link relations registered with IANA (RFC 5988/8288 registry) that feeds use.
REGISTERED_RELS = {
    "about", "alternate", "appendix", "archives", "author", "bookmark", "canonical",
    "chapter", "collection", "contents", "copyright", "current", "describedby", "edit",
    "edit-media", "enclosure", "first", "glossary", "help", "hub", "icon", "index", "item",
    "last", "latest-version", "license", "next", "next-archive", "payment", "prev",
    "prev-archive", "preview", "previous", "privacy-policy", "related", "replies", "search",
    "section", "self", "service", "start", "stylesheet", "subsection", "successor-version",
    "terms-of-service", "up", "version-history", "via", "working-copy", "working-copy-of",
}  # fmt: skip

# RSS 2.0 elements (no namespace); each that may appear once is counted.
RSS_CHANNEL = {
    "title", "link", "description", "language", "copyright", "managingEditor", "webMaster",
    "pubDate", "lastBuildDate", "category", "generator", "docs", "cloud", "ttl", "image",
    "rating", "textInput", "skipHours", "skipDays", "item",
}  # fmt: skip
RSS_CHANNEL_REPEATABLE = {"category", "item"}
RSS_ITEM = {
    "title", "link", "description", "author", "category", "comments", "enclosure", "guid",
    "pubDate", "source",
}  # fmt: skip
RSS_ITEM_REPEATABLE = {"category"}

ATOM_FEED_ONCE = ("id", "title", "updated", "subtitle", "rights", "icon", "logo", "generator")
ATOM_ENTRY_ONCE = ("id", "title", "updated", "published", "summary", "content", "rights", "source")
ATOM_TEXT_TYPES = {"text", "html", "xhtml"}

# Markup a reader must not run or embed (the validator's SecurityRisk family).
UNSAFE_TAGS = {"script", "object", "embed", "iframe", "frame", "frameset", "applet", "meta",
               "link", "base", "form", "style"}  # fmt: skip
URL_ATTRIBUTES = {"href", "src", "url", "xmlUrl", "htmlUrl", "poster", "cite", "action"}


# Every rule checked here, with the validator's severity. Names the validator does not
# have (marked "ours") come from the specs the module docstring names.
RULES = {
    # errors
    "DuplicateAtomLink": "error",
    "DuplicateElement": "error",
    "DuplicateSelf": "error",  # ours: WebSub wants exactly one rel=self
    "DuplicateValue": "error",
    "IncorrectDOW": "error",
    "InvalidBooleanAttribute": "error",
    "InvalidContact": "error",
    "InvalidContentMode": "error",
    "InvalidFullLink": "error",
    "InvalidIntegerAttribute": "error",
    "InvalidIRI": "error",
    "InvalidLanguage": "error",
    "InvalidMIMEAttribute": "error",
    "InvalidMIMEType": "error",
    "InvalidOPMLVersion": "error",
    "InvalidPermalink": "error",
    "InvalidRFC2822Date": "error",
    "InvalidRFC3339Date": "error",
    "InvalidURI": "error",
    "InvalidURLAttribute": "error",
    "InvalidVersion": "error",  # ours: JSON Feed's version URL
    "ItemMustContainTitleOrDescription": "error",
    "MisplacedMetadata": "error",
    "MissingAttribute": "error",
    "MissingChannel": "error",
    "MissingContentOrAlternate": "error",
    "MissingDescription": "error",
    "MissingElement": "error",
    "MissingHref": "error",
    "MissingLink": "error",
    "MissingOutlineText": "error",  # ours: OPML 2.0 "every outline needs text"
    # The validator only warns of these two, but a subscription without either does not
    # import into a reader as a feed, so ours are errors.
    "MissingOutlineType": "error",
    "MissingXmlURL": "error",
    "MissingTitle": "error",
    "NotJson": "error",  # ours
    "SelfLinkType": "error",  # ours: the self link names the feed's own media type
    "UndefinedElement": "error",
    # warnings
    "AtomLinkNotEmpty": "warning",
    "ContainsRelRef": "warning",
    "DangerousStyleAttr": "warning",
    "DeprecatedAuthor": "warning",  # ours: JSON Feed 1.1 deprecates author
    "DuplicateEnclosure": "warning",
    "DuplicateEntries": "warning",
    "MissingAtomSelfLink": "warning",
    "MissingGuid": "warning",
    "MissingSelf": "warning",
    "MissingTextualContent": "warning",
    "NeedDescriptionBeforeContent": "warning",
    "NotBlank": "warning",
    "SecurityRisk": "warning",
    "SelfDoesntMatchLocation": "warning",
    "UnregisteredAtomLinkRel": "warning",
}


@dataclass(frozen=True, slots=True)
class Violation:
    """One broken rule: where in which file, the rule's name and what is wrong."""

    path: str
    where: str
    rule: str
    message: str

    @property
    def severity(self) -> str:
        return RULES[self.rule]

    def __str__(self) -> str:
        return f"{self.path}: {self.where}: {self.rule} ({self.severity}): {self.message}"


class _Log:
    def __init__(self, path: str) -> None:
        self.path = path
        self.found: list[Violation] = []

    def __call__(self, where: str, rule: str, message: str) -> None:
        assert rule in RULES, f"feedlint has no rule {rule!r}"
        self.found.append(Violation(self.path, where, rule, message))


# --- values ----------------------------------------------------------------------


def url_problem(value: str | None, *, iri: bool = False) -> str | None:
    """Why `value` is not an absolute http(s) URL (an IRI when `iri`), or None."""
    if value is None or not value.strip():
        return "empty"
    if value != value.strip() or any(c.isspace() for c in value):
        return f"has white space: {value!r}"
    try:
        parts = urlsplit(value)
        host = parts.hostname
    except ValueError as e:
        return f"not a URL ({e}): {value!r}"
    if parts.scheme.lower() not in ("http", "https") or not host:
        return f"not an absolute http(s) URL: {value!r}"
    return _chars_problem(value, iri=iri)


def iri_problem(value: str | None) -> str | None:
    """Why `value` is not an absolute IRI of any scheme (an Atom id may be a tag: or urn:)."""
    if value is None or not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$", value):
        return f"not an absolute IRI: {value!r}"
    return _chars_problem(value, iri=True)


def _chars_problem(value: str, *, iri: bool) -> str | None:
    """Characters RFC 3986 (or, for an IRI, RFC 3987) does not allow, or a bad escape."""
    if iri and any(0x80 <= ord(c) < 0xA0 for c in value):
        return f"has control characters: {value!r}"
    ascii_part = "".join(c for c in value if c.isascii()) if iri else value
    if not URI_CHARS.match(ascii_part) or BAD_PERCENT.search(value):
        kind = "an IRI" if iri else "a URI (RFC 3986)"
        return f"has characters not allowed in {kind}: {value!r}"
    return None


def rfc822_problem(value: str | None) -> tuple[str, str] | None:
    """The rule and why `value` is not an RFC 822 date as the RSS profile wants it, or None."""
    bad = "InvalidRFC2822Date"
    if value is None:
        return bad, "empty"
    match = RFC_822.match(value)
    if match is None:
        return bad, f"not an RFC 822 date with a four-digit year: {value!r}"
    parsed = email.utils.parsedate_tz(value)
    if parsed is None:
        return bad, f"email.utils cannot parse {value!r}"
    try:
        day = date(*parsed[:3])
    except ValueError:
        return bad, f"no such day: {value!r}"
    if match["dow"] and day.strftime("%a") != match["dow"]:
        return "IncorrectDOW", f"{day:%Y-%m-%d} is a {day:%A}, not {match['dow']}: {value!r}"
    return None


def rfc3339_problem(value: str | None) -> str | None:
    """Why `value` is not an RFC 3339 date-time, or None."""
    if value is None or not RFC_3339.match(value):
        return f"not an RFC 3339 date-time: {value!r}"
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return f"no such time: {value!r}"
    return None


def _text(element: Any) -> str:
    return "".join(element.itertext()) if element is not None else ""


def _local(element: Any) -> str:
    return etree.QName(element).localname


def _ns(element: Any) -> str | None:
    return etree.QName(element).namespace


# --- all XML ---------------------------------------------------------------------


def _check_url_attributes(root: Any, log: _Log, *, iri: bool) -> None:
    """All: only absolute http(s) URLs in href/src/url attributes, anywhere in the file."""
    for element in root.iter(etree.Element):
        for name, value in element.attrib.items():
            if etree.QName(name).localname in URL_ATTRIBUTES:
                problem = url_problem(value, iri=iri)
                if problem:
                    log(_where(element), "InvalidURLAttribute", f"@{name} {problem}")


def _where(element: Any) -> str:
    tree = element.getroottree()
    return re.sub(r"\{[^}]*\}", "", tree.getpath(element))


def check_html(markup: str, where: str, log: _Log) -> None:
    """Escaped HTML in a description or content: nothing that runs, only web links."""
    if not markup.strip():
        return
    try:
        fragments = lxml.html.fragments_fromstring(markup)
    except etree.ParserError:
        return
    for fragment in fragments:
        if isinstance(fragment, str):
            continue
        for element in fragment.iter(etree.Element):
            tag = str(element.tag).lower()
            if tag in UNSAFE_TAGS:
                log(where, "SecurityRisk", f"embedded HTML has a <{tag}> element")
            for name, value in element.attrib.items():
                if name.lower().startswith("on"):
                    log(where, "SecurityRisk", f"embedded HTML has an event handler @{name}")
                if name.lower() == "style":
                    log(where, "DangerousStyleAttr", "embedded HTML has a style attribute")
                if name.lower() in ("href", "src"):
                    problem = url_problem(value, iri=True)
                    if problem and not urlsplit(value).scheme:
                        log(where, "ContainsRelRef", f"relative @{name} {value!r}")
                    elif problem:
                        log(where, "InvalidURLAttribute", f"embedded HTML @{name} {problem}")


def _check_thumbnails(parent: Any, log: _Log) -> None:
    for thumb in parent.findall(f"{{{MEDIA_NS}}}thumbnail"):
        for dim in ("width", "height"):
            value = thumb.get(dim)
            if value is not None and not value.isdigit():
                log(_where(thumb), "InvalidIntegerAttribute", f"@{dim} {value!r}")


def _check_rel_link(link: Any, log: _Log) -> str:
    rel = link.get("rel", "alternate")
    if link.get("href") is None:
        log(_where(link), "MissingHref", "atom:link without href")
    if rel not in REGISTERED_RELS and url_problem(rel, iri=True):
        log(_where(link), "UnregisteredAtomLinkRel", f"rel {rel!r} is not registered nor a URI")
    link_type = link.get("type")
    if link_type is not None and not MIME.match(link_type):
        log(_where(link), "InvalidMIMEType", f"@type {link_type!r}")
    if link.text and link.text.strip():
        log(_where(link), "AtomLinkNotEmpty", "atom:link has content")
    return rel


def _check_self(
    links: list[Any], media_type: str, self_url: str | None, log: _Log, where: str
) -> None:
    selves = [link for link in links if link.get("rel") == "self"]
    if not selves:
        log(where, "MissingSelf" if media_type == ATOM_TYPE else "MissingAtomSelfLink", "no self")
    elif len(selves) > 1:
        log(where, "DuplicateSelf", f"{len(selves)} links with rel=self")
    for link in selves:
        if link.get("type") != media_type:
            log(_where(link), "SelfLinkType", f"self @type {link.get('type')!r}, not {media_type}")
        if self_url is not None and link.get("href") != self_url:
            log(_where(link), "SelfDoesntMatchLocation", f"{link.get('href')!r} != {self_url!r}")


# --- RSS 2.0 ---------------------------------------------------------------------


def lint_rss(data: bytes, *, path: str = "<rss>", self_url: str | None = None) -> list[Violation]:
    """The rules for an RSS 2.0 document; `self_url` is where it will be published."""
    log = _Log(path)
    root = etree.fromstring(data)
    if root.tag != "rss" or root.get("version") != "2.0":
        log("/", "UndefinedElement", f"root is <{root.tag} version={root.get('version')!r}>")
        return log.found
    channels = root.findall("channel")
    if len(channels) != 1:
        log("/rss", "MissingChannel" if not channels else "DuplicateElement", "one channel")
        return log.found
    channel = channels[0]
    _check_children(channel, RSS_CHANNEL, RSS_CHANNEL_REPEATABLE, log)
    for name in ("title", "link", "description"):
        element = channel.find(name)
        if element is None or (name != "description" and not _text(element).strip()):
            log("/rss/channel", f"Missing{name.title()}", f"channel needs a non-empty <{name}>")
    problem = url_problem(channel.findtext("link"))
    if channel.find("link") is not None and problem:
        log("/rss/channel/link", "InvalidFullLink", problem)
    for name in ("docs",):
        if channel.find(name) is not None and (problem := url_problem(channel.findtext(name))):
            log(f"/rss/channel/{name}", "InvalidFullLink", problem)
    for name in ("pubDate", "lastBuildDate"):
        for element in channel.findall(name):
            if problem := rfc822_problem(element.text):
                log(_where(element), *problem)
    for name in ("managingEditor", "webMaster"):
        for element in channel.findall(name):
            if not EMAIL.match(element.text or ""):
                log(_where(element), "InvalidContact", f"not an email address: {element.text!r}")
    language = channel.findtext("language")
    if language is not None and not LANGUAGE.match(language):
        log("/rss/channel/language", "InvalidLanguage", repr(language))
    links = channel.findall(f"{A}link")
    for link in links:
        _check_rel_link(link, log)
    _check_self(links, RSS_TYPE, self_url, log, "/rss/channel")

    guids: Counter[str] = Counter()
    for item in channel.findall("item"):
        where = _where(item)
        _check_item(item, where, log)
        guid = item.find("guid")
        if guid is not None:
            guids[guid.text or ""] += 1
    for guid_text, count in guids.items():
        if count > 1:
            log("/rss/channel", "DuplicateValue", f"guid {guid_text!r} appears {count} times")
    _check_url_attributes(root, log, iri=False)
    return log.found


def _check_children(parent: Any, known: set[str], repeatable: set[str], log: _Log) -> None:
    counts = Counter(child.tag for child in parent if isinstance(child.tag, str))
    for tag, count in counts.items():
        if "}" in tag:
            continue
        if tag not in known:
            log(_where(parent), "UndefinedElement", f"<{tag}> is not an RSS 2.0 element here")
        elif count > 1 and tag not in repeatable:
            rule = "DuplicateEnclosure" if tag == "enclosure" else "DuplicateElement"
            log(_where(parent), rule, f"<{tag}> appears {count} times")
    content = f"{{{CONTENT_NS}}}encoded"
    if counts.get(content, 0) > 1:
        log(_where(parent), "DuplicateElement", f"content:encoded appears {counts[content]} times")


def _check_item(item: Any, where: str, log: _Log) -> None:
    _check_children(item, RSS_ITEM, RSS_ITEM_REPEATABLE, log)
    if item.find("title") is None and item.find("description") is None:
        log(where, "ItemMustContainTitleOrDescription", "item needs a title or a description")
    link = item.find("link")
    if link is not None and (problem := url_problem(link.text)):
        log(_where(link), "InvalidFullLink", problem)
    guid = item.find("guid")
    if guid is None:
        log(where, "MissingGuid", "an item should have a guid")
    else:
        permalink = guid.get("isPermaLink", "true")
        if permalink not in ("true", "false"):
            log(_where(guid), "InvalidBooleanAttribute", f"isPermaLink={permalink!r}")
        if permalink == "true" and (problem := url_problem(guid.text)):
            log(_where(guid), "InvalidPermalink", f"isPermaLink but {problem}")
        if not (guid.text or "").strip():
            log(_where(guid), "NotBlank", "empty guid")
    for date_element in item.findall("pubDate"):
        if problem := rfc822_problem(date_element.text):
            log(_where(date_element), *problem)
    for author in item.findall("author"):
        if not EMAIL.match(author.text or ""):
            log(_where(author), "InvalidContact", f"<author> needs an email: {author.text!r}")
    for enclosure in item.findall("enclosure"):
        for name in ("url", "length", "type"):
            if enclosure.get(name) is None:
                log(_where(enclosure), "MissingAttribute", f"enclosure needs @{name}")
        length = enclosure.get("length")
        if length is not None and not length.isdigit():
            log(_where(enclosure), "InvalidIntegerAttribute", f"@length {length!r}")
        kind = enclosure.get("type")
        if kind is not None and not MIME.match(kind):
            log(_where(enclosure), "InvalidMIMEAttribute", f"@type {kind!r}")
    children = [child.tag for child in item if isinstance(child.tag, str)]
    content = f"{{{CONTENT_NS}}}encoded"
    if content in children and (
        "description" not in children or children.index("description") > children.index(content)
    ):
        log(where, "NeedDescriptionBeforeContent", "description must come before content:encoded")
    for name in ("description", content):
        for element in item.findall(name):
            check_html(element.text or "", _where(element), log)
    for link in item.findall(f"{A}link"):
        _check_rel_link(link, log)
    _check_thumbnails(item, log)


# --- Atom 1.0 --------------------------------------------------------------------


def lint_atom(data: bytes, *, path: str = "<atom>", self_url: str | None = None) -> list[Violation]:
    """The rules for an Atom 1.0 feed document; `self_url` is where it will be published."""
    log = _Log(path)
    root = etree.fromstring(data)
    if root.tag != f"{A}feed":
        log("/", "UndefinedElement", f"root is {root.tag}, not atom:feed")
        return log.found
    entries = root.findall(f"{A}entry")
    _check_atom_common(root, "/feed", ATOM_FEED_ONCE, log)
    seen_entry = False
    for child in root:
        if not isinstance(child.tag, str):
            continue
        if child.tag == f"{A}entry":
            seen_entry = True
        elif seen_entry and _ns(child) == ATOM_NS:
            log(_where(child), "MisplacedMetadata", f"<{_local(child)}> after the first entry")
    feed_authors = root.findall(f"{A}author")
    links = root.findall(f"{A}link")
    _check_self(links, ATOM_TYPE, self_url, log, "/feed")
    _check_alternates(links, "/feed", log)
    ids: Counter[str] = Counter()
    for entry in entries:
        where = _where(entry)
        _check_atom_common(entry, where, ATOM_ENTRY_ONCE, log)
        if not feed_authors and entry.find(f"{A}author") is None:
            log(where, "MissingElement", "no author in the entry nor in the feed")
        entry_links = entry.findall(f"{A}link")
        _check_alternates(entry_links, where, log)
        if entry.find(f"{A}content") is None:
            if not any(link.get("rel", "alternate") == "alternate" for link in entry_links):
                log(where, "MissingContentOrAlternate", "no content and no alternate link")
            if entry.find(f"{A}summary") is None:
                log(where, "MissingTextualContent", "no content and no summary")
        ids[entry.findtext(f"{A}id") or ""] += 1
        _check_thumbnails(entry, log)
    for entry_id, count in ids.items():
        if count > 1:
            log("/feed", "DuplicateEntries", f"id {entry_id!r} appears {count} times")
    lang = root.get(f"{{{XML_NS}}}lang")
    if lang is not None and not LANGUAGE.match(lang):
        log("/feed", "InvalidLanguage", f"xml:lang {lang!r}")
    _check_url_attributes(root, log, iri=True)
    return log.found


def _check_atom_common(parent: Any, where: str, once: tuple[str, ...], log: _Log) -> None:
    counts = Counter(_local(c) for c in parent if isinstance(c.tag, str) and _ns(c) == ATOM_NS)
    for name in once:
        if counts[name] > 1:
            log(where, "DuplicateElement", f"<{name}> appears {counts[name]} times")
    for name in ("id", "title", "updated"):
        if counts[name] == 0:
            log(where, "MissingElement", f"no <{name}>")
    for id_element in parent.findall(f"{A}id"):
        if problem := iri_problem(id_element.text):
            log(_where(id_element), "InvalidIRI", f"id {problem}")
    for name in ("updated", "published"):
        for element in parent.findall(f"{A}{name}"):
            if problem := rfc3339_problem(element.text):
                log(_where(element), "InvalidRFC3339Date", problem)
    for name in ("title", "subtitle", "summary", "rights", "content"):
        for element in parent.findall(f"{A}{name}"):
            kind = element.get("type", "text")
            allowed = kind in ATOM_TEXT_TYPES or (name == "content" and MIME.match(kind))
            if not allowed:
                log(_where(element), "InvalidContentMode", f"@type {kind!r}")
            if kind == "html":
                check_html(element.text or "", _where(element), log)
    for author in parent.findall(f"{A}author") + parent.findall(f"{A}contributor"):
        if not (author.findtext(f"{A}name") or "").strip():
            log(_where(author), "MissingElement", "person without a <name>")
        email_text = author.findtext(f"{A}email")
        if email_text is not None and not EMAIL.match(email_text):
            log(_where(author), "InvalidContact", f"not an email address: {email_text!r}")
        uri = author.findtext(f"{A}uri")
        if uri is not None and (problem := url_problem(uri, iri=True)):
            log(_where(author), "InvalidURI", f"uri {problem}")
    for category in parent.findall(f"{A}category"):
        if not category.get("term"):
            log(_where(category), "MissingAttribute", "category without @term")
    for link in parent.findall(f"{A}link"):
        _check_rel_link(link, log)


def _check_alternates(links: list[Any], where: str, log: _Log) -> None:
    alternates = Counter(
        (link.get("type"), link.get("hreflang"))
        for link in links
        if link.get("rel", "alternate") == "alternate"
    )
    for (kind, hreflang), count in alternates.items():
        if count > 1:
            log(where, "DuplicateAtomLink", f"{count} alternates with type={kind!r} {hreflang=}")


# --- JSON Feed 1.1 ---------------------------------------------------------------


def lint_json(data: bytes, *, path: str = "<json>", self_url: str | None = None) -> list[Violation]:
    """The JSON Feed 1.1 MUSTs and SHOULDs; `self_url` is where it will be published."""
    log = _Log(path)
    try:
        document = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        log("/", "NotJson", str(e))
        return log.found
    if not isinstance(document, dict):
        log("/", "NotJson", "the top level is not an object")
        return log.found
    if document.get("version") != JSONFEED_VERSION:
        log("/version", "InvalidVersion", repr(document.get("version")))
    if not isinstance(document.get("title"), str) or not document["title"].strip():
        log("/title", "MissingElement", "a feed needs a title")
    for key in ("home_page_url", "feed_url"):
        if key not in document:
            log(f"/{key}", "MissingElement", f"a public feed needs {key}")
    if self_url is not None and document.get("feed_url", self_url) != self_url:
        log("/feed_url", "SelfDoesntMatchLocation", f"{document.get('feed_url')!r} != {self_url!r}")
    if "author" in document:
        log("/author", "DeprecatedAuthor", "JSON Feed 1.1 uses authors, not author")
    for where, url in _json_urls(document, ""):
        if problem := url_problem(url, iri=True):
            log(where, "InvalidURLAttribute", problem)
    items = document.get("items")
    if not isinstance(items, list):
        log("/items", "MissingElement", "a feed needs items")
        return log.found
    ids: Counter[str] = Counter()
    for n, item in enumerate(items):
        where = f"/items[{n}]"
        if not isinstance(item, dict) or not isinstance(item.get("id"), str) or not item["id"]:
            log(where, "MissingElement", "an item needs a non-empty string id")
            continue
        ids[item["id"]] += 1
        if "content_html" not in item and "content_text" not in item:
            log(where, "MissingElement", "an item needs content_html or content_text")
        if "author" in item:
            log(f"{where}/author", "DeprecatedAuthor", "JSON Feed 1.1 uses authors")
        for key in ("date_published", "date_modified"):
            if key in item and (problem := rfc3339_problem(item[key])):
                log(f"{where}/{key}", "InvalidRFC3339Date", problem)
        if isinstance(item.get("content_html"), str):
            check_html(item["content_html"], f"{where}/content_html", log)
        for k, attachment in enumerate(item.get("attachments", [])):
            if not attachment.get("url") or not attachment.get("mime_type"):
                log(f"{where}/attachments[{k}]", "MissingAttribute", "needs url and mime_type")
    for item_id, count in ids.items():
        if count > 1:
            log("/items", "DuplicateEntries", f"id {item_id!r} appears {count} times")
    return log.found


_JSON_URL_KEYS = {"url", "external_url", "image", "banner_image", "home_page_url", "feed_url",
                  "next_url", "icon", "favicon", "avatar"}  # fmt: skip


def _json_urls(value: Any, where: str) -> Iterator[tuple[str, str]]:
    """Every URL-valued member anywhere in the document, extensions included."""
    if isinstance(value, dict):
        for key, member in value.items():
            if key in _JSON_URL_KEYS and isinstance(member, str):
                yield f"{where}/{key}", member
            else:
                yield from _json_urls(member, f"{where}/{key}")
    elif isinstance(value, list):
        for n, member in enumerate(value):
            yield from _json_urls(member, f"{where}[{n}]")


# --- OPML 2.0 --------------------------------------------------------------------

# The head elements the W3C validator knows: OPML 1.0's. OPML 2.0 adds `docs` and
# `ownerId`, which it reports as "Undefined head element".
OPML_HEAD = {
    "title", "dateCreated", "dateModified", "ownerName", "ownerEmail", "expansionState",
    "vertScrollState", "windowTop", "windowLeft", "windowBottom", "windowRight",
}  # fmt: skip


def lint_opml(data: bytes, *, path: str = "<opml>") -> list[Violation]:
    """The OPML 2.0 rules for a subscription list."""
    log = _Log(path)
    root = etree.fromstring(data)
    if root.tag != "opml" or root.get("version") != "2.0":
        log("/", "InvalidOPMLVersion", f"root <{root.tag} version={root.get('version')!r}>")
    if root.find("head") is None or root.find("body") is None:
        log("/opml", "MissingElement", "OPML needs a head and a body")
        return log.found
    for element in root.find("head").iterchildren("*"):  # elements, not comments
        if element.tag not in OPML_HEAD:
            log(_where(element), "UndefinedElement", f"Undefined head element: {element.tag}")
        elif element.tag in ("dateCreated", "dateModified") and (
            problem := rfc822_problem(element.text)
        ):
            log(_where(element), *problem)
    for outline in root.iter("outline"):
        if not (outline.get("text") or "").strip():
            log(_where(outline), "MissingOutlineText", "every outline needs text")
        if outline.get("type") == "rss" and not outline.get("xmlUrl"):
            log(_where(outline), "MissingXmlURL", "a subscription needs xmlUrl")
        if outline.get("xmlUrl") is not None and outline.get("type") != "rss":
            log(_where(outline), "MissingOutlineType", 'a subscription needs type="rss"')
    _check_url_attributes(root, log, iri=True)
    return log.found


# --- files -----------------------------------------------------------------------

LINTERS = {".atom.xml": lint_atom, ".rss.xml": lint_rss, ".json": lint_json}


def lint_file(
    path: Path, *, self_url: str | None = None, name: str | None = None
) -> list[Violation] | None:
    """The violations in one feed or OPML file; None for a file that is neither."""
    shown = name or str(path)
    if path.name.endswith(".opml"):
        return lint_opml(path.read_bytes(), path=shown)
    for suffix, lint in LINTERS.items():
        if path.name.endswith(suffix):
            return lint(path.read_bytes(), path=shown, self_url=self_url)
    return None


def lint_folder(root: Path, base_url: str) -> tuple[list[Violation], int]:
    """Every violation in every feed and OPML file under `root`, and how many files were read.

    Each feed's self link must be `base_url` plus its path under `root`.
    """
    found: list[Violation] = []
    checked = 0
    for path in sorted(root.rglob("*")):
        if not path.is_file() or path.name.startswith("."):
            continue
        relpath = path.relative_to(root).as_posix()
        result = lint_file(path, self_url=base_url + relpath, name=relpath)
        if result is not None:
            checked += 1
            found.extend(result)
    return found, checked


# --- readers ---------------------------------------------------------------------


@cache
def feedparser_reads_json() -> bool:
    """True when the installed feedparser understands JSON Feed (6.0.x, the latest, does not)."""
    probe = {"version": JSONFEED_VERSION, "title": "t", "items": [{"id": "1", "content_text": "x"}]}
    parsed = feedparser.parse(json.dumps(probe).encode("utf-8"))
    return str(parsed.get("version", "")).startswith("json") and len(parsed.entries) == 1


@dataclass(frozen=True, slots=True)
class AtomEntry:
    """What an Atom entry says, read straight from the XML, to compare other formats with."""

    id: str
    title: str
    link: str | None
    published: datetime | None
    updated: datetime
    summary: str | None
    content: str | None
    author: str | None
    categories: tuple[str, ...]
    thumbnail: dict[str, str] | None
    related: tuple[tuple[str, str], ...]
    via: str | None


def atom_entries(data: bytes) -> list[AtomEntry]:
    """Every entry of an Atom feed document, in document order."""
    entries = []
    for entry in etree.fromstring(data).findall(f"{A}entry"):
        links = entry.findall(f"{A}link")
        by_rel = {rel: [x for x in links if x.get("rel", "alternate") == rel] for rel in
                  ("alternate", "related", "via")}  # fmt: skip
        published = entry.findtext(f"{A}published")
        thumbnail = entry.find(f"{{{MEDIA_NS}}}thumbnail")
        entries.append(
            AtomEntry(
                id=entry.findtext(f"{A}id") or "",
                title=entry.findtext(f"{A}title") or "",
                link=by_rel["alternate"][0].get("href") if by_rel["alternate"] else None,
                published=datetime.fromisoformat(published) if published else None,
                updated=datetime.fromisoformat(entry.findtext(f"{A}updated") or ""),
                summary=entry.findtext(f"{A}summary"),
                content=entry.findtext(f"{A}content"),
                author=entry.findtext(f"{A}author/{A}name"),
                categories=tuple(c.get("term") for c in entry.findall(f"{A}category")),
                thumbnail=dict(thumbnail.attrib) if thumbnail is not None else None,
                related=tuple((x.get("href"), x.get("title")) for x in by_rel["related"]),
                via=by_rel["via"][0].get("href") if by_rel["via"] else None,
            )
        )
    return entries
