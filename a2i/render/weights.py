"""Loading SDXL weights from a local folder or the Hugging Face cache, with one clear error when they are absent.

Shared by the image backend (:mod:`a2i.render.sdxl`) and by the text-only loader the audio encoder uses for
its training targets (:func:`a2i.render.conditioning.load_text_encoders`), so both accept the same
``--model PATH_OR_ID`` and fail the same way.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from a2i.errors import RenderError, require

#: The weights the thesis used; shown in the "how to get them" message.
SDXL_BASE_ID = "stabilityai/stable-diffusion-xl-base-1.0"


def missing_weights_message(model: str) -> str:
    """Why ``model`` could not be loaded and how to get the weights (one line for the CLI)."""
    offline = os.environ.get("HF_HUB_OFFLINE", "").lower() in ("1", "true", "yes", "on")
    where = "is not a folder and is not in the Hugging Face cache"
    where += " (HF_HUB_OFFLINE is set, so nothing is downloaded)" if offline else ""
    return (f"--model {model}: SDXL weights not found: {model!r} {where}; get them once with "
            f"`hf download {SDXL_BASE_ID}` (pass --model {SDXL_BASE_ID}) or `hf download {SDXL_BASE_ID} --local-dir DIR` "
            f"(pass --model DIR), or point --model at a folder written by save_pretrained")


@contextlib.contextmanager
def _quiet_loading() -> Iterator[None]:
    """Loading a few files takes seconds: diffusers' and transformers' per-file bars would only clutter the
    command's own progress bar and its one-line errors, so they are off while loading (and restored after)."""
    from diffusers.utils import logging as diffusers_logging
    from transformers.utils import logging as transformers_logging

    states = [(lib, lib.is_progress_bar_enabled()) for lib in (diffusers_logging, transformers_logging)]
    for lib, _ in states:
        lib.disable_progress_bar()
    try:
        yield
    finally:
        for lib, enabled in states:
            if enabled:
                lib.enable_progress_bar()


def from_pretrained(pipeline_class: Any, model: str | os.PathLike[str], **kwargs: Any) -> Any:
    """``pipeline_class.from_pretrained(model, **kwargs)``, turning "not found" into :class:`~a2i.errors.RenderError`.

    A path that exists must be a diffusers folder (``model_index.json``); anything else is treated as a hub id
    and resolved through the cache (downloaded only when the environment allows it).
    """
    require("diffusers", "sdxl")
    model = str(model)
    path = Path(model).expanduser()
    if path.exists():
        if not (path / "model_index.json").is_file():
            raise RenderError(f"--model {model}: no model_index.json in this folder; pass a diffusers SDXL folder "
                              f"(one written by save_pretrained, or `hf download {SDXL_BASE_ID} --local-dir DIR`)")
        model = str(path)
    elif model.count("/") != 1 or model.startswith((".", "/", "~")):
        raise RenderError(missing_weights_message(model))
    try:
        with _quiet_loading():
            return pipeline_class.from_pretrained(model, **kwargs)
    except OSError as exc:  # huggingface_hub's LocalEntryNotFoundError / RepositoryNotFoundError are OSErrors
        if path.exists():
            raise RenderError(f"--model {model}: could not load the SDXL folder: {exc}") from exc
        raise RenderError(missing_weights_message(model)) from exc
