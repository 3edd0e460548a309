"""feedpub.yaml and command-line options to a `Config`. Defaults live here and only here."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from feedpub.errors import ConfigError, escape_text
from feedpub.formats import FEED_FORMATS, FORMATS
from feedpub.types import Problem
from feedpub.workers import cap_jobs

# The YAML reader and the record loader are imported where a value needs them: most
# builds (a warm one above all) read no feedpub.yaml and name no custom feed.
if TYPE_CHECKING:
    from feedpub.yamltext import Value

CONFIG_FILE = "feedpub.yaml"
# Where the command keeps its cache unless told otherwise: in the working folder, as
# pytest, mypy and ruff keep theirs. A library build without `cache_dir` keeps none.
DEFAULT_CACHE_DIR = Path(".feedpub_cache")
DIFF_LIMIT = 10  # entries `feedpub diff` shows per feed before "… and N more"
PING_TIMEOUT = 10.0  # seconds to wait for the hub to connect, and then to answer
PING_BATCH_MAX = 100  # feed URLs in one request to the hub at most
NO_HUB = "no hub configured: set `hub` in feedpub.yaml to tell a WebSub hub of changes"


@dataclass(frozen=True, slots=True)
class Author:
    """The person or organisation behind the feeds (Atom's feed-level author)."""

    name: str
    email: str | None = None
    uri: str | None = None


@dataclass(frozen=True, slots=True)
class CustomFeed:
    """A feed defined in the configuration: the articles that pass its filter.

    `topics` holds topic keys and `providers` normalised domains; an empty filter
    field lets everything through.
    """

    name: str
    title: str
    description: str = ""
    topics: tuple[str, ...] = ()
    providers: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    category: str | None = None
    min_quality: int | None = None
    since: datetime | None = None
    include_related: bool = True
    max_items: int | None = None


@dataclass(frozen=True, slots=True)
class Config:
    """Everything a build needs to know besides the records themselves."""

    base_url: str = ""
    source: Path = Path("seeds")
    output: Path = Path("feeds")
    site_url: str = ""
    title: str = "feedpub"
    description: str = ""
    author: Author = field(default_factory=lambda: Author("feedpub"))
    language: str | None = None
    max_items: int = 50
    include_drafts: bool = False
    skip_invalid: bool = False
    strict: bool = False
    formats: tuple[str, ...] = tuple(FORMATS)
    opml_format: str = "atom"
    hub: str | None = None
    feeds: tuple[CustomFeed, ...] = ()
    group_by: tuple[str, ...] = ("topic", "provider")
    archives: bool = False
    archive_page_size: int = 50
    jobs: int | None = None  # worker processes for parsing; None: one per CPU
    cache_dir: Path | None = None  # None: nothing kept (the CLI keeps DEFAULT_CACHE_DIR)
    # A Dask scheduler's address (or "local") to build on; None: this machine's processes.
    # Not part of the repr builds hash: it never changes what a build writes.
    scheduler: str | None = field(default=None, repr=False)
    # What the person running feedpub should hear about the settings themselves, once;
    # not a setting, so it is neither compared nor part of the repr builds hash.
    warnings: tuple[Problem, ...] = field(default=(), compare=False, repr=False)

    @property
    def home_url(self) -> str:
        """The site the feeds belong to: `site_url`, else the base URL."""
        return self.site_url or self.base_url

    def feed_url(self, relpath: str) -> str:
        """The public URL of a file in the output folder."""
        return self.base_url + relpath


_KEYS = {
    "base_url",
    "site_url",
    "title",
    "description",
    "author",
    "language",
    "max_items",
    "include_drafts",
    "skip_invalid",
    "strict",
    "formats",
    "opml_format",
    "hub",
    "feeds",
    "group_by",
    "archives",
    "archive_page_size",
    "jobs",
    "scheduler",
    "cache_dir",
    "source",
    "output",
}
_AUTHOR_KEYS = {"name", "email", "uri"}
_FEED_KEYS = {
    "name",
    "title",
    "description",
    "topics",
    "providers",
    "types",
    "category",
    "min_quality",
    "since",
    "include_related",
    "max_items",
}
_FEED_NAME = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,78}[a-z0-9])?$")
GROUPINGS = ("topic", "provider")
_LANGUAGE = re.compile(r"^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$")
_SPACES = re.compile(r"\s+")
# What no feed can carry (XML 1.0 forbids it, or it is a control code that moves a
# terminal's cursor), once whitespace is collapsed: C0, DEL, C1, surrogates, U+FFFE/F.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
# RFC 3986: the characters a URL may hold; `%` only as the start of an escape.
_URL_CHAR = re.compile(r"[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2}")


