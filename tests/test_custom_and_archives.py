"""Feeds defined in the configuration, `group_by`, and RFC 5005 archives (issue 7).

The archive tests read the output the way a feed reader does: start at the
subscription document, follow `prev-archive` (JSON Feed: `next_url`) from file to
file, and count what was collected.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from lxml import etree

from conftest import (
    JSONFEED_SCHEMA,
    article,
    assert_valid_atom,
    feed_files,
    parse_feed,
    write_record,
)
from feedpub.build import build
from feedpub.config import Config, CustomFeed, load_config
from feedpub.diff import entry_ids as diff_entry_ids
from feedpub.errors import ConfigError

BASE = "https://feeds.example.org/"
ATOM_NS = "http://www.w3.org/2005/Atom"
FH_NS = "http://purl.org/syndication/history/1.0"
FH_ARCHIVE = f"{{{FH_NS}}}archive"
SUFFIXES = {"atom": ".atom.xml", "rss": ".rss.xml", "json": ".json", "html": ".html"}
BOOKKEEPING = {"index.html", "feeds.opml", "style.css", ".feedpub-manifest.json"}


def record(n: int, **overrides: Any) -> dict[str, Any]:
    """`article(n)` with overrides; an override of None removes the field."""
    fields = article(n, **overrides)
    return {k: v for k, v in fields.items() if v is not None}


def url(n: int) -> str:
    return f"https://news.example/a/{n}"


def write_config(folder: Path, text: str) -> Path:
    path = folder / "feedpub.yaml"
    path.write_text(f"base_url: {BASE}\n{text}", encoding="utf-8")
    return path


def relpaths(output: Path) -> set[str]:
    return {p.relative_to(output).as_posix() for p in output.rglob("*") if p.is_file()}


# --- configuration ------------------------------------------------------------------


def test_a_feeds_block_loads_into_custom_feeds(tmp_path: Path) -> None:
    path = write_config(
        tmp_path,
        """\
feeds:
  - name: ai-digest
    title: "AI digest"
    description: The best of AI
    topics: [AI, Machine Learning, machine learning]
    providers: [Lumen.Example., lab.example]
    types: [article, video]
    category: news
    min_quality: 30
    since: 2026-01-05T12:00:00+02:00
    include_related: false
    max_items: 20
  - name: plain
    since: 2026-01-01
