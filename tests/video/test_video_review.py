"""The thesis's review video, and the command's handling of bad input and existing files."""

from __future__ import annotations

import numpy as np
import pytest
from video_helpers import probe, read_frames

from a2i.cli import main
from a2i.errors import ConfigError
from a2i.video.make import make_video
from a2i.video.workdir import parts_dir


def test_review_video_holds_each_clips_card_for_its_audio(example_song, tmp_path, analyzer):
    out = tmp_path / "review.mp4"
    result = make_video(example_song, out, review=True, fps=2, size="240x126", progress=False, analyzer=analyzer)
    info = probe(out)
    assert (info["codec"], info["pix_fmt"], info["audio_codec"], info["size"]) == ("h264", "yuv420p", "aac", (240, 126))
    assert info["frames"] == result.n_frames == 60
    assert abs(info["video_seconds"] - info["audio_seconds"]) <= 0.5 and abs(info["audio_seconds"] - 30.0) < 0.01
    assert [(s.start, s.end) for s in result.segments] == [(0.0, 10.0), (10.0, 20.0), (20.0, 30.0)]
    frames = read_frames(out, (240, 126)).astype(np.int16)
    change = np.abs(np.diff(frames, axis=0)).mean(axis=(1, 2, 3))
    # The picture holds for each clip's 10 seconds (20 frames) and changes only at the clip boundaries.
    assert set(np.flatnonzero(change > 3.0).tolist()) == {19, 39}
    # The right half is the card's text panel (dark, tinted by the picture), the left the picture.
    assert frames[5, :, 130:].mean() < frames[5, :, :120].mean()
    assert not parts_dir(out).exists()


def test_existing_output_is_never_overwritten_without_asking(example_song, tmp_path, capsys):
    out = tmp_path / "keep.mp4"
    out.write_bytes(b"a holiday video")
    for extra in ([], ["--overwrite"]):  # not a video a2i made: kept even with --overwrite (issue 20)
        assert main(["video", str(example_song), "--out", str(out), "--review", *extra]) == 2
        err = capsys.readouterr().err
        assert err == (f"a2i: error: --out {out}: exists and is not a video written by a2i, so a2i leaves it alone; "
                       "choose another file name\n")
    assert out.read_bytes() == b"a holiday video"


def test_out_under_a_file_is_refused_before_analysis(example_song, tmp_path, capsys, monkeypatch):
    (tmp_path / "text.mp3").write_text("lyrics")
    monkeypatch.setattr("a2i.video.make.audio_io.load", lambda *a, **k: pytest.fail("analysed before the check"))
    assert main(["video", str(example_song), "--out", str(tmp_path / "text.mp3" / "x.mp4")]) == 2
    assert "text.mp3 is a file, so no folder can be made under it" in capsys.readouterr().err


def test_a_video_a2i_made_is_replaced_only_with_overwrite_and_honours_the_umask(example_song, tmp_path, capsys,
                                                                               analyzer, monkeypatch):
    import os
    import stat

    from a2i.video.encoder import is_a2i_video

    out = tmp_path / "song.mp4"
    mask = os.umask(0o022)
    try:
        make_video(example_song, out, review=True, fps=1, size="240x126", end=10.0, progress=False, analyzer=analyzer)
    finally:
        os.umask(mask)
    assert is_a2i_video(out) and stat.S_IMODE(out.stat().st_mode) == 0o644
    assert main(["video", str(example_song), "--out", str(out), "--review"]) == 2
    assert "exists; choose another name or add --overwrite" in capsys.readouterr().err
    titles = []
    import a2i.video.routes as routes

    real_card = routes.info_card
    monkeypatch.setattr(routes, "info_card", lambda image, clip, *a, **k: titles.append(clip.title) or real_card(image, clip, *a, **k))
    from a2i.audio import load, write

    untagged = write(tmp_path / "Demo Tape.wav", load(example_song, sr=22050))  # no title tag
    make_video(untagged, out, review=True, fps=1, size="240x126", end=10.0, progress=False, analyzer=analyzer,
               overwrite=True, seed=1)
    assert is_a2i_video(out)
    assert titles and set(titles) == {"Demo Tape.wav"}  # the file name, as `a2i generate` cards say, not "Untitled"


