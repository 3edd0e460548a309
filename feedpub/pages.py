"""Feeds to HTML pages people can read: an index of every feed, and a page per feed.

Browsers are dropping XSLT, so a feed is not styled for people; each feed gets a page
of its own beside it instead. The pages are plain semantic HTML with one small
stylesheet and no JavaScript. Every piece of text is escaped and every link is an
http(s) URL from a record or a relative link to a file feedpub wrote; a Content
Security Policy forbids scripts outright, so even a mistake here could not run one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from feedpub import formats
from feedpub.config import Config
from feedpub.formats import OPML
from feedpub.render import FEED_FORMATS, OPML_PATH, SECTIONS, Format
from feedpub.types import Entry, Feed, FeedSummary

INDEX_PATH = "index.html"
STYLE_PATH = "style.css"
_FORMAT_LABELS = {"atom": "Atom", "rss": "RSS", "json": "JSON Feed"}
# One line each, for people who have never subscribed to a feed.
_FORMAT_HELP = {
    "atom": "for feed readers; pick this one if unsure",
    "rss": "for feed readers, including the oldest",
    "json": "the same entries as JSON, for programs and the readers that take it",
    "opml": "every feed of this site in one file, to import into a feed reader at once",
}
_CSP = "default-src 'none'; img-src https: http:; style-src 'self'; base-uri 'none'"
# English month names always, written out by us: strftime's %B follows the process
# locale, so the same input would give other bytes on another machine.
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")  # fmt: skip

STYLESHEET = b"""\
:root { color-scheme: light dark; --muted: #666; --line: #ddd; }
@media (prefers-color-scheme: dark) { :root { --muted: #aaa; --line: #444; } }
body { font: 16px/1.5 system-ui, sans-serif; max-width: 46rem; margin: 0 auto; padding: 1rem; }
a, p, li, h1, h2, h3, label, input, .body { overflow-wrap: anywhere; }
header { border-bottom: 1px solid var(--line); margin-bottom: 1rem; }
h1 { font-size: 1.6rem; margin: 0.5rem 0; }
h2 { font-size: 1.15rem; margin: 1.5rem 0 0.5rem; }
h3 { font-size: 1rem; margin: 0; }
.meta, .count, .description, footer { color: var(--muted); font-size: 0.9rem; }
.formats a { margin-right: 0.6rem; }
.formats-explained, .subscribe ul, .feeds { list-style: none; padding: 0; }
.formats-explained li { margin: 0.2rem 0; }
.feeds li { border-bottom: 1px solid var(--line); padding: 0.5rem 0; }
.feeds p { margin: 0.1rem 0; }
.subscribe { border: 1px solid var(--line); border-radius: 0.4rem; padding: 0 0.8rem; }
.subscribe h2 { margin-top: 0.8rem; }
.subscribe li { margin: 0 0 0.6rem; }
.subscribe p { font-size: 0.9rem; }
.subscribe label { display: block; font-size: 0.9rem; }
.subscribe input { width: 100%; box-sizing: border-box; font: 0.9rem ui-monospace, monospace;
  padding: 0.3rem; }
article { border-bottom: 1px solid var(--line); padding: 0.5rem 0 1rem; overflow: hidden; }
article h2 { margin: 0.5rem 0 0.2rem; }
article > img { float: right; width: 8rem; height: auto; margin: 0 0 0.5rem 1rem;
  font-size: 0.75rem; color: var(--muted); background: var(--line); }
@media (max-width: 30rem) { article > img { width: 5rem; margin-left: 0.6rem; } }
.body img, .body pre { max-width: 100%; height: auto; overflow-x: auto; }
.topics { display: flex; flex-wrap: wrap; gap: 0.3rem; list-style: none; padding: 0;
  margin: 0.3rem 0; font-size: 0.85rem; }
.topics li { border: 1px solid var(--line); border-radius: 1rem; padding: 0 0.5rem; }
.related { font-size: 0.9rem; margin: 0.3rem 0 0; padding-left: 1.2rem; }
"""


def render_page(feed: Feed, config: Config) -> bytes:
    """The HTML page beside a feed: its entries and how to subscribe to it."""
    up = "../" * feed.name.count("/")
    formats = _feed_formats(config)
    alternates = [
        (fmt.media_type, f"{feed.title} ({_FORMAT_LABELS[fmt.name]})", fmt.path(_leaf(feed)))
        for fmt in formats
    ]
    # Topic pages exist only where the pages are written and topics grouped: an entry
    # carries its topics' feed names only in the second case.
    pages = "html" in config.formats
    body = [
        "<header>",
        f'<p><a href="{up}{INDEX_PATH}">{_text(config.title)}</a></p>',
        f"<h1>{_text(feed.title)}</h1>",
        f"<p>{_text(feed.description)}</p>",
        "</header>",
        _subscribe_html(feed, formats, up, config),
        "<main>",
        *(_entry_html(entry, up if pages else None, config) for entry in feed.entries),
        "</main>",
    ]
    return _document(feed.title, up, alternates, body, config)


def _subscribe_html(feed: Feed, formats: Sequence[Format], up: str, config: Config) -> str:
    """The addresses to copy into a feed reader, each explained in a line."""
    items = []
    for fmt in formats:
        field = f"subscribe-{fmt.name}"
        href = fmt.path(_leaf(feed))
        items.append(
            f'<li><label for="{field}"><a href="{_attr(href)}" type="{fmt.media_type}">'
            f"{_FORMAT_LABELS[fmt.name]}</a>: {_FORMAT_HELP[fmt.name]}</label>"
            f'<input id="{field}" type="text" readonly'
            f' value="{_attr(config.feed_url(fmt.path(feed.name)))}"></li>'
        )
    return "".join(
        [
            '<section class="subscribe"><h2>Subscribe</h2>',
            "<p>Copy an address into your feed reader:</p>",
            f"<ul>{''.join(items)}</ul>",
            f'<p><a href="{up}{OPML_PATH}" type="{OPML.media_type}">OPML</a>: '
            f"{_FORMAT_HELP['opml']}</p>",
            "</section>",
        ]
    )


def render_index(feeds: Sequence[Feed | FeedSummary], config: Config) -> bytes:
    """The front page: every feed with its description, size, date and formats."""
    formats = _feed_formats(config)
    main_feed = next((f for f in feeds if f.kind == "all"), None)
    alternates = [
        (fmt.media_type, f"{main_feed.title} ({_FORMAT_LABELS[fmt.name]})", fmt.path("all"))
        for fmt in formats
        if main_feed is not None
    ]
    alternates.append((OPML.media_type, f"{config.title}: every feed (OPML)", OPML_PATH))
    body = [
        "<header>",
        f"<h1>{_text(config.title)}</h1>",
    ]
    if config.description:
        body.append(f"<p>{_text(config.description)}</p>")
    explained = [
        f"<li><strong>{_FORMAT_LABELS[fmt.name]}</strong>: {_FORMAT_HELP[fmt.name]}</li>"
        for fmt in formats
    ]
    body += [
        f'<p>Subscribe to every feed at once: <a href="{OPML_PATH}" type="{OPML.media_type}">'
        "OPML subscription list</a></p>",
        '<ul class="formats-explained">',
        *explained,
        f"<li><strong>OPML</strong>: {_FORMAT_HELP['opml']}</li>",
        "</ul>",
        "</header>",
        "<main>",
    ]
    for kind, label in SECTIONS:
        members = [f for f in feeds if f.kind == kind]
        if not members:
            continue
        body += [
            f"<section><h2>{label}</h2>",
            f'<p class="count">{_count(len(members), "feed", "feeds")}</p>',
            '<ul class="feeds">',
            *(_index_item(feed, formats, config) for feed in members),
            "</ul></section>",
        ]
    body.append("</main>")
    return _document(config.title, "", alternates, body, config)


def _index_item(feed: Feed | FeedSummary, formats: Sequence[Format], config: Config) -> str:
    name = _text(feed.title.removeprefix(f"{config.title}: "))
    title = f'<a href="{_attr(feed.name)}.html">{name}</a>' if "html" in config.formats else name
    links = " ".join(
        f'<a href="{_attr(fmt.path(feed.name))}" type="{fmt.media_type}">'
        f"{_FORMAT_LABELS[fmt.name]}</a>"
        for fmt in formats
    )
    newest = f" · newest {_time(feed.updated_at, config)}" if feed.updated_at else ""
    return (
        f'<li class="feed"><h3>{title}</h3>'
        f'<p class="description">{_text(feed.description)}</p>'
        f'<p class="meta"><span class="entries">{_count(feed.count, "entry", "entries")}</span>'
        f"{newest}</p>"
        f'<p class="formats">{links}</p></li>'
    )


def _entry_html(entry: Entry, up: str | None, config: Config) -> str:
    """One entry: `up` leads from the page to the output folder, None when there are no
    pages to link topics to."""
    parts = ["<article>"]
    if entry.thumbnail is not None:
        size = "".join(
            f' {name}="{value}"'
            for name, value in (
                ("width", entry.thumbnail.width),
                ("height", entry.thumbnail.height),
            )
            if value
        )
        # Text and a size of its own, so a picture that fails to load is no broken box.
        alt = _attr(f"Picture for \u201c{entry.title}\u201d")
        parts.append(f'<img src="{_attr(entry.thumbnail.url)}" alt="{alt}"{size} loading="lazy">')
    parts.append(f'<h2><a href="{_attr(entry.link)}">{_text(entry.title)}</a></h2>')
    meta = [_time(entry.published_at, config)]
    if entry.author is not None:
        meta.append(_text(entry.author.name))
    parts.append(f'<p class="meta">{" · ".join(meta)}</p>')
    parts.append(_topics_html(entry, up))
    if entry.content_html:  # rendered from Markdown with raw HTML shown as text
        parts.append(f'<div class="body">{entry.content_html}</div>')
    else:
        if entry.summary:
            parts.append(f"<p>{_text(entry.summary)}</p>")
        where = f" on {_text(entry.author.name)}" if entry.author is not None else ""
        parts.append(f'<p class="more"><a href="{_attr(entry.link)}">Read more{where}</a></p>')
    if entry.related:
        items = "".join(
            f'<li><a href="{_attr(link.href)}">{_text(link.title)}</a></li>'
            for link in entry.related
        )
        parts.append(f'<p class="meta">Related:</p><ul class="related">{items}</ul>')
    parts.append("</article>")
    return "".join(parts)


def _topics_html(entry: Entry, up: str | None) -> str:
    """The entry's topics, each a link to its topic's page where there is one."""
    if not entry.categories:
        return ""
    if up is not None and entry.topic_feeds:
        pairs = zip(entry.categories, entry.topic_feeds, strict=True)
        items = [f'<li><a href="{up}{_attr(f)}.html">{_text(name)}</a></li>' for name, f in pairs]
    else:
        items = [f"<li>{_text(name)}</li>" for name in entry.categories]
    return f'<ul class="topics" aria-label="Topics">{"".join(items)}</ul>'


def _document(
    title: str,
    up: str,
    alternates: Iterable[tuple[str, str, str]],
    body: Iterable[str],
    config: Config,
) -> bytes:
    lang = f' lang="{_attr(config.language)}"' if config.language else ""
    head = [
        "<!DOCTYPE html>",
        f"<html{lang}>",
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_text(title)}</title>",
        f'<link rel="stylesheet" href="{up}{STYLE_PATH}">',
        *(
            f'<link rel="alternate" type="{media}" title="{_attr(label)}" href="{_attr(href)}">'
            for media, label, href in alternates
        ),
        "</head>",
        "<body>",
    ]
    footer = ["<footer><p>Published with feedpub.</p></footer>", "</body>", "</html>", ""]
    return "\n".join([*head, *body, *footer]).encode("utf-8")


def _feed_formats(config: Config) -> list[Format]:
    return [FEED_FORMATS[name] for name in config.formats if name in FEED_FORMATS]


def _leaf(feed: Feed) -> str:
    return feed.name.rsplit("/", 1)[-1]


def _time(value: datetime | None, config: Config) -> str:
    """A date people read, with the machine-readable one beside it."""
    if value is None:
        return ""
    words = f"{value.day} {_MONTHS[value.month - 1]} {value.year}, {value:%H:%M} UTC"
    english = config.language is None or config.language.lower().split("-")[0] == "en"
    lang = "" if english else ' lang="en"'  # the words are English on every page
    return f'<time datetime="{value.isoformat()}"{lang}>{words}</time>'


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _text(value: str) -> str:
    """`html.escape(value, quote=False)`, its replaces written out: every piece of text
    of every entry goes through here, and a call less each counts."""
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _attr(value: str) -> str:
    """`html.escape(value)`, its replaces written out (see `_text`)."""
    return (
        value.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("'", "&#x27;")
    )


PAGE = Format.of(formats.HTML, render_page)
