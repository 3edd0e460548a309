"""The HTML index and the page beside each feed: well formed, complete, linked to files
that exist, and with every piece of text from the records shown as text."""

from __future__ import annotations

import html
import json
import re
from dataclasses import replace
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit

import lxml.html
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from conftest import ROOT, BuiltSite, article, parse_feed, write_record
from feedlint import atom_entries
from feedpub import Config, build, load_config
from feedpub.pages import _attr, _text
from feedpub.render import SECTIONS

MEDIA_TYPES = {
    ".atom.xml": "application/atom+xml",
    ".rss.xml": "application/rss+xml",
    ".json": "application/feed+json",
}
LABELS = {".atom.xml": "Atom", ".rss.xml": "RSS", ".json": "JSON Feed"}
OPML_TYPE = "text/x-opml"
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}  # fmt: skip
# Every element a page may have: anything else came from a record's text.
ELEMENTS = {"html", "head", "meta", "title", "link", "body", "header", "main", "footer",
            "section", "h1", "h2", "h3", "p", "a", "article", "img", "time", "ul", "li",
            "label", "input", "div", "span", "strong"}  # fmt: skip
# What a record's Markdown body may add (CommonMark without raw HTML).
BODY_ELEMENTS = {"h1", "h2", "h3", "h4", "h5", "h6", "p", "a", "img", "em", "strong", "code",
                 "pre", "blockquote", "ul", "ol", "li", "hr", "br"}  # fmt: skip
ATTRIBUTES = {"lang", "charset", "http-equiv", "content", "name", "rel", "href", "type", "title",
              "class", "datetime", "src", "alt", "width", "height", "loading", "id", "for",
              "readonly", "value", "aria-label", "start"}  # fmt: skip
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")  # fmt: skip
CHARREF = re.compile(r"&(#\d+|#x[0-9A-Fa-f]+|[A-Za-z][A-Za-z0-9]*);")

HOSTILE = "<script>alert(1)</script> \"onmouseover=alert(2) x='y' ]]> &amp; end"
HOSTILE_TOPIC = "<script>alert(4)</script>"
HOSTILE_TOPIC_2 = 'Tag "onmouseover=alert(5) &amp; ]]>'
HOSTILE_PROVIDER = f"Provider {HOSTILE}"


class Site(BuiltSite):
    def page(self, feed: Any) -> Path:
        return self.output / f"{feed.name}.html"


def build_site(config: Config) -> Site:
    result = build(config)
    assert not result.errors
    return Site(config, result)


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Site:
    """The sample seeds with the repository's own feedpub.yaml."""
    config = load_config(ROOT / "feedpub.yaml")
    output = tmp_path_factory.mktemp("sample")
    return build_site(replace(config, source=ROOT / "seeds", output=output))


@pytest.fixture
def hostile(config: Config) -> Site:
    """Records whose every text field tries to break out of HTML."""
    write_record(
        config.source,
        "hostile.md",
        article(
            1,
            title=f"Title {HOSTILE}",
            excerpt=f"Excerpt {HOSTILE}",
            provider={"name": HOSTILE_PROVIDER, "domain": "hostile.example"},
            topics=[HOSTILE_TOPIC, HOSTILE_TOPIC_2],
            images=[{"url": "https://img.example/1.png?a=1&b=2", "width": 64, "height": 48}],
            related=[
                {
                    "title": f"Related {HOSTILE}",
                    "webUrl": "https://other.example/r?x=1&y=2",
                    "excerpt": f"Related excerpt {HOSTILE}",
                    "provider": {"name": f"Other {HOSTILE}", "domain": "other.example"},
                }
            ],
        ),
    )
    write_record(config.source, "plain.md", article(2, topics=["AI"]))
    return build_site(config)


def parse(path: Path) -> Any:
    return lxml.html.document_fromstring(path.read_bytes())


def html_files(site: Site) -> list[Path]:
    return sorted(site.output.rglob("*.html"))


