"""Articles to feeds: everything, per topic, per provider, with related items as entries.

Every URL becomes one entry, whether it appears as an article, as a related item, or
both, and the entry is the same in every feed that holds it: its data come from the
article when there is one (else from the first related item by path), and its links
join both directions of every article-to-related pair.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace

from feedpub.config import Config, CustomFeed
from feedpub.load import topic_key
from feedpub.types import Article, Entry, Feed, FeedKind, Link, Problem, Related

_NOT_SLUG = re.compile(r"[^a-z0-9]+")
_MAX_SLUG = 80
# Names Windows will not give a file, whatever the extension.
_RESERVED = {"con", "prn", "aux", "nul"} | {f"{d}{i}" for d in ("com", "lpt") for i in range(10)}


@dataclass(frozen=True, slots=True)
class GroupResult:
    """The feeds to publish, newest entries first, and what grouping found wrong."""

    feeds: tuple[Feed, ...]
    problems: tuple[Problem, ...]
    drafts: int
    duplicates: int


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


def group_feeds(articles: Iterable[Article], config: Config) -> GroupResult:
    """Group articles into the feeds a build publishes."""
    problems: list[Problem] = []
    drafts = duplicates = 0
    chosen: dict[str, Article] = {}
    for article in sorted(articles, key=lambda a: a.path):
        if not article.published and not config.include_drafts:
            drafts += 1
            continue
        first = chosen.setdefault(article.web_url, article)
        if first is not article:
            duplicates += 1
            problems.append(
                Problem(
                    article.path,
                    None,
                    "webUrl",
                    f"same webUrl as {first.path}, which is used; this record is skipped",
                    "warning",
                )
            )
    kept = list(chosen.values())

    # A topic's name is its first spelling in sort order, wherever it is used.
    topic_names: dict[str, str] = {}
    topic_urls: dict[str, set[str]] = defaultdict(set)
    topic_path: dict[str, str] = {}
    for article in kept:
        for topic in article.topics:
            key = topic_key(topic)
            topic_names[key] = min(topic_names.get(key, topic), topic)
            topic_path.setdefault(key, article.path)
            topic_urls[key].add(article.web_url)
            topic_urls[key].update(r.web_url for r in article.related)
    entries = _entries(kept, topic_names)

    provider_names: dict[str, str] = {}
    provider_urls: dict[str, set[str]] = defaultdict(set)
    for entry in entries.values():
        if entry.author is not None:
            domain, name = entry.author.domain, entry.author.name
            provider_names[domain] = min(provider_names.get(domain, name), name)
            provider_urls[domain].add(entry.id)
    provider_path: dict[str, str] = {}
    for article in kept:
        provider_path.setdefault(article.provider.domain, article.path)
    for article in kept:
        for item in article.related:
            if item.provider is not None:
                provider_path.setdefault(item.provider.domain, article.path)

    topic_slugs, warnings = assign_slugs(topic_names, "topic")
    problems.extend(
        Problem(topic_path[k], None, "topics", w, "warning") for k, w in warnings.items()
    )
    provider_slugs, warnings = assign_slugs({d: d for d in provider_names}, "provider domain")
    problems.extend(
        Problem(provider_path.get(k, ""), None, "provider.domain", w, "warning")
        for k, w in warnings.items()
    )

    title = config.title
    feeds = _feeds(
        "all",
        "all",
        title,
        config.description or f"Every article published on {title}",
        entries.values(),
        config.max_items,
        config,
    )
    if "topic" in config.group_by:
        for key in sorted(topic_names, key=lambda k: topic_slugs[k]):
            name = topic_names[key]
            feeds += _feeds(
                f"topics/{topic_slugs[key]}",
                "topic",
                f"{title}: {name}",
                f"Articles about {name} on {title}",
                (entries[u] for u in topic_urls[key]),
                config.max_items,
                config,
            )
    if "provider" in config.group_by:
        for domain in sorted(provider_names, key=lambda d: provider_slugs[d]):
            name = provider_names[domain]
            feeds += _feeds(
                f"providers/{provider_slugs[domain]}",
                "provider",
                f"{title}: {name}",
                f"Articles from {name} ({domain}) on {title}",
                (entries[u] for u in provider_urls[domain]),
                config.max_items,
                config,
            )
    for custom in config.feeds:
        urls: dict[str, None] = {}
        for article in kept:
            if matches(article, custom):
                urls[article.web_url] = None
                if custom.include_related:
                    urls.update((r.web_url, None) for r in article.related if r.web_url in entries)
        feeds += _feeds(
            f"custom/{custom.name}",
            "custom",
            custom.title,
            custom.description or f"{custom.title} on {title}",
            (entries[u] for u in urls),
            custom.max_items or config.max_items,
            config,
        )
    return GroupResult(tuple(f for f in feeds if f.entries), tuple(problems), drafts, duplicates)


def _entries(articles: list[Article], topic_names: dict[str, str]) -> dict[str, Entry]:
    """One entry per URL, with links both ways between articles and related items."""
    mentions: dict[str, list[tuple[Related, Article]]] = defaultdict(list)
    by_url = {a.web_url: a for a in articles}
    links: dict[str, dict[str, None]] = defaultdict(dict)  # an ordered set
    for article in articles:
        for item in article.related:
            if item.web_url == article.web_url:
                continue
            mentions[item.web_url].append((item, article))
            links[article.web_url][item.web_url] = None
            links[item.web_url][article.web_url] = None

    merged = {url: merge_related(m) for url, m in mentions.items() if url not in by_url}
    titles = {url: item.title for url, item in merged.items()}
    titles.update((url, a.title) for url, a in by_url.items())

    entries: dict[str, Entry] = {}
    for url in [*by_url, *merged]:
        related = tuple(Link(href, titles[href]) for href in links.get(url, ()))
        source = by_url.get(url)
        entries[url] = (
            _article_entry(source, related, topic_names)
            if source is not None
            else _related_entry(merged[url], related)
        )
    return entries


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


def matches(article: Article, feed: CustomFeed) -> bool:
    """True when the article passes every filter the custom feed sets."""
    return (
        (not feed.topics or any(topic_key(t) in feed.topics for t in article.topics))
        and (not feed.providers or article.provider.domain in feed.providers)
        and (not feed.types or article.type in feed.types)
        and (feed.category is None or article.category == feed.category)
        and (
            feed.min_quality is None
            or (article.quality is not None and article.quality >= feed.min_quality)
        )
        and (feed.since is None or article.published_at >= feed.since)
    )


def _feeds(
    name: str,
    kind: FeedKind,
    title: str,
    description: str,
    entries: Iterable[Entry],
    max_items: int,
    config: Config,
) -> list[Feed]:
    """A feed of the newest `max_items` entries and, with archives on, its archive pages.

    Archive pages are cut by count from the oldest entry, so a full page never changes
    when newer entries arrive (RFC 5005 section 4).
    """
    newest_first = sorted(entries, key=lambda e: (-e.updated_at.timestamp(), e.id))
    if not newest_first:
        return []
    older = newest_first[max_items:] if config.archives else []
    oldest_first = older[::-1]
    size = config.archive_page_size
    pages = []
    for start in range(0, len(oldest_first), size):
        number = start // size + 1
        pages.append(
            Feed(
                f"archives/{name}/{number}",
                "archive",
                f"{title} (archive {number})",
                description,
                tuple(oldest_first[start : start + size][::-1]),
                archive_of=name,
                prev_archive=f"archives/{name}/{number - 1}" if number > 1 else None,
            )
        )
    current = Feed(
        name,
        kind,
        title,
        description,
        tuple(newest_first[:max_items]),
        prev_archive=pages[-1].name if pages else None,
    )
    return [current, *pages]
