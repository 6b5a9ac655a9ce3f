"""A long-running service's memory kept flat: glibc's allocator given fixed thresholds at start.

Kafka fetch responses are large byte buffers (up to a megabyte per partition), allocated and
freed all the time. glibc raises its mmap threshold each time such a buffer is freed, after
which they come from the heap, which fragments and is not given back: a consumer catching up on
a backlog kept ~0.5 KiB of resident memory per event read (abeyance 165 -> 206 MiB from 20,000
to 100,000 events; 161 -> 169 MiB with fixed thresholds; Python's own objects stayed ~100 MiB,
measured with ``tracemalloc``). Fixed thresholds keep big buffers in mappings of their own,
returned to the system when freed (ADR 0016).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys

M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 128 * 1024
"""glibc's initial threshold: buffers this big or bigger get mappings of their own."""
TRIM_THRESHOLD = 256 * 1024
"""Free memory at the top of the heap beyond this is given back."""
OPERATOR_SETTINGS = ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_")


def fix_allocator_thresholds() -> bool:
    """Fix glibc's thresholds (unless the operator set them); False where there is no glibc."""
    if sys.platform != "linux" or any(name in os.environ for name in OPERATOR_SETTINGS):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(
        mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD)
    )
