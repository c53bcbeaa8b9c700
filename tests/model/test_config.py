"""The shipped configs parse (the command in weights/README.md uses `sdxl`), and --set reaches every section."""

from __future__ import annotations

import pytest

from a2i.errors import ConfigError
from a2i.model.config import BUILTIN_CONFIGS, load_config


def test_shipped_configs_parse():
    assert sorted(p.stem for p in BUILTIN_CONFIGS.glob("*.toml")) == ["sdxl", "tiny"]
    real = load_config("sdxl", ["data.csv=dataset/final/dataset.csv"])
    assert real.encoder.clap == "laion/clap-htsat-unfused" and real.encoder.token_dim == 2048
    assert real.data.csv == "dataset/final/dataset.csv" and real.optim.batch_size % 8 == 0
    tiny = load_config("tiny")
    assert tiny.encoder.clap is None and tiny.encoder.clap_audio_config["hidden_size"] == 32
    assert tiny.targets.text_encoders == "tiny" and tiny.encoder.tower == "frozen"


def test_set_overrides_and_errors(tmp_path):
    cfg = load_config("tiny", ["optim.betas=[0.8, 0.9]", "loss.token_weights=null", "encoder.depth=3"])
    assert cfg.optim.betas == (0.8, 0.9) and cfg.encoder.depth == 3 and cfg.loss.token_weights is None
    (tmp_path / "bad.toml").write_text("[optim\\nlr = 1")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(tmp_path / "bad.toml")
    with pytest.raises(ConfigError, match="unknown config sections: train"):
        load_config("tiny", ["train.lr=1"])
    with pytest.raises(ConfigError, match="the only preset is 'tiny'"):
        load_config("tiny", ["encoder.preset=huge"])
