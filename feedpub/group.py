"""Records to feeds: everything, per topic, per provider, custom, with related items.

Every URL becomes one entry, whether it appears as an article, as a related item, or
both, and the entry is the same in every feed that holds it: its data come from the
article when there is one (else, field by field, from the related items that mention
it, in path order), and its links join both directions of every article-to-related
pair.

Grouping works in two steps so that memory follows the feeds, not the corpus:
`select` decides every feed's entries from the small `Digest` of each record, keeping
only the newest `max_items` candidates per feed in a bounded heap; `assemble` then
builds the full entries of one feed at a time from the few records they come from.
"""

from __future__ import annotations

import hashlib
import heapq
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from sys import intern

from feedpub.config import Config, CustomFeed
from feedpub.load import digest_of, topic_key
from feedpub.types import (
    Article,
    Digest,
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


@dataclass(frozen=True, slots=True)
class Plan:
    """One feed (or archive page) to publish: its names and its entries' URLs."""

    name: str
    kind: FeedKind
    title: str
    description: str
    urls: tuple[str, ...]  # newest first
    updated_at: datetime | None
    archive_of: str | None = None
    prev_archive: str | None = None

    def summary(self) -> FeedSummary:
        return FeedSummary(
            self.name, self.kind, self.title, self.description, len(self.urls), self.updated_at
        )


@dataclass(slots=True)
class _Source:
    """Where a selected entry's data come from: its article and the mentions of it."""

    article: int | None  # record index
    mentions: list[tuple[int, int]] = field(default_factory=list)  # (record, item) in order


@dataclass(slots=True)
class Selection:
    """Every feed's entries, chosen from digests; `assemble` turns a plan into a Feed."""

    plans: list[Plan]
    problems: list[Problem]
    drafts: int
    duplicates: int
    topic_names: dict[str, str]
    sources: dict[str, _Source]
    own_related: dict[str, tuple[str, ...]]  # article URL -> the URLs it lists as related
    article_urls: dict[int, str]  # record index -> its article's URL, for mentioning records

    def contributors(self, url: str) -> set[int]:
        """The records whose content shapes the entry for `url`: for fingerprints."""
        source = self.sources[url]
        records = {i for i, _ in source.mentions}
        if source.article is not None:
            records.add(source.article)
        for target in self.links(url):
            target_source = self.sources[target]
            records.add(
                target_source.article
                if target_source.article is not None
                else target_source.mentions[0][0]
            )
        return records

    def links(self, url: str) -> list[str]:
        """The URLs an entry links to, in the order the records give them."""
        source = self.sources[url]
        # In record order: the article's own related items where it stands (item -1),
        # and each article that mentions this one where that article stands.
        events = list(source.mentions)
        if source.article is not None:
            events.append((source.article, -1))
        ordered: dict[str, None] = {}
        for record, item in sorted(events):
            if record == source.article and item == -1:
                for target in self.own_related.get(url, ()):
                    if target != url:
                        ordered[target] = None
            else:
                ordered[self.article_urls[record]] = None
        return list(ordered)


class _Worst:
    """Orders URLs backwards, so a min-heap of (timestamp, _Worst(url)) pops the entry
    that sorts last in a feed (oldest, then greatest id) first."""

    __slots__ = ("url",)

    def __init__(self, url: str) -> None:
        self.url = url

    def __lt__(self, other: _Worst) -> bool:
        return self.url > other.url

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Worst) and self.url == other.url

    def __hash__(self) -> int:
        return hash(self.url)


class _Candidates:
    """The best `limit` entries of one feed (all of them when `limit` is None)."""

    __slots__ = ("heap", "limit")

    def __init__(self, limit: int | None) -> None:
        self.limit = limit
        self.heap: list[tuple[float, _Worst]] = []

    def offer(self, timestamp: float, url: str) -> None:
        heap = self.heap
        if self.limit is None or len(heap) < self.limit:
            heapq.heappush(heap, (timestamp, _Worst(url)))
        elif timestamp >= heap[0][0]:  # most offers are older than the worst kept: no work
            item = (timestamp, _Worst(url))
            if heap[0] < item:
                heapq.heapreplace(heap, item)

    def newest_first(self) -> list[tuple[float, str]]:
        return sorted(((t, w.url) for t, w in self.heap), key=lambda e: (-e[0], e[1]))