def load_config(
    path: Path | None = None, *, require_base_url: bool = True, **overrides: Any
) -> Config:
    """Read `path` (or ./feedpub.yaml when present), apply overrides that are not None.

    Relative `source` and `output` in the file are taken from the file's folder;
    overrides are taken as given. Raises `ConfigError` naming the bad key. Only
    checking records can do without a base URL.
    """
    values: dict[str, Any] = {}
    lines: Callable[..., int | None] = lambda *key: None  # noqa: E731
    if path is None and Path(CONFIG_FILE).is_file():
        path = Path(CONFIG_FILE)
    if path is not None:
        values, lines = _read_file(path)
    given = {k: v for k, v in overrides.items() if v is not None}
    values.update(given)
    file_name = str(path) if path is not None else CONFIG_FILE
    if require_base_url and not values.get("base_url"):
        raise ConfigError(
            "no base URL: pass --base-url URL or set base_url in feedpub.yaml "
            "(feeds need absolute URLs for their ids and self links)"
        )

    def where(key: str, *inner: str | int) -> str:
        """Where a bad value came from: the command line, or the file and line."""
        if key in given:
            return "command line"
        line = lines(key, *inner)
        return f"{file_name}:{line}" if line else file_name

    config = _to_config(values, where)
    if "title" not in values:  # the feeds would be named after the tool
        message = f'not set, so the feeds are named "{config.title}"'
        config = replace(config, warnings=(Problem(file_name, None, "title", message, "warning"),))
    return config


def check_values(values: Mapping[str, Any]) -> Config:
    """The `Config` of `values` given as options; `ConfigError` for one it would refuse."""
    return _to_config(values, lambda *key: "command line")


def _read_file(path: Path) -> tuple[dict[str, Any], Callable[..., int | None]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"{path}: cannot read: {e}") from e
    from feedpub.yamltext import YamlError, parse_yaml  # only a site with a feedpub.yaml

    try:
        doc = parse_yaml(text)
    except YamlError as e:
        raise ConfigError(f"{path}:{e.line or 1}: {e.message}") from e
    data: Value = doc.value
    if data is None:
        return {}, doc.line
    if not isinstance(data, dict):
        raise ConfigError(f"{path}:1: the configuration must be a mapping of keys to values")
    for key in data:
        if key not in _KEYS:
            known = ", ".join(sorted(_KEYS))
            raise ConfigError(
                f"{path}:{doc.line(key)}: {escape_text(str(key))}: unknown key (known: {known})"
            )
    values: dict[str, Any] = dict(data)
    for key in ("source", "output", "cache_dir"):
        if isinstance(values.get(key), str):
            values[key] = path.parent / values[key]
    return values, doc.line


def _to_config(values: Mapping[str, Any], where: Callable[..., str]) -> Config:
    changes: dict[str, Any] = {}
    if values.get("base_url"):
        changes["base_url"] = _url(values["base_url"], "base_url", where("base_url"), folder=True)
    if "site_url" in values:
        changes["site_url"] = _url(values["site_url"], "site_url", where("site_url"), folder=False)
    for key in ("title", "description"):
        if key in values:
            changes[key] = _text(values[key], key, where(key))
    if "language" in values:
        language = _text(values["language"], "language", where("language"))
        if not _LANGUAGE.match(language):
            raise ConfigError(
                f"{where('language')}: language: not a language tag such as 'en' or 'en-GB'"
            )
        changes["language"] = language
    if "author" in values:
        changes["author"] = _author(values["author"], lambda *key: where("author", *key))
    elif "title" in changes:
        changes["author"] = Author(changes["title"])
    if "max_items" in values:
        changes["max_items"] = _positive_int(values["max_items"], "max_items", where("max_items"))
    for key in ("include_drafts", "skip_invalid", "strict"):
        if key in values:
            changes[key] = _bool(values[key], key, where(key))
    for key in ("source", "output"):
        if key in values:
            changes[key] = Path(values[key])
    if "jobs" in values:
        jobs = _positive_int(values["jobs"], "jobs", where("jobs"))
        changes["jobs"] = cap_jobs(jobs)  # the pool's own rule, so both say the same
    if values.get("scheduler"):
        changes["scheduler"] = _text(values["scheduler"], "scheduler", where("scheduler"))
    if "cache_dir" in values:
        changes["cache_dir"] = Path(values["cache_dir"]) if values["cache_dir"] else None
    if "hub" in values:
        changes["hub"] = _url(values["hub"], "hub", where("hub"), folder=False)
    if "formats" in values:
        changes["formats"] = _formats(values["formats"], where("formats"))
    if "opml_format" in values:
        changes["opml_format"] = _text(values["opml_format"], "opml_format", where("opml_format"))
    if "feeds" in values:
        changes["feeds"] = _custom_feeds(values["feeds"], where)
    if "group_by" in values:
        changes["group_by"] = _group_by(values["group_by"], where("group_by"))
    if "archives" in values:
        changes["archives"] = _bool(values["archives"], "archives", where("archives"))
    if "archive_page_size" in values:
        changes["archive_page_size"] = _positive_int(
            values["archive_page_size"], "archive_page_size", where("archive_page_size")
        )
    config = Config(**changes)
    if config.opml_format not in FEED_FORMATS or config.opml_format not in config.formats:
        enabled = ", ".join(f for f in FEED_FORMATS if f in config.formats)
        raise ConfigError(
            f"{where('opml_format')}: opml_format: must be one of the enabled feed formats "
            f"({enabled}), not {config.opml_format!r}"
        )
    return config


