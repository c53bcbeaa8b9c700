"""`a2i --help` and every command start without the heavy libraries: they are imported where used."""

import os
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
    from a2i import audio, cli, cliargs, mood, prompts
    from a2i.explore import cli as explore_cli

    assert cliargs.DEFAULT_N == prompts.DEFAULT_N
    assert cli.BLAS_THREADS == mood.BLAS_THREADS
    assert cli.ANALYSIS_SR == mood.ANALYSIS_SR
    assert explore_cli.CLIP_SECONDS == audio.CLIP_SECONDS


def test_analyze_and_generate_register_no_other_package_and_start_one_blas_thread(tmp_path):
    """The built-in commands skip the other packages' parsers, and ask OpenBLAS for the analysis's thread
    count before numpy loads (a user's own OPENBLAS_NUM_THREADS wins)."""
    from a2i import cli

    missing = str(tmp_path / "missing.mp3")
    code = ("import os, sys\nfrom a2i.cli import main, SUBCOMMAND_MODULES\n"
            f"status = main([sys.argv[1], {missing!r}])\n"
            "print(status, os.environ.get('OPENBLAS_NUM_THREADS'), "
            "','.join(m for m in SUBCOMMAND_MODULES if m in sys.modules))")
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    for command in cli.BUILT_IN_COMMANDS:
        done = subprocess.run([sys.executable, "-c", code, command], capture_output=True, text=True, env=env, check=True)
        assert done.stdout.split() == ["2", str(cli.BLAS_THREADS)], (command, done.stdout, done.stderr)
    done = subprocess.run([sys.executable, "-c", code, "analyze"], capture_output=True, text=True, check=True,
                          env={**env, "OPENBLAS_NUM_THREADS": "2"})
    assert done.stdout.split() == ["2", "2"], done.stdout


def test_analyze_run_as_a_command_ends_itself_with_its_status_and_all_its_output(tmp_path):
    """Run as the process's command, `a2i analyze` ends the process without the interpreter's teardown
    (a2i.cli._exit_now): its status and every line it printed, through a pipe, must still arrive."""
    import json

    import numpy as np
    import soundfile

    song = tmp_path / "tone.wav"
    t = np.arange(22050 * 3) / 22050
    soundfile.write(song, (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32), 22050)
    done = subprocess.run([sys.executable, "-m", "a2i", "analyze", "--json", str(tmp_path / "missing.wav"), str(song)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 2, done.stderr
    assert [found["path"] for found in json.loads(done.stdout)] == [str(song)]
    assert "missing.wav: file not found" in done.stderr
