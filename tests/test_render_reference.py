"""Atom, RSS and JSON Feed through feedpub's own serializers, byte for byte against the
paths they replaced (`render_reference`: feedgen and lxml, `json.dumps`): for generated
feeds full of hostile text, for every feed of a generated corpus, and where one refuses
an input the other must too.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
import render_reference as reference
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import load_articles
from feedpub import render
from feedpub.config import Author, Config
from feedpub.types import Entry, Feed, Image, Link, Provider
from grouping import group_articles

Render = Callable[[Feed, Config], bytes]
XML_PAIRS = [
    pytest.param(render.render_atom, reference.render_atom, id="atom"),
    pytest.param(render.render_rss, reference.render_rss, id="rss"),
]
PAIRS = [*XML_PAIRS, pytest.param(render.render_json, reference.render_json, id="json")]

# Pieces that have broken XML writers: markup, CDATA's end, entities, quotes, line ends
# (CR is escaped in text and attributes, LF and TAB only in attributes), non-ASCII.
HOSTILE = ["&", "<", ">", "]]>", '"', "'", "&amp;", "\r", "\n", "\r\n", "\t", " ", "é", "—",
           "\u2028", "\x85", "\x7f", "😀", "\ufffd", "<![CDATA[", "-->", "&#13;"]  # fmt: skip
# Everything lxml accepts in text: no C0 controls but TAB, LF, CR; no U+FFFE, U+FFFF;
# no surrogates (hypothesis's characters() never makes those).
XML_CHAR = st.characters(blacklist_characters="\ufffe\uffff", blacklist_categories=["Cc"]) | (
    st.sampled_from("\t\n\r\x7f\x80\x9f")
)
TEXT = st.lists(XML_CHAR | st.sampled_from(HOSTILE), max_size=12).map("".join)
NONEMPTY = TEXT.filter(bool)
URL = st.builds(lambda path: f"https://example.org/{path}", TEXT) | TEXT


def mostly_set(text: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """Text that is empty now and then: feedgen refuses a feed with an empty title or
    entry id, so most examples need one."""
    return st.tuples(st.integers(0, 9), text.filter(bool)).map(lambda t: t[1] if t[0] else "")


ZONES = st.sampled_from(
    [UTC, UTC, timezone(timedelta(hours=5, minutes=30)), timezone(-timedelta(hours=8))]
)
WHEN = st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=ZONES)
SIZE = st.none() | st.integers(min_value=-1, max_value=5000)

entries = st.builds(
    Entry,
    id=mostly_set(URL),
    title=mostly_set(TEXT),
    link=URL,
    published_at=WHEN,
    updated_at=WHEN,
    summary=TEXT,
    content_html=TEXT,
    author=st.none() | st.builds(Provider, TEXT, TEXT),
    categories=st.lists(TEXT, max_size=4).map(tuple),
    thumbnail=st.none() | st.builds(Image, URL, SIZE, SIZE),
    via=st.none() | URL,
    related=st.lists(st.builds(Link, URL, TEXT), max_size=12).map(tuple),
)
feeds = st.builds(
    Feed,
    name=st.sampled_from(["all", "topics/ai", "providers/x-y", "custom/a&b"]) | NONEMPTY,
    kind=st.sampled_from(["all", "topic", "provider", "custom", "archive"]),
    title=mostly_set(TEXT),
    description=mostly_set(TEXT),
    entries=st.lists(entries, min_size=1, max_size=5).map(tuple),
    archive_of=st.none() | st.sampled_from(["topics/ai"]) | TEXT,
    prev_archive=st.none() | st.sampled_from(["archives/topics/ai/1"]) | TEXT,
)
configs = st.builds(
    Config,
    base_url=st.sampled_from(["https://feeds.example/", "https://a.example/x?y=1&z=<2>/"]) | URL,
    site_url=st.sampled_from(["", "https://site.example/"]) | URL,
    author=st.builds(Author, mostly_set(TEXT), st.none() | TEXT, st.none() | TEXT),
    language=st.none() | st.sampled_from(["en", "en-GB", "de"]) | TEXT,
    hub=st.none() | st.sampled_from(["https://hub.example/"]) | URL,
)
# Generating a feed costs far more than rendering it: examples are few, each one big.
SETTINGS = settings(
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def outcome(render_feed: Render, feed: Feed, config: Config) -> bytes | type[Exception]:
    """The bytes, or the kind of error: feedgen refuses what lxml cannot write with a
    ValueError, and a lone surrogate cannot be encoded (UnicodeEncodeError is one too)."""
    try:
        return render_feed(feed, config)
    except ValueError:
        return ValueError


@pytest.mark.parametrize(("ours", "theirs"), PAIRS)
@SETTINGS
@given(feed=feeds, config=configs)
def test_own_serializer_writes_what_the_reference_wrote(
    ours: Render, theirs: Render, feed: Feed, config: Config
) -> None:
    assert outcome(ours, feed, config) == outcome(theirs, feed, config)


# Text lxml refuses: every C0 control but TAB, LF, CR; U+FFFE, U+FFFF; lone surrogates.
NOT_XML = st.sampled_from(["\x00", "\x01", "\x08", "\x0b", "\x0c", "\x1b", "\x1f", "\ufffe",
                           "\uffff", "\ud800", "\udfff"])  # fmt: skip
ENTRY_TEXTS = ["id", "title", "link", "summary", "content_html", "via"]


@pytest.mark.parametrize(("ours", "theirs"), PAIRS)
@settings(SETTINGS, max_examples=60)
@given(feed=feeds, config=configs, bad=NOT_XML, where=st.integers(0, 20), data=st.data())
def test_text_xml_cannot_hold_is_refused_as_the_reference_refused_it(
    ours: Render,
    theirs: Render,
    feed: Feed,
    config: Config,
    bad: str,
    where: int,
    data: st.DataObject,
) -> None:
    """One field anywhere gets a character XML cannot hold: both refuse, or (where that
    field is not written, e.g. an empty entry's title, or JSON, which escapes controls)
    both write the same bytes."""
    if feed.entries and where < len(ENTRY_TEXTS):
        field = ENTRY_TEXTS[where]
        entry = feed.entries[0]
        spoilt = dataclasses.replace(entry, **{field: f"{getattr(entry, field) or ''}{bad}"})
        feed = dataclasses.replace(feed, entries=(spoilt, *feed.entries[1:]))
    elif where % 3 == 0:
        feed = dataclasses.replace(feed, title=feed.title + bad)
    elif where % 3 == 1:
        config = dataclasses.replace(config, author=Author(config.author.name + bad))
    else:
        config = dataclasses.replace(config, language=data.draw(TEXT) + bad)
    assert outcome(ours, feed, config) == outcome(theirs, feed, config)


@pytest.mark.parametrize(("ours", "theirs"), XML_PAIRS)
def test_a_date_without_a_zone_is_refused_as_feedgen_refused_it(
    ours: Render, theirs: Render, config: Config
) -> None:
    naive = datetime(2024, 5, 6, 7, 8, 9)
    aware = naive.replace(tzinfo=UTC)
    for published, updated in ((naive, aware), (aware, naive)):
        entry = Entry("https://e.example/1", "One", "https://e.example/1", published, updated)
        feed = Feed("all", "all", "All", "Everything", (entry,))
        assert outcome(ours, feed, config) is outcome(theirs, feed, config) is ValueError


@pytest.mark.parametrize(("ours", "theirs"), PAIRS)
def test_every_feed_of_a_generated_corpus_is_written_as_the_reference_wrote_it(
    ours: Render, theirs: Render, config: Config, corpus: Path
) -> None:
    config = dataclasses.replace(
        config, hub="https://hub.example/", archives=True, archive_page_size=7
    )
    feeds = group_articles(load_articles(corpus), config).feeds
    assert any(feed.archive_of for feed in feeds)
    for feed in feeds:
        assert ours(feed, config) == theirs(feed, config), feed.name
