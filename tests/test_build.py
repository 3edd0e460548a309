"""End to end: records in, feeds out, checked byte for byte and by real consumers."""

from __future__ import annotations

import os
import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import (
    DATA,
    article,
    assert_valid_atom,
    feed_files,
    load_articles,
    parse_feed,
    write_record,
)
from feedpub import Config, RecordsError, build, load_config
from feedpub.cli import cli
from feedpub.errors import ConfigError, ShrinkError
from grouping import group_articles
from test_load import field_and_value, substituted

SITE = DATA / "site"
SECRET = "golden-secret-value-that-must-never-appear"
SECRET_VALUE = "cHJvcGVydHktdGVzdC1zZWNyZXQ=;dGhpcy1pcy1zZWNyZXQ="


def _golden_config(output: Path) -> Config:
    config = load_config(SITE / "feedpub.yaml")
    return replace(config, output=output)


def test_golden_site_is_byte_identical(tmp_path: Path) -> None:
    """The fixture site builds to exactly the checked-in feeds.

    After an intended change of output, regenerate with
    `FEEDPUB_UPDATE_GOLDEN=1 pytest tests/test_build.py` and review the diff.
    """
    expected = SITE / "expected"
    if os.environ.get("FEEDPUB_UPDATE_GOLDEN"):
        shutil.rmtree(expected, ignore_errors=True)
        build(_golden_config(expected))
    build(_golden_config(tmp_path))
    built = {p.relative_to(tmp_path).as_posix(): p.read_bytes() for p in feed_files(tmp_path, "")}
    golden = {p.relative_to(expected).as_posix(): p.read_bytes() for p in feed_files(expected, "")}
    assert sorted(built) == sorted(golden)
    for name, data in built.items():
        assert data == golden[name], f"{name} differs from the golden copy"


def test_golden_site_feeds_are_valid(tmp_path: Path) -> None:
    build(_golden_config(tmp_path))
    for path in feed_files(tmp_path):
        parse_feed(path)
    assert_valid_atom(feed_files(tmp_path, ".atom.xml"))


def test_drafts_and_secrets_appear_nowhere(tmp_path: Path) -> None:
    build(_golden_config(tmp_path))
    for path in feed_files(tmp_path, ""):
        data = path.read_bytes()
        assert SECRET.encode() not in data
        assert b"buoys" not in data.lower(), f"{path}: the draft leaked"
        assert b"draft-only.example.net" not in data, f"{path}: a draft's related item leaked"
    assert not (tmp_path / "topics" / "buoys.atom.xml").exists()


def test_second_build_changes_nothing(tmp_path: Path) -> None:
    config = _golden_config(tmp_path)
    first = build(config)
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in feed_files(tmp_path)}
    second = build(config)
    after = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in feed_files(tmp_path)}
    assert first.created and not first.unchanged
    assert not second.created and not second.changed
    assert before == after


def test_layout_for_a_corpus_of_hundreds(corpus: Path, tmp_path: Path) -> None:
    config = Config(base_url="https://feeds.example.org/", source=corpus, output=tmp_path)
    result = build(config)
    assert result.records == 400
    assert result.drafts > 0
    assert (tmp_path / "all.atom.xml").is_file() and (tmp_path / "all.rss.xml").is_file()
    topics = feed_files(tmp_path / "topics", ".atom.xml")
    providers = feed_files(tmp_path / "providers", ".atom.xml")
    assert len(topics) > 20 and len(providers) > 100
    for atom in [*topics, *providers]:
        assert atom.with_name(atom.name.replace(".atom.xml", ".rss.xml")).is_file()
    related_links = 0
    for path in feed_files(tmp_path):
        parsed = parse_feed(path)
        assert len(parsed.entries) <= config.max_items
        related_links += sum(
            1 for e in parsed.entries for link in e.get("links", []) if link.rel == "related"
        )
    assert related_links > 0
    assert_valid_atom(feed_files(tmp_path, ".atom.xml"))


def test_related_items_link_both_ways_in_the_corpus(corpus: Path, tmp_path: Path) -> None:
    config = Config(base_url="https://feeds.example.org/", source=corpus, output=tmp_path)
    grouped = group_articles(load_articles(corpus), config)
    entries = {e.id: e for feed in grouped.feeds for e in feed.entries}
    pairs = 0
    for entry in entries.values():
        for link in entry.related:
            if link.href in entries:
                assert entry.id in {back.href for back in entries[link.href].related}
                pairs += 1
    assert pairs > 50


def test_records_with_errors_write_nothing(config: Config) -> None:
    write_record(config.source, "good.md", article(1))
    write_record(config.source, "bad.md", article(2, publishedDateTime="yesterday"))
    with pytest.raises(RecordsError) as caught:
        build(config)
    assert [str(p) for p in caught.value.problems if p.is_error] == [
        f"{config.source.as_posix()}/bad.md:4: publishedDateTime: not a date: 'yesterday'"
    ]
    assert not config.output.exists()


def test_missing_source_is_a_config_error(config: Config) -> None:
    with pytest.raises(ConfigError, match="no such folder"):
        build(config)


