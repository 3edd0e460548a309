"""WebSub publish notifications, sent to a real HTTP hub on 127.0.0.1 started by the test."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl

import pytest
import yaml
from click.testing import CliRunner

from conftest import article, write_record
from feedpub.cache import store_path
from feedpub.cli import cli

BASE = "https://feeds.example.org/"
FEED_SUFFIXES = (".atom.xml", ".rss.xml", ".json")


@dataclass
class Hub:
    """A WebSub hub stub: records every POST, answers with the scripted statuses (then 204)."""

    answers: list[tuple[int, bytes]] = field(default_factory=list)
    hang: bool = False  # accept the connection, read the request, never answer
    posts: list[list[tuple[str, str]]] = field(default_factory=list)
    content_types: list[str] = field(default_factory=list)
    url: str = ""
    released: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self) -> tuple[int, bytes]:
        with self.lock:
            return self.answers.pop(0) if self.answers else (204, b"")

    def urls(self) -> list[str]:
        """Every hub.url notified, in the order the hub received them."""
        return [value for post in self.posts for key, value in post if key == "hub.url"]


@pytest.fixture
def hub() -> Iterator[Hub]:
    state = Hub()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # http.server's naming
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length).decode("ascii")
            with state.lock:
                state.posts.append(parse_qsl(body, keep_blank_values=True))
                state.content_types.append(self.headers.get("Content-Type", ""))
            if state.hang:
                state.released.wait(10)  # bounded: the test ends it sooner
                return
            status, text = state.answer()
            self.send_response(status)
            self.send_header("Content-Length", str(len(text)))
            self.end_headers()
            self.wfile.write(text)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hub"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield state
    finally:
        state.released.set()
        server.shutdown()
        server.server_close()
        thread.join(10)


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, hub: Hub) -> Path:
    """A real folder: three records, and a config naming the test's hub."""
    monkeypatch.chdir(tmp_path)
    for n, topic in enumerate(["AI", "Energy", "AI"]):
        write_record(tmp_path / "seeds", f"{n}.md", article(n, topics=[topic]))
    write_config(tmp_path, hub=hub.url)
    return tmp_path


