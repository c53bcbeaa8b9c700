"""Every dataset_creation notebook runs top to bottom, in order, on data it generates itself (offline)."""

from __future__ import annotations

from pathlib import Path

import pytest

NOTEBOOKS = Path(__file__).resolve().parents[2] / "dataset_creation"
ORDER = ["1_clean_spotify.ipynb", "2_youtube_download.ipynb", "3_merge.ipynb", "4_prompts.ipynb", "5_split.ipynb"]


def test_the_numbered_notebooks_are_the_five_steps():
    assert sorted(p.name for p in NOTEBOOKS.glob("*.ipynb")) == ORDER


@pytest.mark.notebook
def test_notebooks_run_in_order(tmp_path, monkeypatch):
    import nbformat
    from nbclient import NotebookClient

    monkeypatch.setenv("A2I_DATASET_WORK", str(tmp_path))
    monkeypatch.delenv("A2I_SPOTIFY_CSV", raising=False)
    for name in ORDER:
        notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
        NotebookClient(notebook, timeout=300, kernel_name="python3",
                       resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
        errors = [o for c in notebook.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
        assert not errors, (name, errors)
    assert (tmp_path / "final" / "dataset.csv").is_file() and (tmp_path / "final_full" / "split_report.png").is_file()
    assert len(list((tmp_path / "youtube" / "audio").iterdir())) == 6
