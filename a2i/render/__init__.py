"""Image backends behind one protocol: one request in, one picture out.

A backend is a class with the :class:`Backend` attributes and methods; :func:`get_backend` finds it by name in
one registry, :data:`BACKENDS` (``name -> "module:Class"``, imported only when used, so the core never imports
torch), or in the ``a2i.backends`` entry-point group of an installed package, or among those added at run
time with :func:`register_backend`. Adding a backend is therefore one new module (its class) plus one
registry entry; the orchestrators (:mod:`a2i.pipeline`, :mod:`a2i.batch`, :mod:`a2i.video.make`) only ever
call :meth:`Backend.render_many` and read the backend's declared capabilities (:attr:`Backend.motion`: which
kind of motion ``a2i video`` gives its pictures, one of :data:`MOTIONS`; :attr:`Backend.parallel`: whether
``a2i render`` may run it in several processes); they never name a backend.

Backends sit below the planner (docs/architecture.md, "Layers"): they know nothing of songs, run folders,
prompt writers or seeds policy. They take what a :class:`Request` holds and draw it.

Examples
--------
>>> from a2i.mood import Profile
>>> painter = get_backend("painter")
>>> [image.size for image in painter.render_many([Request(seed=1, profile=Profile()), Request(seed=2, profile=Profile())],
...                                              size=32)]
[(32, 32), (32, 32)]
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from a2i.errors import ConfigError
from a2i.sizes import check_size

if TYPE_CHECKING:  # annotations only: importing a2i.render (e.g. for its CLI options) stays light
    from PIL import Image

    from a2i.audio import Audio
    from a2i.features import SignalFeatures
    from a2i.mood import Profile

#: The built-in backends, ``name -> "module:Class"``; the class is imported on first use.
BACKENDS: dict[str, str] = {
    "painter": "a2i.render:PainterBackend",
    "sdxl": "a2i.render.sdxl:SDXLBackend",
}
#: Entry-point group through which an installed package adds backends (``name = "module:Class"``).
ENTRY_POINT_GROUP = "a2i.backends"
_REGISTERED: dict[str, type] = {}

#: The kinds of motion ``a2i video`` can give a backend's pictures (:attr:`Backend.motion`), ``kind -> what it
#: needs of the backend``. The video layer has one route per kind (:data:`a2i.video.routes.MOTION_ROUTES`; a
#: test checks they match), so a new backend declares a kind here and needs no video code.
MOTIONS: dict[str, str] = {
    # Any backend: its keyframes (render_many) cross-faded, paced by the onsets, with the pulse's brightening.
    "crossfade": "render_many only",
    # Keyframes as layers drawn once and every frame composited from two of them (the painter's growth and flow).
    "layers": "scene(request, size=) -> keyframe; frame(a, b, progress, time=, pulse=, zoom=) -> uint8 (H, W, 3) "
              "array; transition(a, b, progresses, time=, thin=) -> those frames without pulse, each frame[::thin, ::thin]",
    # Every frame diffused from interpolated initial noise and conditioning (a diffusers SDXL pipeline).
    "latents": "pipe, settings, torch, conditioning(requests) as SDXLBackend has them",
}


@dataclass(frozen=True)
class Request:
    """One picture for a backend to draw: everything :meth:`Backend.render` takes except the size.

    ``style`` forces one of the backend's :attr:`Backend.styles` (``None``: the prompt decides); ``audio`` is
    the clip's waveform for a backend that ``needs_audio``; ``embeddings`` are precomputed conditioning.
    """

    seed: int
    profile: Profile | None = None
    prompt: str | None = None
    style: str | None = None
    embeddings: Any = None
    audio: Any = None
    features: SignalFeatures | None = None


@runtime_checkable
class Backend(Protocol):
    """Anything that turns a mood (profile, prompt, or audio embeddings) into pictures.

    A class implementing it also has a static ``check_size(size) -> (width, height)`` that refuses, before
    the backend loads, a size it cannot draw, and an ``__init__(**options)`` that refuses unknown options.
    """

    name: str
    #: Whether requests need the clip's waveform (``audio=``).
    needs_audio: bool
    #: Pictures drawn per call of the underlying model; the orchestrators record progress in steps of it.
    batch_size: int
    #: Style names a request may force with ``style=`` (empty: none).
    styles: tuple[str, ...]
    #: Every option in force (defaults included), as the run record keeps them.
    options: dict[str, Any]
    #: How ``a2i video`` moves between this backend's keyframes: a key of :data:`MOTIONS` ("crossfade" suits any
    #: backend). A class attribute: the video checks it before the backend loads.
    motion: str
    #: Whether ``a2i render`` may draw songs in several worker processes at once (cheap to load, CPU-bound, as
    #: the painter); ``False`` for a backend that holds large weights or a GPU per process (SDXL shards by
    #: ``accelerate launch`` instead). A class attribute: read before the backend loads.
    parallel: bool

    def render(self, *, profile: Profile | None = None, prompt: str | None = None, style: str | None = None,
               embeddings: Any = None, features: SignalFeatures | None = None, size: int | tuple[int, int] = 1024,
               seed: int = 0, audio: Any = None) -> Image.Image:
        """One RGB picture."""

    def render_many(self, requests: Sequence[Request], *, size: int | tuple[int, int] = 1024,
                    progress: Any = None) -> list[Image.Image]:
        """One RGB picture per request, in order; each equals what :meth:`render` gives for it alone.
        ``progress`` (optional) has ``update(n)``, called as pictures finish."""


def check_style(backend: Backend, style: str | None) -> None:
    """Refuse a forced ``style`` that ``backend`` cannot draw, naming the ones it can."""
    if style is not None and style not in backend.styles:
        can = f"one of {', '.join(backend.styles)}" if backend.styles else "none"
        raise ConfigError(f"style {style!r}: the {backend.name} backend draws {can}")


class PainterBackend:
    """The procedural painter (:mod:`a2i.render.painter`). It paints from the profile; the prompt's art and
    scene words, when given, choose the style and motifs; embeddings are not supported."""

    name = "painter"
    needs_audio = False
    batch_size = 1
    motion = "layers"
    parallel = True

    def __init__(self, **options: Any) -> None:
        unexpected = sorted(k for k, v in options.items() if v is not None)
        if unexpected:
            raise ConfigError(f"the painter backend takes no {', '.join(unexpected)} option; those are for --backend sdxl")

    check_size = staticmethod(check_size)

    @property
    def styles(self) -> tuple[str, ...]:
        """The painter's styles (:data:`a2i.render.painter.styles.STYLES`)."""
        from a2i.render.painter.styles import STYLES

        return tuple(STYLES)

    @property
    def options(self) -> dict[str, Any]:
        """The options in force, for the run record: the painter has none."""
        return {}

    def render(self, *, profile: Profile | None = None, prompt: str | None = None, style: str | None = None,
               embeddings: Any = None, features: SignalFeatures | None = None, size: int | tuple[int, int] = 1024,
               seed: int = 0, audio: Any = None) -> Image.Image:
        from a2i.render.painter import paint

        if profile is None:
            raise ConfigError("the painter backend needs profile=: it paints from the song's mood profile")
        if embeddings is not None:
            raise ConfigError("the painter backend does not take audio embeddings; use --backend sdxl with --encoder")
        return paint(profile, prompt=prompt, style=style, size=size, seed=seed, features=features)

    def render_many(self, requests: Sequence[Request], *, size: int | tuple[int, int] = 1024,
                    progress: Any = None) -> list[Image.Image]:
        images = []
        for r in requests:
            images.append(self.render(profile=r.profile, prompt=r.prompt, style=r.style, embeddings=r.embeddings,
                                      features=r.features, size=size, seed=r.seed))
            if progress is not None:
                progress.update(1)
        return images

    def describe(self, request: Request, *, size: int | tuple[int, int] = 1024) -> dict[str, Any]:
        """What :meth:`render` draws for ``request`` (the card's record, :mod:`a2i.render.painter.drawn`),
        without painting. A backend that can say what it drew has this method; the card then shows it."""
        from a2i.render.painter import describe

        return describe(request.profile, prompt=request.prompt, style=request.style, size=size, seed=request.seed,
                        features=request.features).to_dict()

    def scene(self, request: Request, *, size: int | tuple[int, int]) -> Any:
        """A keyframe of the video's "layers" motion: ``request``'s picture as layers, drawn once
        (:meth:`a2i.render.painter.motion.Scene.prepare`)."""
        from a2i.render.painter.motion import Scene

        if request.profile is None:
            raise ConfigError("the painter backend needs profile=: it paints from the song's mood profile")
        return Scene.prepare(request.profile, prompt=request.prompt, style=request.style, seed=request.seed, size=size,
                             features=request.features)

    def frame(self, a: Any, b: Any, progress: float, *, time: float, pulse: float = 0.0, zoom: float | None = None) -> Any:
        """The video frame between two :meth:`scene` keyframes (:func:`a2i.render.painter.motion.render_frame`)."""
        from a2i.render.painter.motion import render_frame

        return render_frame(a, b, progress, time=time, pulse=pulse, zoom=zoom)

    def transition(self, a: Any, b: Any, progress: Sequence[float], *, time: float, thin: int) -> list[Any]:
        """Frames between two :meth:`scene` keyframes at several progresses, without pulse, every ``thin``-th
        pixel of each row and column (:func:`a2i.render.painter.motion.transition_samples`): what a video measures
        a transition's pace on."""
        from a2i.render.painter.motion import transition_samples

        return transition_samples(a, b, progress, time=time, thin=thin)


