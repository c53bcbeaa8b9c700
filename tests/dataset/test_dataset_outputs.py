"""Every dataset step refuses, before any work, an output that is an input, a folder, or cannot be written."""

import pytest

from a2i.cli import main


@pytest.mark.parametrize("argv, message", [
    (["clean", "{csv}", "{csv}"], "OUTPUT {csv}: is also an input"),
    (["clean", "{csv}", "./{rel}"], "is also an input"),
    (["clean", "{csv}", "{tmp}"], "OUTPUT {tmp}: is a folder; name the file to write"),
    (["clean", "{csv}", "{csv}/out.csv"], "is a file, so no folder can be made under it"),
    (["clean", "{csv}", "/proc/a2i-probe/out.csv"], "OUTPUT /proc/a2i-probe/out.csv: cannot write in /proc"),
    (["merge", "{csv}", "{tmp}", "{csv}"], "is also an input"),
    (["prompts", "{csv}", "{csv}"], "is also an input"),
    (["split", "{dataset}"], "output {tmp}/dataset.csv: is also an input"),
    (["split", "{csv}", "{csv}"], "is also an input"),
    (["from-folder", "{tmp}", "--out", "{tmp}"], "--out {tmp}: is also an input"),
    (["youtube", "{csv}", "{csv}"], "OUT_DIR {csv}: is also an input"),
])
def test_outputs_are_checked_before_any_work(tmp_path, small_spotify_csv, capsys, monkeypatch, argv, message):
    monkeypatch.chdir(tmp_path)
    dataset = tmp_path / "dataset.csv"
    dataset.write_bytes(small_spotify_csv.read_bytes())
    before = small_spotify_csv.read_bytes()
    fill = {"csv": small_spotify_csv, "rel": small_spotify_csv.name, "tmp": tmp_path, "dataset": dataset}
    code = main(["dataset", *(a.format(**fill) for a in argv)])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("a2i: error: ") and message.format(**fill) in err, err
    assert len(err.strip().splitlines()) == 1
    assert small_spotify_csv.read_bytes() == before and dataset.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dataset.csv", "spotify_tracks.csv"]


def test_a_step_writes_over_only_its_own_earlier_output(tmp_path, small_spotify_csv, capsys):
    # Issue 20, case 2: `a2i dataset clean IN precious.csv` replaced an unrelated file without a word.
    precious = tmp_path / "precious.csv"
    precious.write_text("date,amount\n2024-04-01,1200\n")
    for argv in (["clean", small_spotify_csv, precious], ["merge", small_spotify_csv, tmp_path, precious],
                 ["prompts", small_spotify_csv, precious], ["split", small_spotify_csv, precious]):
        assert main(["dataset", *map(str, argv)]) == 2
        err = capsys.readouterr().err
        assert err.count("a2i: error:") == 1 and f"{precious}: exists and is not a" in err, err
        assert "(its columns: date, amount)" in err and "leaves it alone" in err
    assert precious.read_text() == "date,amount\n2024-04-01,1200\n"
    # Its own earlier output is rewritten (a rerun with other options).
    out = tmp_path / "tracks.csv"
    assert main(["dataset", "clean", str(small_spotify_csv), str(out), "--min-genre-size", "0"]) == 0
    first = out.read_text()
    assert main(["dataset", "clean", str(small_spotify_csv), str(out), "--min-genre-size", "0", "--keep-explicit"]) == 0
    assert out.read_text() != first


def test_from_folder_never_swaps_another_folders_dataset(tmp_path, capsys):
    # Issue 20, case 2: from-folder into an existing dataset folder replaced its dataset.csv (4 tracks -> 3).
    from a2i.dataset.schema import FINAL_COLUMNS

    music, other = tmp_path / "music", tmp_path / "other"
    music.mkdir()
    other.mkdir()
    (music / "a.wav").write_bytes(b"RIFF")
    out = tmp_path / "ds"
    out.mkdir()
    header = ",".join(FINAL_COLUMNS)
    row = ",".join(str(other / "old.flac") if c == "path_audio_full" else "" for c in FINAL_COLUMNS)
    (out / "dataset.csv").write_text(f"{header}\n{row}\n")
    before = (out / "dataset.csv").read_bytes()
    assert main(["dataset", "from-folder", str(music), "--out", str(out), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert f"--out {out / 'dataset.csv'}: exists and is not a dataset made from {music} written by a2i" in err
    assert (out / "dataset.csv").read_bytes() == before and sorted(p.name for p in out.iterdir()) == ["dataset.csv"]
    # A dataset made from this very folder is its own earlier output: the rerun (resume) may rewrite it.
    from a2i.dataset.cli import check_split_outputs

    (out / "dataset.csv").write_text(f"{header}\n{row.replace(str(other), str(music))}\n")
    check_split_outputs(str(out), "dataset.csv", [str(music)], music_dir=str(music))
