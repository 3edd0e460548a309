"""Records to feeds: everything, per topic, per provider, custom, with related items.

Every URL becomes one entry, whether it appears as an article, as a related item, or
both, and the entry is the same in every feed that holds it: its data come from the
article when there is one (else, field by field, from the related items that mention
it, in path order), and its links join both directions of every article-to-related
pair.

Grouping works in two steps so that memory follows the feeds, not the corpus:
`select` decides every feed's entries from the small digest (`DigestRow`) of each record, keeping
only the newest `max_items` candidates per feed in a bounded heap; `assemble` then
builds the full entries of one feed at a time from the few records they come from.
"""

from __future__ import annotations

import hashlib
import heapq
import math
import re
import unicodedata
from array import array
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from sys import intern

from feedpub.config import Config, CustomFeed
from feedpub.load import digest_of, render_markdown, topic_key
from feedpub.table import DRAFT, INVALID, NONE, PUBLISHED, DigestTable
from feedpub.types import (
    Article,
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
class _Source:
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
    sources: dict[int, _Source]  # by URL key
    own_related: dict[int, tuple[int, ...]]  # article -> the keys it lists as related
    article_keys: dict[int, int]  # record index -> its article's key, for mentioning records

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


class _Urls:
    """Entry URLs, fetched only where two entries' dates tie and their ids decide."""

    def __init__(self, fetch: Fetch) -> None:
        self.fetch = fetch
        self.known: dict[Ref, str] = {}

    def __call__(self, ref: Ref) -> str:
        url = self.known.get(ref)
        if url is None:
            record, item = ref
            article = self.fetch([record])[record]
            url = article.web_url if item < 0 else article.related[item].web_url
            self.known[ref] = url
        return url


class _Worst:
    """Orders entries backwards by URL, so a min-heap of (timestamp, _Worst) pops the
    entry that sorts last in a feed (oldest, then greatest id) first. The URL is looked
    up only when two timestamps tie."""

    __slots__ = ("key", "ref", "urls")

    def __init__(self, key: int, ref: Ref, urls: _Urls) -> None:
        self.key, self.ref, self.urls = key, ref, urls

    def __lt__(self, other: _Worst) -> bool:
        return self.urls(self.ref) > other.urls(other.ref)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Worst) and self.key == other.key

    def __hash__(self) -> int:
        return hash(self.key)


class _Candidates:
    """The best `limit` entries of one feed (all of them when `limit` is None).

    `floor` is the timestamp an entry must reach to be kept: most entries of a large
    corpus fall below it, and the caller skips them without a call.
    """

    __slots__ = ("floor", "heap", "limit")

    def __init__(self, limit: int | None) -> None:
        self.limit = limit
        self.heap: list[tuple[float, _Worst]] = []
        self.floor = -math.inf

    def offer(self, timestamp: float, worst: _Worst) -> None:
        heap = self.heap
        if self.limit is None or len(heap) < self.limit:
            heapq.heappush(heap, (timestamp, worst))
        else:
            item = (timestamp, worst)
            if heap[0] < item:
                heapq.heapreplace(heap, item)
        if self.limit is not None and len(heap) == self.limit:
            self.floor = heap[0][0]

    def newest_first(self) -> list[tuple[float, int]]:
        return [(t, w.key) for t, w in sorted(self.heap, reverse=True)]


