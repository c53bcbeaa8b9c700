"""`a2i --help` and every command start without the heavy libraries: they are imported where used."""

import subprocess
import sys

HEAVY = ("scipy", "librosa", "numba", "onnxruntime", "torch", "soundfile", "soxr")

#: Not heavy for a command that works, but `a2i --help` needs neither: NumPy alone is a third of a 0.2 s start.
NOT_FOR_HELP = ("numpy", "PIL", "importlib.metadata")


def test_importing_the_cli_and_printing_help_imports_no_heavy_library():
    code = ("import sys\nfrom a2i.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
            f"print(','.join(m for m in {HEAVY + NOT_FOR_HELP!r} if m in sys.modules), file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stderr.strip().splitlines()[-1:] in ([], [""]), done.stderr


def test_the_constants_copied_for_a_light_parser_agree_with_their_homes():
    from a2i import audio, cliargs, prompts
    from a2i.explore import cli as explore_cli

    assert cliargs.DEFAULT_N == prompts.DEFAULT_N
    assert explore_cli.CLIP_SECONDS == audio.CLIP_SECONDS
