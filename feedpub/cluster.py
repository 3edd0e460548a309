"""The build's workers on a Dask cluster: `feedpub build --scheduler ADDRESS`.

A `Cluster` runs a build's reading, grouping and feed making on the workers of a Dask
cluster (`dask.distributed`), from the same functions and so to the same bytes:

- as a `spread.Runner`, it parses the records a partition at a time and keeps the
  partitions on the workers, and runs the keyed reductions that choose each feed's
  entries there (`feedpub.spread`): only problems, counts and the chosen entries come
  back;
- as `workers.Workers`, it sends each feed's recipe, with its records' paths and
  hashes, and gets the feed's files back as bytes.

This process, the client, lists the folder and writes the output folder, the manifest,
the problems and the exit codes as a local build does. The record store is a local
build's: a build on a cluster neither reads nor fills it (its ledger of the output
folder is kept, so a build with nothing changed still does nothing, and connects to
nothing).

The records must be at the same path on every worker (a shared file system). Before the
first task, every worker is asked whether it can read the source folder and whether it
runs the same feedpub: one that cannot, or does not, is named and the build stops.

Dask is an optional dependency (`pip install 'feedpub[dask]'`), imported only here and
in `spread`, and only when a scheduler is given; `LOCAL` starts a `LocalCluster` on
this machine.
"""

from __future__ import annotations

import hashlib
import importlib
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from feedpub.errors import ClusterError, ConfigError, escape_text
from feedpub.version import __version__, code_hash
from feedpub.workers import Workers

LOCAL = "local"  # the scheduler address that starts a LocalCluster here
INSTALL = "pip install 'feedpub[dask]' (from a clone: pip install -e '.[dask]')"
_CONNECT_TIMEOUT = "30s"


def require_dask() -> None:
    """Raise ConfigError (exit 2) saying what to install when Dask is missing."""
    try:
        import distributed  # noqa: F401
    except ImportError as e:
        raise ConfigError(f"--scheduler needs Dask, which is not installed: {INSTALL}") from e


class Cluster(Workers):
    """The workers of the Dask cluster at `address` (`LOCAL`: a LocalCluster of `jobs`
    processes here), connected to on the first task, for the records below `source`."""

    remote = True

    def __init__(self, address: str, source: Path, jobs: int | None) -> None:
        super().__init__(jobs)
        self.address = address
        self.source = source.absolute()
        self._client: Any = None  # a distributed.Client (whose calls mypy cannot check)
        self._local: Any = None  # the LocalCluster, when this build started one

    def start(self, tasks: int) -> None:
        """Nothing to start ahead: the cluster's workers are already running."""

    def _submitter(self, tasks: int) -> Callable[..., Any]:
        """`map` sends each task to the cluster, connected to on the first one."""
        client = self._connect()
        return lambda function, item: client.submit(function, item, pure=False)

    def _result(self, future: Any) -> Any:
        """A task's result. The cluster's own failures (workers that died running the
        task, a scheduler gone) are a ClusterError, a message and exit 1: as Dask's own
        exceptions they were a traceback, and, as no error feedpub knows, taken for the
        cache's fault (the cache discarded, the whole build run again on that cluster)."""
        from concurrent.futures import CancelledError

        from distributed import KilledWorker
        from distributed.comm.core import CommClosedError

        try:
            return future.result()
        except (KilledWorker, CommClosedError, CancelledError) as e:
            why = f"{type(e).__name__}: {e}"[:400]  # Dask's own words, which can run long
            message = f"the Dask cluster at {self.address} failed the build: {why}"
            raise ClusterError(escape_text(message)) from e

    # --- `spread.Runner`: reading and grouping on the cluster --------------------------

    def keep(self, function: Callable[[Any], Any], items: Iterable[Any]) -> list[Any]:
        """`function` of each item run on the cluster, its result kept there (futures)."""
        client = self._connect()
        return [client.submit(function, item, pure=False) for item in items]

    def results(self, kept: Sequence[Any]) -> Iterator[Any]:
        return (self._result(future) for future in kept)

    def compute(self, *collections: Any) -> list[Any]:
        return [self._result(future) for future in self._connect().compute(list(collections))]

    def persist(self, collection: Any) -> Any:
        return self._connect().persist(collection)

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
        if self._local is not None:
            self._local.close()
            self._local = None

    def _connect(self) -> Any:
        if self._client is None:
            require_dask()
            distributed: Any = importlib.import_module("distributed")

            if self.address == LOCAL:
                self._local = distributed.LocalCluster(
                    n_workers=self.jobs,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=":0",  # any free port: 8787 may be another's
                )
                self._client = distributed.Client(self._local)
            else:
                try:
                    self._client = distributed.Client(self.address, timeout=_CONNECT_TIMEOUT)
                except (OSError, TimeoutError, ValueError) as e:  # ValueError: not an address
                    raise ConfigError(
                        f"--scheduler {escape_text(self.address)}: cannot connect: "
                        f"{escape_text(str(e))} (give tcp://HOST:PORT, or {LOCAL} for a "
                        "cluster on this machine)"
                    ) from e
            self.jobs = max(1, sum(self._client.nthreads().values()))
            _check_workers(self._client, self.source)
        return self._client


