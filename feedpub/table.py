"""Every record's digest, column by column: what a build keeps of a whole corpus.

A digest as Python objects costs about a kilobyte; here a record costs about a
hundred bytes: numbers in arrays, URLs as their 64-bit keys, and each provider,
topic list, type and category as an index into a table of the distinct values, which
grow with the feeds, not with the corpus. Related items (mentions) are laid end to
end in arrays of their own, each record's starting at `first_mention[record]`.
"""

from __future__ import annotations

import itertools
import math
import operator
import os
from array import array
from collections.abc import Iterable, Iterator, Sequence
from itertools import accumulate, pairwise, repeat
from typing import overload

import msgspec

from feedpub.types import DigestRow


class Paths(Sequence[str]):
    """Every record's path, in order, packed: a path as a string of its own costs about
    a hundred bytes, here it costs its characters past the prefix all share and eight.

    Reading a path makes its string again; a list of them all is never held.
    """

    __slots__ = ("_prefix", "_starts", "_text")

    def __init__(self, paths: Sequence[str] = ()) -> None:
        # The characters every path starts with, whatever they are: only their count
        # matters, so path parts need not be compared (RUF071).
        self._prefix: str = os.path.commonprefix(paths) if paths else ""  # noqa: RUF071
        cut = len(self._prefix)
        self._starts = array("q", [0])  # path i is _text[_starts[i] : _starts[i + 1]]
        pieces = []
        for start in range(0, len(paths), 4096):  # a chunk at a time: no second list
            chunk = [path[cut:] for path in paths[start : start + 4096]]
            ends = accumulate(map(len, chunk), initial=self._starts[-1])
            next(ends)  # where the chunk starts: there already
            self._starts.extend(ends)
            pieces.append("".join(chunk))
        self._text = "".join(pieces)

    @classmethod
    def streamed(cls, paths: Iterable[str], prefix: str) -> Paths:
        """Paths packed as they come, a chunk at a time: no list of them all is made.
        Every path must start with `prefix`."""
        packed = cls()
        packed._prefix, cut = prefix, len(prefix)
        pieces = []
        iterator = iter(paths)
        while chunk := list(itertools.islice(iterator, 4096)):
            if not all(path.startswith(prefix) for path in chunk):
                raise ValueError(f"a path does not start with {prefix!r}")
            rest = [path[cut:] for path in chunk]
            ends = accumulate(map(len, rest), initial=packed._starts[-1])
            next(ends)  # where the chunk starts: there already
            packed._starts.extend(ends)
            pieces.append("".join(rest))
        packed._text = "".join(pieces)
        return packed

    def __len__(self) -> int:
        return len(self._starts) - 1

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> list[str]: ...
    def __getitem__(self, index: int | slice) -> str | list[str]:
        if isinstance(index, slice):
            start, stop, step = index.indices(len(self))
            if step != 1:
                return [self[i] for i in range(start, stop, step)]
            prefix, text = self._prefix, self._text
            return [prefix + text[a:b] for a, b in pairwise(self._starts[start : stop + 1])]
        if index < 0:
            index += len(self)
            if index < 0:
                raise IndexError("path index out of range")
        starts = self._starts  # past the end, starts[index + 1] raises IndexError
        return self._prefix + self._text[starts[index] : starts[index + 1]]

    def __iter__(self) -> Iterator[str]:
        prefix, text, starts = self._prefix, self._text, self._starts
        return (prefix + text[a:b] for a, b in pairwise(starts))


# A record's state.
INVALID, PUBLISHED, DRAFT = 0, 1, 2
NONE = -1  # the index of a missing string
_NO_QUALITY = -(2**63)
_BIG_QUALITY = _NO_QUALITY + 1  # the exact value is in DigestTable.big_quality


