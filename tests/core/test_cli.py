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
from a2i.seeding import picture_seed, song_seed
from a2i.vocabulary import style_for_prompt

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
    assert [c["quadrant"] for c in song["clips"]] == ["Q3", "Q3"]  # each clip of the sad piece reads sad
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


def test_runs_are_read_by_every_step_from_anywhere_and_after_the_tree_moves(mood_songs, tmp_path, monkeypatch, capsys):
    # Issue 20, case 4: `cd wf && a2i render music/ --out outputs && cd ..`, then make-study and explore build
    # failed to find music/x.flac (or silently made no preview clips).
    import shutil

    wf = tmp_path / "wf"
    (wf / "music").mkdir(parents=True)
    for name, song in mood_songs.items():
        shutil.copy(song, wf / "music" / f"{name}.flac")
    monkeypatch.chdir(wf)
    assert main(["render", "music/", "--out", "outputs", "--variants", "2", "--size", "64", "--workers", "1"]) == 0
    for where in ("outside", "moved"):
        if where == "moved":  # the whole tree, songs and runs together
            (tmp_path / "elsewhere").mkdir()
            wf = wf.rename(tmp_path / "elsewhere" / "wf2")
        monkeypatch.chdir(tmp_path)
        runs = sorted(str(p) for p in (wf / "outputs").iterdir())
        assert main(["label", "make-study", *runs, "--out", str(wf / f"s-{where}"), "--contact", "a@b.c",
                     "--images", "4", "--own", "2", "--tutorial", "0"]) == 0, capsys.readouterr().err
        assert main(["explore", "build", *runs, "--out", str(wf / f"ex-{where}"), "--variants", "2"]) == 0
        err = capsys.readouterr().err
        assert "Warning" not in err and "not there" not in err and "not at" not in err, err
        clips = sorted((wf / f"ex-{where}" / "media").glob("*/clip.mp3"))
        assert len(clips) == 2  # a preview clip per song: each song was found
        tracks = [json.loads(p.read_text()) for p in (wf / f"ex-{where}").glob("*.json")]
        assert len(tracks) == 2 and all(v["audio_path"] for t in tracks for v in t["data"])
        # render resumes the same folders from outside the tree too
        assert main(["render", str(wf / "music"), "--out", str(wf / "outputs"), "--variants", "2", "--size", "64",
                     "--workers", "1"]) == 0
        assert "0 picture(s) rendered, 4 skipped" in capsys.readouterr().out


@pytest.mark.parametrize("override, message", [
    ("optim.lr=fast", "optim.lr: expected a number, got 'fast'"),
    ("optim.epochs=2.5", "optim.epochs: expected a whole number, got 2.5"),
    ("data.noise_snr_db=[20]", "data.noise_snr_db: expected a pair of numbers"),
    ("encoder.width=wide", "encoder.width: expected a whole number, got 'wide'"),
])
def test_train_set_values_are_type_checked_before_anything_loads(capsys, monkeypatch, override, message):
    # Issue 20, case 5: `--set optim.lr=fast` ran 21 s of set-up, then crashed with a TypeError traceback.
    import importlib
    import time

    pytest.importorskip("accelerate")
    importlib.import_module("a2i.model.train")  # the package exports a function of the same name: patch the module
    monkeypatch.setattr(sys.modules["a2i.model.train"], "train", lambda *a, **k: pytest.fail("training started"))
    start = time.monotonic()
    assert main(["train", "--config", "tiny", "--set", override]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"a2i: error: {message}") and err.count("\n") == 1 and "--set" in err
    assert time.monotonic() - start < 10


def test_llm_endpoint_errors_name_the_url_and_come_fast(monkeypatch, capsys, mood_songs, tmp_path):
    # Issue 20, case 7: `--llm-base-url notaurl` retried for 17-22 s and ended with "Connection error."
    import time

    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    song = str(mood_songs["dark_minor"])
    start = time.monotonic()
    assert main(["generate", song, "--out", str(tmp_path / "a"), "--prompts", "llm", "--llm-base-url", "notaurl"]) == 2
    assert capsys.readouterr().err == ("a2i: error: --llm-base-url 'notaurl': not an http(s) URL; give the endpoint's "
                                       "address, e.g. http://localhost:8000/v1\n")
    assert time.monotonic() - start < 5
    start = time.monotonic()  # nothing listens on the discard port: refused, retried once, then named
    assert main(["generate", song, "--out", str(tmp_path / "b"), "--prompts", "llm", "--llm-base-url",
                 "http://127.0.0.1:9/v1", "--size", "32"]) == 2
    err = capsys.readouterr().err
    assert "cannot reach the LLM endpoint http://127.0.0.1:9/v1" in err and err.count("\n") == 1, err
    assert time.monotonic() - start < 15
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()
    monkeypatch.delenv("OPENAI_API_KEY")
    assert main(["generate", song, "--out", str(tmp_path / "c"), "--prompts", "llm"]) == 2
    assert "set it to your key for the endpoint (export OPENAI_API_KEY=...)" in capsys.readouterr().err


