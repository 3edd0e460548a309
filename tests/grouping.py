"""Grouping articles held in memory through the functions a build calls."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from feedpub.config import Config
from feedpub.group import assemble, select
from feedpub.load import digest_of
from feedpub.table import DigestTable
from feedpub.types import Article, Feed, Problem


@dataclass(frozen=True, slots=True)
class Grouped:
    """The feeds `select` plans and `assemble` makes, and what grouping found wrong."""

    feeds: tuple[Feed, ...]
    problems: tuple[Problem, ...]
    drafts: int
    duplicates: int


def group_articles(articles: Iterable[Article], config: Config) -> Grouped:
    """Group articles as a build groups records: their digests in path order go through
    `select`, and every plan through `assemble`, fetching articles from memory."""
    ordered = sorted(articles, key=lambda a: a.path)

    def fetch(wanted: Iterable[int]) -> dict[int, Article]:
        return {index: ordered[index] for index in wanted}

    table = DigestTable(digest_of(a) for a in ordered)
    selection = select(table, [a.path for a in ordered], config, fetch)
    feeds = tuple(assemble(plan, selection, fetch) for plan in selection.plans)
    return Grouped(feeds, tuple(selection.problems), selection.drafts, selection.duplicates)


class InProcess:
    """Runs `feedpub.spread`'s reductions in this process, with Dask's synchronous
    scheduler: the functions a cluster runs, on one thread."""

    def keep(self, function: Callable[[Any], Any], items: Iterable[Any]) -> list[Any]:
        return [function(item) for item in items]

    def results(self, kept: Sequence[Any]) -> Iterator[Any]:
        return iter(kept)

    def compute(self, *collections: Any) -> list[Any]:
        import dask

        return list(dask.compute(*collections, scheduler="sync"))

    def persist(self, collection: Any) -> Any:
        import dask

        return dask.persist(collection, scheduler="sync")[0]


def spread_articles(articles: Iterable[Article], config: Config, partitions: int = 3) -> Grouped:
    """Group articles as a build on a cluster groups records (`feedpub.spread`): in
    `partitions` partitions, the reductions run by Dask's synchronous scheduler."""
    import dask.bag

    from feedpub import spread

    ordered = sorted(articles, key=lambda a: a.path)
    recs = [spread.rec_of(index, a, b"%016d" % index) for index, a in enumerate(ordered)]
    bag = dask.bag.from_sequence(recs, npartitions=max(1, min(partitions, len(recs))))
    drafts = sum(not a.published for a in ordered)
    paths = [a.path for a in ordered]
    found = spread.select(bag, paths, config, drafts, InProcess())

    def fetch(wanted: Iterable[int]) -> dict[int, Article]:
        return {index: ordered[index] for index in wanted}

    selection = found.selection
    # Every record a feed is made from has the hash its fingerprint and its reading
    # again need (a build on a cluster has no other).
    for plan in selection.plans:
        for key in plan.keys:
            for index in selection.contributors(key):
                assert found.hashes[index] == b"%016d" % index, (plan.name, key, index)
    feeds = tuple(assemble(plan, selection, fetch) for plan in selection.plans)
    return Grouped(feeds, tuple(selection.problems), selection.drafts, selection.duplicates)


TOPICS = ["AI", "ai", "Space", "Straße", "strasse", "R&D", "!!", "Ünïcode"]
PROVIDERS = [
    ("News Example", "news.example"),
    ("news example", "news.example"),
    ("Other", "other.example"),
    ("Dash", "news-example.org"),
    ("Dot", "news.example.org"),
    ("AB", "a-b.example"),
    ("Ab", "a.b.example"),
]


def _date(rng: random.Random) -> str:
    return f"2026-0{rng.randint(1, 3)}-0{rng.randint(1, 4)}T10:00:00Z"  # many ties


def _related(rng: random.Random) -> dict[str, Any]:
    item: dict[str, Any] = {
        "title": f"Item {rng.randint(0, 40)}",
        "webUrl": f"https://r.example/{rng.randint(0, 40)}",
    }
    if rng.random() < 0.3:  # an article's URL, related again
        item["webUrl"] = f"https://a.example/{rng.randint(0, 60)}"
    if rng.random() < 0.6:
        item["publishedDateTime"] = _date(rng)
    if rng.random() < 0.5:
        name, domain = rng.choice(PROVIDERS)
        item["provider"] = {"name": name, "domain": domain}
    if rng.random() < 0.3:
        item["excerpt"] = f"said {rng.randint(0, 9)}"
    return item


def _record(rng: random.Random, n: int) -> tuple[str, dict[str, Any]]:
    name, domain = rng.choice(PROVIDERS)
    fields = {
        "title": f"Article {n}",
        "excerpt": "An excerpt.",
        "publishedDateTime": _date(rng),
        "webUrl": f"https://a.example/{rng.randint(0, 60)}",  # some URLs twice
        "type": rng.choice(["article", "video"]),
        "quality": rng.choice([10, 50, 90]),
        "published": rng.random() < 0.85,
        "provider": {"name": name, "domain": domain},
        "topics": rng.sample(TOPICS, rng.randint(0, 3)),
        "related": [_related(rng) for _ in range(rng.randint(0, 4))],
    }
    return f"seeds/{rng.randint(0, 9)}/{n:03d}.md", fields


def tricky_records(seed: int, count: int | None = None) -> list[tuple[str, dict[str, Any]]]:
    """Records (path, fields) made to tie, repeat and collide: URLs given twice, related
    items shared and also articles, dates that tie, topics and provider domains whose
    slugs collide, drafts; `count` of them (else a number `seed` picks)."""
    rng = random.Random(seed)
    return [_record(rng, n) for n in range(count or rng.randint(1, 70))]
