"""Telling a WebSub hub which feeds changed, so subscribers need not poll.

WebSub leaves the publisher-to-hub step open; the common form, PubSubHubbub 0.4's and
the public hubs', is a form-encoded POST of `hub.mode=publish` and one or more
`hub.url=<feed URL>`, answered 2xx when accepted.

A build adds the feed files it created or changed to a list in the record store
(`OutputLedger.pending_pings`); `ping` tells the hub of them and drops from the list
only those the hub accepted. A refused or failed notification is sent again next
time, and `build` followed by `ping` tells the hub what `build --ping` would have.
"""

from __future__ import annotations

import functools
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from feedpub.cache import RecordStore
from feedpub.config import NO_HUB, PING_BATCH_MAX, PING_TIMEOUT, Config
from feedpub.errors import ConfigError, escape_text, raises_feedpub_errors
from feedpub.ledger import OutputLedger
from feedpub.render import FEED_FORMATS
from feedpub.types import BuildResult
from feedpub.version import __version__
from feedpub.write import MANIFEST, read_manifest

if TYPE_CHECKING:  # the HTTP client is loaded only when a ping is sent
    import urllib3

TIMEOUT = PING_TIMEOUT
ATTEMPTS = 3  # a 5xx, a 429 or no answer at all is tried twice more
BACKOFF = 0.5  # seconds before the first retry, doubled before each next one
WORKERS = 4  # requests in flight at once: quick for a few dozen feeds, no flood for the hub
MAX_BATCH = PING_BATCH_MAX
_FORM = "application/x-www-form-urlencoded"
_BODY_READ = 4096  # bytes of a hub's answer read: more than the one line reported
_DETAIL = 200  # characters of it reported
_SUFFIXES = tuple(fmt.suffix for fmt in FEED_FORMATS.values())
_DAMAGED = "the list of feeds waiting for a ping could not be read; every feed is pinged"

Report = Callable[["Notice"], None]


