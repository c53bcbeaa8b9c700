"""Audio in: decode, mix to mono, resample, cut into 10-second clips, read tags.

Every function keeps the sample rate with the samples (:class:`Audio`), as librosa does with ``(y, sr)``,
so a waveform can never be mistaken for one at another rate. Decoding goes through libsndfile
(``soundfile``: wav, flac, ogg, aiff) and ffmpeg for everything else (mp3, m4a/aac, opus, wma), block by
block (:func:`stream`), with the channels averaged the same way on both paths;
the system ffmpeg is used when present, otherwise the binary that ships with ``imageio-ffmpeg``, so the core
install decodes m4a with no Debian package.
"""

from __future__ import annotations

import struct
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from a2i.decoding import FfmpegDecoder, ffmpeg_exe, libsndfile_can_read, probe, take_early
from a2i.errors import A2IWarning, AudioError, ConfigError, DatasetError, MissingFileError

#: Extensions a2i treats as audio when scanning folders.
AUDIO_EXTENSIONS: tuple[str, ...] = (".mp3", ".wav", ".flac", ".ogg", ".oga", ".m4a", ".aac", ".opus", ".aiff", ".aif")


def audio_files(music_dir: str | Path) -> list[Path]:
    """Every audio file under ``music_dir`` (recursively, sorted, hidden files and folders skipped)."""
    root = Path(music_dir)
    if not root.exists():
        raise MissingFileError(f"music folder {root} does not exist; check the path")
    if not root.is_dir():
        raise ConfigError(f"music folder {root} is a file; pass the folder that holds the songs")
    files = sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in AUDIO_EXTENSIONS
                   and not any(part.startswith(".") for part in p.relative_to(root).parts))
    if not files:
        raise DatasetError(f"no audio files ({', '.join(AUDIO_EXTENSIONS)}) under {root}")
    return files


#: The clip length the thesis used everywhere (encoder input, labeling tasks, per-clip pictures).
CLIP_SECONDS = 10.0

#: A trailing remainder shorter than this fraction of a clip is dropped rather than kept as a clip too short
#: to say much (a 30.2 s song gives 3 clips, not 4).
MIN_LAST_CLIP = 0.25

#: Below this peak amplitude a signal is treated as silent (about -90 dBFS).
SILENCE_PEAK = 3e-5

if TYPE_CHECKING:
    import soundfile as sf

# soundfile (libsndfile through cffi) and soxr are imported where they decode and resample, not with this
# module: ``a2i --help`` and every command that reads no audio start without them.


class AudioWarning(A2IWarning):
    """Audio that works but probably isn't what the user meant (silent, shorter than a clip)."""


@dataclass(frozen=True)
class Audio:
    """A mono float32 waveform together with its sample rate.

    Examples
    --------
    >>> import numpy as np
    >>> a = Audio(np.zeros(22050, dtype=np.float32), 22050)
    >>> a.duration
    1.0
    """

    samples: np.ndarray
    sr: int
    path: str | None = None

    @property
    def duration(self) -> float:
        return len(self.samples) / float(self.sr)

    @property
    def is_silent(self) -> bool:
        """Whether the loudest sample is under :data:`SILENCE_PEAK` (the largest magnitude read from the largest and
        the smallest sample: no array of magnitudes is made)."""
        return len(self.samples) == 0 or _peak(self.samples) < SILENCE_PEAK


def _peak(samples: np.ndarray) -> float:
    """``np.max(np.abs(samples))`` of a non-empty array, the same number without the array of magnitudes."""
    return max(float(samples.max()), -float(samples.min()))


@dataclass(frozen=True)
class Clip:
    """One excerpt of a song (real samples only); ``start``/``end`` are seconds in the song."""

    index: int
    start: float
    end: float
    audio: Audio