class DigestTable:
    """The digests of records 0..n-1, appended in path order (None: a record with errors)."""

    def __init__(self, digests: Iterable[DigestRow | None] = ()) -> None:
        self.key = array("Q")
        self.timestamp = array("d")
        self.state = bytearray()
        self.domain = array("i")
        self.name = array("i")
        self.topics = array("i")  # index into topic_lists
        self.type = array("i")
        self.category = array("i")
        self.quality = array("q")
        self.big_quality: dict[int, int] = {}  # record -> a quality the array cannot hold
        self.first_mention = array("i", [0])
        self.mention_key = array("Q")
        self.mention_timestamp = array("d")  # NaN: no date
        self.mention_domain = array("i")
        self.mention_name = array("i")
        self.strings: list[str] = []
        self.topic_lists: list[tuple[str, ...]] = []
        self._string_ids: dict[str, int] = {}
        self._topic_ids: dict[tuple[str, ...], int] = {}
        for digest in digests:
            self.append(digest)

    def __len__(self) -> int:
        return len(self.state)

    def append(self, digest: DigestRow | None) -> None:
        if digest is None:
            self.key.append(0)
            self.timestamp.append(0.0)
            self.state.append(INVALID)
            for column in (self.domain, self.name, self.topics, self.type, self.category):
                column.append(NONE)
            self.quality.append(_NO_QUALITY)
            self.first_mention.append(self.first_mention[-1])
            return
        key, timestamp, published, domain, name, topics, kind, category, quality, mentions = digest
        # Nearly every string is one met before: a dict look-up, not a method call.
        ids = self._string_ids
        string = self._string
        self.key.append(key)
        self.timestamp.append(timestamp)
        self.state.append(PUBLISHED if published else DRAFT)
        self.domain.append(ids[domain] if domain in ids else string(domain))
        self.name.append(ids[name] if name in ids else string(name))
        topic_id = self._topic_ids.get(topics)
        if topic_id is None:
            topic_id = self._topic_ids[topics] = len(self.topic_lists)
            self.topic_lists.append(topics)
        self.topics.append(topic_id)
        self.type.append(ids[kind] if kind in ids else string(kind))
        self.category.append(ids[category] if category in ids else string(category))
        if quality is None:
            self.quality.append(_NO_QUALITY)
        elif _BIG_QUALITY < quality < 2**63:
            self.quality.append(quality)
        else:  # YAML integers have no size limit
            self.big_quality[len(self.quality)] = quality
            self.quality.append(_BIG_QUALITY)
        for m_key, m_timestamp, m_domain, m_name in mentions:
            self.mention_key.append(m_key)
            self.mention_timestamp.append(math.nan if m_timestamp is None else m_timestamp)
            self.mention_domain.append(ids[m_domain] if m_domain in ids else string(m_domain))
            self.mention_name.append(ids[m_name] if m_name in ids else string(m_name))
        self.first_mention.append(len(self.mention_key))

    def _string(self, value: str | None) -> int:
        if value is None:
            return NONE
        found = self._string_ids.get(value)
        if found is None:
            found = self._string_ids[value] = len(self.strings)
            self.strings.append(value)
        return found

    def text(self, index: int) -> str | None:
        """The string a column holds `index` of."""
        return None if index == NONE else self.strings[index]

    def get_quality(self, record: int) -> int | None:
        value = self.quality[record]
        if value == _BIG_QUALITY:
            return self.big_quality[record]
        return None if value == _NO_QUALITY else value

    def mention_date(self, mention: int) -> float | None:
        value = self.mention_timestamp[mention]
        return None if math.isnan(value) else value

    def records_to_publish(self, include_drafts: bool) -> Iterator[int]:
        """The records that can be published, in path order: drafts too when asked."""
        if include_drafts:
            return (index for index, state in enumerate(self.state) if state != INVALID)
        return (index for index, state in enumerate(self.state) if state == PUBLISHED)

    def mention_owners(self) -> array[int]:
        """The record of each mention, by position in the mention columns."""
        owner = array("i")
        first = self.first_mention
        for record in range(len(self)):
            count = first[record + 1] - first[record]
            if count:  # one repeated array fills a record's run in C, not an append each
                owner.extend(array("i", [record]) * count)
        return owner

    def mention_time(self, mention: int, record: int) -> float:
        """The mention's date as a timestamp, else (it has none) that of its record."""
        timestamp = self.mention_timestamp[mention]
        # x != x tests for NaN without a call: this runs once for each related item.
        return self.timestamp[record] if timestamp != timestamp else timestamp

    def mentions(self, record: int) -> range:
        """The positions of a record's mentions in the mention columns."""
        return range(self.first_mention[record], self.first_mention[record + 1])

    # --- carrying a table over to the next build --------------------------------------

    def continuing(self) -> DigestTable:
        """An empty table that shares this one's tables of names, so that `extend_from`
        can copy this one's rows into it as they are."""
        table = DigestTable()
        table.strings = list(self.strings)
        table.topic_lists = list(self.topic_lists)
        table._string_ids = dict(self._string_ids)
        table._topic_ids = dict(self._topic_ids)
        return table

    def extend_from(self, old: DigestTable, start: int, stop: int) -> None:
        """Append rows start..stop-1 of `old`, a table this one is `continuing`."""
        for record, quality in old.big_quality.items():
            if start <= record < stop:
                self.big_quality[len(self) + record - start] = quality
        for name in _ROW_COLUMNS:
            getattr(self, name).extend(getattr(old, name)[start:stop])
        self.state.extend(old.state[start:stop])
        first, last = old.first_mention[start], old.first_mention[stop]
        shift = len(self.mention_key) - first  # where old's mentions land in this table
        for name in _MENTION_COLUMNS:
            getattr(self, name).extend(getattr(old, name)[first:last])
        self.first_mention.extend(
            array("i", [offset + shift for offset in old.first_mention[start + 1 : stop + 1]])
        )

    # --- editing a table in place: for a few changes, with no second table -----------

    def insert(self, at: int, digest: DigestRow | None) -> None:
        """Put `digest` in as row `at`; the rows from `at` on move one down."""
        last = len(self)
        self.append(digest)
        if at == last:
            return
        for name in _ROW_COLUMNS:
            column = getattr(self, name)
            column.insert(at, column.pop())
        self.state.insert(at, self.state.pop())
        starts = self.first_mention
        first, end, target = starts[last], starts[last + 1], starts[at]
        for name in _MENTION_COLUMNS:
            column = getattr(self, name)
            moved = column[first:end]
            del column[first:end]
            column[target:target] = moved
        moved_down = starts[at:last]
        del starts[at + 1 :]
        starts.extend(_shifted(moved_down, end - first))
        starts.append(end)
        self.big_quality = {
            at if row == last else row + (row >= at): quality
            for row, quality in self.big_quality.items()
        }

    def delete(self, start: int, stop: int) -> None:
        """Take rows start..stop-1 out; the rows after them move up."""
        starts = self.first_mention
        first, end = starts[start], starts[stop]
        for name in (*_ROW_COLUMNS, "state"):
            del getattr(self, name)[start:stop]
        for name in _MENTION_COLUMNS:
            del getattr(self, name)[first:end]
        moved_up = starts[stop + 1 :]
        del starts[start + 1 :]
        starts.extend(_shifted(moved_up, first - end))
        self.big_quality = {
            row - (stop - start) * (row >= stop): quality
            for row, quality in self.big_quality.items()
            if not start <= row < stop
        }

    def compacted(self) -> DigestTable:
        """This table, or, when some names are no longer used by any row (the records
        that had them changed), the same rows with only the names in use: the tables
        of names follow the records as they are, not every name they ever had."""
        used = set().union(*(getattr(self, column) for column in _NAME_COLUMNS))
        used.discard(NONE)
        used_topics = set(self.topics)
        used_topics.discard(NONE)
        if len(used) == len(self.strings) and len(used_topics) == len(self.topic_lists):
            return self
        table = DigestTable()
        for name in _ARRAYS:
            setattr(table, name, getattr(self, name))
        kept = sorted(used)
        renumbered = {NONE: NONE} | {old: new for new, old in enumerate(kept)}
        table.strings = [self.strings[old] for old in kept]
        for column in _NAME_COLUMNS:
            setattr(table, column, array("i", map(renumbered.__getitem__, getattr(self, column))))
        kept = sorted(used_topics)
        renumbered = {NONE: NONE} | {old: new for new, old in enumerate(kept)}
        table.topic_lists = [self.topic_lists[old] for old in kept]
        table.topics = array("i", map(renumbered.__getitem__, self.topics))
        table.big_quality = self.big_quality
        table._string_ids = {s: i for i, s in enumerate(table.strings)}
        table._topic_ids = {t: i for i, t in enumerate(table.topic_lists)}
        return table

    def blobs(self) -> Iterator[tuple[str, bytes | memoryview]]:
        """The table as (name, bytes) pieces, one column at a time: see `from_blobs`.

        A column's bytes are a view of it, not a copy (20 MB for a million records'
        related items): write each before the table changes.
        """
        for name in _ARRAYS:
            yield name, memoryview(getattr(self, name)).cast("B")
        names = (self.strings, self.topic_lists, sorted(self.big_quality.items()))
        yield "names", msgspec.json.encode(names)

    @classmethod
    def from_blobs(cls, blobs: dict[str, bytes]) -> DigestTable:
        """The table `blobs` gave, checked so that every index it holds points into it
        (raises KeyError or ValueError when it cannot).

        Takes its pieces out of `blobs`, so that each is freed once its column is made
        rather than a second copy of the table held to the end.
        """
        table = cls()
        for name in _ARRAYS:
            column = getattr(table, name)
            if isinstance(column, bytearray):
                column[:] = blobs.pop(name)
            else:
                del column[:]
                column.frombytes(blobs.pop(name))
        strings, topic_lists, big_quality = _NAMES.decode(blobs.pop("names"))
        table.strings, table.topic_lists = strings, [tuple(t) for t in topic_lists]
        table.big_quality = dict(big_quality)
        table._string_ids = {s: i for i, s in enumerate(table.strings)}
        table._topic_ids = {t: i for i, t in enumerate(table.topic_lists)}
        table._check()
        return table

    def _check(self) -> None:
        """Raise ValueError unless the columns fit together: one length per kind of row,
        indexes within their tables, mention runs in order, dates that are dates."""
        rows = len(self)
        if any(len(getattr(self, n)) != rows for n in _ROW_COLUMNS) or (
            len(self.first_mention) != rows + 1
            or self.first_mention[0] != 0
            or self.first_mention[-1] != len(self.mention_key)
            or any(len(getattr(self, n)) != len(self.mention_key) for n in _MENTION_COLUMNS)
        ):
            raise ValueError("columns of different lengths")
        if any(a > b for a, b in zip(self.first_mention, self.first_mention[1:], strict=False)):
            raise ValueError("mentions out of order")
        if len(self._string_ids) != len(self.strings) or len(self._topic_ids) != len(
            self.topic_lists
        ):
            raise ValueError("names listed twice")
        for column in _NAME_COLUMNS:
            _check_indexes(getattr(self, column), len(self.strings))
        _check_indexes(self.topics, len(self.topic_lists))
        if self.state and max(self.state) > DRAFT:
            raise ValueError("an unknown record state")
        # No list of the dates: as Python floats they would cost 32 bytes each.
        if any(t != t for t in self.timestamp):  # NaN: no date, which a record has
            raise ValueError("a record without a date")
        if not _within(self.timestamp) or not _within(self.mention_timestamp):
            raise ValueError("a date out of range")
        if self.quality.count(_BIG_QUALITY) != len(self.big_quality) or any(
            not 0 <= record < rows or self.quality[record] != _BIG_QUALITY
            for record in self.big_quality
        ):
            raise ValueError("qualities out of step")


