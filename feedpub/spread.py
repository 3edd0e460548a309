"""Reading and grouping on a Dask cluster: `group.select`'s choice made by keyed
reductions, so that the client never holds the corpus's digests.

A local build keeps every record's digest in one `DigestTable` and walks it. On a
cluster (`feedpub build --scheduler`), the workers parse the records a partition of
paths at a time (`scan_part`) and keep what grouping needs of them (`Rec`); the
client lists the folder and gets back only what the build reports and publishes:

1. **Duplicates**: each URL's records, by a `groupby` (Dask's task shuffle), give the
   records that are not their URL's article (few, and each one a warning).
2. **Entries**: every article, and every related item an article gives of another
   URL, keyed by URL (`groupby` with Dask's task shuffle): one group per entry, in
   partitions that stay on the workers.
3. **Candidates**: each group offers its entry to its feeds, as `select` does; each
   partition keeps its feeds' newest `limit` (a tree reduction, `_merge`). Entries
   carry their URLs, so ties order without I/O. Only feeds x `max_items` entries
   reach the client (with archives, every entry: archives publish them all).
4. **Names**: topics' spellings, and the records that first name each topic and
   provider, by a tree reduction (providers' names come with the candidates).
5. **Tracing**: the chosen entries' groups, and those they link to, give `Selection`
   its sources and the hashes of the records each feed is made from.

The client then makes the feeds' specs and plans with `group`'s own functions, so a
build on a cluster writes the bytes a local build writes. The records are read again
(checked against their hashes) when their feeds are made (`read_articles`).
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from operator import itemgetter
from typing import Any, NamedTuple, Protocol

import msgspec

from feedpub.cache import HASH_SIZE
from feedpub.config import Config, CustomFeed
from feedpub.errors import ClusterError, escape_text
from feedpub.group import (
    FeedKey,
    Names,
    Ref,
    Selection,
    Source,
    candidate_limit,
    duplicate_warnings,
    feed_specs,
    passes,
    plans_of,
)
from feedpub.load import digest_of, topic_key
from feedpub.source import read_record
from feedpub.types import Article, DigestRow, Problem

_SPLIT_EVERY = 8  # partitions merged by one task of a tree reduction


class Rec(NamedTuple):
    """What grouping needs of one valid record, kept on the worker that parsed it."""

    record: int  # its index in path order, corpus-wide
    digest: DigestRow
    url: str
    related_urls: tuple[str, ...]
    hash: bytes


class Part(NamedTuple):
    """One partition of records as a worker parsed it."""

    recs: list[Rec]  # the valid records
    problems: list[tuple[int, tuple[Problem, ...]]]  # only records that have some
    drafts: int


class PartTask(NamedTuple):
    folder: str  # the client's working folder, where relative paths start
    start: int  # the index of the first path
    paths: Sequence[str]
    strict: bool


def rec_of(index: int, article: Article, digest_hash: bytes) -> Rec:
    return Rec(
        index,
        digest_of(article),
        article.web_url,
        tuple(r.web_url for r in article.related),
        digest_hash,
    )


def scan_part(task: PartTask) -> Part:
    """On a worker: every record of a partition parsed; under `strict`, a record with
    any problem is as invalid as one with an error, as in a local build."""
    recs, problems, drafts = [], [], 0
    for index, path in enumerate(task.paths, task.start):
        article, found, digest_hash, _ = read_record(path, os.path.join(task.folder, path))
        if found:
            problems.append((index, tuple(found)))
        if article is None or (task.strict and found):
            continue
        recs.append(rec_of(index, article, digest_hash))
        drafts += not article.published
    return Part(recs, problems, drafts)


def part_report(part: Part) -> tuple[list[tuple[int, tuple[Problem, ...]]], int, int]:
    """What the client needs of a parsed partition: its problems and counts."""
    return part.problems, len(part.recs), part.drafts


def part_recs(part: Part) -> list[Rec]:
    return part.recs


class Runner(Protocol):
    """Where the reductions run: a cluster's client (`cluster.Cluster`), or this
    process (tests)."""

    def keep(self, function: Callable[[Any], Any], items: Iterable[Any]) -> list[Any]:
        """`function` of each item, kept where it is made (futures, on a cluster); the
        items are sent one at a time, none kept here."""

    def results(self, kept: Sequence[Any]) -> Iterator[Any]:
        """What `keep` made, brought here, in order."""

    def compute(self, *collections: Any) -> list[Any]:
        """The values of these Dask collections, brought here."""

    def persist(self, collection: Any) -> Any:
        """This Dask collection, computed and kept where it is made."""


_PART = 8192  # records a worker parses in one partition: fewer, bigger ones shuffle faster


class Scanned(NamedTuple):
    recs: Any  # a Dask bag of every valid record's `Rec`, kept on the workers
    problems: list[tuple[int, tuple[Problem, ...]]]  # by record, in path order
    valid: int
    drafts: int


def scan(
    runner: Runner, paths: Sequence[str], strict: bool, advance: Callable[[int], None]
) -> Scanned:
    """Every record parsed on the workers, a partition at a time; the partitions stay
    there, and their problems and counts come here, checked: a worker's answer is
    input too."""
    dask: Any = importlib.import_module("dask")
    bags: Any = importlib.import_module("dask.bag")
    here, starts = os.getcwd(), range(0, len(paths), _PART)
    # Made as they are sent: the client never holds a second copy of every path.
    tasks = (PartTask(here, start, paths[start : start + _PART], strict) for start in starts)
    parts = runner.keep(scan_part, tasks)
    problems: list[tuple[int, tuple[Problem, ...]]] = []
    valid = drafts = 0
    for start, report in zip(starts, runner.results(runner.keep(part_report, parts)), strict=True):
        task = PartTask(here, start, paths[start : start + _PART], strict)
        found, part_valid, part_drafts = _checked_report(task, report)
        problems += found
        valid += part_valid
        drafts += part_drafts
        advance(len(task.paths))
    if parts:
        recs = bags.from_delayed([dask.delayed(part_recs)(part) for part in parts])
    else:  # no records: one empty partition, as Dask's shuffle cannot take none
        recs = bags.from_sequence([], npartitions=1)
    return Scanned(recs, problems, valid, drafts)


def _checked_report(
    task: PartTask, report: object
) -> tuple[list[tuple[int, tuple[Problem, ...]]], int, int]:
    """A partition's report as `part_report` makes it for `task`, or a ClusterError."""
    found: list[tuple[int, tuple[Problem, ...]]]
    valid: int
    drafts: int
    try:
        found, valid, drafts = report  # type: ignore[misc]
        size = len(task.paths)
        if not (type(valid) is int and type(drafts) is int and 0 <= drafts <= valid <= size):
            raise ValueError(f"counts {valid!r}, {drafts!r} for {size} records")
        for index, problems in found:
            if not (type(index) is int and 0 <= index - task.start < size):
                raise ValueError(f"problems of record {index!r}, outside the partition")
            path = task.paths[index - task.start]
            if not all(type(p) is Problem and p.path == path for p in problems):
                raise ValueError(f"problems of another file than {path}")
    except (TypeError, ValueError) as e:
        message = f"a worker gave a report feedpub cannot use: {e}"[:400]
        raise ClusterError(escape_text(message)) from e
    return list(found), valid, drafts


