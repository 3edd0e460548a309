"""The output ledger: what the last build wrote, kept in the record store's file, and
the policy that lets a build skip a feed or write nothing at all."""

from __future__ import annotations

import os
import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import article, write_record
from feedpub import Config, RecordsError, build
from feedpub.cache import RecordStore, file_stat
from feedpub.cli import cli
from feedpub.ledger import MISSING, OutputLedger


@pytest.fixture
def site(config: Config, tmp_path: Path) -> Config:
    for n in range(4):
        write_record(config.source, f"{n:02d}.md", article(n, topics=["AI", f"T{n % 2}"]))
    return replace(config, cache_dir=tmp_path / "cache")


def _ledger_rows(config: Config) -> tuple[dict[str, bytes], dict[str, tuple[int, int]]]:
    assert config.cache_dir is not None
    with RecordStore(config.cache_dir, config.source, config.output) as store:
        ledger = OutputLedger(store.db, config.output)
        return ledger.fingerprints(), ledger.outputs()


def test_a_build_leaves_every_file_it_wrote_in_the_ledger_with_its_stat(site: Config) -> None:
    result = build(site)
    fingerprints, outputs = _ledger_rows(site)
    assert set(outputs) == set(result.created)
    assert all(outputs[p] == file_stat(site.output / p) for p in outputs)
    assert {s.name for s in result.feeds} <= set(fingerprints)


def test_the_last_result_stands_only_while_the_output_is_as_it_was_left(site: Config) -> None:
    first = build(site)
    again = build(site)
    assert again.created == again.changed == () and set(again.unchanged) == set(first.created)
    edited = site.output / first.created[0]
    edited.write_bytes(edited.read_bytes() + b"\n")
    with RecordStore(site.cache_dir, site.source, site.output) as store:
        assert not OutputLedger(store.db, site.output).outputs_intact()
    assert build(site).changed == (first.created[0],)
    assert MISSING == (-1, -1)  # what a wanted file that is gone is remembered as


def test_a_store_from_another_version_loses_the_ledger_tables_too(
    site: Config, tmp_path: Path
) -> None:
    """The store's tag covers the whole file: tables of an older ledger, of another
    shape, are dropped with the records, not read and taken for damage."""
    build(site)
    assert site.cache_dir is not None
    (db_path,) = site.cache_dir.glob("*.sqlite3")
    db = sqlite3.connect(db_path)
    db.execute("UPDATE meta SET value = 'feedpub 0.0.0 schema 0' WHERE key = 'tag'")
    db.execute("DROP TABLE outputs")
    db.execute("CREATE TABLE outputs (path TEXT, size INTEGER)")  # an older shape
    db.commit()
    db.close()
    config_file = tmp_path / "feedpub.yaml"
    config_file.write_text(f"base_url: {site.base_url}\n", encoding="utf-8")
    args = ["build", str(site.source), "-o", str(site.output), "--config", str(config_file)]
    args += ["--cache-dir", str(site.cache_dir)]
    run = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert run.exit_code == 0, run.output
    assert "cache could not be used" not in run.output


@pytest.mark.parametrize("kind", ["link leading out", "name not UTF-8"])
def test_a_file_left_out_of_the_records_is_reported_by_a_build_with_nothing_else_new(
    site: Config, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    """A `*.md` the scan leaves out (a link leading out, a FIFO, a name that is not
    UTF-8) is an error: a build after one was added must say so, as a build without the
    cache does, not repeat the last result because every record is as it was."""
    monkeypatch.setattr("feedpub.source.RACY_NS", 0)  # every stat is to be trusted at once
    build(site)
    assert build(site).created == ()  # the last result stands
    if kind == "link leading out":
        outside = tmp_path / "outside.md"
        outside.write_text("---\ntitle: x\n---\n", encoding="utf-8")
        (site.source / "zz.md").symlink_to(outside)
    else:
        (site.source / os.fsdecode(b"z\xff.md")).write_bytes(b"")
    with pytest.raises(RecordsError):
        build(replace(site, cache_dir=None))
    with pytest.raises(RecordsError):
        build(site)
