"""The pages in a real browser: headless Chromium loads the index and a topic page from
the preview server on 127.0.0.1, and the test reads the DOM it rendered after running
whatever the page would run. Through ChromeDriver it also lays them out on a desktop
(1280 px) and a phone (375 px) and measures what a person would see there.

Screenshots go to $FEEDPUB_ARTIFACTS (default tests/artifacts/) for people to look at."""

from __future__ import annotations

import base64
import http.client
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import feedparser
import listparser
import lxml.html
import pytest

from conftest import ROOT, article, write_record
from feedpub import BuildResult, Config, build, load_config
from feedpub.serve import make_server

CHROMIUM = shutil.which("chromium")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="Chromium is not installed (Debian package 'chromium'; .ci/run installs it)",
)

CHROMEDRIVER = shutil.which("chromedriver")
ARTIFACTS = Path(os.environ.get("FEEDPUB_ARTIFACTS") or ROOT / "tests" / "artifacts")
TIMEOUT = 60  # seconds for one browser run: a stuck browser fails the test, never hangs it
PWNED = "pwned"
SCRIPT = f"<script>document.title='{PWNED}'</script>"
IMAGE = f"<img src=x onerror=\"document.title='{PWNED}'\">"
HOSTILE_TITLE = f"Hostile {SCRIPT} and {IMAGE} in a title"
HOSTILE_EXCERPT = f"Hostile {IMAGE} and {SCRIPT} in an excerpt"
TOPIC_PAGE = "topics/ai.html"
PNG = b"\x89PNG\r\n\x1a\n"
WINDOW = (1280, 1400)
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    # Nothing but the preview server: the records' image hosts are not to be looked up.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]


@dataclass(frozen=True)
class Served:
    config: Config
    result: BuildResult
    base: str  # http://127.0.0.1:<port>/
    requests: list[str]  # every path the browser asked the server for

    def url(self, path: str) -> str:
        return self.base + path


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """The sample seeds plus a hostile record, built and served on 127.0.0.1."""
    root = tmp_path_factory.mktemp("browser")
    source = root / "seeds"
    shutil.copytree(ROOT / "seeds", source)
    write_record(
        source,
        "zz-hostile.md",
        article(
            999,
            title=HOSTILE_TITLE,
            excerpt=HOSTILE_EXCERPT,
            publishedDateTime="2026-11-20T09:00:00Z",
            topics=["AI"],
            provider={"name": "Hostile Wire", "domain": "hostile.example"},
        ),
    )
    config = replace(load_config(ROOT / "feedpub.yaml"), source=source, output=root / "site")
    result = build(config)
    assert not result.errors

    server = make_server(config.output, "127.0.0.1", 0)
    server.quiet = True  # type: ignore[attr-defined]
    requests: list[str] = []

    class Recording(server.RequestHandlerClass):  # type: ignore[misc,name-defined]
        def do_GET(self) -> None:
            requests.append(urlsplit(self.path).path)
            super().do_GET()

    server.RequestHandlerClass = Recording
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield Served(config, result, f"http://127.0.0.1:{server.server_address[1]}/", requests)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def run_chromium(jobs: dict[str, list[str]], work: Path) -> dict[str, bytes]:
    """Run one Chromium per job at once, each with its own profile; their standard output.

    A browser that outlives TIMEOUT is killed with everything it started, and the test fails.
    """
    assert CHROMIUM is not None
    running: dict[str, tuple[subprocess.Popen[bytes], Path, Path]] = {}
    for name, args in jobs.items():
        out, err = work / f"{name}.out", work / f"{name}.err"
        with out.open("wb") as stdout, err.open("wb") as stderr:
            process = subprocess.Popen(
                [CHROMIUM, *FLAGS, f"--user-data-dir={work / f'profile-{name}'}", *args],
                stdin=subprocess.DEVNULL,
                stdout=stdout,
                stderr=stderr,
                start_new_session=True,  # its own process group, to kill it whole
            )
        running[name] = (process, out, err)
    deadline = time.monotonic() + TIMEOUT
    failures = []
    for name, (process, _, err) in running.items():
        try:
            code = process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            failures.append(f"{name}: Chromium did not finish within {TIMEOUT} s")
            continue
        if code != 0:
            tail = err.read_text(errors="replace")[-2000:]
            failures.append(f"{name}: Chromium exited with {code}:\n{tail}")
    assert not failures, "\n".join(failures)
    return {name: out.read_bytes() for name, (_, out, _) in running.items()}


