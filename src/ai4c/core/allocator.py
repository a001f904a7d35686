"""Process-wide allocator settings for commands that stream large raster strips (CLI use only)."""

from __future__ import annotations

import ctypes

M_TRIM_THRESHOLD = -1  # glibc mallopt parameters (malloc.h)
M_MMAP_THRESHOLD = -3
KEEP_BYTES = 256 * 2**20


def keep_freed_strips(limit: int = KEEP_BYTES) -> bool:
    """Let glibc reuse freed strip buffers up to `limit` bytes instead of returning them to the kernel and
    page-faulting them in again for the next strip (S2-preprocess 2745² at 20 m: ~0.2 s less CPU of 5.4).
    Only the command-line entry points call this: a library must not tune its host's allocator. Returns
    whether the setting took (False off glibc)."""
    try:
        mallopt = ctypes.CDLL(None).mallopt  # the C library already loaded in this process
    except (OSError, AttributeError, TypeError):
        return False
    return bool(mallopt(M_MMAP_THRESHOLD, limit)) and bool(mallopt(M_TRIM_THRESHOLD, limit))
