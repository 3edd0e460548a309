"""Records to feeds: everything, per topic, per provider, custom, with related items.

Every URL becomes one entry, whether it appears as an article, as a related item, or
both, and the entry is the same in every feed that holds it: its data come from the
article when there is one (else, field by field, from the related items that mention
it, in path order), and its links join both directions of every article-to-related
pair.

Grouping works in two steps so that memory follows the feeds, not the corpus:
`select` decides every feed's entries from the `DigestTable` of every record's digest,
keeping only the newest `max_items` candidates per feed in a bounded heap; `assemble`
then builds the full entries of one feed at a time from the few records they come from,
in two halves a worker process can take apart: `recipe` says which records and items
each entry comes from (numbers and names, no I/O), and `cook` builds the entries from
those records' articles.

`select` runs in phases, each a function below it: pick each URL's article, group the
related items by URL, name topics and providers, offer related items and articles to
the feeds' candidates, make the feeds' specs (`FEED_KINDS`: one path, title and
description template for each kind of feed), order each feed's entries (the URLs of
entries whose dates tie are fetched first, in batches: ordering itself does no I/O),
cut plans and archive pages, and trace where each chosen entry's data come from.
"""

from __future__ import annotations

import hashlib
import heapq
import math
import re
import unicodedata
from array import array
from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from itertools import pairwise
from sys import intern
from typing import NamedTuple

from feedpub.config import Config, CustomFeed
from feedpub.load import render_markdown, topic_key
from feedpub.table import DRAFT, NONE, PUBLISHED, DigestTable, sort_by_key
from feedpub.types import (
    Article,
    DigestRow,
    Entry,
    Feed,
    FeedKind,
    FeedSummary,
    Link,
    Problem,
    Related,
)

_NOT_SLUG = re.compile(r"[^a-z0-9]+")
_MAX_SLUG = 80
# Names Windows will not give a file, whatever the extension.
_RESERVED = {"con", "prn", "aux", "nul"} | {f"{d}{i}" for d in ("com", "lpt") for i in range(10)}


def slugify(name: str) -> str:
    """A lower-case ASCII, filesystem-safe form of `name`; empty when nothing is left."""
    # casefold first: "Straße" is "strasse", not "strae".
    text = unicodedata.normalize("NFKD", name.casefold()).encode("ascii", "ignore").decode("ascii")
    slug = _NOT_SLUG.sub("-", text.lower()).strip("-")[:_MAX_SLUG].rstrip("-")
    return f"{slug}-feed" if slug in _RESERVED else slug


def assign_slugs(names: dict[str, str], kind: str) -> tuple[dict[str, str], dict[str, str]]:
    """A unique slug for each key of `names` (key -> display name), and a warning per
    key whose slug had to be made up.

    Where names share a slug, the shortest name (then the first in order) keeps it and
    the others get a suffix from a hash of their key, so adding a longer colliding
    name never moves an existing feed.
    """
    by_slug: dict[str, list[str]] = defaultdict(list)
    for key, name in names.items():
        by_slug[slugify(name)].append(key)
    slugs: dict[str, str] = {}
    warnings: dict[str, str] = {}
    for slug, keys in by_slug.items():
        keys.sort(key=lambda k: (len(names[k]), names[k], k))
        for i, key in enumerate(keys):
            if slug and i == 0:
                slugs[key] = slug
                continue
            digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:8]
            # slugify never gives "--", so a made-up slug cannot be another name's own.
            slugs[key] = f"{slug or 'x'}--{digest}"
            why = (
                f"has the same slug as {names[keys[0]]!r}"
                if slug
                else "has no letters or digits for a file name"
            )
            warnings[key] = f"{kind} {names[key]!r} {why}; its feeds are named {slugs[key]!r}"
    return slugs, warnings


FeedKey = tuple[str, ...]  # ("all",), ("topic", key), ("provider", domain), ("custom", name)
Fetch = Callable[[Iterable[int]], dict[int, Article]]
Ref = tuple[int, int]  # (record, item): item -1 is the record's article, else a related item
TopicKeys = dict[int, tuple[str, ...]]  # topic list (its index in the table) -> its topics' keys


class _Templates(NamedTuple):
    path: str
    title: str
    description: str


# Every kind of feed, named by templates as Pelican names its feeds: {site} is the site's
# title, {slug} the group's slug, {name} its display name, {domain} a provider's domain;
# an archive page takes its feed's {feed} path, {title} and {description}.
FEED_KINDS: dict[FeedKind, _Templates] = {
    "all": _Templates("all", "{site}", "Every article published on {site}"),
    "topic": _Templates("topics/{slug}", "{site}: {name}", "Articles about {name} on {site}"),
    "provider": _Templates(
        "providers/{slug}", "{site}: {name}", "Articles from {name} ({domain}) on {site}"
    ),
    "custom": _Templates("custom/{slug}", "{name}", "{name} on {site}"),
    "archive": _Templates(
        "archives/{feed}/{number}", "{title} (archive {number})", "{description}"
    ),
}


