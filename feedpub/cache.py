"""The record store: parsed records kept between builds, keyed by their content.

A SQLite file holds, per record path, the size and stat stamp seen (see
`file_stat`), a SHA-256 hash of the bytes, the record's digest and
problems (what grouping needs) and the full parsed article (fetched again only for
entries that make it into a feed). A later build reuses a row when the file's size and
stamp are unchanged, or else when its bytes hash the same; anything else is parsed
again.

Nothing in the store can run code: values are MessagePack (a record's summary and
article) or JSON, decoded by msgspec into the exact types expected and range-checked,
and every row carries a checksum of what it holds. A value that fails any check raises
`StoreDamaged`; the build then discards the store and builds from the records. Rows
written by another version of feedpub are dropped. The cache is never needed for a
correct build.

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
from feedpub.types import Article, DigestRow, Problem
from feedpub.version import __version__, code_hash

SCHEMA = 5
HASH_SIZE = 16  # bytes of a record's content hash
RACY_NS = 2_000_000_000  # a file this new may change again within its times' resolution
RACY = -1  # the stamp stored for a file too new to trust: it never equals a real one
_STAMP_BITS = 2**63 - 1

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
Row = tuple[str, int, int, bytes, bytes, bytes]  # path, size, stamp, hash, summary, full
_SUMMARY = msgspec.msgpack.Decoder(tuple[_StoredDigest | None, list[Problem]])
_ARTICLE = msgspec.msgpack.Decoder(Article | None)
_ENCODER = msgspec.json.Encoder()
_RECORD_ENCODER = msgspec.msgpack.Encoder()


def encode(value: object) -> bytes:
    """A value as the store keeps it: JSON, which holds no code."""
    return _ENCODER.encode(value)


def encode_record(value: object) -> bytes:
    """A record's summary or article as the store keeps it: MessagePack, which holds no
    code either, and which msgspec writes in about two thirds of the time JSON takes."""
    return _RECORD_ENCODER.encode(value)


def decode_summary(data: bytes) -> Summary:
    """A stored (digest row, problems) pair, checked; raises StoreDamaged."""
    digest, problems = decode(_SUMMARY, data)
    if digest is not None and max(digest[0], 0, *(m[0] for m in digest[9])) >= 2**64:
        raise StoreDamaged("the record store holds a URL key of more than 64 bits")
    return digest, problems


def decode_article(data: bytes) -> Article | None:
    """A stored full article (None: a record with errors), checked; raises StoreDamaged."""
    article = decode(_ARTICLE, data)
    if article is not None and (
        article.published_at.utcoffset() is None
        or any(r.published_at and r.published_at.utcoffset() is None for r in article.related)
    ):
        raise StoreDamaged("the record store holds a date without a time zone")
    from feedpub.load import is_sound

    if article is not None and not is_sound(article):
        raise StoreDamaged("the record store holds an article no record could give")
    return article


def decode(decoder: msgspec.json.Decoder[T] | msgspec.msgpack.Decoder[T], data: bytes) -> T:
    try:
        return decoder.decode(data)
    except (msgspec.DecodeError, ValueError, TypeError) as e:
        raise StoreDamaged(f"the record store holds a value that fails its checks: {e}") from e


def row_check(*parts: bytes | str) -> bytes:
    """The checksum a row carries over what it holds, so damage is seen, not used."""
    h = hashlib.sha256()
    for part in parts:
        _add_part(h, part)
    return h.digest()[:HASH_SIZE]


def _add_part(h: hashlib._Hash, part: bytes | str) -> None:
    data = part.encode("utf-8", "surrogateescape") if isinstance(part, str) else part
    h.update(len(data).to_bytes(8, "little"))
    h.update(data)


def _with_checks(row: Row) -> tuple[str, int, int, bytes, bytes, bytes, bytes, bytes]:
    """A row to store and its two checksums, `row_check`'s over (path, hash, summary) and
    over (path, hash, full): the path and hash are hashed once for both."""
    path, _, _, digest_hash, summary, full = row
    head = hashlib.sha256()
    _add_part(head, path)
    _add_part(head, digest_hash)
    full_check = head.copy()
    _add_part(head, summary)
    _add_part(full_check, full)
    return (*row, head.digest()[:HASH_SIZE], full_check.digest()[:HASH_SIZE])


def is_damage(error: BaseException) -> bool:
    """True for errors that mean the store's file is damaged or unusable, not merely busy."""
    if isinstance(error, StoreDamaged):
        return True
    name = getattr(error, "sqlite_errorname", "")
    return isinstance(error, sqlite3.DatabaseError) and name not in ("SQLITE_BUSY", "SQLITE_LOCKED")


def content_hash(data: bytes | memoryview) -> bytes:
    """The key of a record's content."""
    # SHA-256, cut, like `row_check`: OpenSSL's, on the CPU's SHA instructions where it
    # has them, hashes in about half the time of hashlib's BLAKE2 (plain C), and every
    # parsed record hashes its bytes, its summary and its article.
    return hashlib.sha256(data).digest()[:HASH_SIZE]


