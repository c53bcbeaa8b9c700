"""SDXL in the studio without weights: greyed out with the reason, its options checked the CLI's way (an SDXL picture
through the studio, with a tiny pipeline, is tests/sdxl/test_sdxl_studio.py: the SDXL tests share its weights)."""

from __future__ import annotations

import pytest

from a2i.cli import main
from a2i.errors import ConfigError
from a2i.studio.app import backends, create_app, engine, sdxl_options
from a2i.studio.work import video_options


def test_sdxl_is_greyed_out_with_the_reason_and_its_options_are_checked_as_the_cli_checks_them(tmp_path, monkeypatch, capsys):
    import importlib.util

    client = create_app({"FOLDER": str(tmp_path / "studio")}).test_client()
    sdxl = client.get("/api/backends").get_json()["backends"][1]
    assert not sdxl["available"] and sdxl["reason"].startswith("no weights: start the studio with --model")
    page = client.get("/").get_data(as_text=True)
    assert 'name="picture-backend" value="sdxl"' in page and 'disabled aria-describedby="why-pictures-sdxl"' in page
    with pytest.raises(ConfigError, match="sdxl cannot be used: no weights"):  # what a picture request with SDXL answers
        engine({"SDXL": {}}, "sdxl")
    with pytest.raises(ConfigError, match="SDXL cannot be used: no weights"):  # and a video request
        video_options({"backend": "sdxl"}, sdxl=sdxl)
    find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "torch" else find_spec(name, *a))
    assert backends({"SDXL": {"model": str(tmp_path)}})[1]["reason"].startswith("torch and diffusers are not installed")
    monkeypatch.undo()
    # The CLI's SDXL flags, refused before the studio starts, in the CLI's words.
    with pytest.raises(ConfigError, match="--guidance must be in"):
        sdxl_options({"model": str(tmp_path), "guidance": 99.0})
    assert main(["studio", str(tmp_path / "studio"), "--no-browser", "--model", str(tmp_path), "--steps", "0"]) != 0
    assert "a2i: error: --steps must be an integer" in capsys.readouterr().err
