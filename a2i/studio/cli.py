"""``a2i studio``: the sub-command's options (argparse only, so ``a2i --help`` stays fast) and the server."""

from __future__ import annotations

import argparse


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register ``a2i studio``."""
    from a2i.cliargs import positive_int
    from a2i.render.options import add_sdxl_options

    p = sub.add_parser(
        "studio",
        help="the whole job in a local web page: add a song, see its mood, pick pictures, render a video",
        description="Start the a2i studio on this computer and open it in the browser. Each song becomes a "
        "run folder inside FOLDER, in the same layout `a2i generate` writes.",
    )
    p.add_argument("folder", nargs="?", default="studio", metavar="FOLDER",
                   help="where the studio keeps its songs (default: ./studio)")
    p.add_argument("--port", type=positive_int, default=8765, metavar="N", help="port to listen on (default: 8765)")
    p.add_argument("--host", metavar="ADDR",
                   help="listen on this address instead of 127.0.0.1 (e.g. 0.0.0.0); prints a one-time access "
                        "token that every browser must present")
    p.add_argument("--no-browser", dest="browser", action="store_false", help="do not open a browser")
    add_sdxl_options(p)  # the CLI's SDXL flags: --model offers SDXL as a picture engine, the rest are its settings
    p.set_defaults(func=_run_studio)


def _run_studio(args: argparse.Namespace) -> int:
    from a2i.render.options import sdxl_options
    from a2i.studio.server import serve

    return serve(args.folder, port=args.port, host=args.host, browser=args.browser, sdxl=sdxl_options(args))
