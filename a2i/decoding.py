"""ffmpeg as the decoder of the formats libsndfile does not read (mp3, m4a/aac, opus, wma), without numpy.

:class:`FfmpegDecoder` runs one ffmpeg process that writes mono float32 WAV at the rate asked for (ffmpeg
averages stereo and resamples with libsoxr itself); :mod:`a2i.audio` turns its bytes into samples. This
module imports nothing heavy, so a command can start decoding its song before it imports numpy and the
analysis (:func:`start_early`): ``a2i analyze`` of a 3-minute mp3 waited about 0.16 s for its first clip
after its imports (ffmpeg's start, opening the file, the first 10 seconds), and started early the clip is
there when the imports are done.

Examples
--------
>>> import numpy as np, soundfile as sf, tempfile, os, subprocess
>>> wav = os.path.join(tempfile.mkdtemp(), "tone.wav")
>>> sf.write(wav, 0.5 * np.sin(np.linspace(0, 2000 * np.pi, 44100)), 44100)
>>> mp3 = wav[:-3] + "mp3"
>>> _ = subprocess.run([ffmpeg_exe(), "-v", "error", "-i", wav, mp3], check=True)
>>> decoder = FfmpegDecoder(mp3, 22050)
>>> decoder.sr, decoder.channels, len(decoder.read(4 * 22050)) // 4 >= 22050
(22050, 1, True)
>>> decoder.close()
"""

from __future__ import annotations

import atexit
import fcntl
import os
import queue
import shutil
import struct
import subprocess
import threading
from collections import deque
from pathlib import Path
from typing import IO

from a2i.errors import AudioError

#: Precision in bits of libsoxr's "HQ" recipe (``SOXR_HQ`` = ``SOXR_20_BITQ`` in soxr.h): the quality of every
#: resampling here, in Python (python-soxr's ``quality="HQ"``) or inside ffmpeg (``aresample=...:precision=20``).
SOXR_HQ_BITS = 20

#: Size asked for the pipe from ffmpeg: 1 MiB (Linux's default most for a user) holds 11.9 s of 22.05 kHz mono
#: float32, a whole clip ahead. The default 64 KiB (0.7 s) kept ffmpeg waiting while a clip was analysed, and
#: the analysis waiting for ffmpeg while it decoded the next (0.2 s of a 3-minute song's analysis).
PIPE_BYTES = 1 << 20

#: How far the decoder reads ahead of its caller (:class:`FfmpegDecoder`), in bytes (4 MiB: 47 s of 22.05 kHz
#: mono float32), in chunks of 256 KiB. The pipe alone (:data:`PIPE_BYTES`) let ffmpeg run at most 1.2 clips
#: ahead, so it stopped while the analysis summarised a clip and a core sat idle, and the analysis then waited
#: for it (9 ms a clip): ``a2i analyze`` of a 3-minute mp3 took 0.83-0.85 s with the thread, 0.93-0.96 s
#: without (six runs each, real-time priority, load 5).
READ_AHEAD_BYTES = 1 << 22
READ_CHUNK_BYTES = 1 << 18

# Leading bytes of the containers libsndfile decodes here (wav, flac, ogg, aiff). mp3 goes to ffmpeg:
# libsndfile's mp3 decoder, read block by block, prints libmpg123 errors and decodes some files slightly
# differently from a whole-file read.
_LIBSNDFILE_MAGIC = (b"RIFF", b"RF64", b"fLaC", b"OggS", b"FORM")

#: The channel layouts ffmpeg names in its stream info whose channel count :class:`FfmpegDecoder` needs.
_LAYOUT_CHANNELS = {"mono": 1, "stereo": 2}


def ffmpeg_exe() -> str:
    """The system ffmpeg, or the binary that ships with imageio-ffmpeg (so the core install needs no Debian package)."""
    found = shutil.which("ffmpeg")
    if found:
        return found
    try:
        import imageio_ffmpeg
    except ImportError as exc:  # pragma: no cover - imageio-ffmpeg is a core dependency
        raise AudioError("ffmpeg is needed for this format: install Debian's ffmpeg or `pip install imageio-ffmpeg`") from exc
    return imageio_ffmpeg.get_ffmpeg_exe()