def local_target(page: Path, site: Site, href: str) -> Path | None:
    """The file a relative link on `page` leads to, or None for an absolute URL."""
    if urlsplit(href).scheme:
        return None
    target = (page.parent / PurePosixPath(href)).resolve()
    assert target.is_relative_to(site.output.resolve()), f"{page}: {href} leaves the site"
    return target


def alternates(tree: Any) -> list[Any]:
    return tree.xpath("/html/head/link[@rel='alternate']")


def self_url_of(path: Path) -> str:
    """Where a feed file says it lives: its rel=self link, or JSON's feed_url."""
    if path.name.endswith(".json"):
        return str(json.loads(path.read_bytes())["feed_url"])
    root = etree.fromstring(path.read_bytes())
    (href,) = root.xpath("//*[local-name()='link'][@rel='self']/@href")
    return str(href)


# --- every page -------------------------------------------------------------------


class _Balance(HTMLParser):
    """Checks that tags nest and close as HTML5 wants, and nothing is left open."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.errors: list[str] = []
        self.doctype: str | None = None

    def handle_decl(self, decl: str) -> None:
        self.doctype = decl

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = [name for name, _ in attrs]
        if len(names) != len(set(names)):
            self.errors.append(f"<{tag}> repeats an attribute: {names}")
        if tag not in VOID:
            self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in VOID:
            self.errors.append(f"<{tag}/> is not a void element")

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            self.errors.append(f"</{tag}> closes a void element")
        elif not self.open or self.open[-1] != tag:
            self.errors.append(f"</{tag}> does not close the open <{self.open[-1:]}>")
        else:
            self.open.pop()


def assert_well_formed(path: Path) -> Any:
    data = path.read_bytes()
    text = data.decode("utf-8")  # strict: the page says it is UTF-8
    assert text.startswith("<!DOCTYPE html>\n"), path
    for match in re.finditer("&", text):
        assert CHARREF.match(text, match.start()), f"{path}: bare & at {match.start()}"
    checker = _Balance()
    checker.feed(text)
    checker.close()
    assert checker.errors == [], path
    assert checker.open == [], f"{path}: left open {checker.open}"
    tree = parse(path)
    assert tree.tag == "html"
    assert [child.tag for child in tree] == ["head", "body"]
    head = tree.find("head")
    assert head[0].tag == "meta" and head[0].get("charset") == "utf-8"
    assert len(head.findall("title")) == 1 and head.findtext("title").strip()
    assert tree.get("lang") == "en"
    return tree


def test_every_page_is_well_formed_html5(sample: Site) -> None:
    pages = html_files(sample)
    assert len(pages) == len(sample.result.feeds) + 1  # and the index
    for page in pages:
        tree = assert_well_formed(page)
        assert {el.tag for el in tree.iter(etree.Element)} <= ELEMENTS | BODY_ELEMENTS, page


def test_every_page_forbids_scripts_and_has_none(sample: Site) -> None:
    for page in html_files(sample):
        tree = parse(page)
        assert not tree.xpath("//script | //iframe | //object | //embed | //style"), page
        (csp,) = tree.xpath("/html/head/meta[@http-equiv='Content-Security-Policy']/@content")
        policy = {d.split()[0]: d.split()[1:] for d in csp.split(";") if d.strip()}
        assert policy["default-src"] == ["'none'"], csp
        assert "script-src" not in policy  # so default-src 'none' forbids every script
        assert "'unsafe-inline'" not in csp
        assert policy["style-src"] == ["'self'"]
        for element in tree.iter(etree.Element):
            assert not [name for name in element.attrib if name.lower().startswith("on")]
            assert "style" not in element.attrib


def test_every_link_on_every_page_leads_somewhere(sample: Site) -> None:
    """Relative links lead to files the build wrote; the rest are http(s) URLs."""
    for page in html_files(sample):
        tree = parse(page)
        for element, attribute in [(el, "href") for el in tree.xpath("//*[@href]")] + [
            (el, "src") for el in tree.xpath("//*[@src]")
        ]:
            value = element.get(attribute)
            target = local_target(page, sample, value)
            if target is None:
                assert urlsplit(value).scheme in ("http", "https"), f"{page}: {value}"
            else:
                assert target.is_file(), f"{page}: <{element.tag} {attribute}={value!r}>"


# --- the index --------------------------------------------------------------------


def readable(when: datetime) -> str:
    """A date as the pages write it: English month names, whatever the language."""
    return f"{when.day} {MONTHS[when.month - 1]} {when.year}, {when:%H:%M} UTC"


def index_items(site: Site) -> dict[str, Any]:
    """The index's feed items by the feed name their Atom link names."""
    tree = parse(site.output / "index.html")
    items = {}
    for item in tree.xpath("//main//li[@class='feed']"):
        (atom,) = item.xpath(".//a[@type='application/atom+xml']/@href")
        items[atom.removesuffix(".atom.xml")] = item
    return items


