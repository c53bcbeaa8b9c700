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
