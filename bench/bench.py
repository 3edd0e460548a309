"""Benchmark ``feedpub build`` against the YAML parse floor (issues 6 and 14).

One run generates (or reuses) a deterministic synthetic corpus of N records with
``bench/corpus.py`` and measures, each in a fresh subprocess so that memory figures do
not mix:

* the **parse floor**: list the ``*.md`` files, read each one, split off its front
  matter with python-frontmatter's ``YAMLHandler().split`` and
  ``yaml.load(front_matter, Loader=yaml.CSafeLoader)`` it, in one process;
* a **cold build, one process**: ``--jobs 1`` with an empty cache folder and an empty
  output folder;
* a **cold build, default jobs**: no ``--jobs`` (feedpub's default, the CPU count, or
  ``--jobs J`` when given to this script), another empty cache folder and output folder;
* a **warm build**: the default-jobs build again, same cache and output, nothing changed;
* **one record changed**: the title of the record in the middle of the sorted path list
  is edited, the same build runs again; the record is restored afterwards.

Every build is ``python -m feedpub build CORPUS -o OUT --base-url https://bench.example/
--quiet --json`` plus the flags above, run through a small wrapper (this script's hidden
``--internal-build`` mode) that calls ``feedpub.cli.cli.main(args,
standalone_mode=False)`` and then reports
``ru_maxrss(RUSAGE_SELF) + ru_maxrss(RUSAGE_CHILDREN)``.  ``--json`` is only used to check
what the build did (records read, files changed).  Flags that ``feedpub build --help``
does not list yet (``--jobs``, ``--cache-dir``, ``--quiet``) are left out, and the output
says so.  Each build runs in its own working folder, without ``FEEDPUB_*`` environment
variables, so no ``feedpub.yaml`` or default ``.feedpub_cache/`` from elsewhere is used.

The script prints each case as seconds, as a ratio to the parse floor and as peak
memory, then issue 14's targets with PASS/FAIL, from its table for 10,000, 100,000 or
1,000,000 records (the largest size N reaches; ``TARGETS``): cold one process <= 0.8,
0.35, 0.35; cold default jobs <= 0.5, 0.25, 0.25; warm <= 0.05, 0.02, 0.02; one record
changed <= 0.1, 0.03, 0.03; peak memory <= 400 MiB at a million records, and at 100,000
at most 1.5 times the peak of a run at 10,000 (``--baseline`` names that run's
``--json``).  The peak compared is the largest of the four builds'.  The issue states
the targets for a 2-core machine.

Usage::

    python bench/bench.py N [--work DIR] [--seed S] [--jobs J] [--skip-one-process]
                            [--json FILE] [--baseline FILE] [--no-disk-check]

    .venv/bin/python bench/bench.py 10000 --json bench-10k.json
    .venv/bin/python bench/bench.py 100000 --json bench-100k.json --baseline bench-10k.json
    .venv/bin/python bench/bench.py 1000000 --json bench-1m.json

The corpus goes to ``DIR/corpus-N-S`` (default DIR: ``/tmp/feedpub-bench``) and is reused
by later runs while its ``.complete`` marker matches N, S and the generator's source;
build outputs and caches go to ``DIR/run-N-S``, wiped at the start of each run and left
in place afterwards for inspection, except the cold one-process build's cache, removed
once that build is measured.  The corpus is written a record at a time (no list of its
paths), and the record to change is found from its layout, not by sorting every path.

A million records need time and disk.  The corpus takes about 5.2 GB on disk (4 KiB
blocks) and 10-20 minutes to generate; each cold build writes a record store of about
4.4 GB, and while it runs its write-ahead log grows as big, so a run at 1M needs about
14 GB free under ``--work`` (less when the corpus is there already).  The script checks
that before it starts, prints the estimate (``disk:``) among its notes, and stops when
there is not room (``--no-disk-check`` starts anyway).  Long phases say how far they got
on stderr: the corpus every 5%, each build as it starts and ends, and every two minutes
while one runs; the report itself goes to stdout.

Notes on the figures:

* Build seconds are the wall time of the whole command as a user waits for it,
  interpreter start-up and imports included; the parse floor is timed inside its process
  and excludes them, so the ratios are conservative.  The in-process build time is also
  written to the ``--json`` file.
* Peak memory is the wrapper's own peak RSS plus the largest peak RSS among its
  terminated children, as ``getrusage`` reports them: with several workers running at once
  it is an approximation of the process tree's peak, not the sum of them all.
* The build's stderr is captured, so no progress bar is drawn (feedpub only draws one
  on a terminal).
* The script exits 1 if LibYAML is missing (``yaml.__with_libyaml__`` is false: parsing
  would be ~8.6 times slower and every ratio meaningless) or a build fails; PASS/FAIL
  does not change the exit status.
"""

