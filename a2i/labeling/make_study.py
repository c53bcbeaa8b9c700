"""Build a study folder from ``a2i generate`` / ``a2i render`` run folders.

Each run folder (one song) becomes one item: the participant hears the song's centre clip (the 10-second
clip on the song's clip grid whose middle is nearest the song's middle, cut at exactly the start and end its
pictures record) and sees a grid mixing pictures painted from that very clip with pictures of other songs,
the design of the thesis's study. The originals are kept; the site sends screen-sized WebP copies (a
:data:`WEB_SIZE` px one in the grid, a :data:`ZOOM_SIZE` px one in the enlarged view) and an MP3 clip.
"""

from __future__ import annotations

import io
import random
import re
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from a2i.errors import ConfigError, OutputError
from a2i.fileio import atomic_write_bytes, atomic_write_json, check_output_folder, describe_entries, protected_folder
from a2i.labeling.manifest import (
    BACKUP_DAYS,
    CONSENT_TEXTS,
    IMAGES_PER_TASK,
    MANIFEST_NAME,
    MANIFEST_VERSION,
    MAX_SELECT,
    MIN_SELECT,
    OWN_PER_TASK,
    PARTICIPANTS_PER_ITEM,
    capacity,
    load_study,
)

if TYPE_CHECKING:
    from a2i.outputs import Picture

#: An e-mail address as a person types it (one @, a dot in the domain, no spaces); not RFC 5322, which would
#: also accept addresses no one can write to from a consent page.
CONTACT_PATTERN = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")
#: Grid copies: a 12-picture grid is at most about 4 × 300 CSS px wide, so 512 px stays sharp on a 2× phone.
WEB_SIZE = 512
#: The enlarged view fills a phone or most of a laptop screen.
ZOOM_SIZE = 1024
#: WebP quality: visually lossless for painted pictures at about a tenth of the PNG's bytes.
WEBP_QUALITY = 82

#: Shown on tutorial tasks, after the participant answers.
TUTORIAL_EXPLANATION = {
    "en": "Listen to the clip, then choose the pictures whose mood fits the music. There is no right answer: "
          "we want your impression. After you submit, the pictures that were painted from this very song "
          "are highlighted.",
    "da": "Lyt til klippet, og vælg de billeder, hvis stemning passer til musikken. Der er ikke noget rigtigt "
          "svar: vi vil gerne have dit indtryk. Når du har sendt dit svar, fremhæves de billeder, der blev "
          "malet ud fra netop denne sang.",
}

#: The consent text make-study writes; ``{title}``, ``{researcher}``, ``{minutes}`` and ``{backup_days}`` are
#: filled in.
CONSENT_TEMPLATE = {
    "researcher": {"en": "{researcher} runs this study, \u201c{title}\u201d.",
                   "da": "{researcher} står bag denne undersøgelse, \u201e{title}\u201c."},
    "duration": {"en": "About {minutes} minutes. You can pause and come back later: open the study link again "
                       "in the same browser, or use the personal link shown at the bottom of each page.",
                 "da": "Cirka {minutes} minutter. Du kan holde pause og vende tilbage senere: åbn "
                       "undersøgelseslinket igen i samme browser, eller brug det personlige link nederst på hver "
                       "side."},
    "data_use": {"en": "We store your answers, your survey answers and how you used each task (clicks and "
                       "times). They are analysed for research without your name and may be published as "
                       "anonymous statistics.",
                 "da": "Vi gemmer dine svar, dine svar i spørgeskemaet og hvordan du brugte hver opgave (klik "
                       "og tider). De analyseres til forskning uden dit navn og kan offentliggøres som anonyme "
                       "statistikker."},
    "withdrawal": {"en": "Taking part is voluntary. You can withdraw at any time with the link at the bottom "
                         "of every page; your answers are then deleted from the study database at once. Backup "
                         "copies of the database made before that still hold them until those backups are "
                         "deleted, at most {backup_days} days later; they are only used to restore the study "
                         "after a failure, and your answers are not restored.",
                   "da": "Deltagelse er frivillig. Du kan trække dig når som helst med linket nederst på hver "
                         "side; dine svar bliver så slettet fra undersøgelsens database med det samme. "
                         "Sikkerhedskopier af databasen, der er taget før, indeholder dem stadig, indtil de "
                         "slettes, højst {backup_days} dage senere; de bruges kun til at genskabe undersøgelsen "
                         "efter en fejl, og dine svar bliver ikke genskabt."},
}