@dataclass(frozen=True, slots=True)
class FeedSpec:
    """One feed to publish: its key among the candidates, names and entry limit."""

    key: FeedKey
    kind: FeedKind
    path: str
    title: str
    description: str
    limit: int

    @classmethod
    def of(
        cls, kind: FeedKind, key: FeedKey, limit: int, description: str | None = None, **values: str
    ) -> FeedSpec:
        """The spec `FEED_KINDS` gives for a feed of `kind` with these template values."""
        templates = FEED_KINDS[kind]
        return cls(
            key,
            kind,
            templates.path.format(**values),
            templates.title.format(**values),
            description or templates.description.format(**values),
            limit,
        )


@dataclass(frozen=True, slots=True)
class Plan:
    """One feed (or archive page) to publish: its names and its entries' URL keys."""

    name: str
    kind: FeedKind
    title: str
    description: str
    keys: tuple[int, ...]  # newest first
    updated_at: datetime | None
    archive_of: str | None = None
    prev_archive: str | None = None

    def summary(self) -> FeedSummary:
        return FeedSummary(
            self.name, self.kind, self.title, self.description, len(self.keys), self.updated_at
        )


@dataclass(slots=True)
class Source:
    """Where a selected entry's data come from: its article and the mentions of it."""

    article: int | None  # record index
    mentions: list[Ref] = field(default_factory=list)  # in record order


@dataclass(slots=True)
class Selection:
    """Every feed's entries, chosen from digests; `assemble` turns a plan into a Feed."""

    plans: list[Plan]
    problems: list[Problem]
    drafts: int
    duplicates: int
    topic_names: dict[str, str]
    topic_feeds: dict[str, str]  # topic key -> its feed's name, when topics are published
    sources: dict[int, Source]  # by URL key
    own_related: dict[int, tuple[int, ...]]  # article -> the keys it lists as related
    article_keys: dict[int, int]  # record index -> its article's key, for mentioning records
    article_topics: dict[int, tuple[str, ...]]  # record index -> its article's topics

    def agrees_with(self, table: DigestTable, config: Config) -> bool:
        """True when every record, item and key this selection names is where `table`
        has it, in a record it may publish, every entry's links and topics lead to
        what it traced, and its plans and problems are ones `select` could give under
        `config`: a selection kept from an earlier build (see `ledger`) is used only
        then."""
        sources, key_of = self.sources, table.key
        states = (PUBLISHED, DRAFT) if config.include_drafts else (PUBLISHED,)
        if not _problems_agree(self.problems, config) or not _plans_agree(self.plans, config):
            return False
        if not all(_source_agrees(key, s, table, states) for key, s in sources.items()):
            return False
        selected = {key for plan in self.plans for key in plan.keys}
        if not selected <= sources.keys():
            return False
        topic_lists: set[int] = set()
        for key in selected:
            source = sources[key]
            for record, _ in source.mentions:  # the entry links to each mentioning article
                if self.article_keys.get(record) != key_of[record] or key_of[record] not in sources:
                    return False
            if source.article is not None:
                if not self._related_agrees(key, source.article, table):
                    return False
                topic_lists.add(table.topics[source.article])
        return all(self._topics_agree(table.topic_lists[i]) for i in topic_lists)

    def _related_agrees(self, key: int, record: int, table: DigestTable) -> bool:
        """True when the related keys and topics kept for article `record` are the
        table's, and every related entry was traced."""
        related = tuple(table.mention_key[p] for p in table.mentions(record))
        return (
            self.own_related.get(key) == related
            and all(target in self.sources for target in related)
            and self.article_topics.get(record) == table.topic_lists[table.topics[record]]
        )

    def _topics_agree(self, topics: tuple[str, ...]) -> bool:
        """True when every topic of `topics` has its name, and its feed if topics have
        feeds."""
        feeds = self.topic_feeds
        return all(
            k in self.topic_names and (not feeds or k in feeds) for k in map(topic_key, topics)
        )

    def contributors(self, key: int) -> set[int]:
        """The records whose content shapes the entry for `key`: for fingerprints."""
        source = self.sources[key]
        records = {i for i, _ in source.mentions}
        if source.article is not None:
            records.add(source.article)
        for target in self.links(key):
            target_source = self.sources[target]
            records.add(
                target_source.article
                if target_source.article is not None
                else target_source.mentions[0][0]
            )
        return records

    def links(self, key: int) -> list[int]:
        """The keys an entry links to, in the order the records give them."""
        source = self.sources[key]
        # In record order: the article's own related items where it stands (item -1),
        # and each article that mentions this one where that article stands.
        events = list(source.mentions)
        if source.article is not None:
            events.append((source.article, -1))
        ordered: dict[int, None] = {}
        for record, item in sorted(events):
            if record == source.article and item == -1:
                for target in self.own_related.get(key, ()):
                    if target != key:
                        ordered[target] = None
            else:
                ordered[self.article_keys[record]] = None
        return list(ordered)


