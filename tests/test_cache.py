"""The record store and the build's use of it: reuse, distrust, and identical output."""

from __future__ import annotations

import importlib
import os
import random
import re
import shutil
import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest

from conftest import article, feed_files, write_record
from feedpub import Config, RecordsError, build
from feedpub.cache import RecordStore
from feedpub.source import Records

# The module, not the function the package exports under the same name.
build_module = importlib.import_module("feedpub.build")


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in feed_files(folder, "")}


@pytest.fixture
def cached(config: Config, tmp_path: Path) -> Config:
    for n in range(12):
        write_record(
            config.source,
            f"{n:02d}.md",
            article(n, topics=["AI", f"T{n % 3}"], related=[related(n)]),
        )
    return replace(config, cache_dir=tmp_path / "cache")


def related(n: int) -> dict[str, object]:
    # Records 0-3 share related items with records 4-11, so links cross topics.
    return {"title": f"Related {n % 4}", "webUrl": f"https://r.example/{n % 4 if n < 8 else n}"}


def parsed_paths(config: Config) -> list[str]:
    """The records a scan parses (not taken from the store)."""
    assert config.cache_dir is not None
    with RecordStore(config.cache_dir, config.source, config.output) as store:
        known = {row[0] for row in store.stats()}
        records = Records(config.source, store, jobs=1)
        records.scan()
    return sorted(p for p in records.paths if p not in known)


def test_cache_folder_is_ignored_by_git_and_tagged(cached: Config) -> None:
    build(cached)
    assert cached.cache_dir is not None
    assert (cached.cache_dir / ".gitignore").read_text().strip().endswith("*")
    assert (cached.cache_dir / "CACHEDIR.TAG").read_text().startswith("Signature: 8a477f59")