@dataclass(frozen=True, slots=True)
class _Settings:
    """What the workers need of the configuration to offer entries to feeds."""

    include_drafts: bool
    limits: dict[FeedKey, int | None]  # the custom feeds' (`group.candidate_limit`)
    every: int | None  # any other feed's
    feeds: tuple[CustomFeed, ...]
    related_customs: frozenset[str]  # the custom feeds that take related items

    @classmethod
    def of(cls, config: Config) -> _Settings:
        keys: list[FeedKey] = [("custom", c.name) for c in config.feeds]
        customs = {key: candidate_limit(config, key) for key in keys}
        return cls(
            config.include_drafts,
            customs,
            candidate_limit(config, ("all",)),
            tuple(config.feeds),
            frozenset(c.name for c in config.feeds if c.include_related),
        )

    def limit(self, feed: FeedKey) -> int | None:
        return self.limits.get(feed, self.every)

    def publishable(self, rec: Rec) -> bool:
        published = rec.digest[2]
        return published or self.include_drafts


# --- 1. duplicates: each URL's first record is its article ---------------------------


def duplicates(recs: Any, config: Config, runner: Runner) -> list[tuple[int, int]]:
    """(a record left out, the record used for its URL) for every URL given by more
    than one record that can be published, by record."""
    settings = _Settings.of(config)
    keyed = recs.filter(settings.publishable).map(_key_and_index)
    # A shuffle, not a fold: a fold's last task would hold every URL of the corpus.
    grouped = keyed.groupby(itemgetter(0), shuffle="tasks", npartitions=recs.npartitions)
    [found] = runner.compute(grouped.filter(_has_many).map(_indexes))
    return sorted((index, min(indexes)) for indexes in found for index in sorted(indexes)[1:])


