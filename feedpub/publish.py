"""Checked records to files: every feed that is not current assembled, rendered and
written, the OPML list, the index page and the stylesheet beside them, and the ledger
told what was written.

`build` imports this module only once it knows there is work to do: a build that
finds every record, setting and file as the last one left them needs none of it.
With several jobs and dozens of feeds, a worker process makes each feed from its
recipe (`group.recipe`): it reads the feed's articles from the record store,
assembles, renders and stages its files; this process adopts them and renames them
all into place at the end.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from feedpub.cache import decode_article, fetch_encoded
from feedpub.config import Config
from feedpub.errors import ClusterError, ShrinkError, escape_text
from feedpub.group import FeedRecipe, Plan, Selection, assemble, cook, recipe
from feedpub.ledger import LastOutput, OutputLedger, feed_settings, fingerprint
from feedpub.pages import INDEX_PATH, PAGE, STYLE_PATH, STYLESHEET, render_index
from feedpub.render import FEED_FORMATS, OPML_PATH, Format, render_opml
from feedpub.source import Records, read_articles
from feedpub.types import BuildResult, Feed, FeedSummary
from feedpub.write import MANIFEST, Output, Staged, stage
from feedpub.write import Plan as WritePlan

if TYPE_CHECKING:
    from feedpub.build import Checked

FORMATS: dict[str, Format] = {**FEED_FORMATS, PAGE.name: PAGE}


def publish(
    config: Config,
    checked: Checked,
    records: Records,
    ledger: OutputLedger,
    inputs: bytes,
    check_only: bool,
    allow_shrink: bool,
    on_feed: Callable[[Feed], None] | None = None,
) -> BuildResult:
    """Write the site `checked` describes (with `check_only`, only compare it), and
    remember what was written; show `on_feed` each feed assembled."""
    with ExitStack() as stack:
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
        fingerprints[plan.name] = fingerprint(plan, selection, checked.record_hash, settings)
        if last.feed_is_current(plan.name, fingerprints[plan.name], paths):
            for path in paths:
                out.keep(path)
            continue
        todo.append(plan)
    if on_feed is None and records.workers.remote:
        _write_on_cluster(todo, checked, records, config, out)
        return fingerprints
    if on_feed is None and records.workers.jobs > 1 and len(todo) >= _RENDER_IN_WORKERS:
        _write_in_workers(todo, selection, records, config, out)
        return fingerprints
    feeds: Iterator[Feed] = (assemble(plan, selection, checked.fetch) for plan in todo)
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
        article = decode_article(data)
        if article is not None:
            articles[index[path]] = article
    files = _render(cook(task.feed, articles), task.config)
    return [stage(task.folder, path, data, dry_run=task.dry_run) for path, data in files]


def _write_on_cluster(
    todo: list[Plan], checked: Checked, records: Records, config: Config, out: Output
) -> None:
    """Assemble and render every plan in `todo` on a cluster's workers: each task
    carries its feed's recipe and its records' paths and hashes (`source.read_articles`
    reads them again), and gives back the files' bytes for this process to write."""
    paths, here = records.paths, os.getcwd()

    def task(feed: FeedRecipe) -> _ClusterTask:
        wanted = [(i, paths[i], checked.record_hash(i)) for i in feed.records]
        return _ClusterTask(feed, wanted, here, config)

    tasks = (task(recipe(plan, checked.selection)) for plan in todo)
    made = records.workers.map(_feed_bytes, tasks, len(todo))
    for plan, files in zip(todo, made, strict=True):
        wanted = [fmt.path(plan.name) for fmt in _formats(plan, config)]
        if [path for path, _ in files] != wanted:  # a worker's answer is input too
            given = ", ".join(map(str, (path for path, _ in files)))[:400]
            raise ClusterError(
                escape_text(f"a worker gave other files for feed {plan.name}: {given}")
            )
        for path, data in files:
            out.put(path, data)


class _ClusterTask(NamedTuple):
    feed: FeedRecipe
    records: list[tuple[int, str, bytes]]  # each of `feed.records`, its path and hash
    folder: str  # where relative paths start
    config: Config


def _feed_bytes(task: _ClusterTask) -> list[tuple[str, bytes]]:
    """On a cluster's worker: one feed built from its records, read again, and rendered."""
    articles = read_articles(task.folder, task.records)
    return _render(cook(task.feed, articles), task.config)


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


def _formats(plan: Plan | Feed, config: Config) -> list[Format]:
    return [
        FORMATS[name]
        for name in config.formats
        if plan.kind != "archive" or name != PAGE.name  # archive pages are for feed readers
    ]


def _render(feed: Feed, config: Config) -> list[tuple[str, bytes]]:
    """Every file of one feed: (path, bytes) in each of its formats."""
    return [(fmt.path(feed.name), fmt.render(feed, config)) for fmt in _formats(feed, config)]
