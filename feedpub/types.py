"""The values that move through the pipeline: records in, feeds out, problems beside.

Every type here is a frozen dataclass with no I/O, so stages can be tested alone and
their values cached or sent to worker processes. Every datetime is timezone-aware UTC.
"""

from __future__ import annotations

import copyreg
import operator
from dataclasses import MISSING, dataclass, fields
from datetime import datetime
from typing import Literal

from feedpub.errors import escape_text

Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True)
class Problem:
    """Something wrong with an input, located as precisely as we know."""

    path: str
    line: int | None
    field: str
    message: str
    severity: Severity = "error"

    def __str__(self) -> str:
        # The one place problems are printed: paths, keys and values come from input,
        # so each part is escaped and a problem is always one line of plain text.
        path = escape_text(self.path)
        where = f"{path}:{self.line}" if self.line else path
        kind = "warning: " if self.severity == "warning" else ""
        field = f" {escape_text(self.field)}:" if self.field else ""
        return f"{where}:{field} {kind}{escape_text(self.message)}"

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


@dataclass(frozen=True, slots=True)
class Image:
    """A picture of an item; width and height in pixels when known."""

    url: str
    width: int | None = None
    height: int | None = None


@dataclass(frozen=True, slots=True)
class Provider:
    """Who published an item. `domain` is normalised: lower case, IDNA, no `www.`."""

    name: str
    domain: str


@dataclass(frozen=True, slots=True)
class Related:
    """An item an article links to, published as an entry of its own.

    `published_at` is None when the record gives no date; grouping then uses the date
    of the article that mentions it.
    """

    title: str
    web_url: str
    published_at: datetime | None = None
    excerpt: str = ""
    type: str | None = None
    provider: Provider | None = None
    quality: int | None = None
    images: tuple[Image, ...] = ()


@dataclass(frozen=True, slots=True)
class Article:
    """One record file: an article with its related items. `secured` is never kept."""

    path: str
    title: str
    web_url: str
    published_at: datetime
    provider: Provider
    excerpt: str = ""
    original_url: str | None = None
    category: str | None = None
    type: str | None = None
    quality: int | None = None
    heat: int | None = None
    published: bool = True
    topics: tuple[str, ...] = ()
    related: tuple[Related, ...] = ()
    images: tuple[Image, ...] = ()
    body: str = ""  # Markdown, rendered by grouping only for the entries it publishes


# What grouping needs of one record (`feedpub.load.digest_of`), small enough to keep for
# a whole corpus, in plain tuples, which the record store keeps and decodes without a
# class to call: the article's URL key, timestamp, published, provider domain and name,
# topics, type, category, quality, and per related item (URL key, timestamp or None,
# provider domain and name or None).
DigestRow = tuple[
    int,
    float,
    bool,
    str,
    str,
    tuple[str, ...],
    str | None,
    str | None,
    int | None,
    tuple[tuple[int, float | None, str | None, str | None], ...],
]


@dataclass(frozen=True, slots=True)
class Link:
    """A link from one entry to another entry, with the other entry's title."""

    href: str
    title: str


@dataclass(frozen=True, slots=True)
class Entry:
    """One entry of a feed, the same in every feed that holds it."""

    id: str
    title: str
    link: str
    published_at: datetime
    updated_at: datetime
    summary: str = ""
    content_html: str = ""
    author: Provider | None = None
    categories: tuple[str, ...] = ()
    thumbnail: Image | None = None
    via: str | None = None
    related: tuple[Link, ...] = ()
    # The feed of each category, in the same order (`topics/ai`), when topics have feeds.
    topic_feeds: tuple[str, ...] = ()


FeedKind = Literal["all", "topic", "provider", "custom", "archive"]


@dataclass(frozen=True, slots=True)
class Feed:
    """A group of entries published under one name, e.g. `topics/ai`, or one archive
    page of such a group, e.g. `archives/topics/ai/3`."""

    name: str
    kind: FeedKind
    title: str
    description: str
    entries: tuple[Entry, ...]
    # RFC 5005 archives: an archive page names its subscription feed (`archive_of`);
    # both name the next older archive page (`prev_archive`).
    archive_of: str | None = None
    prev_archive: str | None = None

    @property
    def updated_at(self) -> datetime | None:
        """The newest entry's date: a feed's date never comes from the clock."""
        return max((e.updated_at for e in self.entries), default=None)

    @property
    def count(self) -> int:
        return len(self.entries)


@dataclass(frozen=True, slots=True)
class FeedSummary:
    """What the index and the OPML list say of a feed, without its entries."""

    name: str
    kind: FeedKind
    title: str
    description: str
    count: int
    updated_at: datetime | None


@dataclass(frozen=True, slots=True)
class BuildResult:
    """What a build read, found and wrote (or, when `checked_only`, would write).

    Paths are relative to the output folder.
    """

    problems: tuple[Problem, ...]
    records: int
    drafts: int
    skipped: int
    feeds: tuple[FeedSummary, ...] = ()
    created: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    checked_only: bool = False

    @property
    def is_current(self) -> bool:
        """True when the output folder already held exactly what the build wants."""
        return not (self.created or self.changed or self.removed)

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.is_error)

    @property
    def warnings(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if not p.is_error)


def _pickle_by_fields(cls: type) -> None:
    """Pickle a frozen dataclass as its constructor and field values.

    The state functions that `slots=True` adds are slow Python; records cross process
    boundaries and the record store by the hundred thousand.
    """
    values = operator.attrgetter(*(f.name for f in fields(cls)))
    copyreg.pickle(cls, lambda obj: (cls, values(obj)))


def _init_by_slots(cls: type) -> None:
    """Give a frozen dataclass with slots an `__init__` that fills each slot through its
    descriptor, with the same parameters and defaults as the one dataclass writes.

    That one calls `object.__setattr__` once a field, about seven times slower: records
    are made by the million, with their related items, providers, images and entries.
    The class stays frozen: assigning to a field still raises.
    """
    params, lines = [], []
    names: dict[str, object] = {}
    for f in fields(cls):
        assert f.init and f.default_factory is MISSING  # what this makes no room for
        names[f"_set_{f.name}"] = getattr(cls, f.name).__set__
        if f.default is MISSING:
            params.append(f.name)
        else:
            names[f"_default_{f.name}"] = f.default
            params.append(f"{f.name}=_default_{f.name}")
        lines.append(f"    _set_{f.name}(self, {f.name})")
    assert not hasattr(cls, "__post_init__")
    # Made from the class's own field names, as dataclasses makes its methods; no input.
    exec(f"def __init__(self, {', '.join(params)}):\n" + "\n".join(lines), names)
    init = names["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"  # type: ignore[attr-defined]
    type.__setattr__(cls, "__init__", init)


for _cls in (Problem, Image, Provider, Related, Article, Link, Entry):
    _pickle_by_fields(_cls)
    _init_by_slots(_cls)
