"""What a build would change, told per feed in entries: for a reviewer reading a
pull-request comment, where "all.atom.xml changed" says less than "this title changed".

The new side is the `Feed` objects the build assembles; the old side is the published
folder, where one file per feed (Atom, else JSON Feed, else RSS) is parsed once. Both
sides become `EntryView`s of that one format, so a field compares equal exactly when
that file would carry the same text for it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any, Literal

from lxml import etree

from feedpub.config import DIFF_LIMIT
from feedpub.errors import escape_text
from feedpub.pages import INDEX_PATH, PAGE, STYLE_PATH
from feedpub.render import FEED_FORMATS, OPML_PATH, rss_description
from feedpub.types import BuildResult, Entry, Feed
from feedpub.write import MANIFEST, read_existing, safe_path

Status = Literal["created", "changed", "removed"]
# The formats an old feed can be read back from, the most faithful first.
READABLE = ("atom", "json", "rss")
SITE_FILES = (MANIFEST, OPML_PATH, INDEX_PATH, STYLE_PATH)
LIMIT = DIFF_LIMIT
_ATOM = "{http://www.w3.org/2005/Atom}"
_CONTENT = "{http://purl.org/rss/1.0/modules/content/}encoded"
# Input from disk: no entity, DTD or network is ever resolved.
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


@dataclass(frozen=True, slots=True)
class EntryView:
    """What a reviewer compares of one entry, as one feed format carries it."""

    id: str
    title: str = ""
    date: str = ""
    summary: str = ""
    content: str = ""
    links: tuple[str, ...] = ()  # the entry's link, "via <url>", "related <url> <title>"
    categories: tuple[str, ...] = ()


COMPARED = tuple(f.name for f in fields(EntryView) if f.name != "id")


@dataclass(frozen=True, slots=True)
class FeedDiff:
    """The entries one feed gains, loses and changes, in feed order."""

    name: str
    status: Status
    added: tuple[EntryView, ...] = ()
    removed: tuple[EntryView, ...] = ()
    changed: tuple[tuple[EntryView, EntryView], ...] = ()  # (old, new)
    note: str = ""  # why the old entries are unknown, when they are

    @property
    def count(self) -> int:
        return len(self.added) + len(self.removed) + len(self.changed)


@dataclass(frozen=True, slots=True)
class Changes:
    """Every feed whose entries would change, and the other files that would change."""

    feeds: tuple[FeedDiff, ...]
    others: tuple[str, ...]  # one phrase each: "feeds.opml", "3 pages"


class ChangeCollector:
    """Compares each feed a build assembles with its published file; `finish` adds the
    feeds a build removes and sums up the files no entry explains."""

    def __init__(self, output: Path) -> None:
        self.output = output
        self.seen: set[str] = set()
        self.diffs: dict[str, FeedDiff] = {}

    def add(self, feed: Feed) -> None:
        self.seen.add(feed.name)
        fmt, old, note = published_entries(self.output, feed.name)
        new = entry_views(feed.entries, fmt or READABLE[0])
        found = compare(feed.name, "changed" if fmt else "created", old, new, note)
        if found.count or found.note:
            self.diffs[feed.name] = found

    def finish(self, result: BuildResult) -> Changes:
        touched = sorted({*result.created, *result.changed, *result.removed})
        gone = {_feed_name(p) for p in result.removed} - {None} - self.seen
        for name in sorted(n for n in gone if n is not None):
            _, old, note = published_entries(self.output, name)
            self.diffs[name] = compare(name, "removed", old, (), note)
        feeds = tuple(self.diffs[name] for name in sorted(self.diffs))
        return Changes(feeds, _others(touched, set(self.diffs)))


def _feed_name(path: str) -> str | None:
    """The feed a file of the output folder belongs to; None for the site's own files."""
    if path in SITE_FILES:
        return None
    for fmt in (*FEED_FORMATS.values(), PAGE):
        if path.endswith(fmt.suffix):
            return path[: -len(fmt.suffix)]
    return None


def _others(touched: Iterable[str], explained: set[str]) -> tuple[str, ...]:
    """The changed files no feed's entries account for, in a few words each."""
    names, pages, feeds = [], 0, 0
    for path in touched:
        feed = _feed_name(path)
        if feed is None:
            names.append(path)
        elif feed not in explained:
            if path.endswith(PAGE.suffix):
                pages += 1
            else:
                feeds += 1
    if pages:
        names.append(f"{pages} page{'s' * (pages != 1)}")
    if feeds:
        names.append(f"{feeds} feed file{'s' * (feeds != 1)} with the same entries")
    return tuple(names)