@dataclass(frozen=True)
class Song:
    """What one run folder gives a study: its centre clip and the pictures painted from each clip."""

    folder: Path
    name: str
    audio: Path
    start: float
    end: float
    #: Pictures painted from the centre clip (the candidates for the grid's "own" images).
    centre: tuple[Path, ...]
    #: Every picture of the run (what other songs' grids draw from).
    pictures: tuple[Path, ...]
    slug: str
    #: The song's mood (valence, energy), and each picture's provenance (see :func:`provenance`).
    mood: dict[str, float]
    sources: dict[Path, dict[str, Any]]


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "song"


def read_song(folder: Path) -> Song:
    """Read a run folder through :func:`a2i.outputs.read_run`."""
    from a2i.outputs import read_run
    from a2i.planner import select_clips

    run = read_run(folder)
    if not run.pictures or not run.clips:
        raise ConfigError(f"{folder} holds no pictures or no analysed clips; run `a2i generate SONG --out {folder}`")
    index = select_clips(run, "center")[0].index  # the run has the analysis's clips and duration
    centre = [p for p in run.pictures if p.clip == index]
    if not centre:
        raise ConfigError(f"{folder}: no picture of the song's centre clip (clip {index}); rerun `a2i generate` "
                          "with --clips center or all")
    song = run.song_path()  # found from any directory, or an error naming where it was looked for
    title = getattr(run.profile, "title", None) or folder.name
    mood = {"valence": float(run.profile.valence), "energy": float(run.profile.energy)}
    return Song(folder=folder, name=str(title), audio=song, start=centre[0].start, end=centre[0].end,
                centre=tuple(run.image_path(p) for p in centre),
                pictures=tuple(run.image_path(p) for p in run.pictures), slug=_slug(folder.name), mood=mood,
                sources={run.image_path(p): provenance(folder.name, str(title), song.name, p, mood,
                                                       song_sha256=run.song_record.get("sha256"))
                         for p in run.pictures})


def provenance(run: str, song: str, song_file: str, picture: Picture, mood: dict[str, float], *,
               song_sha256: str | None = None) -> dict[str, Any]:
    """Where a study picture was painted from, as the manifest's ``source`` records it.

    Examples
    --------
    >>> from a2i.outputs import Picture
    >>> p = Picture(image="a.png", card=None, clip=2, start=20.0, end=30.0, prompt="calm sea", seed=7)
    >>> provenance("song-a", "Song A", "a.mp3", p, {"valence": 0.3, "energy": 0.6})["clip"]
    2
    """
    return {"run": run, "song": song, "song_file": song_file, "song_sha256": song_sha256, "clip": picture.clip, "start": picture.start,
            "end": picture.end, "seed": picture.seed, "variant": picture.variant, "style": picture.style,
            "backend": picture.backend, "prompt": picture.prompt, **mood}


def grid_advice(images_per_task: int, own_per_task: int, songs: int) -> str:
    """How many pictures a grid needs and how to make them (shown when there are too few); ``songs`` counts
    the labeling songs (a tutorial song's pictures never appear in task grids).

    Examples
    --------
    >>> print(grid_advice(12, 4, 8))  # doctest: +ELLIPSIS
    A 12-picture grid with 4 own pictures needs 4 pictures of each song's centre clip and 8 from the ...
    """
    return (f"A {images_per_task}-picture grid with {own_per_task} own pictures needs {own_per_task} pictures of "
            f"each song's centre clip and {images_per_task - own_per_task} from the other {songs - 1} labeling songs "
            "(tutorial songs' pictures stay out of task grids). "
            f"Make them with `a2i render SONGS --variants {own_per_task} --out DIR` ({own_per_task} pictures of each "
            "clip), adding `--clips all` for one set per 10-second clip (the other songs' share).")


def _web_copy(src: Path, dest: Path, size: int) -> None:
    from PIL import Image

    with Image.open(src) as image:
        image = image.convert("RGB")
        image.thumbnail((size, size), Image.Resampling.LANCZOS)
        buffer = io.BytesIO()
        image.save(buffer, format="WEBP", quality=WEBP_QUALITY, method=4)
    atomic_write_bytes(dest, buffer.getvalue())


def _warn(message: str) -> None:
    print(f"a2i: warning: {message}", file=sys.stderr)


