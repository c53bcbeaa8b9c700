"""The planner and the seed policy: which pictures a song gets, with which prompts and seeds."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from PIL import Image

from a2i.cli import main
from a2i.errors import ConfigError
from a2i.fileio import content_hash
from a2i.mood import Analysis, ClipProfile, Profile
from a2i.outputs import read_run
from a2i.planner import Job, fill_prompt, plan, select_clips
from a2i.render.painter import paint
from a2i.seeding import MAX_SEED, picture_seed, song_seed

HASH_A, HASH_B = "a" * 64, "b" * 64


def analysis(n: int = 4, path: str = "music/song.flac") -> Analysis:
    clips = [ClipProfile(valence=0.1 + 0.25 * i, energy=0.9 - 0.25 * i, tempo=90.0 + i, key=0, mode=1, index=i, start=10.0 * i,
                         end=10.0 * i + 10.0) for i in range(n)]
    return Analysis(path, Profile(title="Tide", artist="Ana", genre="folk"), clips, {}, {}, 10.0 * n)


class CountingWriter:
    """A prompt writer that records which profiles it was asked about."""

    def __init__(self) -> None:
        self.asked: list[Profile] = []

    def generate(self, profile: Profile, n: int = 10, seed: int = 0) -> list[str]:
        self.asked.append(profile)
        return [f"text {k} for valence {profile.valence:.2f} seed {seed}" for k in range(n)]


def test_seeds_follow_the_song_and_the_user_seed():
    a, b = plan(analysis(), Job(clips="all"), HASH_A), plan(analysis(), Job(clips="all"), HASH_B)
    base = song_seed(0, HASH_A)
    assert [r.seed for r in a] == [picture_seed(base, i) for i in range(4)]
    assert not {r.seed for r in a} & {r.seed for r in b}  # two songs never share a picture seed
    assert [r.seed for r in plan(analysis(), Job(clips="all", seed=1), HASH_A)] != [r.seed for r in a]
    # The file name plays no part: only the bytes' hash does.
    renamed = plan(analysis(path="elsewhere/renamed.mp3"), Job(clips="all"), HASH_A, stem="song")
    assert [(r.seed, r.prompt, r.image) for r in renamed] == [(r.seed, r.prompt, r.image) for r in a]


def test_variants_and_styles():
    job = Job(clips="all", variants=3, styles=("ink", "glass"))
    requests = plan(analysis(), job, HASH_A)
    assert len(requests) == 4 * 3 * 2
    assert len({r.key for r in requests}) == len(requests) and len({r.image for r in requests}) == len(requests)
    by_picture = {}
    for r in requests:  # a forced style keeps its picture's seed: one composition in each style
        by_picture.setdefault((r.clip.index, r.variant), set()).add(r.seed)
    assert all(len(seeds) == 1 for seeds in by_picture.values())
    assert len({seeds.pop() for seeds in by_picture.values()}) == 12  # no two pictures share noise
    assert requests[1].image == "song_clip00_glass.png" and requests[2].image == "song_clip00_v1_ink.png"


def test_the_largest_seed_wraps_instead_of_failing():
    """`explore build` once added k to the seed itself, so --seed 2**64-1 with 3 variants failed."""
    requests = plan(analysis(), Job(clips="all", variants=3, seed=MAX_SEED), HASH_A)
    assert all(0 <= r.seed <= MAX_SEED for r in requests) and len({r.seed for r in requests}) == 12


def test_centre_clip_and_prompt_rotation():
    song = analysis(5)
    assert [c.index for c in select_clips(song, "center")] == [2]
    writer = CountingWriter()
    requests = plan(song, Job(variants=3, n_prompts=4), HASH_A, writer=writer)
    assert [r.clip.index for r in requests] == [2, 2, 2]
    assert [p.valence for p in writer.asked] == [song.clips[2].valence]  # written from the clip's own profile
    assert [r.prompt.split(" for")[0] for r in requests] == ["text 0", "text 1", "text 2"]
    assert requests[0].clip.title == "Tide" and requests[0].clip.genre == "folk"  # the song's tags for the card
    with pytest.raises(ConfigError, match="clips must be 'center' or 'all'"):
        plan(song, Job(clips="middle"), HASH_A)


def test_recorded_prompts_are_kept_and_the_writer_asked_only_for_the_rest():
    writer = CountingWriter()
    recorded = {(0, 0, None): "as recorded"}
    requests = plan(analysis(2), Job(clips="all"), HASH_A, recorded=recorded, writer=writer)
    assert requests[0].prompt == "as recorded"
    assert [p.valence for p in writer.asked] == [analysis(2).clips[1].valence]


def test_user_prompts_fill_placeholders_per_clip():
    job = Job(clips="all", user_prompts=("a harbour, {mood}, {tempo}, {key}", "{title} by {artist}"))
    requests = plan(analysis(3), job, HASH_A)
    assert requests[0].prompt == fill_prompt(job.user_prompts[0], requests[0].clip)
    assert requests[0].prompt.startswith("a harbour, restless anger, 90 BPM, C major")
    assert requests[1].prompt == "Tide by Ana" and requests[2].prompt.endswith("92 BPM, C major")
    for bad, message in (("a {colour} sky", "unknown placeholder {colour}"), ("a {", "Single '{'"), ("  ", "give the picture's text")):
        with pytest.raises(ConfigError, match=message):
            Job(user_prompts=(bad,)).check()


def test_song_seed_refuses_what_is_not_a_content_hash():
    with pytest.raises(ConfigError, match="SHA-256"):
        song_seed(0, "song.flac")


def test_generate_with_prompt_paints_the_users_text(mood_songs, tmp_path):
    out = tmp_path / "run"
    song = mood_songs["bright_major"]
    assert main(["generate", str(song), "--out", str(out), "--size", "64", "--variants", "2",
                 "--prompt", "A stained-glass window of a {mood} lighthouse"]) == 0
    run = read_run(out)
    assert run.options["user_prompts"] == ["A stained-glass window of a {mood} lighthouse"]
    base = song_seed(0, content_hash(song))
    for picture in run.pictures:
        clip = run.clip(picture.clip)
        assert picture.prompt == fill_prompt("A stained-glass window of a {mood} lighthouse", clip)
        assert picture.seed == picture_seed(base, picture.clip + picture.variant * len(run.clips))
    # A renamed copy of the song paints the very same pictures.
    copy = shutil.copy(song, tmp_path / "renamed.flac")
    assert main(["generate", str(copy), "--out", str(tmp_path / "copy"), "--size", "64", "--variants", "2",
                 "--prompt", "A stained-glass window of a {mood} lighthouse"]) == 0
    again = read_run(tmp_path / "copy")
    assert [p.seed for p in again.pictures] == [p.seed for p in run.pictures]
    for a, b in zip(run.pictures, again.pictures):
        assert np.array_equal(np.asarray(Image.open(run.image_path(a))), np.asarray(Image.open(again.image_path(b))))
    first = run.pictures[0]
    clip = run.clip(first.clip)
    clip.title = run.profile.title or song.name
    expected = paint(clip, prompt=first.prompt, size=64, seed=first.seed)
    assert np.array_equal(np.asarray(Image.open(run.image_path(first))), np.asarray(expected))  # re-made from the record


def test_bad_prompt_is_refused_before_any_work(mood_songs, tmp_path, capsys):
    out = tmp_path / "never"
    assert main(["generate", str(mood_songs["dark_minor"]), "--out", str(out), "--prompt", "a {colour} sky"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "unknown placeholder {colour}" in err
    assert not out.exists()


def test_video_keyframes_are_the_plan_of_the_segments_with_the_chosen_pictures_in_place():
    from dataclasses import replace

    from a2i.planner import Chosen, RenderRequest, plan_keyframes

    song = analysis(3)  # clips 0-10, 10-20, 20-30 s
    segments = [ClipProfile(valence=0.3 + 0.1 * i, index=i, start=s, end=e) for i, (s, e) in
                enumerate([(0, 7), (7, 14), (14, 19), (19, 30)])]
    job = Job(seed=3)
    plain = plan_keyframes(song, segments, job, HASH_A)
    planned = plan(replace(song, clips=segments), Job(clips="all", variants=2, seed=3), HASH_A)
    # Without choices: variant 0 of each segment, then the coda (the last segment's variant-1 seed, its prompt).
    assert [(k.seed, k.prompt) for k in plain] == [(r.seed, r.prompt) for r in planned if r.variant == 0] + [
        (planned[-1].seed, planned[-2].prompt)]
    pick = RenderRequest(song.clips[1], "a lighthouse", seed=99, variant=2, style="ink")
    keys = plan_keyframes(song, segments, job, HASH_A, chosen=Chosen(HASH_A, (pick,)))
    # Segment 2 (14-19 s) overlaps clip 1 most (5 s): it is the chosen picture itself. Segment 1 (7-14 s) also lies
    # mostly in clip 1 (4 s of 7): its prompt and style, its own seed and profile. Segments 0 and 3 are untouched.
    assert keys[2].clip == pick.clip and (keys[2].prompt, keys[2].seed, keys[2].style) == ("a lighthouse", 99, "ink")
    assert (keys[1].clip, keys[1].prompt, keys[1].seed, keys[1].style) == (plain[1].clip, "a lighthouse", plain[1].seed, "ink")
    assert [keys[i] for i in (0, 3, 4)] == [plain[i] for i in (0, 3, 4)]
    with pytest.raises(ConfigError, match="another song"):
        plan_keyframes(song, segments, job, HASH_B, chosen=Chosen(HASH_A, (pick,)))
