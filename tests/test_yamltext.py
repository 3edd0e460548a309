"""yamltext: YAML text to plain values and key lines, safely and without YAML 1.1 guesses."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
import yaml

from feedpub.yamltext import YamlError, parse_yaml


def error_of(text: str) -> YamlError:
    with pytest.raises(YamlError) as caught:
        parse_yaml(text)
    return caught.value


# --- values ------------------------------------------------------------------


@pytest.mark.parametrize(
    "scalar",
    ["No", "no", "On", "off", "yes", "Y", "2020", "1e3", "0x1F", "0o17", "012", "1_000", ".inf",
     ".NaN", "-0", "2020-11-25", "2020-11-25T12:44:00Z", "12:30:45", "true", "False"],
)  # fmt: skip
def test_plain_scalars_stay_the_text_written(scalar: str) -> None:
    doc = parse_yaml(f"title: {scalar}\ntopics: [{scalar}]\n")
    assert doc.value == {"title": scalar, "topics": [scalar]}


@pytest.mark.parametrize("written", ["~", "null", "Null", ""])
def test_null_is_none(written: str) -> None:
    assert parse_yaml(f"excerpt: {written}\n").value == {"excerpt": None}


def test_quoted_null_stays_text() -> None:
    assert parse_yaml("excerpt: 'null'\ntitle: \"~\"\n").value == {"excerpt": "null", "title": "~"}


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("a: !!str 2020\n", {"a": "2020"}),
        ("a: !!int '12'\n", {"a": "12"}),
        ("a: !!float 1\n", {"a": "1"}),
        ("a: !!binary aGVsbG8=\n", {"a": "aGVsbG8="}),
        ("a: !!seq [x]\nb: !!map {k: v}\n", {"a": ["x"], "b": {"k": "v"}}),
    ],
)
def test_safe_standard_tags_give_plain_values(text: str, value: object) -> None:
    assert parse_yaml(text).value == value


def test_nested_structures_become_dicts_lists_and_text() -> None:
    doc = parse_yaml(
        "provider:\n  name: Example\n  domain: example.org\n"
        "related:\n  - title: One\n    quality: 34\n"
        "    images:\n      - url: u\n        width: 640\n"
    )
    assert doc.value == {
        "provider": {"name": "Example", "domain": "example.org"},
        "related": [{"title": "One", "quality": "34", "images": [{"url": "u", "width": "640"}]}],
    }


def test_keys_are_text_even_when_written_as_numbers_or_booleans() -> None:
    assert parse_yaml("2020: a\nno: b\n1.5: c\n").value == {"2020": "a", "no": "b", "1.5": "c"}


def test_empty_document_is_none() -> None:
    assert parse_yaml("").value is None
    assert parse_yaml("\n# only a comment\n").value is None


def test_aliases_are_followed() -> None:
    doc = parse_yaml("base: &p {name: Example, domain: example.org}\nprovider: *p\n")
    assert doc.value == {"base": {"name": "Example", "domain": "example.org"}} | {
        "provider": {"name": "Example", "domain": "example.org"}
    }


def test_thousands_of_items_are_within_the_budget() -> None:
    topics = "".join(f"  - topic {i}\n" for i in range(5000))
    doc = parse_yaml(f"topics:\n{topics}")
    assert isinstance(doc.value, dict)
    assert len(doc.value["topics"]) == 5000
    assert doc.line("topics", 4999) == 5001


# --- lines ---------------------------------------------------------------------

NESTED = """\
title: One
provider:
  name: Example
  domain: example.org
related:
  - title: Two
    webUrl: https://example.org/2
  -
    title: Three
