"""Does the painter draw what its text says? Truthful cards, named colours and speed, measured.

    PYTHONPATH=. python benchmarks/bench_painter_text.py [--prompts 400] [--colour-prompts 120] [--speed]
    PYTHONPATH=. python benchmarks/bench_painter_text.py --held-out [FILE]
    PYTHONPATH=. python benchmarks/bench_painter_text.py --legibility
    PYTHONPATH=. python benchmarks/bench_painter_text.py --surface-marks [N]

1. **Truthful cards** on ``--prompts`` prompts: template prompts (``a2i.prompts``), LLM-style free text and
   hand-written prompts with counts, colours and things the grammar cannot draw. For each, the scene is
   composed and rasterised (the stack, not the text) and checked: every subject the card's record lists
   covers part of the picture; every subject the text names is in the record or in ``not_drawn``; counts
   match the text; the description names every recorded subject; a planted undrawable noun is reported.
2. **Named colours** on ``--colour-prompts`` prompts naming one to three colours, each painted in a random
   style for a sad and a happy song: the share of pixels within CIEDE2000 20 of each named colour (target
   >= 15 %), and whether the happy song's picture is lighter than the sad one's (mean lightness follows valence).
   Then ``--night-prompts`` night prompts naming colours ("... at night, in magenta and gold"): the same shares, and
   whether each picture reads as night (mean HLS lightness <= ``NIGHT_MEAN``, its top fifth <= ``NIGHT_SKY`` L*).
3. With ``--speed``: every style at 1024 x 1024 (CPU seconds of this process and wall seconds; target 0.3 s).
4. With ``--held-out``: the same questions on prompts the painter's code never reads
   (``benchmarks/painter_prompts_heldout.txt``, written before looking at how the parser reads them), judged by
   that file's own annotations, not by the parser: every subject it names is drawn (with its count) or reported
   as not drawn, every negated subject ("no people", "cloudless") is absent, every undrawable noun is reported,
   and every named colour (compound ones too: "sea-green", "burnt orange") covers >= 15 % of the picture.
   Two figures: *truthful* (the issue's definition: nothing the card or text names is silently wrong) and
   *understood* (stricter: every annotated subject, count, negation, colour and style was read and drawn).
5. With ``--legibility``: the hand-written prompts in every style for a sad and a happy song at 192 px: the share
   of drawn subjects whose mean colour differs from their surround's by at least ``MIN_CONTRAST`` (dE2000,
   :mod:`a2i.render.painter.legibility`), per style, and the least legible subjects.
6. With ``--surface-marks``: template prompts for random songs until N surfaces with marks are painted (waves and the
   light's path on the sea, a lake's waves, a river's shine, foam, a road's dashes) at 384 px: the share whose marks
   stand at least ``MIN_CONTRAST`` from the surface beside them (``legibility.marks_contrast``).

The last line printed is the one-line summary.
"""

from __future__ import annotations

import argparse
import random
import re
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from a2i.mood import ClipProfile, Profile
from a2i.prompts import get_generator
from a2i.render.painter import STYLES, describe, paint, paint_with_record
from a2i.render.painter.colours import NAMED, delta_e2000, lab_of, srgb_to_lab
from a2i.render.painter.legibility import MIN_CONTRAST, marks_contrast, subject_contrast
from a2i.render.painter.palette import mood_for
from a2i.render.painter.scene import SURFACE_MARKS, compose
from a2i.render.painter.scene.subjects import SUBJECTS
from a2i.render.painter.text import read_prompt
from a2i.vocabulary import choose_style

NUMBERS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five"}
UNDRAWABLE = ("cat", "dog", "horse", "train", "piano", "bicycle", "umbrella", "lantern", "violin", "whale", "kite", "car")
LLM_OPENERS = (
    "A dreamy {style} of",
    "An evocative {style} showing",
    "{Style} depicting",
    "A moody {style} capturing",
    "In the style of {style},",
)
LLM_CLOSERS = (
    "Soft {c1} light spills across the scene, with hints of {c2}.",
    "The palette is {c1} and {c2}, full of quiet longing.",
    "Swirls of {c1} meet deep {c2} shadows.",
    "Everything glows in {c1}, the air heavy with feeling.",
    "Muted {c1} tones evoke a sense of calm.",
)
HAND_WRITTEN = (
    "one lighthouse and three boats on a dark sea",
    "a cat asleep on a sunny windowsill",
    "two figures walking a road into the hills at dusk",
    "fireworks over the city skyline, in crimson and gold",
    "a single tree in the snow",
    "birds above a forest by a lake",
    "a crowd at a bonfire under the stars",
    "a bridge over a river in the rain",
    "desert dunes and a lone rider at sunset",
    "a street with lights, a dog and a bicycle",
    "mountains, clouds and a lake at dawn in lavender and sage",
    "four boats in a harbour beside a lighthouse",
    "a window onto a stormy sea with lightning",
    "a meadow of poppies under a blue sky",
)