def _problems_agree(problems: list[Problem], config: Config) -> bool:
    """True when `problems` are warnings that cannot stop the build: like a record's
    problems (`Records.confirm`), one that would stop it is never taken from a store,
    where it could be planted."""
    return not (config.strict and problems) and all(p.severity == "warning" for p in problems)


_SLUG = re.compile(r"[a-z0-9-]{1,100}\Z")  # what `slugify` and custom feed names give
_PAGE_NUMBER = re.compile(r"[1-9][0-9]{0,8}\Z")


def _plans_agree(plans: list[Plan], config: Config) -> bool:
    """True when every plan has a name `FEED_KINDS` gives its kind (so no file it names
    is outside the output folder, too long, or where another feed has a folder), a
    name of its own, and distinct entries no more than its feed's limit: a kept
    selection says which files a build writes and how big they are."""
    limits = {FEED_KINDS["custom"].path.format(slug=c.name): c.max_items for c in config.feeds}
    mains = {p.name for p in plans if p.kind != "archive" and _is_feed_name(p, limits)}
    names: set[str] = set()
    for plan in plans:
        if plan.kind == "archive":
            shaped, limit = config.archives and _is_page(plan, mains), config.archive_page_size
        else:
            shaped = plan.name in mains and _is_page_of(plan.prev_archive, plan.name)
            limit = limits.get(plan.name) or config.max_items
        keys = plan.keys
        if not shaped or plan.name in names or not 0 < len(keys) <= limit:
            return False
        if len(set(keys)) != len(keys):
            return False
        names.add(plan.name)
    return True


def _is_feed_name(plan: Plan, custom: Collection[str]) -> bool:
    """True when `plan` (not an archive page) has the path its kind's template gives."""
    slug = plan.name.rpartition("/")[2]
    return (
        plan.archive_of is None
        and _SLUG.match(slug) is not None
        and FEED_KINDS[plan.kind].path.format(slug=slug) == plan.name
        and (plan.kind != "custom" or plan.name in custom)
    )


def _is_page(plan: Plan, feeds: Collection[str]) -> bool:
    """True when archive page `plan` is a numbered page of one of `feeds` that names
    the page before it as `_archive_page` does."""
    feed = plan.archive_of
    if feed is None or feed not in feeds or not _is_page_of(plan.name, feed):
        return False
    before = int(plan.name.rpartition("/")[2]) - 1
    path = FEED_KINDS["archive"].path
    return plan.prev_archive == (path.format(feed=feed, number=before) if before else None)


def _is_page_of(name: str | None, feed: str) -> bool:
    """True when `name` is None or the name of a numbered archive page of `feed`."""
    if name is None:
        return True
    number = name.rpartition("/")[2]
    path = FEED_KINDS["archive"].path
    return _PAGE_NUMBER.match(number) is not None and name == path.format(feed=feed, number=number)


def _source_agrees(key: int, source: Source, table: DigestTable, states: Collection[int]) -> bool:
    """True when `source`'s article and mentions are records of `table` in one of
    `states` that hold `key`, the mentions each once, in record order (as traced:
    a mention listed again would be built again for every entry that links here)."""
    rows, first, state = len(table), table.first_mention, table.state
    article = source.article
    if article is None:
        if not source.mentions:
            return False
    elif not (0 <= article < rows and state[article] in states and table.key[article] == key):
        return False
    if not all(a < b for a, b in pairwise(source.mentions)):
        return False
    return all(
        0 <= record < rows
        and state[record] in states
        and 0 <= item < first[record + 1] - first[record]
        and table.mention_key[first[record] + item] == key
        for record, item in source.mentions
    )


_Candidate = tuple[float, int, Ref]  # (timestamp, URL key, where its URL is)


class _Candidates:
    """The newest `limit` entries of one feed (all of them when `limit` is None), and
    every entry whose date ties the oldest of them: only their URLs can tell which are
    kept, and those are fetched later, in batches, so that ordering never does I/O.

    `floor` is the timestamp an entry must reach to be kept: most entries of a large
    corpus fall below it, and the caller skips them without a call.
    """

    __slots__ = ("floor", "heap", "limit", "ties")

    def __init__(self, limit: int | None) -> None:
        self.limit = limit
        # A min-heap by timestamp; keys are unique within a feed, so refs are never compared.
        self.heap: list[_Candidate] = []
        self.ties: list[_Candidate] = []  # left out of a full heap at its floor's timestamp
        self.floor = -math.inf

    def offer(self, timestamp: float, key: int, ref: Ref) -> None:
        heap = self.heap
        if self.limit is None or len(heap) < self.limit:
            heapq.heappush(heap, (timestamp, key, ref))
            if len(heap) == self.limit:
                self.floor = heap[0][0]
        elif timestamp > self.floor:
            dropped = heapq.heapreplace(heap, (timestamp, key, ref))
            if heap[0][0] == dropped[0]:
                self.ties.append(dropped)
            else:  # the floor rose above every tie
                self.ties.clear()
                self.floor = heap[0][0]
        elif timestamp == self.floor:
            self.ties.append((timestamp, key, ref))

    def tied(self) -> list[Ref]:
        """The entries whose dates tie another's: their URLs decide their order."""
        entries = self.heap + self.ties
        counts = Counter(timestamp for timestamp, _, _ in entries)
        return [ref for timestamp, _, ref in entries if counts[timestamp] > 1]

    def newest_first(self, urls: dict[Ref, str]) -> list[tuple[float, int]]:
        """The kept entries, newest first, ties by URL (`urls` holds every `tied` one)."""
        entries = sorted(self.heap + self.ties, key=lambda e: (-e[0], urls.get(e[2], "")))
        return [(timestamp, key) for timestamp, key, _ in entries[: self.limit]]


