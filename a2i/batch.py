"""``a2i render``: many songs into the same per-song run folders as ``a2i generate``, resumably, in shards.

The thesis rendered 15,000 song-picture pairs; at that scale a run is interrupted (a killed job, a full disk,
a pre-empted GPU) and split over machines. So:

- **Resumable.** Each song's folder gets its run record (:mod:`a2i.outputs`) as soon as the song is analysed,
  then again after every picture (or SDXL batch). Pictures and cards are written atomically; a picture whose
  PNG and card both open is finished and is skipped on the next run, even if the record missed it (a kill
  between the two writes). A ``kill -9`` therefore loses at most the pictures being rendered. A rerun with
  other options into the same folders is refused instead of mixing two runs.
- **Sharded.** Under ``accelerate launch`` every process takes the songs ``i, i + n, i + 2n, ...`` of the
  sorted list (``PartialState().process_index`` / ``num_processes``) and, on CUDA, its own GPU; a song
  belongs to exactly one shard, so nothing is rendered twice or lost.
- **Parallel on a laptop.** With a backend that may run in several processes (:attr:`a2i.render.Backend.parallel`:
  the painter), ``--workers`` processes (default: every core) take whole songs.

Examples
--------
>>> song_folders([Path("a/x.flac"), Path("b/x.flac"), Path("b/y.flac")], Path("out"))[2].as_posix()
'out/y'
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PIL import Image

from a2i.audio import AUDIO_EXTENSIONS, audio_files
from a2i.audio import load as load_audio
from a2i.errors import A2IError, ConfigError, OutputError
from a2i.fileio import TEMP_SUFFIX, check_input_file, content_hash
from a2i.mood import Analysis, default_analyzer
from a2i.outputs import Picture, check_batch_out, default_out_dir, is_run_folder, read_run, write_run
from a2i.pipeline import draw, recorded_analysis, start_record
from a2i.planner import Job, plan, song_prompts
from a2i.progress import progress_bar
from a2i.render import Backend, backend_class, check_backend_size, check_style, get_backend

#: Text files read as input lists: one song path per line (blank lines and ``#`` comments skipped).
LIST_SUFFIXES = (".txt", ".lst", ".list")
#: The dataset.csv column with each song's audio file, as ``a2i dataset split`` writes it
#: (``a2i.dataset.schema.FINAL_COLUMNS``; named here, not imported, because datasets sit above this layer).
DATASET_AUDIO_COLUMN = "path_audio_full"


@dataclass(frozen=True)
class Batch:
    """An ``a2i render`` run: where the songs' folders go, what each song's pictures are (:class:`a2i.planner.Job`)
    and what draws them. Equal batches may resume each other's folders."""

    out: Path
    job: Job = field(default_factory=Job)
    backend: str = "painter"
    backend_options: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class SongResult:
    """What happened to one song."""

    song: Path
    folder: Path
    rendered: int = 0
    skipped: int = 0
    error: str | None = None


@dataclass
class Summary:
    """The totals ``a2i render`` prints at the end."""

    songs: list[SongResult] = field(default_factory=list)

    @property
    def rendered(self) -> int:
        return sum(r.rendered for r in self.songs)

    @property
    def skipped(self) -> int:
        return sum(r.skipped for r in self.songs)

    @property
    def failed(self) -> list[SongResult]:
        return [r for r in self.songs if r.error]

    def lines(self, shard: tuple[int, int] = (0, 1)) -> list[str]:
        """The summary as printed: totals, then one line per failed song with its reason."""
        prefix = f"[shard {shard[0] + 1}/{shard[1]}] " if shard[1] > 1 else ""
        out = [f"{prefix}{len(self.songs)} song(s): {self.rendered} picture(s) rendered, {self.skipped} skipped "
               f"(already finished), {len(self.failed)} song(s) failed"]
        out += [f"  failed: {r.song}: {r.error}" for r in self.failed]
        return out


def collect_songs(inputs: Iterable[str | os.PathLike[str]]) -> list[Path]:
    """The songs named by ``inputs``: audio files, folders (searched recursively), dataset.csv files (their
    ``path_audio_full`` column) and input lists (one path per line); relative paths in a CSV or list are
    relative to that file. Sorted and without repeats, so every shard sees the same list."""
    songs: list[Path] = []
    for item in map(Path, inputs):
        if item.is_dir():
            songs += audio_files(item)
        elif item.suffix.lower() == ".csv":
            songs += _songs_from_csv(item)
        elif item.suffix.lower() in LIST_SUFFIXES:
            lines = _read_text(item).splitlines()
            songs += [_relative_to(item, line.strip()) for line in lines if line.strip() and not line.lstrip().startswith("#")]
        elif item.suffix.lower() in AUDIO_EXTENSIONS or item.exists():
            songs.append(item)
        else:
            raise ConfigError(f"{item}: not found; pass audio files, folders, a dataset.csv or a list of paths (.txt)")
    unique = {str(Path(os.path.abspath(s))): s for s in songs}
    if not unique:
        raise ConfigError("no songs to render: the inputs name no audio files")
    return [unique[key] for key in sorted(unique)]


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text ({exc.reason}); save it as UTF-8") from exc