def select(digests: Sequence[Digest | None], paths: Sequence[str], config: Config) -> Selection:
    """Choose every feed's entries from the records' digests (None: a record with errors)."""
    problems: list[Problem] = []
    drafts = duplicates = 0
    articles: dict[str, int] = {}
    for index, digest in enumerate(digests):
        if digest is None:
            continue
        if not digest.published and not config.include_drafts:
            drafts += 1
            continue
        first = articles.setdefault(digest.url, index)
        if first != index:
            duplicates += 1
            problems.append(
                Problem(
                    paths[index],
                    None,
                    "webUrl",
                    f"same webUrl as {paths[first]}, which is used; this record is skipped",
                    "warning",
                )
            )

    # A topic's name is its first spelling in sort order, wherever it is used.
    topic_names: dict[str, str] = {}
    topic_path: dict[str, str] = {}
    provider_path: dict[str, str] = {}
    # By record index (lists, not dicts: a build keeps one slot per record).
    article_topics: list[tuple[str, ...]] = [()] * len(digests)
    article_custom: list[tuple[str, ...]] = [()] * len(digests)
    mentions: list[tuple[str, int, int]] = []
    for url, index in articles.items():
        digest = _known(digests[index])
        keys = []
        for topic in digest.topics:
            key = topic_key(topic)
            keys.append(key)
            topic_names[key] = min(topic_names.get(key, topic), topic)
            topic_path.setdefault(key, paths[index])
        article_topics[index] = tuple(map(intern, keys))
        if config.feeds:
            article_custom[index] = tuple(c.name for c in config.feeds if matches(digest, c))
        provider_path.setdefault(digest.domain, paths[index])
        for item, mention in enumerate(digest.mentions):
            if mention.domain is not None:
                provider_path.setdefault(mention.domain, paths[index])
            if mention.url != url:
                mentions.append((mention.url, index, item))
    mentions.sort()

    limits = {c.name: c.max_items or config.max_items for c in config.feeds}
    candidates: dict[FeedKey, _Candidates] = {}

    def offer(key: FeedKey, timestamp: float, url: str) -> None:
        if key not in candidates:
            limit = limits[key[1]] if key[0] == "custom" else config.max_items
            candidates[key] = _Candidates(None if config.archives else limit)
        candidates[key].offer(timestamp, url)

    provider_names: dict[str, str] = {}
    include_related = {c.name for c in config.feeds if c.include_related}
    mentioned_articles: dict[str, list[FeedKey]] = {}
    for url, group in _groups(mentions):
        feeds: set[FeedKey] = set()
        for _, index, _ in group:
            feeds.update(("topic", key) for key in article_topics[index])
            feeds.update(("custom", n) for n in article_custom[index] if n in include_related)
        if url in articles:
            mentioned_articles[url] = sorted(feeds)
            continue
        timestamp, domain, name = _merged_meta(group, digests)
        if domain is not None and name is not None:
            provider_names[domain] = min(provider_names.get(domain, name), name)
            feeds.add(("provider", domain))
        feeds.add(("all",))
        for feed_key in feeds:
            offer(feed_key, timestamp, url)
    for url, index in articles.items():
        digest = _known(digests[index])
        provider_names[digest.domain] = min(
            provider_names.get(digest.domain, digest.name), digest.name
        )
        feeds = {("all",), ("provider", digest.domain)}
        feeds.update(("topic", key) for key in article_topics[index])
        feeds.update(("custom", n) for n in article_custom[index])
        feeds.update(mentioned_articles.get(url, ()))
        for feed_key in feeds:
            offer(feed_key, digest.timestamp, url)

    # Slugs (and warnings about them) only for the groupings that are published.
    topic_slugs: dict[str, str] = {}
    provider_slugs: dict[str, str] = {}
    if "topic" in config.group_by:
        topic_slugs, warnings = assign_slugs(topic_names, "topic")
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
        for key in sorted(topic_names, key=lambda k: topic_slugs[k]):
            name = topic_names[key]
            named.append(
                (
                    ("topic", key),
                    f"topics/{topic_slugs[key]}",
                    "topic",
                    f"{title}: {name}",
                    f"Articles about {name} on {title}",
                )
            )
    if "provider" in config.group_by:
        for domain in sorted(provider_names, key=lambda d: provider_slugs[d]):
            name = provider_names[domain]
            named.append(
                (
                    ("provider", domain),
                    f"providers/{provider_slugs[domain]}",
                    "provider",
                    f"{title}: {name}",
                    f"Articles from {name} ({domain}) on {title}",
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

    # Where the chosen entries' data come from, and the titles of what they link to.
    selected = {url for plan in plans for url in plan.urls}
    own_related = {
        url: tuple(m.url for m in _known(digests[articles[url]]).mentions)
        for url in selected
        if url in articles
    }
    needed = selected | {t for targets in own_related.values() for t in targets}
    sources = {url: _Source(articles.get(url)) for url in needed}
    for url, group in _groups(mentions):
        if url in sources:
            sources[url].mentions = [(index, item) for _, index, item in group]
    article_url = {index: url for url, index in articles.items()}
    # The articles that mention a chosen entry are link targets too (titles only).
    for url in selected:
        for index, _ in sources[url].mentions:
            sources.setdefault(article_url[index], _Source(index))
    return Selection(
        plans=plans,
        problems=problems,
        drafts=drafts,
        duplicates=duplicates,
        topic_names=topic_names,
        sources=sources,
        own_related=own_related,
        article_urls={i: article_url[i] for s in sources.values() for i, _ in s.mentions},
    )


def assemble(plan: Plan, selection: Selection, fetch: Fetch) -> Feed:
    """The feed a plan describes, with every entry built from its records."""
    records: set[int] = set()
    for url in plan.urls:
        records |= selection.contributors(url)
    articles = fetch(records)
    entries = tuple(_entry(url, selection, articles) for url in plan.urls)
    return Feed(
        plan.name,
        plan.kind,
        plan.title,
        plan.description,
        entries,
        archive_of=plan.archive_of,
        prev_archive=plan.prev_archive,
    )


def _entry(url: str, selection: Selection, articles: dict[int, Article]) -> Entry:
    links = tuple(Link(t, _title(t, selection, articles)) for t in selection.links(url))
    source = selection.sources[url]
    if source.article is not None:
        return _article_entry(articles[source.article], links, selection.topic_names)
    return _related_entry(merge_related(_mentions(source, articles)), links)


def _title(url: str, selection: Selection, articles: dict[int, Article]) -> str:
    source = selection.sources[url]
    if source.article is not None:
        return articles[source.article].title
    index, item = source.mentions[0]
    return articles[index].related[item].title


def _mentions(source: _Source, articles: dict[int, Article]) -> list[tuple[Related, Article]]:
    return [(articles[i].related[j], articles[i]) for i, j in source.mentions]


def _merged_meta(
    group: list[tuple[str, int, int]], digests: Sequence[Digest | None]
) -> tuple[float, str | None, str | None]:
    """A related item's date and provider from its mentions, as merge_related has them."""
    timestamp = None
    domain = name = None
    for _, index, item in group:
        mention = _known(digests[index]).mentions[item]
        if timestamp is None and mention.timestamp is not None:
            timestamp = mention.timestamp
        if domain is None and mention.domain is not None:
            domain, name = mention.domain, mention.name
    if timestamp is None:
        timestamp = _known(digests[group[0][1]]).timestamp
    return timestamp, domain, name


def _groups(
    mentions: list[tuple[str, int, int]],
) -> Iterator[tuple[str, list[tuple[str, int, int]]]]:
    """Runs of mentions of the same URL, in record order (the list is sorted)."""
    start = 0
    for end in range(1, len(mentions) + 1):
        if end == len(mentions) or mentions[end][0] != mentions[start][0]:
            yield mentions[start][0], mentions[start:end]
            start = end


def _known(digest: Digest | None) -> Digest:
    assert digest is not None  # only records without errors are grouped
    return digest


def _plans(
    name: str,
    kind: FeedKind,
    title: str,
    description: str,
    chosen: list[tuple[float, str]],
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
                tuple(url for _, url in page),
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
            tuple(url for _, url in current),
            _date(current[0][0]),
            prev_archive=pages[-1].name if pages else None,
        ),
        *pages,
    ]


def _date(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, UTC)


def matches(digest: Digest, feed: CustomFeed) -> bool:
    """True when the article passes every filter the custom feed sets."""
    return (
        (not feed.topics or any(topic_key(t) in feed.topics for t in digest.topics))
        and (not feed.providers or digest.domain in feed.providers)
        and (not feed.types or digest.type in feed.types)
        and (feed.category is None or digest.category == feed.category)
        and (
            feed.min_quality is None
            or (digest.quality is not None and digest.quality >= feed.min_quality)
        )
        and (feed.since is None or digest.timestamp >= feed.since.timestamp())
    )


def group_feeds(articles: Iterable[Article], config: Config) -> GroupResult:
    """Group articles held in memory: `select` and `assemble` in one call."""
    ordered = sorted(articles, key=lambda a: a.path)
    by_index = dict(enumerate(ordered))
    selection = select([digest_of(a) for a in ordered], [a.path for a in ordered], config)
    feeds = tuple(
        assemble(plan, selection, lambda wanted: {i: by_index[i] for i in wanted})
        for plan in selection.plans
    )
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


def _article_entry(
    article: Article, related: tuple[Link, ...], topic_names: dict[str, str]
) -> Entry:
    return Entry(
        id=article.web_url,
        title=article.title,
        link=article.web_url,
        published_at=article.published_at,
        updated_at=article.published_at,
        summary=article.excerpt,
        content_html=article.content_html,
        author=article.provider,
        categories=tuple(topic_names[topic_key(t)] for t in article.topics),
        thumbnail=article.images[0] if article.images else None,
        via=article.original_url,
        related=related,
    )


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
