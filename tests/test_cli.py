"""The command line as users and CI jobs run it: exit codes first, then output."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree

from conftest import DATA, article, feed_files, parse_feed, write_record
from feedpub import __version__
from feedpub.cli import cli

BASE = "https://feeds.example.org/"


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty working folder, so no feedpub.yaml of the project is picked up."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_build_writes_feeds_with_defaults(folder: Path) -> None:
    write_record(folder / "seeds", "a.md", article(1, topics=["AI", "Privacy"]))
    code, _, err = invoke("build", "--base-url", BASE)
    assert code == 0, err
    names = sorted(p.relative_to(folder / "feeds").as_posix() for p in feed_files(folder / "feeds"))
    assert names == [
        "all.atom.xml",
        "all.rss.xml",
        "providers/news-example.atom.xml",
        "providers/news-example.rss.xml",
        "topics/ai.atom.xml",
        "topics/ai.rss.xml",
        "topics/privacy.atom.xml",
        "topics/privacy.rss.xml",
    ]
    assert "8 files created" in err


def test_build_options(folder: Path) -> None:
    for n in range(5):
        write_record(folder / "in", f"{n}.md", article(n))
    write_record(folder / "in", "draft.md", article(9, published=False, title="Draft piece"))
    code, _, err = invoke(
        "build", "in", "-o", "out", "--base-url", BASE, "--max-items", "2", "--include-drafts"
    )
    assert code == 0, err
    parsed = parse_feed(folder / "out" / "all.atom.xml")
    assert len(parsed.entries) == 2
    assert parsed.feed.links[0].href == BASE + "all.atom.xml"
    assert "Draft piece" in (folder / "out" / "topics" / "ai.rss.xml").read_text()


def test_config_file_is_read(folder: Path) -> None:
    write_record(folder / "seeds", "a.md", article(1))
    (folder / "feedpub.yaml").write_text(f"base_url: {BASE}sub\ntitle: My feeds\n")
    code, _, err = invoke("build")
    assert code == 0, err
    parsed = parse_feed(folder / "feeds" / "all.atom.xml")
    assert parsed.feed.title == "My feeds"
    assert parsed.feed.id == BASE + "sub/all.atom.xml"


def test_no_base_url_is_a_usage_error(folder: Path) -> None:
    write_record(folder / "seeds", "a.md", article(1))
    code, _, err = invoke("build")
    assert code == 2
    assert "no base URL" in err and "--base-url" in err
    assert "Traceback" not in err
    assert not (folder / "feeds").exists()


def test_bad_config_names_the_key(folder: Path) -> None:
    (folder / "feedpub.yaml").write_text(f"base_url: {BASE}\nmax_itmes: 3\n")
    code, _, err = invoke("build")
    assert code == 2
    assert "feedpub.yaml:2: max_itmes: unknown key" in err


def test_invalid_records_exit_1_and_name_file_line_field(folder: Path) -> None:
    write_record(folder / "seeds", "ok.md", article(1))
    write_record(folder / "seeds", "sub/bad.md", article(2, webUrl="javascript:alert(1)"))
    (folder / "feeds").mkdir()
    (folder / "feeds" / "all.atom.xml").write_bytes(b"published before")
    code, _, err = invoke("build", "--base-url", BASE)
    assert code == 1
    assert "seeds/sub/bad.md:5: webUrl: not an absolute http(s) URL: 'javascript:alert(1)'" in err
    assert "nothing was written" in err
    assert "Traceback" not in err
    assert (folder / "feeds" / "all.atom.xml").read_bytes() == b"published before"


def test_missing_source_is_a_usage_error(folder: Path) -> None:
    code, _, err = invoke("build", "nowhere", "--base-url", BASE)
    assert code == 2
    assert "nowhere" in err


def test_version() -> None:
    code, out, _ = invoke("--version")
    assert code == 0
    assert out.strip() == f"feedpub, version {__version__}"


def test_python_dash_m(tmp_path: Path) -> None:
    site = DATA / "site"
    done = subprocess.run(
        [sys.executable, "-m", "feedpub", "build", "--config", "feedpub.yaml", "-o", str(tmp_path)],
        cwd=site,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    expected = site / "expected" / "all.atom.xml"
    assert (tmp_path / "all.atom.xml").read_bytes() == expected.read_bytes()


def test_killed_build_leaves_only_whole_feeds(corpus: Path, tmp_path: Path) -> None:
    """Kill builds at several points while they write; every feed left must be whole."""
    out = tmp_path / "out"
    command = [sys.executable, "-m", "feedpub", "build", str(corpus), "-o", str(out)]
    subprocess.run(
        [*command, "--base-url", "https://old.example/"], check=True, capture_output=True
    )
    for n, delay in enumerate((0.4, 0.7, 1.0)):
        # A new base URL changes every file, so the build is writing when it is killed.
        process = subprocess.Popen(
            [*command, "--base-url", f"https://new{n}.example/"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.wait()
        for path in feed_files(out):
            etree.parse(str(path))  # raises on a truncated or half-written file
    done = subprocess.run(
        [*command, "--base-url", "https://final.example/"], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert not [p for p in out.rglob("*") if ".feedpub-tmp-" in p.name]
    assert all(b"https://final.example/" in p.read_bytes() for p in feed_files(out))