def test_index_lists_every_feed_with_its_description_size_date_and_formats(
    sample: Site,
) -> None:
    items = index_items(sample)
    assert sorted(items) == sorted(f.name for f in sample.result.feeds)
    for feed in sample.result.feeds:
        item = items[feed.name]
        (name,) = item.xpath("h3")
        title = feed.title.removeprefix(f"{sample.config.title}: ")
        assert name.text_content() == title
        (page,) = name.xpath("a/@href")
        assert page == f"{feed.name}.html"
        assert parse(sample.output / page).findtext(".//h1") == feed.title
        (description,) = item.xpath("p[@class='description']")
        assert description.text_content() == feed.description
        atom = parse_feed(sample.output / f"{feed.name}.atom.xml")
        items_json = json.loads((sample.output / f"{feed.name}.json").read_bytes())["items"]
        (count,) = item.xpath("p[@class='meta']/span[@class='entries']")
        n = len(atom.entries)
        assert count.text_content() == f"{n} {'entry' if n == 1 else 'entries'}"
        assert n == len(items_json) == feed.count > 0
        (when,) = item.xpath("p[@class='meta']/time")
        assert datetime.fromisoformat(when.get("datetime")) == feed.updated_at
        assert datetime.fromisoformat(atom.feed.updated) == feed.updated_at
        assert feed.updated_at is not None
        assert when.text_content() == readable(feed.updated_at)
        links = item.xpath("p[@class='formats']/a")
        assert [a.get("href") for a in links] == [f"{feed.name}{s}" for s in MEDIA_TYPES]
        for a in links:
            suffix = next(s for s in MEDIA_TYPES if a.get("href").endswith(s))
            assert a.get("type") == MEDIA_TYPES[suffix]
            assert a.text_content() == LABELS[suffix]
            assert (sample.output / a.get("href")).is_file()


def test_index_groups_feeds_everything_topics_providers(sample: Site) -> None:
    tree = parse(sample.output / "index.html")
    sections = tree.xpath("//main/section")
    kinds = [kind for kind, _ in SECTIONS if kind in {f.kind for f in sample.result.feeds}]
    assert kinds == ["all", "topic", "provider"]
    assert [s.findtext("h2") for s in sections] == [dict(SECTIONS)[kind] for kind in kinds]
    for section, kind in zip(sections, kinds, strict=True):
        atom_links = section.xpath(".//a[@type='application/atom+xml']/@href")
        names = [href.removesuffix(".atom.xml") for href in atom_links]
        assert names == [f.name for f in sample.result.feeds if f.kind == kind]
        n = len(names)
        assert section.xpath("p[@class='count']")[0].text == f"{n} feed{'s' * (n != 1)}"


def test_index_explains_the_formats_one_line_each(sample: Site) -> None:
    tree = parse(sample.output / "index.html")
    lines = tree.xpath("//header//ul[@class='formats-explained']/li")
    assert [li.xpath("strong")[0].text for li in lines] == [*LABELS.values(), "OPML"]
    for line in lines:
        assert len(line.text_content()) > 20 and "\n" not in line.text_content()


