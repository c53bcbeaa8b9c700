"""Politeness and robustness for steps that talk to a service: a rate limit, retries, a worker pool.

YouTube and LLM endpoints both throttle or ban clients that hammer them, and both fail transiently. Every
networked step runs its items through :func:`run_parallel` with a shared :class:`RateLimiter`, and wraps each
request in :func:`retry`.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from typing import TypeVar

from a2i.errors import ConfigError

T = TypeVar("T")
R = TypeVar("R")


class RateLimiter:
    """Space request starts at least ``1 / rate`` seconds apart across all threads.

    Parameters
    ----------
    rate : float
        Requests per second; 0 or less disables the limit (for local servers and tests).
    """

    def __init__(self, rate: float) -> None:
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self._lock = threading.Lock()
        self._next = 0.0

    def wait(self) -> None:
        """Block until the caller may start its next request."""
        if not self.interval:
            return
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next)
            self._next = start + self.interval
        if start > now:
            time.sleep(start - now)


def retry(
    fn: Callable[[], R],
    *,
    retries: int,
    backoff: float,
    retry_on: tuple[type[BaseException], ...],
    limiter: RateLimiter | None = None,
) -> R:
    """Call ``fn`` until it succeeds, at most ``retries + 1`` times, sleeping ``backoff * 2**attempt`` between.

    Jitter of up to 50 % keeps parallel workers that failed together from retrying together.
    """
    for attempt in range(retries + 1):
        if limiter is not None:
            limiter.wait()
        try:
            return fn()
        except retry_on:
            if attempt == retries:
                raise
            time.sleep(backoff * (2**attempt) * (1 + 0.5 * random.random()))
    raise AssertionError("unreachable")


def run_parallel(
    fn: Callable[[T], R],
    items: Iterable[T],
    *,
    workers: int,
    total: int | None = None,
    desc: str = "",
    progress: bool = True,
) -> Iterator[R]:
    """Yield ``fn(item)`` for every item as results complete, with at most ``workers`` in flight.

    Submitting lazily (never more than ``2 * workers`` pending) keeps memory flat on 40,000 items and makes a
    kill lose at most the in-flight ones. ``fn`` is expected to catch its own per-item failures and return a
    record; an exception that escapes it is a bug and propagates.
    """
    if workers < 1:
        raise ConfigError(f"workers must be at least 1, got {workers}")
    from a2i.progress import progress_bar

    iterator = iter(items)
    bar = progress_bar(total=total, enabled=progress, desc=desc, unit="track", leave=True)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        pending = set()
        try:
            while True:
                while len(pending) < 2 * workers:
                    try:
                        pending.add(pool.submit(fn, next(iterator)))
                    except StopIteration:
                        break
                if not pending:
                    break
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    bar.update(1)
                    yield future.result()
        finally:
            for future in pending:
                future.cancel()
            bar.close()
