"""A small synthesizer that writes the project's own example music.

The repository ships no copyrighted songs, so the demo, the tutorials and the tests use pieces rendered
here: a small band of modelled instruments (bowed strings with vibrato and bow noise, a struck piano, a
plucked bass, a sung "ah" with its vowel's formants, a synth lead, a drum kit) and a feedback-delay reverb,
all deterministic for a seed. Each :class:`PieceSpec` is a mood written as music with the cues listeners
hear it by (Juslin & Laukka 2003, "Communication of emotions in vocal expression and music performance"):
tempo, key and mode, harmony, brightness, articulation, register and direction of the melody, dissonance,
timing, phrasing (where the band stops to breathe), drums and level.

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
_TRIADS = {"maj": (0, 4, 7), "min": (0, 3, 7), "maj7": (0, 4, 7, 11), "min7": (0, 3, 7, 10), "sus2": (0, 2, 7),
           "min9": (0, 3, 7, 10, 14)}


@dataclass(frozen=True)
class PieceSpec:
    """A piece described by the musical parameters that carry mood.

    The first fields are the broad strokes every piece has (tempo, key and mode, chords, brightness, drums,
    level, how busy the melody is); the rest say how it is played: which instrument sings the melody, where
    it sits and which way it leans, how much it leans on dissonances, how freely the time breathes.
    """

    title: str
    tempo: float
    tonic: int  # MIDI note of the key's tonic
    progression: tuple[tuple[int, str], ...]  # (semitones above tonic, chord quality) per bar
    scale: tuple[int, ...]
    brightness: float  # 0 dark (low-passed, few harmonics) .. 1 bright (saw-rich, open)
    drums: float  # 0 none .. 1 full kit with 16th hats
    level_db: float  # target RMS level in dBFS
    melody_density: float  # notes per beat
    genre: str = "electronic"
    sections: tuple[float, ...] = field(default=(1.0,))  # intensity per section (example song builds up)
    lead: str = "synth"  # the melody's instrument: "synth", "piano", "strings" (bowed) or "voice" (sung "ah")
    register: int = 12  # the melody's centre in semitones above the tonic
    contour: float = 0.0  # the melody's lean: -1 falling (sighs, laments) .. +1 rising
    tension: float = 0.0  # share of strong beats where the melody leans on the note above before resolving
    sway: float = 0.0  # expressive timing: the tempo breathes this share either way over each 4-bar phrase
    breath: float = 0.0  # share of each bar, at its end, in which the whole band rests (0: legato throughout)
    breath_sections: tuple[int, ...] = ()  # the sections that breathe (empty: all of them)
    intro: tuple[tuple[int, str], ...] = ()  # the first section's own progression (empty: the piece's)


MAJOR = (0, 2, 4, 5, 7, 9, 11)
MINOR = (0, 2, 3, 5, 7, 8, 10)

#: The lead instruments of :class:`PieceSpec`.
LEADS = ("synth", "piano", "strings", "voice")

PIECES: dict[str, PieceSpec] = {
    # Happy: fast, major, bright and loud, a full pop drum kit, a busy melody high above the tonic that
    # climbs, I - V - vi - IV.
    "bright_major": PieceSpec(
        title="Sunlit Parade", tempo=138.0, tonic=64, progression=((0, "maj"), (7, "maj"), (9, "min"), (5, "maj")),
        scale=MAJOR, brightness=0.95, drums=1.0, level_db=-11.0, melody_density=2.0, genre="synth-pop",
        lead="synth", register=14, contour=0.4,
    ),
    # Sad: a slow lament in A minor that never leaves the minor: i9 - iv7 - i - v7, the natural minor's
    # minor dominant (no major chord brightens it). A high sung line (the voice most sad songs have) falls
    # in sighs, on nearly every strong beat leaning on the note above the chord before it resolves; soft,
    # dark, legato, slow, in free time, no drums (Juslin & Laukka 2003's cues of sadness: slow, quiet,
    # legato, dull timbre, slow attacks, large timing variations). The time breathes +-6 % over each phrase,
    # and each bar's line is a phrase of its own: the band stops for the last 30 % of every bar (a sigh, a
    # breath) and only the room rings on. Read with the shipped heads (fitted on real music only, never on
    # these pieces), mean of seeds 0-2: valence 0.47 played legato (+-8 %), 0.38 / 0.22 / 0.17 with rests of
    # 20 / 30 / 40 % of a bar; with +-6 % 0.23 and the tempo 61.5-63.1, read with confidence (with +-8 % the
    # tempo read up to 63.9, near the edge of "uncertain"). Legato, the sustained synthesized texture read like
    # serene new-age music; slower or shallower vibrato, other leads, a cello or guitar band (Karplus-Strong
    # plucks, a bowed cello with body resonances), a piano of beating unison strings, room noise and
    # saturation did not read sadder.
    "dark_minor": PieceSpec(
        title="Grey Harbour", tempo=62.0, tonic=57, progression=((0, "min9"), (5, "min7"), (0, "min"), (7, "min7")),
        scale=MINOR, brightness=0.15, drums=0.0, level_db=-27.0, melody_density=0.5, genre="ambient",
        lead="voice", register=17, contour=-0.6, tension=0.9, sway=0.06, breath=0.3,
    ),
    # Night to morning: a dark, hesitant D minor intro (dark_minor's all-minor i9 - iv7 - i - v7, piano chords
    # held two beats and the bass a bar under a bowed melody, no drums, the band resting for the last 35 % of
    # each bar) that builds, drums entering in the second section and the full band in the third, on
    # i7 - VI - iv7 - V: the major dominant (A major) naming the key and lifting it toward morning; the kit
    # plays at full strength (it was 0.8). Read as above (seeds 0-2): intro valence 0.43, build 0.62, full band
    # 0.62; energy 0.39, 0.61, 0.66: sad and calm, then calm and content, then excited (it was 0.72 / 0.72 / 0.68
    # and 0.49 / 0.51 / 0.64, with an intro of broken chords in eighths on the full band's progression).
    "example_song": PieceSpec(
        title="Night Drive to Morning", tempo=112.0, tonic=62, progression=((0, "min7"), (8, "maj"), (5, "min7"), (7, "maj")),
        scale=MINOR, brightness=0.6, drums=1.0, level_db=-15.0, melody_density=1.0, genre="electronic",
        sections=(0.08, 0.6, 1.0), lead="strings", register=12, contour=-0.2, tension=0.3,
        intro=((0, "min9"), (5, "min7"), (0, "min"), (7, "min7")), breath=0.35, breath_sections=(0,),
    ),
}

#: Sections below this intensity are quiet: the piano holds its chords for :data:`PIANO_HOLD` beats and the
#: bass for :data:`BASS_HOLD` (an intro without a walking pulse), whatever the melody's pace.
QUIET = 0.3

#: Beats a quiet section's piano chord and bass note are held: half notes and whole notes.
PIANO_HOLD, BASS_HOLD = 2, 4


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


def _vibrato_phase(freq: float, n: int, rng: np.random.Generator, depth: float, rate: float = 5.5) -> np.ndarray:
    """Phase of a held tone whose pitch wavers as a player's or singer's does: vibrato of ``depth`` (share
    of the frequency) at ``rate`` Hz, growing in over the first 0.3 s, plus a slow random drift."""
    t = np.arange(n) / SR
    wobble = depth * np.sin(2 * np.pi * rate * t + rng.uniform(0, 2 * np.pi)) * np.minimum(1.0, t / 0.3)
    drift = 0.001 * np.sin(2 * np.pi * rng.uniform(0.2, 0.6) * t + rng.uniform(0, 2 * np.pi))
    return 2 * np.pi * freq * np.cumsum(1.0 + wobble + drift) / SR


#: Samples in one period of a :func:`_wavetable`: enough that the nearest sample is within 0.2 % of a
#: period, so a table read costs one lookup a sample however many harmonics the tone has.
TABLE_SIZE = 4096


def _wavetable(amplitudes: np.ndarray, phase: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A tone with harmonics of the given amplitudes (first = fundamental, random phases) along ``phase``
    (radians of the fundamental), read from one period computed once."""
    k = np.arange(TABLE_SIZE) / TABLE_SIZE
    h = np.arange(1, len(amplitudes) + 1)[:, None]
    table = (amplitudes[:, None] * np.sin(2 * np.pi * h * k + rng.uniform(0, 2 * np.pi, (len(amplitudes), 1)))).sum(axis=0)
    return table[(phase * (TABLE_SIZE / (2 * np.pi))).astype(np.int64) % TABLE_SIZE]


