"""Browser-test helpers shared by every page of the project: an ASGI app served by uvicorn in a thread,
and headless Debian Chromium driven by selenium (tests skip with a message when it cannot start)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest


class LiveServer:
    """An ASGI app served on 127.0.0.1 from a background thread (ai4c.web.serve); `url` is its base URL."""

    def __init__(self, app) -> None:
        from ai4c.web.serve import background_server

        self._context = background_server(app)
        self.url = ""

    def __enter__(self) -> LiveServer:
        self.url = self._context.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self._context.__exit__(*exc)


@contextmanager
def chromium(width: int = 1200, height: int = 800) -> Iterator:
    """A headless Chromium WebDriver (ai4c.web.headless); skips the test when none can start."""
    from ai4c.core.errors import DependencyMissingError
    from ai4c.web.headless import chromium as start

    try:
        context = start(width, height)
        driver = context.__enter__()
    except DependencyMissingError as err:
        pytest.skip(str(err))
    try:
        yield driver
    finally:
        context.__exit__(None, None, None)


def console_errors(driver) -> list[str]:
    """The browser console's SEVERE entries since the last call (JS errors, failed loads)."""
    return [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def wait_for(driver, script: str, timeout: float = 20.0, poll: float = 0.05):
    """Evaluate `script` (a JS expression) until it is truthy; returns its value or fails the test."""
    deadline = time.monotonic() + timeout
    while True:
        value = driver.execute_script(f"return ({script});")
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for: {script}")
        time.sleep(poll)
