"""Writing: atomic, inside the output folder, unchanged files left alone, links not followed."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import tracemalloc
from dataclasses import replace
from pathlib import Path

import pytest

from conftest import article, write_output, write_record
from feedpub import Config, build
from feedpub.errors import OutputError, ShrinkError
from feedpub.write import (
    MANIFEST,
    TEMP_MARK,
    Output,
    Plan,
    Staged,
    read_manifest,
    remove_stale_temporaries,
    safe_path,
    stage,
)

FILES = {
    "all.atom.xml": b"<feed>all</feed>\n",
    "all.rss.xml": b"<rss>all</rss>\n",
    "topics/ai.atom.xml": b"<feed>ai</feed>\n",
    "providers/news-example.rss.xml": b"<rss>news</rss>\n",
}
OLD_NS = 1_000_000_000 * 1_000_000_000  # 2001-09-09, far from any clock a test runs under


publish_module = importlib.import_module("feedpub.publish")


def feeds_only(plan: Plan) -> Plan:
    """The plan without feedpub's manifest, which every write also keeps current."""
    return Plan(
        *(
            tuple(p for p in paths if p != MANIFEST)
            for paths in (plan.created, plan.changed, plan.unchanged, plan.removed)
        )
    )


def tree(folder: Path) -> dict[str, bytes]:
    """Every file below `folder` but the manifest, by relative path, links not followed."""
    found = {}
    for root, _, names in os.walk(folder):
        for name in names:
            if name == MANIFEST:
                continue
            path = Path(root, name)
            found[path.relative_to(folder).as_posix()] = (
                b"-> " + os.readlink(path).encode() if path.is_symlink() else path.read_bytes()
            )
    return found


def age(folder: Path) -> None:
    """Give every file an old mtime, so any rewrite shows whatever the clock's resolution."""
    for path in folder.rglob("*"):
        if path.is_file():
            os.utime(path, ns=(OLD_NS, OLD_NS))


def temporaries(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if TEMP_MARK in p.name]


# --- writing and rewriting --------------------------------------------------------


def test_first_write_creates_files_and_folders(tmp_path: Path) -> None:
    out = tmp_path / "feeds"

    result = write_output(out, FILES)

    assert feeds_only(result) == Plan(created=tuple(sorted(FILES)), changed=(), unchanged=())
    assert tree(out) == FILES
    for relpath in FILES:
        assert (out / relpath).is_file()
        assert not (out / relpath).is_symlink()


def test_identical_second_write_touches_nothing(tmp_path: Path) -> None:
    out = tmp_path / "feeds"
    write_output(out, FILES)
    age(out)
    before = {p: (p.stat().st_mtime_ns, p.stat().st_ino) for p in out.rglob("*") if p.is_file()}

    result = write_output(out, FILES)

    assert feeds_only(result) == Plan(created=(), changed=(), unchanged=tuple(sorted(FILES)))
    after = {p: (p.stat().st_mtime_ns, p.stat().st_ino) for p in out.rglob("*") if p.is_file()}
    assert after == before
    assert all(mtime == OLD_NS for mtime, _ in after.values())


def test_a_kept_file_is_left_as_it_is_and_stays_owned(tmp_path: Path) -> None:
    # A warm build keeps a feed whose inputs did not change without rendering it again.
    out = tmp_path / "feeds"
    write_output(out, FILES)
    age(out)
    rest = {k: v for k, v in FILES.items() if k != "topics/ai.atom.xml"}

    result = write_output(out, rest, keep=["topics/ai.atom.xml"])

    assert feeds_only(result) == Plan(unchanged=tuple(sorted(FILES)))
    assert tree(out) == FILES
    assert (out / "topics/ai.atom.xml").stat().st_mtime_ns == OLD_NS
    assert read_manifest(out) == sorted(FILES)


