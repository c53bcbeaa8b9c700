"""How faithfully pictures carry the analysed mood: song valence vs picture lightness, energy vs saturation.

Synthesizes a spread of pieces (tempo, mode, brightness, drums and level drawn at random), runs the main job
on each (analysis, centre clip, painter) and reports Spearman rank correlations between the song's valence and
the picture's mean HLS lightness, and between its energy and the picture's mean HSV saturation. (On real songs
the issue measures the same correlations against Spotify's labels; this script needs no labels, so it
measures the picture side of the chain.)

    .venv/bin/python benchmarks/bench_mood_to_image.py [N]
"""

from __future__ import annotations

import sys
import tempfile
from dataclasses import replace
from pathlib import Path

import numpy as np
from scipy.stats import spearmanr

from a2i.audio import write
from a2i.mood import Analyzer
from a2i.pipeline import generate
from a2i.synth import MAJOR, MINOR, PIECES, render


def lightness_saturation(path: Path) -> tuple[float, float]:
    from PIL import Image

    rgb = np.asarray(Image.open(path).convert("RGB"), dtype=np.float32) / 255.0
    mx, mn = rgb.max(axis=2), rgb.min(axis=2)
    return float(((mx + mn) / 2).mean()), float(np.where(mx > 0, (mx - mn) / np.maximum(mx, 1e-6), 0).mean())


def main(n: int = 24) -> None:
    rng = np.random.default_rng(0)
    analyzer = Analyzer()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(n):
            major = bool(rng.random() < 0.5)
            spec = replace(
                PIECES["bright_major" if major else "dark_minor"],
                title=f"piece {i}", tempo=float(rng.uniform(60, 160)), scale=MAJOR if major else MINOR,
                brightness=float(rng.uniform(0.05, 1.0)), drums=float(rng.uniform(0, 1) if rng.random() < 0.7 else 0.0),
                level_db=float(rng.uniform(-30, -10)), melody_density=float(rng.uniform(0.5, 2.0)),
            )
            song = write(Path(tmp) / f"piece{i}.flac", render(spec, seconds=20.0, seed=i))
            result = generate(song, Path(tmp) / f"out{i}", size=256, seed=i, progress=False, analyzer=analyzer)
            light, sat = lightness_saturation(result.images[0])
            rows.append((result.analysis.song.valence, result.analysis.song.energy, light, sat))
    v, e, light, sat = map(np.array, zip(*rows))
    rho_v = spearmanr(v, light).statistic
    rho_e = spearmanr(e, sat).statistic
    print(f"{n} synthesized songs: valence {v.min():.2f}..{v.max():.2f}, energy {e.min():.2f}..{e.max():.2f}")
    print(f"SUMMARY spearman(valence, picture lightness)={rho_v:.2f}  spearman(energy, picture saturation)={rho_e:.2f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 24)
