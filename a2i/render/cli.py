"""The ``a2i render`` sub-command (argparse only, so the ``a2i`` command starts fast); the work is :mod:`a2i.batch`."""

from __future__ import annotations

import argparse
import sys

from a2i.cliargs import add_job_options, job_options, positive_int
from a2i.render.options import sdxl_options


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register ``a2i render``."""
    p = sub.add_parser(
        "render",
        help="render many songs into per-song folders (resumable; sharded under accelerate launch)",
        description="Render pictures for many songs into OUT/<song name>/, the same folders `a2i generate` "
        "writes. Rerun the same command to resume: finished pictures are skipped. Under `accelerate launch` "
        "each process renders its own share of the songs.",
    )
    p.add_argument("inputs", nargs="+", metavar="SONGS",
                   help="audio files, folders of songs, a dataset.csv (path_audio_full column) or a .txt list of paths")
    p.add_argument("--out", default="outputs", metavar="DIR", help="root of the per-song folders (default: outputs)")
    p.add_argument("--workers", type=positive_int, metavar="N",
                   help="processes rendering songs side by side, for a backend that allows it (default: every core for "
                        "the painter; 1 for sdxl, which shards by accelerate launch)")
    add_job_options(p)
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from a2i.batch import Batch, process_shard, render_songs
    from a2i.planner import Job

    options = {k: v for k, v in sdxl_options(args).items() if v is not None}
    batch = Batch(out=Path(args.out), job=Job(**job_options(args)), backend=args.backend, backend_options=options)
    shard = process_shard()
    summary = render_songs(args.inputs, batch, workers=args.workers, shard=shard)
    for line in summary.lines(shard):
        print(line)
    if summary.failed:  # every refusal of every command ends in one such line
        print(f"a2i: error: {len(summary.failed)} of {len(summary.songs)} song(s) failed (listed above)", file=sys.stderr)
        return 1
    return 0
