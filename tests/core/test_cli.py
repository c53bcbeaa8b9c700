import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from a2i.cli import main
from a2i.fileio import content_hash
from a2i.outputs import read_run
from a2i.prompts import mood_words
from a2i.render.painter.vocabulary import style_for_prompt
from a2i.seeding import picture_seed, song_seed

REPO = Path(__file__).resolve().parents[2]


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "a2i", *args], capture_output=True, text=True, cwd=REPO, timeout=300)


def test_analyze_rates_the_bundled_bright_piece_above_the_dark_one():
    songs = [REPO / "dataset/tutorial_data/bright_major.flac", REPO / "dataset/tutorial_data/dark_minor.flac"]
    proc = run_cli("analyze", *map(str, songs), "--json")
    assert proc.returncode == 0, proc.stderr
    bright, dark = json.loads(proc.stdout)
    assert bright["path"].endswith("bright_major.flac")
    assert bright["valence"] > dark["valence"] and bright["energy"] > dark["energy"]
    assert bright["title"] == "Sunlit Parade" and dark["genre"] == "ambient"
    assert "Traceback" not in proc.stderr


def test_analyze_per_clip_json_and_table(mood_songs, capsys):
    assert main(["analyze", str(mood_songs["dark_minor"]), "--json", "--per-clip"]) == 0
    (song,) = json.loads(capsys.readouterr().out)
    assert len(song["clips"]) == 2 and song["clips"][1]["start"] == 10.0
    assert main(["analyze", str(mood_songs["dark_minor"]), "--per-clip"]) == 0
    table = capsys.readouterr().out
    assert "valence" in table and "A minor" in table and "clip" in table


def test_generate_writes_pictures_cards_profile_and_prompts(mood_songs, tmp_path, capsys):
    out = tmp_path / "out"
    code = main(["generate", str(mood_songs["bright_major"]), "--out", str(out), "--clips", "all", "--size", "96", "--seed", "5"])
    assert code == 0
    printed = capsys.readouterr().out
    assert str(out) in printed
    pictures = sorted(out.glob("bright_major_clip??.png"))
    cards = sorted(out.glob("bright_major_clip??_card.png"))
    assert [p.name for p in pictures] == ["bright_major_clip00.png", "bright_major_clip01.png"]
    assert len(cards) == 2 and Image.open(cards[0]).size == (1200, 630)
    assert Image.open(pictures[0]).size == (96, 96)
    run = read_run(out)
    assert len(run.clips) == 2 and len(run.prompts) == 10
    base = song_seed(5, content_hash(mood_songs["bright_major"]))  # the seed policy: user seed + the song's bytes
    assert [p.seed for p in run.pictures] == [picture_seed(base, 0), picture_seed(base, 1)]
    assert [p.image for p in run.pictures] == [p.name for p in pictures]
    # Each clip's prompt is written from the clip's own profile, in the painter's vocabulary.
    assert all(mood_words(clip)[0] in picture.prompt for clip, picture in zip(run.clips, run.pictures))
    assert all(style_for_prompt(picture.prompt) for picture in run.pictures)
    assert run.options["size"] == [96, 96] and run.options["clips"] == "all" and run.options["seed"] == 5
    assert not list(out.glob("*.a2i-tmp"))  # nothing half-written left behind


def test_generate_center_is_one_picture(mood_songs, tmp_path):
    assert main(["generate", str(mood_songs["dark_minor"]), "--out", str(tmp_path), "--size", "64", "--n-prompts", "3"]) == 0
    assert len(list(tmp_path.glob("dark_minor_clip??.png"))) == 1
    assert len(read_run(tmp_path).prompts) == 3


@pytest.mark.parametrize(
    "args, message",
    [
        (["analyze", "no/such/song.mp3"], "no/such/song.mp3: file not found"),
        (["generate", "no/such/song.mp3"], "no/such/song.mp3: file not found"),
        (["generate", "dataset/tutorial_data/dark_minor.flac", "--backend", "painter", "--model", "/x"], "takes no model option"),
    ],
)
def test_errors_are_one_clean_line(args, message):
    proc = run_cli(*args)
    assert proc.returncode == 2
    assert message in proc.stderr and "Traceback" not in proc.stderr
    assert proc.stderr.strip().splitlines()[-1].startswith("a2i: error:")


def test_llm_prompts_without_key_is_a_clean_error(monkeypatch, capsys, mood_songs, tmp_path):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    assert main(["generate", str(mood_songs["dark_minor"]), "--out", str(tmp_path), "--prompts", "llm"]) == 2
    assert "OPENAI_API_KEY is not set" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())  # refused before any work: nothing written


def test_bad_option_values_are_refused_by_the_parser(capsys):
    with pytest.raises(SystemExit) as info:
        main(["generate", "x.mp3", "--size", "-3"])
    assert info.value.code == 2 and "--size" in capsys.readouterr().err


@pytest.mark.parametrize("command", [[], ["analyze"], ["generate"]])
def test_help_everywhere(command, capsys):
    with pytest.raises(SystemExit) as info:
        main([*command, "--help"])
    assert info.value.code == 0 and "usage: a2i" in capsys.readouterr().out


def test_batch_analysis_keeps_what_succeeded(mood_songs, tmp_path, capsys):
    corrupt = tmp_path / "corrupt.mp3"
    corrupt.write_bytes(b"not audio at all" * 100)
    good, other = str(mood_songs["dark_minor"]), str(mood_songs["bright_major"])
    args = ["analyze", good, str(tmp_path / "missing.flac"), str(corrupt), other]
    assert main([*args, "--jsonl"]) == 2
    captured = capsys.readouterr()
    lines = [json.loads(line) for line in captured.out.splitlines()]
    assert [line["path"] for line in lines] == [good, other]
    errors = captured.err.strip().splitlines()
    assert len(errors) == 2 and all(e.startswith("a2i: error: ") for e in errors)
    assert "missing.flac: file not found" in errors[0] and "corrupt.mp3" in errors[1]
    assert main([*args, "--json"]) == 2
    assert [song["path"] for song in json.loads(capsys.readouterr().out)] == [good, other]
    assert main([*args]) == 2
    assert capsys.readouterr().out.count("valence") == 2


def test_only_a2i_warnings_say_a2i_and_pydub_stays_quiet(tmp_path):
    silent = tmp_path / "silent.wav"
    import soundfile

    soundfile.write(silent, np.zeros(22050 * 3, dtype=np.float32), 22050)
    # No system ffmpeg on PATH: a2i decodes through imageio-ffmpeg's binary, and so must pydub.
    env = {**os.environ, "PATH": str(Path(sys.executable).parent)}
    proc = subprocess.run([sys.executable, "-m", "a2i", "analyze", str(silent)], capture_output=True, text=True,
                          cwd=REPO, timeout=300, env=env)
    assert proc.returncode == 0, proc.stderr
    assert "ffmpeg" not in proc.stderr and "avconv" not in proc.stderr
    lines = proc.stderr.splitlines()
    assert any("silent" in line for line in lines)
    assert all(line.startswith(f"a2i: warning: {silent}: ") for line in lines), lines