def compare(
    name: str, status: Status, old: Sequence[EntryView], new: Sequence[EntryView], note: str = ""
) -> FeedDiff:
    """What turns the entries `old` into `new`, matched by id."""
    before = {e.id: e for e in old}
    after = {e.id for e in new}
    return FeedDiff(
        name,
        status,
        added=tuple(e for e in new if e.id not in before),
        removed=tuple(e for e in old if e.id not in after),
        changed=tuple((before[e.id], e) for e in new if before.get(e.id, e) != e),
        note=note,
    )


def published_entries(output: Path, name: str) -> tuple[str | None, tuple[EntryView, ...], str]:
    """The entries of a feed as published: (format read, entries, note). The format is
    None when the feed has no file to read: a new feed."""
    for fmt in READABLE:
        data = read_existing(safe_path(output, FEED_FORMATS[fmt].path(name)))
        if data is None:
            continue
        found = read_entries(data, fmt)
        if found is None:
            return fmt, (), f"{FEED_FORMATS[fmt].path(name)} could not be read"
        return fmt, found, ""
    return None, (), ""


# --- One format, both ways: entries as it writes them, and read back from a file ---


def entry_views(entries: Iterable[Entry], fmt: str) -> tuple[EntryView, ...]:
    """`entries` as the format `fmt` writes them (see `feedpub.render`)."""
    return tuple(_VIEWS[fmt](entry) for entry in entries)


def read_entries(data: bytes, fmt: str) -> tuple[EntryView, ...] | None:
    """The entries of a feed file in the format `fmt`; None when it cannot be read."""
    try:
        return tuple(_READERS[fmt](data))
    except (ValueError, TypeError, AttributeError, KeyError, etree.XMLSyntaxError):
        return None  # a file from disk is input: anything may be wrong with it


def entry_ids(data: bytes, path: str) -> list[str] | None:
    """The entry ids of a feed file, in order; None for a file that is not a feed."""
    fmt = next((f for f in READABLE if path.endswith(FEED_FORMATS[f].suffix)), None)
    if fmt is None or path in SITE_FILES:
        return None
    return [e.id for e in read_entries(data, fmt) or ()]


def _links(entry: Entry) -> tuple[str, ...]:
    via = (f"via {entry.via}",) if entry.via else ()
    related = (_related(link.href, link.title) for link in entry.related)
    return (entry.link, *via, *related)


def _related(href: str, title: str) -> str:
    # The title too: an article's new title changes the links back to it.
    return f"related {href} {title!r}"


def _atom_view(entry: Entry) -> EntryView:
    content = entry.content_html
    if not content and not entry.summary and entry.related:
        content = rss_description(entry)
    return EntryView(
        entry.id,
        entry.title,
        _date(entry.published_at),
        entry.summary,
        content,
        _links(entry),
        entry.categories,
    )


def _json_view(entry: Entry) -> EntryView:
    return EntryView(
        entry.id,
        entry.title,
        _date(entry.published_at),
        entry.summary,
        entry.content_html or rss_description(entry),
        _links(entry),
        entry.categories,
    )


def _rss_view(entry: Entry) -> EntryView:
    return EntryView(
        entry.id,
        entry.title,
        _date(entry.published_at),
        rss_description(entry),  # RSS has no summary of its own
        entry.content_html,
        _links(entry),
        entry.categories,
    )


def _read_atom(data: bytes) -> Iterable[EntryView]:
    for item in etree.fromstring(data, _PARSER).iterfind(f"{_ATOM}entry"):
        links = [_link(link) for link in item.iterfind(f"{_ATOM}link")]
        yield EntryView(
            _text(item, f"{_ATOM}id"),
            _text(item, f"{_ATOM}title"),
            _date(_text(item, f"{_ATOM}published")),
            _text(item, f"{_ATOM}summary"),
            _text(item, f"{_ATOM}content"),
            tuple(sorted(links, key=lambda link: " " in link)),  # the alternate first
            tuple(c.get("term", "") for c in item.iterfind(f"{_ATOM}category")),
        )


def _read_rss(data: bytes) -> Iterable[EntryView]:
    for item in etree.fromstring(data, _PARSER).iterfind("channel/item"):
        links = [_text(item, "link"), *(_link(x) for x in item.iterfind(f"{_ATOM}link"))]
        yield EntryView(
            _text(item, "guid"),
            _text(item, "title"),
            _rss_date(_text(item, "pubDate")),
            _text(item, "description"),
            _text(item, _CONTENT),
            tuple(links),
            tuple(c.text or "" for c in item.iterfind("category")),
        )


def _read_json(data: bytes) -> Iterable[EntryView]:
    for item in json.loads(data)["items"]:
        extension = item.get("_feedpub") or {}
        via = (f"via {item['external_url']}",) if item.get("external_url") else ()
        related = tuple(_related(r["url"], r["title"]) for r in extension.get("related", ()))
        yield EntryView(
            str(item["id"]),
            str(item.get("title", "")),
            _date(str(item.get("date_published", ""))),
            str(item.get("summary", "")),
            str(item.get("content_html", "")),
            (str(item.get("url", "")), *via, *related),
            tuple(str(tag) for tag in item.get("tags", ())),
        )


