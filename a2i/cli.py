"""The ``a2i`` command.

One argument parser, one ``main(argv)``. Sub-command groups that pull heavy dependencies (dataset, label,
explore) live in their own packages and register themselves through ``add_parser(subparsers)``; their
registration modules import only argparse so ``a2i generate`` starts fast, and ``a2i analyze`` and ``a2i generate``
do not register them at all (:func:`build_parser`). Every :class:`~a2i.errors.A2IError` becomes one line on
stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import atexit
import importlib
import json
import os
import signal
import sys
import threading
import warnings
from collections.abc import Sequence
from typing import NoReturn

from a2i import __version__
from a2i.cliargs import add_job_options, job_options
from a2i.errors import A2IError, A2IWarning
from a2i.render.options import sdxl_options

#: Packages that add their own sub-commands; each exposes ``add_parser(subparsers)``.
SUBCOMMAND_MODULES: tuple[str, ...] = ("a2i.dataset.cli", "a2i.labeling.cli", "a2i.explore.cli", "a2i.render.cli",
                                       "a2i.video.cli", "a2i.model.cli", "a2i.studio.cli")

#: The commands this module defines itself: running one of them needs none of :data:`SUBCOMMAND_MODULES`.
BUILT_IN_COMMANDS = ("analyze", "generate")

# Copied from a2i.mood.BLAS_THREADS (importing a2i.mood imports numpy, which must not be loaded yet).
BLAS_THREADS = 1

# Copied from a2i.mood.ANALYSIS_SR: the rate the analysis decodes at, for the decoder started before the
# analysis is imported (:func:`_start_analysis`).
ANALYSIS_SR = 22050


def _start_analysis(song: str) -> None:
    """What a command that analyses ``song`` starts before it imports numpy and the analysis: OpenBLAS's
    thread count (:func:`_one_blas_pool`) and the song's decoder (:func:`a2i.decoding.start_early`), which
    starts ffmpeg, learns what the file is and decodes the first clip while the imports run (``a2i analyze`` of
    a 3-minute mp3: 0.95-0.97 s instead of 1.02-1.04 s, four runs each)."""
    from a2i.decoding import start_early

    _one_blas_pool()
    start_early(song, ANALYSIS_SR)


def _one_blas_pool() -> None:
    """Start numpy's OpenBLAS with the analysis's thread count (:data:`a2i.mood.BLAS_THREADS`) instead of
    one thread per core, when numpy is not loaded yet and the user has not chosen a count.

    OpenBLAS starts its pool as numpy is imported, and its idle threads spin before they sleep: at start-up
    and after every product the analysis does not limit (its last few, as the song's figures are made),
    taking the second core from the network and the decoder. On the 2-core machine ``a2i analyze`` of a
    3-minute mp3 used 0.15-0.2 s less CPU with one thread from the start (1.37-1.42 s user against
    1.55-1.61 s, four runs each) and ``a2i generate`` 0.2 s less (the painter's products included).
    """
    if "numpy" not in sys.modules:
        os.environ.setdefault("OPENBLAS_NUM_THREADS", str(BLAS_THREADS))


def _add_analyze(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "analyze",
        help="mood profile of one or more songs (valence, energy, tempo, key, ...)",
        description="Print each song's mood profile: valence, energy, danceability, acousticness, "
        "instrumentalness, liveness, speechiness (0..1), tempo (BPM), key (0-11), mode (1 major, 0 minor) "
        "and loudness (dB).",
    )
    p.add_argument("songs", nargs="+", metavar="SONG", help="audio files (mp3, wav, flac, ogg, m4a)")
    output = p.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true",
                        help="print a JSON array, one object per song that could be analysed")
    output.add_argument("--jsonl", action="store_true",
                        help="print one JSON object per line as each song finishes (JSON Lines)")
    p.add_argument("--per-clip", action="store_true", help="also report every 10-second clip")
    p.set_defaults(func=_run_analyze)


def _run_analyze(args: argparse.Namespace) -> int:
    """Analyse each song, reporting it as soon as it is done; a song that fails costs only its own line.

    Returns 2 (the status of every a2i error) if any song failed, after every other song was reported.
    """
    _start_analysis(args.songs[0])
    from a2i.fileio import check_input_file
    from a2i.mood import Analyzer, format_table

    failed, songs = 0, []
    for song in args.songs:  # files that do not exist fail before the model loads
        try:
            songs.append(check_input_file(song))
        except A2IError as exc:
            print(f"a2i: error: {exc}", file=sys.stderr)
            failed += 1
    analyzer = Analyzer() if songs else None
    collected = []
    for song in songs:
        try:
            result = analyzer.analyze(song, per_clip=args.per_clip, progress=not (args.json or args.jsonl))
        except (A2IError, OSError) as exc:
            message = describe_os_error(exc) if isinstance(exc, OSError) and not isinstance(exc, A2IError) else exc
            print(f"a2i: error: {message}", file=sys.stderr, flush=True)
            failed += 1
            continue
        if args.json:
            collected.append(result.to_dict(per_clip=args.per_clip))
        elif args.jsonl:
            print(json.dumps(result.to_dict(per_clip=args.per_clip)), flush=True)
        else:
            print(format_table(result, per_clip=args.per_clip), flush=True)
    if args.json:
        print(json.dumps(collected, indent=2))
    return 2 if failed else 0


def _add_generate(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "generate",
        help="paint mood-matched pictures for a song",
        description="Analyze a song, write visual prompts and paint one picture per clip, with an info card "
        "beside each. Writes DIR/*.png, DIR/profile.json and DIR/prompts.json.",
    )
    p.add_argument("song", metavar="SONG", help="audio file (mp3, wav, flac, ogg, m4a)")
    p.add_argument("--out", metavar="DIR", help="the run's own folder (default: outputs/<song name>)")
    p.add_argument("--overwrite", action="store_true",
                   help="replace the folder if it already holds a run (by default such a folder is refused)")
    add_job_options(p)
    p.set_defaults(func=_run_generate)


def _run_generate(args: argparse.Namespace) -> int:
    _start_analysis(args.song)
    from a2i.pipeline import generate

    result = generate(args.song, args.out, overwrite=args.overwrite, backend=args.backend,
                      backend_options=sdxl_options(args), **job_options(args))
    print(f"Wrote {len(result.images)} picture(s), their info cards, profile.json and prompts.json to {result.out_dir}/")
    for image in result.images:
        print(f"  {image}")
    return 0


class Parser(argparse.ArgumentParser):
    """argparse with a2i's error line: a bad option prints the usage, then ``a2i: error: a2i CMD: ...``, so
    every refusal of every command ends in the same one ``a2i: error:`` line (sub-commands inherit the class)."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(2, f"a2i: error: {self.prog}: {message} (see `{self.prog} --help`)\n")


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The ``a2i`` parser; with ``command`` one of :data:`BUILT_IN_COMMANDS`, only the built-in commands are
    registered (importing and registering the other packages' commands is a third of such a command's
    start-up before its own work: 27 ms); with any other ``command`` or none, every command."""
    parser = Parser(
        prog="a2i",
        description="Music-to-image synthesis: mood-matched pictures and videos from a song.",
    )
    parser.add_argument("--version", action="version", version=f"a2i {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_analyze(sub)
    _add_generate(sub)
    if command not in BUILT_IN_COMMANDS:
        for module in SUBCOMMAND_MODULES:
            importlib.import_module(module).add_parser(sub)
    return parser


def describe_os_error(exc: OSError) -> str:
    """One line for a file-system error: the path(s) and the system's reason.

    Examples
    --------
    >>> describe_os_error(PermissionError(13, "Permission denied", "/srv/out"))
    '/srv/out: Permission denied; check the path and its permissions'
    """
    paths = " -> ".join(str(p) for p in (exc.filename, exc.filename2) if p is not None)
    reason = exc.strerror or str(exc)
    return f"{paths}: {reason}; check the path and its permissions" if paths else f"{reason}; check the path and its permissions"


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:  # noqa: ANN001
    """a2i's own warnings as one plain line; anything else keeps Python's format, so no library's noise
    is passed off as a2i's."""
    if issubclass(category, A2IWarning):
        print(f"a2i: warning: {message}", file=sys.stderr)
    else:
        sys.stderr.write(warnings.formatwarning(message, category, filename, lineno, line))


def _terminated(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command in ``argv`` (default: the process's arguments) and return its exit status.

    Run as the process's command (``argv`` not given), ``a2i analyze`` and ``a2i generate`` end the process
    themselves once done (:func:`_exit_now`).
    """
    words = sys.argv[1:] if argv is None else list(argv)
    command = words[0] if words and not words[0].startswith("-") else None
    status = _main(words, command)
    if argv is None and command in BUILT_IN_COMMANDS:
        _exit_now(status)
    return status


def _exit_now(status: int) -> NoReturn:
    """End the process with ``status`` after its other threads and exit handlers, but without the
    interpreter's teardown: the final garbage collection over every object of every imported module and the
    modules' clearing, which cost ``a2i analyze`` 40 ms (of 1 s) after its last line was printed, and that
    no file or process of a2i's needs (output is flushed here; files are written and closed by then)."""
    for thread in threading.enumerate():
        if thread is not threading.current_thread() and not thread.daemon:
            thread.join()
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (`a2i analyze ... | head`) or a closed stream
            pass
    os._exit(status)


def _main(argv: list[str], command: str | None) -> int:
    parser = build_parser(command)
    args = parser.parse_args(argv)
    shown, warnings.showwarning = warnings.showwarning, _show_warning
    # `kill` (SIGTERM) unwinds like Ctrl-C, so a run's staging folder is removed and its lock released.
    in_main_thread = threading.current_thread() is threading.main_thread()
    handler = signal.signal(signal.SIGTERM, _terminated) if in_main_thread else None
    try:
        return int(args.func(args) or 0)
    except A2IError as exc:
        print(f"a2i: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # a full disk, a folder made read-only mid-run: name the path, no traceback
        print(f"a2i: error: {describe_os_error(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("a2i: interrupted", file=sys.stderr)
        return 130
    finally:
        warnings.showwarning = shown
        if in_main_thread:
            signal.signal(signal.SIGTERM, handler)


if __name__ == "__main__":
    sys.exit(main())
