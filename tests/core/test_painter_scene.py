"""The scene grammar: the text decides what is drawn, the card says what is drawn, colours are the named ones."""

import dataclasses

import numpy as np
import pytest

from a2i.features import SignalFeatures
from a2i.mood import Profile
from a2i.render.painter import STYLES, describe, paint, paint_with_record
from a2i.render.painter.colours import delta_e2000, srgb_to_lab
from a2i.render.painter.legibility import MIN_CONTRAST
from a2i.render.painter.palette import mood_for
from a2i.render.painter.scene import compose
from a2i.render.painter.scene.stack import Line, Shape
from a2i.render.painter.scene.subjects import SUBJECTS
from a2i.render.painter.text import read_prompt

MOOD = mood_for(Profile(valence=0.6, energy=0.5))

# Pixels (rows 40-41, columns 60-61) at 96 x 96, seed 4, of two prompts in the landscape style: the text moves them.
# Re-pin only for a deliberate change: `python tests/core/test_painter_scene.py` prints them.
PINNED_TEXTS = {
    "lighthouse": "A lighthouse on a rocky shore at night, deep indigo and silver",
    "dunes": "Desert dunes under a blazing sun, in gold and coral",
}
# Round 6: the lighthouse (a named night) is graded toward the night's range now: its indigo sky is 26 levels darker.
PINNED = {
    "lighthouse": [[[58, 14, 160], [60, 16, 161]], [[52, 5, 159], [52, 5, 158]]],
    "dunes": [[[251, 228, 89], [252, 229, 90]], [[252, 227, 90], [251, 226, 89]]],
}


def patch(prompt, profile=None):
    profile = profile or Profile(valence=0.6, energy=0.5)
    return np.asarray(paint(profile, prompt=prompt, style="landscape", size=96, seed=4))[40:42, 60:62].tolist()


def test_the_vocabulary_has_the_issues_subjects():
    wanted = {"sun", "moon", "stars", "clouds", "rain", "snow", "sea", "lake", "river", "shore", "mountains", "hills", "dunes",
              "forest", "tree", "meadow", "city", "street", "road", "bridge", "lighthouse", "boat", "birds", "figure", "crowd",
              "fire", "fireworks", "window"}
    assert wanted <= set(SUBJECTS) and len(SUBJECTS) >= 20


@pytest.mark.parametrize("name", sorted(SUBJECTS))
def test_every_subject_named_alone_is_drawn_and_described(name):
    spec = SUBJECTS[name]
    prompt = f"A picture of {spec.singular}."
    assert name in read_prompt(prompt).subjects
    drawn = describe(Profile(), prompt=prompt, size=256, seed=3)
    assert name in drawn.subjects, (name, drawn)
    assert spec.singular in drawn.description


def test_counts_are_drawn():
    scene = compose("Three boats and one lighthouse on the sea", MOOD, seed=2, aspect=1.0)
    hulls = [s for s in scene.stack.shapes if s.subject == "boat" and isinstance(s.parts[1], Line)]  # hull and mast, not sails
    towers = [s for s in scene.stack.shapes if s.subject == "lighthouse" and len(s.parts) == 1 and s.depth == 0.72]
    assert len(hulls) == 3 and len(towers) == 1
    assert read_prompt("a pair of boats, five birds and a few trees").subjects == {"boat": 2, "birds": 5, "tree": 3}


def test_counts_in_digits_people_and_kinds_of_tree():
    assert read_prompt("4 figures and 10 birds over a lake").subjects == {"figure": 4, "birds": 10, "lake": 1}
    assert read_prompt("three people by a campfire").subjects == {"figure": 3, "fire": 1}
    assert read_prompt("people at a campfire").subjects == {"crowd": 1, "fire": 1}
    assert read_prompt("a couple of pine trees and two women").subjects == {"tree": 2, "figure": 2}
    assert read_prompt("pine trees").subjects == {"forest": 1} and read_prompt("a cherry tree").subjects == {"tree": 1}


@pytest.mark.parametrize("prompt, absent, left_out", [
    ("a calm sea with no boats, no people and without clouds or cars", {"boat", "figure", "crowd", "clouds"}, ("car",)),
    ("a moonless night over a lake, not a single bird", {"moon", "birds"}, ()),
    ("an empty beach under a clear sky", {"figure", "crowd", "clouds"}, ()),
    ("a meadow without any trees, nobody around", {"tree", "forest", "figure", "crowd"}, ()),
])
def test_negated_subjects_are_left_out_and_the_card_says_so(prompt, absent, left_out):
    reading = read_prompt(prompt)
    assert reading.negated == absent and reading.left_out == left_out and not reading.not_drawn
    for seed in range(3):
        drawn = describe(Profile(valence=0.2 + 0.3 * seed, energy=0.8), prompt=prompt, size=128, seed=seed)
        scene = compose(prompt, mood_for(Profile(valence=0.2 + 0.3 * seed, energy=0.8), None, seed), seed=seed, aspect=1.0)
        assert not absent & set(scene.plan.subjects) and not absent & set(drawn.subjects), (prompt, seed)
        assert set(drawn.left_out) == absent | set(left_out) and ", without " in drawn.description, drawn
    assert read_prompt("a lighthouse, no people but a lone figure").negated == {"crowd"}  # named subjects stay
    assert not read_prompt("not far from the sea, a boat with a sail").negated


def test_compound_colour_words_name_one_colour():
    def names(text):
        return [c.name for c in read_prompt(text).colours]

    assert names("emerald green, navy blue and ice blue") == ["emerald", "navy", "ice blue"]
    assert names("desert sand dunes at golden hour in sea-green and burnt orange") == ["sea green", "burnt orange"]
    assert read_prompt("desert dunes in sand and rust").subjects == {"dunes": 1}  # "sand" is a colour here,
    assert "shore" in read_prompt("a beach of sand and rocks").subjects  # a shore there
    assert names("boats pulled up on the sand, in sand and gold") == ["sand", "gold"]  # "the sand" is the beach
    assert names("boats pulled up on the sand") == [] and "shore" in read_prompt("boats on the sand").subjects
    assert names("a charcoal drawing of a lone figure") == [] and names("in charcoal and gold") == ["charcoal", "gold"]
    # A colour name that heads its phrase is the thing: "a single red rose" is red, and a rose the card reports
    assert names("a single red rose on black background") == ["red", "black"]
    assert read_prompt("a single red rose on black background").not_drawn == ("rose",)
    assert names("a peach and a plum") == [] and names("a coral and turquoise palette, a rose sky") == ["coral", "turquoise", "rose"]
    assert "sea" not in read_prompt("a lake in sea-green").subjects


@pytest.mark.parametrize("text, colours, time, weather, subjects", [
    ("a city skyline across a river, in midnight blue and mahogany", ["midnight blue", "mahogany"], None, set(), {"city", "river"}),
    ("a meadow in sunset orange and snow white", ["sunset orange", "snow white"], None, set(), {"meadow"}),
    ("a harbour in storm grey and dawn pink", ["storm grey", "dawn pink"], None, set(), {"sea"}),
    ("hills in forest green and sea green under a sky blue sky", ["forest green", "sea green", "sky blue"], None, set(), {"hills"}),
    ("a street in neon pink and electric green", ["neon pink", "electric green"], None, set(), {"street"}),
    ("snow falling at midnight on a village, in midnight blue", ["midnight blue"], "night", {"snow"}, {"snow", "village"}),
    ("a sea green lake at sunset", ["sea green"], "dusk", set(), {"lake", "sun"}),
    ("beach; palm trees; sunset; orange sky", ["orange"], "dusk", set(), {"shore", "tree", "sun"}),  # not across ";"
])
def test_a_colour_name_wins_over_the_time_weather_and_subject_words_in_it(text, colours, time, weather, subjects):
    """"midnight blue" was read as the time "night", "sunset orange" as dusk and a sun, "snow white" as snowfall,
    "storm grey" as a storm; where the words form a colour name of the table it is a colour, and the same words
    elsewhere keep their meaning."""
    reading = read_prompt(text)
    assert [c.name for c in reading.colours] == colours
    assert (reading.time, set(reading.weather), set(reading.subjects)) == (time, weather, subjects)


def test_electric_green_is_the_luminous_green():
    """"electric green" was green made more vivid (dE2000 27 from #00FF00; 0-9 % of a picture came within 20)."""
    ref = srgb_to_lab(np.array([0.0, 1.0, 0.0]))
    assert float(delta_e2000(np.array(read_prompt("electric green").colours[0].lab), ref)) < 1.0
    image = paint(Profile(valence=0.2, energy=0.5), prompt="a crowd at a concert, purple and electric green lights",
                  style="landscape", size=96, seed=2)
    lab = srgb_to_lab(np.asarray(image, dtype=np.float64) / 255.0)
    assert float((delta_e2000(lab, ref) < 20.0).mean()) >= 0.15


