"""Grouping on a cluster (`feedpub.spread`) against `group.select`, on corpora made to
tie, repeat and collide, with every setting that changes what is chosen.

The reductions run with Dask's synchronous scheduler (`grouping.InProcess`): the
functions a cluster runs, in this process; `test_cluster.py` runs them on real ones.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any

import pytest

pytest.importorskip("dask.bag", reason="grouping on a cluster needs Dask: pip install -e '.[dask]'")

from conftest import record_text
from feedpub.config import Config, CustomFeed
from feedpub.load import parse_record
from feedpub.types import Article
from grouping import InProcess, group_articles, spread_articles, tricky_records

CUSTOM = (
    CustomFeed("ai", "AI", topics=("ai",), max_items=3),
    CustomFeed("good", "Good", min_quality=50, include_related=False),
    CustomFeed("video", "Video", types=("video",), providers=("news.example",)),
    CustomFeed("late", "Late", since=datetime(2026, 2, 1, tzinfo=UTC), max_items=2),
)
SETTINGS: dict[str, dict[str, Any]] = {
    "defaults": {},
    "few items": {"max_items": 2},
    "drafts": {"include_drafts": True},
    "custom feeds": {"feeds": CUSTOM, "max_items": 4},
    "archives": {"archives": True, "max_items": 3, "archive_page_size": 2},
    "topics only": {"group_by": ("topic",)},
    "providers only": {"group_by": ("provider",), "feeds": CUSTOM[:2]},
}


def _articles(seed: int, count: int | None = None) -> list[Article]:
    found = []
    for path, fields in tricky_records(seed, count):
        article, problems = parse_record(path, record_text(fields).encode())
        assert article is not None, problems
        found.append(article)
    return found


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("settings", SETTINGS)
def test_a_cluster_chooses_what_select_chooses(config: Config, settings: str, seed: int) -> None:
    articles = _articles(seed)
    config = dataclasses.replace(config, **SETTINGS[settings])
    local = group_articles(articles, config)
    for partitions in (1, 4, 9):
        assert spread_articles(articles, config, partitions) == local, partitions


def _scanned_and_selected(paths: list[str], config: Config) -> Any:
    """`spread.scan` and `spread.select` as a build on a cluster calls them, in this
    process (`grouping.InProcess`): the records read from the working folder."""
    from feedpub import spread

    runner = InProcess()
    scanned = spread.scan(runner, paths, config.strict, lambda done: None)
    return scanned, spread.select(scanned.recs, paths, config, scanned.drafts, runner)


def test_an_empty_folder_is_grouped_as_select_groups_it(config: Config) -> None:
    # Dask's task shuffle cannot take a bag of no partitions (a math domain error).
    scanned, found = _scanned_and_selected([], config)
    assert (scanned.problems, scanned.valid, scanned.drafts) == ([], 0, 0)
    local = group_articles([], config)
    assert found.selection.plans == [] and local.feeds == ()
    assert (found.selection.problems, found.selection.duplicates) == ([], 0)


def _crafted(n: int, url: str, related: list[dict[str, Any]], **fields: Any) -> Article:
    values: dict[str, Any] = {
        "title": f"Crafted {n}",
        "publishedDateTime": "2026-01-01T10:00:00Z",  # every date ties
        "webUrl": f"https://a.example/{url}",
        "provider": {"name": "Other", "domain": "other.example"},
        "topics": ["AI"],
        "related": related,
        **fields,
    }
    article, problems = parse_record(f"seeds/{n:03d}.md", record_text(values).encode())
    assert article is not None, problems
    return article


def _item(url: str, **fields: Any) -> dict[str, Any]:
    return {"title": f"Item {url}", "webUrl": f"https://a.example/{url}", **fields}


CRAFTED = [
    # its own URL related, an article's (a draft's), and one no article has
    _crafted(0, "a", [_item("a"), _item("b"), _item("x")]),
    _crafted(1, "b", [_item("a")], published=False),  # a draft that mentions another
    # a duplicate of the first, whose related items are left out with it
    _crafted(2, "a", [_item("c"), _item("y", publishedDateTime="2026-03-01T00:00:00Z")]),
    # a provider with no name (its domain is its name), a date of its own
    _crafted(
        3,
        "c",
        [_item("y", provider={"domain": "news.example"}), _item("x")],
        topics=["ai", "Space"],
        provider={"domain": "dash.example"},
    ),
    _crafted(4, "d", [_item("x", publishedDateTime="2026-01-01T10:00:00Z")], topics=[]),
]


@pytest.mark.parametrize("settings", SETTINGS)
@pytest.mark.parametrize("count", [1, 2, 3, len(CRAFTED)])
def test_crafted_corpora_are_grouped_as_select_groups_them(
    config: Config, settings: str, count: int
) -> None:
    articles = CRAFTED[:count]
    config = dataclasses.replace(config, **SETTINGS[settings])
    local = group_articles(articles, config)
    for partitions in (1, 2, count):
        assert spread_articles(articles, config, partitions) == local, partitions


def test_no_task_finding_duplicates_holds_every_url(config: Config) -> None:
    # A fold (Bag.foldby) ends in one task holding a dict of every URL of the corpus:
    # at 100M records, more than a worker has. Duplicates are found by a shuffle.
    import dask.bag

    from feedpub import spread

    articles = sorted(_articles(5, 40), key=lambda a: a.path)
    recs = [spread.rec_of(index, a, b"") for index, a in enumerate(articles)]
    bag = dask.bag.from_sequence(recs, npartitions=4)
    asked: list[Any] = []

    class Recording(InProcess):
        def compute(self, *collections: Any) -> list[Any]:
            asked.extend(collections)
            return super().compute(*collections)

    found = spread.duplicates(bag, config, Recording())
    local = group_articles(articles, config)
    assert len(found) == local.duplicates > 0
    assert [c.npartitions for c in asked] == [4]


@pytest.mark.parametrize("strict", [False, True])
def test_records_past_the_first_partition_are_counted_and_named_as_locally(
    config: Config, monkeypatch: pytest.MonkeyPatch, strict: bool
) -> None:
    # A build parses 8,192 records a partition: with 3, the problems, counts and
    # duplicates of later partitions name their records by their corpus-wide index.
    from conftest import article, write_record
    from feedpub import check, spread
    from feedpub.source import scan_record_paths

    for n in range(8):
        fields = article(n, published=n != 5, webUrl=f"https://news.example/a/{n % 6}")
        if n == 4:
            fields = article(n, unknownKey="a warning")
        write_record(config.source, f"{n}.md", fields if n != 1 else article(n, title=""))
    config = dataclasses.replace(config, strict=strict, skip_invalid=True)
    monkeypatch.setattr(spread, "_PART", 3)
    paths = scan_record_paths(config.source)[0]
    scanned, found = _scanned_and_selected(paths, config)
    local = check(config)
    problems = [p for _, ps in scanned.problems for p in ps] + found.selection.problems
    # (Severities aside: build makes every problem an error under --strict.)
    where = [(p.path, p.line, p.field, p.message) for p in problems]
    assert where == [(p.path, p.line, p.field, p.message) for p in local.problems]
    assert len(paths) - scanned.valid + found.selection.duplicates == local.skipped
    assert found.selection.drafts == local.selection.drafts == 1
