"""`build(config)` and `check(config)`: the stages composed, and the policy on problems.

This is the boundary that decides what stops a run: by default any error stops a
build before anything is written; `skip_invalid` publishes the valid records instead;
`strict` counts every warning as an error.

A build streams: records are scanned into small digests (parsed on every core, or
taken from the record store), grouping chooses each feed's entries from the digests,
and then one feed at a time is assembled from its few records, rendered and written
(`feedpub.publish`). A feed whose inputs hash the same as at the last build, and whose
files are as that build left them, is not rendered at all; a build whose inputs all
hash the same returns the last build's result, and imports neither grouping nor
anything past it. On a Dask cluster (`config.scheduler`), reading and grouping run on
its workers instead (`feedpub.spread`), and only problems, counts and the chosen
entries come back.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from feedpub.cache import HASH_SIZE, RecordStore, discard_store, is_damage, store_path
from feedpub.config import Config
from feedpub.errors import (
    ConfigError,
    FeedpubError,
    RecordsError,
    ShrinkError,
    escape_text,
    raises_feedpub_errors,
)
from feedpub.ledger import OutputLedger, inputs_key, selection_key
from feedpub.source import Records, article_reader
from feedpub.table import INVALID, DigestTable
from feedpub.types import BuildResult, Feed, Problem

if TYPE_CHECKING:  # the stages past the scan are imported where they are first used
    from feedpub.diff import ChangeCollector, Changes
    from feedpub.group import Fetch, Selection
    from feedpub.workers import Workers

Progress = Callable[[int, int], None]  # (records done, records in all)
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Checked:
    """Records read and grouped, with every problem found on the way."""

    selection: Selection
    problems: tuple[Problem, ...]
    files: int
    skipped: int
    record_hash: Callable[[int], bytes]  # the content hash of a record the feeds use
    fetch: Fetch  # the articles of records by index (the store's, or read again)

    @property
    def has_errors(self) -> bool:
        return any(p.is_error for p in self.problems)


@raises_feedpub_errors
def check(config: Config, *, progress: Progress | None = None) -> Checked:
    """Read and group the records without rendering or writing anything."""

    def run(config: Config, warnings: list[Problem]) -> Checked:
        with _records(config, warnings) as records:
            return _check(config, records, progress)

    return _discarding_a_bad_store(config, run)


@raises_feedpub_errors
def build(
    config: Config,
    *,
    check_only: bool = False,
    allow_shrink: bool = False,
    progress: Progress | None = None,
) -> BuildResult:
    """Read the records, group them, render every feed in every format and write them.

    With `check_only`, write nothing and say what a build would change. Raises
    `RecordsError`, having written nothing, when a record has an error and
    `config.skip_invalid` is off; and `ShrinkError`, likewise, when the build would
    publish no entry or remove more than half of the feeds published, unless
    `allow_shrink`.
    """

    def run(config: Config, warnings: list[Problem]) -> BuildResult:
        return _build(config, warnings, check_only, allow_shrink, progress)

    return _discarding_a_bad_store(config, run)


@raises_feedpub_errors
def diff(config: Config, *, allow_shrink: bool = False) -> tuple[BuildResult, Changes]:
    """What a build would change: per feed, the entries it would add, remove and change,
    compared as each feed is assembled, and the other files it would change."""
    from feedpub.diff import ChangeCollector

    def run(config: Config, warnings: list[Problem]) -> tuple[BuildResult, ChangeCollector]:
        collector = ChangeCollector(config.output)  # afresh if the run is retried
        result = _build(config, warnings, True, allow_shrink, None, collector.add)
        return result, collector

    result, collector = _discarding_a_bad_store(config, run)
    return result, collector.finish(result)


def _discarding_a_bad_store(config: Config, run: Callable[[Config, list[Problem]], T]) -> T:
    """`run`, and once more from the records alone if anything goes wrong while the
    record store is in use: the cache may speed a build up, never stop it.

    Only feedpub's own errors about the input (records, configuration, output) and the
    file system's stand; any other failure with a cache could come from what the cache
    holds, so the store is discarded and the build runs again with a fresh one, saying
    so in a warning. A failure that comes back then is real. A build that would empty
    the site is tried once without the cache before it is believed.
    """
    if config.cache_dir is None:
        return run(config, [])
    try:
        return run(config, [])
    except ShrinkError as e:
        if config.scheduler:
            # A build on a cluster chose its entries without the store: a second run
            # would only repeat the whole cluster build to raise this again.
            raise
        # Without the cache this raises again when the records really are that few.
        result = run(replace(config, cache_dir=None), [_cache_warning(config, e)])
        _discard_store(config)
        return result
    except Exception as e:
        if isinstance(e, FeedpubError | sqlite3.Error | OSError) and not is_damage(e):
            # The input's fault, the file system's (a full disk), or a store busy with
            # another build beyond waiting: a fresh store would fail the same way.
            raise
        if config.scheduler and not is_damage(e):
            # A build on a cluster reads no record from the store: its failures are
            # the cluster's (or feedpub's), and a fresh store would not mend them.
            raise
        _discard_store(config)
        return run(config, [_cache_warning(config, e)])


def _discard_store(config: Config) -> None:
    assert config.cache_dir is not None
    with suppress(OSError):  # then the fresh store is a temporary one, with its warning
        discard_store(config.cache_dir, config.source, config.output)


def _cache_warning(config: Config, error: Exception) -> Problem:
    assert config.cache_dir is not None
    path = store_path(config.cache_dir, config.source, config.output)
    reason = f"{type(error).__name__}: {error}"[:200]  # Problem escapes what it prints
    message = f"the cache could not be used ({reason}); it was discarded and rebuilt"
    return Problem(str(path), None, "", message, "warning")


def _build(
    config: Config,
    warnings: list[Problem],
    check_only: bool,
    allow_shrink: bool,
    progress: Progress | None,
    on_feed: Callable[[Feed], None] | None = None,
) -> BuildResult:
    if not config.base_url:
        raise ConfigError("no base URL: feeds need absolute URLs for their ids and self links")
    with _records(config, warnings) as records:
        ledger = OutputLedger(records.store.db, config.output)
        inputs = inputs_key(config, records)
        if not check_only:
            last = ledger.last_result(inputs)
            if last is not None:
                return replace(last, problems=(*records.warnings, *last.problems))
        checked = _check(config, records, progress, None if check_only else ledger)
        if checked.has_errors and not config.skip_invalid:
            raise RecordsError(checked.problems)
        from feedpub.publish import publish  # a build with nothing to do needs none of it

        return publish(config, checked, records, ledger, inputs, check_only, allow_shrink, on_feed)


@contextmanager
def _records(config: Config, warnings: list[Problem]) -> Iterator[Records]:
    """The records of the source folder, read through the record store; a store that
    cannot be opened (a folder, no permission, a full disk) gives way to a temporary
    one, with a warning."""
    if not config.source.is_dir():
        raise ConfigError(f"{escape_text(str(config.source))}: no such folder of records")
    if config.cache_dir is not None and _is_within(config.cache_dir, config.output):
        raise ConfigError(
            f"{escape_text(str(config.cache_dir))}: the cache folder is inside the output "
            "folder, which is published; keep it elsewhere (--cache-dir)"
        )
    warnings = list(warnings)
    try:
        store = RecordStore(config.cache_dir, config.source, config.output)
    except (OSError, sqlite3.Error) as e:
        assert config.cache_dir is not None  # a temporary store always opens
        message = f"cannot use the cache ({e}); building without it"
        warnings.append(Problem(str(config.cache_dir), None, "", message, "warning"))
        store = RecordStore(None, config.source, config.output)
    with store:
        records = Records(config.source, store, config.jobs, _cluster(config))
        records.warnings = warnings
        try:
            yield records
        finally:
            records.workers.close()


def _cluster(config: Config) -> Workers | None:
    """The workers of the Dask cluster `config` names, if any (connected when first used)."""
    if not config.scheduler:
        return None
    from feedpub.cluster import Cluster, require_dask

    require_dask()  # before anything is read: exit 2, saying what to install
    return Cluster(config.scheduler, config.source, config.jobs)


def _is_within(path: Path, folder: Path) -> bool:
    folder = folder.resolve()
    return folder == path.resolve() or folder in path.resolve().parents


def _check(
    config: Config,
    records: Records,
    progress: Progress | None,
    ledger: OutputLedger | None = None,
) -> Checked:
    """Every record's problems and every feed's entries; with the `ledger` of a build
    that writes, the entries the last build chose when nothing they come from changed."""
    total = len(records.paths)
    done = 0

    def advance(n: int) -> None:
        nonlocal done
        done += n
        if progress is not None:
            progress(done, total)

    problems = [*records.warnings, *records.skipped]
    problems += [
        Problem(name, None, "", "file name is not valid UTF-8; rename the file to read it")
        for name in records.misnamed
    ]
    if records.workers.remote:
        found = _found_on_cluster(config, records, advance)
    else:
        found = _found_here(config, records, advance, ledger)
    for _, record_problems in found.problems:
        # With --strict, a record with any problem is as invalid as one with an error.
        problems.extend(map(_as_error, record_problems) if config.strict else record_problems)
    selection = found.selection
    problems.extend(_as_error(p) if config.strict else p for p in selection.problems)
    unread = len(records.misnamed) + len(records.skipped)
    skipped = total - found.valid + selection.duplicates + unread
    files = total + unread
    return Checked(selection, tuple(problems), files, skipped, found.record_hash, found.fetch)


@dataclass(frozen=True, slots=True)
class _Found:
    """What reading and grouping found, here or on a cluster."""

    problems: list[tuple[int, tuple[Problem, ...]]]  # by record, in path order
    valid: int
    selection: Selection
    record_hash: Callable[[int], bytes]
    fetch: Fetch


def _found_here(
    config: Config, records: Records, advance: Callable[[int], None], ledger: OutputLedger | None
) -> _Found:
    scan = records.scan(advance)
    records.confirm(scan, config.strict)
    table = scan.table
    if config.strict:
        for index in scan.problems:
            table.state[index] = INVALID
    valid = len(table) - table.state.count(INVALID)
    selection = _select(config, table, records, ledger)
    hashes = scan.hashes  # HASH_SIZE bytes a record, in path order

    def record_hash(index: int) -> bytes:
        return hashes[index * HASH_SIZE : (index + 1) * HASH_SIZE]

    return _Found(sorted(scan.problems.items()), valid, selection, record_hash, records.fetch)


def _found_on_cluster(config: Config, records: Records, advance: Callable[[int], None]) -> _Found:
    """Read and group on the cluster's workers: only problems, counts and what the
    chosen entries come from reach this process (`feedpub.spread`)."""
    from feedpub import spread

    runner: spread.Runner = records.workers  # type: ignore[assignment]
    scanned = spread.scan(runner, records.paths, config.strict, advance)
    chosen = spread.select(scanned.recs, records.paths, config, scanned.drafts, runner)
    fetch = article_reader(records.paths, chosen.hashes)
    record_hash = chosen.hashes.__getitem__
    return _Found(scanned.problems, scanned.valid, chosen.selection, record_hash, fetch)


def _select(
    config: Config, table: DigestTable, records: Records, ledger: OutputLedger | None
) -> Selection:
    from feedpub.group import select  # grouping, and the YAML parsers it brings

    if ledger is None:
        return select(table, records.paths, config, records.fetch)
    key = selection_key(config, table, records)
    selection = ledger.last_selection(key, table, config)
    if selection is None:
        selection = select(table, records.paths, config, records.fetch)
        ledger.remember_selection(key, selection)
    return selection


def _as_error(problem: Problem) -> Problem:
    return replace(problem, severity="error")
