"""The run folder: one schema written and read by the same code, and each run owning its folder."""

import json
import os
import stat
import subprocess
import sys

import pytest
from PIL import Image

from a2i.cli import main
from a2i.errors import ConfigError, MissingFileError, OutputError
from a2i.fileio import content_hash
from a2i.mood import Analysis, ClipProfile, Profile
from a2i.outputs import (
    RUN_NAME,
    SCHEMA_VERSION,
    Picture,
    RunFolder,
    card_name,
    picture_name,
    read_run,
    run_options,
    write_run,
)


def _hand_set_run(folder, *, variants=1):
    """A run written through the writer with a hand-set analysis (no audio needed)."""
    clips = [ClipProfile(valence=0.2 + 0.3 * i, index=i, start=10.0 * i, end=10.0 * (i + 1)) for i in range(2)]
    analysis = Analysis("songs/a.flac", Profile(valence=0.35, title="Jóga"), clips, {}, {}, 20.0)
    pictures = []
    for clip in clips:
        for variant in range(variants):
            image = picture_name("a", clip.index, variant, style="ink")
            Image.new("RGB", (16, 16)).save(folder / image)
            pictures.append(Picture(image=image, card=None, clip=clip.index, start=clip.start, end=clip.end,
                                    prompt=f"prompt {clip.index}", seed=7 + clip.index, variant=variant,
                                    backend="painter", style="ink"))
    options = run_options(clips="all", size=(64, 32), n_prompts=2, prompts="template", seed=7, variants=variants)
    write_run(folder, analysis=analysis, prompts=["prompt 0", "prompt 1"], options=options, pictures=pictures)
    return pictures


def test_run_record_round_trips_through_the_reader(tmp_path):
    pictures = _hand_set_run(tmp_path, variants=2)
    run = read_run(tmp_path)
    assert run.pictures == pictures
    assert [p.image for p in run.pictures] == ["a_clip00_ink.png", "a_clip00_v1_ink.png", "a_clip01_ink.png",
                                               "a_clip01_v1_ink.png"]
    assert run.profile.title == "Jóga" and run.profile.valence == 0.35
    assert [c.valence for c in run.clips] == [0.2, 0.5] and run.clip(1).start == 10.0
    assert run.options == {"clips": "all", "size": [64, 32], "n_prompts": 2, "prompts": "template",
                           "prompt_options": {}, "seed": 7, "backend": "painter", "backend_options": {},
                           "variants": 2}
    assert run.schema_version == SCHEMA_VERSION and run.a2i_version == "0.1.0" and run.vibenet_version
    assert run.image_path(run.pictures[0]) == tmp_path / "a_clip00_ink.png"
    assert card_name("a", 0, 1, "ink") == "a_clip00_v1_ink_card.png"


def test_reader_refuses_other_versions_and_missing_pictures(tmp_path):
    _hand_set_run(tmp_path)
    record = json.loads((tmp_path / RUN_NAME).read_text())
    (tmp_path / RUN_NAME).write_text(json.dumps({**record, "schema_version": SCHEMA_VERSION + 1}))
    with pytest.raises(ConfigError, match="run record version 3, this a2i reads versions 1, 2"):
        read_run(tmp_path)
    (tmp_path / RUN_NAME).write_text(json.dumps(record))
    (tmp_path / "a_clip01_ink.png").unlink()
    with pytest.raises(ConfigError, match="a_clip01_ink.png: listed in prompts.json but missing"):
        read_run(tmp_path)
    with pytest.raises(ConfigError, match="has no prompts.json"):
        read_run(tmp_path.parent)


def generate(song, out, *extra):
    return main(["generate", str(song), "--out", str(out), "--size", "32", *extra])


def test_default_folder_is_per_song(mood_songs, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["generate", str(mood_songs["dark_minor"]), "--size", "32"]) == 0
    assert main(["generate", str(mood_songs["bright_major"]), "--size", "32"]) == 0
    assert sorted(p.name for p in (tmp_path / "outputs").glob("[!.]*")) == ["bright_major", "dark_minor"]
    assert read_run(tmp_path / "outputs/dark_minor").pictures[0].image == "dark_minor_clip00.png"
    assert "outputs/bright_major/" in capsys.readouterr().out


