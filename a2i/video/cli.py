"""``a2i video``: the sub-command's options (argparse only, so ``a2i --help`` stays fast)."""

from __future__ import annotations

import argparse

from a2i.cliargs import add_prompt_count, add_prompt_options, add_user_prompts, number_in, positive_int, prompt_options, seed


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register ``a2i video``."""
    from a2i.render.options import add_backend, add_sdxl_options
    from a2i.video.options import DEFAULT_CRF, DEFAULT_PRESET, DEFAULT_SMOOTH, PRESETS, SEGMENT_MODES

    p = sub.add_parser(
        "video",
        help="a music video whose pictures move with the music",
        description="Paint a keyframe per segment of the song, each from its own segment's mood, and move "
        "between them paced by the song's percussive onsets; writes an H.264 MP4 with the song's audio, "
        "exactly as long as the audio. An interrupted render continues with --resume.",
    )
    p.add_argument("song", metavar="SONG", help="audio file (mp3, wav, flac, ogg, m4a)")
    p.add_argument("--out", metavar="FILE.mp4", help="video to write (default: outputs/<song>.mp4)")
    add_backend(p)
    p.add_argument("--every", type=positive_int, default=1, metavar="K",
                   help="sdxl backend: diffuse every K-th frame and blend between (default: 1, every frame)")
    p.add_argument("--fps", default="24", metavar="N", help="frames per second: 24, 29.97, 30000/1001 (default: 24)")
    p.add_argument("--size", metavar="WxH", help="frame size (default: 1280x720; 1200x630 with --review)")
    p.add_argument("--segments", choices=SEGMENT_MODES, default="beats",
                   help="keyframe per 10-second clip, per group of bars, or per musical section (default: beats)")
    p.add_argument("--start", type=number_in(0), metavar="SEC", help="start at this time in the song (default: 0)")
    p.add_argument("--end", type=number_in(0), metavar="SEC", help="end at this time in the song (default: its end)")
    p.add_argument("--smooth", type=number_in(0, 1), default=DEFAULT_SMOOTH, metavar="0..1",
                   help=f"0 locks motion to the beat, 1 flows calmly (default: {DEFAULT_SMOOTH:g})")
    p.add_argument("--reactivity", type=number_in(0, 2), default=1.0, metavar="0..2",
                   help="how strongly motion and pulse follow the onsets (default: 1)")
    p.add_argument("--no-pulse", dest="pulse", action="store_false", help="no brightness/zoom pulse on the onsets")
    p.add_argument("--review", action="store_true",
                   help="the thesis's review video: each clip's info card for that clip's 10 seconds of audio")
    add_prompt_options(p)
    add_prompt_count(p, per="segment")
    add_user_prompts(p)
    p.add_argument("--keyframes", action="append", default=[], metavar="PICTURE",
                   help="a picture of an `a2i generate` run (or a studio song) of this song, repeatable: drawn "
                        "again (same prompt, seed, style) as the keyframe of its clip, whose other keyframes "
                        "take its prompt and style")
    p.add_argument("--seed", type=seed, default=0, help="random seed (default: 0)")
    p.add_argument("--resume", action="store_true", help="continue an interrupted render (same song and options)")
    p.add_argument("--overwrite", action="store_true", help="replace --out if it exists")
    p.add_argument("--preset", choices=PRESETS, default=DEFAULT_PRESET, help=f"x264 speed preset (default: {DEFAULT_PRESET})")
    p.add_argument("--crf", type=int, default=DEFAULT_CRF, metavar="Q",
                   help=f"x264 quality, 0 lossless .. 51 worst (default: {DEFAULT_CRF})")
    add_sdxl_options(p)
    p.set_defaults(func=_run_video)


def _run_video(args: argparse.Namespace) -> int:
    from pathlib import Path

    from a2i.planner import Chosen
    from a2i.render.options import sdxl_options
    from a2i.video.make import make_video

    out = Path(args.out) if args.out else Path("outputs") / f"{Path(args.song).stem}.mp4"
    result = make_video(
        args.song, out, backend=args.backend, backend_options=sdxl_options(args), every=args.every,
        fps=args.fps, size=args.size, segments=args.segments, start=args.start, end=args.end, smooth=args.smooth,
        reactivity=args.reactivity, pulse=args.pulse, seed=args.seed, prompts=args.prompts, n_prompts=args.n_prompts,
        user_prompts=args.user_prompts, chosen=Chosen.from_files(args.keyframes) if args.keyframes else None,
        prompt_options=prompt_options(args), review=args.review, resume=args.resume, overwrite=args.overwrite,
        preset=args.preset, crf=args.crf,
    )
    reused = f", {result.reused_chunks} chunk(s) reused" if result.reused_chunks else ""
    print(f"Wrote {result.path}: {result.n_frames} frames at {float(result.fps):g} fps, {result.duration:.2f} s, "
          f"{len(result.segments)} keyframe(s){reused}")
    return 0
