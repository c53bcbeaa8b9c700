"""The training loop of the audio encoder (``a2i train``), with Hugging Face accelerate.

The same code runs on a laptop CPU, one GPU, or many (``accelerate launch``): accelerate picks the device,
mixed precision and the process group; the loop shards each global batch itself (:class:`BatchPlan`) so
the data a step sees does not depend on the number of processes, and contrastive features are gathered with
gradients (:func:`a2i.model.losses.gather_with_grad`). Everything is seeded; a checkpoint holds the model,
optimizer, schedule, loss parameters, step and RNG state, so ``--resume latest`` continues exactly.

A run writes ``training_logs/<run-id>/``:

- ``config.json``: the resolved configuration;
- ``metrics.jsonl``: one JSON record per logged training step (``"kind": "train"``) and validation
  (``"kind": "valid"``);
- ``curves.png`` (losses, learning rate, retrieval, mood probe) and ``token_norms.png``;
- ``debug/step-N-*.png``: validation clips drawn by SDXL through the encoder, when ``log.debug_images``
  names SDXL weights;
- ``checkpoints/step-N/``: an encoder folder (``AudioEncoder.from_pretrained`` loads it) plus
  ``training_state.pt`` and ``train_config.json``, written under a temporary name and renamed; the
  symlinks ``checkpoints/latest`` and ``checkpoints/best`` (best validation R@1) are swapped atomically, and
  older step folders are removed.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import time
from contextlib import nullcontext
from dataclasses import fields
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, Sampler

from a2i.errors import ConfigError, OutputError
from a2i.fileio import TEMP_SUFFIX, atomic_write_json, check_input_file, check_replaceable, protected_folder
from a2i.model.config import TrainConfig
from a2i.model.data import BatchPlan, ClipDataset, Corpus, collate
from a2i.model.encoder import AudioEncoder
from a2i.model.losses import ContrastiveLoss, DenoisingLoss, RegressionLoss
from a2i.model.metrics import Embedded, evaluate, plot_curves, plot_token_norms
from a2i.model.negatives import mine
from a2i.model.prepare import make_accelerator, open_caches, sdxl_pipeline
from a2i.model.targets import Targets

#: Training tracks whose targets set the output bias and the MSE scale (a fixed, deterministic sample).
INIT_SAMPLE = 1024
#: Training tracks the mood probe is fitted on at each validation.
PROBE_TRACKS = 2048
#: Validation clips drawn as debug images at each validation (when SDXL weights are given).
DEBUG_CLIPS = 2
STATE_NAME = "training_state.pt"


class TrainModel(nn.Module):
    """The encoder and the losses' own parameters in one module, so DDP synchronises all of them; the
    forward pass returns every weighted loss."""

    def __init__(self, encoder: AudioEncoder, config: TrainConfig, denoise: DenoisingLoss | None) -> None:
        super().__init__()
        self.encoder = encoder
        self.contrastive = ContrastiveLoss(config.loss.contrastive, local_loss=config.loss.local_loss)
        self.regression = RegressionLoss(encoder.config.num_tokens, config.loss.token_weights)
        self.denoise = denoise
        self.weights = config.loss

    def forward(self, audio: torch.Tensor, targets: tuple[torch.Tensor, ...], tracks: torch.Tensor,
                neg_tracks: torch.Tensor, latents: torch.Tensor | None = None,
                seeds: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
        true_tokens, true_pooled, pos_pooled, neg_pooled = targets
        tokens, pooled = self.encoder(audio)
        w = self.weights
        losses = self.regression(tokens, pooled, true_tokens, true_pooled)
        losses["contrastive"] = self.contrastive(pooled, pos_pooled, neg_pooled, tracks, neg_tracks)
        if self.denoise is not None and latents is not None:
            losses["denoise"] = self.denoise(latents, tokens, pooled, seeds)
        weight = {"contrastive": w.contrastive_weight, "token_cos": w.token_cos, "token_mse": w.token_mse,
                  "pooled_cos": w.pooled_cos, "pooled_mse": w.pooled_mse, "denoise": w.denoise}
        losses["loss"] = sum(weight[k] * v for k, v in losses.items())
        return losses


class PlannedBatches(Sampler):
    """The keys of this process's micro-batches ``start`` .. ``stop - 1`` of a :class:`BatchPlan`, for a
    DataLoader (whose workers then read and augment clips in parallel, in this order)."""

    def __init__(self, plan: BatchPlan, start: int, stop: int) -> None:
        self.plan, self.start, self.stop = plan, start, stop

    def __iter__(self):
        return (self.plan.keys(s) for s in range(self.start, self.stop))

    def __len__(self) -> int:
        return self.stop - self.start


def lr_factor(step: int, *, warmup: int, total: int, min_ratio: float) -> float:
    """Linear warm-up to 1, then cosine decay to ``min_ratio`` at ``total`` steps.

    Examples
    --------
    >>> [round(lr_factor(s, warmup=2, total=6, min_ratio=0.0), 2) for s in range(7)]
    [0.5, 1.0, 1.0, 0.75, 0.25, 0.0, 0.0]
    """
    if step < warmup:
        return (step + 1) / warmup
    progress = min(1.0, (step - warmup) / max(1, total - warmup - 1))
    return min_ratio + (1 - min_ratio) * 0.5 * (1 + math.cos(math.pi * progress))


def param_groups(model: TrainModel, config: TrainConfig) -> list[dict[str, Any]]:
    """AdamW groups: heads at ``lr``, an unfrozen tower at ``tower_lr``; no weight decay on biases, norms,
    learned queries, positional embeddings and the temperature (decaying those only hurts)."""
    groups: dict[tuple[str, bool], list[nn.Parameter]] = {}
    for name, p in model.named_parameters():
        if not p.requires_grad:
            continue
        part = "tower" if name.startswith("encoder.tower.") else "heads"
        decay = p.ndim >= 2 and not any(k in name for k in ("queries", "frame_pos", "token_bias"))
        groups.setdefault((part, decay), []).append(p)
    o = config.optim
    return [{"params": ps, "lr": o.tower_lr if part == "tower" else o.lr, "base_lr": o.tower_lr if part == "tower" else o.lr,
             "weight_decay": o.weight_decay if decay else 0.0} for (part, decay), ps in sorted(groups.items())]


class Checkpoints:
    """``checkpoints/step-N`` folders with ``latest`` and ``best`` symlinks, each swapped atomically."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def save(self, step: int, encoder: AudioEncoder, state: dict[str, Any], config: TrainConfig,
             card: dict[str, Any], *, best: bool) -> Path:
        self.folder.mkdir(parents=True, exist_ok=True)
        final = self.folder / f"step-{step:07d}"
        tmp = self.folder / f".step-{step:07d}.a2i-tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        encoder.save_pretrained(tmp, card=card)
        torch.save(state, tmp / STATE_NAME)
        atomic_write_json(tmp / "train_config.json", config.to_dict())
        if final.exists():
            shutil.rmtree(final)
        os.replace(tmp, final)
        self._point("latest", final.name)
        if best:
            self._point("best", final.name)
        keep = {os.readlink(self.folder / n) for n in ("latest", "best") if (self.folder / n).is_symlink()}
        for old in self.folder.glob("step-*"):
            if old.name not in keep:
                shutil.rmtree(old, ignore_errors=True)
        return final

    def _point(self, name: str, target: str) -> None:
        tmp = self.folder / f".{name}.a2i-tmp"
        tmp.unlink(missing_ok=True)
        os.symlink(target, tmp)
        os.replace(tmp, self.folder / name)


