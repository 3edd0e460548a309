"""`build(config)` and `check(config)`: the stages composed, and the policy on problems.

This is the boundary that decides what stops a run: by default any error stops a
build before anything is written; `skip_invalid` publishes the valid records instead;
`strict` counts every warning as an error.

A build streams: records are scanned into small digests (parsed on every core, or
taken from the record store), grouping chooses each feed's entries from the digests,
and then one feed at a time is assembled from its few records, rendered and written.
A feed whose inputs hash the same as at the last build, and whose files are as that
build left them, is not rendered at all.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace

from feedpub.cache import RecordStore, discard_store, is_damage
from feedpub.config import Config
from feedpub.diff import FeedDiff, diff_feeds
from feedpub.errors import ConfigError, RecordsError
from feedpub.group import Plan, Selection, assemble, select
from feedpub.pages import INDEX_PATH, PAGE, STYLE_PATH, STYLESHEET, render_index
from feedpub.render import FEED_FORMATS, OPML_PATH, Format, render_opml
from feedpub.source import HASH_SIZE, RACY_NS, Records, Workers, file_stat
from feedpub.table import INVALID
from feedpub.types import BuildResult, Feed, Problem
from feedpub.version import __version__, code_hash
from feedpub.write import Output
from feedpub.write import Plan as WritePlan

Progress = Callable[[int, int], None]  # (records done, records in all)
FORMATS: dict[str, Format] = {**FEED_FORMATS, PAGE.name: PAGE}


@dataclass(frozen=True, slots=True)
class Checked:
    """Records read and grouped, with every problem found on the way."""

    selection: Selection
    problems: tuple[Problem, ...]
    files: int
    skipped: int
    hashes: bytes  # every record's content hash, HASH_SIZE bytes each, in path order

    @property
    def has_errors(self) -> bool:
        return any(p.is_error for p in self.problems)


def check(config: Config, *, progress: Progress | None = None) -> Checked:
    """Read and group the records without rendering or writing anything."""
    with _records(config) as records:
        return _check(config, records, progress)


def build(
    config: Config, *, check_only: bool = False, progress: Progress | None = None
) -> BuildResult:
    """Read the records, group them, render every feed in every format and write them.

    With `check_only`, write nothing and say what a build would change. Raises
    `RecordsError`, having written nothing, when a record has an error and
    `config.skip_invalid` is off.
    """
    result, _ = _rebuilding_damaged_store(config, check_only=check_only, progress=progress)
    return result


def diff(config: Config) -> tuple[BuildResult, list[FeedDiff]]:
    """What a build would change, and per feed file the entry ids it would add and remove."""
    result, new_bytes = _rebuilding_damaged_store(config, check_only=True, progress=None)
    plan = WritePlan(result.created, result.changed, result.unchanged, result.removed)
    return result, diff_feeds(config.output, plan, new_bytes)


def _rebuilding_damaged_store(
    config: Config, *, check_only: bool, progress: Progress | None
) -> tuple[BuildResult, dict[str, bytes]]:
    """`_build`, once more with a fresh store if the record store turns out damaged."""
    try:
        return _build(config, check_only=check_only, progress=progress)
    except (sqlite3.DatabaseError, pickle.UnpicklingError, EOFError) as e:
        if config.cache_dir is None or not is_damage(e):
            raise
        discard_store(config.cache_dir, config.source, config.output)
        return _build(config, check_only=check_only, progress=progress)


def _build(
    config: Config, *, check_only: bool, progress: Progress | None
) -> tuple[BuildResult, dict[str, bytes]]:
    if not config.base_url:
        raise ConfigError("no base URL: feeds need absolute URLs for their ids and self links")
    with _records(config) as records, ExitStack() as stack:
        inputs = _inputs_key(config, records)
        if not check_only:
            last = records.store.last_build()
            if last is not None and last[0] == inputs and _outputs_intact(config, records.store):
                # Nothing that feeds the build changed: the last result stands.
                previous: BuildResult = last[1]
                unchanged = tuple(
                    sorted({*previous.created, *previous.changed, *previous.unchanged})
                )
                return replace(
                    previous, created=(), changed=(), removed=(), unchanged=unchanged
                ), {}
        checked = _check(config, records, progress)
        if checked.has_errors and not config.skip_invalid:
            raise RecordsError(checked.problems)
        selection = checked.selection
        out = Output(config.output, dry_run=check_only)
        stack.callback(out.close)
        store = records.store
        # A check renders everything: it must compare bytes, not trust the last build.
        old = {} if check_only else store.fingerprints()
        old_files = {} if check_only else store.outputs()
        fingerprints = {}
        todo: list[Plan] = []  # the plans whose files must be rendered again
        # Entries name their topics by the corpus-wide spelling: a feed depends on it too.
        settings = _settings_hash(config) + repr(sorted(selection.topic_names.items())).encode()
        for plan in selection.plans:
            formats = _formats(plan, config)
            paths = [fmt.path(plan.name) for fmt in formats]
            fingerprint = _fingerprint(plan, selection, checked.hashes, settings)
            fingerprints[plan.name] = fingerprint
            if old.get(plan.name) == fingerprint and all(
                file_stat(config.output / p) == old_files.get(p) for p in paths
            ):
                for path in paths:
                    out.keep(path)
                continue
            todo.append(plan)
        feeds = (assemble(plan, selection, records.fetch) for plan in todo)
        for rendered in _rendered(feeds, len(todo), config, records.workers):
            for path, data in rendered:
                out.put(path, data)
        summaries = [plan.summary() for plan in selection.plans if plan.kind != "archive"]
        out.put(OPML_PATH, render_opml(summaries, config))
        out.put(INDEX_PATH, render_index(summaries, config))
        out.put(STYLE_PATH, STYLESHEET)
        written = out.finish()
        result = BuildResult(
            problems=checked.problems,
            records=checked.files,
            drafts=selection.drafts,
            skipped=checked.skipped,
            feeds=tuple(summaries),
            created=written.created,
            changed=written.changed,
            unchanged=written.unchanged,
            removed=written.removed,
            checked_only=check_only,
        )
        if not check_only:
            files = {p: file_stat(config.output / p) for p in sorted(out.wanted)}
            store.remember_output(fingerprints, {p: s for p, s in files.items() if s})
            store.remember_build(inputs, result)
    return result, out.new_bytes


@contextmanager
def _records(config: Config) -> Iterator[Records]:
    if not config.source.is_dir():
        raise ConfigError(f"{config.source}: no such folder of records")
    with RecordStore(config.cache_dir, config.source, config.output) as store:
        records = Records(config.source, store, config.jobs)
        try:
            yield records
        finally:
            records.workers.close()


def _check(config: Config, records: Records, progress: Progress | None) -> Checked:
    total = len(records.paths)
    done = 0

    def advance(n: int) -> None:
        nonlocal done
        done += n
        if progress is not None:
            progress(done, total)

    problems = [
        Problem(name, None, "", "file name is not valid UTF-8; rename the file to read it")
        for name in records.misnamed
    ]
    scan = records.scan(advance)
    table = scan.table
    for index, found in sorted(scan.problems.items()):
        if config.strict:
            # With --strict, a record with any problem is as invalid as one with an error.
            found = tuple(_as_error(p) for p in found)
            table.state[index] = INVALID
        problems.extend(found)
    valid = len(table) - table.state.count(INVALID)
    selection = select(table, records.paths, config, records.fetch)
    problems.extend(_as_error(p) if config.strict else p for p in selection.problems)
    skipped = total - valid + selection.duplicates + len(records.misnamed)
    files = total + len(records.misnamed)
    return Checked(selection, tuple(problems), files, skipped, scan.hashes)


def _inputs_key(config: Config, records: Records) -> bytes:
    """A hash of everything a build reads: the settings and every record's size and mtime.

    Equal keys (with the output folder as the last build left it) mean an identical
    build; a file touched without a change only costs the full path.
    """
    h = hashlib.blake2b(repr(config).encode("utf-8"), digest_size=16)
    h.update(_settings_hash(config))
    for start in range(0, len(records.paths), 4096):
        h.update("\0".join(records.paths[start : start + 4096]).encode() + b"\0")
    sizes, mtimes = records.stat_columns()
    h.update(bytes(sizes))
    h.update(bytes(mtimes))
    if mtimes and max(mtimes) > time.time_ns() - RACY_NS:
        h.update(os.urandom(8))  # a file too new to trust its mtime: never equal
    return h.digest()


def _outputs_intact(config: Config, store: RecordStore) -> bool:
    """True when every file the last build wrote is still as it left it."""
    files = store.outputs()
    return bool(files) and all(file_stat(config.output / p) == s for p, s in files.items())


def _formats(plan: Plan | Feed, config: Config) -> list[Format]:
    return [
        FORMATS[name]
        for name in config.formats
        if plan.kind != "archive" or name != PAGE.name  # archive pages are for feed readers
    ]


def _render(feed: Feed, config: Config) -> list[tuple[str, bytes]]:
    """Every file of one feed: (path, bytes) in each of its formats."""
    return [(fmt.path(feed.name), fmt.render(feed, config)) for fmt in _formats(feed, config)]


def _rendered(
    feeds: Iterator[Feed], count: int, config: Config, workers: Workers
) -> Iterator[list[tuple[str, bytes]]]:
    """`_render` of each feed, in order; in the build's worker processes when there are
    several jobs and enough feeds. Only a few feeds are in flight at a time, so memory
    holds a handful of assembled feeds, not all of them."""
    if workers.jobs <= 1 or count < _RENDER_IN_WORKERS:
        return (_render(feed, config) for feed in feeds)
    return workers.map(_render_task, ((feed, config) for feed in feeds))


_RENDER_IN_WORKERS = 32  # feeds to render; fewer cost more to send than they save


def _render_task(task: tuple[Feed, Config]) -> list[tuple[str, bytes]]:
    return _render(*task)


def _settings_hash(config: Config) -> bytes:
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


def _fingerprint(plan: Plan, selection: Selection, hashes: bytes, settings: bytes) -> bytes:
    """A hash of everything a feed's files are rendered from."""
    h = hashlib.blake2b(settings, digest_size=16)
    h.update(repr(plan).encode("utf-8"))
    for key in plan.keys:
        for index in sorted(selection.contributors(key)):
            h.update(hashes[index * HASH_SIZE : (index + 1) * HASH_SIZE])
    return h.digest()


def _as_error(problem: Problem) -> Problem:
    return replace(problem, severity="error")
