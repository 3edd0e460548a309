"""`build(config)` and `check(config)`: the stages composed, and the policy on problems.

This is the boundary that decides what stops a run: by default any error stops a
build before anything is written; `skip_invalid` publishes the valid records instead;
`strict` counts every warning as an error.

A build streams: records are scanned into small digests (parsed on every core, or
taken from the record store), grouping chooses each feed's entries from the digests,
and then one feed at a time is assembled from its few records, rendered and written
(with several jobs, in the worker processes, from the feed's recipe). A feed whose
inputs hash the same as at the last build, and whose files are as that build left
them, is not rendered at all.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, replace
from pathlib import Path
from typing import NamedTuple, TypeVar

from feedpub.cache import (
    RecordStore,
    decode_article,
    discard_store,
    fetch_encoded,
    is_damage,
    store_path,
)
from feedpub.config import Config
from feedpub.diff import ChangeCollector, Changes
from feedpub.errors import (
    ConfigError,
    FeedpubError,
    RecordsError,
    ShrinkError,
    escape_text,
    raises_feedpub_errors,
)
from feedpub.group import FeedRecipe, Plan, Selection, assemble, cook, recipe, select
from feedpub.ledger import LastOutput, OutputLedger, feed_settings, fingerprint, inputs_key
from feedpub.pages import INDEX_PATH, PAGE, STYLE_PATH, STYLESHEET, render_index
from feedpub.render import FEED_FORMATS, OPML_PATH, Format, render_opml
from feedpub.source import Records
from feedpub.table import INVALID
from feedpub.types import Article, BuildResult, Feed, FeedSummary, Problem
from feedpub.write import MANIFEST, Output, Staged, stage
from feedpub.write import Plan as WritePlan

Progress = Callable[[int, int], None]  # (records done, records in all)
T = TypeVar("T")
FORMATS: dict[str, Format] = {**FEED_FORMATS, PAGE.name: PAGE}


@dataclass(frozen=True, slots=True)
class Checked:
    """Records read and grouped, with every problem found on the way."""

    selection: Selection
    problems: tuple[Problem, ...]
    files: int
    skipped: int
    hashes: bytes  # every record's content hash, `cache.HASH_SIZE` bytes each, in path order

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
        # Without the cache this raises again when the records really are that few.
        result = run(replace(config, cache_dir=None), [_cache_warning(config, e)])
        _discard_store(config)
        return result
    except Exception as e:
        if isinstance(e, FeedpubError | sqlite3.Error | OSError) and not is_damage(e):
            # The input's fault, the file system's (a full disk), or a store busy with
            # another build beyond waiting: a fresh store would fail the same way.
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
    with _records(config, warnings) as records, ExitStack() as stack:
        ledger = OutputLedger(records.store.db, config.output)
        inputs = inputs_key(config, records)
        if not check_only:
            last = ledger.last_result(inputs)
            if last is not None:
                return replace(last, problems=(*records.warnings, *last.problems))
        checked = _check(config, records, progress)
        if checked.has_errors and not config.skip_invalid:
            raise RecordsError(checked.problems)
        out = Output(config.output, dry_run=check_only)
        stack.push(out.exit)
        last_output = LastOutput(config.output, {}, {}) if check_only else ledger.last_output()
        fingerprints = _write_feeds(config, checked, records, out, last_output, on_feed)
        summaries = [plan.summary() for plan in checked.selection.plans if plan.kind != "archive"]
        out.put(OPML_PATH, render_opml(summaries, config))
        out.put(INDEX_PATH, render_index(summaries, config))
        out.put(STYLE_PATH, STYLESHEET)
        if not allow_shrink:
            _refuse_to_shrink(summaries, out)
        written = out.finish()
        result = BuildResult(
            problems=checked.problems,
            records=checked.files,
            drafts=checked.selection.drafts,
            skipped=checked.skipped,
            feeds=tuple(summaries),
            created=written.created,
            changed=written.changed,
            unchanged=written.unchanged,
            removed=written.removed,
            checked_only=check_only,
        )
        if not check_only:
            ledger.remember_output(fingerprints, out.wanted)
            own = len(records.warnings)  # this run's warnings about the cache stay with it
            ledger.remember_build(inputs, replace(result, problems=result.problems[own:]))
            _remember_pings(config, ledger, written, out.wanted)
    return result


_SITE_FILES = {MANIFEST, OPML_PATH, INDEX_PATH, STYLE_PATH}  # every other file is a feed's


def _remember_pings(
    config: Config, ledger: OutputLedger, written: WritePlan, wanted: set[str]
) -> None:
    """Add the feed files this build created or changed to those `feedpub ping` will
    tell the hub of; with no hub, feeds advertise none, and nothing is kept."""
    if config.hub:
        # Only a site with a hub needs the HTTP client ping.py brings in.
        from feedpub.ping import pinged_paths

        ledger.update_pending_pings(
            add=pinged_paths((*written.created, *written.changed)),
            drop=written.removed,
            if_damaged=pinged_paths(wanted),
        )


def _write_feeds(
    config: Config,
    checked: Checked,
    records: Records,
    out: Output,
    last: LastOutput,
    on_feed: Callable[[Feed], None] | None = None,
) -> dict[str, bytes]:
    """Render and put every feed whose inputs or files changed since the `last` build
    (a check renders everything: it must compare bytes, not trust the last build);
    keep the others as they are; show `on_feed` each feed assembled. Returns every
    feed's fingerprint."""
    selection = checked.selection
    fingerprints = {}
    todo: list[Plan] = []  # the plans whose files must be rendered again
    settings = feed_settings(config, selection)
    for plan in selection.plans:
        paths = [fmt.path(plan.name) for fmt in _formats(plan, config)]
        fingerprints[plan.name] = fingerprint(plan, selection, checked.hashes, settings)
        if last.feed_is_current(plan.name, fingerprints[plan.name], paths):
            for path in paths:
                out.keep(path)
            continue
        todo.append(plan)
    if on_feed is None and records.workers.jobs > 1 and len(todo) >= _RENDER_IN_WORKERS:
        _write_in_workers(todo, selection, records, config, out)
        return fingerprints
    feeds: Iterator[Feed] = (assemble(plan, selection, records.fetch) for plan in todo)
    if on_feed is not None:
        feeds = _shown_to(on_feed, feeds)
    for feed in feeds:
        for path, data in _render(feed, config):
            out.put(path, data)
    return fingerprints


