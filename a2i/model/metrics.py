"""Validation metrics of the audio encoder, and their plots.

- Retrieval, audio → prompt: for each validation clip, the rank of the first prompt of its own song among
  all validation prompts (recall@1/5/10, mean rank), and among only its own prompts and those of its mined
  hard negatives (other genre, other mood, nearest first): the second says whether the model hears mood,
  not only genre. Similarity is cosine between pooled embeddings, the space the contrastive loss trains.
- Per-token norm of predicted vs true ``prompt_embeds``: SDXL was trained on embeddings of a given scale per
  position; a model that is right in direction but wrong in norm draws washed-out or burnt pictures.
- Mood probe: ridge regression from the predicted embedding to (valence, energy), fitted on training clips
  and scored (R²) on validation clips. The embedding must carry the music's mood.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

#: Ridge penalty of the mood probe, relative to the mean eigenvalue of the feature covariance: strong enough
#: to keep a probe on a few dozen clips from fitting noise, weak enough not to erase the signal.
PROBE_ALPHA = 1.0
RECALL_AT = (1, 5, 10)


@dataclass
class Embedded:
    """Predicted embeddings of a set of clips (float32, CPU)."""

    tracks: np.ndarray
    tokens: torch.Tensor
    pooled: torch.Tensor

    def probe_features(self) -> np.ndarray:
        """Pooled embedding and mean token embedding side by side: what the probe reads."""
        return torch.cat([self.pooled, self.tokens.mean(1)], dim=1).numpy().astype(np.float64)


def ranks(similarity: torch.Tensor, positive: torch.Tensor) -> np.ndarray:
    """1-based rank of the best-scoring positive column of each row.

    Examples
    --------
    >>> ranks(torch.tensor([[0.9, 0.1, 0.5], [0.2, 0.3, 0.1]]), torch.tensor([[0, 0, 1], [1, 0, 0]]).bool()).tolist()
    [2, 2]
    """
    best_positive = similarity.masked_fill(~positive, float("-inf")).max(1, keepdim=True).values
    return ((similarity > best_positive) & ~positive).sum(1).add(1).numpy()


def retrieval(ranks_: np.ndarray, prefix: str) -> dict[str, float]:
    out = {f"{prefix}R@{k}": float(np.mean(ranks_ <= k)) for k in RECALL_AT}
    out[f"{prefix}mean_rank"] = float(np.mean(ranks_))
    return out


def ridge_r2(x_train: np.ndarray, y_train: np.ndarray, x_valid: np.ndarray, y_valid: np.ndarray,
             alpha: float = PROBE_ALPHA) -> np.ndarray:
    """R² on validation of a ridge regression fitted on training (features standardised with train stats).

    Examples
    --------
    >>> rng = np.random.default_rng(0); x = rng.normal(size=(200, 3)); y = x @ np.array([[1.0], [0.0], [2.0]])
    >>> noise = rng.normal(size=(200, 1))
    >>> round(float(ridge_r2(x[:150], y[:150], x[150:], y[150:])[0]), 2)  # shrunk by the penalty, not erased
    0.74
    >>> round(float(ridge_r2(x[:150], noise[:150], x[150:], noise[150:])[0]), 2)
    0.01
    """
    mean, std = x_train.mean(0), x_train.std(0) + 1e-8
    a, b = (x_train - mean) / std, (x_valid - mean) / std
    y_mean = y_train.mean(0)
    gram = a.T @ a
    penalty = alpha * np.trace(gram) / max(1, gram.shape[0])
    weights = np.linalg.solve(gram + penalty * np.eye(gram.shape[0]), a.T @ (y_train - y_mean))
    pred = b @ weights + y_mean
    ss_res = ((y_valid - pred) ** 2).sum(0)
    ss_tot = ((y_valid - y_valid.mean(0)) ** 2).sum(0) + 1e-12
    return 1 - ss_res / ss_tot


def evaluate(valid: Embedded, train: Embedded, *, valid_prompt_pooled: torch.Tensor, prompt_owner: np.ndarray,
             true_tokens: torch.Tensor, negatives: np.ndarray, valence: np.ndarray,
             energy: np.ndarray) -> tuple[dict[str, float], dict[str, np.ndarray]]:
    """All validation metrics.

    Parameters
    ----------
    valid, train : Embedded
        Predictions for validation clips and for the training clips the probe is fitted on.
    valid_prompt_pooled : (prompts, P)
        True pooled embeddings of every validation prompt; ``prompt_owner`` gives each one's track row.
    true_tokens : (prompts, 77, D)
        SDXL's embeddings of real prompts of the validation songs: predicted token norms are compared with them.
    negatives : (valid clips, K)
        Mined hard-negative track rows of each validation clip.
    valence, energy : arrays over all track rows.

    Returns
    -------
    scalars, curves
        Scalars for the JSONL log; per-position norms for the plot.
    """
    sim = F.normalize(valid.pooled, dim=-1) @ F.normalize(valid_prompt_pooled, dim=-1).T
    positive = torch.from_numpy(valid.tracks[:, None] == prompt_owner[None, :])
    out = retrieval(ranks(sim, positive), "")
    allowed = positive | torch.from_numpy((negatives[:, :, None] == prompt_owner[None, None, :]).any(1))
    out.update(retrieval(ranks(sim.masked_fill(~allowed, float("-inf")), positive), "hard_"))
    out["chance_R@1"] = float(positive.float().sum(1).mean() / len(prompt_owner))
    predicted_norm = valid.tokens.norm(dim=-1).mean(0).numpy()
    true_norm = true_tokens.norm(dim=-1).mean(0).numpy()
    out["token_norm_ratio"] = float(np.mean(predicted_norm / np.maximum(true_norm, 1e-8)))
    y = np.stack([valence, energy], axis=1)
    r2 = ridge_r2(train.probe_features(), y[train.tracks], valid.probe_features(), y[valid.tracks])
    out["probe_r2_valence"], out["probe_r2_energy"] = float(r2[0]), float(r2[1])
    return out, {"predicted_norm": predicted_norm, "true_norm": true_norm}


def plot_curves(records: list[dict], path: str | Path) -> Path:
    """Training curves: losses, learning rate, retrieval and mood-probe R² over steps, one PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    train = [r for r in records if r.get("kind") == "train"]
    valid = [r for r in records if r.get("kind") == "valid"]
    fig, axes = plt.subplots(2, 2, figsize=(11, 7))
    for key in ("loss", "contrastive", "token_cos", "token_mse", "pooled_cos", "pooled_mse", "denoise"):
        points = [(r["step"], r[key]) for r in train if key in r]
        if points:
            axes[0, 0].plot(*zip(*points), label=key)
    axes[0, 0].set(title="training losses", xlabel="step", yscale="log")
    axes[0, 0].legend(fontsize=7)
    if train:
        axes[0, 1].plot([r["step"] for r in train], [r["lr"] for r in train])
    axes[0, 1].set(title="learning rate (heads)", xlabel="step")
    for key in ("R@1", "R@5", "hard_R@1", "chance_R@1"):
        if valid:
            axes[1, 0].plot([r["step"] for r in valid], [r[key] for r in valid], marker="o", label=key,
                            linestyle="--" if key.startswith("chance") else "-")
    axes[1, 0].set(title="validation retrieval (audio -> prompt)", xlabel="step", ylim=(0, 1.02))
    axes[1, 0].legend(fontsize=7)
    for key in ("probe_r2_valence", "probe_r2_energy", "token_norm_ratio"):
        if valid:
            axes[1, 1].plot([r["step"] for r in valid], [r[key] for r in valid], marker="o", label=key)
    axes[1, 1].set(title="mood probe R² and token-norm ratio (validation)", xlabel="step")
    axes[1, 1].legend(fontsize=7)
    fig.tight_layout()
    return _save(fig, path)


def plot_token_norms(curves: dict[str, np.ndarray], path: str | Path, step: int) -> Path:
    """Per-position norm of predicted vs true prompt_embeds, one PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 3.5))
    ax.plot(curves["true_norm"], label="true (SDXL text encoders)")
    ax.plot(curves["predicted_norm"], label="predicted from audio")
    ax.set(title=f"per-token norm of prompt_embeds, validation, step {step}", xlabel="token position",
           ylabel="mean L2 norm", yscale="log")
    ax.legend()
    fig.tight_layout()
    return _save(fig, path)


def _save(fig, path: str | Path) -> Path:
    import io

    import matplotlib.pyplot as plt

    from a2i.fileio import atomic_write_bytes

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110)
    plt.close(fig)
    return atomic_write_bytes(path, buffer.getvalue())