def test_rerun_is_refused_unless_overwrite_replaces_it_whole(mood_songs, tmp_path, capsys):
    out = tmp_path / "run"
    assert generate(mood_songs["dark_minor"], out, "--clips", "all") == 0
    first = {p.name: p.read_bytes() for p in out.iterdir()}
    assert generate(mood_songs["dark_minor"], out, "--seed", "3") == 2
    assert "holds another run's results; pass --overwrite" in capsys.readouterr().err
    assert {p.name: p.read_bytes() for p in out.iterdir()} == first
    assert generate(mood_songs["dark_minor"], out, "--seed", "3", "--overwrite") == 0
    # No stale picture of the first run (clip 1) beside the new record (the centre clip only).
    assert sorted(p.name for p in out.glob("*.png")) == ["dark_minor_clip00.png", "dark_minor_clip00_card.png"]
    assert read_run(out).options["seed"] == 3
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".a2i-staging")] == []


def test_interrupted_rerun_leaves_the_earlier_run_intact(mood_songs, tmp_path, monkeypatch, capsys):
    out = tmp_path / "run"
    assert generate(mood_songs["dark_minor"], out, "--clips", "all") == 0
    first = {p.name: p.read_bytes() for p in out.iterdir()}
    from a2i.render import PainterBackend

    real_render, calls = PainterBackend.render, []

    def render_then_ctrl_c(self, **kwargs):
        calls.append(kwargs["seed"])
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real_render(self, **kwargs)

    monkeypatch.setattr(PainterBackend, "render", render_then_ctrl_c)
    assert generate(mood_songs["dark_minor"], out, "--clips", "all", "--seed", "9", "--overwrite") == 130
    from a2i.fileio import content_hash
    from a2i.seeding import picture_seed, song_seed

    base = song_seed(9, content_hash(mood_songs["dark_minor"]))
    assert calls == [picture_seed(base, 0), picture_seed(base, 1)]  # the first new picture was painted before the interruption
    assert {p.name: p.read_bytes() for p in out.iterdir()} == first
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]  # no staging folder, no lock file left


def test_concurrent_run_into_one_folder_is_refused(mood_songs, tmp_path, capsys):
    out = tmp_path / "run"
    with RunFolder(out) as holder:
        assert generate(mood_songs["dark_minor"], out) == 2
        assert "another a2i run is writing this folder" in capsys.readouterr().err
        (holder.path / "mine.txt").write_text("first run")
    assert [p.name for p in out.iterdir()] == ["mine.txt"]


@pytest.mark.parametrize("mask, file_mode, dir_mode", [(0o022, 0o644, 0o755), (0o077, 0o600, 0o700)])
def test_files_honour_the_umask(mood_songs, tmp_path, mask, file_mode, dir_mode):
    old = os.umask(mask)
    try:
        assert generate(mood_songs["dark_minor"], tmp_path / "run") == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "run").stat().st_mode) == dir_mode
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in (tmp_path / "run").iterdir()}
    assert set(modes) == {"dark_minor_clip00.png", "dark_minor_clip00_card.png", "profile.json", "prompts.json"}
    assert set(modes.values()) == {file_mode}


@pytest.mark.parametrize("out, message", [
    ("{file}/sub", "is a file, so no folder can be made under it"),
    ("{file}", "exists and is not a folder"),
    ("/proc/a2i-probe", "cannot write in /proc"),
    ("{song}", "is also an input"),
    ("{song_dir}", "contains the input"),
])
def test_odd_out_paths_are_refused_before_any_work(mood_songs, tmp_path, capsys, monkeypatch, out, message):
    song = mood_songs["dark_minor"]
    (tmp_path / "file.txt").write_text("x")
    out = out.format(file=tmp_path / "file.txt", song=song, song_dir=song.parent)

    def no_analysis(*args, **kwargs):
        raise AssertionError("the song was analysed before the output was checked")

    monkeypatch.setattr("a2i.mood.Analyzer.analyze", no_analysis)
    assert main(["generate", str(song), "--out", out]) == 2
    err = capsys.readouterr().err
    assert message in err and err.startswith("a2i: error: --out ") and len(err.strip().splitlines()) == 1
    assert song.is_file()


def test_io_error_mid_run_is_one_line_naming_the_path(mood_songs, tmp_path, monkeypatch, capsys):
    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device", str(tmp_path / "x.png"))

    monkeypatch.setattr("a2i.pipeline.atomic_save_png", disk_full)
    assert generate(mood_songs["dark_minor"], tmp_path / "run") == 2
    err = capsys.readouterr().err
    assert err == f"a2i: error: {tmp_path / 'x.png'}: No space left on device; check the path and its permissions\n"
    assert not (tmp_path / "run").exists()


def _tree(root):
    """Every path under ``root`` with its bytes (``None`` for a folder): what a refused command must not touch."""
    return {p.relative_to(root).as_posix(): (None if p.is_dir() else p.read_bytes()) for p in sorted(root.rglob("*"))}


