import numpy as np
import pytest
from PIL import Image

from a2i.errors import ConfigError
from a2i.mood import Profile
from a2i.render import get_backend
from a2i.render.painter import paint


def lightness_saturation(image: Image.Image) -> tuple[float, float]:
    rgb = np.asarray(image, dtype=np.float32) / 255.0
    mx, mn = rgb.max(axis=2), rgb.min(axis=2)
    hsv_s = np.where(mx > 0, (mx - mn) / np.maximum(mx, 1e-6), 0.0)
    return float(((mx + mn) / 2).mean()), float(hsv_s.mean())


def mean_hue_warmth(image: Image.Image) -> float:
    """Red+green minus blue: positive for warm (yellow/orange), negative for cool (blue)."""
    rgb = np.asarray(image, dtype=np.float32) / 255.0
    return float(((rgb[..., 0] + rgb[..., 1]) / 2 - rgb[..., 2]).mean())


def test_same_seed_same_picture_other_seed_other_picture():
    p = Profile(valence=0.6, energy=0.6)
    a, b, c = paint(p, size=128, seed=1), paint(p, size=128, seed=1), paint(p, size=128, seed=2)
    assert a.tobytes() == b.tobytes()
    diff = np.abs(np.asarray(a, dtype=np.int16) - np.asarray(c, dtype=np.int16)).mean()
    assert diff > 8.0  # a different composition, not a few changed pixels


@pytest.mark.parametrize("size", [16, 100, (320, 180), (180, 320)])
def test_sizes(size):
    image = paint(Profile(), size=size, seed=0)
    assert image.size == ((size, size) if isinstance(size, int) else size) and image.mode == "RGB"


def test_large_picture():
    assert paint(Profile(energy=0.9), size=2048, seed=0).size == (2048, 2048)


@pytest.mark.parametrize("size", [0, 8, 5000, (100, -1), "big"])
def test_bad_size_is_refused(size):
    with pytest.raises(ConfigError, match="size must be"):
        paint(Profile(), size=size)


def test_valence_makes_lighter_warmer_pictures():
    values = [0.1, 0.35, 0.6, 0.9]
    pictures = [paint(Profile(valence=v, energy=0.5), size=192, seed=s) for v in values for s in (0, 1)]
    light = [lightness_saturation(p)[0] for p in pictures]
    warmth = [mean_hue_warmth(p) for p in pictures]
    mean_light = [np.mean(light[i : i + 2]) for i in range(0, 8, 2)]
    assert all(a < b for a, b in zip(mean_light, mean_light[1:])), mean_light
    assert np.mean(warmth[-2:]) > 0.1 > -0.05 > np.mean(warmth[:2])


def test_energy_makes_more_saturated_pictures():
    values = [0.1, 0.4, 0.7, 0.95]
    sat = [np.mean([lightness_saturation(paint(Profile(valence=0.5, energy=e), size=192, seed=s))[1] for s in (0, 1)]) for e in values]
    assert all(a < b for a, b in zip(sat, sat[1:])), sat
    assert sat[-1] - sat[0] > 0.4


def test_energy_adds_strokes_and_sharpness():
    def edge_energy(image):
        # Averaging 2 x 2 blocks first keeps the grain out of the measure: only strokes and edges count.
        g = np.asarray(image.convert("L").reduce(2), dtype=np.float32)
        return float(np.abs(np.diff(g, axis=1)).mean())

    calm = edge_energy(paint(Profile(valence=0.5, energy=0.1, acousticness=0.2), size=256, seed=0))
    intense = edge_energy(paint(Profile(valence=0.5, energy=0.95, acousticness=0.2), size=256, seed=0))
    assert intense > 2 * calm


def test_pictures_have_structure_not_noise():
    image = np.asarray(paint(Profile(valence=0.7, energy=0.7), size=256, seed=0).convert("L"), dtype=np.float32)
    small = np.asarray(Image.fromarray(image.astype(np.uint8)).resize((32, 32), Image.Resampling.BOX), dtype=np.float32)
    # Large-scale structure survives downsampling (noise would average to flat grey) ...
    assert small.std() > 6.0
    # ... and neighbouring pixels are strongly correlated.
    assert np.corrcoef(image[:, :-1].ravel(), image[:, 1:].ravel())[0, 1] > 0.6


def test_backend_interface():
    backend = get_backend("painter")
    image = backend.render(profile=Profile(), prompt="anything", size=64, seed=0)
    assert image.size == (64, 64)
    with pytest.raises(ConfigError, match="needs profile"):
        backend.render(prompt="a red sky")
    with pytest.raises(ConfigError, match="does not take audio embeddings"):
        backend.render(profile=Profile(), embeddings=np.zeros((1, 77, 2048)))
    with pytest.raises(ConfigError, match="unknown backend"):
        get_backend("dalle")
    with pytest.raises(ConfigError, match="takes no model option"):
        get_backend("painter", model="/weights/sdxl")
