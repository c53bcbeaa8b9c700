"""``a2i explore {serve,build}``: run the explorer on a data folder, or build one from songs.

Only argparse (and the shared argument helpers) are imported here so that registering the group keeps ``a2i generate`` fast; the handlers
import flask, Pillow and the pipeline when they run.
"""

from __future__ import annotations

import argparse

from a2i.cliargs import add_prompt_options, add_seed, positive_int, prompt_options

# Copied from a2i.audio.CLIP_SECONDS (tests/core/test_startup.py checks they agree): importing a2i.audio
# imports NumPy, which `a2i --help` must not wait for.
CLIP_SECONDS = 10.0


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "explore",
        help="interactive valence × arousal map of songs and their pictures",
        description="Browse songs on a valence × arousal map as their pictures (serve), or build the data "
        "folder the map reads from your songs (build).",
    )
    sub = parser.add_subparsers(dest="explore_command", required=True, metavar="COMMAND")

    serve = sub.add_parser(
        "serve",
        help="open the explorer on a data folder",
        description="Serve the explorer for a folder of per-track JSON files (see exploration_gui/README.md). "
        "Every file is validated first; a bad one stops start-up with an error naming the file and field.",
    )
    serve.add_argument("data_dir", metavar="DATA_DIR",
                       help="folder of per-track JSON files, or the thesis's exploration_gui folder (static/jsons)")
    serve.add_argument("--host", default="127.0.0.1", help="interface to listen on (default: 127.0.0.1)")
    serve.add_argument("--port", type=int, default=5000, help="port (default: 5000)")
    serve.add_argument("--grid", default="6x4", metavar="COLSxROWS",
                       help="default colour-grid size, columns along valence × rows along arousal (default: 6x4)")
    serve.add_argument("--cache", metavar="DIR", help="thumbnail cache folder (default: ~/.cache/a2i/explore/...)")
    serve.add_argument("--skip-invalid", action="store_true",
                       help="leave out invalid track files (with a warning) instead of refusing to start")
    serve.add_argument("--no-warm", action="store_true",
                       help="build thumbnails only when the browser asks, not (in parallel, cached) before serving")
    serve.add_argument("--follow-symlinks", action="store_true",
                       help="serve pictures and clips that are symbolic links leading out of DATA_DIR (refused by default)")
    serve.set_defaults(func=_run_serve)

    build = sub.add_parser(
        "build",
        help="build an explorer data folder from songs",
        description="Run the main job once per song (its centre clip in N variants: different prompts and "
        "seeds), or take the pictures of `a2i generate` output folders, cut a preview clip and write one JSON "
        "file per song: a folder `a2i explore serve` can open.",
    )
    build.add_argument("songs", nargs="+", metavar="SONG|RUN_FOLDER",
                       help="audio files (mp3, wav, flac, ogg, m4a) or output folders of `a2i generate`")
    build.add_argument("--out", required=True, metavar="DIR", help="data folder to write (created if missing)")
    build.add_argument("--variants", type=positive_int, default=3, metavar="N",
                       help="pictures per song; for a run folder, its first N pictures (default: 3)")
    build.add_argument("--size", type=positive_int, default=512, metavar="PX", help="picture side (default: 512)")
    build.add_argument("--clip-seconds", type=float, default=CLIP_SECONDS, metavar="S",
                       help=f"length of the preview clip from the song's centre (default: {CLIP_SECONDS:g})")
    add_prompt_options(build)
    add_seed(build)
    build.set_defaults(func=_run_build)


def _run_serve(args: argparse.Namespace) -> int:
    import sys

    from a2i.explore.app import create_app, parse_grid, serve

    app = create_app({
        "DATA_DIR": args.data_dir,
        "GRID": parse_grid(args.grid),
        "CACHE_DIR": args.cache,
        "WARM": not args.no_warm,
        "SKIP_INVALID": args.skip_invalid,
        "PROGRESS": True,
        "ON_SKIP": lambda exc: print(f"a2i: warning: skipped {exc}", file=sys.stderr),
        "FOLLOW_SYMLINKS": args.follow_symlinks,
    })
    problems = app.extensions["a2i_explore"].collection.problems
    if problems:
        shown = "\n  ".join(problems[:5]) + (f"\n  … and {len(problems) - 5} more" if len(problems) > 5 else "")
        print(f"a2i: warning: {len(problems)} missing files (the songs stay on the map):\n  {shown}", file=sys.stderr)
    serve(app, host=args.host, port=args.port)
    return 0


def _run_build(args: argparse.Namespace) -> int:
    from a2i.explore.build import build_folder

    written = build_folder(
        args.songs,
        args.out,
        variants=args.variants,
        size=args.size,
        clip_seconds=args.clip_seconds,
        prompts=args.prompts,
        prompt_options=prompt_options(args),
        seed=args.seed,
        progress=True,
    )
    print(f"Wrote {len(written)} track file(s) to {args.out}/; open them with: a2i explore serve {args.out}")
    return 0
