"""Builds on a Dask cluster (`--scheduler`): the bytes of a local build, the same problems,
and a worker that cannot see the records named.

Real clusters only: a `LocalCluster` of two worker processes, and a `dask scheduler` with
a `dask worker` started as processes on 127.0.0.1, as a user would start them.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import DATA, article, feed_files, write_record
from feedpub import Config, RecordsError, build, load_config
from feedpub.cache import store_path
from feedpub.cli import cli
from feedpub.errors import ClusterError, ConfigError

dask = pytest.importorskip("dask", reason="Dask is not installed: pip install 'feedpub[dask]'")
distributed = pytest.importorskip(
    "distributed", reason="Dask is not installed: pip install 'feedpub[dask]'"
)

SITE = DATA / "site"


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in feed_files(folder, "")}


@pytest.fixture(scope="module")
def local_cluster() -> Iterator[str]:
    """A LocalCluster of two worker processes with one thread each: its address."""
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
    )
    try:
        yield cluster.scheduler_address
    finally:
        cluster.close()


@pytest.fixture(scope="module")
def thousands(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated corpus of a few thousand records (bench/corpus.py)."""
    from corpus import write_corpus

    folder = tmp_path_factory.mktemp("thousands")
    write_corpus(folder, 3000, seed=11)
    return folder


