"""vibenet's ONNX network, run in batches, with the layer before its output heads exposed.

vibenet (an EfficientNet-B0 on 128-band log-mel spectrograms, trained on Free Music Archive clips with Echo
Nest/Spotify labels) predicts seven attributes through seven linear heads on one 256-wide trunk layer
(``LayerNorm -> Linear(1280, 256) -> GELU``). The package's own ``predict`` runs one clip per call and returns
only the heads; here the same graph is loaded with the trunk's output (``gelu``) added as a second graph
output, so one call per batch of clips gives both the seven attributes and the 256-d embedding that
:mod:`a2i.mood` fits its valence/energy heads on. The mel front end is vibenet's own
(:func:`vibenet.core.extract_mel`), so the attributes equal the package's ``predict`` outputs.
"""

from __future__ import annotations

import importlib.resources
from dataclasses import dataclass

import numpy as np

#: vibenet's input rate (its mel front end assumes it).
SAMPLE_RATE = 16000

#: The trunk activation feeding the heads, named as in vibenet's exported graph.
EMBEDDING_NODE = "gelu"
EMBEDDING_SIZE = 256

#: The shape constant of the Reshape that flattens the pooled backbone features, named as in the graph.
FLATTEN_SHAPE = "val_482"

#: Clips per ONNX call: large enough to amortise the call, small enough to bound memory (a 10-second clip's
#: activations are about 40 MB inside EfficientNet-B0).
BATCH = 8


@dataclass(frozen=True)
class VibenetOutput:
    """Per-clip outputs: ``attributes`` (n x 7, in :data:`vibenet.labels` order) and ``embedding`` (n x 256)."""

    attributes: np.ndarray
    embedding: np.ndarray


def _session():
    import onnx
    import onnxruntime as ort

    with importlib.resources.as_file(importlib.resources.files("vibenet.artifacts") / "efficientnet_model.onnx") as path:
        graph = onnx.load(str(path))
    # The export fixed the batch size in the flattening Reshape before the trunk ([1, 1280]); -1 lets one call
    # carry many clips.
    for tensor in graph.graph.initializer:
        if tensor.name == FLATTEN_SHAPE:
            tensor.CopyFrom(onnx.numpy_helper.from_array(np.array([-1, 1280], dtype=np.int64), FLATTEN_SHAPE))
    graph.graph.output.append(onnx.helper.make_tensor_value_info(EMBEDDING_NODE, onnx.TensorProto.FLOAT, [None, EMBEDDING_SIZE]))
    options = ort.SessionOptions()
    options.log_severity_level = 3  # the added output makes onnxruntime note a shape it cannot infer
    return ort.InferenceSession(graph.SerializeToString(), options, providers=["CPUExecutionProvider"])


class Vibenet:
    """vibenet's network with its embedding exposed; load once, call with equal-length 16 kHz clips.

    Examples
    --------
    >>> import numpy as np
    >>> net = Vibenet()
    >>> t = np.arange(2 * SAMPLE_RATE) / SAMPLE_RATE
    >>> out = net.run(np.stack([np.sin(2 * np.pi * 220 * t), np.sin(2 * np.pi * 440 * t)]).astype(np.float32))
    >>> out.attributes.shape, out.embedding.shape
    ((2, 7), (2, 256))
    """

    def __init__(self) -> None:
        from vibenet import LIKELIHOODS, labels

        self.labels: tuple[str, ...] = tuple(labels)
        self._sigmoid = np.array([name in LIKELIHOODS for name in labels])
        self._session = _session()

    def run(self, clips: np.ndarray) -> VibenetOutput:
        """Attributes and embeddings of equal-length 16 kHz clips (n x samples), in batches of :data:`BATCH`.

        The attributes are read from the logits as vibenet's ``InferenceResult.from_logits`` does (a sigmoid
        for the likelihood heads, a clip to [0, 1] for the regression heads).
        """
        from vibenet.core import extract_mel

        clips = np.atleast_2d(np.asarray(clips, dtype=np.float32))
        logits, embeddings = [], []
        for start in range(0, len(clips), BATCH):
            mels = np.stack([extract_mel(clip, SAMPLE_RATE) for clip in clips[start : start + BATCH]])
            out, emb = self._session.run(["out", EMBEDDING_NODE], {"x": mels})
            logits.append(out)
            embeddings.append(emb)
        if not logits:
            return VibenetOutput(np.zeros((0, len(self.labels))), np.zeros((0, EMBEDDING_SIZE)))
        raw = np.concatenate(logits).astype(np.float64)
        attributes = np.where(self._sigmoid, 1.0 / (1.0 + np.exp(-raw)), np.clip(raw, 0.0, 1.0))
        return VibenetOutput(attributes, np.concatenate(embeddings).astype(np.float64))
