"""`a2i --help` and every command start without the heavy libraries: they are imported where used."""

import subprocess
import sys

HEAVY = ("scipy", "librosa", "numba", "onnxruntime", "torch", "soundfile", "soxr")


def test_importing_the_cli_and_printing_help_imports_no_heavy_library():
    code = ("import sys\nfrom a2i.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
            f"print(','.join(m for m in {HEAVY!r} if m in sys.modules), file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stderr.strip().splitlines()[-1:] in ([], [""]), done.stderr
