"""How different a song's picture variants are: in mean colour and in structure.

The explorer switches between a song's variants (keys 1/2/3) and a labeling study shows several at once, so
variants that look alike make both meaningless. Two distances, averaged over every pair of variants:

- **mean colour**: Euclidean distance between the pictures' mean RGB colours (0..441, in 0..255 units),
  the explorer's own colour summary;
- **structure**: ``1 - SSIM`` of 128-px grey thumbnails (Wang, Bovik, Sheikh & Simoncelli, "Image quality
  assessment: from error visibility to structural similarity", IEEE TIP 2004), 0 for identical layouts,
  about 1 for unrelated ones.

Examples
--------
>>> import numpy as np
>>> from PIL import Image
>>> flat = Image.new("RGB", (64, 64), (200, 40, 40))
>>> stripes = Image.fromarray((np.indices((64, 64))[1] % 8 < 4).astype(np.uint8) * 255).convert("RGB")
>>> round(structure_distance(flat, flat), 3), structure_distance(flat, stripes) > 0.5
(0.0, True)
"""

from __future__ import annotations

from itertools import combinations

import numpy as np
from PIL import Image

THUMBNAIL = 128  # px: the structure is compared at the scale a grid of pictures is seen at (issue 13)
# SSIM constants of Wang et al. 2004: an 11-tap Gaussian window (sigma 1.5) and K1 = 0.01, K2 = 0.03.
_SIGMA, _TRUNCATE = 1.5, 3.5  # 3.5 sigma = 5 px radius: the paper's 11 x 11 window
_C1, _C2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2


def grey_thumbnail(image: Image.Image, side: int = THUMBNAIL) -> np.ndarray:
    """A square grey copy, the same for any size or aspect ratio of the input."""
    return np.asarray(image.convert("L").resize((side, side), Image.Resampling.BOX), dtype=np.float64)


def ssim(a: np.ndarray, b: np.ndarray) -> float:
    """Mean structural similarity of two grey images of the same shape (values 0..255)."""
    if a.shape != b.shape:
        raise ValueError(f"ssim needs two images of one shape, got {a.shape} and {b.shape}")

    def blur(x: np.ndarray) -> np.ndarray:
        from scipy.ndimage import gaussian_filter  # here, not at import: `a2i --help` must not wait for scipy

        return gaussian_filter(x, _SIGMA, truncate=_TRUNCATE, mode="reflect")

    mu_a, mu_b = blur(a), blur(b)
    var_a = blur(a * a) - mu_a**2
    var_b = blur(b * b) - mu_b**2
    cov = blur(a * b) - mu_a * mu_b
    num = (2 * mu_a * mu_b + _C1) * (2 * cov + _C2)
    den = (mu_a**2 + mu_b**2 + _C1) * (var_a + var_b + _C2)
    return float((num / den).mean())


def structure_distance(a: Image.Image, b: Image.Image) -> float:
    """``1 - SSIM`` of the two pictures' grey thumbnails."""
    return 1.0 - ssim(grey_thumbnail(a), grey_thumbnail(b))


def mean_colour(image: Image.Image) -> np.ndarray:
    """Mean RGB (0..255)."""
    return np.asarray(image.convert("RGB"), dtype=np.float64).reshape(-1, 3).mean(axis=0)


def colour_distance(a: Image.Image, b: Image.Image) -> float:
    """Euclidean distance between mean RGB colours."""
    return float(np.linalg.norm(mean_colour(a) - mean_colour(b)))


def variant_diversity(images: list[Image.Image]) -> tuple[float, float]:
    """``(mean colour distance, structure distance)`` averaged over every pair; needs two or more pictures."""
    if len(images) < 2:
        raise ValueError("variant diversity needs at least two pictures")
    pairs = list(combinations(images, 2))
    return (float(np.mean([colour_distance(a, b) for a, b in pairs])),
            float(np.mean([structure_distance(a, b) for a, b in pairs])))