def select(table: DigestTable, paths: Sequence[str], config: Config, fetch: Fetch) -> Selection:
    """Choose every feed's entries from the records' digests.

    Works on URL keys and small tables of names; `fetch` brings back an article only
    where two entries' dates tie and their URLs decide the order.
    """
    urls = _Urls(fetch)
    keys = table.key
    problems: list[Problem] = []
    drafts = 0
    state = table.state
    if config.include_drafts:
        candidates_in_order = [i for i, s in enumerate(state) if s != INVALID]
    else:
        candidates_in_order = [i for i, s in enumerate(state) if s == PUBLISHED]
        drafts = state.count(DRAFT)
    # The first record (in path order) of each URL is its article; the rest are skipped.
    by_key = sorted(candidates_in_order, key=keys.__getitem__)
    del candidates_in_order
    is_article = bytearray(len(table))
    article_keys = array("Q")  # sorted, beside the record of each
    article_records = array("i")
    dropped: list[tuple[int, int]] = []
    for index in by_key:
        key = keys[index]
        if article_keys and article_keys[-1] == key:
            dropped.append((index, article_records[-1]))
            continue
        is_article[index] = 1
        article_keys.append(key)
        article_records.append(index)
    del by_key
    for index, first in sorted(dropped):
        problems.append(
            Problem(
                paths[index],
                None,
                "webUrl",
                f"same webUrl as {paths[first]}, which is used; this record is skipped",
                "warning",
            )
        )

    def article_of(key: int) -> int | None:
        at = bisect_left(article_keys, key)
        return article_records[at] if at < len(article_keys) and article_keys[at] == key else None

    strings = table.strings
    first_mention = table.first_mention
    mention_key = table.mention_key
    owner = array("i")  # the record of each mention
    for index in range(len(table)):
        count = first_mention[index + 1] - first_mention[index]
        if count:
            owner.extend(array("i", [index]) * count)
    # A topic's name is its first spelling in sort order, wherever it is used; topics
    # and providers are reported at the first record that names them.
    topic_names: dict[str, str] = {}
    topic_path: dict[str, str] = {}
    first_named: dict[int, int] = {}  # domain -> the first article that names it
    topic_keys: dict[int, tuple[str, ...]] = {}  # topic list -> its topics' keys
    for index in (i for i, flag in enumerate(is_article) if flag):
        topics = table.topics[index]
        if topics not in topic_keys:
            names = table.topic_lists[topics]
            topic_keys[topics] = tuple(intern(topic_key(name)) for name in names)
            for name, topic in zip(names, topic_keys[topics], strict=True):
                topic_names[topic] = min(topic_names.get(topic, name), name)
                topic_path.setdefault(topic, paths[index])
        first_named.setdefault(table.domain[index], index)
    # Every related item of an article names its provider, even one that is the
    # article itself.
    nobody = len(table)
    for mentioner, domain_id in zip(owner, table.mention_domain, strict=True):
        named_first = first_named.get(domain_id, nobody)
        if is_article[mentioner] and domain_id != NONE and named_first > mentioner:
            first_named[domain_id] = mentioner
    # The mentions of other URLs by articles, grouped by URL, in record order within.
    mention_order = [
        p
        for p, (record, key) in enumerate(zip(owner, mention_key, strict=True))
        if is_article[record] and key != keys[record]
    ]
    provider_path = {strings[d]: paths[i] for d, i in first_named.items()}
    mention_order.sort(key=mention_key.__getitem__)  # stable: record order within
    order_keys = array("Q", map(mention_key.__getitem__, mention_order))

    limits = {c.name: c.max_items or config.max_items for c in config.feeds}
    include_related = {c.name for c in config.feeds if c.include_related}
    candidates: dict[FeedKey, _Candidates] = {}

    def feed(feed_key: FeedKey) -> _Candidates:
        found = candidates.get(feed_key)
        if found is None:
            limit = limits[feed_key[1]] if feed_key[0] == "custom" else config.max_items
            found = candidates[feed_key] = _Candidates(None if config.archives else limit)
        return found

    def custom_feeds(index: int) -> tuple[str, ...]:
        return tuple(c.name for c in config.feeds if matches(table, index, c))

    # Candidate lists by feed, looked up once per topic list, provider and custom feed.
    all_feed = feed(("all",))
    topic_feeds = {
        tid: tuple(feed(("topic", k)) for k in topic_list) for tid, topic_list in topic_keys.items()
    }
    provider_feeds: dict[str, _Candidates] = {}
    provider_names: dict[str, str] = {}
    mentioned_articles: dict[int, set[_Candidates]] = {}
    topics_of = table.topics
    timestamps = table.timestamp
    mention_timestamp, mention_domain = table.mention_timestamp, table.mention_domain
    mention_name = table.mention_name
    merged_feeds: dict[tuple[int, int], _Candidates] = {}  # (domain, name) -> its feed
    # Walk the groups of mentions (one URL each) beside the sorted article keys.
    start, end, at = 0, len(mention_order), 0
    while start < end:
        key = order_keys[start]
        stop = start + 1
        if stop < end and order_keys[stop] == key:
            stop = bisect_right(order_keys, key, stop)
        while at < len(article_keys) and article_keys[at] < key:
            at += 1
        is_article_url = at < len(article_keys) and article_keys[at] == key
        first = mention_order[start]
        mentioner = owner[first]
        # The feeds of every article that mentions it (a mentioner's topics are distinct).
        targets: Iterable[_Candidates] = topic_feeds[topics_of[mentioner]]
        if stop - start == 1 and not config.feeds:
            # One mention, the usual case: its date (else its article's) and provider.
            timestamp = mention_timestamp[first]
            if timestamp != timestamp:  # NaN: no date of its own
                timestamp = timestamps[mentioner]
            domain_id, name_id = mention_domain[first], mention_name[first]
        else:
            group = mention_order[start:stop]
            several: set[_Candidates] = set()
            for position in group:
                index = owner[position]
                several.update(topic_feeds[topics_of[index]])
                if config.feeds:
                    customs = custom_feeds(index)
                    several.update(feed(("custom", n)) for n in customs if n in include_related)
            targets = several
            timestamp, domain_id, name_id = _merged_meta(group, table, owner)
        start = stop
        if is_article_url:
            mentioned_articles[key] = set(targets)
            continue
        its_provider = None
        if domain_id != NONE and name_id != NONE:
            its_provider = merged_feeds.get((domain_id, name_id))
            if its_provider is None:
                domain, name = strings[domain_id], strings[name_id]
                provider_names[domain] = min(provider_names.get(domain, name), name)
                its_provider = merged_feeds[domain_id, name_id] = feed(("provider", domain))
        worst: _Worst | None = None
        for candidate in (
            (*targets, all_feed, its_provider) if its_provider else (*targets, all_feed)
        ):
            if timestamp >= candidate.floor:
                worst = worst or _Worst(key, (mentioner, first - first_mention[mentioner]), urls)
                candidate.offer(timestamp, worst)
    for index in (i for i, flag in enumerate(is_article) if flag):  # in path order
        key = keys[index]
        domain, name = strings[table.domain[index]], strings[table.name[index]]
        own = provider_feeds.get(domain)
        if own is None:
            own = provider_feeds[domain] = feed(("provider", domain))
        provider_names[domain] = min(provider_names.get(domain, name), name)
        offered: Iterable[_Candidates] = (all_feed, own, *topic_feeds[topics_of[index]])
        if config.feeds or key in mentioned_articles:
            offered = {*offered, *mentioned_articles.get(key, ())}
            offered.update(feed(("custom", n)) for n in custom_feeds(index))
        timestamp = timestamps[index]
        entry: _Worst | None = None
        for candidate in offered:
            if timestamp >= candidate.floor:
                entry = entry or _Worst(key, (index, -1), urls)
                candidate.offer(timestamp, entry)

    # Slugs (and warnings about them) only for the groupings that are published.
    feed_of_topic: dict[str, str] = {}
    provider_slugs: dict[str, str] = {}
    if "topic" in config.group_by:
        topic_slugs, warnings = assign_slugs(topic_names, "topic")
        feed_of_topic = {topic: f"topics/{slug}" for topic, slug in topic_slugs.items()}
        problems.extend(
            Problem(topic_path[k], None, "topics", w, "warning") for k, w in warnings.items()
        )
    if "provider" in config.group_by:
        provider_slugs, warnings = assign_slugs({d: d for d in provider_names}, "provider domain")
        problems.extend(
            Problem(provider_path.get(k, ""), None, "provider.domain", w, "warning")
            for k, w in warnings.items()
        )

    title = config.title
    named: list[tuple[FeedKey, str, FeedKind, str, str]] = [
        (
            ("all",),
            "all",
            "all",
            title,
            config.description or f"Every article published on {title}",
        )
    ]
    if "topic" in config.group_by:
        for topic in sorted(topic_names, key=lambda k: feed_of_topic[k]):
            name = topic_names[topic]
            named.append(
                (
                    ("topic", topic),
                    feed_of_topic[topic],
                    "topic",
                    f"{title}: {name}",
                    f"Articles about {name} on {title}",
                )
            )
    if "provider" in config.group_by:
        for provider in sorted(provider_names, key=lambda d: provider_slugs[d]):
            name = provider_names[provider]
            named.append(
                (
                    ("provider", provider),
                    f"providers/{provider_slugs[provider]}",
                    "provider",
                    f"{title}: {name}",
                    f"Articles from {name} ({provider}) on {title}",
                )
            )
    for custom in config.feeds:
        named.append(
            (
                ("custom", custom.name),
                f"custom/{custom.name}",
                "custom",
                custom.title,
                custom.description or f"{custom.title} on {title}",
            )
        )
    plans: list[Plan] = []
    for feed_key, name, kind, feed_title, description in named:
        chosen = candidates[feed_key].newest_first() if feed_key in candidates else []
        limit = limits[feed_key[1]] if feed_key[0] == "custom" else config.max_items
        plans += _plans(name, kind, feed_title, description, chosen, limit, config)

    # Where the chosen entries' data come from, and what they link to.
    selected = {key for plan in plans for key in plan.keys}
    own_related: dict[int, tuple[int, ...]] = {}
    for key in selected:
        record = article_of(key)
        if record is not None:
            own_related[key] = tuple(table.mention_key[p] for p in table.mentions(record))
    needed = selected | {t for targets in own_related.values() for t in targets}
    sources = {key: _Source(article_of(key)) for key in needed}
    for key, source in sources.items():
        start = bisect_left(order_keys, key)
        stop = bisect_right(order_keys, key, start)
        source.mentions = [
            (owner[p], p - first_mention[owner[p]]) for p in mention_order[start:stop]
        ]
    # The articles that mention a chosen entry are link targets too (titles only).
    for key in selected:
        for index, _ in sources[key].mentions:
            sources.setdefault(keys[index], _Source(index))
    return Selection(
        plans=plans,
        problems=problems,
        drafts=drafts,
        duplicates=len(dropped),
        topic_names=topic_names,
        topic_feeds=feed_of_topic,
        sources=sources,
        own_related=own_related,
        article_keys={i: keys[i] for s in sources.values() for i, _ in s.mentions},
    )


