"""Image backends behind one call: ``get_backend(name).render(profile=..., prompt=..., embeddings=..., ...)``.

The painter (CPU, no weights) is the default; an SDXL backend plugs in with the same signature and is
looked up lazily so the core never imports torch.
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
               features: SignalFeatures | None = None, size: int | tuple[int, int] = 1024, seed: int = 0) -> Image.Image:
        """One RGB picture."""


class PainterBackend:
    """The procedural painter (:mod:`a2i.render.painter`). It paints from the profile; the prompt's art and
    scene words, when given, choose the style and motifs; embeddings are not supported."""

    name = "painter"

    def render(self, *, profile: Profile | None = None, prompt: str | None = None, embeddings: Any = None,
               features: SignalFeatures | None = None, size: int | tuple[int, int] = 1024, seed: int = 0) -> Image.Image:
        from a2i.render.painter import paint

        if profile is None:
            raise ConfigError("the painter backend needs profile=: it paints from the song's mood profile")
        if embeddings is not None:
            raise ConfigError("the painter backend does not take audio embeddings; use --backend sdxl with --encoder")
        return paint(profile, prompt=prompt, size=size, seed=seed, features=features)


def get_backend(name: str = "painter", **options: Any) -> Backend:
    """An image backend by name. ``"painter"`` takes no options; ``"sdxl"`` takes ``model`` and ``encoder``."""
    if name == "painter":
        unexpected = sorted(k for k, v in options.items() if v is not None)
        if unexpected:
            raise ConfigError(f"the painter backend takes no {', '.join(unexpected)} option; those are for --backend sdxl")
        return PainterBackend()
    if name == "sdxl":
        try:
            from a2i.render.sdxl import SDXLBackend
        except ModuleNotFoundError as exc:
            if exc.name and exc.name.startswith("a2i"):
                raise ConfigError("the sdxl backend is not part of this build yet; use --backend painter") from exc
            raise
        return SDXLBackend(**options)
    raise ConfigError(f"unknown backend {name!r}; use 'painter' or 'sdxl'")
