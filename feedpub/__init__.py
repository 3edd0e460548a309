"""feedpub: publish RSS 2.0, Atom 1.0 feeds per topic and per provider from article records."""

from feedpub.build import build
from feedpub.config import Author, Config, load_config
from feedpub.errors import ConfigError, FeedpubError, OutputError, RecordsError
from feedpub.types import Article, BuildResult, Entry, Feed, Image, Link, Problem, Provider, Related
from feedpub.version import __version__

__all__ = [
    "Article",
    "Author",
    "BuildResult",
    "Config",
    "ConfigError",
    "Entry",
    "Feed",
    "FeedpubError",
    "Image",
    "Link",
    "OutputError",
    "Problem",
    "Provider",
    "RecordsError",
    "Related",
    "__version__",
    "build",
    "load_config",
]