from __future__ import annotations

import argparse
import contextlib
import filecmp
import hashlib
import json
import os
import platform
import re
import resource
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
DEFAULT_WORK = Path("/tmp/feedpub-bench")
BASE_URL = "https://bench.example/"
MARKER = ".complete"
#: The flags of ``feedpub build`` this script uses when they exist.
OPTIONAL_FLAGS = ("--jobs", "--cache-dir", "--quiet")

#: (case key, label) in the order they run.
CASES: tuple[tuple[str, str], ...] = (
    ("cold_one_process", "cold, 1 process"),
    ("cold_default_jobs", "cold, default jobs"),
    ("warm", "warm, nothing changed"),
    ("one_changed", "one record changed"),
)
#: Issue 14's targets, as ratios to the parse floor, by corpus size: a run is held to
#: the column of the largest size it reaches (the 10,000 one below that).
TARGETS: dict[int, dict[str, float]] = {
    10_000: {"cold_one_process": 0.8, "cold_default_jobs": 0.5, "warm": 0.05, "one_changed": 0.1},
    100_000: {
        "cold_one_process": 0.35,
        "cold_default_jobs": 0.25,
        "warm": 0.02,
        "one_changed": 0.03,
    },
}
TARGETS[1_000_000] = TARGETS[100_000]
#: Peak memory: at most this many MiB at a million records, and at 100,000 at most
#: PEAK_GROWTH times the peak of a run at 10,000 (see --baseline).
PEAK_MIB_AT_1M = 400
PEAK_GROWTH = 1.5
#: The largest corpus: records are named with seven digits, which sort as numbers.
MAX_RECORDS = 9_999_999

#: Disk a record takes under --work, measured on this corpus with 4 KiB blocks: its file,
#: and its row in the record store. A cold build writes the store in one transaction,
#: so its write-ahead log grows as big as the store before it is folded in at the end.
CORPUS_BYTES_PER_RECORD = 5_200
STORE_BYTES_PER_RECORD = 4_400
OUTPUT_BYTES = 200 * 2**20  # a build's output folder: its feeds do not grow with N
HEARTBEAT_SECONDS = 120  # how often a long build says it is still running

# Internal sub-commands: how this script runs its own measured children.
_CHILD_FLOOR = "--internal-parse-floor"
_CHILD_BUILD = "--internal-build"


@dataclass
class Measurement:
    """One measured case: wall seconds, peak RSS, and what the build reported."""

    key: str
    label: str
    seconds: float
    in_process_seconds: float
    peak_kib: int
    args: list[str] = field(default_factory=list)
    summary: dict[str, Any] | None = None
    own_peak_kib: int | None = None  # the build's own process: a cluster's client
    ratio: float | None = None
    target: float | None = None
    passed: bool | None = None

    @property
    def peak_mib(self) -> float:
        return self.peak_kib / 1024


class BenchError(Exception):
    """A step failed; the message says which and why."""


# ---------------------------------------------------------------------------
# Children: the code that runs in the measured subprocesses
# ---------------------------------------------------------------------------


def _peak_kib() -> int:
    """Peak RSS of this process plus the largest of its waited-for children, in KiB."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if sys.platform == "darwin":  # bytes there, KiB on Linux
        own, children = own // 1024, children // 1024
    return own + children


def _child_parse_floor(corpus: Path, result: Path) -> int:
    """Read and CSafeLoader-parse every record's front matter; write the figures."""
    import yaml
    from frontmatter.default_handlers import YAMLHandler

    split = YAMLHandler().split
    loader = yaml.CSafeLoader
    start = time.perf_counter()
    paths = sorted(corpus.rglob("*.md"))
    for path in paths:
        front_matter, _ = split(path.read_text(encoding="utf-8"))
        yaml.load(front_matter, Loader=loader)  # CSafeLoader: safe
    seconds = time.perf_counter() - start
    figures = {"seconds": seconds, "files": len(paths), "peak_kib": _peak_kib()}
    result.write_text(json.dumps(figures), encoding="utf-8")
    return 0