def write_config(folder: Path, **values: object) -> None:
    config = {"base_url": BASE, "source": "seeds", "output": "feeds", **values}
    (folder / "feedpub.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, [*args, "--config", "feedpub.yaml"], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def feed_urls(output: Path) -> list[str]:
    """The URL of every feed file in the output folder (not pages, OPML, archives)."""
    return sorted(
        BASE + p.relative_to(output).as_posix()
        for p in output.rglob("*")
        if p.is_file() and p.name.endswith(FEED_SUFFIXES) and not p.name.startswith(".")
    )


def snapshot(output: Path) -> dict[str, bytes]:
    return {p.relative_to(output).as_posix(): p.read_bytes() for p in output.rglob("*.*")}


def test_build_ping_notifies_each_changed_feed_once_and_none_when_nothing_changed(
    site: Path, hub: Hub
) -> None:
    code, _, err = invoke("build", "--ping")
    assert code == 0, err
    expected = feed_urls(site / "feeds")
    # 3 groups (all, 2 topics, 1 provider) in three feed formats; no page, OPML or manifest
    assert len(expected) == 12
    assert sorted(hub.urls()) == expected
    assert len(hub.posts) == 12  # one URL per request by default
    assert all(dict(post)["hub.mode"] == "publish" for post in hub.posts)
    assert set(hub.content_types) == {"application/x-www-form-urlencoded"}
    for url in expected:
        assert f"pinged {url}: 204" in err

    hub.posts.clear()
    code, _, err = invoke("build", "--ping")
    assert code == 0, err
    assert hub.posts == []
    assert "pinged" not in err

    # One record edited: exactly the feed files whose bytes changed are notified.
    before = snapshot(site / "feeds")
    write_record(site / "seeds", "1.md", article(1, topics=["Energy"], title="Edited"))
    code, _, err = invoke("build", "--ping")
    assert code == 0, err
    after = snapshot(site / "feeds")
    changed = sorted(
        BASE + p
        for p in after
        if p.endswith(FEED_SUFFIXES) and not p.startswith(".") and before.get(p) != after[p]
    )
    assert changed == [
        BASE + p
        for p in sorted(
            f"{name}{suffix}"
            for name in ("all", "providers/news-example", "topics/energy")
            for suffix in FEED_SUFFIXES
        )
    ]
    assert sorted(hub.urls()) == changed


def test_build_then_ping_sends_what_the_build_changed_once(site: Path, hub: Hub) -> None:
    code, _, err = invoke("build")
    assert code == 0, err
    assert hub.posts == []  # a build alone tells no hub
    code, _, err = invoke("ping")
    assert code == 0, err
    assert sorted(hub.urls()) == feed_urls(site / "feeds")
    hub.posts.clear()
    code, _, err = invoke("ping")
    assert code == 0, err
    assert hub.posts == []
    assert "no feed changed since the last ping" in err


def test_a_hub_error_is_retried_then_succeeds(site: Path, hub: Hub) -> None:
    hub.answers = [(500, b"busy"), (503, b"busier")]
    code, _, err = invoke("build", "--ping")
    assert code == 0, err
    urls = hub.urls()
    assert len(urls) == 12 + 2  # two notifications were sent again
    assert sorted(set(urls)) == feed_urls(site / "feeds")
    assert "failed" not in err


def test_a_hub_that_refuses_exits_1_quoting_it_and_the_ping_is_retried_next_time(
    site: Path, hub: Hub
) -> None:
    code, _, err = invoke("build")
    assert code == 0, err
    hub.answers = [(400, b"bad topic\x1b[2J\nsecond line\n")]
    code, _, err = invoke("ping", "--batch", "100")  # one request: the answer is for all
    assert code == 1
    assert len(hub.posts) == 1  # a 4xx is not tried again
    first = feed_urls(site / "feeds")[0]
    assert f"failed {first}: 400 bad topic\\x1b[2J second line" in err
    assert "\x1b" not in err
    assert "did not accept 12 of 12 notifications" in err
    # Nothing was accepted, so the next ping sends everything again.
    hub.posts.clear()
    code, _, err = invoke("ping")
    assert code == 0, err
    assert sorted(hub.urls()) == feed_urls(site / "feeds")


def test_a_hub_failing_every_try_exits_1_after_a_few(site: Path, hub: Hub) -> None:
    invoke("build")
    hub.answers = [(502, b"down")] * 3
    code, _, err = invoke("ping", "--batch", "12")
    assert code == 1
    assert len(hub.posts) == 3  # the first try and two more
    assert f"failed {BASE}all.atom.xml: 502 down" in err


def test_a_hub_that_never_answers_times_out(site: Path, hub: Hub) -> None:
    invoke("build")
    hub.hang = True
    started = time.monotonic()
    code, _, err = invoke("ping", "--batch", "12", "--timeout", "0.2")
    assert code == 1
    assert time.monotonic() - started < 8
    assert len(hub.posts) == 3
    assert f"failed {BASE}all.atom.xml: no answer within 0.2 s" in err


def test_batches_carry_several_urls(site: Path, hub: Hub) -> None:
    code, _, err = invoke("build", "--ping", "--ping-batch", "5")
    assert code == 0, err
    # hub.mode and 5, 5 and 2 URLs; the requests are sent side by side, in any order
    assert sorted(len(post) for post in hub.posts) == [3, 6, 6]
    assert sorted(hub.urls()) == feed_urls(site / "feeds")


def test_no_hub_is_a_usage_error_and_build_ping_writes_nothing(site: Path, hub: Hub) -> None:
    write_config(site)
    code, _, err = invoke("ping")
    assert code == 2
    assert "no hub" in err
    code, _, err = invoke("build", "--ping")
    assert code == 2
    assert "no hub" in err
    assert not (site / "feeds").exists()
    assert hub.posts == []


def test_build_check_with_ping_is_a_usage_error(site: Path, hub: Hub) -> None:
    code, _, err = invoke("build", "--check", "--ping")
    assert code == 2
    assert "--ping" in err


def test_a_damaged_list_of_pending_pings_pings_every_feed(site: Path, hub: Hub) -> None:
    code, _, err = invoke("build")
    assert code == 0, err
    store = store_path(site / ".feedpub_cache", site / "seeds", site / "feeds")
    with sqlite3.connect(store) as db:
        db.execute("UPDATE meta SET value = '[1, \"../x\"' WHERE key = 'pending_pings'")
    code, _, err = invoke("ping")
    assert code == 0, err
    assert "warning:" in err
    assert sorted(hub.urls()) == feed_urls(site / "feeds")
    hub.posts.clear()
    code, _, err = invoke("ping")
    assert code == 0, err
    assert hub.posts == []


def test_pending_paths_outside_the_published_feeds_are_never_sent(site: Path, hub: Hub) -> None:
    code, _, err = invoke("build")
    assert code == 0, err
    store = store_path(site / ".feedpub_cache", site / "seeds", site / "feeds")
    forged = '["../secret.json", "index.html", "feeds.opml", "all.atom.xml", "gone.rss.xml"]'
    with sqlite3.connect(store) as db:
        db.execute("UPDATE meta SET value = ? WHERE key = 'pending_pings'", (forged,))
    code, _, err = invoke("ping")
    assert code == 0, err
    assert hub.urls() == [BASE + "all.atom.xml"]


def test_a_hub_that_never_answers_is_not_sent_the_rest(site: Path, hub: Hub) -> None:
    invoke("build")
    hub.hang = True
    started = time.monotonic()
    code, _, err = invoke("ping", "--timeout", "0.2")  # 12 requests, 4 at a time
    assert code == 1
    assert time.monotonic() - started < 8
    assert len(hub.posts) <= 4 * 3  # those in flight when the hub was found silent
    assert "not sent: the hub did not answer an earlier notification" in err
    assert "did not accept 12 of 12 notifications" in err
