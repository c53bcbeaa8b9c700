"""``a2i dataset ...``: the dataset-creation steps as sub-commands.

Imports only argparse and a2i.cli's argument helpers at module level, so registering the group costs nothing;
each handler imports its step lazily (pandas, yt-dlp and spotipy come with the ``[dataset]`` extra).
"""

from __future__ import annotations

import argparse
import csv
import os
import re

from a2i.cliargs import add_prompt_count, add_prompt_options, add_seed, positive_int, prompt_options, share
from a2i.fileio import check_output_folder, check_replaceable, check_rewritable_file, has_columns

#: How ``split`` recognises its own text report (:func:`a2i.dataset.split.split_report`'s first lines).
SPLIT_REPORT_START = re.compile(r"\d+ tracks\n\nsplit +tracks +share\n")
#: The first bytes of every PNG file (the PNG specification, section 5.2).
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def check_step_table(path: str, columns, *, inputs, kind: str, what: str = "OUTPUT") -> None:
    """Refuse an output CSV that exists and is not this step's own table (recognised by ``columns``)."""
    check_rewritable_file(path, owned=lambda p: has_columns(p, columns), kind=kind, inputs=inputs, what=what)


def _is_split_report(path) -> bool:
    try:
        with open(path, encoding="utf-8") as handle:
            return bool(SPLIT_REPORT_START.match(handle.read(200)))
    except (OSError, UnicodeDecodeError):
        return False


def _is_png(path) -> bool:
    with open(path, "rb") as handle:
        return handle.read(len(PNG_SIGNATURE)) == PNG_SIGNATURE


def check_split_outputs(folder: str, dataset_name: str, inputs, *, what: str = "output",
                        music_dir: str | None = None) -> None:
    """Refuse, before any work, to write the split's files over files that are not an earlier split's.

    With ``music_dir`` (``from-folder``) an existing ``dataset.csv`` must also be one made from that folder,
    so a dataset of other music is never swapped for this one.
    """
    from a2i.dataset.schema import FINAL_COLUMNS

    def own_dataset(path) -> bool:
        return has_columns(path, FINAL_COLUMNS) and (music_dir is None or _made_from(path, music_dir))

    kind = "a dataset" + (f" made from {music_dir}" if music_dir else "")
    check_rewritable_file(os.path.join(folder, dataset_name), owned=own_dataset, kind=kind, inputs=inputs, what=what)
    check_rewritable_file(os.path.join(folder, "split_report.txt"), owned=_is_split_report, kind="a split report",
                          inputs=inputs, what=what)
    check_rewritable_file(os.path.join(folder, "split_report.png"), owned=_is_png, kind="a split plot", inputs=inputs,
                          what=what)


#: What ``from-folder`` writes into its folder (the split's files, the analysis and prompt caches).
DATASET_FOLDER_FILES = ("dataset.csv", "split_report.txt", "split_report.png", "analysis", "prompts")


def _dataset_folder_files(folder) -> set[str] | None:
    from a2i.fileio import TEMP_SUFFIX

    names = {p.name for p in folder.iterdir()}
    if "dataset.csv" not in names and "analysis" not in names:
        return None
    return {n for n in names if n in DATASET_FOLDER_FILES or n.endswith(TEMP_SUFFIX)}