def assemble(plan: Plan, selection: Selection, fetch: Fetch) -> Feed:
    """The feed a plan describes, with every entry built from its records."""
    records: set[int] = set()
    for key in plan.keys:
        records |= selection.contributors(key)
    articles = fetch(records)
    entries = tuple(_entry(key, selection, articles) for key in plan.keys)
    return Feed(
        plan.name,
        plan.kind,
        plan.title,
        plan.description,
        entries,
        archive_of=plan.archive_of,
        prev_archive=plan.prev_archive,
    )


def _entry(key: int, selection: Selection, articles: dict[int, Article]) -> Entry:
    links = tuple(_link(t, selection, articles) for t in selection.links(key))
    source = selection.sources[key]
    if source.article is not None:
        return _article_entry(articles[source.article], links, selection)
    return _related_entry(merge_related(_mentions(source, articles)), links)


def _link(key: int, selection: Selection, articles: dict[int, Article]) -> Link:
    source = selection.sources[key]
    if source.article is not None:
        article = articles[source.article]
        return Link(article.web_url, article.title)
    index, item = source.mentions[0]
    related = articles[index].related[item]
    return Link(related.web_url, related.title)


def _mentions(source: _Source, articles: dict[int, Article]) -> list[tuple[Related, Article]]:
    return [(articles[i].related[j], articles[i]) for i, j in source.mentions]


