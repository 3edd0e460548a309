"""Shared fixtures: record writers, a sample config, and real consumers of the feeds."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterable, Mapping
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import feedparser
import pytest
import yaml

from feedpub.cache import RecordStore
from feedpub.config import Author, Config
from feedpub.source import Records
from feedpub.types import Article, BuildResult
from feedpub.write import Output, Plan

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
# ../shared sits beside a developer's checkout and CI's, not beside a user's.
SHARED = Path(os.environ.get("FEEDPUB_SHARED", ROOT.parent / "shared"))
ATOM_RNC = SHARED / "schemas" / "atom.rnc"
JSONFEED_SCHEMA = SHARED / "schemas" / "jsonfeed-v1.1.schema.json"

sys.path.insert(0, str(ROOT / "bench"))


def record_text(fields: dict[str, Any], body: str = "") -> str:
    """A record file's text: the fields as YAML front matter, then the body."""
    front = yaml.safe_dump(fields, allow_unicode=True, sort_keys=False)
    return f"---\n{front}---\n{body}"


def write_record(folder: Path, name: str, fields: dict[str, Any], body: str = "") -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(record_text(fields, body), encoding="utf-8")
    return path


def article(n: int, **overrides: Any) -> dict[str, Any]:
    """A valid record's fields; `n` makes its URL, title and date unique."""
    fields: dict[str, Any] = {
        "title": f"Article {n}",
        "excerpt": f"Excerpt of article {n}.",
        "publishedDateTime": f"2026-01-{n % 28 + 1:02d}T10:00:00Z",
        "webUrl": f"https://news.example/a/{n}",
        "type": "article",
        "quality": 50,
        "heat": 1,
        "published": True,
        "provider": {"name": "News Example", "domain": "news.example"},
        "topics": ["AI"],
        "related": [],
        "secured": "c2VjcmV0LXZhbHVlLW5ldmVyLXB1Ymxpc2hlZA==;bm90LWluLWZlZWRz",
    }
    fields.update(overrides)
    return fields


def load_articles(source: Path) -> list[Article]:
    """Every record below `source` that gives an article, in path order, read the way
    `build` reads them: `Records` scans the folder and fetches each article."""
    with RecordStore(None, source, source / "feeds") as store:
        records = Records(source, store, jobs=1)
        try:
            records.scan()
            found = records.fetch(range(len(records.paths)))
        finally:
            records.workers.close()
    return [found[index] for index in sorted(found)]


def write_output(
    folder: Path, files: Mapping[str, bytes], *, keep: Iterable[str] = (), dry_run: bool = False
) -> Plan:
    """Write `files` (relative path -> bytes) into `folder` through `Output`, driven the
    way `build` drives it: `put` each file, `keep` the ones vouched for, then `finish`;
    any exception aborts, leaving no temporary file. With `dry_run`, write nothing."""
    with ExitStack() as stack:
        out = Output(folder, dry_run=dry_run)
        stack.push(out.exit)
        for relpath in keep:
            out.keep(relpath)
        for relpath in sorted(files):
            out.put(relpath, files[relpath])
        return out.finish()


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return Config(
        base_url="https://feeds.example.org/",
        source=tmp_path / "seeds",
        output=tmp_path / "feeds",
        title="Test site",
        author=Author("Test desk", "desk@example.org"),
        language="en",
    )


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Hundreds of synthetic records in the seed format (bench/corpus.py)."""
    from corpus import write_corpus

    folder = tmp_path_factory.mktemp("corpus")
    write_corpus(folder, 400, seed=7)
    return folder


def atom_validator() -> list[str]:
    """The command that validates Atom against RFC 4287's schema, or skip saying why."""
    if not ATOM_RNC.is_file():
        pytest.skip(f"RFC 4287 schema not found at {ATOM_RNC} (../shared is absent here)")
    jing = shutil.which("jing")
    if jing is None:
        pytest.skip("jing is not installed (Debian package 'jing'); .ci/run installs it")
    return [jing, "-c", str(ATOM_RNC)]


def assert_valid_atom(paths: Iterable[Path]) -> None:
    """Every Atom file validates against the RFC 4287 RELAX NG schema."""
    files = [str(p) for p in paths]
    assert files, "no Atom files to validate"
    command = atom_validator()
    for start in range(0, len(files), 200):
        done = subprocess.run(
            [*command, *files[start : start + 200]], capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, done.stdout + done.stderr


def parse_feed(path: Path) -> Any:
    """Parse a feed the way readers do; fail on anything feedparser calls malformed."""
    parsed = feedparser.parse(path.read_bytes())
    assert not parsed.bozo, f"{path}: {parsed.get('bozo_exception')}"
    ids = [e.get("id") for e in parsed.entries]
    assert len(ids) == len(set(ids)), f"{path}: duplicate entry ids"
    # RSS has no per-item updated date; asking feedparser for one there is deprecated.
    keys = ["id", "link", "title", "published_parsed"]
    if parsed.version.startswith("atom"):
        keys.append("updated_parsed")
    for entry in parsed.entries:
        for key in keys:
            assert entry.get(key), f"{path}: entry {entry.get('id')} has no {key}"
    return parsed


def feed_files(folder: Path, suffix: str = ".xml") -> list[Path]:
    return sorted(p for p in folder.rglob(f"*{suffix}") if p.is_file())


@dataclass(frozen=True)
class BuiltSite:
    """A build: its config, what `build` returned, and the output folder."""

    config: Config
    result: BuildResult

    @property
    def output(self) -> Path:
        return self.config.output