def llm_style(rng: random.Random) -> str:
    subjects = rng.sample(sorted(SUBJECTS), rng.randint(1, 3))
    words = []
    for name in subjects:
        spec = SUBJECTS[name]
        word = rng.choice(spec.words)
        if spec.countable and rng.random() < 0.5:
            n = rng.randint(2, min(5, spec.max_count)) if spec.max_count > 1 else 1
            words.append(f"{NUMBERS[n]} {word}s" if n > 1 and not word.endswith("s") else f"{NUMBERS[n]} {word}")
        else:
            words.append(f"a {word}")
    if rng.random() < 0.4:
        words.append(f"a {rng.choice(UNDRAWABLE)}")
    style = rng.choice([p.split(" ", 1)[1] for spec in STYLES.values() for p in spec.phrases])
    opener = rng.choice(LLM_OPENERS).format(style=style, Style=style[0].upper() + style[1:])
    colours = rng.sample([c for c in NAMED if " " not in c], 2)
    return f"{opener} {', '.join(words[:-1]) + ' and ' + words[-1] if len(words) > 1 else words[0]}. " + rng.choice(LLM_CLOSERS).format(
        c1=colours[0], c2=colours[1]
    )


def prompts(n: int, seed: int = 0) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    out = [("hand", text) for text in HAND_WRITTEN]
    writer = get_generator("template")
    k = 0
    while len(out) < n:
        if k % 2 == 0:
            profile = ClipProfile(
                valence=rng.random(),
                energy=rng.random(),
                acousticness=rng.random(),
                danceability=rng.random(),
                tempo=rng.uniform(60, 180),
                index=rng.randrange(20),
            )
            out.append(("template", writer.generate(profile, n=10, seed=rng.randrange(1000))[rng.randrange(10)]))
        else:
            out.append(("llm", llm_style(rng)))
        k += 1
    return out[:n]


def check_truth(text: str, seed: int) -> list[str]:
    """Every way the record of ``text``'s picture disagrees with the text or with the picture (empty: truthful)."""
    profile = Profile(valence=0.3 + 0.4 * (seed % 3) / 2, energy=0.5)
    drawn = describe(profile, prompt=text, size=256, seed=seed)
    scene = compose(text, mood_for(profile, None, seed), seed=seed, aspect=1.0)
    shown = scene.stack.raster(256, 256).visible()
    reading = read_prompt(text)
    problems = [f"record lists {name} but the picture does not show it" for name in drawn.subjects if name not in shown]
    for name, count in reading.subjects.items():
        spec = SUBJECTS[name]
        if name not in drawn.subjects and spec.singular not in drawn.not_drawn:
            problems.append(f"text names {name}, neither drawn nor reported")
        elif name in drawn.subjects and drawn.subjects[name] != count:
            problems.append(f"text counts {count} {name}, the picture has {drawn.subjects[name]}")
    for name, count in drawn.subjects.items():
        spec = SUBJECTS[name]
        phrase = spec.singular if not spec.countable or count == 1 else spec.plural
        if phrase not in drawn.description:
            problems.append(f"description misses {phrase}")
    for word in UNDRAWABLE:
        if re.search(rf"\b{word}\b", text.lower()) and word not in drawn.not_drawn:
            problems.append(f"undrawable {word} not reported")
    return problems


