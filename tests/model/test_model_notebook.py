"""A2I_model/align_audio_with_text_encoder.ipynb runs top to bottom on the tiny configuration."""

from __future__ import annotations

from pathlib import Path

import pytest

#: The session's tiny training run is set up inside the first test that needs it: minutes on a loaded
#: machine, so these tests get more than the suite's default timeout.
# xdist_group: the files that use the session's tiny training run share one `make test` worker (tests/conftest.py).
pytestmark = [pytest.mark.timeout(1800), pytest.mark.xdist_group("tiny_run")]

NOTEBOOK = Path(__file__).resolve().parents[2] / "A2I_model" / "align_audio_with_text_encoder.ipynb"


@pytest.mark.notebook
def test_training_notebook_runs(tiny_root, tiny_run, monkeypatch):
    import nbformat
    from nbclient import NotebookClient

    # The session's tiny corpus and caches; a short run: the notebook's code is the library's, which
    # tests/model/test_train.py trains in full.
    monkeypatch.setenv("A2I_TRAIN_WORK", str(tiny_root))
    monkeypatch.setenv("A2I_TRAIN_SET", "optim.max_steps=4;optim.eval_every=4;log.run_id=notebook")
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(notebook, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(NOTEBOOK.parent)}}).execute()
    errors = [o for c in notebook.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors, errors
    text = "".join(o.get("text", "") for c in notebook.cells if c.cell_type == "code" for o in c.outputs)
    assert "(1, 77, 64) (1, 32)" in text
    assert (tiny_root / "logs" / "notebook" / "curves.png").is_file()
    assert sum(o.output_type == "display_data" for c in notebook.cells for o in c.get("outputs", [])) == 2
