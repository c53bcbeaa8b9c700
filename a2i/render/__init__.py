"""Image backends behind one call: ``get_backend(name).render(profile=..., prompt=..., embeddings=..., ...)``.

The painter (CPU, no weights) is the default; the SDXL backend (:mod:`a2i.render.sdxl`) has the same
signature and is looked up lazily so the core never imports torch. A backend that reads the music itself
(SDXL with an audio encoder) says so with ``needs_audio`` and is then given each clip's waveform (``audio=``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from a2i.errors import ConfigError

if TYPE_CHECKING:  # annotations only: importing a2i.render (e.g. for its CLI options) stays light
    from PIL import Image

    from a2i.audio import Audio
    from a2i.features import SignalFeatures
    from a2i.mood import Profile


class Backend(Protocol):
    """Anything that turns a mood (profile, prompt or audio embeddings) into a picture."""

    name: str
    #: Whether :meth:`render` needs the clip's waveform (``audio=``).
    needs_audio: bool
    #: Every option in force (defaults included), as the run record keeps them.
    options: dict[str, Any]

    def render(self, *, profile: Profile | None = None, prompt: str | None = None, embeddings: Any = None,
               features: SignalFeatures | None = None, size: int | tuple[int, int] = 1024, seed: int = 0,
               audio: Any = None) -> Image.Image:
        """One RGB picture."""


class PainterBackend:
    """The procedural painter (:mod:`a2i.render.painter`). It paints from the profile; the prompt's art and
    scene words, when given, choose the style and motifs; embeddings are not supported."""

    name = "painter"
    needs_audio = False

    @property
    def options(self) -> dict[str, Any]:
        """The options in force, for the run record: the painter has none."""
        return {}

    def render(self, *, profile: Profile | None = None, prompt: str | None = None, embeddings: Any = None,
               features: SignalFeatures | None = None, size: int | tuple[int, int] = 1024, seed: int = 0,
               audio: Any = None) -> Image.Image:
        from a2i.render.painter import paint

        if profile is None:
            raise ConfigError("the painter backend needs profile=: it paints from the song's mood profile")
        if embeddings is not None:
            raise ConfigError("the painter backend does not take audio embeddings; use --backend sdxl with --encoder")
        return paint(profile, prompt=prompt, size=size, seed=seed, features=features)

    def describe(self, *, profile: Profile, prompt: str | None = None, features: SignalFeatures | None = None,
                 size: int | tuple[int, int] = 1024, seed: int = 0) -> dict[str, Any]:
        """What :meth:`render` draws for these arguments (the card's record), without painting."""
        from a2i.render.painter import describe

        return describe(profile, prompt=prompt, size=size, seed=seed, features=features).to_dict()


def check_backend_size(name: str, size: int | tuple[int, int]) -> tuple[int, int]:
    """``(width, height)`` if ``name``'s backend can draw that size (SDXL: multiples of 8), before it loads."""
    from a2i.sizes import check_size

    if name == "sdxl":
        from a2i.render.sdxl import check_sdxl_size

        return check_sdxl_size(size)
    return check_size(size)


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


def clip_audio(song: Audio, clip: Any) -> Audio:
    """The part of a decoded song a clip covers (``clip.start`` to ``clip.end`` seconds), for ``audio=``."""
    from a2i.audio import Audio

    first, last = int(round(clip.start * song.sr)), int(round(clip.end * song.sr))
    return Audio(song.samples[first:last], song.sr, song.path)