def test_unknown_subjects_are_reported_and_the_card_says_so():
    image, drawn = paint_with_record(Profile(), prompt="A cat asleep on a sunny windowsill", size=96, seed=0)
    assert "cat" in drawn.not_drawn and "window" in drawn.subjects and "sun" in drawn.subjects
    assert "cat" not in drawn.description


def test_the_text_moves_the_picture_and_the_song_moves_its_colours():
    assert patch(PINNED_TEXTS["lighthouse"]) == PINNED["lighthouse"]
    assert patch(PINNED_TEXTS["dunes"]) == PINNED["dunes"]
    assert patch(PINNED_TEXTS["dunes"], Profile(valence=0.1, energy=0.2)) != PINNED["dunes"]


def mean_lightness(image):
    rgb = np.asarray(image, dtype=np.float32) / 255.0
    return float(((rgb.max(axis=2) + rgb.min(axis=2)) / 2).mean())


@pytest.mark.parametrize("style", ["glass", "landscape", "fields"])
def test_a_night_is_darker_than_a_day_and_still_follows_the_mood(style):
    """The prompt's time of day sets the range of the picture's lightness, the mood moves within it: a "night"
    is darker than the same song's day (a happy night is no bright orange picture), a happy night lighter than
    a sad one, and the happiest night darker than a mid-valence day (palette.TIME_LIGHTNESS)."""
    river = "a river winding through a forest under a full moon"
    light = {(time, v): mean_lightness(paint(Profile(valence=v, energy=0.5), prompt=f"{river} {words}", style=style,
                                             size=64, seed=2))
             for time, words in (("day", "in the afternoon"), ("night", "at night")) for v in (0.2, 0.5, 0.9)}
    for v in (0.2, 0.5, 0.9):
        assert light["night", v] < light["day", v] - 0.02 * (v > 0.2), (v, light)
    assert light["night", 0.2] < light["night", 0.5] < light["night", 0.9] < light["day", 0.5], light
    assert light["day", 0.9] - light["night", 0.9] > 0.2, light