#: What a training run writes at the top of its folder (checkpoints, logs, plots); anything else is the user's.
RUN_DIR_FILES = ("config.json", "metrics.jsonl", "curves.png", "token_norms.png", "checkpoints", "debug")


def check_run_dir(run_dir: Path) -> None:
    """Refuse a new run's folder that holds another run (resume it instead) or files a2i did not write.

    Examples
    --------
    >>> check_run_dir(Path("training_logs/no-such-run"))
    """
    if (run_dir / "checkpoints").exists() and any((run_dir / "checkpoints").iterdir()):
        raise ConfigError(f"{run_dir} already holds a run; continue it with --resume latest or choose another "
                          "log.run_id (nothing there is overwritten)")
    reason = protected_folder(run_dir)
    if reason:
        raise OutputError(f"log.log_dir/log.run_id {run_dir}: {reason}; choose another log.run_id")

    def own(folder: Path) -> set[str] | None:
        try:  # a training run's folder starts with its resolved config (every section of TrainConfig)
            written = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(written, dict) or set(written) != {f.name for f in fields(TrainConfig)}:
            return None
        return {p.name for p in folder.iterdir() if p.name in RUN_DIR_FILES or p.name.endswith(TEMP_SUFFIX)}

    # A run stopped before its first checkpoint is started again in its own folder; nothing else is written into.
    check_replaceable(run_dir, shown=f"log.log_dir/log.run_id {run_dir}", overwrite=True, owned=own,
                      kind="a training run")