_RENDER_IN_WORKERS = 32  # feeds to render; fewer cost more to send than they save


def _write_in_workers(
    todo: list[Plan], selection: Selection, records: Records, config: Config, out: Output
) -> None:
    """Assemble, render and stage the files of every plan in `todo` in the worker
    processes, a few feeds in flight at a time; this process only sends each feed's
    recipe and the paths of its records, and adopts the files the workers staged."""
    paths, store = records.paths, records.store.path
    tasks = (
        _FeedTask(feed, [paths[i] for i in feed.records], store, config, out.folder, out.dry_run)
        for feed in (recipe(plan, selection) for plan in todo)
    )
    try:
        for staged in records.workers.map(_feed_files, tasks, len(todo)):
            for file in staged:
                out.adopt(file)
    except BaseException:
        # No worker may still be writing when the output folder is cleaned up.
        records.workers.close()
        raise


class _FeedTask(NamedTuple):
    feed: FeedRecipe
    paths: list[str]  # the path of each of `feed.records`
    store: Path  # the record store, which holds their articles
    config: Config
    folder: Path
    dry_run: bool


def _feed_files(task: _FeedTask) -> list[Staged]:
    """In a worker: one feed built from its records' articles, read from the store,
    rendered in each format and staged in the output folder."""
    index = dict(zip(task.paths, task.feed.records, strict=True))
    articles = {}
    for path, data in fetch_encoded(task.store, task.paths):
        article = _decoded(data)
        if article is not None:
            articles[index[path]] = article
    files = _render(cook(task.feed, articles), task.config)
    return [stage(task.folder, path, data, dry_run=task.dry_run) for path, data in files]


def _decoded(data: bytes) -> Article | None:
    """`decode_article(data)`, remembered for the next feeds this worker makes: an article
    is in three feeds on average, counting those that only link to it."""
    article = _DECODED.get(data, _UNKNOWN)
    if article is _UNKNOWN:
        if len(_DECODED) >= _DECODED_LIMIT:
            _DECODED.clear()
        article = _DECODED[data] = decode_article(data)
    return article  # type: ignore[return-value]


_UNKNOWN = object()
_DECODED: dict[bytes, Article | None] = {}  # by the bytes the store holds
_DECODED_LIMIT = 2048  # about 15 MB of articles


def _shown_to(on_feed: Callable[[Feed], None], feeds: Iterator[Feed]) -> Iterator[Feed]:
    for feed in feeds:
        on_feed(feed)
        yield feed


def _refuse_to_shrink(summaries: list[FeedSummary], out: Output) -> None:
    """Stop a build that would publish no entry, or remove more than half of the feeds
    published: a wrong or empty source folder, or every record invalid under
    `--skip-invalid`, must not empty a published site."""
    if not any(summary.count for summary in summaries):
        raise ShrinkError("the build would publish no entry")
    removed = [p for p in out.to_remove() if p not in _SITE_FILES]
    if not removed:
        return  # the common case, and it costs no look at every published file
    published = [p for p in out.published() if p not in _SITE_FILES]
    if 2 * len(removed) > len(published):
        raise ShrinkError(
            f"the build would remove {len(removed)} of the {len(published)} feed files "
            f"published in {escape_text(str(out.folder))}"
        )


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
        records = Records(config.source, store, config.jobs)
        records.warnings = warnings
        try:
            yield records
        finally:
            records.workers.close()


def _is_within(path: Path, folder: Path) -> bool:
    folder = folder.resolve()
    return folder == path.resolve() or folder in path.resolve().parents


def _check(config: Config, records: Records, progress: Progress | None) -> Checked:
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
    scan = records.scan(advance)
    records.confirm(scan, config.strict)
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
    unread = len(records.misnamed) + len(records.skipped)
    skipped = total - valid + selection.duplicates + unread
    files = total + unread
    return Checked(selection, tuple(problems), files, skipped, scan.hashes)


def _formats(plan: Plan | Feed, config: Config) -> list[Format]:
    return [
        FORMATS[name]
        for name in config.formats
        if plan.kind != "archive" or name != PAGE.name  # archive pages are for feed readers
    ]


def _render(feed: Feed, config: Config) -> list[tuple[str, bytes]]:
    """Every file of one feed: (path, bytes) in each of its formats."""
    return [(fmt.path(feed.name), fmt.render(feed, config)) for fmt in _formats(feed, config)]


def _as_error(problem: Problem) -> Problem:
    return replace(problem, severity="error")
