"""From a mood profile to visual image prompts.

Two writers behind one interface (:class:`PromptGenerator`): an offline grammar that needs nothing
(:class:`TemplatePromptGenerator`, the default, deterministic for a seed) and any OpenAI-compatible chat
model through the official ``openai`` client (:class:`LLMPromptGenerator`), as the thesis did with ChatGPT.
Both return ``n`` distinct two-sentence prompts describing a picture whose mood, emotion and atmosphere
match the song, each in a different artistic style.

The template writer shares its vocabulary with the procedural painter: its scenes name only subjects the
painter's scene grammar draws (:mod:`a2i.render.painter.scene.subjects`), and its style phrases, mood bins and
colour words come from the vocabulary both share (:mod:`a2i.vocabulary`: named colours the painter paints), so
what a template prompt says is what the picture shows. Free text
(an LLM's or the user's) is read by the same parser (:mod:`a2i.render.painter.text`), which reports what it
cannot draw.

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
from a2i.seeding import api_seed
from a2i.vocabulary import MOOD_BINS, STYLE_WORDS, colour_words, mood_cell

DEFAULT_N = 10


class PromptGenerator(Protocol):
    def generate(self, profile: Profile, n: int = DEFAULT_N, seed: int = 0) -> list[str]:
        """``n`` distinct two-sentence visual prompts for ``profile``.

        ``seed`` is the song's seed (:func:`a2i.seeding.song_seed`, which the planner passes), not the user's:
        it alone, with the clip's index, decides what is chosen at random, so the profile's numbers decide only
        what the words say (:mod:`a2i.seeding` says why).
        """


def _check_n(n: int) -> None:
    if not isinstance(n, int) or n < 1:
        raise ConfigError(f"n must be a positive number of prompts, got {n!r}")


def mood_words(profile: Profile) -> tuple[str, str]:
    """An (emotion, atmosphere) pair from the valence x energy plane (Russell's circumplex, 3 x 3 cells)."""
    table = {
        (0, 0): ("melancholy", "hushed and lonely"), (1, 0): ("quiet contemplation", "still and misty"),
        (2, 0): ("serene contentment", "soft and peaceful"), (0, 1): ("wistful longing", "brooding and bittersweet"),
        (1, 1): ("reflective calm", "dreamlike and balanced"), (2, 1): ("warm tenderness", "gentle and glowing"),
        (0, 2): ("restless anger", "stormy and tense"), (1, 2): ("driving urgency", "electric and restless"),
        (2, 2): ("exuberant joy", "radiant and euphoric"),
    }
    return table[mood_cell(profile.valence, profile.energy)]


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

# Scenes the painter can draw: every noun in them is a subject of the scene grammar
# (:mod:`a2i.render.painter.scene.subjects`); ``{n}`` is a count word. Mood-free, so a song's clips can walk
# through all of them; the mood enters through the time, weather, light and colour words around them.
SCENES: tuple[str, ...] = (
    "a lighthouse on a rocky shore above the sea",
    "{n} boats on a wide bay",
    "a lone figure on a beach watching the waves",
    "a city skyline across a river",
    "a street with lights leading into the city",
    "a road winding through rolling hills",
    "a single tree in a meadow of flowers",
    "mountains above a still lake",
    "a forest of pines around a lake",
    "desert dunes under a wide sky",
    "a bridge over a river in the city",
    "a window of a quiet room looking over the hills",
    "a bonfire on a hillside with {n} figures",
    "fireworks over a crowd",
    "birds over the sea",
    "a river through a forest below the mountains",
    "a crowd in a city street",
    "{n} trees on a hill",
    "a figure walking down a long road",
    "a boat on a lake below the mountains",
    "clouds over a field of flowers",
    "a lighthouse and {n} boats at sea",
    "a city skyline above the sea",
    "desert dunes and a lone figure",
    "a window looking out on the sea",
    "a bridge across a river between hills",
    "birds over the mountains",
    "a meadow of flowers below the mountains",
    "a road into the city",
    "a forest by the sea",
    "a single tree on the shore of a lake",
    "two figures on a bridge",
    "a crowd around a bonfire",
    "boats in a harbour below the city",
    "a figure at a window above the street",
    "fireworks over the city and the river",
    "{n} figures on a road through the dunes",
    "a lighthouse above a bay with birds",
    "a snowy forest below the mountains",
    "a street of lights in the rain",
)
COUNT_WORDS = ("two", "three", "four", "five")
# Time and weather by mood cell (valence, energy): sad scenes at night or in fog and rain, calm ones at dawn
# or dusk, happy ones by day; intense ones in storms (Palmer et al. 2013: sadder music, darker colours). No
# happy or energetic mid cell paints a night: a night picture is dark whatever its colours (round 6), so a
# euphoric song painted "at night under the stars" was darker than a sad one's dusk.
_WHEN = {  # (phrase, the time of day it paints: its light words follow)
    (0, 0): (('at night under the moon', 'night'), ('in fog at dusk', 'dusk'), ('in falling snow at night', 'night')),
    (0, 1): (('at night in the rain', 'night'), ('at dusk under heavy clouds', 'dusk'), ('under a pale moon', 'night')),
    (0, 2): (('in a storm at night', 'night'), ('under lightning and driving rain', 'night'), ('in a storm at dusk', 'dusk')),
    (1, 0): (('at dawn in the mist', 'dawn'), ('at dusk', 'dusk'), ('under a pale moon', 'night')),
    (1, 1): (('at dusk', 'dusk'), ('at dawn under drifting clouds', 'dawn'), ('at sunset', 'dusk')),
    (1, 2): (('in a storm', 'dusk'), ('at dusk under racing clouds', 'dusk'), ('at sunset under a burning sky', 'dusk')),
    (2, 0): (('on a sunny morning', 'day'), ('at dawn', 'dawn'), ('under a soft sun', 'day')),
    (2, 1): (('on a sunny afternoon', 'day'), ('at sunset', 'dusk'), ('under a bright sun', 'day')),
    (2, 2): (('under a blazing sun', 'day'), ('at midday', 'day'), ('in the glare of noon', 'day')),
}
_LIGHT = {"night": "cold moonlight", "dusk": "the last light of evening", "dawn": "pale dawn light", "day": "warm sunlight"}


def _textures(profile: Profile) -> tuple[str, ...]:
    if profile.acousticness > MOOD_BINS[1] - 0.05:
        return ("organic brushwork and natural textures", "grainy paper and hand-made marks", "soft film grain and weathered tones")
    if profile.danceability > MOOD_BINS[1]:
        return ("rhythmic repeating patterns and pulsing light", "bold geometric shapes that seem to move",
                "strobing highlights and layered reflections")
    if profile.energy > MOOD_BINS[1]:
        return ("sharp, dynamic strokes and dramatic contrast", "jagged shapes and streaks of motion", "explosive splashes of paint")
    return ("smooth gradients and soft edges", "delicate glazes of colour", "hazy depth and quiet negative space")


_SECOND = (
    "A {palette} with {texture} conveys {emotion} in a {atmosphere} atmosphere.",
    "Bathed in {light}, its {palette} and {texture} feel {atmosphere}, full of {emotion}.",
    "The mood is {emotion}: {light}, {texture} and a {palette}, {atmosphere}.",
    "Under {light}, a {palette} and {texture} make the scene feel {atmosphere}.",
)


def _tempo_phrase(tempo: float) -> str:
    return ("held in stillness" if tempo < 75 else "in an unhurried sway" if tempo < 105
            else "alive with motion" if tempo < 135 else "in a headlong rush")


def style_phrases(seed: int) -> list[tuple[str, str]]:
    """Every (painter style, art phrase) of the shared vocabulary, in the order a song's prompts use them.

    The styles come round-robin in an order shuffled by the song's seed (so variant ``i`` of every song is not
    the same style, a song's first nine prompts are nine different styles, and so are the first pictures of
    nine neighbouring clips, which take prompts ``c mod n``); a style's second phrase follows only after every
    style had its first. The profile's numbers do not enter: a tempo read 0.1 BPM apart is the same song.

    Examples
    --------
    >>> len({name for name, _ in style_phrases(7)[:9]})
    9
    """
    rng = random.Random(f"styles|{seed}")
    names = rng.sample(list(STYLE_WORDS), len(STYLE_WORDS))
    depth = max(len(words.phrases) for words in STYLE_WORDS.values())
    return [(name, STYLE_WORDS[name].phrases[k]) for k in range(depth) for name in names
            if k < len(STYLE_WORDS[name].phrases)]


def scene_order(seed: int) -> list[int]:
    """The song's walk through :data:`SCENES`: a permutation drawn from the song's seed, which all of its clips
    share (the planner passes :func:`a2i.seeding.song_seed`, so two songs walk differently at one ``--seed``,
    tagged or not)."""
    return random.Random(f"scenes|{seed}").sample(range(len(SCENES)), len(SCENES))


def palette_offset(seed: int) -> int:
    """Where the song starts its walk through its mood cell's colour pairs (:data:`a2i.vocabulary.COLOUR_PAIRS`),
    from the song's seed like :func:`scene_order`: without it, every song of one mood cell would paint clip
    ``c`` in the same two colours."""
    return random.Random(f"colours|{seed}").randrange(PALETTE_WALK)


PALETTE_WALK = 1000  # offsets into the pairs' cycle (any number much larger than a cell's pairs spreads them evenly)


def scene_slot(clip: int, i: int, n: int) -> int:
    """Where prompt ``i`` of clip ``clip`` (of ``n`` per clip) stands in the song's walk through the scenes.

    A run paints variant ``k`` of clip ``c`` with prompt ``(c + k) mod n`` (:func:`a2i.planner.clip_prompts`),
    so ``k = (i - c) mod n`` and the slot is ``c + k * (len(SCENES) // n)``: the first pictures of a song's
    clips walk through every scene before one repeats (``len(SCENES)`` clips), and a clip's variants are
    spread over the walk too.

    Examples
    --------
    >>> len({scene_slot(c, c % 10, 10) for c in range(len(SCENES))}) == len(SCENES)
    True
    """
    return (clip + ((i - clip) % n) * max(1, len(SCENES) // n)) % len(SCENES)


class TemplatePromptGenerator:
    """Offline prompt writer: drawable scenes, the painter's style vocabulary, and time, weather, light and
    named colours chosen by mood.

    Every noun of a template prompt is a subject the painter draws, so its card never lists anything as not
    drawn. What is drawn at random (scenes, styles, colour offset, count words, times of day, textures) comes
    from ``seed`` (the song's, :func:`a2i.seeding.song_seed`) and the clip's index alone; the profile decides
    the words that carry the music (mood cell, mood words, tempo band, texture family), and its title and
    artist enter nothing. A clip's prompts (``profile.index`` for a
    :class:`~a2i.mood.ClipProfile`) take their own run of the song's scene walk (:func:`scene_slot`), so the
    scenes of a song do not repeat until all of them have been used.
    """

    def generate(self, profile: Profile, n: int = DEFAULT_N, seed: int = 0) -> list[str]:
        _check_n(n)
        rng = random.Random(f"{seed}|{getattr(profile, 'index', 0)}")
        cell = mood_cell(profile.valence, profile.energy)
        order = scene_order(seed)
        palettes = palette_offset(seed)
        styles = [phrase for _, phrase in style_phrases(seed)]
        emotion, atmosphere = mood_words(profile)
        textures = _textures(profile)
        clip = int(getattr(profile, "index", 0))
        prompts: list[str] = []
        for i in range(n):
            style = styles[i % len(styles)]
            scene = SCENES[order[scene_slot(clip, i, n)]].format(n=COUNT_WORDS[rng.randrange(len(COUNT_WORDS))])
            when, time = _WHEN[cell][rng.randrange(len(_WHEN[cell]))]
            sentence1 = f"{style[0].upper()}{style[1:]} of {scene} {when}, {_tempo_phrase(profile.tempo)}."
            sentence2 = _SECOND[i % len(_SECOND)].format(
                palette=colour_words(profile, palettes + clip + i), texture=textures[rng.randrange(len(textures))], emotion=emotion,
                atmosphere=atmosphere, light=_LIGHT[time],
            )
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
                    model=self.model, messages=messages, temperature=self.temperature, seed=api_seed(seed)
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
