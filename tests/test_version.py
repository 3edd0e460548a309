"""version: the version shown, and the code hash the cache keys on."""

from __future__ import annotations

import importlib.util
import shutil
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

import pytest

import feedpub
from feedpub.version import __version__, code_hash

PACKAGE = Path(feedpub.__file__).parent


def hash_of(package: Path) -> str:
    """`code_hash()` of the feedpub source in `package`, from a fresh load of its
    version.py (the real one caches its answer for the life of the process)."""
    spec = importlib.util.spec_from_file_location("copied_version", package / "version.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    function: Callable[[], str] = module.code_hash
    return function()


@pytest.fixture
def package(tmp_path: Path) -> Path:
    """A copy of feedpub's source files."""
    copy = tmp_path / "feedpub"
    copy.mkdir()
    for path in PACKAGE.glob("*.py"):
        shutil.copyfile(path, copy / path.name)
    return copy


def test_the_version_is_the_installed_distributions() -> None:
    assert __version__ == feedpub.__version__ == metadata.version("feedpub")


def test_the_code_hash_is_the_same_for_the_same_source(package: Path) -> None:
    assert hash_of(package) == hash_of(package) == code_hash()
    assert len(code_hash()) == 16 and int(code_hash(), 16) >= 0


def test_the_code_hash_changes_when_a_source_file_changes(package: Path) -> None:
    # A cache written by other code must never be taken for current.
    before = hash_of(package)
    render = package / "render.py"
    render.write_bytes(render.read_bytes() + b"\n# edited\n")
    assert hash_of(package) != before


def test_the_code_hash_changes_when_a_source_file_is_added_or_renamed(package: Path) -> None:
    before = hash_of(package)
    (package / "extra.py").write_text("")
    added = hash_of(package)
    (package / "extra.py").rename(package / "other.py")
    assert len({before, added, hash_of(package)}) == 3


def test_the_code_hash_ignores_files_that_are_not_python_source(package: Path) -> None:
    before = hash_of(package)
    (package / "notes.txt").write_text("not code")
    assert hash_of(package) == before


@pytest.mark.parametrize("library", ["rapidyaml", "PyYAML", "markdown-it-py", "msgspec"])
def test_the_code_hash_changes_with_a_library_that_shapes_what_is_cached(
    package: Path, library: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The YAML parsers shape every cached record, markdown-it every rendered feed: an
    upgrade of one must not leave the cache taken for current."""
    before = hash_of(package)
    real = metadata.version

    def upgraded(name: str) -> str:
        return real(name) + ".post1" if name == library else real(name)

    monkeypatch.setattr(metadata, "version", upgraded)
    assert hash_of(package) != before