def find_run(config: TrainConfig, resume: str) -> Path:
    """The checkpoint folder ``--resume`` names: ``latest`` (of ``log.run_id``, or the newest run) or a path."""
    if resume != "latest":
        path = Path(resume)
        if not (path / STATE_NAME).is_file():
            raise ConfigError(f"--resume {resume}: not a checkpoint folder (no {STATE_NAME}); pass 'latest' or "
                              "training_logs/<run>/checkpoints/step-N")
        return path
    log_dir = Path(config.log.log_dir)
    if config.log.run_id:
        candidates = [log_dir / config.log.run_id / "checkpoints" / "latest"]
    else:
        candidates = sorted(log_dir.glob("*/checkpoints/latest"), key=lambda p: p.stat().st_mtime)
    candidates = [c for c in candidates if (c / STATE_NAME).is_file()]
    if not candidates:
        raise ConfigError(f"--resume latest: no checkpoint under {log_dir}"
                          f"{'/' + config.log.run_id if config.log.run_id else ''}; start without --resume")
    return candidates[-1].resolve()


def _negatives(corpus: Corpus, tracks: np.ndarray, config: TrainConfig) -> np.ndarray:
    """Mined negatives of ``tracks`` among ``tracks``, as track rows."""
    found = mine(corpus.valence[tracks], corpus.energy[tracks], corpus.genres[tracks], k=config.data.negatives_k,
                 margin=config.data.negatives_margin, selection=config.data.negatives_selection, seed=config.optim.seed)
    return tracks[found.index]


@torch.no_grad()
def embed(encoder: AudioEncoder, dataset: ClipDataset, items: np.ndarray, batch_size: int, device: Any) -> Embedded:
    """Predicted embeddings of dataset items (deterministic validation crops)."""
    was_training = encoder.training
    encoder.eval()
    tokens, pooled, tracks = [], [], []
    for start in range(0, len(items), batch_size):
        batch = collate([dataset[(int(i), 0)] for i in items[start:start + batch_size]])
        t, p = encoder(batch["audio"].to(device))
        tokens.append(t.float().cpu())
        pooled.append(p.float().cpu())
        tracks.append(batch["track"].numpy())
    encoder.train(was_training)
    return Embedded(np.concatenate(tracks), torch.cat(tokens), torch.cat(pooled))


