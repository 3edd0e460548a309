"""The house rule that a function fits on a screen, checked so that it stays true."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import feedpub

PACKAGE = Path(feedpub.__file__).parent
MAX_LINES = 80
# The functions longer than MAX_LINES today, with their length: a ratchet. None may
# grow, none may join, and one shortened to MAX_LINES or fewer must leave this list.
ALLOWED_LONGER = {
    "group.select": 277,
}


def function_lengths(path: Path) -> Iterator[tuple[str, int]]:
    """Each function in the module at `path` (methods and nested functions too), as
    `module.Class.function`, with its length in lines from `def` to its last line:
    decorators are not counted, the docstring is."""
    found: list[tuple[str, ast.AST]] = [(path.stem, ast.parse(path.read_bytes(), str(path)))]
    while found:
        prefix, node = found.pop()
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                name = f"{prefix}.{child.name}"
                if not isinstance(child, ast.ClassDef):
                    assert child.end_lineno is not None
                    yield name, child.end_lineno - child.lineno + 1
                found.append((name, child))


def all_lengths() -> dict[str, int]:
    lengths: dict[str, int] = {}
    for path in sorted(PACKAGE.glob("*.py")):
        for name, length in function_lengths(path):
            lengths[name] = max(length, lengths.get(name, 0))  # a name defined twice
    return lengths


def test_the_lengths_are_counted_from_def_to_the_last_line(tmp_path: Path) -> None:
    module = tmp_path / "sample.py"
    module.write_text(
        "@decorator\n"
        "def outer():\n"
        '    """Doc."""\n'
        "    def inner():\n"
        "        pass\n"
        "    return inner\n"
        "\n"
        "class Kind:\n"
        "    async def method(self):\n"
        "        pass\n"
    )
    assert sorted(function_lengths(module)) == [
        ("sample.Kind.method", 2),
        ("sample.outer", 5),
        ("sample.outer.inner", 2),
    ]


def test_no_function_is_longer_than_a_screen() -> None:
    lengths = all_lengths()
    too_long = {
        name: length
        for name, length in lengths.items()
        if length > MAX_LINES and name not in ALLOWED_LONGER
    }
    assert too_long == {}, f"split these into named phases of at most {MAX_LINES} lines"


def test_the_functions_allowed_to_be_longer_do_not_grow() -> None:
    lengths = all_lengths()
    grown = {
        name: f"{allowed} -> {lengths[name]} lines"
        for name, allowed in ALLOWED_LONGER.items()
        if lengths.get(name, 0) > allowed
    }
    assert grown == {}


def test_a_function_no_longer_too_long_leaves_the_allowed_list() -> None:
    lengths = all_lengths()
    fixed = [name for name in ALLOWED_LONGER if lengths.get(name, 0) <= MAX_LINES]
    assert fixed == [], "remove these from ALLOWED_LONGER: they fit now"
