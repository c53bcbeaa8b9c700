"""`a2i render`: many songs into generate's per-song folders; resumed after kill -9; sharded over two processes."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from a2i.batch import collect_songs, song_folders
from a2i.cli import main
from a2i.fileio import TEMP_SUFFIX
from a2i.outputs import read_run
from a2i.render.painter import paint

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def album(tmp_path_factory):
    """Three 21-second songs (two clips each) in a folder."""
    from a2i.audio import write
    from a2i.synth import PIECES, render

    root = tmp_path_factory.mktemp("album")
    for i, name in enumerate(sorted(PIECES)):
        write(root / f"{i}_{name}.flac", render(PIECES[name], seconds=21.0, seed=i))
    return root


def env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}


def check_complete(out: Path, songs: list[Path], variants: int) -> int:
    """Every song's folder lists each (clip, variant) once, with files that decode and match the painter."""
    total = 0
    for song, folder in zip(songs, song_folders(songs, out)):
        run = read_run(folder)
        keys = [(p.clip, p.variant) for p in run.pictures]
        assert len(keys) == len(set(keys)) == len(run.clips) * variants, (folder, keys)
        assert not list(folder.glob(f"*{TEMP_SUFFIX}"))
        assert sorted(p.name for p in folder.glob("*.png")) == sorted([p.image for p in run.pictures] + [p.card for p in run.pictures])
        for picture in run.pictures:
            clip = run.clip(picture.clip)
            clip.title = run.profile.title or song.name
            image = np.asarray(Image.open(run.image_path(picture)))
            expected = np.asarray(paint(clip, prompt=picture.prompt, size=96, seed=picture.seed))
            assert np.array_equal(image, expected), picture
            Image.open(run.card_path(picture)).verify()
        total += len(keys)
    return total


#: Runs `a2i ARGS...` and kill -9s itself just before its N-th file write (fault injection: the kill lands at
#: one exact point, with no race against the clock). Usage: python -c KILL_BEFORE_WRITE N ARGS...
KILL_BEFORE_WRITE = """
import os, signal, sys
import a2i.pipeline
from a2i.cli import main

real_png, real_bytes, writes = a2i.pipeline.atomic_save_png, a2i.pipeline.atomic_write_bytes, []

def die_at(path):
    writes.append(path)
    if len(writes) == int(sys.argv[1]):
        os.kill(os.getpid(), signal.SIGKILL)

def save_or_die(image, path):  # a picture
    die_at(path)
    return real_png(image, path)

def write_or_die(path, data):  # a card (encoded beside its picture, written after it)
    die_at(path)
    return real_bytes(path, data)

a2i.pipeline.atomic_save_png, a2i.pipeline.atomic_write_bytes = save_or_die, write_or_die
sys.exit(main(sys.argv[2:]))
"""


