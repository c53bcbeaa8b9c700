"""Build a study folder from ``a2i generate`` outputs.

Each output folder of ``a2i generate`` (``*.png``, ``profile.json``, ``prompts.json``) becomes one item: the
centre clip of its song is the audio, and the grid mixes some of its own pictures with pictures generated
for other songs, the design of the thesis's study. Info cards (``*card*.png``) are not study images.
"""

from __future__ import annotations

import json
import random
import re
import shutil
from pathlib import Path
from typing import Any

from a2i.errors import ConfigError
from a2i.labeling.manifest import MANIFEST_NAME, load_study

#: Shown on tutorial tasks, after the participant answers.
TUTORIAL_EXPLANATION = {
    "en": "Listen to the clip, then choose the pictures whose mood fits the music. There is no right answer: "
          "we want your impression. After you submit, the pictures that were painted from this very song "
          "are highlighted.",
    "da": "Lyt til klippet, og vælg de billeder, hvis stemning passer til musikken. Der er ikke noget rigtigt "
          "svar: vi vil gerne have dit indtryk. Når du har sendt dit svar, fremhæves de billeder, der blev "
          "malet ud fra netop denne sang.",
}


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "song"


def _song_audio(folder: Path, profile: dict[str, Any]) -> Path:
    """The song a generate output came from: an audio file in the folder, else profile.json's ``path``."""
    from a2i.audio import AUDIO_EXTENSIONS

    local = sorted(p for p in folder.iterdir() if p.suffix.lower() in AUDIO_EXTENSIONS)
    if local:
        return local[0]
    song = profile.get("song") if isinstance(profile.get("song"), dict) else {}
    for candidate in (profile.get("path"), song.get("path")):
        if isinstance(candidate, str):
            for path in (Path(candidate), folder / candidate):
                if path.is_file():
                    return path
    raise ConfigError(f"{folder}: cannot find the song's audio; profile.json has no readable 'path' and the "
                      f"folder holds no audio file. Copy the song into {folder} and run again.")


