"""Progress bars for long work, shown on a terminal only.

Why one helper: a bar redrawn with carriage returns is useful on a terminal and garbage in a log file or a
CI transcript. tqdm's ``disable=None`` turns the bar off when its stream (stderr) is not a terminal, so
logs get only the plain lines the commands print.

Examples
--------
>>> sum(progress_bar(range(3), desc="counting"))
3
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import Any, TypeVar

T = TypeVar("T")


def _stderr_is_a_terminal() -> bool:
    try:
        return sys.stderr is not None and sys.stderr.isatty()
    except (AttributeError, ValueError):  # replaced by an object without isatty, or closed
        return False


class _NoBar:
    """What :func:`progress_bar` gives for a bar updated by hand that would draw nothing: tqdm's calls a2i
    makes on such a bar (``update``, ``close``, ``with``), doing nothing, without importing tqdm."""

    def update(self, n: float = 1) -> None:
        pass

    def close(self) -> None:
        pass

    def __enter__(self) -> _NoBar:
        return self

    def __exit__(self, *exc: object) -> None:
        pass


def progress_bar(iterable: Iterable[T] | None = None, *, enabled: bool = True, **options: Any) -> Any:
    """``tqdm(iterable, **options)`` that draws only when ``enabled`` and stderr is a terminal (an iterable
    with nothing to draw is returned as it is, a bar updated by hand is one that does nothing).

    Parameters
    ----------
    iterable : iterable, optional
        What to iterate; leave out and pass ``total=`` for a bar updated by hand.
    enabled : bool
        The caller's own switch (e.g. ``--json`` output wants no bars at all).
    options
        Passed to :class:`tqdm.tqdm` (``desc``, ``unit``, ``total``...); the bar is not left on screen.
    """
    if not (enabled and _stderr_is_a_terminal()):  # no bar to draw, and tqdm not imported (6-20 ms)
        return iterable if iterable is not None else _NoBar()
    from tqdm import tqdm

    options.setdefault("leave", False)
    options.setdefault("dynamic_ncols", True)
    return tqdm(iterable, disable=None if enabled else True, **options)