def test_render_killed_then_resumed_has_every_picture_once(album, tmp_path):
    out = tmp_path / "out"
    args = ["render", str(album), "--out", str(out), "--clips", "all", "--variants", "3", "--size", "96", "--workers", "1"]
    # Killed before its 10th write: 4 pictures with their cards, then the 5th picture without its card.
    killed = subprocess.run([sys.executable, "-c", KILL_BEFORE_WRITE, "10", *args], env=env(), capture_output=True,
                            text=True, timeout=300)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    first = song_folders(collect_songs([album]), out)[0]
    assert len(list(first.glob("*_card.png"))) == 4 and len(list(first.glob("*.png"))) == 9
    assert len(read_run(first).pictures) == 4  # recorded after each picture
    # A picture damaged after the kill is not trusted: it is rendered again.
    damaged = first / read_run(first).pictures[0].image
    damaged.write_bytes(damaged.read_bytes()[:100])

    command = [sys.executable, "-m", "a2i", *args]
    resumed = subprocess.run(command, env=env(), capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    # 3 finished pictures are kept; the damaged one, the card-less one and the 13 never started are rendered.
    assert "3 song(s): 15 picture(s) rendered, 3 skipped (already finished)" in resumed.stdout
    assert check_complete(out, collect_songs([album]), variants=3) == 18

    again = subprocess.run(command, env=env(), capture_output=True, text=True, timeout=300)
    assert "0 picture(s) rendered, 18 skipped" in again.stdout


def test_two_processes_share_one_job(album, tmp_path):
    out = tmp_path / "out"
    command = [sys.executable, "-m", "accelerate.commands.launch", "--multi_gpu", "--num_processes", "2",
               "--num_machines", "1", "--mixed_precision", "no", "--dynamo_backend", "no", "-m", "a2i", "render",
               str(album), "--out", str(out), "--size", "96"]
    result = subprocess.run(command, env=env(), capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    lines = sorted(line for line in result.stdout.splitlines() if line.startswith("[shard"))
    assert lines == ["[shard 1/2] 2 song(s): 2 picture(s) rendered, 0 skipped (already finished), 0 song(s) failed",
                     "[shard 2/2] 1 song(s): 1 picture(s) rendered, 0 skipped (already finished), 0 song(s) failed"]
    songs = collect_songs([album])
    for folder in song_folders(songs, out):
        assert len(read_run(folder).pictures) == 1


def test_inputs_from_csv_and_list_with_failures_reported(album, tmp_path, capsys):
    songs = sorted(album.glob("*.flac"))
    table = tmp_path / "dataset.csv"
    with table.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, ["spotify_track_id", "path_audio_full"])
        writer.writeheader()
        writer.writerow({"spotify_track_id": "a", "path_audio_full": str(songs[0])})
    (tmp_path / "more").mkdir()
    (tmp_path / "more" / songs[0].name).write_bytes(b"not audio at all")
    listing = tmp_path / "songs.txt"
    listing.write_text(f"# a study's songs\n{tmp_path / 'more' / songs[0].name}\n\n", encoding="utf-8")
    assert collect_songs([table, listing, table]) == [songs[0], tmp_path / "more" / songs[0].name]

    code = main(["render", str(table), str(listing), "--out", str(tmp_path / "out"), "--size", "64", "--workers", "1"])
    out = capsys.readouterr().out
    assert code == 1
    assert "2 song(s): 1 picture(s) rendered, 0 skipped (already finished), 1 song(s) failed" in out
    assert f"failed: {tmp_path / 'more' / songs[0].name}:" in out
    # Two songs with one stem get two folders; the good one is a complete run folder.
    good, bad = song_folders([songs[0], tmp_path / "more" / songs[0].name], tmp_path / "out")
    assert good.name.startswith(songs[0].stem + "-") and good != bad
    assert len(read_run(good).pictures) == 1

    # Resuming with other options is refused per song rather than mixing two runs.
    assert main(["render", str(table), "--out", str(tmp_path / "out2"), "--size", "64", "--workers", "1"]) == 0
    assert main(["render", str(table), "--out", str(tmp_path / "out2"), "--size", "64", "--seed", "9", "--workers", "1"]) == 1
    assert "holds a run made with other options" in capsys.readouterr().out


def test_render_with_sdxl_batches_variants(album, tiny_model_dir, text_backend, tmp_path, capsys):
    song = sorted(album.glob("*.flac"))[0]
    code = main(["render", str(song), "--out", str(tmp_path), "--backend", "sdxl", "--model", str(tiny_model_dir),
                 "--steps", "2", "--size", "64", "--variants", "2", "--batch-size", "2"])
    assert code == 0, capsys.readouterr()
    run = read_run(tmp_path / song.stem)
    assert [(p.variant, p.backend) for p in run.pictures] == [(0, "sdxl"), (1, "sdxl")]
    assert run.options["variants"] == 2 and run.options["backend_options"]["batch_size"] == 2
    for picture in run.pictures:
        alone = np.asarray(text_backend.render(prompt=picture.prompt, size=64, seed=picture.seed)).astype(int)
        assert np.abs(np.asarray(Image.open(run.image_path(picture))).astype(int) - alone).max() <= 1