@dataclass(frozen=True)
class Rendered:
    dom: dict[str, Any]  # page path -> the rendered document
    screenshots: dict[str, Path]


@pytest.fixture(scope="module")
def rendered(served: Served, tmp_path_factory: pytest.TempPathFactory) -> Rendered:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shots = {
        "index.html": ARTIFACTS / "browser-index.png",
        TOPIC_PAGE: ARTIFACTS / "browser-topics-ai.png",
    }
    for shot in shots.values():
        shot.unlink(missing_ok=True)
    size = f"--window-size={WINDOW[0]},{WINDOW[1]}"
    jobs = {
        "dom-index": ["--dump-dom", served.url("index.html")],
        "dom-topic": ["--dump-dom", served.url(TOPIC_PAGE)],
        "shot-index": [f"--screenshot={shots['index.html']}", size, served.url("index.html")],
        "shot-topic": [f"--screenshot={shots[TOPIC_PAGE]}", size, served.url(TOPIC_PAGE)],
    }
    out = run_chromium(jobs, tmp_path_factory.mktemp("chromium"))
    dom = {
        "index.html": lxml.html.document_fromstring(out["dom-index"]),
        TOPIC_PAGE: lxml.html.document_fromstring(out["dom-topic"]),
    }
    return Rendered(dom, shots)


def get(url: str) -> tuple[int, str, bytes]:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        connection.request("GET", parts.path)
        response = connection.getresponse()
        return response.status, response.getheader("Content-Type", ""), response.read()
    finally:
        connection.close()


def test_the_rendered_pages_hold_the_feeds_and_the_entry_titles(
    served: Served, rendered: Rendered
) -> None:
    feed = json.loads((served.config.output / "topics/ai.json").read_bytes())
    titles = [item["title"] for item in feed["items"]]
    assert HOSTILE_TITLE in titles and len(titles) > 10
    page = rendered.dom[TOPIC_PAGE]
    assert [a.text_content() for a in page.xpath("//main/article/h2/a")] == titles
    text = page.find("body").text_content()
    for title in titles:
        assert title in text
    index = rendered.dom["index.html"]
    names = [h3.text_content() for h3 in index.xpath("//main//li[@class='feed']/h3")]
    site = served.config.title
    assert names == [f.title.removeprefix(f"{site}: ") for f in served.result.feeds]
    assert index.findtext(".//h1") == site
    # The browser fetched the stylesheet the pages name (the CSP allows 'self').
    assert "/style.css" in served.requests


def test_hostile_text_shows_as_text_and_runs_nothing(served: Served, rendered: Rendered) -> None:
    topic_title = next(f.title for f in served.result.feeds if f.name == "topics/ai")
    expected_titles = {"index.html": served.config.title, TOPIC_PAGE: topic_title}
    for path, page in rendered.dom.items():
        assert page.findtext("head/title") == expected_titles[path] != PWNED
        assert not page.xpath("//script"), path
        assert not page.xpath("//img[@src='x'] | //*[@onerror]"), path
    page = rendered.dom[TOPIC_PAGE]
    (hostile,) = [a for a in page.xpath("//main/article") if "Hostile" in a.text_content()]
    assert hostile.xpath("h2/a")[0].text_content() == HOSTILE_TITLE
    assert HOSTILE_EXCERPT in [p.text_content() for p in hostile.xpath("p")]
    assert not [p for p in served.requests if p.endswith("/x")]  # the <img> was never made


def test_every_autodiscovery_link_resolves_to_a_feed(served: Served, rendered: Rendered) -> None:
    for path, page in rendered.dom.items():
        links = page.xpath("/html/head/link[@rel='alternate']")
        assert len(links) >= 3, path
        for link in links:
            url = urljoin(served.url(path), link.get("href"))
            status, content_type, body = get(url)
            assert status == 200, url
            assert content_type == link.get("type"), url
            if content_type == "text/x-opml":
                subscriptions = listparser.parse(body)
                assert not subscriptions.bozo and subscriptions.feeds, url
            elif content_type == "application/feed+json":
                document = json.loads(body)
                assert document["version"] == "https://jsonfeed.org/version/1.1"
                assert document["feed_url"] == served.config.base_url + urlsplit(url).path[1:]
                assert document["items"], url
            else:
                parsed = feedparser.parse(body)
                assert not parsed.bozo, (url, parsed.get("bozo_exception"))
                kind = "atom10" if content_type == "application/atom+xml" else "rss20"
                assert parsed.version == kind, url
                assert parsed.entries, url
                selves = [x.href for x in parsed.feed.links if x.rel == "self"]
                assert selves == [served.config.base_url + urlsplit(url).path[1:]], url


