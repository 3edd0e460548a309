"""Bytes to files: atomic, inside the output folder, unchanged files left alone.

A file is written to a temporary name in its own folder, flushed to disk and renamed
over the old one, so a reader (or a build killed half-way) never sees half a feed.
A file whose bytes would not change is not touched, so its mtime, and the ETag a
static host derives from it, stay the same.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import stat
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from types import TracebackType
from typing import BinaryIO

from feedpub.errors import OutputError, escape_text

TEMP_MARK = ".feedpub-tmp-"
MANIFEST = ".feedpub-manifest.json"
# `.<target name>.feedpub-tmp-<16 random hex digits>`: the only names cleaned up.
_TEMPORARY = re.compile(r"\..+\.feedpub-tmp-[0-9a-f]{16}\Z", re.DOTALL)


@dataclass(frozen=True, slots=True)
class Plan:
    """What writing a set of files does to the output folder, by relative path."""

    created: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()

    @property
    def is_current(self) -> bool:
        """True when the folder already holds exactly these files."""
        return not (self.created or self.changed or self.removed)


class Output:
    """The output folder as a build fills it, file by file.

    `put` writes a file unless its bytes are already there; `keep` vouches for a file
    the caller knows to be current without rendering it again; `finish` removes the
    files an earlier build owned that nobody put or kept, writes the manifest and says
    what happened. With `dry_run`, nothing is written or removed, only counted.
    """

    def __init__(self, folder: Path, *, dry_run: bool = False) -> None:
        self.folder = folder
        self.dry_run = dry_run
        self._lock: int | None = None
        if not dry_run:
            folder.mkdir(parents=True, exist_ok=True)
            self._lock = _lock_folder(folder)  # before touching any temporary file
        try:
            if not dry_run:
                remove_stale_temporaries(folder)
            self.owned = read_manifest(folder) if folder.is_dir() else []
        except BaseException:
            self.close()  # a failure here must not keep the folder locked
            raise
        self.created: list[str] = []
        self.changed: list[str] = []
        self.unchanged: list[str] = []
        self.wanted: set[str] = set()
        self.pending: list[tuple[Path, Path]] = []  # (temporary, target) to rename

    def put(self, relpath: str, data: bytes) -> None:
        self.adopt(stage(self.folder, relpath, data, dry_run=self.dry_run))

    def adopt(self, staged: Staged) -> None:
        """Take a file `stage` wrote (or compared) for this folder, here or in a worker
        process, as put: `finish` renames it into place."""
        target = safe_path(self.folder, staged.relpath)
        self.wanted.add(staged.relpath)
        {"created": self.created, "changed": self.changed, "unchanged": self.unchanged}[
            staged.state
        ].append(staged.relpath)
        if staged.temporary is not None:
            temporary = Path(staged.temporary)
            if temporary.parent != target.parent or not _TEMPORARY.match(temporary.name):
                raise OutputError(
                    f"{escape_text(str(target))}: not a temporary file of its own: "
                    f"{escape_text(str(temporary))}"
                )
            self.pending.append((temporary, target))

    def close(self) -> None:
        """Let another build write to the folder."""
        if self._lock is not None:
            _unlock_folder(self._lock)
            self._lock = None

    def abort(self) -> None:
        """Remove the temporary files not yet renamed into place, and let go of the folder:
        a build that fails (a full disk, Ctrl-C, a bad record found late) leaves the
        folder as it found it."""
        for temp, _ in self.pending:
            temp.unlink(missing_ok=True)
        self.pending = []
        if self._lock is not None:
            # Worker processes may have staged files not yet adopted; while the folder is
            # locked, every temporary file in it is this build's.
            remove_stale_temporaries(self.folder)
        self.close()

    def exit(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        """For `ExitStack.push`: abort on any exception, else just close."""
        if kind is None:
            self.close()
        else:
            self.abort()

    def keep(self, relpath: str) -> None:
        safe_path(self.folder, relpath)
        self.wanted.add(relpath)
        self.unchanged.append(relpath)

    def published(self) -> list[str]:
        """The files an earlier build wrote that are still there: the manifest may list
        others, and they count for nothing."""
        return [p for p in self.owned if _is_owned_file(self.folder, self.folder.joinpath(p))]

    def to_remove(self) -> list[str]:
        """The files an earlier build wrote that nobody put or kept: `finish` removes them.

        Never a file that is also wanted under another spelling (a manifest edited by
        hand, a folder that ignores case), nor anything outside the folder.
        """
        wanted = None
        found = []
        for relpath in sorted(set(self.owned) - self.wanted - {MANIFEST}):
            target = self.folder.joinpath(relpath)  # read_manifest checked the path
            if not _is_owned_file(self.folder, target):
                continue
            if wanted is None:
                wanted = {_identity(self.folder / p) for p in self.wanted} - {None}
            if _identity(target) not in wanted:
                found.append(relpath)
        return found

    def finish(self) -> Plan:
        try:
            _commit(self.pending)
        except BaseException:
            self.abort()
            raise
        self.pending = []
        removed = self.to_remove()
        if not self.dry_run:
            for relpath in removed:
                target = self.folder.joinpath(relpath)
                target.unlink(missing_ok=True)
                _remove_empty_folders(self.folder, target.parent)
        # The manifest goes last, so a build killed half-way still owns what it wrote.
        self.put(MANIFEST, manifest_bytes(self.wanted - {MANIFEST}))
        try:
            _commit(self.pending)
        except BaseException:
            self.abort()
            raise
        self.pending = []
        self.close()
        return Plan(
            tuple(sorted(self.created)),
            tuple(sorted(self.changed)),
            tuple(sorted(self.unchanged)),
            tuple(removed),
        )


@dataclass(frozen=True, slots=True)
class Staged:
    """One file of a build compared with the folder and, unless current, written to a
    temporary name beside its target (`temporary`, None when nothing was written)."""

    relpath: str
    state: str  # "created", "changed" or "unchanged"
    temporary: str | None = None


def stage(folder: Path, relpath: str, data: bytes, *, dry_run: bool = False) -> Staged:
    """Compare `data` with the file at `relpath` in `folder` and, unless it is current or
    this is a `dry_run`, write it under a temporary name for `Output.adopt`. Safe to run
    in a worker process while the build holds the folder's lock."""
    target = safe_path(folder, relpath)
    _check_folder(folder, target.parent)  # before reading, so no link is followed
    old = holds(target, data)
    if old:
        return Staged(relpath, "unchanged")
    state = "created" if old is None and not target.is_symlink() else "changed"
    if dry_run:
        return Staged(relpath, state)
    _ensure_folder(folder, target.parent)
    return Staged(relpath, state, os.fspath(_write_temporary(target, data)))


