import subprocess
import sys
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
HEAVY = ("torch", "diffusers", "transformers", "flask", "pandas", "sklearn", "yt_dlp", "spotipy", "matplotlib", "sqlalchemy")


def pins() -> tuple[list[str], dict[str, list[str]]]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    return project["dependencies"], project["optional-dependencies"]


def test_every_dependency_is_pinned_and_torch_is_2_13_cpu_compatible():
    core, extras = pins()
    for requirement in core + [r for group in extras.values() for r in group if not r.startswith("a2i[")]:
        assert "==" in requirement, f"{requirement} is not pinned"
    assert "torch==2.13.0" in extras["sdxl"]
    assert not any(r.split("==")[0] in ("torch", "torchvision", "torchaudio") for r in core)
    assert not any(r.startswith(("torchvision", "torchaudio")) for group in extras.values() for r in group)


def test_requirements_txt_installs_the_same_pins():
    core, extras = pins()
    expected = set(core) | {r for group in extras.values() for r in group if not r.startswith("a2i[")}
    lines = (REPO / "A2I_model/requirements.txt").read_text().splitlines()
    listed = {line.strip() for line in lines if line.strip() and not line.startswith("#")}
    assert listed == expected


def test_the_main_job_imports_nothing_heavy():
    code = (
        "import sys, a2i.cli, a2i.pipeline, a2i.render.painter, a2i.prompts; a2i.cli.build_parser(); "
        f"print([m for m in {HEAVY!r} if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_notebooks_open_with_one_command():
    """JupyterLab comes from a pinned extra that `make notebooks` installs, and the README names that command."""
    _, extras = pins()
    assert any(r.startswith("jupyterlab==") for r in extras["notebooks"])
    assert "notebooks" in extras["all"][0]
    makefile = (REPO / "Makefile").read_text()
    assert 'pip install --quiet -e ".[notebooks]"' in makefile and "$(BIN)/jupyter lab" in makefile
    assert "`make notebooks`" in (REPO / "README.md").read_text()
    version = subprocess.run([sys.executable, "-m", "jupyterlab", "--version"], capture_output=True, text=True)
    assert version.returncode == 0 and version.stdout.strip() == extras["notebooks"][-1].split("==")[1]


def test_make_test_lints_before_the_suite():
    recipe = (REPO / "Makefile").read_text().split("\ntest:", 1)[1].split("\n\n", 1)[0]
    assert recipe.index("ruff check .") < recipe.index("pytest")
