"""`build(config)` and `check(config)`: the stages composed, and the policy on problems.

This is the boundary that decides what stops a run: by default any error stops a
build before anything is written; `skip_invalid` publishes the valid records instead;
`strict` counts every warning as an error.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from feedpub.config import Config
from feedpub.diff import FeedDiff, diff_feeds
from feedpub.errors import ConfigError, RecordsError
from feedpub.group import GroupResult, group_feeds
from feedpub.load import load_records
from feedpub.pages import INDEX_PATH, PAGE, STYLE_PATH, STYLESHEET, render_index
from feedpub.render import FEED_FORMATS, OPML_PATH, Format, render_opml
from feedpub.types import BuildResult, Feed, Problem
from feedpub.write import plan_files, write_files


@dataclass(frozen=True, slots=True)
class Checked:
    """Records read and grouped, with every problem found on the way."""

    grouped: GroupResult
    problems: tuple[Problem, ...]
    files: int
    skipped: int

    @property
    def has_errors(self) -> bool:
        return any(p.is_error for p in self.problems)


def check(config: Config) -> Checked:
    """Read and group the records without rendering or writing anything."""
    if not config.source.is_dir():
        raise ConfigError(f"{config.source}: no such folder of records")
    loaded = load_records(config.source)
    problems = list(loaded.problems)
    articles = loaded.articles
    if config.strict:
        problems = [_as_error(p) for p in problems]
        invalid = {p.path for p in problems}
        articles = tuple(a for a in articles if a.path not in invalid)
    grouped = group_feeds(articles, config)
    problems.extend(_as_error(p) if config.strict else p for p in grouped.problems)
    skipped = loaded.files - len(articles) + grouped.duplicates
    return Checked(grouped, tuple(problems), loaded.files, skipped)


def build(config: Config, *, check_only: bool = False) -> BuildResult:
    """Read the records, group them, render every feed in every format and write them.

    With `check_only`, write nothing and say what a build would change. Raises
    `RecordsError`, having written nothing, when a record has an error and
    `config.skip_invalid` is off.
    """
    checked, files = prepare(config)
    act = plan_files if check_only else write_files
    plan = act(config.output, files)
    return BuildResult(
        problems=checked.problems,
        records=checked.files,
        drafts=checked.grouped.drafts,
        skipped=checked.skipped,
        feeds=checked.grouped.feeds,
        created=plan.created,
        changed=plan.changed,
        unchanged=plan.unchanged,
        removed=plan.removed,
        checked_only=check_only,
    )


def prepare(config: Config) -> tuple[Checked, dict[str, bytes]]:
    """Check the records and render every file a build would write, by relative path."""
    if not config.base_url:
        raise ConfigError("no base URL: feeds need absolute URLs for their ids and self links")
    checked = check(config)
    if checked.has_errors and not config.skip_invalid:
        raise RecordsError(checked.problems)
    return checked, render_files(checked.grouped.feeds, config)


def diff(config: Config) -> list[FeedDiff]:
    """Per feed file a build would change, the entry ids it would add and remove."""
    _, files = prepare(config)
    return diff_feeds(config.output, plan_files(config.output, files), files)


FORMATS: dict[str, Format] = {**FEED_FORMATS, PAGE.name: PAGE}


def render_files(feeds: tuple[Feed, ...], config: Config) -> dict[str, bytes]:
    """Every feed in every enabled format, the OPML list and the index, by relative path."""
    formats = [FORMATS[name] for name in config.formats]
    files = {
        fmt.path(feed.name): fmt.render(feed, config)
        for feed in feeds
        for fmt in formats
        if feed.kind != "archive" or fmt is not PAGE  # archive pages are for feed readers
    }
    files[OPML_PATH] = render_opml(feeds, config)
    files[INDEX_PATH] = render_index(feeds, config)
    files[STYLE_PATH] = STYLESHEET
    return files


def _as_error(problem: Problem) -> Problem:
    return replace(problem, severity="error")
