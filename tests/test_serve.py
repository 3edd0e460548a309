"""The preview server over real HTTP on 127.0.0.1: types, validators, 304s, no escapes."""

from __future__ import annotations

import http.client
import re
import socket
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
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


@contextmanager
def running(site: Path) -> Iterator[int]:
    """A quiet server on a free port; on exit it has finished every request it took."""
    httpd = make_server(site, "127.0.0.1", 0)
    httpd.quiet = True  # type: ignore[attr-defined]
    httpd.daemon_threads = False  # so server_close() waits for the request threads
    thread = threading.Thread(target=httpd.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    try:
        yield int(httpd.server_address[1])
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture
def server(site: Path) -> Iterator[int]:
    with running(site) as port:
        yield port


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


def raw_request(port: int, data: bytes) -> bytes:
    """What the server answers to `data` sent as is, read until it closes the connection."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(data)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


LONG_NAME = "a" * 300  # more than NAME_MAX (255)
LONG_PATH = "/".join(["b" * 200] * 25)  # more than PATH_MAX (4096), each name short enough


@pytest.mark.parametrize(
    ("request_bytes", "status"),
    [
        (f"GET /{LONG_NAME} HTTP/1.0\r\n\r\n".encode(), 404),
        (f"GET /{LONG_NAME}/all.atom.xml HTTP/1.0\r\n\r\n".encode(), 404),
        (f"GET /{LONG_PATH} HTTP/1.0\r\n\r\n".encode(), 404),
        (f"HEAD /topics/{LONG_PATH}.xml HTTP/1.0\r\n\r\n".encode(), 404),
        (b"GET /all.atom.xml\x00 HTTP/1.0\r\n\r\n", 404),
        (b"GET /%00 HTTP/1.0\r\n\r\n", 404),
        (b"GET /topics%00/ai.atom.xml HTTP/1.0\r\n\r\n", 404),
        (b"GET /\xff\xfe%ff%ed%a0%80 HTTP/1.0\r\n\r\n", 404),
        (b"GET /" + b"c" * 70000 + b" HTTP/1.0\r\n\r\n", 414),
        (b"\x00\x01\x02\r\n\r\n", 400),
        (b"GET / HTTP/1.0\r\nIf-Modified-Since: Mon, 01 Jan 99999 00:00:00 GMT\r\n\r\n", 200),
        (b"GET / HTTP/1.0\r\nIf-Modified-Since: Sat, 01 Jan 0001 00:00:00 +0100\r\n\r\n", 200),
        (b"GET / HTTP/1.0\r\nIf-Modified-Since: Fri, 31 Dec 9999 23:59:59 -2359\r\n\r\n", 304),
        (b"GET / HTTP/1.0\r\nIf-Modified-Since: Mon, 01 Jan 10 00:00:00 +9999\r\n\r\n", 200),
        (b"GET / HTTP/1.0\r\nIf-Modified-Since: \x00\x1b[2J\r\n\r\n", 200),
    ],
    ids=lambda value: repr(value[:40]) if isinstance(value, bytes) else str(value),
)
def test_malformed_and_extreme_requests_get_a_status_line_and_print_nothing(
    site: Path, capfd: pytest.CaptureFixture[str], request_bytes: bytes, status: int
) -> None:
    with running(site) as port:
        answer = raw_request(port, request_bytes)
    assert re.match(rb"HTTP/1\.[01] (\d{3}) ", answer), answer[:200]
    assert int(answer[9:12]) == status
    assert capfd.readouterr().err == ""


def _hang_up(sock: socket.socket) -> None:
    # SO_LINGER 0: close with a reset, as a reader that gives up does
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


def test_a_client_that_hangs_up_early_is_not_an_error(
    site: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    (site / "big.json").write_bytes(b"x" * (32 << 20))  # far more than the socket buffers
    with running(site) as port:
        for data in (b"GET /big.json HTTP/1.0\r\n\r\n", b"GET /all.atom.xml HTTP/1.0\r\nHost"):
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
            sock.sendall(data)
            if b"big" in data:
                assert sock.recv(1024).startswith(b"HTTP/1.0 200")
            else:
                time.sleep(0.2)  # the server is waiting for the rest of the headers
            _hang_up(sock)
        status, _, _ = request(port, "/all.atom.xml")
        assert status == 200  # and it still serves
    assert capfd.readouterr().err == ""


def test_resolve_and_media_type(site: Path) -> None:
    assert resolve(site, "/topics/ai.atom.xml") == (site / "topics" / "ai.atom.xml").resolve()
    assert resolve(site, "/../secret.txt") is None
    assert media_type("x.bin") == "application/octet-stream"


def test_watch_rebuilds_once_for_each_change_and_never_otherwise() -> None:
    """Fingerprints 1 1 2 2 2 3 3 3: one rebuild when 2 is seen, one when 3 is, none at
    the start and none while nothing changes."""
    states = [1, 1, 2, 2, 2, 3, 3, 3]
    seen: list[int] = []
    rebuilt_at: list[int] = []
    stop = threading.Event()

    def fingerprint() -> int:
        if len(seen) == len(states):
            stop.set()  # every state has been looked at
            return states[-1]
        seen.append(states[len(seen)])
        return seen[-1]

    watch(fingerprint, lambda: rebuilt_at.append(seen[-1]), stop, interval=0.001)
    assert seen == states
    assert rebuilt_at == [2, 3]


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


def test_serve_watch_prints_the_problems_of_every_rebuild(tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    write_record(seeds, "a.md", article(1))
    write_record(seeds, "b.md", article(2))
    (tmp_path / "feedpub.yaml").write_text("skip_invalid: true\n")
    command = [sys.executable, "-m", "feedpub", "serve", str(tmp_path / "out"), "--port", "0"]
    watching = ["--watch", "--source", str(seeds), "--base-url", "https://feeds.example.org/"]
    process = subprocess.Popen(
        [*command, *watching], cwd=tmp_path, stderr=subprocess.PIPE, text=True
    )
    lines: list[str] = []
    assert process.stderr is not None
    reader = threading.Thread(target=lambda: lines.extend(iter(process.stderr.readline, "")))
    reader.start()

    def wait_for(text: str, after: int = 0) -> int:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            found = [i for i, line in enumerate(lines) if i >= after and text in line]
            if found:
                return found[0]
            time.sleep(0.05)
        raise AssertionError(f"no {text!r} on stderr: {lines}")

    try:
        serving = wait_for("Serving")
        write_record(seeds, "b.md", article(2, webUrl="javascript:alert(1)"))
        first = wait_for("rebuilt:", serving)
        assert any("b.md:5: webUrl: not an absolute http(s) URL" in line for line in lines[:first])
        time.sleep(0.05)  # a later mtime, for file systems with coarse timestamps
        write_record(seeds, "a.md", article(1, title="Edited"))  # b.md is still bad
        second = wait_for("rebuilt:", first + 1)
        assert any("b.md:5: webUrl" in line for line in lines[first + 1 : second])
        assert not any("Traceback" in line for line in lines)
    finally:
        process.terminate()
        process.wait(timeout=10)
        reader.join(timeout=10)
