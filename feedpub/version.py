"""feedpub's version, in a module of its own so any module can import it."""

import hashlib
import os
import re
import sys
from collections.abc import Iterable
from functools import cache
from pathlib import Path

__version__ = "0.1.0"

# The libraries that parse and render shape what is cached just as much as our source.
LIBRARIES = ("lxml", "markdown-it-py", "msgspec", "PyYAML", "python-frontmatter", "rapidyaml")


@cache
def code_hash() -> str:
    """A hash of feedpub's own source and its parsing and rendering libraries' versions:
    what the cache keys on besides the version, so nothing cached by other code
    (another release, a checkout being worked on, an upgraded library) is ever taken
    for current."""
    h = hashlib.blake2b(digest_size=8)
    for path in sorted(Path(__file__).parent.glob("*.py")):
        h.update(path.name.encode() + b"\0" + path.read_bytes())
    for found in library_versions(LIBRARIES):
        h.update(found.encode())
    return h.hexdigest()


def library_versions(names: Iterable[str]) -> list[str]:
    """`name=version` of each installed distribution (`?`: not installed), as
    importlib.metadata finds it: the first on `sys.path`.

    Read from the names of the `.dist-info` folders (`{name}-{version}.dist-info`),
    not through importlib.metadata, whose import and METADATA parsing cost a warm
    build about a tenth of its time.
    """
    wanted = {_normal(name): name for name in names}
    versions: dict[str, str] = {}
    for folder in sys.path:
        try:
            entries = os.listdir(folder or ".")
        except OSError:
            continue
        for entry in entries:
            stem, dot, suffix = entry.rpartition(".")
            if not dot or suffix not in ("dist-info", "egg-info"):
                continue
            name, _, version = stem.partition("-")
            key = _normal(name)
            if key in wanted and key not in versions:
                versions[key] = version or _metadata_version(os.path.join(folder, entry))
    return [f"{name}={versions.get(key, '?')}" for key, name in wanted.items()]


def _normal(name: str) -> str:
    """A distribution name as PEP 503 compares them."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _metadata_version(folder: str) -> str:
    """The `Version:` of a distribution folder whose name does not say it (an egg-info)."""
    for name in ("METADATA", "PKG-INFO"):
        try:
            with open(os.path.join(folder, name), encoding="utf-8", errors="replace") as f:
                for line in f:
                    if line.startswith("Version:"):
                        return line.partition(":")[2].strip()
                    if not line.strip():
                        break  # the headers end at the first empty line
        except OSError:
            continue
    return "?"