def _merged_meta(group: list[int], table: DigestTable, owner: array[int]) -> tuple[float, int, int]:
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


def _plans(
    name: str,
    kind: FeedKind,
    title: str,
    description: str,
    chosen: list[tuple[float, int]],
    max_items: int,
    config: Config,
) -> list[Plan]:
    """A feed of the newest `max_items` entries and, with archives on, its archive pages.

    Archive pages are cut by count from the oldest entry, so a full page never changes
    when newer entries arrive (RFC 5005 section 4).
    """
    if not chosen:
        return []
    older = chosen[max_items:] if config.archives else []
    oldest_first = older[::-1]
    size = config.archive_page_size
    pages = []
    for start in range(0, len(oldest_first), size):
        number = start // size + 1
        page = oldest_first[start : start + size][::-1]
        pages.append(
            Plan(
                f"archives/{name}/{number}",
                "archive",
                f"{title} (archive {number})",
                description,
                tuple(key for _, key in page),
                _date(page[0][0]),
                archive_of=name,
                prev_archive=f"archives/{name}/{number - 1}" if number > 1 else None,
            )
        )
    current = chosen[:max_items]
    return [
        Plan(
            name,
            kind,
            title,
            description,
            tuple(key for _, key in current),
            _date(current[0][0]),
            prev_archive=pages[-1].name if pages else None,
        ),
        *pages,
    ]


