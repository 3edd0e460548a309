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
from grouping import group_articles, spread_articles, tricky_records

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


def _articles(seed: int) -> list[Article]:
    found = []
    for path, fields in tricky_records(seed):
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