def test_sdxl_options_are_checked_from_the_configs_before_any_weights_or_song(mood_songs, tmp_path, monkeypatch, capsys):
    # Issue 20, case 6: int(steps x strength) = 0 crashed inside the VAE; encoder widths were compared with the
    # pipeline only after the weights loaded and the song was analysed.
    pytest.importorskip("diffusers")
    model, encoder = tmp_path / "sdxl", tmp_path / "encoder"
    (model / "unet").mkdir(parents=True)
    (model / "unet" / "config.json").write_text(json.dumps(
        {"cross_attention_dim": 32, "projection_class_embeddings_input_dim": 80, "addition_time_embed_dim": 8}))
    encoder.mkdir()
    (encoder / "config.json").write_text(json.dumps({"token_dim": 64, "pooled_dim": 32}))
    monkeypatch.setattr("a2i.mood.Analyzer.analyze", lambda *a, **k: pytest.fail("the song was analysed first"))
    monkeypatch.setattr("a2i.render.sdxl.SDXLBackend._load_pipeline", lambda *a: pytest.fail("weights loaded first"))
    song, out = str(mood_songs["dark_minor"]), str(tmp_path / "out")
    base = ["generate", song, "--out", out, "--backend", "sdxl", "--model", str(model), "--size", "64"]
    assert main([*base, "--init", "painter", "--strength", "0.3", "--steps", "3"]) == 2
    assert capsys.readouterr().err == ("a2i: error: --init painter with --steps 3 and --strength 0.3 leaves no denoising "
                                       "step (int(steps x strength) = 0); use --steps 4 or more, or a larger --strength\n")
    assert main([*base, "--encoder", str(encoder)]) == 2
    assert capsys.readouterr().err == (f"a2i: error: --encoder {encoder} makes embeddings of width 64 (pooled 32), but "
                                       f"the SDXL model {model} reads 32 (pooled 32); use an encoder trained for this "
                                       "--model\n")
    assert main(["render", song, "--out", out, "--backend", "sdxl", "--model", str(model), "--encoder",
                 str(encoder), "--size", "64"]) == 2  # once for the whole batch, not once per song
    assert capsys.readouterr().err.count("a2i: error:") == 1
    assert not (tmp_path / "out").exists()


def test_a_short_excerpt_of_a_loud_song_reads_loud_with_its_real_span(tmp_path, audio_of):
    # Issue 20, case 7: a 0.2 s excerpt of a -12.5 LUFS song reported -70 dB and "0-0 s" on its card.
    from a2i.audio import write
    from a2i.cards import clip_subtitle
    from a2i.features import loudness_lufs

    sr = 22050
    t = np.arange(int(2.0 * sr)) / sr
    tone = (0.5 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    whole, excerpt = loudness_lufs(audio_of(tone, sr)), loudness_lufs(audio_of(tone[: int(0.2 * sr)], sr))
    assert whole == pytest.approx(-9.76, abs=0.05) and excerpt == pytest.approx(whole, abs=0.1)
    assert loudness_lufs(audio_of(tone[: int(0.2 * sr)] * 0.1, sr)) == pytest.approx(whole - 20, abs=0.1)
    song = write(tmp_path / "excerpt.wav", audio_of(tone[: int(0.2 * sr)], sr))
    assert main(["generate", str(song), "--out", str(tmp_path / "run"), "--size", "64"]) == 0
    profile = json.loads((tmp_path / "run" / "profile.json").read_text())
    assert profile["loudness"] == pytest.approx(whole, abs=0.1) and profile["clips"][0]["end"] == pytest.approx(0.2)
    assert clip_subtitle(0, 1, 0.0, 0.2, 0) == "clip 1 of 1 · 0.0-0.2 s · seed 0"


def test_an_emoji_in_a_file_name_is_drawn_or_left_out_never_a_box():
    # Issue 20, case 8: an emoji in a file name printed as a box on the card.
    from a2i import fonts

    runs = fonts._runs("Mix 🎵 night \U0001fae0!", 30)  # U+1FAE0 (2021) is in no installed font
    assert "".join(run for run, _ in runs) == "Mix 🎵 night !"
    if any(path.endswith("Symbola_hint.ttf") for path in fonts._font_paths()):  # `make system-deps` installs it
        assert fonts.font_for("🎵", 30).path.endswith("Symbola_hint.ttf")


def test_train_never_writes_into_a_folder_of_other_files(tmp_path, monkeypatch, capsys):
    # Issue 20, case 1 for `train`: a new run's folder (log.log_dir/log.run_id) holding anything else is refused.
    pytest.importorskip("accelerate")
    papers = tmp_path / "papers"
    (papers / "taxes" / "2024").mkdir(parents=True)
    (papers / "taxes" / "2024" / "return.pdf").write_bytes(b"%PDF")
    (papers / "config.json").write_text("{\"mine\": true}")
    monkeypatch.chdir(tmp_path)
    sets = ["--set", f"log.log_dir={tmp_path}", "--set", "log.run_id=papers", "--set", f"data.cache_dir={tmp_path / 'c'}"]
    assert main(["train", "--config", "tiny", *sets]) == 2
    err = capsys.readouterr().err
    assert f"log.log_dir/log.run_id {papers}: holds files a2i did not write (config.json, taxes/)" in err, err
    assert (papers / "config.json").read_text() == "{\"mine\": true}" and not (tmp_path / "c").exists()
    assert main(["train", "--config", "tiny", "--set", f"log.log_dir={tmp_path.parent}", "--set",
                 f"log.run_id={tmp_path.name}"]) == 2
    assert "is the current directory" in capsys.readouterr().err
