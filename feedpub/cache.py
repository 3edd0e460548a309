"""The record store: parsed records kept between builds, keyed by their content.

A SQLite file holds, per record path, the size and stat stamp seen (see
`feedpub.source.file_stat`), the BLAKE2 hash of the bytes, the record's digest and
problems (what grouping needs) and the full parsed article (fetched again only for
entries that make it into a feed). A later build reuses a row when the file's size and
stamp are unchanged, or else when its bytes hash the same; anything else is parsed
again.

Nothing in the store can run code: values are JSON, decoded by msgspec into the
exact types expected and range-checked, and every row carries a checksum of what it
holds. A value that fails any check raises `StoreDamaged`; the build then discards
the store and builds from the records. Rows written by another version of feedpub are
dropped. The cache is never needed for a correct build.

It also remembers, per feed, a fingerprint of everything its files were rendered
from, and the size and stamp of every file written, so a build can leave a feed
whose inputs did not change unrendered and untouched.

Without a cache folder (`--no-cache`) the same store lives in a temporary file that
is deleted after the build.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import suppress
from pathlib import Path
from typing import Annotated, Any, TypeVar

import msgspec

from feedpub.errors import FeedpubError
from feedpub.load import is_sound
from feedpub.types import Article, BuildResult, DigestRow, Problem
from feedpub.version import __version__, code_hash

SCHEMA = 5

_TAG = f"feedpub {__version__} code {code_hash()} schema {SCHEMA}"
_GITIGNORE = "# Created by feedpub: a cache of parsed records, never to be committed.\n*\n"
_CACHEDIR_TAG = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file marks a cache directory created by feedpub.\n"
)

T = TypeVar("T")


class StoreDamaged(FeedpubError):
    """Something read from the record store failed its checks: the store is discarded."""


# --- what a row holds, and how it is checked --------------------------------------------

# The shapes stored values must have; msgspec refuses anything else while decoding.
_Key = Annotated[int, msgspec.Meta(ge=0)]  # a 64-bit `url_key`: see `decode_summary`
_Time = Annotated[float, msgspec.Meta(ge=-1e12, le=1e12)]  # seconds since 1970, years 1000-9999
_StoredMention = tuple[_Key, _Time | None, str | None, str | None]
_StoredDigest = tuple[
    _Key,
    _Time,
    bool,
    str,
    str,
    tuple[str, ...],
    str | None,
    str | None,
    int | None,
    tuple[_StoredMention, ...],
]
Summary = tuple[DigestRow | None, list[Problem]]
_SUMMARY = msgspec.json.Decoder(tuple[_StoredDigest | None, list[Problem]])
_ARTICLE = msgspec.json.Decoder(Article | None)
_LAST_BUILD = msgspec.json.Decoder(tuple[bytes, BuildResult])
_PENDING_PINGS = msgspec.json.Decoder(list[str])
_MAX_PENDING = 1_000_000  # far more feed files than any site has: more is damage
_ENCODER = msgspec.json.Encoder()


def encode(value: object) -> bytes:
    """A value as the store keeps it: JSON, which holds no code."""
    return _ENCODER.encode(value)


def decode_summary(data: bytes) -> Summary:
    """A stored (digest row, problems) pair, checked; raises StoreDamaged."""
    digest, problems = _decode(_SUMMARY, data)
    if digest is not None and max(digest[0], 0, *(m[0] for m in digest[9])) >= 2**64:
        raise StoreDamaged("the record store holds a URL key of more than 64 bits")
    return digest, problems


def decode_article(data: bytes) -> Article | None:
    """A stored full article (None: a record with errors), checked; raises StoreDamaged."""
    article = _decode(_ARTICLE, data)
    if article is not None and (
        article.published_at.utcoffset() is None
        or any(r.published_at and r.published_at.utcoffset() is None for r in article.related)
    ):
        raise StoreDamaged("the record store holds a date without a time zone")
    if article is not None and not is_sound(article):
        raise StoreDamaged("the record store holds an article no record could give")
    return article


def _decode(decoder: msgspec.json.Decoder[T], data: bytes) -> T:
    try:
        return decoder.decode(data)
    except (msgspec.DecodeError, ValueError, TypeError) as e:
        raise StoreDamaged(f"the record store holds a value that fails its checks: {e}") from e


def row_check(*parts: bytes | str) -> bytes:
    """The checksum a row carries over what it holds, so damage is seen, not used."""
    h = hashlib.blake2b(digest_size=16)
    for part in parts:
        data = part.encode("utf-8", "surrogateescape") if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.digest()


def is_damage(error: BaseException) -> bool:
    """True for errors that mean the store's file is damaged or unusable, not merely busy."""
    if isinstance(error, StoreDamaged):
        return True
    name = getattr(error, "sqlite_errorname", "")
    return isinstance(error, sqlite3.DatabaseError) and name not in ("SQLITE_BUSY", "SQLITE_LOCKED")