def _child_build(result: Path, args: list[str]) -> int:
    """Run ``feedpub <args>`` in this process; write its time, peak RSS and exit code."""
    import click

    from feedpub.cli import cli

    start = time.perf_counter()
    code = 0
    try:
        cli.main(args, prog_name="feedpub", standalone_mode=False)
    except click.ClickException as e:
        e.show()
        code = e.exit_code
    except click.exceptions.Exit as e:
        code = e.exit_code
    except click.Abort:
        code = 1
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else 1
    seconds = time.perf_counter() - start
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    own = own // 1024 if sys.platform == "darwin" else own
    figures = {"seconds": seconds, "peak_kib": _peak_kib(), "own_peak_kib": own, "exit_code": code}
    result.write_text(json.dumps(figures), encoding="utf-8")
    return code


# ---------------------------------------------------------------------------
# Parent: corpus, subprocesses, report
# ---------------------------------------------------------------------------


def _child_env() -> dict[str, str]:
    """The environment for children: no FEEDPUB_* settings, this checkout importable."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FEEDPUB_")}
    # An installed feedpub runs from compiled bytecode (pip compiles it); with
    # PYTHONDONTWRITEBYTECODE set, a checkout would compile every module in every build.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    return env


def progress(message: str) -> None:
    """One line on stderr, with the time: the report itself goes to stdout."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _run(cmd: list[str], cwd: Path, what: str) -> subprocess.CompletedProcess[str]:
    """Run ``cmd``, capturing its output, saying every HEARTBEAT_SECONDS that it still
    runs; raise BenchError if it fails."""
    start = time.perf_counter()
    with subprocess.Popen(
        cmd, cwd=cwd, env=_child_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as child:
        while True:
            try:
                stdout, stderr = child.communicate(timeout=HEARTBEAT_SECONDS)
                break
            except subprocess.TimeoutExpired:
                progress(f"{what}: still running after {time.perf_counter() - start:.0f}s")
    proc = subprocess.CompletedProcess(cmd, child.returncode, stdout, stderr)
    if proc.returncode != 0:
        detail = (proc.stderr or proc.stdout).strip()[-2000:]
        raise BenchError(f"{what} failed (exit {proc.returncode}):\n{detail}")
    return proc


def require_libyaml() -> None:
    """Stop unless PyYAML has its C extension: without it every figure is misleading."""
    try:
        import yaml
    except ImportError as e:
        raise BenchError("PyYAML is not installed: pip install pyyaml") from e
    if not getattr(yaml, "__with_libyaml__", False) or not hasattr(yaml, "CSafeLoader"):
        raise BenchError(
            "PyYAML was built without LibYAML (yaml.__with_libyaml__ is False): parsing "
            "would be ~8.6x slower and the figures meaningless.  Install libyaml and "
            "reinstall PyYAML from source, e.g. "
            "`pip install --no-binary pyyaml --force-reinstall pyyaml`."
        )


def _generator_digest() -> str:
    """A hash of bench/corpus.py: a corpus from another generator is not reused."""
    return hashlib.sha256((HERE / "corpus.py").read_bytes()).hexdigest()[:16]


def _marker_text(n: int, seed: int) -> str:
    return json.dumps({"n": n, "seed": seed, "generator": _generator_digest()}) + "\n"


def _corpus_module() -> Any:
    """bench/corpus.py, imported."""
    if str(HERE) not in sys.path:
        sys.path.insert(0, str(HERE))
    import corpus

    return corpus


def corpus_is_complete(corpus: Path, n: int, seed: int) -> bool:
    marker = corpus / MARKER
    return marker.is_file() and marker.read_text(encoding="utf-8") == _marker_text(n, seed)


def ensure_corpus(work: Path, n: int, seed: int) -> tuple[Path, str]:
    """Return the corpus folder (generating it unless a complete one exists) and how."""
    corpus = work / f"corpus-{n}-{seed}"
    if corpus_is_complete(corpus, n, seed):
        return corpus, "reused"
    if corpus.exists():
        shutil.rmtree(corpus)
    start = time.perf_counter()
    write_records(corpus, n, seed)
    (corpus / MARKER).write_text(_marker_text(n, seed), encoding="utf-8")
    return corpus, f"generated in {time.perf_counter() - start:.1f}s"


def write_records(dest: Path, n: int, seed: int) -> None:
    """Write the records of ``corpus.write_corpus(dest, n, seed)``, one at a time, with
    no list of them (a million paths would cost hundreds of MB), saying how far it got
    every 5% (every 10,000 records at least)."""
    corpus = _corpus_module()
    for shard in range(min(n, corpus.N_SHARDS)):
        (dest / f"{shard:02x}").mkdir(parents=True, exist_ok=True)
    step, start = max(10_000, n // 20), time.perf_counter()
    for i in range(n):
        corpus.record_path(dest, i).write_bytes(corpus.render_record(seed, i).encode("utf-8"))
        if (i + 1) % step == 0 or i + 1 == n:
            elapsed = time.perf_counter() - start
            left = elapsed / (i + 1) * (n - i - 1)
            progress(f"corpus: {i + 1:,} of {n:,} records, {elapsed:.0f}s, ~{left:.0f}s left")


def record_to_change(corpus: Path, n: int) -> Path:
    """The record in the middle of the sorted path list (the order feedpub reads).

    Found from the corpus's layout rather than by listing and sorting every path:
    shard ``s`` holds records ``s``, ``s + 256``, ... and both the shard names (two hex
    digits) and the record names (seven digits) sort as their numbers do.
    """
    corpus_module = _corpus_module()
    rank = n // 2
    for shard in range(min(n, corpus_module.N_SHARDS)):
        in_shard = len(range(shard, n, corpus_module.N_SHARDS))
        if rank < in_shard:
            path: Path = corpus_module.record_path(corpus, shard + rank * corpus_module.N_SHARDS)
            if not path.is_file():
                raise BenchError(f"{path}: no such record")
            return path
        rank -= in_shard
    raise BenchError(f"{corpus}: no records")


def disk_needed(n: int, corpus_ready: bool) -> dict[str, int]:
    """Bytes a run needs under --work at its fullest, by what holds them: the corpus
    (unless it is there already), one record store with its write-ahead log as big
    (the first cold build's store is removed once it is measured), two output folders."""
    return {
        "corpus": 0 if corpus_ready else n * CORPUS_BYTES_PER_RECORD,
        "cache": 2 * n * STORE_BYTES_PER_RECORD,
        "outputs": 2 * OUTPUT_BYTES,
    }


def check_disk(work: Path, need: dict[str, int]) -> str:
    """Raise BenchError when ``work`` has less room than ``need``; else say what it has."""
    free = shutil.disk_usage(work).free
    parts = ", ".join(f"{name} {size / 1e9:.1f}" for name, size in need.items())
    text = f"disk: needs about {sum(need.values()) / 1e9:.1f} GB ({parts}); {free / 1e9:.1f} free"
    if sum(need.values()) > free:
        raise BenchError(f"{work}: not enough room. {text} (--no-disk-check to try anyway)")
    return text


def edited(original: bytes) -> bytes:
    """``original`` with ``[edited]`` put at the start of its title text."""
    new, count = re.subn(rb'^title: "', b'title: "[edited] ', original, count=1, flags=re.M)
    if count != 1:
        raise BenchError("the record to change has no double-quoted title line")
    return new


def supported_flags() -> dict[str, bool]:
    """Which of OPTIONAL_FLAGS ``feedpub build --help`` lists."""
    proc = _run([sys.executable, "-m", "feedpub", "build", "--help"], REPO, "feedpub build --help")
    return {
        flag: re.search(rf"(?<![\w-]){re.escape(flag)}(?![\w-])", proc.stdout) is not None
        for flag in OPTIONAL_FLAGS
    }


def feedpub_version() -> str:
    proc = _run([sys.executable, "-m", "feedpub", "--version"], REPO, "feedpub --version")
    return proc.stdout.strip().rsplit(" ", 1)[-1]


def measure_parse_floor(corpus: Path, run_dir: Path) -> Measurement:
    """The parse floor, in a fresh subprocess."""
    result = run_dir / "parse-floor.json"
    cmd = [sys.executable, str(Path(__file__).resolve()), _CHILD_FLOOR, str(corpus), str(result)]
    progress("parse floor: running")
    start = time.perf_counter()
    _run(cmd, run_dir, "the parse floor")
    wall = time.perf_counter() - start
    figures = json.loads(result.read_text(encoding="utf-8"))
    progress(f"parse floor: {figures['seconds']:.1f}s, peak {figures['peak_kib'] / 1024:.0f} MiB")
    return Measurement(
        key="parse_floor",
        label="parse floor (CSafeLoader)",
        seconds=figures["seconds"],
        in_process_seconds=figures["seconds"],
        peak_kib=figures["peak_kib"],
        summary={"files": figures["files"], "wall_seconds_with_startup": wall},
    )


def measure_build(key: str, label: str, cwd: Path, args: list[str]) -> Measurement:
    """One ``feedpub build`` in a fresh subprocess, run from ``cwd``."""
    result = cwd / f"{key}.result.json"
    cmd = [sys.executable, str(Path(__file__).resolve()), _CHILD_BUILD, str(result), *args]
    progress(f"{label}: running")
    start = time.perf_counter()
    proc = _run(cmd, cwd, label)
    wall = time.perf_counter() - start
    figures = json.loads(result.read_text(encoding="utf-8"))
    progress(f"{label}: {wall:.1f}s, peak {figures['peak_kib'] / 1024:.0f} MiB")
    try:
        summary = json.loads(proc.stdout)
    except json.JSONDecodeError:
        summary = None
    return Measurement(
        key=key,
        label=label,
        seconds=wall,
        in_process_seconds=figures["seconds"],
        peak_kib=figures["peak_kib"],
        args=args,
        summary=summary,
        own_peak_kib=figures.get("own_peak_kib"),
    )


def _fresh(path: Path) -> Path:
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    return path


def same_tree(a: Path, b: Path) -> bool:
    """True when folders ``a`` and ``b`` hold the same files with the same bytes."""

    def files(root: Path) -> list[str]:
        return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())

    names = files(a)
    if names != files(b):
        return False
    _, mismatch, errors = filecmp.cmpfiles(a, b, names, shallow=False)
    return not mismatch and not errors


def run_builds(
    corpus: Path,
    n: int,
    run_dir: Path,
    flags: dict[str, bool],
    jobs: int | None,
    skip_one_process: bool,
    notes: list[str],
) -> list[Measurement]:
    """The four build cases, in order; the changed record is restored afterwards."""

    def build_args(case_dir: Path, jobs_value: int | None) -> list[str]:
        args = ["build", str(corpus), "-o", str(case_dir / "out"), "--base-url", BASE_URL]
        args.append("--json")
        if flags["--quiet"]:
            args.append("--quiet")
        if flags["--jobs"] and jobs_value is not None:
            args += ["--jobs", str(jobs_value)]
        if flags["--cache-dir"]:
            args += ["--cache-dir", str(case_dir / "cache")]
        return args

    results: list[Measurement] = []
    one_dir = run_dir / "cold-one-process"
    if skip_one_process:
        notes.append("cold, 1 process: skipped (--skip-one-process)")
    else:
        _fresh(one_dir / "out")
        _fresh(one_dir / "cache")
        label = CASES[0][1]
        results.append(measure_build(CASES[0][0], label, one_dir, build_args(one_dir, 1)))
        shutil.rmtree(one_dir / "cache")  # no later case uses it: the disk holds one store

    jobs_dir = run_dir / "default-jobs"
    _fresh(jobs_dir / "out")
    _fresh(jobs_dir / "cache")
    args = build_args(jobs_dir, jobs)
    for key, label in CASES[1:3]:
        results.append(measure_build(key, label, jobs_dir, args))
    if not skip_one_process:  # the issue wants them identical, byte for byte
        same = same_tree(one_dir / "out", jobs_dir / "out")
        notes.append(f"outputs of the one-process and default-jobs builds identical: {same}")

    path = record_to_change(corpus, n)
    original = path.read_bytes()
    marker = corpus / MARKER
    marker_text = marker.read_text(encoding="utf-8")
    marker.unlink()  # if this run dies before the restore, the next one regenerates
    try:
        path.write_bytes(edited(original))
        key, label = CASES[3]
        measurement = measure_build(key, label, jobs_dir, args)
        measurement.summary = {**(measurement.summary or {}), "changed_record": str(path)}
        results.append(measurement)
    finally:
        path.write_bytes(original)
        marker.write_text(marker_text, encoding="utf-8")

    return results


CLUSTER_CASE = ("cold_on_cluster", "cold, on the cluster")
#: Issue 15: the client's peak at 100,000 records at most this many times its peak at
#: 10,000 (see --baseline).
CLIENT_PEAK_GROWTH = 1.2


def run_on_cluster(corpus: Path, run_dir: Path, scheduler: str, notes: list[str]) -> Measurement:
    """A cold build with ``--scheduler``, in a fresh output and cache folder; its output
    is compared with the default-jobs build's. ``local`` is a ``dask scheduler`` and two
    ``dask worker`` processes (one thread each) started here for the build, so that the
    build's own process is the client alone (a LocalCluster would run the scheduler in it)."""
    case_dir = run_dir / "cluster"
    _fresh(case_dir / "out")
    _fresh(case_dir / "cache")
    if scheduler == "local":
        with _dask_processes(case_dir) as address:
            return _build_on_cluster(corpus, case_dir, address, "local", run_dir, notes)
    return _build_on_cluster(corpus, case_dir, scheduler, scheduler, run_dir, notes)


@contextlib.contextmanager
def _dask_processes(folder: Path, workers: int = 2) -> Iterator[str]:
    """A ``dask scheduler`` and ``workers`` ``dask worker`` processes on 127.0.0.1: the
    scheduler's address; all stopped afterwards."""
    file = folder / "scheduler.json"
    file.unlink(missing_ok=True)
    base = [sys.executable, "-m"]
    logs = (folder / "dask.log").open("wb")
    processes = [
        subprocess.Popen(
            [
                *(*base, "distributed.cli.dask_scheduler", "--host", "127.0.0.1"),
                *("--port", "0", "--no-dashboard", "--scheduler-file", str(file)),
            ],
            stdout=logs,
            stderr=subprocess.STDOUT,
        )
    ]
    try:
        deadline = time.monotonic() + 60
        while not file.exists():
            if processes[0].poll() is not None or time.monotonic() > deadline:
                raise BenchError(f"the dask scheduler did not start: see {folder / 'dask.log'}")
            time.sleep(0.1)
        processes.append(
            subprocess.Popen(
                [
                    *(*base, "distributed.cli.dask_worker", "--scheduler-file", str(file)),
                    *("--nworkers", str(workers), "--nthreads", "1", "--no-dashboard"),
                    *("--host", "127.0.0.1", "--local-directory", str(folder)),
                ],
                stdout=logs,
                stderr=subprocess.STDOUT,
            )
        )
        from distributed import Client

        with Client(scheduler_file=str(file), timeout="60s") as client:
            client.wait_for_workers(workers, timeout=120)
            yield str(client.scheduler.address)
    finally:
        for process in reversed(processes):
            process.terminate()
            process.wait(timeout=60)
        logs.close()


def _build_on_cluster(
    corpus: Path, case_dir: Path, address: str, shown: str, run_dir: Path, notes: list[str]
) -> Measurement:
    args = ["build", str(corpus), "-o", str(case_dir / "out"), "--base-url", BASE_URL, "--json"]
    args += ["--quiet", "--cache-dir", str(case_dir / "cache"), "--scheduler", address]
    key, label = CLUSTER_CASE
    measurement = measure_build(key, f"{label} (--scheduler {shown})", case_dir, args)
    if measurement.summary is None or "error" in measurement.summary:
        raise BenchError(f"the build on the cluster failed: {measurement.summary}")
    same = same_tree(case_dir / "out", run_dir / "default-jobs" / "out")
    notes.append(f"outputs of the default-jobs and cluster builds identical: {same}")
    return measurement


def cluster_lines(
    floor: Measurement,
    builds: list[Measurement],
    cluster: Measurement,
    baseline: dict[str, Any] | None,
) -> list[str]:
    """The cluster build beside the local cold default-jobs build: time and the build's
    own (client's) peak; with ``--baseline``, the client's peak against that run's."""
    local = next((m for m in builds if m.key == "cold_default_jobs"), None)
    lines = ["", "on a cluster (issue 15): time, and the peak of the build's own process"]
    for m in filter(None, (local, cluster)):
        own = (m.own_peak_kib or 0) / 1024
        ratio = m.seconds / floor.seconds
        lines.append(f"  {m.label:<44} {m.seconds:>8.2f} s {ratio:>6.2f} {own:>7.1f} MiB")
    base = next(
        (b for b in (baseline or {}).get("builds", []) if b["key"] == CLUSTER_CASE[0]), None
    )
    if base and base.get("own_peak_kib") and cluster.own_peak_kib:
        growth = cluster.own_peak_kib / base["own_peak_kib"]
        verdict = "PASS" if growth <= CLIENT_PEAK_GROWTH else "FAIL"
        name = f"client peak / at {baseline['n']:,}"  # type: ignore[index]
        lines.append(f"  {name:<44} <= {CLIENT_PEAK_GROWTH:<5} {growth:>6.2f}  {verdict}")
    return lines


def _summary_note(m: Measurement) -> str | None:
    """What the build reported doing, from its --json summary."""
    s = m.summary
    if not s or "records" not in s:
        return None
    written = {k: len(s.get(k, [])) for k in ("created", "changed", "removed", "unchanged")}
    return f"{m.label}: {s['records']} records, {s.get('feeds', '?')} feeds; files " + ", ".join(
        f"{v} {k}" for k, v in written.items()
    )


def target_size(n: int) -> int:
    """The corpus size whose targets a run of ``n`` records is held to."""
    return max((size for size in TARGETS if size <= n), default=min(TARGETS))


def peak_lines(n: int, builds: list[Measurement], baseline: dict[str, Any] | None) -> list[str]:
    """The peak memory targets: an absolute one at a million records, and one against
    a run at 10,000 (``--baseline``) from 100,000 up."""
    if not builds:
        return []
    peak = max(m.peak_mib for m in builds)
    lines = []
    if n >= 1_000_000:
        verdict = "PASS" if peak <= PEAK_MIB_AT_1M else "FAIL"
        lines.append(f"  {'peak memory (MiB)':<26} <= {PEAK_MIB_AT_1M:<5} {peak:>7.0f}  {verdict}")
    if baseline is not None:
        base = max(b["peak_mib"] for b in baseline["builds"] if b.get("key") != CLUSTER_CASE[0])
        ratio = peak / base
        verdict = "PASS" if ratio <= PEAK_GROWTH else "FAIL"
        name = f"peak / peak at {baseline['n']:,}"
        lines.append(f"  {name:<26} <= {PEAK_GROWTH:<5} {ratio:>7.2f}  {verdict}")
    elif n < 1_000_000:
        lines.append(
            f"  peak memory at 100k <= {PEAK_GROWTH} x at 10k: pass --baseline with the "
            "--json of a run with N=10000"
        )
    return lines


def report(
    header: list[str],
    n: int,
    floor: Measurement,
    builds: list[Measurement],
    notes: list[str],
    peaks: Sequence[str] = (),
) -> str:
    """The table, the targets and the notes, as text."""
    lines = [*header, ""]
    lines.append(f"{'case':<28} {'seconds':>9} {'ratio':>7} {'peak MiB':>9}")
    lines.append(f"{floor.label:<28} {floor.seconds:>9.2f} {1:>7.2f} {floor.peak_mib:>9.1f}")
    by_key = {m.key: m for m in builds}
    for key, label in CASES:
        m = by_key.get(key)
        if m is None:
            lines.append(f"{label:<28} {'skipped':>9}")
        else:
            ratio = m.seconds / floor.seconds
            lines.append(f"{label:<28} {m.seconds:>9.2f} {ratio:>7.2f} {m.peak_mib:>9.1f}")
    size = target_size(n)
    lines += ["", f"targets (ratio to the parse floor; issue 14's for {size:,} records):"]
    for key, label in CASES:
        m = by_key.get(key)
        target = TARGETS[size][key]
        if m is None or m.ratio is None:
            lines.append(f"  {label:<26} <= {target:<5} {'-':>7}  skipped")
        else:
            verdict = "PASS" if m.passed else "FAIL"
            lines.append(f"  {label:<26} <= {target:<5} {m.ratio:>7.2f}  {verdict}")
    lines += peaks
    notes = [*notes, *filter(None, map(_summary_note, builds))]
    if notes:
        lines += ["", "notes:", *(f"  {note}" for note in notes)]
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Benchmark feedpub build against the YAML parse floor (issue 6)."
    )
    parser.add_argument("n", type=int, help="number of records in the synthetic corpus")
    parser.add_argument(
        "--work",
        type=Path,
        default=DEFAULT_WORK,
        help=f"folder for the corpus, outputs and caches (default: {DEFAULT_WORK})",
    )
    parser.add_argument("--seed", type=int, default=0, help="corpus seed (default: 0)")
    parser.add_argument(
        "--jobs",
        type=int,
        default=None,
        help="--jobs for the 'default jobs' builds (default: none, feedpub's CPU count)",
    )
    parser.add_argument(
        "--skip-one-process", action="store_true", help="skip the cold --jobs 1 build"
    )
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    parser.add_argument(
        "--baseline",
        type=Path,
        help="the --json of an earlier run (N=10000): compare this run's peak memory to its",
    )
    parser.add_argument(
        "--scheduler",
        help="also time a cold build on this Dask cluster (an address, or 'local': a dask "
        "scheduler and two workers started here), with the client's peak memory (issue 15)",
    )
    parser.add_argument(
        "--no-disk-check",
        action="store_true",
        help="start even when --work seems to have too little room (see 'disk:' in the output)",
    )
    args = parser.parse_args(argv)
    if not 1 <= args.n <= MAX_RECORDS:
        parser.error(f"N must be from 1 to {MAX_RECORDS:,}")
    if args.jobs is not None and args.jobs < 1:
        parser.error("--jobs must be at least 1")
    return args