def _text(element: Any, path: str) -> str:
    return str(element.findtext(path) or "")


def _link(element: Any) -> str:
    rel, href = element.get("rel", "alternate"), element.get("href", "")
    if rel == "related":
        return _related(str(href), str(element.get("title", "")))
    return str(href if rel == "alternate" else f"{rel} {href}")


def _date(value: datetime | str) -> str:
    """A date as UTC ISO text, whichever way a format wrote it; odd text as it is."""
    if isinstance(value, str):
        try:
            when = datetime.fromisoformat(value)
        except ValueError:
            return value
    else:
        when = value
    if when.tzinfo is None:
        return when.isoformat(sep=" ")
    return when.astimezone(UTC).isoformat(sep=" ")


def _rss_date(value: str) -> str:
    try:
        return _date(parsedate_to_datetime(value))
    except (ValueError, TypeError):
        return value


_VIEWS: dict[str, Callable[[Entry], EntryView]] = {
    "atom": _atom_view,
    "json": _json_view,
    "rss": _rss_view,
}
_READERS: dict[str, Callable[[bytes], Iterable[EntryView]]] = {
    "atom": _read_atom,
    "json": _read_json,
    "rss": _read_rss,
}


# --- Markdown for a pull-request comment ---------------------------------------------


def markdown(changes: Changes, limit: int = LIMIT) -> str:
    """The changes as Markdown: a heading and a `diff` block per feed, at most `limit`
    entries each, then one line for every other file.

    Every value is cut to one line with its control characters escaped, and sits in a
    code block behind a marker, so no title can close the block, mention someone or
    start a line of its own.
    """
    lines: list[str] = []
    for feed in changes.feeds:
        lines += _feed_block(feed, limit)
    if changes.others:
        lines.append(f"Also changed: {', '.join(escape_text(o) for o in changes.others)}.")
    if not lines:
        lines.append("No feed would change.")
    return "\n".join(lines) + "\n"


def _feed_block(feed: FeedDiff, limit: int) -> list[str]:
    counts = [
        f"{len(items)} {word}"
        for items, word in (
            (feed.added, "added"),
            (feed.removed, "removed"),
            (feed.changed, "changed"),
        )
        if items
    ]
    status = {"created": " (new feed)", "removed": " (feed removed)", "changed": ""}[feed.status]
    lines = [f"### {escape_text(feed.name)}{status}: {', '.join(counts) or 'no entry'}"]
    if feed.note:
        lines.append(f"Old entries unknown: {escape_text(feed.note)}.")
    rows = [
        *([("+", e, None) for e in feed.added]),
        *([("-", e, None) for e in feed.removed]),
        *([("!", new, old) for old, new in feed.changed]),
    ]
    if rows:
        lines.append("```diff")
        for mark, entry, old in rows[:limit]:
            lines.append(f"{mark} {_cut(entry.title, 60)}  <{_cut(entry.id, 100)}>")
            if old is not None:
                lines += _field_lines(old, entry)
        lines.append("```")
    if len(rows) > limit:
        lines.append(f"… and {len(rows) - limit} more")
    lines.append("")
    return lines


def _field_lines(old: EntryView, new: EntryView) -> list[str]:
    """Each field that differs, old then new, as `-` and `+` lines."""
    lines = []
    for name in COMPARED:
        before, after = getattr(old, name), getattr(new, name)
        if before == after:
            continue
        if isinstance(before, tuple):
            before, after = " ".join(before), " ".join(after)
        shown_before, shown_after = _excerpts(before, after)
        lines.append(f"-     {name}: {shown_before}")
        lines.append(f"+     {name}: {shown_after}")
    return lines


WIDTH = 72  # characters of a value shown


def _excerpts(old: str, new: str, width: int = WIDTH) -> tuple[str, str]:
    """Both values on one line each, cut to `width`; when a value is cut, both start
    shortly before their first difference, so the change stays in view."""
    old, new = _one_line(old), _one_line(new)
    if len(old) <= width and len(new) <= width:
        return old or "(none)", new or "(none)"
    same = 0
    for a, b in zip(old, new, strict=False):
        if a != b:
            break
        same += 1
    start = max(0, same - 20)
    return _window(old, start, width), _window(new, start, width)


def _window(text: str, start: int, width: int) -> str:
    if not text:
        return "(none)"
    part = text[start : start + width]
    return f"{'…' if start else ''}{part}{'…' if start + width < len(text) else ''}"


def _cut(text: str, width: int) -> str:
    return _window(_one_line(text), 0, width)


def _one_line(text: str) -> str:
    """`text` with runs of whitespace as one space and control characters escaped."""
    return escape_text(" ".join(text.split()))
