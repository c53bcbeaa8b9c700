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
from scipy.signal import lfilter

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
