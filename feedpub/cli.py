"""The `feedpub` command: a few lines per command over the library.

Exit codes: 0 success, 1 invalid records (nothing written), 2 usage or configuration.
"""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from feedpub.build import Progress, check, diff
from feedpub.build import build as build_feeds
from feedpub.config import (
    DEFAULT_CACHE_DIR,
    DIFF_LIMIT,
    NO_HUB,
    PING_BATCH_MAX,
    PING_TIMEOUT,
    Config,
    load_config,
)
from feedpub.errors import ConfigError, FeedpubError, RecordsError, escape_text
from feedpub.types import BuildResult, Problem
from feedpub.version import __version__

# diff, ping and scaffold are imported where they are used: a build, above all one with
# nothing to do, needs neither the HTML and XML readers of the one nor the HTTP client
# of the other.
if TYPE_CHECKING:
    from feedpub.diff import Changes
    from feedpub.ping import Notice

Command = Callable[..., Any]


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="feedpub")
def cli() -> None:
    """Publish RSS and Atom feeds from a folder of Markdown article records."""


def _source_options(command: Command) -> Command:
    """The options every command that reads records takes."""
    for option in reversed(
        [
            click.argument(
                "source",
                required=False,
                envvar="FEEDPUB_SOURCE",
                type=click.Path(file_okay=False, path_type=Path),
            ),
            click.option(
                "--config",
                "config_file",
                envvar="FEEDPUB_CONFIG",
                show_envvar=True,
                type=click.Path(exists=True, dir_okay=False, path_type=Path),
                help="Configuration file.  [default: ./feedpub.yaml when present]",
            ),
            click.option(
                "--include-drafts/--no-include-drafts",
                default=None,
                envvar="FEEDPUB_INCLUDE_DRAFTS",
                show_envvar=True,
                help="Treat records marked `published: false` as published.  [default: no]",
            ),
            click.option(
                "--strict/--no-strict",
                default=None,
                envvar="FEEDPUB_STRICT",
                show_envvar=True,
                help="Count warnings as errors.  [default: no]",
            ),
            click.option(
                "-j",
                "--jobs",
                envvar="FEEDPUB_JOBS",
                show_envvar=True,
                type=click.IntRange(min=1),
                help="Processes that parse records.  [default: one per CPU]",
            ),
            click.option(
                "--scheduler",
                envvar="FEEDPUB_SCHEDULER",
                show_envvar=True,
                help="Build on a Dask cluster: its scheduler's address (tcp://HOST:8786), "
                "or `local` for one on this machine.  Needs feedpub[dask].",
            ),
            click.option(
                "--cache-dir",
                envvar="FEEDPUB_CACHE_DIR",
                show_envvar=True,
                type=click.Path(file_okay=False, path_type=Path),
                help="Where parsed records are kept between builds.  "
                f"[default: {DEFAULT_CACHE_DIR}]",
            ),
            click.option(
                "--no-cache",
                is_flag=True,
                envvar="FEEDPUB_NO_CACHE",
                show_envvar=True,
                help="Neither read nor write the cache.",
            ),
            click.option(
                "-q",
                "--quiet",
                is_flag=True,
                envvar="FEEDPUB_QUIET",
                show_envvar=True,
                help="Print problems only: no progress bar, no summary line.",
            ),
        ]
    ):
        command = option(command)
    return command


def _build_options(command: Command) -> Command:
    """The options of the commands that build feeds (or say what a build would do)."""
    for option in reversed(
        [
            click.option(
                "-o",
                "--output",
                envvar=["FEEDPUB_OUTPUT", "FEEDPUB_OUT"],
                show_envvar=True,
                type=click.Path(file_okay=False, path_type=Path),
                help="Folder to write the feeds to.  [default: feeds]",
            ),
            click.option(
                "--base-url",
                envvar="FEEDPUB_BASE_URL",
                show_envvar=True,
                help="Public URL of the output folder, for feed ids and self links.",
            ),
            click.option(
                "--max-items",
                envvar="FEEDPUB_MAX_ITEMS",
                show_envvar=True,
                type=click.IntRange(min=1),
                help="Most entries per feed.  [default: 50]",
            ),
            click.option(
                "--skip-invalid/--no-skip-invalid",
                default=None,
                envvar="FEEDPUB_SKIP_INVALID",
                show_envvar=True,
                help="Publish the valid records when others have errors.  [default: no]",
            ),
            click.option(
                "--allow-shrink",
                is_flag=True,
                envvar="FEEDPUB_ALLOW_SHRINK",
                show_envvar=True,
                help="Publish even when no entry is left, or when more than half of the "
                "feeds already published would be removed.",
            ),
        ]
    ):
        command = option(command)
    return command