@dataclass(slots=True)
class _Articles:
    """The records whose articles are published: the first record of each URL."""

    is_article: bytearray  # by record
    keys: array[int]  # their URL keys, sorted
    records: array[int]  # the record of each key
    dropped: list[tuple[int, int]]  # (a skipped record, the record used for its URL)
    drafts: int

    def record_of(self, key: int) -> int | None:
        at = bisect_left(self.keys, key)
        return self.records[at] if at < len(self.keys) and self.keys[at] == key else None

    def in_path_order(self) -> Iterator[int]:
        return (index for index, flag in enumerate(self.is_article) if flag)


@dataclass(slots=True)
class _Mentions:
    """The related items articles give of other URLs: positions in the table's mention
    columns, grouped by URL, in record order within."""

    owner: array[int]  # the record of every mention in the table
    order: array[int]
    mention_key: array[int]  # the table's: `order` is sorted by it (no copy in order)

    def of(self, key: int) -> array[int]:
        order, key_of = self.order, self.mention_key.__getitem__
        start = bisect_left(order, key, key=key_of)
        return order[start : bisect_right(order, key, start, key=key_of)]

    def runs(self) -> Iterator[tuple[int, int, int]]:
        """(key, start, stop) of each URL's mentions in `order`, by key."""
        order, keys, start, end = self.order, self.mention_key, 0, len(self.order)
        while start < end:
            key = keys[order[start]]
            stop = start + 1
            if stop < end and keys[order[stop]] == key:  # most URLs are mentioned once
                stop = bisect_right(order, key, stop, key=keys.__getitem__)
            yield key, start, stop
            start = stop


@dataclass(slots=True)
class Names:
    """The names of topics, and the record each topic and provider is reported at."""

    topic_names: dict[str, str]  # topic key -> its first spelling in sort order
    topic_path: dict[str, str]  # topic key -> the first record that names it
    topic_keys: TopicKeys
    provider_path: dict[str, str]  # domain -> the first record that names it


def select(table: DigestTable, paths: Sequence[str], config: Config, fetch: Fetch) -> Selection:
    """Choose every feed's entries from the records' digests.

    Works on URL keys and small tables of names; `fetch` brings back, in batches, the
    articles of the entries whose dates tie, for their URLs decide the order.
    """
    articles = _pick_articles(table, config.include_drafts)
    mentions = _group_mentions(table, articles)
    names = _name_groups(table, paths, articles, mentions)
    offers = _Offers(table, config, names.topic_keys)
    mentioned_articles = _offer_related(table, articles, mentions, offers)
    _offer_articles(table, articles, offers, mentioned_articles)
    specs, topic_feeds, slug_warnings = feed_specs(config, names, offers.provider_names)
    chosen = _choose(
        {s.key: offers.candidates[s.key] for s in specs if s.key in offers.candidates}, fetch
    )
    plans = [
        plan
        for spec in specs
        if spec.key in chosen
        for plan in plans_of(spec, chosen[spec.key], config)
    ]
    sources, own_related, article_keys = _trace_sources(table, articles, mentions, plans)
    return Selection(
        plans=plans,
        problems=[*duplicate_warnings(sorted(articles.dropped), paths), *slug_warnings],
        drafts=articles.drafts,
        duplicates=len(articles.dropped),
        topic_names=names.topic_names,
        topic_feeds=topic_feeds,
        sources=sources,
        own_related=own_related,
        article_keys=article_keys,
        article_topics={
            s.article: table.topic_lists[table.topics[s.article]]
            for s in sources.values()
            if s.article is not None
        },
    )


def _pick_articles(table: DigestTable, include_drafts: bool) -> _Articles:
    """The first record (in path order) of each URL is its article; the rest are skipped."""
    keys = table.key
    # Sorting by key (stable: path order within) puts each URL's records side by side.
    by_key = sort_by_key(table.records_to_publish(include_drafts), keys)
    is_article = bytearray(len(table))
    sorted_keys, records = array("Q"), array("i")
    dropped: list[tuple[int, int]] = []
    for index in by_key:
        key = keys[index]
        if sorted_keys and sorted_keys[-1] == key:
            dropped.append((index, records[-1]))
            continue
        is_article[index] = 1
        sorted_keys.append(key)
        records.append(index)
    drafts = 0 if include_drafts else table.state.count(DRAFT)
    return _Articles(is_article, sorted_keys, records, dropped, drafts)


