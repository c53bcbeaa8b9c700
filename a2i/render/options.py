"""Image-backend command-line options shared by ``a2i generate`` and ``a2i render`` (the SDXL group among them).

Imports only argparse and the backend registry (the ``a2i`` command must start fast without torch). The choices live here, once;
:mod:`a2i.render.sdxl` validates against the same tuples. Every option defaults to ``None`` so that the
painter backend can refuse SDXL options a user gave by mistake, and the backend's own defaults
(:class:`a2i.render.sdxl.SDXLSettings`) apply to the rest.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from typing import Any

from a2i.render import BACKENDS, backend_names

#: ``--scheduler`` names -> diffusers scheduler classes; "default" keeps the one saved with the weights
#: (SDXL 1.0 ships EulerDiscreteScheduler).
SCHEDULERS: dict[str, str | None] = {
    "default": None,
    "euler": "EulerDiscreteScheduler",
    "euler-a": "EulerAncestralDiscreteScheduler",
    "dpm++": "DPMSolverMultistepScheduler",
    "ddim": "DDIMScheduler",
}
DEVICES = ("auto", "cuda", "mps", "cpu")
#: "auto" is fp16 on a GPU (SDXL's published half-precision use) and fp32 on the CPU.
DTYPES = ("auto", "fp32", "fp16", "bf16")
#: "painter": the procedural painter's picture of the clip is the init image of SDXL img2img.
INITS = ("none", "painter")
#: argparse destinations, which are SDXLSettings' field names in its order (tests/sdxl checks they match; the
#: settings are not imported here because that module loads the backend's dependencies).
_FIELDS = ("model", "encoder", "text", "text_weight", "negative", "init", "strength", "steps", "guidance", "scheduler",
           "device", "dtype", "batch_size", "attention_slicing", "vae_slicing", "vae_tiling", "cpu_offload")


def _number(kind: type) -> Any:
    def parse(text: str) -> Any:
        try:
            return kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None

    parse.__name__ = kind.__name__
    return parse


class _BackendChoices:
    """:func:`a2i.render.backend_names` for ``--backend``'s ``choices``, read when argparse first checks a value
    or prints the option's help: finding installed backends scans every package's entry points (~40 ms), which
    the commands that do not ask for a backend, and ``a2i --help``, need not wait for."""

    def __contains__(self, name: object) -> bool:
        return name in backend_names()

    def __iter__(self) -> Iterator[str]:
        return iter(backend_names())


def add_clips_and_backend(parser: argparse.ArgumentParser) -> None:
    """``--clips center|all`` and ``--backend painter|sdxl``: which clips get pictures, and from what."""
    parser.add_argument("--clips", choices=["center", "all"], default="center",
                        help="paint the centre clip only, or every 10-second clip (default: center)")
    add_backend(parser)


def add_backend(parser: argparse.ArgumentParser) -> None:
    """``--backend NAME``: any backend of the registry (:func:`a2i.render.backend_names`)."""
    # The metavar names the built-in backends: argparse would otherwise list the choices as the parser is
    # built, which is the scan the lazy choices avoid; a value is still checked against every installed one.
    parser.add_argument("--backend", choices=_BackendChoices(), default="painter", metavar="{" + ",".join(BACKENDS) + "}",
                        help="image backend (default: painter, CPU, no weights; sdxl needs a GPU and --model)")


def add_sdxl_options(parser: argparse.ArgumentParser) -> None:
    """The ``Stable Diffusion XL (--backend sdxl)`` argument group; ranges are checked by the backend, up front."""
    group = parser.add_argument_group("Stable Diffusion XL (--backend sdxl)")
    group.add_argument("--model", metavar="PATH_OR_ID",
                       help="diffusers SDXL folder, or a Hugging Face id already in the cache "
                            "(e.g. stabilityai/stable-diffusion-xl-base-1.0)")
    group.add_argument("--encoder", metavar="DIR",
                       help="trained audio-encoder folder: condition on the music itself (route b), or with --text a blend (c)")
    group.add_argument("--text", metavar="TEXT",
                       help="text instead of the profile's prompts (route a), or blended with the audio with --encoder")
    group.add_argument("--text-weight", type=_number(float), metavar="W",
                       help="share of --text in the blend with the audio, 0..1 (default: 0.5)")
    group.add_argument("--negative", metavar="TEXT", help="negative prompt (default: none, zero embeddings)")
    group.add_argument("--init", choices=INITS,
                       help="painter: start SDXL img2img from the procedural painter's picture of the clip (default: none)")
    group.add_argument("--strength", type=_number(float), metavar="S",
                       help="with --init painter: how much SDXL redraws, in (0, 1] (default: 0.6)")
    group.add_argument("--steps", type=_number(int), metavar="N", help="denoising steps (default: 30)")
    group.add_argument("--guidance", type=_number(float), metavar="G",
                       help="classifier-free guidance scale, 1..30; 1 turns it off (default: 5.0)")
    group.add_argument("--scheduler", choices=tuple(SCHEDULERS), help="sampler (default: the model's own)")
    group.add_argument("--device", choices=DEVICES, help="where to run (default: auto: cuda, then mps, then cpu)")
    group.add_argument("--dtype", choices=DTYPES, help="precision (default: auto: fp16 on a GPU, fp32 on the CPU)")
    group.add_argument("--batch-size", type=_number(int), metavar="N", help="pictures per denoising batch (default: 1)")
    group.add_argument("--attention-slicing", action="store_true", default=None, help="compute attention in slices (less memory)")
    group.add_argument("--vae-slicing", action="store_true", default=None, help="decode a batch one picture at a time")
    group.add_argument("--vae-tiling", action="store_true", default=None, help="decode in tiles (large sizes in less memory)")
    group.add_argument("--cpu-offload", action="store_true", default=None,
                       help="keep each model part on the CPU until it runs (CUDA; least GPU memory)")


def sdxl_options(args: argparse.Namespace) -> dict[str, Any]:
    """The backend options :func:`a2i.render.get_backend` takes, from :func:`add_sdxl_options`' flags."""
    return {name: getattr(args, name) for name in _FIELDS}
