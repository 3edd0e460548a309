"""Rendering: Atom and RSS checked by real consumers (feedparser, the RFC 4287 schema)."""

from __future__ import annotations

import dataclasses
import email.utils
import os
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import lxml.html
import pytest
from lxml import etree

from conftest import assert_valid_atom, parse_feed
from feedpub.config import Config
from feedpub.render import ATOM, RSS, render_atom, render_rss, rss_description
from feedpub.types import Entry, Feed, Image, Link, Provider

ATOM_NS = "http://www.w3.org/2005/Atom"
MEDIA_NS = "http://search.yahoo.com/mrss/"
DC_NS = "http://purl.org/dc/elements/1.1/"
NS = {"a": ATOM_NS, "media": MEDIA_NS, "dc": DC_NS}
SITE = "https://site.example/"
RFC_822 = re.compile(
    r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} \+0000$"
)
MARKUP = "Fish & chips <b>bold</b> ]]> end"

Render = Callable[[Feed, Config], bytes]


def when(month: int, day: int, hour: int = 10) -> datetime:
    return datetime(2001, month, day, hour, tzinfo=UTC)


def make_entry(n: int, published: datetime, **changes: Any) -> Entry:
    fields: dict[str, Any] = {
        "id": f"https://news.example/a/{n}",
        "title": f"Article {n}",
        "link": f"https://news.example/a/{n}",
        "published_at": published,
        "updated_at": published,
    }
    fields.update(changes)
    return Entry(**fields)


def small_feed() -> Feed:
    """An article with everything, its related item, and a plain older article."""
    article = make_entry(
        1,
        when(3, 4),
        summary="Cheap < dear & more",
        content_html="<p>The <em>body</em>.</p>",
        author=Provider("News Example", "news.example"),
        categories=("AI", "Climate"),
        thumbnail=Image("https://img.example/1.png", 640, 360),
        via="https://origin.example/story/1",
        related=(Link("https://other.example/r/1?a=1&b=2", "Related <one> & more"),),
    )
    item = make_entry(
        2,
        when(2, 1),
        id="https://other.example/r/1?a=1&b=2",
        link="https://other.example/r/1?a=1&b=2",
        title="Related <one> & more",
        summary="A related item.",
        author=Provider("Other Example", "other.example"),
        thumbnail=Image("https://img.example/r/1.png"),
        related=(Link("https://news.example/a/1", "Article 1"),),
    )
    plain = make_entry(3, when(1, 1))
    return Feed(
        "topics/ai",
        "topic",
        "Test site: AI",
        "Articles about AI on Test site",
        (
            article,
            item,
            plain,
        ),
    )


@pytest.fixture
def site(config: Config) -> Config:
    """The shared config with a site URL that differs from the feeds' base URL."""
    return dataclasses.replace(config, site_url=SITE)


def write(tmp_path: Path, data: bytes, name: str) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def xml(data: bytes) -> Any:
    return etree.fromstring(data)


def atom_entry(root: Any, entry_id: str) -> Any:
    (found,) = root.xpath("a:entry[a:id=$id]", namespaces=NS, id=entry_id)
    return found


def rss_item(root: Any, entry_id: str) -> Any:
    (found,) = root.xpath("channel/item[guid=$id]", id=entry_id)
    return found


FORMATS = (ATOM, RSS)  # the XML formats

# --- both formats -----------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f.name)
def test_feed_parses_cleanly(fmt: Any, site: Config, tmp_path: Path) -> None:
    feed = small_feed()
    parsed = parse_feed(write(tmp_path, fmt.render(feed, site), f"ai{fmt.suffix}"))

    assert parsed.version == ("atom10" if fmt is ATOM else "rss20")
    assert parsed.feed.title == "Test site: AI"
    assert parsed.feed.link == SITE
    assert [e.id for e in parsed.entries] == [e.id for e in feed.entries]
    first = parsed.entries[0]
    assert first.link == "https://news.example/a/1"
    assert first.author == "News Example"
    assert [t.term for t in first.tags] == ["AI", "Climate"]
    assert first.media_thumbnail == [
        {"url": "https://img.example/1.png", "width": "640", "height": "360"}
    ]


