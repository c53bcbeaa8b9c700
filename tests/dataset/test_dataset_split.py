"""Step 5 (split): the 80/20 invariant per stratum, rare pooling, forced test ids, the final schema."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from a2i.dataset import schema
from a2i.dataset.clean import clean_tracks
from a2i.dataset.split import RARE, bin_index, min_stratum_size, split_csv, split_table
from a2i.dataset.synthetic import spotify_table
from a2i.errors import ConfigError, DatasetError


@pytest.fixture(scope="module")
def large_tracks():
    tracks, _ = clean_tracks(spotify_table(60_000, n_genres=60, seed=3), min_genre_size=0)
    return tracks


def _shares(table, name):
    return (table["train_split"] == name).groupby(table["train_stratify_key"]).mean()


@pytest.mark.parametrize("valid_size", [0.0, 0.1])
def test_every_stratum_big_enough_to_split_is_within_two_points(large_tracks, valid_size):
    table = split_table(large_tracks, valid_size=valid_size, seed=7)
    sizes = table["train_stratify_key"].value_counts()
    assert sizes.min() >= min_stratum_size(0.02) == 25
    assert RARE in sizes.index and sizes.size > 100  # both pooled and individual strata exist
    test = _shares(table, "test")
    assert ((test - 0.2).abs() <= 0.02).all(), test[(test - 0.2).abs() > 0.02]
    if valid_size:
        valid = _shares(table, "valid")
        assert ((valid - valid_size).abs() <= 0.02 + 1e-9).all()
        train = _shares(table, "train")
        assert ((train - (1 - 0.2 - valid_size)).abs() <= 0.03).all()
    else:
        assert ((_shares(table, "train") - 0.8).abs() <= 0.02).all()
        assert set(table["train_split"]) == {"train", "test"}
    # strata keys agree with the bins and genre; small ones were pooled
    key = table["spotify_genre"] + "_" + table["train_valence_bin"].astype(str) + "_" + \
        table["train_energy_bin"].astype(str)
    own = table["train_stratify_key"] != RARE
    assert (table.loc[own, "train_stratify_key"] == key[own]).all()
    assert (key[~own].map(key.value_counts()) < 25).all()


def test_final_schema_and_reproducibility(large_tracks):
    a = split_table(large_tracks.head(5000), seed=1)
    b = split_table(large_tracks.head(5000), seed=1)
    c = split_table(large_tracks.head(5000), seed=2)
    assert list(a.columns) == list(schema.FINAL_COLUMNS)
    assert a["spotify_track_id"].is_unique
    assert (a["train_split"] == b["train_split"]).all() and not (a["train_split"] == c["train_split"]).all()
    assert json.loads(a["spotify_artists"].iloc[0])  # lists stay JSON strings
    assert a["train_valence_bin"].between(0, 3).all() and a["train_energy_bin"].between(0, 3).all()


def test_bins_are_equal_width_over_unit_range():
    assert bin_index([0.0, 0.2499, 0.25, 0.5, 0.74, 0.75, 1.0]).tolist() == [0, 0, 1, 2, 2, 3, 3]


def test_requested_test_ids_land_in_test(large_tracks):
    ids = large_tracks["track_id"].sample(40, random_state=0).tolist()
    table = split_table(large_tracks, test_ids=ids, seed=0)
    chosen = table.set_index("spotify_track_id").loc[ids, "train_split"]
    assert (chosen == "test").all()
    with pytest.raises(DatasetError, match="not in the table"):
        split_table(large_tracks, test_ids=["nope"])


def test_bad_arguments(large_tracks):
    with pytest.raises(ConfigError):
        split_table(large_tracks, test_size=0.9, valid_size=0.2)
    broken = large_tracks.head(10).copy()
    broken.loc[3, "valence"] = np.nan
    with pytest.raises(DatasetError, match="lack spotify_valence"):
        split_table(broken)


def test_split_files_and_cli(large_tracks, tmp_path, cli):
    source = tmp_path / "tracks.csv"
    large_tracks.head(3000).to_csv(source, index=False)
    result = split_csv(source, tmp_path / "out", seed=0)
    written = pd.read_csv(result.dataset_csv)
    assert list(written.columns) == list(schema.FINAL_COLUMNS)
    assert "per genre" in result.report_txt.read_text() and result.report_png.stat().st_size > 10_000
    ids = tmp_path / "test_ids.txt"
    ids.write_text("# study songs\n" + "\n".join(large_tracks["track_id"].head(3)) + "\n")
    run = cli("dataset", "split", source, tmp_path / "cli" / "final.csv", "--test-ids", ids, "--valid-size", "0.1",
              "--no-plot")
    assert run.returncode == 0, run.stderr
    final = pd.read_csv(tmp_path / "cli" / "final.csv")
    assert set(final["train_split"]) == {"train", "valid", "test"}
    assert (final.set_index("spotify_track_id").loc[large_tracks["track_id"].head(3), "train_split"] == "test").all()
    assert (tmp_path / "cli" / "split_report.txt").is_file()