def test_screenshots_are_saved_as_pngs(rendered: Rendered) -> None:
    for shot in rendered.screenshots.values():
        data = shot.read_bytes()
        assert data.startswith(PNG), shot
        width, height = struct.unpack(">II", data[16:24])  # the IHDR chunk comes first
        assert (width, height) == WINDOW, shot
        assert len(data) > 20_000, f"{shot} is too small to show a page"


# --- at a desktop's and a phone's width, through ChromeDriver ---------------------

needs_chromedriver = pytest.mark.skipif(
    CHROMEDRIVER is None,
    reason="ChromeDriver is not installed (Debian package 'chromium-driver')",
)
PHONE, DESKTOP = 375, 1280
# What the tests ask of each page, measured in the page as laid out. ChromeDriver runs
# this through the DevTools protocol, which the pages' CSP does not govern.
MEASURE = """
const field = (input) => ({
  id: input.id, value: input.value, readOnly: input.readOnly, type: input.type,
  label: (document.querySelector(`label[for="${input.id}"]`) || {}).textContent || null,
});
return {
  width: window.innerWidth,
  clientWidth: document.documentElement.clientWidth,
  scrollWidth: document.documentElement.scrollWidth,
  articles: [...document.querySelectorAll("main > article")].map((a) => ({
    body: !!a.querySelector(":scope > div.body"),
    more: [...a.querySelectorAll(":scope > p.more a")].map((x) => x.href),
    link: a.querySelector("h2 a").href,
    times: [...a.querySelectorAll("time")].map((t) => [t.dateTime, t.textContent]),
    topics: [...a.querySelectorAll(".topics a")].map((x) => x.href),
  })),
  fields: [...document.querySelectorAll("input")].map(field),
  wide: [...document.querySelectorAll("body *")]
    .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 0.5)
    .map((e) => e.tagName + "." + e.className),
};
"""


class WebDriver:
    """The few W3C WebDriver commands these tests use, over plain HTTP."""

    def __init__(self, port: int) -> None:
        self.port = port

    def call(self, method: str, path: str, body: object = None) -> Any:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=TIMEOUT)
        try:
            data = None if body is None else json.dumps(body)
            headers = {"Content-Type": "application/json"}
            connection.request(method, path, data, headers)
            answer = json.loads(connection.getresponse().read() or b"{}")
        finally:
            connection.close()
        value = answer.get("value") if isinstance(answer, dict) else None
        if isinstance(value, dict) and "error" in value:
            raise AssertionError(f"WebDriver {method} {path}: {value.get('message')}")
        return value

    def session(self, width: int, profile: Path) -> str:
        options: dict[str, Any] = {
            "binary": CHROMIUM,
            "args": [*FLAGS, f"--user-data-dir={profile}", f"--window-size={DESKTOP},900"],
        }
        # The viewport exactly `width` wide; a phone's honours <meta name="viewport">.
        mobile = width == PHONE
        options["mobileEmulation"] = {
            "deviceMetrics": {
                "width": width,
                "height": 812 if mobile else 900,
                "pixelRatio": 1,
                "mobile": mobile,
                "touch": mobile,
            }
        }
        capabilities = {"browserName": "chrome", "goog:chromeOptions": options}
        answer = self.call("POST", "/session", {"capabilities": {"alwaysMatch": capabilities}})
        return str(answer["sessionId"])


