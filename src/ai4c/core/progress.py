"""Rich progress bars fed by dask's scheduler callbacks; silenced globally by `--quiet`."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

T = TypeVar("T")
_state = {"enabled": False}


def set_enabled(enabled: bool) -> None:
    """Switch progress display on (CLI default) or off (`--quiet`, library use)."""
    _state["enabled"] = bool(enabled)


def is_enabled() -> bool:
    """Whether progress bars are shown, which needs an interactive stderr too."""
    return _state["enabled"] and sys.stderr.isatty()


def _rich_dask_progress(description: str) -> Any:
    """A dask local-scheduler callback that advances one rich bar per finished task (dask imported here,
    so that commands which never build a dask graph do not pay for it)."""
    from dask.callbacks import Callback

    class RichDaskProgress(Callback):
        """A dask local-scheduler callback that advances one rich bar per finished task."""

        def __init__(self, description: str) -> None:
            super().__init__()
            self.description = description
            self._progress: Any = None
            self._task: Any = None

        def _start_state(self, dsk: Any, state: dict) -> None:
            from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

            total = sum(len(state[k]) for k in ("ready", "waiting", "running", "finished"))
            self._progress = Progress(
                TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(), TimeElapsedColumn(),
                transient=True,
            )
            self._progress.start()
            self._task = self._progress.add_task(self.description, total=total)

        def _posttask(self, key: Any, result: Any, dsk: Any, state: dict, worker_id: Any) -> None:
            self._progress.update(self._task, advance=1)

        def _finish(self, dsk: Any, state: dict, errored: bool) -> None:
            if self._progress is not None:
                self._progress.stop()

    return RichDaskProgress(description)


@contextmanager
def dask_progress(description: str) -> Iterator[None]:
    """Show a bar for every dask computation inside the block, when progress is enabled."""
    if not is_enabled():
        yield
        return
    with _rich_dask_progress(description):
        yield


def track(items: Iterable[T], description: str, total: int | None = None) -> Iterator[T]:
    """Iterate with a rich bar (for loops that are not dask graphs: epochs, files, blocks)."""
    if not is_enabled():
        yield from items
        return
    from rich.progress import track as rich_track

    yield from rich_track(items, description=description, total=total, transient=True)
