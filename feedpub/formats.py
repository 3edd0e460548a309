"""The kinds of file feedpub writes: each one's name, file suffix and media type, once.

Rendering pairs each feed format with the function that renders it (`render.Format`);
the configuration checks `formats` and `opml_format` against the names here; the
pages and the preview server take the media types from here. A leaf module, so the
configuration can use it without importing rendering (which imports the configuration).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class FileFormat:
    """A kind of file in the output folder: its name, suffix and media type."""

    name: str
    suffix: str
    media_type: str

    def path(self, feed_name: str) -> str:
        """The file of feed `feed_name` in this format, relative to the output folder."""
        return f"{feed_name}{self.suffix}"


ATOM = FileFormat("atom", ".atom.xml", "application/atom+xml")
RSS = FileFormat("rss", ".rss.xml", "application/rss+xml")
JSON = FileFormat("json", ".json", "application/feed+json")
HTML = FileFormat("html", ".html", "text/html; charset=utf-8")
OPML = FileFormat("opml", ".opml", "text/x-opml")
CSS = FileFormat("css", ".css", "text/css; charset=utf-8")

# What a feed reader subscribes to, and an OPML list can point at.
FEED_FORMATS = {f.name: f for f in (ATOM, RSS, JSON)}
# What `formats` in the configuration may name, in the order they are written.
FORMATS = {**FEED_FORMATS, HTML.name: HTML}
