"""The public API: what `import feedpub` offers, typed for a user's mypy."""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

import pytest
from mypy import api as mypy_api

import feedpub

ROOT = Path(__file__).resolve().parents[1]

# What README's "Library" section promises; nothing else is public.
DOCUMENTED = {
    "__version__",
    "build",
    "check",
    "load_config",
    "Config",
    "Author",
    "Article",
    "Related",
    "Provider",
    "Image",
    "Link",
    "Feed",
    "Entry",
    "FeedSummary",
    "Problem",
    "BuildResult",
    "FeedpubError",
    "ConfigError",
    "RecordsError",
    "OutputError",
    "ShrinkError",
}


def test_all_names_exactly_the_documented_api() -> None:
    assert set(feedpub.__all__) == DOCUMENTED
    assert len(feedpub.__all__) == len(DOCUMENTED)


@pytest.mark.parametrize("name", sorted(DOCUMENTED))
def test_each_public_name_is_importable(name: str) -> None:
    namespace: dict[str, object] = {}
    exec(f"from feedpub import {name}", namespace)
    assert namespace[name] is getattr(feedpub, name)


def test_the_library_sections_of_the_readme_name_the_public_api() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    library = readme.split("## Library", 1)[1].split("\n## ", 1)[0]
    missing = [name for name in sorted(DOCUMENTED) if f"`{name}`" not in library]
    assert not missing


def test_the_typing_marker_is_in_the_package_and_shipped() -> None:
    assert (Path(feedpub.__file__).parent / "py.typed").is_file()
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "py.typed" in project["tool"]["setuptools"]["package-data"]["feedpub"]


def test_a_users_mypy_checks_code_against_feedpub_types(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # mypy run in-process treats the folders on sys.path but the first as installed
    # packages, as it treats site-packages: a package there without py.typed counts as
    # untyped. (The editable install's import hook is invisible to mypy.)
    site = tmp_path / "site"
    site.mkdir()
    (site / "feedpub").symlink_to(Path(feedpub.__file__).parent, target_is_directory=True)
    monkeypatch.setattr(sys, "path", [sys.path[0], str(site), *sys.path[1:]])
    monkeypatch.chdir(tmp_path)  # not the checkout, where mypy would find the sources
    script = tmp_path / "user.py"
    script.write_text(
        "from feedpub import BuildResult, FeedpubError, build, load_config\n"
        "\n"
        "try:\n"
        '    result: BuildResult = build(load_config(base_url="https://example.org/"))\n'
        "except FeedpubError as e:\n"
        "    print(e)\n"
        "else:\n"
        "    count: int = result.records\n"
        "    wrong: str = result.records\n",
        encoding="utf-8",
    )
    out, err, status = mypy_api.run(
        [str(script), "--strict", "--no-incremental", "--cache-dir", str(tmp_path / "cache")]
    )
    assert "py.typed" not in out, out
    assert "missing library stubs" not in out, out
    # The one mistake in the script is found, so feedpub's types were read.
    assert status == 1, out + err
    assert out.count("error:") == 1, out
    assert 'user.py:9: error: Incompatible types in assignment (expression has type "int"' in out