def train(config: TrainConfig, *, resume: str | None = None, stop_after: int | None = None) -> Path:
    """Train an audio encoder; returns the run folder.

    Parameters
    ----------
    config : TrainConfig
    resume : str, optional
        ``"latest"`` or a checkpoint folder: continue that run exactly where its checkpoint left it.
    stop_after : int, optional
        Stop after this optimizer step as an interruption would (a checkpoint is written first); for
        time-boxed jobs and the resume test.
    """
    from accelerate.utils import broadcast_object_list, set_seed
    from tqdm.auto import tqdm

    # 1. Processes, run folder (refusing to overwrite a run), caches (built beforehand, only read here).
    if not config.data.csv:  # before anything loads or any folder is made
        raise ConfigError("data.csv is empty: give the final dataset.csv (`a2i dataset split`) or 'tiny'")
    if config.data.csv != "tiny":
        check_input_file(config.data.csv, what="data.csv")
    o = config.optim
    accelerator = make_accelerator(config)
    checkpoint_dir = find_run(config, resume) if resume else None
    if checkpoint_dir is not None:
        run_dir = checkpoint_dir.parent.parent
    else:
        run_id = [config.log.run_id or time.strftime("%Y%m%d-%H%M%S")]
        broadcast_object_list(run_id)
        run_dir = Path(config.log.log_dir) / run_id[0]
        refusal: list[Exception | None] = [None]
        if accelerator.is_main_process:  # alone: another rank would see the folder half made by this one
            try:
                check_run_dir(run_dir)
            except (ConfigError, OutputError) as exc:
                refusal = [exc]
        broadcast_object_list(refusal)
        if refusal[0] is not None:
            raise refusal[0]
    main = accelerator.is_main_process
    if main:
        run_dir.mkdir(parents=True, exist_ok=True)
        atomic_write_json(run_dir / "config.json", config.to_dict())
    caches = open_caches(config, accelerator)
    corpus, targets = caches.corpus, caches.targets
    train_tracks, valid_tracks = corpus.split["train"], corpus.split["valid"]

    # 2. Model, data, losses, optimizer (seeded: every process builds the same model).
    set_seed(o.seed)
    encoder = AudioEncoder.from_config(config.encoder)
    train_set = ClipDataset(corpus, caches.audio, train_tracks, _negatives(corpus, train_tracks, config),
                            encoder.clip_samples, config.data.augment(), o.seed)
    valid_negatives = _negatives(corpus, valid_tracks, config)
    valid_set = ClipDataset(corpus, caches.audio, valid_tracks, valid_negatives, encoder.clip_samples, None, o.seed)
    sample = torch.from_numpy(train_tracks[:INIT_SAMPLE])
    init_tokens, init_pooled = targets.regression_sample(sample, corpus.prompt_start, o.seed)
    encoder.init_output_bias(init_tokens.mean(0), init_pooled.mean(0))
    denoise = None
    if caches.sdxl is not None:
        denoise = DenoisingLoss(caches.sdxl.unet, caches.sdxl.scheduler.config, config.loss.denoise_image_size)
    model = TrainModel(encoder, config, denoise)
    model.regression.set_scale(init_tokens, init_pooled)
    optimizer = torch.optim.AdamW(param_groups(model, config), betas=tuple(o.betas))
    plan = BatchPlan(len(train_tracks), o.batch_size, accelerator.process_index, accelerator.num_processes, o.seed)
    total_steps = o.max_steps or o.epochs * plan.steps_per_epoch // o.grad_accum
    eval_every = o.eval_every or max(1, plan.steps_per_epoch // o.grad_accum)  # 0: once per epoch
    checkpoint_every = o.checkpoint_every or eval_every  # 0: at every validation
    model, optimizer = accelerator.prepare(model, optimizer)
    unwrapped: TrainModel = accelerator.unwrap_model(model)

    # 3. Resume: weights, optimizer, loss parameters, counters and every random state of this process.
    step, best, patience = 0, -1.0, 0
    if checkpoint_dir is not None:
        state = torch.load(checkpoint_dir / STATE_NAME, map_location="cpu", weights_only=False)
        from safetensors.torch import load_file

        unwrapped.encoder.load_state_dict(load_file(str(checkpoint_dir / "model.safetensors")))
        unwrapped.contrastive.load_state_dict(state["contrastive"])
        unwrapped.regression.load_state_dict(state["regression"])
        optimizer.load_state_dict(state["optimizer"])
        step, best, patience = state["step"], state["best"], state["patience"]
        if len(state["rng"]) != accelerator.num_processes:
            raise ConfigError(f"--resume: {checkpoint_dir} was written by {len(state['rng'])} processes, this run has "
                              f"{accelerator.num_processes}; resume with the same number (random states are per process)")
        set_rng_state(state["rng"][accelerator.process_index])
        if main:
            _truncate_metrics(run_dir / "metrics.jsonl", step)
    checkpoints = Checkpoints(run_dir / "checkpoints")
    records = _read_metrics(run_dir / "metrics.jsonl") if main else []
    device = accelerator.device
    debug = DebugImages(config, caches.sdxl) if main and config.log.debug_images else None
    model.train()
    bar = tqdm(total=total_steps, initial=step, desc=f"training {run_dir.name}", unit="step",
               disable=not (main and config.log.progress))
    # The loader's own generator: creating its iterator must not draw from the global stream dropout uses.
    micro_batches = iter(DataLoader(train_set, batch_sampler=PlannedBatches(plan, step * o.grad_accum, total_steps * o.grad_accum),
                                    collate_fn=collate, num_workers=config.data.workers,
                                    generator=torch.Generator().manual_seed(o.seed)))

    # 4. The loop: accumulate micro-batches, step, log; validate, checkpoint and maybe stop.
    stop = False
    while step < total_steps and not stop:
        started = time.perf_counter()
        for group in optimizer.param_groups:
            group["lr"] = group["base_lr"] * lr_factor(step, warmup=o.warmup_steps, total=total_steps,
                                                       min_ratio=o.min_lr_ratio)
        logged: dict[str, float] = {}
        for micro in range(o.grad_accum):
            batch = next(micro_batches)
            batch_targets = tuple(t.to(device) for t in targets.batch(batch["track"], batch["prompt"], batch["neg_prompts"]))
            sync = nullcontext() if micro == o.grad_accum - 1 else accelerator.no_sync(model)
            latents = seeds = None
            if denoise is not None:
                latents = caches.latents.rows(batch["track"].numpy()).to(device)
                seeds = noise_seeds(o.seed, step * o.grad_accum + micro, batch["track"])
            with sync:
                losses = model(batch["audio"].to(device), batch_targets, batch["track"].to(device),
                               batch["neg_tracks"].to(device), latents=latents, seeds=seeds)
                accelerator.backward(losses["loss"] / o.grad_accum)
            for key, value in losses.items():
                logged[key] = logged.get(key, 0.0) + float(value.detach()) / o.grad_accum
        if o.clip_grad > 0:
            accelerator.clip_grad_norm_(model.parameters(), o.clip_grad)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        step += 1
        reduced = accelerator.reduce(torch.tensor([logged[k] for k in sorted(logged)], device=device), "mean")
        logged = dict(zip(sorted(logged), reduced.tolist()))
        bar.update(1)
        bar.set_postfix(loss=f"{logged['loss']:.4f}")
        if main and (step % config.log.log_every == 0 or step == 1):
            clips = o.batch_size * o.grad_accum / (time.perf_counter() - started)
            records.append(_log(run_dir, {"kind": "train", "step": step, "epoch": step * o.grad_accum // plan.steps_per_epoch,
                                          "lr": optimizer.param_groups[-1]["lr"], **logged, "clips_per_s": clips,
                                          "processes": accelerator.num_processes}))
        last = step == total_steps or step == stop_after
        if step % eval_every == 0 or last:
            decision = [False, False]
            if main:
                metrics, curves = _validate(unwrapped.encoder, train_set, valid_set, valid_negatives, corpus, targets,
                                            o.batch_size, device)
                records.append(_log(run_dir, {"kind": "valid", "step": step, **metrics}))
                improved = metrics["R@1"] > best
                best, patience = (metrics["R@1"], 0) if improved else (best, patience + 1)
                decision = [improved, patience >= o.early_stop_patience]
                plot_curves(records, run_dir / "curves.png")
                plot_token_norms(curves, run_dir / "token_norms.png", step)
                if debug is not None:
                    debug.draw(unwrapped.encoder, valid_set, run_dir / "debug", step, device)
            broadcast_object_list(decision)
            improved, stop = decision
            if improved or step % checkpoint_every == 0 or last or stop:
                _checkpoint(accelerator, checkpoints, unwrapped, optimizer, config, step, best, patience, improved)
        elif step % checkpoint_every == 0:
            _checkpoint(accelerator, checkpoints, unwrapped, optimizer, config, step, best, patience, False)
        if step == stop_after:
            break
    bar.close()
    accelerator.wait_for_everyone()
    accelerator.end_training()
    return run_dir


def noise_seeds(seed: int, micro_step: int, tracks: torch.Tensor) -> torch.Tensor:
    """One seed per item for the denoising loss's noise and timestep, from (run seed, micro-step, track):
    the same item is noised alike in any process and batch.

    Examples
    --------
    >>> noise_seeds(0, 3, torch.tensor([5, 9])).tolist() == noise_seeds(0, 3, torch.tensor([9, 5])).tolist()[::-1]
    True
    """
    return torch.tensor([hash_seed(seed, micro_step, int(t)) for t in tracks.tolist()], dtype=torch.long)


def hash_seed(*parts: int) -> int:
    """A 63-bit seed from integers (numpy's SeedSequence: well mixed, no collisions between nearby tuples)."""
    return int(np.random.SeedSequence(list(parts)).generate_state(1, np.uint64)[0] >> np.uint64(1))


def rng_state() -> dict[str, Any]:
    """Every random stream of this process: Python's, numpy's global, torch's CPU and (when present) CUDA's."""
    import random

    state = {"python": random.getstate(), "numpy": np.random.get_state(), "torch": torch.get_rng_state()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict[str, Any]) -> None:
    """Restore what :func:`rng_state` saved."""
    import random

    random.setstate(state["python"])
    np.random.set_state(state["numpy"])
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def _checkpoint(accelerator: Any, checkpoints: Checkpoints, model: TrainModel, optimizer: Any, config: TrainConfig,
                step: int, best: float, patience: int, improved: bool) -> None:
    """Every process sends its random state; the main process alone writes the checkpoint."""
    from accelerate.utils import gather_object

    rng = gather_object([rng_state()])
    if accelerator.is_main_process:
        state = {"step": step, "best": best, "patience": patience, "optimizer": optimizer.state_dict(),
                 "contrastive": model.contrastive.state_dict(), "regression": model.regression.state_dict(),
                 "rng": rng, "processes": accelerator.num_processes, "writer": accelerator.process_index}
        card = {"run": Path(checkpoints.folder).parent.name, "step": step, "best validation R@1": round(best, 4),
                "data": config.data.csv, "text encoders": config.targets.text_encoders}
        checkpoints.save(step, model.encoder, state, config, card, best=improved)
    accelerator.wait_for_everyone()


def _validate(encoder: AudioEncoder, train_set: ClipDataset, valid_set: ClipDataset, valid_negatives: np.ndarray,
              corpus: Corpus, targets: Targets, batch_size: int, device: Any) -> tuple[dict[str, float], dict]:
    valid = embed(encoder, valid_set, np.arange(len(valid_set)), batch_size, device)
    probe_items = np.linspace(0, len(train_set) - 1, min(len(train_set), PROBE_TRACKS)).astype(int)
    probe_set = ClipDataset(corpus, train_set.cache, train_set.tracks, train_set.negatives, train_set.clip_samples,
                            None, train_set.seed)
    train = embed(encoder, probe_set, probe_items, batch_size, device)
    prompt_ids = np.concatenate([corpus.prompt_ids(int(t)) for t in valid_set.tracks])
    owner = np.concatenate([[int(t)] * len(corpus.prompt_ids(int(t))) for t in valid_set.tracks])
    prompt_pooled = targets.prompt_pooled(torch.from_numpy(prompt_ids))
    true_tokens = targets.prompt_tokens(torch.from_numpy(prompt_ids))  # real prompts' norms, not shortened means
    return evaluate(valid, train, valid_prompt_pooled=prompt_pooled, prompt_owner=owner, true_tokens=true_tokens,
                    negatives=valid_negatives, valence=corpus.valence, energy=corpus.energy)


class DebugImages:
    """Validation clips drawn by SDXL from the predicted embeddings alone (no text), one pipeline per run.

    The pipeline is loaded at the first validation and kept (the denoising loss's own pipeline when both
    name the same weights); steps and guidance are the SDXL backend's defaults, so a debug picture is what
    ``a2i generate --encoder`` would draw.
    """

    def __init__(self, config: TrainConfig, sdxl: Any = None) -> None:
        from a2i.render.sdxl import SDXLSettings

        self.source, self.size = config.log.debug_images, config.log.debug_image_size
        self.settings = SDXLSettings(model=self.source)
        self.config = config
        self.pipe = sdxl if sdxl is not None and self.source == config.targets.text_encoders else None

    def draw(self, encoder: AudioEncoder, valid_set: ClipDataset, folder: Path, step: int, device: Any) -> list[Path]:
        from a2i.fileio import atomic_save_png
        from a2i.render.conditioning import Conditioning

        if self.pipe is None:
            self.pipe = sdxl_pipeline(self.config, self.source, device)
        items = np.arange(min(DEBUG_CLIPS, len(valid_set)))
        embedded = embed(encoder, valid_set, items, DEBUG_CLIPS, device)
        cond = Conditioning(embedded.tokens, embedded.pooled, torch.zeros_like(embedded.tokens),
                            torch.zeros_like(embedded.pooled)).to(device, self.pipe.unet.dtype)
        with torch.no_grad():
            images = self.pipe(**cond.as_pipeline_kwargs(), height=self.size, width=self.size,
                               num_inference_steps=self.settings.steps, guidance_scale=self.settings.guidance,
                               generator=torch.Generator().manual_seed(0)).images
        return [atomic_save_png(image, folder / f"step-{step:07d}-{valid_set.corpus.track_ids[valid_set.tracks[item]]}.png")
                for item, image in zip(items, images)]


def _log(run_dir: Path, record: dict[str, Any]) -> dict[str, Any]:
    with open(run_dir / "metrics.jsonl", "a", encoding="utf-8") as handle:
        handle.write(json.dumps(record) + "\n")
    return record


def _read_metrics(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _truncate_metrics(path: Path, step: int) -> None:
    """Drop records an interrupted run wrote after its last checkpoint (they are about to be redone)."""
    from a2i.fileio import atomic_write_text

    kept = [r for r in _read_metrics(path) if r["step"] <= step]
    atomic_write_text(path, "".join(json.dumps(r) + "\n" for r in kept))