@pytest.fixture(scope="module")
def webdriver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebDriver]:
    assert CHROMEDRIVER is not None
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log = tmp_path_factory.mktemp("chromedriver") / "chromedriver.log"
    process = subprocess.Popen(
        [CHROMEDRIVER, f"--port={port}", f"--log-path={log}"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group: the browsers it starts go with it
    )
    driver = WebDriver(port)
    try:
        deadline = time.monotonic() + TIMEOUT
        while True:
            try:
                if driver.call("GET", "/status").get("ready"):
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, "ChromeDriver did not start"
            time.sleep(0.1)
        yield driver
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@dataclass(frozen=True)
class Laid:
    """A page as laid out at one width: what MEASURE found, and its screenshot."""

    facts: dict[str, Any]
    screenshot: Path


@pytest.fixture(scope="module")
def laid_out(
    served: Served, webdriver: WebDriver, tmp_path_factory: pytest.TempPathFactory
) -> dict[tuple[str, int], Laid]:
    """The index and a topic page at a desktop's and a phone's width."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    found = {}
    for width in (DESKTOP, PHONE):
        session = webdriver.session(width, tmp_path_factory.mktemp(f"profile-{width}"))
        try:
            for page in ("index.html", TOPIC_PAGE):
                webdriver.call("POST", f"/session/{session}/url", {"url": served.url(page)})
                facts = webdriver.call(
                    "POST", f"/session/{session}/execute/sync", {"script": MEASURE, "args": []}
                )
                shot = ARTIFACTS / f"{page.replace('/', '-').removesuffix('.html')}-{width}.png"
                # The first screen, as a person sees it, and the whole page to look over.
                first = webdriver.call("GET", f"/session/{session}/screenshot")
                shot.write_bytes(base64.b64decode(first))
                whole = webdriver.call(
                    "POST",
                    f"/session/{session}/goog/cdp/execute",
                    {"cmd": "Page.captureScreenshot", "params": {"captureBeyondViewport": True}},
                )
                full = shot.with_name(f"{shot.stem}-full.png")
                full.write_bytes(base64.b64decode(whole["data"]))
                found[page, width] = Laid(facts, shot)
        finally:
            webdriver.call("DELETE", f"/session/{session}")
    return found


@needs_chromedriver
@pytest.mark.parametrize("width", [DESKTOP, PHONE])
@pytest.mark.parametrize("page", ["index.html", TOPIC_PAGE])
def test_the_page_fits_the_width_without_scrolling_sideways(
    laid_out: dict[tuple[str, int], Laid], page: str, width: int
) -> None:
    facts = laid_out[page, width].facts
    # A desktop's window keeps a scroll bar's width (15 px) of its own; a phone's does not.
    assert facts["width"] == width if width == PHONE else width - 20 <= facts["width"] <= width
    assert facts["scrollWidth"] <= min(width, facts["clientWidth"]), facts["wide"]
    assert facts["wide"] == []
    shot = laid_out[page, width].screenshot
    for data in (shot.read_bytes(), shot.with_name(f"{shot.stem}-full.png").read_bytes()):
        assert data.startswith(PNG)
        assert struct.unpack(">I", data[16:20])[0] in (width, facts["clientWidth"])


@needs_chromedriver
@pytest.mark.parametrize("width", [DESKTOP, PHONE])
def test_a_person_sees_the_body_or_read_more_topics_dates_and_the_feed_address(
    served: Served, laid_out: dict[tuple[str, int], Laid], width: int
) -> None:
    facts = laid_out[TOPIC_PAGE, width].facts
    articles = facts["articles"]
    assert len(articles) > 10
    assert any(a["body"] for a in articles) and any(a["more"] for a in articles)
    for shown in articles:
        # The body, or a link to read the rest where the entry lives.
        assert shown["body"] != bool(shown["more"])
        assert shown["more"] in ([], [shown["link"]])
        ((when, words),) = shown["times"]
        day = datetime.fromisoformat(when)
        assert words.startswith(f"{day.day} {day:%B} {day.year}, ")  # the C locale's names
        assert words.endswith(" UTC")
        for href in shown["topics"]:
            status, content_type, _ = get(href)  # each topic link resolves to a page
            assert (status, content_type) == (200, "text/html; charset=utf-8"), href
    # The articles about AI link to this page, among their other topics (an entry may be
    # here as a related item of an article about AI, with no topics or other ones).
    linked = [a for a in articles if served.url(TOPIC_PAGE) in a["topics"]]
    assert len(linked) > 5
    suffixes = [".atom.xml", ".rss.xml", ".json"]
    assert [f["value"] for f in facts["fields"]] == [
        served.config.feed_url(f"topics/ai{suffix}") for suffix in suffixes
    ]
    for field in facts["fields"]:
        assert field["readOnly"] and field["type"] == "text" and field["label"]