def test_changed_file_is_replaced_whole_and_others_left_alone(tmp_path: Path) -> None:
    out = tmp_path / "feeds"
    write_output(out, FILES)
    age(out)
    # A reader holding the old file (here: a second name for it) keeps all of the old bytes.
    reader = tmp_path / "held-by-a-reader"
    os.link(out / "topics/ai.atom.xml", reader)
    changed = {**FILES, "topics/ai.atom.xml": b"<feed>ai, updated</feed>\n"}

    result = write_output(out, changed)

    assert feeds_only(result) == Plan(
        created=(),
        changed=("topics/ai.atom.xml",),
        unchanged=tuple(sorted(set(FILES) - {"topics/ai.atom.xml"})),
    )
    assert tree(out) == changed
    assert reader.read_bytes() == FILES["topics/ai.atom.xml"]
    assert (out / "topics/ai.atom.xml").stat().st_mtime_ns != OLD_NS
    assert (out / "all.atom.xml").stat().st_mtime_ns == OLD_NS


def test_new_file_beside_old_ones_is_created(tmp_path: Path) -> None:
    out = tmp_path / "feeds"
    write_output(out, FILES)

    result = write_output(out, {**FILES, "topics/climate.rss.xml": b"<rss>climate</rss>\n"})

    assert feeds_only(result).created == ("topics/climate.rss.xml",)
    assert feeds_only(result).changed == ()
    assert (out / "topics/climate.rss.xml").read_bytes() == b"<rss>climate</rss>\n"


def test_no_temporary_files_are_left_behind(tmp_path: Path) -> None:
    out = tmp_path / "feeds"
    write_output(out, FILES)
    write_output(out, {k: v + b"<!-- changed -->\n" for k, v in FILES.items()})

    assert temporaries(out) == []
    assert sorted(tree(out)) == sorted(FILES)


def test_stale_temporaries_are_removed(tmp_path: Path) -> None:
    out = tmp_path / "feeds"
    (out / "topics").mkdir(parents=True)
    stale = [
        out / f".x{TEMP_MARK}0123456789abcdef",
        out / "topics" / f".ai.atom.xml{TEMP_MARK}99aa99aa99aa99aa",
    ]
    for path in stale:
        path.write_bytes(b"<feed>half a fe")
    keep = out / "topics" / "notes.txt"
    keep.write_bytes(b"not ours to remove")

    result = write_output(out, FILES)

    assert feeds_only(result).created == tuple(sorted(FILES))
    assert temporaries(out) == []
    assert keep.read_bytes() == b"not ours to remove"