def test_warm_build_parses_nothing_and_renders_nothing(
    cached: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    build(cached)
    assert parsed_paths(cached) == []
    rendered: list[str] = []

    real = build_module.assemble
    monkeypatch.setattr(
        build_module, "assemble", lambda plan, *a: rendered.append(plan.name) or real(plan, *a)
    )
    result = build(cached)
    assert rendered == []
    assert not result.created and not result.changed and not result.removed


def test_one_changed_record_is_parsed_again_and_only_its_feeds_rendered(
    cached: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    build(cached)
    before = tree(cached.output)
    target = cached.source / "11.md"
    target.write_text(target.read_text().replace("Article 11", "Article eleven"))

    rendered: list[str] = []
    real = build_module.assemble
    monkeypatch.setattr(
        build_module, "assemble", lambda plan, *a: rendered.append(plan.name) or real(plan, *a)
    )
    result = build(cached)
    assert "all" in rendered and "topics/t2" in rendered and "topics/t0" not in rendered
    changed = {p for p in result.changed if not p.startswith(".")}
    assert changed and all(not p.startswith("topics/t0") for p in changed)
    after = tree(cached.output)
    assert {p for p in after if after[p] != before.get(p)} - {".feedpub-manifest.json"} == changed


def test_same_bytes_with_a_new_mtime_are_not_parsed_again(cached: Config) -> None:
    build(cached)
    record = cached.source / "03.md"
    os.utime(record, ns=(1_000_000_000 * 10**9, 1_000_000_000 * 10**9))
    assert parsed_paths(cached) == []


def test_output_edited_by_hand_is_rewritten(cached: Config) -> None:
    build(cached)
    feed = cached.output / "topics" / "ai.atom.xml"
    good = feed.read_bytes()
    feed.write_bytes(b"<feed>vandalised</feed>")
    result = build(cached)
    assert "topics/ai.atom.xml" in result.changed
    assert feed.read_bytes() == good


def test_deleted_output_file_is_written_again(cached: Config) -> None:
    build(cached)
    (cached.output / "all.rss.xml").unlink()
    result = build(cached)
    assert "all.rss.xml" in result.created


@pytest.mark.parametrize("damage", [b"", b"not a database at all" * 100])
def test_a_corrupt_store_is_replaced_not_trusted(cached: Config, damage: bytes) -> None:
    build(cached)
    expected = tree(cached.output)
    assert cached.cache_dir is not None
    for db in cached.cache_dir.glob("*.sqlite3*"):
        db.write_bytes(damage)
    build(replace(cached, output=cached.output.with_name("again")))
    assert tree(cached.output.with_name("again")) == expected


def test_a_store_from_another_version_is_dropped(cached: Config) -> None:
    build(cached)
    assert cached.cache_dir is not None
    (db_path,) = cached.cache_dir.glob("*.sqlite3")
    db = sqlite3.connect(db_path)
    db.execute("UPDATE meta SET value = 'feedpub 0.0.0 schema 0' WHERE key = 'tag'")
    db.commit()
    db.close()
    assert len(parsed_paths(cached)) == 12


def test_no_cache_writes_no_cache_folder(config: Config, tmp_path: Path) -> None:
    write_record(config.source, "a.md", article(1))
    build(replace(config, cache_dir=None))
    assert not (tmp_path / ".feedpub_cache").exists()
    assert (config.output / "all.atom.xml").is_file()


def test_workers_cache_and_one_process_give_the_same_bytes(corpus: Path, tmp_path: Path) -> None:
    base = Config(base_url="https://feeds.example.org/", source=corpus)
    one = replace(base, output=tmp_path / "one", jobs=1, cache_dir=None)
    two = replace(base, output=tmp_path / "two", jobs=2, cache_dir=tmp_path / "cache")
    build(one)
    build(two)
    assert tree(tmp_path / "one") == tree(tmp_path / "two")
    build(replace(two, output=tmp_path / "three"))  # everything from the store
    assert tree(tmp_path / "one") == tree(tmp_path / "three")


def test_a_new_spelling_of_a_topic_rerenders_every_feed_that_names_it(
    config: Config, tmp_path: Path
) -> None:
    """Entries name topics by the corpus-wide spelling, so a record elsewhere can change
    a feed's bytes; the incremental build must match a fresh one."""
    cached = replace(config, cache_dir=tmp_path / "cache")
    write_record(
        config.source,
        "a.md",
        article(
            1,
            topics=["ai"],
            webUrl="https://a.example/1",
            provider={"name": "A", "domain": "a.example"},
        ),
    )
    write_record(config.source, "b.md", article(2, topics=["misc"]))
    build(cached)
    write_record(config.source, "c.md", article(3, topics=["AI"]))
    build(cached)
    fresh = replace(config, output=tmp_path / "fresh", cache_dir=None)
    build(fresh)
    assert tree(cached.output) == tree(fresh.output)
    assert 'term="AI"' in (cached.output / "providers" / "a-example.atom.xml").read_text()


def test_a_store_damaged_between_builds_is_rebuilt_without_a_traceback(
    cached: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    build(cached)
    expected = tree(cached.output)
    assert cached.cache_dir is not None
    (db,) = cached.cache_dir.glob("*.sqlite3")
    for suffix in ("-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    data = bytearray(db.read_bytes())
    data[4 * 4096 :] = b"\xff" * (len(data) - 4 * 4096)  # the header and meta still read
    db.write_bytes(bytes(data))
    for record in cached.source.glob("*.md"):
        os.utime(record, ns=(10**18, 10**18))  # force the records to be read from it
    discarded: list[object] = []
    real = build_module.discard_store
    monkeypatch.setattr(build_module, "discard_store", lambda *a: discarded.append(a) or real(*a))
    build(cached)
    assert discarded, "the damage was not noticed: the test did not test anything"
    assert tree(cached.output) == expected


def test_a_record_file_name_that_is_not_utf8_is_a_problem_not_a_crash(config: Config) -> None:
    write_record(config.source, "good.md", article(1))
    bad = os.fsdecode(b"b\xff.md")
    (config.source / bad).write_text((config.source / "good.md").read_text())
    with pytest.raises(RecordsError) as caught:
        build(config)
    (problem,) = caught.value.problems
    assert "not valid UTF-8" in problem.message and "\\xff" in problem.path
    result = build(replace(config, skip_invalid=True))
    assert result.skipped == 1 and (config.output / "all.atom.xml").is_file()


def test_incremental_builds_match_fresh_ones_through_edits_adds_and_deletes(
    corpus: Path, tmp_path: Path
) -> None:
    """The scan copies unchanged records from the last scan's snapshot, a run at a time;
    whatever the edits, an incremental build must equal a build from nothing."""
    source = tmp_path / "records"
    shutil.copytree(corpus, source)
    cached = Config(
        base_url="https://feeds.example.org/",
        source=source,
        output=tmp_path / "incremental",
        cache_dir=tmp_path / "cache",
        jobs=1,
    )
    build(cached)
    rng = random.Random(6)
    for step in range(8):
        files = sorted(source.rglob("*.md"))
        target = rng.choice(files)
        text = target.read_text(encoding="utf-8")
        if step % 4 == 0:  # newer, retitled: it moves into feeds
            text = text.replace('title: "', 'title: "Edited ', 1)
            text = re.sub(r"publishedDateTime: \d{4}", "publishedDateTime: 2026", text, count=1)
            target.write_text(text, encoding="utf-8")
        elif step % 4 == 1:  # gone
            target.unlink()
        elif step % 4 == 2:  # a copy under a new URL, between existing paths
            text = text.replace('webUrl: "https://', 'webUrl: "https://copy.', 1)
            (target.parent / f"{target.stem}-copy.md").write_text(text, encoding="utf-8")
        else:  # a warning, then a record that now has an error
            target.write_text(text.replace("---\n", "---\nquality: lots\n", 1), encoding="utf-8")
            other = rng.choice([f for f in files if f != target])
            other.write_text(other.read_text(encoding="utf-8") + "\n", encoding="utf-8")
        fresh_config = replace(cached, output=tmp_path / f"fresh{step}", cache_dir=None)
        skip = step % 4 == 3
        incremental = build(replace(cached, skip_invalid=skip))
        fresh = build(replace(fresh_config, skip_invalid=skip))
        assert tree(cached.output) == tree(fresh_config.output), f"step {step}"
        assert incremental.problems == fresh.problems


def test_an_unreadable_snapshot_is_ignored(cached: Config) -> None:
    build(cached)
    assert cached.cache_dir is not None
    with RecordStore(cached.cache_dir, cached.source, cached.output) as store:
        store.db.execute("UPDATE snapshot SET data = ?", (b"not a pickle",))
    write_record(cached.source, "00.md", article(0, title="Retitled"))
    build(cached)
    fresh = replace(cached, output=cached.output.parent / "fresh", cache_dir=None)
    build(fresh)
    assert tree(cached.output) == tree(fresh.output)
