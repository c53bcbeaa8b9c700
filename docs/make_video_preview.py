"""Make the README's video pictures: a frame strip and a short animated preview of a music video.

    python docs/make_video_preview.py [--song dataset/tutorial_data/example_song.flac] [--out docs/images]

Runs the README's command (``a2i video SONG --out VIDEO``, default options: 1280 x 720, 24 fps, keyframes
per group of bars), then writes ``video_strip.jpg`` (eight frames spread over the song, in order) and
``video_preview.webp`` (a few seconds across a keyframe change, small enough for the README).
"""

from __future__ import annotations

import argparse
import io
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image

from a2i.audio import ffmpeg_exe

STRIP_FRAMES = 8  # frames in the strip: one every few seconds of a 30-second song
STRIP_TILE = (320, 180)  # px per frame in the strip (16:9, readable in the README)
STRIP_QUALITY = 85  # JPEG quality: small file, no visible artefacts at this size
PREVIEW = {"start": 6.0, "seconds": 6.0, "fps": 12, "width": 384}  # across the first keyframe change (9 s)
PREVIEW_QUALITY = 60  # WebP quality: keeps the animation well under 1.5 MB


def frame_at(video: Path, seconds: float) -> Image.Image:
    proc = subprocess.run([ffmpeg_exe(), "-v", "error", "-ss", f"{seconds:.3f}", "-i", str(video), "-frames:v", "1",
                           "-f", "image2pipe", "-vcodec", "png", "pipe:1"], capture_output=True, check=True)
    return Image.open(io.BytesIO(proc.stdout)).convert("RGB")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--song", type=Path, default=Path("dataset/tutorial_data/example_song.flac"))
    parser.add_argument("--out", type=Path, default=Path("docs/images"))
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        video = Path(tmp) / f"{args.song.stem}.mp4"
        subprocess.run([sys.executable, "-m", "a2i", "video", str(args.song), "--out", str(video)], check=True)
        duration = float(subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0",
                                         str(video)], capture_output=True, text=True, check=True).stdout)
        width, height = STRIP_TILE
        strip = Image.new("RGB", (width * STRIP_FRAMES // 2, height * 2))
        for i in range(STRIP_FRAMES):
            frame = frame_at(video, (i + 0.5) * duration / STRIP_FRAMES).resize(STRIP_TILE, Image.Resampling.LANCZOS)
            strip.paste(frame, ((i % (STRIP_FRAMES // 2)) * width, (i // (STRIP_FRAMES // 2)) * height))
        args.out.mkdir(parents=True, exist_ok=True)
        strip.save(args.out / "video_strip.jpg", quality=STRIP_QUALITY)
        p = PREVIEW
        subprocess.run([ffmpeg_exe(), "-v", "error", "-y", "-ss", str(p["start"]), "-t", str(p["seconds"]), "-i", str(video),
                        "-vf", f"fps={p['fps']},scale={p['width']}:-2", "-c:v", "libwebp_anim", "-loop", "0",
                        "-quality", str(PREVIEW_QUALITY), "-an", str(args.out / "video_preview.webp")], check=True)
    for name in ("video_strip.jpg", "video_preview.webp"):
        print(f"{args.out / name}: {(args.out / name).stat().st_size / 1e6:.2f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