def test_index_autodiscovers_the_main_feeds_and_the_opml(sample: Site) -> None:
    tree = parse(sample.output / "index.html")
    links = alternates(tree)
    assert not tree.xpath("//body//link")
    found = [(x.get("type"), x.get("href")) for x in links]
    assert found == [(t, f"all{s}") for s, t in MEDIA_TYPES.items()] + [(OPML_TYPE, "feeds.opml")]
    hrefs = [href for _, href in found]
    assert len(set(hrefs)) == len(hrefs)
    for link in links:
        assert link.get("title")
        path = sample.output / link.get("href")
        assert path.is_file()
        if link.get("type") != OPML_TYPE:
            assert self_url_of(path) == sample.config.feed_url(link.get("href"))
    (opml,) = tree.xpath("//body//a[@href='feeds.opml']")
    assert opml.get("type") == OPML_TYPE
    assert sample.config.title == tree.findtext(".//h1") == tree.findtext(".//title")


def test_every_page_fits_a_phone(sample: Site) -> None:
    for page in html_files(sample):
        (viewport,) = parse(page).xpath("/html/head/meta[@name='viewport']/@content")
        assert "width=device-width" in viewport
    css = (sample.output / "style.css").read_text()
    assert "table" not in css  # the index lists feeds, it has no wide table
    assert "overflow-wrap: anywhere" in css


# --- the page beside each feed ----------------------------------------------------


def test_each_feed_page_autodiscovers_its_own_feeds(sample: Site) -> None:
    for feed in sample.result.feeds:
        page = sample.page(feed)
        links = alternates(parse(page))
        leaf = feed.name.rsplit("/", 1)[-1]
        assert [(x.get("type"), x.get("href")) for x in links] == [
            (t, f"{leaf}{s}") for s, t in MEDIA_TYPES.items()
        ]
        for link, label in zip(links, LABELS.values(), strict=True):
            assert link.get("title") == f"{feed.title} ({label})"
            path = local_target(page, sample, link.get("href"))
            assert path is not None and path.is_file()
            # It is this feed, not another: the file's self link is this feed's URL.
            suffix = link.get("href").removeprefix(leaf)
            assert self_url_of(path) == sample.config.feed_url(f"{feed.name}{suffix}")


def test_each_feed_page_shows_its_title_description_and_subscribe_block(sample: Site) -> None:
    for feed in sample.result.feeds:
        page = sample.page(feed)
        tree = parse(page)
        assert tree.findtext(".//title") == tree.findtext(".//h1") == feed.title
        assert tree.xpath("//header/p")[1].text_content() == feed.description
        (home,) = tree.xpath("//header/p[1]/a/@href")
        assert local_target(page, sample, home) == (sample.output / "index.html").resolve()
        (block,) = tree.xpath("//section[@class='subscribe']")
        lines = block.xpath("ul/li")
        leaf = feed.name.rsplit("/", 1)[-1]
        assert len(lines) == len(MEDIA_TYPES)
        for line, (suffix, media_type) in zip(lines, MEDIA_TYPES.items(), strict=True):
            (field,) = line.xpath("input")
            assert field.get("type") == "text" and field.get("readonly") is not None
            # The address to copy is the feed's own, as its file says.
            assert field.get("value") == sample.config.feed_url(f"{feed.name}{suffix}")
            assert field.get("value") == self_url_of(sample.output / f"{feed.name}{suffix}")
            (label,) = tree.xpath(f"//label[@for='{field.get('id')}']")
            assert label.text_content().startswith(f"{LABELS[suffix]}: ")
            (link,) = label.xpath("a")
            assert (link.get("href"), link.get("type")) == (f"{leaf}{suffix}", media_type)
        (opml,) = block.xpath("p/a[@type='text/x-opml']")
        assert (
            local_target(page, sample, opml.get("href")) == (sample.output / "feeds.opml").resolve()
        )
        assert "import" in opml.getparent().text_content()