def _date(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, UTC)


def matches(table: DigestTable, index: int, feed: CustomFeed) -> bool:
    """True when the record's article passes every filter the custom feed sets."""
    quality = table.get_quality(index)
    return (
        (
            not feed.topics
            or any(topic_key(t) in feed.topics for t in table.topic_lists[table.topics[index]])
        )
        and (not feed.providers or table.strings[table.domain[index]] in feed.providers)
        and (not feed.types or table.text(table.type[index]) in feed.types)
        and (feed.category is None or table.text(table.category[index]) == feed.category)
        and (feed.min_quality is None or (quality is not None and quality >= feed.min_quality))
        and (feed.since is None or table.timestamp[index] >= feed.since.timestamp())
    )


def group_feeds(articles: Iterable[Article], config: Config) -> GroupResult:
    """Group articles held in memory: `select` and `assemble` in one call."""
    ordered = sorted(articles, key=lambda a: a.path)
    by_index = dict(enumerate(ordered))

    def fetch(wanted: Iterable[int]) -> dict[int, Article]:
        return {i: by_index[i] for i in wanted}

    table = DigestTable(digest_of(a) for a in ordered)
    selection = select(table, [a.path for a in ordered], config, fetch)
    feeds = tuple(assemble(plan, selection, fetch) for plan in selection.plans)
    return GroupResult(feeds, tuple(selection.problems), selection.drafts, selection.duplicates)


@dataclass(frozen=True, slots=True)
class GroupResult:
    """The feeds to publish, newest entries first, and what grouping found wrong."""

    feeds: tuple[Feed, ...]
    problems: tuple[Problem, ...]
    drafts: int
    duplicates: int


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


def _article_entry(article: Article, related: tuple[Link, ...], selection: Selection) -> Entry:
    keys = [topic_key(t) for t in article.topics]
    feeds = selection.topic_feeds
    return Entry(
        id=article.web_url,
        title=article.title,
        link=article.web_url,
        published_at=article.published_at,
        updated_at=article.published_at,
        summary=article.excerpt,
        content_html=_body_html(article),
        author=article.provider,
        categories=tuple(selection.topic_names[k] for k in keys),
        topic_feeds=tuple(feeds[k] for k in keys) if feeds else (),
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