def _relative_to(listing: Path, entry: str) -> Path:
    path = Path(entry).expanduser()
    return path if path.is_absolute() else listing.parent / path


def _songs_from_csv(path: Path) -> list[Path]:
    rows = list(csv.DictReader(_read_text(path).splitlines()))
    if not rows or DATASET_AUDIO_COLUMN not in rows[0]:
        raise ConfigError(f"{path}: no {DATASET_AUDIO_COLUMN} column; pass the dataset.csv that `a2i dataset split` writes")
    return [_relative_to(path, row[DATASET_AUDIO_COLUMN]) for row in rows if row[DATASET_AUDIO_COLUMN]]


def song_folders(songs: Sequence[Path], out: Path) -> list[Path]:
    """Each song's run folder: ``out/<stem>`` like ``generate``; songs sharing a stem get ``<stem>-<hash>``."""
    stems: dict[str, int] = {}
    for song in songs:
        stems[song.stem] = stems.get(song.stem, 0) + 1
    folders = []
    for song in songs:
        folder = default_out_dir(song, out)
        if stems[song.stem] > 1:
            digest = hashlib.sha1(os.path.abspath(song).encode("utf-8")).hexdigest()[:8]
            folder = folder.with_name(f"{folder.name}-{digest}")
        folders.append(folder)
    return folders


def process_shard() -> tuple[int, int]:
    """``(index, count)`` of this process under ``accelerate launch`` (``(0, 1)`` when run alone).

    On a machine without GPUs, launch the processes with ``accelerate launch --multi_gpu --num_processes N``
    (accelerate's ``--cpu`` flag starts one process only). On CUDA each process also takes its own GPU
    (``local_process_index``), so ``--device auto`` means it.
    """
    if int(os.environ.get("WORLD_SIZE", "1")) <= 1:
        return 0, 1
    from a2i.errors import require

    accelerate = require("accelerate", "sdxl")
    import torch

    # Without cpu=True accelerate sees no distributed run on a machine with no GPU (the painter's case).
    state = accelerate.PartialState(cpu=not torch.cuda.is_available())
    if state.device.type == "cuda":
        torch.cuda.set_device(state.local_process_index)
    return state.process_index, state.num_processes


def _finished(folder: Path, picture: Picture) -> bool:
    """Both files of a picture exist and decode (atomic writes make a half-written one impossible, but a
    file damaged after the fact is rendered again rather than trusted)."""
    for name in (picture.image, picture.card):
        path = folder / name if name else None
        if path is None or not path.is_file():
            return False
        try:
            with Image.open(path) as image:
                image.verify()
        except (OSError, SyntaxError):
            return False
    return True


def _start_or_resume(song: Path, folder: Path, batch: Batch, options: dict[str, Any],
                     analyzer: Any, song_hash: str) -> tuple[Analysis, list[str], list[Picture]]:
    """The song's analysis, prompts and recorded pictures: read back when resuming, else made and recorded."""
    if is_run_folder(folder):
        run = read_run(folder)
        if json.loads(json.dumps(run.options)) != json.loads(json.dumps(options)):
            raise OutputError(f"{folder} holds a run made with other options; render into another --out, or "
                              "rerun with the options recorded in its prompts.json to resume it")
        return recorded_analysis(run), list(run.prompts), list(run.pictures)
    if folder.is_dir() and any(not p.name.endswith(TEMP_SUFFIX) for p in folder.iterdir()):
        raise OutputError(f"{folder} holds files that are not an a2i run; move them or choose another --out")
    analysis = analyzer.analyze(song, per_clip=True, progress=False)
    texts = song_prompts(analysis, batch.job, song_hash)
    folder.mkdir(parents=True, exist_ok=True)
    return start_record(folder, analysis, texts, options), texts, []


