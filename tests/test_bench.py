"""The benchmark script (bench/bench.py): what it can be asked at a million records, with
none of its slow parts run."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from corpus import record_path, write_corpus


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    return importlib.import_module("bench")  # bench/bench.py: conftest puts bench/ first


@pytest.mark.parametrize("n", [1, 2, 255, 256, 257, 700])
def test_the_record_to_change_is_the_middle_one_in_path_order(
    bench: ModuleType, tmp_path: Path, n: int
) -> None:
    """Found from the corpus's layout, not by sorting a million paths: the same record."""
    for i in range(n):
        path = record_path(tmp_path, i)
        path.parent.mkdir(exist_ok=True)
        path.touch()
    listed = sorted(str(p) for p in tmp_path.rglob("*.md"))
    assert str(bench.record_to_change(tmp_path, n)) == listed[n // 2]


def test_the_corpus_is_written_a_record_at_a_time_saying_how_far_it_got(
    bench: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The same files as write_corpus, with no list of their paths, and progress on
    stderr (every 5%, every 10,000 records at least, and at the end)."""
    bench.write_records(tmp_path / "streamed", 300, seed=4)
    write_corpus(tmp_path / "listed", 300, seed=4)
    streamed = sorted(p.relative_to(tmp_path / "streamed") for p in tmp_path.rglob("streamed/*/*"))
    listed = sorted(p.relative_to(tmp_path / "listed") for p in tmp_path.rglob("listed/*/*"))
    assert streamed == listed and len(listed) == 300
    assert all(
        (tmp_path / "streamed" / p).read_bytes() == (tmp_path / "listed" / p).read_bytes()
        for p in listed
    )
    err = capsys.readouterr().err
    assert "corpus: 300 of 300 records" in err


def test_a_run_stops_before_it_starts_when_the_disk_has_no_room(
    bench: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A million records need the corpus, a record store and its write-ahead log as big
    while a cold build runs, and two output folders: about 14 GB."""
    need = bench.disk_needed(1_000_000, corpus_ready=False)
    assert 13e9 < sum(need.values()) < 15e9
    assert bench.disk_needed(1_000_000, corpus_ready=True)["corpus"] == 0

    class Usage:
        free = 10**9

    monkeypatch.setattr(bench.shutil, "disk_usage", lambda _: Usage)
    with pytest.raises(bench.BenchError, match="not enough room"):
        bench.check_disk(tmp_path, need)
    assert "1.0 free" in bench.check_disk(tmp_path, {"corpus": 10**6})


@pytest.mark.parametrize(
    ("n", "size"), [(300, 10_000), (99_999, 10_000), (100_000, 100_000), (10**6, 10**6)]
)
def test_targets_are_the_issues_for_the_largest_size_reached(
    bench: ModuleType, n: int, size: int
) -> None:
    assert bench.target_size(n) == size
    assert set(bench.TARGETS[size]) == {key for key, _ in bench.CASES}


def _builds(bench: ModuleType, *peaks_mib: float) -> list[Any]:
    return [
        bench.Measurement(f"k{i}", "x", 1.0, 1.0, int(p * 1024)) for i, p in enumerate(peaks_mib)
    ]


def test_the_peak_memory_targets_take_the_largest_builds_peak(bench: ModuleType) -> None:
    assert bench.peak_lines(10**6, _builds(bench, 120, 390, 200), None)[0].endswith("390  PASS")
    assert bench.peak_lines(10**6, _builds(bench, 401), None)[0].endswith("401  FAIL")
    baseline = {"n": 10_000, "builds": [{"peak_mib": 100.0}, {"peak_mib": 80.0}]}
    assert bench.peak_lines(100_000, _builds(bench, 140), baseline)[0].endswith("1.40  PASS")
    assert bench.peak_lines(100_000, _builds(bench, 160), baseline)[0].endswith("1.60  FAIL")


def test_a_long_step_says_it_is_still_running(
    bench: ModuleType,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(bench, "HEARTBEAT_SECONDS", 0.05)
    proc = bench._run(
        [sys.executable, "-c", "import time; time.sleep(0.5); print('done')"], tmp_path, "a step"
    )
    assert proc.stdout == "done\n"
    assert "a step: still running after" in capsys.readouterr().err
