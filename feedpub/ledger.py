"""The output ledger: what the last build wrote, and whether it still stands.

In the record store's SQLite file (`feedpub.cache`), beside its rows, the ledger keeps
per feed a fingerprint of everything its files were rendered from, the size and stamp
of every file the last build wanted, that build's inputs key and result, and the feed
files a WebSub hub has not yet been told of.

Its policy decides what a build may skip: a feed whose fingerprint is unchanged and
whose files are as the last build left them is not rendered (`LastOutput`); a build
whose inputs key is unchanged, with every file as it left them, writes nothing and
gives the last result again (`OutputLedger.last_result`). Anything read that is not of
the expected shape counts as no last build: the ledger can only cost a render, never
make one wrong.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import msgspec

from feedpub.cache import StoreDamaged, decode, encode, file_stat
from feedpub.config import Config
from feedpub.types import BuildResult
from feedpub.version import __version__, code_hash

if TYPE_CHECKING:
    from feedpub.group import Plan, Selection
    from feedpub.source import Records
    from feedpub.table import DigestTable

MISSING = (-1, -1)  # the stat remembered for a wanted file that is not there
_LAST_BUILD = msgspec.json.Decoder(tuple[bytes, BuildResult])
_PENDING_PINGS = msgspec.json.Decoder(list[str])
_MAX_PENDING = 1_000_000  # far more feed files than any site has: more is damage
_TABLES = (
    "CREATE TABLE IF NOT EXISTS feeds (name TEXT PRIMARY KEY, fingerprint BLOB)",
    "CREATE TABLE IF NOT EXISTS outputs (path TEXT PRIMARY KEY, size INTEGER, stamp INTEGER)",
    "CREATE TABLE IF NOT EXISTS selection (key BLOB, data BLOB)",
)


@dataclass(frozen=True, slots=True)
class LastOutput:
    """The feeds and files of the output folder as the last build left them."""

    folder: Path
    fingerprints: dict[str, bytes]
    files: dict[str, tuple[int, int]]

    def feed_is_current(self, name: str, fingerprint: bytes, paths: Iterable[str]) -> bool:
        """True when feed `name` was rendered from the same inputs and its files at
        `paths` are as the last build left them: then it need not be rendered."""
        return self.fingerprints.get(name) == fingerprint and all(
            file_as_left(self.folder / p, self.files.get(p)) for p in paths
        )


class OutputLedger:
    """The output ledger of one build, in the record store's connection `db`."""

    def __init__(self, db: sqlite3.Connection, output: Path) -> None:
        self.db = db
        self.output = output
        for table in _TABLES:
            db.execute(table)

    def fingerprints(self) -> dict[str, bytes]:
        rows = self.db.execute("SELECT name, fingerprint FROM feeds")
        return {n: f for n, f in rows if isinstance(n, str) and isinstance(f, bytes)}

    def outputs(self) -> dict[str, tuple[int, int]]:
        """The size and stamp of every file the last build wanted (`MISSING`: none)."""
        rows = self.db.execute("SELECT path, size, stamp FROM outputs")
        return {
            path: (size, stamp)
            for path, size, stamp in rows
            if isinstance(path, str) and isinstance(size, int) and isinstance(stamp, int)
        }

    def last_output(self) -> LastOutput:
        return LastOutput(self.output, self.fingerprints(), self.outputs())

    def remember_output(self, fingerprints: dict[str, bytes], wanted: Iterable[str]) -> None:
        """Replace what the ledger knows of the feeds and of the files of the output
        folder: every file wanted, with its stat; a missing one is never taken as
        current."""
        files = {p: file_stat(self.output / p) or MISSING for p in sorted(wanted)}
        self.db.execute("BEGIN")
        self.db.execute("DELETE FROM feeds")
        self.db.executemany("INSERT INTO feeds VALUES (?, ?)", fingerprints.items())
        self.db.execute("DELETE FROM outputs")
        self.db.executemany(
            "INSERT INTO outputs VALUES (?, ?, ?)",
            ((path, size, stamp) for path, (size, stamp) in files.items()),
        )
        self.db.execute("COMMIT")

    def last_build(self) -> tuple[bytes, BuildResult] | None:
        """The inputs key and the result of the last build, as `remember_build` saved them."""
        row = self.db.execute("SELECT value FROM meta WHERE key = 'last_build'").fetchone()
        if row is None or not isinstance(row[0], str):
            return None
        try:
            return decode(_LAST_BUILD, row[0].encode("utf-8"))
        except (StoreDamaged, UnicodeEncodeError):
            return None  # anything unreadable is simply not a usable last build

    def remember_build(self, key: bytes, result: BuildResult) -> None:
        value = encode((key, result)).decode("utf-8")
        self.db.execute("INSERT OR REPLACE INTO meta VALUES ('last_build', ?)", (value,))

    def last_result(self, inputs: bytes) -> BuildResult | None:
        """The last build's result when nothing that feeds a build has changed since and
        the output folder is as it left it: that result stands, with nothing written."""
        last = self.last_build()
        if last is None or last[0] != inputs or not self.outputs_intact():
            return None
        previous = last[1]
        unchanged = tuple(sorted({*previous.created, *previous.changed, *previous.unchanged}))
        return replace(previous, created=(), changed=(), removed=(), unchanged=unchanged)

    def outputs_intact(self) -> bool:
        """True when every file the last build wrote is still as it left it."""
        files = self.outputs()
        return bool(files) and all(file_as_left(self.output / p, s) for p, s in files.items())

    def last_selection(self, key: bytes, table: DigestTable, config: Config) -> Selection | None:
        """The selection `remember_selection` kept under `key` (see `selection_key`),
        when it agrees with `table` (the table it was made from, unless forged) and
        `config`."""
        # Only a row of the same key is read: a selection of other digests is never used.
        row = self.db.execute("SELECT key, data FROM selection WHERE key = ?", (key,)).fetchone()
        if row is None or row[0] != key or not isinstance(row[1], bytes):
            return None
        try:
            selection = decode(_selection_decoder(), row[1])
        except StoreDamaged:
            return None
        return selection if selection.agrees_with(table, config) else None

    def remember_selection(self, key: bytes, selection: Selection) -> None:
        self.db.execute("BEGIN")
        self.db.execute("DELETE FROM selection")
        self.db.execute(
            "INSERT INTO selection VALUES (?, ?)", (key, msgspec.msgpack.encode(selection))
        )
        self.db.execute("COMMIT")

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
            paths = decode(_PENDING_PINGS, row[0].encode("utf-8"))
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
        self.db.execute("COMMIT")


