"""feedpub: publish RSS 2.0, Atom 1.0, JSON Feed and HTML pages per topic and per provider
from a folder of Markdown article records.

The public API is what `__all__` names: `build` and `check` over a `Config` from
`load_config`, the record and result types, and the errors, all under `FeedpubError`.
Everything else (the stage modules) may change between versions.

The names are loaded when first used (PEP 562), so `import feedpub.cli` or any one stage
module does not import every stage: a build that finds nothing to do starts in a fraction
of the time.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from feedpub.build import build, check
    from feedpub.config import Author, Config, load_config
    from feedpub.errors import (
        CacheError,
        ConfigError,
        FeedpubError,
        OutputError,
        RecordsError,
        ShrinkError,
        SourceError,
    )
    from feedpub.types import (
        Article,
        BuildResult,
        Entry,
        Feed,
        FeedSummary,
        Image,
        Link,
        Problem,
        Provider,
        Related,
    )
    from feedpub.version import __version__

# Each public name and the module it lives in.
_HOMES = {
    "build": "build",
    "check": "build",
    "Author": "config",
    "Config": "config",
    "load_config": "config",
    "CacheError": "errors",
    "ConfigError": "errors",
    "FeedpubError": "errors",
    "OutputError": "errors",
    "RecordsError": "errors",
    "ShrinkError": "errors",
    "SourceError": "errors",
    "Article": "types",
    "BuildResult": "types",
    "Entry": "types",
    "Feed": "types",
    "FeedSummary": "types",
    "Image": "types",
    "Link": "types",
    "Problem": "types",
    "Provider": "types",
    "Related": "types",
    "__version__": "version",
}

__all__ = [
    "Article",
    "Author",
    "BuildResult",
    "CacheError",
    "Config",
    "ConfigError",
    "Entry",
    "Feed",
    "FeedSummary",
    "FeedpubError",
    "Image",
    "Link",
    "OutputError",
    "Problem",
    "Provider",
    "RecordsError",
    "Related",
    "ShrinkError",
    "SourceError",
    "__version__",
    "build",
    "check",
    "load_config",
]


def __getattr__(name: str) -> object:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'feedpub' has no attribute {name!r}")
    value = getattr(import_module(f"feedpub.{home}"), name)
    globals()[name] = value  # looked up once
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_HOMES})