def content_hash(data: bytes) -> bytes:
    """The key of a record's content."""
    return hashlib.blake2b(data, digest_size=16).digest()


# --- the store ----------------------------------------------------------------------------


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
        try:
            self.db = self._open()
        except BaseException:
            self._cleanup()
            raise

    @property
    def is_temporary(self) -> bool:
        return self._temporary is not None

    def _open(self) -> sqlite3.Connection:
        for attempt in (1, 2):
            db = None
            try:
                _unlink_links(self.path)
                # Another build on the same store waits its turn rather than failing;
                # nofollow: the store is never opened through a link planted in its place.
                uri = f"{self.path.absolute().as_uri()}?nofollow=1"
                db = sqlite3.connect(uri, isolation_level=None, timeout=60, uri=True)
                db.execute("PRAGMA journal_mode=WAL")
                db.execute("PRAGMA synchronous=NORMAL")
                db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
                row = db.execute("SELECT value FROM meta WHERE key = 'tag'").fetchone()
                if row is None or row[0] != _TAG:
                    _reset(db)
                return db
            except sqlite3.DatabaseError as e:
                if db is not None:
                    db.close()
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
        self._cleanup()

    def _cleanup(self) -> None:
        if self._temporary is not None:
            self._temporary.cleanup()

    def __enter__(self) -> RecordStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- records ----------------------------------------------------------------

    def stats(self) -> Iterator[tuple[str, int, int, bytes]]:
        """The path, size, stamp and content hash of every record held, in path order.

        Read as the caller goes, so a corpus's worth of them is never in memory at once.
        A row whose values are not of those types is damage.
        """
        rows = self.db.execute("SELECT path, size, stamp, hash FROM records ORDER BY path")
        for path, size, stamp, digest_hash in rows:
            if not (
                isinstance(path, str)
                and isinstance(size, int)
                and isinstance(stamp, int)
                and isinstance(digest_hash, bytes)
            ):
                raise StoreDamaged("the record store holds a row of the wrong types")
            yield path, size, stamp, digest_hash

    def summaries(self, paths: Iterable[str]) -> dict[str, tuple[bytes, Summary]]:
        """The content hash and (digest row, problems) of each of these records."""
        found: dict[str, tuple[bytes, Summary]] = {}
        query = "SELECT path, hash, summary, summary_check FROM records WHERE path IN ({})"
        for path, digest_hash, summary, check in self._chunked(query, paths):
            if row_check(path, digest_hash, summary) != check:
                raise StoreDamaged(f"the record store's row for {path!r} is damaged")
            found[path] = (digest_hash, decode_summary(summary))
        return found

    def put(self, rows: Iterable[tuple[str, int, int, bytes, bytes, bytes]]) -> None:
        """Store (path, size, stamp, hash, summary, full) rows."""
        self.db.executemany(
            "INSERT OR REPLACE INTO records "
            "(path, size, stamp, hash, summary, full, summary_check, full_check) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                (*row, row_check(row[0], row[3], row[4]), row_check(row[0], row[3], row[5]))
                for row in rows
            ),
        )

    def touch(self, path: str, size: int, stamp: int) -> None:
        """Remember a new size and stamp for a record whose bytes did not change."""
        self.db.execute(
            "UPDATE records SET size = ?, stamp = ? WHERE path = ?", (size, stamp, path)
        )

    def forget(self, paths: Iterable[str]) -> None:
        """Drop the rows of records that are gone."""
        self.db.executemany("DELETE FROM records WHERE path = ?", ((p,) for p in paths))

    def fetch(self, paths: Iterable[str]) -> Iterator[tuple[str, Article | None]]:
        """The full parsed article of each path (None for a record with errors)."""
        query = "SELECT path, hash, full, full_check FROM records WHERE path IN ({})"
        for path, digest_hash, full, check in self._chunked(query, paths):
            if row_check(path, digest_hash, full) != check:
                raise StoreDamaged(f"the record store's row for {path!r} is damaged")
            yield path, decode_article(full)

    def _chunked(self, query: str, paths: Iterable[str]) -> Iterator[tuple[Any, ...]]:
        """The rows `query` selects for these paths, a chunk of them at a time, with
        every value the checksum covers of the right type."""
        wanted = list(paths)
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for row in self.db.execute(query.format(marks), chunk):
                if not isinstance(row[0], str) or not all(isinstance(v, bytes) for v in row[1:]):
                    raise StoreDamaged("the record store holds a row of the wrong types")
                yield row

    def snapshot(self) -> dict[str, bytes]:
        """The pieces `save_snapshot` kept, by name (empty: none, or damaged)."""
        pieces = {}
        for name, data in self.db.execute("SELECT name, data FROM snapshot ORDER BY name"):
            if not isinstance(name, str) or not isinstance(data, bytes):
                return {}
            pieces[name] = data
        check = pieces.pop("check", None)
        if check != _pieces_check({name: content_hash(data) for name, data in pieces.items()}):
            return {}
        return pieces

    def save_snapshot(self, pieces: Iterable[tuple[str, bytes]]) -> None:
        """Replace the snapshot; the pieces are written one at a time, not all held."""
        self.db.execute("DELETE FROM snapshot")
        written = {}
        for name, data in pieces:
            self.db.execute("INSERT INTO snapshot VALUES (?, ?)", (name, data))
            written[name] = content_hash(data)
        if written:
            check = _pieces_check(written)
            self.db.execute("INSERT INTO snapshot VALUES ('check', ?)", (check,))

    def begin(self) -> None:
        self.db.execute("BEGIN")

    def commit(self) -> None:
        self.db.execute("COMMIT")

    # --- feeds and output files ----------------------------------------------------

    def fingerprints(self) -> dict[str, bytes]:
        rows = self.db.execute("SELECT name, fingerprint FROM feeds")
        return {n: f for n, f in rows if isinstance(n, str) and isinstance(f, bytes)}

    def outputs(self) -> dict[str, tuple[int, int]]:
        """The size and stamp of every file the last build wanted ((-1, -1): none)."""
        rows = self.db.execute("SELECT path, size, stamp FROM outputs")
        return {
            path: (size, stamp)
            for path, size, stamp in rows
            if isinstance(path, str) and isinstance(size, int) and isinstance(stamp, int)
        }

    def last_build(self) -> tuple[bytes, BuildResult] | None:
        """The inputs key and the result of the last build, as `remember_build` saved them."""
        row = self.db.execute("SELECT value FROM meta WHERE key = 'last_build'").fetchone()
        if row is None or not isinstance(row[0], str):
            return None
        try:
            return _decode(_LAST_BUILD, row[0].encode("utf-8"))
        except (StoreDamaged, UnicodeEncodeError):
            return None  # anything unreadable is simply not a usable last build

    def remember_build(self, key: bytes, result: BuildResult) -> None:
        value = encode((key, result)).decode("utf-8")
        self.db.execute("INSERT OR REPLACE INTO meta VALUES ('last_build', ?)", (value,))

    def pending_pings(self) -> list[str] | None:
        """The feed files a hub has not yet been told of, as `update_pending_pings` left
        them; None when the stored list is damaged. Entries are checked by the caller
        against the files published: here they are only strings."""
        row = self.db.execute("SELECT value FROM meta WHERE key = 'pending_pings'").fetchone()
        if row is None:
            return []
        if not isinstance(row[0], str):
            return None
        try:
            paths = _decode(_PENDING_PINGS, row[0].encode("utf-8"))
        except (StoreDamaged, UnicodeEncodeError):
            return None
        return paths if len(paths) <= _MAX_PENDING else None

    def update_pending_pings(
        self, *, add: Iterable[str] = (), drop: Iterable[str] = (), if_damaged: Iterable[str] = ()
    ) -> None:
        """Add and drop feed files waiting for a ping, in one transaction, so a build and
        a ping at the same time lose neither's change. A damaged list counts as
        `if_damaged` (every feed file the caller knows of): a ping too many is harmless,
        a ping missed leaves subscribers polling."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            found = self.pending_pings()
            paths = set(if_damaged if found is None else found)
            paths = (paths | set(add)) - set(drop)
            value = encode(sorted(paths)).decode("utf-8")
            self.db.execute("INSERT OR REPLACE INTO meta VALUES ('pending_pings', ?)", (value,))
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.commit()

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
            ((path, size, stamp) for path, (size, stamp) in outputs.items()),
        )
        self.commit()


def _pieces_check(hashes: dict[str, bytes]) -> bytes:
    """The checksum of a snapshot: over its pieces' names and hashes, in name order."""
    return row_check(*(part for name in sorted(hashes) for part in (name, hashes[name])))