def _start(command: list[str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)


def _wait_for(path: Path, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while not path.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"{process.args} did not start:\n{log.read_text()}")
        time.sleep(0.1)


@pytest.fixture(scope="module")
def scheduler_file(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A `dask scheduler` and one `dask worker` (one process, one thread) on 127.0.0.1,
    started as commands: the scheduler file that names them."""
    folder = tmp_path_factory.mktemp("dask")
    file = folder / "scheduler.json"
    processes: list[subprocess.Popen[bytes]] = []
    try:
        scheduler = _start(
            [
                *(sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1"),
                *("--port", "0", "--no-dashboard", "--scheduler-file", str(file)),
            ],
            folder / "scheduler.log",
        )
        processes.append(scheduler)
        _wait_for(file, scheduler, folder / "scheduler.log")
        _add_worker(file, folder, processes, [])
        yield file
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)


def _add_worker(
    file: Path, folder: Path, processes: list[subprocess.Popen[bytes]], wrapper: list[str]
) -> None:
    """Start a `dask worker` for the scheduler `file` names (through `wrapper`, a command
    that runs it) and wait until the scheduler has it."""
    with distributed.Client(scheduler_file=str(file), timeout="30s") as client:
        before = len(client.scheduler_info()["workers"])
        name = f"worker-{len(processes)}"
        log = folder / f"{name}.log"
        command = [sys.executable, "-m", "distributed.cli.dask_worker", "--scheduler-file"]
        command += [str(file), "--nworkers", "1", "--nthreads", "1", "--no-dashboard"]
        command += ["--host", "127.0.0.1", "--name", name, "--local-directory", str(folder)]
        processes.append(_start([*wrapper, *command], log))
        try:
            client.wait_for_workers(before + 1, timeout=60)
        except TimeoutError:
            pytest.fail(f"the dask worker did not start:\n{log.read_text()}")


def _address(file: Path) -> str:
    with distributed.Client(scheduler_file=str(file), timeout="30s") as client:
        address: str = client.scheduler.address
    return address


def _golden(output: Path, **changes: object) -> Config:
    return replace(load_config(SITE / "feedpub.yaml"), output=output, **changes)


def _generated(corpus: Path, output: Path, **changes: object) -> Config:
    base = Config(base_url="https://feeds.example.org/", source=corpus, output=output)
    return replace(base, **changes)


def test_the_golden_site_and_a_corpus_build_to_the_same_bytes_on_a_local_cluster(
    local_cluster: str, thousands: Path, tmp_path: Path
) -> None:
    for name, make in (("golden", _golden), ("corpus", _generated)):
        args = (thousands,) if make is _generated else ()
        local = make(*args, tmp_path / f"{name}-local")  # type: ignore[operator]
        build(local)
        on_cluster = replace(local, output=tmp_path / f"{name}-cluster", scheduler=local_cluster)
        with (
            distributed.Client(local_cluster) as client,
            distributed.get_task_stream(client=client) as stream,
        ):
            result = build(on_cluster)
        assert tree(on_cluster.output) == tree(local.output), name
        assert result.created and not result.changed
        # Dask names a task after the functions it runs (fused in one name).
        tasks = " ".join(str(task["key"]) for task in stream.data)
        # Parsed, de-duplicated by URL and mentions merged by URL (shuffles),
        # reduced to each feed's entries (offers), traced and made there.
        for name in ("scan_part", "key_and_index", "shuffle", "offers", "trace", "_feed_bytes"):
            assert name in tasks, name


def test_the_same_bytes_through_a_dask_scheduler_and_worker_started_as_commands(
    scheduler_file: Path, thousands: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    address = _address(scheduler_file)
    local = _generated(thousands, tmp_path / "local")
    build(local)
    monkeypatch.chdir(tmp_path)  # no feedpub.yaml of this checkout
    result = CliRunner().invoke(
        cli,
        [
            *("build", str(thousands), "-o", str(tmp_path / "cluster"), "--no-cache", "-q"),
            *("--base-url", "https://feeds.example.org/"),
        ],
        env={"FEEDPUB_SCHEDULER": address},
    )
    assert result.exit_code == 0, result.output
    assert tree(tmp_path / "cluster") == tree(local.output)
    golden = _golden(tmp_path / "golden-local")
    build(golden)
    build(replace(golden, output=tmp_path / "golden-cluster", scheduler=address))
    assert tree(tmp_path / "golden-cluster") == tree(golden.output)


def test_a_bad_record_is_named_with_its_file_and_line_as_in_a_local_build(
    local_cluster: str, config: Config
) -> None:
    for n in range(3):
        write_record(config.source, f"{n}.md", article(n))
    write_record(config.source, "bad.md", article(9, webUrl="ftp://nowhere.example/9"))
    with pytest.raises(RecordsError) as local:
        build(config)
    with pytest.raises(RecordsError) as on_cluster:
        build(replace(config, scheduler=local_cluster, output=config.output.parent / "c"))
    assert on_cluster.value.problems == local.value.problems
    (problem,) = on_cluster.value.problems
    assert problem.path.endswith("bad.md") and problem.line and problem.field == "webUrl"


def test_a_worker_that_cannot_see_the_records_is_named(
    scheduler_file: Path, corpus: Path, tmp_path: Path
) -> None:
    """A worker whose file system has no such folder (a tmpfs mounted over its parent,
    in a mount namespace of its own) stops the build, named with the path."""
    source = tmp_path / "shared" / "records"
    shutil.copytree(corpus, source)
    wrapper = _hiding(source.parent)
    processes: list[subprocess.Popen[bytes]] = []
    try:
        _add_worker(scheduler_file, tmp_path, processes, wrapper)
        config = _generated(source, tmp_path / "out", scheduler=_address(scheduler_file))
        with pytest.raises(
            ConfigError, match=r"worker tcp://127\.0\.0\.1:\d+ cannot read .*records"
        ):
            build(config)
        assert not config.output.exists()
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=30)


def _hiding(folder: Path) -> list[str]:
    """A command prefix that runs a program with an empty tmpfs over `folder`, or skip."""
    if shutil.which("unshare") is None:
        pytest.skip("needs unshare (util-linux) to give one worker a file system of its own")
    user = [] if os.geteuid() == 0 else ["--user", "--map-root-user"]
    prefix = ["unshare", *user, "--mount", "--propagation", "private", "sh", "-c"]
    probe = subprocess.run(
        [*prefix, f'mount -t tmpfs none "{folder}" && exec true'], capture_output=True
    )
    if probe.returncode != 0:
        pytest.skip(f"cannot make a mount namespace here: {probe.stderr.decode().strip()}")
    return [*prefix, f'mount -t tmpfs none "{folder}" && exec "$0" "$@"']


def test_without_dask_the_scheduler_option_says_what_to_install(
    config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_record(config.source, "1.md", article(1))
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed fails
    result = CliRunner().invoke(
        cli,
        [
            *("build", str(config.source), "-o", str(config.output), "--scheduler", "local"),
            *("--base-url", "https://feeds.example.org/", "--no-cache"),
        ],
    )
    assert result.exit_code == 2
    assert "pip install 'feedpub[dask]'" in result.output
    assert not config.output.exists()


def test_files_a_worker_was_not_asked_for_are_never_written(
    config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What a worker gives back is input too: a feed's files must be the ones asked for."""
    from feedpub import publish

    for n in range(3):
        write_record(config.source, f"{n}.md", article(n))
    real = publish._feed_bytes
    monkeypatch.setattr(
        publish, "_feed_bytes", lambda task: [*real(task), ("index.html", b"planted")]
    )
    # Workers in this process, so that they run the function as patched here.
    cluster = distributed.LocalCluster(n_workers=1, processes=False, dashboard_address=":0")
    with cluster, pytest.raises(ClusterError, match="a worker gave other files for feed all"):
        build(replace(config, scheduler=cluster.scheduler_address))
    assert not config.output.exists() or not (config.output / "index.html").exists()


def test_a_source_named_from_the_working_folder_is_read_there_by_every_worker(
    scheduler_file: Path, corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The workers were started in another folder: a relative source is the build's."""
    shutil.copytree(corpus, tmp_path / "records")
    monkeypatch.chdir(tmp_path)
    local = _generated(Path("records"), Path("local"))
    build(local)
    result = build(replace(local, output=Path("cluster"), scheduler=_address(scheduler_file)))
    assert tree(tmp_path / "cluster") == tree(tmp_path / "local")
    assert not result.problems


@pytest.mark.parametrize("address", ["tcp://127.0.0.1", "http://127.0.0.1:8786", "LOCAL"])
def test_an_address_that_is_not_one_is_a_configuration_error(config: Config, address: str) -> None:
    write_record(config.source, "1.md", article(1))
    with pytest.raises(ConfigError, match="cannot connect"):
        build(replace(config, scheduler=address))


@pytest.mark.parametrize(
    "forgery", ["another file's problem", "more valid than asked", "not a report"]
)
def test_a_report_a_worker_was_not_asked_for_is_never_believed(
    config: Config, monkeypatch: pytest.MonkeyPatch, forgery: str
) -> None:
    """A partition's problems and counts decide what is reported and whether the build
    writes: one naming another file, or more records than the partition holds, or
    not the shape asked for, is the cluster's error."""
    from feedpub import spread

    for n in range(4):
        write_record(config.source, f"{n}.md", article(n, title="" if n == 1 else f"A{n}"))
    real = spread.part_report

    def forged(part: spread.Part) -> object:
        problems, valid, drafts = real(part)
        if forgery == "another file's problem":
            (index, found), *rest = problems
            return [(index + 1, found), *rest], valid, drafts
        if forgery == "more valid than asked":
            return problems, valid + 100, drafts
        return "not a report"

    monkeypatch.setattr(spread, "part_report", forged)
    # Workers in this process, so that they run the function as patched here.
    cluster = distributed.LocalCluster(n_workers=1, processes=False, dashboard_address=":0")
    with cluster, pytest.raises(ClusterError, match="a worker gave a report feedpub cannot use"):
        build(replace(config, scheduler=cluster.scheduler_address, skip_invalid=True))
    assert not config.output.exists()


def test_a_record_changed_after_it_was_grouped_is_never_published_half_changed(
    config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its feed is made from the file read again: with other bytes than grouping read,
    the feed would mix two versions of the record."""
    from feedpub import spread

    for n in range(3):
        write_record(config.source, f"{n}.md", article(n))
    real = spread.select

    def select_then_edit(*args: object, **kwargs: object) -> spread.Spread:
        chosen = real(*args, **kwargs)  # type: ignore[arg-type]
        write_record(config.source, "1.md", article(1, title="Edited since"))
        return chosen

    monkeypatch.setattr(spread, "select", select_then_edit)
    cluster = distributed.LocalCluster(n_workers=1, processes=False, dashboard_address=":0")
    with cluster, pytest.raises(ClusterError, match=r"1\.md changed while the build ran"):
        build(replace(config, scheduler=cluster.scheduler_address))
    assert not config.output.exists() or not any(config.output.iterdir())


def test_workers_that_die_running_a_task_are_the_clusters_error_not_a_traceback(
    corpus: Path,
) -> None:
    """Dask's KilledWorker would reach the command as a traceback (and, with a cache,
    have the cache discarded and the whole build run again on the same cluster)."""
    from feedpub.cluster import Cluster

    with (
        dask.config.set({"distributed.scheduler.allowed-failures": 0}),
        distributed.LocalCluster(
            n_workers=1, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
    ):
        workers = Cluster(cluster.scheduler_address, corpus, 1)
        try:
            with pytest.raises(ClusterError, match="KilledWorker"):
                list(workers.map(os._exit, [1], 1))  # the worker process dies
        finally:
            workers.close()


@pytest.fixture(scope="module")
def tricky(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Records made to tie, repeat and collide (`grouping.tricky_records`), a draft, and
    two bad ones: one with an error, one with only a warning."""
    from grouping import tricky_records

    folder = tmp_path_factory.mktemp("tricky")
    for path, fields in tricky_records(seed=5, count=120):
        write_record(folder, path, fields)
    write_record(folder, "seeds/bad/error.md", article(900, webUrl="ftp://nowhere.example/9"))
    write_record(folder, "seeds/bad/warning.md", article(901, unknownKey="kept?"))
    return folder


MODES = {
    "default": [],
    "skip invalid": ["--skip-invalid"],
    "strict": ["--skip-invalid", "--strict"],
    "drafts": ["--skip-invalid", "--include-drafts"],
    "check": ["--skip-invalid", "--check"],
    "validate": [],
    "diff": ["--skip-invalid"],
}


@pytest.mark.parametrize("mode", MODES)
def test_every_mode_says_and_writes_what_a_local_build_does(
    local_cluster: str, tricky: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    """The same exit code, the same words (problems, summary, --json) and the same
    files, through the command a user runs."""
    monkeypatch.chdir(tmp_path)  # no feedpub.yaml of this checkout
    command = "validate" if mode == "validate" else "diff" if mode == "diff" else "build"

    def run(where: str, scheduler: str) -> tuple[int, str, dict[str, bytes]]:
        output = tmp_path / where
        if mode in ("check", "diff"):  # something published to compare with
            shutil.copytree(tmp_path / "published", output)
        args = [command, str(tricky), *MODES[mode]]
        if command != "validate":
            args += ["-o", str(output), "--no-cache", "--base-url", "https://feeds.example.org/"]
        if command == "build":
            args += ["--json"]
        result = CliRunner().invoke(cli, args, env={"FEEDPUB_SCHEDULER": scheduler})
        text = result.output.replace(str(output), "OUT")
        return result.exit_code, text, tree(output) if output.exists() else {}

    if mode in ("check", "diff"):
        older = replace(_generated(tricky, tmp_path / "published"), skip_invalid=True, max_items=3)
        build(older)
    here = run("local", "")
    there = run("cluster", local_cluster)
    assert there == here
    assert here[0] in (0, 1) and (here[2] or mode in ("default", "validate"))


def test_archives_and_custom_feeds_build_to_the_same_bytes(
    local_cluster: str, tricky: Path, tmp_path: Path
) -> None:
    from feedpub.config import CustomFeed

    feeds = (
        CustomFeed("ai", "AI", topics=("ai",), max_items=3),
        CustomFeed("good", "Good", min_quality=50, include_related=False),
    )
    local = replace(
        _generated(tricky, tmp_path / "local"),
        skip_invalid=True,
        archives=True,
        archive_page_size=2,
        max_items=3,
        feeds=feeds,
    )
    expected = build(local)
    on_cluster = replace(local, output=tmp_path / "cluster", scheduler=local_cluster)
    assert build(on_cluster) == expected
    assert tree(on_cluster.output) == tree(local.output)
    assert any(name.startswith("archives/") for name in tree(local.output))


def test_an_empty_folder_builds_as_it_does_locally(local_cluster: str, config: Config) -> None:
    config.source.mkdir(parents=True)
    local = build(config, allow_shrink=True)
    on_cluster = replace(config, scheduler=local_cluster, output=config.output.parent / "c")
    result = build(on_cluster, allow_shrink=True)
    assert tree(on_cluster.output) == tree(config.output)
    assert (result.records, result.feeds, result.problems) == (0, (), local.problems)


def _another_feedpub() -> tuple[str, str]:
    return "0.0.9", "0123456789abcdef"


def test_a_scheduler_that_runs_another_feedpub_is_named(
    local_cluster: str, config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The scheduler unpickles the tasks: with other code, Dask's RuntimeError on the
    # first one was a traceback, and taken for the record store's fault (emptied).
    config = replace(config, cache_dir=config.output.parent / "cache")
    write_record(config.source, "0.md", article(0))
    build(config)
    monkeypatch.setattr("feedpub.cluster.scheduler_version", _another_feedpub)
    with pytest.raises(ConfigError, match=r"the scheduler runs feedpub 0\.0\.9"):
        build(replace(config, scheduler=local_cluster))
    assert config.cache_dir is not None
    with sqlite3.connect(store_path(config.cache_dir, config.source, config.output)) as db:
        assert db.execute("SELECT count(*) FROM records").fetchone() == (1,)  # kept


def _stored_records(config: Config) -> int:
    assert config.cache_dir is not None
    with sqlite3.connect(store_path(config.cache_dir, config.source, config.output)) as db:
        (count,) = db.execute("SELECT count(*) FROM records").fetchone()
    return int(count)


@pytest.mark.parametrize("forgery", ["a record past the end", "a group not asked for"])
def test_groups_a_worker_was_not_asked_for_are_never_believed(
    config: Config, monkeypatch: pytest.MonkeyPatch, forgery: str
) -> None:
    """Tracing names records by number and entries by key: a number past the end, or
    another entry's group, would be a traceback (and the record store taken for the
    cause: emptied, the build run again on the same cluster)."""
    from feedpub import spread

    config = replace(config, cache_dir=config.output.parent / "cache")
    for n in range(3):
        write_record(config.source, f"{n}.md", article(n))
    build(config)  # the store holds every record
    real = spread._trace

    def forged(groups: object, wanted: frozenset[int], whole: bool) -> object:
        found = real(groups, wanted, whole)  # type: ignore[arg-type]
        if forgery == "a group not asked for":
            return [(key + 1, value) for key, value in found]
        return [
            (key, (None if a is None else a._replace(record=a.record + 10**6), mentions))
            for key, (a, mentions) in found
        ]

    monkeypatch.setattr(spread, "_trace", forged)
    cluster = distributed.LocalCluster(n_workers=1, processes=False, dashboard_address=":0")
    output = config.output.parent / "cluster"
    with cluster, pytest.raises(ClusterError, match="a worker gave results feedpub cannot"):
        build(replace(config, scheduler=cluster.scheduler_address, output=output))
    assert not output.exists() or not any(output.iterdir())
    assert _stored_records(config) == 3  # kept


def test_a_failure_on_a_cluster_never_empties_the_record_store(
    local_cluster: str, config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A build on a cluster reads no record from the store, so whatever fails there is
    not the store's fault: it is not emptied, nor the build run again."""
    from feedpub import spread

    config = replace(config, cache_dir=config.output.parent / "cache")
    for n in range(3):
        write_record(config.source, f"{n}.md", article(n))
    build(config)
    calls = []

    def failing(*args: object, **kwargs: object) -> object:
        calls.append(1)
        raise RuntimeError("something no one foresaw")

    monkeypatch.setattr(spread, "select", failing)
    with pytest.raises(RuntimeError, match="no one foresaw"):
        build(replace(config, scheduler=local_cluster, output=config.output.parent / "c"))
    assert calls == [1]  # not run again without the store
    assert _stored_records(config) == 3
