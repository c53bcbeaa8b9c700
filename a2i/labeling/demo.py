"""Synthetic run folders (tones and simple pictures) to try the site, test it and load it.

Real studies are built from real ``a2i generate`` output; these stand in for it where only the site's
behaviour matters (tests, the load benchmark, a first look at the pages). They are written through
:func:`a2i.outputs.write_run`, exactly as ``a2i generate`` writes, build in well under a second and need
nothing outside the project.
"""

from __future__ import annotations

from pathlib import Path

COLORS = [(236, 72, 153), (99, 102, 241), (16, 185, 129), (245, 158, 11), (14, 165, 233), (139, 92, 246)]


def fake_generate_output(folder: str | Path, index: int, *, n_images: int = 4, seconds: float = 3.0,
                         size: int = 96) -> Path:
    """Write a run folder like ``a2i generate --out``: the song, ``n_images`` pictures of its centre clip
    (variants, as ``a2i render --variants`` makes) with info cards, and the run record."""
    from PIL import Image, ImageDraw

    from a2i.audio import CLIP_SECONDS, write
    from a2i.mood import Analysis, ClipProfile, Profile
    from a2i.outputs import Picture, card_name, picture_name, run_options, write_run
    from a2i.synth import tone

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    song = write(folder / f"song{index}.wav", tone(seconds, freq=220.0 * (1 + index * 0.25), fade=0.05))
    starts = [k * CLIP_SECONDS for k in range(max(1, int(-(-seconds // CLIP_SECONDS))))]
    clips = [ClipProfile(index=k, start=start, end=min(seconds, start + CLIP_SECONDS))
             for k, start in enumerate(starts)]
    centre = min(clips, key=lambda c: abs((c.start + c.end) / 2 - seconds / 2))
    pictures = []
    stem = song.stem
    for k in range(n_images):
        image = Image.new("RGB", (size, size), COLORS[(index + k) % len(COLORS)])
        s = size / 96
        ImageDraw.Draw(image).ellipse((int((16 + 4 * k) * s), int(16 * s), int(72 * s), int((72 - 4 * k) * s)),
                                      fill=COLORS[(index * 2 + k + 1) % len(COLORS)])
        name, card = picture_name(stem, centre.index, k), card_name(stem, centre.index, k)
        image.save(folder / name)
        Image.new("RGB", (32, 32), "white").save(folder / card)  # info cards are not study images
        pictures.append(Picture(image=name, card=card, clip=centre.index, start=centre.start, end=centre.end,
                                prompt=f"a prompt for song {index}", seed=k, variant=k))
    # Songs of different moods, spread over the valence/energy square, so mood-distance analyses have spread.
    mood = {"valence": round(0.1 + (index * 0.23) % 0.8, 2), "energy": round(0.9 - (index * 0.31) % 0.8, 2)}
    analysis = Analysis(str(song), Profile(title=f"Song {index}", **mood), clips, {}, {}, seconds)
    write_run(folder, analysis=analysis, prompts=[f"a prompt for song {index}"], pictures=pictures,
              options=run_options(clips="center", size=size, n_prompts=1, prompts="template", seed=0))
    return folder


def demo_study(folder: str | Path, *, songs: int = 5, tutorial: int = 1, per_item: int = 3,
               tasks: int | None = 2, images: int | None = None, n_images: int = 4) -> Path:
    """Synthesize ``songs`` run folders under ``folder/outputs`` and build ``folder/study`` from them."""
    from a2i.labeling.make_study import make_study
    from a2i.labeling.manifest import IMAGES_PER_TASK

    folder = Path(folder)
    outputs = [fake_generate_output(folder / "outputs" / f"song{i}", i, n_images=n_images) for i in range(songs)]
    study = folder / "study"
    make_study(outputs, study, images_per_task=images or IMAGES_PER_TASK, tutorial=tutorial, participants_per_item=per_item,
               tasks_per_participant=tasks, contact="study@example.org", researcher="The a2i test team")
    return study