def colour_shares(n: int, seed: int = 1, verbose: bool = True) -> tuple[list[float], list[bool], list[int]]:
    rng = random.Random(seed)
    shares, lighter, counts = [], [], []
    scenes = (
        "a lighthouse on the shore of the sea",
        "mountains above a lake",
        "a city skyline across a river",
        "desert dunes",
        "a forest by a lake",
        "a street with lights",
        "a road through the hills",
        "boats on a bay",
    )
    names = sorted(NAMED)
    for i in range(n):
        picked = rng.sample(names, rng.randint(1, 3))
        text = f"{rng.choice(scenes)}, in {' and '.join(picked)}"
        style = rng.choice(sorted(STYLES))
        means = []
        for valence in (0.2, 0.8):
            image = paint(Profile(valence=valence, energy=rng.uniform(0.2, 0.8)), prompt=text, style=style, size=192, seed=i)
            lab = srgb_to_lab(np.asarray(image, dtype=np.float64) / 255.0)
            means.append(float(lab[..., 0].mean()))
            for colour in read_prompt(text).colours:
                shares.append(float((delta_e2000(lab, np.array(colour.lab)) < 20.0).mean()))
                counts.append(len(picked))
                if verbose and shares[-1] < 0.15:
                    print(f"FEW [{style}, valence {valence}] {colour.name}: {shares[-1]:.1%} in {text!r}")
        lighter.append(means[1] > means[0])
    return shares, lighter, counts


NIGHT_SCENES = (
    "fireworks over a harbour",
    "a city skyline across a river",
    "a lighthouse on the shore of the sea",
    "a street with lights",
    "boats on a bay",
    "mountains above a lake",
    "a village by a forest",
    "desert dunes",
)
NIGHT_MEAN = 0.45  # the picture's mean HLS lightness at most (palette.TIME_LIGHTNESS's night is 0.2 .. 0.4)
NIGHT_SKY = 40.0  # L*: the top fifth of the picture (the sky) at most this light on average


