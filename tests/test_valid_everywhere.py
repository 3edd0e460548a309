"""Every file of a build passes what readers trust: the W3C validator's rules, feedparser
and the RFC 4287 schema, on the sample seeds and on a corpus of 400 records."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import feedparser
import pytest
from lxml import etree

from conftest import (
    ROOT,
    BuiltSite,
    article,
    assert_valid_atom,
    feed_files,
    parse_feed,
    write_record,
)
from feedlint import (
    RULES,
    Violation,
    feedparser_reads_json,
    lint_atom,
    lint_folder,
    lint_json,
    lint_opml,
    lint_rss,
)
from feedpub import Config, build, load_config
from feedpub.config import CustomFeed

ATOM_NS = "http://www.w3.org/2005/Atom"
HUB = "https://hub.example.net/"
SUFFIXES = (".atom.xml", ".rss.xml", ".json")


class Site(BuiltSite):
    def feed_names(self) -> list[str]:
        """Every feed in the output folder, archive pages too, by its Atom file."""
        atom = feed_files(self.output, ".atom.xml")
        return [p.relative_to(self.output).as_posix().removesuffix(".atom.xml") for p in atom]


def sample_config(output: Path) -> Config:
    """The repository's own feedpub.yaml over seeds/, writing to `output`."""
    config = load_config(ROOT / "feedpub.yaml")
    return replace(config, source=ROOT / "seeds", output=output)


