"""Bytes to files: atomic, inside the output folder, unchanged files left alone.

A file is written to a temporary name in its own folder, flushed to disk and renamed
over the old one, so a reader (or a build killed half-way) never sees half a feed.
A file whose bytes would not change is not touched, so its mtime, and the ETag a
static host derives from it, stay the same.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from feedpub.errors import OutputError

TEMP_MARK = ".feedpub-tmp-"
MANIFEST = ".feedpub-manifest.json"


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


def plan_files(output: Path, files: Mapping[str, bytes]) -> Plan:
    """What `write_files(output, files)` would do, without writing anything."""
    return _plan(output, _with_manifest(files), read_manifest(output))


def write_files(output: Path, files: Mapping[str, bytes]) -> Plan:
    """Write `files` (relative POSIX path -> bytes) below `output`, remove the files an
    earlier build wrote that are no longer wanted, and record what feedpub owns now.

    Files feedpub did not write (those not in its manifest) are never touched.
    """
    output.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(output)
    everything = _with_manifest(files)
    plan = _plan(output, everything, read_manifest(output))
    # The manifest goes last, so a build killed half-way still owns what it wrote.
    for relpath in sorted((*plan.created, *plan.changed), key=lambda p: p == MANIFEST):
        target = safe_path(output, relpath)
        _ensure_folder(output, target.parent)
        _replace(target, everything[relpath])
    for relpath in plan.removed:
        target = safe_path(output, relpath)
        target.unlink(missing_ok=True)
        _remove_empty_folders(output, target.parent)
    return plan


def read_manifest(output: Path) -> list[str]:
    """The files an earlier build wrote, as it recorded them; [] when unknown."""
    data = read_existing(output / MANIFEST)
    try:
        files = json.loads(data or b"null")["files"]
    except (ValueError, TypeError, KeyError):
        return []
    return [f for f in files if isinstance(f, str)] if isinstance(files, list) else []


def _with_manifest(files: Mapping[str, bytes]) -> dict[str, bytes]:
    manifest = {"generator": "feedpub", "files": sorted(files)}
    data = json.dumps(manifest, indent=1, ensure_ascii=False).encode("utf-8") + b"\n"
    return {**files, MANIFEST: data}


def _plan(output: Path, files: Mapping[str, bytes], owned: list[str]) -> Plan:
    created: list[str] = []
    changed: list[str] = []
    unchanged: list[str] = []
    for relpath in sorted(files):
        target = safe_path(output, relpath)
        _check_folder(output, target.parent)  # before reading, so no link is followed
        old = read_existing(target)
        if old == files[relpath]:
            unchanged.append(relpath)
        else:
            (created if old is None and not target.is_symlink() else changed).append(relpath)
    removed = []
    for relpath in sorted(set(owned) - set(files)):
        try:
            target = safe_path(output, relpath)
        except OutputError:
            continue  # a manifest edited by hand never makes feedpub delete outside
        if _is_owned_file(output, target):
            removed.append(relpath)
    return Plan(tuple(created), tuple(changed), tuple(unchanged), tuple(removed))


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