def register_backend(name: str, backend: type) -> None:
    """Make ``backend`` (a class with the :class:`Backend` members) available as ``get_backend(name)`` and
    ``--backend name`` in this process. A package that ships a backend can instead declare it in the
    ``a2i.backends`` entry-point group, which needs no call."""
    if not name or not name.replace("-", "").replace("_", "").isalnum():
        raise ConfigError(f"backend name {name!r}: use letters, digits, '-' and '_'")
    _REGISTERED[name] = backend


@functools.cache
def _installed_names() -> frozenset[str]:
    """Names in the ``a2i.backends`` entry-point group (read once: scanning installed packages takes ~40 ms)."""
    from importlib import metadata  # itself ~40 ms to import: only when a backend is looked up

    return frozenset(ep.name for ep in metadata.entry_points(group=ENTRY_POINT_GROUP))


def backend_names() -> list[str]:
    """Every backend :func:`get_backend` can build, built-in ones first."""
    extra = sorted(set(_REGISTERED) | _installed_names())
    return list(BACKENDS) + [n for n in extra if n not in BACKENDS]


def backend_class(name: str) -> type:
    """The class registered under ``name`` (imported now), or a :class:`~a2i.errors.ConfigError`."""
    if name in _REGISTERED:
        return _REGISTERED[name]
    if name in BACKENDS:
        module, _, attr = BACKENDS[name].partition(":")
        return getattr(importlib.import_module(module), attr)
    from importlib import metadata

    for ep in metadata.entry_points(group=ENTRY_POINT_GROUP, name=name):
        return ep.load()
    raise ConfigError(f"unknown backend {name!r}; use one of {', '.join(backend_names())}")