def _key_and_index(rec: Rec) -> tuple[int, int]:
    key = rec.digest[0]
    return key, rec.record


def _has_many(group: tuple[int, list[tuple[int, int]]]) -> bool:
    return len(group[1]) > 1


def _indexes(group: tuple[int, list[tuple[int, int]]]) -> list[int]:
    return [index for _, index in group[1]]


# --- 2. entries: articles and the related items they give, by URL -------------------


class _Article(NamedTuple):
    record: int
    timestamp: float
    domain: str
    name: str
    topics: tuple[str, ...]
    url: str
    related: tuple[int, ...]  # the key of each of its related items
    customs: tuple[str, ...]  # the custom feeds it passes
    hash: bytes


class _Mention(NamedTuple):
    record: int  # the article that gives the related item
    item: int
    timestamp: float | None
    domain: str | None
    name: str | None
    url: str
    owner_timestamp: float
    owner_topics: tuple[str, ...]
    owner_customs: tuple[str, ...]  # the custom feeds that take its related items
    owner_key: int
    owner_hash: bytes


# An article or mention travels between workers as MessagePack (`_pack`): a list of
# bytes moves through Dask's shuffle several times faster than one of tuples.
Group = tuple[int, list[tuple[int, bytes]]]  # (URL key, its article and mentions, packed)
_ARTICLE, _MENTION = b"a", b"m"
_encode = msgspec.msgpack.Encoder().encode
_article = msgspec.msgpack.Decoder(_Article).decode
_mention = msgspec.msgpack.Decoder(_Mention).decode


def _pack(value: _Article | _Mention) -> bytes:
    return (_ARTICLE if isinstance(value, _Article) else _MENTION) + _encode(value)


def entry_groups(recs: Any, dropped: frozenset[int], config: Config, runner: Runner) -> Any:
    """Every entry's group (`Group`), in partitions kept on the workers."""
    keyed = recs.map_partitions(_keyed, dropped, _Settings.of(config))
    groups = keyed.groupby(itemgetter(0), shuffle="tasks", npartitions=recs.npartitions)
    return runner.persist(groups)


def _keyed(
    recs: Iterable[Rec], dropped: frozenset[int], settings: _Settings
) -> list[tuple[int, bytes]]:
    """Each article under its URL, and each related item it gives of another URL under
    that URL, packed."""
    found: list[tuple[int, bytes]] = []
    for rec in recs:
        if not settings.publishable(rec) or rec.record in dropped:
            continue
        key, timestamp, _, domain, name, topics, _, _, _, mentions = rec.digest
        customs = tuple(c.name for c in settings.feeds if passes(rec.digest, c))
        takes = tuple(n for n in customs if n in settings.related_customs)
        own = tuple(m[0] for m in mentions)
        article = _Article(
            rec.record, timestamp, domain, name, topics, rec.url, own, customs, rec.hash
        )
        found.append((key, _pack(article)))
        for item, (other, when, its_domain, its_name) in enumerate(mentions):
            if other != key:
                url = rec.related_urls[item]
                mention = _Mention(
                    rec.record,
                    item,
                    when,
                    its_domain,
                    its_name,
                    url,
                    timestamp,
                    topics,
                    takes,
                    key,
                    rec.hash,
                )
                found.append((other, _pack(mention)))
    return found


