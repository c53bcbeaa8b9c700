"""The ``tiny`` configuration: random tiny models and a small generated corpus, for tests and the notebook.

Nothing here is downloaded. The CLAP tower is the size transformers' own tests use (two Swin stages of width
16 and 32), fed 2-second clips at CLAP's 48 kHz; the text encoders are the sdxl helper's tiny SDXL text
encoders (:mod:`a2i.render.tiny`), so targets go through the same ``encode_prompt`` as real training. The
corpus is the project's synthesizer (:mod:`a2i.synth`) playing pieces in several moods, each with the
template prompts :mod:`a2i.prompts` writes for its profile.
"""

from __future__ import annotations

from a2i.model.encoder import EncoderConfig

#: A tiny non-fusion HTSAT (TINY_MODELS.md): hidden = patch_embeds_hidden_size × 2^(stages-1) = 32.
TINY_CLAP_AUDIO = {
    "patch_size": 2, "num_mel_bins": 16, "window_size": 4, "hidden_size": 32, "patch_stride": 2,
    "projection_dim": 32, "depths": [2, 2], "num_attention_heads": [2, 2], "intermediate_size": 37,
    "spec_size": 64, "freq_ratio": 2, "patch_embeds_hidden_size": 16, "hidden_dropout_prob": 0.0,
    "attention_probs_dropout_prob": 0.0, "drop_path_rate": 0.0,
}

#: CLAP's real 48 kHz front end with 16 mel bins and 2-second clips (201 frames ≤ the tiny tower's 256).
TINY_FEATURE_EXTRACTOR = {
    "feature_size": 16, "sampling_rate": 48_000, "hop_length": 480, "max_length_s": 2, "fft_window_size": 1024,
    "frequency_max": 14_000, "truncation": "rand_trunc",
}

#: The tiny SDXL text encoders' widths: 32 + 32 per token, 32 pooled (TINY_MODELS.md).
TINY_TOKEN_DIM, TINY_POOLED_DIM = 64, 32


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