def _ping_options(timeout: str, batch: str) -> Callable[[Command], Command]:
    """The options of a WebSub ping: `--timeout`/`--batch` on `ping`, prefixed on `build`."""

    def add(command: Command) -> Command:
        command = click.option(
            batch,
            "ping_batch",
            default=1,
            show_default=True,
            envvar="FEEDPUB_PING_BATCH",
            show_envvar=True,
            type=click.IntRange(1, PING_BATCH_MAX),
            help="Feed URLs per request to the hub (some hubs read only one).",
        )(command)
        return click.option(
            timeout,
            "ping_timeout",
            default=PING_TIMEOUT,
            show_default=True,
            envvar="FEEDPUB_PING_TIMEOUT",
            show_envvar=True,
            type=click.FloatRange(0, 600, min_open=True),
            help="Seconds to wait for the hub, per try.",
        )(command)

    return add


@cli.command()
@_source_options
@_build_options
@click.option(
    "--check",
    is_flag=True,
    envvar="FEEDPUB_CHECK",
    show_envvar=True,
    help="Write nothing; exit 1 when the output folder is not what a build would write.",
)
@click.option(
    "-v",
    "--verbose",
    is_flag=True,
    help="With --check: also list the entries that would change, as `feedpub diff` does.",
)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    envvar="FEEDPUB_JSON",
    show_envvar=True,
    help="Print a summary as JSON on stdout (messages stay on stderr).",
)
@click.option(
    "--ping",
    "ping",
    is_flag=True,
    envvar="FEEDPUB_PING",
    show_envvar=True,
    help="Then tell the configured WebSub hub of every feed file that changed.",
)
@_ping_options("--ping-timeout", "--ping-batch")
def build(
    config_file: Path | None,
    check: bool,
    verbose: bool,
    as_json: bool,
    no_cache: bool,
    quiet: bool,
    allow_shrink: bool,
    ping: bool,
    ping_timeout: float,
    ping_batch: int,
    **options: Any,
) -> None:
    """Build the feeds from SOURCE (default: seeds) into the output folder.

    Files whose bytes would not change are left alone; files an earlier build wrote
    that are no longer wanted are removed; files feedpub did not write are never touched.

    Example:

    \b
        feedpub build seeds -o feeds --base-url https://example.org/feeds/
        feedpub build --check        # in CI: are the committed feeds current?
        feedpub build --ping         # then tell the WebSub hub which feeds changed
    """
    if ping and check:
        raise click.UsageError("--ping and --check do not go together: a check writes nothing")
    with _reporting(as_json), _progress(quiet) as progress:
        config = _load(config_file, no_cache, quiet, **options)
        if ping and not config.hub:  # refused before anything is written
            raise ConfigError(NO_HUB)
        changes: Changes | None = None
        if check and verbose:  # one dry run gives both the verdict and the entries
            result, changes = diff(config, allow_shrink=allow_shrink)
        else:
            result = build_feeds(
                config, check_only=check, allow_shrink=allow_shrink, progress=progress
            )
    _print_problems(result.problems)
    if as_json:
        click.echo(json.dumps(_summary(result), indent=2, ensure_ascii=False))
    if check:
        for status, paths in (
            ("create", result.created),
            ("change", result.changed),
            ("remove", result.removed),
        ):
            for path in paths:
                click.echo(f"would {status} {config.output / path}", err=True)
        if changes is not None and not result.is_current:
            from feedpub.diff import markdown

            click.echo(markdown(changes), err=True, nl=False)
        if result.is_current:
            if not quiet:  # quiet: silence on success, the exit code says it
                click.echo(f"{config.output}: the feeds are current", err=True)
            return
        click.echo(f"{config.output}: the feeds are NOT current: run feedpub build", err=True)
        raise SystemExit(1)
    if not quiet:
        click.echo(
            f"{len(result.feeds)} feeds from {result.records} records "
            f"(drafts left out: {result.drafts}, skipped: {result.skipped}) in {config.output}: "
            f"{len(result.created)} files created, {len(result.changed)} changed, "
            f"{len(result.removed)} removed, {len(result.unchanged)} unchanged",
            err=True,
        )
    if ping:
        _ping(config, result, ping_timeout, ping_batch, quiet)