def _made_from(dataset_csv, music_dir: str) -> bool:
    """Whether every track of a dataset.csv lies in ``music_dir`` (what ``from-folder`` wrote for it)."""
    root = os.path.realpath(music_dir)
    try:
        with open(dataset_csv, encoding="utf-8", newline="") as handle:
            paths = [row.get("path_audio_full") or "" for row in csv.DictReader(handle)]
    except (OSError, UnicodeDecodeError, csv.Error):
        return False
    return all(os.path.realpath(p).startswith(root + os.sep) for p in paths)


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register ``a2i dataset`` and its steps."""
    parser = subparsers.add_parser(
        "dataset",
        help="build a training dataset (Spotify list -> YouTube audio -> prompts -> splits, or a music folder)",
        description="The five dataset-creation steps (clean, youtube, merge, prompts, split), a Spotify "
        "playlist route (spotify) and a no-service route (from-folder). See dataset_creation/README.md.",
    )
    steps = parser.add_subparsers(dest="step", required=True, metavar="STEP")

    p = steps.add_parser("spotify", help="track list from a Spotify playlist or track ids (spotipy)",
                         description="Fetch track metadata through the Spotify Web API (client credentials from "
                         "SPOTIPY_CLIENT_ID / SPOTIPY_CLIENT_SECRET) into the track list `clean` writes.")
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--playlist", metavar="URL", help="playlist URL, URI or id")
    source.add_argument("--tracks", metavar="FILE", help="text file of track ids/URIs/URLs (one a line) or a CSV "
                        "with a track_id column")
    p.add_argument("output", metavar="OUTPUT", help="track list CSV to write")
    p.add_argument("--audio-dir", metavar="DIR", help="audio files named <track_id>.<ext> to analyze when Spotify "
                   "gives no audio features")
    p.add_argument("--api-url", metavar="URL", help="Web API base (default Spotify's; for a proxy or test server)")
    p.add_argument("--token-url", metavar="URL", help="token endpoint (default Spotify's)")
    p.set_defaults(func=_run_spotify)

    p = steps.add_parser("clean", help="step 1: Kaggle Spotify Tracks CSV -> one clean row per track",
                         description="One row per track_id (most popular row kept, genres merged into a list), "
                         "artists split on ';', rows with missing values dropped, explicit/unpopular tracks and "
                         "small genres dropped, YouTube search query added.")
    p.add_argument("input", metavar="INPUT", help="Spotify Tracks Dataset CSV")
    p.add_argument("output", metavar="OUTPUT", help="track list CSV to write")
    p.add_argument("--keep-explicit", action="store_true", help="keep explicit tracks (dropped by default)")
    p.add_argument("--min-popularity", type=float, default=25,
                   help="keep tracks with popularity above this (default: 25; -1 keeps all)")
    p.add_argument("--min-genre-size", type=int, default=100,
                   help="drop genres with fewer tracks (default: 100; 0 keeps all)")
    p.set_defaults(func=_run_clean)

    p = steps.add_parser("youtube", help="step 2: find and download each track's audio with yt-dlp",
                         description="Search YouTube for each track's query, download the best matching "
                         "video's audio, thumbnail and English captions. Resumable: rerun the same command "
                         "after an interruption; finished tracks are skipped, failed ones retried.")
    p.add_argument("tracks", metavar="TRACKS", help="track list CSV (output of clean or spotify)")
    p.add_argument("out_dir", metavar="OUT_DIR", help="folder for audio/, thumbnails/, metadata/")
    p.add_argument("--workers", type=positive_int, default=4, help="tracks in parallel (default: 4)")
    p.add_argument("--rate", type=float, default=1.0, help="requests per second, all workers together "
                   "(default: 1; 0 = no limit)")
    p.add_argument("--retries", type=int, default=3, help="retries per request (default: 3)")
    p.add_argument("--backoff", type=float, default=2.0, help="first retry wait in seconds, doubling (default: 2)")
    p.add_argument("--candidates", type=positive_int, default=5, help="search results considered (default: 5)")
    p.add_argument("--min-duration", type=float, default=60, help="shortest video in seconds (default: 60)")
    p.add_argument("--max-duration", type=float, default=600, help="longest video in seconds (default: 600)")
    p.add_argument("--min-views", type=int, default=100_000, help="fewest views (default: 100000)")
    p.add_argument("--allow-age-restricted", action="store_true", help="accept age-restricted videos")
    p.add_argument("--search-results", metavar="FILE", help="JSON mapping each search query to candidate "
                   "info dicts (at least a url) instead of searching YouTube")
    p.add_argument("--limit", type=positive_int, help="only the first N tracks")
    p.add_argument("--no-retry-failed", action="store_true", help="leave tracks that failed before alone")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=_run_youtube)

    p = steps.add_parser("merge", help="step 3: join tracks with downloaded audio, final column names",
                         description="Keep the tracks that have audio, add the YouTube fields, and analyze the "
                         "audio of tracks Spotify gave no audio features.")
    p.add_argument("tracks", metavar="TRACKS", help="track list CSV (output of clean or spotify)")
    p.add_argument("youtube_dir", metavar="YOUTUBE_DIR", help="output folder of `a2i dataset youtube`")
    p.add_argument("output", metavar="OUTPUT", help="merged CSV to write")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=_run_merge)

    p = steps.add_parser("prompts", help="step 4: ten visual prompts per track (LLM or offline templates)",
                         description="Write N prompts per track with an OpenAI-compatible LLM (key from "
                         "OPENAI_API_KEY) or the offline templates. Per-track JSON files make it resumable.")
    p.add_argument("input", metavar="INPUT", help="merged CSV (output of merge)")
    p.add_argument("output", metavar="OUTPUT", help="CSV to write (the input plus openai_prompts)")
    p.add_argument("--prompts-dir", metavar="DIR", help="per-track prompt files (default: OUTPUT without .csv + "
                   "'_prompts')")
    add_prompt_options(p)
    add_prompt_count(p, per="track")
    p.add_argument("--workers", type=positive_int, default=4, help="tracks in flight at once (default: 4)")
    add_seed(p)
    p.add_argument("--price-input", type=float, default=0.15, help="US$ per million prompt tokens (default: 0.15)")
    p.add_argument("--price-output", type=float, default=0.60,
                   help="US$ per million completion tokens (default: 0.60)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=_run_prompts)

    p = steps.add_parser("split", help="step 5: stratified train/valid/test split -> dataset.csv + report",
                         description="Stratify on genre x valence bin x energy bin (4 equal-width bins over 0..1); "
                         "strata too small to split within the tolerance are pooled as 'rare'. Writes dataset.csv, "
                         "split_report.txt and split_report.png.")
    p.add_argument("input", metavar="INPUT", help="output of prompts (or merge, or clean)")
    p.add_argument("out", metavar="OUT", nargs="?", help="output folder, or the dataset CSV path (reports go beside "
                   "it); default: INPUT's folder")
    p.add_argument("--test-size", type=share, default=0.2, help="test share of every stratum (default: 0.2)")
    p.add_argument("--valid-size", type=share, default=0.0,
                   help="valid share of every stratum, taken from the train side (default: 0)")
    p.add_argument("--test-ids", metavar="FILE", help="track ids that must be in test, one a line")
    add_seed(p)
    p.add_argument("--tolerance", type=float, default=0.02, help="largest distance from the shares in a stratum "
                   "split on its own (default: 0.02); smaller strata become 'rare'")
    p.add_argument("--no-plot", action="store_true", help="skip the PNG report")
    p.add_argument("--fingerprint-audio", action="store_true",
                   help="also decode every track's audio (path_audio_full) and keep copies of one recording found "
                   "by their sound in one split (copies found by artist + title always are)")
    p.set_defaults(func=_run_split)

    p = steps.add_parser("from-folder", help="dataset.csv from your own music folder (no external service)",
                         description="Tags (or file names) for names, the a2i analyzer for valence, energy and "
                         "the rest, template prompts, and the step-5 split, into the final dataset.csv schema.")
    p.add_argument("music_dir", metavar="MUSIC_DIR", help="folder of audio files (searched recursively)")
    p.add_argument("--out", default="dataset_from_folder", metavar="DIR",
                   help="output folder (default: dataset_from_folder)")
    add_prompt_options(p)
    add_prompt_count(p, per="track")
    p.add_argument("--test-size", type=share, default=0.2, help="test share (default: 0.2)")
    p.add_argument("--valid-size", type=share, default=0.0, help="valid share from the train side (default: 0)")
    add_seed(p)
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=_run_from_folder)


def _run_spotify(args: argparse.Namespace) -> int:
    from a2i.dataset.schema import TRACK_LIST_COLUMNS

    check_step_table(args.output, TRACK_LIST_COLUMNS, inputs=[p for p in (args.tracks,) if p], kind="a track list")
    from a2i.dataset.spotify import fetch_csv, read_track_ids

    notes = fetch_csv(args.output, playlist=args.playlist,
                      track_ids=read_track_ids(args.tracks) if args.tracks else None,
                      audio_dir=args.audio_dir, api_url=args.api_url, token_url=args.token_url)
    print("\n".join(notes))
    return 0


def _run_clean(args: argparse.Namespace) -> int:
    from a2i.dataset.schema import TRACK_LIST_COLUMNS

    check_step_table(args.output, TRACK_LIST_COLUMNS, inputs=[args.input], kind="a track list")
    from a2i.dataset.clean import clean_csv

    report = clean_csv(args.input, args.output, drop_explicit=not args.keep_explicit,
                       min_popularity=None if args.min_popularity < 0 else args.min_popularity,
                       min_genre_size=args.min_genre_size)
    print(f"{report.summary()}\nwrote {args.output}")
    return 0


def _run_youtube(args: argparse.Namespace) -> int:
    check_output_folder(args.out_dir, inputs=[p for p in (args.tracks, args.search_results) if p], what="OUT_DIR")
    from a2i.dataset.youtube import KnownResults, VideoFilter, download_tracks

    search = KnownResults.from_file(args.search_results) if args.search_results else None
    summary = download_tracks(
        args.tracks, args.out_dir, workers=args.workers, limit=args.limit, retry_failed=not args.no_retry_failed,
        progress=not args.no_progress, search=search, rate=args.rate, retries=args.retries, backoff=args.backoff,
        max_candidates=args.candidates,
        video_filter=VideoFilter(min_duration=args.min_duration, max_duration=args.max_duration,
                                 min_views=args.min_views, allow_age_restricted=args.allow_age_restricted),
    )
    print(f"{summary.summary()}\nrecords in {os.path.join(args.out_dir, 'metadata')}")
    return 0


def _run_merge(args: argparse.Namespace) -> int:
    from a2i.dataset.merge import MERGED_COLUMNS, merge_csv

    check_step_table(args.output, MERGED_COLUMNS, inputs=[args.tracks], kind="a merged table")
    report = merge_csv(args.tracks, args.youtube_dir, args.output, progress=not args.no_progress)
    print(f"{report.summary()}\nwrote {args.output}")
    return 0


def _run_prompts(args: argparse.Namespace) -> int:
    from a2i.dataset.prompting import prompts_csv

    prompts_dir = args.prompts_dir or os.path.splitext(args.output)[0] + "_prompts"
    check_step_table(args.output, ["openai_prompts"], inputs=[args.input], kind="a table with prompts")
    check_output_folder(prompts_dir, inputs=[args.input, args.output], what="--prompts-dir")
    report = prompts_csv(args.input, args.output, prompts_dir, generator=args.prompts, n=args.n_prompts, seed=args.seed,
                         workers=args.workers, progress=not args.no_progress, generator_options=prompt_options(args),
                         prices=(args.price_input, args.price_output))
    print(f"{report.summary()}\nwrote {args.output} (per-track files in {prompts_dir})")
    return 1 if report.failed and not report.written and not report.already else 0


def _run_split(args: argparse.Namespace) -> int:
    from a2i.dataset.split import read_test_ids, split_csv

    out = args.out or os.path.dirname(os.path.abspath(args.input))
    dataset_name = "dataset.csv"
    if out.lower().endswith(".csv"):
        out, dataset_name = os.path.dirname(os.path.abspath(out)), os.path.basename(out)
    inputs = [p for p in (args.input, args.test_ids) if p]
    check_output_folder(out, inputs=inputs)
    check_split_outputs(out, dataset_name, inputs)
    result = split_csv(args.input, out, dataset_name=dataset_name, plot=not args.no_plot,
                       fingerprint_audio=args.fingerprint_audio,
                       test_size=args.test_size, valid_size=args.valid_size, seed=args.seed,
                       test_ids=read_test_ids(args.test_ids) if args.test_ids else (), tolerance=args.tolerance)
    print(result.report_text.split("\n\nper genre", 1)[0])
    print(f"wrote {result.dataset_csv}, {result.report_txt}" + (f", {result.report_png}" if result.report_png else ""))
    return 0


def _run_from_folder(args: argparse.Namespace) -> int:
    check_output_folder(args.out, inputs=[args.music_dir], what="--out")
    # Resumed in place, so only a folder of its own (or a new or empty one) is written into.
    check_replaceable(args.out, shown=f"--out {args.out}", overwrite=True, owned=_dataset_folder_files,
                      kind="a dataset folder")
    check_split_outputs(args.out, "dataset.csv", [args.music_dir], what="--out", music_dir=args.music_dir)
    from a2i.dataset.folder import from_folder

    options = prompt_options(args) or None
    table, report, prompt_report = from_folder(
        args.music_dir, args.out, prompts=args.prompts, n_prompts=args.n_prompts, seed=args.seed,
        progress=not args.no_progress, generator_options=options, test_size=args.test_size,
        valid_size=args.valid_size)
    print(report.summary())
    print(prompt_report.summary())
    counts = table["train_split"].value_counts().to_dict()
    print(f"wrote {os.path.join(args.out, 'dataset.csv')} ({len(table)} tracks: {counts})")
    return 0

