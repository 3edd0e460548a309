"""The one exception tree of feedpub: catch `FeedpubError` to catch them all."""

from __future__ import annotations

import functools
import os
import re
import sqlite3
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Concatenate, ParamSpec, TypeVar

if TYPE_CHECKING:  # config.py and types.py import from here
    from feedpub.config import Config
    from feedpub.types import Problem

P = ParamSpec("P")
R = TypeVar("R")

# What a terminal or a CI log acts on rather than shows: C0 and C1 controls, DEL, line
# and paragraph separators, and the marks that reorder text (bidi overrides, isolates);
# and what is no character at all (lone surrogates, noncharacters).
_UNPRINTABLE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069"
    "\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]"
)
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def escape_text(text: str) -> str:
    """`text` safe to print on one line: controls written as `\\n`, `\\x1b`, `\\u2028`.

    For paths, keys and values read from input: no input can then move the cursor,
    clear the screen or start a line of its own (a forged problem or CI annotation).
    """
    if text.isprintable():  # nearly all text; isprintable() refuses every escaped character
        return text
    return _UNPRINTABLE.sub(_escape_char, text)


def _escape_char(match: re.Match[str]) -> str:
    char = match[0]
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


class FeedpubError(Exception):
    """Root of every error feedpub raises on purpose."""


class ConfigError(FeedpubError):
    """The configuration or the command line asks for something impossible."""


class RecordsError(FeedpubError):
    """Records have errors, so nothing was published."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = tuple(problems)
        errors = sum(p.is_error for p in self.problems)
        super().__init__(f"{errors} error(s) in the records; nothing was written")


class OutputError(FeedpubError):
    """The output folder cannot be written safely."""


class SourceError(FeedpubError):
    """The folder of records cannot be read."""


class CacheError(FeedpubError):
    """The cache cannot be used: its store is busy beyond waiting, or its folder fails."""


class ClusterError(FeedpubError):
    """The Dask cluster of `--scheduler` failed the build (its workers died running a
    task, or its scheduler went away), or a worker gave back what it was not asked for:
    the cluster's fault, so neither the cache is blamed nor the output touched."""


class ShrinkError(FeedpubError):
    """The build would empty or mostly empty a published site, so nothing was written."""

    def __init__(self, reason: str) -> None:
        super().__init__(
            f"{reason}; nothing was written. Is the source folder right? "
            "Pass --allow-shrink if this is what you want."
        )


def raises_feedpub_errors(
    run: Callable[Concatenate[Config, P], R],
) -> Callable[Concatenate[Config, P], R]:
    """`run(config, ...)` with SQLite's and the file system's errors raised as feedpub's
    own, the original chained as `__cause__`: a library user catches one tree.

    For the library's entry points only: inside, a build tells a busy record store from
    a damaged one by sqlite3's own errors.
    """

    @functools.wraps(run)
    def entry_point(config: Config, /, *args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return run(config, *args, **kwargs)
        except sqlite3.Error as e:  # the record store is busy or locked beyond waiting
            reason = escape_text(str(e))
            raise CacheError(
                f"the cache cannot be used ({reason}); run again, or with --no-cache"
            ) from e
        except OSError as e:
            raise _file_error(e, config) from e

    return entry_point


def _file_error(error: OSError, config: Config) -> FeedpubError:
    """`error` as the error of the folder it happened in: the cache's, the records' or,
    as the build writes nowhere else, the output's."""
    name = os.fsdecode(error.filename) if isinstance(error.filename, str | bytes) else None
    where = f"{escape_text(name)}: " if name else ""
    message = f"{where}{error.strerror or escape_text(str(error))}"
    if name and config.cache_dir is not None and _is_within(name, config.cache_dir):
        return CacheError(message)
    if name and _is_within(name, config.source):
        return SourceError(message)
    return OutputError(message)


def _is_within(path: str | os.PathLike[str], folder: os.PathLike[str]) -> bool:
    """True for `folder` itself and what is below it, by the names alone: the file
    system has just failed, so it is not asked."""
    path, top = os.path.abspath(path), os.path.abspath(folder)
    return path == top or path.startswith(top.rstrip(os.sep) + os.sep)