def _check_workers(client: Any, source: Path) -> None:
    """Raise ConfigError naming each worker that cannot read `source`, sees other files
    there than this machine, or runs another feedpub than this one (its files would not
    be this build's bytes), and a scheduler that runs another feedpub."""
    found = client.run(worker_report, str(source))
    if not found:
        raise ConfigError("--scheduler: the cluster has no workers")
    ours = worker_report(str(source))
    problems = [p for p in (_scheduler_problem(client, ours[0]),) if p]
    for worker, (version, listing, problem) in sorted(found.items()):
        if problem:
            problems.append(f"worker {worker} cannot read {source}: {problem}")
        elif listing != ours[1]:
            problems.append(
                f"worker {worker} sees other files in {source} than this machine does: "
                "the records must be at the same path on every worker (a shared file system)"
            )
        elif tuple(version) != ours[0]:
            problems.append(
                f"worker {worker} runs feedpub {version[0]} (code {version[1]}), "
                f"not {ours[0][0]} (code {ours[0][1]}): install the same feedpub there"
            )
    if problems:
        raise ConfigError(escape_text("; ".join(problems)))


def _scheduler_problem(client: Any, ours: tuple[str, str]) -> str | None:
    """Why the scheduler cannot take this build's tasks, if it cannot: it unpickles
    them, and so imports feedpub's functions. One that runs another feedpub (started
    before an upgrade, or before the checkout changed) fails on the first task with
    Dask's RuntimeError: a traceback, taken for the record store's fault (the store
    emptied and the build run again)."""
    try:
        theirs = tuple(client.run_on_scheduler(scheduler_version))
    except Exception as e:  # no feedpub there to unpickle the function, for one
        return f"the scheduler cannot run feedpub ({type(e).__name__}: {e})"[:400]
    if theirs != ours:
        version, code = [str(part)[:100] for part in (*theirs, "?", "?")[:2]]
        return (
            f"the scheduler runs feedpub {version} (code {code}), not {ours[0]} "
            f"(code {ours[1]}): start it with the same feedpub"
        )
    return None


def scheduler_version() -> tuple[str, str]:
    """On the scheduler: its feedpub version and code hash."""
    return __version__, code_hash()


def worker_report(source: str) -> tuple[tuple[str, str], str, str | None]:
    """On a worker: its feedpub version and code hash, a digest of the names in the
    folder `source`, and why it cannot read that folder (None when it can)."""
    version = (__version__, code_hash())
    try:
        names = sorted(os.listdir(source))
    except OSError as e:
        return version, "", e.strerror or str(e)
    digest = hashlib.blake2b("\0".join(names).encode("utf-8", "surrogateescape"), digest_size=16)
    return version, digest.hexdigest(), None
