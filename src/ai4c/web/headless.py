"""Headless Chromium through selenium (Debian's chromium + chromedriver), for pictures of the
project's pages (demo screenshots, benchmarks) and browser tests."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

from ai4c.core.errors import DependencyMissingError, first_line

CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync")


@contextmanager
def chromium(width: int = 1200, height: int = 800) -> Iterator:
    """A headless Chromium WebDriver with a fresh profile and console logging; DependencyMissingError
    (saying what to install) when selenium, chromium or chromedriver is missing or does not start."""
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError as err:
        raise DependencyMissingError("selenium is not installed (pip install 'ai4c[dev]')") from err
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    driver_path = shutil.which("chromedriver")
    if not binary or not driver_path:
        raise DependencyMissingError("headless pictures need chromium and chromedriver "
                                     "(apt-get install chromium chromium-driver)")
    profile = tempfile.mkdtemp(prefix="ai4c-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={profile}", f"--window-size={width},{height}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    try:
        driver = webdriver.Chrome(service=Service(driver_path), options=options)
    except Exception as err:  # any start failure means: no usable browser here
        shutil.rmtree(profile, ignore_errors=True)
        raise DependencyMissingError(f"headless chromium could not start: {first_line(err)}") from err
    try:
        driver.set_script_timeout(600)
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