@cli.command("ping")
@click.argument("source", required=False, envvar="FEEDPUB_SOURCE", type=click.Path(path_type=Path))
@click.option(
    "--config",
    "config_file",
    envvar="FEEDPUB_CONFIG",
    show_envvar=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Configuration file.  [default: ./feedpub.yaml when present]",
)
@click.option(
    "-o",
    "--output",
    envvar=["FEEDPUB_OUTPUT", "FEEDPUB_OUT"],
    show_envvar=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="The folder the feeds were built in.  [default: feeds]",
)
@click.option(
    "--base-url",
    envvar="FEEDPUB_BASE_URL",
    show_envvar=True,
    help="Public URL of the output folder: the feed URLs sent start with it.",
)
@click.option(
    "--cache-dir",
    envvar="FEEDPUB_CACHE_DIR",
    show_envvar=True,
    type=click.Path(file_okay=False, path_type=Path),
    help=f"Where the builds keep their state.  [default: {DEFAULT_CACHE_DIR}]",
)
@_ping_options("--timeout", "--batch")
@click.option(
    "-q",
    "--quiet",
    is_flag=True,
    envvar="FEEDPUB_QUIET",
    show_envvar=True,
    help="Print failures only.",
)
def ping_command(
    config_file: Path | None, quiet: bool, ping_timeout: float, ping_batch: int, **options: Any
) -> None:
    """Tell the configured WebSub hub of every feed file changed since the last ping.

    SOURCE and the output folder name the builds whose changes are sent (default:
    seeds, feeds). A notification the hub did not accept is sent again next time.

    Example:

    \b
        feedpub build && feedpub ping
    """
    with _reporting():
        config = _load(config_file, False, quiet, **options)
        if not config.hub:
            raise ConfigError(NO_HUB)
    _ping(config, None, ping_timeout, ping_batch, quiet)


def _ping(
    config: Config, built: BuildResult | None, timeout: float, batch: int, quiet: bool
) -> None:
    """Send the notifications, a line on stderr for each; exit 1 when any failed."""

    def report(notice: Notice) -> None:
        if not (quiet and notice.accepted):
            click.echo(str(notice), err=True)

    from feedpub.ping import ping as ping_hub

    with _reporting():
        result = ping_hub(config, built=built, timeout=timeout, batch=batch, report=report)
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    if result.failed:
        raise click.ClickException(
            f"the hub {escape_text(config.hub or '')} did not accept {len(result.failed)} of "
            f"{len(result.notices)} notifications (first: {result.failed[0].answer}); "
            "they will be sent again at the next ping"
        )
    if not result.notices and not quiet:
        click.echo("nothing to ping: no feed changed since the last ping", err=True)


@cli.command("diff")
@_source_options
@_build_options
@click.option(
    "--limit",
    default=DIFF_LIMIT,
    show_default=True,
    envvar="FEEDPUB_LIMIT",
    type=click.IntRange(min=1),
    help="Most entries listed per feed; the rest are counted.",
)
def diff_command(
    config_file: Path | None,
    no_cache: bool,
    quiet: bool,
    allow_shrink: bool,
    limit: int,
    **options: Any,
) -> None:
    """Show, per feed, the entries a build would add, remove and change; write nothing.

    The output is Markdown, ready for a pull-request comment.

    Example:

    \b
        feedpub diff seeds > feed-changes.md
        feedpub diff --limit 3      # a short comment on a big change
    """
    with _reporting():
        config = _load(config_file, no_cache, quiet, **options)
        _, changes = diff(config, allow_shrink=allow_shrink)
    from feedpub.diff import markdown

    click.echo(markdown(changes, limit), nl=False)


@cli.command()
@_source_options
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    envvar="FEEDPUB_JSON",
    show_envvar=True,
    help="Print the problems as JSON.",
)
def validate(
    config_file: Path | None, as_json: bool, no_cache: bool, quiet: bool, **options: Any
) -> None:
    """Check every record in SOURCE (default: seeds) and write nothing.

    Prints each problem as `path:line: field: message`; exits 1 when any is an error.

    Example:

    \b
        feedpub validate seeds --strict
    """
    with _reporting(as_json), _progress(quiet or as_json) as progress:
        config = _load(config_file, no_cache, quiet, require_base_url=False, **options)
        checked = check(config, progress=progress)
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
        if not quiet:
            click.echo(f"{checked.files} records: errors: {errors}, warnings: {warnings}")
    if errors:
        raise SystemExit(1)


