"""The seed policy: one way to turn a user's ``--seed`` and a song into random numbers, for every backend.

Every picture's seed is made here and nowhere else:

1. :func:`song_seed` mixes the user's seed with the song's content hash (the SHA-256 of the audio file's
   bytes, :func:`a2i.fileio.content_hash`), so two songs never share a layout at the same clip, and a renamed
   or moved copy of a song paints the same pictures;
2. :func:`picture_seed` numbers the pictures of one song from that base (the planner, :mod:`a2i.planner`,
   gives clip ``i``'s variant ``k`` the offset ``i + k * n_clips``);
3. :func:`rng` turns a picture's seed into a NumPy generator;
4. :func:`api_seed` fits a seed into the 31 bits a chat API's ``seed`` field takes (the LLM prompt writer).

The prompt writers are seeded here too, from the song and never from the user's seed alone: the planner hands
every writer call the song's seed (:func:`song_seed`, the base its pictures are numbered from), and the
template writer draws everything it chooses at random (scene walk, colour offset, styles, count words, times of
day, textures) from that seed and the clip's index only. So two untagged songs never write the same walk at one
seed, a renamed copy writes the same prompts, and the analysis's numbers are not a fingerprint: reading a tempo
0.1 BPM more precisely, or a valence a hundredth apart, changes a prompt only where the words it decides change
(its mood cell, tempo band, texture family), never which scene or style a picture draws. A dataset track, whose
prompts are written from a track list before (or without) its audio, is keyed by its id instead
(:func:`track_seed`).

Why a module of its own: seeds 0, 2**32 and 2**63 once painted byte-identical pictures because a backend
kept only the low 32 bits. Every backend (the painter, SDXL, the video's motion) builds its random
generator here, from the whole seed, so two different seeds never collide and a seed that cannot be
honoured is refused up front instead of silently truncated.

For backend authors: call :func:`rng` with the picture's seed (and a constant ``stream`` number per
independent use, so two layers drawn from one seed stay independent), never ``int(seed) & 0xFFFFFFFF``
or ``np.random.seed``. The planner hands each picture ``picture_seed(song_seed(seed, song_hash), offset)``,
which is what the run record stores, so any picture can be re-made alone from its record.

Examples
--------
>>> a, b = rng(0).random(), rng(2**32).random()
>>> a != b
True
>>> picture_seed(5, 1), picture_seed(MAX_SEED, 1)
(6, 0)
>>> song_seed(0, "ab" * 32) != song_seed(0, "cd" * 32) != song_seed(1, "cd" * 32)
True
"""

from __future__ import annotations

import numbers
import re
from typing import TYPE_CHECKING

from a2i.errors import ConfigError

if TYPE_CHECKING:
    import numpy as np

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
    # numbers.Integral: Python's and NumPy's integers, without importing NumPy (``a2i --help`` reads this module).
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or not 0 <= int(seed) <= MAX_SEED:
        raise ConfigError(f"{name} {seed}: must be a whole number from 0 to {MAX_SEED}")
    return int(seed)


_SHA256_HEX = re.compile(r"[0-9a-f]{64}")


def _hashed(key: str, size: int = 8) -> int:
    """The first ``size`` bytes of the SHA-256 of ``key`` (UTF-8) as a number: how every seed here is derived from
    a key (a hash, not a sum, so nearby keys give unrelated seeds)."""
    import hashlib  # here, not at the top: it loads OpenSSL (3 ms), and `a2i analyze` and `--help` import this module

    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:size], "big")


