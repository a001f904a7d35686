"""User-facing warnings: one line on stderr, also collected for the STAC Item of the current run."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

LOGGER = logging.getLogger("ai4c")
_collected: list[list[str]] = []


def warn(message: str) -> None:
    """Tell the user something worth knowing about the result and remember it for the metadata."""
    LOGGER.warning(message)
    for sink in _collected:
        sink.append(message)


@contextmanager
def collect_warnings() -> Iterator[list[str]]:
    """Collect every `warn` issued inside the block (so a pipeline can record them in its STAC Item)."""
    sink: list[str] = []
    _collected.append(sink)
    try:
        yield sink
    finally:
        _collected.remove(sink)


def configure(quiet: bool = False, debug: bool = False) -> None:
    """Send ai4c messages to stderr as `warning: ...` lines."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
    LOGGER.handlers[:] = [handler]
    LOGGER.setLevel(logging.DEBUG if debug else (logging.ERROR if quiet else logging.INFO))
    LOGGER.propagate = False