def _split(group: Group) -> tuple[_Article | None, list[_Mention]]:
    """A group's article (if any) and its mentions in record order."""
    article, mentions = None, []
    for _, value in group[1]:
        if value[:1] == _ARTICLE:
            article = _article(value[1:])
        else:
            mentions.append(_mention(value[1:]))
    mentions.sort(key=lambda m: (m.record, m.item))
    return article, mentions


# --- 3. candidates: each feed's newest entries, by a tree reduction -----------------

Candidate = tuple[float, str, int, Ref]  # (timestamp, URL, key, where its data are)
ProviderNames = dict[str, tuple[str, tuple[int, int]]]  # domain -> (least name, first offer)


class Offers(NamedTuple):
    feeds: dict[FeedKey, list[Candidate]]  # newest first, ties by URL, cut to the limit
    providers: ProviderNames


def candidates(groups: Any, config: Config) -> Any:
    """The reduction of every group's offers to each feed's newest entries."""
    settings = _Settings.of(config)
    return groups.reduction(
        partial(_offers, settings=settings),
        partial(_merge, settings=settings),
        split_every=_SPLIT_EVERY,
        out_type=_item_type(),
    )


def _item_type() -> Any:
    from dask.bag.core import Item

    return Item


def _offers(groups: Iterable[Group], settings: _Settings) -> Offers:
    """A partition's offers to each feed, as `group.select` makes them."""
    feeds: dict[FeedKey, list[Candidate]] = {}
    providers: ProviderNames = {}
    for group in groups:
        article, mentions = _split(group)
        for feed, candidate in _offered(group[0], article, mentions, providers):
            feeds.setdefault(feed, []).append(candidate)
    return Offers(
        {feed: _cut(found, settings.limit(feed)) for feed, found in feeds.items()}, providers
    )


def _offered(
    key: int, article: _Article | None, mentions: list[_Mention], providers: ProviderNames
) -> Iterator[tuple[FeedKey, Candidate]]:
    """The feeds a URL's entry is offered to, as `group._offer_related` and
    `group._offer_articles` offer it; providers named on the way."""
    targets: set[FeedKey] = set()
    for mention in mentions:
        targets.update(("topic", topic_key(t)) for t in mention.owner_topics)
        targets.update(("custom", name) for name in mention.owner_customs)
    if article is not None:
        _name_provider(providers, article.domain, article.name, (1, article.record))
        targets.update((("all",), ("provider", article.domain)))
        targets.update(("topic", topic_key(t)) for t in article.topics)
        targets.update(("custom", name) for name in article.customs)
        candidate = (article.timestamp, article.url, key, (article.record, -1))
    else:
        first = mentions[0]
        when = next((m.timestamp for m in mentions if m.timestamp is not None), None)
        named = next((m for m in mentions if m.domain is not None), None)
        targets.add(("all",))
        if named is not None and named.domain is not None and named.name is not None:
            _name_provider(providers, named.domain, named.name, (0, key))
            targets.add(("provider", named.domain))
        timestamp = first.owner_timestamp if when is None else when
        candidate = (timestamp, first.url, key, (first.record, first.item))
    for feed in targets:
        yield feed, candidate


def _name_provider(
    providers: ProviderNames, domain: str, name: str, order: tuple[int, int]
) -> None:
    """A provider's feed takes the least name it is given; its order is that of its
    first offer in `group.select` (related items by URL key, then articles by path)."""
    _least(providers, domain, name, order)


Order = tuple[int, int]


def _least(found: dict[str, tuple[str, Order]], key: str, name: str, order: Order) -> None:
    """Keep under `key` the least name and the first order given it."""
    known = found.get(key)
    found[key] = (name, order) if known is None else (min(known[0], name), min(known[1], order))


def _cut(found: list[Candidate], limit: int | None) -> list[Candidate]:
    found.sort(key=_newest_first)
    return found if limit is None else found[:limit]


def _newest_first(candidate: Candidate) -> tuple[float, str]:
    return -candidate[0], candidate[1]


