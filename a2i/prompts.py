"""From a mood profile to visual image prompts.

Two writers behind one interface (:class:`PromptGenerator`): an offline grammar that needs nothing
(:class:`TemplatePromptGenerator`, the default, deterministic for a seed) and any OpenAI-compatible chat
model through the official ``openai`` client (:class:`LLMPromptGenerator`), as the thesis did with ChatGPT.
Both return ``n`` distinct two-sentence prompts describing a picture whose mood, emotion and atmosphere
match the song, each in a different artistic style.

The template writer shares its style vocabulary and its colour words with the procedural painter
(:mod:`a2i.render.painter.vocabulary`, :mod:`a2i.render.painter.palette`): the style a prompt names is the
style the painter paints, and the palette it describes is the one the picture is painted in. The LLM's free
text is matched to the nearest painter style by keywords (with the fallback documented there).

Examples
--------
>>> from a2i.mood import Profile
>>> prompts = get_generator("template").generate(Profile(valence=0.9, energy=0.8), n=3, seed=1)
>>> len(prompts), all(p.count(".") >= 2 for p in prompts)
(3, True)
"""

from __future__ import annotations

import os
import random
import re
import threading
import time
import urllib.parse
from typing import Any, Protocol

from a2i.errors import ConfigError, PromptError
from a2i.mood import Profile
from a2i.render.painter.palette import colour_words
from a2i.render.painter.styles import STYLES

DEFAULT_N = 10


class PromptGenerator(Protocol):
    def generate(self, profile: Profile, n: int = DEFAULT_N, seed: int = 0) -> list[str]:
        """``n`` distinct two-sentence visual prompts for ``profile``."""


def _check_n(n: int) -> None:
    if not isinstance(n, int) or n < 1:
        raise ConfigError(f"n must be a positive number of prompts, got {n!r}")


def mood_words(profile: Profile) -> tuple[str, str]:
    """An (emotion, atmosphere) pair from the valence x energy plane (Russell's circumplex, 3 x 3 cells)."""
    v = 0 if profile.valence < 0.35 else 2 if profile.valence > 0.65 else 1
    e = 0 if profile.energy < 0.35 else 2 if profile.energy > 0.65 else 1
    table = {
        (0, 0): ("melancholy", "hushed and lonely"), (1, 0): ("quiet contemplation", "still and misty"),
        (2, 0): ("serene contentment", "soft and peaceful"), (0, 1): ("wistful longing", "brooding and bittersweet"),
        (1, 1): ("reflective calm", "dreamlike and balanced"), (2, 1): ("warm tenderness", "gentle and glowing"),
        (0, 2): ("restless anger", "stormy and tense"), (1, 2): ("driving urgency", "electric and restless"),
        (2, 2): ("exuberant joy", "radiant and euphoric"),
    }
    return table[(v, e)]


def describe_profile(profile: Profile) -> str:
    """The song as words, for an LLM or a caption: title, genre, the emotional reading, tempo and key."""
    emotion, atmosphere = mood_words(profile)
    parts = []
    if profile.title:
        parts.append(f'"{profile.title}"' + (f" by {profile.artist}" if profile.artist else ""))
    if profile.genre:
        parts.append(f"genre: {profile.genre}")
    parts.append(
        f"valence {profile.valence:.2f} (0 sad .. 1 happy), energy {profile.energy:.2f} (0 calm .. 1 intense), "
        f"danceability {profile.danceability:.2f}, acousticness {profile.acousticness:.2f}, "
        f"instrumentalness {profile.instrumentalness:.2f}"
    )
    parts.append(f"{'tempo ' if profile.tempo > 0 else ''}{profile.tempo_text}, {profile.key_name}")
    parts.append(f"overall feeling: {emotion}, {atmosphere}")
    return "; ".join(parts)


# --- the offline grammar -------------------------------------------------------------------------------

