"""Bytes to files: atomic, inside the output folder, unchanged files left alone.

A file is written to a temporary name in its own folder, flushed to disk and renamed
over the old one, so a reader (or a build killed half-way) never sees half a feed.
A file whose bytes would not change is not touched, so its mtime, and the ETag a
static host derives from it, stay the same.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from feedpub.errors import OutputError

TEMP_MARK = ".feedpub-tmp-"


@dataclass(frozen=True, slots=True)
class WriteResult:
    """Relative paths of the files a write created, changed and left alone."""

    created: tuple[str, ...]
    changed: tuple[str, ...]
    unchanged: tuple[str, ...]


def write_files(output: Path, files: Mapping[str, bytes]) -> WriteResult:
    """Write `files` (relative POSIX path -> bytes) below `output`."""
    output.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(output)
    created: list[str] = []
    changed: list[str] = []
    unchanged: list[str] = []
    for relpath in sorted(files):
        target = safe_path(output, relpath)
        _ensure_folder(output, target.parent)  # before reading, so no link is followed
        old = read_existing(target)
        if old == files[relpath]:
            unchanged.append(relpath)
            continue
        _replace(target, files[relpath])
        (created if old is None else changed).append(relpath)
    return WriteResult(tuple(created), tuple(changed), tuple(unchanged))


def safe_path(output: Path, relpath: str) -> Path:
    """`output / relpath`, refusing any path that could land outside `output`."""
    parts = PurePosixPath(relpath).parts
    if (
        not parts
        or relpath.startswith("/")
        or "\\" in relpath
        or any(p in ("", ".", "..") or p.startswith(".") for p in parts)
    ):
        raise OutputError(f"refusing to write outside the output folder: {relpath!r}")
    return output.joinpath(*parts)


def read_existing(path: Path) -> bytes | None:
    """The bytes of a regular file at `path`, or None (missing, a link, not a file)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        with os.fdopen(fd, "rb", closefd=False) as f:
            return f.read()
    finally:
        os.close(fd)


def remove_stale_temporaries(output: Path) -> list[Path]:
    """Delete temporary files a killed build left behind; return what was removed."""
    removed = []
    for folder, _, names in os.walk(output):  # does not follow links
        for name in names:
            if TEMP_MARK in name:
                path = Path(folder, name)
                path.unlink(missing_ok=True)
                removed.append(path)
    return removed


def _ensure_folder(output: Path, folder: Path) -> None:
    """Create `folder` below `output`, refusing to pass through a symbolic link."""
    current = output
    for part in folder.relative_to(output).parts:
        current = current / part
        if current.is_symlink():
            raise OutputError(f"{current}: is a symbolic link; feedpub does not follow links")
        if not current.exists():
            current.mkdir()
        elif not current.is_dir():
            raise OutputError(f"{current}: is not a folder")


def _replace(target: Path, data: bytes) -> None:
    temp = target.with_name(f".{target.name}{TEMP_MARK}{os.getpid()}")
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(temp, flags, 0o666)
        try:
            with os.fdopen(fd, "wb", closefd=False) as f:
                f.write(data)
                f.flush()
                os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temp, target)
    except OSError as e:
        temp.unlink(missing_ok=True)
        raise OutputError(f"{target}: cannot write: {e.strerror or e}") from e
    _sync_folder(target.parent)


def _sync_folder(folder: Path) -> None:
    # The rename is durable only once the folder itself is on disk.
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
