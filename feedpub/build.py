"""`build(config)`: records in, feeds out. Composes the stages; holds no logic of its own."""

from __future__ import annotations

from feedpub.config import Config
from feedpub.errors import ConfigError, RecordsError
from feedpub.group import group_feeds
from feedpub.load import load_records
from feedpub.render import FORMATS
from feedpub.types import BuildResult, Feed
from feedpub.write import write_files


def build(config: Config) -> BuildResult:
    """Read the records, group them, render every feed in every format and write them.

    Raises `RecordsError` (and writes nothing) when any record has an error.
    """
    if not config.source.is_dir():
        raise ConfigError(f"{config.source}: no such folder of records")
    loaded = load_records(config.source)
    grouped = group_feeds(loaded.articles, config)
    problems = loaded.problems + grouped.problems
    if any(p.is_error for p in problems):
        raise RecordsError(problems)
    written = write_files(config.output, render_feeds(grouped.feeds, config))
    return BuildResult(
        problems=problems,
        records=loaded.files,
        drafts=grouped.drafts,
        skipped=loaded.files - len(loaded.articles) + grouped.duplicates,
        feeds=grouped.feeds,
        created=written.created,
        changed=written.changed,
        unchanged=written.unchanged,
        written=True,
    )


def render_feeds(feeds: tuple[Feed, ...], config: Config) -> dict[str, bytes]:
    """Every feed in every format, by path relative to the output folder."""
    return {fmt.path(feed.name): fmt.render(feed, config) for feed in feeds for fmt in FORMATS}