SLOW_OK = [HealthCheck.too_slow, HealthCheck.function_scoped_fixture]


@settings(max_examples=40, deadline=None, database=None, suppress_health_check=SLOW_OK)
@given(st.lists(field_and_value(), min_size=1, max_size=3))
def test_any_values_give_feeds_that_parse_or_problems(
    tmp_path_factory: pytest.TempPathFactory, cases: list[tuple[tuple[str | int, ...], Any]]
) -> None:
    """Whatever the records hold, a build gives valid feeds or problems, never a traceback."""
    root = tmp_path_factory.mktemp("any")
    for n, (path, value) in enumerate(cases):
        fields = substituted(path, value)
        if isinstance(fields, dict):
            fields = {**fields, "webUrl": f"https://o.example/{n}", "secured": SECRET_VALUE}
        text = "---\n" + yaml.safe_dump(fields, allow_unicode=True) + "---\nBody <b>&</b>\n"
        (root / f"{n}.md").write_bytes(text.encode("utf-8", "surrogatepass"))
    config = Config(
        base_url="https://feeds.example.org/", source=root, output=root / "out", skip_invalid=True
    )
    result = build(config, allow_shrink=True)  # every record may be invalid
    assert all(SECRET_VALUE not in str(p) for p in result.problems)
    for feed_path in feed_files(root / "out"):
        assert SECRET_VALUE.encode() not in feed_path.read_bytes()
        parse_feed(feed_path)


# --- a wrong or empty source folder never empties a published site ---------------------


def _published(config: Config, count: int = 6) -> dict[str, tuple[bytes, int]]:
    for n in range(count):
        write_record(config.source, f"{n:02d}.md", article(n, topics=["AI", f"T{n}"]))
    build(config)
    return _state(config.output)


def _state(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {
        p.relative_to(folder).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in folder.rglob("*")
        if p.is_file()
    }


def _cli_build(config: Config, *extra: str) -> Result:
    settings = config.source.parent / "feedpub.yaml"
    settings.write_text(f"base_url: {config.base_url}\n", encoding="utf-8")
    arguments = ["build", "--config", str(settings), str(config.source)]
    arguments += ["-o", str(config.output), "--no-cache", *extra]
    return CliRunner().invoke(cli, arguments, catch_exceptions=False)


@pytest.mark.parametrize("check", [False, True])
def test_an_empty_source_folder_next_to_published_feeds_exits_1_and_changes_nothing(
    config: Config, tmp_path: Path, check: bool
) -> None:
    before = _published(config)
    empty = replace(config, source=tmp_path / "empty")
    empty.source.mkdir()

    result = _cli_build(empty, *(["--check"] if check else []))

    assert result.exit_code == 1, result.output
    assert "would publish no entry; nothing was written" in result.output
    assert "--allow-shrink" in result.output
    assert _state(config.output) == before


def test_skip_invalid_with_every_record_invalid_exits_1(config: Config) -> None:
    before = _published(config)
    for path in config.source.iterdir():
        path.write_text(path.read_text().replace("webUrl:", "webUrl: nope\nx:"))

    result = _cli_build(config, "--skip-invalid")

    assert result.exit_code == 1, result.output
    assert "would publish no entry" in result.output
    assert _state(config.output) == before


def test_removing_more_than_half_of_the_feeds_needs_allow_shrink(config: Config) -> None:
    before = _published(config, count=6)
    for path in sorted(config.source.iterdir())[:5]:
        path.unlink()

    with pytest.raises(ShrinkError, match=r"would remove 20 of the 36 feed files"):
        build(config)
    assert _state(config.output) == before

    result = _cli_build(config, "--allow-shrink")
    assert result.exit_code == 0, result.output
    assert len(feed_files(config.output, ".atom.xml")) == 4  # all, ai, t5, the provider
    # Removing half or less needs no permission.
    write_record(config.source, "07.md", article(7, topics=["AI", "T7"]))
    write_record(config.source, "08.md", article(8, topics=["AI", "T8"]))
    (config.source / "07.md").unlink()
    build(config)


def test_a_cluster_build_that_would_shrink_is_not_run_again(
    config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A build on a cluster chooses its entries without the record store: a shrink is
    the records', so it is not run again without the store (a second cluster build)."""
    import sys

    build_module = sys.modules["feedpub.build"]
    config = replace(config, cache_dir=config.output.parent / "cache")
    config.source.mkdir(parents=True)
    runs: list[Path | None] = []

    def shrinking(config: Config, *args: object) -> object:
        runs.append(config.cache_dir)
        raise ShrinkError("the build would publish no entry")

    monkeypatch.setattr(build_module, "_build", shrinking)
    with pytest.raises(ShrinkError):
        build(replace(config, scheduler="tcp://127.0.0.1:1"))
    assert runs == [config.cache_dir]
    runs.clear()
    with pytest.raises(ShrinkError):
        build(config)  # locally, once more without the cache, as before
    assert runs == [config.cache_dir, None]
