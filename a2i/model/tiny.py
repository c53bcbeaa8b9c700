"""The ``tiny`` configuration: random tiny models and a small generated corpus, for tests and the notebook.

Nothing here is downloaded. The CLAP tower is the size transformers' own tests use (two Swin stages of width
16 and 32), fed 2-second clips at CLAP's 48 kHz; the text encoders are the sdxl helper's tiny SDXL text
encoders (:mod:`a2i.render.tiny`), so targets go through the same ``encode_prompt`` as real training. The
corpus is the project's synthesizer (:mod:`a2i.synth`) playing pieces in several moods, each with the
template prompts :mod:`a2i.prompts` writes for its profile.
"""

from __future__ import annotations

import os
from pathlib import Path

from a2i.model.encoder import EncoderConfig
from a2i.render.tiny import POOLED_WIDTH, TEXT_WIDTH
from a2i.synth import MAJOR, MINOR, PieceSpec, render

#: A tiny non-fusion HTSAT (transformers' test sizes, with 4 × 4 patches: 16 × 16 patch tokens keep a step
#: fast on a CPU); hidden = patch_embeds_hidden_size × 2^(stages-1) = 32.
TINY_CLAP_AUDIO = {
    "patch_size": 4, "num_mel_bins": 16, "window_size": 4, "hidden_size": 32, "patch_stride": 4,
    "projection_dim": 32, "depths": [2, 2], "num_attention_heads": [2, 2], "intermediate_size": 37,
    "spec_size": 64, "freq_ratio": 2, "patch_embeds_hidden_size": 16, "hidden_dropout_prob": 0.0,
    "attention_probs_dropout_prob": 0.0, "drop_path_rate": 0.0,
}

#: CLAP's real 48 kHz front end with 16 mel bins and 2-second clips (201 frames ≤ the tiny tower's 256).
TINY_FEATURE_EXTRACTOR = {
    "feature_size": 16, "sampling_rate": 48_000, "hop_length": 480, "max_length_s": 2, "fft_window_size": 1024,
    "frequency_max": 14_000, "truncation": "rand_trunc",
}

#: The widths the tiny SDXL pipeline (:mod:`a2i.render.tiny`) conditions on: its two text encoders'
#: token states concatenated, and text_encoder_2's pooled embedding.
TINY_TOKEN_DIM, TINY_POOLED_DIM = 2 * TEXT_WIDTH, POOLED_WIDTH


def tiny_encoder_config(**overrides) -> EncoderConfig:
    """The tiny :class:`EncoderConfig`: random tiny CLAP, a 2-layer resampler of width 32.

    Examples
    --------
    >>> tiny_encoder_config().token_dim
    64
    """
    values = dict(clap=None, clap_audio_config=dict(TINY_CLAP_AUDIO),
                  feature_extractor_config=dict(TINY_FEATURE_EXTRACTOR), token_dim=TINY_TOKEN_DIM,
                  pooled_dim=TINY_POOLED_DIM, width=32, depth=2, heads=2, tower="full")
    values.update(overrides)
    return EncoderConfig(**values)


#: Moods of the tiny corpus: (name, valence, energy), spread over the valence-energy plane.
TINY_MOODS: tuple[tuple[str, float, float], ...] = (
    ("gloomy", 0.15, 0.2), ("furious", 0.15, 0.85), ("wistful", 0.45, 0.35),
    ("serene", 0.85, 0.2), ("upbeat", 0.8, 0.65), ("euphoric", 0.9, 0.95),
)


def mood_piece(name: str, valence: float, energy: float, variant: int) -> PieceSpec:
    """A synthesizer piece that plays a mood: energy sets tempo, drums, loudness and note density; valence
    the mode (major above 0.5), harmony and brightness. ``variant`` moves the key, so renders differ."""
    major = valence >= 0.5
    progression = ((0, "maj"), (5, "maj"), (7, "maj"), (9, "min")) if major else \
        ((0, "min"), (8, "maj"), (5, "min"), (7, "min"))
    return PieceSpec(
        title=f"{name.title()} No. {variant + 1}", tempo=60.0 + 110.0 * energy, tonic=55 + (variant * 5) % 12,
        progression=progression, scale=MAJOR if major else MINOR, brightness=0.1 + 0.8 * valence,
        drums=max(0.0, 1.3 * energy - 0.3), level_db=-28.0 + 18.0 * energy, melody_density=0.5 + 2.0 * energy,
        genre=name,
    )


def write_tiny_corpus(folder: str | os.PathLike, *, per_mood: int = 4, seconds: float = 6.0, n_prompts: int = 5,
                      progress: bool = False) -> Path:
    """Render the tiny corpus and its final ``dataset.csv`` (schema of :mod:`a2i.dataset.schema`).

    Every mood of :data:`TINY_MOODS` is played ``per_mood`` times (other key, other seed); the last render
    of each mood is the validation split, so validation songs are unheard but their moods are known. Each
    track gets ``n_prompts`` template prompts (:class:`a2i.prompts.TemplatePromptGenerator`) written for its
    mood. Already-written files are reused.
    """
    import pandas as pd
    from tqdm.auto import tqdm

    from a2i.audio import write
    from a2i.dataset.schema import dump_list, to_final
    from a2i.dataset.storage import write_csv
    from a2i.mood import Profile
    from a2i.prompts import TemplatePromptGenerator, mood_words
    from a2i.seeding import track_seed

    folder = Path(folder)
    csv = folder / "dataset.csv"
    if csv.is_file():
        return csv
    rows = []
    writer = TemplatePromptGenerator()
    jobs = [(m, v) for m in range(len(TINY_MOODS)) for v in range(per_mood)]
    for m, variant in tqdm(jobs, desc="tiny corpus", disable=not progress):
        name, valence, energy = TINY_MOODS[m]
        spec = mood_piece(name, valence, energy, variant)
        track_id = f"tiny-{name}-{variant}"
        path = folder / "audio" / f"{track_id}.flac"
        if not path.is_file():
            write(path, render(spec, seconds=seconds, seed=1000 * m + variant))
        profile = Profile(valence=valence, energy=energy, tempo=spec.tempo, mode=int(valence >= 0.5), genre=name)
        # The tiny tokenizer spends one token per character, so only the first ~75 characters reach the text
        # encoders: the mood words go first, the template prompt (style, scene) after them.
        lead = ", ".join(mood_words(profile))
        prompts = [f"{lead}. {p}" for p in writer.generate(profile, n=n_prompts, seed=track_seed(0, track_id))]
        rows.append({
            "spotify_track_id": track_id, "spotify_track_name": spec.title, "spotify_artists": dump_list(["a2i synthesizer"]),
            "spotify_genre": name, "spotify_valence": valence, "spotify_energy": energy, "spotify_tempo": spec.tempo,
            "spotify_mode": int(valence >= 0.5), "path_audio_full": f"audio/{track_id}.flac",
            "openai_prompts": dump_list(prompts),
            "train_stratify_key": name, "train_split": "valid" if variant == per_mood - 1 else "train",
        })
    write_csv(to_final(pd.DataFrame(rows)), csv)
    return csv
