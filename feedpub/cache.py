"""The record store: parsed records kept between builds, keyed by their content.

A SQLite file holds, per record path, the size and mtime seen, the BLAKE2 hash of
the bytes, the record's digest and problems (what grouping needs) and the full
parsed article (fetched again only for entries that make it into a feed). A later
build reuses a row when the file's size and mtime are unchanged, or else when its
bytes hash the same; anything else is parsed again. Rows written by another
version of feedpub are dropped, and a file that is not a readable store is replaced:
the cache is never trusted blindly, and never needed for a correct build.

It also remembers, per feed, a fingerprint of everything its files were rendered
from, and the size and mtime of every file written, so a build can leave a feed
whose inputs did not change unrendered and untouched.

Without a cache folder (`--no-cache`) the same store lives in a temporary file that
is deleted after the build.
"""

from __future__ import annotations

import hashlib
import pickle
import sqlite3
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from feedpub.version import __version__, code_hash

SCHEMA = 4


_TAG = f"feedpub {__version__} code {code_hash()} schema {SCHEMA} pickle {pickle.HIGHEST_PROTOCOL}"
_GITIGNORE = "# Created by feedpub: a cache of parsed records, never to be committed.\n*\n"
_CACHEDIR_TAG = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file marks a cache directory created by feedpub.\n"
)


def is_damage(error: BaseException) -> bool:
    """True for errors that mean the store's file is damaged, not merely busy."""
    if isinstance(error, pickle.UnpicklingError | EOFError):
        return True
    name = getattr(error, "sqlite_errorname", "")
    return isinstance(error, sqlite3.DatabaseError) and (
        name in ("SQLITE_NOTADB", "SQLITE_CORRUPT") or (not name and "malformed" in str(error))
    )


def content_hash(data: bytes) -> bytes:
    """The key of a record's content."""
    return hashlib.blake2b(data, digest_size=16).digest()


