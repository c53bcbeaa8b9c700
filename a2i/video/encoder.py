"""Frames to H.264, chunks to one MP4 with the song's audio: everything that talks to ffmpeg.

Frames are piped to ffmpeg as raw RGB while they are drawn, so memory stays flat however long the song.
A video is encoded as chunks (each a complete video-only MP4, moved into place only when ffmpeg has
finished it), which is what makes ``--resume`` possible: a finished chunk is never encoded twice. The
chunks are then joined with ffmpeg's concat demuxer without re-encoding and the audio is muxed in, cut to
exactly the span the frames cover.

Why these settings: yuv420p is the only chroma layout every player decodes (browsers, phones, QuickTime);
``+faststart`` puts the index first so a browser plays the file while it downloads; AAC at 192 kb/s is
transparent for a music video and plays everywhere MP4 does.
"""

from __future__ import annotations

import fcntl
import os
import subprocess
import tempfile
from collections.abc import Callable, Iterable, Sequence
from fractions import Fraction
from pathlib import Path

import numpy as np

from a2i.audio import ffmpeg_exe
from a2i.errors import ConfigError, EncodeError
from a2i.fileio import TEMP_SUFFIX, current_umask
from a2i.video.options import DEFAULT_CRF, DEFAULT_PRESET, PRESETS

#: AAC bit rate for the muxed audio.
AUDIO_BITRATE = "192k"


def _run(cmd: Sequence[str], what: str) -> None:
    proc = subprocess.run(list(cmd), capture_output=True, check=False)
    if proc.returncode != 0:
        raise EncodeError(f"{what}: ffmpeg failed ({_last_line(proc.stderr)})")


def _last_line(stderr: bytes) -> str:
    lines = [line for line in stderr.decode(errors="replace").strip().splitlines() if line.strip()]
    return lines[-1] if lines else "no message"


#: The comment tag every finished video carries, so ``a2i video --overwrite`` recognises a video a2i made
#: (and replaces nothing else). With ``+faststart`` the tag sits in the ``moov`` box at the file's start.
VIDEO_COMMENT = "Made by a2i (music-to-image synthesis)"
#: Bytes searched for the tag at each end of a file: the whole ``moov`` box of a long video (its sample tables
#: grow about 30 kB per minute) and of one whose box was left at the end by another tool.
TAG_WINDOW = 8 << 20


