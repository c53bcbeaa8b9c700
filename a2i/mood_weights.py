"""Placeholder until benchmarks/mood_eval.py --write-weights runs."""
import numpy as np
EMBEDDING_SIZE = 256
N = 256 + 41
CENTER = np.zeros(N); SCALE = np.ones(N); Z_LIMIT = 5.0
ENERGY_WEIGHTS = np.zeros(N); ENERGY_BIAS = 0.0
VALENCE_WEIGHTS = np.zeros(2 * N); VALENCE_BIAS = 0.0
LOGIT_MEAN = {"valence": 0.0, "energy": 0.0}; LOGIT_SPREAD = {"valence": 1.0, "energy": 1.0}; SHRINK = {"valence": 0.5, "energy": 0.5}