class RecordStore:
    """Parsed records by path, in a SQLite file; see the module docstring."""

    def __init__(self, folder: Path | None, source: Path, output: Path) -> None:
        self._temporary: tempfile.TemporaryDirectory[str] | None = None
        if folder is None:
            self._temporary = tempfile.TemporaryDirectory(prefix="feedpub-")
            folder = Path(self._temporary.name)
        else:
            _make_cache_folder(folder)
        self.path = store_path(folder, source, output)
        self.db = self._open()

    def _open(self) -> sqlite3.Connection:
        for attempt in (1, 2):
            try:
                # Another build on the same store waits its turn rather than failing.
                db = sqlite3.connect(self.path, isolation_level=None, timeout=60)
                db.execute("PRAGMA journal_mode=WAL")
                db.execute("PRAGMA synchronous=NORMAL")
                db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
                row = db.execute("SELECT value FROM meta WHERE key = 'tag'").fetchone()
                if row is None or row[0] != _TAG:
                    _reset(db)
                return db
            except sqlite3.DatabaseError as e:
                # Only a file that is not a store we can read is thrown away; a busy or
                # locked one belongs to another build.
                if attempt == 2 or not is_damage(e):
                    raise
                self.discard()
        raise AssertionError("unreachable")  # pragma: no cover

    def discard(self) -> None:
        """Delete the store's files: it is damaged, and a fresh one will be built."""
        _delete(self.path)

    def close(self) -> None:
        self.db.close()
        if self._temporary is not None:
            self._temporary.cleanup()

    def __enter__(self) -> RecordStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- records ----------------------------------------------------------------

    def stats(self) -> Iterator[tuple[str, int, int, bytes]]:
        """The path, size, mtime and content hash of every record held, in path order.

        Read as the caller goes, so a corpus's worth of them is never in memory at once.
        """
        rows = self.db.execute("SELECT path, size, mtime_ns, hash FROM records ORDER BY path")
        return ((path, size, mtime, bytes(h)) for path, size, mtime, h in rows)

    def summaries(self, paths: Iterable[str]) -> dict[str, tuple[bytes, bytes]]:
        """The content hash and pickled (digest row, problems) of each of these records."""
        wanted = list(paths)
        found: dict[str, tuple[bytes, bytes]] = {}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self.db.execute(
                f"SELECT path, hash, summary FROM records WHERE path IN ({marks})", chunk
            )
            found.update((path, (bytes(h), bytes(s))) for path, h, s in rows)
        return found

    def put(self, rows: Iterable[tuple[str, int, int, bytes, bytes, bytes]]) -> None:
        """Store (path, size, mtime_ns, hash, summary, full) rows."""
        self.db.executemany(
            "INSERT OR REPLACE INTO records (path, size, mtime_ns, hash, summary, full) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            rows,
        )

    def touch(self, path: str, size: int, mtime_ns: int) -> None:
        """Remember a new size and mtime for a record whose bytes did not change."""
        self.db.execute(
            "UPDATE records SET size = ?, mtime_ns = ? WHERE path = ?", (size, mtime_ns, path)
        )

    def forget(self, paths: Iterable[str]) -> None:
        """Drop the rows of records that are gone."""
        self.db.executemany("DELETE FROM records WHERE path = ?", ((p,) for p in paths))

    def fetch(self, paths: Iterable[str]) -> Iterator[tuple[str, Any]]:
        """The full parsed article of each path (None for a record with errors)."""
        wanted = list(paths)
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self.db.execute(f"SELECT path, full FROM records WHERE path IN ({marks})", chunk)
            for path, full in rows:
                yield path, pickle.loads(full)

    def snapshot(self) -> dict[str, bytes]:
        """The pieces `save_snapshot` kept, by name (empty: none)."""
        return {name: bytes(data) for name, data in self.db.execute("SELECT * FROM snapshot")}

    def save_snapshot(self, pieces: Iterable[tuple[str, bytes]]) -> None:
        """Replace the snapshot; the pieces are written one at a time, not all held."""
        self.db.execute("DELETE FROM snapshot")
        for name, data in pieces:
            self.db.execute("INSERT INTO snapshot VALUES (?, ?)", (name, data))

    def begin(self) -> None:
        self.db.execute("BEGIN")

    def commit(self) -> None:
        self.db.execute("COMMIT")

    # --- feeds and output files ----------------------------------------------------

    def fingerprints(self) -> dict[str, bytes]:
        return {n: bytes(f) for n, f in self.db.execute("SELECT name, fingerprint FROM feeds")}

    def outputs(self) -> dict[str, tuple[int, int]]:
        rows = self.db.execute("SELECT path, size, mtime_ns FROM outputs")
        return {path: (size, mtime) for path, size, mtime in rows}

    def last_build(self) -> tuple[bytes, Any] | None:
        """The inputs key and the result of the last build, as `remember_build` saved them."""
        row = self.db.execute("SELECT value FROM meta WHERE key = 'last_build'").fetchone()
        if row is None:
            return None
        try:
            key, result = pickle.loads(bytes.fromhex(row[0]))
        except Exception:  # anything unreadable is simply not a usable last build
            return None
        return key, result

    def remember_build(self, key: bytes, result: Any) -> None:
        value = pickle.dumps((key, result), pickle.HIGHEST_PROTOCOL).hex()
        self.db.execute("INSERT OR REPLACE INTO meta VALUES ('last_build', ?)", (value,))

    def remember_output(
        self, fingerprints: dict[str, bytes], outputs: dict[str, tuple[int, int]]
    ) -> None:
        """Replace what the store knows of the feeds and files of the output folder."""
        self.begin()
        self.db.execute("DELETE FROM feeds")
        self.db.executemany("INSERT INTO feeds VALUES (?, ?)", fingerprints.items())
        self.db.execute("DELETE FROM outputs")
        self.db.executemany(
            "INSERT INTO outputs VALUES (?, ?, ?)",
            ((path, size, mtime) for path, (size, mtime) in outputs.items()),
        )
        self.commit()


def store_path(folder: Path, source: Path, output: Path) -> Path:
    """One store per source and output folder, so two builds never share fingerprints."""
    key = f"{source.resolve()}\0{output.resolve()}".encode("utf-8", "surrogateescape")
    return folder / f"build-{hashlib.blake2b(key, digest_size=8).hexdigest()}.sqlite3"


def discard_store(folder: Path, source: Path, output: Path) -> None:
    """Delete a damaged store, so the next build starts a fresh one."""
    _delete(store_path(folder, source, output))


def _delete(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def _reset(db: sqlite3.Connection) -> None:
    db.executescript(
        """
        DROP TABLE IF EXISTS records;
        DROP TABLE IF EXISTS feeds;
        DROP TABLE IF EXISTS outputs;
        DROP TABLE IF EXISTS snapshot;
        CREATE TABLE records (
            path TEXT PRIMARY KEY, size INTEGER, mtime_ns INTEGER,
            hash BLOB, summary BLOB, full BLOB
        );
        CREATE TABLE feeds (name TEXT PRIMARY KEY, fingerprint BLOB);
        CREATE TABLE snapshot (name TEXT PRIMARY KEY, data BLOB);
        CREATE TABLE outputs (path TEXT PRIMARY KEY, size INTEGER, mtime_ns INTEGER);
        """
    )
    db.execute("DELETE FROM meta")
    db.execute("INSERT INTO meta VALUES ('tag', ?)", (_TAG,))


def _make_cache_folder(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    # Like pytest's, mypy's and ruff's caches: ignored by git and by backup tools.
    for name, text in ((".gitignore", _GITIGNORE), ("CACHEDIR.TAG", _CACHEDIR_TAG)):
        if not (folder / name).exists():
            (folder / name).write_text(text, encoding="utf-8")
