"""Fixtures for the dataset tests: small Spotify tables, synthesized audio, and local fakes of the services.

Every service is reached by its real client (yt-dlp, openai, spotipy) over HTTP on 127.0.0.1.
"""

from __future__ import annotations

import io
import json
import os
import re
import sys
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

os.environ.setdefault("HF_HUB_OFFLINE", "1")
REPO = Path(__file__).resolve().parents[2]
A2I = [sys.executable, "-m", "a2i"]


def tone(seconds: float = 2.0, freq: float = 440.0, sr: int = 22050, fmt: str = "OGG", seed: int = 0) -> bytes:
    """A short synthesized piece (a chord with a little noise) encoded in memory."""
    t = np.arange(int(seconds * sr)) / sr
    rng = np.random.default_rng(seed)
    wave = sum(np.sin(2 * np.pi * freq * k * t) / k for k in (1, 1.25, 1.5)) * 0.2
    wave = (wave * (0.6 + 0.4 * np.sin(2 * np.pi * 2 * t)) + 0.01 * rng.standard_normal(t.size)).astype(np.float32)
    buffer = io.BytesIO()
    sf.write(buffer, wave, sr, format=fmt, subtype="VORBIS" if fmt == "OGG" else None)
    return buffer.getvalue()


def run_cli(*args: str, cwd: Path | None = None, env: dict | None = None, timeout: float = 120):
    import subprocess

    full_env = {**os.environ, "PYTHONPATH": str(REPO), **(env or {})}
    return subprocess.run([*A2I, *map(str, args)], cwd=cwd, env=full_env, capture_output=True, text=True,
                          timeout=timeout)


@pytest.fixture
def small_spotify_csv(tmp_path):
    from a2i.dataset.synthetic import write_spotify_csv

    return write_spotify_csv(tmp_path / "spotify_tracks.csv", 600, n_genres=3, seed=1)


class JSONServer:
    """A threaded HTTP server on 127.0.0.1 whose handler is a function (method, path, body) -> (status, obj)."""

    def __init__(self, route, *, delay: float = 0.0):
        self.hits: Counter = Counter()
        self.delay = delay
        server = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self, method):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                status, payload = route(method, self.path, body, self.headers)  # counted on arrival
                if server.delay:
                    time.sleep(server.delay)
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                try:
                    self.wfile.write(data)
                except BrokenPipeError:  # the client was killed mid-request, as the resume tests do
                    pass

            def do_GET(self):  # noqa: N802
                self._handle("GET")

            def do_POST(self):  # noqa: N802
                self._handle("POST")

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def fake_openai_route(server_hits: Counter, *, bad_titles: tuple[str, ...] = ()):
    """/v1/chat/completions answering n numbered prompts about the song title in the request."""
    lock = threading.Lock()

    def route(method, path, body, headers):
        if method != "POST" or not path.endswith("/chat/completions"):
            return 404, {"error": {"message": "not found"}}
        if headers.get("Authorization") != "Bearer test-key":
            return 401, {"error": {"message": "bad key"}}
        request = json.loads(body)
        text = request["messages"][-1]["content"]
        title = re.search(r'"([^"]+)"', text).group(1)
        n = int(re.search(r"Write (\d+) distinct", text).group(1))
        with lock:
            server_hits[title] += 1
        count = n - 3 if title in bad_titles else n
        lines = [f"{i + 1}. An oil painting of {title}, scene {i + 1}. Warm light and soft haze." for i in range(count)]
        return 200, {
            "id": "chatcmpl-test", "object": "chat.completion", "created": 0, "model": request["model"],
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": "\n".join(lines)}}],
            "usage": {"prompt_tokens": 100, "completion_tokens": 20 * count, "total_tokens": 100 + 20 * count},
        }

    return route


@pytest.fixture
def json_server():
    """Factory of :class:`JSONServer` (closed at teardown): ``json_server(route, delay=0)``."""
    servers = []

    def start(route, *, delay: float = 0.0) -> JSONServer:
        server = JSONServer(route, delay=delay)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


@pytest.fixture
def openai_fake(json_server):
    """Factory of fake OpenAI-compatible servers: ``openai_fake(bad_titles=(), delay=0)`` -> server with ``hits``
    (requests per song title). Titles in ``bad_titles`` get 3 prompts too few (an invalid answer)."""

    def start(*, bad_titles: tuple[str, ...] = (), delay: float = 0.0) -> JSONServer:
        hits: Counter = Counter()
        server = json_server(fake_openai_route(hits, bad_titles=bad_titles), delay=delay)
        server.hits = hits
        return server

    return start


@pytest.fixture
def cli():
    """Run ``python -m a2i ARGS`` in a subprocess (the installed entry point's code path)."""
    return run_cli


@pytest.fixture
def make_tone():
    return tone