def quiet_pydub() -> None:
    """Import pydub (vibenet's dependency) without its "Couldn't find ffmpeg or avconv" warning.

    pydub looks for ``ffmpeg`` on PATH when imported and warns on every run of a machine without a
    system ffmpeg, although a2i decodes through imageio-ffmpeg's binary; point pydub at that binary.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Couldn't find ff", category=RuntimeWarning)
        from pydub import AudioSegment
    AudioSegment.converter = ffmpeg_exe()


def _check_file(path: Path) -> None:
    if not path.exists():
        raise MissingFileError(f"{path}: file not found; check the path")
    if path.is_dir():
        raise AudioError(f"{path}: is a folder, not an audio file")
    if not path.is_file():  # /dev/zero has size 0 too, but is endless: name what it is
        raise AudioError(f"{path}: is not a regular file (a device, pipe or socket); name an audio file")
    if path.stat().st_size == 0:
        raise AudioError(f"{path}: file is empty (0 bytes); re-export or re-download it")


#: A decoded length this far short of the header's (and at least :data:`TRUNCATION_SECONDS` short) means
#: the file was cut: a download or copy that stopped early.
TRUNCATION_RATIO = 0.9
TRUNCATION_SECONDS = 1.0


class _Source:
    """An open decoder of one file: its output rate, the duration its header promises, mono float32 blocks.

    libsndfile decodes at the file's own rate (:func:`stream` resamples). ffmpeg
    (:class:`a2i.decoding.FfmpegDecoder`) is asked for ``rate`` and one channel, which gives the samples of the
    channel mean resampled as :func:`stream` would, with a quarter of the data through the pipe and no
    resampling in Python; a decoder started ahead for this file and rate (:func:`a2i.decoding.start_early`)
    is used when there is one.
    """

    def __init__(self, path: Path, rate: int | None = None, *, start: float = 0.0) -> None:
        self.path, self.start = path, start  # ``start``: seconds skipped before decoding (seeked, not decoded)
        self._sf: sf.SoundFile | None = None
        self._ff: FfmpegDecoder | None = None
        self.broken = ""  # why decoding stopped early, when it did
        if libsndfile_can_read(path):
            import soundfile as sf

            try:
                self._sf = sf.SoundFile(str(path))
            except (sf.LibsndfileError, RuntimeError, TypeError, ValueError):
                self._sf = None
        if self._sf is not None:
            self.sr = int(self._sf.samplerate)
            self.expected = _promised_seconds(path, self._sf)
            self.channels = self._sf.channels
            if start > 0:
                self._sf.seek(min(int(start * self.sr), max(0, self._sf.frames)))
        else:
            self._open_ffmpeg(rate)

    def _open_ffmpeg(self, rate: int | None = None) -> None:
        self._ff = (take_early(self.path, rate) if self.start == 0 else None) or \
            FfmpegDecoder(self.path, rate, start=self.start)
        self.sr, self.expected, self.channels = self._ff.sr, self._ff.expected, self._ff.channels

    def read(self, frames: int) -> np.ndarray:
        """Up to ``frames`` mono samples at :attr:`sr`; empty at the end."""
        if self._sf is not None:
            import soundfile as sf

            parts = []
            while frames > 0 and not self.broken:
                step = min(frames, self.sr)  # a second at a time: a decoding error loses at most one
                try:
                    part = self._sf.read(step, dtype="float32", always_2d=True).mean(axis=1)
                except (sf.LibsndfileError, RuntimeError, ValueError) as exc:
                    if self._sf.tell() == int(self.start * self.sr) and not parts:
                        # libsndfile opened it but cannot decode it: ffmpeg may.
                        self._sf.close()
                        self._sf = None
                        self._open_ffmpeg()  # at the native rate, as libsndfile would have read it
                        return self.read(frames)
                    self.broken = str(exc).strip()
                    break
                parts.append(part)
                frames -= len(part)
                if len(part) < step:
                    break
            return np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)
        width = 4 * self.channels
        data = self._ff.read(frames * width)
        usable = len(data) - len(data) % width
        samples = np.frombuffer(data[:usable], dtype=np.float32)
        if self.channels == 1:  # the mean of one channel is that channel (0.3 ms a clip to compute)
            return samples.copy()
        return samples.reshape(-1, self.channels).mean(axis=1)

    def stop(self) -> None:
        """Close the file before its end (the rest is not wanted): not an error."""
        if self._ff is not None:
            self._ff.stop()
        elif self._sf is not None:
            self._sf.close()

    def close(self) -> None:
        if self._sf is not None:
            self._sf.close()
        if self._ff is not None:
            self._ff.close()


def _riff_promised_frames(path: Path) -> int | None:
    """Frames a WAV header's ``data`` chunk promises (libsndfile reports what the file holds instead)."""
    with open(path, "rb") as f:
        head = f.read(12)
        if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
            return None
        block_align = 0
        while chunk := f.read(8):
            if len(chunk) < 8:
                return None
            size = struct.unpack("<I", chunk[4:])[0]
            if chunk[:4] == b"fmt ":
                block_align = struct.unpack("<H", f.read(size + (size & 1))[12:14])[0]
            elif chunk[:4] == b"data":
                return size // block_align if block_align and size not in (0, 0xFFFFFFFF) else None
            else:
                f.seek(size + (size & 1), 1)
    return None