def test_atom_validates_against_rfc_4287(site: Config, tmp_path: Path) -> None:
    feed = small_feed()
    one = dataclasses.replace(feed, name="one", entries=feed.entries[2:])
    assert_valid_atom(
        [
            write(tmp_path, render_atom(feed, site), "ai.atom.xml"),
            write(tmp_path, render_atom(one, site), "one.atom.xml"),
        ]
    )


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f.name)
def test_entries_keep_the_feeds_order(fmt: Any, site: Config, tmp_path: Path) -> None:
    # Not newest first on purpose: rendering neither prepends (feedgen's default) nor sorts.
    entries = (make_entry(2, when(5, 1)), make_entry(3, when(1, 1)), make_entry(1, when(9, 1)))
    feed = Feed("all", "all", "Test site", "Everything", entries)

    parsed = parse_feed(write(tmp_path, fmt.render(feed, site), f"all{fmt.suffix}"))

    assert [e.id for e in parsed.entries] == [e.id for e in entries]


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f.name)
def test_feed_date_is_the_newest_entry_date_never_the_clock(
    fmt: Any, site: Config, tmp_path: Path
) -> None:
    feed = small_feed()
    data = fmt.render(feed, site)

    root = xml(data)
    if fmt is ATOM:
        updated = datetime.fromisoformat(root.findtext(f"{{{ATOM_NS}}}updated"))
    else:
        updated = email.utils.parsedate_to_datetime(root.findtext("channel/lastBuildDate"))
    assert updated == when(3, 4)
    assert str(datetime.now(UTC).year).encode() not in data
    parsed = parse_feed(write(tmp_path, data, f"ai{fmt.suffix}"))
    assert [e.published_parsed[:3] for e in parsed.entries] == [
        (2001, 3, 4),
        (2001, 2, 1),
        (2001, 1, 1),
    ]


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f.name)
def test_generator_has_no_version(fmt: Any, site: Config) -> None:
    root = xml(fmt.render(small_feed(), site))

    (generator,) = root.iter(f"{{{ATOM_NS}}}generator", "generator")
    assert generator.text == "feedpub"
    assert "version" not in generator.attrib


def test_rendering_twice_gives_identical_bytes(site: Config) -> None:
    """Over a second apart, in another time zone too: no clock reaches the output."""
    first = [fmt.render(small_feed(), site) for fmt in FORMATS]
    time.sleep(1.1)  # a clock printed to the second, or finer, has moved on
    old_zone = os.environ.get("TZ")
    os.environ["TZ"] = "Pacific/Kiritimati"  # UTC+14: a local clock shows another day
    time.tzset()
    try:
        again = [fmt.render(small_feed(), site) for fmt in FORMATS]
    finally:
        if old_zone is None:
            del os.environ["TZ"]
        else:
            os.environ["TZ"] = old_zone
        time.tzset()
    assert again == first


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f.name)
def test_markup_characters_in_text_survive_as_text(fmt: Any, site: Config, tmp_path: Path) -> None:
    entry = make_entry(
        1,
        when(1, 1),
        title=MARKUP,
        summary=MARKUP,
        categories=(MARKUP,),
        related=(Link("https://other.example/r/1", MARKUP),),
    )
    feed = Feed("all", "all", MARKUP, MARKUP, (entry,))
    data = fmt.render(feed, site)

    parsed = parse_feed(write(tmp_path, data, f"all{fmt.suffix}"))
    (got,) = parsed.entries
    assert parsed.feed.title == MARKUP
    assert got.title == MARKUP
    assert got.tags[0].term == MARKUP
    (related,) = [link for link in got.links if link.rel == "related"]
    assert related.title == MARKUP
    if fmt is ATOM:
        assert got.summary == MARKUP
    else:
        # RSS descriptions are HTML: the summary is escaped into it, so it reads as text.
        assert (
            lxml.html.fragment_fromstring(got.summary, create_parent="div").xpath("string(p[1])")
            == MARKUP
        )


@pytest.mark.parametrize("render", [render_atom, render_rss], ids=["atom", "rss"])
def test_a_feed_with_no_entries_never_takes_the_clock(render: Render, site: Config) -> None:
    # select never plans an empty feed, so refusing one is as good as a fixed date.
    empty = Feed("all", "all", "Test site", "Everything", ())
    try:
        first = render(empty, site)
    except ValueError:
        return
    assert first == render(empty, site)
    assert str(datetime.now(UTC).year).encode() not in first