def make_study(
    outputs: list[str | Path],
    out: str | Path,
    *,
    images_per_task: int = IMAGES_PER_TASK,
    own_per_task: int = OWN_PER_TASK,
    tutorial: int = 1,
    participants_per_item: int = PARTICIPANTS_PER_ITEM,
    tasks_per_participant: int | None = None,
    min_select: int = MIN_SELECT,
    max_select: int = MAX_SELECT,
    seed: int = 0,
    title: str | None = None,
    contact: str = "",
    researcher: str | None = None,
    minutes: int = 15,
    consent_version: str = "1",
    backup_days: int = BACKUP_DAYS,
) -> Path:
    """Write ``out/study.json`` with the originals, screen-sized copies and clips, from run folders.

    Parameters
    ----------
    outputs : list of paths
        ``a2i generate``/``a2i render`` run folders, one per song. Files among them (the pictures ``make demo``
        leaves in ``outputs/`` when a shell glob picks them up) are skipped with a note.
    out : path
        The study folder to create (must be empty or absent).
    images_per_task, own_per_task : int
        Grid size, and how many of those images were painted from the clip the participant hears (fewer,
        with a warning, when a song's centre clip has fewer pictures); the rest come from the other songs.
    tutorial : int
        How many songs become tutorial items (with an explanation) instead of labeling items.
    tasks_per_participant : int or None
        Labeling items per participant; ``None`` gives every participant every item.
    title, contact, researcher, minutes, consent_version, backup_days
        The site's title and the consent page: who runs the study and how to reach them, how long it takes,
        the version recorded with each participant's agreement, and the longest a backup is kept (what a
        withdrawal cannot reach at once).

    Returns
    -------
    Path
        The manifest written, already validated with :func:`~a2i.labeling.manifest.load_study`.
    """
    out = Path(out)
    check_output_folder(out, inputs=outputs, what="--out")
    reason = protected_folder(out, inputs=outputs)
    if reason:
        raise OutputError(f"--out {out}: {reason}; choose a new folder for the study")
    if out.exists() and any(out.iterdir()):
        raise OutputError(f"--out {out} is not empty ({describe_entries(out)}); choose a new folder for the study")
    files = [Path(p) for p in outputs if Path(p).is_file()]
    if files:
        _warn(f"skipped {len(files)} file(s) that are not run folders (e.g. {files[0]}); pass the folders "
              "`a2i generate --out` wrote, e.g. outputs/*/")
    folders = [Path(p) for p in outputs if not Path(p).is_file()]
    if len(folders) < 2:
        raise ConfigError("make-study needs at least two run folders (songs) so each grid can mix a song's own "
                          "pictures with others; make them with `a2i generate SONG --out outputs/NAME`")
    if not 0 <= tutorial < len(folders):
        raise ConfigError(f"--tutorial {tutorial} must leave at least one song for labeling "
                          f"(got {len(folders)} songs)")
    n_items = len(folders) - tutorial
    if tasks_per_participant is not None and not 1 <= tasks_per_participant <= n_items:
        raise ConfigError(f"--tasks {tasks_per_participant} must be between 1 and the number of labeling items "
                          f"({n_items}: {len(folders)} songs minus --tutorial {tutorial})")
    if not 1 <= own_per_task < images_per_task:
        raise ConfigError(f"--own ({own_per_task}) must be at least 1 and less than --images ({images_per_task})")
    if not 1 <= min_select <= max_select <= images_per_task:
        raise ConfigError(f"need 1 <= --min-select ({min_select}) <= --max-select ({max_select}) <= "
                          f"--images ({images_per_task})")
    if backup_days < 1:
        raise ConfigError(f"--backup-days ({backup_days}) must be at least 1: the consent text promises how long "
                          "backups holding withdrawn answers are kept")
    if not contact:
        raise ConfigError("--contact is required: the consent page must say how participants reach the "
                          "researchers (an e-mail address)")
    if not CONTACT_PATTERN.fullmatch(contact.strip()):
        raise ConfigError(f"--contact {contact!r}: not an e-mail address; the consent page shows it so participants "
                          "can reach the researchers (e.g. --contact study@university.edu)")
    songs = [read_song(folder) for folder in folders]
    if len({s.slug for s in songs}) != len(songs):
        raise ConfigError("two run folders have the same name; rename them so each song has its own id")
    for k, song in enumerate(songs):
        pool = songs if k < tutorial else songs[tutorial:]  # task grids draw no practice pictures
        others = sum(len(s.pictures) for s in pool if s is not song)
        if min(own_per_task, len(song.centre)) + others < images_per_task:
            raise ConfigError(f"{song.folder}: only {len(song.centre)} own and {others} other pictures for a "
                              f"{images_per_task}-picture grid. "
                              + grid_advice(images_per_task, own_per_task, len(songs) - tutorial))
    short = [s for s in songs if len(s.centre) < own_per_task]
    if short:
        _warn(f"--own {own_per_task} is cut for {len(short)} song(s) whose centre clip has fewer pictures "
              f"({', '.join(f'{s.folder.name}: {len(s.centre)}' for s in short[:5])}). "
              + grid_advice(images_per_task, own_per_task, len(songs) - tutorial))
    created = not out.exists()
    try:
        return _write_study(out, songs, random.Random(seed), images_per_task=images_per_task,
                            own_per_task=own_per_task, tutorial=tutorial, participants_per_item=participants_per_item,
                            tasks_per_participant=tasks_per_participant, min_select=min_select,
                            max_select=max_select, title=title,
                            consent=_consent(title, contact, researcher, minutes, consent_version,
                                             backup_days))
    except BaseException:  # no half-written study left to trip the next run; a folder the user made stays
        for entry in [out] if created else list(out.iterdir()):
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)
        raise


