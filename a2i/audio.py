"""Audio in: decode, mix to mono, resample, cut into 10-second clips, read tags.

Every function keeps the sample rate with the samples (:class:`Audio`), as librosa does with ``(y, sr)``,
so a waveform can never be mistaken for one at another rate. Decoding goes through libsndfile
(``soundfile``: wav, flac, ogg, mp3) and falls back to ffmpeg for everything else (m4a/aac, opus, wma);
the system ffmpeg is used when present, otherwise the binary that ships with ``imageio-ffmpeg``, so the core
install decodes m4a with no Debian package.
"""

from __future__ import annotations

import shutil
import subprocess
import warnings
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

from a2i.errors import A2IWarning, AudioError, ConfigError, MissingFileError

#: Extensions a2i treats as audio when scanning folders.
AUDIO_EXTENSIONS: tuple[str, ...] = (".mp3", ".wav", ".flac", ".ogg", ".oga", ".m4a", ".aac", ".opus", ".aiff", ".aif")

#: The clip length the thesis used everywhere (encoder input, labeling tasks, per-clip pictures).
CLIP_SECONDS = 10.0

#: Below this peak amplitude a signal is treated as silent (about -90 dBFS).
SILENCE_PEAK = 3e-5


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
        return len(self.samples) == 0 or float(np.max(np.abs(self.samples))) < SILENCE_PEAK


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
    AudioSegment.converter = _ffmpeg_exe()


def _ffmpeg_exe() -> str:
    found = shutil.which("ffmpeg")
    if found:
        return found
    try:
        import imageio_ffmpeg
    except ImportError as exc:  # pragma: no cover - imageio-ffmpeg is a core dependency
        raise AudioError("ffmpeg is needed for this format: install Debian's ffmpeg or `pip install imageio-ffmpeg`") from exc
    return imageio_ffmpeg.get_ffmpeg_exe()


def _decode_ffmpeg(path: Path, sr: int | None) -> tuple[np.ndarray, int]:
    """Decode anything ffmpeg reads to mono float32 (resampled by ffmpeg when ``sr`` is given)."""
    rate = sr
    if rate is None:
        rate = _probe_rate(path)
    cmd = [_ffmpeg_exe(), "-v", "error", "-nostdin", "-i", str(path), "-vn", "-ac", "1", "-ar", str(rate),
           "-f", "f32le", "-acodec", "pcm_f32le", "pipe:1"]
    proc = subprocess.run(cmd, capture_output=True, check=False)
    if proc.returncode != 0:
        detail = proc.stderr.decode(errors="replace").strip().splitlines()
        reason = detail[-1].replace(f"{path}: ", "") if detail else f"ffmpeg exit status {proc.returncode}"
        raise AudioError(f"{path}: not a readable audio file ({reason}); check that it is a complete audio file")
    return np.frombuffer(proc.stdout, dtype=np.float32).copy(), rate


def _probe_rate(path: Path) -> int:
    """Native sample rate through ffmpeg's stream info (ffprobe is not shipped with imageio-ffmpeg)."""
    proc = subprocess.run([_ffmpeg_exe(), "-hide_banner", "-nostdin", "-i", str(path)], capture_output=True, check=False)
    for line in proc.stderr.decode(errors="replace").splitlines():
        if "Audio:" in line and " Hz" in line:
            for part in line.split(","):
                if part.strip().endswith(" Hz"):
                    return int(part.strip().split()[0])
    raise AudioError(f"{path}: no audio stream found; is it an audio file?")


# Leading bytes of the containers libsndfile decodes (wav, flac, ogg, aiff, mp3 with or without ID3).
_LIBSNDFILE_MAGIC = (b"RIFF", b"RF64", b"fLaC", b"OggS", b"FORM", b"ID3")


def _libsndfile_can_read(path: Path) -> bool:
    """Whether the file starts like something libsndfile decodes.

    Anything else goes straight to ffmpeg: handing libsndfile a file it cannot parse makes its mp3 decoder
    print resync notes to the terminal before failing.
    """
    with open(path, "rb") as f:
        head = f.read(4)
    return head.startswith(_LIBSNDFILE_MAGIC) or (len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0)


def _check_file(path: Path) -> None:
    if not path.exists():
        raise MissingFileError(f"{path}: file not found; check the path")
    if path.is_dir():
        raise AudioError(f"{path}: is a folder, not an audio file")
    if path.stat().st_size == 0:
        raise AudioError(f"{path}: file is empty (0 bytes); re-export or re-download it")


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
    if sr is not None and sr <= 0:
        raise ConfigError(f"sr must be a positive sample rate in Hz or None, got {sr}")
    path = Path(path)
    _check_file(path)
    samples = None
    if _libsndfile_can_read(path):
        try:
            data, native_sr = sf.read(str(path), dtype="float32", always_2d=True)
            samples = data.mean(axis=1)
        except (sf.LibsndfileError, RuntimeError, TypeError, ValueError):
            samples = None
    if samples is None:
        samples, native_sr = _decode_ffmpeg(path, sr)
    if samples.size == 0:
        raise AudioError(f"{path}: contains no audio samples (zero-length audio); use a file with sound in it")
    if not np.all(np.isfinite(samples)):
        raise AudioError(f"{path}: contains invalid (NaN/inf) samples; the file is corrupt")
    if sr is not None and native_sr != sr:
        samples = soxr.resample(samples, native_sr, sr, quality="HQ").astype(np.float32)
        native_sr = sr
    audio = Audio(np.ascontiguousarray(samples, dtype=np.float32), int(native_sr), str(path))
    if audio.is_silent:
        warnings.warn(f"{path}: the audio is silent; its profile will be that of silence", AudioWarning, stacklevel=2)
    return audio


def resample(audio: Audio, sr: int) -> Audio:
    """The same audio at another rate (soxr, high quality)."""
    if sr == audio.sr:
        return audio
    samples = soxr.resample(audio.samples, audio.sr, sr, quality="HQ").astype(np.float32)
    return replace(audio, samples=samples, sr=sr)


def write(path: str | Path, audio: Audio) -> Path:
    """Write a waveform with libsndfile; the format follows the extension (wav, flac, ogg)."""
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
    min_last: float = 0.25,
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