#: Formants of a sung "ah" (Hz, bandwidth Hz, gain): Peterson & Barney's (1952) vowel, with the singer's
#: formant near 2.8 kHz that carries a voice over an accompaniment (Sundberg 1974).
_VOWEL_AH = ((730.0, 90.0, 1.0), (1090.0, 110.0, 0.5), (2440.0, 160.0, 0.25), (2850.0, 200.0, 0.2))


def _sung(freq: float, n: int, rng: np.random.Generator, brightness: float) -> np.ndarray:
    """A voice singing "ah": a glottal source (harmonics falling 12 dB an octave) shaped by the vowel's
    formants, with vibrato and breath noise; brighter singing keeps more of the upper formants."""
    f = freq * np.arange(1, max(2, int(min(SR / 2.2, 5000.0) / freq)) + 1)
    formant = sum(g / (1.0 + ((f - fc) / bw) ** 2) for fc, bw, g in _VOWEL_AH[: 2 + int(2 * brightness + 0.5)])
    out = _wavetable((0.05 + formant) / np.arange(1, len(f) + 1), _vibrato_phase(freq, n, rng, 0.006), rng)
    breath = np.diff(rng.standard_normal(n + 1)) * 0.01
    return (out + breath) * _envelope(n, min(0.12, 0.3 * n / SR), 0.3 * n / SR)


