"""The preview server over real HTTP on 127.0.0.1: types, validators, 304s, no escapes."""

from __future__ import annotations

import http.client
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from email.utils import formatdate
from pathlib import Path

import pytest

from conftest import article, write_record
from feedpub.serve import make_server, media_type, resolve, watch


@pytest.fixture
def site(tmp_path: Path) -> Path:
    root = tmp_path / "feeds"
    (root / "topics").mkdir(parents=True)
    (root / "all.atom.xml").write_bytes(b"<feed/>")
    (root / "all.rss.xml").write_bytes(b"<rss/>")
    (root / "all.json").write_bytes(b"{}")
    (root / "feeds.opml").write_bytes(b"<opml/>")
    (root / "index.html").write_bytes(b"<!doctype html><title>x</title>")
    (root / "topics" / "ai.atom.xml").write_bytes(b"<feed>ai</feed>")
    (root / ".feedpub-manifest.json").write_bytes(b"{}")
    (tmp_path / "secret.txt").write_text("outside")
    (root / "escape").symlink_to(tmp_path / "secret.txt")
    return root


@pytest.fixture
def server(site: Path) -> Iterator[int]:
    httpd = make_server(site, "127.0.0.1", 0)
    httpd.quiet = True  # type: ignore[attr-defined]
    thread = threading.Thread(target=httpd.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    yield int(httpd.server_address[1])
    httpd.shutdown()
    httpd.server_close()


def request(
    port: int, path: str, method: str = "GET", headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    connection.request(method, path, headers=headers or {})
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response.status, dict(response.getheaders()), body


@pytest.mark.parametrize(
    ("path", "media"),
    [
        ("/all.atom.xml", "application/atom+xml"),
        ("/all.rss.xml", "application/rss+xml"),
        ("/all.json", "application/feed+json"),
        ("/feeds.opml", "text/x-opml"),
        ("/index.html", "text/html; charset=utf-8"),
        ("/", "text/html; charset=utf-8"),
    ],
)
def test_media_types(server: int, path: str, media: str) -> None:
    status, headers, _ = request(server, path)
    assert status == 200
    assert headers["Content-Type"] == media


def test_get_has_strong_validators_and_the_bytes(server: int, site: Path) -> None:
    status, headers, body = request(server, "/topics/ai.atom.xml")
    assert status == 200
    assert body == b"<feed>ai</feed>"
    assert headers["Content-Length"] == str(len(body))
    assert headers["ETag"].startswith('"') and not headers["ETag"].startswith("W/")
    assert "GMT" in headers["Last-Modified"]


def test_etag_follows_the_bytes(server: int, site: Path) -> None:
    _, first, _ = request(server, "/all.atom.xml")
    _, again, _ = request(server, "/all.atom.xml")
    (site / "all.atom.xml").write_bytes(b"<feed>new</feed>")
    _, changed, _ = request(server, "/all.atom.xml")
    assert first["ETag"] == again["ETag"] != changed["ETag"]


def test_if_none_match_gives_304_without_a_body(server: int) -> None:
    _, headers, _ = request(server, "/all.atom.xml")
    status, again, body = request(
        server, "/all.atom.xml", headers={"If-None-Match": headers["ETag"]}
    )
    assert status == 304
    assert body == b""
    assert again["ETag"] == headers["ETag"]
    status, _, _ = request(server, "/all.atom.xml", headers={"If-None-Match": '"other"'})
    assert status == 200


def test_if_modified_since(server: int, site: Path) -> None:
    _, headers, _ = request(server, "/all.rss.xml")
    status, _, _ = request(
        server, "/all.rss.xml", headers={"If-Modified-Since": headers["Last-Modified"]}
    )
    assert status == 304
    earlier = formatdate((site / "all.rss.xml").stat().st_mtime - 3600, usegmt=True)
    status, _, body = request(server, "/all.rss.xml", headers={"If-Modified-Since": earlier})
    assert status == 200 and body == b"<rss/>"
    status, _, _ = request(server, "/all.rss.xml", headers={"If-Modified-Since": "nonsense"})
    assert status == 200


def test_if_none_match_wins_over_if_modified_since(server: int) -> None:
    _, headers, _ = request(server, "/all.atom.xml")
    status, _, _ = request(
        server,
        "/all.atom.xml",
        headers={"If-None-Match": '"other"', "If-Modified-Since": headers["Last-Modified"]},
    )
    assert status == 200


def test_head_has_the_headers_and_no_body(server: int) -> None:
    status, headers, body = request(server, "/all.atom.xml", method="HEAD")
    assert status == 200
    assert body == b""
    assert headers["Content-Length"] == str(len(b"<feed/>"))
    assert headers["Content-Type"] == "application/atom+xml"


@pytest.mark.parametrize(
    "path",
    [
        "/../secret.txt",
        "/%2e%2e/secret.txt",
        "/topics/%2E%2E/%2E%2E/secret.txt",
        "/..%2fsecret.txt",
        "/escape",
        "/.feedpub-manifest.json",
        "/topics/",
        "/missing.xml",
        "/all.atom.xml%00.txt",
    ],
)
def test_nothing_outside_no_hidden_files_no_listings(server: int, path: str) -> None:
    status, _, body = request(server, path)
    assert status == 404
    assert b"outside" not in body


def test_resolve_and_media_type(site: Path) -> None:
    assert resolve(site, "/topics/ai.atom.xml") == (site / "topics" / "ai.atom.xml").resolve()
    assert resolve(site, "/../secret.txt") is None
    assert media_type("x.bin") == "application/octet-stream"


def test_watch_rebuilds_when_the_fingerprint_changes() -> None:
    states = iter([1, 1, 2, 2, 3])
    calls: list[int] = []
    stop = threading.Event()

    def rebuild() -> None:
        calls.append(1)
        if len(calls) == 2:
            stop.set()

    def fingerprint() -> int:
        try:
            return next(states)
        except StopIteration:
            stop.set()
            return 3

    watch(fingerprint, rebuild, stop, interval=0.001)
    assert len(calls) == 2


def test_serve_command_watches_and_rebuilds(tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    write_record(seeds, "a.md", article(1, title="Before the edit"))
    command = [sys.executable, "-m", "feedpub", "serve", str(tmp_path / "out"), "--port", "0"]
    watching = ["--watch", "--source", str(seeds), "--base-url", "https://feeds.example.org/"]
    process = subprocess.Popen(
        [*command, *watching],
        cwd=tmp_path,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stderr is not None
        line = ""
        while "Serving" not in line:
            line = process.stderr.readline()
            assert line, "the server stopped before serving"
        port = int(line.rsplit(":", 1)[1].split("/")[0])
        _, _, body = request(port, "/all.atom.xml")
        assert b"Before the edit" in body
        write_record(seeds, "a.md", article(1, title="After the edit"))
        deadline = time.monotonic() + 10
        while b"After the edit" not in body and time.monotonic() < deadline:
            time.sleep(0.2)
            _, _, body = request(port, "/all.atom.xml")
        assert b"After the edit" in body
    finally:
        process.terminate()
        process.wait(timeout=10)
