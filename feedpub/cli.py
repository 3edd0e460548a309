"""The `feedpub` command: a few lines per command over the library.

Exit codes: 0 success, 1 invalid records (nothing written), 2 usage or configuration.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from feedpub import __version__
from feedpub.build import build as build_feeds
from feedpub.config import load_config
from feedpub.errors import ConfigError, FeedpubError, RecordsError
from feedpub.types import Problem


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="feedpub")
def cli() -> None:
    """Publish RSS and Atom feeds from a folder of Markdown article records."""


@cli.command()
@click.argument("source", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "-o",
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to write the feeds to.  [default: feeds]",
)
@click.option("--base-url", help="Public URL of the output folder, for feed ids and self links.")
@click.option(
    "--config",
    "config_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Configuration file.  [default: ./feedpub.yaml when present]",
)
@click.option(
    "--max-items", type=click.IntRange(min=1), help="Most entries per feed.  [default: 50]"
)
@click.option(
    "--include-drafts/--no-include-drafts",
    default=None,
    help="Publish records marked `published: false` too.  [default: no]",
)
def build(
    source: Path | None,
    output: Path | None,
    base_url: str | None,
    config_file: Path | None,
    max_items: int | None,
    include_drafts: bool | None,
) -> None:
    """Build the feeds from SOURCE (default: seeds) into the output folder.

    Example:

    \b
        feedpub build seeds -o feeds --base-url https://example.org/feeds/
    """
    with _reporting():
        config = load_config(
            config_file,
            source=source,
            output=output,
            base_url=base_url,
            max_items=max_items,
            include_drafts=include_drafts,
        )
        result = build_feeds(config)
    _print_problems(result.problems)
    click.echo(
        f"{len(result.feeds)} feeds from {result.records} records "
        f"({result.drafts} drafts left out, {result.skipped} skipped) in {config.output}: "
        f"{len(result.created)} files created, {len(result.changed)} changed, "
        f"{len(result.unchanged)} unchanged",
        err=True,
    )


@contextmanager
def _reporting() -> Iterator[None]:
    """Turn library errors into messages and exit codes: the one place that does."""
    try:
        yield
    except ConfigError as e:
        raise click.UsageError(str(e)) from e
    except RecordsError as e:
        _print_problems(e.problems)
        raise click.ClickException(str(e)) from e
    except FeedpubError as e:
        raise click.ClickException(str(e)) from e


def _print_problems(problems: Iterable[Problem]) -> None:
    for problem in problems:
        click.echo(str(problem), err=True)
