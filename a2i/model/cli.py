"""``a2i train``: train the audio encoder from a config file (argparse only at import, so the CLI starts fast)."""

from __future__ import annotations

import argparse


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register ``a2i train``."""
    p = subparsers.add_parser(
        "train",
        help="train the audio encoder (music -> SDXL text-embedding space)",
        description="Train the audio encoder on a dataset.csv (see A2I_model/README.md). Runs on CPU, one GPU, "
        "or many with `accelerate launch -m a2i train ...`. Writes training_logs/<run-id>/ (config, metrics, "
        "curves, checkpoints).",
    )
    p.add_argument("action", nargs="?", choices=["prepare"],
                   help="prepare: only build the caches training reads (audio, targets, latents), resumably; under "
                   "`accelerate launch` every process builds its part. Needed before a multi-process run")
    p.add_argument("--config", required=True, metavar="FILE",
                   help="TOML or JSON config, or a built-in name (tiny)")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override a config key, e.g. --set optim.lr=3e-4 (repeatable)")
    p.add_argument("--resume", metavar="latest|DIR",
                   help="continue the latest checkpoint of the run (log.run_id, else the newest) or a checkpoint folder")
    p.add_argument("--stop-after", type=int, metavar="STEP",
                   help="stop after this optimizer step, writing a checkpoint (time-boxed jobs; continue with --resume)")
    p.set_defaults(func=_run_train)


def _run_train(args: argparse.Namespace) -> int:
    from a2i.errors import require

    require("accelerate", "train")
    require("matplotlib", "train")
    from a2i.model.config import load_config

    config = load_config(args.config, args.overrides)
    if args.action == "prepare":
        from a2i.model.prepare import prepare

        prepare(config)
        print(f"caches ready under {config.data.cache_dir} (this process's part)")
        return 0
    from a2i.model.train import train

    run_dir = train(config, resume=args.resume, stop_after=args.stop_after)
    print(f"run folder: {run_dir} (encoder: {run_dir / 'checkpoints' / 'best'})")
    return 0
