"""vibenet's ONNX network, run in batches, with the layer before its output heads and a mid-level layer exposed.

vibenet (an EfficientNet-B0 on 128-band log-mel spectrograms, trained on Free Music Archive clips with Echo
Nest/Spotify labels) predicts seven attributes through seven linear heads on one 256-wide trunk layer
(``LayerNorm -> Linear(1280, 256) -> GELU``). The package's own ``predict`` runs one clip per call and returns
only the heads; here the same graph is loaded with the trunk's output (``gelu``) added as a second graph
output, so one call per batch of clips gives both the seven attributes and the 256-d embedding that
:mod:`a2i.mood` fits its valence/energy heads on. A mid-level activation (:data:`TEXTURE_NODE`) is a third
output: how much each of its channels varies over the clip's time (:func:`texture`) is evidence the
embedding, a mean over the whole clip, never sees. The mel front end is a copy of vibenet's own
(:func:`extract_mel`), so the attributes equal the package's ``predict`` outputs.
"""

from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from a2i.fileio import atomic_write_bytes

#: vibenet's input rate (its mel front end assumes it).
SAMPLE_RATE = 16000

#: The trunk activation feeding the heads, named as in vibenet's exported graph.
EMBEDDING_NODE = "gelu"
EMBEDDING_SIZE = 256

#: A mid-level activation: the depthwise convolution's SiLU output in the first block of EfficientNet-B0's
#: fifth stage (``backbone.features.5.0``), 480 channels at 1/16 of the mel's frequency and time resolution
#: (8 bands x 32 frames of 0.32 s for a 10-second clip), named as in the graph. The time spread of its
#: channels (:func:`texture`) raised the mood heads' nested artist-grouped cross-validated valence AUC among
#: calm songs from 0.736 to 0.776 on the same signal features (``benchmarks/mood_eval.py``; the comparison is
#: in :mod:`a2i.mood_weights`). Of the stages 3-7 tried (block outputs and expanded activations; means, spreads
#: and maxima over time), the fifth stage's expanded activations carried most, their spread as much as
#: spread and mean together with half the columns.
TEXTURE_NODE = "silu_25"
TEXTURE_SIZE = 480

#: The shape constant of the Reshape that flattens the pooled backbone features, named as in the graph.
FLATTEN_SHAPE = "val_482"

#: Clips per ONNX call: one. A call costs little beside EfficientNet-B0's work on a 10-second clip (12 ms), and
#: a batch's activations (tens of MB a clip) are fresh memory on every call, which the system must map and
#: zero: 18 clips of a 3-minute song (onnxruntime 1.32, one thread) took 0.48 s wall
#: in batches of 8 (0.26 s user, 0.18 s system) and 0.23 s one at a time (0.21 s, 0.02 s), with a peak of
#: 379 MB against 214 MB (benchmarks/bench_startup.py measures the whole command).
BATCH = 1


@dataclass(frozen=True)
class VibenetOutput:
    """Per-clip outputs: ``attributes`` (n x 7, in :data:`vibenet.labels` order), ``embedding`` (n x 256) and
    ``texture`` (n x 480, :func:`texture`)."""

    attributes: np.ndarray
    embedding: np.ndarray
    texture: np.ndarray


#: Threads for one inference: the machine's cores but one, at least one and at most four. The analysis runs
#: the network beside its own thread, which decodes and summarises the next clips (:class:`a2i.mood.Analyzer`):
#: one inference thread per remaining core keeps every core busy without the threads taking turns (on two
#: cores, a second inference thread cost 10-50 % more CPU for the batch); EfficientNet-B0 on a batch of 8
#: clips gains little beyond four. One inter-op thread: the graph is a chain.
THREADS = max(1, min(4, (os.cpu_count() or 1) - 1))