def test_remove_stale_temporaries_reports_what_it_removed(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    stale = tmp_path / "a" / f".f.rss.xml{TEMP_MARK}7777777777777777"
    stale.write_bytes(b"")
    (tmp_path / "a" / "f.rss.xml").write_bytes(b"kept")

    assert remove_stale_temporaries(tmp_path) == [stale]
    assert not stale.exists()
    assert (tmp_path / "a" / "f.rss.xml").read_bytes() == b"kept"


def test_stale_temporaries_are_not_removed_through_a_linked_folder(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    theirs = elsewhere / f".x{TEMP_MARK}1"
    theirs.write_bytes(b"someone else's file")
    out = tmp_path / "feeds"
    out.mkdir()
    (out / "linked").symlink_to(elsewhere, target_is_directory=True)

    remove_stale_temporaries(out)

    assert theirs.read_bytes() == b"someone else's file"


# --- staying inside the output folder ---------------------------------------------


@pytest.mark.parametrize(
    "relpath",
    [
        "../x",
        "..",
        "/abs",
        "/etc/passwd",
        "a/../../b",
        "a/..",
        ".hidden",
        "topics/.hidden.xml",
        "a\\b",
        "..\\x",
        "",
        ".",
    ],
)
def test_safe_path_refuses_paths_that_could_leave_the_folder(relpath: str, tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="outside the output folder"):
        safe_path(tmp_path, relpath)


@pytest.mark.parametrize(
    ("relpath", "parts"),
    [
        ("all.atom.xml", ("all.atom.xml",)),
        ("topics/ai.rss.xml", ("topics", "ai.rss.xml")),
        ("providers/news-example.atom.xml", ("providers", "news-example.atom.xml")),
    ],
)
def test_safe_path_accepts_plain_relative_paths(
    relpath: str, parts: tuple[str, ...], tmp_path: Path
) -> None:
    assert safe_path(tmp_path, relpath) == tmp_path.joinpath(*parts)


def test_a_path_outside_is_refused_and_nothing_is_written_anywhere(tmp_path: Path) -> None:
    out = tmp_path / "feeds"

    # The good file is put first (sorted order): the refusal must undo it as well.
    with pytest.raises(OutputError, match="outside the output folder"):
        write_output(out, {"all.atom.xml": b"<feed/>", "topics/../../escaped.xml": b"<rss/>"})

    assert not (tmp_path / "escaped.xml").exists()
    assert tree(out) == {}
    assert temporaries(out) == []


def test_symlinked_sub_folder_is_refused_and_its_target_untouched(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "ai.atom.xml").write_bytes(b"precious")
    out = tmp_path / "feeds"
    out.mkdir()
    (out / "topics").symlink_to(elsewhere, target_is_directory=True)

    with pytest.raises(OutputError, match="symbolic link"):
        write_output(out, {"topics/ai.atom.xml": b"<feed>ai</feed>\n"})

    assert tree(elsewhere) == {"ai.atom.xml": b"precious"}
    assert (out / "topics").is_symlink()


def test_symlinked_sub_folder_is_refused_even_when_it_holds_the_same_bytes(
    tmp_path: Path,
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "ai.atom.xml").write_bytes(b"<feed>ai</feed>\n")
    out = tmp_path / "feeds"
    out.mkdir()
    (out / "topics").symlink_to(elsewhere, target_is_directory=True)

    # The same refusal as above: whether a link is followed must not depend on what is there.
    with pytest.raises(OutputError, match="symbolic link"):
        write_output(out, {"topics/ai.atom.xml": b"<feed>ai</feed>\n"})


def test_symlink_at_a_target_file_is_replaced_not_written_through(tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_bytes(b"do not overwrite")
    out = tmp_path / "feeds"
    out.mkdir()
    (out / "all.atom.xml").symlink_to(victim)

    write_output(out, {"all.atom.xml": b"<feed>all</feed>\n"})

    assert victim.read_bytes() == b"do not overwrite"
    assert not (out / "all.atom.xml").is_symlink()
    assert (out / "all.atom.xml").read_bytes() == b"<feed>all</feed>\n"


def test_symlink_to_identical_bytes_is_still_replaced_by_a_file(tmp_path: Path) -> None:
    victim = tmp_path / "victim.xml"
    victim.write_bytes(b"<feed>all</feed>\n")
    out = tmp_path / "feeds"
    out.mkdir()
    (out / "all.atom.xml").symlink_to(victim)

    result = write_output(out, {"all.atom.xml": b"<feed>all</feed>\n"})

    assert feeds_only(result).unchanged == ()
    assert not (out / "all.atom.xml").is_symlink()
    assert (out / "all.atom.xml").read_bytes() == b"<feed>all</feed>\n"


def test_dangling_symlink_at_a_target_file_creates_nothing_at_its_target(tmp_path: Path) -> None:
    out = tmp_path / "feeds"
    out.mkdir()
    (out / "all.atom.xml").symlink_to(tmp_path / "planted.xml")

    write_output(out, {"all.atom.xml": b"<feed>all</feed>\n"})

    assert not (tmp_path / "planted.xml").exists()
    assert (out / "all.atom.xml").read_bytes() == b"<feed>all</feed>\n"


def test_symlink_at_the_temporary_name_is_not_followed(tmp_path: Path) -> None:
    out = tmp_path / "feeds"
    out.mkdir()
    temp = out / f".all.atom.xml{TEMP_MARK}{os.getpid()}"
    temp.symlink_to(tmp_path / "planted.xml")
    ours = out / f".all.atom.xml{TEMP_MARK}0123456789abcdef"
    ours.symlink_to(tmp_path / "planted.xml")

    write_output(out, {"all.atom.xml": b"<feed>all</feed>\n"})

    assert not (tmp_path / "planted.xml").exists()
    assert (out / "all.atom.xml").read_bytes() == b"<feed>all</feed>\n"
    # Links are never feedpub's temporaries: not written through, not removed.
    assert sorted(temporaries(out)) == sorted([temp, ours])


def test_folder_at_a_target_file_path_is_an_output_error(tmp_path: Path) -> None:
    out = tmp_path / "feeds"
    (out / "all.atom.xml").mkdir(parents=True)

    with pytest.raises(OutputError, match="cannot write"):
        write_output(out, {"all.atom.xml": b"<feed>all</feed>\n"})

    assert temporaries(out) == []


def test_file_where_a_folder_is_needed_is_an_output_error(tmp_path: Path) -> None:
    out = tmp_path / "feeds"
    out.mkdir()
    (out / "topics").write_bytes(b"a file")

    with pytest.raises(OutputError, match="not a folder"):
        write_output(out, {"topics/ai.atom.xml": b"<feed>ai</feed>\n"})

    assert (out / "topics").read_bytes() == b"a file"


# --- the manifest, pruning and planning -------------------------------------------


def test_manifest_lists_the_files_sorted_without_timestamps(tmp_path: Path) -> None:
    out = tmp_path / "feeds"
    write_output(out, FILES)
    text = (out / MANIFEST).read_text()
    assert read_manifest(out) == sorted(FILES)
    write_output(tmp_path / "again", dict(reversed(FILES.items())))
    assert (tmp_path / "again" / MANIFEST).read_text() == text
    assert '"files"' in text and "20" not in text  # no dates, no times


def test_files_no_longer_wanted_are_removed_with_their_empty_folders(tmp_path: Path) -> None:
    out = tmp_path / "feeds"
    write_output(out, FILES)
    smaller = {k: v for k, v in FILES.items() if not k.startswith("topics/")}

    result = write_output(out, smaller)

    assert result.removed == ("topics/ai.atom.xml",)
    assert tree(out) == smaller
    assert not (out / "topics").exists()
    assert read_manifest(out) == sorted(smaller)


def test_to_remove_names_before_finish_what_finish_removes(tmp_path: Path) -> None:
    # The build asks before finishing, to refuse one that would empty a published site.
    out = tmp_path / "feeds"
    write_output(out, FILES)
    output = Output(out)
    try:
        output.put("all.atom.xml", FILES["all.atom.xml"])
        output.keep("all.rss.xml")
        expected = ["providers/news-example.rss.xml", "topics/ai.atom.xml"]
        assert output.to_remove() == expected
        assert sorted(output.published()) == sorted(FILES)
        assert output.finish().removed == tuple(expected)
    finally:
        output.close()
    assert sorted(tree(out)) == ["all.atom.xml", "all.rss.xml"]


def test_files_feedpub_did_not_write_are_never_touched(tmp_path: Path) -> None:
    out = tmp_path / "feeds"
    (out / "topics").mkdir(parents=True)
    (out / "CNAME").write_text("feeds.example.org\n")
    (out / "topics" / "handmade.xml").write_text("<mine/>")
    write_output(out, FILES)

    result = write_output(out, {"all.atom.xml": FILES["all.atom.xml"]})

    assert set(result.removed) == set(FILES) - {"all.atom.xml"}
    assert (out / "CNAME").read_text() == "feeds.example.org\n"
    assert (out / "topics" / "handmade.xml").read_text() == "<mine/>"


def test_a_manifest_edited_to_point_outside_deletes_nothing_there(tmp_path: Path) -> None:
    out = tmp_path / "feeds"
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    write_output(out, FILES)
    (out / MANIFEST).write_text('{"files": ["../victim.txt", "/etc/hostname", "all.atom.xml"]}')

    result = write_output(out, FILES)

    assert result.removed == ()
    assert victim.read_text() == "keep me"


def test_a_corrupt_manifest_is_ignored_and_replaced(tmp_path: Path) -> None:
    out = tmp_path / "feeds"
    write_output(out, FILES)
    (out / MANIFEST).write_text("{not json")

    result = write_output(out, FILES)

    assert result.removed == ()
    assert result.changed == (MANIFEST,)
    assert read_manifest(out) == sorted(FILES)


def test_plan_says_what_a_write_would_do_and_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "feeds"
    write_output(out, FILES)
    age(out)
    wanted = {k: v for k, v in FILES.items() if k != "all.rss.xml"}
    wanted["topics/ai.atom.xml"] = b"<feed>new</feed>\n"
    wanted["topics/climate.atom.xml"] = b"<feed>climate</feed>\n"
    before = tree(out)

    plan = write_output(out, wanted, dry_run=True)

    assert feeds_only(plan) == Plan(
        created=("topics/climate.atom.xml",),
        changed=("topics/ai.atom.xml",),
        unchanged=("all.atom.xml", "providers/news-example.rss.xml"),
        removed=("all.rss.xml",),
    )
    assert MANIFEST in plan.changed
    assert not plan.is_current
    assert tree(out) == before
    assert write_output(out, FILES, dry_run=True).is_current


def test_two_writers_never_share_a_folder(tmp_path: Path) -> None:
    out = tmp_path / "feeds"
    first = Output(out)
    with pytest.raises(OutputError, match="another feedpub build is writing here"):
        Output(out)
    Output(out, dry_run=True).finish()  # a check only reads
    first.finish()
    Output(out).finish()  # released once the first is done


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_forked_worker_does_not_keep_the_folder_locked(tmp_path: Path) -> None:
    """Render workers are forked while the build holds the lock; if the build is killed,
    the lock must go with it, not live on in a worker."""
    out = tmp_path / "feeds"
    first = Output(out)
    read, write = os.pipe()
    ready_read, ready_write = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child
        os.close(write)
        os.write(ready_write, b"r")  # running: fork's hooks are done
        os.read(read, 1)  # wait until the parent has let go
        os._exit(0)
    os.close(read)
    try:
        assert os.read(ready_read, 1) == b"r"
        first.close()  # as if the build had died: only the worker is left
        Output(out).finish()  # the lock is free
    finally:
        os.write(write, b"x")
        for fd in (write, ready_read, ready_write):
            os.close(fd)
        os.waitpid(child, 0)


# --- the manifest and the temporaries are input too -----------------------------------


def _site(config: Config, count: int = 6) -> Config:
    for n in range(count):
        write_record(config.source, f"{n:02d}.md", article(n, topics=["AI", f"T{n % 3}"]))
    return replace(config, cache_dir=config.output.parent / "cache")


def test_manifest_entries_that_alias_a_wanted_file_delete_nothing(config: Config) -> None:
    """`./all.atom.xml` and `topics//ai.atom.xml` name files the build wants: they are
    not ours to remove under that spelling, and a wanted file that is missing is
    written whatever the cache remembers."""
    config = _site(config)
    build(config)
    expected = tree(config.output)
    manifest = config.output / MANIFEST
    listed = json.loads(manifest.read_text(encoding="utf-8"))
    listed["files"] += ["./all.atom.xml", "topics//ai.atom.xml", "topics/./ai.rss.xml", "/x"]
    manifest.write_text(json.dumps(listed), encoding="utf-8")

    build(config)
    assert tree(config.output) == expected
    (config.output / "topics/ai.json").unlink()  # gone behind the cache's back
    build(config)
    assert tree(config.output) == expected


def test_temporary_cleanup_removes_only_what_feedpub_names_so(config: Config) -> None:
    config = _site(config)
    out = config.output
    theirs = [
        out / ".git" / "objects" / f".pack{TEMP_MARK}0123456789abcdef",
        out / f"notes{TEMP_MARK}.txt",
        out / f".draft{TEMP_MARK}1234",
        out / "topics" / f".ai.atom.xml{TEMP_MARK}0123456789ABCDEF",
    ]
    ours = out / "topics" / f".ai.atom.xml{TEMP_MARK}0123456789abcdef"
    for path in [*theirs, ours]:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"left here")

    build(config)

    assert all(path.read_bytes() == b"left here" for path in theirs)
    assert not ours.exists()


@pytest.mark.parametrize(
    ("failure", "raised"),
    # The file system's error leaves the library as feedpub's own, the cause chained.
    [(KeyboardInterrupt(), KeyboardInterrupt), (OSError(28, "No space left"), OutputError)],
)
def test_a_failed_build_leaves_the_site_as_it_was_and_no_temporary(
    config: Config, monkeypatch: pytest.MonkeyPatch, failure: BaseException, raised: type
) -> None:
    """Ctrl-C or a full disk after the feeds were rendered: nothing is renamed into
    place, and the temporaries the build wrote are gone at once, not at the next build."""
    config = _site(config)
    build(config)
    before = tree(config.output)
    write_record(config.source, "00.md", article(0, title="Retitled"))

    def fail(*args: object) -> bytes:
        raise failure

    monkeypatch.setattr(publish_module, "render_index", fail)
    with pytest.raises(raised) as caught:
        build(config)

    assert caught.value is failure or caught.value.__cause__ is failure
    assert tree(config.output) == before
    assert temporaries(config.output) == []


def test_a_deeply_nested_manifest_is_ignored_and_unlocks_the_folder(config: Config) -> None:
    config = _site(config)
    build(config)
    expected = tree(config.output)
    depth = 200_000
    (config.output / MANIFEST).write_text('{"files":' + "[" * depth + "]" * depth + "}")
    build(replace(config, cache_dir=None))
    build(config)
    assert tree(config.output) == expected


def test_folders_nested_thousands_deep_do_not_stop_the_cleanup(config: Config) -> None:
    config = _site(config)
    deep = config.output / "deep"
    deep.mkdir(parents=True)
    for _ in range(1200):  # deeper than Python's recursion limit, within PATH_MAX
        deep = deep / "d"
        deep.mkdir()
    stale = deep / f".x.atom.xml{TEMP_MARK}0123456789abcdef"
    stale.write_bytes(b"half")
    try:
        build(config)
        assert not stale.exists()
    finally:  # Python 3.11's rmtree recurses too: pytest could not remove the tree
        subprocess.run(["rm", "-rf", str(config.output / "deep")], check=True)


def test_a_huge_file_at_a_path_feedpub_writes_is_replaced_without_reading_it(
    config: Config,
) -> None:
    config = _site(config)
    config.output.mkdir(parents=True)
    huge = config.output / "all.json"
    with open(huge, "wb") as f:
        f.truncate(1 << 30)  # sparse: no disk, but a gigabyte to read
    tracemalloc.start()
    try:
        build(config)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert huge.stat().st_size < 100_000
    assert peak < 200 * 1024 * 1024


def test_manifest_entries_for_files_that_are_not_there_do_not_count(config: Config) -> None:
    """Ghost entries cannot make the shrink guard's half look smaller."""
    for n in range(6):
        write_record(config.source, f"{n:02d}.md", article(n, topics=[f"T{n}"]))
    build(config)
    manifest = config.output / MANIFEST
    listed = json.loads(manifest.read_text(encoding="utf-8"))
    listed["files"] += [f"ghost/g{n}.json" for n in range(200)]
    manifest.write_text(json.dumps(listed), encoding="utf-8")
    before = tree(config.output)
    for path in sorted(config.source.iterdir())[1:]:
        path.unlink()
    with pytest.raises(ShrinkError):
        build(config)
    assert tree(config.output) == before


def test_a_staged_file_is_adopted_only_from_beside_its_own_target(tmp_path: Path) -> None:
    """A worker process stages files; the build renames only a temporary file named as
    `stage` names them, in the folder of the file it stands for."""
    out = Output(tmp_path / "out")
    staged = stage(out.folder, "topics/a.xml", b"<a/>")
    assert staged.state == "created" and staged.temporary is not None
    other = stage(out.folder, "b.xml", b"<b/>")
    assert other.temporary is not None
    with pytest.raises(OutputError, match="not a temporary file of its own"):
        out.adopt(Staged("topics/c.xml", "created", other.temporary))
    with pytest.raises(OutputError, match="not a temporary file of its own"):
        out.adopt(Staged("b.xml", "created", str(out.folder / "topics" / "a.xml")))
    out.adopt(staged)
    out.adopt(other)
    out.finish()
    assert (out.folder / "topics" / "a.xml").read_bytes() == b"<a/>"
    assert temporaries(out.folder) == []
