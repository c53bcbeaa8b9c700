"""One vocabulary of styles and scene motifs, shared by the prompt writer and the painter.

The template prompt writer (:mod:`a2i.prompts`) names each picture's style with one of a style's
``phrases``; the painter reads the prompt back and paints that style, so the info card and the picture agree.
Free text (``--prompts llm``) is matched to the nearest style by keywords: every style's keywords and phrases
are counted in the lower-cased prompt (a whole phrase counts 3, a keyword 1) and the highest score wins, ties
going to the earlier style in :data:`STYLES`. **Fallback:** a prompt with no style word at all (or no prompt)
gets ``DEFAULT_MIX[seed % len(DEFAULT_MIX)]``, so a song's variants (seeds ``seed + i``) still cycle through
the styles.

Scene words are read by :mod:`a2i.render.painter.text` (every style draws every subject of the scene grammar).

Examples
--------
>>> style_for_prompt("A stained-glass window of clouds racing over a coastal cliff.")
'glass'
>>> choose_style("Something with no art words at all.", seed=1) == DEFAULT_MIX[1]
True
"""

from __future__ import annotations

import re

from a2i.render.painter.styles import STYLES

DEFAULT_MIX: tuple[str, ...] = tuple(STYLES)
PHRASE_WEIGHT = 3  # a whole phrase of the writer's vocabulary outweighs any stray keyword

def _count(text: str, word: str) -> int:
    return len(re.findall(r"\b" + re.escape(word), text))


def style_for_prompt(prompt: str | None) -> str | None:
    """The style a prompt names, or ``None`` when it names none."""
    if not prompt:
        return None
    text = prompt.lower()
    scores = {name: PHRASE_WEIGHT * sum(_count(text, p.lower().split(" ", 1)[1]) for p in spec.phrases)
              + sum(_count(text, k) for k in spec.keywords) for name, spec in STYLES.items()}
    best = max(scores, key=lambda name: scores[name])
    return best if scores[best] > 0 else None


def choose_style(prompt: str | None, seed: int) -> str:
    """The prompt's style, or the default mix's style for this seed (the documented fallback)."""
    return style_for_prompt(prompt) or DEFAULT_MIX[int(seed) % len(DEFAULT_MIX)]
