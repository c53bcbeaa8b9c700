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


#: Loaded by an analysis for nothing it needs, each once seen on that path: tqdm when no bar is drawn (6 ms),
#: importlib.resources with its namespace reader and zipfile to find vibenet's graph file (18 ms), numpy.ma for
#: np.percentile's np.unique (9 ms, :func:`a2i.features.percentile`), hashlib for the seeds (OpenSSL, 3 ms),
#: importlib.metadata and the painter (generate's), and the heavy libraries no analysis uses.
NOT_FOR_ANALYSIS = ("tqdm", "importlib.resources", "zipfile", "numpy.ma", "hashlib", "importlib.metadata", "PIL",
                    "a2i.render.painter", "scipy", "librosa", "numba", "torch")


def test_an_analysis_imports_only_what_it_uses(tmp_path):
    import numpy as np
    import soundfile

    song = tmp_path / "tone.wav"
    t = np.arange(22050 * 2) / 22050
    soundfile.write(song, (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32), 22050)
    code = ("import sys\nfrom a2i.cli import main\nstatus = main(['analyze', '--json', sys.argv[1]])\n"
            f"print(status, ','.join(m for m in {NOT_FOR_ANALYSIS!r} if m in sys.modules) or '-')")
    done = subprocess.run([sys.executable, "-c", code, str(song)], capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.splitlines()[-1] == "0 -", done.stdout[-300:]


def test_a_bar_updated_by_hand_that_draws_nothing_needs_no_tqdm():
    """`a2i generate` and `a2i render` count their pictures on such a bar: off a terminal, or switched off, it
    does nothing, and tqdm is not imported for it."""
    code = ("import sys\nfrom a2i.progress import progress_bar\n"
            "for enabled in (True, False):\n"
            "    with progress_bar(total=3, enabled=enabled, desc='Painting') as bar:\n"
            "        bar.update(2)\n"
            "        bar.update()\n"
            "    bar.close()\n"
            "print('tqdm' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)  # stderr: a pipe
    assert done.stdout.split() == ["False"], done.stdout + done.stderr


def test_a_stained_glass_picture_imports_no_scipy():
    """The glass style's panes come from a two-nearest-seed search of its own (the same numbers as scipy's cKDTree,
    which cost every stained-glass picture 0.2 s of imports)."""
    code = ("import sys\nfrom a2i.render.painter import paint\nfrom a2i.mood import Profile\n"
            "paint(Profile(), prompt='A stained-glass window of a chapel.', style='glass', size=64, seed=0)\n"
            "print('scipy' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert done.stdout.split() == ["False"], done.stdout + done.stderr