"""


def test_every_key_keeps_its_line() -> None:
    doc = parse_yaml(NESTED)
    assert doc.line("title") == 1
    assert doc.line("provider") == 2
    assert doc.line("provider", "domain") == 4
    assert doc.line("related", 0) == 6
    assert doc.line("related", 0, "webUrl") == 7
    assert doc.line("related", 1, "title") == 9


def test_a_missing_key_takes_the_line_of_its_nearest_parent() -> None:
    doc = parse_yaml(NESTED)
    assert doc.line("provider", "name", "x") == 3
    assert doc.line("related", 0, "excerpt") == 6
    assert doc.line("related", 5) == 5
    assert doc.line("absent") is None


def test_crlf_line_endings_give_the_same_lines() -> None:
    doc = parse_yaml(NESTED.replace("\n", "\r\n"))
    assert doc.line("provider", "domain") == 4
    assert doc.line("related", 1, "title") == 9
    assert doc.value == parse_yaml(NESTED).value


@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\x85"])
def test_unicode_line_separators_in_values_do_not_shift_lines(separator: str) -> None:
    doc = parse_yaml(f'excerpt: "one{separator}two"\ntopics: AI\n')
    assert doc.line("topics") == 2


def test_duplicate_keys_are_recorded_and_the_last_wins() -> None:
    doc = parse_yaml("title: One\nprovider:\n  name: A\n  name: B\ntitle: Two\n")
    assert doc.value == {"title": "Two", "provider": {"name": "B"}}
    assert doc.duplicates == [(("provider", "name"), 4), (("title",), 5)]
    assert doc.line("title") == 5


# --- what is refused -----------------------------------------------------------


def test_syntax_error_names_its_line() -> None:
    error = error_of("title: One\nexcerpt: Times: they change\nurl: x\n")
    assert error.line == 2
    assert error.message.startswith("invalid YAML: ")


def test_syntax_error_line_is_right_with_crlf() -> None:
    assert error_of("title: One\r\nurl: x\r\nexcerpt: a: b\r\n").line == 3


def test_several_documents_are_refused() -> None:
    error = error_of("title: One\n---\ntitle: Two\n")
    assert error.message.startswith("invalid YAML")
    assert error.line == 2


@pytest.mark.parametrize(
    ("text", "tag", "line"),
    [
        ("a: 1\nb: !!python/object/apply:os.system [true]\n", "!!python/object/apply:os.system", 2),
        ("a: !!python/name:os.system\n", "!!python/name:os.system", 1),
        ("a: !!python/object:argparse.Namespace {}\n", "!!python/object:argparse.Namespace", 1),
        ("a:\n  b: !!python/tuple [1, 2]\n", "!!python/tuple", 2),
        ("a: !custom 1\n", "!custom", 1),
        ("a: !<tag:example.org,2024:x> [1]\n", "tag:example.org,2024:x", 1),
        ("a: !!set {x, y}\n", "!!set", 1),
        ("a: !!omap [x: 1]\n", "!!omap", 1),
        ("a: !!timestamp [1]\n", "!!timestamp", 1),
    ],
)  # fmt: skip
def test_other_tags_are_refused_by_name(text: str, tag: str, line: int) -> None:
    error = error_of(text)
    assert error.message == f"YAML tag {tag} is not allowed"
    assert error.line == line


def test_python_tags_construct_nothing(tmp_path: Path) -> None:
    payload = "title: !!python/object/apply:os.mkdir [{target!r}]\n"
    # The same payload does run under an unsafe loader, so the test below can fail.
    control = tmp_path / "control"
    yaml.unsafe_load(payload.format(target=str(control)))
    assert control.is_dir()

    target = tmp_path / "target"
    error = error_of(payload.format(target=str(target)))
    assert "!!python/object/apply:os.mkdir" in error.message
    assert not target.exists()


def test_a_tag_on_a_key_is_refused() -> None:
    error = error_of("? !!python/name:os.system\n: value\n")
    assert error.message == "YAML tag !!python/name:os.system is not allowed"
    assert error.line == 1


def test_a_key_must_be_text() -> None:
    error = error_of("title: One\n? [a, b]\n: value\n")
    assert error.message == "a key must be plain text, not a list or mapping"
    assert error.line == 2
    assert error_of("{x: 1}: value\n").line == 1


def test_alias_bomb_is_an_error_not_a_hang() -> None:
    lols = ", ".join(['"lol"'] * 9)
    levels = [f"a: &a [{lols}]"]
    for previous, name in zip("abcdefgh", "bcdefghi", strict=True):
        levels.append(f"{name}: &{name} [{', '.join([f'*{previous}'] * 9)}]")
    text = "\n".join(levels) + "\n"  # about 9**9 nodes once expanded
    outcome: list[BaseException | object] = []

    def parse() -> None:
        try:
            outcome.append(parse_yaml(text))
        except BaseException as e:
            outcome.append(e)

    worker = threading.Thread(target=parse, daemon=True)
    worker.start()
    # A generous bound that only a full expansion could reach: a guard, not a benchmark.
    worker.join(timeout=60)
    assert not worker.is_alive(), "parse_yaml did not stop on an alias bomb"
    [result] = outcome
    assert isinstance(result, YamlError)
    assert result.message.startswith("too many YAML nodes")
    assert result.line is not None


def test_recursive_alias_is_an_error() -> None:
    error = error_of("title: One\ntopics: &loop [AI, *loop]\n")
    assert error.message == "YAML nested more than 64 levels deep"
    assert error.line == 2


def test_deep_nesting_is_an_error() -> None:
    assert parse_yaml("a: " + "[" * 50 + "]" * 50 + "\n").value is not None
    error = error_of("title: One\na: " + "[" * 100 + "]" * 100 + "\n")
    assert error.message == "YAML nested more than 64 levels deep"
    assert error.line == 2


@pytest.mark.parametrize("char", ["\x00", "\x07", "\x1b"])
def test_raw_control_character_names_its_line_in_one_line(char: str) -> None:
    error = error_of(f"title: Café\nexcerpt: a{char}b\n")
    assert error.line == 2
    assert "\n" not in error.message
    assert error.message.startswith("invalid YAML: ")
