"""Step 4: ten visual prompts per track, from an LLM or the offline templates.

The thesis asked ChatGPT for ten two-sentence image prompts per song from its Spotify description. Here the
generators of :mod:`a2i.prompts` do the writing: ``"llm"`` talks to any OpenAI-compatible endpoint (OpenAI,
vLLM, llama.cpp server, Ollama) through the official client; ``"template"`` needs nothing external.

Each track's prompts are written to ``<prompts_dir>/<track_id>.json`` (atomically) as soon as they are
validated, so a killed run resumes where it stopped and never pays twice for a track. A fixed number of
tracks are in flight at once (the endpoint's rate limit decides what is polite). The run ends with a token
and cost summary.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from a2i.dataset import schema
from a2i.dataset.concurrency import run_parallel
from a2i.dataset.storage import TEMP_SUFFIX, atomic_write_json, read_csv, read_json, write_csv
from a2i.errors import A2IError, ConfigError, DatasetError, PromptError
from a2i.prompts import DEFAULT_N
from a2i.seeding import picture_seed, track_seed

#: US$ per million tokens (input, output) for gpt-4o-mini, the thesis-era default; pass your model's prices.
DEFAULT_PRICES = (0.15, 0.60)
MAX_PROMPT_CHARS = 600
DONE, FAILED = "done", "failed"


@dataclass
class PromptReport:
    """What one run did, and what it cost."""

    written: int = 0
    already: int = 0
    failed: int = 0
    usage: dict[str, int] = field(default_factory=dict)
    cost_usd: float | None = None
    failures: dict[str, str] = field(default_factory=dict)

    def summary(self) -> str:
        text = f"{self.written} tracks prompted, {self.already} already done, {self.failed} failed"
        if self.usage.get("requests"):
            text += (f"; {self.usage['requests']} requests, {self.usage.get('prompt_tokens', 0)} prompt + "
                     f"{self.usage.get('completion_tokens', 0)} completion tokens")
            if self.cost_usd is not None:
                text += f", about ${self.cost_usd:.4f}"
        for track_id, reason in list(self.failures.items())[:5]:
            text += f"\n  failed {track_id}: {reason}"
        return text


def validate_prompts(prompts: Any, n: int) -> list[str]:
    """Check an answer is ``n`` distinct, non-empty, single-line prompts of sensible length; return them stripped.

    Raises
    ------
    PromptError
        Naming what is wrong, so the failure record says why.
    """
    if not isinstance(prompts, (list, tuple)) or not all(isinstance(p, str) for p in prompts):
        raise PromptError(f"expected a list of {n} strings, got {type(prompts).__name__}")
    cleaned = [" ".join(p.split()) for p in prompts]
    if len(cleaned) != n:
        raise PromptError(f"expected {n} prompts, got {len(cleaned)}")
    if any(not p for p in cleaned):
        raise PromptError("an empty prompt")
    too_long = [p for p in cleaned if len(p) > MAX_PROMPT_CHARS]
    if too_long:
        raise PromptError(f"a prompt longer than {MAX_PROMPT_CHARS} characters: {too_long[0][:60]}...")
    if len({p.casefold() for p in cleaned}) != n:
        raise PromptError("repeated prompts")
    return cleaned


def row_profile(row: Mapping[str, Any]):
    """A :class:`a2i.mood.Profile` from a table row in track-list or final (``spotify_*``) names."""
    from a2i.mood import Profile

    def get(name: str):
        value = row.get(f"spotify_{name}", row.get(name))
        return None if value is None or (isinstance(value, float) and value != value) else value

    data = {name: get(name) for name in ("valence", "energy", "danceability", "acousticness", "instrumentalness",
                                         "liveness", "speechiness", "tempo", "key", "mode", "loudness")}
    artists = schema.load_list(get("artists"))
    data.update(title=get("track_name"), artist=", ".join(map(str, artists)) or None, genre=get("genre"))
    for name in ("key", "mode"):
        if data[name] is not None:
            data[name] = int(data[name])
    return Profile.from_dict(data)


class PromptWriter:
    """Writes and resumes per-track prompt files with one shared generator.

    Parameters
    ----------
    prompts_dir : path
        Folder of the per-track JSON files.
    generator : str or object
        ``"template"``, ``"llm"``, or any object with ``generate(profile, n=, seed=)``.
    n : int
        Prompts per track (default: the writers' own :data:`a2i.prompts.DEFAULT_N`).
    attempts : int
        Generations tried per track before it is recorded as failed (an LLM answer can fail validation).
    generator_options : dict
        Passed to :func:`a2i.prompts.get_generator` (e.g. ``model``, ``base_url``, ``api_key``).
    """

    def __init__(self, prompts_dir: str | os.PathLike, *, generator: Any = "template", n: int = DEFAULT_N,
                 seed: int = 0, attempts: int = 2, generator_options: Mapping[str, Any] | None = None) -> None:
        if n < 1 or attempts < 1:
            raise ConfigError(f"n and attempts must be at least 1, got {n} and {attempts}")
        self.dir = Path(prompts_dir)
        self.dir.mkdir(parents=True, exist_ok=True)
        for leftover in self.dir.glob(f".*{TEMP_SUFFIX}"):
            leftover.unlink(missing_ok=True)
        self.kind = generator if isinstance(generator, str) else type(generator).__name__
        if isinstance(generator, str):
            from a2i.prompts import get_generator

            generator = get_generator(generator, **{k: v for k, v in (generator_options or {}).items()
                                                    if v is not None})
        self.generator = generator
        self.model = getattr(generator, "model", None)
        self.n, self.seed, self.attempts = n, seed, attempts

    def path(self, track_id: str) -> Path:
        return self.dir / f"{track_id}.json"

    def load(self, track_id: str) -> list[str] | None:
        """The finished prompts of a track, or None when it still has to be done."""
        path = self.path(track_id)
        if not path.exists():
            return None
        record = read_json(path)
        return record.get("prompts") if record.get("status") == DONE else None

    def write(self, track_id: str, profile) -> dict:
        """Generate, validate and store one track's prompts; a failure is recorded, not raised.

        The writer is seeded by the track (:func:`a2i.seeding.track_seed` of the run's seed and ``track_id``),
        as the planner seeds it by the song, so tracks of one mood do not write the same scenes and styles;
        a retry takes the next seed (an LLM's answer that failed validation is asked for again).
        """
        errors = []
        for attempt in range(self.attempts):
            seed = picture_seed(track_seed(self.seed, track_id), attempt)  # the track's seed + attempt, wrapping
            try:
                prompts = validate_prompts(self.generator.generate(profile, n=self.n, seed=seed), self.n)
            except A2IError as exc:  # PromptError from the generator or the validation
                errors.append(str(exc))
                continue
            record = {"track_id": track_id, "status": DONE, "prompts": prompts, "generator": self.kind,
                      "model": self.model, "seed": seed}
            atomic_write_json(self.path(track_id), record)
            return record
        record = {"track_id": track_id, "status": FAILED, "reason": "; ".join(dict.fromkeys(errors)),
                  "generator": self.kind, "model": self.model}
        atomic_write_json(self.path(track_id), record)
        return record

    def usage(self) -> dict[str, int]:
        return dict(getattr(self.generator, "usage", None) or {})


def prompt_table(df, prompts_dir: str | os.PathLike, *, workers: int = 4, progress: bool = True,
                 prices: tuple[float, float] | None = DEFAULT_PRICES, **writer_options):
    """Add ``openai_prompts`` to a table; return ``(table of the tracks with prompts, PromptReport)``.

    Tracks whose prompts failed are left out of the table (their records say why; a rerun retries them).
    """
    id_column = "spotify_track_id" if "spotify_track_id" in df.columns else "track_id"
    if id_column not in df.columns:
        raise DatasetError("the table has no spotify_track_id/track_id column; give the output of `a2i dataset merge`")
    writer = PromptWriter(prompts_dir, **writer_options)
    report = PromptReport()
    ids = df[id_column].astype(str).tolist()
    todo = [(i, track_id) for i, track_id in enumerate(ids) if writer.load(track_id) is None]
    report.already = len(ids) - len(todo)
    rows = df.to_dict("records")

    def work(item):
        i, track_id = item
        return writer.write(track_id, row_profile(rows[i]))

    for record in run_parallel(work, todo, workers=workers, total=len(todo), desc="prompts", progress=progress):
        if record["status"] == DONE:
            report.written += 1
        else:
            report.failed += 1
            report.failures[record["track_id"]] = record["reason"]
    report.usage = writer.usage()
    if prices is not None and report.usage:
        report.cost_usd = (report.usage.get("prompt_tokens", 0) * prices[0]
                           + report.usage.get("completion_tokens", 0) * prices[1]) / 1e6
    prompts = [writer.load(track_id) for track_id in ids]
    out = df.copy()
    out["openai_prompts"] = [schema.dump_list(p) if p is not None else None for p in prompts]
    out = out[out["openai_prompts"].notna()].reset_index(drop=True)
    return out, report


def prompts_csv(input_csv: str | os.PathLike, output_csv: str | os.PathLike, prompts_dir: str | os.PathLike,
                **options) -> PromptReport:
    """Step 4 on files: merged CSV -> the same table with ``openai_prompts`` (atomic), plus a usage file."""
    df = read_csv(input_csv, what="merged table", dtype={"spotify_track_id": str, "track_id": str})
    table, report = prompt_table(df, prompts_dir, **options)
    write_csv(table, output_csv)
    atomic_write_json(Path(prompts_dir) / "usage_last_run.json",
                      {"usage": report.usage, "cost_usd": report.cost_usd, "written": report.written,
                       "already": report.already, "failed": report.failed})
    return report
