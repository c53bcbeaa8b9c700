"""Run the studio: its worker process and a threaded web server, until Ctrl-C."""

from __future__ import annotations

import contextlib
import subprocess
import threading
import webbrowser
from pathlib import Path
from typing import Any

from a2i.errors import OutputError
from a2i.studio.security import is_loopback, new_token

LOCALHOST = "127.0.0.1"


def serve(folder: str, *, port: int = 8765, host: str | None = None, browser: bool = True,
          sdxl: dict[str, Any] | None = None) -> int:
    """Start the worker and the web server for ``folder``; returns when interrupted.

    ``sdxl``: the SDXL options (``--model`` and the rest of the CLI's SDXL flags), checked before anything starts.

    Without ``host`` the studio listens on 127.0.0.1 and answers this computer only; with another address it
    prints a one-time access token that every browser must present (``?token=…`` once, then a cookie).
    """
    import logging

    from werkzeug.serving import make_server

    from a2i.studio.app import create_app, sdxl_options
    from a2i.studio.worker import start_worker

    sdxl = sdxl_options(sdxl)  # wrong values stop here, worded as `a2i generate --backend sdxl` words them

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request in the musician's terminal
    address = host or LOCALHOST
    token = None if address == "localhost" or is_loopback(address) else new_token()
    Path(folder).mkdir(parents=True, exist_ok=True)
    app = create_app({"FOLDER": folder, "ACCESS_TOKEN": token, "SDXL": sdxl})
    try:
        server = make_server(address, port, app, threaded=True)
    except OSError as exc:
        raise OutputError(f"--port {port}: cannot listen on {address} ({exc.strerror}); choose another port with --port") from None
    shown = f"http://{'localhost' if token is None else address}:{port}/"
    url = shown + (f"?token={token}" if token else "")
    worker: subprocess.Popen = start_worker(folder)
    print(f"a2i studio: {url}  (songs in {Path(folder).resolve()}; Ctrl-C stops it)", flush=True)
    if token:
        print(f"a2i studio: listening on {address}; anyone who can reach it needs the token {token}", flush=True)
    if browser:
        threading.Timer(0.5, webbrowser.open, args=(url,)).start()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        worker.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            worker.wait(timeout=15)
    return 0
