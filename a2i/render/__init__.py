"""Image backends behind one call: ``get_backend(name).render(profile=..., prompt=..., embeddings=..., ...)``.

The painter (CPU, no weights) is the default; the SDXL backend (:mod:`a2i.render.sdxl`) has the same
signature and is looked up lazily so the core never imports torch. A backend that reads the music itself
(SDXL with an audio encoder) says so with ``needs_audio`` and is then given each clip's waveform (``audio=``).
"""

from __future__ import annotations

from typing import Any, Protocol

from PIL import Image

from a2i.errors import ConfigError
from a2i.features import SignalFeatures
from a2i.mood import Profile


class Backend(Protocol):
    """Anything that turns a mood (profile, prompt or audio embeddings) into a picture."""

    name: str

    def render(self, *, profile: Profile | None = None, prompt: str | None = None, embeddings: Any = None,
               features: SignalFeatures | None = None, size: int | tuple[int, int] = 1024, seed: int = 0,
               audio: Any = None) -> Image.Image:
        """One RGB picture."""


class PainterBackend:
    """The procedural painter (:mod:`a2i.render.painter`). It paints from the profile; the prompt's art and
    scene words, when given, choose the style and motifs; embeddings are not supported."""

    name = "painter"
    needs_audio = False
    options: dict[str, Any] = {}

    def render(self, *, profile: Profile | None = None, prompt: str | None = None, embeddings: Any = None,
               features: SignalFeatures | None = None, size: int | tuple[int, int] = 1024, seed: int = 0,
               audio: Any = None) -> Image.Image:
        from a2i.render.painter import paint

        if profile is None:
            raise ConfigError("the painter backend needs profile=: it paints from the song's mood profile")
        if embeddings is not None:
            raise ConfigError("the painter backend does not take audio embeddings; use --backend sdxl with --encoder")
        return paint(profile, prompt=prompt, size=size, seed=seed, features=features)


def get_backend(name: str = "painter", **options: Any) -> Backend:
    """An image backend by name. ``"painter"`` takes no options; ``"sdxl"`` takes the fields of
    :class:`a2i.render.sdxl.SDXLSettings` (``model``, ``encoder``, ``steps``, ``guidance``, ...)."""
    if name == "painter":
        unexpected = sorted(k for k, v in options.items() if v is not None)
        if unexpected:
            raise ConfigError(f"the painter backend takes no {', '.join(unexpected)} option; those are for --backend sdxl")
        return PainterBackend()
    if name == "sdxl":
        from a2i.errors import require

        require("diffusers", "sdxl")
        from a2i.render.sdxl import SDXLBackend

        return SDXLBackend(**options)
    raise ConfigError(f"unknown backend {name!r}; use 'painter' or 'sdxl'")
