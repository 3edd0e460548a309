"""Reading record files: only regular files, never more than a record may hold, and
never more worker processes than there are cores or tasks."""

from __future__ import annotations

import ast
import os
import threading
import tracemalloc
from pathlib import Path

import pytest

from feedpub import Config, RecordsError, build
from feedpub.cache import RecordStore, decode_summary
from feedpub.load import MAX_FILE_BYTES, read_file
from feedpub.source import Records, parse_file, parse_file_summary, scan_record_paths
from feedpub.types import Problem


def _problems(path: Path) -> list[str]:
    row = parse_file(str(path))
    _, problems = decode_summary(row[4])
    return [str(p) for p in problems]


def test_a_fifo_named_like_a_record_is_a_problem_not_a_hang(tmp_path: Path) -> None:
    fifo = tmp_path / "x.md"
    os.mkfifo(fifo)
    found: list[list[str]] = []
    reader = threading.Thread(target=lambda: found.append(_problems(fifo)), daemon=True)
    reader.start()
    reader.join(timeout=10)
    if reader.is_alive():  # let the stuck reader go before failing
        with open(fifo, "wb"):
            pass
    assert found == [[f"{fifo}: skipped: not a regular file"]]


def test_a_huge_file_is_refused_without_reading_it(tmp_path: Path) -> None:
    huge = tmp_path / "huge.md"
    with open(huge, "wb") as f:
        f.truncate(64 * MAX_FILE_BYTES)  # sparse: costs no disk
    tracemalloc.start()
    try:
        problems = _problems(huge)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert problems == [
        f"{huge}:1: file too large: 134,217,728 bytes, more than the 2,097,152 a record may have"
    ]
    assert peak < MAX_FILE_BYTES  # not even one record's worth was read


def test_a_small_record_is_read_without_a_buffer_the_size_of_the_limit(tmp_path: Path) -> None:
    """Reading a record costs memory for its bytes, not for the most a record may hold."""
    small = tmp_path / "small.md"
    small.write_bytes(b"---\ntitle: x\n---\n" * 100)
    tracemalloc.start()
    try:
        found = read_file(str(small))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert not isinstance(found, Problem)
    assert found[0] == small.read_bytes()
    assert peak < 64 * 1024


