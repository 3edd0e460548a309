"""errors: one exception tree, and messages that print as one plain line."""

from __future__ import annotations

import pytest

from feedpub.errors import (
    ConfigError,
    FeedpubError,
    OutputError,
    RecordsError,
    ShrinkError,
    escape_text,
)
from feedpub.types import Problem


@pytest.mark.parametrize("error", [ConfigError, OutputError, RecordsError, ShrinkError])
def test_every_error_is_a_feedpub_error(error: type[Exception]) -> None:
    # The CLI catches FeedpubError in one place: a new error outside the tree would
    # reach a user as a traceback.
    assert issubclass(error, FeedpubError)


def test_shrink_error_says_nothing_was_written_and_how_to_go_on() -> None:
    error = ShrinkError("the build would publish no entry")
    assert str(error) == (
        "the build would publish no entry; nothing was written. "
        "Is the source folder right? Pass --allow-shrink if this is what you want."
    )


def test_records_error_counts_the_errors_not_the_warnings() -> None:
    problems = [
        Problem("a.md", 1, "title", "missing"),
        Problem("a.md", 2, "topics", "not a list", "warning"),
        Problem("b.md", None, "", "cannot read"),
    ]
    error = RecordsError(iter(problems))  # any iterable, kept whole
    assert error.problems == tuple(problems)
    assert str(error) == "2 error(s) in the records; nothing was written"


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("", ""),
        ("seeds/ok.md", "seeds/ok.md"),
        ("\x1b]0;title\x07", "\\x1b]0;title\\x07"),  # an OSC sequence that renames a window
        ("\u061cletter mark", "\\u061cletter mark"),
        ("lone \ud800 surrogate", "lone \\ud800 surrogate"),
        ("non\ufdd0\ufffe\uffff", "non\\ufdd0\\ufffe\\uffff"),
        ("\u00a0no-break and \u00e9", "\u00a0no-break and \u00e9"),
    ],
)
def test_escape_text_writes_what_a_terminal_would_act_on(raw: str, shown: str) -> None:
    assert escape_text(raw) == shown


def test_escaped_text_is_one_printable_line_and_escaping_it_again_changes_nothing() -> None:
    raw = "".join(chr(c) for c in range(0x00, 0xA0)) + "\u2028\u2029\u202e\u2066\u200e"
    shown = escape_text(raw)
    assert shown.isprintable()
    assert escape_text(shown) == shown
