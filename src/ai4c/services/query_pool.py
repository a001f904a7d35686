"""Queries of an on-disk GeoStore evaluated in worker processes, so that a query past its time limit
is really stopped: pyoxigraph has no cancellation hook, but a process can be killed.

Each worker opens the store read-only and answers one request at a time over a pipe. A query gets
its time limit inside the worker first (GeoSPARQL functions and result streaming stop at the
deadline); a worker still busy `GRACE` seconds later (e.g. inside a huge ORDER BY) is killed and
replaced. Writes go through `paused()`: it drains the running queries and stops the workers, so that
no process reads while the caller writes, and starts fresh workers (which see the change) after.
"""

from __future__ import annotations

import contextlib
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

from ai4c.core.errors import BadInputError
from ai4c.linked.store.store import GeoStore, QueryError, QueryTimeoutError

GRACE = 2.0  # seconds a worker gets past the time limit to stop by itself before it is killed
START_TIMEOUT = 120.0  # seconds a new worker may take to open the store and its spatial index


@dataclass(frozen=True)
class StoreOptions:
    """How workers open the store."""

    path: Path
    entail: bool = True
    rewrite_topology: bool = True


def default_workers() -> int:
    """Worker processes for this machine: one per CPU, 2 to 4."""
    return max(2, min(4, os.cpu_count() or 2))


def _worker_main(conn: Connection) -> None:
    """A worker: receive the store options, open the store read-only, then answer (operation, args)
    requests until told to stop."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and stops us
    options: StoreOptions = conn.recv()
    try:
        store = GeoStore(options.path, entail=options.entail, rewrite_topology=options.rewrite_topology,
                         read_only=True)
        store.warm()
    except Exception as exc:  # reported to the parent, which refuses to serve without workers
        conn.send(("failed", f"{type(exc).__name__}: {exc}"))
        return
    conn.send(("ready", None))
    while True:
        try:
            request = conn.recv()
        except EOFError:  # the parent is gone
            return
        if request is None:
            return
        conn.send(_answer(store, *request))


def _answer(store: GeoStore, operation: str, *args) -> tuple:
    """('ok', value) or ('bad'|'timeout'|'error', message) for one request."""
    try:
        if operation == "query":
            query, result_format, timeout = args
            return "ok", store.query_serialized(query, result_format, timeout=timeout)
        if operation == "dump":
            return "ok", store.dump_graph(*args)
        if operation == "count":
            return "ok", len(store)
        return "error", f"unknown operation {operation!r}"
    except QueryTimeoutError as exc:
        return "timeout", str(exc)
    except BadInputError as exc:
        return "bad", str(exc)
    except Exception as exc:  # an evaluation failure is this request's error, not the worker's end
        return "error", f"{type(exc).__name__}: {exc}"


class _Worker:
    """One worker process and the parent's end of its pipe."""

    def __init__(self, options: StoreOptions) -> None:
        # A fresh interpreter (`python -m`), not fork (the parent runs threads and RocksDB) nor
        # multiprocessing's spawn (it re-imports the caller's __main__, which may not allow it).
        mine, theirs = socket.socketpair()
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
        self.process = subprocess.Popen([sys.executable, "-m", __name__, str(theirs.fileno())],
                                        pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL,
                                        stdout=subprocess.DEVNULL, env=env)
        theirs.close()
        self.conn = Connection(mine.detach())
        self.conn.send(options)

    @property
    def exitcode(self) -> int | None:
        return self.process.poll()

    def wait_ready(self) -> None:
        """Block until the worker has opened the store; raise QueryError if it cannot."""
        if not self.conn.poll(START_TIMEOUT):
            self.kill()
            raise QueryError(f"a query worker did not open the store within {START_TIMEOUT:g} s")
        try:
            status, message = self.conn.recv()
        except EOFError:
            status, message = "failed", f"exit code {self.exitcode}"
        if status != "ready":
            self.kill()
            raise QueryError(f"a query worker could not open the store: {message}")

    def stop(self) -> None:
        """Ask an idle worker to exit, and make sure it does."""
        with contextlib.suppress(OSError):
            self.conn.send(None)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(5)
        self.kill()

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        self.conn.close()