def _promised_seconds(path: Path, f: sf.SoundFile) -> float | None:
    """The duration the header of ``path`` (open in libsndfile as ``f``) promises; ``None`` when it promises none."""
    frames = _riff_promised_frames(path) or f.frames
    return frames / f.samplerate if frames > 0 else None


def stream(path: str | Path, *, sr: int | None = 22050, block_seconds: float = CLIP_SECONDS) -> Iterator[Audio]:
    """Decode an audio file block by block: mono float32 :class:`Audio` of ``block_seconds`` each (the last
    one shorter), resampled to ``sr`` without seams, so a song of any length decodes in bounded memory.

    The checks of :func:`load` apply: a missing, empty, unreadable file or one with NaN samples raises
    :class:`AudioError`; a silent file and a file much shorter than its header says (truncated) warn with
    :class:`AudioWarning` once the end is reached.

    Examples
    --------
    >>> import numpy as np, soundfile as sf, tempfile, os
    >>> f = os.path.join(tempfile.mkdtemp(), "tone.wav")
    >>> sf.write(f, np.sin(np.linspace(0, 2500 * np.pi, 25 * 8000)) * 0.5, 8000)
    >>> [round(block.duration, 2) for block in stream(f, sr=16000, block_seconds=10.0)]
    [10.0, 10.0, 5.0]
    """
    if sr is not None and sr <= 0:
        raise ConfigError(f"sr must be a positive sample rate in Hz or None, got {sr}")
    path = Path(path)
    _check_file(path)
    source = _Source(path, sr)
    rate = sr or source.sr
    resampler = None
    if rate != source.sr:
        import soxr

        resampler = soxr.ResampleStream(source.sr, rate, 1, dtype="float32", quality="HQ")
    block = int(round(block_seconds * rate))
    pending: list[np.ndarray] = []
    held = decoded = 0
    peak = 0.0
    try:
        while True:
            raw = source.read(max(1, int(block_seconds * source.sr)))
            last = len(raw) == 0
            decoded += len(raw)
            if not np.all(np.isfinite(raw)):
                raise AudioError(f"{path}: contains invalid (NaN/inf) samples; the file is corrupt")
            out = resampler.resample_chunk(raw, last=last) if resampler is not None else raw
            if len(out):
                peak = max(peak, _peak(out))
                pending.append(out.astype(np.float32, copy=False))
                held += len(out)
            while held >= block or (last and held):
                joined = np.concatenate(pending)
                yield Audio(np.ascontiguousarray(joined[:block]), rate, str(path))
                pending, held = ([joined[block:]], len(joined) - block) if len(joined) > block else ([], 0)
            if last:
                break
    finally:
        source.close()
    if decoded == 0:
        raise AudioError(f"{path}: contains no audio samples (zero-length audio); use a file with sound in it")
    seconds = decoded / source.sr
    if source.expected and seconds < TRUNCATION_RATIO * source.expected and source.expected - seconds > TRUNCATION_SECONDS:
        warnings.warn(f"{path}: decoded {seconds:.1f} s of the {source.expected:.1f} s its header promises; the file looks "
                      "truncated (re-download or re-export it)", AudioWarning, stacklevel=2)
    elif source.broken:
        warnings.warn(f"{path}: decoding stopped at {seconds:.1f} s ({source.broken}); the file looks truncated or corrupt "
                      "(re-download or re-export it)", AudioWarning, stacklevel=2)
    if peak < SILENCE_PEAK:
        warnings.warn(f"{path}: the audio is silent; its profile will be that of silence", AudioWarning, stacklevel=2)


def load(path: str | Path, *, sr: int | None = 22050, mono: bool = True) -> Audio:
    """Decode an audio file to a mono float32 waveform at ``sr`` Hz.

    Parameters
    ----------
    path : str or Path
        mp3, wav, flac, ogg or anything ffmpeg decodes (m4a/aac, opus...).
    sr : int or None
        Target sample rate; ``None`` keeps the file's own rate.
    mono : bool
        Only mono is supported: every a2i model and feature works on one channel. Kept as an argument so
        the call reads like librosa's ``load``.

    Returns
    -------
    Audio
        Samples in [-1, 1] (float32) with their rate and the source path.

    Raises
    ------
    AudioError
        The file is missing, empty, not audio, corrupt, or decodes to no samples.

    Examples
    --------
    >>> import numpy as np, soundfile as sf, tempfile, os
    >>> f = os.path.join(tempfile.mkdtemp(), "tone.wav")
    >>> sf.write(f, np.sin(np.linspace(0, 880 * np.pi, 44100)) * 0.5, 44100)
    >>> a = load(f, sr=16000)
    >>> a.sr, round(a.duration, 2)
    (16000, 1.0)
    """
    if not mono:
        raise ConfigError("load(mono=False) is not supported: a2i analyses mono audio")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", AudioWarning)
        blocks = list(stream(path, sr=sr))
    for warning in caught:
        warnings.warn(warning.message, warning.category, stacklevel=2)
    return Audio(np.concatenate([b.samples for b in blocks]), blocks[0].sr, str(Path(path)))