@pytest.mark.parametrize("size", [0, 1, 4096, MAX_FILE_BYTES])
def test_a_record_is_read_whole_up_to_the_limit(tmp_path: Path, size: int) -> None:
    record = tmp_path / "r.md"
    record.write_bytes(bytes(range(256)) * (size // 256) + b"x" * (size % 256))
    found = read_file(str(record))
    assert not isinstance(found, Problem)
    assert found[0] == record.read_bytes()
    assert found[1].st_size == size


def test_a_file_larger_than_its_stat_said_is_read_on_to_the_limit(tmp_path: Path) -> None:
    """/proc files say size 0; a record may grow between the stat and the read."""
    if not Path("/proc/self/status").is_file():
        pytest.skip("no /proc")
    found = read_file("/proc/self/status")
    assert not isinstance(found, Problem)
    assert found[1].st_size == 0
    assert found[0].startswith(b"Name:")
    assert found[0].endswith(b"\n")


def test_files_left_out_of_the_records_are_reported_by_the_build(tmp_path: Path) -> None:
    """A FIFO and a link leading out of the source folder are never read, and a build
    names each of them."""
    source = tmp_path / "seeds"
    source.mkdir()
    os.mkfifo(source / "pipe.md")
    (tmp_path / "private.md").write_text("---\ntitle: private\n---\n")
    (source / "out.md").symlink_to(tmp_path / "private.md")
    paths, skipped = scan_record_paths(source)
    assert paths == []
    config = Config(base_url="https://f.example/", source=source, output=tmp_path / "out")
    with pytest.raises(RecordsError) as failed:  # a file left out is an error
        build(config)
    problems = [str(p) for p in failed.value.problems]
    assert sorted(problems) == sorted(str(p) for p in skipped)
    assert {p.split(":")[0] for p in problems} == {str(source / "out.md"), str(source / "pipe.md")}


def test_paths_are_listed_in_the_order_of_their_strings_a_folder_at_a_time(
    tmp_path: Path,
) -> None:
    """Walking each folder's entries sorted, a folder's name with a "/" after it, gives
    the order `sorted()` gives the path strings: names with characters that sort before
    "/" (" ", "-", ".") beside folders that they start, and a name that is not UTF-8."""
    source = tmp_path / "seeds"
    names = [
        "a.md", "a/x.md", "a/b.md", "a b/x.md", "a-b/x.md", "a.b/x.md", "a0.md", "a0/z.md",
        "b/c/d/e.md", "b/c.md", "b/c d/e.md", "b.md", "B.md", "é.md", "a/.md",
    ]  # fmt: skip
    for name in names:
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        (source / name).write_text("---\ntitle: x\n---\n")
    odd = os.fsencode(source) + b"/a\xff.md"
    open(odd, "w").close()
    (source / "a" / "not-a-record.txt").write_text("x")
    expected = sorted([str(source / name) for name in names] + [os.fsdecode(odd)])
    assert scan_record_paths(source)[0] == expected
    with RecordStore(None, source, tmp_path / "out") as store:
        records = Records(source, store, jobs=1)
        records.workers.close()
    assert list(records.paths) == [p for p in expected if not p.endswith("\udcff.md")]
    assert records.misnamed == [str(source / "a\\xff.md")]


_LOADING_MODULES = ("source", "cache", "workers", "ledger")


def _long_functions(module: str, most: int) -> list[str]:
    """The functions in `feedpub/<module>.py` longer than `most` lines, by name."""
    path = Path(__file__).parent.parent / "feedpub" / f"{module}.py"
    if not path.exists():
        return []
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            length = (node.end_lineno or node.lineno) - node.lineno + 1
            if length > most:
                found.append(f"{module}.{node.name}: {length} lines")
    return found


def test_every_loading_function_reads_in_one_screen() -> None:
    """The loading stage (issue 13): no function over 60 lines, so each can be read
    whole; the speed tricks live behind names of their own."""
    assert [f for m in _LOADING_MODULES for f in _long_functions(m, 60)] == []


def test_a_rescan_of_touched_files_keeps_no_object_per_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Files whose stamps all moved but whose bytes did not (a fresh checkout, `cp -r`)
    are remembered as record numbers: a path and a tuple for each would cost a
    hundred-odd bytes a record, which at a million records is most of the memory."""
    from conftest import article, write_record
    from feedpub.cache import RecordStore
    from feedpub.source import Records

    monkeypatch.setattr("feedpub.source.RACY_NS", 0)  # every stat is to be trusted at once
    source = tmp_path / "seeds"
    count = 2000
    for n in range(count):
        write_record(source, f"{n % 16:x}/{n:05d}.md", article(n))
    with RecordStore(tmp_path / "cache", source, tmp_path / "out") as store:
        Records(source, store, jobs=1).scan()
        for path in source.rglob("*.md"):
            st = path.stat()
            os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns - 10**9))
        records = Records(source, store, jobs=1)
        snapshot = records._snapshot()
        tracemalloc.start()
        try:
            changes = records._compare(snapshot)
            held = tracemalloc.get_traced_memory()[0]
        finally:
            tracemalloc.stop()
    assert len(changes.touched) == count and not changes.stale
    assert held < 64 * count  # sizes, stamps and a few flags a record


def test_a_summary_taken_as_parsed_is_the_one_the_row_holds(tmp_path: Path) -> None:
    """A scan in this process takes the parsed summary instead of decoding the row's:
    the two must be the same, for good records, records with problems and files that
    cannot be read."""
    root = Path(__file__).parent / "data"
    paths = [*sorted(root.rglob("*.md")), tmp_path / "missing.md"]
    assert len(paths) > 30
    for path in paths:
        row, summary = parse_file_summary(str(path))
        again = parse_file(str(path))
        assert row[:2] + row[3:] == again[:2] + again[3:]  # the stamp may be RACY once
        assert decode_summary(row[4]) == summary, path