class QueryPool:
    """Worker processes answering queries on the store at `options.path` (see the module docstring)."""

    def __init__(self, options: StoreOptions, workers: int | None = None) -> None:
        self.options = options
        self.size = workers or default_workers()
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._live: set[_Worker] = set()
        self._state = threading.Condition()
        self._in_flight = 0
        self._starting = 0  # replacements on their way
        self._paused = False
        self._start_workers()

    # ------------------------------------------------------------------ requests
    def query(self, query: str, result_format: str, timeout: float | None) -> tuple[bytes, str]:
        """Serialised results (body, media type), like GeoStore.query_serialized."""
        return self._request(("query", query, result_format, timeout), timeout)

    def dump_graph(self, graph) -> bytes:
        """One graph as N-Triples."""
        return self._request(("dump", graph), None)

    def count(self) -> int:
        """Number of quads in the store."""
        return self._request(("count",), None)

    def _request(self, request: tuple, timeout: float | None):
        worker = self._borrow()
        status, value = "stopped", None
        try:
            worker.conn.send(request)
            if worker.conn.poll(timeout + GRACE if timeout else None):
                status, value = worker.conn.recv()
            else:
                status = "killed"
        except (EOFError, OSError):
            pass  # the worker died: status stays "stopped"
        finally:
            self._give_back(worker, healthy=status not in ("stopped", "killed"))
        if status == "killed":
            raise QueryTimeoutError(f"query cancelled after the {timeout:g} s time limit; "
                                    "narrow it or raise the timeout")
        if status == "stopped":
            raise QueryError(f"query failed: its worker process stopped (exit code {worker.exitcode}); "
                             "the query may need more memory than the machine has")
        return _result(status, value)

    def pids(self) -> list[int]:
        """Process ids of the live workers (for monitoring)."""
        with self._state:
            return sorted(worker.process.pid for worker in self._live)

    # ------------------------------------------------------------------ writes
    @contextlib.contextmanager
    def paused(self) -> Iterator[None]:
        """Drain running queries and stop all workers for the duration (the caller writes the store)."""
        with self._state:
            while self._paused:
                self._state.wait()
            self._paused = True
            while self._in_flight:
                self._state.wait()
        self._stop_workers()
        try:
            yield
        finally:
            try:
                self._start_workers()
            finally:
                with self._state:
                    self._paused = False
                    self._state.notify_all()

    def close(self) -> None:
        """Stop every worker (killing those still busy)."""
        with self._state:
            self._paused = True
        self._stop_workers()
        with self._state:
            busy = list(self._live)
        for worker in busy:
            worker.kill()

    # ------------------------------------------------------------------ workers
    def _borrow(self) -> _Worker:
        """An idle worker (waiting for one); QueryError when none runs nor is starting."""
        with self._state:
            while self._paused:
                self._state.wait()
            self._in_flight += 1
        while True:
            try:
                return self._idle.get(timeout=1.0)
            except queue.Empty as err:
                with self._state:
                    if self._live or self._starting:
                        continue
                    self._in_flight -= 1
                    self._state.notify_all()
                raise QueryError("no query worker is running (they could not open the store); "
                                 "check the store folder and restart the server") from err

    def _give_back(self, worker: _Worker, healthy: bool) -> None:
        if healthy:
            self._idle.put(worker)
        else:
            worker.kill()
            with self._state:
                self._live.discard(worker)
                self._starting += 1
            threading.Thread(target=self._replace, daemon=True).start()
        with self._state:
            self._in_flight -= 1
            self._state.notify_all()

    def _replace(self) -> None:
        """Start a worker in place of a killed one (in the background: the 503 need not wait)."""
        worker: _Worker | None = _Worker(self.options)
        try:
            worker.wait_ready()
        except QueryError:
            worker = None  # the store became unreadable; the remaining workers keep serving
        with self._state:
            self._starting -= 1
            if worker is not None and self._paused:  # a write or close began: its restart brings a full set
                worker.stop()
            elif worker is not None:
                self._live.add(worker)
                self._idle.put(worker)
            self._state.notify_all()

    def _start_workers(self) -> None:
        """Start `size` workers at once and wait until all have opened the store."""
        workers = [_Worker(self.options) for _ in range(self.size)]
        failure: QueryError | None = None
        for worker in workers:
            try:
                worker.wait_ready()
            except QueryError as exc:
                failure = exc
        if failure is not None:
            for worker in workers:
                worker.kill()
            raise failure
        with self._state:
            for worker in workers:
                self._live.add(worker)
                self._idle.put(worker)

    def _stop_workers(self) -> None:
        """Stop the idle workers (all of them once the running queries are drained)."""
        while True:
            try:
                worker = self._idle.get_nowait()
            except queue.Empty:
                break
            worker.stop()
            with self._state:
                self._live.discard(worker)


def _result(status: str, value):
    if status == "ok":
        return value
    if status == "timeout":
        raise QueryTimeoutError(value)
    if status == "bad":
        raise QueryError(value)
    raise RuntimeError(f"query failed: {value}")


if __name__ == "__main__":  # a worker, started by _Worker with its socket's file descriptor
    _worker_main(Connection(int(sys.argv[1])))