@pytest.mark.parametrize("style", ["glass", "watercolour", "flow"])
def test_a_night_that_names_colours_is_dark_and_shows_them(style):
    """At night the named colours are the lit things against a dark ground (scene._named_regions): the sky (the
    top fifth) stays dark and the picture's mean in the night's range, while each colour keeps its 15 %; by day
    the same prompt is lighter, and a happy night lighter than a sad one. On round 5's painter (named colours kept
    the day's lightness) the fireworks' magenta sky put the top fifth at L* 39-62 and the mean at 0.34-0.62."""
    night = "fireworks over a harbour at night, in magenta and gold"
    means = []
    for valence in (0.2, 0.8):
        profile = Profile(valence=valence, energy=0.5)
        image = paint(profile, prompt=night, style=style, size=96, seed=1)
        rgb = np.asarray(image, dtype=np.float64) / 255.0
        sky = float(srgb_to_lab(rgb[: 96 // 5])[..., 0].mean())
        # 0.46: the benchmark's bar (bench_painter_text.NIGHT_MEAN, 0.45) with a margin: a happy watercolour night, its
        # transparent washes keeping the paper's light, sits on it (0.449-0.451 on seeds 1-3; round 5's painter: 0.62)
        assert sky < 35.0 and mean_lightness(image) < 0.46, (valence, sky, mean_lightness(image))
        for name in ("magenta", "gold"):
            assert share_near(image, name) >= 0.15, (valence, name, share_near(image, name))
        day = paint(profile, prompt=night.replace("at night", "at noon"), style=style, size=96, seed=1)
        assert mean_lightness(day) > mean_lightness(image) + 0.05, (valence, mean_lightness(day), mean_lightness(image))
        means.append(mean_lightness(image))
    assert means[1] > means[0] + 0.03, means  # the song's valence still orders its nights


def test_a_dark_named_colour_is_the_night_sky_and_the_lights_take_the_others():
    """"midnight blue" at night is the sky itself; the fireworks are painted in the lit colour (gold), not mixed
    with the lamp's orange into a dull brown as before."""
    scene = compose("fireworks over a lake at night, in midnight blue and gold", MOOD, seed=1, aspect=1.0)
    sky = srgb_to_lab(np.asarray(scene.stack.sky_top, dtype=np.float64))
    assert float(delta_e2000(sky, np.array(read_prompt("midnight blue").colours[0].lab))) < 12.0
    gold = np.array(read_prompt("gold").colours[0].lab)
    bursts = [s for s in scene.stack.shapes if s.subject == "fireworks"]
    colours = [srgb_to_lab(np.asarray(s.colour, dtype=np.float64)) for s in bursts]
    assert colours and all(float(delta_e2000(colour, gold)) < 5.0 for colour in colours)


def test_an_ink_night_lays_a_dark_wash_on_its_sky():
    """Ink kept its light paper sky at night (L* 40-64 in the top fifth over a darker shore); an ink night is a
    dark wash of sky with the moon left as bare paper."""
    for valence in (0.2, 0.8):
        image = paint(Profile(valence=valence, energy=0.5), prompt="a lighthouse on the shore under a full moon at night",
                      style="ink", size=96, seed=1)
        lightness = srgb_to_lab(np.asarray(image, dtype=np.float64) / 255.0)[..., 0]
        assert lightness[: 96 // 5].mean() < lightness.mean(), (valence, lightness[: 96 // 5].mean(), lightness.mean())
        assert lightness.max() > lightness[: 96 // 5].mean() + 40.0  # the moon: bare paper


def share_near(image, name, within=20.0):
    lab = srgb_to_lab(np.asarray(image, dtype=np.float64) / 255.0)
    target = read_prompt(name).colours[0].lab
    return float((delta_e2000(lab, np.array(target)) < within).mean())


@pytest.mark.parametrize("style", sorted(STYLES))
def test_named_colours_cover_the_picture_in_every_style(style):
    prompt = "A lighthouse on a stormy coast at night. Deep indigo and silver light with crashing waves."
    for profile in (Profile(valence=0.2, energy=0.3), Profile(valence=0.8, energy=0.7)):
        image = paint(profile, prompt=prompt, style=style, size=128, seed=1)
        for name in ("deep indigo", "silver"):
            assert share_near(image, name) >= 0.15, (style, profile.valence, name, share_near(image, name))


def test_a_named_colour_a_style_dilutes_is_glazed_back_to_its_share():
    """A watercolour thins a happy song's charcoal and dark red to 6 % and 11 % of the picture; the keyframe
    glazes each back in its own region, and leaves the colour that held (electric blue) alone."""
    from a2i.render.painter import keyframe, style_stream
    from a2i.render.painter.colour_keeping import SHARE_GOAL, named_shares
    from a2i.render.painter.styles.base import Canvas, Painting
    from a2i.seeding import rng as seeded_rng

    prompt = "a road through the hills, in charcoal and dark red and electric blue"
    mood = mood_for(Profile(valence=0.8, energy=0.3), None, 0)
    scene = compose(prompt, mood, seed=0, aspect=1.0)
    raster = scene.stack.raster(96, 96)
    raw = STYLES["watercolour"].draw(Painting(Canvas(96, 96), mood, scene, raster, seeded_rng(0, style_stream("watercolour"))))
    kept = keyframe(Profile(valence=0.8, energy=0.3), prompt=prompt, style="watercolour", seed=0, canvas=Canvas(96, 96))
    before, after = named_shares(raw, scene, scene.mood), named_shares(kept.layers, kept.scene, kept.scene.mood)
    assert max(before[:2]) < 0.12 and min(after) >= SHARE_GOAL and abs(after[2] - before[2]) < 0.01, (before, after)


def test_named_colours_still_follow_the_mood():
    prompt = "Mountains above a still lake in teal and ochre"

    def lightness(v):
        return np.mean([np.asarray(paint(Profile(valence=v, energy=0.5), prompt=prompt, style=s, size=96, seed=0).convert("L")).mean()
                        for s in ("landscape", "watercolour", "glass")])

    assert lightness(0.1) + 8 < lightness(0.5) < lightness(0.9) - 8


def test_the_drawn_record_is_what_the_picture_shows():
    """The card's subjects come from the rasterised scene: a subject in the record covers part of the picture."""
    prompt = "Fireworks over a crowd by a river, two boats and a bridge, under the stars"
    image, drawn = paint_with_record(Profile(valence=0.8, energy=0.9), prompt=prompt, size=192, seed=5)
    scene = compose(prompt, mood_for(Profile(valence=0.8, energy=0.9), None, 5), seed=5, aspect=1.0)
    shown = scene.stack.raster(192, 192).visible()
    assert set(drawn.subjects) <= set(shown) and {"fireworks", "crowd", "river", "boat", "bridge", "stars"} <= set(drawn.subjects)
    assert drawn.subjects["boat"] == 2 and "two boats" in drawn.description


if __name__ == "__main__":
    for key, text in PINNED_TEXTS.items():
        print(f'    "{key}": {patch(text)},')


def features(centroid, dynamic_range=10.0):
    return SignalFeatures(loudness=-12.0, centroid=centroid, rolloff=4000.0, flatness=0.1, flux=1.0, onset_rate=3.0, tempo=120.0,
                          key=0, mode=1, mode_strength=0.2, dynamic_range=dynamic_range)


def test_bright_timbre_hardens_edges_and_dynamic_range_adds_contrast():
    profile = Profile(valence=0.5, energy=0.5)
    dark, bright = mood_for(profile, features(600.0)), mood_for(profile, features(4500.0))
    assert dark.hardness < 0.2 < 0.9 < bright.hardness
    assert mood_for(profile, features(2000.0, 28.0)).contrast > mood_for(profile, features(2000.0, 6.0)).contrast + 0.04

    def edge_energy(image):  # 3 x 3 blocks averaged first: the grain does not count, the forms' edges do
        g = np.asarray(image.convert("L").reduce(3), dtype=np.float32)
        return float(np.abs(np.diff(g, axis=0)).mean() + np.abs(np.diff(g, axis=1)).mean())

    text = "A colour-field painting of mountains above a lake"
    soft = paint(profile, prompt=text, size=192, seed=1, features=features(600.0))
    hard = paint(profile, prompt=text, size=192, seed=1, features=features(4500.0))
    assert edge_energy(hard) > 1.1 * edge_energy(soft)


@pytest.mark.parametrize("style", ["landscape", "bauhaus"])
def test_three_colours_share_even_a_scene_of_sky_and_sea(style):
    """Two big regions, three colours: the sky is cut in two bands, so each colour still gets its share."""
    prompt = "The open sea under a wide sky, in indigo and gold and teal"
    scene = compose(prompt, mood_for(Profile(valence=0.5, energy=0.5)), seed=2, aspect=1.0)
    assert scene.stack.sky_split is not None
    for profile in (Profile(valence=0.2, energy=0.3), Profile(valence=0.8, energy=0.7)):
        image = paint(profile, prompt=prompt, style=style, size=96, seed=2)
        for name in ("indigo", "gold", "teal"):
            assert share_near(image, name) >= 0.15, (style, profile.valence, name, share_near(image, name))
    one = compose("The open sea under a wide sky, in teal", MOOD, seed=2, aspect=1.0)
    assert one.stack.sky_split is None  # one colour: the sky stays one gradient


def test_loudness_sets_the_weight_of_the_marks():
    quiet, neutral, loud = (mood_for(Profile(loudness=db)) for db in (-22.0, Profile().loudness, -4.0))
    assert quiet.mark_scale < 0.7 and neutral.mark_scale == 1.0 and loud.mark_scale > 1.1
    text = "A stained-glass window of a lighthouse above the sea"

    def leading(db):  # how much darker than the glass the picture is: the leading between the panes (the darkest
        # marks, 30 levels under the median: neighbouring panes differ in lightness too, so that they read apart)
        grey = np.asarray(paint(Profile(valence=0.7, energy=0.5, loudness=db), prompt=text, size=128, seed=3).convert("L"))
        grey = grey.astype(np.float32)
        return float(np.clip(np.median(grey) - grey - 30.0, 0.0, None).mean())

    assert leading(-4.0) > 1.1 * leading(-22.0)


@pytest.mark.parametrize("prompt", ["A lighthouse on a stormy coast at night", "Seven clouds over the sea at dawn"])
def test_clouds_are_drawn_apart_so_the_cards_count_is_countable(prompt):
    """Each cloud's extent (its puffs' bounding box) meets no other cloud's: merged clouds would be miscounted."""
    for seed in range(6):
        scene = compose(prompt, MOOD, seed=seed, aspect=1.0)
        clouds = [s for s in scene.stack.shapes if s.subject == "clouds"]
        assert len(clouds) == scene.plan.subjects["clouds"] >= 3
        boxes = [(min(e.cx - e.rx for e in c.parts), min(e.cy - e.ry for e in c.parts),
                  max(e.cx + e.rx for e in c.parts), max(e.cy + e.ry for e in c.parts)) for c in clouds]
        for i, a in enumerate(boxes):
            for b in boxes[i + 1:]:
                assert a[2] < b[0] or b[2] < a[0] or a[3] < b[1] or b[3] < a[1], (seed, a, b)


@pytest.mark.parametrize("style", sorted(STYLES))
def test_a_small_subject_reads_against_its_ground_in_every_style(style):
    """The dunes prompt's road (once faint: as light as the dunes around it) differs from its surround by at
    least MIN_CONTRAST (dE2000 of the mean colours) in every style, for a sad and a happy song."""
    from a2i.render.painter.legibility import subject_contrast

    text = "Two figures walking a long road through desert dunes at sunset."
    for seed, valence in ((1, 0.75), (5, 0.3), (5, 0.75)):
        profile = Profile(valence=valence, energy=0.5)
        image, drawn = paint_with_record(profile, prompt=text, style=style, size=128, seed=seed)
        raster = compose(text, mood_for(profile, None, seed), seed=seed, aspect=1.0).stack.raster(128, 128)
        contrast = subject_contrast(image, raster, ["road"])
        assert contrast["road"] >= MIN_CONTRAST, (style, seed, valence, contrast)


@pytest.mark.parametrize("style", ["ink", "watercolour", "fields", "flow"])
def test_every_drawn_subject_reads_after_the_style_draws(style, monkeypatch):
    """Round 4's audit: the ink traveller on a dark road, watercolour and fields forests (once dE2000 1-5 from
    their surround) read in these styles for a sad and a happy song; without the legibility shifts they do not."""
    import a2i.render.painter as painter
    from a2i.render.painter.legibility import MIN_CONTRAST, subject_contrast

    text = "A lone traveller on a dark road through pine woods at night, a crescent moon above."
    worst = {}
    for keep in (True, False):
        values = []
        for seed, valence in ((1, 0.25), (4, 0.8)):
            profile = Profile(valence=valence, energy=0.5)
            if not keep:
                monkeypatch.setattr(painter, "legible_shifts", lambda layers, scene, *args: np.zeros(len(scene.stack.shapes)))
            image, drawn = paint_with_record(profile, prompt=text, style=style, size=96, seed=seed)
            raster = compose(text, mood_for(profile, None, seed), seed=seed, aspect=1.0).stack.raster(96, 96)
            values += list(subject_contrast(image, raster, ["figure", "road", "forest"]).values())
        worst[keep] = min(values)
    assert worst[True] >= MIN_CONTRAST > worst[False], worst


def test_a_colour_goes_on_the_subject_it_is_written_on():
    """"red poppies ... a blue sky": the sky blue and the meadow red (both were once given by area order, which
    painted a red sky over a blue meadow); a "red sun" is red but still a light."""
    reading = read_prompt("A meadow of red poppies and a single oak tree under a blue sky.")
    assert reading.colour_targets == ("meadow", "sky")
    assert read_prompt("in gold and violet, a red sun over black hills").colour_targets == (None, None, "sun", "hills")
    for seed in range(3):
        scene = compose("A meadow of red poppies and a single oak tree under a blue sky.", MOOD, seed=seed, aspect=1.0)
        sky = srgb_to_lab(np.asarray(scene.stack.sky_top, dtype=np.float64))
        meadow = [srgb_to_lab(np.asarray(s.colour, dtype=np.float64)) for s in scene.stack.shapes if s.subject == "meadow"]
        assert sky[2] < -20 and meadow[0][1] > 30, (seed, sky, meadow[0])  # blue (b* < 0), red (a* > 0)
        sun = compose("A harbour with two lighthouses and a red sun.", MOOD, seed=seed, aspect=1.0)
        disc = srgb_to_lab(np.asarray(next(s.colour for s in sun.stack.shapes if s.subject == "sun"), dtype=np.float64))
        assert disc[1] > 25 and disc[0] >= 60, (seed, disc)  # red, lighter than red (L* 54): still a light


def test_a_colour_written_on_the_sea_goes_there_when_colours_outnumber_regions():
    """"one red sun, three black birds, a white lighthouse on a blue sea": the picture has two regions (sky and sea)
    for four colours; the runs were cut for two, the sea stayed in the second colour's and was painted black, its
    blue left to the waves. Every colour gets a run, so the sea is blue and the sky red, each bird black."""
    text = "A Bauhaus poster: one red sun, three black birds, a white lighthouse on a blue sea."
    for seed in range(3):
        scene = compose(text, MOOD, seed=seed, aspect=1.0)
        sea = next(srgb_to_lab(np.asarray(s.colour, dtype=np.float64)) for s in scene.stack.shapes if s.subject == "sea")
        sky = srgb_to_lab(np.asarray(scene.stack.sky_top, dtype=np.float64))
        birds = [srgb_to_lab(np.asarray(s.colour, dtype=np.float64)) for s in scene.stack.shapes if s.subject == "birds"]
        assert sea[2] < -40 and sky[1] > 40, (seed, sea, sky)  # blue (b* < 0), red (a* > 0)
        assert all(b[0] < 30 for b in birds), (seed, birds)


def test_fireworks_leave_the_moon_and_the_sun_clear():
    """A burst once covered the moon (it read as one more firework): every burst's dots stay off the light."""
    for seed in range(8):
        scene = compose("Fireworks over the river, a full moon rising", MOOD, seed=seed, aspect=1.0)
        moon = next(s.parts[0] for s in scene.stack.shapes if s.subject == "moon")
        for burst in (s for s in scene.stack.shapes if s.subject == "fireworks"):
            for dot in (p for p in burst.parts if not isinstance(p, Line)):
                assert np.hypot(dot.cx - moon.cx, dot.cy - moon.cy) > moon.rx + 0.02, (seed, dot, moon)


@pytest.mark.parametrize("prompt, subjects, not_drawn", [
    ("A crowd of dancers around a bonfire on the beach", {"crowd": 1, "fire": 1, "shore": 1}, ()),
    ("A lone pine on a cliff, storm clouds gathering", {"tree": 1, "mountains": 1, "clouds": 4}, ()),
    ("Skyscrapers at dusk, lit windows, a river in front", {"city": 1, "river": 1}, ()),
    ("An empty beach, turquoise water, gulls overhead", {"shore": 1, "sea": 1, "birds": 5}, ()),
    ("a stone bridge over a lake of clear water", {"bridge": 1, "lake": 1}, ()),
    ("A samurai and a jazz band on a wooden cabin's porch", {"figure": 1, "crowd": 1}, ("cabin", "porch")),
    ("the birds' nest in the old oak's branches", {"birds": 5, "tree": 1}, ("nest", "branches")),
    ("five candles in a dark room", {"fire": 5, "window": 1}, ()),
    # A volcano drawn as a plain mountain (no crater, no smoke) is not the volcano the text asks for: reported.
    ("a volcano above the sea", {"sea": 1}, ("volcano",)),
    # Round 10: "cathedral" read as an adjective (-al) and as a style word (a stained-glass cue), so it went unreported.
    ("The cathedral in the rain", {"rain": 1}, ("cathedral",)),
    ("a cathedral rose window of the sea", {"sea": 1}, ()),  # the style's own phrase names no building
    ("a dragonfly and a butterfly over a lonely pond", {"lake": 1}, ("dragonfly", "butterfly")),  # -ly, yet nouns
    # A word that ends like an adjective but heads its phrase is a noun: "a fish", "a swing", "the wedding"
    ("a fish and a swing by the lake, the wedding", {"lake": 1}, ("fish", "swing", "wedding")),
    ("a shimmering light over a lonely road, a couple walking", {"road": 1, "figure": 2}, ()),  # adjectives, a participle
    ("a glowing jellyfish in a dark ocean, four rowers", {"sea": 1, "figure": 4}, ("jellyfish",)),  # -ish; a sport's people
    ("a glacier lake", {"lake": 1}, ("glacier",)),  # -ier
    # What a plural does is no thing: "crash", "float" and "wheel" were reported as not drawn; leopards still are
    ("waves crash against the rocks, water lilies float on a pond, gulls wheel overhead, snow leopards on the hills",
     {"sea": 1, "shore": 1, "lake": 1, "birds": 5, "snow": 1, "hills": 1}, ("lilies", "leopards")),
    # An image-generation prompt's craft words and its artist ask for a finish, not things: the card listed them all
    ("a lighthouse at sunset, highly detailed, 8k, octane render, trending on artstation, by greg rutkowski, masterpiece",
     {"lighthouse": 1, "sun": 1}, ()),
    ("a cabin by the lake in the style of hayao miyazaki", {"lake": 1}, ("cabin",)),  # "by the lake" is a place
    # People named by another word after "and" are more people; a boat's sail is no second boat; "another" is one more
    ("a mother and child, a king and queen, a boy and his father", {"figure": 6}, ()),
    ("a boat with a red sail and another boat", {"boat": 2}, ()),
    ("puffy clouds over a glassy lake, a sleepy town, a pony", {"clouds": 4, "lake": 1, "city": 1}, ("pony",)),  # -y
    # Landscapes by other names are drawn; a herd is no thing of its own
    ("a mountain range above the plains, a herd of elephants", {"mountains": 1, "meadow": 1}, ("elephants",)),
    ("a boardwalk along the waterfront of a marina", {"shore": 1, "sea": 1}, ()),
    ("palm trees on either side of the road, one boat beside the other", {"tree": 3, "road": 1, "boat": 1}, ()),
])
def test_audit_words_are_read_as_a_user_means_them(prompt, subjects, not_drawn):
    """Words round 4's audit found misread: "a crowd of dancers" is one crowd, "gathering" clouds are no crowd,
    a city's "lit windows" are no room, "water" is the named water, adverbs and materials name nothing."""
    reading = read_prompt(prompt)
    assert reading.subjects == subjects and reading.not_drawn == not_drawn


def test_counted_candles_are_drawn_apart_inside_the_window():
    """Five candles in a room: five fires, each inside the window's pane (once hidden by its sill) and apart; since
    round 5 each is a candle (a wax stick standing on the sill and one small flame), not a bonfire, and two
    bonfires are still bonfires (three layers of flame each)."""
    for seed in range(4):
        scene = compose("five candles in a dark room", MOOD, seed=seed, aspect=1.0)
        flames = [s for s in scene.stack.shapes if s.subject == "fire" and s.glow and not s.thin]
        cores = sorted(round(float(np.mean([p[0] for part in s.parts for p in part.points])), 3) for s in flames)
        assert len(cores) == 5 and min(np.diff(cores)) > 0.05, (seed, cores)
        assert all(0.2 < x < 0.8 for x in cores)
        sticks = [s for s in scene.stack.shapes if s.subject == "fire" and not s.glow and len(s.parts) == 1
                  and not isinstance(s.parts[0], Line)]
        assert len(sticks) == 5 and all(abs(np.max(np.asarray(s.parts[0].points)[:, 1]) - 0.705) < 1e-6 for s in sticks)
        bonfires = compose("two bonfires on a hill", MOOD, seed=seed, aspect=1.0)
        assert len([s for s in bonfires.stack.shapes if s.subject == "fire" and s.glow and not s.thin]) == 6


def test_new_colour_names_are_read():
    assert [c.name for c in read_prompt("soft apricot, sepia tones, slate blue and brass").colours] == [
        "apricot", "sepia", "slate blue", "brass"]
    assert read_prompt("a brass band").colours == ()


@pytest.mark.parametrize("prompt, subjects", [
    ("A canyon road at noon, rust red rocks.", {"road": 1, "mountains": 1}),
    ("ocean waves crashing on rocks, a lighthouse beam", {"sea": 1, "shore": 1, "lighthouse": 1}),
    ("a lighthouse on the rocks", {"lighthouse": 1, "shore": 1}),
    ("rocky hills at dusk", {"hills": 1}),
])
def test_rocks_are_a_shore_only_by_water(prompt, subjects):
    """Rocks once always meant a shore, and a shore brings a sea: a canyon road got waves."""
    reading = read_prompt(prompt)
    assert reading.subjects == subjects and reading.not_drawn == ()


def test_boats_on_a_river_float_on_it():
    """With a river as the only water, a boat once stood on the land beside it: its hull now lies on the river."""
    for seed in range(4):
        scene = compose("a small wooden boat on a misty river", MOOD, seed=seed, aspect=1.0)
        raster = scene.stack.raster(128, 128)
        labels = raster.label_index()
        river = np.isin(labels, [k for k, s in enumerate(scene.stack.shapes, start=1) if s.subject == "river"])
        hull = next(s for s in scene.stack.shapes if s.subject == "boat").parts[0]
        x, y = np.mean(np.asarray(hull.points), axis=0)
        assert river[min(127, int(y * 128) + 2), int(x * 128)], (seed, x, y)


def test_a_single_pine_is_a_tree_and_pines_a_forest():
    assert read_prompt("a lonely pine on a cliff in the snow").subjects == {"tree": 1, "mountains": 1, "snow": 1}
    assert read_prompt("a pine forest").subjects == {"forest": 1}
    assert read_prompt("pines on the ridge").subjects == {"forest": 1, "mountains": 1}
    assert read_prompt("two pines").subjects == {"tree": 2}


def test_a_medium_word_beats_the_word_painting():
    """"An ink painting" was painted in oils (the generic "painting" tied with "ink"); "pale blue" is the pale
    blue of colour lists, not blue 10 L* lighter."""
    from a2i.vocabulary import style_for_prompt

    assert style_for_prompt("An ink painting of cranes over a river") == "ink"
    assert style_for_prompt("a painting of a lake") == "flow"
    # "An ink wash of ..." was a watercolour (ink's "ink" tied with watercolour's "wash", which comes first)
    assert style_for_prompt("An ink wash of a bamboo grove in the rain") == "ink"
    assert style_for_prompt("a loose wash of colour over the sea") == "watercolour"
    # A painter's name is a style: Monet's footbridge was an ink painting ("Japanese" was the only style word read)
    assert style_for_prompt("In the style of Monet, water lilies beneath a Japanese footbridge") == "flow"
    # Keywords are words, not prefixes: flowers were an oil painting ("flow"), a glassy lake stained glass ("glass")
    assert style_for_prompt("meadow, flowers, butterflies, sunny") is None
    assert style_for_prompt("a glassy lake, a maple, the sun at its zenith") is None
    # ... but stems stay stems, and what a stem begins is a style word, never a thing the card reports as not drawn
    assert style_for_prompt("A serene watercolor painting of a harbor") == "watercolour"
    assert read_prompt("A serene watercolor painting of a harbor, an impressionistic sky").not_drawn == ()
    assert [c.name for c in read_prompt("grey and pale blue").colours] == ["grey", "pale blue"]


def _contrast_of(text, subject, style, valence, size=160, seed=2):
    from a2i.render.painter.legibility import subject_contrast

    profile = Profile(valence=valence, energy=0.4)
    image, drawn = paint_with_record(profile, prompt=text, style=style, size=size, seed=seed)
    raster = compose(text, mood_for(profile, None, seed), seed=seed, aspect=1.0).stack.raster(size, size)
    assert subject in drawn.subjects
    return subject_contrast(image, raster, [subject])[subject]


def _shape_contrasts(text, subject, style, valence, size, seed=2):
    """dE2000 between each of a subject's shapes (mean colour) and the ring around it, the subject left out."""
    from PIL import Image, ImageFilter

    profile = Profile(valence=valence, energy=0.4)
    image, drawn = paint_with_record(profile, prompt=text, style=style, size=size, seed=seed)
    raster = compose(text, mood_for(profile, None, seed), seed=seed, aspect=1.0).stack.raster(size, size)
    lab = srgb_to_lab(np.asarray(image, dtype=np.float64) / 255.0)
    labels = raster.label_index()
    ids = [k for k, s in enumerate(raster.stack.shapes, start=1) if s.subject == subject]
    out = []
    for k in ids:
        inside = labels == k
        if inside.sum() >= 20:
            grown = np.asarray(Image.fromarray(inside.astype(np.uint8) * 255).filter(ImageFilter.MaxFilter(5))) > 0
            out.append(float(delta_e2000(lab[inside].mean(0), lab[grown & ~np.isin(labels, ids)].mean(0))))
    return out


def test_birds_and_rain_read_at_thumbnail_size():
    """Round 5's audit: pointillist gulls at night were camouflaged among the dabs (dE2000 10-11 from their
    surround at 160 px, unreadable at the free-text sheet's size), watercolour and pointillist rain a faint veil
    (its streaks 4.2-5.6 from their ground at 240 px, 5.0 on average). Birds are filled silhouettes, marks are
    set dark or pale against their graded ground, and pointillism lays them on whole: now well clear of those."""
    for valence in (0.25, 0.8):
        assert _contrast_of("twelve gulls over the sea at night", "birds", "pointillism", valence) > 18.0, valence
    rain = [value for style in ("watercolour", "pointillism") for valence in (0.25, 0.8)
            for value in _shape_contrasts("rain over a lake and hills", "rain", style, valence, 240)]
    assert len(rain) == 8 and np.mean(rain) > 7.5 and min(rain) > 6.0, rain


def test_waves_read_on_a_sea_as_light_as_they_are():
    """A user's card said "the sea with waves" over a flat pale sea: two named colours put the sky in violet and
    the sea in tan, lifted to L* 93 above the tan band of the sky, and the waves and the light's path, made in the
    water's colour mixed toward the light, sat at L* 84 and vanished (dE2000 2.1-4.0 from the water around them at
    384 px). Marks on a surface are set apart from it (scene.SURFACE_MARKS): pale where there is room, else dark."""
    from a2i.render.painter.legibility import marks_contrast

    text, profile = "birds over the sea with waves at dusk, in violet and tan", Profile(valence=0.65, energy=0.45)
    for style in ("landscape", "pointillism"):
        for seed in range(3):
            raster = compose(text, mood_for(profile, None, seed), seed=seed, aspect=1.0).stack.raster(384, 384)
            image = paint(profile, prompt=text, style=style, size=384, seed=seed)
            assert marks_contrast(image, raster, "sea") >= MIN_CONTRAST, (style, seed)


def test_birds_are_drawn_apart_and_large_enough_to_count():
    """Every bird is a filled silhouette at least BIRD_SPAN[0] short sides from body to wing tip, and no two birds'
    wings reach each other (a flock of 12 is countable); none covers the sun or moon."""
    from a2i.render.painter.scene.stack import Poly
    from a2i.render.painter.scene.subjects.sky import BIRD_SPAN

    for seed in range(5):
        scene = compose("twelve gulls over the sea under a full moon", MOOD, seed=seed, aspect=1.0)
        birds = [p for s in scene.stack.shapes if s.subject == "birds" for p in s.parts]
        assert len(birds) == 12 and all(isinstance(p, Poly) for p in birds)
        boxes = [(*np.min(np.asarray(p.points), 0), *np.max(np.asarray(p.points), 0)) for p in birds]
        assert min(b[2] - b[0] for b in boxes) >= 2 * 0.85 * BIRD_SPAN[0] - 1e-9
        for i, a in enumerate(boxes):
            for b in boxes[i + 1:]:
                assert a[2] < b[0] or b[2] < a[0] or a[3] < b[1] or b[3] < a[1], (seed, a, b)
        moon = next(s.parts[0] for s in scene.stack.shapes if s.subject == "moon")
        for x0, y0, x1, y1 in boxes:
            assert not (x0 < moon.cx < x1 and y0 < moon.cy < y1), seed


def test_a_dozen_boats_are_twelve_drawn_apart():
    """"a dozen boats" once drew nine (the cap) and reported "3 more boats" as not drawn, the nine overlapping;
    now twelve, in rows, no two hulls touching, and the card says twelve."""
    assert read_prompt("a dozen boats in the harbour").subjects["boat"] == 12
    for seed in range(4):
        image, drawn = paint_with_record(Profile(valence=0.5), prompt="a dozen boats in the harbour", size=96, seed=seed)
        assert drawn.subjects["boat"] == 12 and not drawn.not_drawn and "twelve boats" in drawn.description
        scene = compose("a dozen boats in the harbour", MOOD, seed=seed, aspect=1.0)
        hulls = [s.parts[0] for s in scene.stack.shapes if s.subject == "boat" and len(s.parts) == 2 and isinstance(s.parts[1], Line)]
        assert len(hulls) == 12
        boxes = [(*np.min(np.asarray(h.points), 0), *np.max(np.asarray(h.points), 0)) for h in hulls]
        for i, a in enumerate(boxes):
            for b in boxes[i + 1:]:
                assert a[2] < b[0] or b[2] < a[0] or a[3] < b[1] or b[3] < a[1], (seed, a, b)


def test_a_street_that_fills_the_picture_still_reads_against_its_sky():
    """A subject larger than LARGEST (a street with its house fronts) was left out of the legibility pass: the
    contours street was dE2000 2.6 (night) and 5.4 (day) from its sky. Now each of its large parts reads against
    what is around it, so the street as a whole does too."""
    from a2i.render.painter.legibility import MIN_CONTRAST, subject_contrast

    text = "a street with lights, a dog and a bicycle"
    for valence in (0.25, 0.75):
        profile = Profile(valence=valence, energy=0.5)
        image, drawn = paint_with_record(profile, prompt=text, style="contours", size=192, seed=9)
        raster = compose(text, mood_for(profile, None, 9), seed=9, aspect=1.0).stack.raster(192, 192)
        assert subject_contrast(image, raster, ["street"])["street"] >= MIN_CONTRAST, valence


def _box(shape):
    points = []
    for part in shape.parts:
        if hasattr(part, "points"):
            points += [tuple(p) for p in np.asarray(part.points)]
        else:
            points += [(part.cx - part.rx, part.cy - part.ry), (part.cx + part.rx, part.cy + part.ry)]
    pts = np.asarray(points)
    return (*pts.min(0), *pts.max(0))


def test_wading_birds_stand_in_the_water_and_flying_birds_fly():
    """"two herons standing in a pond" once drew two birds in flight in the sky: herons (and birds the text says
    stand) are drawn below the horizon, on the water, after it (so it does not cover them); swans and ducks (or
    birds the text says swim) float on the water unless the text says they fly; gulls still fly."""
    for seed in range(3):
        for text in ("two herons standing in a pond", "three gulls standing on the beach"):
            scene = compose(text, MOOD, seed=seed, aspect=1.0)
            shapes = [(k, s) for k, s in enumerate(scene.stack.shapes) if s.subject == "birds"]
            water = max(k for k, s in enumerate(scene.stack.shapes) if s.subject in ("lake", "sea"))
            assert len(shapes) == 1 and shapes[0][0] > water and not shapes[0][1].thin, (text, seed)
            x0, y0, x1, y1 = _box(shapes[0][1])
            assert y1 > scene.layout.horizon + 0.05, (text, seed, y1)  # feet in the water, below the horizon
        for text in ("four swans gliding across a pond", "two ducks on the river"):  # afloat, on the water
            scene = compose(text, MOOD, seed=seed, aspect=1.0)
            afloat = next(s for s in scene.stack.shapes if s.subject == "birds")
            assert not afloat.thin and scene.layout.horizon < _box(afloat)[3] < 1.0, (text, seed)
        assert next(s for s in compose("swans flying over the sea", MOOD, seed=seed, aspect=1.0).stack.shapes
                    if s.subject == "birds").thin
        crowded = compose("three herons standing by two boats on a lake", MOOD, seed=seed, aspect=1.0)
        hulls = [np.asarray(s.parts[0].points) for s in crowded.stack.shapes if s.subject == "boat" and len(s.parts) == 2
                 and isinstance(s.parts[1], Line)]
        legs = [p for s in crowded.stack.shapes if s.subject == "birds" for p in s.parts][4::6]  # each heron's first leg
        assert len(hulls) == 2 and len(legs) == 3  # the herons keep clear of the boats' hulls (none hidden behind one)
        for leg in legs:
            x = float(np.asarray(leg.points)[-1, 0])
            assert all(not (h[:, 0].min() < x < h[:, 0].max()) for h in hulls), (seed, x)
        flying = compose("two gulls over the sea", MOOD, seed=seed, aspect=1.0)
        gulls = next(s for s in flying.stack.shapes if s.subject == "birds")
        assert gulls.thin and _box(gulls)[3] < flying.layout.horizon


def test_people_are_where_the_text_puts_them():
    """"a fisherman in a small boat" drew the boat and a man on the shore; "a poet by the window" stood outside the
    window. Now the fisherman stands in the (largest) boat, the poet inside the room, in front of the pane."""
    for seed in range(3):
        scene = compose("a fisherman in a small boat on a lake", MOOD, seed=seed, aspect=1.0)
        hull = np.asarray(next(s for s in scene.stack.shapes if s.subject == "boat").parts[0].points)
        hull = (*hull.min(0), *hull.max(0))
        man = _box(next(s for s in scene.stack.shapes if s.subject == "figure"))
        assert hull[0] <= (man[0] + man[2]) / 2 <= hull[2] and abs(man[3] - hull[1]) < 0.02, (seed, hull, man)
        room = compose("a poet by the window at night", MOOD, seed=seed, aspect=1.0)
        order = [s.subject for s in room.stack.shapes]
        assert order.index("figure") > order.index("window")  # in front of the window's frame: inside the room
        poet = _box(next(s for s in room.stack.shapes if s.subject == "figure"))
        assert poet[3] > 1.0 and poet[1] < 0.6, (seed, poet)  # near the viewer, head against the pane
    outside = compose("a man walking past a window", MOOD, seed=0, aspect=1.0)
    assert [s.subject for s in outside.stack.shapes].index("figure") < [s.subject for s in outside.stack.shapes].index("window")


def test_kinds_of_tree_and_flower_keep_their_shapes_and_colours():
    """A palm or a cypress was drawn as a round tree and "sunflowers under a cobalt sky" as blue flowers. A tree's
    kind chooses its outline (a cypress is tall and narrow, a palm has fronds wider than its trunk), a flower's its
    colour (sunflowers yellow), unless the text colours the flowers."""
    from a2i.render.painter.colours import lab_of

    def tree(text):
        shape = next(s for s in compose(text, MOOD, seed=1, aspect=1.0).stack.shapes if s.subject == "tree")
        x0, y0, x1, y1 = _box(shape)
        return (x1 - x0) / (y1 - y0), len(shape.parts)

    assert tree("a cypress on a hill")[0] < 0.3 < tree("an oak on a hill")[0]
    assert tree("a palm tree on a beach")[1] == 8 != tree("an oak on a hill")[1]  # a trunk and seven fronds
    flowers = [s for s in compose("sunflowers under a cobalt sky", MOOD, seed=1, aspect=1.0).stack.shapes
               if s.subject == "meadow" and s.thin]
    for s in flowers:
        assert delta_e2000(srgb_to_lab(np.asarray(s.colour, dtype=np.float64)), lab_of("yellow")) < 25
    red = [s for s in compose("red sunflowers under a cobalt sky", MOOD, seed=1, aspect=1.0).stack.shapes
           if s.subject == "meadow" and s.thin]
    assert all(srgb_to_lab(np.asarray(s.colour, dtype=np.float64))[1] > 30 for s in red)  # the text's red wins


def test_a_village_is_small_houses_not_a_skyline():
    """"a quiet village" drew a city skyline (and the card said so). It is its own subject now: six to nine small
    houses with pitched roofs below the horizon, and the card says "a village"."""
    image, drawn = paint_with_record(Profile(valence=0.5), prompt="a quiet village in the hills", size=96, seed=2)
    assert "village" in drawn.subjects and "city" not in drawn.subjects and "a village" in drawn.description
    for seed in range(3):
        scene = compose("a quiet village in the hills", MOOD, seed=seed, aspect=1.0)
        roofs = [p for s in scene.stack.shapes if s.subject == "village" for p in s.parts if len(p.points) == 3]
        assert 6 <= len(roofs) <= 10
        walls = [s for s in scene.stack.shapes if s.subject == "village"][0]
        assert all(np.ptp(np.asarray(p.points)[:, 1]) < 0.1 for p in walls.parts)  # small houses, not towers


@pytest.mark.parametrize("prompt, subjects, not_drawn", [
    ("A couple dancing under a street lamp in the rain", {"figure": 2, "street": 1, "rain": 1}, ()),
    ("a couple of boats on the lake", {"boat": 2, "lake": 1}, ()),
    ("grandmother knitting by the fireplace", {"figure": 1, "fireplace": 1}, ()),  # round 6: a fireplace is drawn
    ("A library reading room with a sleeping cat", {"window": 1}, ("cat",)),  # round 6: a library is a room
    ("Four swans on a misty pond at first light", {"birds": 4, "lake": 1}, ()),
    ("A busy market street, crowds of shoppers, rows of stalls", {"street": 1, "crowd": 1}, ("stalls",)),
])
def test_round5_words_are_read_as_a_user_means_them(prompt, subjects, not_drawn):
    """Round 5's unseen prompts: "a couple" (a count word) naming two people, family words, nouns ending in
    -ary, and words that name nothing ("first", "busy", "rows") were misread or misreported."""
    reading = read_prompt(prompt)
    assert reading.subjects == subjects and reading.not_drawn == not_drawn, (reading.subjects, reading.not_drawn)


def _ground(scene, subject, points, size=160):
    """What is drawn just under each point (x, y) once ``subject``'s own shapes are taken away."""
    stack = dataclasses.replace(scene.stack, shapes=[s for s in scene.stack.shapes if s.subject != subject])
    labels = stack.raster(size, size).label_index()
    names = ["(sky)"] + [s.subject for s in stack.shapes]
    return [names[labels[min(size - 1, int((y + 0.01) * size)), min(size - 1, max(0, int(x * size)))]] for x, y in points]


def _feet(scene, subject):
    """The lower ends of a standing subject's legs (a heron's, a gull's, a person's): the ends of its downward, more
    upright than level strokes (not a beak) with nothing of it lower close by (an arm's end has the legs below it)."""
    lines = [np.asarray(p.points) for s in scene.stack.shapes if s.subject == subject for p in s.parts if isinstance(p, Line)]
    ends = np.array([q[-1] for q in lines])
    down = [q[-1, 1] - q[0, 1] > abs(q[-1, 0] - q[0, 0]) for q in lines]
    return [(float(x), float(y)) for (x, y), d in zip(ends, down)
            if d and not ((np.abs(ends[:, 0] - x) < 0.04) & (ends[:, 1] > y + 0.005)).any()]


@pytest.mark.parametrize("text, subject", [
    ("Three herons standing on the shore of a grey lake", "birds"),
    ("a dozen gulls on the rocks by the sea", "birds"),
    ("two couples dancing on the beach under a full moon", "figure"),
    ("Two fishermen on the pier at dusk", "figure"),
])
def test_what_the_text_puts_on_the_shore_stands_on_its_sand(text, subject):
    """Round 6: herons "on the shore" stood in the water, and people on a beach stood in the sea: a place phrase
    ("on the shore / beach / rocks / pier") puts waders, perched birds and people on the shore's sand."""
    for seed in range(3):
        scene = compose(text, MOOD, seed=seed, aspect=1.0)
        feet = _feet(scene, subject)
        assert feet and set(_ground(scene, subject, feet)) == {"shore"}, (seed, _ground(scene, subject, feet))


def test_a_boat_pulled_up_on_the_beach_is_beached_and_a_heron_on_the_bank_stands_out_of_the_river():
    """Round 6: "a rowing boat pulled up on the beach" floated on the sea; "a heron fishing on the bank of a river"
    stood in the river's water."""
    for seed in range(3):
        scene = compose("A rowing boat pulled up on the beach, gulls overhead", MOOD, seed=seed, aspect=1.0)
        hull = next(s for s in scene.stack.shapes if s.subject == "boat").parts[0]
        keel = np.asarray(hull.points)[2:].mean(axis=0)
        assert _ground(scene, "boat", [tuple(keel)]) == ["shore"], seed
        scene = compose("A heron fishing on the bank of a slow river", MOOD, seed=seed, aspect=1.0)
        feet = _feet(scene, "birds")
        assert feet and "river" not in _ground(scene, "birds", feet), seed
        assert read_prompt("A heron fishing on the bank of a slow river").not_drawn == ()  # the bank is the river's
        assert read_prompt("a dozen gulls on the river bank").places == {"birds": "bank"}


@pytest.mark.parametrize("text, places", [
    ("a crowd around a bonfire", {"crowd": "fire"}),
    ("a crowd gathered round the campfire", {"crowd": "fire"}),
    ("two people walking across the bridge", {"figure": "bridge"}),
    ("three boats around the shore", {}),  # afloat near it, not beached
    ("gulls around the shore", {}),  # flying about it, not standing on it
    ("a heron across the river bank", {}),
])
def test_around_and_across_place_only_crowds_and_people(text, places):
    """Round 9's place words: a crowd stands "around" a fire and people walk "across" a bridge; boats and birds
    "around" a shore are not put on it."""
    assert read_prompt(text).places == places


@pytest.mark.parametrize("text, count, description", [
    ("two couples dancing on the beach", 4, "four human figures"),
    ("Three couples walking along the shore at sunset", 6, "six human figures"),
    ("a family having a picnic on the grass", 4, "four human figures"),
    ("A family of five on the pier", 5, "five human figures"),
    ("a couple on the beach", 2, "two human figures"),
    ("a trio of musicians in a small cafe", 3, "three human figures"),
    ("Two pairs of swans gliding on the lake", 4, "four birds"),
    ("two dozen boats in the harbour", 12, "twelve boats"),
    ("Two fishermen on the pier", 2, "two human figures"),
])
def test_counts_times_group_nouns_are_drawn_and_said(text, count, description):
    """Round 6: "two couples" gave two figures: a count in front of a group noun (couple, pair, trio, family, dozen)
    multiplies its size, "a family of five" gives its own; the card says what is drawn."""
    name = "birds" if "swans" in text else "boat" if "boats" in text else "figure"
    assert read_prompt(text).subjects[name] == count
    drawn = describe(Profile(valence=0.6), prompt=text, size=64, seed=1)
    assert drawn.subjects[name] == count and description in drawn.description, drawn.description
    assert read_prompt("a couple of boats on the lake").subjects == {"boat": 2, "lake": 1}  # still a count of boats


def test_a_fireplace_makes_a_room_with_the_people_inside_in_every_style():
    """Round 6: "a grandmother knitting by the fireplace" was painted outdoors (the fireplace "not drawn"): indoor
    words (fireplace, hearth, kitchen, cafe, library, attic) make the room's interior; a fireplace stands in it with
    a fire in its opening (the text's fire when it names one), and the people are inside, drawn over the wall."""
    for text in ("A grandmother knitting by the fireplace", "An old man asleep by the hearth, a fire burning low",
                 "A quiet library at night with a reader by the fire"):  # a fire in a room burns in a fireplace
        for seed in range(2):
            scene = compose(text, MOOD, seed=seed, aspect=1.0)
            order = [s.subject for s in scene.stack.shapes]
            wall = order.index("window")
            assert "fireplace" in scene.plan.subjects and min(k for k, s in enumerate(order) if s == "figure") > wall
            fire = "fire" if "fire" in scene.plan.subjects else "fireplace"
            flames = [s for s in scene.stack.shapes if s.subject == fire and s.glow]
            opening = [s for s in scene.stack.shapes if s.subject == "fireplace"][2]  # the dark mouth
            x0, y0, x1, y1 = _box(opening)
            assert flames and all(x0 <= _box(s)[0] and _box(s)[2] <= x1 and _box(s)[3] <= y1 + 0.01 for s in flames[:-1])
    for style in STYLES:
        drawn = describe(Profile(valence=0.4), prompt="a grandmother knitting by the fireplace", style=style, size=96, seed=2)
        assert {"fireplace", "window", "figure"} <= set(drawn.subjects) and not drawn.not_drawn, (style, drawn)
    for text in ("A trio of musicians playing in a small cafe at night", "a girl reading in a quiet attic", "a reader in the library"):
        scene = compose(text, MOOD, seed=0, aspect=1.0)
        order = [s.subject for s in scene.stack.shapes]
        assert "window" in order and min(k for k, s in enumerate(order) if s == "figure") > order.index("window"), text


def _bird_contrasts(text, style, valence, size=200, seed=0):
    """Each flying bird's contrast (dE2000) with a ring around it, in the painted picture at ``size`` px."""
    from PIL import Image, ImageDraw
    from scipy import ndimage

    profile = Profile(valence=valence, energy=0.5)
    image = paint(profile, prompt=text, style=style, size=size, seed=seed)
    scene = compose(text, mood_for(profile, None, seed), seed=seed, aspect=1.0)
    masks = []
    for part in (p for s in scene.stack.shapes if s.subject == "birds" for p in s.parts):
        mask = Image.new("L", (size, size))
        ImageDraw.Draw(mask).polygon([tuple(v) for v in np.asarray(part.points) * size], fill=255)
        masks.append(np.asarray(mask) > 0)
    apart = ndimage.binary_dilation(np.any(masks, axis=0), iterations=1)
    lab = srgb_to_lab(np.asarray(image, dtype=np.float64) / 255.0)
    return [float(delta_e2000(lab[m].mean(0), lab[ndimage.binary_dilation(m, iterations=3) & ~apart].mean(0))) for m in masks]


@pytest.mark.parametrize("style", ["glass", "pointillism"])
def test_every_bird_reads_at_200_px_in_glass_and_pointillism(style):
    """Round 6 (the lead's review): at 200 px birds were faint in stained glass and pointillism: their wings were
    hairlines (1 px) the panes' leading and the dabs broke up, all birds were one shape set against one mean ground
    (a bird in a lighthouse's beam was lost, and hidden behind it), and the least legible bird was 2.5 (glass) and
    4.5 (pointillism) dE2000 from its ring. Now solid wings, each bird set against its own ground, in front of a beam."""
    values = [v for text in ("five birds over the hills at noon", "seven gulls above a lighthouse") for valence in (0.2, 0.8)
              for v in _bird_contrasts(text, style, valence)]
    assert len(values) == 24 and min(values) > 10.0, sorted(values)[:3]  # legibility.GOAL is 9


def test_people_the_text_seats_by_the_fire_sit_in_a_chair_facing_it():
    """Round 6: "a grandmother knitting by the fireplace" stood (a standing silhouette for knitting, reading, asleep):
    sitting words seat the people by the fire in a chair, facing it; "standing" keeps them standing."""
    for seed in range(3):
        sitting = compose("A grandmother knitting by the fireplace", MOOD, seed=seed, aspect=1.0)
        standing = compose("A grandmother standing by the fireplace", MOOD, seed=seed, aspect=1.0)
        person = next(s for s in sitting.stack.shapes if s.subject == "figure")
        upright = next(s for s in standing.stack.shapes if s.subject == "figure")
        x0, y0, x1, y1 = _box(person)
        assert (y1 - y0) < 0.9 * (_box(upright)[3] - _box(upright)[1]), seed  # sitting: lower than standing
        fire = next(s for s in sitting.stack.shapes if s.subject == "fireplace" and s.glow)
        knee = np.asarray(person.parts[2].points)[-1, 0]  # the thigh ends at the knee, toward the fire
        head = person.parts[0].cx
        assert (knee - head) * (_box(fire)[0] - head) > 0, seed
        assert len([s for s in sitting.stack.shapes if s.subject == "fireplace"]) == len(
            [s for s in standing.stack.shapes if s.subject == "fireplace"]) + 1  # the chair


def test_people_on_the_pier_stand_on_its_deck_out_over_the_water():
    """Round 6: "on the pier" put people on the beach's sand (a pier was drawn as sand): a pier, jetty or dock is a
    deck on posts running out over the water, and what the text puts on it stands on its deck."""
    for seed in range(3):
        scene = compose("Two fishermen on the pier at dusk", MOOD, seed=seed, aspect=1.0)
        pier = next(s for s in scene.stack.shapes if s.subject == "shore" and len(s.parts) > 3)  # the deck and its posts
        x0, top, x1, _ = _box(Shape("shore", pier.parts[:1], (0, 0, 0)))
        feet = _feet(scene, "figure")
        assert len(feet) == 4 and all(x0 <= x <= x1 and abs(y - top) < 0.01 for x, y in feet), (seed, feet, top)
        assert "sea" in _ground(scene, "figure", [(x0 + 0.01, top + 0.03), (x1 - 0.01, top + 0.03)]), seed  # out over the water


@pytest.mark.parametrize("text", ["two figures on a bridge", "a couple walking across a footbridge over the river at night"])
def test_people_on_a_bridge_stand_on_its_walkway_a_fifth_of_the_picture_tall(text):
    """Round 9: "two figures on a bridge" (one of the prompt writer's own scenes) drew a far viaduct and the two
    people on the ground in front of it. The bridge they are on comes near; they stand on its deck, heads above
    its parapet, as tall as people that near are."""
    for seed in range(3):
        scene = compose(text, MOOD, seed=seed, aspect=1.0)
        deck = _box(Shape("bridge", next(s for s in scene.stack.shapes if s.subject == "bridge").parts[:1], (0, 0, 0)))
        feet = _feet(scene, "figure")
        assert len(feet) == 4 and all(abs(y - deck[1]) < 0.005 for _, y in feet), (seed, feet, deck)
        assert set(_ground(scene, "figure", feet)) == {"bridge"}, seed
        people = [_box(s) for s in scene.stack.shapes if s.subject == "figure"]
        rail_top = min(y for s in scene.stack.shapes if s.subject == "bridge" for p in s.parts if isinstance(p, Line)
                       for _, y in np.asarray(p.points))
        assert all(0.15 < b[3] - b[1] < 0.25 and b[1] < rail_top for b in people), (seed, people, rail_top)
    far = compose("a bridge over a river in the city", MOOD, seed=0, aspect=1.0)  # nobody on it: far off, as before
    assert _box(Shape("bridge", next(s for s in far.stack.shapes if s.subject == "bridge").parts[:1], (0, 0, 0)))[3] \
        == pytest.approx(far.layout.horizon + 0.06)


def test_a_crowd_around_a_bonfire_stands_in_a_ring_about_it():
    """Round 9: "a crowd around a bonfire" (one of the prompt writer's own scenes) drew a band of silhouettes along
    the picture's bottom with the fire above them. The crowd stands in a ring about the fire: its far half drawn
    before the flames, its near half after them, nobody in front of the flames."""
    for seed in range(3):
        scene = compose("a crowd around a bonfire", MOOD, seed=seed, aspect=1.0)
        order = [s.subject for s in scene.stack.shapes]
        first_fire, last_fire = order.index("fire"), len(order) - 1 - order[::-1].index("fire")
        crowds = [k for k, name in enumerate(order) if name == "crowd"]
        assert len(crowds) == 2 and crowds[0] < first_fire and crowds[1] > last_fire, (seed, order)
        fire = _box(Shape("fire", [p for s in scene.stack.shapes if s.subject == "fire" for p in s.parts], (0, 0, 0)))
        centre = (fire[0] + fire[2]) / 2
        feet = _feet(scene, "crowd")
        assert len(feet) >= 9 and all(abs(x - centre) < 0.3 for x, _ in feet), (seed, feet, centre)
        assert min(x for x, _ in feet) < centre < max(x for x, _ in feet)  # on both sides of it
        base = fire[3]
        assert any(y < base - 0.02 for _, y in feet) and any(y > base + 0.02 for _, y in feet)  # behind it and before it
        near = scene.stack.shapes[crowds[1]]
        for part in near.parts:  # the near half leaves the flames' front open
            if hasattr(part, "cx"):  # a head
                assert abs(part.cx - centre) > 0.04, (seed, part.cx, centre)
    band = compose("a crowd watching fireworks", MOOD, seed=0, aspect=1.0)  # not placed: the band, as before
    assert [s.subject for s in band.stack.shapes].count("crowd") == 1


def test_a_forest_frames_the_picture_with_its_near_trees_dark_in_every_style():
    """Round 9: "a forest of pines around a lake" drew a row of small pines on the far shore, a hedge more than a
    forest. The forest's near edge stands at both sides, tall pines from the picture's bottom up past the horizon,
    darker than the lake they frame in every style (a paler shade was lifted to white by the legibility pass)."""
    text, profile = "a forest of pines around a lake", Profile(valence=0.5, energy=0.5)
    for seed in range(3):
        scene = compose(text, mood_for(profile, None, seed), seed=seed, aspect=1.0)
        edges = [s for s in scene.stack.shapes if s.subject == "forest"][-2:]
        boxes = [_box(s) for s in edges]
        assert boxes[0][2] < 0.3 and boxes[1][0] > 0.7, (seed, boxes)  # one at each side
        assert all(b[3] > 0.97 and b[1] < scene.layout.horizon for b in boxes), (seed, boxes, scene.layout.horizon)
    size, seed = 96, 0
    scene = compose(text, mood_for(profile, None, seed), seed=seed, aspect=1.0)
    labels = scene.stack.raster(size, size).label_index()
    names = ["(sky)"] + [s.subject for s in scene.stack.shapes]
    edge_ids = [k for k, n in enumerate(names) if n == "forest"][-2:]
    lake_ids = [k for k, n in enumerate(names) if n == "lake"]
    for style in STYLES:
        lab = srgb_to_lab(np.asarray(paint(profile, prompt=text, style=style, size=size, seed=seed), dtype=np.float64) / 255.0)
        trees, lake = lab[np.isin(labels, edge_ids)][:, 0].mean(), lab[np.isin(labels, lake_ids)][:, 0].mean()
        assert trees < lake, (style, trees, lake)


def test_a_sad_song_names_colours_and_no_time_so_it_is_painted_at_dusk_not_night():
    """With no time words a sad song is painted at night, unless its text names colours: a night would leave
    them only its lights, and a road "in olive and mahogany and azure" kept azure on 10.6 % of the picture
    (issue 18 asks 15 % of each). At dusk or dawn each keeps its share, still darker than a happy song's day."""
    road = "a road through the hills, in olive and mahogany and azure"
    sad, happy = Profile(valence=0.2, energy=0.4), Profile(valence=0.8, energy=0.4)
    assert compose("a road through the hills", mood_for(sad), seed=33, aspect=1.0).plan.time == "night"
    assert compose(road, mood_for(sad), seed=33, aspect=1.0).plan.time in ("dusk", "dawn")
    assert compose(road, mood_for(happy), seed=33, aspect=1.0).plan.time == "day"
    image = paint(sad, prompt=road, style="flow", size=96, seed=33)
    lab = srgb_to_lab(np.asarray(image, dtype=np.float64) / 255.0)
    for colour in read_prompt(road).colours:
        assert (delta_e2000(lab, np.array(colour.lab)) < 20.0).mean() >= 0.15, colour.name
    assert mean_lightness(image) < mean_lightness(paint(happy, prompt=road, style="flow", size=96, seed=33))
