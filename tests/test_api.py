"""The public API: what `import feedpub` offers, typed for a user's mypy."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import tomllib
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from mypy import api as mypy_api

import feedpub
from conftest import article, write_record
from feedpub import CacheError, Config, OutputError, SourceError, build, check
from feedpub.cli import cli

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
    "SourceError",
    "CacheError",
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


# --- Errors leave the library as feedpub's own --------------------------------------


def _site(tmp_path: Path, **changes: Any) -> Config:
    source = tmp_path / "seeds"
    for n in range(3):
        write_record(source, f"a{n}.md", article(n))
    settings = {"source": source, "output": tmp_path / "feeds", "cache_dir": tmp_path / "cache"}
    return replace(Config(base_url="https://example.org/feeds/", title="T"), **settings | changes)


def test_an_output_folder_that_cannot_be_made_is_an_output_error(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("not a folder", encoding="utf-8")
    config = _site(tmp_path, output=tmp_path / "a-file" / "feeds")
    with pytest.raises(OutputError, match="a-file/feeds: Not a directory") as caught:
        build(config)
    assert isinstance(caught.value.__cause__, NotADirectoryError)


def test_an_unreadable_folder_of_records_is_a_source_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = _site(tmp_path)
    locked = config.source / "private"
    locked.mkdir()
    locked.chmod(0)
    if os.access(locked, os.R_OK):  # root reads every folder: refuse this one as the OS would
        scandir = os.scandir

        def refusing(path: Any = ".") -> Any:
            if Path(path) == locked:
                raise PermissionError(13, "Permission denied", str(path))
            return scandir(path)

        monkeypatch.setattr(os, "scandir", refusing)
    try:
        for run in (build, check):
            with pytest.raises(SourceError, match="private: Permission denied") as caught:
                run(config)
            assert isinstance(caught.value.__cause__, PermissionError)
    finally:
        locked.chmod(0o755)


def test_a_record_store_locked_by_another_program_is_a_cache_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = _site(tmp_path)
    build(config)
    write_record(config.source, "a9.md", article(9))  # so the next build writes to the store
    (store,) = config.cache_dir.glob("*.sqlite3")  # type: ignore[union-attr]
    connect = sqlite3.connect
    other = connect(store, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")  # another program holds the store
    # Waiting a moment for the lock, not the minute a build waits for another build.
    monkeypatch.setattr(sqlite3, "connect", lambda *a, **k: connect(*a, **{**k, "timeout": 0.1}))
    try:
        with pytest.raises(CacheError, match=r"the cache cannot be used .*locked") as caught:
            build(config)
        assert isinstance(caught.value.__cause__, sqlite3.OperationalError)
    finally:
        other.rollback()
        other.close()


def test_the_command_line_says_what_the_library_error_says(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("not a folder", encoding="utf-8")
    config = _site(tmp_path)
    settings = tmp_path / "feedpub.yaml"
    settings.write_text("title: T\n", encoding="utf-8")
    result = CliRunner().invoke(
        cli,
        [
            "build",
            str(config.source),
            "--config",
            str(settings),
            "--no-cache",
            "--base-url",
            "https://example.org/feeds/",
            "-o",
            str(tmp_path / "a-file" / "feeds"),
        ],
        catch_exceptions=False,
    )
    assert result.exit_code == 1
    assert result.output.endswith("a-file/feeds: Not a directory\n")


def test_a_configuration_file_that_cannot_be_read_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(feedpub.ConfigError, match="cannot read") as caught:
        feedpub.load_config(tmp_path, base_url="https://example.org/")  # a folder
    assert isinstance(caught.value.__cause__, OSError)


def test_every_public_name_has_a_home() -> None:
    assert set(feedpub.__all__) == set(feedpub._HOMES) == DOCUMENTED
    for name in feedpub.__all__:
        assert getattr(feedpub, name) is not None
    assert set(feedpub.__all__) <= set(dir(feedpub))
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        feedpub.nothing  # noqa: B018


def test_importing_one_stage_does_not_import_every_stage() -> None:
    """`import feedpub.errors` (which every stage does) loads no other stage: a build
    that finds nothing to do must not pay for importing the renderers."""
    code = (
        "import sys, feedpub.errors\n"
        "print(sorted(m for m in sys.modules if m.startswith('feedpub')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "['feedpub', 'feedpub.errors']"


def test_a_build_with_nothing_to_render_imports_no_renderer(tmp_path: Path) -> None:
    """The second build of the same records finds nothing to do: it must not pay for
    importing markdown-it (rendering bodies) or the preview server."""
    write_record(tmp_path / "seeds", "a.md", article(1), body="Some *text*.")
    out, cache = tmp_path / "out", tmp_path / "cache"
    code = (
        "import sys\n"
        "from feedpub.cli import cli\n"
        "try:\n"
        "    cli.main(sys.argv[1:], standalone_mode=False)\n"
        "finally:\n"
        "    print(sorted(m for m in ('markdown_it', 'http.server') if m in sys.modules))\n"
    )
    args = [str(tmp_path / "seeds"), "-o", str(out), "--cache-dir", str(cache), "-q"]
    args += ["--base-url", "https://example.org/", "--config", os.devnull]
    run = [sys.executable, "-c", code, "build", *args]
    first = subprocess.run(run, capture_output=True, text=True, check=True, cwd=tmp_path)
    assert first.stdout.strip() == "['markdown_it']"  # the first build renders
    again = subprocess.run(run, capture_output=True, text=True, check=True, cwd=tmp_path)
    assert again.stdout.strip() == "[]"