group_by: [provider]
archives: true
archive_page_size: 10
""",
    )
    config = load_config(path)
    assert config.feeds == (
        CustomFeed(
            name="ai-digest",
            title="AI digest",
            description="The best of AI",
            topics=("ai", "machine learning"),  # topic keys, each once
            providers=("lumen.example", "lab.example"),
            types=("article", "video"),
            category="news",
            min_quality=30,
            since=datetime(2026, 1, 5, 10, tzinfo=UTC),
            include_related=False,
            max_items=20,
        ),
        CustomFeed(name="plain", title="plain", since=datetime(2026, 1, 1, tzinfo=UTC)),
    )
    assert config.feeds[1].include_related is True and config.feeds[1].max_items is None
    assert config.group_by == ("provider",)
    assert config.archives is True and config.archive_page_size == 10


def test_defaults_have_no_custom_feeds_every_grouping_and_no_archives(tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path, ""))
    assert config.feeds == ()
    assert config.group_by == ("topic", "provider")
    assert config.archives is False and config.archive_page_size == 50
    assert load_config(write_config(tmp_path, "group_by: []\n")).group_by == ()


# Each case: the YAML after the base_url line, the line blamed, the key named.
BAD_CONFIGS = {
    "unknown key in a feed": ("feeds:\n  - name: ok\n    title: OK\n    colour: red\n", 5,
                              "feeds[0].colour"),
    "name with a space": ("feeds:\n  - name: AI Digest\n", 3, "feeds[0].name"),
    "name with a path": ("feeds:\n  - name: ../x\n", 3, "feeds[0].name"),
    "name used twice": ("feeds:\n  - name: a\n  - name: b\n  - name: a\n", 5, "feeds[2].name"),
    "name missing": ("feeds:\n  - title: Nameless\n", 3, "feeds[0].name"),
    "min_quality": ("feeds:\n  - name: a\n    min_quality: lots\n", 4, "feeds[0].min_quality"),
    "since": ("feeds:\n  - name: a\n    since: yesterday\n", 4, "feeds[0].since"),
    "since, second feed": ("feeds:\n  - name: a\n  - name: b\n    since: yesterday\n", 5,
                           "feeds[1].since"),
    "max_items": ("feeds:\n  - name: a\n    max_items: 0\n", 4, "feeds[0].max_items"),
    "include_related": ("feeds:\n  - name: a\n    include_related: maybe\n", 4,
                        "feeds[0].include_related"),
    "providers": ("feeds:\n  - name: a\n    providers: [ok.example, not a domain]\n", 4,
                  "feeds[0].providers"),
    "feeds not a list": ("feeds: ai-digest\n", 2, "feeds"),
    "group_by": ("group_by: [tags]\n", 2, "group_by"),
    "archives": ("archives: maybe\n", 2, "archives"),
    "archive_page_size": ("archive_page_size: 0\n", 2, "archive_page_size"),
}  # fmt: skip


@pytest.mark.parametrize(("text", "line", "key"), BAD_CONFIGS.values(), ids=BAD_CONFIGS.keys())
def test_bad_feed_settings_name_the_key_and_the_line(
    tmp_path: Path, text: str, line: int, key: str
) -> None:
    path = write_config(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(caught.value).startswith(f"{path}:{line}: {key}: ")


# --- custom feeds in a build --------------------------------------------------------

CUSTOM_YAML = """\
max_items: 4
feeds:
  - name: topics-any
    title: Topics
    topics: [ai, MACHINE LEARNING]
  - name: by-provider
    title: By provider
    providers: [WWW.X.EXAMPLE., Lab.Example]
  - name: videos
    title: Videos
    types: [video]
  - name: news
    title: News
    category: news
    max_items: 10
  - name: any-quality
    title: Any quality
    min_quality: 0
    include_related: false
    max_items: 10
  - name: good
    title: Good
    min_quality: 60
  - name: recent
    title: Recent
    since: 2026-01-05T12:00:00+02:00
  - name: security
    title: Security and related
    topics: [Security]
  - name: security-only
    title: Security alone
    topics: [Security]
    include_related: false
  - name: top-two
    title: Top two
    max_items: 2
  - name: everything
    title: Everything
    max_items: 20
  - name: combined
    title: AI news of quality
    topics: [AI]
    category: news
    min_quality: 50
  - name: nothing
    title: Nothing
    topics: [Gardening]