# Scenes per emotional cell: low/mid/high valence x low/mid/high energy.
_SCENES = {
    (0, 0): ("a lone lighthouse in a fog-bound bay", "an empty train platform at dusk in the rain", "a bare tree on a frozen lake",
             "a dim room with a single candle by a rain-streaked window", "a deserted pier stretching into grey water"),
    (1, 0): ("a quiet library lit by a green lamp", "mist drifting over a mountain lake at dawn", "a sleeping city seen from a rooftop",
             "a field of tall grass under an overcast sky", "a slow river winding through reeds"),
    (2, 0): ("a sunlit meadow with drifting dandelion seeds", "a hammock between palms on a calm shore",
             "a cottage garden in soft morning light", "a pastel sky over gentle hills", "a cat asleep on a sunny windowsill"),
    (0, 1): ("a figure walking alone down a neon-wet street", "autumn leaves swirling through an abandoned park",
             "an old ship creaking through a moonlit swell", "a city skyline fading into evening smog", "a deserted carnival at twilight"),
    (1, 1): ("a winding road through rolling hills at golden hour", "a night train crossing a bridge of lights",
             "a lantern-lit market street", "clouds racing over a coastal cliff", "a dancer rehearsing in an empty hall"),
    (2, 1): ("friends sharing a picnic in a blooming orchard", "a kite festival over green dunes", "a bicycle ride along a sunflower field",
             "a seaside town with colourful houses", "paper lanterns rising over a lake at sunset"),
    (0, 2): ("lightning splitting a black sky over jagged cliffs", "a burning forest under a blood-red moon",
             "waves smashing against a storm-lashed sea wall", "a crowd surging through smoke and sirens",
             "a collapsing tower of glass and steel"),
    (1, 2): ("a motorcycle racing through a tunnel of light", "a thunderstorm rolling over a prairie",
             "a sprinter exploding off the starting blocks", "a futuristic city at rush hour", "a waterfall crashing into a canyon"),
    (2, 2): ("a carnival parade bursting with confetti", "fireworks over a festival crowd with raised hands",
             "surfers riding turquoise waves under a blazing sun", "a rooftop dance party at sunrise",
             "a hot-air balloon fiesta in a bright sky"),
}


def _textures(profile: Profile) -> tuple[str, ...]:
    if profile.acousticness > 0.6:
        return ("organic brushwork and natural textures", "grainy paper and hand-made marks", "soft film grain and weathered wood tones")
    if profile.danceability > 0.65:
        return ("rhythmic repeating patterns and pulsing light", "bold geometric shapes that seem to move",
                "strobing highlights and layered reflections")
    if profile.energy > 0.65:
        return ("sharp, dynamic strokes and dramatic contrast", "jagged shapes and streaks of motion blur", "explosive splashes of paint")
    return ("smooth gradients and soft edges", "delicate glazes of colour", "hazy depth and quiet negative space")


def _lights(profile: Profile) -> tuple[str, ...]:
    if profile.valence < 0.35:
        return ("cold moonlight", "the last grey light of evening", "a faint, distant glow")
    if profile.valence > 0.65:
        return ("warm golden sunlight", "dazzling midday light", "sparkling festival lights")
    return ("soft diffused light", "the amber light of late afternoon", "lantern light through haze")


_SECOND = (
    "A {palette} with {texture} conveys {emotion} in a {atmosphere} atmosphere.",
    "Bathed in {light}, its {palette} and {texture} feel {atmosphere}, full of {emotion}.",
    "The mood is {emotion}: {light}, {texture} and a {palette}, {atmosphere}.",
    "Under {light}, a {palette} and {texture} make the scene feel {atmosphere}.",
)


def _tempo_phrase(tempo: float) -> str:
    return ("frozen in stillness" if tempo < 75 else "in an unhurried sway" if tempo < 105
            else "alive with motion" if tempo < 135 else "caught mid-rush")


def style_phrases(profile: Profile, seed: int) -> list[tuple[str, str]]:
    """Every (painter style, art phrase) of the shared vocabulary, in the order a song's prompts use them.

    The styles come round-robin in an order shuffled by the seed and the song (so variant ``i`` of every song
    is not the same style, and a song's first nine prompts are nine different styles); a style's second
    phrase follows only after every style had its first.
    """
    rng = random.Random(f"{seed}|{profile.title}|{profile.valence:.4f}|{profile.energy:.4f}|{profile.tempo:.1f}")
    names = rng.sample(list(STYLES), len(STYLES))
    depth = max(len(spec.phrases) for spec in STYLES.values())
    return [(name, STYLES[name].phrases[k]) for k in range(depth) for name in names if k < len(STYLES[name].phrases)]


