"""Memory a closed review window read is handed back to the system, not only to the allocator.

A review window reads months of history, draws charts and lets all of it go when it is closed
and deleted. Python frees those objects at once, but glibc's allocator keeps the freed pages of
its heap for later use: the app's resident memory would stay at its high-water mark for the
rest of the day, on a laptop that runs it for years. ``malloc_trim(0)`` asks glibc to return the
free pages it holds (also those between blocks still in use); it costs a pass over the heap,
once per closed review window. Elsewhere than glibc (macOS, Windows, musl) nothing is done.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import gc
import sys
from collections.abc import Callable


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        trim: Callable[[int], int] = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc: no such call
        return None
    return trim


def give_back() -> bool:
    """Collect what cycles still hold, then hand glibc's free pages back to the system; True
    when the allocator was asked to."""
    gc.collect()
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True
