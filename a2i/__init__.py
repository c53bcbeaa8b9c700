"""a2i: music-to-image synthesis.

A song goes in; a mood profile, visual prompts and pictures whose mood matches the music come out.
The core (``a2i.audio``, ``a2i.mood``, ``a2i.prompts``, ``a2i.render.painter``, ``a2i.cli``) imports no
torch, so the main job runs on a laptop with no GPU and no downloads.
"""

from a2i.errors import A2IError

__version__ = "0.1.0"
__all__ = ["A2IError", "__version__"]
