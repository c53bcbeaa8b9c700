"""Argument types and option groups shared by every ``a2i`` sub-command.

Kept apart from :mod:`a2i.cli` so the sub-command packages (dataset, label, explore) can use them without
importing each other, and so the same option means the same thing, with the same spelling, everywhere.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from a2i.errors import A2IError
from a2i.seeding import MAX_SEED, check_seed
from a2i.sizes import MAX_SIDE, MIN_SIDE, check_size

# Copied from a2i.prompts.DEFAULT_N (tests/core/test_startup.py checks they agree): importing a2i.prompts
# imports NumPy, the mood analysis and the painter, which `a2i --help` must not wait for.
DEFAULT_N = 10


def positive_int(text: str) -> int:
    """An ``int`` > 0, or an argparse error naming the value."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text}")
    return value


def share(text: str) -> float:
    """A fraction in [0, 1) (a split share)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a share in [0, 1), got {text!r}") from None
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"expected a share in [0, 1), got {text}")
    return value


def number_in(low: float, high: float = float("inf")) -> Callable[[str], float]:
    """An argparse type for a number from ``low`` to ``high`` (inclusive), e.g. ``--smooth 0..1``.

    Examples
    --------
    >>> number_in(0, 2)("1.5")
    1.5
    """
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = float("nan")
        if not low <= value <= high:  # NaN fails too
            bounds = f"at least {low:g}" if high == float("inf") else f"from {low:g} to {high:g}"
            raise argparse.ArgumentTypeError(f"expected a number {bounds}, got {text!r}")
        return value

    return parse


def image_side(text: str) -> int:
    """A picture side in pixels within :data:`a2i.sizes.MIN_SIDE` .. :data:`~a2i.sizes.MAX_SIDE`."""
    try:
        return check_size(int(text))[0]
    except (ValueError, A2IError):
        raise argparse.ArgumentTypeError(f"expected a side from {MIN_SIDE} to {MAX_SIDE} pixels, got {text!r}") from None


def seed(text: str) -> int:
    """A seed every backend honours whole (see :mod:`a2i.seeding`)."""
    try:
        return check_seed(int(text))
    except (ValueError, A2IError):
        raise argparse.ArgumentTypeError(f"expected a whole number from 0 to {MAX_SEED}, got {text!r}") from None


def add_seed(parser: argparse.ArgumentParser) -> None:
    """``--seed N``: 0 to 2^64-1, every bit used (:mod:`a2i.seeding`)."""
    parser.add_argument("--seed", type=seed, default=0, metavar="N",
                        help="random seed, 0 to 2^64-1; the same seed gives the same results (default: 0)")


def add_size_and_seed(parser: argparse.ArgumentParser, *, size: int = 1024) -> None:
    """``--size N`` (bounded here, before any work) and :func:`add_seed`."""
    parser.add_argument("--size", type=image_side, default=size, metavar="N",
                        help=f"image side in pixels, {MIN_SIDE} to {MAX_SIDE} (default: {size})")
    add_seed(parser)


def add_prompt_count(parser: argparse.ArgumentParser, *, per: str = "song") -> None:
    """``--n-prompts N`` (``--n`` for short): how many prompts to write, defaulting to the writer's own count."""
    parser.add_argument("--n-prompts", "--n", dest="n_prompts", type=positive_int, default=DEFAULT_N, metavar="N",
                        help=f"prompts to write per {per} (default: {DEFAULT_N})")


def add_prompt_options(parser: argparse.ArgumentParser) -> None:
    """``--prompts template|llm``, ``--llm-model`` and ``--llm-base-url``: the prompt writer and its endpoint."""
    parser.add_argument("--prompts", choices=["template", "llm"], default="template",
                        help="prompt writer: offline templates or an OpenAI-compatible LLM (default: template)")
    parser.add_argument("--llm-model", default="gpt-4o-mini", help="LLM model name (default: gpt-4o-mini)")
    parser.add_argument("--llm-base-url", metavar="URL",
                        help="OpenAI-compatible endpoint (default: $OPENAI_BASE_URL or OpenAI's); key in $OPENAI_API_KEY")


def add_user_prompts(parser: argparse.ArgumentParser) -> None:
    """``--prompt TEXT`` (repeatable): the user's own picture texts instead of the prompt writer's."""
    parser.add_argument("--prompt", dest="user_prompts", action="append", default=[], metavar="TEXT",
                        help="your own picture text instead of the written prompts (repeatable: pictures take them in "
                             "turn); {mood}, {atmosphere}, {title}, {artist}, {genre}, {tempo}, {key}, {valence} and "
                             "{energy} are filled from each clip")


def add_variants_and_styles(parser: argparse.ArgumentParser) -> None:
    """``--variants N`` and ``--style NAME`` (repeatable): pictures per clip, and styles to force."""
    parser.add_argument("--variants", type=positive_int, default=1, metavar="N",
                        help="pictures per clip, each with its own seed and prompt (default: 1)")
    parser.add_argument("--style", dest="styles", action="append", default=[], metavar="NAME",
                        help="paint every picture in this style (repeatable: one picture per style, same composition); "
                             "default: the prompt's words choose")


def add_job_options(parser: argparse.ArgumentParser) -> None:
    """Every option of :class:`a2i.planner.Job` and the image backend, as ``generate`` and ``render`` take them."""
    from a2i.render.options import add_clips_and_backend, add_sdxl_options

    add_clips_and_backend(parser)
    add_variants_and_styles(parser)
    add_prompt_options(parser)
    add_prompt_count(parser)
    add_user_prompts(parser)
    add_size_and_seed(parser)
    add_sdxl_options(parser)


def job_options(args: argparse.Namespace) -> dict[str, Any]:
    """The :class:`a2i.planner.Job` fields from :func:`add_job_options`' flags."""
    return {"clips": args.clips, "variants": args.variants, "styles": tuple(args.styles), "prompts": args.prompts,
            "prompt_options": prompt_options(args), "n_prompts": args.n_prompts,
            "user_prompts": tuple(args.user_prompts), "size": args.size, "seed": args.seed}


def prompt_options(args: argparse.Namespace) -> dict[str, Any]:
    """The writer options :func:`a2i.prompts.get_generator` takes, from :func:`add_prompt_options`' flags."""
    return {"model": args.llm_model, "base_url": args.llm_base_url} if args.prompts == "llm" else {}
