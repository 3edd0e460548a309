"""feedpub: publish RSS 2.0, Atom 1.0, JSON Feed and HTML pages per topic and per provider
from a folder of Markdown article records.

The public API is what `__all__` names: `build` and `check` over a `Config` from
`load_config`, the record and result types, and the errors, all under `FeedpubError`.
Everything else (the stage modules) may change between versions.
"""

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
