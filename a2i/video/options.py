"""``a2i video``'s option choices and defaults, in a module that imports nothing.

Their home is here rather than beside the code that uses them (:mod:`a2i.video.pacing`, :mod:`a2i.video.encoder`,
:mod:`a2i.video.segments`, which import them from here) because the argument parser needs them, and those
modules import NumPy and the analysis, which ``a2i --help`` must not wait for.
"""

from __future__ import annotations

#: Default ``smooth``: a hit's push fades over about 0.1 s, so motion eases out without losing the beat.
DEFAULT_SMOOTH = 0.2

#: How the song is cut into keyframe segments (:func:`a2i.video.segments.find_segments`).
SEGMENT_MODES = ("fixed", "beats", "sections")

#: x264 presets from fastest to smallest file. ``superfast`` is the default: on a 1280 x 720 painter video
#: it costs about 15 ms of CPU per frame here (``veryfast`` 20, ``ultrafast`` 9 with files 1.6 times larger),
#: about as much as drawing the frame, so on two cores encoding keeps pace with the painter and a
#: 3-minute song renders in under half its length.
PRESETS = ("ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow")
DEFAULT_PRESET = "superfast"

#: x264's constant-quality setting (its own default, 23): the painter's soft, grainy pictures show no
#: artefacts at 720p, and the file is half the size of CRF 20's (about 2.5 Mbit/s with ``superfast``).
DEFAULT_CRF = 23
