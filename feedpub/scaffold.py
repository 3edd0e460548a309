"""Starting a site: a commented configuration, a records folder, a CI workflow, new records.

A side door to the pipeline, not a stage of it: it writes the files a person edits,
never a feed. Every value a person typed is written through `yaml.safe_dump`, so a
title with a colon or a quote stays one valid YAML scalar, and each new record is
parsed back by the loader before it is written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from feedpub.config import CONFIG_FILE, check_values
from feedpub.errors import ConfigError, FeedpubError, escape_text
from feedpub.group import slugify
from feedpub.load import normalise_domain, parse_record

WORKFLOW_PATH = Path(".github") / "workflows" / "feeds.yml"
EXAMPLE_RECORD = "example.md"
# Control characters would be escaped in YAML but refused by the loader: refuse them here.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


@dataclass(frozen=True, slots=True)
class Scaffold:
    """What `init_site` wrote, and what it found already there and left alone."""

    written: tuple[Path, ...]
    kept: tuple[Path, ...]


def yaml_scalar(value: str) -> str:
    """`value` as one line of YAML that reads back as the same text (whitespace collapsed,
    as the loader reads text anyway)."""
    if _CONTROL.search(value):
        raise ConfigError(f"a control character is not allowed: {escape_text(value)}")
    dumped = yaml.safe_dump({"k": " ".join(value.split())}, allow_unicode=True, width=float("inf"))
    return dumped.removeprefix("k: ").removesuffix("\n")


def config_text(base_url: str, title: str, source: str = "seeds") -> str:
    """A commented feedpub.yaml: the required keys set, every other key shown at its
    default, commented out."""
    lines = [
        '# feedpub configuration: see the README\'s "Configuration" section.',
        '# Keys commented out show their default: remove the "# " to set one.',
        "",
        f"base_url: {yaml_scalar(base_url)}  # required: public URL of the output folder",
        f"title: {yaml_scalar(title)}  # feed titles and the OPML folders start with it",
        f"source: {yaml_scalar(source)}  # the folder of records",
    ]
    lines += _OPTIONAL_KEYS
    return "\n".join(lines) + "\n"


# Each optional key at its default (or an example where it has none), with why one sets it.
_OPTIONAL_KEYS = [
    "# site_url: https://example.org/          # the site the feeds belong to; default base_url",
    '# description: Articles about everything  # description of the "all" feed',
    "# author:                                 # feed-level author; default: the title",
    "#   name: The news desk",
    "#   email: desk@example.org",
    "#   uri: https://example.org/about",
    "# language: en                            # a language tag, written to every feed",
    "# max_items: 50                           # most entries per feed, the newest first",
    "# include_drafts: false                   # also publish records marked published: false",
    "# skip_invalid: false                     # publish the valid records when others have errors",
    "# strict: false                           # count warnings as errors",
    "# output: feeds                           # the folder the feeds are written to",
    "# formats: [atom, rss, json, html]        # which files to write for each feed",
    "# opml_format: atom                       # what feeds.opml subscribes to: atom, rss, json",
    "# hub: https://hub.example.org/           # a WebSub hub for every feed; default none",
    "# group_by: [topic, provider]             # the groupings to publish; [] for none",
    "# archives: false                         # RFC 5005 archives of older entries",
    "# archive_page_size: 50                   # entries per archive page",
    "# feeds: []                               # feeds you define: see the README",
    "# jobs: 2                                 # processes that parse and render; default per CPU",
    "# scheduler: tcp://10.0.0.5:8786          # build on a Dask cluster; needs feedpub[dask]",
    "# cache_dir: .feedpub_cache               # where the command keeps its cache",
]


def workflow_text() -> str:
    """The GitHub Actions workflow of examples/github-actions.yml, shipped in the package."""
    return resources.files("feedpub").joinpath("github-actions.yml").read_text(encoding="utf-8")


def init_site(folder: Path, base_url: str, title: str, source: str = "seeds") -> Scaffold:
    """Write a configuration, a records folder with one example record and the CI
    workflow into `folder`, leaving every file that already exists as it is.

    Raises `ConfigError`, before writing anything, for a base URL or title that the
    configuration would refuse."""
    check_values({"base_url": base_url, "title": title})
    when = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)  # a fixed date: the same example every time
    domain = _host(base_url) or "example.org"
    example = record_text("An example record: edit or delete me", when, f"https://{domain}/example")
    files = {
        folder / CONFIG_FILE: config_text(base_url, title, source),
        folder / source / EXAMPLE_RECORD: example,
        folder / WORKFLOW_PATH: workflow_text(),
    }
    written, kept = [], []
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        if _write_new(path, text):
            written.append(path)
        else:
            kept.append(path)
    return Scaffold(tuple(written), tuple(kept))


def record_text(
    title: str,
    when: datetime,
    web_url: str,
    *,
    provider: tuple[str, str] | None = None,
    topics: tuple[str, ...] = (),
) -> str:
    """A record with every field of the format, ready to build: the optional ones empty."""
    host = _host(web_url) or "example.org"
    name, domain = provider or (host, host)
    topic_list = "[" + ", ".join(yaml_scalar(t) for t in topics) + "]"
    fields = [
        ("title", yaml_scalar(title), "required"),
        ("excerpt", '""', "the entry's summary"),
        ("publishedDateTime", when.strftime("%Y-%m-%dT%H:%M:%SZ"), "required, with a time zone"),
        ("webUrl", yaml_scalar(web_url), "required: the link and the id"),
        ("originalUrl", '""', 'optional: the original, as a rel="via" link'),
        ("category", '""', "optional, for feeds you define"),
        ("type", "article", "optional, for feeds you define"),
        ("quality", '""', "optional whole number, for feeds you define"),
        ("heat", '""', "optional whole number"),
        ("published", "true", "false: a draft, left out"),
        ("provider", "", "required"),
        ("  name", yaml_scalar(name), ""),
        ("  domain", yaml_scalar(domain), ""),
        ("topics", topic_list, "optional: a feed per topic"),
        ("related", "[]", "optional: items with title, webUrl, excerpt, provider, ..."),
        ("images", "[]", "optional: the first is the thumbnail ({url, width, height})"),
        ("secured", '""', "optional, opaque: never published"),
    ]
    lines = ["---"]
    for key, value, comment in fields:
        line = f"{key}: {value}" if value else f"{key}:"
        lines.append(f"{line}  # {comment}" if comment else line)
    lines += ["---", "Optional Markdown body: it becomes the entry's content.", ""]
    return "\n".join(lines)


def new_record(
    source: Path,
    title: str,
    now: datetime,
    *,
    provider: str | None = None,
    url: str | None = None,
    site_url: str = "",
    topics: tuple[str, ...] = (),
) -> Path:
    """Write a new record into `source`, dated `now`, and return its path.

    The provider's domain is `provider`, else the host of `url`, else the site's; the
    web URL is `url`, else https://DOMAIN/SLUG. Raises `ConfigError` for a value that
    would not build and `FeedpubError` when the file exists.
    """
    domain = provider or _host(url) or _host(site_url)
    if not domain:
        raise ConfigError("no provider: pass --provider DOMAIN (or --url)")
    normal = normalise_domain(domain)
    if normal is None:
        raise ConfigError(f"--provider: not a domain name: {escape_text(domain)!r}")
    slug = slugify(title) or "record"
    when = now.astimezone(UTC)
    text = record_text(
        title, when, url or f"https://{normal}/{slug}", provider=(normal, normal), topics=topics
    )
    path = source / f"{when:%Y-%m-%d}-{slug}.md"
    _, problems = parse_record(str(path), text.encode("utf-8"))
    errors = [p for p in problems if p.is_error]
    if errors:  # a bad --url, say: the record would not build as it is
        raise ConfigError("; ".join(str(p) for p in errors))
    source.mkdir(parents=True, exist_ok=True)
    if not _write_new(path, text):
        raise FeedpubError(f"{escape_text(str(path))}: already exists; left alone")
    return path


def _host(url: str | None) -> str | None:
    """The host a URL names, as a provider domain; None when there is none."""
    try:
        host = urlsplit(url).hostname if url else None
    except ValueError:
        return None
    return normalise_domain(host) if host else None


def _write_new(path: Path, text: str) -> bool:
    """Write `text` to a file that does not exist yet; False (and nothing written) if it does."""
    try:
        with path.open("x", encoding="utf-8", newline="\n") as f:
            f.write(text)
    except FileExistsError:
        return False
    return True
