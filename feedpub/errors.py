"""The one exception tree of feedpub: catch `FeedpubError` to catch them all."""

from __future__ import annotations

from collections.abc import Iterable

from feedpub.types import Problem


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


def escape_text(text: str) -> str:
    """`text` safe to print: each character that is not printable written as an escape.

    A stand-in until the shared one is merged; same name, signature and output.
    """
    return "".join(ch if ch.isprintable() else _escape(ch) for ch in text)


def _escape(ch: str) -> str:
    code = ord(ch)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"
