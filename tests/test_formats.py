"""JSON Feed 1.1, the OPML 2.0 subscription list and WebSub hub links, checked by real
consumers: the JSON Feed schema (jsonschema), listparser and feedparser."""

from __future__ import annotations

import email.utils
import json
import os
import re
import shlex
import shutil
import subprocess
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

import feedparser
import listparser
import pytest
import yaml
from jsonschema import Draft7Validator
from lxml import etree

from conftest import (
    JSONFEED_SCHEMA,
    ROOT,
    BuiltSite,
    article,
    assert_valid_atom,
    feed_files,
    parse_feed,
    write_record,
)
from feedlint import RFC_3339, atom_entries, feedparser_reads_json, lint_opml
from feedpub import Config, ConfigError, build, load_config
from feedpub.config import CustomFeed
from feedpub.formats import CSS, FEED_FORMATS, FORMATS, HTML, OPML
from feedpub.pages import PAGE
from feedpub.render import FEED_FORMATS as RENDERERS
from feedpub.render import render_opml
from feedpub.serve import media_type
from feedpub.types import FeedSummary

ATOM_NS = "http://www.w3.org/2005/Atom"
A = f"{{{ATOM_NS}}}"
HUB = "https://hub.example.net/websub"
SUFFIXES = {"atom": ".atom.xml", "rss": ".rss.xml", "json": ".json"}
# RFC 822 as OPML 2.0 asks for it (four-digit year, a zone), the way email.utils writes it.
RFC_822 = re.compile(
    r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
    r"\d{4} \d{2}:\d{2}:\d{2} (GMT|[+-]\d{4})$"
)


class Site(BuiltSite):
    def json(self, feed_name: str) -> dict[str, Any]:
        data: dict[str, Any] = json.loads((self.output / f"{feed_name}.json").read_bytes())
        return data

    def path_of(self, url: str) -> Path:
        """The file in the output folder that a public URL names."""
        assert url.startswith(self.config.base_url), url
        return self.output / url.removeprefix(self.config.base_url)


def build_from_yaml(folder: Path, extra: str = "") -> Site:
    """The repository's feedpub.yaml plus `extra` lines, over seeds/, built into `folder`."""
    text = (ROOT / "feedpub.yaml").read_text(encoding="utf-8")
    config_file = folder / "feedpub.yaml"
    config_file.write_text(
        f"{text}\nsource: {ROOT / 'seeds'}\noutput: out\n{extra}", encoding="utf-8"
    )
    config = load_config(config_file)
    result = build(config)
    assert not result.errors
    return Site(config, result)


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Site:
    return build_from_yaml(tmp_path_factory.mktemp("sample"))


@pytest.fixture(scope="module")
def hub_site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    site = build_from_yaml(tmp_path_factory.mktemp("hub"), f"hub: {HUB}\n")
    assert site.config.hub == HUB
    return site


def jsonfeed_validator() -> Draft7Validator:
    """A validator for the JSON Feed 1.1 schema in ../shared, or skip saying why."""
    if not JSONFEED_SCHEMA.is_file():
        pytest.skip(f"JSON Feed schema not found at {JSONFEED_SCHEMA} (../shared is absent here)")
    schema = json.loads(JSONFEED_SCHEMA.read_text(encoding="utf-8"))
    Draft7Validator.check_schema(schema)
    return Draft7Validator(schema, format_checker=Draft7Validator.FORMAT_CHECKER)


def schema_errors(validator: Draft7Validator, document: Any) -> list[str]:
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in validator.iter_errors(document)
    ]


# --- JSON Feed ----------------------------------------------------------------------


@pytest.mark.parametrize("which", ["sample", "hub_site"])
def test_every_json_feed_matches_the_json_feed_schema(
    which: str, request: pytest.FixtureRequest
) -> None:
    validator = jsonfeed_validator()
    site: Site = request.getfixturevalue(which)
    for feed in site.result.feeds:
        assert schema_errors(validator, site.json(feed.name)) == [], feed.name


def test_the_schema_rejects_what_json_feed_forbids(sample: Site) -> None:
    """The schema check is live: it fails a feed without items, an item without an id."""
    validator = jsonfeed_validator()
    document = sample.json("all")
    assert schema_errors(validator, {k: v for k, v in document.items() if k != "items"})
    broken = json.loads(json.dumps(document))
    del broken["items"][0]["id"]
    assert schema_errors(validator, broken)
    broken["items"][0]["id"] = "x"
    broken["items"][0]["unknown_member"] = 1  # only _extensions may be added
    assert schema_errors(validator, broken)


