"""Are the painter's video transitions crossfades or double exposures? Frames through each transition.

    PYTHONPATH=. python benchmarks/bench_painter_transitions.py [--songs A.flac ...] [--segments beats sections fixed]
        [--transitions 40] [--size 640x360] [--samples 15]

The transitions are the real ones of ``a2i video``: for each song (default: the bundled songs in
dataset/tutorial_data) and each ``--segments`` mode, the song is cut into segments and its keyframes planned
exactly as :func:`a2i.video.make.make_video` does (beat, section or 10-s segments, each segment's own profile
and template prompt, the song's seeds, the coda), every keyframe is prepared by the painter backend as the
video's route prepares it, and frames through each transition between consecutive keyframes are drawn (no
pulse, time held). A transition that two modes share (same keyframes) is measured once. The three bundled songs
give between 25 and 30 (each mode cuts a 30-second song into 2-4 segments, plus the coda).

Reported per transition:

- SSIM (grey, 256 px, Wang et al. 2004) of the halfway frame to the 50/50 blend of its two keyframes, and to
  each keyframe. A crossfade scores about 1 against the blend; a transition where each part of the frame shows
  one picture scores lower against the blend than a crossfade does.
- mixed pixels: the share of the pixels that differ between the keyframes (by more than 20 of 255) that show a
  mix of both (neither within 12 % of the way from one keyframe nor from the other), the measure of a double
  exposure (a pixel showing the background the coming keyframe's objects are painted over,
  :attr:`a2i.render.painter.motion.Scene.under`, is not mixed): at the halfway frame, and the most over
  ``--samples`` frames spread through the transition.
- old inside new: every subject of the coming keyframe (as above) that shows the old picture inside its
  outline while, in the same rows, the ``RING`` px beside it have mostly turned, and in none of the ``STRAY``
  rows either side they mostly wait (a collage: the old window panes
  inside the new sun's disc), judged on its pixels where the old keyframe differs from the new one and from the
  new one's background: the share of those that do so, the most over the sampled frames; a subject with more
  than ``COLLAGE`` counts. A front crossing a subject and its surroundings alike (a wipe) is not a collage.
- subjects seen through: every subject of either keyframe (its pixels in that keyframe's scene, as the frame
  shows them, at least ``MIN_SUBJECT`` that differ) whose differing pixels are more than half mixed in some
  sampled frame: a whole subject half-visible, two pictures at once in that spot. A crossfade has every subject
  so at its middle; a thin front none.

The last line is the summary.
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

import numpy as np
from PIL import Image

from a2i import audio as audio_io
from a2i.fileio import content_hash
from a2i.mood import ANALYSIS_SR, default_analyzer
from a2i.planner import Job, plan_keyframes
from a2i.render import get_backend
from a2i.render.painter import keyframe
from a2i.render.painter.diversity import ssim
from a2i.render.painter.motion import view
from a2i.render.painter.styles.base import Canvas
from a2i.video.onsets import analyze_rhythm
from a2i.video.segments import SEGMENT_MODES, find_segments, segment_profile

REPO = Path(__file__).resolve().parents[1]
MIXED = 0.12  # a pixel nearer than this fraction of the way to either keyframe counts as showing that keyframe
DIFFERS = 20  # of 255: pixels whose keyframes differ less than this are not counted (nothing to mix)
MIN_SUBJECT = 40  # px: subjects with fewer differing pixels are not judged (a few pixels are all front)
RING = 3  # px beside a subject (same rows) whose state says whether the picture around it has turned
STRAY = 0.018  # short sides a brushed front strays up or down (motion.EDGE_WAVE x its noise's clip, 1.5): rows
# that close to the front are not judged (the front crossing a subject and what is beside it is a wipe)
COLLAGE = 0.25  # share of a subject's judged pixels showing the old picture among turned surroundings: a collage


def grey(frame: np.ndarray) -> np.ndarray:
    return np.asarray(Image.fromarray(frame).convert("L").resize((256, 256), Image.Resampling.BOX), dtype=np.float64)


def transitions(song: str, modes: list[str], analyzer, backend, size: tuple[int, int]):
    """Every (mode, index, keyframe a, keyframe b) of ``a2i video --segments MODE`` of the song, shared ones once;
    each keyframe a (scene, subject label map) pair."""
    waveform = audio_io.load(song, sr=ANALYSIS_SR)
    analysis = analyzer.analyze(song, per_clip=True)
    rhythm = analyze_rhythm(waveform)
    song_hash, seen, scenes = content_hash(song), set(), {}
    for mode in modes:
        cuts = find_segments(mode, rhythm, 0.0, waveform.duration)
        keys = plan_keyframes(analysis, [segment_profile(analysis, waveform, s) for s in cuts], Job(), song_hash)
        for i, (a, b) in enumerate(zip(keys, keys[1:])):
            ids = tuple((k.prompt, k.seed, k.style, round(k.clip.start, 2), round(k.clip.end, 2)) for k in (a, b))
            if ids in seen:
                continue
            seen.add(ids)
            for key, planned in zip(ids, (a, b)):
                if key not in scenes:
                    request = planned.for_backend()
                    scenes[key] = backend.scene(request, size=size), subject_labels(request, size)
            yield mode, i, scenes[ids[0]], scenes[ids[1]]


def subject_labels(request, size: tuple[int, int]) -> list[np.ndarray]:
    """One boolean map per subject of the request's scene, as a frame at time 0 shows the scene."""
    frame = keyframe(request.profile, prompt=request.prompt, style=request.style, seed=request.seed,
                     canvas=Canvas(*size), features=request.features)
    x0, y0, step = view(size, time=0.0)
    labels = np.asarray(Image.fromarray(frame.raster.label_index()).resize(
        size, Image.Resampling.NEAREST, box=(x0, y0, x0 + step * size[0], y0 + step * size[1])))
    shapes = frame.scene.stack.shapes
    subjects = {}
    for k, shape in enumerate(shapes, start=1):
        subjects.setdefault(shape.subject, []).append(k)
    return [np.isin(labels, ks) for ks in subjects.values()]