@pytest.mark.parametrize("overwrite", [False, True])
def test_run_folder_refuses_a_folder_of_other_files_even_with_overwrite(tmp_path, overwrite):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(OutputError, match=r"holds files a2i did not write \(notes.txt\) and a2i replaces only its own") as info:
        RunFolder(tmp_path, overwrite=overwrite).check()
    assert "--overwrite" not in str(info.value)  # the refusal never steers towards deleting them


def test_overwrite_of_the_current_directory_keeps_a_git_project(mood_songs, tmp_path, monkeypatch, capsys):
    # Issue 20, case 1: `a2i generate SONG --out . --overwrite` in a git checkout deleted .git and src/.
    project = tmp_path / "proj"
    (project / "src").mkdir(parents=True)
    (project / "src" / "main.py").write_text("x")
    (project / ".git").mkdir()
    (project / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (project / "README.md").write_text("hello")
    monkeypatch.chdir(project)
    before = _tree(tmp_path)
    song = str(mood_songs["dark_minor"])
    assert main(["generate", song, "--out", "."]) == 2
    first = capsys.readouterr().err
    assert main(["generate", song, "--out", ".", "--overwrite"]) == 2
    second = capsys.readouterr().err
    assert _tree(tmp_path) == before
    for err in (first, second):
        assert err.count("a2i: error:") == 1 and "is the current directory" in err and "--overwrite" not in err
    # An empty current directory is refused too: the run would rename it away from under the shell.
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.chdir(empty)
    assert main(["generate", song, "--out", ".", "--overwrite"]) == 2
    assert "is the current directory" in capsys.readouterr().err and list(empty.iterdir()) == []


def test_overwrite_keeps_a_nested_tree_of_other_files(mood_songs, tmp_path, capsys):
    # Issue 20, case 1: a folder holding taxes/2024/return.pdf went the same way.
    out = tmp_path / "papers"
    (out / "taxes" / "2024").mkdir(parents=True)
    (out / "taxes" / "2024" / "return.pdf").write_bytes(b"%PDF-1.4 precious")
    before = _tree(tmp_path)
    for extra in ([], ["--overwrite"]):
        assert main(["generate", str(mood_songs["dark_minor"]), "--out", str(out), *extra]) == 2
        err = capsys.readouterr().err
        assert err == (f"a2i: error: --out {out}: holds files a2i did not write (taxes/) and a2i replaces only its "
                       "own folders; choose a new output folder\n")
    assert _tree(tmp_path) == before


def test_overwrite_keeps_files_added_to_a_run_folder(mood_songs, tmp_path, capsys):
    out = tmp_path / "run"
    song = str(mood_songs["dark_minor"])
    assert main(["generate", song, "--out", str(out)]) == 0
    (out / "my notes.txt").write_text("which picture I liked")
    before = _tree(tmp_path)
    assert main(["generate", song, "--out", str(out), "--overwrite"]) == 2
    err = capsys.readouterr().err
    assert "holds a run of a2i and files a2i did not write (my notes.txt)" in err and "move them out" in err
    assert _tree(tmp_path) == before
    (out / "my notes.txt").unlink()
    assert main(["generate", song, "--out", str(out), "--overwrite", "--seed", "4"]) == 0  # its own run: replaced
    assert read_run(out).options["seed"] == 4


@pytest.mark.parametrize("where", ["home", "parent of cwd", "song's folder", "root"])
def test_overwrite_never_takes_protected_folders(mood_songs, tmp_path, monkeypatch, where):
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(home)
    target = {"home": home, "parent of cwd": tmp_path, "song's folder": mood_songs["dark_minor"].parent,
              "root": tmp_path.anchor}[where]
    reason = {"home": "is the current directory", "parent of cwd": "holds the current directory",
              "song's folder": "contains the input", "root": "contains the input|holds the current"}[where]
    with pytest.raises(OutputError, match=reason):
        RunFolder(target, overwrite=True, inputs=[mood_songs["dark_minor"]]).check()
    monkeypatch.chdir(tmp_path.anchor)
    reason = {"home": "is a home directory", "parent of cwd": "holds the home directory",
              "song's folder": "contains the input", "root": "contains the input|is the root of a filesystem"}[where]
    with pytest.raises(OutputError, match=reason):
        RunFolder(target, overwrite=True, inputs=[mood_songs["dark_minor"]]).check()


def test_whole_seed_is_used_and_seeds_that_cannot_be_honoured_are_refused(mood_songs, tmp_path, capsys):
    from a2i.fileio import content_hash
    from a2i.seeding import picture_seed, song_seed

    pictures = {}
    for seed in (0, 2**32, 2**63, 2**64 - 1):
        assert generate(mood_songs["dark_minor"], tmp_path / str(seed), "--seed", str(seed)) == 0
        (picture,) = read_run(tmp_path / str(seed)).pictures
        assert picture.seed == picture_seed(song_seed(seed, content_hash(mood_songs["dark_minor"])), picture.clip)
        pictures[seed] = (tmp_path / str(seed) / picture.image).read_bytes()
    assert len(set(pictures.values())) == 4
    for bad in ("-1", str(2**64), "1e3"):
        with pytest.raises(SystemExit):
            generate(mood_songs["dark_minor"], tmp_path / "bad", "--seed", bad)
        assert "--seed: expected a whole number from 0 to 18446744073709551615" in capsys.readouterr().err
    assert not (tmp_path / "bad").exists()


def test_size_bounds_are_checked_by_the_parser(capsys, tmp_path):
    for bad in ("100000", "8", "x"):
        with pytest.raises(SystemExit):
            main(["generate", "does-not-matter.flac", "--out", str(tmp_path / "x"), "--size", bad])
        assert "--size: expected a side from 16 to 4096 pixels" in capsys.readouterr().err


def test_a_failed_write_names_its_file(tmp_path, monkeypatch):
    from a2i import fileio

    real_fdopen = fileio.os.fdopen

    class FullDisk:
        def __init__(self, fd, mode):
            self.handle = real_fdopen(fd, mode)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.handle.close()

        def write(self, data):
            raise OSError(28, "No space left on device")  # what write() raises: no file name

    monkeypatch.setattr(fileio.os, "fdopen", FullDisk)
    with pytest.raises(OSError) as info:
        fileio.atomic_write_bytes(tmp_path / "a.png", b"x" * 100)
    assert info.value.filename == str(tmp_path / "a.png") and info.value.errno == 28
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("signal_name", ["SIGINT", "SIGTERM"])
def test_killed_rerun_cleans_up_and_keeps_the_earlier_run(mood_songs, tmp_path, signal_name):
    import signal
    import subprocess
    import sys
    import time

    out = tmp_path / "run"
    assert generate(mood_songs["dark_minor"], out) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    # Eight variants of every clip: the signal lands after the first picture, with many seconds of work still
    # ahead even on a loaded machine (with one picture per clip the run could finish before the signal arrived).
    cmd = [sys.executable, "-m", "a2i", "generate", str(mood_songs["dark_minor"]), "--out", str(out), "--overwrite",
           "--clips", "all", "--variants", "8", "--size", "2048"]
    proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not list(tmp_path.glob(".a2i-staging-run-*/*.png")) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    proc.send_signal(getattr(signal, signal_name))
    err = proc.communicate(timeout=60)[1]
    assert proc.returncode == 130 and err.rstrip().endswith("a2i: interrupted")
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]  # no staging folder, no lock file left


