"""Regressions: bugs a review of the performance rework (issue 6) found, each fixed.

Each test's docstring describes the bug as it was; the test passes now that it is
fixed, and failed before.
"""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from conftest import article, write_record
from feedpub import Config, build
from feedpub.cache import RecordStore
from feedpub.config import CustomFeed
from feedpub.source import Records
from feedpub.types import Article, Provider, Related
from grouping import group_articles

WHEN = datetime(2026, 1, 1, 10, tzinfo=UTC)
OLD_NS = 1_600_000_000_000_000_000  # a settled mtime, long past


def _article(path: str, url: str, domain: str, **fields: object) -> Article:
    return Article(
        path=path,
        title=f"Title of {path}",
        web_url=url,
        published_at=WHEN,
        provider=Provider("Name", domain),
        topics=("AI",),
        **fields,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize(
    ("quality", "min_quality", "included"),
    [
        (2**64, 2**63, True),  # 2**64 >= 2**63, but the table clamps it to 2**63 - 1
        (2**63 + 5, 2**63 + 1, True),  # both clamp to 2**63 - 1, below min_quality
        (-(2**63), -(2**63) + 1, False),  # clamped up to -(2**63) + 1, which passes
    ],
)
def test_custom_feed_min_quality_compares_qualities_beyond_64_bits_exactly(
    config: Config, quality: int, min_quality: int, included: bool
) -> None:
    """`DigestTable.append` clamps `quality` into a signed 64-bit array ("beyond 64 bits,
    only the order matters"), but `group.matches` compares the clamped value with the
    custom feed's `min_quality`, which is an unbounded int from feedpub.yaml. The order
    against `min_quality` is lost: a record with quality 2**64 is dropped from a feed
    with min_quality 2**63, and one with quality -(2**63) passes min_quality
    -(2**63)+1. The old code (e1c7c8a) compared the exact ints."""
    feed = CustomFeed(name="best", title="Best", min_quality=min_quality)
    record = _article("a.md", "https://news.example/a", "news.example", quality=quality)
    result = group_articles([record], replace(config, feeds=(feed,)))
    custom = [f for f in result.feeds if f.name == "custom/best"]
    urls = [e.id for f in custom for e in f.entries]
    assert urls == (["https://news.example/a"] if included else [])


def test_provider_slug_warning_names_the_first_record_even_through_a_self_mention(
    config: Config,
) -> None:
    """A provider domain's slug warning is reported at the first record (in path order)
    that names the domain. The old `select` counted every related item's provider,
    including a related item whose URL is the article's own; the new one builds
    `mention_order` without self-mentions before it looks for first namers, so the
    warning moves to a later record."""
    first = _article(
        "a.md",
        "https://x.example/1",
        "a-b.example",
        related=(
            Related(
                "Itself",
                "https://x.example/1",  # the article's own URL
                provider=Provider("Other", "a.b.example"),
            ),
        ),
    )
    second = _article("b.md", "https://x.example/2", "a.b.example")
    result = group_articles([first, second], config)
    warnings = [p for p in result.problems if p.field == "provider.domain"]
    assert len(warnings) == 1
    assert "'a.b.example' has the same slug as 'a-b.example'" in warnings[0].message
    assert warnings[0].path == "a.md"  # e1c7c8a says a.md; HEAD says b.md


class _Interrupted(Exception):
    """Stands for Ctrl-C (or any error) arriving late in a scan."""


def _settle(path: Path, ns: int) -> None:
    os.utime(path, ns=(ns, ns))


def test_an_interrupted_scan_leaves_a_snapshot_the_store_no_longer_matches(
    config: Config, tmp_path: Path
) -> None:
    """`Records.scan` commits in `finally`, so a scan interrupted after a chunk's
    `store.put` keeps the new rows but the *previous* snapshot. The next scan with the
    same paths trusts the snapshot (`_compare_with_snapshot`) without looking at the
    rows, so a file put back as it was at the snapshot (same bytes, same mtime: a
    restore from a backup, `cp -p`, `rsync -a`) gets its digest from the snapshot but
    its article from the store's newer row: the feed shows text the file no longer has.
    The old code compared the rows themselves and re-parsed the file. A fresh
    (--no-cache) build of the same files shows the file's real title."""
    cached = replace(config, cache_dir=tmp_path / "cache", jobs=1)
    source = config.source
    a = write_record(source, "a.md", article(1, title="Version A"))
    for n in (2, 3):
        _settle(write_record(source, f"m{n}.md", article(n)), OLD_NS + n)
    _settle(a, OLD_NS)
    version_a = a.read_bytes()
    build(cached)

    # Edited, then a build interrupted at the very end of its scan: a.md sorts first, so
    # its new row is put when the chunk ends, before the run of copied records m2, m3
    # is copied and reported (the last progress call).
    write_record(source, "a.md", article(1, title="Version B"))
    _settle(a, OLD_NS + 10**12)

    def progress(done: int, total: int) -> None:
        if done == total:
            raise _Interrupted

    with pytest.raises(_Interrupted):
        build(cached, progress=progress)

    # The edit is undone, bytes and mtime as they were at the first build.
    a.write_bytes(version_a)
    _settle(a, OLD_NS)

    # Any setting that makes the feeds render again (here the site title).
    retitled = replace(cached, title="Renamed site")
    build(retitled)
    fresh = replace(retitled, cache_dir=None, output=tmp_path / "fresh")
    build(fresh)
    cached_all = (retitled.output / "all.json").read_text(encoding="utf-8")
    fresh_all = (fresh.output / "all.json").read_text(encoding="utf-8")
    assert "Version A" in fresh_all
    assert cached_all == fresh_all  # the cached build says "Version B"


def test_snapshot_name_tables_do_not_keep_every_name_ever_seen(
    config: Config, tmp_path: Path
) -> None:
    """`Records.scan` always starts from `snapshot.table.continuing()`, which copies the
    snapshot's `strings` and `topic_lists` whole, and nothing ever removes an entry. So
    every provider name, domain, type, category and topic combination any past version
    of any record had stays in the snapshot (and in memory, and is pickled on every
    build) forever: the tables grow with the history of edits, not with the feeds as
    table.py promises."""
    cached = replace(config, cache_dir=tmp_path / "cache", jobs=1)
    record = write_record(config.source, "a.md", article(1))
    for version in range(5):
        write_record(
            config.source,
            "a.md",
            article(1, provider={"name": f"Name {version}", "domain": f"d{version}.example"}),
        )
        _settle(record, OLD_NS + version * 10**12)
        build(cached)
    assert cached.cache_dir is not None
    with RecordStore(cached.cache_dir, cached.source, cached.output) as store:
        snapshot = Records(cached.source, store, jobs=1)._snapshot()
    assert snapshot is not None
    stale = [s for s in snapshot.table.strings if s.startswith(("Name ", "d")) and "4" not in s]
    assert stale == []  # the review found Name 0-3 and d0-d3.example kept
    fresh = replace(cached, output=tmp_path / "fresh", cache_dir=None)
    build(fresh)
    built = sorted(p.relative_to(cached.output) for p in cached.output.rglob("*") if p.is_file())
    for relative in built:
        assert (cached.output / relative).read_bytes() == (fresh.output / relative).read_bytes()