def _bowed(freq: float, n: int, rng: np.random.Generator, brightness: float, voices: int = 3) -> np.ndarray:
    """A bowed string section: a few players slightly out of tune with each other (chorus), each a
    sawtooth-like tone with vibrato, a slow swell and bow noise."""
    out = np.zeros(n)
    h = np.arange(1, max(2, min(16, int(SR / 2.2 / freq))) + 1)
    for _ in range(voices):
        phase = _vibrato_phase(freq * (1.0 + rng.normal(0, 0.003)), n, rng, 0.004, rate=rng.uniform(4.8, 6.0))
        out += _wavetable(1.0 / h ** (1.0 + 1.2 * (1.0 - brightness)), phase, rng)
    bow = np.diff(rng.standard_normal(n + 1)) * 0.02 * voices
    return (out / voices + bow) * _envelope(n, min(0.35, 0.4 * n / SR), 0.3 * n / SR)


def _struck(freq: float, n: int, rng: np.random.Generator, velocity: float) -> np.ndarray:
    """A piano note: :func:`_piano`'s decaying inharmonic partials, brighter the harder it is struck, and
    the hammer's thump."""
    t = np.arange(n) / SR
    out = _piano(freq, n, rng)
    for h in (7, 8, 9, 10):
        partial = freq * h * np.sqrt(1.0 + 0.0004 * h * h)
        if partial < SR / 2.2:
            out += velocity * np.sin(2 * np.pi * partial * t) * np.exp(-t * (2.0 + 1.5 * h)) / h
    hammer = np.diff(rng.standard_normal(min(n, int(0.01 * SR)) + 1)) * 0.05 * velocity
    out[: len(hammer)] += hammer
    return out


def _plucked_bass(freq: float, n: int, rng: np.random.Generator, brightness: float) -> np.ndarray:
    """An electric bass: a few harmonics, the upper ones dying first."""
    t = np.arange(n) / SR
    out = sum(np.sin(2 * np.pi * freq * h * t + rng.uniform(0, 2 * np.pi)) * np.exp(-t * (1.0 + 3.0 * h * (1.2 - brightness))) / h
              for h in range(1, 7) if freq * h < SR / 2.2)
    return out * _envelope(n, 0.005, 0.05)


def _kick(n: int) -> np.ndarray:
    t = np.arange(n) / SR
    freq = 45.0 + 90.0 * np.exp(-t * 30.0)
    return np.sin(2 * np.pi * np.cumsum(freq) / SR) * np.exp(-t * 9.0)


