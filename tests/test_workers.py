"""The build's worker pool: never more processes than cores or tasks, results in the
order the items were given whatever order they finish in; feeds made in the workers
are the bytes one process makes, and a worker's failure leaves the site as it was."""

from __future__ import annotations

import importlib
import multiprocessing
import os
import shutil
import sqlite3
import time
from dataclasses import replace
from pathlib import Path

import pytest

from feedpub import Config, build
from feedpub.cache import RecordStore
from feedpub.errors import OutputError
from feedpub.source import Records
from feedpub.workers import Workers, cap_jobs
from feedpub.write import TEMP_MARK, Staged, stage

# The stage that makes feeds, as a module.
publish_module = importlib.import_module("feedpub.publish")
source_module = importlib.import_module("feedpub.source")


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


def _titles_only(source: Path, count: int) -> Path:
    """A folder of `count` records that hold nothing but a title."""
    source.mkdir()
    for n in range(count):
        (source / f"{n:03d}.md").write_text(f"---\ntitle: {n}\n---\n", encoding="utf-8")
    return source


def _workers_at_each_listing(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many worker processes are alive each time the record paths are listed."""
    counts: list[int] = []
    real = source_module.walk_record_paths

    def listing(folder: Path) -> object:
        counts.append(len(multiprocessing.active_children()))
        return real(folder)

    monkeypatch.setattr(source_module, "walk_record_paths", listing)
    return counts


def test_a_build_that_parses_everything_makes_its_workers_before_it_lists_the_paths(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker process starts as big as the build is when it is made: with an empty
    store, every record is to be parsed, so the workers are made before the paths are
    listed (a million of them take a hundred MB while they are) and before the columns
    comparing them with the store exist. With records stored, none is made until there
    is work for it."""
    _two_cores(monkeypatch)
    source = _titles_only(tmp_path / "seeds", 300)
    workers_when_listed = _workers_at_each_listing(monkeypatch)
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
    assert workers_when_listed == [2, 0]


# --- feeds assembled, rendered and staged in the workers ------------------------------


def _two_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let a build use two workers whatever this machine has: the worker path is what
    is tested, not the machine."""
    monkeypatch.setattr(os, "cpu_count", lambda: 2)


def _not_in_this_process(*args: object) -> None:
    raise AssertionError("a feed was assembled in the build's own process")


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_feeds_made_in_the_workers_are_the_bytes_one_process_makes(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With several jobs and many feeds, each feed is assembled, rendered and staged in
    a worker from its recipe and stored articles; the files, the manifest and what the
    build reports are those of a build in one process, and so is a check of the site."""
    base = Config(base_url="https://feeds.example.org/", source=corpus)
    one = replace(base, output=tmp_path / "one", jobs=1, cache_dir=tmp_path / "cache1")
    two = replace(base, output=tmp_path / "two", jobs=2, cache_dir=tmp_path / "cache2")
    expected = build(one)
    _two_cores(monkeypatch)
    monkeypatch.setattr(publish_module, "assemble", _not_in_this_process)
    result = build(two)
    assert len(result.feeds) >= publish_module._RENDER_IN_WORKERS
    assert _tree(two.output) == _tree(one.output)
    assert (result.created, result.changed, result.unchanged) == (
        expected.created,
        expected.changed,
        expected.unchanged,
    )
    record = sorted(corpus.rglob("*.md"))[0]
    edited = tmp_path / "edited"
    shutil.copytree(corpus, edited)
    with (edited / record.relative_to(corpus)).open("a", encoding="utf-8") as body:
        body.write("\nOne more paragraph.\n")
    before = _tree(two.output)
    checked = build(replace(two, source=edited, cache_dir=None), check_only=True)
    assert checked.changed and _tree(two.output) == before


def _fail_on_the_tenth_feed(folder: Path, relpath: str, data: bytes, **kw: bool) -> Staged:
    if relpath.endswith(".atom.xml") and relpath.count("/") and "0" in relpath:
        raise OutputError(f"{relpath}: cannot write: disk full")
    return stage(folder, relpath, data, **kw)


def test_a_worker_that_fails_leaves_the_site_as_it_was_and_no_temporary(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A full disk met by one worker while others have staged files: the build stops
    with that error, nothing is renamed into place, and no worker's temporary file is
    left in the published folder."""
    config = Config(
        base_url="https://feeds.example.org/", source=corpus, output=tmp_path / "out", jobs=2
    )
    build(replace(config, jobs=1, base_url="https://old.example.org/"))
    before = _tree(config.output)
    _two_cores(monkeypatch)
    monkeypatch.setattr(publish_module, "stage", _fail_on_the_tenth_feed)
    with pytest.raises(OutputError, match="disk full"):
        build(config)
    assert _tree(config.output) == before
    assert [p for p in config.output.rglob("*") if TEMP_MARK in p.name] == []


def test_a_damaged_row_a_worker_reads_is_caught_and_the_cache_rebuilt(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker reads the articles of its feeds from the store itself: a row whose
    article is another record's (it decodes, but no longer matches its checksum) stops
    nothing, the store is discarded and the build is done from the records, with a
    warning, as when the build's own process finds it."""
    config = Config(
        base_url="https://feeds.example.org/",
        source=corpus,
        output=tmp_path / "out",
        cache_dir=tmp_path / "cache",
        jobs=2,
    )
    build(replace(config, jobs=1))
    expected = _tree(config.output)
    (store,) = (tmp_path / "cache").glob("*.sqlite3")
    with sqlite3.connect(store) as db:
        # Each row gets the next one's article: every one still decodes, and only its
        # checksum tells that it is not the article of its record.
        rows = db.execute("SELECT path, full FROM records ORDER BY path").fetchall()
        moved = [
            (full, path) for (path, _), (_, full) in zip(rows, rows[1:] + rows[:1], strict=True)
        ]
        db.executemany("UPDATE records SET full = ? WHERE path = ?", moved)
    db.close()
    _two_cores(monkeypatch)
    monkeypatch.setattr(publish_module, "assemble", _not_in_this_process)
    result = build(config, check_only=True)
    assert (
        [p.message for p in result.problems if "cache" in p.message]
        == [p.message for p in result.problems]
        != []
    )
    assert "damaged" in result.problems[0].message
    assert not (result.created or result.changed) and _tree(config.output) == expected


def test_a_small_or_cacheless_cold_build_keeps_no_worker_it_does_not_need(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Workers are made before the listing only for a first build with the cache; a
    build without it (a temporary store, always empty) waits for the count, and a
    folder of a few records keeps none."""
    _two_cores(monkeypatch)
    source = _titles_only(tmp_path / "seeds", 5)
    workers_when_listed = _workers_at_each_listing(monkeypatch)
    for folder in (None, tmp_path / "cache"):
        with RecordStore(folder, source, tmp_path / "out") as store:
            records = Records(source, store, jobs=2)
            assert records.workers._pool is None
            assert multiprocessing.active_children() == []
    assert workers_when_listed == [0, 2]


def test_a_listing_that_fails_leaves_no_worker_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The workers of a first build are made before the listing: if it fails (a folder
    that cannot be read, Ctrl-C), they are stopped at once, not left to the garbage
    collector, which a long-running `feedpub serve` may not call for a while."""
    _two_cores(monkeypatch)
    source = tmp_path / "seeds"
    source.mkdir()

    def refused(folder: Path) -> object:
        raise PermissionError(13, "Permission denied", str(folder))

    monkeypatch.setattr(source_module, "walk_record_paths", refused)
    with (
        RecordStore(tmp_path / "cache", source, tmp_path / "out") as store,
        pytest.raises(PermissionError),
    ):
        Records(source, store, jobs=2)
    assert multiprocessing.active_children() == []