def header_duration(path: str | Path) -> float | None:
    """The duration a file's header states, in seconds, without decoding it (``None`` when it states none).

    Cheap enough to plan work before a long file is decoded (the studio's first look at a song); the decoded
    length (:func:`load`) is the one to trust: a truncated file's header promises more.

    Examples
    --------
    >>> import numpy as np, soundfile as sf, tempfile, os
    >>> f = os.path.join(tempfile.mkdtemp(), "tone.flac")
    >>> sf.write(f, np.zeros(22050 * 3, np.float32), 22050)
    >>> header_duration(f)
    3.0
    """
    path = Path(path)
    _check_file(path)
    if libsndfile_can_read(path):
        import soundfile as sf

        try:
            with sf.SoundFile(str(path)) as f:
                return _promised_seconds(path, f)
        except (sf.LibsndfileError, RuntimeError, TypeError, ValueError):
            pass
    return probe(path)[1]


def load_span(path: str | Path, start: float, end: float, *, sr: int | None = 22050) -> Audio:
    """Seconds ``start`` to ``end`` of a file as :func:`load` decodes them, decoding only that stretch (the decoder
    seeks to ``start``): a 10-second excerpt of a long MP3 in a fraction of the time of the whole file.

    Examples
    --------
    >>> import numpy as np, soundfile as sf, tempfile, os
    >>> f = os.path.join(tempfile.mkdtemp(), "ramp.wav")
    >>> sf.write(f, np.linspace(-1, 1, 8000 * 4).astype(np.float32), 8000)
    >>> part = load_span(f, 1.0, 2.5, sr=None)
    >>> part.sr, round(part.duration, 2), round(float(part.samples[0]), 2)
    (8000, 1.5, -0.5)
    """
    path = Path(path)
    _check_file(path)
    if not 0 <= start < end:
        raise ConfigError(f"load_span: expected 0 <= start < end, got {start:g} and {end:g}")
    source = _Source(path, sr, start=start)
    try:
        samples = source.read(int(round((end - start) * source.sr)))
    finally:
        source.stop()  # the rest of the file is not wanted
    if len(samples) == 0:
        raise AudioError(f"{path}: no audio between {start:g} s and {end:g} s; the file is shorter")
    found = Audio(samples.astype(np.float32), source.sr, str(path))
    return resample(found, sr) if sr else found


def resample(audio: Audio, sr: int) -> Audio:
    """The same audio at another rate (soxr, high quality)."""
    if sr == audio.sr:
        return audio
    import soxr

    samples = soxr.resample(audio.samples, audio.sr, sr, quality="HQ").astype(np.float32)
    return replace(audio, samples=samples, sr=sr)


def write(path: str | Path, audio: Audio) -> Path:
    """Write a waveform with libsndfile; the format follows the extension (wav, flac, ogg)."""
    import soundfile as sf

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(str(path), audio.samples, audio.sr)
    return path