def read_manifest(output: Path) -> list[str]:
    """The files an earlier build wrote, as it recorded them; [] when unknown.

    The manifest is input like any other: only entries spelled as feedpub writes paths
    (relative, `/`-separated, nothing hidden, no `.`, `..` or empty parts) are taken, so
    no entry can name a file feedpub writes under another spelling, or one outside.
    """
    data = read_existing(output / MANIFEST)
    try:
        files = json.loads(data or b"null")["files"]
    except (ValueError, TypeError, KeyError, RecursionError):
        return []
    if not isinstance(files, list):
        return []
    return [f for f in files if isinstance(f, str) and _is_plain_path(f)]


def _is_plain_path(relpath: str) -> bool:
    """True for a relative path in the one spelling feedpub writes."""
    parts = relpath.split("/")
    return relpath != MANIFEST and all(
        part and not part.startswith(".") and "\\" not in part and part.isprintable()
        for part in parts
    )


def _identity(path: Path) -> tuple[int, int] | None:
    """The device and inode of a file, which two spellings of one file share."""
    try:
        st = os.stat(path, follow_symlinks=False)
    except OSError:
        return None
    return st.st_dev, st.st_ino


def manifest_bytes(paths: Iterable[str]) -> bytes:
    """The manifest listing `paths`: sorted, relative, no timestamps."""
    manifest = {"generator": "feedpub", "files": sorted(paths)}
    return json.dumps(manifest, indent=1, ensure_ascii=False).encode("utf-8") + b"\n"


def _is_owned_file(output: Path, target: Path) -> bool:
    try:
        _check_folder(output, target.parent)
    except OutputError:
        return False
    return target.is_file() and not target.is_symlink()


def _remove_empty_folders(output: Path, folder: Path) -> None:
    while folder != output and output in folder.parents:
        try:
            folder.rmdir()
        except OSError:
            return  # not empty: something else lives there
        folder = folder.parent


def safe_path(output: Path, relpath: str) -> Path:
    """`output / relpath`, refusing any path that could land outside `output`."""
    parts = PurePosixPath(relpath).parts
    if (
        not parts
        or relpath.startswith("/")
        or "\\" in relpath
        or any(p in ("", ".", "..") or p.startswith(".") for p in parts)
    ) and relpath != MANIFEST:
        raise OutputError(f"refusing to write outside the output folder: {relpath!r}")
    return output.joinpath(*parts)


