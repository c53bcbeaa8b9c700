"""The SDXL route: keyframes from any conditioning route of the SDXL backend, diffused in-betweens.

Each segment's keyframe is a pair: its conditioning (from the backend's own route: the segment's prompt
as text, the audio encoder's embeddings of its audio, or their blend; see :mod:`a2i.render.sdxl`) and its
initial latent noise (seeded like the backend's pictures, so a keyframe frame is the picture ``a2i
generate`` would render for it). Frame ``k`` between keyframes ``i`` and ``i + 1`` at progress ``p`` is
diffused from

- the spherical interpolation of the two initial latents (Shoemake 1985; Gaussian noise lives near a
  sphere, and a straight line between two samples passes through low-norm noise that diffuses to a grey,
  washed-out picture: nateraw/stable-diffusion-videos and Deforum interpolate the same way), and
- the interpolated conditioning (:func:`a2i.render.conditioning.blend`: per-token directions and norms
  interpolated, so the UNet never sees shrunken embeddings mid-way),

several frames per batch. With ``every = K`` only every K-th frame (and the last) is diffused and the
frames between are blended from their two neighbours: K times cheaper, softer motion. A pulse brightens
the frame on strong onsets.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from a2i.errors import ConfigError
from a2i.mood import ClipProfile
from a2i.video.pacing import MotionPlan
from a2i.video.routes import PULSE_LIGHT, KeyframeCache
from a2i.video.workdir import WorkDir

#: Below this angle (radians) two latents are taken as parallel and interpolated linearly.
SLERP_EPS = 1e-4


def slerp(a: Any, b: Any, t: float) -> Any:
    """Spherical interpolation between two tensors of one shape, flattened (``t`` 0 gives ``a``, 1 gives ``b``).

    Examples
    --------
    >>> import torch
    >>> x, y = torch.tensor([1.0, 0.0]), torch.tensor([0.0, 1.0])
    >>> [round(float(v), 4) for v in slerp(x, y, 0.5)]  # on the unit circle, not the chord's midpoint
    [0.7071, 0.7071]
    """
    fa, fb = a.flatten().double(), b.flatten().double()
    cos = float((fa @ fb) / (fa.norm() * fb.norm()))
    omega = float(np.arccos(np.clip(cos, -1.0, 1.0)))
    if omega < SLERP_EPS:
        return (1 - t) * a + t * b
    wa, wb = np.sin((1 - t) * omega) / np.sin(omega), np.sin(t * omega) / np.sin(omega)
    return (wa * a.double() + wb * b.double()).to(a.dtype)


class SDXLRoute:
    """Frames of the SDXL route.

    Parameters
    ----------
    backend : a2i.render.sdxl.SDXLBackend
        Loaded weights and settings (route, steps, guidance, batch size, negative prompt).
    profiles, prompts : sequence
        One per segment.
    plan : MotionPlan
    audio_of : callable, optional
        ``audio_of(i)``: segment ``i``'s waveform, for a backend with an audio encoder.
    size : (width, height)
        Multiples of 8.
    seeds : sequence of int
        One per segment and one more for the coda, from the planner (:func:`a2i.planner.plan`).
    every : int
        Diffuse every ``every``-th frame, blend the rest.
    work : WorkDir
    """

    def __init__(self, backend: Any, profiles: Sequence[ClipProfile], prompts: Sequence[str], plan: MotionPlan, *,
                 audio_of: Callable[[int], Any] | None, size: tuple[int, int], seeds: Sequence[int], every: int,
                 work: WorkDir) -> None:
        from a2i.render.sdxl import check_sdxl_size

        self.width, self.height = check_sdxl_size(size)
        if backend.settings.init != "none":
            raise ConfigError("--init painter is for still pictures; the video's SDXL route diffuses its frames from "
                              "interpolated noise (leave --init out)")
        if not isinstance(every, int) or every < 1:
            raise ConfigError(f"--every must be a positive integer, got {every!r}")
        self.backend, self.torch = backend, backend.torch
        self.plan, self.every, self.n = plan, every, len(plan.segment)
        last = len(profiles) - 1

        def make(i: int) -> dict[str, Any]:
            j = min(i, last)  # keyframe last + 1: the last segment's mood with its own seed (the coda)
            return self._keyframe(profiles[j], prompts[j], audio_of(j) if audio_of else None, seeds[i])

        self._keys = KeyframeCache(make, lambda i: work.keyframe(i, ".pt"), self.torch.save,
                                   lambda path: self.torch.load(path, weights_only=True))
        self._anchors: dict[int, np.ndarray] = {}

    def _keyframe(self, profile: ClipProfile, prompt: str, audio: Any, seed: int) -> dict[str, Any]:
        """A keyframe's conditioning (through the backend's route) and its initial latents, as CPU tensors."""
        from a2i.render import Request
        from a2i.render.conditioning import Conditioning, encode_text

        backend, settings, pipe = self.backend, self.backend.settings, self.backend.pipe
        cond = backend.conditioning([Request(seed=seed, profile=profile, prompt=prompt, audio=audio)])
        if cond is None:  # the text route: the pipeline's own text encoding, as for a still picture
            cond = encode_text(pipe, [settings.text or prompt], negative_prompt=settings.negative,
                               guidance=settings.guidance > 1, device=pipe._execution_device)
        elif cond.negative_prompt_embeds is None and settings.negative and settings.guidance > 1:
            # The encoder route gives no negatives; a still picture gets --negative encoded by the pipeline
            # (negative_prompt=), and the frames are diffused from embeddings only, so encode it here the
            # same way (diffusers encodes a negative prompt exactly as a prompt).
            negative = encode_text(pipe, [settings.negative], guidance=False, device=pipe._execution_device)
            cond = Conditioning(cond.prompt_embeds, cond.pooled_prompt_embeds,
                                negative.prompt_embeds.to(cond.prompt_embeds.dtype),
                                negative.pooled_prompt_embeds.to(cond.pooled_prompt_embeds.dtype))
        scale = pipe.vae_scale_factor
        shape = (1, pipe.unet.config.in_channels, self.height // scale, self.width // scale)
        # The pipeline draws its noise the same way (randn_tensor on a CPU generator), so frame 0 of a
        # segment is the picture the backend renders for this prompt and seed.
        latents = self.torch.randn(shape, generator=self.torch.Generator("cpu").manual_seed(int(seed)), dtype=self.torch.float32)
        tensors = {k: v.detach().cpu() for k, v in vars(cond).items() if v is not None}
        return {"latents": latents, **tensors}

    def _inputs(self, k: int) -> tuple[dict[str, Any], Any]:
        """Conditioning and latents of frame ``k``, interpolated between its segment's keyframes."""
        from a2i.render.conditioning import Conditioning, blend

        i, p = int(self.plan.segment[k]), float(self.plan.progress[k])
        a, b = self._keys[i], self._keys[i + 1]
        names = [n for n in a if n != "latents"]
        cond = blend(Conditioning(**{n: a[n] for n in names}), Conditioning(**{n: b[n] for n in names}), p)
        return {n: getattr(cond, n) for n in names}, slerp(a["latents"], b["latents"], p)

    def _diffuse(self, frames: list[int]) -> None:
        """Diffuse frames (anchors) in one batch and keep their pictures."""
        torch, pipe, settings = self.torch, self.backend.pipe, self.backend.settings
        inputs = [self._inputs(k) for k in frames]
        device, dtype = pipe._execution_device, pipe.unet.dtype
        kwargs = {n: torch.cat([c[n] for c, _ in inputs]).to(device, dtype) for n in inputs[0][0]}
        latents = torch.cat([lat for _, lat in inputs]).to(device, dtype)
        with torch.no_grad():
            images = pipe(**kwargs, latents=latents, height=self.height, width=self.width,
                          num_inference_steps=settings.steps, guidance_scale=float(settings.guidance), output_type="np").images
        for k, image in zip(frames, images):
            self._anchors[k] = np.asarray(image, dtype=np.float32)

    def _anchor(self, k: int, upcoming: list[int]) -> np.ndarray:
        if k not in self._anchors:
            batch = [a for a in upcoming if a not in self._anchors][: self.backend.settings.batch_size]
            self._diffuse(batch if k in batch else [k, *batch[:-1]])
        return self._anchors[k]

    def frames(self, first: int, stop: int) -> Iterator[np.ndarray]:
        every, last = self.every, self.n - 1
        anchors = sorted({min(a, last) for k in range(first, stop) for a in ((k // every) * every, (k // every + 1) * every)})
        for k in range(first, stop):
            a = (k // every) * every
            b = min(a + every, last)
            upcoming = [x for x in anchors if x >= a]
            image = self._anchor(a, upcoming)
            if k != a:
                w = (k - a) / (b - a)
                image = (1 - w) * image + w * self._anchor(b, upcoming[1:])
            for old in [x for x in self._anchors if x < a]:
                del self._anchors[old]  # memory stays flat: only anchors ahead are kept
            light = 1.0 + PULSE_LIGHT * float(self.plan.pulse[k])
            yield (np.clip(image * light, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)
