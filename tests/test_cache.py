"""The record store and the build's use of it: reuse, distrust, and identical output."""

from __future__ import annotations

import importlib
import os
import random
import re
import shutil
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import msgspec
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import article, feed_files, write_record
from feedpub import Config, RecordsError, build
from feedpub.cache import RecordStore
from feedpub.cli import cli
from feedpub.config import CustomFeed
from feedpub.errors import ConfigError

source_module = importlib.import_module("feedpub.source")

# The module, not the function the package exports under the same name.
build_module = importlib.import_module("feedpub.build")
publish_module = importlib.import_module("feedpub.publish")


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


def parsed_paths(config: Config, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The records a build parses, as the parser sees them (not taken from the store)."""
    seen: list[str] = []
    real = source_module.parse_file_summary
    monkeypatch.setattr(
        source_module, "parse_file_summary", lambda path: seen.append(path) or real(path)
    )
    build(replace(config, jobs=1))  # in this process, where the parser is watched
    monkeypatch.setattr(source_module, "parse_file_summary", real)
    return sorted(seen)


def test_cache_folder_is_ignored_by_git_and_tagged(cached: Config) -> None:
    build(cached)
    assert cached.cache_dir is not None
    assert (cached.cache_dir / ".gitignore").read_text().strip().endswith("*")
    assert (cached.cache_dir / "CACHEDIR.TAG").read_text().startswith("Signature: 8a477f59")


def test_a_new_store_has_pages_that_hold_a_record_each(cached: Config) -> None:
    """A parsed record's row is about 3 kB: in SQLite's default 4 kB pages each one
    fills a page of its own, and storing a cold build's rows writes twice as much."""
    build(cached)
    db = sqlite3.connect(_store(cached))
    try:
        assert db.execute("PRAGMA page_size").fetchone() == (16384,)
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    finally:
        db.close()


def test_warm_build_parses_nothing_and_renders_nothing(
    cached: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert len(parsed_paths(cached, monkeypatch)) == 12
    assert parsed_paths(cached, monkeypatch) == []
    rendered: list[str] = []

    real = publish_module.assemble
    monkeypatch.setattr(
        publish_module, "assemble", lambda plan, *a: rendered.append(plan.name) or real(plan, *a)
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
    real = publish_module.assemble
    monkeypatch.setattr(
        publish_module, "assemble", lambda plan, *a: rendered.append(plan.name) or real(plan, *a)
    )
    result = build(cached)
    assert "all" in rendered and "topics/t2" in rendered and "topics/t0" not in rendered
    changed = {p for p in result.changed if not p.startswith(".")}
    assert changed and all(not p.startswith("topics/t0") for p in changed)
    after = tree(cached.output)
    assert {p for p in after if after[p] != before.get(p)} - {".feedpub-manifest.json"} == changed


def test_same_bytes_with_a_new_mtime_are_not_parsed_again(
    cached: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    build(cached)
    record = cached.source / "03.md"
    os.utime(record, ns=(1_000_000_000 * 10**9, 1_000_000_000 * 10**9))
    assert parsed_paths(cached, monkeypatch) == []
    record.write_bytes(record.read_bytes().replace(b"Article 3", b"Article Z"))
    assert parsed_paths(cached, monkeypatch) == [str(record)]


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


def test_a_store_from_another_version_is_dropped(
    cached: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    build(cached)
    assert cached.cache_dir is not None
    (db_path,) = cached.cache_dir.glob("*.sqlite3")
    db = sqlite3.connect(db_path)
    db.execute("UPDATE meta SET value = 'feedpub 0.0.0 schema 0' WHERE key = 'tag'")
    db.commit()
    db.close()
    assert len(parsed_paths(cached, monkeypatch)) == 12


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
    page = int.from_bytes(data[16:18], "big")  # the page size, in SQLite's file header
    data[4 * page :] = b"\xff" * (len(data) - 4 * page)  # the header and meta still read
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


# --- a store is input: it never runs code, never stops a build, never hides an edit ---


class _Planted:
    """Unpickling this creates a file: the proof that a stored pickle ran."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.mkdir, (str(self.marker),))


OLD_NS = 1_600_000_000_000_000_000
SLOW_OK = [HealthCheck.too_slow, HealthCheck.function_scoped_fixture]


def _settle(config: Config) -> None:
    """Give every record an old mtime, so the store trusts what it stats."""
    for path in config.source.iterdir():
        os.utime(path, ns=(OLD_NS, OLD_NS))


def _store(config: Config) -> Path:
    assert config.cache_dir is not None
    (found,) = config.cache_dir.glob("build-*.sqlite3")
    return found


def _put_store(store: Path, data: bytes) -> None:
    """Put `data` in the store's place as a new file, without its write-ahead log: a
    file rewritten in place would keep its inode, and SQLite's state about that inode
    (in this process, or in one not yet gone) could make a test's own reads fail."""
    for suffix in ("-wal", "-shm"):
        Path(f"{store}{suffix}").unlink(missing_ok=True)
    fresh = store.with_name(store.name + ".new")
    fresh.write_bytes(data)
    os.replace(fresh, store)


def _no_cache_tree(config: Config, name: str) -> dict[str, bytes]:
    fresh = replace(config, output=config.output.parent / name, cache_dir=None)
    build(fresh)
    return tree(fresh.output)


def test_a_planted_pickle_in_the_store_never_runs(cached: Config, tmp_path: Path) -> None:
    """A store from a checkout, an archive or a restored CI cache is data, never code:
    pickles put in every column a build reads are never unpickled."""
    import pickle

    _settle(cached)
    build(cached)
    marker = tmp_path / "pwned"
    payload = pickle.dumps(_Planted(marker))
    db = sqlite3.connect(_store(cached))
    # Every value a build decodes, the rows' keys and stats left as they are, so the
    # rows are taken as current.
    db.execute("UPDATE records SET summary = ?, full = ?", (payload, payload))
    db.execute("UPDATE snapshot SET data = ?", (payload,))
    db.execute("INSERT OR REPLACE INTO meta VALUES ('last_build', ?)", (payload.hex(),))
    db.commit()
    db.close()
    write_record(cached.source, "00.md", article(0, title="Retitled"))

    for run in (lambda: build(cached), lambda: build_module.check(cached)):
        run()
        assert not marker.exists()
    assert tree(cached.output) == _no_cache_tree(cached, "fresh")


def test_an_edit_that_keeps_the_size_and_the_mtime_is_seen(cached: Config) -> None:
    """`touch -d`, `cp -p`, `rsync -t` and `tar --mtime` put an mtime back; the ctime
    and the inode still move, and the store keys on them too."""
    _settle(cached)
    build(cached)
    path = cached.source / "03.md"
    before = path.stat()
    text = path.read_text(encoding="utf-8")
    assert "title: Article 3\n" in text
    path.write_text(text.replace("title: Article 3\n", "title: Article X\n"), encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert (path.stat().st_size, path.stat().st_mtime_ns) == (before.st_size, before.st_mtime_ns)

    build(cached)

    assert b"Article X" in (cached.output / "all.atom.xml").read_bytes()
    assert tree(cached.output) == _no_cache_tree(cached, "fresh")
    # An edit that breaks the record, its size and mtime kept, is an error at once.
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("webUrl: https", "webUrl: xxxxx"), encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    with pytest.raises(RecordsError, match="1 error"):
        build(replace(cached, output=cached.output.parent / "other"))
    assert build_module.check(cached).has_errors


def test_a_cache_that_is_a_file_or_a_folder_gives_a_warning_not_a_failure(
    cached: Config, tmp_path: Path
) -> None:
    expected = _no_cache_tree(cached, "fresh")
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    result = build(replace(cached, cache_dir=blocked))
    assert tree(cached.output) == expected
    assert [p.severity for p in result.problems] == ["warning"]
    assert "building without it" in str(result.problems[0])

    assert cached.cache_dir is not None
    folder = cached.cache_dir
    store_path = build_module.store_path(folder, cached.source, cached.output)
    store_path.mkdir(parents=True)  # a folder where the store's file goes
    shutil.rmtree(cached.output)
    result = build(cached)
    assert tree(cached.output) == expected
    assert any("building without it" in str(p) for p in result.warnings)
    assert store_path.is_dir()


def _mutate_store(db: sqlite3.Connection, data: st.DataObject) -> None:
    """Put random values into random cells of the store's tables, and random rows."""
    tables = [row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
    value = st.one_of(
        st.none(),
        st.integers(min_value=-(2**63), max_value=2**63 - 1),
        st.floats(allow_nan=True),
        st.text(max_size=40),
        st.binary(max_size=64),
    )
    for _ in range(data.draw(st.integers(1, 6), label="edits")):
        # Every draw comes from the same strategy whatever the store holds, so that
        # hypothesis replays an example exactly: lists are indexed, not sampled.
        table = tables[data.draw(st.integers(0, 10**6), label="table") % len(tables)]
        columns = [row[1] for row in db.execute(f"PRAGMA table_info({table})")]
        rowids = [row[0] for row in db.execute(f"SELECT rowid FROM {table}")]
        change_a_cell = data.draw(st.booleans(), label="change a cell")
        column = columns[data.draw(st.integers(0, 10**6), label="column") % len(columns)]
        pick = data.draw(st.integers(0, 10**6), label="row")
        cells = [data.draw(value, label="value") for _ in columns]
        if change_a_cell and rowids:
            query = f"UPDATE OR REPLACE {table} SET {column} = ? WHERE rowid = ?"
            db.execute(query, (cells[0], rowids[pick % len(rowids)]))
        else:
            marks = ",".join("?" * len(columns))
            db.execute(f"INSERT OR REPLACE INTO {table} VALUES ({marks})", cells)
    db.commit()


@settings(
    max_examples=int(os.environ.get("FEEDPUB_HOSTILE_EXAMPLES", "25")),
    deadline=None,
    database=None,
    suppress_health_check=SLOW_OK,
)
@given(data=st.data())
def test_whatever_the_store_holds_a_build_gives_the_feeds_of_the_records(
    hostile_site: HostileSite, data: st.DataObject
) -> None:
    """Random bytes, flipped bits, random rows and cells: every build exits 0 with the
    same feeds as a build without a cache."""
    config, expected, good_store = hostile_site.config, hostile_site.tree, hostile_site.store
    write_record(config.source, "05.md", article(5, topics=["AI", "T2"], related=[related(5)]))
    store = _store(config)
    how = data.draw(st.sampled_from(["bytes", "bits", "rows"]), label="damage")
    if how == "bytes":
        _put_store(store, data.draw(st.binary(max_size=4096), label="store"))
    elif how == "bits":
        damaged = bytearray(good_store)
        for _ in range(data.draw(st.integers(1, 8), label="flips")):
            at = data.draw(st.integers(0, len(damaged) * 8 - 1), label="bit")
            damaged[at // 8] ^= 1 << (at % 8)
        _put_store(store, bytes(damaged))
    else:
        _put_store(store, good_store)
        with sqlite3.connect(store) as db:
            _mutate_store(db, data)
        db.close()
    if data.draw(st.booleans(), label="edit a record"):
        write_record(config.source, "05.md", article(5, title="Edited"))
        expected = _no_cache_tree(config, f"fresh-{data.draw(st.integers(0, 10**9))}")
    result = runner().invoke(cli, ["build", *_cli_options(config)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert tree(config.output) == expected


@dataclass(frozen=True, repr=False)
class HostileSite:
    config: Config
    tree: dict[str, bytes]
    store: bytes  # the store's bytes after two builds

    def __repr__(self) -> str:
        return f"HostileSite({self.config.source})"


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory: pytest.TempPathFactory) -> HostileSite:
    """A site built once with a cache, the feeds it gave and its store's bytes."""
    root = tmp_path_factory.mktemp("hostile")
    config = Config(
        base_url="https://feeds.example.org/",
        source=root / "seeds",
        output=root / "feeds",
        cache_dir=root / "cache",
        jobs=1,
    )
    for n in range(12):
        write_record(
            config.source,
            f"{n:02d}.md",
            article(n, topics=["AI", f"T{n % 3}"], related=[related(n)]),
        )
    _settle(config)  # the store's rows are used as they are
    build(config)
    build(config)  # settled, with a snapshot and a last build to damage
    store = _store(config)
    with sqlite3.connect(store) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return HostileSite(config, tree(config.output), store.read_bytes())


def _cli_options(config: Config) -> list[str]:
    """The command line that builds `config`, whatever feedpub.yaml the folder holds."""
    assert config.cache_dir is not None
    settings = config.source.parent / "feedpub.yaml"
    settings.write_text("title: feedpub\n", encoding="utf-8")
    return [
        "--config",
        str(settings),
        str(config.source),
        "-o",
        str(config.output),
        "--base-url",
        config.base_url,
        "--cache-dir",
        str(config.cache_dir),
        "--jobs",
        "1",
        "-q",
    ]


def runner() -> CliRunner:
    return CliRunner()


def test_links_planted_in_the_cache_folder_are_never_written_through(
    cached: Config, tmp_path: Path
) -> None:
    """A link at the store's name to another program's database, or at the marks' names
    to files elsewhere: feedpub removes or skips the link and touches no target."""
    assert cached.cache_dir is not None
    victim = tmp_path / "victim"
    victim.mkdir()
    other = sqlite3.connect(victim / "app.db")
    other.execute("CREATE TABLE meta (key TEXT, value TEXT)")
    other.execute("INSERT INTO meta VALUES ('important', 'keep me')")
    other.commit()
    other.close()
    before = (victim / "app.db").read_bytes()
    cached.cache_dir.mkdir()
    (cached.cache_dir / ".gitignore").symlink_to(victim / "created-by-feedpub")
    store = build_module.store_path(cached.cache_dir, cached.source, cached.output)
    store.symlink_to(victim / "app.db")
    Path(f"{store}-wal").symlink_to(victim / "wal")

    build(cached)
    build(cached)

    assert (victim / "app.db").read_bytes() == before
    assert sorted(p.name for p in victim.iterdir()) == ["app.db"]
    assert not store.is_symlink() and store.is_file()
    assert tree(cached.output) == _no_cache_tree(cached, "fresh")


def test_a_cache_folder_feedpub_did_not_make_is_used_but_not_marked(
    cached: Config, tmp_path: Path
) -> None:
    """`cache_dir: .` must not write a `.gitignore` of `*` that hides a project."""
    project = tmp_path / "project"
    project.mkdir()
    (project / "notes.txt").write_text("mine")
    build(replace(cached, cache_dir=project))
    assert sorted(p.name for p in project.iterdir() if not p.name.startswith("build-")) == [
        "notes.txt"
    ]
    build(cached)  # a folder of its own is marked
    assert cached.cache_dir is not None
    assert (cached.cache_dir / ".gitignore").is_file()


def _forge(config: Config, change: Callable[[dict[str, Any], list[Any]], None]) -> None:
    """Rewrite every row of the store as an attacker who knows the format would: valid
    MessagePack of the right shape, checksums recomputed, stamps that never match."""
    from feedpub.cache import row_check

    db = sqlite3.connect(_store(config))
    rows = db.execute("SELECT path, hash, summary, full FROM records").fetchall()
    for path, digest_hash, summary, full in rows:
        article, stored = msgspec.msgpack.decode(full), msgspec.msgpack.decode(summary)
        if article is not None:
            change(article, stored)
        summary, full = msgspec.msgpack.encode(stored), msgspec.msgpack.encode(article)
        db.execute(
            "UPDATE records SET summary = ?, full = ?, summary_check = ?, full_check = ?, "
            "stamp = 12345 WHERE path = ?",
            (
                summary,
                full,
                row_check(path, digest_hash, summary),
                row_check(path, digest_hash, full),
                path,
            ),
        )
    db.execute("DELETE FROM snapshot")
    db.execute("DELETE FROM meta WHERE key = 'last_build'")
    db.commit()
    db.close()


def test_a_forged_article_with_a_javascript_link_is_not_published(cached: Config) -> None:
    build(cached)

    def javascript(article: dict[str, Any], summary: list[Any]) -> None:
        article["web_url"] = "javascript:alert(1)"

    _forge(cached, javascript)
    shutil.rmtree(cached.output)
    result = build(cached)
    assert not any(b"javascript:" in data for data in tree(cached.output).values())
    assert tree(cached.output) == _no_cache_tree(cached, "fresh")
    assert any("discarded" in str(p) for p in result.warnings)


def test_a_forged_error_in_the_store_does_not_stop_a_build(cached: Config) -> None:
    build(cached)

    def error(article: dict[str, Any], summary: list[Any]) -> None:
        summary[1] = [{"path": article["path"], "line": 1, "field": "title", "message": "forged"}]

    _forge(cached, error)
    result = build(cached)
    assert not any("forged" in str(p) for p in result.problems if p.is_error)
    assert not build_module.check(cached).has_errors
    assert tree(cached.output) == _no_cache_tree(cached, "fresh")


def test_forged_drafts_do_not_make_a_build_refuse_to_shrink(cached: Config) -> None:
    build(cached)

    def draft(article: dict[str, Any], summary: list[Any]) -> None:
        summary[0][2] = False  # published: no

    _forge(cached, draft)
    result = build(cached)
    assert tree(cached.output) == _no_cache_tree(cached, "fresh")
    assert any("discarded" in str(p) for p in result.warnings)


def test_a_cache_folder_inside_the_output_folder_is_refused(cached: Config) -> None:
    with pytest.raises(ConfigError, match="inside the output folder"):
        build(replace(cached, cache_dir=cached.output / "cache"))
    assert not cached.output.exists()


@settings(max_examples=200, deadline=None)
@given(st.text(), st.binary(max_size=16), st.binary(), st.binary())
def test_rows_are_stored_with_the_checksums_they_are_read_back_with(
    path: str, digest_hash: bytes, summary: bytes, full: bytes
) -> None:
    """`put` hashes a row's path and hash once for both its checksums; `summaries` and
    `fetch` check each with `row_check`."""
    from feedpub.cache import _with_checks, row_check

    row = (path, 1, 2, digest_hash, summary, full)
    assert _with_checks(row) == (
        *row,
        row_check(path, digest_hash, summary),
        row_check(path, digest_hash, full),
    )


# --- the selection the last build made --------------------------------------------

group_module = importlib.import_module("feedpub.group")


def selections(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Watch `select`: one item a call."""
    calls: list[int] = []
    real = group_module.select
    monkeypatch.setattr(group_module, "select", lambda *a: calls.append(1) or real(*a))
    return calls


def retitle(config: Config, name: str = "11.md") -> None:
    target = config.source / name
    target.write_text(target.read_text().replace("Article ", "Retitled article ", 1))


def test_an_edit_that_moves_no_entry_takes_the_last_selection(
    cached: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Selecting reads only the records' digests (dates, URLs, topics, providers): a
    new title moves no entry, so the build takes the entries the last one chose and
    renders only the feeds the record is in."""
    build(cached)
    retitle(cached)
    calls = selections(monkeypatch)
    result = build(cached)
    assert calls == []
    assert {"all.atom.xml", "topics/t2.atom.xml"} <= set(result.changed)
    assert not any(p.startswith("topics/t0") for p in result.changed)
    assert tree(cached.output) == _no_cache_tree(cached, "fresh")
    assert calls == [1]  # the build without a cache selected


def test_an_edit_that_moves_an_entry_selects_again(
    cached: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    build(cached)
    newer = article(3, topics=["AI", "T0"], related=[related(3)], publishedDateTime="2031-01-01")
    write_record(cached.source, "03.md", newer)
    calls = selections(monkeypatch)
    build(cached)
    assert calls == [1]
    assert tree(cached.output) == _no_cache_tree(cached, "fresh")


def test_new_settings_and_check_mode_select_again(
    cached: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    build(cached)
    calls = selections(monkeypatch)
    retitle(cached)
    build(replace(cached, max_items=3))
    assert calls == [1]
    retitle(cached, "10.md")
    build(replace(cached, max_items=3, jobs=2))  # how many processes changes nothing
    assert calls == [1]
    retitle(cached, "09.md")
    assert build(replace(cached, max_items=3), check_only=True).checked_only
    assert calls == [1, 1]  # a check trusts nothing the last build left


def _forge_selection(config: Config, change: Callable[[dict[str, Any]], None]) -> None:
    """Change the stored selection with `change`, keeping its key."""
    with sqlite3.connect(_store(config)) as db:
        (data,) = db.execute("SELECT data FROM selection").fetchone()
        selection = msgspec.msgpack.decode(data)
        change(selection)
        db.execute("UPDATE selection SET data = ?", (msgspec.msgpack.encode(selection),))


def _swap_articles(selection: dict[str, Any]) -> None:
    first, second = list(selection["sources"].values())[:2]
    first["article"], second["article"] = second["article"], first["article"]


def _record_out_of_range(selection: dict[str, Any]) -> None:
    source = next(s for s in selection["sources"].values() if s["mentions"])
    source["mentions"][0][0] = -1


def _plan_of_unknown_key(selection: dict[str, Any]) -> None:
    selection["plans"][0]["keys"].append(12345)


def _related_dropped(selection: dict[str, Any]) -> None:
    selection["own_related"].clear()


def _topic_names_dropped(selection: dict[str, Any]) -> None:
    selection["topic_names"].clear()


def _garbage(selection: dict[str, Any]) -> None:
    selection.clear()


def _name_outside_the_output(selection: dict[str, Any]) -> None:
    selection["plans"][0]["name"] = "../../planted"


def _name_where_a_feed_is(selection: dict[str, Any]) -> None:
    selection["plans"][1]["name"] = "all.atom.xml/planted"


def _name_too_long(selection: dict[str, Any]) -> None:
    selection["plans"][1]["name"] = "topics/" + "a" * 300


def _names_shared(selection: dict[str, Any]) -> None:
    for plan in selection["plans"]:
        plan["name"] = "all"


def _planted_error(selection: dict[str, Any]) -> None:
    planted = {"path": "x.md", "line": None, "field": "", "message": "planted", "severity": "error"}
    selection["problems"].append(planted)


def _entry_listed_again(selection: dict[str, Any]) -> None:
    """One entry 20,000 times: a feed a thousand times the size of its limit."""
    plan = selection["plans"][0]
    plan["keys"] = plan["keys"][:1] * 20_000


def _mention_listed_again(selection: dict[str, Any]) -> None:
    """One mention listed 20,000 times, and its entry in every plan: each entry would
    merge and sort them all, for every plan, and again for its fingerprint."""
    key, source = next((k, s) for k, s in selection["sources"].items() if s["mentions"])
    source["mentions"] *= 20_000
    for plan in selection["plans"]:
        if key not in plan["keys"]:
            plan["keys"][-1] = key


@pytest.mark.parametrize(
    "forge",
    [
        _swap_articles,
        _record_out_of_range,
        _plan_of_unknown_key,
        _related_dropped,
        _topic_names_dropped,
        _garbage,
        _name_outside_the_output,
        _name_where_a_feed_is,
        _name_too_long,
        _names_shared,
        _planted_error,
        _entry_listed_again,
        _mention_listed_again,
    ],
)
def test_a_stored_selection_that_disagrees_with_the_records_is_not_used(
    cached: Config, monkeypatch: pytest.MonkeyPatch, forge: Callable[[dict[str, Any]], None]
) -> None:
    build(cached)
    _forge_selection(cached, forge)
    retitle(cached)
    calls = selections(monkeypatch)
    result = build(cached)
    assert calls == [1]
    assert not result.warnings  # passed over, not failed on: the store is kept
    assert tree(cached.output) == _no_cache_tree(cached, "fresh")


def test_a_planted_warning_never_stops_a_strict_build(
    cached: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With --strict a warning stops the build: one kept in the store could be planted."""
    strict = replace(cached, strict=True)
    build(strict)
    planted = {"path": "x.md", "line": 1, "field": "", "message": "planted", "severity": "warning"}
    _forge_selection(strict, lambda selection: selection["problems"].append(planted))
    retitle(strict)
    calls = selections(monkeypatch)
    result = build(strict)
    assert calls == [1]
    assert not result.problems


def test_archives_custom_feeds_and_warnings_are_kept(
    cached: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The checks on a kept selection pass every plan and warning `select` gives."""
    config = replace(
        cached,
        max_items=3,
        archives=True,
        archive_page_size=2,
        feeds=(CustomFeed("ai-only", "AI only", topics=("ai",), max_items=4),),
    )
    write_record(config.source, "12.md", article(5))  # the same URL as 05.md: a warning
    build(config)
    retitle(config)
    calls = selections(monkeypatch)
    result = build(config)
    assert calls == []
    assert any("same webUrl" in p.message for p in result.problems)
    assert (config.output / "archives/custom/ai-only/2.atom.xml").is_file()
    assert tree(config.output) == _no_cache_tree(config, "fresh")