def _read_output(folder: Path) -> tuple[dict[str, Any], list[Path]]:
    if not folder.is_dir():
        raise ConfigError(f"{folder} is not a folder; pass the --out folders of `a2i generate`")
    profile_path = folder / "profile.json"
    if not profile_path.is_file():
        raise ConfigError(f"{folder} has no profile.json; is it an `a2i generate` output folder?")
    try:
        profile = json.loads(profile_path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{profile_path} is not valid JSON: {exc}") from exc
    images = sorted(p for p in folder.glob("*.png") if "card" not in p.stem.lower())
    if not images:
        raise ConfigError(f"{folder} holds no pictures (*.png); run `a2i generate` into it first")
    return profile if isinstance(profile, dict) else {}, images


def make_study(
    outputs: list[str | Path],
    out: str | Path,
    *,
    images_per_task: int = 12,
    own_per_task: int = 4,
    tutorial: int = 1,
    participants_per_item: int = 5,
    tasks_per_participant: int | None = None,
    min_select: int = 1,
    max_select: int = 4,
    clip_seconds: float = 10.0,
    seed: int = 0,
    title: str | None = None,
) -> Path:
    """Write ``out/study.json``, ``out/audio/*.wav`` and ``out/images/*.png`` from generate outputs.

    Parameters
    ----------
    outputs : list of paths
        ``a2i generate`` output folders, one per song.
    out : path
        The study folder to create (must be empty or absent).
    images_per_task, own_per_task : int
        Grid size, and how many of those images come from the clip's own song (fewer when the song has
        fewer pictures); the rest are drawn from the other songs.
    tutorial : int
        How many songs become tutorial items (with an explanation) instead of labeling items.
    tasks_per_participant : int or None
        Labeling items per participant; ``None`` gives every participant every item.
    title : str or None
        The site's title in both languages; ``None`` keeps the translated default.

    Returns
    -------
    Path
        The manifest written, already validated with :func:`~a2i.labeling.manifest.load_study`.
    """
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        raise ConfigError(f"--out {out} is not empty; choose a new folder for the study")
    if len(outputs) < 2:
        raise ConfigError("make-study needs at least two generate output folders (songs) so each grid can "
                          "mix a song's own pictures with others")
    if not 0 <= tutorial < len(outputs):
        raise ConfigError(f"--tutorial {tutorial} must leave at least one song for labeling "
                          f"(got {len(outputs)} songs)")
    if not 1 <= min_select <= max_select <= images_per_task:
        raise ConfigError(f"need 1 <= --min-select ({min_select}) <= --max-select ({max_select}) <= "
                          f"--images ({images_per_task})")
    rng = random.Random(seed)
    songs = []
    for folder in map(Path, outputs):
        profile, images = _read_output(folder)
        song_info = profile.get("song") if isinstance(profile.get("song"), dict) else {}
        name = profile.get("title") or song_info.get("title") or folder.name
        songs.append({"folder": folder, "profile": profile, "images": images, "name": str(name),
                      "slug": _slug(folder.name)})
    if len({s["slug"] for s in songs}) != len(songs):
        raise ConfigError("two output folders have the same name; rename them so each song has its own id")
    total = sum(len(s["images"]) for s in songs)
    if total < images_per_task:
        raise ConfigError(f"only {total} pictures in all outputs, fewer than --images {images_per_task}")

    try:
        return _write_study(out, songs, rng, images_per_task=images_per_task, own_per_task=own_per_task,
                            tutorial=tutorial, participants_per_item=participants_per_item,
                            tasks_per_participant=tasks_per_participant, min_select=min_select,
                            max_select=max_select, clip_seconds=clip_seconds, title=title)
    except BaseException:
        shutil.rmtree(out, ignore_errors=True)  # no half-written study left to trip the next run
        raise


def _write_study(out: Path, songs: list[dict[str, Any]], rng: random.Random, *, images_per_task: int,
                 own_per_task: int, tutorial: int, participants_per_item: int, tasks_per_participant: int | None,
                 min_select: int, max_select: int, clip_seconds: float, title: str | None) -> Path:
    from a2i.audio import load, split_clips, write

    (out / "audio").mkdir(parents=True, exist_ok=True)
    (out / "images").mkdir(parents=True, exist_ok=True)
    # Opaque file names: a participant must not read the song from an image's address.
    for song in songs:
        song["image_ids"] = []
        song["audio_id"] = f"{rng.getrandbits(48):012x}"
        for src in song["images"]:
            image_id = f"{rng.getrandbits(48):012x}"
            shutil.copyfile(src, out / "images" / f"{image_id}.png")
            song["image_ids"].append(image_id)
        audio = load(_song_audio(song["folder"], song["profile"]), sr=22050)
        clip = split_clips(audio, seconds=clip_seconds, mode="center")[0]
        write(out / "audio" / f"{song['audio_id']}.wav", clip.audio)

    def build_item(song: dict[str, Any]) -> dict[str, Any]:
        own = rng.sample(song["image_ids"], min(own_per_task, len(song["image_ids"])))
        others = [i for s in songs if s is not song for i in s["image_ids"]]
        n_other = min(images_per_task - len(own), len(others))
        images = [{"id": i, "path": f"images/{i}.png", "own": True} for i in own]
        images += [{"id": i, "path": f"images/{i}.png", "own": False} for i in rng.sample(others, n_other)]
        return {"id": song["slug"], "song": song["name"], "audio": f"audio/{song['audio_id']}.wav",
                "images": images}

    tutorial_items = [dict(build_item(s), explanation=TUTORIAL_EXPLANATION) for s in songs[:tutorial]]
    items = [build_item(s) for s in songs[tutorial:]]
    manifest = {
        "version": 1, **({"title": {"en": title, "da": title}} if title else {}),
        "min_select": min_select, "max_select": max_select,
        "participants_per_item": participants_per_item,
        "tasks_per_participant": tasks_per_participant or len(items),
        "items": items, "tutorial": tutorial_items,
    }
    path = out / MANIFEST_NAME
    path.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    load_study(out)
    return path