def song_seed(seed: int, song_hash: str) -> int:
    """The base seed of one song's pictures: a 64-bit hash of the user's seed and the song's content hash.

    Hashing (rather than adding) makes nearby seeds and nearby songs unrelated, and keeps every value of
    ``seed`` usable. Only the audio's bytes enter, never its file name, so a renamed copy paints the same.

    Parameters
    ----------
    seed : int
        The user's ``--seed`` (0 .. :data:`MAX_SEED`).
    song_hash : str
        The song's SHA-256 as 64 lower-case hex digits (:func:`a2i.fileio.content_hash`).

    Examples
    --------
    >>> song_seed(0, "0" * 64)
    7761594457588525078
    >>> song_seed(0, "song.mp3")
    Traceback (most recent call last):
    ...
    a2i.errors.ConfigError: song_hash 'song.mp3': expected a SHA-256 of the song's bytes (64 hex digits), from a2i.fileio.content_hash
    """
    if not isinstance(song_hash, str) or not _SHA256_HEX.fullmatch(song_hash):
        raise ConfigError(f"song_hash {song_hash!r}: expected a SHA-256 of the song's bytes (64 hex digits), "
                          "from a2i.fileio.content_hash")
    return _hashed(f"a2i-song-seed:{check_seed(seed)}:{song_hash}")


def track_seed(seed: int, track_id: str) -> int:
    """The base seed of a dataset track known by its id (a Spotify track id, a folder's relative path).

    The dataset's prompt step (:mod:`a2i.dataset.prompting`) writes a track's prompts from its row of numbers,
    before its audio is downloaded (and a re-download may differ in bytes), so the track's id, which names it
    for good, separates tracks the way :func:`song_seed`'s content hash separates songs.

    Examples
    --------
    >>> track_seed(0, "id000") != track_seed(0, "id001") != track_seed(1, "id001")
    True
    >>> track_seed(0, "")
    Traceback (most recent call last):
    ...
    a2i.errors.ConfigError: track_id '': expected the track's id, a non-empty text
    """
    if not isinstance(track_id, str) or not track_id:
        raise ConfigError(f"track_id {track_id!r}: expected the track's id, a non-empty text")
    return _hashed(f"a2i-track-seed:{check_seed(seed)}:{track_id}")


def picture_seed(seed: int, offset: int) -> int:
    """The seed of the ``offset``-th picture of a run: ``seed + offset``, wrapping past :data:`MAX_SEED`.

    Consecutive seeds keep runs readable (``--seed 5`` paints clips 0 and 1 with seeds 5 and 6); wrapping
    keeps every allowed base seed usable.
    """
    return (check_seed(seed) + int(offset)) % (MAX_SEED + 1)


#: The largest ``seed`` sent to a chat-completions API: OpenAI documents an integer, and servers behind the
#: same API store it as a signed 32-bit value (llama.cpp, some vLLM versions), so 2**31 - 1 fits them all.
MAX_API_SEED = 2**31 - 1


def api_seed(seed: int) -> int:
    """``seed`` as a chat API's ``seed`` field takes it (0 .. :data:`MAX_API_SEED`), deterministically.

    A seed that fits passes unchanged (``--seed 5`` asks the API for seed 5); a larger one (a song seed is 64
    bits) is folded by a hash of all its bits rather than cut to its low bits, so seeds that differ only in
    their high bits (0 and 2**32, say) still ask for different samples.

    Examples
    --------
    >>> api_seed(5), api_seed(MAX_API_SEED)
    (5, 2147483647)
    >>> api_seed(2**32) != api_seed(0), 0 <= api_seed(MAX_SEED) <= MAX_API_SEED
    (True, True)
    """
    seed = check_seed(seed)
    if seed <= MAX_API_SEED:
        return seed
    return _hashed(f"a2i-api-seed:{seed}", 4) & MAX_API_SEED


def rng(seed: int, stream: int = 0) -> np.random.Generator:
    """A NumPy generator that depends on every bit of ``seed``.

    Parameters
    ----------
    seed : int
        0 .. :data:`MAX_SEED`.
    stream : int
        Separates independent uses of one seed (a constant per use, e.g. one per painter layer).
    """
    import numpy as np

    return np.random.default_rng(np.random.SeedSequence(check_seed(seed), spawn_key=(int(stream),)))