def test_each_feed_page_shows_every_entry(sample: Site) -> None:
    """The page says what the feed says: compared with the Atom and JSON Feed files."""
    things = {"thumbnail": 0, "related": 0, "provider": 0, "body": 0, "read more": 0, "topics": 0}
    for feed in sample.result.feeds:
        page = sample.page(feed)
        tree = parse(page)
        articles = tree.xpath("//main/article")
        atom = atom_entries((sample.output / f"{feed.name}.atom.xml").read_bytes())
        items = json.loads((sample.output / f"{feed.name}.json").read_bytes())["items"]
        assert len(articles) == len(atom) == len(items) > 0
        for element, entry, item in zip(articles, atom, items, strict=True):
            (title,) = element.xpath("h2/a")
            assert (title.get("href"), title.text_content()) == (entry.link, entry.title)
            meta = element.xpath("p[@class='meta']")[0]
            (when,) = meta.xpath("time")
            assert datetime.fromisoformat(when.get("datetime")) == entry.published
            assert entry.published is not None
            assert when.text_content() == readable(entry.published)
            if entry.author is not None:
                assert meta.text_content().endswith(f" · {entry.author}")
                things["provider"] += 1
            things[show_body_or_excerpt(element, entry, item)] += 1
            check_thumbnail(element, entry, item)
            things["thumbnail"] += entry.thumbnail is not None
            topics = element.xpath("ul[@class='topics']/li")
            assert [li.text_content() for li in topics] == list(entry.categories)
            for li in topics:
                (href,) = li.xpath("a/@href")  # every topic has a page in the sample
                target = local_target(page, sample, href)
                assert target is not None and target.is_file(), (page, href)
                assert parse(target).findtext(".//h1").endswith(f": {li.text_content()}")
            things["topics"] += bool(topics)
            related = element.xpath("ul[@class='related']/li/a")
            assert [(a.get("href"), a.text_content()) for a in related] == list(entry.related)
            things["related"] += bool(related)
    assert all(things.values()), things  # the sample exercises every part of an entry


def show_body_or_excerpt(element: Any, entry: Any, item: dict[str, Any]) -> str:
    """Which of the two an entry shows: its rendered body, or its excerpt and a link."""
    bodies = element.xpath("div[@class='body']")
    more = element.xpath("p[@class='more']/a")
    texts = [p.text_content() for p in element.xpath("p[not(@class)]")]
    if bodies:
        (body,) = bodies
        assert more == [] and texts == []
        # The body is the feed's content, element for element.
        content = lxml.html.fragment_fromstring(entry.content, create_parent="div")
        assert [etree.tostring(e) for e in body] == [etree.tostring(e) for e in content]
        return "body"
    assert texts == ([entry.summary] if entry.summary else [])
    assert texts == ([item["summary"]] if "summary" in item else [])
    (link,) = more
    assert link.get("href") == entry.link
    assert link.text_content().startswith("Read more")
    return "read more"


def check_thumbnail(element: Any, entry: Any, item: dict[str, Any]) -> None:
    images = element.xpath("img")
    if entry.thumbnail is None:
        assert images == []
        return
    (image,) = images
    assert image.get("src") == entry.thumbnail["url"] == item["image"]
    # A picture that fails to load keeps its place and says what it was.
    assert image.get("alt") == f"Picture for “{entry.title}”"
    assert image.get("loading") == "lazy"
    for size in ("width", "height"):
        assert image.get(size) == entry.thumbnail.get(size)


