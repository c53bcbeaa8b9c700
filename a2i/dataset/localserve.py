"""A tiny HTTP file server on 127.0.0.1 for offline demos and tests of the download step.

yt-dlp's generic extractor downloads any direct media URL, so serving a few synthesized audio files, a
thumbnail and a caption file locally exercises the real download path (HTTP, ``.part`` files, thumbnails,
subtitles) without YouTube. The notebooks use it to run offline; the tests also count requests per path
(``hits``) to prove a resumed run downloads nothing twice.
"""

from __future__ import annotations

import mimetypes
import threading
import time
from collections import Counter
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


class LocalFileServer:
    """Serve ``files`` (URL path -> bytes, or a folder) on a free 127.0.0.1 port until :meth:`close`.

    Parameters
    ----------
    files : mapping or path
        ``{"/media/a.ogg": b"..."}``, or a folder whose files are served under ``/``.
    delay : float
        Seconds to wait before answering each request (to make a run slow enough to interrupt).
    """

    def __init__(self, files: Mapping[str, bytes] | str | Path, *, delay: float = 0.0) -> None:
        if not isinstance(files, Mapping):
            root = Path(files)
            files = {"/" + p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}
        self.files = dict(files)
        self.delay = delay
        self.hits: Counter = Counter()
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's naming
                self._answer(body=True)

            def do_HEAD(self):  # noqa: N802
                self._answer(body=False)

            def _answer(self, body: bool) -> None:
                path = self.path.split("?", 1)[0]
                with server._lock:
                    server.hits[path] += 1
                if server.delay:
                    time.sleep(server.delay)
                data = server.files.get(path)
                if data is None:
                    self.send_error(404, "File not found")
                    return
                self.send_response(200)
                self.send_header("Content-Type", mimetypes.guess_type(path)[0] or "application/octet-stream")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if body:
                    self.wfile.write(data)

            def log_message(self, *args) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> LocalFileServer:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