def _group_by(value: Any, where: str) -> tuple[str, ...]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or any(item not in GROUPINGS for item in items):
        raise ConfigError(
            f"{where}: group_by: must be a list of {' and '.join(GROUPINGS)} (or empty): {value!r}"
        )
    return tuple(g for g in GROUPINGS if g in items)


def _custom_feeds(value: Any, where: Callable[..., str]) -> tuple[CustomFeed, ...]:
    if not isinstance(value, list):
        raise ConfigError(f"{where('feeds')}: feeds: must be a list of feed definitions")
    feeds: list[CustomFeed] = []
    for i, item in enumerate(value):
        feeds.append(_custom_feed(item, i, lambda *key, i=i: where("feeds", i, *key)))
    names = [f.name for f in feeds]
    for i, name in enumerate(names):
        if name in names[:i]:
            raise ConfigError(
                f"{where('feeds', i, 'name')}: feeds[{i}].name: {name!r} is used twice"
            )
    return tuple(feeds)


def _custom_feed(item: Any, i: int, where: Callable[..., str]) -> CustomFeed:
    label = f"feeds[{i}]"
    if not isinstance(item, dict):
        raise ConfigError(f"{where()}: {label}: must be a mapping with at least name and title")
    for key in item:
        if key not in _FEED_KEYS:
            known = ", ".join(sorted(_FEED_KEYS))
            raise ConfigError(
                f"{where(key)}: {label}.{escape_text(str(key))}: unknown key (known: {known})"
            )
    if "name" not in item:
        raise ConfigError(f"{where()}: {label}.name: required")
    name = _text(item["name"], f"{label}.name", where("name"))
    if not _FEED_NAME.match(name):
        raise ConfigError(
            f"{where('name')}: {label}.name: use lower-case letters, digits and '-': {name!r}"
        )
    lists: dict[str, tuple[str, ...]] = {}
    for key in ("topics", "providers", "types"):
        raw = item.get(key, [])
        raw = [raw] if isinstance(raw, str) else raw
        if not isinstance(raw, list) or not all(isinstance(x, str) and x.strip() for x in raw):
            raise ConfigError(f"{where(key)}: {label}.{key}: must be a list of names")
        lists[key] = tuple(x.strip() for x in raw)
    from feedpub.load import normalise_domain, topic_key

    providers = []
    for domain in lists["providers"]:
        normal = normalise_domain(domain)
        if normal is None:
            raise ConfigError(f"{where('providers')}: {label}.providers: not a domain: {domain!r}")
        providers.append(normal)
    since = None
    if "since" in item:
        text = _text(item["since"], f"{label}.since", where("since"))
        try:
            since = datetime.fromisoformat(text)
        except ValueError:
            raise ConfigError(f"{where('since')}: {label}.since: not a date: {text!r}") from None
        since = since.replace(tzinfo=UTC) if since.tzinfo is None else since.astimezone(UTC)
    return CustomFeed(
        name=name,
        title=_text(item.get("title", name), f"{label}.title", where("title")),
        description=_text(item["description"], f"{label}.description", where("description"))
        if "description" in item
        else "",
        topics=tuple(dict.fromkeys(topic_key(t) for t in lists["topics"])),
        providers=tuple(providers),
        types=lists["types"],
        category=_text(item["category"], f"{label}.category", where("category"))
        if "category" in item
        else None,
        min_quality=_whole(item["min_quality"], f"{label}.min_quality", where("min_quality"))
        if "min_quality" in item
        else None,
        since=since,
        include_related=_bool(
            item.get("include_related", True), f"{label}.include_related", where("include_related")
        ),
        max_items=_positive_int(item["max_items"], f"{label}.max_items", where("max_items"))
        if "max_items" in item
        else None,
    )


