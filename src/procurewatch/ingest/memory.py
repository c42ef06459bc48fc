"""Keeping freed memory from staying in a process (glibc's allocator, Arrow's memory pool)."""

from __future__ import annotations

import ctypes
import platform

M_MMAP_THRESHOLD = -3  # mallopt parameter, from glibc's malloc.h
BIG_BLOCK = 128 * 1024


def give_back_big_blocks() -> None:
    """Serve every allocation of 128 KiB or more from a mapping of its own, unmapped when it is freed.

    That is glibc's default, but once such a block is freed glibc raises the threshold (up to 32 MiB),
    and later big arrays, Arrow buffers and query results come from the heap, which fragments and does
    not shrink. Setting the threshold fixes it for linking and indexing, which hold big blocks briefly.
    Not used while storing, where a mapping per big buffer costs more time than it saves memory.
    Does nothing where the C library is not glibc."""
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return
    try:
        ctypes.CDLL("libc.so.6").mallopt(M_MMAP_THRESHOLD, BIG_BLOCK)
    except (OSError, AttributeError):
        return


def arrow_allocates_from_the_system() -> None:
    """Make Arrow allocate with malloc instead of its default mimalloc pool, which keeps freed pages.

    The storing process frees Arrow tables batch after batch, linking pass after pass; with malloc the
    pages go back."""
    import pyarrow as pa

    pa.set_memory_pool(pa.system_memory_pool())
