"""a2i.render.gaussian is scipy.ndimage.gaussian_filter(mode="nearest") without importing SciPy."""

import numpy as np
import pytest
from scipy.ndimage import gaussian_filter as scipy_gaussian_filter

from a2i.render.gaussian import gaussian_filter


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_the_blur_equals_scipys_on_random_maps_sizes_and_widths(dtype):
    rng = np.random.default_rng(7)
    for _ in range(40):
        h, w = (int(v) for v in rng.integers(1, 120, 2))
        image = (rng.random((h, w)) * 255).astype(dtype)
        sigma, truncate = float(rng.uniform(0.31, 30.0)), float(rng.choice([3.0, 4.0]))
        got = gaussian_filter(image, sigma, truncate=truncate)
        want = scipy_gaussian_filter(image, sigma, mode="nearest", truncate=truncate)
        assert got.dtype == want.dtype and got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=0, atol=255 * (1e-6 if dtype == np.float32 else 1e-12))


def test_a_wider_blur_spreads_an_edge_further_and_keeps_the_mean():
    step = np.zeros((9, 40), dtype=np.float32)
    step[:, 20:] = 1.0
    narrow, wide = gaussian_filter(step, 1.0)[4], gaussian_filter(step, 4.0)[4]
    assert narrow[16] < wide[16] < 0.5 < wide[23] < narrow[23]
    assert gaussian_filter(step, 3.0).mean() == pytest.approx(step.mean(), abs=1e-6)