@cli.command()
@click.argument(
    "folder", required=False, default=".", type=click.Path(file_okay=False, path_type=Path)
)
@click.option(
    "--base-url",
    envvar="FEEDPUB_BASE_URL",
    show_envvar=True,
    help="Public URL of the output folder (required; asked for on a terminal).",
)
@click.option(
    "--title",
    help="The site's name; feed titles start with it.  [default: asked for on a terminal, "
    "else the folder's name]",
)
@click.option(
    "--source", default="seeds", show_default=True, help="The folder of records to create."
)
def init(folder: Path, base_url: str | None, title: str | None, source: str) -> None:
    """Start a site in FOLDER (default: here): a commented feedpub.yaml, a records
    folder with an example record, and a GitHub Actions workflow.

    An existing file is never overwritten: it is named and left alone.

    Example:

    \b
        feedpub init --base-url https://example.org/feeds/ --title "Example news"
        feedpub new "My first article" --provider example.org
        feedpub build
    """
    if base_url is None:
        if not _interactive():
            raise click.UsageError("no base URL: pass --base-url URL (the feeds' public URL)")
        base_url = click.prompt("Public URL of the feeds (base_url)")
    if title is None:
        default = folder.resolve().name or "feeds"
        title = click.prompt("Site title", default=default) if _interactive() else default
    from feedpub.scaffold import init_site

    with _reporting():
        made = init_site(folder, base_url, title, source)
    for path in made.written:
        click.echo(f"wrote {escape_text(str(path))}")
    for path in made.kept:
        click.echo(f"{escape_text(str(path))}: already exists; left alone", err=True)


@cli.command()
@click.argument("title")
@click.option("--url", help="The article's web URL.  [default: https://DOMAIN/SLUG]")
@click.option("--topic", "topics", multiple=True, help="A topic (repeat for several).")
@click.option(
    "--provider",
    help="The provider's domain.  [default: the --url's host, else the site's]",
)
@click.option(
    "--config",
    "config_file",
    envvar="FEEDPUB_CONFIG",
    show_envvar=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Configuration file, for the records folder.  [default: ./feedpub.yaml when present]",
)
def new(
    title: str,
    url: str | None,
    topics: tuple[str, ...],
    provider: str | None,
    config_file: Path | None,
) -> None:
    """Write a new record titled TITLE, dated now, into the configured records folder.

    Prints the new file's path; an existing file is never overwritten (exit 1).

    Example:

    \b
        feedpub new "Sky cameras give solar farms a head start" --topic Energy \\
            --provider mullertech.example
    """
    from feedpub.scaffold import new_record

    with _reporting():
        config = load_config(config_file, require_base_url=False)
        path = new_record(
            config.source,
            title,
            datetime.now(UTC),
            provider=provider,
            url=url,
            site_url=config.home_url,
            topics=topics,
        )
    click.echo(escape_text(str(path)))


def _interactive() -> bool:
    """True when a person can answer a prompt."""
    return sys.stdin.isatty()


def _load(config_file: Path | None, no_cache: bool, quiet: bool, **options: Any) -> Config:
    config = load_config(config_file, **options)
    if not quiet:  # advice on the settings, said once per command; not a record's problem
        _print_problems(config.warnings)
    if no_cache:
        return replace(config, cache_dir=None)
    # The command keeps a cache by default, in the working folder, like pytest and ruff.
    return config if config.cache_dir else replace(config, cache_dir=DEFAULT_CACHE_DIR)


@contextmanager
def _progress(quiet: bool) -> Iterator[Progress | None]:
    """A progress bar on stderr for builds that take a moment, only on a terminal."""
    if quiet or not sys.stderr.isatty():
        yield None
        return
    state: dict[str, Any] = {}

    def advance(done: int, total: int) -> None:
        bar = state.get("bar")
        if bar is None:
            if total < 2000:  # over in a moment: no bar
                return
            bar = state["bar"] = click.progressbar(
                length=total, label="Reading records", file=sys.stderr
            )
            bar.__enter__()
        bar.update(done - state.get("done", 0))
        state["done"] = done

    try:
        yield advance
    finally:
        if "bar" in state:
            state["bar"].__exit__(None, None, None)


@contextmanager
def _reporting(as_json: bool = False) -> Iterator[None]:
    """Turn library errors into messages and exit codes: the one place that does.

    With `as_json`, a failed run still prints its JSON summary on stdout, so a script
    reading it learns why.
    """
    try:
        yield
    except RecordsError as e:
        _print_problems(e.problems)
        _print_failure_json(as_json, str(e), e.problems)
        raise click.ClickException(str(e)) from e
    except FeedpubError as e:  # the library raises no other error on purpose
        # Messages name paths and values from the input: escaped, one line each.
        message = escape_text(str(e))
        _print_failure_json(as_json, message, ())
        if isinstance(e, ConfigError):
            raise click.UsageError(message) from e
        raise click.ClickException(message) from e