def _whole(value: Any, key: str, where: str) -> int:
    try:
        return int(str(value).strip())
    except ValueError:
        raise ConfigError(f"{where}: {key}: must be a whole number: {value!r}") from None


def _formats(value: Any, where: str) -> tuple[str, ...]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items:
        raise ConfigError(f"{where}: formats: must be a list of formats: {', '.join(FORMATS)}")
    for item in items:
        if item not in FORMATS:
            raise ConfigError(
                f"{where}: formats: unknown format {item!r} (known: {', '.join(FORMATS)})"
            )
    if not any(f in FEED_FORMATS for f in items):
        *most, last = FEED_FORMATS
        raise ConfigError(
            f"{where}: formats: must include a feed format ({', '.join(most)} or {last})"
        )
    return tuple(f for f in FORMATS if f in items)


def _text(value: Any, key: str, where: str) -> str:
    """Text as record fields have it: whitespace collapsed, no control characters.

    A control character is refused rather than removed: the file is the user's to fix,
    and the renderer would refuse it later anyway, with a traceback.
    """
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{where}: {key}: must be non-empty text")
    text = _SPACES.sub(" ", value).strip()
    bad = _CONTROL.search(text)
    if bad:
        raise ConfigError(
            f"{where}: {key}: a control character ({escape_text(bad.group())}) "
            f"cannot be in a feed: '{escape_text(text)}'"
        )
    return text


def _url(value: Any, key: str, where: str, *, folder: bool) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{where}: {key}: must be non-empty text")
    url = value.strip()
    bad = next((ch for ch in _URL_CHAR.sub("", url)), None)
    if bad is not None:
        # Refused, not encoded: guessing whether `%` or a non-ASCII host was meant as
        # typed could publish feed ids the user never wrote.
        raise ConfigError(
            f"{where}: {key}: {escape_text(repr(bad))} cannot be in a URL (percent-encode "
            f"it, e.g. %20 for a space; a non-ASCII host in its xn-- form): "
            f"'{escape_text(url)}'"
        )
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"{where}: {key}: not an absolute http(s) URL: {url!r}")
    if parts.query or parts.fragment:
        raise ConfigError(f"{where}: {key}: must not have a query or fragment: {url!r}")
    if folder and not url.endswith("/"):
        url += "/"
    return url


def _author(value: Any, where: Callable[..., str]) -> Author:
    if isinstance(value, str):
        return Author(_text(value, "author", where()))
    if not isinstance(value, dict):
        raise ConfigError(f"{where()}: author: must be a name or a mapping of name, email, uri")
    unknown = sorted(str(key) for key in set(value) - _AUTHOR_KEYS)
    if unknown:
        raise ConfigError(
            f"{where(unknown[0])}: author.{escape_text(unknown[0])}: unknown key "
            "(known: email, name, uri)"
        )
    if "name" not in value:
        raise ConfigError(f"{where()}: author.name: required")
    email = _text(value["email"], "author.email", where("email")) if value.get("email") else None
    if email is not None and "@" not in email:
        raise ConfigError(f"{where('email')}: author.email: not an email address: {email!r}")
    uri = _url(value["uri"], "author.uri", where("uri"), folder=False) if value.get("uri") else None
    return Author(_text(value["name"], "author.name", where("name")), email, uri)


def _positive_int(value: Any, key: str, where: str) -> int:
    try:
        number = int(str(value).strip())
    except ValueError:
        number = 0
    if isinstance(value, bool) or number < 1:
        raise ConfigError(f"{where}: {key}: must be a whole number of at least 1: {value!r}")
    return number


def _bool(value: Any, key: str, where: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "false"):
        return text == "true"
    raise ConfigError(f"{where}: {key}: must be true or false: {value!r}")
