"""Launch the labeling study site (a2i.labeling) on this machine.

    python experiment_website/main.py --study STUDY_DIR [--host 127.0.0.1] [--port 5000] [--debug]

The same as ``a2i label serve``; see README.md next to this file for a real study under gunicorn.
"""

import sys

from a2i.cli import main

if __name__ == "__main__":
    sys.exit(main(["label", "serve", *sys.argv[1:]]))