def _print_failure_json(as_json: bool, error: str, problems: Iterable[Problem]) -> None:
    if as_json:
        report = {"error": error, "problems": [asdict(p) for p in problems]}
        click.echo(json.dumps(report, indent=2, ensure_ascii=False))


def _print_problems(problems: Iterable[Problem]) -> None:
    for problem in problems:
        click.echo(str(problem), err=True)


def _summary(result: BuildResult) -> dict[str, Any]:
    # `current` says the output folder is what a build would write: true of it after
    # every successful build, so a build says instead whether it had to change it.
    verdict = (
        {"current": result.is_current}
        if result.checked_only
        else {"was_current": result.is_current}
    )
    return {
        "checked_only": result.checked_only,
        **verdict,
        "records": result.records,
        "drafts": result.drafts,
        "skipped": result.skipped,
        "feeds": len(result.feeds),
        "created": list(result.created),
        "changed": list(result.changed),
        "removed": list(result.removed),
        "unchanged": list(result.unchanged),
        "problems": [asdict(p) for p in result.problems],
    }


@cli.command()
@click.argument(
    "output",
    required=False,
    envvar=["FEEDPUB_OUTPUT", "FEEDPUB_OUT"],
    type=click.Path(file_okay=False, path_type=Path),
)
@click.option(
    "--bind",
    default="127.0.0.1",
    show_default=True,
    envvar="FEEDPUB_BIND",
    help="Address to listen on.",
)
@click.option(
    "--port",
    default=8000,
    show_default=True,
    envvar="FEEDPUB_PORT",
    type=click.IntRange(0, 65535),
    help="Port (0: any free one).",
)
@click.option(
    "--watch",
    is_flag=True,
    envvar="FEEDPUB_WATCH",
    help="Rebuild the feeds whenever a record changes.",
)
@click.option(
    "--source",
    envvar="FEEDPUB_SOURCE",
    type=click.Path(file_okay=False, path_type=Path),
    help="With --watch: the records to build from.  [default: seeds]",
)
@click.option(
    "--config",
    "config_file",
    envvar="FEEDPUB_CONFIG",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Configuration file.  [default: ./feedpub.yaml when present]",
)
@click.option(
    "--base-url",
    envvar="FEEDPUB_BASE_URL",
    help="With --watch: base URL for rebuilds.  [default: the config's, else this server]",
)
def serve(
    output: Path | None,
    bind: str,
    port: int,
    watch: bool,
    source: Path | None,
    config_file: Path | None,
    base_url: str | None,
) -> None:
    """Serve the output folder (default: feeds) for feed readers on this machine.

    Example:

    \b
        feedpub serve feeds --port 8000 --watch
    """
    with _reporting():
        config = load_config(
            config_file, require_base_url=False, output=output, source=source, base_url=base_url
        )
    if not watch and not config.output.is_dir():
        raise click.UsageError(f"{config.output}: no such folder; build the feeds first")
    # Only `serve` needs the HTTP server: every other command starts without importing it.
    from feedpub.serve import make_server, source_fingerprint
    from feedpub.serve import watch as watch_source

    try:
        server = make_server(config.output, bind, port)
    except OSError as e:
        raise click.ClickException(f"cannot listen on {bind}:{port}: {e.strerror or e}") from e
    host = f"[{bind}]" if ":" in bind else bind
    url = f"http://{host}:{server.server_address[1]}/"
    stop = threading.Event()
    if watch:
        if not config.base_url:
            config = replace(config, base_url=url)
        if config.cache_dir is None:  # rebuilds after an edit parse only what changed
            config = replace(config, cache_dir=DEFAULT_CACHE_DIR)

        def rebuild(config: Config = config) -> None:
            try:
                result = build_feeds(config)
            except FeedpubError as e:  # keep serving what is there
                if isinstance(e, RecordsError):
                    _print_problems(e.problems)
                click.echo(f"rebuild failed: {e}", err=True)
                return
            _print_problems(result.problems)  # as `build` does: skipped records, warnings
            changed = len(result.created) + len(result.changed) + len(result.removed)
            click.echo(f"rebuilt: {changed} files changed", err=True)

        rebuild()
        # Later rebuilds run beside the server's threads, where starting worker
        # processes is not safe (a fork copies locks other threads may hold); an edit
        # rarely needs them.
        in_process = replace(config, jobs=1)
        threading.Thread(
            target=watch_source,
            args=(
                lambda: source_fingerprint(config.source, config_file),
                lambda: rebuild(in_process),
                stop,
            ),
            daemon=True,
        ).start()
    click.echo(f"Serving {config.output} at {url} (Ctrl-C to stop)", err=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        server.server_close()
