"""Compiled loops (numba) that work on every install, writable or not.

numba caches a kernel's machine code on disk (``cache=True``) beside its module, or under ``NUMBA_CACHE_DIR``,
or in the user's cache folder, whichever it can write; where it can write none of them (a read-only
install run by a user whose home is read-only: a container, a system package) ``njit(cache=True)`` raises
at import ("cannot cache function ...: no locator available"), which would stop every command that draws
a video. :func:`compiled` caches where it can and otherwise compiles in memory on first use (about a
second per process), so such an install works, only without the saved compilation.

Examples
--------
>>> @compiled
... def twice(x):
...     return 2 * x
>>> twice(21)
42
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from numba import njit


def compiled(function: Callable[..., Any]) -> Callable[..., Any]:
    """``function`` compiled by numba (no Python objects, the GIL released), its machine code cached on
    disk when numba finds a writable place for it (see the module docstring)."""
    try:
        return njit(cache=True, nogil=True)(function)
    except RuntimeError:  # no writable cache location: numba's "no locator available"
        return njit(cache=False, nogil=True)(function)