def _noise_hit(n: int, rng: np.random.Generator, decay: float, highpass: bool) -> np.ndarray:
    noise = rng.standard_normal(n)
    if highpass:
        noise = np.diff(noise, prepend=0.0)
    return noise * np.exp(-np.arange(n) / SR * decay)


def _snare(rng: np.random.Generator) -> np.ndarray:
    """Snare: the wires' noise over the shell's ring (a damped 190 Hz tone)."""
    n = int(0.25 * SR)
    shell = np.sin(2 * np.pi * 190.0 * np.arange(n) / SR) * np.exp(-np.arange(n) / SR * 25.0)
    return _noise_hit(n, rng, 16.0, False) + 0.6 * shell


def _delay_filter(x: np.ndarray, d: int, gain: float, feedforward: bool) -> np.ndarray:
    """``y[n] = x[n] + gain * y[n - d]`` (a feedback comb), or with ``feedforward`` the all-pass
    ``y[n] = -gain * x[n] + x[n - d] + gain * y[n - d]``, computed ``d`` samples at a time: each block
    needs only the one before it, so the recursion costs ``len(x) / d`` vector steps (scipy's ``lfilter``
    with a length-``d`` denominator costs ``d`` operations a sample)."""
    y = np.zeros(len(x))
    previous_x, previous_y = np.zeros(d), np.zeros(d)
    for start in range(0, len(x), d):
        block = x[start : start + d]
        m = len(block)
        out = (-gain * block + previous_x[:m] if feedforward else block) + gain * previous_y[:m]
        y[start : start + m] = out
        previous_x, previous_y = block, out
    return y


def _reverb(x: np.ndarray, mix: float) -> np.ndarray:
    """Schroeder reverb: four parallel feedback combs into two all-passes."""
    wet = np.zeros(len(x))
    for delay_ms, gain in ((29.7, 0.78), (37.1, 0.76), (41.1, 0.74), (43.7, 0.72)):
        wet += _delay_filter(x, int(SR * delay_ms / 1000), gain, feedforward=False)
    for delay_ms, gain in ((5.0, 0.7), (1.7, 0.7)):
        wet = _delay_filter(wet, int(SR * delay_ms / 1000), gain, feedforward=True)
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


def _lead_note(spec: PieceSpec, note: float, n: int, rng: np.random.Generator, bright: float, velocity: float) -> np.ndarray:
    """One melody note on the piece's lead instrument."""
    freq = _midi_hz(note)
    if spec.lead == "voice":
        return _sung(freq, n, rng, bright)
    if spec.lead == "strings":
        return _bowed(freq, n, rng, bright, voices=1)
    if spec.lead == "piano":
        return _struck(freq, n, rng, velocity)
    return _voice(freq, n, bright, rng) * _envelope(n, 0.01, 0.6 * n / SR)