def test_json_feed_describes_its_feed(sample: Site) -> None:
    config = sample.config
    for feed in sample.result.feeds:
        document = sample.json(feed.name)
        assert document["version"] == "https://jsonfeed.org/version/1.1"
        assert document["title"] == feed.title
        assert document["description"] == feed.description
        assert document["home_page_url"] == config.home_url == "https://example.org/"
        assert document["feed_url"] == f"{config.base_url}{feed.name}.json"
        assert sample.path_of(document["feed_url"]).is_file()
        assert document["authors"] == [{"name": config.author.name, "url": config.author.uri}]
        assert "author" not in document  # deprecated in 1.1
        assert document["language"] == "en"
        assert "hubs" not in document


def test_json_items_say_what_the_atom_entries_say(sample: Site) -> None:
    """Every field of every item, compared with the same entry in the Atom feed."""
    seen: set[str] = set()
    for feed in sample.result.feeds:
        items = sample.json(feed.name)["items"]
        atom = atom_entries((sample.output / f"{feed.name}.atom.xml").read_bytes())
        assert [item["id"] for item in items] == [e.id for e in atom]
        for item, entry in zip(items, atom, strict=True):
            assert item["url"] == entry.link
            assert item["title"] == entry.title
            assert item.get("summary") == entry.summary
            if entry.content is not None:
                assert item["content_html"] == entry.content
            assert item.get("content_html") or item.get("content_text")
            for key, when in (
                ("date_published", entry.published),
                ("date_modified", entry.updated),
            ):
                assert RFC_3339.match(item[key]), item[key]
                assert datetime.fromisoformat(item[key]) == when
            assert item.get("image") == (entry.thumbnail["url"] if entry.thumbnail else None)
            assert item.get("tags") == (list(entry.categories) or None)
            assert item.get("external_url") == entry.via
            if entry.author is not None:
                assert item["_feedpub"]["provider"]["name"] == entry.author
                domain = item["_feedpub"]["provider"]["domain"]
                assert item["authors"] == [{"name": entry.author, "url": f"https://{domain}/"}]
            related = [{"url": href, "title": title} for href, title in entry.related]
            assert item.get("_feedpub", {}).get("related", []) == related
            seen.update(key for key, value in item.items() if value)
    # The sample has every kind of entry, so every field turns up somewhere.
    assert {"summary", "content_html", "image", "tags", "external_url", "_feedpub"} <= seen


def test_external_url_is_the_records_original_url(sample: Site) -> None:
    items = {item["id"]: item for item in sample.json("all")["items"]}
    differs = same = 0
    for path in sorted((ROOT / "seeds").rglob("*.md")):
        front = yaml.safe_load(path.read_text(encoding="utf-8").split("---")[1])
        if front.get("published") is False:
            assert front["webUrl"] not in items, f"the draft {path.name} was published"
            continue
        item = items[front["webUrl"]]
        if front.get("originalUrl", front["webUrl"]) != front["webUrl"]:
            assert item["external_url"] == front["originalUrl"], path.name
            differs += 1
        else:
            assert "external_url" not in item, path.name
            same += 1
    assert differs and same


def test_related_items_link_entries_both_ways(sample: Site) -> None:
    items = {item["id"]: item for item in sample.json("all")["items"]}
    pairs = 0
    for item_id, item in items.items():
        for link in item.get("_feedpub", {}).get("related", []):
            assert link["url"] in items, f"{item_id} relates to {link['url']}, not in the feed"
            assert link["title"] == items[link["url"]]["title"]
            back = [r["url"] for r in items[link["url"]]["_feedpub"]["related"]]
            assert item_id in back
            pairs += 1
    assert pairs >= 10


def test_feedparser_reads_the_json_feeds(sample: Site) -> None:
    if not feedparser_reads_json():
        pytest.skip(
            f"feedparser {feedparser.__version__} cannot read JSON Feed (support is only in "
            "its unreleased development line); the schema and feedlint check JSON instead"
        )
    for feed in sample.result.feeds:
        parsed = feedparser.parse((sample.output / f"{feed.name}.json").read_bytes())
        assert not parsed.bozo, parsed.get("bozo_exception")
        assert parsed.version.startswith("json")
        atom = atom_entries((sample.output / f"{feed.name}.atom.xml").read_bytes())
        assert [e.id for e in parsed.entries] == [e.id for e in atom]


# --- OPML ---------------------------------------------------------------------------

