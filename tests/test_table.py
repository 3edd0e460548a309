"""The digest table: what grouping keeps of every record, column by column."""

from __future__ import annotations

import math
import random
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

import pytest

from conftest import article, write_record
from feedpub.cache import RecordStore
from feedpub.load import digest_of, url_key
from feedpub.source import Records
from feedpub.table import DigestTable, Paths
from feedpub.types import Article, DigestRow, Provider, Related

WHEN = datetime(2025, 12, 1, 8, tzinfo=UTC)


def _article(url: str, *related: Related, published: bool = True) -> Article:
    return Article(
        path=f"{url[-1]}.md",
        title="A",
        web_url=url,
        published_at=WHEN,
        provider=Provider("News", "news.example"),
        published=published,
        topics=("AI",),
        related=related,
    )


def test_digest_of_gives_the_plain_row_the_table_and_the_cache_read() -> None:
    """No shape between an article and its row: the row is plain tuples, as stored."""
    dated = Related("R", "https://other.example/r", WHEN, provider=Provider("O", "o.example"))
    row = digest_of(_article("https://news.example/1", dated, Related("S", "https://x.example/s")))
    assert type(row) is tuple
    assert all(type(mention) is tuple for mention in row[9])
    assert row == (
        url_key("https://news.example/1"),
        WHEN.timestamp(),
        True,
        "news.example",
        "News",
        ("AI",),
        None,
        None,
        None,
        (
            (url_key("https://other.example/r"), WHEN.timestamp(), "o.example", "O"),
            (url_key("https://x.example/s"), None, None, None),
        ),
    )


def test_the_table_gives_each_mention_its_record_and_its_date() -> None:
    """A mention without a date takes its record's; every mention knows its record."""
    dated = datetime(2025, 1, 2, tzinfo=UTC)
    other = Related("R", "https://other.example/r", dated)
    bare = Related("S", "https://x.example/s")
    table = DigestTable(
        [
            digest_of(_article("https://news.example/1", other, bare)),
            None,  # a record with errors
            digest_of(_article("https://news.example/2", published=False)),
            digest_of(_article("https://news.example/3", bare)),
        ]
    )
    assert list(table.mention_owners()) == [0, 0, 3]
    assert table.mention_time(0, 0) == dated.timestamp()
    assert table.mention_time(1, 0) == WHEN.timestamp()
    assert table.mention_date(1) is None and math.isnan(table.mention_timestamp[1])
    assert list(table.records_to_publish(include_drafts=False)) == [0, 3]
    assert list(table.records_to_publish(include_drafts=True)) == [0, 2, 3]


def test_paths_read_back_as_given_at_a_few_bytes_each() -> None:
    """A corpus's paths are kept packed: as strings of their own they cost ~90 bytes each."""
    given = sorted(f"/srv/site/records/{i % 256:02x}/{i:07d}.md" for i in range(20_000))
    tracemalloc.start()
    try:
        paths = Paths(given)
        held = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert held < 24 * len(given)  # 13 characters past the shared folder, and 8 bytes
    assert len(paths) == len(given) and list(paths) == given
    assert (paths[0], paths[-1], paths[19_999]) == (given[0], given[-1], given[-1])
    assert paths[5:9] == given[5:9] and paths[::-7000] == given[::-7000]
    with pytest.raises(IndexError):
        paths[20_000]


@pytest.mark.parametrize(
    "given",
    [[], ["a.md"], ["a.md", "a.md"], ["a", "ab", "b/ü.md", "b/😀.md"], ["/x/é.md", "/x/e.md"]],
)
def test_paths_keep_any_names(given: list[str]) -> None:
    assert list(Paths(given)) == given
    assert [Paths(given)[i] for i in range(-len(given), len(given))] == given * 2


def _row(table: DigestTable, record: int) -> object:
    """Row `record` as values, whatever numbers the table gives its names."""
    mentions = [
        (
            table.mention_key[m],
            table.mention_date(m),
            table.text(table.mention_domain[m]),
            table.text(table.mention_name[m]),
        )
        for m in table.mentions(record)
    ]
    names = [table.text(getattr(table, c)[record]) for c in ("domain", "name", "type", "category")]
    topics = table.topic_lists[table.topics[record]] if table.topics[record] >= 0 else None
    return (
        table.key[record],
        table.timestamp[record],
        table.state[record],
        names,
        topics,
        table.get_quality(record),
        mentions,
    )


