"""One way to turn a user's ``--seed`` into random numbers, shared by every backend.

Why a module of its own: seeds 0, 2**32 and 2**63 once painted byte-identical pictures because a backend
kept only the low 32 bits. Every backend (the painter, SDXL, the video's motion) builds its random
generator here, from the whole seed, so two different seeds never collide and a seed that cannot be
honoured is refused up front instead of silently truncated.

For backend authors: call :func:`rng` with the picture's seed (and a constant ``stream`` number per
independent use, so two layers drawn from one seed stay independent), never ``int(seed) & 0xFFFFFFFF``
or ``np.random.seed``. The pipeline hands each picture ``picture_seed(seed, offset)``, which is what the
run record stores, so any picture can be re-made alone from its record.

Examples
--------
>>> a, b = rng(0).random(), rng(2**32).random()
>>> a != b
True
>>> picture_seed(5, 1), picture_seed(MAX_SEED, 1)
(6, 0)
"""

from __future__ import annotations

import numpy as np

from a2i.errors import ConfigError

#: The largest seed a2i accepts: ``torch.Generator.manual_seed`` (the SDXL backend) takes at most an
#: unsigned 64-bit value; NumPy's SeedSequence takes any non-negative int, so 64 bits is what both honour.
MAX_SEED = 2**64 - 1


def check_seed(seed: int, *, name: str = "--seed") -> int:
    """Return ``seed`` if every backend can honour it exactly, else raise :class:`~a2i.errors.ConfigError`.

    Examples
    --------
    >>> check_seed(2**63)
    9223372036854775808
    >>> check_seed(-1)
    Traceback (most recent call last):
    ...
    a2i.errors.ConfigError: --seed -1: must be a whole number from 0 to 18446744073709551615
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= int(seed) <= MAX_SEED:
        raise ConfigError(f"{name} {seed}: must be a whole number from 0 to {MAX_SEED}")
    return int(seed)


def picture_seed(seed: int, offset: int) -> int:
    """The seed of the ``offset``-th picture of a run: ``seed + offset``, wrapping past :data:`MAX_SEED`.

    Consecutive seeds keep runs readable (``--seed 5`` paints clips 0 and 1 with seeds 5 and 6); wrapping
    keeps every allowed base seed usable.
    """
    return (check_seed(seed) + int(offset)) % (MAX_SEED + 1)


def rng(seed: int, stream: int = 0) -> np.random.Generator:
    """A NumPy generator that depends on every bit of ``seed``.

    Parameters
    ----------
    seed : int
        0 .. :data:`MAX_SEED`.
    stream : int
        Separates independent uses of one seed (a constant per use, e.g. one per painter layer).
    """
    return np.random.default_rng(np.random.SeedSequence(check_seed(seed), spawn_key=(int(stream),)))