class TemplatePromptGenerator:
    """Offline prompt writer: a grammar over the painter's style vocabulary, scenes chosen by mood, the
    painter's own palette in words (:mod:`a2i.render.painter.palette`) and textures.

    Deterministic for a seed and a profile; every prompt differs in style and scene, and the painter paints
    the style the prompt names.
    """

    def generate(self, profile: Profile, n: int = DEFAULT_N, seed: int = 0) -> list[str]:
        _check_n(n)
        rng = random.Random(seed)
        v = 0 if profile.valence < 0.35 else 2 if profile.valence > 0.65 else 1
        e = 0 if profile.energy < 0.35 else 2 if profile.energy > 0.65 else 1
        # Scenes of the song's own cell first, then its neighbours, so even n=30 stays on mood.
        cells = sorted(_SCENES, key=lambda c: (abs(c[0] - v) + abs(c[1] - e), c))
        scenes = [s for c in cells for s in rng.sample(_SCENES[c], len(_SCENES[c]))]
        styles = [phrase for _, phrase in style_phrases(profile, seed)]
        emotion, atmosphere = mood_words(profile)
        genre = f", inspired by {profile.genre} music" if profile.genre else ""
        textures, lights = _textures(profile), _lights(profile)
        palette = colour_words(profile)
        prompts: list[str] = []
        for i in range(n):
            style = styles[i % len(styles)]
            scene = scenes[i % len(scenes)]
            sentence1 = f"{style[0].upper()}{style[1:]} of {scene}, {_tempo_phrase(profile.tempo)}{genre}."
            light = lights[rng.randrange(len(lights))]
            sentence2 = _SECOND[i % len(_SECOND)].format(
                palette=palette, texture=textures[rng.randrange(len(textures))], emotion=emotion,
                atmosphere=atmosphere, light=light,
            )
            if i >= len(styles):
                sentence1 = sentence1[:-1] + f", variation {i // len(styles) + 1}."
            prompts.append(f"{sentence1} {sentence2}")
        return prompts


# --- the LLM writer ------------------------------------------------------------------------------------

SYSTEM_PROMPT = (
    "You write prompts for a text-to-image model. Given a description of a piece of music, you imagine "
    "pictures whose mood, emotion and atmosphere match the music. Each prompt is exactly two sentences: the "
    "first names an artistic style and a concrete scene, the second describes colour, light and atmosphere. "
    "Vary the styles. Answer with one prompt per line and nothing else."
)

_NUMBERING = re.compile(r"^\s*(?:\d+\s*[.):-]|[-*\u2022])\s*")


def parse_prompt_lines(text: str, n: int) -> list[str]:
    """Clean an LLM answer into exactly ``n`` prompts, or raise :class:`PromptError` saying what was wrong.

    Strips numbering ("1.", "2)", "-", bullets) and quotes, drops empty lines and duplicates.

    Examples
    --------
    >>> parse_prompt_lines('1. "A red sky. Calm sea."\\n\\n2) A blue room. Quiet light.', 2)
    ['A red sky. Calm sea.', 'A blue room. Quiet light.']
    """
    seen: set[str] = set()
    lines = []
    for raw in text.splitlines():
        line = _NUMBERING.sub("", raw).strip().strip('"\u201c\u201d').strip()
        if line and line.lower() not in seen:
            seen.add(line.lower())
            lines.append(line)
    if len(lines) < n:
        raise PromptError(f"the model returned {len(lines)} usable prompt line(s), {n} were asked for")
    return lines[:n]


