"""A local preview server for the output folder, for feed readers on the same machine.

It serves what a static host would, the way a good one does: the right media types,
a strong ETag (a hash of the bytes) and Last-Modified on every file, 304 for a
conditional request that matches, HEAD, nothing outside the folder, no hidden files
and no directory listings. It is for previews, not for the public internet.
"""

from __future__ import annotations

import hashlib
import socket
import sys
import threading
from collections.abc import Callable
from email.utils import formatdate, parsedate_to_datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from feedpub.formats import CSS, FORMATS, OPML
from feedpub.source import scan_record_paths
from feedpub.write import read_existing

# Every kind of file feedpub writes, then other XML; looked up in order, so the
# feeds' longer suffixes come before ".xml".
MEDIA_TYPES = {
    **{f.suffix: f.media_type for f in (*FORMATS.values(), OPML, CSS)},
    ".xml": "application/xml",
}


def media_type(name: str) -> str:
    """The Content-Type feedpub serves a file name with."""
    for suffix, media in MEDIA_TYPES.items():
        if name.endswith(suffix):
            return media
    return "application/octet-stream"


def resolve(root: Path, url_path: str) -> Path | None:
    """The file a URL path names inside `root`, or None for anything else.

    Refuses paths that climb out (`..`, encoded or not), hidden names (the manifest,
    temporaries), links that lead outside, and folders without an index.html.
    """
    parts = [p for p in unquote(url_path).split("/") if p]
    if any(p in (".", "..") or p.startswith(".") or "\\" in p or "\0" in p for p in parts):
        return None
    path = root.joinpath(*parts)
    try:  # a name or path too long for the file system (ENAMETOOLONG) names no file either
        if path.is_dir():
            path = path / "index.html"
        real = path.resolve(strict=True)
        real.relative_to(root.resolve())
        return real if real.is_file() else None
    except (OSError, ValueError):
        return None


class PreviewHandler(BaseHTTPRequestHandler):
    """GET and HEAD for files in `root`, with validators and conditional requests."""

    root: Path
    server_version = "feedpub-preview"
    sys_version = ""
    # A request line too garbled to have a version is answered with a status line too,
    # not as HTTP/0.9 (a bare body a client cannot tell from a file).
    default_request_version = "HTTP/1.0"

    def do_GET(self) -> None:
        self._respond(with_body=True)

    def do_HEAD(self) -> None:
        self._respond(with_body=False)

    def _respond(self, *, with_body: bool) -> None:
        path = resolve(self.root, urlsplit(self.path).path)
        data = read_existing(path) if path is not None else None
        if path is None or data is None:
            self.send_error(HTTPStatus.NOT_FOUND, "Not found")
            return
        etag = '"' + hashlib.sha256(data).hexdigest()[:32] + '"'
        try:
            mtime = int(path.stat().st_mtime)
        except OSError:  # removed by a rebuild since it was read
            self.send_error(HTTPStatus.NOT_FOUND, "Not found")
            return
        if self._not_modified(etag, mtime):
            self.send_response(HTTPStatus.NOT_MODIFIED)
            self._validators(etag, mtime)
            self.end_headers()
            return
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", media_type(path.name))
        self.send_header("Content-Length", str(len(data)))
        self._validators(etag, mtime)
        self.end_headers()
        if with_body:
            self.wfile.write(data)

    def _validators(self, etag: str, mtime: int) -> None:
        self.send_header("ETag", etag)
        self.send_header("Last-Modified", formatdate(mtime, usegmt=True))
        self.send_header("Cache-Control", "no-cache")  # always revalidate: it is a preview

    def _not_modified(self, etag: str, mtime: int) -> bool:
        # If-None-Match wins over If-Modified-Since when both are sent (RFC 9110 13.2.2).
        match = self.headers.get("If-None-Match")
        if match is not None:
            tags = [t.strip().removeprefix("W/") for t in match.split(",")]
            return "*" in tags or etag in tags
        since = self.headers.get("If-Modified-Since")
        if since is None:
            return False
        try:  # a date that is no date, or lies off the calendar, is ignored as RFC 9110 says
            return mtime <= parsedate_to_datetime(since).timestamp()
        except (TypeError, ValueError, IndexError, OverflowError):
            return False

    def log_message(self, format: str, *args: object) -> None:
        if getattr(self.server, "quiet", False):
            return
        super().log_message(format, *args)


class PreviewServer(ThreadingHTTPServer):
    """The threading server, without a traceback for each reader that hangs up early."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            return  # the client closed or reset the connection: nothing went wrong here
        super().handle_error(request, client_address)


class _IPv6Server(PreviewServer):
    address_family = socket.AF_INET6


def make_server(root: Path, bind: str = "127.0.0.1", port: int = 8000) -> ThreadingHTTPServer:
    """A preview server for `root`, bound but not yet serving (port 0 picks a free one)."""
    handler = type("Handler", (PreviewHandler,), {"root": root})
    server_class = _IPv6Server if ":" in bind else PreviewServer
    server = server_class((bind, port), handler)
    server.daemon_threads = True
    return server


def watch(
    fingerprint: Callable[[], object],
    rebuild: Callable[[], None],
    stop: threading.Event,
    interval: float = 1.0,
) -> None:
    """Call `rebuild` whenever `fingerprint()` changes, until `stop` is set."""
    last = fingerprint()
    while not stop.wait(interval):
        current = fingerprint()
        if current != last:
            last = current
            rebuild()


def source_fingerprint(source: Path, config_file: Path | None = None) -> tuple[object, ...]:
    """What changes when a record (or the configuration) is added, edited or removed."""
    # The files a build reads, and those it skips: a skipped one put right is a change.
    found, skipped = scan_record_paths(source) if source.is_dir() else ([], [])
    files = [Path(p) for p in [*found, *(problem.path for problem in skipped)]]
    if config_file is not None:
        files.append(config_file)
    stamps = []
    for path in files:
        try:
            st = path.stat()
        except OSError:
            continue
        stamps.append((str(path), st.st_mtime_ns, st.st_size))
    return tuple(stamps)