def is_a2i_video(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is a video :func:`concat_and_mux` made (it carries :data:`VIDEO_COMMENT`).

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.NamedTemporaryFile(suffix=".mp4", delete=False) as handle:
    ...     _ = handle.write(b"holiday footage")
    >>> is_a2i_video(handle.name)
    False
    """
    tag = VIDEO_COMMENT.encode("utf-8")
    try:
        with open(path, "rb") as handle:
            if tag in handle.read(TAG_WINDOW):
                return True
            size = handle.seek(0, os.SEEK_END)
            handle.seek(max(0, size - TAG_WINDOW))
            return tag in handle.read(TAG_WINDOW)
    except OSError:
        return False


#: Size asked for the pipe into the encoder: 1 MiB (Linux's default most for a user). With the default 64 KiB a
#: 1280 x 720 frame (2.7 MB) crossed in forty writes, each waking ffmpeg: 240 frames cost a2i 0.24-0.32 s of
#: CPU against 0.16-0.18 s with 1 MiB, and ffmpeg a little more too (same bytes).
FRAME_PIPE_BYTES = 1 << 20


def _temp_path(path: Path) -> Path:
    """A temporary name beside ``path`` (same file system, so the final :func:`os.replace` is atomic)."""
    fd, name = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=f"{TEMP_SUFFIX}.mp4", dir=path.parent)
    os.fchmod(fd, 0o666 & ~current_umask())  # mkstemp makes it 0600 and ffmpeg keeps the mode; honour the umask
    os.close(fd)
    return Path(name)


def encode_frames(frames: Iterable[np.ndarray], path: str | os.PathLike[str], *, size: tuple[int, int], fps: Fraction,
                  preset: str = DEFAULT_PRESET, crf: int = DEFAULT_CRF, threads: int = 0,
                  on_frame: Callable[[], None] | None = None) -> int:
    """Encode RGB frames to a video-only H.264 MP4, written atomically.

    Parameters
    ----------
    frames : iterable of (H, W, 3) uint8 arrays
        Consumed one at a time and piped to ffmpeg; none is kept.
    path : path
        The finished file; it appears only once ffmpeg has closed it.
    size : (width, height)
        Even numbers (yuv420p halves the chroma in both directions).
    fps : Fraction
    preset, crf, threads
        x264 settings (``threads=0``: x264 decides).
    on_frame : callable, optional
        Called after each frame is written (progress bars).

    Returns
    -------
    int
        Frames encoded.

    Examples
    --------
    >>> import numpy as np, tempfile, os
    >>> out = os.path.join(tempfile.mkdtemp(), "grey.mp4")
    >>> encode_frames((np.full((32, 48, 3), 128, np.uint8) for _ in range(5)), out, size=(48, 32), fps=Fraction(10))
    5
    """
    path = Path(path)
    width, height = size
    if preset not in PRESETS:
        raise ConfigError(f"--preset: expected one of {', '.join(PRESETS)}, got {preset!r}")
    tmp = _temp_path(path)
    cmd = [ffmpeg_exe(), "-y", "-v", "error", "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{width}x{height}",
           "-r", str(fps), "-i", "pipe:0", "-an", "-c:v", "libx264", "-preset", preset, "-crf", str(crf),
           "-threads", str(threads), "-pix_fmt", "yuv420p", "-f", "mp4", str(tmp)]
    count = 0
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=log)
        try:  # Linux: a frame goes into the pipe in a few writes, not forty of 64 KiB (less CPU on both sides)
            fcntl.fcntl(proc.stdin.fileno(), fcntl.F_SETPIPE_SZ, FRAME_PIPE_BYTES)
        except (AttributeError, OSError):  # another system, or a lower limit (/proc/sys/fs/pipe-max-size)
            pass
        try:
            try:
                for frame in frames:
                    if frame.shape != (height, width, 3) or frame.dtype != np.uint8:
                        raise EncodeError(f"{path.name}: frame {count} is {frame.dtype} {frame.shape}, "
                                          f"expected uint8 {(height, width, 3)}")
                    proc.stdin.write(np.ascontiguousarray(frame).data)
                    count += 1
                    if on_frame is not None:
                        on_frame()
            except BrokenPipeError:
                pass  # ffmpeg stopped reading: its exit status and message say why
            finally:
                proc.stdin.close()
            status = proc.wait()
            if status != 0:
                log.seek(0)
                raise EncodeError(f"{path.name}: ffmpeg could not encode the frames ({_last_line(log.read())})")
            os.replace(tmp, path)
        except BaseException:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            tmp.unlink(missing_ok=True)
            raise
    return count


def concat_and_mux(parts: Sequence[Path], song: str | os.PathLike[str], out: str | os.PathLike[str], *,
                   start: float, duration: float) -> Path:
    """Join video-only MP4 chunks without re-encoding and mux in ``duration`` seconds of the song from ``start``.

    The output is written to a temporary name and moved into place, so ``out`` is either the complete
    video or untouched.
    """
    out = Path(out)
    if not parts:
        raise EncodeError(f"{out}: no video chunks to join")
    tmp = _temp_path(out)
    fd, listing = tempfile.mkstemp(suffix=".txt", dir=parts[0].parent)
    try:
        with os.fdopen(fd, "w") as handle:
            # The concat demuxer's quoting: a single quote inside a quoted path is written '\''.
            handle.writelines("file '" + str(Path(p).resolve()).replace("'", "'\\''") + "'\n" for p in parts)
        _run([ffmpeg_exe(), "-y", "-v", "error", "-f", "concat", "-safe", "0", "-i", listing,
              "-ss", f"{start:.6f}", "-t", f"{duration:.6f}", "-i", str(song),
              "-map", "0:v:0", "-map", "1:a:0", "-c:v", "copy", "-c:a", "aac", "-b:a", AUDIO_BITRATE,
              "-metadata", f"comment={VIDEO_COMMENT}", "-movflags", "+faststart", "-f", "mp4", str(tmp)], f"{out}")
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
        Path(listing).unlink(missing_ok=True)
    return out
