"""Training data: the final ``dataset.csv``, 48 kHz audio crops cached on disk, augmentations, batches.

The thesis pickled every waveform into RAM, so memory grew with the corpus. Here each track's audio is
decoded once into a window of ``cache_seconds`` around the song's middle, stored as int16 in one
memory-mapped array (``audio-48k.npy``): the page cache holds what is in use and memory stays flat at any
corpus size. 40,000 tracks × 30 s × 48 kHz × 2 bytes is 115 GB of disk; ``data.cache_seconds`` trades disk
for crop variety. Building is resumable (a done-mask is flushed every few tracks).

Every random choice (crop offset, gain, noise, mix partner, which prompt is the positive, which prompt of
each negative) is drawn from a generator seeded by (seed, epoch, track), never from a global or per-worker
stream, so a batch is the same whichever process, worker or resumed run makes it: this is what makes
``--resume`` exact and one process equal to two.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from a2i.errors import AudioError, DatasetError
from a2i.fileio import atomic_save_npy, atomic_write_json

#: CLAP's sample rate (laion/clap-htsat-unfused was trained on 48 kHz audio).
SAMPLE_RATE = 48_000
#: Columns of dataset.csv (a2i.dataset.schema.FINAL_COLUMNS) the trainer reads.
REQUIRED_COLUMNS = ("spotify_track_id", "spotify_genre", "spotify_valence", "spotify_energy", "path_audio_full",
                    "openai_prompts", "train_split")
#: int16 full scale: cached audio is stored as 16-bit PCM (half of float32, lossless for decoded audio).
_PCM = 32767.0


@dataclass
class Corpus:
    """The tracks of a dataset.csv with what training needs, in table order.

    ``prompts`` is every prompt, flattened; track ``i`` owns ``prompts[prompt_start[i]:prompt_start[i+1]]``.
    ``split`` maps "train" / "valid" / "test" to track rows.
    """

    track_ids: list[str]
    genres: np.ndarray
    valence: np.ndarray
    energy: np.ndarray
    audio_paths: list[Path]
    prompts: list[str]
    prompt_start: np.ndarray
    split: dict[str, np.ndarray]

    def __len__(self) -> int:
        return len(self.track_ids)

    def prompt_ids(self, track: int) -> np.ndarray:
        return np.arange(self.prompt_start[track], self.prompt_start[track + 1])


def read_corpus(csv: str | os.PathLike, *, valid_fraction: float = 0.1, seed: int = 0) -> Corpus:
    """Read the final dataset.csv (``a2i dataset split``), resolving audio paths relative to its folder.

    Tracks without prompts or audio path are refused by name. When the file has no ``valid`` rows (the
    thesis's two-way split), ``valid_fraction`` of each ``train_stratify_key`` stratum of train is carved out
    with a seeded shuffle, so validation covers the mood plane like the rest.
    """
    from a2i.dataset.schema import load_list
    from a2i.dataset.storage import read_csv

    csv = Path(csv)
    table = read_csv(csv, what="dataset.csv (the output of `a2i dataset split`)")
    missing = [c for c in REQUIRED_COLUMNS if c not in table.columns]
    if missing:
        raise DatasetError(f"{csv}: missing columns {', '.join(missing)}; train on the dataset.csv written by "
                           "`a2i dataset split`")
    prompts_per_track = [[str(p) for p in load_list(cell)] for cell in table["openai_prompts"]]
    empty = [str(t) for t, p in zip(table["spotify_track_id"], prompts_per_track) if not p]
    if empty:
        raise DatasetError(f"{csv}: {len(empty)} tracks have no prompts (e.g. {empty[0]}); run "
                           "`a2i dataset prompts` first")
    if table["path_audio_full"].isna().any():
        raise DatasetError(f"{csv}: some tracks have no path_audio_full; run `a2i dataset merge` with their audio")
    audio_paths = [p if p.is_absolute() else csv.parent / p for p in map(Path, table["path_audio_full"].astype(str))]
    split_col = table["train_split"].astype(str).to_numpy()
    split = {name: np.flatnonzero(split_col == name) for name in ("train", "valid", "test")}
    if len(split["valid"]) == 0:
        strata = table["train_stratify_key"].astype(str).to_numpy() if "train_stratify_key" in table else None
        split["train"], split["valid"] = carve_valid(split["train"], strata, valid_fraction, seed)
    if len(split["train"]) == 0 or len(split["valid"]) == 0:
        raise DatasetError(f"{csv}: needs train and valid tracks (train_split column); found "
                           f"{len(split['train'])} train and {len(split['valid'])} valid")
    counts = np.array([len(p) for p in prompts_per_track])
    return Corpus(
        track_ids=table["spotify_track_id"].astype(str).tolist(),
        genres=table["spotify_genre"].astype(str).to_numpy(),
        valence=table["spotify_valence"].astype(float).to_numpy(),
        energy=table["spotify_energy"].astype(float).to_numpy(),
        audio_paths=audio_paths,
        prompts=[p for ps in prompts_per_track for p in ps],
        prompt_start=np.concatenate([[0], np.cumsum(counts)]),
        split=split,
    )


def carve_valid(train: np.ndarray, strata: np.ndarray | None, fraction: float,
                seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Take ``fraction`` of every stratum of ``train`` (rounded, at least one of a stratum of two or more).

    Examples
    --------
    >>> train, valid = carve_valid(np.arange(10), np.array(list("aaaaabbbbb")), 0.2, 0)
    >>> len(train), len(valid), sorted(np.array(list("aaaaabbbbb"))[valid].tolist())
    (8, 2, ['a', 'b'])
    """
    rng = np.random.default_rng(seed)
    strata = np.zeros(len(train), dtype=int) if strata is None else strata[train]
    valid = []
    for key in np.unique(strata):
        members = rng.permutation(train[strata == key])
        take = max(1, round(fraction * len(members))) if len(members) > 1 else 0
        valid.extend(members[:take].tolist())
    valid = np.sort(np.array(valid, dtype=np.int64))
    return np.setdiff1d(train, valid), valid


class AudioCache:
    """One int16 memory-mapped array (tracks, window) of 48 kHz audio, the middle of each song.

    Parameters
    ----------
    folder : path
        Where ``audio-48k.npy``, ``audio-48k-lengths.npy`` and ``audio-48k.json`` live.
    seconds : float
        Window per track. Shorter songs are stored whole and their length recorded.
    """

    def __init__(self, folder: str | os.PathLike, seconds: float) -> None:
        self.folder = Path(folder)
        self.seconds = seconds
        self.window = int(round(seconds * SAMPLE_RATE))
        self.path = self.folder / "audio-48k.npy"
        self.lengths_path = self.folder / "audio-48k-lengths.npy"
        self.manifest_path = self.folder / "audio-48k.json"
        self._audio: np.ndarray | None = None
        self._lengths: np.ndarray | None = None

    def build(self, paths: list[Path], *, progress: bool = True, flush_every: int = 64) -> None:
        """Decode every track once (resumable: tracks already done are skipped)."""
        from tqdm.auto import tqdm

        from a2i.audio import load

        key = hashlib.sha256(json.dumps([str(p) for p in paths] + [self.window]).encode()).hexdigest()
        self.folder.mkdir(parents=True, exist_ok=True)
        manifest = json.loads(self.manifest_path.read_text()) if self.manifest_path.is_file() else None
        if manifest is not None and manifest.get("key") != key:
            raise DatasetError(f"{self.folder}: holds an audio cache of other tracks or another window; give "
                               "data.cache_dir a new folder (nothing there is overwritten)")
        if manifest is None:
            np.lib.format.open_memmap(self.path, mode="w+", dtype=np.int16, shape=(len(paths), self.window)).flush()
            atomic_save_npy(self.lengths_path, np.full(len(paths), -1, dtype=np.int64))
            manifest = {"version": 1, "key": key, "sample_rate": SAMPLE_RATE, "window": self.window, "complete": False}
            atomic_write_json(self.manifest_path, manifest)
        if manifest["complete"]:
            return
        audio = np.load(self.path, mmap_mode="r+")
        lengths = np.load(self.lengths_path)
        todo = np.flatnonzero(lengths < 0)
        for n, i in enumerate(tqdm(todo, desc="caching 48 kHz audio", unit="track", disable=not progress)):
            try:
                samples = load(paths[i], sr=SAMPLE_RATE).samples
            except AudioError as exc:
                raise DatasetError(f"track {i}: {exc}; fix or remove it from dataset.csv") from exc
            start = max(0, (len(samples) - self.window) // 2)
            window = samples[start:start + self.window]
            audio[i, :len(window)] = np.round(np.clip(window, -1, 1) * _PCM).astype(np.int16)
            audio[i, len(window):] = 0
            lengths[i] = len(window)
            if (n + 1) % flush_every == 0:
                audio.flush()
                atomic_save_npy(self.lengths_path, lengths)
        audio.flush()
        atomic_save_npy(self.lengths_path, lengths)
        atomic_write_json(self.manifest_path, {**manifest, "complete": True})

    def check(self, n_tracks: int) -> AudioCache:
        """Refuse a cache that is incomplete or of another size, naming the command that builds it."""
        manifest = json.loads(self.manifest_path.read_text()) if self.manifest_path.is_file() else {}
        if not manifest.get("complete"):
            raise DatasetError(f"{self.folder}: the audio cache is incomplete; run `a2i train prepare` with the same "
                               "config (resumable) before training with several processes")
        if int(np.load(self.lengths_path, mmap_mode="r").shape[0]) != n_tracks:
            raise DatasetError(f"{self.folder}: the audio cache holds another number of tracks than the dataset "
                               f"({n_tracks}); give data.cache_dir a new folder")
        return self

    def clip(self, track: int, start: int, n: int) -> np.ndarray:
        """``n`` samples of ``track`` from ``start`` as float32 (tracks shorter than the clip are repeated)."""
        if self._audio is None:
            self._audio = np.load(self.path, mmap_mode="r")
            self._lengths = np.load(self.lengths_path)
        length = max(1, int(self._lengths[track]))
        if length < n:
            from a2i.model.frontend import fit_length

            return fit_length(np.asarray(self._audio[track, :length], dtype=np.float32) / _PCM, n)
        start = min(max(0, start), length - n)
        return np.asarray(self._audio[track, start:start + n], dtype=np.float32) / _PCM

    def length(self, track: int) -> int:
        if self._lengths is None:
            self._lengths = np.load(self.lengths_path)
        return int(self._lengths[track])

    def __getstate__(self) -> dict[str, Any]:  # workers reopen the memory map themselves
        return {**self.__dict__, "_audio": None, "_lengths": None}


@dataclass
class Augment:
    """Training-time augmentation; every range is drawn per clip from its own seeded generator.

    These defaults are the training defaults (:class:`a2i.model.config.DataConfig` reads them from here).

    Attributes
    ----------
    gain_db : float
        Loudness change, uniform in ±``gain_db`` dB: songs are mastered at different levels and the picture
        should not depend on the volume knob.
    noise_prob : float
        Share of clips (0..1) that get white noise added.
    noise_snr_db : (float, float)
        Signal-to-noise ratio of that noise in dB, uniform in this range: 20-40 dB is audible hiss on a
        still-clear recording (a phone or a noisy room), not a masked song.
    mix_prob : float
        Share of clips (0..1) mixed with another training clip (0: off, the thesis did not mix).
    mix_gain_db : float
        Level of the mixed-in clip relative to the clip, in dB (-12 dB: clearly in the background).
    """

    gain_db: float = 6.0
    noise_prob: float = 0.5
    noise_snr_db: tuple[float, float] = (20.0, 40.0)
    mix_prob: float = 0.0
    mix_gain_db: float = -12.0

    def __call__(self, clip: np.ndarray, rng: np.random.Generator, partner: np.ndarray | None) -> np.ndarray:
        clip = clip * np.float32(10 ** (rng.uniform(-self.gain_db, self.gain_db) / 20))
        if partner is not None and rng.random() < self.mix_prob:
            clip = clip + partner * np.float32(10 ** (self.mix_gain_db / 20))
        if rng.random() < self.noise_prob:
            rms = float(np.sqrt(np.mean(clip**2))) + 1e-8
            snr = rng.uniform(*self.noise_snr_db)
            clip = clip + rng.standard_normal(len(clip)).astype(np.float32) * np.float32(rms * 10 ** (-snr / 20))
        return clip.astype(np.float32)


class ClipDataset:
    """Items for (track, epoch) keys: a clip of the track, one of its prompts, and its negatives' prompts.

    Parameters
    ----------
    corpus, cache : Corpus, AudioCache
    tracks : array
        The split's track rows.
    negatives : array (len(tracks), K)
        Mined negative *track rows* for each of ``tracks``.
    clip_samples : int
        Clip length at 48 kHz (the tower's).
    augment : Augment or None
        ``None`` for validation: the clip is the middle of the cached window and the positive prompt fixed.
    seed : int
    """

    def __init__(self, corpus: Corpus, cache: AudioCache, tracks: np.ndarray, negatives: np.ndarray,
                 clip_samples: int, augment: Augment | None, seed: int) -> None:
        self.corpus, self.cache, self.tracks, self.negatives = corpus, cache, tracks, negatives
        self.clip_samples, self.augment, self.seed = clip_samples, augment, seed

    def __len__(self) -> int:
        return len(self.tracks)

    def __getitem__(self, key: tuple[int, int]) -> dict[str, Any]:
        i, epoch = key
        track = int(self.tracks[i])
        rng = np.random.default_rng([self.seed, epoch, track])
        length = self.cache.length(track)
        if self.augment is None:
            clip = self.cache.clip(track, (length - self.clip_samples) // 2, self.clip_samples)
            prompt = int(self.corpus.prompt_start[track])
        else:
            clip = self.cache.clip(track, int(rng.integers(0, max(1, length - self.clip_samples + 1))),
                                   self.clip_samples)
            partner = None
            if self.augment.mix_prob > 0:
                other = int(self.tracks[rng.integers(len(self.tracks))])
                partner = self.cache.clip(other, int(rng.integers(0, max(1, self.cache.length(other) - self.clip_samples + 1))),
                                          self.clip_samples)
            clip = self.augment(clip, rng, partner)
            prompt = int(rng.choice(self.corpus.prompt_ids(track)))
        neg_tracks = self.negatives[i]
        neg_prompts = [int(rng.choice(self.corpus.prompt_ids(int(t)))) for t in neg_tracks]
        return {"audio": clip, "track": track, "prompt": prompt,
                "neg_tracks": np.asarray(neg_tracks, dtype=np.int64), "neg_prompts": np.asarray(neg_prompts)}


class BatchPlan:
    """Which items this process reads at each optimizer step: the same global order on every process.

    Epoch ``e`` is a permutation of the split seeded by (seed, e); global batch ``s`` of the epoch is its
    ``s``-th slice of ``global_batch`` items (the last incomplete one is dropped), and process ``r`` of ``w``
    takes the ``r``-th of ``w`` equal parts. One process with batch 8 and two with 4 each see the same
    items at every step.
    """

    def __init__(self, n_items: int, global_batch: int, rank: int, world_size: int, seed: int) -> None:
        if global_batch % world_size:
            raise DatasetError(f"optim.batch_size ({global_batch}) must be divisible by the number of processes "
                               f"({world_size})")
        self.n, self.global_batch, self.rank, self.world, self.seed = n_items, global_batch, rank, world_size, seed
        self.steps_per_epoch = n_items // global_batch
        if self.steps_per_epoch == 0:
            raise DatasetError(f"optim.batch_size ({global_batch}) is larger than the training split ({n_items} "
                               "tracks); lower it")

    def keys(self, step: int) -> list[tuple[int, int]]:
        """(item, epoch) keys of this process's part of global batch number ``step`` (counted from 0)."""
        epoch, s = divmod(step, self.steps_per_epoch)
        order = np.random.default_rng([self.seed, epoch]).permutation(self.n)
        batch = order[s * self.global_batch:(s + 1) * self.global_batch]
        local = self.global_batch // self.world
        return [(int(i), epoch) for i in batch[self.rank * local:(self.rank + 1) * local]]


def collate(items: list[dict[str, Any]]) -> dict[str, Any]:
    """Stack items into tensors."""
    import torch

    return {
        "audio": torch.from_numpy(np.stack([it["audio"] for it in items])),
        "track": torch.tensor([it["track"] for it in items], dtype=torch.long),
        "prompt": torch.tensor([it["prompt"] for it in items], dtype=torch.long),
        "neg_tracks": torch.from_numpy(np.concatenate([it["neg_tracks"] for it in items])).long(),
        "neg_prompts": torch.from_numpy(np.concatenate([it["neg_prompts"] for it in items])).long(),
    }
