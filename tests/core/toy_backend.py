"""A whole image backend in one module: what a new backend needs, and nothing more.

It paints a flat colour from the mood (red from valence, green from energy) with a blue channel from the
picture's seed, so a test can tell from every pixel that it got the right request. Registered by name with
:func:`a2i.render.register_backend` (an installed package would use the ``a2i.backends`` entry point instead).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PIL import Image

from a2i.errors import ConfigError
from a2i.render import Request, check_style, register_backend
from a2i.sizes import check_size


def expected_colour(valence: float, energy: float, seed: int, style: str | None = None) -> tuple[int, int, int]:
    """The toy's colour for a request (the "flat" style halves the blue)."""
    blue = seed % 256
    return round(255 * valence), round(255 * energy), blue // 2 if style == "flat" else blue


class ToyBackend:
    name = "toy"
    needs_audio = False
    batch_size = 2
    styles = ("flat",)
    motion = "crossfade"  # `a2i video` cross-fades its keyframes (a2i.render.MOTIONS)
    parallel = True  # cheap to build: `a2i render --workers N` may run it in N processes
    check_size = staticmethod(check_size)

    def __init__(self, **options: Any) -> None:
        given = sorted(k for k, v in options.items() if v is not None)
        if given:
            raise ConfigError(f"the toy backend takes no {', '.join(given)} option")

    @property
    def options(self) -> dict[str, Any]:
        return {"colour": "flat"}

    def render(self, *, profile=None, prompt=None, style=None, embeddings=None, features=None, size=1024, seed=0,
               audio=None) -> Image.Image:  # noqa: ANN001 - the Backend protocol's signature
        check_style(self, style)
        return Image.new("RGB", check_size(size), expected_colour(profile.valence, profile.energy, seed, style))

    def render_many(self, requests: Sequence[Request], *, size=1024, progress=None) -> list[Image.Image]:  # noqa: ANN001
        return [self.render(profile=r.profile, style=r.style, size=size, seed=r.seed) for r in requests]


register_backend("toy", ToyBackend)
