"""Fixtures of the studio's tests: short synthesized songs, a studio app, a live server and its worker."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

#: Sample rate of the test songs (the analysis rate: nothing is resampled twice).
SR = 22050


def make_song(path: Path, seconds: float, *, seed: int = 0, title: str | None = None) -> Path:
    """A short song: a chord progression with a kick every half second (120 BPM), so it has a tempo, a key
    and clips that differ; ``title`` is written as a tag (FLAC) when given."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * SR)) / SR
    chords = [(261.6, 329.6, 392.0), (220.0, 261.6, 329.6), (174.6, 220.0, 261.6), (196.0, 246.9, 293.7)]
    wave = np.zeros_like(t)
    for i, chord in enumerate(chords * int(seconds // 8 + 1)):
        part = (t >= i * 2.0) & (t < (i + 1) * 2.0)
        for f in chord:
            wave[part] += 0.12 * np.sin(2 * np.pi * f * t[part])
    kick = np.exp(-((t % 0.5) * 30)) * np.sin(2 * np.pi * 55 * t)
    wave += 0.35 * kick + 0.01 * rng.standard_normal(len(t))
    wave *= np.minimum(1.0, 0.4 + t / seconds)  # louder toward the end: the clips' energy differs
    sf.write(str(path), (wave / np.abs(wave).max() * 0.8).astype(np.float32), SR)
    if title is not None:
        import mutagen

        tagged = mutagen.File(str(path), easy=True)
        tagged["title"] = title
        tagged["artist"] = "Test <b>Artist</b>"
        tagged.save()
    return path


@pytest.fixture(scope="session")
def songs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("songs")
    return {"short": make_song(root / "short.wav", 12.0), "video": make_song(root / "video.wav", 25.0, seed=1),
            "tagged": make_song(root / "tagged.flac", 6.0, seed=2, title='<img src=x onerror="window.pwned=1">Song')}


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return tmp_path / "studio"


@pytest.fixture
def app(folder: Path):
    from a2i.studio import create_app

    return create_app({"FOLDER": str(folder), "PICTURE_SIZE": 256})


@pytest.fixture
def client(app):
    return app.test_client()


class Worker:
    """The studio's worker as a process, started and stopped by the test."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        from a2i.studio.worker import start_worker

        self.process = start_worker(self.folder)

    def kill(self) -> None:
        """A crash: the worker and its render children die at once, without tidying up."""
        if self.process is None:
            return
        children = subprocess.run(["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True).stdout.split()
        for pid in [self.process.pid, *map(int, children)]:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.process.wait()
        self.process = None

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()
            self.process = None


@pytest.fixture
def worker(folder: Path):
    w = Worker(folder)
    w.start()
    yield w
    w.stop()


@pytest.fixture
def live(app):
    """The app on a free port of 127.0.0.1, served by werkzeug's threaded server in this process."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