def _merge(parts: Iterable[Offers], settings: _Settings) -> Offers:
    feeds: dict[FeedKey, list[Candidate]] = {}
    providers: ProviderNames = {}
    for part in parts:
        for feed, found in part.feeds.items():
            feeds.setdefault(feed, []).extend(found)
        for domain, (name, order) in part.providers.items():
            _name_provider(providers, domain, name, order)
    return Offers(
        {feed: _cut(found, settings.limit(feed)) for feed, found in feeds.items()}, providers
    )


# --- 4. names: topics' spellings, and where topics and providers are first named ----


class Naming(NamedTuple):
    topics: dict[str, tuple[str, tuple[int, int]]]  # key -> (least spelling, first use)
    providers: dict[str, int]  # domain -> the first article that names it


def naming(recs: Any, dropped: frozenset[int], config: Config) -> Any:
    """The reduction of every partition's names (the set of records left out is one
    key of the graph, not a copy in every task)."""
    named = recs.map_partitions(_naming, dropped, _Settings.of(config))
    return named.reduction(
        _merge_naming, _merge_naming, split_every=_SPLIT_EVERY, out_type=_item_type()
    )


def _naming(recs: Iterable[Rec], dropped: frozenset[int], settings: _Settings) -> list[Naming]:
    """As `group._name_groups`: only articles name topics and providers, a provider by
    its own records and by every related item an article gives."""
    found = Naming({}, {})
    for rec in recs:
        if not settings.publishable(rec) or rec.record in dropped:
            continue
        _, _, _, domain, _, topics, _, _, _, mentions = rec.digest
        for position, spelling in enumerate(topics):
            _least(found.topics, topic_key(spelling), spelling, (rec.record, position))
        for named in {
            domain,
            *(m_domain for _, _, m_domain, _ in mentions if m_domain is not None),
        }:
            found.providers[named] = min(found.providers.get(named, rec.record), rec.record)
    return [found]


def _merge_naming(parts: Iterable[Naming]) -> Naming:
    found = Naming({}, {})
    for part in parts:
        for key, (spelling, first) in part.topics.items():
            _least(found.topics, key, spelling, first)
        for domain, index in part.providers.items():
            found.providers[domain] = min(found.providers.get(domain, index), index)
    return found


# --- 5. tracing: where the chosen entries' data come from --------------------------


class _TracedArticle(NamedTuple):
    record: int
    topics: tuple[str, ...]
    related: tuple[int, ...]
    hash: bytes


class _TracedMention(NamedTuple):
    record: int
    item: int
    owner_key: int
    owner_topics: tuple[str, ...]
    owner_hash: bytes


Traced = tuple[_TracedArticle | None, list[_TracedMention]]


def traced(
    groups: Any, keys: Iterable[int], runner: Runner, whole: bool, records: int
) -> dict[int, Traced]:
    """The article and mentions of each URL key of `keys` (every one has a group);
    unless `whole`, only what a link to its entry needs: the article, else the first
    mention. Checked: the keys asked for, records among the `records` listed."""
    wanted = frozenset(keys)
    [found] = runner.compute(groups.map_partitions(_trace, wanted, whole))
    answer = dict(found)
    if answer.keys() != wanted:
        raise _bad_answer(f"{len(answer)} groups for {len(wanted)} entries asked")
    for article, mentions in answer.values():
        where = [*(() if article is None else (article,)), *mentions]
        _are_records((w.record for w in where), records, "groups")
        hashes = [*(() if article is None else (article.hash,)), *(m.owner_hash for m in mentions)]
        if not all(len(h) == HASH_SIZE for h in hashes):
            raise _bad_answer("a record's hash is not one")
    return answer


def _trace(
    groups: Iterable[Group], wanted: frozenset[int], whole: bool
) -> list[tuple[int, Traced]]:
    found = []
    for group in groups:
        if group[0] in wanted:
            article, mentions = _split(group)
            if not whole:
                mentions = [] if article is not None else mentions[:1]
            found.append((group[0], _slim(article, mentions)))
    return found


def _slim(article: _Article | None, mentions: list[_Mention]) -> Traced:
    """What tracing needs of a group, and no more: it comes to the client."""
    return (
        None
        if article is None
        else _TracedArticle(article.record, article.topics, article.related, article.hash),
        [
            _TracedMention(m.record, m.item, m.owner_key, m.owner_topics, m.owner_hash)
            for m in mentions
        ],
    )