# The folder each kind of feed is filed under, after the site's title; "all" has none.
FOLDERS = {"topic": "Topics", "provider": "Providers", "custom": "Custom"}


def folder_of(kind: str, title: str) -> list[str]:
    """The folder (as tags) a reader files a feed of `kind` under: none for "all"."""
    return [f"{title}: {FOLDERS[kind]}"] if kind in FOLDERS else []


def opml(site: Site) -> Any:
    return etree.fromstring((site.output / "feeds.opml").read_bytes())


def test_listparser_reads_one_subscription_per_feed(sample: Site) -> None:
    parsed = listparser.parse((sample.output / "feeds.opml").read_bytes())
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "opml2"
    assert parsed.meta["title"] == "feedpub sample: every feed"
    assert parsed.meta["author"] == {"name": "The feedpub sample desk", "email": "desk@example.org"}
    expected = [
        (f"{sample.config.base_url}{feed.name}.atom.xml", feed.title, feed.kind)
        for kind in ("all", "topic", "provider")
        for feed in sample.result.feeds
        if feed.kind == kind
    ]
    assert [(f["url"], f["title"]) for f in parsed.feeds] == [e[:2] for e in expected]
    for subscription, (_, _, kind) in zip(parsed.feeds, expected, strict=True):
        folder = folder_of(kind, "feedpub sample")
        assert subscription["tags"] == folder
        assert subscription["categories"] == ([folder] if folder else [])
    assert not parsed.lists  # only feeds, no links to other lists


def test_opml_outlines_are_grouped_and_complete(sample: Site) -> None:
    root = opml(sample)
    assert root.get("version") == "2.0"
    # The "all" feed sits in the body itself; each group is a folder named after the site.
    everything, *groups = root.findall("body/outline")
    assert everything.get("xmlUrl") == f"{sample.config.base_url}all.atom.xml"
    names = [f"feedpub sample: {FOLDERS[kind]}" for kind in ("topic", "provider")]
    assert [(g.get("text"), g.get("title")) for g in groups] == [(n, n) for n in names]
    assert [set(g.attrib) for g in groups] == [{"text", "title"}] * 2
    for group, kind in zip([None, *groups], ("all", "topic", "provider"), strict=True):
        feeds = [f for f in sample.result.feeds if f.kind == kind]
        outlines = [everything] if group is None else group.findall("outline")
        assert len(outlines) == len(feeds) > 0
        for outline, feed in zip(outlines, feeds, strict=True):
            assert outline.get("type") == "rss"
            assert outline.get("text") == outline.get("title") == feed.title
            assert outline.get("description") == feed.description
            assert outline.get("xmlUrl") == f"{sample.config.base_url}{feed.name}.atom.xml"
            assert outline.get("htmlUrl") == f"{sample.config.base_url}{feed.name}.html"
            assert sample.path_of(outline.get("xmlUrl")).is_file()
            assert sample.path_of(outline.get("htmlUrl")).is_file()
            assert not outline.findall("outline")


def test_opml_head_holds_only_what_the_w3c_validator_knows(sample: Site) -> None:
    head = opml(sample).find("head")
    assert [child.tag for child in head] == ["title", "dateModified", "ownerName", "ownerEmail"]
    assert lint_opml((sample.output / "feeds.opml").read_bytes()) == []


def test_opml_writes_no_empty_description(config: Config) -> None:
    feeds = [
        FeedSummary("all", "all", "Everything", "", 1, None),
        FeedSummary("custom/quiet", "custom", "Quiet", "", 1, None),
    ]
    root = etree.fromstring(render_opml(feeds, config))
    outlines = [o for o in root.iter("outline") if o.get("xmlUrl")]
    assert len(outlines) == 2
    for outline in outlines:
        assert "description" not in outline.attrib
        assert all(value.strip() for value in outline.attrib.values())
    assert [o.get("text") for o in root.find("body")] == ["Everything", "Test site: Custom"]


@pytest.fixture(scope="module")
def corpus_site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    """300 synthetic records (bench/corpus.py), with a custom feed, built under a title."""
    from corpus import write_corpus

    folder = tmp_path_factory.mktemp("opml-corpus")
    write_corpus(folder / "records", 300, seed=12)
    config = Config(
        base_url="https://feeds.example.org/",
        source=folder / "records",
        output=folder / "out",
        title="Corpus news",
        feeds=(CustomFeed("everything", "Everything"),),
    )
    result = build(config)
    assert not result.errors
    return Site(config, result)


