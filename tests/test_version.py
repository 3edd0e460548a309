"""version: the version shown, and the code hash the cache keys on."""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

import pytest

import feedpub
from feedpub.version import __version__, code_hash, library_versions

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


LIBRARIES = ["lxml", "markdown-it-py", "msgspec", "PyYAML", "python-frontmatter", "rapidyaml"]


@pytest.mark.parametrize("library", ["rapidyaml", "PyYAML", "markdown-it-py", "msgspec"])
def test_the_code_hash_changes_with_a_library_that_shapes_what_is_cached(
    package: Path, library: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The YAML parsers shape every cached record, markdown-it every rendered feed: an
    upgrade of one (another version installed first on the path) must not leave the
    cache taken for current."""
    before = hash_of(package)
    site = tmp_path / "site-packages"
    name = re.sub(r"[-_.]+", "_", library)
    (site / f"{name}-{metadata.version(library)}.post1.dist-info").mkdir(parents=True)
    monkeypatch.syspath_prepend(str(site))
    assert hash_of(package) != before


def test_the_library_versions_hashed_are_the_installed_ones() -> None:
    """They are read from the names of the installed `.dist-info` folders, which is
    much quicker at start-up than importlib.metadata, and must say the same."""
    expected = [f"{name}={metadata.version(name)}" for name in LIBRARIES]
    assert library_versions(LIBRARIES) == expected
    assert library_versions(["no-such-library-here"]) == ["no-such-library-here=?"]


def test_starting_feedpub_does_not_import_importlib_metadata() -> None:
    """importlib.metadata, and the email parser it reads METADATA files with, cost
    a warm build about a tenth of its time."""
    code = "import sys, feedpub.version as v; v.code_hash(); "
    code += "print('importlib.metadata' in sys.modules)"
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert found.stdout.strip() == "False"