def duplicate_warnings(dropped: Iterable[tuple[int, int]], paths: Sequence[str]) -> list[Problem]:
    """A warning for each (record left out, record used for its URL), in that order."""
    return [
        Problem(
            paths[index],
            None,
            "webUrl",
            f"same webUrl as {paths[first]}, which is used; this record is skipped",
            "warning",
        )
        for index, first in dropped
    ]


def _group_mentions(table: DigestTable, articles: _Articles) -> _Mentions:
    """The mentions of other URLs by articles, grouped by URL, in record order within."""
    owner = table.mention_owners()
    is_article, keys, mention_key = articles.is_article, table.key, table.mention_key
    wanted = (
        position
        for position, (record, key) in enumerate(zip(owner, mention_key, strict=True))
        if is_article[record] and key != keys[record]
    )
    order = sort_by_key(wanted, mention_key)  # stable: record order within
    return _Mentions(owner, order, mention_key)


def _name_groups(
    table: DigestTable, paths: Sequence[str], articles: _Articles, mentions: _Mentions
) -> Names:
    """A topic's name is its first spelling in sort order, wherever it is used; topics
    and providers are reported at the first record that names them."""
    names = Names({}, {}, {}, {})
    first_named: dict[int, int] = {}  # domain -> the first article that names it
    for index in articles.in_path_order():
        topics = table.topics[index]
        if topics not in names.topic_keys:
            spellings = table.topic_lists[topics]
            keys = names.topic_keys[topics] = tuple(intern(topic_key(n)) for n in spellings)
            for name, topic in zip(spellings, keys, strict=True):
                names.topic_names[topic] = min(names.topic_names.get(topic, name), name)
                names.topic_path.setdefault(topic, paths[index])
        first_named.setdefault(table.domain[index], index)
    # Every related item of an article names its provider, even one that is the
    # article itself.
    nobody, is_article = len(table), articles.is_article
    for mentioner, domain_id in zip(mentions.owner, table.mention_domain, strict=True):
        named_first = first_named.get(domain_id, nobody)
        if is_article[mentioner] and domain_id != NONE and named_first > mentioner:
            first_named[domain_id] = mentioner
    names.provider_path = {table.strings[d]: paths[i] for d, i in first_named.items()}
    return names


class _Offers:
    """The candidates of every feed, and the names of the providers offered to."""

    def __init__(self, table: DigestTable, config: Config, topic_keys: TopicKeys) -> None:
        self.table, self.config = table, config
        self.candidates: dict[FeedKey, _Candidates] = {}
        self.related_customs = {c.name for c in config.feeds if c.include_related}
        self.provider_names: dict[str, str] = {}  # domain -> the least name it is given
        self.all = self.feed(("all",))
        # Candidate lists looked up once per topic list and provider, not per entry.
        self.topics = {
            tid: tuple(self.feed(("topic", k)) for k in keys) for tid, keys in topic_keys.items()
        }
        self._providers: dict[tuple[int, int], _Candidates] = {}  # by (domain, name)

    def feed(self, key: FeedKey) -> _Candidates:
        found = self.candidates.get(key)
        if found is None:
            found = self.candidates[key] = _Candidates(candidate_limit(self.config, key))
        return found

    def provider(self, domain_id: int, name_id: int) -> _Candidates:
        """The feed of a provider, which learns the name it is given."""
        found = self._providers.get((domain_id, name_id))
        if found is None:
            domain, name = self.table.strings[domain_id], self.table.strings[name_id]
            self.provider_names[domain] = min(self.provider_names.get(domain, name), name)
            found = self._providers[domain_id, name_id] = self.feed(("provider", domain))
        return found

    def customs(self, index: int, related: bool = False) -> list[_Candidates]:
        """The custom feeds the record's article passes (with `related`, the feeds of
        those that take its related items)."""
        return [
            self.feed(("custom", c.name))
            for c in self.config.feeds
            if (not related or c.name in self.related_customs) and matches(self.table, index, c)
        ]


def candidate_limit(config: Config, key: FeedKey) -> int | None:
    """How many of its newest entries a feed keeps (None: every one, for archives)."""
    if config.archives:
        return None
    if key[0] == "custom":
        return next(c.max_items for c in config.feeds if c.name == key[1]) or config.max_items
    return config.max_items


def _offer(feeds: Iterable[_Candidates], timestamp: float, key: int, ref: Ref) -> None:
    for candidates in feeds:
        if timestamp >= candidates.floor:
            candidates.offer(timestamp, key, ref)


