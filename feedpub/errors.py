"""The one exception tree of feedpub: catch `FeedpubError` to catch them all."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # types.py imports escape_text from here
    from feedpub.types import Problem

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


class ShrinkError(FeedpubError):
    """The build would empty or mostly empty a published site, so nothing was written."""

    def __init__(self, reason: str) -> None:
        super().__init__(
            f"{reason}; nothing was written. Is the source folder right? "
            "Pass --allow-shrink if this is what you want."
        )
