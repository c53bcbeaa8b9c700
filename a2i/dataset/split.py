"""Step 5: stratified train/valid/test split and the final ``dataset.csv``.

The thesis stratified on genre × valence bin × energy bin so every part of the mood plane is represented in
both train and test. Bins are four equal-width bins over Spotify's 0..1 range (not the data's range, so a bin
means the same in every dataset). A stratum too small to split within ``tolerance`` of the requested test
share (fewer than ``1 / (2 * tolerance)`` tracks: 25 at the default 2 points) joins one pooled stratum,
``"rare"``, which is split like the others.

How valid is carved: ``test_size`` of every stratum goes to test (80/20 by default, as in the thesis); then
``valid_size`` of every stratum is taken from the train side. The default ``valid_size=0`` reproduces the
thesis's two-way split exactly, so train and test keep their 80/20 proportions in every stratum; pass e.g.
``valid_size=0.1`` for a 70/10/20 split when training wants a held-out validation set.

Each stratum's quotas are exact (``round(share * n)``), drawn with a seeded shuffle, so the split is
reproducible and every stratum of 25 or more tracks lands within 2 points of 80/20. Track ids a user lists as
test (e.g. the songs of a labeling study) are put in test first and count toward their stratum's quota.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from a2i.dataset import schema
from a2i.dataset.storage import atomic_write_bytes, atomic_write_text, read_csv, write_csv
from a2i.errors import ConfigError, DatasetError, MissingFileError, require

N_BINS = 4
RARE = "rare"


@dataclass
class SplitResult:
    """The final table and where its report files are."""

    table: object  # pandas.DataFrame in FINAL_COLUMNS order
    report_text: str
    dataset_csv: Path | None = None
    report_txt: Path | None = None
    report_png: Path | None = None


def bin_index(values, n_bins: int = N_BINS):
    """Equal-width bins over 0..1: ``[0, .25) -> 0`` ... ``[.75, 1] -> 3`` (1.0 belongs to the last bin)."""
    np = require("numpy", "core")
    values = np.asarray(values, dtype=float)
    return np.clip(np.floor(values * n_bins), 0, n_bins - 1).astype("int64")


def min_stratum_size(tolerance: float) -> int:
    """The smallest stratum an exact-quota split keeps within ``tolerance`` of any share: ``ceil(1/(2 tol))``.

    Rounding a quota moves a stratum's share by at most ``0.5 / n``.
    """
    import math

    if not 0 < tolerance < 0.5:
        raise ConfigError(f"tolerance must lie in (0, 0.5), got {tolerance}")
    return math.ceil(0.5 / tolerance - 1e-9)


def split_table(
    df,
    *,
    test_size: float = 0.2,
    valid_size: float = 0.0,
    test_ids: Iterable[str] = (),
    seed: int = 0,
    min_stratum: int | None = None,
    tolerance: float = 0.02,
    fingerprints=None,
):
    """Assign bins, strata and splits; return the table in the final schema.

    Copies of one recording under several track ids (same normalised artists + title, or, with
    ``fingerprints``, the same audio) go to one split together; ``table.attrs["duplicate_rows"]`` counts
    the rows that are another id of a recording already in the table.

    Parameters
    ----------
    df : pandas.DataFrame
        Output of ``clean``, ``merge``, ``prompts`` or ``from-folder`` (track-list or ``spotify_*`` names).
    test_size, valid_size : float
        Shares of every stratum for test and for valid (valid is taken from the train side).
    test_ids : iterable of str
        Track ids that must be in test; unknown ids raise :class:`DatasetError`.
    seed : int
        Seed of the per-stratum shuffle.
    min_stratum : int or None
        Strata smaller than this are pooled into ``"rare"``; default :func:`min_stratum_size` of ``tolerance``.
    tolerance : float
        The largest acceptable distance from the requested shares in a stratum that is split on its own.
    fingerprints : list, optional
        One :func:`a2i.dataset.duplicates.fingerprint_file` result (or None) per row, in table order.
    """
    np = require("numpy", "core")
    pd = require("pandas", "dataset")
    if not 0 < test_size < 1 or not 0 <= valid_size < 1 or test_size + valid_size >= 1:
        raise ConfigError(
            f"test_size ({test_size}) and valid_size ({valid_size}) must be shares in [0, 1) leaving room for train"
        )
    min_stratum = min_stratum_size(tolerance) if min_stratum is None else int(min_stratum)
    table = schema.to_final(df).copy()
    if table["spotify_track_id"].isna().any():
        raise DatasetError("some rows have no track id (spotify_track_id/track_id); run `a2i dataset clean` first")
    table["spotify_track_id"] = table["spotify_track_id"].astype(str)
    if table["spotify_track_id"].duplicated().any():
        raise DatasetError("track ids repeat; run `a2i dataset clean` first (it keeps one row per track)")
    for column in ("spotify_valence", "spotify_energy"):
        values = pd.to_numeric(table[column], errors="coerce")
        if values.isna().any():
            raise DatasetError(
                f"{int(values.isna().sum())} row(s) lack {column}; fill audio features first (`a2i dataset merge` "
                "analyzes downloaded audio for tracks Spotify gave no features)"
            )
        table[column] = values
    if table["spotify_genre"].isna().any():
        table["spotify_genre"] = table["spotify_genre"].fillna("unknown")

    vbin = bin_index(table["spotify_valence"].to_numpy())
    ebin = bin_index(table["spotify_energy"].to_numpy())
    table["train_valence_bin"] = vbin
    table["train_energy_bin"] = ebin
    key = table["spotify_genre"].astype(str) + "_" + pd.Series(vbin, index=table.index).astype(str) + "_" \
        + pd.Series(ebin, index=table.index).astype(str)
    sizes = key.map(key.value_counts())
    table["train_stratify_key"] = key.where(sizes >= min_stratum, RARE)

    test_ids = {str(t) for t in test_ids}
    unknown = test_ids - set(table["spotify_track_id"])
    if unknown:
        raise DatasetError(
            f"{len(unknown)} requested test track id(s) are not in the table, e.g. {sorted(unknown)[:3]}; "
            "check the list against spotify_track_id"
        )
    forced = table["spotify_track_id"].isin(test_ids).to_numpy()
    groups = duplicate_groups(table, fingerprints)
    table.attrs["duplicate_rows"] = int(len(groups) - len(np.unique(groups)))
    split = _split_rows(table, forced, groups, test_size, valid_size, seed)
    table["train_split"] = split
    return table


def duplicate_groups(table, fingerprints=None):
    """Each row's recording group: same normalised artists + title, or same audio (when ``fingerprints``,
    one :func:`a2i.dataset.duplicates.fingerprint_file` result or None per row, is given)."""
    from a2i.dataset.duplicates import audio_groups, combine, metadata_groups

    artists = [[str(a) for a in schema.load_list(cell)] if str(cell).startswith("[") else [str(cell)]
               for cell in table["spotify_artists"].fillna("").tolist()]
    labels = [metadata_groups(table["spotify_track_name"].fillna("").astype(str).tolist(), artists)]
    if fingerprints is not None:
        if len(fingerprints) != len(table):
            raise ConfigError(f"fingerprints: {len(fingerprints)} given for {len(table)} rows")
        labels.append(audio_groups(fingerprints))
    return combine(*labels)


def _split_rows(table, forced, groups, test_size: float, valid_size: float, seed: int):
    """Split labels per row: every group of copies of one recording is assigned as one (its first row's
    stratum; test when any copy is a requested test id), so no recording spans two splits."""
    np = require("numpy", "core")
    leads = np.flatnonzero(groups == np.arange(len(groups)))
    forced_group = np.zeros(len(groups), dtype=bool)
    np.logical_or.at(forced_group, groups, forced)
    label = np.empty(len(groups), dtype=object)
    label[leads] = _assign(table["train_stratify_key"].to_numpy()[leads], forced_group[leads], test_size, valid_size,
                           seed)
    return label[groups]


def _assign(strata, forced, test_size: float, valid_size: float, seed: int):
    """Exact per-stratum quotas over a seeded shuffle, forced test rows first."""
    np = require("numpy", "core")
    rng = np.random.default_rng(seed)
    order_key = rng.random(len(strata)) - forced.astype(float)
    order = np.lexsort((order_key, strata))
    sorted_strata = strata[order]
    starts = np.r_[0, np.flatnonzero(sorted_strata[1:] != sorted_strata[:-1]) + 1]
    lengths = np.diff(np.r_[starts, len(order)])
    position = np.arange(len(order)) - np.repeat(starts, lengths)
    n = np.repeat(lengths, lengths)
    forced_sorted = forced[order]
    forced_count = np.repeat(np.add.reduceat(forced_sorted.astype(int), starts) if len(order) else [], lengths)
    n_test = np.maximum(np.round(test_size * n), forced_count)
    n_valid = np.minimum(np.round(valid_size * n), n - n_test)
    labels = np.where(position < n_test, "test", np.where(position < n_test + n_valid, "valid", "train"))
    split = np.empty(len(strata), dtype=object)
    split[order] = labels
    return split


def split_report(table, *, test_size: float = 0.2, tolerance: float = 0.02) -> str:
    """Counts per split, genre and bin, and every stratum that missed the requested shares, as plain text."""
    pd = require("pandas", "dataset")
    lines = [f"{len(table)} tracks", ""]
    counts = table["train_split"].value_counts().reindex(["train", "valid", "test"], fill_value=0)
    lines.append("split   tracks  share")
    for name, count in counts.items():
        lines.append(f"{name:<6} {count:>7}  {count / max(len(table), 1):6.1%}")
    if "duplicate_rows" in table.attrs:
        lines += ["", f"{table.attrs['duplicate_rows']} tracks are another track id of a recording listed already "
                  "(same artists + title, or same audio): each recording is kept in one split"]
    is_test = (table["train_split"] == "test").groupby(table["train_stratify_key"])
    test_share = is_test.mean()
    sizes = is_test.size()
    off = test_share[(test_share - test_size).abs() > tolerance + 1e-12]
    lines += ["", f"{len(sizes)} strata ({int((sizes.index == RARE).sum())} pooled 'rare' of "
              f"{int(sizes.get(RARE, 0))} tracks); test share per stratum: "
              f"min {test_share.min():.1%}, max {test_share.max():.1%}"]
    if len(off):
        lines.append(f"strata off the {test_size:.0%} test share by more than {tolerance:.0%} (too few tracks to "
                     "split exactly, or pushed over by requested test ids):")
        lines += [f"  {key}: {share:.1%} of {sizes[key]}" for key, share in off.items()]
    for column, title in (("spotify_genre", "genre"), ("train_valence_bin", "valence bin"),
                          ("train_energy_bin", "energy bin")):
        crosstab = pd.crosstab(table[column], table["train_split"]).reindex(
            columns=["train", "valid", "test"], fill_value=0)
        lines += ["", f"per {title}:", crosstab.to_string()]
    return "\n".join(lines) + "\n"


def plot_split(table, path: str | os.PathLike) -> Path:
    """A PNG of the split: tracks per split in the valence × energy bins, and per genre (largest 30)."""
    require("matplotlib", "dataset")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    import pandas as pd

    splits = [s for s in ("train", "valid", "test") if (table["train_split"] == s).any()]
    fig = plt.figure(figsize=(4.2 * len(splits) + 1, 9), constrained_layout=True)
    grid = fig.add_gridspec(2, len(splits))
    for i, name in enumerate(splits):
        part = table[table["train_split"] == name]
        counts = pd.crosstab(part["train_energy_bin"], part["train_valence_bin"]).reindex(
            index=range(N_BINS), columns=range(N_BINS), fill_value=0)
        ax = fig.add_subplot(grid[0, i])
        image = ax.imshow(counts.to_numpy(), origin="lower", cmap="viridis")
        for (y, x), value in np.ndenumerate(counts.to_numpy()):
            ax.text(x, y, str(value), ha="center", va="center", color="white", fontsize=9)
        ax.set(title=f"{name}: {len(part)} tracks", xlabel="valence bin", ylabel="energy bin",
               xticks=range(N_BINS), yticks=range(N_BINS))
        fig.colorbar(image, ax=ax, shrink=0.8)
    ax = fig.add_subplot(grid[1, :])
    genres = table["spotify_genre"].value_counts().index[:30]
    per_genre = pd.crosstab(table["spotify_genre"], table["train_split"]).reindex(index=genres, columns=splits)
    per_genre.plot.bar(stacked=True, ax=ax, color={"train": "#4c72b0", "valid": "#dd8452", "test": "#55a868"})
    ax.legend(title="split", loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.set(title=f"tracks per genre and split (largest {len(genres)} genres)", xlabel="", ylabel="tracks")
    ax.tick_params(axis="x", labelrotation=60, labelsize=8)
    for label in ax.get_xticklabels():
        label.set_horizontalalignment("right")
    fig.suptitle("a2i dataset split: genre × valence bin × energy bin strata")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110)
    plt.close(fig)
    return atomic_write_bytes(path, buffer.getvalue())


def read_test_ids(path: str | os.PathLike) -> list[str]:
    """Track ids from a text file, one per line (blank lines and ``#`` comments ignored)."""
    path = Path(path)
    if not path.is_file():
        raise MissingFileError(f"test-id list {path} does not exist; give a text file with one track id per line")
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.split("#", 1)[0].strip() for line in lines if line.split("#", 1)[0].strip()]