def _cache_dir() -> Path:
    """Where the prepared graph is kept: ``$A2I_CACHE``, else ``$XDG_CACHE_HOME/a2i``, else ``~/.cache/a2i``."""
    root = os.environ.get("A2I_CACHE") or os.path.join(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache", "a2i")
    return Path(root)


def source_graph() -> Path:
    """vibenet's exported graph, ``efficientnet_model.onnx`` in the folder of its ``vibenet.artifacts`` resources.

    Found beside vibenet's own module, as a file: vibenet reads it from a folder on disk too
    (``importlib.resources.path``). Asking importlib.resources for the folder (a namespace package) imports its
    reader and zipfile on the way: 18 ms of every analysis, half of it before the first clip.
    """
    import vibenet

    return Path(vibenet.__file__).parent / "artifacts" / "efficientnet_model.onnx"


def _prepared_graph() -> bytes:
    """vibenet's graph with the batch dimension freed and the embedding and texture layer exposed, as ONNX bytes.

    Preparing it needs the ``onnx`` package (over a second to import); the result is cached beside the
    user's other caches under a name made of the source file's size and time (a new vibenet release or a
    reinstall writes a new file), so every later run hands the prepared bytes straight to onnxruntime. Not
    vibenet's version: reading it imports importlib.metadata and the email parser (20 ms of each analysis).
    """
    path = source_graph()
    stat = path.stat()
    cached = _cache_dir() / f"vibenet-{stat.st_size}-{int(stat.st_mtime)}-embedding-texture.onnx"
    try:
        return cached.read_bytes()
    except OSError:  # not there (first run, or another install's cleaning, :func:`_remove_stale`, took it) or unreadable
        pass
    import onnx

    graph = onnx.load(str(path))
    # The export fixed the batch size in the flattening Reshape before the trunk ([1, 1280]); -1 lets one call
    # carry many clips.
    for tensor in graph.graph.initializer:
        if tensor.name == FLATTEN_SHAPE:
            tensor.CopyFrom(onnx.numpy_helper.from_array(np.array([-1, 1280], dtype=np.int64), FLATTEN_SHAPE))
    graph.graph.output.append(onnx.helper.make_tensor_value_info(EMBEDDING_NODE, onnx.TensorProto.FLOAT, [None, EMBEDDING_SIZE]))
    graph.graph.output.append(onnx.helper.make_tensor_value_info(TEXTURE_NODE, onnx.TensorProto.FLOAT, [None, TEXTURE_SIZE, None, None]))
    data = graph.SerializeToString()
    try:
        atomic_write_bytes(cached, data)  # another process may read the cache while this one writes it
    except OSError:  # a read-only home still analyses, preparing the graph each time
        return data
    _remove_stale(cached)
    return data


#: The names a2i has given its prepared graphs: ``vibenet-[VERSION-]SIZE-MTIME-embedding[-texture].onnx`` (the
#: vibenet version was part of the name until it cost 20 ms an analysis to read; ``-texture`` since evidence
#: version 6). Only files named so are a2i's own to delete; anything else in the folder is left alone.
PREPARED_NAME = re.compile(r"vibenet-(?:[0-9][0-9a-z.+!]*-)?[0-9]+-[0-9]+-embedding(?:-texture)?\.onnx")


def _remove_stale(kept: Path) -> None:
    """Delete the other prepared graphs (:data:`PREPARED_NAME`) beside ``kept``, the one just written.

    Every vibenet reinstall or release (a new file time) and every change to the exposed layers writes a new
    18 MB file, and nothing else would ever delete the old ones. A file that cannot be deleted stays; a
    process still reading one keeps its open copy (POSIX), and one about to read it prepares it again.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> for name in ("vibenet-0.1.0-18526438-1796336769-embedding.onnx", "vibenet-18526438-1796373721-embedding-texture.onnx",
    ...              "vibenet-18526438-1796374747-embedding-texture.onnx", "vibenet-notes.onnx", "model.onnx"):
    ...     _ = (folder / name).write_bytes(b"x")
    >>> _remove_stale(folder / "vibenet-18526438-1796374747-embedding-texture.onnx")
    >>> sorted(p.name for p in folder.iterdir())
    ['model.onnx', 'vibenet-18526438-1796374747-embedding-texture.onnx', 'vibenet-notes.onnx']
    """
    for path in kept.parent.iterdir():
        if path.name != kept.name and PREPARED_NAME.fullmatch(path.name) and path.is_file():
            try:
                path.unlink()
            except OSError:  # another process removed it first, or the folder is not ours to change
                pass


def _session():
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.log_severity_level = 3  # the added output makes onnxruntime note a shape it cannot infer
    options.intra_op_num_threads = THREADS
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    # Idle pool threads sleep instead of spinning: the analysis decodes and summarises clips on another
    # thread meanwhile, and spinning threads would take its core.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    # The memory arena keeps the largest call's activations for the next call: with one clip per call
    # (:data:`BATCH`) that is one clip's, and the 3-minute analysis peaks lower with it than without (212-221 MB
    # against 208-268 MB, with 0.03-0.05 s less system time: buffers not mapped and zeroed again each call).
    options.enable_cpu_mem_arena = True
    return ort.InferenceSession(_prepared_graph(), options, providers=["CPUExecutionProvider"])


#: vibenet's log-mel front end (``vibenet.core.extract_mel`` defaults): 1024-point FFT of 640-sample periodic
#: Hann windows every 320 samples (40 ms / 20 ms at 16 kHz), 128 Slaney mel bands up to 8 kHz, in dB with an
#: 80 dB floor below the clip's loudest bin.
MEL_N_FFT, MEL_HOP, MEL_WINDOW, MEL_BANDS, MEL_FMAX, MEL_TOP_DB = 1024, 320, 640, 128, 8000.0, 80.0


def extract_mel(y: np.ndarray) -> np.ndarray:
    """vibenet's input for one 16 kHz clip (128 x frames, float32).

    # Copied from vibenet.core.extract_mel (vibenet 0.1.0), with numpy's FFT and :mod:`a2i.melscale`'s filters
    # in place of scipy's and librosa's: importing vibenet.core imports librosa, scipy.signal, pydub and
    # audioread (well over a second). The test suite checks the two agree.
    """
    from a2i.features import rfft_float32

    y = np.asarray(y, dtype=np.float32)
    if y.shape[0] < MEL_WINDOW:
        y = np.pad(y, (0, MEL_WINDOW - y.shape[0]))
    frames = np.lib.stride_tricks.sliding_window_view(y, MEL_WINDOW)[::MEL_HOP]
    window = (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(MEL_WINDOW) / MEL_WINDOW)).astype(np.float32)
    spec = rfft_float32(frames, window, MEL_N_FFT)  # np.fft.rfft(frames * window, MEL_N_FFT), the same numbers sooner
    power = spec.real**2 + spec.imag**2  # float32, as spec is complex64
    power[power < 1e-30] = 0.0  # subnormals slow the product below several-fold and weigh nothing
    mel_db = 10.0 * np.log10(np.maximum(1e-10, _mel_bank() @ power.T))  # float32 throughout: bank and power are
    return np.maximum(mel_db, mel_db.max() - MEL_TOP_DB)