def libsndfile_can_read(path: Path) -> bool:
    """Whether the file starts like something libsndfile decodes.

    Anything else goes straight to ffmpeg: handing libsndfile a file it cannot parse makes its mp3 decoder
    print resync notes to the terminal before failing.
    """
    with open(path, "rb") as f:
        head = f.read(4)
    return head.startswith(_LIBSNDFILE_MAGIC)


#: ffmpeg's messages as the decoder and the probe ask for them: the info level (the build's configuration, the
#: input's stream info), each line led by its level ("[info] ", "[error] "). The decoder learns the file's rate,
#: channels and duration from its own messages (:class:`FfmpegDecoder`), so no second ffmpeg probes the file
#: first: each ffmpeg start costs 0.05 s CPU (loading its hundred libraries), and the probe's ran beside the
#: command's imports on the core they needed (``a2i analyze`` of a 3-minute mp3: 0.04-0.06 s less CPU and
#: 0.02-0.06 s less wall without it, medians of ten and twelve interleaved runs at load 4-5).
LOG_ARGS = ("-loglevel", "level+info", "-nostats")

#: The levels of ffmpeg's messages that say why it failed.
_FAILURES = ("[error] ", "[fatal] ", "[panic] ")


def _start_probe(path: Path) -> subprocess.Popen:
    return subprocess.Popen([ffmpeg_exe(), *LOG_ARGS, "-nostdin", "-i", str(path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def stream_info(lines: list[str]) -> tuple[int | None, float | None, int | None, bool]:
    """Native sample rate (``None``: no audio stream), header duration, channel count (mono or stereo, else
    ``None``) and whether this ffmpeg resamples with libsoxr, from its messages (:data:`LOG_ARGS`) as it
    opens a file: its banner and the first input's stream info (no ffprobe in imageio-ffmpeg).

    Examples
    --------
    >>> stream_info(["[info]   configuration: --enable-gpl --enable-libsoxr", "[info] Input #0, mp3, from 'a.mp3':",
    ...              "[info]   Duration: 00:02:59.93, start: 0.025057, bitrate: 192 kb/s",
    ...              "[info]   Stream #0:0: Audio: mp3, 44100 Hz, stereo, fltp, 192 kb/s"])
    (44100, 179.93, 2, True)
    """
    rate, duration, channels = None, None, None
    for line in lines:
        line = line.split("] ", 1)[1].strip() if line.startswith("[") else line.strip()
        if line.startswith("Duration:") and "N/A" not in line.split(",")[0]:
            h, m, sec = line.split(",")[0].split()[1].split(":")
            duration = int(h) * 3600 + int(m) * 60 + float(sec)
        if rate is None and "Audio:" in line and " Hz" in line:
            parts = [part.strip() for part in line.split(",")]
            for i, part in enumerate(parts):
                if part.endswith(" Hz"):
                    rate = int(part.split()[0])
                    channels = _LAYOUT_CHANNELS.get(parts[i + 1]) if i + 1 < len(parts) else None
    return rate, duration, channels, any("--enable-libsoxr" in line for line in lines)


def _failure(path: Path, lines: list[str], fallback: str) -> str:
    """Why ffmpeg could not read ``path``: no audio stream in a file it opened, else its last error message
    (without the path), else ``fallback``."""
    errors = [line.split("] ", 1)[1] for line in lines if line.startswith(_FAILURES)]
    if stream_info(lines)[0] is None and any(line.startswith("[info] Input #") for line in lines):
        reason = "no audio stream found"
    else:
        reason = (errors[-1].replace(f"{path}: ", "").strip() if errors else "") or fallback
    return f"{path}: not a readable audio file ({reason}); check that it is a complete audio file"


def probe(path: Path) -> tuple[int, float | None, int | None, bool]:
    """:func:`stream_info` of ``path`` from an ffmpeg that only opens it.

    Raises
    ------
    AudioError
        ffmpeg finds no audio stream in it.
    """
    _, stderr = _start_probe(path).communicate()
    lines = stderr.decode(errors="replace").splitlines()
    found = stream_info(lines)
    if found[0] is None:
        raise AudioError(_failure(path, lines, "ffmpeg could not open it"))
    return found[0], found[1], found[2], found[3]


#: ffmpeg's messages kept after it has opened the file (:class:`_Messages`): the last ones, which say why it
#: failed when it did; a damaged file can warn on every frame of an hour.
MESSAGES_KEPT = 200


class _Messages:
    """ffmpeg's messages, read on a thread of their own as it writes them (a full pipe would stall it): every line
    up to the start of its output (``Stream mapping:``, or its end when it fails first), then the last
    :data:`MESSAGES_KEPT`."""

    def __init__(self, proc: subprocess.Popen) -> None:
        self._opening: list[str] = []
        self._later: deque[str] = deque(maxlen=MESSAGES_KEPT)
        self._opened = threading.Event()
        self._thread = threading.Thread(target=self._read, args=(proc.stderr,), name="a2i-decode-messages", daemon=True)
        self._thread.start()

    def _read(self, stderr: IO[bytes]) -> None:
        for raw in stderr:
            line = raw.decode(errors="replace").rstrip()
            (self._later if self._opened.is_set() else self._opening).append(line)
            if line.startswith("[info] Stream mapping:"):
                self._opened.set()
        self._opened.set()

    def opening(self) -> list[str]:
        """The lines written while ffmpeg opened the file (waiting for them)."""
        self._opened.wait()
        return list(self._opening)

    def all(self) -> list[str]:
        """The lines kept, once ffmpeg has closed its messages (waiting for that)."""
        self._thread.join()
        return self._opening + list(self._later)


class FfmpegDecoder:
    """One ffmpeg process decoding ``path`` from ``start`` seconds (seeked, not decoded) to float32 WAV.

    ffmpeg is asked for ``rate`` (``None``: the file's own) and one channel itself, through libsoxr at
    :data:`SOXR_HQ_BITS` and the channels' mean, which gives the samples of the channel mean resampled by
    python-soxr (bit for bit for mono and stereo; to float rounding for more channels, whose WAV stream
    keeps every channel for the caller to average after resampling). An ffmpeg without libsoxr decodes at
    the file's own rate and leaves the resampling to the caller. ``sr``, ``channels`` and ``expected`` (the
    header's duration, ``None`` when it states none) describe what :meth:`read` returns.

    ffmpeg starts on the likely command (:data:`_LIKELY`) at once, and its own messages say what the file is
    (:func:`stream_info`); when they call for another command, that one replaces it. ``running``: a process
    already started on the likely command (:func:`start_early`), taken in the same way.

    Raises
    ------
    AudioError
        ffmpeg cannot read the file.
    """

    def __init__(self, path: str | os.PathLike[str], rate: int | None = None, *, start: float = 0.0,
                 running: subprocess.Popen | None = None) -> None:
        self.path = Path(path)
        # 1. A decoder on the likely command (:data:`_LIKELY`) at once, unless one runs already; its messages say
        #    what the file is, and with that the right command.
        proc = running or _launch(_likely_command(self.path, rate, start))
        messages = _Messages(proc)
        opening = messages.opening()
        native, self.expected, channels, has_soxr = stream_info(opening)
        if native is None:
            _stop(proc, messages)
            raise AudioError(_failure(self.path, opening, "ffmpeg could not open it"))
        self.sr, cmd = _command(self.path, rate, start, native, channels, has_soxr)
        if proc.args != cmd:  # the guess was wrong: the right command instead
            _stop(proc, messages)
            proc = _launch(cmd)
            messages = _Messages(proc)
        self.proc, self._messages = proc, messages
        # 2. The WAV header: its format chunk says how many channels come.
        stdout = self.proc.stdout
        head = stdout.read(12)
        self.channels = 0
        if len(head) == 12 and head[:4] == b"RIFF" and head[8:12] == b"WAVE":
            while True:
                chunk = stdout.read(8)
                if len(chunk) < 8:
                    break
                size = struct.unpack("<I", chunk[4:])[0]
                if chunk[:4] == b"data":
                    break
                body = stdout.read(size + (size & 1))
                if chunk[:4] == b"fmt ":
                    self.channels = struct.unpack("<H", body[2:4])[0]
        if self.channels == 0:
            _stop(self.proc, self._messages)
            raise AudioError(_failure(self.path, self._messages.all(), "no audio decoded"))

        # A thread keeps reading ahead of the caller (:data:`READ_AHEAD_BYTES`), so ffmpeg never waits on a
        # full pipe while a core is free.
        self._chunks: queue.Queue[bytes] = queue.Queue(maxsize=max(1, READ_AHEAD_BYTES // READ_CHUNK_BYTES))
        self._held = bytearray()
        self._ended = False
        self._stopping = threading.Event()
        self._reader = threading.Thread(target=self._read_ahead, name="a2i-decode-read", daemon=True)
        self._reader.start()

    def _read_ahead(self) -> None:
        """The reading thread: chunks of ffmpeg's output into the queue, an empty one at the end."""
        while not self._stopping.is_set():
            chunk = self.proc.stdout.read1(READ_CHUNK_BYTES)
            while not self._stopping.is_set():
                try:
                    self._chunks.put(chunk, timeout=0.1)
                    break
                except queue.Full:
                    continue
            if not chunk:
                return

    def _stop_reading(self) -> None:
        """End the reading thread (emptying the queue it may wait on)."""
        self._stopping.set()
        while self._reader.is_alive():
            try:
                self._chunks.get(timeout=0.01)
            except queue.Empty:
                pass

    def read(self, size: int) -> bytes:
        """Up to ``size`` bytes of interleaved float32 frames; fewer only at the end."""
        while len(self._held) < size and not self._ended:
            chunk = self._chunks.get()
            if chunk:
                self._held += chunk
            else:
                self._ended = True
        out = bytes(self._held[:size])
        del self._held[:size]
        return out

    def stop(self) -> None:
        """End the process before the end of the file (the rest is not wanted): not an error."""
        self.proc.kill()
        self._stop_reading()
        _stop(self.proc, self._messages)

    def close(self) -> None:
        """Wait for the end of the process, or stop it when the caller stopped before the end (an error
        or an interruption while decoding: the rest is not wanted, and ffmpeg's broken pipe is no error).

        Raises
        ------
        AudioError
            ffmpeg failed (a corrupt stream): its last error message says why.
        """
        if not self._ended:
            self.stop()
            return
        self._stop_reading()
        self.proc.stdout.close()
        lines = self._messages.all()
        self.proc.stderr.close()
        if self.proc.wait() != 0 and any(line.startswith(_FAILURES) for line in lines):
            raise AudioError(_failure(self.path, lines, "decoding failed"))


def _command(path: Path, rate: int | None, start: float, native: int, channels: int | None,
             has_soxr: bool) -> tuple[int, list[str]]:
    """The rate ffmpeg will write and the command that decodes ``path`` so (see :class:`FfmpegDecoder`)."""
    sr = rate if rate and has_soxr else native  # an ffmpeg without libsoxr leaves the resampling to the caller
    # The channels' mean, as for libsndfile (ffmpeg's own "-ac 1" weighs them otherwise): by ffmpeg for
    # stereo (0.5 is exact), else by the caller from all the channels of the WAV stream.
    filters = ["pan=mono|c0=0.5*c0+0.5*c1"] if channels == 2 else []
    if sr != native:
        filters.append(f"aresample={sr}:resampler=soxr:precision={SOXR_HQ_BITS}")
    seek = ["-ss", f"{start:.6f}"] if start > 0 else []  # before -i: ffmpeg seeks, it does not decode
    return sr, [ffmpeg_exe(), *LOG_ARGS, "-nostdin", *seek, "-i", str(path), "-vn",
                *(["-af", ",".join(filters)] if filters else []), "-f", "wav", "-acodec", "pcm_f32le", "pipe:1"]


def _launch(cmd: list[str]) -> subprocess.Popen:
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:  # Linux: a pipe that holds a whole clip, so ffmpeg decodes the next one while this one is analysed
        fcntl.fcntl(proc.stdout.fileno(), fcntl.F_SETPIPE_SZ, PIPE_BYTES)
    except (AttributeError, OSError):  # another system, or a lower limit (/proc/sys/fs/pipe-max-size)
        pass
    return proc


def _stop(proc: subprocess.Popen, messages: _Messages | None = None) -> None:
    """End ``proc`` and close its pipes (after ``messages``, the thread reading its stderr, has read to its end)."""
    proc.kill()
    proc.wait()
    if messages is not None:
        messages.all()
    proc.stdout.close()
    proc.stderr.close()


#: What a decoder guesses a file is before its messages say (:class:`FfmpegDecoder`): stereo, at a rate other than
#: the one asked for, and an ffmpeg with libsoxr (most music files and installs). The guess's ffmpeg starts at
#: once and is kept when the file's stream info calls for the same command.
_LIKELY = {"channels": 2, "has_soxr": True}


def _likely_command(path: Path, rate: int | None, start: float) -> list[str]:
    native = -1 if rate else 0  # with a rate asked for, any native rate but it: the guess resamples
    return _command(path, rate, start, native, **_LIKELY)[1]


# Decoders started ahead of their use (:func:`start_early`), by (absolute path, rate), each taken once.
_EARLY: dict[tuple[str, int | None], tuple[threading.Thread, list[FfmpegDecoder]]] = {}
_EARLY_LOCK = threading.Lock()


def start_early(path: str | os.PathLike[str], rate: int | None) -> None:
    """Start decoding ``path`` at ``rate`` from its beginning on a thread now, for the first decoding of that
    file at that rate (:func:`take_early`) to use: ffmpeg's start, opening the file and the first seconds of
    decoding overlap whatever the caller does meanwhile (a command's imports).

    Does nothing for files libsndfile reads (they open in microseconds) or that cannot be opened; a failure
    to decode is left to the real decoding to report. A decoder nobody takes is stopped at exit.
    """
    key = (os.path.abspath(path), rate)
    try:  # only a regular, non-empty file that is no libsndfile format (the real decoding checks the rest)
        if not Path(path).is_file() or Path(path).stat().st_size == 0 or libsndfile_can_read(Path(path)):
            return
    except OSError:
        return
    with _EARLY_LOCK:
        if key in _EARLY:
            return
        # The process starts here, in the caller's thread (a few ms); started from the thread it waited for the
        # interpreter lock while the caller imported (50 ms).
        try:
            guess = _launch(_likely_command(Path(path), rate, 0.0))
        except OSError:
            return
        opened: list[FfmpegDecoder] = []

        def open_it() -> None:
            try:
                opened.append(FfmpegDecoder(path, rate, running=guess))
            except (AudioError, OSError):
                pass

        thread = threading.Thread(target=open_it, name="a2i-decode-early", daemon=True)
        _EARLY[key] = (thread, opened)
    thread.start()


def take_early(path: str | os.PathLike[str], rate: int | None) -> FfmpegDecoder | None:
    """The decoder :func:`start_early` started for ``path`` at ``rate`` (waiting for it to open), once;
    ``None`` when there is none or it could not open."""
    with _EARLY_LOCK:
        found = _EARLY.pop((os.path.abspath(path), rate), None)
    if found is None:
        return None
    thread, opened = found
    thread.join()
    return opened[0] if opened else None


@atexit.register
def _stop_untaken() -> None:
    with _EARLY_LOCK:
        left = list(_EARLY.values())
        _EARLY.clear()
    for thread, opened in left:
        thread.join()
        for decoder in opened:
            decoder.stop()