def store_path(folder: Path, source: Path, output: Path) -> Path:
    """One store per source and output folder, so two builds never share fingerprints."""
    key = f"{source.resolve()}\0{output.resolve()}".encode("utf-8", "surrogateescape")
    return folder / f"build-{hashlib.blake2b(key, digest_size=8).hexdigest()}.sqlite3"


def discard_store(folder: Path, source: Path, output: Path) -> None:
    """Delete a damaged store, so the next build starts a fresh one."""
    _delete(store_path(folder, source, output))


def _unlink_links(path: Path) -> None:
    """Remove links at the store's names: SQLite would write through them (to another
    program's database, say). Only the link goes, never what it points to."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        name = Path(f"{path}{suffix}")
        if name.is_symlink():
            name.unlink()


def _delete(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        # A folder in its place is not ours to remove: opening it fails, and the build
        # goes on without the cache.
        with suppress(IsADirectoryError):
            Path(f"{path}{suffix}").unlink(missing_ok=True)


def _reset(db: sqlite3.Connection) -> None:
    db.executescript(
        """
        DROP TABLE IF EXISTS records;
        DROP TABLE IF EXISTS feeds;
        DROP TABLE IF EXISTS outputs;
        DROP TABLE IF EXISTS snapshot;
        CREATE TABLE records (
            path TEXT PRIMARY KEY, size INTEGER, stamp INTEGER, hash BLOB,
            summary BLOB, full BLOB, summary_check BLOB, full_check BLOB
        );
        CREATE TABLE feeds (name TEXT PRIMARY KEY, fingerprint BLOB);
        CREATE TABLE snapshot (name TEXT PRIMARY KEY, data BLOB);
        CREATE TABLE outputs (path TEXT PRIMARY KEY, size INTEGER, stamp INTEGER);
        """
    )
    db.execute("DELETE FROM meta")
    db.execute("INSERT INTO meta VALUES ('tag', ?)", (_TAG,))


def _make_cache_folder(folder: Path) -> None:
    """Create the cache folder and mark it, as pytest, mypy and ruff mark theirs, as one
    for git and backup tools to ignore: only a folder feedpub creates or has marked
    before, so `cache_dir: .` never hides a project from git. Marks are created, never
    written through a link or over a file."""
    created = not folder.exists()
    folder.mkdir(parents=True, exist_ok=True)
    if not created and any(folder.iterdir()) and not (folder / "CACHEDIR.TAG").is_file():
        return  # someone else's folder: used, not marked
    for name, text in (("CACHEDIR.TAG", _CACHEDIR_TAG), (".gitignore", _GITIGNORE)):
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
        try:
            fd = os.open(folder / name, flags, 0o666)
        except FileExistsError:
            continue  # already there (or a link there): left as it is
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