def _offer_related(
    table: DigestTable, articles: _Articles, mentions: _Mentions, offers: _Offers
) -> dict[int, Collection[_Candidates]]:
    """Offer each related item to `all`, its provider's feed and the feeds of the articles
    that mention it; give those feeds for the related items that are articles too."""
    mentioned_articles: dict[int, Collection[_Candidates]] = {}
    order, owner, first_mention = mentions.order, mentions.owner, table.first_mention
    topics_of, article_keys, at = table.topics, articles.keys, 0
    for key, start, stop in mentions.runs():
        # Walk beside the sorted article keys, rather than search them for every URL.
        while at < len(article_keys) and article_keys[at] < key:
            at += 1
        first = order[start]
        mentioner = owner[first]
        targets: Collection[_Candidates]
        if stop - start == 1 and not offers.config.feeds:
            # One mention, the usual case: its date (else its article's) and provider.
            targets = offers.topics[topics_of[mentioner]]
            timestamp = table.mention_time(first, mentioner)
            domain_id, name_id = table.mention_domain[first], table.mention_name[first]
        else:
            group = order[start:stop]
            targets = _mentioners_feeds(group, owner, offers)
            timestamp, domain_id, name_id = _merged_meta(group, table, owner)
        if at < len(article_keys) and article_keys[at] == key:
            # Kept as they are: mostly a topic list's tuple, which all its articles share.
            mentioned_articles[key] = targets
            continue
        if domain_id != NONE and name_id != NONE:
            targets = (*targets, offers.all, offers.provider(domain_id, name_id))
        else:
            targets = (*targets, offers.all)
        _offer(targets, timestamp, key, (mentioner, first - first_mention[mentioner]))
    return mentioned_articles


def _mentioners_feeds(group: array[int], owner: array[int], offers: _Offers) -> set[_Candidates]:
    """The feeds of every article that mentions a URL, which its related item joins."""
    feeds: set[_Candidates] = set()
    for position in group:
        index = owner[position]
        feeds.update(offers.topics[offers.table.topics[index]])
        if offers.config.feeds:
            feeds.update(offers.customs(index, related=True))
    return feeds


def _offer_articles(
    table: DigestTable,
    articles: _Articles,
    offers: _Offers,
    mentioned_articles: dict[int, Collection[_Candidates]],
) -> None:
    """Offer each article to `all`, its provider's and topics' feeds, the custom feeds it
    passes and the feeds of the articles that mention it."""
    keys, topics_of, timestamps = table.key, table.topics, table.timestamp
    for index in articles.in_path_order():
        key = keys[index]
        own = offers.provider(table.domain[index], table.name[index])
        offered: Iterable[_Candidates] = (offers.all, own, *offers.topics[topics_of[index]])
        if offers.config.feeds or key in mentioned_articles:
            offered = {*offered, *mentioned_articles.get(key, ()), *offers.customs(index)}
        _offer(offered, timestamps[index], key, (index, -1))


def feed_specs(
    config: Config, names: Names, provider_names: dict[str, str]
) -> tuple[list[FeedSpec], dict[str, str], list[Problem]]:
    """Every feed to publish (all, topics, providers, custom), the feed of each topic,
    and warnings about made-up slugs, only for the groupings that are published."""
    site, limit = config.title, config.max_items
    specs = [FeedSpec.of("all", ("all",), limit, config.description, site=site)]
    problems: list[Problem] = []
    topic_feeds: dict[str, str] = {}
    if "topic" in config.group_by:
        slugs, warnings = assign_slugs(names.topic_names, "topic")
        problems += (
            Problem(names.topic_path[k], None, "topics", w, "warning") for k, w in warnings.items()
        )
        topics = [
            FeedSpec.of("topic", ("topic", k), limit, site=site, name=name, slug=slugs[k])
            for k, name in names.topic_names.items()
        ]
        specs += sorted(topics, key=lambda spec: spec.path)
        topic_feeds = {spec.key[1]: spec.path for spec in topics}
    if "provider" in config.group_by:
        slugs, warnings = assign_slugs({d: d for d in provider_names}, "provider domain")
        problems += (
            Problem(names.provider_path.get(k, ""), None, "provider.domain", w, "warning")
            for k, w in warnings.items()
        )
        providers = [
            FeedSpec.of(
                "provider", ("provider", d), limit, site=site, name=n, slug=slugs[d], domain=d
            )
            for d, n in provider_names.items()
        ]
        specs += sorted(providers, key=lambda spec: spec.path)
    specs += (
        FeedSpec.of(
            "custom",
            ("custom", c.name),
            c.max_items or limit,
            c.description,
            site=site,
            name=c.title,
            slug=c.name,
        )
        for c in config.feeds
    )
    return specs, topic_feeds, problems


def _choose(
    feeds: dict[FeedKey, _Candidates], fetch: Fetch
) -> dict[FeedKey, list[tuple[float, int]]]:
    """Each feed's entries, newest first: the URLs of the entries whose dates tie are
    fetched first, in batches, so that ordering needs no I/O."""
    urls = _entry_urls((ref for candidates in feeds.values() for ref in candidates.tied()), fetch)
    return {key: candidates.newest_first(urls) for key, candidates in feeds.items()}


_FETCH_BATCH = 1000  # records fetched at once: few calls, and bounded memory