READ_LIMIT = 64 * 1024 * 1024  # far more than any file feedpub writes


def read_existing(path: Path, limit: int = READ_LIMIT) -> bytes | None:
    """The bytes of a regular file at `path`, or None (missing, a link, not a file, or
    larger than `limit`: a file planted in the output folder costs no memory)."""
    with _regular_file(path) as file:
        if file is None or os.fstat(file.fileno()).st_size > limit:
            return None
        return file.read(limit + 1)


def holds(path: Path, data: bytes) -> bool | None:
    """Whether the regular file at `path` holds exactly `data` (None: there is no regular
    file there). A file of another size is not read at all."""
    with _regular_file(path) as file:
        if file is None:
            return None
        if os.fstat(file.fileno()).st_size != len(data):
            return False
        return file.read(len(data) + 1) == data


@contextmanager
def _regular_file(path: Path) -> Iterator[BinaryIO | None]:
    """The regular file at `path` open for reading, else None: opened without following
    a link or waiting on a FIFO."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except OSError:
        yield None
        return
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        yield None
        return
    with os.fdopen(fd, "rb") as file:
        yield file


def remove_stale_temporaries(output: Path) -> list[Path]:
    """Delete temporary files a killed build left behind; return what was removed.

    Only names that `_write_temporary` makes, in folders feedpub writes to: never in a
    hidden folder such as `.git`, never through a link, never anything else.
    """
    removed = []
    folders = [os.fspath(output)]
    while folders:  # a stack, not recursion: any depth of folders is fine
        try:
            entries = list(os.scandir(folders.pop()))
        except OSError:
            continue
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                if not entry.name.startswith("."):
                    folders.append(entry.path)
            elif _TEMPORARY.match(entry.name) and entry.is_file(follow_symlinks=False):
                Path(entry.path).unlink(missing_ok=True)
                removed.append(Path(entry.path))
    return sorted(removed)


def _lock_folder(folder: Path) -> int | None:
    """Hold an exclusive lock on the output folder itself, so two builds never write
    (or clean up each other's temporary files) in it at once."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX: no locking
        return None
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        raise OutputError(
            f"{folder}: another feedpub build is writing here; try again when it is done"
        ) from None
    _HELD.add(fd)
    return fd


def _unlock_folder(fd: int) -> None:
    _HELD.discard(fd)
    os.close(fd)  # closing the descriptor releases the lock


# A forked child (a worker rendering feeds) shares the lock with the build; it lets go
# of it at once, so a build that is killed never leaves its lock behind in a worker.
_HELD: set[int] = set()


def _release_in_child() -> None:
    for fd in _HELD:
        os.close(fd)
    _HELD.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_release_in_child)


def _check_folder(output: Path, folder: Path) -> None:
    """Refuse a `folder` below `output` that passes through a link or a file."""
    current = output
    for part in folder.relative_to(output).parts:
        current = current / part
        if current.is_symlink():
            raise OutputError(f"{current}: is a symbolic link; feedpub does not follow links")
        if current.exists() and not current.is_dir():
            raise OutputError(f"{current}: is not a folder")


def _ensure_folder(output: Path, folder: Path) -> None:
    """Create `folder` below `output`, refusing to pass through a symbolic link."""
    _check_folder(output, folder)
    folder.mkdir(parents=True, exist_ok=True)


def _write_temporary(target: Path, data: bytes) -> Path:
    """Write `data` beside `target` under a temporary name; `_commit` renames it."""
    temp = target.with_name(f".{target.name}{TEMP_MARK}{secrets.token_hex(8)}")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(temp, flags, 0o666)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
    except OSError as e:
        temp.unlink(missing_ok=True)
        raise OutputError(f"{target}: cannot write: {e.strerror or e}") from e
    return temp


def _commit(pending: list[tuple[Path, Path]]) -> None:
    """Flush every temporary file to disk, then rename each over its target.

    Flushing them together (on a few threads, so the disk can batch them) costs far
    less than one at a time; renaming only afterwards keeps every file whole.
    """
    if not pending:
        return
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(_sync, [temp for temp, _ in pending]))
    for temp, target in pending:
        try:
            os.replace(temp, target)
        except OSError as e:
            temp.unlink(missing_ok=True)
            raise OutputError(f"{target}: cannot write: {e.strerror or e}") from e
    # A rename is durable only once its folder is on disk.
    for folder in sorted({target.parent for _, target in pending}):
        _sync(folder)


def _sync(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
