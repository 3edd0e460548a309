"""feedpub.yaml and command-line options to a `Config`. Defaults live here and only here."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from feedpub.errors import ConfigError
from feedpub.yamltext import Value, YamlError, parse_yaml

CONFIG_FILE = "feedpub.yaml"


@dataclass(frozen=True, slots=True)
class Author:
    """The person or organisation behind the feeds (Atom's feed-level author)."""

    name: str
    email: str | None = None
    uri: str | None = None


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
    formats: tuple[str, ...] = ("atom", "rss", "json", "html")
    opml_format: str = "atom"
    hub: str | None = None

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
    "source",
    "output",
}
_AUTHOR_KEYS = {"name", "email", "uri"}
FORMATS = ("atom", "rss", "json", "html")
FEED_FORMATS = ("atom", "rss", "json")  # what an OPML subscription list can point at
_LANGUAGE = re.compile(r"^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$")


def load_config(
    path: Path | None = None, *, require_base_url: bool = True, **overrides: Any
) -> Config:
    """Read `path` (or ./feedpub.yaml when present), apply overrides that are not None.

    Relative `source` and `output` in the file are taken from the file's folder;
    overrides are taken as given. Raises `ConfigError` naming the bad key. Only
    checking records can do without a base URL.
    """
    values: dict[str, Any] = {}
    if path is None and Path(CONFIG_FILE).is_file():
        path = Path(CONFIG_FILE)
    if path is not None:
        values = _read_file(path)
    given = {k: v for k, v in overrides.items() if v is not None}
    values.update(given)
    file_name = str(path) if path is not None else CONFIG_FILE
    if require_base_url and not values.get("base_url"):
        raise ConfigError(
            "no base URL: pass --base-url URL or set base_url in feedpub.yaml "
            "(feeds need absolute URLs for their ids and self links)"
        )
    # Messages name where a bad value came from: the file or the command line.
    return _to_config(values, lambda key: "command line" if key in given else file_name)


def _read_file(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"{path}: cannot read: {e}") from e
    try:
        doc = parse_yaml(text)
    except YamlError as e:
        raise ConfigError(f"{path}:{e.line or 1}: {e.message}") from e
    data: Value = doc.value
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}:1: the configuration must be a mapping of keys to values")
    for key in data:
        if key not in _KEYS:
            known = ", ".join(sorted(_KEYS))
            raise ConfigError(f"{path}:{doc.line(key)}: {key}: unknown key (known: {known})")
    values: dict[str, Any] = dict(data)
    for key in ("source", "output"):
        if isinstance(values.get(key), str):
            values[key] = path.parent / values[key]
    return values


def _to_config(values: Mapping[str, Any], where: Callable[[str], str]) -> Config:
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
        changes["author"] = _author(values["author"], where("author"))
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
    if "hub" in values:
        changes["hub"] = _url(values["hub"], "hub", where("hub"), folder=False)
    if "formats" in values:
        changes["formats"] = _formats(values["formats"], where("formats"))
    if "opml_format" in values:
        changes["opml_format"] = _text(values["opml_format"], "opml_format", where("opml_format"))
    config = Config(**changes)
    if config.opml_format not in FEED_FORMATS or config.opml_format not in config.formats:
        enabled = ", ".join(f for f in FEED_FORMATS if f in config.formats)
        raise ConfigError(
            f"{where('opml_format')}: opml_format: must be one of the enabled feed formats "
            f"({enabled}), not {config.opml_format!r}"
        )
    return config


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
        raise ConfigError(f"{where}: formats: must include a feed format (atom, rss or json)")
    return tuple(f for f in FORMATS if f in items)


def _text(value: Any, key: str, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{where}: {key}: must be non-empty text")
    return value.strip()


def _url(value: Any, key: str, where: str, *, folder: bool) -> str:
    url = _text(value, key, where)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"{where}: {key}: not an absolute http(s) URL: {url!r}")
    if parts.query or parts.fragment:
        raise ConfigError(f"{where}: {key}: must not have a query or fragment: {url!r}")
    if folder and not url.endswith("/"):
        url += "/"
    return url


def _author(value: Any, where: str) -> Author:
    if isinstance(value, str):
        return Author(_text(value, "author", where))
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: author: must be a name or a mapping of name, email, uri")
    unknown = set(value) - _AUTHOR_KEYS
    if unknown:
        raise ConfigError(
            f"{where}: author.{sorted(unknown)[0]}: unknown key (known: email, name, uri)"
        )
    if "name" not in value:
        raise ConfigError(f"{where}: author.name: required")
    email = _text(value["email"], "author.email", where) if value.get("email") else None
    if email is not None and "@" not in email:
        raise ConfigError(f"{where}: author.email: not an email address: {email!r}")
    uri = _url(value["uri"], "author.uri", where, folder=False) if value.get("uri") else None
    return Author(_text(value["name"], "author.name", where), email, uri)


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