class LLMPromptGenerator:
    """Prompts from any OpenAI-compatible chat endpoint, validated and retried.

    Parameters
    ----------
    model : str
        Chat model name.
    base_url : str, optional
        Endpoint; defaults to ``$OPENAI_BASE_URL`` or OpenAI's.
    api_key : str, optional
        Defaults to ``$OPENAI_API_KEY``; a :class:`PromptError` says so when neither is set.
    max_retries : int
        Attempts after the first, on connection errors, rate limits, server errors and invalid answers,
        with exponential backoff (``backoff * 2**attempt`` seconds).
    timeout : float
        Seconds per request.
    temperature : float
        Sampling temperature.
    """

    def __init__(self, model: str = "gpt-4o-mini", base_url: str | None = None, api_key: str | None = None,
                 max_retries: int = 4, timeout: float = 60.0, backoff: float = 1.0, temperature: float = 1.0) -> None:
        base_url = check_base_url(base_url, what="--llm-base-url") or check_base_url(
            os.environ.get("OPENAI_BASE_URL") or None, what="$OPENAI_BASE_URL")
        api_key = api_key or os.environ.get("OPENAI_API_KEY")
        if not api_key:
            raise PromptError("OPENAI_API_KEY is not set: set it to your key for the endpoint (export OPENAI_API_KEY=...), "
                              "or use the offline --prompts template")
        if max_retries < 0:
            raise ConfigError(f"max_retries must be >= 0, got {max_retries}")
        import openai

        self._openai = openai
        self.client = openai.OpenAI(api_key=api_key, base_url=base_url, timeout=timeout, max_retries=0)
        self.model, self.max_retries, self.backoff, self.temperature = model, max_retries, backoff, temperature
        self._lock = threading.Lock()
        self.usage = {"requests": 0, "prompt_tokens": 0, "completion_tokens": 0}

    def _record(self, response: Any) -> None:
        with self._lock:
            self.usage["requests"] += 1
            if getattr(response, "usage", None) is not None:
                self.usage["prompt_tokens"] += int(response.usage.prompt_tokens or 0)
                self.usage["completion_tokens"] += int(response.usage.completion_tokens or 0)

    def generate(self, profile: Profile, n: int = DEFAULT_N, seed: int = 0) -> list[str]:
        _check_n(n)
        openai = self._openai
        messages = [
            {"role": "system", "content": SYSTEM_PROMPT},
            {"role": "user", "content": f"Music: {describe_profile(profile)}.\nWrite {n} distinct prompts, one per line."},
        ]
        retryable = (openai.APIConnectionError, openai.APITimeoutError, openai.RateLimitError, openai.InternalServerError, PromptError)
        last: Exception | None = None
        for attempt in range(self.max_retries + 1):
            try:
                response = self.client.chat.completions.create(
                    model=self.model, messages=messages, temperature=self.temperature, seed=seed
                )
                self._record(response)
                content = response.choices[0].message.content if response.choices else None
                return parse_prompt_lines(content or "", n)
            except openai.AuthenticationError as exc:
                raise PromptError(f"the LLM endpoint refused the API key ({exc.status_code}); check OPENAI_API_KEY") from exc
            except openai.NotFoundError as exc:
                raise PromptError(f"model {self.model!r} or the endpoint was not found (404); "
                                  f"check --llm-model and --llm-base-url") from exc
            except retryable as exc:
                last = exc
                unreachable = isinstance(exc, (openai.APIConnectionError, openai.APITimeoutError))
                if unreachable and attempt >= CONNECTION_RETRIES:
                    break
                if attempt < self.max_retries:
                    time.sleep(self.backoff * 2**attempt)
            except openai.APIStatusError as exc:
                raise PromptError(f"the LLM endpoint answered HTTP {exc.status_code}: {exc.message}") from exc
        if isinstance(last, (openai.APIConnectionError, openai.APITimeoutError)):
            raise PromptError(f"cannot reach the LLM endpoint {self.client.base_url} ({last}); check --llm-base-url "
                              f"(or $OPENAI_BASE_URL) and the network, or use the offline --prompts template") from last
        raise PromptError(f"no valid answer from the LLM after {self.max_retries + 1} attempt(s): {last}") from last


#: Retries after a failed connection: an endpoint that refused or did not answer twice is down or mistyped,
#: and retrying it for the full budget (about 20 s) only delays the message that says so.
CONNECTION_RETRIES = 1


def check_base_url(url: str | None, *, what: str) -> str | None:
    """Refuse, before any request, an endpoint that is not an http(s) URL, naming it.

    Examples
    --------
    >>> check_base_url("http://localhost:8000/v1", what="--llm-base-url")
    'http://localhost:8000/v1'
    >>> check_base_url("notaurl", what="--llm-base-url")
    Traceback (most recent call last):
    ...
    a2i.errors.ConfigError: --llm-base-url 'notaurl': not an http(s) URL; give the endpoint's address, e.g. http://localhost:8000/v1
    """
    if url is None:
        return None
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"{what} {url!r}: not an http(s) URL; give the endpoint's address, e.g. http://localhost:8000/v1")
    return url


def get_generator(kind: str = "template", **options: Any) -> PromptGenerator:
    """A prompt writer by name: ``"template"`` (offline) or ``"llm"`` (options go to :class:`LLMPromptGenerator`)."""
    if kind == "template":
        return TemplatePromptGenerator()
    if kind == "llm":
        return LLMPromptGenerator(**{k: v for k, v in options.items() if v is not None})
    raise ConfigError(f"unknown prompt generator {kind!r}; use 'template' or 'llm'")