def file_as_left(path: Path, stat: tuple[int, int] | None) -> bool:
    """True when a file the last build wrote is still there as it left it."""
    found = file_stat(path)
    return found is not None and found == stat


def inputs_key(config: Config, records: Records) -> bytes:
    """A hash of everything a build reads: the settings, every record's size and stamp,
    and the files left out of the records (each one a problem to report).

    Equal keys (with the output folder as the last build left it) mean an identical
    build; a file touched without a change only costs the full path.
    """
    h = hashlib.blake2b(repr(config).encode("utf-8"), digest_size=16)
    h.update(settings_hash(config))
    left_out = (records.skipped, records.misnamed)
    h.update(repr(left_out).encode("utf-8", "surrogateescape") + b"\0")
    h.update(records.paths_digest)
    sizes, stamps = records.stat_columns()
    h.update(bytes(sizes))
    h.update(bytes(stamps))
    if not records.settled:
        h.update(os.urandom(8))  # a file too new to trust its stat: never equal
    return h.digest()


@cache
def _selection_decoder() -> msgspec.msgpack.Decoder[Selection]:
    from feedpub.group import Selection  # only a build that selects needs it

    return msgspec.msgpack.Decoder(Selection)


def selection_key(config: Config, table: DigestTable, records: Records) -> bytes:
    """A hash of everything `select` reads: the settings, the list of paths and every
    record's digest. Equal keys mean an equal selection."""
    h = hashlib.blake2b(repr(replace(config, jobs=None)).encode("utf-8"), digest_size=16)
    h.update(records.paths_digest)
    for name, blob in table.blobs():
        h.update(f"{name} {len(blob)}\0".encode())
        h.update(blob)
    return h.digest()


def settings_hash(config: Config) -> bytes:
    """What of the configuration shapes a feed's files besides its entries."""
    settings = (
        __version__,
        code_hash(),
        config.base_url,
        config.home_url,
        config.title,
        config.description,
        config.author,
        config.language,
        config.formats,
        config.hub,
    )
    return hashlib.blake2b(repr(settings).encode("utf-8"), digest_size=16).digest()


def feed_settings(config: Config, selection: Selection) -> bytes:
    """What every feed of this selection is rendered from besides its own records."""
    # Entries name their topics by the corpus-wide spelling, and their pages link to
    # each topic's feed by its slug: a feed depends on both.
    topics = (sorted(selection.topic_names.items()), sorted(selection.topic_feeds.items()))
    return settings_hash(config) + repr(topics).encode()


def fingerprint(
    plan: Plan, selection: Selection, record_hash: Callable[[int], bytes], settings: bytes
) -> bytes:
    """A hash of everything a feed's files are rendered from."""
    h = hashlib.blake2b(settings, digest_size=16)
    h.update(repr(plan).encode("utf-8"))
    for key in plan.keys:
        for index in sorted(selection.contributors(key)):
            h.update(record_hash(index))
    return h.digest()