# --- Atom -------------------------------------------------------------------------


def test_atom_feed_has_id_self_and_alternate_links(site: Config) -> None:
    root = xml(render_atom(small_feed(), site))

    assert root.findtext(f"{{{ATOM_NS}}}id") == "https://feeds.example.org/topics/ai.atom.xml"
    links = [dict(link.attrib) for link in root.findall(f"{{{ATOM_NS}}}link")]
    assert links == [
        {
            "href": "https://feeds.example.org/topics/ai.atom.xml",
            "rel": "self",
            "type": "application/atom+xml",
        },
        {"href": SITE, "rel": "alternate", "type": "text/html"},
    ]
    assert root.findtext("a:author/a:name", namespaces=NS) == "Test desk"
    assert root.findtext("a:author/a:email", namespaces=NS) == "desk@example.org"
    assert root.findtext("a:subtitle", namespaces=NS) == "Articles about AI on Test site"


def test_atom_entry_links_one_alternate_related_with_titles_and_via(site: Config) -> None:
    root = xml(render_atom(small_feed(), site))

    def links(entry_id: str) -> list[dict[str, str]]:
        entry = atom_entry(root, entry_id)
        return [dict(link.attrib) for link in entry.findall(f"{{{ATOM_NS}}}link")]

    first = links("https://news.example/a/1")
    alternates = [link for link in first if link.get("rel", "alternate") == "alternate"]
    assert alternates == [{"href": "https://news.example/a/1"}]
    assert [link for link in first if link.get("rel") == "related"] == [
        {
            "rel": "related",
            "href": "https://other.example/r/1?a=1&b=2",
            "title": "Related <one> & more",
        }
    ]
    assert [link for link in first if link.get("rel") == "via"] == [
        {"rel": "via", "href": "https://origin.example/story/1"}
    ]
    assert len(first) == 3

    second = links("https://other.example/r/1?a=1&b=2")
    assert [link.get("rel", "alternate") for link in second] == ["alternate", "related"]
    assert second[1]["href"] == "https://news.example/a/1"
    assert second[1]["title"] == "Article 1"
    assert links("https://news.example/a/3") == [{"href": "https://news.example/a/3"}]


def test_atom_entry_fields(site: Config) -> None:
    root = xml(render_atom(small_feed(), site))
    entry = atom_entry(root, "https://news.example/a/1")

    assert entry.findtext("a:title", namespaces=NS) == "Article 1"
    assert entry.findtext("a:summary", namespaces=NS) == "Cheap < dear & more"
    (content,) = entry.findall("a:content", namespaces=NS)
    assert content.get("type") == "html"
    assert content.text == "<p>The <em>body</em>.</p>"
    assert entry.findtext("a:author/a:name", namespaces=NS) == "News Example"
    assert entry.findtext("a:published", namespaces=NS) == "2001-03-04T10:00:00+00:00"
    assert entry.findtext("a:updated", namespaces=NS) == "2001-03-04T10:00:00+00:00"
    (thumbnail,) = entry.findall("media:thumbnail", NS)
    assert dict(thumbnail.attrib) == {
        "url": "https://img.example/1.png",
        "width": "640",
        "height": "360",
    }
    assert not list(root.iter(f"{{{MEDIA_NS}}}group"))


# --- RSS --------------------------------------------------------------------------


def test_rss_channel_links_self_and_site(site: Config) -> None:
    root = xml(render_rss(small_feed(), site))
    channel = root.find("channel")

    assert root.nsmap.get("atom") == ATOM_NS
    assert channel.findtext("link") == SITE
    (self_link,) = channel.findall(f"{{{ATOM_NS}}}link")
    assert dict(self_link.attrib) == {
        "href": "https://feeds.example.org/topics/ai.rss.xml",
        "rel": "self",
        "type": "application/rss+xml",
    }
    assert channel.findtext("description") == "Articles about AI on Test site"
    assert channel.findtext("language") == "en"


def test_rss_channel_link_without_a_site_url_is_the_base_url_not_the_feed(
    config: Config,
) -> None:
    channel = xml(render_rss(small_feed(), config)).find("channel")

    assert channel.findtext("link") == "https://feeds.example.org/"


