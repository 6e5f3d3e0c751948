"""Big blocks of memory handed back to the system when they are freed (glibc on Linux).

The window works with arrays of up to ten million post ids (80 MB) and, for a search, a few
temporary ones of tens of megabytes (numpy's masks, the matches read from SQLite). glibc's
malloc serves a block above its mmap threshold from its own mapping and returns it to the
system on free, but after each such free it raises the threshold to that block's size (up to
32 MB), so the next blocks of that size come from the heap and stay there after they are
freed: the window's resident memory grew by tens of megabytes a search at 10M posts (the
peak 405 MB against 375 MB with a fixed threshold, the same searches). A fixed threshold of
1 MB keeps every big block a mapping of its own, given back when freed. Elsewhere (another C
library, another system) nothing is changed."""

from __future__ import annotations

import ctypes
import ctypes.util
import sys

M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter (malloc.h)
THRESHOLD_BYTES = 1 << 20

_done: bool | None = None


def give_big_blocks_back() -> bool:
    """Fix glibc's mmap threshold at 1 MB for this process (once); True if it was set."""
    global _done
    if _done is not None:
        return _done
    _done = False
    if not sys.platform.startswith("linux"):
        return False
    name = ctypes.util.find_library("c")
    if not name:
        return False
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # musl and others have no mallopt
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    _done = bool(mallopt(M_MMAP_THRESHOLD, THRESHOLD_BYTES))
    return _done