def _entry_urls(refs: Iterable[Ref], fetch: Fetch) -> dict[Ref, str]:
    """The URL of each entry `refs` locates, from its record."""
    items: dict[int, set[int]] = defaultdict(set)  # record -> its items wanted
    for record, item in refs:
        items[record].add(item)
    records = sorted(items)
    urls: dict[Ref, str] = {}
    for start in range(0, len(records), _FETCH_BATCH):
        batch = records[start : start + _FETCH_BATCH]
        fetched = fetch(batch)
        for record in batch:
            article = fetched[record]
            for item in items[record]:
                urls[record, item] = article.web_url if item < 0 else article.related[item].web_url
    return urls


def _trace_sources(
    table: DigestTable, articles: _Articles, mentions: _Mentions, plans: list[Plan]
) -> tuple[dict[int, Source], dict[int, tuple[int, ...]], dict[int, int]]:
    """Where the chosen entries' data come from (by key), the keys each chosen article
    lists as related, and the key of each record that mentions one."""
    selected = {key for plan in plans for key in plan.keys}
    own_related: dict[int, tuple[int, ...]] = {}
    for key in selected:
        record = articles.record_of(key)
        if record is not None:
            own_related[key] = tuple(table.mention_key[p] for p in table.mentions(record))
    needed = selected | {t for targets in own_related.values() for t in targets}
    owner, first_mention = mentions.owner, table.first_mention
    sources = {key: Source(articles.record_of(key)) for key in needed}
    for key, source in sources.items():
        source.mentions = [(owner[p], p - first_mention[owner[p]]) for p in mentions.of(key)]
    # The articles that mention a chosen entry are link targets too (titles only).
    for key in selected:
        for index, _ in sources[key].mentions:
            sources.setdefault(table.key[index], Source(index))
    article_keys = {i: table.key[i] for s in sources.values() for i, _ in s.mentions}
    return sources, own_related, article_keys


class EntryRecipe(NamedTuple):
    """How to build one entry from its records' articles: plain numbers and names, so
    that a worker process can build it from the articles alone."""

    article: int | None  # the record of the entry's article, if it has one
    mentions: tuple[Ref, ...]  # else the related items that mention it, in path order
    links: tuple[Ref, ...]  # where each entry it links to has its URL and title
    categories: tuple[str, ...]  # an article's topic names, and their feeds
    topic_feeds: tuple[str, ...]


class FeedRecipe(NamedTuple):
    """A plan with the recipe of each of its entries and the records they need."""

    plan: Plan
    entries: tuple[EntryRecipe, ...]
    records: tuple[int, ...]  # sorted


def recipe(plan: Plan, selection: Selection) -> FeedRecipe:
    """What `cook` needs to build a plan's feed, from the selection alone (no I/O)."""
    records: set[int] = set()
    for key in plan.keys:
        records |= selection.contributors(key)
    entries = tuple(_entry_recipe(key, selection) for key in plan.keys)
    return FeedRecipe(plan, entries, tuple(sorted(records)))


def _entry_recipe(key: int, selection: Selection) -> EntryRecipe:
    links = tuple(_link_ref(target, selection) for target in selection.links(key))
    source = selection.sources[key]
    if source.article is None:
        return EntryRecipe(None, tuple(source.mentions), links, (), ())
    topic_keys = [topic_key(t) for t in selection.article_topics[source.article]]
    feeds = selection.topic_feeds
    return EntryRecipe(
        source.article,
        (),
        links,
        tuple(selection.topic_names[k] for k in topic_keys),
        tuple(feeds[k] for k in topic_keys) if feeds else (),
    )


def _link_ref(key: int, selection: Selection) -> Ref:
    source = selection.sources[key]
    return (source.article, -1) if source.article is not None else source.mentions[0]


def cook(feed: FeedRecipe, articles: dict[int, Article]) -> Feed:
    """The feed a recipe describes, built from the `articles` of its records."""
    plan = feed.plan
    return Feed(
        plan.name,
        plan.kind,
        plan.title,
        plan.description,
        tuple(_entry(entry, articles) for entry in feed.entries),
        archive_of=plan.archive_of,
        prev_archive=plan.prev_archive,
    )


def assemble(plan: Plan, selection: Selection, fetch: Fetch) -> Feed:
    """The feed a plan describes, with every entry built from its records."""
    feed = recipe(plan, selection)
    return cook(feed, fetch(feed.records))


def _entry(entry: EntryRecipe, articles: dict[int, Article]) -> Entry:
    links = tuple(_link(ref, articles) for ref in entry.links)
    if entry.article is not None:
        return _article_entry(articles[entry.article], links, entry)
    mentions = [(articles[i].related[j], articles[i]) for i, j in entry.mentions]
    return _related_entry(merge_related(mentions), links)


def _link(ref: Ref, articles: dict[int, Article]) -> Link:
    record, item = ref
    article = articles[record]
    if item < 0:
        return Link(article.web_url, article.title)
    related = article.related[item]
    return Link(related.web_url, related.title)


