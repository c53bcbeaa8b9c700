"""Launch the a2i explorer on a data folder: ``python exploration_gui/main_server.py [DATA_DIR]``.

The thesis started its explorer this way; it is now a thin wrapper over ``a2i explore serve`` (same
options, see ``--help``). DATA_DIR defaults to ``exploration_gui/data`` next to this file.
"""

from __future__ import annotations

import sys
from pathlib import Path

from a2i.cli import main

if __name__ == "__main__":
    args = sys.argv[1:]
    if not args or args[0].startswith("-"):
        args = [str(Path(__file__).resolve().parent / "data"), *args]
    sys.exit(main(["explore", "serve", *args]))
