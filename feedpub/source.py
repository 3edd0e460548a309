"""A folder of records, read through the record store, parsed on every core.

`Records.scan()` yields every record's digest and problems in path order, parsing
only what the store does not already hold, in worker processes when there is enough
to do; `Records.fetch()` brings back the full articles grouping asks for.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import stat
import time
from array import array
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path

import msgspec

from feedpub.cache import (
    HASH_SIZE,
    RACY,
    RACY_NS,
    RecordStore,
    StoreDamaged,
    Summary,
    content_hash,
    decode_summary,
    encode,
    encode_record,
    stat_fields,
)
from feedpub.errors import ClusterError, escape_text
from feedpub.table import DigestTable, Paths
from feedpub.types import Article, Problem
from feedpub.workers import Workers, cap_jobs

# The record loader (and the YAML parsers it brings in) is imported where a record is
# read: a build that finds every record as the last one left it reads none.

Row = tuple[str, int, int, bytes, bytes, bytes]  # path, size, stamp, hash, summary, full
_CHUNK = 64  # records per task sent to a worker
_IN_PROCESS = 256  # below this many records to parse, workers cost more than they save
_KEEP = 4096  # full articles kept in memory between feeds
_FETCH = 500  # stored summaries read at a time
_IN_PLACE = 64  # changes the last scan's table takes in place; with more, it is copied


@dataclass(frozen=True, slots=True)
class Scan:
    """Every record as grouping sees it, by index in path order."""

    table: DigestTable
    hashes: bytes  # HASH_SIZE bytes a record; zeros for a file that could not be read
    problems: dict[int, tuple[Problem, ...]]  # only records that have some


@dataclass(slots=True)
class ChangeSet:
    """What a scan does with each record, found by comparing the record files with the
    store's rows and the last scan's snapshot."""

    reused: bytearray  # 1 where the store's row still describes the file
    copied: array[int]  # the record's index in the snapshot, or -1: not copied from it
    # Records by index, not path: a path string per record would cost a corpus's worth.
    stale: array[int]  # the records to parse again, in path order
    touched: array[int]  # same bytes: the records whose new size and stamp to store
    gone: list[str]  # stored records whose files are no longer there
    sizes: array[int]  # what the rows will hold after this scan (0 until parsed)
    stamps: array[int]


def _not_copied(count: int) -> array[int]:
    """A `ChangeSet.copied` column of `count` records, none copied (made, not looped)."""
    return array("i", [-1]) * count


@dataclass(frozen=True, slots=True)
class _Snapshot:
    """The last scan, as the store keeps it: the next one copies what did not change.

    Its records are the store's rows in path order, which `paths` (a digest of that
    list of paths) confirms.
    """

    paths: bytes
    table: DigestTable
    hashes: bytes
    problems: dict[int, tuple[Problem, ...]]
    sizes: array[int]  # as the store's rows have them
    stamps: array[int]


def parse_file(path: str) -> Row:
    """Read, hash and parse one record file into a store row; runs in workers too."""
    return parse_file_summary(path)[0]


def parse_file_summary(path: str) -> tuple[Row, Summary]:
    """`parse_file`'s row and the summary it holds: a scan in this process takes the
    summary as it is, rather than decoding what was just encoded."""
    from feedpub.load import digest_of

    article, problems, digest_hash, st = read_record(path)
    if st is None:
        summary: Summary = (None, problems)
        row = (path, -1, RACY, bytes(HASH_SIZE), encode_record(summary), encode_record(None))
        return row, summary
    summary = (digest_of(article) if article is not None else None, problems)
    size, stamp, changed = stat_fields(st)
    if time.time_ns() - changed < RACY_NS:
        stamp = RACY  # look at the bytes next time, whatever the stat says
    row = (path, size, stamp, digest_hash, encode_record(summary), encode_record(article))
    return row, summary


def read_record(
    path: str, at: str | None = None
) -> tuple[Article | None, list[Problem], bytes, os.stat_result | None]:
    """The record named `path` (read `at` another spelling of it when given: a
    cluster's worker, whose working folder is not the build's), its problems, the hash
    of its bytes and its stat (None, and an empty hash, when it could not be read)."""
    from feedpub.load import parse_record, read_file

    found = read_file(at or path)
    if isinstance(found, Problem):
        return None, [replace(found, path=path)], b"", None
    data, st = found
    article, problems = parse_record(path, data)
    return article, problems, content_hash(data), st


def parse_files(paths: list[str]) -> list[Row]:
    return [parse_file(path) for path in paths]


def read_articles(folder: str, records: Iterable[tuple[int, str, bytes]]) -> dict[int, Article]:
    """The articles of `records` (index, path, hash), read again below `folder` (a
    build on a cluster keeps no store of them): a record whose bytes are not those
    grouping read is a ClusterError (exit 1), since its feed would mix two versions."""
    found = {}
    for index, path, digest_hash in records:
        article, _, now, _ = read_record(path, os.path.join(folder, path))
        if article is None or now != digest_hash:
            raise ClusterError(
                escape_text(f"{path} changed while the build ran; nothing was written: build again")
            )
        found[index] = article
    return found


def article_reader(
    paths: Sequence[str], hashes: dict[int, bytes]
) -> Callable[[Iterable[int]], dict[int, Article]]:
    """`read_articles` for records by index, in this process (`feedpub diff` on a
    cluster assembles its feeds here, to compare them entry by entry)."""
    here = os.getcwd()

    def fetch(indexes: Iterable[int]) -> dict[int, Article]:
        return read_articles(here, ((i, paths[i], hashes[i]) for i in indexes))

    return fetch


class Records:
    """The records below `source`, as the store and the parser give them."""

    def __init__(
        self,
        source: Path,
        store: RecordStore,
        jobs: int | None = None,
        workers: Workers | None = None,
    ) -> None:
        self.store = store
        self.jobs = cap_jobs(jobs)
        # A cluster's workers (`cluster.Cluster`) parse every record, however few.
        self.workers = workers or Workers(self.jobs)
        local = not self.workers.remote
        cold = local and self.jobs > 1 and store.is_empty()
        if cold and not store.is_temporary:
            # A first build with the cache parses every record: its workers are made
            # now, before the paths are listed (a million paths take tens of MB, packed),
            # since each starts as big as this process is when it is made.
            self.workers.start(self.jobs)
        try:
            self._list(source)
        except BaseException:
            self.workers.close()  # nobody else holds the pool yet
            raise
        if local and len(self.paths) < _IN_PROCESS:
            self.workers.close()  # too few to parse for workers to pay: none is kept
        elif cold:
            self.workers.start(len(self.paths) // _CHUNK + 1)  # made now, if not yet
        self._kept: OrderedDict[int, Article | None] = OrderedDict()
        self._sizes: array[int] | None = None  # -1: the file is gone
        self._stamps = array("q")
        self.newest = 0  # the latest mtime or ctime of any record file, in nanoseconds
        self.warnings: list[Problem] = []  # about the cache, for the build to report

    def _list(self, source: Path) -> None:
        """The paths, packed as they are listed (a list of a million path strings takes
        a hundred MB), the files left out, and the names that are not UTF-8."""
        self.skipped: list[Problem] = []
        self.misnamed: list[str] = []

        def records() -> Iterator[str]:
            for path, why in walk_record_paths(source):
                if why is not None:
                    self.skipped.append(Problem(path, None, "", why))
                elif _utf8(path):
                    yield path
                else:  # it cannot be stored, linked or shown as it is: reported
                    self.misnamed.append(
                        path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
                    )

        prefix = os.path.join(os.fspath(source), "").replace(os.sep, "/")
        self.paths = Paths.streamed(records(), prefix)

    @cached_property
    def paths_digest(self) -> bytes:
        """A digest of the list of paths (each one's UTF-8 and a NUL), made once."""
        digest = hashlib.blake2b(digest_size=16)
        for start in range(0, len(self.paths), 4096):
            digest.update("\0".join(self.paths[start : start + 4096]).encode() + b"\0")
        return digest.digest()

    def stat_columns(self) -> tuple[array[int], array[int]]:
        """Every record file's size (-1: gone) and stamp, looked at once a build."""
        if self._sizes is None:
            self._sizes = array("q")
            for path in self.paths:
                try:
                    size, stamp, changed = stat_fields(os.stat(path))
                except OSError:
                    size, stamp, changed = -1, RACY, 0
                self._sizes.append(size)
                self._stamps.append(stamp)
                self.newest = max(self.newest, changed)
        return self._sizes, self._stamps

    @property
    def settled(self) -> bool:
        """True when no record file is too new for its stat to be trusted."""
        self.stat_columns()
        return time.time_ns() - self.newest >= RACY_NS

    def stat(self, index: int) -> tuple[int, int] | None:
        """The size and stamp of record `index` (None: gone)."""
        sizes, stamps = self.stat_columns()
        return None if sizes[index] < 0 else (sizes[index], stamps[index])

    def scan(self, advance: Callable[[int], None] = lambda n: None) -> Scan:
        """Every record's digest and problems.

        The store's sizes, mtimes and hashes are read in path order beside the files'.
        Records whose bytes did not change since the last scan are copied from its
        snapshot, a run at a time; the others are parsed, or their stored summaries
        read in chunks, so memory never holds the whole store at once.
        """
        snapshot = self._snapshot()
        changes = self._compare(snapshot)
        columns = _Columns(snapshot, advance, _changes(changes) <= _IN_PLACE)
        del snapshot  # the columns let go of it as soon as they are filled
        self.store.begin()
        try:
            # The snapshot describes the rows as the last whole scan left them: gone
            # until this scan saves its own, so one stopped halfway (and committed
            # with what it had stored) cannot leave one that no longer matches them.
            self.store.save_snapshot(())
            for index in changes.touched:
                self.store.touch(self.paths[index], changes.sizes[index], changes.stamps[index])
            self._fill(columns, changes)
            self.store.forget(changes.gone)
            result = columns.finish(len(self.paths))
            self.store.save_snapshot(self._snapshot_pieces(result, changes))
        finally:
            self.store.commit()
        return result

    def _fill(self, columns: _Columns, changes: ChangeSet) -> None:
        """Every record into `columns`, in path order: runs the snapshot holds as they
        are copied whole, stored summaries read a chunk at a time, the others parsed
        and stored at the end of their chunk."""
        parsed = self._parse(changes.stale)
        copied, reused = changes.copied, changes.reused
        run = -1  # where the current run of copied records starts
        new_rows: list[Row] = []  # parsed in this chunk, stored at its end
        for start in range(0, len(self.paths), _FETCH):
            chunk = range(start, min(start + _FETCH, len(self.paths)))
            stored_rows = self.store.summaries(
                self.paths[i] for i in chunk if reused[i] and copied[i] < 0
            )
            for index in chunk:
                if copied[index] >= 0:
                    if run < 0 or copied[index] != copied[index - 1] + 1:
                        if run >= 0:
                            columns.copy(run, index, copied[run])
                        run = index
                    continue
                if run >= 0:
                    columns.copy(run, index, copied[run])
                    run = -1
                if reused[index]:
                    digest_hash, summary = stored_rows[self.paths[index]]
                else:
                    row, summary = next(parsed)
                    new_rows.append(row)
                    digest_hash = row[3]
                    changes.sizes[index], changes.stamps[index] = row[1], row[2]
                columns.append(index, digest_hash, summary)
            self.store.put(new_rows)
            new_rows.clear()
        if run >= 0:
            columns.copy(run, len(self.paths), copied[run])

    def _snapshot_pieces(
        self, scan: Scan, changes: ChangeSet
    ) -> Iterator[tuple[str, bytes | memoryview]]:
        """The snapshot of this scan, as the store keeps it, a piece at a time."""
        return itertools.chain(
            scan.table.blobs(),
            [
                ("hashes", scan.hashes),
                ("problems", encode(sorted(scan.problems.items()))),
                ("paths", self.paths_digest),
                ("sizes", memoryview(changes.sizes).cast("B")),
                ("stamps", memoryview(changes.stamps).cast("B")),
            ],
        )

    def confirm(self, scan: Scan, strict: bool) -> None:
        """Raise StoreDamaged unless every problem that can stop a run (an error; with
        `strict`, any) is what the record's bytes give now: a problem taken from the
        store could be planted there. Records with such problems are few, and parsed
        again here whatever the store says."""
        for index, found in scan.problems.items():
            if strict or any(p.is_error for p in found):
                _, fresh = parse_file_summary(self.paths[index])[1]
                if tuple(fresh) != found:
                    raise StoreDamaged(f"the record store's problems for {self.paths[index]!r}")

    def _compare(self, snapshot: _Snapshot | None) -> ChangeSet:
        """What to do with each record: only the files whose stat moved are looked at
        when the snapshot is of the same paths, every stored row otherwise."""
        if snapshot is not None and snapshot.paths == self.paths_digest:
            return self._compare_with_snapshot(snapshot)
        return self._compare_with_store(snapshot)

    def _compare_with_store(self, snapshot: _Snapshot | None) -> ChangeSet:
        """Which records the store's rows (read in path order) still describe, and
        which of those the snapshot holds as they are."""
        copied = _not_copied(len(self.paths))
        reused = bytearray(len(self.paths))  # 1 where the store's row is still good
        stale, touched = array("i"), array("i")
        gone: list[str] = []  # stored records whose files are no longer there
        sizes, stamps = array("q"), array("q")  # what the rows will hold after this scan
        stored_paths = hashlib.blake2b(digest_size=16)
        known = enumerate(self.store.stats())  # in path order, like self.paths
        rank, stored = next(known, (-1, None))
        matched = -1  # the rank of the last stored row that matched a file
        for index, path in enumerate(self.paths):
            while stored is not None and stored[0] < path:
                stored_paths.update(stored[0].encode() + b"\0")
                if rank != matched:
                    gone.append(stored[0])
                rank, stored = next(known, (-1, None))
            if stored is not None and stored[0] == path:
                matched = rank
                same, now = _unchanged(path, stored[1:], self.stat(index), self.settled)
            else:
                same, now = False, None
            if not same:
                stale.append(index)
                sizes.append(0)  # filled in when parsed
                stamps.append(0)
                continue
            reused[index] = 1
            if now is not None:
                touched.append(index)
            size, stamp = now if now is not None else stored[1:3]  # type: ignore[index]
            sizes.append(size)
            stamps.append(stamp)
            at = rank * HASH_SIZE
            if snapshot is not None and snapshot.hashes[at : at + HASH_SIZE] == stored[3]:  # type: ignore[index]
                copied[index] = rank
        while stored is not None:
            stored_paths.update(stored[0].encode() + b"\0")
            if rank != matched:
                gone.append(stored[0])
            rank, stored = next(known, (-1, None))
        del known
        if snapshot is not None and stored_paths.digest() != snapshot.paths:
            copied = _not_copied(len(self.paths))  # not the rows it was taken from
        return ChangeSet(reused, copied, stale, touched, gone, sizes, stamps)

    def _compare_with_snapshot(self, snapshot: _Snapshot) -> ChangeSet:
        """`_compare_with_store` for the same files as the snapshot's: their rows are
        the snapshot's, and only files whose size or stamp moved are looked at."""
        now_sizes, now_stamps = self.stat_columns()
        moved = [
            index
            for index, (size, was_size, stamp, was_stamp) in enumerate(
                zip(now_sizes, snapshot.sizes, now_stamps, snapshot.stamps, strict=True)
            )
            if size != was_size or stamp != was_stamp
        ]
        count = len(self.paths)
        reused = bytearray(b"\1") * count
        copied = array("i", range(count))
        sizes, stamps = snapshot.sizes, snapshot.stamps  # its own: not read again
        stale, touched = array("i"), array("i")
        for index in moved:
            path = self.paths[index]
            at = index * HASH_SIZE
            stored = (sizes[index], stamps[index], snapshot.hashes[at : at + HASH_SIZE])
            same, now = _unchanged(path, stored, self.stat(index), self.settled)
            if not same:
                reused[index], copied[index] = 0, -1
                stale.append(index)
            elif now is not None:
                touched.append(index)
                sizes[index], stamps[index] = now
        return ChangeSet(reused, copied, stale, touched, [], sizes, stamps)

    def _snapshot(self) -> _Snapshot | None:
        """The last scan's snapshot, or None when there is none that can be used."""
        pieces = self.store.snapshot()
        if not pieces:
            return None
        try:
            table = DigestTable.from_blobs(pieces)
            sizes, stamps = array("q"), array("q")
            sizes.frombytes(pieces["sizes"])
            stamps.frombytes(pieces["stamps"])
            problems = {
                index: tuple(found)
                for index, found in _SNAPSHOT_PROBLEMS.decode(pieces["problems"])
            }
            snapshot = _Snapshot(pieces["paths"], table, pieces["hashes"], problems, sizes, stamps)
        except (KeyError, ValueError, msgspec.DecodeError):  # an unreadable snapshot is not used
            return None
        rows = len(table)
        if (
            len(snapshot.hashes) != rows * HASH_SIZE
            or not len(sizes) == len(stamps) == rows
            or any(not 0 <= index < rows for index in problems)
        ):
            return None
        return snapshot

    def _parse(self, stale: array[int]) -> Iterator[tuple[Row, Summary]]:
        """The rows of the records to parse again, in path order, and their summaries."""
        if self.jobs <= 1 or len(stale) < _IN_PROCESS:
            yield from map(parse_file_summary, map(self.paths.__getitem__, stale))
            return
        chunks = range(0, len(stale), _CHUNK)
        tasks = ([self.paths[i] for i in stale[start : start + _CHUNK]] for start in chunks)
        for rows in self.workers.map(parse_files, tasks, len(chunks)):
            for row in rows:
                yield row, decode_summary(row[4])

    def fetch(self, indexes: Iterable[int]) -> dict[int, Article]:
        """The full articles of these records, from memory or the store."""
        found: dict[int, Article] = {}
        missing = []
        for index in indexes:
            if index in self._kept:
                self._kept.move_to_end(index)
                article = self._kept[index]
                if article is not None:
                    found[index] = article
            else:
                missing.append(index)
        by_path = {self.paths[i]: i for i in missing}
        for path, article in self.store.fetch(by_path):
            index = by_path[path]
            self._kept[index] = article
            if article is not None:
                found[index] = article
        while len(self._kept) > _KEEP:
            self._kept.popitem(last=False)
        return found


def _changes(changes: ChangeSet) -> int:
    """The places where the last scan's rows change: records not copied from them, and
    runs that do not follow on from the one before (rows removed between them)."""
    copied = changes.copied
    if copied.count(-1) > _IN_PLACE:
        return copied.count(-1)
    return sum(1 for a, b in itertools.pairwise(copied) if b != a + 1) + 2


class _Columns:
    """A scan's columns, filled in path order: runs of records copied from the last
    scan's snapshot at once, the others appended one at a time.

    With `in_place`, the snapshot's own table and hashes become the scan's, edited
    where records were added, changed or removed: at a million records a second table
    would cost a hundred MB, and an edit only moves the rows after it, in C.
    """

    def __init__(
        self, snapshot: _Snapshot | None, advance: Callable[[int], None], in_place: bool
    ) -> None:
        self.snapshot = snapshot
        self.in_place = in_place and snapshot is not None
        if snapshot is None:
            self.table, self.hashes = DigestTable(), bytearray()
        elif self.in_place:
            self.table, self.hashes = snapshot.table, bytearray(snapshot.hashes)
        else:
            self.table, self.hashes = snapshot.table.continuing(), bytearray()
        self.shift = 0  # in place: where the snapshot's rows not yet reached are, past theirs
        self.problems: dict[int, tuple[Problem, ...]] = {}
        self.advance = advance

    def copy(self, start: int, stop: int, first: int) -> None:
        """Records start..stop-1 are the snapshot's first..first+(stop-start)-1."""
        assert self.snapshot is not None
        end = first + stop - start
        if self.in_place:  # they are there already, after rows no record has now
            self._drop(start, first + self.shift)
        else:
            self.table.extend_from(self.snapshot.table, first, end)
            self.hashes.extend(self.snapshot.hashes[first * HASH_SIZE : end * HASH_SIZE])
        for index in range(start, stop):
            found = self.snapshot.problems.get(first + index - start)
            if found:
                self.problems[index] = found
        self.advance(stop - start)

    def append(self, index: int, digest_hash: bytes, summary: Summary) -> None:
        digest, record_problems = summary
        if self.in_place:
            self.table.insert(index, digest)
            self.hashes[index * HASH_SIZE : index * HASH_SIZE] = digest_hash
            self.shift += 1
        else:
            self.table.append(digest)
            self.hashes.extend(digest_hash)
        if record_problems:
            self.problems[index] = tuple(record_problems)
        self.advance(1)

    def _drop(self, start: int, stop: int) -> None:
        """In place: rows start..stop-1 are no record's now."""
        if stop > start:
            self.table.delete(start, stop)
            del self.hashes[start * HASH_SIZE : stop * HASH_SIZE]
            self.shift -= stop - start

    def finish(self, count: int) -> Scan:
        """The scan of `count` records, all filled in."""
        if self.in_place:
            self._drop(count, len(self.table))
        self.snapshot = None
        hashes, self.hashes = bytes(self.hashes), bytearray()  # one copy held, not two
        return Scan(self.table.compacted(), hashes, self.problems)


def _unchanged(
    path: str, stored: tuple[int, int, bytes], now: tuple[int, int] | None, settled: bool
) -> tuple[bool, tuple[int, int] | None]:
    """Whether the file still holds what the store parsed (same size and stamp, or else
    the same bytes), and the new size and stamp the store should learn, if any: only
    when every record file is `settled`, so a file written this instant is looked at
    again next time."""
    from feedpub.load import read_file

    size, stamp, digest_hash = stored
    if now is None:
        return False, None
    if now == (size, stamp) and stamp != RACY:
        return True, None
    if now[0] != size:
        return False, None
    found = read_file(path)
    if isinstance(found, Problem):
        return False, None
    same = content_hash(found[0]) == digest_hash
    return same, now if same and settled else None


_SNAPSHOT_PROBLEMS = msgspec.json.Decoder(list[tuple[int, list[Problem]]])


def scan_record_paths(source: Path) -> tuple[list[str], list[Problem]]:
    """The record files below `source` as POSIX path strings in path order, and a
    problem for each `*.md` left out (`walk_record_paths`)."""
    found: list[str] = []
    problems: list[Problem] = []
    for path, why in walk_record_paths(source):
        if why is None:
            found.append(path)
        else:
            problems.append(Problem(path, None, "", why))
    return found, problems


def walk_record_paths(source: Path) -> Iterator[tuple[str, str | None]]:
    """Every `*.md` below `source`, as a POSIX path string, in path order, and why it
    is not a record (None for a record), a folder at a time: the paths are never all
    held at once to be sorted.

    Path order is that of `sorted()` on the path strings. Each folder's entries are
    sorted by name with a "/" after a folder's: every path below a folder starts with
    its name and a "/", and no other entry's does, so walking the folders in that
    order gives the paths in the order of their strings.

    Only regular files are records: opening a FIFO or a device (or a file such as
    /proc/kmsg) can block a build for ever, and a link leading out of `source` would
    publish a file from elsewhere. A link to a regular file inside `source` is read
    like that file. Linked folders are not followed.
    """
    root = os.path.realpath(source)
    folders = [iter(_sorted_entries(os.fspath(source)))]
    while folders:
        for path, is_folder, regular in folders[-1]:
            if is_folder:
                folders.append(iter(_sorted_entries(path)))
                break
            why = None if regular else _why_not_a_record(path, root)
            yield (path if os.sep == "/" else path.replace(os.sep, "/")), why
        else:
            folders.pop()


def _sorted_entries(folder: str) -> list[tuple[str, bool, bool]]:
    """The folders and `*.md` files in `folder`: (path, is a folder, is a regular
    file), in path order."""
    found = []
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                found.append((entry.name + "/", entry.path, True, False))
            elif entry.name.endswith(".md"):
                # The folder listing tells a regular file: no stat for nearly all.
                found.append((entry.name, entry.path, False, entry.is_file(follow_symlinks=False)))
    found.sort()
    return [(path, is_folder, regular) for _, path, is_folder, regular in found]


def _why_not_a_record(path: str, root: str) -> str | None:
    """Why the `*.md` at `path`, which is not a regular file, is no record; None
    for a link to a regular file inside `root` (a real path)."""
    real = os.path.realpath(path)
    try:
        inside = os.path.commonpath((root, real)) == root
    except ValueError:  # on another drive
        inside = False
    if not inside:
        return "skipped: a link leading out of the source folder"
    try:
        mode = os.stat(real).st_mode  # stat opens nothing, so even a FIFO is safe
    except OSError:
        return "skipped: a link to nothing that can be read"
    return None if stat.S_ISREG(mode) else "skipped: not a regular file"


def _utf8(path: str) -> bool:
    """True for a file name that is valid UTF-8 (os.scandir escapes other bytes)."""
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
