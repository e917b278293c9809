"""The C heap tuned for chunked numpy work, for the CLI's process only (never on import).

Each chunk makes temporaries of a few hundred KiB; glibc serves those from fresh mmaps and hands
freed heap back to the system, so every chunk pays page faults on first touch again. Kept in the
heap, the pages are reused (benchmarks/README.md#design-measurements). Peak memory is the same:
it stays at its peak.
"""

from __future__ import annotations

import sys

M_TRIM_THRESHOLD = -1  # glibc's mallopt parameters (malloc.h)
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 32 << 20  # glibc's largest: blocks below this come from the reused heap
TRIM_THRESHOLD = 128 << 20  # free heap kept before any is given back


def keep_freed_memory() -> None:
    """Ask glibc to reuse freed memory; elsewhere (macOS, musl, Windows) nothing happens."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return
    mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)
    mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD)