@functools.cache
def _mel_bank() -> np.ndarray:
    """vibenet's mel filterbank, made once per process."""
    from a2i.melscale import mel_filters

    return mel_filters(sr=SAMPLE_RATE, n_fft=MEL_N_FFT, n_mels=MEL_BANDS, fmax=MEL_FMAX)


def texture(activation: np.ndarray) -> np.ndarray:
    """Each channel's spread over time: :data:`TEXTURE_NODE`'s activation (n x channels x bands x frames)
    averaged over its frequency bands, then its standard deviation over the frames (n x channels).

    A steady drone and a pulsing rhythm with the same mean activation differ here: the time spread of
    mid-level detectors describes how the texture moves within the clip, which the clip-mean embedding
    averages away.

    Examples
    --------
    >>> a = np.zeros((1, 2, 8, 4), dtype=np.float32)
    >>> a[0, 1, :, ::2] = 1.0  # the second channel switches on and off
    >>> texture(a).tolist()
    [[0.0, 0.5]]
    """
    return np.asarray(activation, dtype=np.float64).mean(axis=2).std(axis=2)


class Vibenet:
    """vibenet's network with its embedding exposed; load once, call with equal-length 16 kHz clips.

    Examples
    --------
    >>> import numpy as np
    >>> net = Vibenet()
    >>> t = np.arange(2 * SAMPLE_RATE) / SAMPLE_RATE
    >>> out = net.run(np.stack([np.sin(2 * np.pi * 220 * t), np.sin(2 * np.pi * 440 * t)]).astype(np.float32))
    >>> out.attributes.shape, out.embedding.shape, out.texture.shape
    ((2, 7), (2, 256), (2, 480))
    """

    def __init__(self) -> None:
        from vibenet import LIKELIHOODS, labels

        self.labels: tuple[str, ...] = tuple(labels)
        self._sigmoid = np.array([name in LIKELIHOODS for name in labels])
        self._session = _session()

    def run(self, clips: np.ndarray) -> VibenetOutput:
        """Attributes, embeddings and textures of equal-length 16 kHz clips (n x samples), :data:`BATCH` per ONNX call.

        The attributes are read from the logits as vibenet's ``InferenceResult.from_logits`` does (a sigmoid
        for the likelihood heads, a clip to [0, 1] for the regression heads).
        """
        clips = np.atleast_2d(np.asarray(clips, dtype=np.float32))
        logits, embeddings, textures = [], [], []
        for start in range(0, len(clips), BATCH):
            mels = np.stack([extract_mel(clip) for clip in clips[start : start + BATCH]])
            out, emb, mid = self._session.run(["out", EMBEDDING_NODE, TEXTURE_NODE], {"x": mels})
            logits.append(out)
            embeddings.append(emb)
            textures.append(texture(mid))
        if not logits:
            return VibenetOutput(np.zeros((0, len(self.labels))), np.zeros((0, EMBEDDING_SIZE)), np.zeros((0, TEXTURE_SIZE)))
        raw = np.concatenate(logits).astype(np.float64)
        attributes = np.where(self._sigmoid, 1.0 / (1.0 + np.exp(-raw)), np.clip(raw, 0.0, 1.0))
        return VibenetOutput(attributes, np.concatenate(embeddings).astype(np.float64), np.concatenate(textures))