def _melody(spec: PieceSpec, chord: list[int], steps: int, previous: float, rng: np.random.Generator) -> list[tuple[float, float]]:
    """A bar's melody as (note, length in steps): a walk on the scale around the register that leans the
    piece's way (``contour``) and comes back to it, chord tones on the strong steps, and on some of those
    (``tension``) the note a step above first, resolving down onto the chord tone (an appoggiatura: the
    sigh of laments)."""
    centre = spec.tonic + spec.register
    scale = [spec.tonic + o + 12 * k for k in (-1, 0, 1, 2) for o in spec.scale]
    out: list[tuple[float, float]] = []
    current = previous
    for s in range(steps):
        drift = spec.contour * 2.0 + 0.35 * (centre - current)
        target = current + drift + rng.normal(0, 2.0)
        strong = s % max(1, steps // 2) == 0
        pool = [c + 12 * k for c in chord for k in (0, 1, 2)] if strong else scale
        note = float(min(pool, key=lambda p: abs(p - target)))
        if strong and rng.random() < spec.tension:
            above = min((p for p in scale if p > note), default=note + 2)
            out.append((above, 0.5))
            out.append((note, 0.5))
        else:
            out.append((note, 1.0))
        current = note
    return out


def render(spec: PieceSpec, *, seconds: float = 30.0, seed: int = 0) -> Audio:
    """Render a piece to a mono :class:`~a2i.audio.Audio` at 22.05 kHz.

    The arrangement: a string section holding each bar's chord, a piano (held chords on the beats under a
    slow melody, broken chords in eighths under a busier one, syncopated chords over drums), a bass on the
    beats (the chords' roots), the melody on :attr:`PieceSpec.lead`, and, where the piece has drums, a kit (kick on 1 and 3, snare on 2
    and 4, eighth or sixteenth hi-hats, a fill every fourth bar, a crash where a section starts). Each
    section's intensity scales brightness, density and drums; drums enter once it is at least 0.5; a quiet
    section (below :data:`QUIET`) holds its piano chords and bass notes longer and may have its own progression
    (:attr:`PieceSpec.intro`). Where the piece breathes (:attr:`PieceSpec.breath`) every instrument stops
    for the end of each bar and the reverb rings on.

    Parameters
    ----------
    spec : PieceSpec
    seconds : float
        Length; the harmony loops bar by bar.
    seed : int
        Seeds melody choices, phases, timing and drum noise, so a render is reproducible.
    """
    if spec.lead not in LEADS:
        raise ValueError(f"lead must be one of {LEADS}, got {spec.lead!r}")
    rng = np.random.default_rng(seed)
    total = int(seconds * SR)
    beat = 60.0 / spec.tempo
    bar = 4 * beat
    n_bars = int(np.ceil(seconds / bar))
    size = int((n_bars + 2) * bar * SR) + SR
    tonal, bass_track, drums = np.zeros(size), np.zeros(size), np.zeros(size)

    phrase = 4 * bar

    def add(track: np.ndarray, at: float, sound: np.ndarray, gain: float) -> None:
        at -= spec.sway * phrase / (2 * np.pi) * np.sin(2 * np.pi * at / phrase)  # the tempo breathes +-sway
        i = int(round(max(at, 0.0) * SR))
        piece = sound[: max(0, len(track) - i)]
        track[i : i + len(piece)] += gain * piece

    def section_of(time: float) -> int:
        return min(int(time / seconds * len(spec.sections)), len(spec.sections) - 1)

    def section(time: float) -> float:
        return spec.sections[section_of(time)]

    previous = float(spec.tonic + spec.register)
    n_beat = int(beat * SR)
    for b in range(n_bars):
        start = b * bar
        intensity = section(start)
        chords = spec.intro if spec.intro and section_of(start) == 0 else spec.progression
        root, quality = chords[b % len(chords)]
        bright = spec.brightness * (0.4 + 0.6 * intensity)
        chord = [spec.tonic + root + o for o in _TRIADS[quality]]
        kit = spec.drums * intensity if intensity >= 0.5 else 0.0
        # Strings hold the chord (softer under a full band).
        for note in chord:
            add(tonal, start, _bowed(_midi_hz(note), int(bar * SR * 1.1), rng, bright * 0.8), 0.10 * (1.0 - 0.5 * kit))
        # Piano: a slow melody gets held chords on the beats, a busier one broken chords in eighths (the
        # beat's note accented); over drums, chords on 1, the and of 2, and 4.
        quiet = intensity < QUIET
        if kit < 0.3 and (spec.melody_density < 1.0 or quiet):
            held = PIANO_HOLD if quiet else 1
            for k in range(0, 4, held):
                for note in chord:
                    at = start + k * beat + rng.normal(0, 0.01)  # drawn before the note's own noise, as always
                    sound = _struck(_midi_hz(note), int(held * beat * SR * 1.2), rng, 0.5 * bright)
                    add(tonal, at, sound, (0.09 if k == 0 else 0.05) * (0.6 + 0.4 * intensity))
        elif kit < 0.3:
            pattern = chord + [chord[0] + 12]
            for e in range(8):
                note = pattern[(e * 2 + (e // 4)) % len(pattern)]
                velocity = 0.9 if e % 2 == 0 else 0.55
                sound = _struck(_midi_hz(note), int(beat * SR * 1.5), rng, velocity * bright)
                add(tonal, start + e * beat / 2 + rng.normal(0, 0.004), sound, 0.11 * velocity * (0.6 + 0.4 * intensity))
        else:
            for at in (0.0, 1.5, 3.0):
                for note in chord:
                    add(tonal, start + at * beat, _struck(_midi_hz(note + 12), int(beat * SR), rng, bright), 0.07)
        # Bass on every beat, the bar's first the strongest.
        bass_note = spec.tonic - 24 + root
        bass_hold = BASS_HOLD if quiet else 1
        for k in range(0, 4, bass_hold):
            hit = 1.0 if k == 0 else 0.7
            add(bass_track, start + k * beat, _plucked_bass(_midi_hz(bass_note), n_beat * bass_hold, rng, bright), 0.45 * hit)
            if kit >= 0.5:  # the off-beat eighth of a driving bass line
                add(bass_track, start + (k + 0.5) * beat, _plucked_bass(_midi_hz(bass_note + 12), n_beat // 2, rng, bright), 0.25)
        # Melody.
        steps = max(1, int(round(spec.melody_density * 4 * (0.5 + intensity))))
        step = bar / steps
        at = start
        for note, length in _melody(spec, [c + 12 for c in chord], steps, previous, rng):
            n = int(length * step * SR * (1.3 if spec.lead in ("voice", "strings") else 1.0))
            add(tonal, at, _lead_note(spec, note, n, rng, bright, 0.8), 0.22)
            at += length * step
            previous = note
        # Drums.
        if kit > 0.05:
            for k in range(4):
                t = start + k * beat
                if k in (0, 2):
                    add(drums, t, _kick(int(0.4 * SR)), 0.9 * kit * rng.uniform(0.9, 1.0))
                if k in (1, 3):
                    add(drums, t, _snare(rng), 0.4 * kit * rng.uniform(0.85, 1.0))
            hats = 16 if kit > 0.5 else 8
            for h in range(hats):
                accent = 1.0 if h % (hats // 4) == 0 else 0.6
                add(drums, start + h * bar / hats + rng.normal(0, 0.003), _noise_hit(int(0.05 * SR), rng, 70.0, True), 0.12 * kit * accent)
            if b % 4 == 3:  # a fill into the next phrase
                for f in range(4):
                    add(drums, start + (3 + f / 4) * beat, _snare(rng), 0.25 * kit * (0.6 + 0.1 * f))
            if b == 0 or section(start - bar) != intensity:
                add(drums, start, _noise_hit(int(1.5 * SR), rng, 2.5, True), 0.15 * kit)

    cutoff = 900.0 + 7000.0 * spec.brightness
    mix = _lowpass(tonal, cutoff) + _lowpass(bass_track, 300.0 + 500.0 * spec.brightness) + drums
    if spec.breath > 0:
        mix *= _breaths(spec, len(mix), seconds, phrase)
    mix = _reverb(mix[:total], 0.2 + 0.35 * (1.0 - spec.brightness))
    rms = np.sqrt(np.mean(mix**2)) + 1e-12
    mix *= 10 ** (spec.level_db / 20.0) / rms
    mix = np.tanh(mix * 1.2) / 1.2  # gentle soft clip keeps peaks inside [-1, 1]
    fade = min(int(0.05 * SR), total // 2)
    mix[:fade] *= np.linspace(0.0, 1.0, fade)
    mix[-fade:] *= np.linspace(1.0, 0.0, fade)
    return Audio(mix.astype(np.float32), SR)


def _breaths(spec: PieceSpec, n: int, seconds: float, phrase: float) -> np.ndarray:
    """The gain with which the band plays: 1, except in the last :attr:`PieceSpec.breath` of each bar (on the
    bar's own breathing clock, :attr:`PieceSpec.sway`) of the sections that breathe, where every instrument
    stops (dampers down, bows lifted; 40 ms to stop and to start again) and only the room rings on."""
    t = np.arange(n) / SR
    bar = 4 * 60.0 / spec.tempo
    played = t + spec.sway * phrase / (2 * np.pi) * np.sin(2 * np.pi * t / phrase)  # score time at each instant
    position = (played % bar) / bar
    resting = position > 1.0 - spec.breath
    if spec.breath_sections:
        part = np.minimum((t / seconds * len(spec.sections)).astype(int), len(spec.sections) - 1)
        resting &= np.isin(part, spec.breath_sections)
    gain = (~resting).astype(np.float64)
    ramp = int(0.04 * SR)
    return np.convolve(gain, np.ones(ramp) / ramp, mode="same")


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
