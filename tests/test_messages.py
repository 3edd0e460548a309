"""Problem messages: whatever a record holds, each problem prints as one plain line."""

from __future__ import annotations

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from feedpub.errors import escape_text
from feedpub.load import parse_record
from feedpub.types import Problem

HEAD = """\
---
title: A record
webUrl: https://news.example/a/1
publishedDateTime: 2026-01-02T10:00:00Z
provider:
  name: News Example
  domain: news.example
"""
# A key that clears the screen and starts a forged CI annotation on a line of its own.
HOSTILE = "ti\x1b[2Jtle\n::error::x"
HOSTILE_YAML = r'"ti\e[2Jtle\n::error::x"'


def _is_plain(line: str) -> bool:
    return line.isprintable()


def test_hostile_key_and_file_name_print_one_plain_line_each() -> None:
    text = HEAD + f'{HOSTILE_YAML}: 1\n{HOSTILE_YAML}: 2\nwebUrl: "x\\e[2J\\n::error::y"\n---\n'
    _, problems = parse_record("seeds/a\n::error::b\x07.md", text.encode())
    assert any(p.field == HOSTILE for p in problems)  # the key is named...
    printed = [str(p) for p in problems]
    for line in printed:
        assert _is_plain(line), line  # ...but no control character is printed raw
        assert "\n" not in line and "\x1b" not in line
    assert any("ti\\x1b[2Jtle\\n::error::x" in line for line in printed)
    assert all(line.startswith("seeds/a\\n::error::b\\x07.md:") for line in printed)


def test_a_yaml_tag_with_control_characters_prints_escaped() -> None:
    text = HEAD.replace("title: A record", "title: !<tag:x%1B[2J%0A::error::> A") + "---\n"
    _, problems = parse_record("seeds/x.md", text.encode())
    assert problems
    assert all(_is_plain(str(p)) for p in problems), problems


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("plain text", "plain text"),
        ("caf\u00e9 \u2014 ok", "caf\u00e9 \u2014 ok"),
        ("a\nb\tc\rd", "a\\nb\\tc\\rd"),
        ("\x1b[2J\x07\x00\x7f", "\\x1b[2J\\x07\\x00\\x7f"),
        ("c1\x85\x9b", "c1\\x85\\x9b"),
        ("sep\u2028\u2029", "sep\\u2028\\u2029"),
        ("bidi\u202e\u2066\u200f", "bidi\\u202e\\u2066\\u200f"),
        ("back\\slash", "back\\slash"),
    ],
)
def test_escape_text(raw: str, shown: str) -> None:
    assert escape_text(raw) == shown


def test_problem_str_escapes_every_part() -> None:
    problem = Problem("a\nb.md", 3, "k\x1b", "bad\u2028value", "warning")
    assert str(problem) == "a\\nb.md:3: k\\x1b: warning: bad\\u2028value"


# Text with the characters that move a cursor or break a line well represented.
_HOSTILE_TEXT = st.text(
    alphabet=st.characters(codec="utf-8") | st.sampled_from("\x1b\x07\n\r\x85\u2028\u202e\x7f\x9b"),
    min_size=1,
)


@settings(max_examples=300, deadline=None, database=None)
@given(key=_HOSTILE_TEXT, value=_HOSTILE_TEXT, name=_HOSTILE_TEXT)
def test_any_key_value_or_file_name_prints_as_plain_lines(key: str, value: str, name: str) -> None:
    # The key twice (a duplicate is reported by name), the value where a URL belongs.
    front = yaml.safe_dump({"webUrl": value}, allow_unicode=True)
    pair = yaml.safe_dump({key: 1}, allow_unicode=True)
    text = HEAD.replace("webUrl: https://news.example/a/1\n", "") + front + pair + pair + "---\n"
    _, problems = parse_record(name.replace("\x00", ""), text.encode("utf-8", "surrogatepass"))
    assert problems
    for problem in problems:
        printed = str(problem)
        assert escape_text(printed) == printed  # nothing left to escape
