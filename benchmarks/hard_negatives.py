"""Time and peak memory of hard-negative mining (a2i.model.negatives.mine) on a synthetic catalogue.

Target (issue 9): 40,000 tracks in <= 5 s and <= 300 MB peak on the 2-core development machine. Tracks get
Spotify-like valence/energy (Beta distributions fitted by eye to the catalogue's means 0.47 / 0.64) and one
of 125 genres, as in the Kaggle table. Peak memory is what the mining allocates (tracemalloc, which numpy
reports to; measured in a second run, since tracing slows the first); the process's resident peak,
interpreter and numpy included, is printed beside it.

The CPU seconds beside the wall time show the cost on a machine shared with other jobs.

    python benchmarks/hard_negatives.py --tracks 40000 [--k 4] [--selection nearest]
"""

from __future__ import annotations

import argparse
import resource
import time
import tracemalloc

import numpy as np

from a2i.model.negatives import DEFAULT_MARGIN, SELECTIONS, mine


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tracks", type=int, default=40_000)
    parser.add_argument("--genres", type=int, default=125)
    parser.add_argument("--k", type=int, default=4)
    parser.add_argument("--margin", type=float, default=DEFAULT_MARGIN)
    parser.add_argument("--selection", choices=SELECTIONS, default="nearest")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    valence, energy = rng.beta(2.0, 2.2, args.tracks), rng.beta(2.6, 1.5, args.tracks)
    genre = rng.integers(0, args.genres, args.tracks)
    for selection in SELECTIONS:  # every selection once, so the report shows all three
        start = time.perf_counter()
        result = mine(valence, energy, genre, k=args.k, margin=args.margin, selection=selection)
        print(f"{selection:>8}: {time.perf_counter() - start:.2f} s, {result.qualified.mean():.1%} qualified")
    start, cpu_start = time.perf_counter(), time.process_time()
    mine(valence, energy, genre, k=args.k, margin=args.margin, selection=args.selection)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    tracemalloc.start()  # a separate run: tracing every allocation slows numpy down several times
    mine(valence, energy, genre, k=args.k, margin=args.margin, selection=args.selection)
    peak_mb = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3
    print(f"hard negatives ({args.selection}, k={args.k}, margin={args.margin}) for {args.tracks} tracks: "
          f"{seconds:.2f} s, peak {peak_mb:.0f} MB ({cpu:.2f} s of CPU; process peak RSS {rss_mb:.0f} MB)")


if __name__ == "__main__":
    main()