def test_opml_of_a_corpus_lints_clean_and_imports_into_site_folders(corpus_site: Site) -> None:
    data = (corpus_site.output / "feeds.opml").read_bytes()
    assert lint_opml(data, path="feeds.opml") == []
    parsed = listparser.parse(data)
    assert not parsed.bozo, parsed.get("bozo_exception")
    feeds = {f"{corpus_site.config.base_url}{f.name}.atom.xml": f for f in corpus_site.result.feeds}
    assert {kind for kind in (f.kind for f in feeds.values())} == {
        "all", "topic", "provider", "custom"
    }  # fmt: skip
    assert sorted(s["url"] for s in parsed.feeds) == sorted(feeds)
    for subscription in parsed.feeds:
        feed = feeds[subscription["url"]]
        assert subscription["title"] == feed.title
        assert subscription["tags"] == folder_of(feed.kind, "Corpus news"), subscription


def test_newsboat_imports_the_opml_with_site_folders_as_tags(
    corpus_site: Site, tmp_path: Path
) -> None:
    newsboat = shutil.which("newsboat")
    if newsboat is None:
        pytest.skip("newsboat is not installed (Debian package 'newsboat'); .ci/run installs it")
    urls, config_file = tmp_path / "urls", tmp_path / "config"
    urls.touch()
    config_file.touch()
    done = subprocess.run(
        [newsboat, "-i", str(corpus_site.output / "feeds.opml"), "-u", str(urls),
         "-c", str(tmp_path / "cache.db"), "-C", str(config_file)],
        env={**os.environ, "HOME": str(tmp_path)}, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    imported = {}
    for line in urls.read_text(encoding="utf-8").splitlines():
        url, *tags = shlex.split(line)
        imported[url] = tags
    expected = {
        f"{corpus_site.config.base_url}{feed.name}.atom.xml": folder_of(feed.kind, "Corpus news")
        for feed in corpus_site.result.feeds
    }
    assert imported == expected


@pytest.mark.parametrize("fmt", ["atom", "rss", "json"])
def test_opml_points_at_the_configured_format(fmt: str, tmp_path: Path) -> None:
    site = build_from_yaml(tmp_path, f"opml_format: {fmt}\n")
    assert site.config.opml_format == fmt
    parsed = listparser.parse((site.output / "feeds.opml").read_bytes())
    assert not parsed.bozo
    assert len(parsed.feeds) == len(site.result.feeds)
    for subscription in parsed.feeds:
        assert subscription["url"].endswith(SUFFIXES[fmt])
        path = site.path_of(subscription["url"])
        assert path.is_file()
        if fmt == "json":
            assert json.loads(path.read_bytes())["feed_url"] == subscription["url"]
        else:
            parsed_feed = parse_feed(path)
            assert parsed_feed.version == {"atom": "atom10", "rss": "rss20"}[fmt]
            self_link = [x for x in parsed_feed.feed.links if x.rel == "self"]
            assert [x.href for x in self_link] == [subscription["url"]]
    assert {s["url"] for s in parsed.feeds} == {
        f"{site.config.base_url}{f.name}{SUFFIXES[fmt]}" for f in site.result.feeds
    }


def test_opml_without_feed_pages_links_the_site(tmp_path: Path) -> None:
    site = build_from_yaml(tmp_path, "formats: [atom, rss]\n")
    for outline in opml(site).iter("outline"):
        if outline.get("type") == "rss":
            assert outline.get("htmlUrl") == site.config.home_url
            assert site.path_of(outline.get("xmlUrl")).is_file()


def test_opml_date_is_rfc_822_and_the_newest_entrys(sample: Site) -> None:
    modified = opml(sample).findtext("head/dateModified")
    assert RFC_822.match(modified), modified
    newest = max(feed.updated_at for feed in sample.result.feeds if feed.updated_at)
    assert email.utils.parsedate_to_datetime(modified) == newest
    assert modified == "Wed, 04 Nov 2026 16:10:00 GMT"


def test_opml_date_never_comes_from_the_clock(config: Config) -> None:
    write_record(config.source, "old.md", article(1, publishedDateTime="2001-02-03T04:05:06Z"))
    write_record(config.source, "older.md", article(2, publishedDateTime="1999-12-31T23:59:59Z"))
    build(config)
    first = (config.output / "feeds.opml").read_bytes()
    assert b"<dateModified>Sat, 03 Feb 2001 04:05:06 GMT</dateModified>" in first
    build(replace(config, output=config.output.with_name("again")))
    assert (config.output.with_name("again") / "feeds.opml").read_bytes() == first


# --- WebSub -------------------------------------------------------------------------


def test_atom_feeds_name_the_hub_and_themselves_once(hub_site: Site) -> None:
    for feed in hub_site.result.feeds:
        path = hub_site.output / f"{feed.name}.atom.xml"
        root = etree.fromstring(path.read_bytes())
        links = root.findall(f"{A}link")
        assert [x.get("href") for x in links if x.get("rel") == "hub"] == [HUB]
        assert [x.get("href") for x in links if x.get("rel") == "self"] == [
            f"{hub_site.config.base_url}{feed.name}.atom.xml"
        ]
        assert not root.findall(f"{A}entry/{A}link[@rel='hub']")
        parsed = parse_feed(path)
        assert {"rel": "hub", "href": HUB} in [
            {"rel": x.rel, "href": x.href} for x in parsed.feed.links
        ]
    assert_valid_atom(feed_files(hub_site.output, ".atom.xml"))


def test_rss_channels_name_the_hub_with_atom_link_and_themselves_once(hub_site: Site) -> None:
    for feed in hub_site.result.feeds:
        path = hub_site.output / f"{feed.name}.rss.xml"
        channel = etree.fromstring(path.read_bytes()).find("channel")
        links = channel.findall(f"{A}link")  # atom:link, in the Atom namespace
        assert [x.get("href") for x in links if x.get("rel") == "hub"] == [HUB]
        assert [x.get("href") for x in links if x.get("rel") == "self"] == [
            f"{hub_site.config.base_url}{feed.name}.rss.xml"
        ]
        assert channel.find("link").text == hub_site.config.home_url  # still the site
        assert not channel.findall("link[@rel]")  # no un-namespaced hub link
        parsed = parse_feed(path)
        assert HUB in [x.href for x in parsed.feed.links if x.rel == "hub"]


def test_json_feeds_list_the_hub(hub_site: Site) -> None:
    for feed in hub_site.result.feeds:
        assert hub_site.json(feed.name)["hubs"] == [{"type": "WebSub", "url": HUB}]


def test_no_hub_links_without_a_hub(sample: Site) -> None:
    for path in feed_files(sample.output, ""):
        if path.suffix in (".xml", ".json"):
            assert b'"hub"' not in path.read_bytes(), path
            assert b'"hubs"' not in path.read_bytes(), path


# --- The format table: each fact about a format kept once -----------------------------

PACKAGE = ROOT / "feedpub"


def _package_sources_holding(text: str) -> list[str]:
    return sorted(
        path.name for path in PACKAGE.glob("*.py") if text in path.read_text(encoding="utf-8")
    )


@pytest.mark.parametrize(
    "fact",
    [
        *(f'"{f.media_type}"' for f in (*FORMATS.values(), OPML, CSS)),
        *(f'"{f.suffix}"' for f in FORMATS.values()),
    ],
)
def test_each_format_fact_is_written_once_in_the_package(fact: str) -> None:
    assert _package_sources_holding(fact) == ["formats.py"]


def test_no_module_lists_the_format_names_itself() -> None:
    assert _package_sources_holding('"atom", "rss", "json"') == []


def test_the_configuration_takes_exactly_the_formats_of_the_table(tmp_path: Path) -> None:
    empty = tmp_path / "feedpub.yaml"
    empty.write_text("title: t\n", encoding="utf-8")
    site = {"base_url": "https://example.org/"}
    for name in FORMATS:
        config = load_config(empty, **site, formats=[name, "atom"])
        assert set(config.formats) == {name, "atom"}
    assert load_config(empty, **site).formats == tuple(FORMATS)
    known = r"unknown format 'opml' \(known: atom, rss, json, html\)"
    with pytest.raises(ConfigError, match=known):
        load_config(empty, **site, formats=["opml"])
    with pytest.raises(ConfigError, match=r"must include a feed format \(atom, rss or json\)"):
        load_config(empty, **site, formats=["html"])


def test_rendering_and_the_preview_server_use_the_tables_names_and_media_types() -> None:
    assert {name: (f.suffix, f.media_type) for name, f in RENDERERS.items()} == {
        name: (f.suffix, f.media_type) for name, f in FEED_FORMATS.items()
    }
    assert (PAGE.suffix, PAGE.media_type) == (HTML.suffix, HTML.media_type)
    for fmt in (*FORMATS.values(), OPML, CSS):
        assert media_type(fmt.path("topics/ai")) == fmt.media_type
