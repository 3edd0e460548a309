"""The values that move through the pipeline: what they promise of themselves."""

from __future__ import annotations

import dataclasses
import inspect
import pickle
from datetime import UTC, datetime

import pytest

from feedpub.types import Article, BuildResult, Entry, Feed, Image, Link, Problem, Provider, Related


def entry(day: int, updated: int | None = None) -> Entry:
    published = datetime(2026, 1, day, tzinfo=UTC)
    changed = datetime(2026, 1, updated or day, tzinfo=UTC)
    return Entry(
        f"https://e.example/{day}", f"Entry {day}", f"https://e.example/{day}", published, changed
    )


def test_a_feed_is_dated_by_its_newest_entry_never_by_the_clock() -> None:
    feed = Feed("all", "all", "All", "", (entry(3), entry(9, updated=12), entry(5)))
    assert feed.updated_at == datetime(2026, 1, 12, tzinfo=UTC)
    assert feed.count == 3
    assert Feed("all", "all", "All", "", ()).updated_at is None


def test_a_problem_prints_as_path_line_field_message() -> None:
    assert str(Problem("a.md", 3, "title", "required")) == "a.md:3: title: required"
    assert str(Problem("a.md", None, "", "not UTF-8 text")) == "a.md: not UTF-8 text"
    warning = Problem("a.md", 2, "quality", "not a whole number", "warning")
    assert str(warning) == "a.md:2: quality: warning: not a whole number"
    assert not warning.is_error


def test_a_build_result_says_whether_anything_changed_and_sorts_its_problems() -> None:
    error = Problem("a.md", 1, "title", "required")
    warning = Problem("b.md", 1, "topics", "empty", "warning")
    result = BuildResult(problems=(warning, error), records=2, drafts=0, skipped=1)
    assert result.errors == (error,)
    assert result.warnings == (warning,)
    assert result.is_current
    assert not BuildResult((), 1, 0, 0, changed=("all.atom.xml",)).is_current
    assert not BuildResult((), 1, 0, 0, removed=("old.atom.xml",)).is_current


@pytest.mark.parametrize("cls", [Problem, Image, Provider, Related, Article, Link, Entry])
def test_a_record_type_is_made_as_its_dataclass_says_and_stays_frozen(cls: type) -> None:
    """Record types fill their slots without object.__setattr__ (see `_init_by_slots`):
    the same parameters, defaults and values as dataclass's own __init__, still frozen."""
    found = [(p.name, p.default) for p in inspect.signature(cls.__init__).parameters.values()][1:]
    defaults = [f.default for f in dataclasses.fields(cls)]
    names = [f.name for f in dataclasses.fields(cls)]
    assert found == [
        (n, inspect.Parameter.empty if d is dataclasses.MISSING else d)
        for n, d in zip(names, defaults, strict=True)
    ]
    required = [n for n, d in zip(names, defaults, strict=True) if d is dataclasses.MISSING]
    made = cls(*(f"value {i}" for i in range(len(required))))
    for i, name in enumerate(required):
        assert getattr(made, name) == f"value {i}"
    for name, default in zip(names, defaults, strict=True):
        if default is not dataclasses.MISSING:
            assert getattr(made, name) == default
    by_keyword = cls(**{n: f"value {i}" for i, n in enumerate(required)})
    assert by_keyword == made and hash(by_keyword) == hash(made)
    assert pickle.loads(pickle.dumps(made)) == made
    assert dataclasses.replace(made, **{names[0]: "other"}) != made
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(made, names[0], "changed")
    with pytest.raises(TypeError):
        cls()
    with pytest.raises(TypeError):
        cls(*range(len(names) + 1))