def test_the_body_shows_and_an_entry_without_one_links_to_read_more(
    config: Config,
) -> None:
    write_record(config.source, "with.md", article(1), body="# Heading\n\nThe *whole* story.")
    write_record(config.source, "without.md", article(2, excerpt="Just the start."))
    site = build_site(replace(config, formats=("atom", "html")))
    first, second = parse(site.output / "all.html").xpath("//main/article")
    assert first.xpath("h2/a")[0].text == "Article 2"
    assert first.xpath("p[not(@class)]")[0].text_content() == "Just the start."
    (more,) = first.xpath("p[@class='more']/a")
    assert more.get("href") == "https://news.example/a/2"
    assert more.text_content() == "Read more on News Example"
    (body,) = second.xpath("div[@class='body']")
    assert [child.tag for child in body] == ["h1", "p"]
    assert body.text_content().strip().endswith("The whole story.")
    assert not second.xpath("p[@class='more'] | p[not(@class)]")


def test_topics_are_links_only_where_topic_pages_exist(config: Config) -> None:
    write_record(config.source, "a.md", article(1, topics=["Machine Learning", "AI"]))
    linked = build_site(config)
    topics = parse(linked.output / "all.html").xpath("//main/article/ul[@class='topics']/li")
    assert [(li.text_content(), li.xpath("a/@href")) for li in topics] == [
        ("Machine Learning", ["topics/machine-learning.html"]),
        ("AI", ["topics/ai.html"]),
    ]
    page = linked.output / "topics/ai.html"
    hrefs = parse(page).xpath("//main/article/ul[@class='topics']/li/a/@href")
    assert hrefs == ["../topics/machine-learning.html", "../topics/ai.html"]
    for grouping in ((), ("provider",)):
        unlinked = build_site(
            replace(config, group_by=grouping, output=config.output / f"unlinked-{len(grouping)}")
        )
        tree = parse(unlinked.output / "all.html")
        topics = tree.xpath("//main/article/ul[@class='topics']/li")
        assert [li.text_content() for li in topics] == ["Machine Learning", "AI"]
        assert not tree.xpath("//main/article/ul[@class='topics']//a")


def test_topic_links_follow_the_groupings_through_the_cache(config: Config) -> None:
    """A page is rendered again when its topic links change, though its records do not."""
    config = replace(config, cache_dir=config.output.parent / "cache")
    write_record(config.source, "a.md", article(1, topics=["AI"]))
    for grouping, links in [
        (("topic", "provider"), ["topics/ai.html"]),
        (("provider",), []),
        (("topic", "provider"), ["topics/ai.html"]),
    ]:
        site = build_site(replace(config, group_by=grouping))
        tree = parse(site.output / "all.html")
        assert tree.xpath("//ul[@class='topics']//a/@href") == links, grouping
        for href in links:
            assert (site.output / href).is_file()


def test_dates_read_as_english_words_even_in_another_language(config: Config) -> None:
    write_record(config.source, "a.md", article(1, publishedDateTime="2026-10-29T09:55:00Z"))
    english = build_site(config)
    (when,) = parse(english.output / "all.html").xpath("//main/article//time")
    assert when.text == "29 October 2026, 09:55 UTC"
    assert when.get("datetime") == "2026-10-29T09:55:00+00:00"
    assert when.get("lang") is None
    german = build_site(replace(config, language="de", output=config.output.parent / "de"))
    tree = parse(german.output / "all.html")
    assert tree.get("lang") == "de"
    for when in tree.xpath("//time"):
        # The words are English: say so, for screen readers and translators.
        assert when.get("lang") == "en"


# --- hostile text -----------------------------------------------------------------


def test_hostile_text_is_shown_as_text_everywhere(hostile: Site) -> None:
    for page in html_files(hostile):
        raw = page.read_bytes()
        assert b"<script" not in raw.lower(), page
        tree = assert_well_formed(page)
        assert {el.tag for el in tree.iter(etree.Element)} <= ELEMENTS, page
        for element in tree.iter(etree.Element):
            assert not [n for n in element.attrib if n.lower().startswith("on")], page
            assert not [n for n in element.attrib if n not in ATTRIBUTES], (page, element.attrib)