def bench(args: argparse.Namespace) -> int:
    require_libyaml()
    work: Path = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    notes: list[str] = []

    flags = supported_flags()
    missing = [flag for flag, ok in flags.items() if not ok]
    if missing:
        notes.append(
            f"feedpub build does not have {', '.join(missing)} yet: left out of the commands"
        )
        if not flags["--jobs"]:
            notes.append("without --jobs, 'cold, 1 process' and 'default jobs' run the same build")
        if not flags["--cache-dir"]:
            notes.append("without --cache-dir, each case keeps whatever cache feedpub has in cwd")
    if args.jobs is not None and not flags["--jobs"]:
        notes.append(f"--jobs {args.jobs} ignored: feedpub build has no --jobs")

    baseline = json.loads(args.baseline.read_text(encoding="utf-8")) if args.baseline else None
    run_dir = _fresh(work / f"run-{args.n}-{args.seed}")  # the last run's caches go first
    ready = corpus_is_complete(work / f"corpus-{args.n}-{args.seed}", args.n, args.seed)
    disk = disk_needed(args.n, ready)
    if args.no_disk_check:
        notes.append("disk: not checked (--no-disk-check)")
    else:
        notes.append(check_disk(work, disk))
    corpus, how = ensure_corpus(work, args.n, args.seed)

    floor = measure_parse_floor(corpus, run_dir)
    if floor.summary and floor.summary["files"] != args.n:
        raise BenchError(f"{corpus}: {floor.summary['files']} records, expected {args.n}")
    builds = run_builds(corpus, args.n, run_dir, flags, args.jobs, args.skip_one_process, notes)

    targets = TARGETS[target_size(args.n)]
    for m in builds:
        m.ratio = m.seconds / floor.seconds
        m.target = targets[m.key]
        m.passed = m.ratio <= m.target
    extra: list[str] = []
    if args.scheduler:
        cluster = run_on_cluster(corpus, run_dir, args.scheduler, notes)
        cluster.ratio = cluster.seconds / floor.seconds
        extra = cluster_lines(floor, builds, cluster, baseline)

    header = [
        f"feedpub {feedpub_version()} benchmark: {args.n} records (seed {args.seed}), "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}, {platform.machine()}",
        f"corpus: {corpus} ({how})",
    ]
    peaks = [*peak_lines(args.n, builds, baseline), *extra]
    print(report(header, args.n, floor, builds, notes, peaks))
    if args.scheduler:
        builds.append(cluster)

    if args.json:
        data = {
            "n": args.n,
            "seed": args.seed,
            "cpu_count": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "feedpub_version": feedpub_version(),
            "corpus": str(corpus),
            "flags_supported": flags,
            "parse_floor": asdict(floor) | {"peak_mib": floor.peak_mib},
            "builds": [asdict(m) | {"peak_mib": m.peak_mib} for m in builds],
            "notes": notes,
        }
        args.json.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == [_CHILD_FLOOR]:
        return _child_parse_floor(Path(argv[1]), Path(argv[2]))
    if argv[:1] == [_CHILD_BUILD]:
        return _child_build(Path(argv[1]), argv[2:])
    try:
        return bench(parse_args(argv))
    except BenchError as e:
        print(f"bench: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