"""
RELATED = "https://other.example/r/1"
CUSTOM_RECORDS = {
    1: {"topics": ["AI"], "category": "news", "quality": 80},
    2: {
        "topics": ["machine learning"],
        "provider": {"name": "Lab", "domain": "LAB.example"},
        "type": "video",
        "category": "research",
        "quality": 40,
    },
    3: {
        "topics": ["Robotics"],
        "provider": {"name": "X", "domain": "www.x.example"},
        "category": "news",
        "quality": 90,
    },
    4: {
        "topics": ["AI"],
        "provider": {"name": "Plain", "domain": "plain.example"},
        "category": "news",
        "quality": None,  # no quality: left out by any min_quality
        "publishedDateTime": "2026-01-05T09:59:59Z",  # a second before `since`
    },
    5: {
        "topics": ["Cloud"],
        "category": "news",
        "quality": 60,
        "publishedDateTime": "2026-01-05T10:00:00Z",  # exactly `since`
    },
    6: {
        "topics": ["Security"],
        "category": "opinion",
        "quality": 59,
        "related": [
            {
                "title": "Related report",
                "webUrl": RELATED,
                "publishedDateTime": "2026-01-07T09:00:00Z",
                "provider": {"name": "Other", "domain": "other.example"},
            }
        ],
    },
    7: {"topics": ["Ai"], "type": "video", "category": "news", "quality": 70},
    8: {"topics": ["AI"], "category": "news", "quality": 99, "published": False},  # a draft
}
ARTICLES = {url(n) for n in range(1, 8)}
EXPECTED = {
    "topics-any": {url(1), url(2), url(4), url(7)},
    "by-provider": {url(2), url(3)},
    "videos": {url(2), url(7)},
    "news": {url(1), url(3), url(4), url(5), url(7)},
    "any-quality": ARTICLES - {url(4)},
    "good": {url(1), url(3), url(5), url(7)},
    "recent": {url(5), url(6), RELATED, url(7)},
    "security": {url(6), RELATED},
    "security-only": {url(6)},
    "top-two": {url(7), url(6)},  # the related item (09:00) is older than record 6 (10:00)
    "everything": ARTICLES | {RELATED},
    "combined": {url(1), url(7)},
}


@dataclass(frozen=True)
class Site:
    config: Config
    output: Path


@pytest.fixture(scope="module")
def custom_site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    root = tmp_path_factory.mktemp("custom")
    for n, overrides in CUSTOM_RECORDS.items():
        write_record(root / "seeds", f"{n}.md", record(n, **overrides))
    config = load_config(
        write_config(root, CUSTOM_YAML), source=root / "seeds", output=root / "feeds"
    )
    result = build(config)
    assert not result.problems
    return Site(config, config.output)


@pytest.mark.parametrize("name", EXPECTED)
def test_each_filter_selects_exactly_its_entries(custom_site: Site, name: str) -> None:
    folder = custom_site.output / "custom"
    for suffix in (".atom.xml", ".rss.xml"):
        parsed = parse_feed(folder / f"{name}{suffix}")
        assert {e.id for e in parsed.entries} == EXPECTED[name], suffix
    items = json.loads((folder / f"{name}.json").read_bytes())["items"]
    assert {item["id"] for item in items} == EXPECTED[name]


def test_custom_feeds_keep_their_own_max_items(custom_site: Site) -> None:
    assert len(parse_feed(custom_site.output / "all.atom.xml").entries) == 4
    assert len(parse_feed(custom_site.output / "custom/everything.atom.xml").entries) == 8
    assert len(parse_feed(custom_site.output / "custom/top-two.atom.xml").entries) == 2


def test_custom_feeds_are_written_in_every_enabled_format(custom_site: Site) -> None:
    written = relpaths(custom_site.output / "custom")
    assert written == {f"{name}{suffix}" for name in EXPECTED for suffix in SUFFIXES.values()}
    parsed = parse_feed(custom_site.output / "custom/combined.atom.xml")
    assert parsed.feed.title == "AI news of quality"
    self_links = [link.href for link in parsed.feed.links if link.rel == "self"]
    assert self_links == [f"{BASE}custom/combined.atom.xml"]
    page = (custom_site.output / "custom/combined.html").read_text(encoding="utf-8")
    assert "<h1>AI news of quality</h1>" in page
    assert '<a href="https://news.example/a/7">' in page
    assert 'href="combined.atom.xml"' in page and 'href="../style.css"' in page


def test_only_enabled_formats_are_written_for_custom_feeds(config: Config) -> None:
    write_record(config.source, "1.md", record(1))
    config = replace(
        config, formats=("atom", "json"), feeds=(CustomFeed("ai", "AI", topics=("ai",)),)
    )
    build(config)
    assert relpaths(config.output / "custom") == {"ai.atom.xml", "ai.json"}


def test_an_empty_custom_feed_writes_no_file_and_is_not_listed(custom_site: Site) -> None:
    assert not any("nothing" in path for path in relpaths(custom_site.output))
    assert b"custom/nothing" not in (custom_site.output / "index.html").read_bytes()
    assert b"custom/nothing" not in (custom_site.output / "feeds.opml").read_bytes()


def test_custom_feeds_are_listed_in_the_index(custom_site: Site) -> None:
    index = (custom_site.output / "index.html").read_text(encoding="utf-8")
    assert "<h2>Custom</h2>" in index
    section = index.split("<h2>Custom</h2>", 1)[1].split("</section>", 1)[0]
    for name in EXPECTED:
        assert f'href="custom/{name}.html"' in section
        assert f'href="custom/{name}.atom.xml"' in section


def test_custom_feeds_are_listed_in_the_opml_under_custom(custom_site: Site) -> None:
    root = etree.fromstring((custom_site.output / "feeds.opml").read_bytes())
    # The "all" feed sits in the body; each other kind is a folder named after the site.
    everything, *folders = root.find("body")
    assert everything.get("xmlUrl") == f"{BASE}all.atom.xml"
    title = custom_site.config.title
    groups = {group.get("text"): group for group in folders}
    assert list(groups) == [f"{title}: {kind}" for kind in ("Topics", "Providers", "Custom")]
    custom = groups[f"{title}: Custom"]
    listed = {outline.get("xmlUrl") for outline in custom}
    assert listed == {f"{BASE}custom/{name}.atom.xml" for name in EXPECTED}
    titles = {outline.get("title") for outline in custom}
    assert "AI news of quality" in titles
    elsewhere = [o.get("xmlUrl") for g in folders if g is not custom for o in g]
    assert not any("/custom/" in link for link in elsewhere)


def test_a_www_spelling_of_a_provider_selects_the_bare_domain(config: Config) -> None:
    write_record(config.source, "1.md", record(1, provider={"name": "X", "domain": "x.example"}))
    write_record(
        config.source, "2.md", record(2, provider={"name": "X", "domain": "WWW.x.example"})
    )
    path = write_config(
        config.source.parent, "feeds:\n  - name: x\n    providers: [WWW.X.EXAMPLE.]\n"
    )
    loaded = load_config(path, source=config.source, output=config.output)
    build(loaded)
    parsed = parse_feed(config.output / "custom/x.atom.xml")
    assert {e.id for e in parsed.entries} == {url(1), url(2)}


# --- group_by -----------------------------------------------------------------------


def _small_site(config: Config) -> None:
    """Two records from news.example about AI, one from lab.example about Cloud."""
    write_record(config.source, "1.md", record(1, topics=["AI"]))
    write_record(config.source, "3.md", record(3, topics=["AI"]))
    write_record(
        config.source,
        "2.md",
        record(2, topics=["Cloud"], provider={"name": "Lab", "domain": "lab.example"}),
    )


def test_group_by_nothing_writes_only_all_and_custom_feeds(config: Config) -> None:
    _small_site(config)
    config = replace(config, group_by=(), feeds=(CustomFeed("ai", "AI", topics=("ai",)),))
    build(config)
    feeds = {f"{name}{suffix}" for name in ("all", "custom/ai") for suffix in SUFFIXES.values()}
    assert relpaths(config.output) == feeds | BOOKKEEPING
    opml = etree.fromstring((config.output / "feeds.opml").read_bytes())
    assert [group.get("text") for group in opml.find("body")] == ["Test site", "Test site: Custom"]


def test_group_by_topic_writes_no_provider_feeds(config: Config) -> None:
    _small_site(config)
    config = replace(config, group_by=("topic",))
    build(config)
    written = relpaths(config.output)
    assert "topics/ai.atom.xml" in written and "topics/cloud.json" in written
    assert not (config.output / "providers").exists()
    assert b"providers/" not in (config.output / "index.html").read_bytes()
    assert b"providers/" not in (config.output / "feeds.opml").read_bytes()


def test_group_by_provider_writes_no_topic_feeds(config: Config) -> None:
    _small_site(config)
    config = replace(config, group_by=("provider",))
    build(config)
    assert (config.output / "providers/lab-example.rss.xml").is_file()
    assert not (config.output / "topics").exists()


def test_a_narrower_group_by_prunes_the_files_it_no_longer_wants(config: Config) -> None:
    _small_site(config)
    config = replace(config, archives=True, max_items=1)
    build(config)
    assert (config.output / "providers/lab-example.atom.xml").is_file()
    assert (config.output / "archives/providers/news-example/1.atom.xml").is_file()

    result = build(replace(config, group_by=("topic",)))
    assert "providers/lab-example.atom.xml" in result.removed
    assert not (config.output / "providers").exists()
    assert not (config.output / "archives/providers").exists()
    assert (config.output / "topics/ai.atom.xml").is_file()
    assert (config.output / "archives/all/1.atom.xml").is_file()

    result = build(replace(config, group_by=("topic",), archives=False))
    assert "archives/all/1.atom.xml" in result.removed
    assert not (config.output / "archives").exists()


# --- RFC 5005 archives --------------------------------------------------------------

RECORDS = 11  # dated 2026-01-01 (record 0) to 2026-01-11 (record 10)
MAX_ITEMS = 3
PAGE_SIZE = 2
# Every record is about AI and from news.example; the odd ones are also about Robotics.
FEEDS = ("all", "topics/ai", "topics/robotics", "providers/news-example", "custom/robots")


def members(name: str, count: int = RECORDS) -> range:
    """The record numbers in feed `name` when records 0 to count - 1 exist."""
    return range(1, count, 2) if name in ("topics/robotics", "custom/robots") else range(count)


def newest_page(name: str, count: int = RECORDS) -> int:
    """The number of feed `name`'s newest archive page: its older entries, paged."""
    return -(-(len(members(name, count)) - MAX_ITEMS) // PAGE_SIZE)  # ceiling division


def archive_record(n: int) -> dict[str, Any]:
    return record(n, topics=["AI", "Robotics"] if n % 2 else ["AI"])


def archive_config(config: Config) -> Config:
    return replace(
        config,
        archives=True,
        max_items=MAX_ITEMS,
        archive_page_size=PAGE_SIZE,
        feeds=(CustomFeed("robots", "Robots", topics=("robotics",)),),
    )


@pytest.fixture(scope="module")
def archive_site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    root = tmp_path_factory.mktemp("archives")
    config = archive_config(Config(base_url=BASE, source=root / "seeds", output=root / "feeds"))
    for n in range(RECORDS):
        write_record(config.source, f"{n:02d}.md", archive_record(n))
    assert not build(config).problems
    return Site(config, config.output)


def local(output: Path, link: str) -> Path:
    """The file in the output folder that a feed URL is published from."""
    assert link.startswith(BASE), link
    return output / link.removeprefix(BASE)


def walk(output: Path, name: str, fmt: str) -> list[tuple[str, list[str]]]:
    """What a reader that starts at feed `name` and follows the links to older
    documents visits: each document's path and entry ids, in order."""
    visited: list[tuple[str, list[str]]] = []
    link: str | None = BASE + name + SUFFIXES[fmt]
    while link is not None:
        path = local(output, link)
        relpath = path.relative_to(output).as_posix()
        assert relpath not in [seen for seen, _ in visited], f"the links loop at {relpath}"
        if fmt == "json":  # feedparser 6.0 cannot read JSON Feed
            document = json.loads(path.read_bytes())
            ids = [item["id"] for item in document["items"]]
            link = document.get("next_url")
        else:
            parsed = parse_feed(path)
            ids = [entry.id for entry in parsed.entries]
            older = [x.href for x in parsed.feed.get("links", []) if x.rel == "prev-archive"]
            assert len(older) <= 1, relpath
            link = older[0] if older else None
        visited.append((relpath, ids))
    return visited


@pytest.mark.parametrize("fmt", ["atom", "rss", "json"])
@pytest.mark.parametrize("name", FEEDS)
def test_following_the_links_collects_every_entry_exactly_once(
    archive_site: Site, name: str, fmt: str
) -> None:
    visited = walk(archive_site.output, name, fmt)
    collected = Counter(entry for _, ids in visited for entry in ids)
    expected = {url(n) for n in members(name)}
    assert set(collected) == expected
    assert set(collected.values()) == {1}
    newest = sorted(members(name), reverse=True)
    assert visited[0][1] == [url(n) for n in newest[:MAX_ITEMS]]
    assert [path for path, _ in visited[1:]] == [
        f"archives/{name}/{page}{SUFFIXES[fmt]}" for page in range(newest_page(name), 0, -1)
    ]


def test_pages_are_cut_by_count_from_the_oldest_entry(archive_site: Site) -> None:
    visited = dict(walk(archive_site.output, "all", "atom"))
    assert visited == {
        "all.atom.xml": [url(10), url(9), url(8)],
        "archives/all/4.atom.xml": [url(7), url(6)],
        "archives/all/3.atom.xml": [url(5), url(4)],
        "archives/all/2.atom.xml": [url(3), url(2)],
        "archives/all/1.atom.xml": [url(1), url(0)],
    }
    robots = dict(walk(archive_site.output, "topics/robotics", "rss"))
    assert robots == {
        "topics/robotics.rss.xml": [url(9), url(7), url(5)],
        "archives/topics/robotics/1.rss.xml": [url(3), url(1)],
    }


def _links(channel: Any) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for link in channel.findall(f"{{{ATOM_NS}}}link"):  # the feed's, not its entries'
        found.setdefault(link.get("rel", "alternate"), []).append(link.get("href"))
    return found


@pytest.mark.parametrize("fmt", ["atom", "rss"])
def test_archive_pages_are_marked_and_linked_per_rfc_5005(archive_site: Site, fmt: str) -> None:
    suffix = SUFFIXES[fmt]
    pages = feed_files(archive_site.output / "archives", suffix)
    assert len(pages) == sum(newest_page(name) for name in FEEDS) == 14
    for path in pages:
        relpath = path.relative_to(archive_site.output).as_posix()
        name, number = relpath.removeprefix("archives/").removesuffix(suffix).rsplit("/", 1)
        root = etree.fromstring(path.read_bytes())
        channel = root if fmt == "atom" else root.find("channel")
        assert len(channel.findall(FH_ARCHIVE)) == 1, relpath
        links = _links(channel)
        assert links["self"] == [BASE + relpath]
        assert links["current"] == [f"{BASE}{name}{suffix}"], relpath
        older = [f"{BASE}archives/{name}/{int(number) - 1}{suffix}"] if number != "1" else []
        assert links.get("prev-archive", []) == older, relpath
        assert "next-archive" not in links
    for name in FEEDS:
        root = etree.fromstring((archive_site.output / f"{name}{suffix}").read_bytes())
        channel = root if fmt == "atom" else root.find("channel")
        assert channel.find(FH_ARCHIVE) is None, name  # a subscription document is no archive
        assert "current" not in _links(channel)
        newest = f"{BASE}archives/{name}/{newest_page(name)}{suffix}"
        assert _links(channel)["prev-archive"] == [newest]


def test_json_archive_pages_point_to_current_and_older(archive_site: Site) -> None:
    pages = feed_files(archive_site.output / "archives", ".json")
    assert len(pages) == sum(newest_page(name) for name in FEEDS)
    for path in pages:
        relpath = path.relative_to(archive_site.output).as_posix()
        name, number = relpath.removeprefix("archives/").removesuffix(".json").rsplit("/", 1)
        document = json.loads(path.read_bytes())
        assert document["feed_url"] == BASE + relpath
        assert document["_feedpub"] == {"archive": True, "current": f"{BASE}{name}.json"}
        older = f"{BASE}archives/{name}/{int(number) - 1}.json" if number != "1" else None
        assert document.get("next_url") == older
    subscription = json.loads((archive_site.output / "all.json").read_bytes())
    assert subscription["next_url"] == f"{BASE}archives/all/4.json"
    assert "_feedpub" not in subscription


def test_archive_pages_are_valid_feeds(archive_site: Site) -> None:
    output = archive_site.output
    for path in feed_files(output / "archives"):
        parsed = parse_feed(path)  # no bozo, unique ids, every entry complete
        assert parsed.namespaces.get("fh") == FH_NS, path
    assert_valid_atom(feed_files(output, ".atom.xml"))
    if JSONFEED_SCHEMA.is_file():  # ../shared sits beside a checkout, not an install
        schema = json.loads(JSONFEED_SCHEMA.read_bytes())
        for path in feed_files(output, ".json"):
            if not path.name.startswith("."):  # the build's manifest is no feed
                jsonschema.validate(json.loads(path.read_bytes()), schema)


def test_archives_are_for_readers_not_for_the_index(archive_site: Site) -> None:
    output = archive_site.output
    assert not feed_files(output / "archives", ".html")
    assert b"archives/" not in (output / "index.html").read_bytes()
    assert b"archives/" not in (output / "feeds.opml").read_bytes()


def test_without_archives_there_is_no_archive_folder_nor_link(config: Config) -> None:
    for n in range(RECORDS):
        write_record(config.source, f"{n:02d}.md", archive_record(n))
    config = replace(archive_config(config), archives=False)
    build(config)
    assert not (config.output / "archives").exists()
    assert len(parse_feed(config.output / "all.atom.xml").entries) == MAX_ITEMS
    for path in feed_files(config.output, ""):
        assert b"prev-archive" not in path.read_bytes(), path
        assert b"next_url" not in path.read_bytes(), path


def test_a_feed_shorter_than_max_items_has_no_archive(config: Config) -> None:
    for n in range(RECORDS):
        write_record(config.source, f"{n:02d}.md", archive_record(n))
    write_record(config.source, "solo.md", record(20, topics=["Solo"]))
    config = archive_config(config)
    build(config)
    assert not (config.output / "archives/topics/solo").exists()
    assert walk(config.output, "topics/solo", "atom") == [("topics/solo.atom.xml", [url(20)])]


def entry_ids(relpath: str, data: bytes) -> list[str]:
    """The entry ids of an archive page in any format."""
    return diff_entry_ids(data, relpath) or []


def test_a_newer_record_leaves_every_full_page_untouched(config: Config) -> None:
    """RFC 5005 4.1: an archive document's entries do not change; here not even its bytes."""
    config = archive_config(config)
    for n in range(RECORDS):
        write_record(config.source, f"{n:02d}.md", archive_record(n))
    build(config)
    output = config.output
    past = 1_000_000_000  # so a rewritten file cannot keep its mtime by chance
    rewritten_partial = 0
    for count in (RECORDS + 1, RECORDS + 2, RECORDS + 3):
        for path in output.rglob("*"):
            os.utime(path, (past, past))
        before = {
            p.relative_to(output).as_posix(): p.read_bytes()
            for p in feed_files(output / "archives", "")
        }
        full = {p for p, data in before.items() if len(entry_ids(p, data)) == PAGE_SIZE}
        assert full, "nothing to check"

        write_record(config.source, f"{count - 1:02d}.md", archive_record(count - 1))
        result = build(config)

        for relpath in full:
            path = output / relpath
            assert path.read_bytes() == before[relpath], f"{relpath} was rewritten"
            assert path.stat().st_mtime == past, f"{relpath} was touched"
        changed = [p for p in result.changed if p.startswith("archives/")]
        assert set(changed) <= set(before) - full  # only the newest, partial page
        rewritten_partial += len(changed)
        assert not [p for p in result.removed if p.startswith("archives/")]
        for name in FEEDS:
            for fmt in ("atom", "rss", "json"):
                collected = [entry for _, ids in walk(output, name, fmt) for entry in ids]
                assert sorted(collected) == sorted(url(n) for n in members(name, count))
    assert rewritten_partial  # a partial page did fill up on the way
