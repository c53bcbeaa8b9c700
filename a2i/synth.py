"""A small synthesizer that writes the project's own example music.

The repository ships no copyrighted songs, so the demo, the tutorials and the tests use pieces rendered
here: additive/subtractive voices, simple drum models and a feedback-delay reverb, all deterministic for
a seed. Each :class:`PieceSpec` is a mood written as music: tempo, key and mode, harmony, brightness,
drum density and level.

Run ``python -m a2i.synth DIR`` to (re)write the bundled pieces.

Examples
--------
>>> audio = render(PIECES["bright_major"], seconds=2.0)
>>> audio.sr, round(audio.duration, 1)
(22050, 2.0)
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from a2i.audio import Audio, write

SR = 22050

# Semitone offsets of chord tones above the chord root.
_TRIADS = {"maj": (0, 4, 7), "min": (0, 3, 7), "maj7": (0, 4, 7, 11), "min7": (0, 3, 7, 10), "sus2": (0, 2, 7)}


@dataclass(frozen=True)
class PieceSpec:
    """A piece described by the musical parameters that carry mood."""

    title: str
    tempo: float
    tonic: int  # MIDI note of the key's tonic
    progression: tuple[tuple[int, str], ...]  # (semitones above tonic, chord quality) per bar
    scale: tuple[int, ...]
    brightness: float  # 0 dark (low-passed, sine-like) .. 1 bright (saw-rich)
    drums: float  # 0 none .. 1 full kit with 16th hats
    level_db: float  # target RMS level in dBFS
    melody_density: float  # notes per beat
    genre: str = "electronic"
    sections: tuple[float, ...] = field(default=(1.0,))  # intensity per section (example song builds up)


MAJOR = (0, 2, 4, 5, 7, 9, 11)
MINOR = (0, 2, 3, 5, 7, 8, 10)

PIECES: dict[str, PieceSpec] = {
    "bright_major": PieceSpec(
        title="Sunlit Parade", tempo=138.0, tonic=64, progression=((0, "maj"), (7, "maj"), (9, "min"), (5, "maj")),
        scale=MAJOR, brightness=0.95, drums=1.0, level_db=-11.0, melody_density=2.0, genre="synth-pop",
    ),
    "dark_minor": PieceSpec(
        title="Grey Harbour", tempo=62.0, tonic=57, progression=((0, "min"), (8, "maj"), (5, "min"), (7, "min")),
        scale=MINOR, brightness=0.1, drums=0.0, level_db=-27.0, melody_density=0.5, genre="ambient",
    ),
    "example_song": PieceSpec(
        title="Night Drive to Morning", tempo=112.0, tonic=62, progression=((0, "min7"), (5, "min7"), (10, "maj"), (3, "maj7")),
        scale=MINOR, brightness=0.6, drums=0.8, level_db=-15.0, melody_density=1.0, genre="electronic",
        sections=(0.15, 0.6, 1.0),
    ),
}


def _midi_hz(note: float) -> float:
    return 440.0 * 2.0 ** ((note - 69.0) / 12.0)


def _envelope(n: int, attack: float, release: float) -> np.ndarray:
    t = np.arange(n) / SR
    env = np.minimum(1.0, t / max(attack, 1e-4))
    tail = np.clip((n / SR - t) / max(release, 1e-4), 0.0, 1.0)
    return env * tail


def _voice(freq: float, n: int, brightness: float, rng: np.random.Generator) -> np.ndarray:
    """Additive voice: brightness sets how many harmonics and how slowly they fall off (sine .. sawtooth)."""
    t = np.arange(n) / SR
    n_harm = max(1, int(1 + brightness * 14))
    rolloff = 1.0 + (1.0 - brightness) * 2.5
    out = np.zeros(n)
    for h in range(1, n_harm + 1):
        if freq * h > SR / 2.2:
            break
        detune = 1.0 + rng.normal(0, 0.0015)
        out += np.sin(2 * np.pi * freq * h * detune * t + rng.uniform(0, 2 * np.pi)) / h**rolloff
    return out


def _kick(n: int) -> np.ndarray:
    t = np.arange(n) / SR
    freq = 45.0 + 90.0 * np.exp(-t * 30.0)
    return np.sin(2 * np.pi * np.cumsum(freq) / SR) * np.exp(-t * 9.0)


def _noise_hit(n: int, rng: np.random.Generator, decay: float, highpass: bool) -> np.ndarray:
    noise = rng.standard_normal(n)
    if highpass:
        noise = np.diff(noise, prepend=0.0)
    return noise * np.exp(-np.arange(n) / SR * decay)


def _reverb(x: np.ndarray, mix: float) -> np.ndarray:
    """Schroeder reverb: four parallel feedback combs into two all-passes."""
    from scipy.signal import lfilter  # here, not at import: importing a2i must not wait for scipy.signal

    wet = np.zeros_like(x)
    for delay_ms, gain in ((29.7, 0.78), (37.1, 0.76), (41.1, 0.74), (43.7, 0.72)):
        d = int(SR * delay_ms / 1000)
        a = np.zeros(d + 1)
        a[0], a[d] = 1.0, -gain
        wet += lfilter([1.0], a, x)
    for delay_ms, gain in ((5.0, 0.7), (1.7, 0.7)):
        d = int(SR * delay_ms / 1000)
        b = np.zeros(d + 1)
        b[0], b[d] = -gain, 1.0
        a = np.zeros(d + 1)
        a[0], a[d] = 1.0, -gain
        wet = lfilter(b, a, wet)
    return (1 - mix) * x + mix * wet / 4.0


def _lowpass(x: np.ndarray, cutoff: float) -> np.ndarray:
    from scipy.signal import lfilter

    alpha = 1.0 - np.exp(-2 * np.pi * cutoff / SR)
    return lfilter([alpha], [1.0, alpha - 1.0], x)


def tone(seconds: float, *, freq: float = 440.0, sr: int = SR, amp: float = 0.3, fade: float = 0.0) -> Audio:
    """A sine tone, optionally with linear fades: the smallest piece of test audio a fixture can need.

    Examples
    --------
    >>> a = tone(1.0, freq=440.0, sr=8000)
    >>> a.sr, len(a.samples), round(float(abs(a.samples).max()), 2)
    (8000, 8000, 0.3)
    """
    t = np.arange(int(seconds * sr)) / sr
    y = amp * np.sin(2 * np.pi * freq * t)
    if fade > 0 and t.size:
        y *= np.minimum(1.0, np.minimum(t, t[-1] - t) / fade)
    return Audio(y.astype(np.float32), sr)


def render(spec: PieceSpec, *, seconds: float = 30.0, seed: int = 0) -> Audio:
    """Render a piece to a mono :class:`~a2i.audio.Audio` at 22.05 kHz.

    Parameters
    ----------
    spec : PieceSpec
    seconds : float
        Length; the harmony loops bar by bar.
    seed : int
        Seeds melody choices, phases and drum noise, so a render is reproducible.
    """
    rng = np.random.default_rng(seed)
    total = int(seconds * SR)
    beat = 60.0 / spec.tempo
    bar = 4 * beat
    n_bars = int(np.ceil(seconds / bar))
    pad = np.zeros(int((n_bars + 1) * bar * SR) + SR)
    lead = np.zeros_like(pad)
    bass = np.zeros_like(pad)
    drums = np.zeros_like(pad)

    def section_gain(time: float) -> float:
        index = min(int(time / seconds * len(spec.sections)), len(spec.sections) - 1)
        return spec.sections[index]

    for b in range(n_bars):
        start = b * bar
        root, quality = spec.progression[b % len(spec.progression)]
        intensity = section_gain(start)
        bright = spec.brightness * (0.4 + 0.6 * intensity)
        i0, n_bar = int(start * SR), int(bar * SR)
        for offset in _TRIADS[quality]:
            tone = _voice(_midi_hz(spec.tonic + root + offset - 12), n_bar, bright * 0.7, rng)
            pad[i0 : i0 + n_bar] += 0.18 * tone * _envelope(n_bar, 0.3 * bar, 0.3 * bar)
        n_beat = int(beat * SR)
        for k in range(4):
            j = i0 + k * n_beat
            bass_voice = _voice(_midi_hz(spec.tonic + root - 24), n_beat, bright * 0.5, rng)
            bass[j : j + n_beat] += 0.35 * bass_voice * _envelope(n_beat, 0.01, 0.5 * beat)
        steps = max(1, int(round(spec.melody_density * 4 * (0.5 + intensity))))
        n_step = int(bar / steps * SR)
        chord = [spec.tonic + root + o + 12 for o in _TRIADS[quality]]
        for s in range(steps):
            if rng.random() < 0.65:
                note = chord[int(rng.integers(len(chord)))]
            else:
                note = spec.tonic + 12 + spec.scale[int(rng.integers(len(spec.scale)))]
            j = i0 + s * n_step
            lead[j : j + n_step] += 0.22 * _voice(_midi_hz(note), n_step, bright, rng) * _envelope(n_step, 0.01, 0.6 * n_step / SR)
        if spec.drums * intensity > 0.05:
            level = spec.drums * intensity
            for k in range(4):
                j = i0 + k * n_beat
                hit = _kick(min(n_beat, int(0.4 * SR)))
                drums[j : j + len(hit)] += 0.9 * level * hit
                if k % 2 == 1:
                    hit = _noise_hit(int(0.2 * SR), rng, 18.0, False)
                    drums[j : j + len(hit)] += 0.35 * level * hit
            hats = 16 if level > 0.5 else 8
            n_hat = int(bar / hats * SR)
            for h in range(hats):
                hit = _noise_hit(int(0.05 * SR), rng, 70.0, True)
                j = i0 + h * n_hat
                drums[j : j + len(hit)] += 0.12 * level * hit

    cutoff = 600.0 + 7000.0 * spec.brightness
    mix = _lowpass(pad + lead, cutoff) + _lowpass(bass, 400.0) + drums
    mix = _reverb(mix, 0.25 + 0.35 * (1.0 - spec.brightness))[:total]
    rms = np.sqrt(np.mean(mix**2)) + 1e-12
    mix *= 10 ** (spec.level_db / 20.0) / rms
    mix = np.tanh(mix * 1.2) / 1.2  # gentle soft clip keeps peaks inside [-1, 1]
    fade = min(int(0.05 * SR), total // 2)
    mix[:fade] *= np.linspace(0.0, 1.0, fade)
    mix[-fade:] *= np.linspace(1.0, 0.0, fade)
    return Audio(mix.astype(np.float32), SR)


#: The rhythm styles of :func:`groove`: what a tempo estimator meets in real music.
GROOVE_STYLES = ("rock", "funk", "swing", "waltz", "rubato", "no_drums")


def _piano(freq: float, n: int, rng: np.random.Generator) -> np.ndarray:
    """A struck string: a few inharmonic partials with a fast attack and an exponential decay."""
    t = np.arange(n) / SR
    out = np.zeros(n)
    for h in range(1, 7):
        partial = freq * h * np.sqrt(1.0 + 0.0004 * h * h)
        if partial > SR / 2.2:
            break
        out += np.sin(2 * np.pi * partial * t + rng.uniform(0, 2 * np.pi)) * np.exp(-t * (1.5 + 1.2 * h)) / h
    return out * np.minimum(1.0, t / 0.004)


def _beat_times(bpm: float, seconds: float, style: str, rng: np.random.Generator) -> np.ndarray:
    """Beat onsets in seconds: steady, or (``rubato``) with the tempo swaying +-10 % over phrases of about
    8 s and a little timing jitter, as an expressive pianist plays."""
    if style != "rubato":
        return np.arange(0.0, seconds + 60.0 / bpm, 60.0 / bpm)
    times, t = [], 0.0
    phase = rng.uniform(0, 2 * np.pi)
    while t < seconds + 2.0:
        times.append(t + rng.normal(0, 0.012))
        t += 60.0 / (bpm * (1.0 + 0.1 * np.sin(2 * np.pi * t / 8.0 + phase)))
    return np.array(times)


def groove(bpm: float, style: str, *, seconds: float = 20.0, seed: int = 0) -> Audio:
    """A short piece with a known tempo in one of :data:`GROOVE_STYLES`, for testing tempo estimation.

    ``rock``: kick on 1 and 3, snare on 2 and 4, eighth-note hi-hats, bass on the beat, chords on the bar.
    ``funk``: syncopated kick, snare backbeat, sixteenth-note hats with accents. ``swing``: ride cymbal in
    swung eighths (the off-beat at two thirds of the beat), walking bass, hi-hat on 2 and 4. ``waltz``: 3/4,
    bass on 1 and chords on 2 and 3, no drums. ``rubato``: piano alone, melody and chords, the tempo
    swaying +-10 % around ``bpm``. ``no_drums``: a piano ostinato in eighths over a bass on the beat.
    Levels are varied as players do (accents, velocities), so no pulse is a perfect click.

    Examples
    --------
    >>> a = groove(96.0, "swing", seconds=4.0)
    >>> a.sr, a.duration
    (22050, 4.0)
    """
    if style not in GROOVE_STYLES:
        raise ValueError(f"style must be one of {GROOVE_STYLES}, got {style!r}")
    rng = np.random.default_rng(seed)
    total = int(seconds * SR)
    out = np.zeros(total + 4 * SR)
    beats = _beat_times(bpm, seconds, style, rng)
    tonic = 48 + int(rng.integers(0, 12))
    minor = bool(rng.integers(0, 2))
    chords = [(0, "min" if minor else "maj"), (5, "min" if minor else "maj"), (7, "maj"), (3 if minor else 9, "maj" if minor else "min")]
    meter = 3 if style == "waltz" else 4

    def add(at: float, sound: np.ndarray, gain: float) -> None:
        i = int(round(at * SR))
        if 0 <= i < len(out):
            piece = sound[: len(out) - i]
            out[i : i + len(piece)] += gain * piece

    def vel() -> float:
        return float(rng.uniform(0.8, 1.0))

    for b, t in enumerate(beats[:-1]):
        step = beats[b + 1] - t
        pos = b % meter
        root, quality = chords[(b // meter) % len(chords)]
        chord = [tonic + root + o for o in _TRIADS[quality]]
        if style in ("rock", "funk", "swing"):
            if style == "rock":
                if pos in (0, 2):
                    add(t, _kick(int(0.4 * SR)), 0.9 * vel())
                if pos in (1, 3):
                    n = int(0.25 * SR)
                    body = 0.3 * _voice(190.0, n, 0.2, rng) * np.exp(-np.arange(n) / SR * 20)  # the snare's shell
                    add(t, _noise_hit(n, rng, 16.0, False) + body, 0.5 * vel())
                for e in range(2):
                    add(t + e * step / 2, _noise_hit(int(0.06 * SR), rng, 60.0, True), (0.16 if e == 0 else 0.11) * vel())
            elif style == "funk":
                if pos == 0 or (pos == 2 and rng.random() < 0.7):
                    add(t, _kick(int(0.3 * SR)), 0.9 * vel())
                if pos == 1 and rng.random() < 0.6:
                    add(t + 3 * step / 4, _kick(int(0.3 * SR)), 0.6 * vel())
                if pos in (1, 3):
                    add(t, _noise_hit(int(0.2 * SR), rng, 20.0, False), 0.55 * vel())
                for e in range(4):
                    add(t + e * step / 4, _noise_hit(int(0.04 * SR), rng, 80.0, True), (0.15, 0.06, 0.10, 0.06)[e] * vel())
            else:
                add(t, _noise_hit(int(0.5 * SR), rng, 6.0, True), 0.12 * vel())
                if rng.random() < 0.6:
                    add(t + 2 * step / 3, _noise_hit(int(0.3 * SR), rng, 8.0, True), 0.08 * vel())
                if pos in (1, 3):
                    add(t, _noise_hit(int(0.05 * SR), rng, 70.0, True), 0.1 * vel())
                if rng.random() < 0.25:
                    add(t + 2 * step / 3, _noise_hit(int(0.12 * SR), rng, 25.0, False), 0.15 * vel())
            bass = tonic - 12 + root + (0, 4, 7, 5)[pos] if style == "swing" else tonic - 12 + root
            add(t, _voice(_midi_hz(bass), int(step * SR), 0.3, rng) * _envelope(int(step * SR), 0.01, 0.4 * step), 0.3 * vel())
            if pos == 0:
                for note in chord:
                    add(t, _piano(_midi_hz(note + 12), int(4 * step * SR), rng), 0.12 * vel())
        elif style == "waltz":
            if pos == 0:
                add(t, _piano(_midi_hz(tonic - 12 + root), int(2 * step * SR), rng), 0.45 * vel())
            else:
                for note in chord:
                    add(t, _piano(_midi_hz(note + 12), int(step * SR), rng), 0.14 * vel())
            if rng.random() < 0.5:
                add(t, _piano(_midi_hz(chord[int(rng.integers(3))] + 24), int(step * SR), rng), 0.2 * vel())
        elif style == "rubato":
            if pos == 0:
                add(t, _piano(_midi_hz(tonic - 12 + root), int(4 * step * SR), rng), 0.4 * vel())
                for note in chord:
                    add(t + rng.uniform(0.0, 0.03), _piano(_midi_hz(note + 12), int(4 * step * SR), rng), 0.12 * vel())
            melody = chord[int(rng.integers(3))] + 24
            add(t, _piano(_midi_hz(melody), int(2 * step * SR), rng), (0.3 if pos == 0 else 0.22) * vel())
            if rng.random() < 0.4:
                add(t + step / 2, _piano(_midi_hz(melody + (2 if rng.random() < 0.5 else -1)), int(step * SR), rng), 0.14 * vel())
        else:  # no_drums
            n = int(step * SR)
            add(t, _voice(_midi_hz(tonic - 12 + root), n, 0.4, rng) * _envelope(n, 0.01, 0.5 * step), 0.35 * vel())
            arpeggio = chord + [chord[1] + 12]
            for e in range(2):
                note = arpeggio[(2 * pos + e) % len(arpeggio)] + 12
                add(t + e * step / 2, _piano(_midi_hz(note), int(step * SR), rng), (0.2 if e == 0 else 0.13) * vel())
    mix = _reverb(out, 0.2)[:total]
    mix = 0.25 * mix / (np.sqrt(np.mean(mix**2)) + 1e-12)
    return Audio(np.clip(mix, -1.0, 1.0).astype(np.float32), SR)


def render_example_songs(out_dir: str | Path, *, seconds: float = 30.0) -> list[Path]:
    """Write every piece in :data:`PIECES` as FLAC, tagged with its title, artist and genre."""
    import mutagen.flac

    out_dir = Path(out_dir)
    paths = []
    for name, spec in PIECES.items():
        path = write(out_dir / f"{name}.flac", render(spec, seconds=seconds))
        tags = mutagen.flac.FLAC(path)
        tags["title"], tags["artist"], tags["genre"] = spec.title, "a2i synthesizer", spec.genre
        tags.save()
        paths.append(path)
    return paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m a2i.synth", description=__doc__.split("\n")[0])
    parser.add_argument("out_dir", nargs="?", default="dataset/tutorial_data", help="where to write the pieces")
    parser.add_argument("--seconds", type=float, default=30.0, help="length of each piece (default 30)")
    args = parser.parse_args(argv)
    for path in render_example_songs(args.out_dir, seconds=args.seconds):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
