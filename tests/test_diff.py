"""`feedpub diff` and `build --check --verbose`: what a reviewer reads in a pull request.

Run through the command line on real folders: build, edit records, then ask.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import DATA, article, load_articles, write_record
from feedpub import load_config
from feedpub.cli import cli
from feedpub.diff import READABLE, entry_views, read_entries
from feedpub.render import FEED_FORMATS
from grouping import group_articles

BASE = "https://feeds.example.org/"


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working folder with a configuration of its own, so the project's is not read."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "feedpub.yaml").write_text(f"base_url: {BASE}\ntitle: feedpub\n")
    return tmp_path


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, [*args, "--config", "feedpub.yaml"], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def blocks(markdown: str) -> dict[str, str]:
    """Each feed's block of the Markdown, by the feed name its heading starts with."""
    parts = re.split(r"^### ", markdown, flags=re.MULTILINE)[1:]
    return {part.split(maxsplit=1)[0].rstrip(":"): part for part in parts}


def three_records(seeds: Path) -> None:
    write_record(seeds, "1.md", article(1, topics=["AI"]))
    write_record(seeds, "2.md", article(2, title="Old title", topics=["AI", "Privacy"]))
    write_record(
        seeds,
        "3.md",
        article(3, topics=["Privacy"], provider={"name": "Other", "domain": "other.example"}),
    )


def test_a_title_edit_names_the_entry_once_per_feed_with_old_and_new_title(
    folder: Path,
) -> None:
    three_records(folder / "seeds")
    assert invoke("build")[0] == 0
    write_record(folder / "seeds", "2.md", article(2, title="New title", topics=["AI", "Privacy"]))

    code, out, _ = invoke("diff")

    assert code == 0
    found = blocks(out)
    # The feeds that hold the entry, one block each: not one per format.
    assert sorted(found) == ["all", "providers/news-example", "topics/ai", "topics/privacy"]
    for name, block in found.items():
        assert block.startswith(f"{name}: 1 changed\n"), block
        assert block.count("https://news.example/a/2") == 1, block
        assert "! New title  <https://news.example/a/2>" in block
        assert "-     title: Old title\n+     title: New title\n" in block
        assert "summary" not in block and "date" not in block  # only what changed
    assert ".atom.xml" not in out and ".rss.xml" not in out
    assert "Also changed" not in out  # their pages are those feeds' own


def test_build_check_verbose_says_the_same_on_stderr(folder: Path) -> None:
    three_records(folder / "seeds")
    assert invoke("build")[0] == 0
    write_record(folder / "seeds", "2.md", article(2, title="New title", topics=["AI", "Privacy"]))
    _, diffed, _ = invoke("diff")

    code, out, err = invoke("build", "--check", "--verbose")

    assert code == 1
    assert out == ""
    assert diffed in err
    assert "the feeds are NOT current" in err


def test_entries_added_and_removed_and_feeds_created_and_removed(folder: Path) -> None:
    three_records(folder / "seeds")
    assert invoke("build")[0] == 0
    (folder / "seeds" / "3.md").unlink()  # the only record of provider other.example
    write_record(folder / "seeds", "4.md", article(4, title="Fresh", topics=["Robots"]))

    code, out, _ = invoke("diff", "--allow-shrink")

    assert code == 0
    found = blocks(out)
    assert found["all"].startswith("all: 1 added, 1 removed\n")
    assert "+ Fresh  <https://news.example/a/4>" in found["all"]
    assert "- Article 3  <https://news.example/a/3>" in found["all"]
    assert found["topics/robots"].startswith("topics/robots (new feed): 1 added\n")
    assert found["providers/other-example"].startswith(
        "providers/other-example (feed removed): 1 removed\n"
    )
    assert "- Article 3  <https://news.example/a/3>" in found["providers/other-example"]
    also = out.rstrip().splitlines()[-1]
    assert also.startswith("Also changed: .feedpub-manifest.json, feeds.opml, index.html")


def test_a_big_change_is_cut_with_a_count(folder: Path) -> None:
    write_record(folder / "seeds", "0.md", article(0))
    assert invoke("build")[0] == 0
    for n in range(1, 26):
        write_record(folder / "seeds", f"{n}.md", article(n))

    _, out, _ = invoke("diff")
    block = blocks(out)["all"]
    assert block.startswith("all: 25 added\n")
    assert block.count("\n+ ") == 10
    assert "… and 15 more" in block

    _, out, _ = invoke("diff", "--limit", "3")
    assert blocks(out)["all"].count("\n+ ") == 3
    assert "… and 22 more" in blocks(out)["all"]