def render_song(song: Path, folder: Path, batch: Batch, backend: Backend, analyzer: Any, progress: Any = None) -> SongResult:
    """Render (or finish) one song's folder: its plan, less the pictures already finished. Errors are
    returned in the result, never raised."""
    result = SongResult(song, folder)
    try:
        # 1. The song's record: read back when resuming (refused if made with other options), else started.
        check_input_file(song)
        options = batch.job.record(backend.name, backend.options)
        song_hash = content_hash(song)
        analysis, texts, recorded = _start_or_resume(song, folder, batch, options, analyzer, song_hash)
        for leftover in folder.glob(f"*{TEMP_SUFFIX}"):  # a write cut short by a kill
            leftover.unlink(missing_ok=True)

        # 2. The plan; pictures whose files are finished are kept (with their recorded prompts).
        known = {(p.clip, p.variant, p.style): p for p in recorded}
        requests = plan(analysis, batch.job, song_hash, stem=song.stem,
                        recorded={key: p.prompt for key, p in known.items() if p.prompt is not None})
        done = {r.key: known.get(r.key) or r.picture(backend.name) for r in requests
                if _finished(folder, known.get(r.key) or r.picture(backend.name))}
        result.skipped = len(done)
        if progress is not None:
            progress.update(len(done))

        # 3. Draw the rest, recording after every batch.
        pending = [r for r in requests if r.key not in done]
        song_audio = load_audio(song, sr=None) if pending and backend.needs_audio else None
        for pictures in draw(backend, pending, folder, size=batch.job.size, n_clips=len(analysis.clips),
                             song_audio=song_audio, progress=progress):
            done.update({(p.clip, p.variant, p.style): p for p in pictures})
            result.rendered += len(pictures)
            write_run(folder, analysis=analysis, prompts=texts, options=options, pictures=_in_order(done))
        if result.skipped:  # pictures finished by an interrupted run but missing from its record
            write_run(folder, analysis=analysis, prompts=texts, options=options, pictures=_in_order(done))
    except (A2IError, OSError) as exc:
        result.error = str(exc) if not isinstance(exc, OSError) or not exc.filename else f"{exc.filename}: {exc.strerror}"
    return result


def _in_order(done: dict[tuple[int, int, str | None], Picture]) -> list[Picture]:
    return [done[key] for key in sorted(done, key=lambda k: (k[0], k[1], k[2] or ""))]


# --- worker processes (a parallel backend on many cores) ---------------------------------------------------------------

_WORKER: dict[str, Any] = {}


def _init_worker(batch: Batch) -> None:
    _WORKER.update(batch=batch, backend=get_backend(batch.backend, **dict(batch.backend_options)), analyzer=default_analyzer())


def _worker_song(song: Path, folder: Path) -> SongResult:
    return render_song(song, folder, _WORKER["batch"], _WORKER["backend"], _WORKER["analyzer"])


def render_songs(inputs: Iterable[str | os.PathLike[str]], batch: Batch, *, workers: int | None = None,
                 progress: bool = True, shard: tuple[int, int] | None = None) -> Summary:
    """Render every song of ``inputs`` (this process's shard of them) into ``batch.out/<stem>/``.

    Parameters
    ----------
    inputs : paths
        Audio files, folders, dataset.csv files or input lists (see :func:`collect_songs`).
    batch : Batch
        What to render; equal batches resume each other's folders.
    workers : int, optional
        Processes taking whole songs; default every core for a backend that is :attr:`~a2i.render.Backend.parallel`
        (the painter), else 1 (SDXL: one GPU per process).
    progress : bool
        Show a progress bar (on a terminal).
    shard : (index, count), optional
        This process's shard; default :func:`process_shard`.
    """
    # 1. Checks first: the job, the size for this backend, the output folder, the inputs (none decoded yet).
    batch.job.check()
    check_backend_size(batch.backend, batch.job.size)
    inputs = list(inputs)
    check_batch_out(batch.out, inputs)
    songs = collect_songs(inputs)
    folders = song_folders(songs, batch.out)
    index, count = shard or process_shard()
    mine = list(zip(songs, folders))[index::count]
    parallel = backend_class(batch.backend).parallel  # the backend's class says; nothing loads yet
    if workers is None:
        workers = (os.cpu_count() or 1) if parallel else 1
    workers = max(1, min(workers, len(mine)))
    if not parallel and workers > 1:
        raise ConfigError(f"--workers > 1: the {batch.backend} backend renders one song at a time per process "
                          "(use accelerate launch for several GPUs)")

    # 2. Render the songs, in this process or in worker processes that take whole songs.
    summary = Summary()
    if workers == 1:
        backend = get_backend(batch.backend, **dict(batch.backend_options))
        for style in batch.job.styles:
            check_style(backend, style)
        analyzer = default_analyzer()
        with progress_bar(total=None, enabled=progress, desc="Rendering", unit="picture") as bar:
            for song, folder in progress_bar(mine, enabled=progress, desc="Songs", unit="song", position=1):
                summary.songs.append(render_song(song, folder, batch, backend, analyzer, progress=bar))
        return summary
    with ProcessPoolExecutor(workers, initializer=_init_worker, initargs=(batch,)) as pool:
        futures = [pool.submit(_worker_song, song, folder) for song, folder in mine]
        for future in progress_bar(as_completed(futures), enabled=progress, total=len(futures), desc="Rendering", unit="song"):
            summary.songs.append(future.result())
    summary.songs.sort(key=lambda r: str(r.song))
    return summary


