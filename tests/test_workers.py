"""The build's worker pool: never more processes than cores or tasks, results in the
order the items were given whatever order they finish in."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from feedpub.cache import RecordStore
from feedpub.source import Records
from feedpub.workers import Workers, cap_jobs


def test_no_more_workers_than_cores_or_tasks(tmp_path: Path) -> None:
    cores = os.cpu_count() or 1
    assert Workers(100_000).jobs == cores
    assert cap_jobs(None) == cores and cap_jobs(0) == cores and cap_jobs(-3) == 1
    workers = Workers(100_000)
    try:
        assert list(workers.map(abs, [-1], 1)) == [1]
        assert workers._pool is not None
        assert len(workers._pool._processes) == 1
    finally:
        workers.close()
    with RecordStore(None, tmp_path, tmp_path / "out") as store:
        assert Records(tmp_path, store, jobs=100_000).jobs == cores


def _slow_first(n: int) -> int:
    time.sleep(0.3 if n == 0 else 0.0)
    return n


def test_results_come_in_the_order_of_the_items_not_of_their_finishing() -> None:
    workers = Workers(2)
    try:
        assert list(workers.map(_slow_first, range(8), 8)) == list(range(8))
    finally:
        workers.close()


def test_a_build_that_parses_everything_makes_its_workers_before_it_compares(
    tmp_path: Path,
) -> None:
    """A worker process starts as big as the build is when it is made: with an empty
    store, every record is to be parsed, so the workers are made as soon as the paths
    are known, before the columns comparing them with the store (tens of MB a million
    records) exist. With records stored, none is made until there is work for it."""
    if cap_jobs(2) < 2:
        pytest.skip("one CPU: a build runs no worker")
    source = tmp_path / "seeds"
    source.mkdir()
    for n in range(300):
        (source / f"{n:03d}.md").write_text(f"---\ntitle: {n}\n---\n", encoding="utf-8")
    with RecordStore(tmp_path / "cache", source, tmp_path / "out") as store:
        records = Records(source, store, jobs=2)
        try:
            assert records.workers._pool is not None
            assert len(records.workers._pool._processes) == 2
            records.scan()
        finally:
            records.workers.close()
        again = Records(source, store, jobs=2)
        assert again.workers._pool is None