# --- the selection --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Spread:
    """A selection made on a cluster, and the hash of every record its feeds are made
    from (a local build has every record's hash; here only these come back)."""

    selection: Selection
    hashes: dict[int, bytes]


def select(recs: Any, paths: Sequence[str], config: Config, drafts: int, runner: Runner) -> Spread:
    """`group.select`'s selection of the records in the bag `recs`, made on the
    cluster `runner` runs on: the same plans, names, problems and sources."""
    dropped = duplicates(recs, config, runner)
    left_out = frozenset(index for index, _ in dropped)
    groups = entry_groups(recs, left_out, config, runner)
    offers, names = runner.compute(candidates(groups, config), naming(recs, left_out, config))
    # What comes back names records by number: each must be one (a worker's answer is
    # input too; a number past the end would stop the build with a traceback).
    _are_records((i for pair in dropped for i in pair), len(paths), "duplicates")
    _are_records((first[0] for _, first in names.topics.values()), len(paths), "topics")
    _are_records(names.providers.values(), len(paths), "providers")
    topic_order = sorted(names.topics, key=lambda k: names.topics[k][1])
    provider_order = sorted(offers.providers, key=lambda d: offers.providers[d][1])
    named = Names(
        topic_names={k: names.topics[k][0] for k in topic_order},
        topic_path={k: paths[names.topics[k][1][0]] for k in topic_order},
        topic_keys={},
        provider_path={d: paths[i] for d, i in names.providers.items()},
    )
    provider_names = {d: offers.providers[d][0] for d in provider_order}
    specs, topic_feeds, slug_warnings = feed_specs(config, named, provider_names)
    plans = [
        plan
        for spec in specs
        if offers.feeds.get(spec.key)
        for plan in plans_of(spec, [(c[0], c[2]) for c in offers.feeds[spec.key]], config)
    ]
    selection = Selection(
        plans=plans,
        problems=[*duplicate_warnings(dropped, paths), *slug_warnings],
        drafts=0 if config.include_drafts else drafts,
        duplicates=len(dropped),
        topic_names=named.topic_names,
        topic_feeds=topic_feeds,
        sources={},
        own_related={},
        article_keys={},
        article_topics={},
    )
    hashes = _trace_sources(selection, groups, runner, len(paths))
    return Spread(selection, hashes)


def _are_records(indexes: Iterable[object], count: int, what: str) -> None:
    if not all(type(i) is int and 0 <= i < count for i in indexes):
        raise _bad_answer(f"{what} name a record past the {count} listed")


def _bad_answer(why: str) -> ClusterError:
    return ClusterError(escape_text(f"a worker gave results feedpub cannot use: {why}"[:400]))


def _trace_sources(
    selection: Selection, groups: Any, runner: Runner, records: int
) -> dict[int, bytes]:
    """Fill in the selection's sources as `group._trace_sources` does; the hash of each
    of the `records` they name."""
    selected = {key for plan in selection.plans for key in plan.keys}
    found = traced(groups, selected, runner, whole=True, records=records)
    own_related = {
        key: article.related for key, (article, _) in found.items() if article is not None
    }
    targets = {t for related in own_related.values() for t in related} - selected
    found.update(traced(groups, targets, runner, whole=False, records=records))
    hashes: dict[int, bytes] = {}
    topics: dict[int, tuple[str, ...]] = {}
    sources = selection.sources
    for key, (article, mentions) in found.items():
        sources[key] = Source(None if article is None else article.record)
        sources[key].mentions = [(m.record, m.item) for m in mentions]
        if article is not None:
            hashes[article.record] = article.hash
            topics[article.record] = article.topics
        for m in mentions:
            hashes[m.record] = m.owner_hash
            topics[m.record] = m.owner_topics
            selection.article_keys[m.record] = m.owner_key
    for key in selected:  # the articles that mention a chosen entry are link targets too
        for m in found[key][1]:
            sources.setdefault(m.owner_key, Source(m.record))
    selection.own_related.update((k, v) for k, v in own_related.items() if k in selected)
    selection.article_topics.update(
        (s.article, topics[s.article]) for s in sources.values() if s.article is not None
    )
    return hashes