def test_rss_item_guid_is_a_permalink(site: Config) -> None:
    root = xml(render_rss(small_feed(), site))

    for item in root.iter("item"):
        (guid,) = item.findall("guid")
        assert guid.get("isPermaLink") == "true"
        assert guid.text == item.findtext("link")


def test_rss_item_related_and_via_links_are_atom_links(site: Config) -> None:
    data = render_rss(small_feed(), site)
    root = xml(data)

    def links(entry_id: str) -> list[dict[str, str]]:
        return [
            dict(link.attrib) for link in rss_item(root, entry_id).findall(f"{{{ATOM_NS}}}link")
        ]

    assert links("https://news.example/a/1") == [
        {"rel": "via", "href": "https://origin.example/story/1"},
        {
            "rel": "related",
            "href": "https://other.example/r/1?a=1&b=2",
            "title": "Related <one> & more",
        },
    ]
    assert links("https://other.example/r/1?a=1&b=2") == [
        {"rel": "related", "href": "https://news.example/a/1", "title": "Article 1"}
    ]
    assert links("https://news.example/a/3") == []
    # Declared once on the root, so the items use the prefix rather than redeclaring it.
    assert b'xmlns:atom="http://www.w3.org/2005/Atom"' in data.split(b"<channel>")[0]
    assert data.count(b"xmlns:atom=") == 1


def test_rss_author_is_dc_creator_not_author(site: Config) -> None:
    root = xml(render_rss(small_feed(), site))

    item = rss_item(root, "https://news.example/a/1")
    assert [c.text for c in item.findall("dc:creator", namespaces=NS)] == ["News Example"]
    assert not list(root.iter("author"))
    assert rss_item(root, "https://news.example/a/3").findall("dc:creator", namespaces=NS) == []


def test_rss_description_lists_related_items_as_links_and_escapes_the_summary(
    site: Config,
) -> None:
    root = xml(render_rss(small_feed(), site))
    item = rss_item(root, "https://news.example/a/1")

    html = lxml.html.fragment_fromstring(item.findtext("description"), create_parent="div")
    assert html.xpath("string(p[1])") == "Cheap < dear & more"
    assert [(a.get("href"), a.text_content()) for a in html.iter("a")] == [
        ("https://other.example/r/1?a=1&b=2", "Related <one> & more")
    ]
    assert "Cheap &lt; dear &amp; more" in item.findtext("description")
    # Summary first, full text in content:encoded.
    tags = [etree.QName(child).localname for child in item]
    assert tags.index("description") < tags.index("encoded")
    assert item.findtext("{http://purl.org/rss/1.0/modules/content/}encoded") == (
        "<p>The <em>body</em>.</p>"
    )


def test_rss_description_of_an_entry_with_nothing_to_say_is_empty() -> None:
    assert rss_description(make_entry(1, when(1, 1))) == ""


def test_rss_media_thumbnail_is_direct_with_string_sizes(site: Config) -> None:
    root = xml(render_rss(small_feed(), site))

    assert not list(root.iter(f"{{{MEDIA_NS}}}group"))
    (with_size,) = rss_item(root, "https://news.example/a/1").findall("media:thumbnail", NS)
    assert dict(with_size.attrib) == {
        "url": "https://img.example/1.png",
        "width": "640",
        "height": "360",
    }
    (without,) = rss_item(root, "https://other.example/r/1?a=1&b=2").findall("media:thumbnail", NS)
    assert dict(without.attrib) == {"url": "https://img.example/r/1.png"}


def test_rss_dates_are_rfc_822(site: Config) -> None:
    root = xml(render_rss(small_feed(), site))

    dates = [root.findtext("channel/lastBuildDate")]
    dates += [item.findtext("pubDate") for item in root.iter("item")]
    for text in dates:
        assert RFC_822.match(text), text
    assert [email.utils.parsedate_to_datetime(d) for d in dates] == [
        when(3, 4),
        when(3, 4),
        when(2, 1),
        when(1, 1),
    ]
    assert dates[1] == "Sun, 04 Mar 2001 10:00:00 +0000"


def test_formats_name_their_files_and_media_types() -> None:
    assert ATOM.path("topics/ai") == "topics/ai.atom.xml"
    assert RSS.path("topics/ai") == "topics/ai.rss.xml"
    assert (ATOM.media_type, RSS.media_type) == ("application/atom+xml", "application/rss+xml")