@pytest.fixture(scope="module", params=["seeds", "seeds+hub", "seeds+custom+archives", "corpus"])
def site(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Site:
    output = tmp_path_factory.mktemp(request.param.replace("+", "-"))
    if request.param == "corpus":
        corpus: Path = request.getfixturevalue("corpus")
        config = Config(base_url="https://feeds.example.org/", source=corpus, output=output)
    else:
        config = sample_config(output)
    if request.param == "seeds+hub":
        config = replace(config, hub=HUB)
    if request.param == "seeds+custom+archives":
        # Small pages, so that every feed has RFC 5005 archive pages to check as well.
        vision = CustomFeed("vision", "Vision & <robots>", topics=("computer vision", "robotics"))
        config = replace(config, feeds=(vision,), archives=True, archive_page_size=4, max_items=5)
    result = build(config)
    assert not result.errors
    site = Site(config, result)
    if request.param == "seeds+custom+archives":
        assert "custom" in {feed.kind for feed in result.feeds}
        assert any(name.startswith("archives/") for name in site.feed_names())
    return site


def _report(violations: list[Violation], limit: int = 30) -> str:
    lines = [str(v) for v in violations[:limit]]
    if len(violations) > limit:
        lines.append(f"... and {len(violations) - limit} more")
    return "\n".join(lines)


def test_every_feed_is_written_in_every_format(site: Site) -> None:
    """Each feed the build reports, and each archive page, has all three files."""
    names = site.feed_names()
    assert {feed.name for feed in site.result.feeds} <= set(names)
    for name in names:
        for suffix in SUFFIXES:
            assert (site.output / f"{name}{suffix}").is_file(), f"{name}{suffix}"


# --- the W3C validator's rules ------------------------------------------------------


def test_no_file_breaks_a_validator_rule(site: Site) -> None:
    violations, checked = lint_folder(site.output, site.config.base_url)
    assert checked == len(site.feed_names()) * len(SUFFIXES) + 1  # and the OPML list
    assert not violations, _report(violations)


# --- feedparser ---------------------------------------------------------------------


def test_feedparser_loads_every_entry_of_every_xml_feed(site: Site) -> None:
    """No bozo, every entry with id, link, title and date; as many entries as the file
    holds, and the same entries in the same order in Atom, RSS and JSON Feed."""
    for name in site.feed_names():
        items = json.loads((site.output / f"{name}.json").read_bytes())["items"]
        ids = [item["id"] for item in items]
        assert len(ids) == len(set(ids)) > 0, name
        for suffix, entry_path in (
            (".atom.xml", f"{{{ATOM_NS}}}entry"),
            (".rss.xml", "channel/item"),
        ):
            path = site.output / f"{name}{suffix}"
            parsed = parse_feed(path)  # asserts no bozo, unique ids, the entry keys
            in_file = etree.fromstring(path.read_bytes()).findall(entry_path)
            assert len(parsed.entries) == len(in_file) == len(ids), path
            assert [e.id for e in parsed.entries] == ids, path
            assert parsed.version == ("atom10" if suffix == ".atom.xml" else "rss20")


def test_feedparser_reads_every_json_feed(site: Site) -> None:
    if not feedparser_reads_json():
        pytest.skip(
            f"feedparser {feedparser.__version__} cannot read JSON Feed (support is only in "
            "its unreleased development line); JSON feeds are checked by jsonschema and feedlint"
        )
    for name in site.feed_names():
        parsed = feedparser.parse((site.output / f"{name}.json").read_bytes())
        assert not parsed.bozo, parsed.get("bozo_exception")
        atom = parse_feed(site.output / f"{name}.atom.xml")
        assert [e.id for e in parsed.entries] == [e.id for e in atom.entries]
        for entry in parsed.entries:
            assert entry.get("link") and entry.get("title") and entry.get("published_parsed")


# --- RFC 4287 -----------------------------------------------------------------------


def test_every_atom_file_matches_the_rfc_4287_schema(site: Site) -> None:
    atom_files = feed_files(site.output, ".atom.xml")
    assert len(atom_files) == len(site.feed_names())
    assert_valid_atom(atom_files)


# --- input the sample and the corpus do not have --------------------------------------


def test_urls_outside_rfc_3986_still_give_valid_feeds(config: Config) -> None:
    """Such a URL must be published percent-encoded, or the record refused as a problem."""
    urls = [
        "https://news.example/caf\u00e9",
        "https://news.example/a|b",
        "https://news.example/{x}",
        "https://news.example/q?a=<b>",
        'https://news.example/x"y',
        "https://news.example/100%",
    ]
    for n, url in enumerate(urls):
        related = [{"title": f"Related {n}", "webUrl": f"{url}/related", "excerpt": "More."}]
        write_record(
            config.source, f"{n}.md", article(n, webUrl=url, originalUrl=url, related=related)
        )
    build(replace(config, skip_invalid=True))
    violations, checked = lint_folder(config.output, config.base_url)
    assert checked > 0
    assert not violations, _report(violations)


# --- feedlint itself: it passes valid documents and catches each rule ------------------

SELF = "https://feeds.example.org/all"

VALID_RSS = f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"
     xmlns:content="http://purl.org/rss/1.0/modules/content/"
     xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel>
<title>T</title>
<link>https://example.org/</link>
<description>D</description>
<atom:link href="{SELF}.rss.xml" rel="self" type="application/rss+xml"/>
<language>en</language>
<lastBuildDate>Wed, 04 Nov 2026 16:10:00 +0000</lastBuildDate>
<item>
<title>One</title>
<link>https://news.example/1</link>
<description>&lt;p&gt;Text &lt;a href="https://news.example/2"&gt;two&lt;/a&gt;&lt;/p&gt;</description>
<content:encoded>&lt;p&gt;Body&lt;/p&gt;</content:encoded>
<guid isPermaLink="true">https://news.example/1</guid>
<pubDate>Wed, 04 Nov 2026 16:10:00 +0000</pubDate>
<enclosure url="https://news.example/1.mp3" length="0" type="audio/mpeg"/>
<atom:link rel="related" href="https://news.example/2" title="Two"/>
<dc:creator>News Example</dc:creator>
</item>
<item>
<title>Two</title>
<link>https://news.example/2</link>
<guid isPermaLink="false">tag:news.example,2026:2</guid>
<pubDate>Tue, 03 Nov 2026 10:00:00 GMT</pubDate>
</item>
</channel>
</rss>
"""

VALID_ATOM = f"""<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">
<id>{SELF}.atom.xml</id>
<title>T</title>
<updated>2026-11-04T16:10:00+00:00</updated>
<author><name>Desk</name><email>desk@example.org</email></author>
<link href="{SELF}.atom.xml" rel="self" type="application/atom+xml"/>
<link href="https://example.org/" rel="alternate" type="text/html"/>
<link href="https://hub.example.net/" rel="hub"/>
<entry>
<id>https://news.example/1</id>
<title>One</title>
<updated>2026-11-04T16:10:00Z</updated>
<published>2026-11-04T16:10:00Z</published>
<link href="https://news.example/1"/>
<link rel="related" href="https://news.example/2" title="Two"/>
<summary>Text</summary>
<content type="html">&lt;p&gt;Body&lt;/p&gt;</content>
</entry>
<entry>
<id>tag:news.example,2026:2</id>
<title>Two</title>
<updated>2026-11-03T10:00:00.5Z</updated>
<link href="https://news.example/2"/>
<summary>Second</summary>
</entry>
</feed>
"""

VALID_JSON = json.dumps(
    {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "T",
        "home_page_url": "https://example.org/",
        "feed_url": f"{SELF}.json",
        "authors": [{"name": "Desk"}],
        "items": [
            {
                "id": "https://news.example/1",
                "url": "https://news.example/1",
                "title": "One",
                "content_html": "<p>Body</p>",
                "date_published": "2026-11-04T16:10:00+00:00",
                "image": "https://img.example/1.png",
            },
            {"id": "https://news.example/2", "content_text": "Two"},
        ],
    },
    indent=1,
)

VALID_OPML = """<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0"><head><title>T</title>
<dateModified>Wed, 04 Nov 2026 16:10:00 GMT</dateModified></head>
<body><outline text="All"><outline type="rss" text="F" title="F"
 xmlUrl="https://feeds.example.org/all.atom.xml" htmlUrl="https://feeds.example.org/all.html"/>
</outline></body></opml>
"""

Lint = Callable[..., list[Violation]]
DOCUMENTS: dict[str, tuple[str, Lint, str]] = {
    "rss": (VALID_RSS, lint_rss, f"{SELF}.rss.xml"),
    "atom": (VALID_ATOM, lint_atom, f"{SELF}.atom.xml"),
    "json": (VALID_JSON, lint_json, f"{SELF}.json"),
}

RSS_ITEM_ONE = "<title>One</title>"
# (document, text to replace, replacement, the rule that must fire)
BROKEN = [
    ("rss", "<title>T</title>", "", "MissingTitle"),
    ("rss", "<description>D</description>", "", "MissingDescription"),
    ("rss", "<link>https://example.org/</link>", "", "MissingLink"),
    ("rss", 'rel="self" type="application/rss+xml"/>', 'rel="alternate"/>', "MissingAtomSelfLink"),
    ("rss", 'type="application/rss+xml"', 'type="application/atom+xml"', "SelfLinkType"),
    ("rss", f'href="{SELF}.rss.xml"', 'href="https://elsewhere.example/f.xml"',
     "SelfDoesntMatchLocation"),
    ("rss", "<language>", f'<atom:link href="{SELF}.rss.xml" rel="self" '
     'type="application/rss+xml"/><language>', "DuplicateSelf"),
    ("rss", 'isPermaLink="false">tag:', 'isPermaLink="true">tag:', "InvalidPermalink"),
    ("rss", '<guid isPermaLink="false">tag:', "<guid>tag:", "InvalidPermalink"),
    ("rss", 'isPermaLink="true"', 'isPermaLink="yes"', "InvalidBooleanAttribute"),
    ("rss", "Wed, 04 Nov 2026 16:10:00 +0000</pubDate>", "Wed, 04 Nov 26 16:10:00 +0000</pubDate>",
     "InvalidRFC2822Date"),
    ("rss", "Tue, 03 Nov 2026 10:00:00 GMT", "2026-11-03T10:00:00Z", "InvalidRFC2822Date"),
    ("rss", "Wed, 04 Nov 2026 16:10:00 +0000</lastBuildDate>",
     "Thu, 04 Nov 2026 16:10:00 +0000</lastBuildDate>", "IncorrectDOW"),
    ("rss", "<dc:creator>News Example</dc:creator>", "<author>News Example</author>",
     "InvalidContact"),
    ("rss", "<language>", "<managingEditor>The desk</managingEditor><language>", "InvalidContact"),
    ("rss", "<dc:creator>", '<enclosure url="https://news.example/1.ogg" length="0" '
     'type="audio/ogg"/><dc:creator>', "DuplicateEnclosure"),
    ("rss", 'length="0"', 'length="unknown"', "InvalidIntegerAttribute"),
    ("rss", ' length="0"', "", "MissingAttribute"),
    ("rss", "<content:encoded>&lt;p&gt;Body&lt;/p&gt;</content:encoded>", "", None),
    ("rss", "<guid isPermaLink=\"true\">", "<content:encoded>x</content:encoded>"
     "<guid isPermaLink=\"true\">", "DuplicateElement"),
    ("rss", "<title>Two</title>", "<title>Two</title><content:encoded>x</content:encoded>"
     "<description>d</description>", "NeedDescriptionBeforeContent"),
    ("rss", "tag:news.example,2026:2", "https://news.example/1", "DuplicateValue"),
    ("rss", '<guid isPermaLink="false">tag:news.example,2026:2</guid>', "", "MissingGuid"),
    ("rss", "<link>https://news.example/2</link>", "<link>/2</link>", "InvalidFullLink"),
    ("rss", "<link>https://news.example/2</link>", "<link>https://news.example/a b</link>",
     "InvalidFullLink"),
    ("rss", "<link>https://news.example/2</link>", "<link>https://news.example/\u00e9</link>",
     "InvalidFullLink"),
    ("rss", 'href="https://news.example/2"&gt;', 'href="javascript:alert(1)"&gt;',
     "InvalidURLAttribute"),
    ("rss", 'href="https://news.example/2"&gt;', 'href="/2"&gt;', "ContainsRelRef"),
    ("rss", "&lt;p&gt;Body", "&lt;script&gt;alert(1)&lt;/script&gt;&lt;p&gt;Body", "SecurityRisk"),
    ("rss", "&lt;p&gt;Body", '&lt;p onclick="alert(1)"&gt;Body', "SecurityRisk"),
    ("rss", RSS_ITEM_ONE, f"{RSS_ITEM_ONE}<foo>x</foo>", "UndefinedElement"),
    ("rss", RSS_ITEM_ONE, f"{RSS_ITEM_ONE}<title>Again</title>", "DuplicateElement"),
    ("rss", "<title>Two</title>", "", "ItemMustContainTitleOrDescription"),
    ("rss", "<title>Two</title>", "<title>Two</title><content:encoded>x</content:encoded>",
     "NeedDescriptionBeforeContent"),
    ("rss", '<guid isPermaLink="false">tag:news.example,2026:2</guid>',
     '<guid isPermaLink="false"> </guid>', "NotBlank"),
    ("rss", 'type="audio/mpeg"', 'type="audio"', "InvalidMIMEAttribute"),
    ("rss", "&lt;p&gt;Body", "&lt;p style=&quot;color: red&quot;&gt;Body", "DangerousStyleAttr"),
    ("rss", 'rel="related"', 'rel="see-also"', "UnregisteredAtomLinkRel"),
    ("rss", 'url="https://news.example/1.mp3"', 'url="ftp://news.example/1.mp3"',
     "InvalidURLAttribute"),
    ("rss", "<language>en</language>", "<language>English!</language>", "InvalidLanguage"),
    ("atom", "<title>T</title>", "", "MissingElement"),
    ("atom", "<title>T</title>", "<title>T</title><title>U</title>", "DuplicateElement"),
    ("atom", "<id>tag:news.example,2026:2</id>", "", "MissingElement"),
    ("atom", "<id>tag:news.example,2026:2</id>", "<id>not an id</id>", "InvalidIRI"),
    ("atom", "<author><name>Desk</name><email>desk@example.org</email></author>", "",
     "MissingElement"),
    ("atom", "<email>desk@example.org</email>", "<email>the desk</email>", "InvalidContact"),
    ("atom", f'<link href="{SELF}.atom.xml" rel="self" type="application/atom+xml"/>', "",
     "MissingSelf"),
    ("atom", 'type="application/atom+xml"', 'type="application/rss+xml"', "SelfLinkType"),
    ("atom", '<link href="https://hub.example.net/" rel="hub"/>',
     '<link href="https://example.org/other" rel="alternate" type="text/html"/>',
     "DuplicateAtomLink"),
    ("atom", '<link href="https://news.example/2"/>',
     '<link href="https://news.example/2"/><link rel="alternate" href="https://news.example/3"/>',
     "DuplicateAtomLink"),
    ("atom", '<link href="https://news.example/2"/>', "", "MissingContentOrAlternate"),
    ("atom", "<summary>Second</summary>", "", "MissingTextualContent"),
    ("atom", "<updated>2026-11-03T10:00:00.5Z</updated>",
     "<updated>2026-11-03 10:00:00Z</updated>", "InvalidRFC3339Date"),
    ("atom", "<published>2026-11-04T16:10:00Z</published>",
     "<published>2026-11-04T16:10:00</published>", "InvalidRFC3339Date"),
    ("atom", "<updated>2026-11-03T10:00:00.5Z</updated>",
     "<updated>2026-02-30T10:00:00Z</updated>", "InvalidRFC3339Date"),
    ("atom", "tag:news.example,2026:2", "https://news.example/1", "DuplicateEntries"),
    ("atom", "</feed>", "<subtitle>Late</subtitle></feed>", "MisplacedMetadata"),
    ("atom", '<content type="html">', '<content type="CDATA">', "InvalidContentMode"),
    ("atom", '<link href="https://news.example/1"/>', '<link href="javascript:alert(1)"/>',
     "InvalidURLAttribute"),
    ("atom", '<link href="https://news.example/1"/>', '<link href="/1"/>', "InvalidURLAttribute"),
    ("atom", "&lt;p&gt;Body", "&lt;iframe src=&quot;https://x.example/&quot;&gt;&lt;/iframe&gt;",
     "SecurityRisk"),
    ("atom", 'xml:lang="en"', 'xml:lang="en_GB!"', "InvalidLanguage"),
    ("atom", '<link href="https://hub.example.net/" rel="hub"/>', '<link rel="hub"/>',
     "MissingHref"),
    ("atom", '<link href="https://hub.example.net/" rel="hub"/>',
     '<link href="https://hub.example.net/" rel="hub">hub</link>', "AtomLinkNotEmpty"),
    ("atom", 'type="text/html"', 'type="html"', "InvalidMIMEType"),
    ("atom", "<email>desk@example.org</email>", "<email>desk@example.org</email><uri>desk</uri>",
     "InvalidURI"),
    ("json", '"https://jsonfeed.org/version/1.1"', '"https://jsonfeed.org/version/1"',
     "InvalidVersion"),
    ("json", f'"feed_url": "{SELF}.json",', "", "MissingElement"),
    ("json", f'"feed_url": "{SELF}.json"', '"feed_url": "https://elsewhere.example/f.json"',
     "SelfDoesntMatchLocation"),
    ("json", '"content_text": "Two"', '"title": "Two"', "MissingElement"),
    ("json", '"2026-11-04T16:10:00+00:00"', '"2026-11-04"', "InvalidRFC3339Date"),
    ("json", '"https://img.example/1.png"', '"javascript:alert(1)"', "InvalidURLAttribute"),
    ("json", '"https://news.example/2"', '"https://news.example/1"', "DuplicateEntries"),
    ("json", '"authors": [', '"author": {"name": "Desk"}, "authors": [', "DeprecatedAuthor"),
    ("json", "<p>Body</p>", "<p>Body</p><script>alert(1)</script>", "SecurityRisk"),
    ("json", '"title": "T",', '"title": "",', "MissingElement"),
]  # fmt: skip


def test_feedlint_passes_valid_documents() -> None:
    for text, lint, self_url in DOCUMENTS.values():
        assert lint(text.encode("utf-8"), self_url=self_url) == []
    assert lint_opml(VALID_OPML.encode("utf-8")) == []


@pytest.mark.parametrize(
    ("kind", "old", "new", "rule"), BROKEN, ids=[f"{c[0]}-{c[3]}-{i}" for i, c in enumerate(BROKEN)]
)
def test_feedlint_catches_each_rule(kind: str, old: str, new: str, rule: str | None) -> None:
    """Each broken document breaks exactly the rule named (None: the change is allowed)."""
    text, lint, self_url = DOCUMENTS[kind]
    assert old in text, "the case no longer matches its document"
    found = lint(text.replace(old, new, 1).encode("utf-8"), self_url=self_url)
    assert {v.rule for v in found} == ({rule} if rule else set()), _report(found)


OPML_BROKEN = [
    ('version="2.0"', 'version="1.0"', "InvalidOPMLVersion"),
    ("Wed, 04 Nov 2026 16:10:00 GMT", "2026-11-04", "InvalidRFC2822Date"),
    ('text="F"', 'text=""', "MissingOutlineText"),
    ('xmlUrl="https://feeds', 'xmlUrl="ftp://feeds', "InvalidURLAttribute"),
    ('type="rss" ', "", "MissingOutlineType"),
    ('xmlUrl="https://feeds.example.org/all.atom.xml" ', "", "MissingXmlURL"),
    ("</title>", "</title><docs>http://opml.org/spec2.opml</docs>", "UndefinedElement"),
    ("</title>", "</title><ownerId>https://example.org/</ownerId>", "UndefinedElement"),
]

# Documents too broken to write as a change of a valid one.
NOT_FEEDS: list[tuple[Lint, bytes, str]] = [
    (lint_json, b"[1,", "NotJson"),
    (lint_json, b"[]", "NotJson"),
    (lint_rss, b'<rss version="2.0"/>', "MissingChannel"),
    (lint_rss, b'<rss version="0.91"><channel/></rss>', "UndefinedElement"),
    (lint_atom, b"<feed/>", "UndefinedElement"),
]


@pytest.mark.parametrize(("old", "new", "rule"), OPML_BROKEN)
def test_feedlint_catches_each_opml_rule(old: str, new: str, rule: str) -> None:
    assert old in VALID_OPML
    found = lint_opml(VALID_OPML.replace(old, new, 1).encode("utf-8"))
    assert {v.rule for v in found} == {rule}, _report(found)


@pytest.mark.parametrize(("lint", "data", "rule"), NOT_FEEDS)
def test_feedlint_catches_documents_that_are_not_feeds(lint: Lint, data: bytes, rule: str) -> None:
    assert {v.rule for v in lint(data)} == {rule}


def test_every_rule_has_a_failing_example() -> None:
    """A rule nothing can break could be checking nothing."""
    broken = [c[3] for c in BROKEN] + [c[2] for c in OPML_BROKEN] + [c[2] for c in NOT_FEEDS]
    assert set(RULES) == set(broken) - {None}
