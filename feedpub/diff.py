"""What a build would change inside each feed: the entry ids it adds and removes.

For a pull-request comment, where "all.atom.xml changed" says less than the entries.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from feedpub.write import Plan, read_existing, safe_path

_ATOM = "{http://www.w3.org/2005/Atom}"


@dataclass(frozen=True, slots=True)
class FeedDiff:
    """The entries one feed file gains and loses."""

    path: str
    status: str  # "created", "changed" or "removed"
    added: tuple[str, ...]
    removed: tuple[str, ...]


def diff_feeds(output: Path, plan: Plan, files: Mapping[str, bytes]) -> list[FeedDiff]:
    """Per feed file that would change, the entry ids added and removed."""
    diffs = []
    for status, paths in (
        ("created", plan.created),
        ("changed", plan.changed),
        ("removed", plan.removed),
    ):
        for path in paths:
            old = entry_ids(read_existing(safe_path(output, path)) or b"", path)
            new = entry_ids(files.get(path, b""), path)
            if old is None or new is None:
                continue  # not a feed (the manifest, say)
            old_ids, new_ids = set(old), set(new)
            added = tuple(i for i in new if i not in old_ids)
            gone = tuple(i for i in old if i not in new_ids)
            diffs.append(FeedDiff(path, status, added, gone))
    return sorted(diffs, key=lambda d: d.path)


def entry_ids(data: bytes, path: str) -> list[str] | None:
    """The entry ids of a feed file, in order; None for a file that is not a feed."""
    if not data:
        return []
    if path.endswith(".json"):
        try:
            items = json.loads(data).get("items", [])
        except (ValueError, AttributeError):
            return []
        return [str(item.get("id")) for item in items if isinstance(item, dict)]
    if not path.endswith(".xml"):
        return None
    try:
        root = etree.fromstring(data)
    except etree.XMLSyntaxError:
        return []
    ids = root.findall(f"{_ATOM}entry/{_ATOM}id") or root.findall("channel/item/guid")
    return [str(e.text or "") for e in ids]