def _random_digest(
    rng: random.Random, qualities: tuple[int | None, ...] = (None, 5, 2**70, -(2**63))
) -> DigestRow | None:
    if rng.random() < 0.1:
        return None
    mentions = tuple(
        (rng.getrandbits(64), rng.choice((None, 1e9 + rng.random())), *rng.choice(_PROVIDERS))
        for _ in range(rng.randrange(4))
    )
    quality = rng.choice(qualities)
    topics = tuple(rng.sample(("AI", "Web", "Rust"), rng.randrange(1, 3)))
    domain, name = rng.choice(_PROVIDERS[1:])
    kind = rng.choice((None, "article"))
    return (
        rng.getrandbits(64),
        1e9,
        rng.random() < 0.9,
        domain,
        name,
        topics,
        kind,
        None,
        quality,
        mentions,
    )


_PROVIDERS = ((None, None), ("a.example", "A"), ("b.example", "B"), ("c.example", "C"))


@pytest.mark.parametrize("seed", range(20))
def test_rows_put_in_and_taken_out_in_place_read_as_a_table_made_afresh(seed: int) -> None:
    """A scan edits the last scan's table in place rather than copy it: every insert
    and delete leaves the rows (and qualities too big for the column) where a table
    made from the same digests has them, and a table that passes its checks."""
    rng = random.Random(seed)
    digests = [_random_digest(rng) for _ in range(rng.randrange(12))]
    table = DigestTable(digests)
    for _ in range(10):
        if digests and rng.random() < 0.4:
            start = rng.randrange(len(digests))
            stop = rng.randrange(start, len(digests) + 1)
            table.delete(start, stop)
            del digests[start:stop]
        else:
            at = rng.randrange(len(digests) + 1)
            digest = _random_digest(rng)
            table.insert(at, digest)
            digests.insert(at, digest)
        fresh = DigestTable(digests)
        assert [_row(table, r) for r in range(len(table))] == [
            _row(fresh, r) for r in range(len(fresh))
        ]
        pieces = {name: bytes(data) for name, data in table.compacted().blobs()}
        DigestTable.from_blobs(pieces)  # passes its checks


def test_a_rescan_after_a_few_changes_edits_the_last_table_in_place(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After a few records are added, changed or removed, the scan takes the last scan's
    table and edits it, rather than copy it into a second one (which, at a million
    records, costs a hundred MB more), and it holds what a scan from nothing holds."""
    source = tmp_path / "seeds"
    for n in range(40):
        write_record(
            source,
            f"{n:03d}.md",
            article(n, related=[{"title": "R", "webUrl": f"https://r.example/{n}"}]),
        )
    with RecordStore(tmp_path / "cache", source, tmp_path / "out") as store:
        Records(source, store, jobs=1).scan()
        (source / "003.md").unlink()
        (source / "004.md").unlink()
        write_record(source, "010.md", article(10, title="Changed", related=[]))
        write_record(
            source,
            "000a.md",
            article(99, topics=["New"], provider={"name": "N", "domain": "n.example"}),
        )
        write_record(source, "zzz.md", article(98))

        def copy(_: DigestTable) -> DigestTable:
            raise AssertionError("the table was copied")

        with monkeypatch.context() as patch:
            patch.setattr(DigestTable, "continuing", copy)
            edited = Records(source, store, jobs=1).scan()
    with RecordStore(None, source, tmp_path / "out") as fresh_store:
        fresh = Records(source, fresh_store, jobs=1).scan()
    assert len(edited.table) == len(fresh.table) == 40
    # Row by row, as values: the tables number their names in different orders.
    assert [_row(edited.table, r) for r in range(40)] == [_row(fresh.table, r) for r in range(40)]
    assert (edited.hashes, edited.problems) == (fresh.hashes, fresh.problems)


def test_a_table_read_back_holds_its_columns_once() -> None:
    """Reading the last scan's table frees each piece as its column is made, and checks
    the dates without a list of them (32 bytes each as Python floats): its peak is a
    column or two past the pieces, not a second table."""
    rng = random.Random(8)
    table = DigestTable(_random_digest(rng, (None, 5, 70)) for _ in range(20_000))
    tracemalloc.start()  # before the pieces are made, so that freeing them counts
    try:
        blobs = {name: bytes(data) for name, data in table.blobs()}  # as the store gives
        size = sum(map(len, blobs.values()))
        start = tracemalloc.get_traced_memory()[0]
        again = DigestTable.from_blobs(blobs)
        peak = tracemalloc.get_traced_memory()[1] - start
    finally:
        tracemalloc.stop()
    assert blobs == {}  # every piece taken
    assert [_row(again, r) for r in range(0, 20_000, 97)] == [
        _row(table, r) for r in range(0, 20_000, 97)
    ]
    assert peak < size / 2