@dataclass(frozen=True, slots=True)
class Notice:
    """What the hub answered to the notification of one feed."""

    url: str
    status: int | None  # None: no answer (a timeout, or no connection)
    detail: str  # the hub's answer, or why there is none: one line, escaped

    @property
    def accepted(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def answer(self) -> str:
        """The status and the start of the body, or why there was no answer."""
        status = "" if self.status is None else f"{self.status} "
        return f"{status}{self.detail}".rstrip()

    def __str__(self) -> str:
        url = escape_text(self.url)
        if self.accepted:
            return f"pinged {url}: {self.status}"
        return f"failed {url}: {self.answer}"


@dataclass(frozen=True, slots=True)
class PingResult:
    """Every notification sent, and the warnings met on the way."""

    notices: tuple[Notice, ...]
    warnings: tuple[str, ...] = ()

    @property
    def failed(self) -> tuple[Notice, ...]:
        return tuple(n for n in self.notices if not n.accepted)


def pinged_paths(paths: Iterable[str]) -> list[str]:
    """The feed files among these output paths: what a hub is told of.

    Pages, the index, the OPML list and the manifest are no topic anyone subscribes
    to; RFC 5005 archive pages are history that readers walk to, not subscribe to.
    """
    return [
        p
        for p in paths
        if p.endswith(_SUFFIXES) and p != MANIFEST and not p.startswith("archives/")
    ]


@raises_feedpub_errors
def ping(
    config: Config,
    *,
    built: BuildResult | None = None,
    timeout: float = TIMEOUT,
    batch: int = 1,
    report: Report | None = None,
) -> PingResult:
    """Tell the configured hub of every feed file created or changed since the hub
    last accepted a notification for it (and of those `built` created or changed);
    keep the ones it did not accept for the next ping. Raises `ConfigError` without
    a hub."""
    if not config.hub:
        raise ConfigError(NO_HUB)
    # The stored list is input: only feed files the last build published, as its
    # manifest names them (in feedpub's own spelling), are ever sent.
    published = set(pinged_paths(read_manifest(config.output)))
    warnings: list[str] = []
    with _store(config, warnings) as store:
        ledger = OutputLedger(store.db, config.output)
        stored = ledger.pending_pings()
        if stored is None:
            warnings.append(_DAMAGED)
        wanted = set(published if stored is None else stored)
        if built is not None:
            wanted.update(pinged_paths((*built.created, *built.changed)))
        paths = sorted(wanted & published)
        urls = [config.feed_url(p) for p in paths]
        notices = publish(config.hub, urls, timeout=timeout, batch=batch, report=report)
        accepted = {p for p, n in zip(paths, notices, strict=True) if n.accepted}
        ledger.update_pending_pings(drop=accepted | (wanted - published), if_damaged=published)
    return PingResult(tuple(notices), tuple(warnings))


def _store(config: Config, warnings: list[str]) -> RecordStore:
    """The build's record store; a temporary one, with a warning, when it cannot be
    opened (then only what `built` names is pinged)."""
    try:
        return RecordStore(config.cache_dir, config.source, config.output)
    except (OSError, sqlite3.Error) as e:
        warnings.append(f"cannot use the cache ({escape_text(str(e))}); pinging without it")
        return RecordStore(None, config.source, config.output)


def publish(
    hub: str,
    urls: Sequence[str],
    *,
    timeout: float = TIMEOUT,
    batch: int = 1,
    report: Report | None = None,
) -> list[Notice]:
    """Send `hub` publish notifications for `urls`, `batch` URLs a request and a few
    requests at a time. Returns each URL's notice in the order of `urls`, and reports
    each in that order as soon as it is known."""
    batch = max(1, min(batch, MAX_BATCH))
    batches = [urls[i : i + batch] for i in range(0, len(urls), batch)]
    if not batches:
        return []
    import urllib3

    http = urllib3.PoolManager(
        num_pools=1,
        maxsize=WORKERS,
        retries=False,  # tried again in `_notify`, with pauses and a bound of its own
        timeout=urllib3.Timeout(connect=timeout, read=timeout),
        headers={"User-Agent": f"feedpub/{__version__}", "Content-Type": _FORM},
    )
    notices: list[Notice] = []
    # Set when a request got no answer in all its tries: the hub is down or unreachable,
    # and the requests not yet started are not sent, so a run with hundreds of feeds
    # ends in about one request's time instead of hundreds.
    unreachable = threading.Event()
    with http, ThreadPoolExecutor(min(WORKERS, len(batches))) as pool:
        send = functools.partial(_notify, http, hub, timeout=timeout, unreachable=unreachable)
        for answered in pool.map(send, batches):
            for notice in answered:
                if report is not None:
                    report(notice)
                notices.append(notice)
    return notices


def _notify(
    http: urllib3.PoolManager,
    hub: str,
    urls: Sequence[str],
    *,
    timeout: float,
    unreachable: threading.Event,
) -> list[Notice]:
    """One request for these URLs, tried again with a growing pause while the hub
    fails in a way that may pass (a 5xx, a 429, no answer), at most `ATTEMPTS` times."""
    body = urlencode([("hub.mode", "publish"), *(("hub.url", url) for url in urls)])
    status, detail = None, "not sent: the hub did not answer an earlier notification"
    for attempt in range(ATTEMPTS):
        if unreachable.is_set():
            break
        if attempt:
            time.sleep(BACKOFF * 2 ** (attempt - 1))
        status, detail = _post(http, hub, body.encode("ascii"), timeout)
        if status is not None and status < 500 and status != 429:
            break
    else:
        if status is None:
            unreachable.set()
    return [Notice(url, status, detail) for url in urls]


def _post(
    http: urllib3.PoolManager, hub: str, body: bytes, timeout: float
) -> tuple[int | None, str]:
    """The hub's status and the start of its answer on one line; (None, why) when
    there was no answer."""
    import urllib3

    try:
        response = http.request("POST", hub, body=body, preload_content=False, redirect=False)
        try:
            data = response.read(_BODY_READ)  # a hub's answer is untrusted: never all of it
        finally:
            response.close()
            response.release_conn()
    # NewConnectionError is a ConnectTimeoutError too, for urllib3's old callers.
    except urllib3.exceptions.NewConnectionError as e:
        return None, f"cannot connect to the hub: {_one_line(str(e.__cause__ or e))}"
    except urllib3.exceptions.TimeoutError:
        return None, f"no answer within {timeout:g} s"
    except urllib3.exceptions.HTTPError as e:
        return None, f"no answer: {_one_line(str(e))}"
    return response.status, _one_line(data.decode("utf-8", "replace"))


def _one_line(text: str) -> str:
    """Text from outside on one short line, its control characters escaped."""
    line = " ".join(text.split())
    if len(line) > _DETAIL:
        line = line[:_DETAIL] + "…"
    return escape_text(line)
