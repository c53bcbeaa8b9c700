"""Compiled kernels work on an install where numba can write no cache (read-only package and home)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

KERNELS = '''
from numba import njit
from a2i.render.compiled import compiled

def add_one(x):
    return x + 1

try:
    njit(cache=True)(add_one)
    print("plain: cached")
except RuntimeError as error:
    print("plain:", type(error).__name__)
print("compiled:", compiled(add_one)(41))
'''


def test_a_kernel_compiles_where_no_cache_can_be_written(tmp_path):
    # Root may write anywhere, so "read-only" is a file where each cache folder would go: beside the module
    # (__pycache__), the user's cache (~/.cache, XDG_CACHE_HOME), and no NUMBA_CACHE_DIR.
    (tmp_path / "kernels.py").write_text(KERNELS)
    (tmp_path / "__pycache__").write_text("")
    (tmp_path / "home").mkdir()
    (tmp_path / "home" / ".cache").write_text("")
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    env.update(HOME=str(tmp_path / "home"), XDG_CACHE_HOME=str(tmp_path / "home" / ".cache"), PYTHONDONTWRITEBYTECODE="1",
               PYTHONPATH=os.pathsep.join([str(tmp_path), str(ROOT)]))
    run = subprocess.run([sys.executable, "-c", "import kernels"], cwd=tmp_path, env=env, capture_output=True, text=True,
                         timeout=60)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split("\n")[:2] == ["plain: RuntimeError", "compiled: 42"]  # numba alone would stop here