def check_motion(name: str) -> str:
    """The kind of motion (a key of :data:`MOTIONS`) ``name``'s backend declares, checked before it loads."""
    motion = backend_class(name).motion
    if motion not in MOTIONS:
        raise ConfigError(f"the {name} backend declares motion {motion!r}; a backend's motion is one of {', '.join(MOTIONS)}")
    return motion


def check_backend_size(name: str, size: int | tuple[int, int]) -> tuple[int, int]:
    """``(width, height)`` if ``name``'s backend can draw that size (SDXL: multiples of 8), before it loads."""
    return backend_class(name).check_size(size)


def get_backend(name: str = "painter", **options: Any) -> Backend:
    """An image backend by name, built with its options. ``"painter"`` takes no options; ``"sdxl"`` takes the
    fields of :class:`a2i.render.sdxl.SDXLSettings` (``model``, ``encoder``, ``steps``, ``guidance``, ...)."""
    return backend_class(name)(**options)


def clip_audio(song: Audio, clip: Any) -> Audio:
    """The part of a decoded song a clip covers (``clip.start`` to ``clip.end`` seconds), for ``audio=``."""
    from a2i.audio import Audio

    first, last = int(round(clip.start * song.sr)), int(round(clip.end * song.sr))
    return Audio(song.samples[first:last], song.sr, song.path)
