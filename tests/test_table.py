"""The digest table: what grouping keeps of every record, column by column."""

from __future__ import annotations

import math
import tracemalloc
from datetime import UTC, datetime

import pytest

from feedpub.load import digest_of, url_key
from feedpub.table import DigestTable, Paths
from feedpub.types import Article, Provider, Related

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
