"""Picture sizes every backend and command accepts: one home for the bounds.

Why bounds at all: ``--size 100000`` once failed after 78 s of analysis and 5.5 GB of memory. The
argument parser (:func:`a2i.cliargs.image_side`) and the library (:func:`check_size`) refuse such sizes
before any work, with the same numbers.

Examples
--------
>>> check_size(512), check_size((640, 360))
((512, 512), (640, 360))
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence

from a2i.errors import ConfigError

#: Smallest side: below 16 px the painter's quarter-size layers (and SDXL's 8x latent) vanish.
MIN_SIDE = 16
#: Largest side: a 4096 x 4096 RGB picture is 48 MB in memory and SDXL was trained at 1024; larger sizes
#: only exhaust memory.
MAX_SIDE = 4096


def check_size(size: int | Sequence[int]) -> tuple[int, int]:
    """``(width, height)`` from an int or a pair, each side within :data:`MIN_SIDE` .. :data:`MAX_SIDE`.

    Examples
    --------
    >>> check_size(100000)
    Traceback (most recent call last):
    ...
    a2i.errors.ConfigError: size must be between 16 and 4096 pixels per side (an int or (width, height)), got 100000
    """
    # numbers.Integral: Python's and NumPy's integers, without importing NumPy (``a2i --help`` reads this module).
    sides = (size, size) if isinstance(size, numbers.Integral) else tuple(size) if isinstance(size, (tuple, list)) else ()
    if len(sides) != 2 or not all(isinstance(s, numbers.Integral) and not isinstance(s, bool)
                                  and MIN_SIDE <= s <= MAX_SIDE for s in sides):
        raise ConfigError(f"size must be between {MIN_SIDE} and {MAX_SIDE} pixels per side "
                          f"(an int or (width, height)), got {size!r}")
    return int(sides[0]), int(sides[1])