def test_song_is_found_from_anywhere_and_after_the_tree_moves(mood_songs, tmp_path, monkeypatch):
    # Issue 20, case 4: the song was recorded as typed, so the next step broke from another directory.
    import shutil

    work = tmp_path / "wf"
    (work / "music").mkdir(parents=True)
    shutil.copy(mood_songs["dark_minor"], work / "music" / "x.flac")
    monkeypatch.chdir(work)
    assert main(["generate", "music/x.flac", "--out", "outputs/x", "--size", "64"]) == 0
    record = json.loads((work / "outputs" / "x" / RUN_NAME).read_text())
    assert record["schema_version"] == 2
    assert record["song"] == {"path": str(work / "music" / "x.flac"), "relative": "../../music/x.flac",
                              "sha256": content_hash(work / "music" / "x.flac")}
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert read_run(work / "outputs" / "x").song_path() == work / "outputs" / "x" / "../../music/x.flac"
    assert read_run("../wf/outputs/x").song_path().resolve() == work / "music" / "x.flac"
    # The whole tree moved: found relative to the run folder.
    moved = tmp_path / "moved"
    work.rename(moved)
    assert read_run(moved / "outputs" / "x").song_path().resolve() == moved / "music" / "x.flac"
    # Only the run folder moved: found at its absolute path.
    moved.rename(work)
    (tmp_path / "runs").mkdir()
    (work / "outputs" / "x").rename(tmp_path / "runs" / "x")
    assert read_run(tmp_path / "runs" / "x").song_path() == work / "music" / "x.flac"
    # The song moved as well: found by its content near the run folder.
    (work / "music").rename(work / "songs")
    assert read_run(tmp_path / "runs" / "x").song_path() == work / "songs" / "x.flac"
    # Another file with the song's name is not taken for it while the real one can be found.
    (work / "music").mkdir()
    (work / "music" / "x.flac").write_bytes(b"another song")
    assert read_run(tmp_path / "runs" / "x").song_path() == work / "songs" / "x.flac"
    # Gone: one error naming where it looked.
    (work / "songs" / "x.flac").unlink()
    (work / "music" / "x.flac").unlink()
    with pytest.raises(MissingFileError, match=r"the song it was made from is not at .*music/x\.flac nor at "):
        read_run(tmp_path / "runs" / "x").song_path()


