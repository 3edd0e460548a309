"""The `feedpub` command: a few lines per command over the library.

Exit codes: 0 success, 1 invalid records (nothing written), 2 usage or configuration.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any

import click

from feedpub import __version__
from feedpub.build import build as build_feeds
from feedpub.build import check
from feedpub.config import load_config
from feedpub.errors import ConfigError, FeedpubError, RecordsError
from feedpub.types import Problem

Command = Callable[..., Any]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="feedpub")
def cli() -> None:
    """Publish RSS and Atom feeds from a folder of Markdown article records."""


def _source_options(command: Command) -> Command:
    """The options every command that reads records takes."""
    for option in reversed(
        [
            click.argument(
                "source", required=False, type=click.Path(file_okay=False, path_type=Path)
            ),
            click.option(
                "--config",
                "config_file",
                type=click.Path(exists=True, dir_okay=False, path_type=Path),
                help="Configuration file.  [default: ./feedpub.yaml when present]",
            ),
            click.option(
                "--include-drafts/--no-include-drafts",
                default=None,
                help="Treat records marked `published: false` as published.  [default: no]",
            ),
            click.option(
                "--strict/--no-strict",
                default=None,
                help="Count warnings as errors.  [default: no]",
            ),
        ]
    ):
        command = option(command)
    return command


@cli.command()
@_source_options
@click.option(
    "-o",
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to write the feeds to.  [default: feeds]",
)
@click.option("--base-url", help="Public URL of the output folder, for feed ids and self links.")
@click.option(
    "--max-items", type=click.IntRange(min=1), help="Most entries per feed.  [default: 50]"
)
@click.option(
    "--skip-invalid/--no-skip-invalid",
    default=None,
    help="Publish the valid records when others have errors.  [default: no]",
)
def build(
    source: Path | None,
    config_file: Path | None,
    include_drafts: bool | None,
    strict: bool | None,
    output: Path | None,
    base_url: str | None,
    max_items: int | None,
    skip_invalid: bool | None,
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
            skip_invalid=skip_invalid,
            strict=strict,
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


@cli.command()
@_source_options
@click.option("--json", "as_json", is_flag=True, help="Print the problems as JSON.")
def validate(
    source: Path | None,
    config_file: Path | None,
    include_drafts: bool | None,
    strict: bool | None,
    as_json: bool,
) -> None:
    """Check every record in SOURCE (default: seeds) and write nothing.

    Prints each problem as `path:line: field: message`; exits 1 when any is an error.

    Example:

    \b
        feedpub validate seeds --strict
    """
    with _reporting():
        config = load_config(
            config_file,
            require_base_url=False,
            source=source,
            include_drafts=include_drafts,
            strict=strict,
        )
        checked = check(config)
    errors = sum(p.is_error for p in checked.problems)
    warnings = len(checked.problems) - errors
    if as_json:
        report = {
            "records": checked.files,
            "errors": errors,
            "warnings": warnings,
            "problems": [asdict(p) for p in checked.problems],
        }
        click.echo(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        for problem in checked.problems:
            click.echo(str(problem))
        click.echo(f"{checked.files} records: {errors} errors, {warnings} warnings")
    if errors:
        raise SystemExit(1)


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