def file_stat(path: str | os.PathLike[str]) -> tuple[int, int] | None:
    """A file's size and stamp, or None when it cannot be looked at (see `stat_fields`)."""
    try:
        st = os.stat(path, follow_symlinks=False)
    except OSError:
        return None
    return stat_fields(st)[:2]


def stat_fields(st: os.stat_result) -> tuple[int, int, int]:
    """A file's size, stamp and the time it last changed in any way.

    Like git's index, the stamp covers the mtime, the ctime, the inode and the device:
    an edit that keeps the size and puts the mtime back (`touch -d`, `cp -p`, `rsync -t`,
    `tar --mtime`) still moves the ctime, which no program can set, and a file put in
    another's place has another inode. It is a 63-bit hash of the four, never `RACY`.
    """
    stamp = hash((st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev)) & _STAMP_BITS
    return st.st_size, stamp, max(st.st_mtime_ns, st.st_ctime_ns)


def fetch_encoded(store: Path, paths: Iterable[str]) -> Iterator[tuple[str, bytes]]:
    """For a worker process: the full article of each path as the store at `store` holds
    it, checked, for `decode_article`; read through this process's own read-only
    connection, made on first use, while the build that owns the store waits for it."""
    db = _READERS.get(store)
    if db is None:
        uri = f"{store.absolute().as_uri()}?mode=ro&nofollow=1"
        db = _READERS[store] = sqlite3.connect(uri, isolation_level=None, timeout=60, uri=True)
    return _fetch_encoded(db, paths)


_READERS: dict[Path, sqlite3.Connection] = {}  # in a worker: its connection to the store


def _fetch_encoded(db: sqlite3.Connection, paths: Iterable[str]) -> Iterator[tuple[str, bytes]]:
    query = "SELECT path, hash, full, full_check FROM records WHERE path IN ({})"
    for path, digest_hash, full, check in _chunked(db, query, paths):
        if row_check(path, digest_hash, full) != check:
            raise StoreDamaged(f"the record store's row for {path!r} is damaged")
        yield path, full


def _chunked(db: sqlite3.Connection, query: str, paths: Iterable[str]) -> Iterator[tuple[Any, ...]]:
    """The rows `query` selects for these paths, a chunk of them at a time, with every
    value the checksum covers of the right type."""
    wanted = list(paths)
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        marks = ",".join("?" * len(chunk))
        for row in db.execute(query.format(marks), chunk):
            if not isinstance(row[0], str) or not all(isinstance(v, bytes) for v in row[1:]):
                raise StoreDamaged("the record store holds a row of the wrong types")
            yield row


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
                # A row is about 3 kB (the article): in SQLite's default 4 kB pages each
                # takes a page of its own; in 16 kB pages five share one, and storing a
                # cold build's rows takes half the time. Set before WAL, in a new file.
                db.execute("PRAGMA page_size=16384")
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

    def is_empty(self) -> bool:
        """True when the store holds no record: a build parses every record."""
        return self.db.execute("SELECT 1 FROM records LIMIT 1").fetchone() is None

    def summaries(self, paths: Iterable[str]) -> dict[str, tuple[bytes, Summary]]:
        """The content hash and (digest row, problems) of each of these records."""
        found: dict[str, tuple[bytes, Summary]] = {}
        query = "SELECT path, hash, summary, summary_check FROM records WHERE path IN ({})"
        for path, digest_hash, summary, check in _chunked(self.db, query, paths):
            if row_check(path, digest_hash, summary) != check:
                raise StoreDamaged(f"the record store's row for {path!r} is damaged")
            found[path] = (digest_hash, decode_summary(summary))
        return found

    def put(self, rows: Iterable[Row]) -> None:
        """Store (path, size, stamp, hash, summary, full) rows."""
        self.db.executemany(
            "INSERT OR REPLACE INTO records "
            "(path, size, stamp, hash, summary, full, summary_check, full_check) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            map(_with_checks, rows),
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
        for path, full in _fetch_encoded(self.db, paths):
            yield path, decode_article(full)

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

    def save_snapshot(self, pieces: Iterable[tuple[str, bytes | memoryview]]) -> None:
        """Replace the snapshot; the pieces are written one at a time, not all held (a
        memoryview of a column is written as its bytes, with no copy made of them)."""
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
    """Empty a store written by another version: every table but `meta` goes, those
    of the output ledger (`feedpub.ledger`, which makes its own) too, since the tag
    covers the whole file."""
    tables = db.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    for (name,) in tables:
        if isinstance(name, str) and name != "meta" and not name.startswith("sqlite_"):
            quoted = name.replace('"', '""')
            db.execute(f'DROP TABLE IF EXISTS "{quoted}"')
    db.executescript(
        """
        CREATE TABLE records (
            path TEXT PRIMARY KEY, size INTEGER, stamp INTEGER, hash BLOB,
            summary BLOB, full BLOB, summary_check BLOB, full_check BLOB
        );
        CREATE TABLE snapshot (name TEXT PRIMARY KEY, data BLOB);
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