def test_version_1_run_folders_are_still_read(tmp_path, monkeypatch):
    _hand_set_run(tmp_path)
    record = json.loads((tmp_path / RUN_NAME).read_text())
    (tmp_path / "songs").mkdir()
    (tmp_path / "songs" / "a.flac").write_bytes(b"audio")
    (tmp_path / RUN_NAME).write_text(json.dumps({**record, "schema_version": 1, "song": "songs/a.flac"}))
    monkeypatch.chdir(tmp_path.anchor)
    run = read_run(tmp_path)
    assert run.schema_version == 1 and run.song_path() == tmp_path / "songs" / "a.flac"


@pytest.mark.parametrize("case", ["a file", "/proc", "the music folder", "inside the music folder"])
def test_render_out_is_checked_before_any_song_is_decoded(mood_songs, tmp_path, monkeypatch, capsys, case):
    # Issue 20, case 3: every song was analysed first, then each failed with "Not a directory".
    import shutil

    music = tmp_path / "music"
    music.mkdir()
    shutil.copy(mood_songs["dark_minor"], music / "x.flac")
    (tmp_path / "notes.txt").write_text("mine")
    out = {"a file": tmp_path / "notes.txt", "/proc": "/proc/x", "the music folder": music,
           "inside the music folder": music / "runs"}[case]
    decoded = []
    monkeypatch.setattr("a2i.audio.load", lambda *a, **k: decoded.append(a) or (_ for _ in ()).throw(AssertionError))
    before = _tree(tmp_path)
    assert main(["render", str(music), "--out", str(out), "--size", "64", "--workers", "1"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"a2i: error: --out {out}: ") and err.count("\n") == 1
    assert {"a file": "is a file", "/proc": "cannot write in /proc", "the music folder": "is also an input",
            "inside the music folder": "lies inside the input folder"}[case] in err
    assert decoded == [] and _tree(tmp_path) == before


def test_a_failed_run_leaves_no_folders_it_created(tmp_path, capsys):
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    (tmp_path / "kept").mkdir()
    assert main(["generate", str(empty), "--out", str(tmp_path / "kept" / "a" / "b" / "run")]) == 2
    assert "file is empty" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["empty.wav", "kept"]  # a/ and a/b/ removed, kept/ kept


def test_installed_versions_are_importlib_metadata_s(tmp_path, monkeypatch):
    """The run record's library versions, read without importing importlib.metadata, are the ones it gives:
    for installed wheels (names in any case or separator), a folder on sys.path, an egg (importlib.metadata's
    own answer) and nothing installed."""
    from importlib import metadata

    from a2i import outputs

    (tmp_path / "My_Tool-2.5.1.dist-info").mkdir()
    (tmp_path / "My_Tool-2.5.1.dist-info" / "METADATA").write_text("Metadata-Version: 2.1\nName: My.Tool\nVersion: 2.5.1\n\nVersion: 9\n")
    (tmp_path / "eggy-3.4-py3.11.egg-info").mkdir()
    (tmp_path / "eggy-3.4-py3.11.egg-info" / "PKG-INFO").write_text("Metadata-Version: 1.1\nName: eggy\nVersion: 3.4\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    outputs.installed_version.cache_clear()
    for name in ("vibenet", "numpy", "onnxruntime", "pillow", "Pillow", "threadpoolctl", "my-tool", "My.Tool", "eggy"):
        assert outputs.installed_version(name) == metadata.version(name), name
    assert outputs.installed_version("my_tool") == "2.5.1"
    assert outputs.installed_version("no-such-distribution") is None
    outputs.installed_version.cache_clear()


def test_a_run_record_s_versions_need_no_importlib_metadata():
    """Importing importlib.metadata (the email parser, zipfile, csv) took 20 ms of every `a2i generate`."""
    code = ("import sys\nfrom a2i.outputs import library_versions\nversions = library_versions()\n"
            "print(versions['vibenet_version'] is not None, 'importlib.metadata' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["True", "False"], done.stdout + done.stderr