def _consent(title: str | None, contact: str, researcher: str | None, minutes: int, version: str,
             backup_days: int) -> dict[str, Any]:
    from a2i.labeling import i18n

    fields = {"researcher": researcher or contact, "minutes": minutes, "backup_days": backup_days}
    texts = {part: {lang: text.format(title=title or i18n.translate("site.title", lang), **fields)
                    for lang, text in CONSENT_TEMPLATE[part].items()} for part in CONSENT_TEXTS}
    return {"version": version, "contact": contact, **texts}


def _write_study(out: Path, songs: list[Song], rng: random.Random, *, images_per_task: int, own_per_task: int,
                 tutorial: int, participants_per_item: int, tasks_per_participant: int | None, min_select: int,
                 max_select: int, title: str | None, consent: dict[str, Any]) -> Path:
    from a2i.explore.build import cut_preview

    out.mkdir(parents=True, exist_ok=True)
    # Opaque file names: a participant must not read the song from an image's address.
    ids: dict[Path, dict[str, str]] = {}
    audio: dict[str, str] = {}
    for song in songs:
        for src in song.pictures:
            image_id = f"{rng.getrandbits(48):012x}"
            entry = {"id": image_id, "path": f"images/{image_id}{src.suffix.lower()}",
                     "web": f"web/{image_id}.webp", "zoom": f"zoom/{image_id}.webp"}
            atomic_write_bytes(out / entry["path"], src.read_bytes())
            _web_copy(src, out / entry["web"], WEB_SIZE)
            _web_copy(src, out / entry["zoom"], ZOOM_SIZE)
            ids[src] = entry
        audio[song.slug] = f"audio/{rng.getrandbits(48):012x}.mp3"
        cut_preview(song.audio, out / audio[song.slug], start=song.start, seconds=song.end - song.start)

    def build_item(song: Song, pool: list[Song]) -> dict[str, Any]:
        own = rng.sample(song.centre, min(own_per_task, len(song.centre)))
        others = [p for s in pool if s is not song for p in s.pictures]
        chosen = [(p, True) for p in own] + [(p, False) for p in rng.sample(others, images_per_task - len(own))]
        return {"id": song.slug, "song": song.name, "audio": audio[song.slug], "start": song.start,
                "end": song.end, "mood": song.mood,
                "images": [dict(ids[p], own=is_own, source=song_of[p].sources[p]) for p, is_own in chosen]}

    song_of = {p: s for s in songs for p in s.pictures}
    tutorial_items = [dict(build_item(s, songs), explanation=TUTORIAL_EXPLANATION) for s in songs[:tutorial]]
    # The practice round reveals which pictures its song painted: none of its songs' pictures come back in a
    # task grid, where a participant could recognise them as foils.
    items = [build_item(s, songs[tutorial:]) for s in songs[tutorial:]]
    tasks = tasks_per_participant or len(items)
    manifest = {
        "version": MANIFEST_VERSION, **({"title": {"en": title, "da": title}} if title else {}),
        "min_select": min_select, "max_select": max_select,
        "participants_per_item": participants_per_item, "tasks_per_participant": tasks,
        "consent": consent, "items": items, "tutorial": tutorial_items,
    }
    path = atomic_write_json(out / MANIFEST_NAME, manifest)
    load_study(out)
    room = capacity(len(items), participants_per_item, tasks)
    short = f", the last with fewer than {tasks} tasks" if len(items) * participants_per_item % tasks else ""
    print(f"{len(items)} items × {participants_per_item} answers ÷ {tasks} tasks each: room for {room} "
          f"participants{short} (make no more invites than that, or raise --per-item)", file=sys.stderr)
    return path
