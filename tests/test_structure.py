"""The shape of the package, checked so that it stays true: every function fits on a
screen, and the stages import each other in one direction only."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import feedpub

PACKAGE = Path(feedpub.__file__).parent
MAX_LINES = 80


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
    too_long = {name: n for name, n in all_lengths().items() if n > MAX_LINES}
    assert too_long == {}, f"split these into named phases of at most {MAX_LINES} lines"


def feedpub_imports(path: Path) -> set[str]:
    """The feedpub modules the module at `path` imports when it runs, anywhere in it.

    Imports under `if TYPE_CHECKING:` are left out: they only name types for
    annotations, and never run.
    """
    tree = ast.parse(path.read_bytes(), str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and ast.unparse(node.test) in (
            "TYPE_CHECKING",
            "typing.TYPE_CHECKING",
        ):
            node.body = []
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        found |= {n.split(".")[1] for n in names if n.startswith("feedpub.")}
    return found - {path.stem}


def import_graph() -> dict[str, set[str]]:
    modules = {path.stem: path for path in PACKAGE.glob("*.py")}
    return {name: feedpub_imports(path) & modules.keys() for name, path in modules.items()}


def test_no_module_imports_another_in_a_circle() -> None:
    graph = import_graph()
    circles = []
    for start in sorted(graph):  # a depth-first walk from each module back to itself
        stack = [(start, [start])]
        while stack:
            module, path = stack.pop()
            for imported in sorted(graph[module]):
                if imported == start:
                    circles.append(" -> ".join([*path, start]))
                elif imported not in path and imported > start:
                    stack.append((imported, [*path, imported]))
    assert circles == []


def test_the_import_checks_see_a_circle(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("from feedpub.b import x\n")
    (tmp_path / "b.py").write_text("def f():\n    from feedpub import a\n")
    (tmp_path / "c.py").write_text("if TYPE_CHECKING:\n    from feedpub.a import x\n")
    assert feedpub_imports(tmp_path / "a.py") == {"b"}
    assert feedpub_imports(tmp_path / "b.py") == {"a"}
    assert feedpub_imports(tmp_path / "c.py") == set()


def test_record_types_import_nothing_of_feedpub_but_errors() -> None:
    """Records know nothing of loading: grouping renders an article's body, not the type."""
    assert feedpub_imports(PACKAGE / "types.py") <= {"errors"}