def mixed_map(frame: np.ndarray, start: np.ndarray, end: np.ndarray, under: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(pixels that differ between the keyframes, pixels of those that show a mix: near none of the keyframes
    nor the coming one's background) of a frame."""
    frame, start, end, under = (x.astype(np.float64) for x in (frame, start, end, under))
    gap = np.abs(start - end).mean(axis=2)
    near = [np.abs(frame - x).mean(axis=2) <= MIXED * gap for x in (start, end, under)]
    differs = gap > DIFFERS
    return differs, differs & ~near[0] & ~near[1] & ~near[2]


def under_frame(backend, b) -> np.ndarray:
    """The background under ``b``'s objects as a frame at time 0 shows it (same light and camera)."""
    background = replace(b, rgb=b.under, phase=b.under_phase, under=None, first=None, under_phase=None)
    return backend.frame(background, background, 0.0, time=0.0)


def old_inside(frame: np.ndarray, start: np.ndarray, end: np.ndarray, under: np.ndarray, subjects: list[np.ndarray]) -> np.ndarray:
    """Per subject of the coming keyframe: the share of its judged pixels showing the old picture while the
    ``RING`` px beside them (same row) have mostly turned (see the module docstring)."""
    frame, start, end, under = (x.astype(np.float64) for x in (frame, start, end, under))
    gap = np.abs(start - end).mean(axis=2)
    judged = (gap > DIFFERS) & (np.abs(start - under).mean(axis=2) > DIFFERS)
    to_start = np.abs(frame - start).mean(axis=2)
    old = (to_start <= MIXED * gap) & (to_start < np.abs(frame - under).mean(axis=2))  # nearer the background: not old
    stray = int(np.ceil(STRAY * min(frame.shape[:2])))
    shares = []
    for subject in subjects:
        beside = subject.copy()
        for _ in range(RING):
            beside[:, 1:] |= beside[:, :-1].copy()
            beside[:, :-1] |= beside[:, 1:].copy()
        around = beside & ~subject & (gap > DIFFERS)
        turned = (around & ~old).sum(axis=1) > 0.5 * np.maximum(around.sum(axis=1), 1)
        waiting = (around & old).sum(axis=1) >= 0.5 * around.sum(axis=1)
        turned &= np.convolve(waiting & (around.sum(axis=1) > 0), np.ones(2 * stray + 1), "same") == 0  # nor near
        inside = subject & judged
        shares.append((old & inside & turned[:, None]).sum() / max(inside.sum(), 1))
    return np.array(shares)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--songs", nargs="*", default=[str(p) for p in sorted((REPO / "dataset" / "tutorial_data").glob("*.flac"))])
    parser.add_argument("--segments", nargs="*", choices=SEGMENT_MODES, default=["beats", "sections", "fixed"])
    parser.add_argument("--transitions", type=int, default=40, help="stop after this many")
    parser.add_argument("--size", default="640x360")
    parser.add_argument("--samples", type=int, default=15, help="frames judged through each transition")
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.split("x"))
    analyzer, backend = default_analyzer(), get_backend("painter")
    rows, judged, judged_coming = [], 0, 0
    for song in args.songs:
        for mode, index, (a, subjects_a), (b, subjects_b) in transitions(song, args.segments, analyzer, backend, (width, height)):
            start, mid, end = (backend.frame(a, b, p, time=0.0) for p in (0.0, 0.5, 1.0))
            under = under_frame(backend, b)
            blend = ((start.astype(np.float64) + end) / 2).round().astype(np.uint8)
            differs, mixed = mixed_map(mid, start, end, under)
            mixed_mid, worst = float(mixed.sum() / max(differs.sum(), 1)), 0.0
            subjects = [s & differs for s in subjects_a + subjects_b]
            subjects = [s for s in subjects if s.sum() >= MIN_SUBJECT]
            coming = [s for s in subjects_b if (s & differs).sum() >= MIN_SUBJECT]
            most, collage = np.zeros(len(subjects)), np.zeros(len(coming))
            for p in np.linspace(0.0, 1.0, args.samples + 2)[1:-1]:
                frame = backend.frame(a, b, p, time=0.0)
                differs, mixed = mixed_map(frame, start, end, under)
                worst = max(worst, float(mixed.sum() / max(differs.sum(), 1)))
                most = np.maximum(most, [(mixed & s).sum() / s.sum() for s in subjects])
                collage = np.maximum(collage, old_inside(frame, start, end, under, coming))
            judged += len(subjects)
            judged_coming += len(coming)
            rows.append((f"{Path(song).stem} {mode} {index}", ssim(grey(mid), grey(blend)), ssim(grey(mid), grey(start)),
                         ssim(grey(mid), grey(end)), mixed_mid, worst, int((most > 0.5).sum()), float(most.max(initial=0.0)),
                         int((collage > COLLAGE).sum()), float(collage.max(initial=0.0))))
            r = rows[-1]
            print(f"{r[0]:26s} transition {len(rows):2d}: SSIM to blend {r[1]:.3f}, to a {r[2]:.3f}, to b {r[3]:.3f}, "
                  f"mixed pixels {r[4]:.1%} (most in a frame {r[5]:.1%}); {len(subjects)} subjects, seen through {r[6]} "
                  f"(most mixed {r[7]:.0%}); old inside new {r[8]} of {len(coming)} (most {r[9]:.0%})")
            if len(rows) >= args.transitions:
                break
        if len(rows) >= args.transitions:
            break
    r = np.array([row[1:] for row in rows])
    print(f"SUMMARY {len(rows)} transitions at {width}x{height}: mean SSIM(mid, 50/50 blend) {r[:, 0].mean():.3f}, "
          f"to keyframe a {r[:, 1].mean():.3f}, to keyframe b {r[:, 2].mean():.3f}; mixed pixels {r[:, 3].mean():.1%} "
          f"(max {r[:, 3].max():.1%}; in any of {args.samples} frames per transition {r[:, 4].max():.1%}); subjects seen "
          f"through {int(r[:, 5].sum())} of {judged} (most mixed subject {r[:, 6].max():.0%}); old picture inside a new "
          f"subject {int(r[:, 7].sum())} of {judged_coming} (most {r[:, 8].max():.0%})")


if __name__ == "__main__":
    main()