def split_clips(
    audio: Audio,
    *,
    seconds: float = CLIP_SECONDS,
    mode: str = "all",
    seed: int | None = None,
    min_last: float = MIN_LAST_CLIP,
) -> list[Clip]:
    """Cut a song into consecutive clips of real samples: no silence the music did not have.

    Parameters
    ----------
    audio : Audio
    seconds : float
        Clip length (the thesis: 10 s).
    mode : {"all", "center", "random"}
        Every consecutive clip, the one clip centred in the song, or one clip at a random start.
    seed : int, optional
        Seed for ``mode="random"``.
    min_last : float
        With ``mode="all"``, a trailing remainder shorter than this fraction of a clip is dropped rather
        than kept as a clip too short to say much (a 30.2 s song gives 3 clips, not 4).

    Returns
    -------
    list of Clip
        Each ``seconds`` long except a kept short last clip, which holds only its real samples. A song
        shorter than one clip yields one clip of the whole song (with a warning). Padding with silence would
        make the song read as quieter and sadder than it is: on 2-second real excerpts, zero padding lowers
        vibenet's valence correlation with Spotify's labels from 0.58 to 0.40. Models that need a fixed
        window loop the clip instead (:meth:`a2i.mood.Analyzer.analyze`).

    Examples
    --------
    >>> import numpy as np
    >>> song = Audio(np.ones(35 * 100, dtype=np.float32), 100)
    >>> [(c.start, c.end) for c in split_clips(song, seconds=10)]
    [(0.0, 10.0), (10.0, 20.0), (20.0, 30.0), (30.0, 35.0)]
    >>> len(split_clips(song, seconds=10)[-1].audio.samples)
    500
    >>> split_clips(song, seconds=10, mode="center")[0].start
    12.5
    """
    if seconds <= 0:
        raise ConfigError(f"seconds must be positive, got {seconds}")
    if mode not in ("all", "center", "random"):
        raise ConfigError(f"mode must be 'all', 'center' or 'random', got {mode!r}")
    n = int(round(seconds * audio.sr))
    total = len(audio.samples)
    if total < n:
        warnings.warn(
            f"{audio.path or 'audio'}: {audio.duration:.1f} s is shorter than one {seconds:g}-second clip; "
            "its figures rest on that little audio",
            AudioWarning,
            stacklevel=2,
        )
        return [_clip(audio, 0, 0, n)]
    if mode == "center":
        return [_clip(audio, 0, (total - n) // 2, n)]
    if mode == "random":
        start = int(np.random.default_rng(seed).integers(0, total - n + 1))
        return [_clip(audio, 0, start, n)]
    count = total // n
    if total - count * n >= min_last * n:
        count += 1
    return [_clip(audio, i, i * n, n) for i in range(max(count, 1))]


class ClipStream:
    """The clips of a file as it decodes, cut as :func:`split_clips` cuts with ``mode="all"``.

    Only one clip (and the one read ahead) is held at a time, so a song of any length is analysed in bounded
    memory. ``duration`` is the decoded length in seconds once the stream has been read to its end.

    Examples
    --------
    >>> import numpy as np, soundfile as sf, tempfile, os
    >>> f = os.path.join(tempfile.mkdtemp(), "tone.wav")
    >>> sf.write(f, np.sin(np.linspace(0, 2500 * np.pi, 35 * 8000)) * 0.5, 8000)
    >>> clips = ClipStream(f, sr=8000)
    >>> [(c.start, c.end) for c in clips], clips.duration
    ([(0.0, 10.0), (10.0, 20.0), (20.0, 30.0), (30.0, 35.0)], 35.0)
    """

    def __init__(self, path: str | Path, *, sr: int = 22050, seconds: float = CLIP_SECONDS, min_last: float = MIN_LAST_CLIP) -> None:
        self.path, self.sr, self.seconds, self.min_last = Path(path), sr, seconds, min_last
        self.duration = 0.0

    def __iter__(self) -> Iterator[Clip]:
        n = int(round(self.seconds * self.sr))
        blocks = stream(self.path, sr=self.sr, block_seconds=self.seconds)
        ahead = next(blocks)
        index = 0
        total = 0
        while ahead is not None:
            block, ahead = ahead, next(blocks, None)
            start = total
            total += len(block.samples)
            short = len(block.samples) < n
            if short and index == 0:
                warnings.warn(f"{self.path}: {total / self.sr:.1f} s is shorter than one {self.seconds:g}-second clip; "
                              "its figures rest on that little audio", AudioWarning, stacklevel=2)
            elif short and len(block.samples) < self.min_last * n:
                break
            yield Clip(index, start / self.sr, total / self.sr, block)
            index += 1
        self.duration = total / self.sr


def _clip(audio: Audio, index: int, start: int, n: int) -> Clip:
    piece = audio.samples[start : start + n]
    return Clip(index, start / audio.sr, (start + len(piece)) / audio.sr, replace(audio, samples=np.ascontiguousarray(piece)))


_TAG_KEYS = ("title", "artist", "album", "genre")


def read_tags(path: str | Path) -> dict[str, str | None]:
    """Title, artist, album and genre from the file's tags (ID3, Vorbis comments, MP4 atoms).

    Missing tags and untagged or unreadable files give ``None`` values rather than an error: tags are a
    nicety, the audio is what matters.
    """
    import mutagen

    tags: dict[str, str | None] = dict.fromkeys(_TAG_KEYS)
    try:
        f = mutagen.File(str(path), easy=True)
    except (mutagen.MutagenError, OSError, ValueError):
        return tags
    if f is None or f.tags is None:
        return tags
    for key in _TAG_KEYS:
        values = f.tags.get(key)
        if values:
            text = str(values[0]).strip()
            tags[key] = text or None
    return tags