def test_values_are_one_line_escaped_and_cut_around_the_change(folder: Path) -> None:
    start = "A long summary that starts the same in both versions. " * 3
    write_record(folder / "seeds", "1.md", article(1, excerpt=start + "Old ending."))
    assert invoke("build")[0] == 0
    write_record(folder / "seeds", "1.md", article(1, excerpt=start + "New ending."))
    # The published file is input too: a title edited by hand, with a bidi override
    # and a line break that would start a heading of its own.
    atom = folder / "feeds" / "all.atom.xml"
    evil = "<title>Evil\u202e title&#10;### forged</title>"
    atom.write_text(atom.read_text().replace("<title>Article 1</title>", evil, 1))

    _, out, _ = invoke("diff")

    assert "\u202e" not in out
    assert "\n### forged" not in out
    block = blocks(out)["all"]
    assert "-     title: Evil\\u202e title ### forged\n+     title: Article 1\n" in block
    summary = [line for line in block.splitlines() if "summary:" in line]
    assert summary == [
        "-     summary: …e in both versions. Old ending.",
        "+     summary: …e in both versions. New ending.",
    ]


def test_an_unreadable_published_feed_is_said_so(folder: Path) -> None:
    write_record(folder / "seeds", "1.md", article(1))
    assert invoke("build")[0] == 0
    (folder / "feeds" / "all.atom.xml").write_text("<feed")

    code, out, _ = invoke("diff")

    assert code == 0
    assert "Old entries unknown: all.atom.xml could not be read." in blocks(out)["all"]


def test_files_without_entry_changes_are_summed_up(folder: Path) -> None:
    write_record(folder / "seeds", "1.md", article(1))
    assert invoke("build")[0] == 0
    (folder / "feedpub.yaml").write_text(f"base_url: {BASE}\ntitle: Renamed\n")

    code, out, _ = invoke("diff")

    assert code == 0
    assert not blocks(out)
    assert out == (
        "Also changed: feeds.opml, index.html, 3 pages, 9 feed files with the same entries.\n"
    )


def test_nothing_to_change(folder: Path) -> None:
    write_record(folder / "seeds", "1.md", article(1))
    assert invoke("build")[0] == 0
    assert invoke("diff") == (0, "No feed would change.\n", "")
    code, _, err = invoke("build", "--check", "--verbose")
    assert code == 0
    assert "###" not in err


def test_build_json_says_whether_the_folder_was_current(folder: Path) -> None:
    write_record(folder / "seeds", "1.md", article(1))

    first = json.loads(invoke("build", "--json")[1])
    again = json.loads(invoke("build", "--json")[1])
    checked = json.loads(invoke("build", "--check", "--json")[1])

    assert (first["was_current"], again["was_current"]) == (False, True)
    assert "current" not in first and "current" not in again
    assert checked["current"] is True and "was_current" not in checked


@pytest.mark.parametrize("fmt", READABLE)
def test_each_format_reads_back_as_the_entries_it_was_written_from(fmt: str) -> None:
    """A feed's file read back equals its entries seen through that format: no entry of
    an unchanged feed can show up as changed."""
    site = DATA / "site"
    config = load_config(site / "feedpub.yaml", source=site / "records")
    feeds = group_articles(load_articles(config.source), config).feeds
    assert any(e.related for feed in feeds for e in feed.entries)
    for feed in feeds:
        data = FEED_FORMATS[fmt].render(feed, config)
        assert read_entries(data, fmt) == entry_views(feed.entries, fmt), feed.name


def test_a_new_title_shows_in_the_links_back_to_the_entry(folder: Path) -> None:
    """A related item's entry links back to the article with the article's title."""
    item = {
        "title": "A related piece",
        "webUrl": "https://radio.example/r/1",
        "publishedDateTime": "2026-01-01T09:00:00Z",
        "excerpt": "About radios.",
        "provider": {"name": "Radio", "domain": "radio.example"},
    }
    write_record(folder / "seeds", "1.md", article(1, title="Old title", related=[item]))
    assert invoke("build")[0] == 0
    write_record(folder / "seeds", "1.md", article(1, title="New title", related=[item]))

    _, out, _ = invoke("diff")

    block = blocks(out)["providers/radio-example"]
    assert block.startswith("providers/radio-example: 1 changed\n"), block
    assert "! A related piece  <https://radio.example/r/1>" in block
    assert "'Old title'" in block and "'New title'" in block
    assert "Also changed" not in out