def named_nights(n: int, seed: int = 3, verbose: bool = True) -> tuple[list[float], list[bool]]:
    """Night prompts naming one or two colours, each in a random style for a sad and a happy song: each colour's
    share (as :func:`colour_shares`) and whether the picture reads as night (mean HLS lightness at most
    ``NIGHT_MEAN``, its top fifth at most ``NIGHT_SKY`` L*)."""
    rng = random.Random(seed)
    shares, dark = [], []
    names = sorted(NAMED)
    for i in range(n):
        picked = rng.sample(names, rng.randint(1, 2))
        text = f"{rng.choice(NIGHT_SCENES)} at night, in {' and '.join(picked)}"
        style = rng.choice(sorted(STYLES))
        for valence in (0.2, 0.8):
            image = paint(Profile(valence=valence, energy=rng.uniform(0.2, 0.8)), prompt=text, style=style, size=192, seed=i)
            rgb = np.asarray(image, dtype=np.float64) / 255.0
            lab = srgb_to_lab(rgb)
            mean = float(((rgb.max(axis=2) + rgb.min(axis=2)) / 2).mean())
            sky = float(lab[: rgb.shape[0] // 5, :, 0].mean())
            dark.append(mean <= NIGHT_MEAN and sky <= NIGHT_SKY)
            if verbose and not dark[-1]:
                print(f"LIGHT NIGHT [{style}, valence {valence}] mean {mean:.2f}, sky L* {sky:.0f}: {text!r}")
            for colour in read_prompt(text).colours:
                shares.append(float((delta_e2000(lab, np.array(colour.lab)) < 20.0).mean()))
                if verbose and shares[-1] < 0.15:
                    print(f"FEW NIGHT [{style}, valence {valence}] {colour.name}: {shares[-1]:.1%} in {text!r}")
    return shares, dark


HELD_OUT = Path(__file__).with_name("painter_prompts_heldout.txt")


@dataclass(frozen=True)
class HeldOut:
    """One annotated held-out prompt (see the file's header for the format)."""

    text: str
    subjects: tuple[tuple[tuple[str, ...], int | None], ...]
    negated: tuple[str, ...]
    colours: tuple[tuple[str, tuple[float, float, float]], ...]
    undrawable: tuple[str, ...]
    style: str | None


def _hex_lab(code: str) -> tuple[float, float, float]:
    rgb = np.array([int(code[i : i + 2], 16) for i in (1, 3, 5)], dtype=np.float64) / 255.0
    return tuple(float(v) for v in srgb_to_lab(rgb))


def read_held_out(path: Path) -> list[HeldOut]:
    """The annotated prompts of ``path`` (every subject name and style is checked against the painter's)."""
    out = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = [f.strip() for f in re.split(r" \|(?= |$)", line)]
        if len(fields) != 6:
            raise SystemExit(f"{path}:{number}: expected 6 fields separated by ' | ', got {len(fields)}")
        text, subjects, negated, colours, undrawable, style = fields
        wanted = []
        for item in subjects.split():
            names, _, count = item.partition("=")
            wanted.append((tuple(names.split("|")), int(count) if count else None))
        refs = []
        for item in filter(None, (c.strip() for c in colours.split(","))):
            phrase, _, code = item.partition("=")
            key = phrase.strip().lower().replace("-", " ")
            lab = _hex_lab(code) if code else tuple(float(v) for v in lab_of(key))
            refs.append((phrase.strip(), lab))
        for name in [n for names, _ in wanted for n in names] + negated.split():
            if name not in SUBJECTS:
                raise SystemExit(f"{path}:{number}: {name!r} is not a subject of the grammar")
        if style and style not in STYLES:
            raise SystemExit(f"{path}:{number}: {style!r} is not a style")
        out.append(HeldOut(text, tuple(wanted), tuple(negated.split()), tuple(refs), tuple(undrawable.split()), style or None))
    return out


def check_held_out(item: HeldOut, seed: int) -> tuple[list[str], list[str]]:
    """(untruths, misreadings) of one held-out prompt's picture, judged by its annotations, not by the parser.

    Untruths break the issue's definition (a card or text names something the picture silently gets wrong);
    misreadings are everything else the annotation asks for (a subject reported instead of drawn, a missed
    colour, the wrong style, a negation the card does not state).
    """
    untrue = check_truth(item.text, seed)
    profile = Profile(valence=0.3 + 0.4 * (seed % 3) / 2, energy=0.5)
    drawn = describe(profile, prompt=item.text, size=256, seed=seed)
    scene = compose(item.text, mood_for(profile, None, seed), seed=seed, aspect=1.0)
    shown = scene.stack.raster(256, 256).visible()
    missed = []
    for names, count in item.subjects:
        hits = [n for n in names if n in drawn.subjects and n in shown]
        if not hits:
            if any(SUBJECTS[n].singular in drawn.not_drawn for n in names):
                missed.append(f"{'|'.join(names)} reported as not drawn")
            else:
                untrue.append(f"text names {'|'.join(names)}, neither drawn nor reported")
        elif count is not None and drawn.subjects[hits[0]] != count:
            untrue.append(f"text counts {count} {hits[0]}, the picture has {drawn.subjects[hits[0]]}")
    for name in item.negated:
        if name in drawn.subjects or name in shown:
            untrue.append(f"text says no {name}, the picture has it")
        elif name not in getattr(drawn, "left_out", ()):
            missed.append(f"card does not say {name} was left out")
    forms = {entry.removeprefix("a ").removeprefix("an ").removeprefix("the ") for entry in (*drawn.not_drawn, *drawn.left_out)}
    for word in item.undrawable:  # reported as not drawn, or as left out when the text negated it
        plurals = {word + "s", word + "es", word[:-1] + "ies", word + "e", word[:-1] + "ves", word[:-2] + "ves"}  # nebulae, leaves
        if not forms & ({word} | plurals):
            untrue.append(f"undrawable {word} not reported")
    found = list(read_prompt(item.text).colours)
    for phrase, lab in item.colours:
        near = sorted((float(delta_e2000(np.array(c.lab), np.array(lab))), k) for k, c in enumerate(found))
        if not near or near[0][0] >= 20.0:
            missed.append(f"colour {phrase!r} not read (read: {', '.join(c.name for c in found) or 'none'})")
        else:
            found.pop(near[0][1])
    missed += [f"read colour {c.name!r} the text does not name" for c in found]
    if item.style is not None and drawn.style != item.style:
        missed.append(f"style {drawn.style}, the text asks for {item.style}")
    return untrue, missed


def held_out_colours(items: list[HeldOut], seed: int = 2, verbose: bool = True) -> tuple[list[float], list[bool]]:
    """Share of pixels within dE2000 20 of each annotated colour (its own reference), for a sad and a happy song."""
    rng = random.Random(seed)
    shares, lighter = [], []
    for i, item in enumerate(x for x in items if x.colours):
        style = item.style or rng.choice(sorted(STYLES))
        means = []
        for valence in (0.2, 0.8):
            image = paint(Profile(valence=valence, energy=rng.uniform(0.2, 0.8)), prompt=item.text, style=style, size=192, seed=i)
            lab = srgb_to_lab(np.asarray(image, dtype=np.float64) / 255.0)
            means.append(float(lab[..., 0].mean()))
            for phrase, ref in item.colours:
                shares.append(float((delta_e2000(lab, np.array(ref)) < 20.0).mean()))
                if verbose and shares[-1] < 0.15:
                    print(f"FEW [{style}, valence {valence}] {phrase}: {shares[-1]:.1%} in {item.text!r}")
        lighter.append(means[1] > means[0])
    return shares, lighter


def held_out(path: Path) -> str:
    """Run the held-out set; print every failure and return the summary line."""
    items = read_held_out(path)
    untrue_n = missed_n = 0
    for i, item in enumerate(items):
        untrue, missed = check_held_out(item, i)
        untrue_n += bool(untrue)
        missed_n += bool(untrue or missed)
        if untrue or missed:
            print(f"{'UNTRUE' if untrue else 'MISREAD'} {item.text!r}: {'; '.join(untrue + missed)}")
    shares, lighter = held_out_colours(items)
    ok = float(np.mean(np.array(shares) >= 0.15))
    return (
        f"SUMMARY held-out {len(items)} prompts: truthful {len(items) - untrue_n}/{len(items)} | "
        f"understood {len(items) - missed_n}/{len(items)} | colours >=15%: {ok:.1%} of {len(shares)} "
        f"(median {np.median(shares):.1%}) | lightness follows valence: {np.mean(lighter):.1%}"
    )


def legibility(size: int = 192) -> str:
    """Every drawn subject's contrast with its surround, the hand-written prompts in every style; the summary."""
    rows = []
    for i, text in enumerate(HAND_WRITTEN):
        for style in STYLES:
            for valence in (0.25, 0.75):
                profile = Profile(valence=valence, energy=0.5)
                image, drawn = paint_with_record(profile, prompt=text, style=style, size=size, seed=i)
                raster = compose(text, mood_for(profile, None, i), seed=i, aspect=1.0).stack.raster(size, size)
                rows += [(value, style, name, text) for name, value in subject_contrast(image, raster, drawn.subjects).items()]
    for style in STYLES:
        mine = [r[0] for r in rows if r[1] == style]
        print(f"{style:12s} {np.mean(np.array(mine) >= MIN_CONTRAST):.1%} of {len(mine)} subjects >= dE2000 {MIN_CONTRAST}")
    for value, style, name, text in sorted(rows)[:15]:
        print(f"FAINT {value:4.1f} [{style}] {name} in {text!r}")
    ok = np.mean(np.array([r[0] for r in rows]) >= MIN_CONTRAST)
    worst = min(np.mean(np.array([r[0] for r in rows if r[1] == s]) >= MIN_CONTRAST) for s in STYLES)
    return (f"SUMMARY legibility: {ok:.1%} of {len(rows)} drawn subjects >= dE2000 {MIN_CONTRAST} from their surround "
            f"(worst style {worst:.1%})")


def surface_marks(n: int, size: int = 384, seed: int = 0) -> str:
    """The marks on a surface (waves, the light's path, a river's shine, foam, a road's dashes) against that surface
    (:func:`a2i.render.painter.legibility.marks_contrast`), on template prompts for random songs; the summary."""
    rng = random.Random(seed)
    writer = get_generator("template")
    rows = []
    while len(rows) < n:
        profile = Profile(valence=rng.uniform(0.05, 0.95), energy=rng.uniform(0.05, 0.95), danceability=rng.uniform(0.2, 0.9))
        text = writer.generate(profile, n=1, seed=rng.randrange(10**6))[0]
        picture_seed = rng.randrange(2**32)
        scene = compose(text, mood_for(profile, None, picture_seed), seed=picture_seed, aspect=1.0)
        shown = [name for name in SURFACE_MARKS if name in scene.plan.subjects]
        if not shown:
            continue
        image, raster = paint(profile, prompt=text, seed=picture_seed, size=size), scene.stack.raster(size, size)
        for name in shown:
            value = marks_contrast(image, raster, name)
            if value is not None:
                rows.append((value, choose_style(text, picture_seed), name, round(profile.valence, 2), text))
    for value, style, name, valence, text in sorted(rows)[:10]:
        print(f"FAINT {value:4.1f} [{style}, valence {valence}] {name} in {text[:100]!r}")
    values = np.array([r[0] for r in rows])
    return (f"SUMMARY surface marks: {len(values)} surfaces in template pictures, {np.mean(values >= MIN_CONTRAST):.1%} of their "
            f"marks >= dE2000 {MIN_CONTRAST} from the surface beside them (median {np.median(values):.1f})")


def speed() -> dict[str, tuple[float, float]]:
    profile = Profile(valence=0.6, energy=0.7, tempo=128)
    text = "A lighthouse and three boats at sea under the stars, birds over the shore"
    out = {}
    for name in STYLES:
        paint(profile, prompt=text, style=name, size=256, seed=0)
        cpu, wall = [], []
        for seed in range(3):
            c0, w0 = time.process_time(), time.perf_counter()
            paint(profile, prompt=text, style=name, size=1024, seed=seed)
            cpu.append(time.process_time() - c0)
            wall.append(time.perf_counter() - w0)
        out[name] = (min(cpu), min(wall))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--prompts", type=int, default=400)
    parser.add_argument("--colour-prompts", type=int, default=120)
    parser.add_argument("--night-prompts", type=int, default=40, help="night prompts naming colours (named_nights)")
    parser.add_argument("--speed", action="store_true")
    parser.add_argument("--legibility", action="store_true", help="measure every drawn subject's contrast instead")
    parser.add_argument("--surface-marks", type=int, nargs="?", const=120, default=None, metavar="N",
                        help="measure the marks on N surfaces (waves on the sea...) against them instead (default: %(const)s)")
    parser.add_argument("--held-out", nargs="?", const=HELD_OUT, type=Path, default=None, metavar="FILE",
                        help="measure the annotated held-out prompts instead (default file: %(const)s)")
    args = parser.parse_args()
    if args.held_out is not None:
        print(held_out(args.held_out))
        return
    if args.legibility:
        print(legibility())
        return
    if args.surface_marks is not None:
        print(surface_marks(args.surface_marks))
        return
    bad: dict[str, int] = {}
    kinds: dict[str, int] = {}
    for i, (kind, text) in enumerate(prompts(args.prompts)):
        kinds[kind] = kinds.get(kind, 0) + 1
        problems = check_truth(text, i)
        if problems:
            bad[kind] = bad.get(kind, 0) + 1
            print(f"UNTRUE [{kind}] {text!r}: {'; '.join(problems)}")
    truthful = args.prompts - sum(bad.values())
    by_kind = ", ".join(f"{k} {kinds[k] - bad.get(k, 0)}/{kinds[k]}" for k in sorted(kinds))
    print(f"truthful cards: {truthful}/{args.prompts} ({by_kind})")
    shares, lighter, counts = colour_shares(args.colour_prompts)
    ok = float(np.mean(np.array(shares) >= 0.15))
    for k in sorted(set(counts)):
        mine = np.array([share for share, c in zip(shares, counts) if c == k])
        print(
            f"  {k} colour(s) named: {np.mean(mine >= 0.15):.1%} of {len(mine)} (picture, colour) pairs >= 15%, "
            f"median {np.median(mine):.1%}"
        )
    print(
        f"named colours: {len(shares)} (picture, colour) pairs, {ok:.1%} with >= 15% of pixels within dE2000 20, "
        f"median share {np.median(shares):.1%}; happy song lighter than sad in {np.mean(lighter):.1%} of {len(lighter)} prompts"
    )
    two = np.array([share for share, c in zip(shares, counts) if c <= 2])
    night_shares, dark = named_nights(args.night_prompts)
    print(f"named nights: {len(dark)} pictures, {np.mean(dark):.1%} read as night; {len(night_shares)} (picture, colour) "
          f"pairs, {np.mean(np.array(night_shares) >= 0.15):.1%} >= 15%, median {np.median(night_shares):.1%}")
    summary = (
        f"SUMMARY truthful {truthful}/{args.prompts} | colours >=15%: {ok:.1%} (1-2 named: {np.mean(two >= 0.15):.1%}; "
        f"median {np.median(shares):.1%}) | "
        f"lightness follows valence: {np.mean(lighter):.1%} | named nights: dark {np.mean(dark):.1%}, "
        f"colours >=15% {np.mean(np.array(night_shares) >= 0.15):.1%}"
    )
    if args.speed:
        times = speed()
        for name, (cpu, wall) in times.items():
            print(f"{name:12s} 1024 x 1024: {cpu:.3f} s CPU, {wall:.3f} s wall")
        summary += f" | slowest style {max(t[0] for t in times.values()):.3f} s CPU, {max(t[1] for t in times.values()):.3f} s wall"
    print(summary)


if __name__ == "__main__":
    main()
