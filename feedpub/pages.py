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
from html import escape

from feedpub.config import Config
from feedpub.render import FEED_FORMATS, OPML_PATH, SECTIONS, Format
from feedpub.types import Entry, Feed, FeedSummary

INDEX_PATH = "index.html"
STYLE_PATH = "style.css"
_FORMAT_LABELS = {"atom": "Atom", "rss": "RSS", "json": "JSON Feed"}
_CSP = "default-src 'none'; img-src https: http:; style-src 'self'; base-uri 'none'"

STYLESHEET = b"""\
:root { color-scheme: light dark; --muted: #666; --line: #ddd; }
@media (prefers-color-scheme: dark) { :root { --muted: #aaa; --line: #444; } }
body { font: 16px/1.5 system-ui, sans-serif; max-width: 46rem; margin: 0 auto; padding: 1rem; }
header { border-bottom: 1px solid var(--line); margin-bottom: 1rem; }
h1 { font-size: 1.6rem; margin: 0.5rem 0; }
h2 { font-size: 1.15rem; margin: 1.5rem 0 0.5rem; }
.meta, .count, footer { color: var(--muted); font-size: 0.9rem; }
.subscribe a, .formats a { margin-right: 0.6rem; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 0.3rem 0.5rem 0.3rem 0; border-bottom: 1px solid var(--line); }
article { border-bottom: 1px solid var(--line); padding: 0.5rem 0 1rem; overflow: hidden; }
article h2 { margin: 0.5rem 0 0.2rem; }
article img { float: right; max-width: 8rem; height: auto; margin: 0 0 0.5rem 1rem; }
.related { font-size: 0.9rem; margin: 0.3rem 0 0; padding-left: 1.2rem; }
"""


def render_page(feed: Feed, config: Config) -> bytes:
    """The HTML page beside a feed: its entries and links to subscribe."""
    up = "../" * feed.name.count("/")
    formats = _feed_formats(config)
    alternates = [
        (fmt.media_type, f"{feed.title} ({_FORMAT_LABELS[fmt.name]})", fmt.path(_leaf(feed)))
        for fmt in formats
    ]
    subscribe = " ".join(
        f'<a href="{_attr(fmt.path(_leaf(feed)))}" type="{fmt.media_type}">'
        f"{_FORMAT_LABELS[fmt.name]}</a>"
        for fmt in formats
    )
    body = [
        "<header>",
        f'<p><a href="{up}{INDEX_PATH}">{_text(config.title)}</a></p>',
        f"<h1>{_text(feed.title)}</h1>",
        f"<p>{_text(feed.description)}</p>",
        f'<p class="subscribe">Subscribe: {subscribe}</p>',
        "</header>",
        "<main>",
        *(_entry_html(entry) for entry in feed.entries),
        "</main>",
    ]
    return _document(feed.title, up, alternates, body, config)


def render_index(feeds: Sequence[Feed | FeedSummary], config: Config) -> bytes:
    """The front page: every feed with its size, date and formats, and the OPML link."""
    formats = _feed_formats(config)
    main_feed = next((f for f in feeds if f.kind == "all"), None)
    alternates = [
        (fmt.media_type, f"{main_feed.title} ({_FORMAT_LABELS[fmt.name]})", fmt.path("all"))
        for fmt in formats
        if main_feed is not None
    ]
    alternates.append(("text/x-opml", f"{config.title}: every feed (OPML)", OPML_PATH))
    body = [
        "<header>",
        f"<h1>{_text(config.title)}</h1>",
    ]
    if config.description:
        body.append(f"<p>{_text(config.description)}</p>")
    body += [
        f'<p>Subscribe to every feed at once: <a href="{OPML_PATH}" type="text/x-opml">'
        "OPML subscription list</a></p>",
        "</header>",
        "<main>",
    ]
    for kind, label in SECTIONS:
        members = [f for f in feeds if f.kind == kind]
        if not members:
            continue
        body += [
            f"<section><h2>{label}</h2>",
            "<table><thead><tr><th>Feed</th><th>Entries</th><th>Newest</th>"
            "<th>Formats</th></tr></thead><tbody>",
            *(_index_row(feed, formats, config) for feed in members),
            "</tbody></table></section>",
        ]
    body.append("</main>")
    return _document(config.title, "", alternates, body, config)


def _index_row(feed: Feed | FeedSummary, formats: Sequence[Format], config: Config) -> str:
    name = _text(feed.title.removeprefix(f"{config.title}: "))
    title = f'<a href="{_attr(feed.name)}.html">{name}</a>' if "html" in config.formats else name
    links = " ".join(
        f'<a href="{_attr(fmt.path(feed.name))}" type="{fmt.media_type}">'
        f"{_FORMAT_LABELS[fmt.name]}</a>"
        for fmt in formats
    )
    return (
        f"<tr><td>{title}</td><td>{feed.count}</td>"
        f'<td>{_time(feed.updated_at)}</td><td class="formats">{links}</td></tr>'
    )


def _entry_html(entry: Entry) -> str:
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
        parts.append(f'<img src="{_attr(entry.thumbnail.url)}" alt=""{size} loading="lazy">')
    parts.append(f'<h2><a href="{_attr(entry.link)}">{_text(entry.title)}</a></h2>')
    meta = [_time(entry.published_at)]
    if entry.author is not None:
        meta.append(_text(entry.author.name))
    parts.append(f'<p class="meta">{" · ".join(meta)}</p>')
    if entry.summary:
        parts.append(f"<p>{_text(entry.summary)}</p>")
    if entry.related:
        items = "".join(
            f'<li><a href="{_attr(link.href)}">{_text(link.title)}</a></li>'
            for link in entry.related
        )
        parts.append(f'<p class="meta">Related:</p><ul class="related">{items}</ul>')
    parts.append("</article>")
    return "".join(parts)


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


def _time(value: datetime | None) -> str:
    if value is None:
        return ""
    return f'<time datetime="{value.isoformat()}">{value:%Y-%m-%d %H:%M} UTC</time>'


def _text(value: str) -> str:
    return escape(value, quote=False)


def _attr(value: str) -> str:
    return escape(value, quote=True)


PAGE = Format("html", ".html", "text/html; charset=utf-8", render_page)