def _shifted(offsets: array[int], by: int) -> array[int]:
    """`offsets`, each plus `by`: in C, with no list (operator.add is twice as fast as a
    bound method, and a list of a million ints would cost 36 MB)."""
    return array(offsets.typecode, map(operator.add, offsets, repeat(by)))


def _within(dates: Iterable[float]) -> bool:
    """True when every date (NaN: none) lies within years 1000-9999."""
    return all(_EARLIEST <= t <= _LATEST for t in dates if t == t)


def _check_indexes(column: array[int], size: int) -> None:
    if column and not (min(column) >= NONE and max(column) < size):
        raise ValueError("an index out of range")


def sort_by_key(positions: Iterable[int], keys: array[int]) -> array[int]:
    """`positions` in the order of their 64-bit `keys[position]`, in the order given
    where keys are equal (a stable sort).

    `sorted` would hold every position and every key as a Python int, about 80 bytes
    each, which a million records' related items make hundreds of MB. URL keys are
    hashes, spread evenly over their top byte: sorted one top byte at a time, they
    cost 4 bytes each and one 256th of that.
    """
    buckets = [array("i") for _ in range(256)]
    for position in positions:
        buckets[keys[position] >> 56].append(position)
    ordered = array("i")
    for bucket in buckets:
        ordered.extend(sorted(bucket, key=keys.__getitem__))
        del bucket[:]  # gives its memory back as the result grows
    return ordered


# The snapshot's tables of names: strings, topic lists and qualities too big for an array.
_NAMES = msgspec.json.Decoder(tuple[list[str], list[list[str]], list[tuple[int, int]]])
_EARLIEST, _LATEST = -1e12, 1e12  # seconds since 1970: years 1000-9999 are well inside

_ROW_COLUMNS = ("key", "timestamp", "domain", "name", "topics", "type", "category", "quality")
_MENTION_COLUMNS = ("mention_key", "mention_timestamp", "mention_domain", "mention_name")
_NAME_COLUMNS = ("domain", "name", "type", "category", "mention_domain", "mention_name")
_ARRAYS = (*_ROW_COLUMNS, *_MENTION_COLUMNS, "state", "first_mention")