@pytest.mark.parametrize("args,message", [
    (["--size", "641x360"], "even"),
    (["--size", "big"], "WIDTHxHEIGHT"),
    (["--fps", "0"], "--fps"),
    (["--start", "40"], "--start"),
    (["--start", "5", "--end", "3"], "--end"),
])
def test_bad_options_are_one_line_errors(example_song, tmp_path, capsys, args, message):
    assert main(["video", str(example_song), "--out", str(tmp_path / "v.mp4"), *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("a2i: error:") and message in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def test_out_must_be_an_mp4(example_song, tmp_path, capsys):
    assert main(["video", str(example_song), "--out", str(tmp_path / "v.avi")]) == 2
    assert ".mp4" in capsys.readouterr().err


def test_a_leftover_render_is_kept_unless_resumed(example_song, tmp_path, analyzer):
    out = tmp_path / "v.mp4"
    parts = parts_dir(out)
    (parts / "chunks").mkdir(parents=True)
    with pytest.raises(ConfigError, match="--resume"):
        make_video(example_song, out, review=True, fps=1, size="64x34", progress=False, analyzer=analyzer)
    assert parts.exists()
    # --resume with other settings than the folder's is refused, naming what changed.
    (parts / "job.json").write_text('{"version": 1, "options": {"fps": "2"}}')
    with pytest.raises(ConfigError, match="--fps"):
        make_video(example_song, out, review=True, fps=1, size="64x34", resume=True, progress=False, analyzer=analyzer)


def test_a_resumed_render_keeps_the_first_runs_prompts(tmp_path):
    from a2i.video.workdir import WorkDir

    record = {"version": 1, "options": {"fps": "24"}}
    first = WorkDir(tmp_path / "v.mp4", record, resume=False)
    assert first.keep("prompts", ["a sunrise", "a storm"]) == ["a sunrise", "a storm"]
    # An LLM writes other prompts on the rerun; the keyframes must match the chunks already encoded.
    again = WorkDir(tmp_path / "v.mp4", record, resume=True)
    assert again.keep("prompts", ["a meadow", "a city"]) == ["a sunrise", "a storm"]


def test_an_interrupted_render_resumes_from_anywhere_after_the_tree_moves(example_song, tmp_path, analyzer,
                                                                          monkeypatch):
    # Issue 20: work folders recorded the song's path, so a moved project could not be resumed.
    import shutil

    import a2i.video.make as make

    project = tmp_path / "proj"
    project.mkdir()
    song = project / "song.flac"
    shutil.copy(example_song, song)
    monkeypatch.chdir(project)
    real_mux = make.concat_and_mux
    monkeypatch.setattr(make, "concat_and_mux", lambda *a, **k: (_ for _ in ()).throw(KeyboardInterrupt))
    with pytest.raises(KeyboardInterrupt):  # killed after every chunk was encoded, before the final mux
        make_video("song.flac", "v.mp4", review=True, fps=1, size="64x34", progress=False, analyzer=analyzer)
    assert (project / "v.mp4.parts" / "chunks").is_dir()
    moved = tmp_path / "elsewhere" / "proj"
    moved.parent.mkdir()
    project.rename(moved)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(make, "concat_and_mux", real_mux)
    result = make_video(moved / "song.flac", moved / "v.mp4", review=True, fps=1, size="64x34", resume=True,
                        progress=False, analyzer=analyzer)
    assert (moved / "v.mp4").is_file() and not (moved / "v.mp4.parts").exists()
    assert result.reused_chunks > 0
