"""core.allocator: freed strip buffers stay with the process for the next strip (glibc only)."""

from __future__ import annotations

import platform
import subprocess
import sys

import pytest

PROBE = """
import os, sys
import numpy as np
if sys.argv[1] == "keep":
    from ai4c.core.allocator import keep_freed_strips
    assert keep_freed_strips()
def resident():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
before = resident()
strip = np.ones(90 * 2**20 // 8)  # a 90 MB strip, every page written
del strip
print(resident() - before)
"""


def _kept_after_free(mode: str) -> int:
    done = subprocess.run([sys.executable, "-c", PROBE, mode], capture_output=True, text=True, check=True)
    return int(done.stdout.split()[-1])


@pytest.mark.skipif(platform.system() != "Linux" or platform.libc_ver()[0] != "glibc", reason="glibc only")
def test_freed_strip_stays_resident_for_the_next():
    """Default glibc maps a 90 MB block on its own and unmaps it at free (the next strip is faulted in and
    zeroed by the kernel again); kept, the 90 MB stay in the heap for reuse."""
    strip = 90 * 2**20
    assert _kept_after_free("default") < 0.1 * strip
    assert _kept_after_free("keep") > 0.9 * strip
