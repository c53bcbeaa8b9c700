"""ffmpeg as the decoder of the formats libsndfile does not read (mp3, m4a/aac, opus, wma), without numpy.

:class:`FfmpegDecoder` runs one ffmpeg process that writes mono float32 WAV at the rate asked for (ffmpeg
averages stereo and resamples with libsoxr itself); :mod:`a2i.audio` turns its bytes into samples. This
module imports nothing heavy, so a command can start decoding its song before it imports numpy and the
analysis (:func:`start_early`): ``a2i analyze`` of a 3-minute mp3 waited about 0.16 s for its first clip
after its imports (the probe, ffmpeg's start, the first 10 seconds), and started early the clip is there
when the imports are done.

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
from pathlib import Path

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


def _start_probe(path: Path) -> subprocess.Popen:
    return subprocess.Popen([ffmpeg_exe(), "-nostdin", "-i", str(path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def probe(path: Path, started: subprocess.Popen | None = None) -> tuple[int, float | None, int | None, bool]:
    """Native sample rate, header duration, channel count (mono or stereo, else ``None``) and whether this
    ffmpeg resamples with libsoxr, from ffmpeg's banner and stream info (no ffprobe in imageio-ffmpeg);
    ``started``: the probe's process, already started for ``path``."""
    _, stderr = (started or _start_probe(path)).communicate()
    rate, duration, channels = None, None, None
    lines = stderr.decode(errors="replace").strip().splitlines()
    for line in lines:
        line = line.strip()
        if line.startswith("Duration:") and "N/A" not in line.split(",")[0]:
            h, m, s = line.split(",")[0].split()[1].split(":")
            duration = int(h) * 3600 + int(m) * 60 + float(s)
        if rate is None and "Audio:" in line and " Hz" in line:
            parts = [part.strip() for part in line.split(",")]
            for i, part in enumerate(parts):
                if part.endswith(" Hz"):
                    rate = int(part.split()[0])
                    channels = _LAYOUT_CHANNELS.get(parts[i + 1]) if i + 1 < len(parts) else None
    if rate is None:
        reason = lines[-1].replace(f"{path}: ", "") if lines and "Audio:" not in lines[-1] else "no audio stream found"
        raise AudioError(f"{path}: not a readable audio file ({reason}); check that it is a complete audio file")
    return rate, duration, channels, any("--enable-libsoxr" in line for line in lines)


class FfmpegDecoder:
    """One ffmpeg process decoding ``path`` from ``start`` seconds (seeked, not decoded) to float32 WAV.

    ffmpeg is asked for ``rate`` (``None``: the file's own) and one channel itself, through libsoxr at
    :data:`SOXR_HQ_BITS` and the channels' mean, which gives the samples of the channel mean resampled by
    python-soxr (bit for bit for mono and stereo; to float rounding for more channels, whose WAV stream
    keeps every channel for the caller to average after resampling). An ffmpeg without libsoxr decodes at
    the file's own rate and leaves the resampling to the caller. ``sr``, ``channels`` and ``expected`` (the
    header's duration, ``None`` when it states none) describe what :meth:`read` returns. ``running``: an
    ffmpeg started before the probe (:func:`start_early`), kept if it runs the command the probe calls for,
    stopped otherwise.

    Raises
    ------
    AudioError
        ffmpeg cannot read the file.
    """

    def __init__(self, path: str | os.PathLike[str], rate: int | None = None, *, start: float = 0.0,
                 running: subprocess.Popen | None = None, probing: subprocess.Popen | None = None) -> None:
        self.path = Path(path)
        try:
            native, self.expected, channels, has_soxr = probe(self.path, probing)
        except (AudioError, OSError):
            if running is not None:
                _stop(running)
            raise
        self.sr, cmd = _command(self.path, rate, start, native, channels, has_soxr)
        if running is not None and running.args != cmd:  # started on a guess that the probe proved wrong
            _stop(running)
            running = None
        self.proc = running or _launch(cmd)
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
            self.proc.kill()
            detail = self.proc.stderr.read()
            _stop(self.proc)
            lines = detail.decode(errors="replace").strip().splitlines()
            reason = lines[-1].replace(f"{self.path}: ", "") if lines else "no audio decoded"
            raise AudioError(f"{self.path}: not a readable audio file ({reason}); check that it is a complete audio file")

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
        _stop(self.proc)

    def close(self) -> None:
        """Wait for the end of the process, or stop it when the caller stopped before the end (an error
        or an interruption while decoding: the rest is not wanted, and ffmpeg's broken pipe is no error).

        Raises
        ------
        AudioError
            ffmpeg failed (a corrupt stream): its last line says why.
        """
        if not self._ended:
            self.stop()
            return
        self._stop_reading()
        self.proc.stdout.close()
        stderr = self.proc.stderr.read()
        self.proc.stderr.close()
        if self.proc.wait() != 0 and stderr:
            raise AudioError(f"{self.path}: not a readable audio file ({stderr.decode(errors='replace').strip().splitlines()[-1]}); "
                             "check that it is a complete audio file")


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
    return sr, [ffmpeg_exe(), "-v", "error", "-nostdin", *seek, "-i", str(path), "-vn",
                *(["-af", ",".join(filters)] if filters else []), "-f", "wav", "-acodec", "pcm_f32le", "pipe:1"]


def _launch(cmd: list[str]) -> subprocess.Popen:
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:  # Linux: a pipe that holds a whole clip, so ffmpeg decodes the next one while this one is analysed
        fcntl.fcntl(proc.stdout.fileno(), fcntl.F_SETPIPE_SZ, PIPE_BYTES)
    except (AttributeError, OSError):  # another system, or a lower limit (/proc/sys/fs/pipe-max-size)
        pass
    return proc


def _stop(proc: subprocess.Popen) -> None:
    proc.kill()
    proc.wait()
    proc.stdout.close()
    proc.stderr.close()


#: What :func:`start_early` guesses a file is before the probe says: stereo, at a rate other than the one
#: asked for, and an ffmpeg with libsoxr (most music files and installs); the guess's decoder runs beside the
#: probe and is kept when the probe's command is the same.
_LIKELY = {"channels": 2, "has_soxr": True}


# Decoders started ahead of their use (:func:`start_early`), by (absolute path, rate), each taken once.
_EARLY: dict[tuple[str, int | None], tuple[threading.Thread, list[FfmpegDecoder]]] = {}
_EARLY_LOCK = threading.Lock()


def start_early(path: str | os.PathLike[str], rate: int | None) -> None:
    """Start decoding ``path`` at ``rate`` from its beginning on a thread now, for the first decoding of that
    file at that rate (:func:`take_early`) to use: the probe, ffmpeg's start and the first seconds of
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
        # Both processes start here, in the caller's thread (a few ms); started from the thread they waited
        # for the interpreter lock while the caller imported (50 ms).
        try:
            native = -1 if rate else 0  # with a rate asked for, any native rate but it: the guess resamples
            guess = _launch(_command(Path(path), rate, 0.0, native, **_LIKELY)[1])
        except OSError:
            return
        try:
            probing = _start_probe(Path(path))
        except OSError:
            _stop(guess)
            return
        opened: list[FfmpegDecoder] = []

        def open_it() -> None:
            try:
                opened.append(FfmpegDecoder(path, rate, running=guess, probing=probing))
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