def test_hostile_titles_excerpts_and_names_read_back_exactly(hostile: Site) -> None:
    topic = next(f for f in hostile.result.feeds if f.title.endswith(HOSTILE_TOPIC))
    tree = parse(hostile.page(topic))
    assert tree.findtext(".//title") == tree.findtext(".//h1") == f"Test site: {HOSTILE_TOPIC}"
    assert [x.get("title") for x in alternates(tree)] == [
        f"Test site: {HOSTILE_TOPIC} ({label})" for label in LABELS.values()
    ]
    first, second = tree.xpath("//main/article")
    assert first.xpath("h2/a")[0].text_content() == f"Title {HOSTILE}"
    assert first.xpath("p[not(@class)]")[0].text_content() == f"Excerpt {HOSTILE}"
    assert first.xpath("p[@class='meta']")[0].text_content().endswith(f" · {HOSTILE_PROVIDER}")
    assert first.xpath("ul[@class='related']/li/a")[0].text_content() == f"Related {HOSTILE}"
    topics = first.xpath("ul[@class='topics']/li/a")
    assert [a.text_content() for a in topics] == [HOSTILE_TOPIC, HOSTILE_TOPIC_2]
    assert first.xpath("img/@src") == ["https://img.example/1.png?a=1&b=2"]
    assert first.xpath("img/@alt") == [f"Picture for “Title {HOSTILE}”"]
    assert second.xpath("h2/a/@href") == ["https://other.example/r?x=1&y=2"]
    assert second.xpath("p[not(@class)]")[0].text_content() == f"Related excerpt {HOSTILE}"

    index = parse(hostile.output / "index.html")
    names = [h3.text_content() for h3 in index.xpath("//main//li[@class='feed']/h3")]
    assert HOSTILE_TOPIC in names and HOSTILE_TOPIC_2 in names
    assert HOSTILE_PROVIDER in names and f"Other {HOSTILE}" in names


# --- fewer formats ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("formats", "opml_format"),
    [(("atom", "rss"), "atom"), (("atom", "html"), "atom"), (("json", "html"), "json")],
    ids=["atom+rss", "atom+html", "json+html"],
)
def test_pages_link_only_to_formats_that_were_built(
    formats: tuple[str, ...], opml_format: str, tmp_path: Path
) -> None:
    config = load_config(ROOT / "feedpub.yaml")
    site = build_site(
        replace(
            config,
            source=ROOT / "seeds",
            output=tmp_path,
            formats=formats,
            opml_format=opml_format,
        )
    )
    suffixes = {"atom": ".atom.xml", "rss": ".rss.xml", "json": ".json"}
    enabled = [suffixes[f] for f in formats if f in suffixes]
    pages = html_files(site)
    if "html" in formats:
        assert len(pages) == len(site.result.feeds) + 1
    else:
        assert [p.name for p in pages] == ["index.html"]
    json_feeds = [p for p in tmp_path.rglob("*.json") if not p.name.startswith(".")]
    assert bool(json_feeds) == ("json" in formats)
    for page in pages:
        tree = assert_well_formed(page)
        types = [x.get("type") for x in alternates(tree)]
        expected = [MEDIA_TYPES[s] for s in enabled]
        assert types == ([*expected, OPML_TYPE] if page.name == "index.html" else expected)
        for href in tree.xpath("//@href"):
            target = local_target(page, site, href)
            assert target is None or target.is_file(), f"{page}: {href} was not built"
    index = parse(tmp_path / "index.html")
    for item in index.xpath("//main//li[@class='feed']"):
        assert [a.text for a in item.xpath("p[@class='formats']/a")] == [LABELS[s] for s in enabled]
        assert bool(item.xpath("h3/a")) == ("html" in formats)


@settings(max_examples=300, deadline=None, database=None)
@given(st.lists(st.characters() | st.sampled_from(["&", "<", ">", '"', "'", "&amp;"])).map("".join))
def test_page_escapes_are_html_escape(text: str) -> None:
    """Pages escape as `html.escape` does, written out for speed."""
    assert _text(text) == html.escape(text, quote=False)
    assert _attr(text) == html.escape(text)
