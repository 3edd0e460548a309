"""feedpub's version, in a module of its own so any module can import it."""

import hashlib
from functools import cache
from importlib import metadata
from pathlib import Path

__version__ = "0.1.0"


@cache
def code_hash() -> str:
    """A hash of feedpub's own source and its parsing and rendering libraries' versions:
    what the cache keys on besides the version, so nothing cached by other code
    (another release, a checkout being worked on, an upgraded library) is ever taken
    for current."""
    h = hashlib.blake2b(digest_size=8)
    for path in sorted(Path(__file__).parent.glob("*.py")):
        h.update(path.name.encode() + b"\0" + path.read_bytes())
    # The libraries that parse and render shape what is cached just as much.
    names = ("lxml", "markdown-it-py", "msgspec", "PyYAML", "python-frontmatter", "rapidyaml")
    for name in names:
        try:
            h.update(f"{name}={metadata.version(name)}".encode())
        except metadata.PackageNotFoundError:
            h.update(f"{name}=?".encode())
    return h.hexdigest()