def split_csv(
    input_csv: str | os.PathLike,
    out_dir: str | os.PathLike,
    *,
    plot: bool = True,
    dataset_name: str = "dataset.csv",
    fingerprint_audio: bool = False,
    **options,
) -> SplitResult:
    """Read a table, split it and write ``dataset.csv``, ``split_report.txt`` and ``split_report.png``.

    With ``fingerprint_audio`` every track's downloaded audio (``path_audio_full``, relative to the input's
    folder) is decoded and fingerprinted, so copies found only by their sound are grouped too. Keyword
    options are those of :func:`split_table`.
    """
    df = read_csv(input_csv, what="input table", dtype={"track_id": str, "spotify_track_id": str})
    if fingerprint_audio:
        options["fingerprints"] = audio_fingerprints(df, Path(input_csv).parent)
    table = split_table(df, **options)
    if table.empty:  # nothing usable (no valence/energy in any row): refuse rather than write an empty dataset
        raise DatasetError(f"input table {input_csv}: no track has the columns a split needs (valence and energy); "
                           "pass the output of `a2i dataset clean`, `merge` or `prompts`")
    out_dir = Path(out_dir)
    report = split_report(table, test_size=options.get("test_size", 0.2), tolerance=options.get("tolerance", 0.02))
    result = SplitResult(table=table, report_text=report)
    result.dataset_csv = write_csv(table, out_dir / dataset_name)
    result.report_txt = atomic_write_text(out_dir / "split_report.txt", report)
    if plot:
        result.report_png = plot_split(table, out_dir / "split_report.png")
    return result


def audio_fingerprints(df, folder: Path) -> list:
    """:func:`a2i.dataset.duplicates.fingerprint_file` of each row's ``path_audio_full`` (None without audio)."""
    from a2i.dataset.duplicates import fingerprint_file

    column = "path_audio_full"
    if column not in df.columns:
        raise DatasetError(f"--fingerprint-audio needs the {column} column; split the output of `a2i dataset merge`")
    out = []
    for cell in df[column].tolist():
        if not isinstance(cell, str) or not cell:
            out.append(None)
            continue
        path = Path(cell) if Path(cell).is_absolute() else folder / cell
        out.append(fingerprint_file(path) if path.is_file() else None)
    return out