def _merged_meta(
    group: array[int], table: DigestTable, owner: array[int]
) -> tuple[float, int, int]:
    """A related item's date and provider (domain and name indexes) from its mentions,
    as merge_related has them."""
    timestamp = None
    domain = name = NONE
    for position in group:
        if timestamp is None:
            timestamp = table.mention_date(position)
        if domain == NONE and table.mention_domain[position] != NONE:
            domain, name = table.mention_domain[position], table.mention_name[position]
    if timestamp is None:
        timestamp = table.timestamp[owner[group[0]]]
    return timestamp, domain, name


def plans_of(spec: FeedSpec, chosen: list[tuple[float, int]], config: Config) -> list[Plan]:
    """A feed of the newest `spec.limit` entries and, with archives on, its archive pages.

    Archive pages are cut by count from the oldest entry, so a full page never changes
    when newer entries arrive (RFC 5005 section 4).
    """
    if not chosen:
        return []
    older = chosen[spec.limit :] if config.archives else []
    oldest_first = older[::-1]
    size = config.archive_page_size
    pages = [
        _archive_page(spec, oldest_first[start : start + size][::-1], start // size + 1)
        for start in range(0, len(oldest_first), size)
    ]
    current = chosen[: spec.limit]
    return [
        Plan(
            spec.path,
            spec.kind,
            spec.title,
            spec.description,
            tuple(key for _, key in current),
            _date(current[0][0]),
            prev_archive=pages[-1].name if pages else None,
        ),
        *pages,
    ]


def _archive_page(spec: FeedSpec, page: list[tuple[float, int]], number: int) -> Plan:
    """Archive page `number` (1 is the oldest) of a feed, holding `page`, newest first."""
    templates = FEED_KINDS["archive"]
    return Plan(
        templates.path.format(feed=spec.path, number=number),
        "archive",
        templates.title.format(title=spec.title, number=number),
        templates.description.format(description=spec.description),
        tuple(key for _, key in page),
        _date(page[0][0]),
        archive_of=spec.path,
        prev_archive=templates.path.format(feed=spec.path, number=number - 1)
        if number > 1
        else None,
    )


def _date(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, UTC)


def matches(table: DigestTable, index: int, feed: CustomFeed) -> bool:
    """True when the record's article passes every filter the custom feed sets."""
    return _passes(
        feed,
        table.topic_lists[table.topics[index]],
        table.strings[table.domain[index]],
        table.text(table.type[index]),
        table.text(table.category[index]),
        table.get_quality(index),
        table.timestamp[index],
    )


def passes(digest: DigestRow, feed: CustomFeed) -> bool:
    """`matches` for one record's digest (grouping on a cluster: `feedpub.spread`)."""
    _, timestamp, _, domain, _, topics, kind, category, quality, _ = digest
    return _passes(feed, topics, domain, kind, category, quality, timestamp)


def _passes(
    feed: CustomFeed,
    topics: tuple[str, ...],
    domain: str,
    kind: str | None,
    category: str | None,
    quality: int | None,
    timestamp: float,
) -> bool:
    return (
        (not feed.topics or any(topic_key(t) in feed.topics for t in topics))
        and (not feed.providers or domain in feed.providers)
        and (not feed.types or kind in feed.types)
        and (feed.category is None or category == feed.category)
        and (feed.min_quality is None or (quality is not None and quality >= feed.min_quality))
        and (feed.since is None or timestamp >= feed.since.timestamp())
    )


def merge_related(mentions: list[tuple[Related, Article]]) -> Related:
    """One related item from all its mentions, in path order: each field's first value.

    A brief mention (only a title and URL) never hides the details another gives; an
    item with no date of its own takes the date of the first article that mentions it.
    """
    first, article = mentions[0]
    items = [item for item, _ in mentions]
    return replace(
        first,
        published_at=next((m.published_at for m in items if m.published_at), article.published_at),
        excerpt=next((m.excerpt for m in items if m.excerpt), ""),
        type=next((m.type for m in items if m.type), None),
        provider=next((m.provider for m in items if m.provider), None),
        quality=next((m.quality for m in items if m.quality is not None), None),
        images=next((m.images for m in items if m.images), ()),
    )


def _article_entry(article: Article, related: tuple[Link, ...], entry: EntryRecipe) -> Entry:
    return Entry(
        id=article.web_url,
        title=article.title,
        link=article.web_url,
        published_at=article.published_at,
        updated_at=article.published_at,
        summary=article.excerpt,
        content_html=_body_html(article),
        author=article.provider,
        categories=entry.categories,
        topic_feeds=entry.topic_feeds,
        thumbnail=article.images[0] if article.images else None,
        via=article.original_url,
        related=related,
    )


def _body_html(article: Article) -> str:
    """The article's Markdown body as safe HTML, rendered once per entry made."""
    return render_markdown(article.body, article.web_url) if article.body else ""


def _related_entry(item: Related, related: tuple[Link, ...]) -> Entry:
    assert item.published_at is not None  # merge_related gives every item a date
    return Entry(
        id=item.web_url,
        title=item.title,
        link=item.web_url,
        published_at=item.published_at,
        updated_at=item.published_at,
        summary=item.excerpt,
        author=item.provider,
        thumbnail=item.images[0] if item.images else None,
        related=related,
    )
