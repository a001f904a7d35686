"""Where dask computations run: the local threaded scheduler or a dask.distributed cluster."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from ai4c.core.errors import BadInputError

_CLUSTER: ContextVar[str | None] = ContextVar("ai4c_cluster", default=None)


@contextmanager
def scheduler(address: str | None = None) -> Iterator[Any]:
    """Run the block on `address` (`tcp://host:port`, or `local[:N]` for an N-worker LocalCluster).

    Without an address (nor AI4C_SCHEDULER) dask's threaded scheduler is used and None is yielded.
    """
    address = address or os.environ.get("AI4C_SCHEDULER") or None
    if not address:
        with _threads():
            yield None
        return
    from distributed import Client, LocalCluster

    cluster = None
    try:
        if address.startswith("local"):
            workers = int(address.partition(":")[2] or 2)
            cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                   dashboard_address=None)
            client = Client(cluster)
        else:
            client = Client(address, timeout="10s")
    except (OSError, TimeoutError, ValueError) as exc:
        raise BadInputError(f"cannot reach dask scheduler {address!r} ({exc}); check --scheduler") from exc
    token = _CLUSTER.set(address)
    try:
        with client.as_current():
            yield client
    finally:
        _CLUSTER.reset(token)
        client.close()
        if cluster is not None:
            cluster.close()


def usable_cores() -> int:
    """The cores this process may use (its CPU affinity where the OS tells it): threads to start for work
    that releases the GIL."""
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))


def local_run() -> bool:
    """Whether work runs in this process (no --scheduler block active, no AI4C_SCHEDULER): fast paths that
    skip dask may be taken."""
    return not (_CLUSTER.get() or os.environ.get("AI4C_SCHEDULER"))


@contextmanager
def _threads() -> Iterator[None]:
    """dask's threaded scheduler inside the block, without importing dask when nothing else has: the
    DASK_SCHEDULER variable is read by dask's configuration when it is first imported."""
    import sys

    if "dask" in sys.modules:
        import dask

        with dask.config.set(scheduler="threads"):
            yield
        return
    before = os.environ.get("DASK_SCHEDULER")
    os.environ["DASK_SCHEDULER"] = "threads"
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("DASK_SCHEDULER", None)
            if "dask" in sys.modules:  # imported inside the block: forget the setting it read, as config.set would
                sys.modules["dask"].config.config.pop("scheduler", None)
        else:
            os.environ["DASK_SCHEDULER"] = before
