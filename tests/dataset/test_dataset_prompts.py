"""Step 4 (prompts): offline templates, the real openai client against a local fake, validation, kill/resume."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from a2i.dataset.prompting import prompt_table, prompts_csv, validate_prompts
from a2i.errors import PromptError

REPO = Path(__file__).resolve().parents[2]


def _merged(n: int) -> pd.DataFrame:
    return pd.DataFrame({
        "spotify_track_id": [f"id{i:03d}" for i in range(n)],
        "spotify_track_name": [f"Track {i}" for i in range(n)],
        "spotify_artists": ['["Band", "Guest"]'] * n,
        "spotify_genre": ["ambient", "metal"] * (n // 2) + ["ambient"] * (n % 2),
        "spotify_valence": [0.1 + 0.8 * i / max(n - 1, 1) for i in range(n)],
        "spotify_energy": [0.9 - 0.8 * i / max(n - 1, 1) for i in range(n)],
        "spotify_tempo": [90.0] * n, "spotify_key": [2] * n, "spotify_mode": [0] * n,
    })


def test_validate_prompts():
    assert validate_prompts(["  A b.  C d. ", "E f. G h."], 2) == ["A b. C d.", "E f. G h."]
    for bad, why in ((["a"], "expected 2"), (["a", "A"], "repeated"), (["a", " "], "empty"), ("ab", "list"),
                     (["a", "x" * 700], "longer")):
        with pytest.raises(PromptError, match=why):
            validate_prompts(bad, 2)


def test_template_prompts_are_written_per_track_and_resumed(tmp_path):
    df = _merged(6)
    table, report = prompt_table(df, tmp_path / "p", generator="template", workers=2, progress=False)
    assert report.written == 6 and report.failed == 0
    prompts = [json.loads(cell) for cell in table["openai_prompts"]]
    assert all(len(p) == 10 and len(set(p)) == 10 for p in prompts)
    assert prompts[0] != prompts[-1]  # sad/intense and happy/calm tracks read differently
    assert len(list((tmp_path / "p").glob("*.json"))) == 6
    again, report2 = prompt_table(df, tmp_path / "p", generator="template", progress=False)
    assert (report2.written, report2.already) == (0, 6)
    assert again["openai_prompts"].tolist() == table["openai_prompts"].tolist()


def test_tracks_of_one_mood_write_their_own_prompts(tmp_path):
    """The writer is seeded by the track's id (a2i.seeding.track_seed), not by the run's seed alone: two tracks
    with the same numbers walk their own scenes and styles, and a track's prompts do not depend on its title."""
    from a2i.dataset.prompting import PromptWriter
    from a2i.mood import Profile

    writer = PromptWriter(tmp_path, generator="template", n=4)
    one, two = (writer.write(track_id, Profile(valence=0.2, energy=0.8, title=title))
                for track_id, title in (("id000", "Same"), ("id001", "Same")))
    assert one["prompts"] != two["prompts"] and one["seed"] != two["seed"]
    renamed = PromptWriter(tmp_path / "again", generator="template", n=4).write("id000", Profile(valence=0.2, energy=0.8, title="Other"))
    assert renamed["prompts"] == one["prompts"]


def test_llm_route_with_usage_cost_and_failures(tmp_path, openai_fake, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "test-key")
    server = openai_fake(bad_titles=("Track 3",))
    df = _merged(5)
    table, report = prompt_table(
        df, tmp_path / "p", generator="llm", workers=3, progress=False, attempts=1,
        generator_options={"base_url": server.url + "/v1", "max_retries": 1, "backoff": 0.01})
    hits = server.hits
    assert report.written == 4 and report.failed == 1
    assert "id003" in report.failures and "usable prompt line" in report.failures["id003"]
    assert list(table["spotify_track_id"]) == ["id000", "id001", "id002", "id004"]
    assert json.loads(table["openai_prompts"][0])[0] == "An oil painting of Track 0, scene 1. Warm light and soft haze."
    assert report.usage == {"requests": 6, "prompt_tokens": 600, "completion_tokens": 4 * 200 + 2 * 140}
    assert report.cost_usd == pytest.approx((600 * 0.15 + 1080 * 0.60) / 1e6)
    assert hits["Track 0"] == 1 and hits["Track 3"] == 2
    failed = json.loads((tmp_path / "p" / "id003.json").read_text())
    assert failed["status"] == "failed"


def test_cli_without_key_is_a_clean_error(tmp_path, cli):
    _merged(2).to_csv(tmp_path / "merged.csv", index=False)
    env = {k: v for k, v in os.environ.items() if k != "OPENAI_API_KEY"}
    env["OPENAI_API_KEY"] = ""
    result = cli("dataset", "prompts", tmp_path / "merged.csv", tmp_path / "out.csv", "--prompts", "llm", env=env)
    assert result.returncode == 2 and "OPENAI_API_KEY" in result.stderr and "Traceback" not in result.stderr


def test_kill_and_resume_never_pays_twice(tmp_path, openai_fake):
    n = 16
    _merged(n).to_csv(tmp_path / "merged.csv", index=False)
    server = openai_fake(delay=0.2)
    hits = server.hits
    env = {**os.environ, "PYTHONPATH": str(REPO), "OPENAI_API_KEY": "test-key"}
    command = [sys.executable, "-m", "a2i", "dataset", "prompts", str(tmp_path / "merged.csv"),
               str(tmp_path / "prompted.csv"), "--prompts", "llm", "--llm-base-url", server.url + "/v1",
               "--workers", "2", "--no-progress"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    folder = tmp_path / "prompted_prompts"
    deadline = time.time() + 60
    while time.time() < deadline and len(list(folder.glob("id*.json"))) < 4:
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    done_before = {p.stem for p in folder.glob("id*.json")}
    assert 4 <= len(done_before) < n
    for path in folder.iterdir():  # complete JSON or nothing
        assert path.suffix == ".json" and json.loads(path.read_text())["status"] == "done"
    assert not (tmp_path / "prompted.csv").exists()
    hits_before = hits.copy()
    rerun = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert rerun.returncode == 0, rerun.stderr
    assert f"{len(done_before)} already done" in rerun.stdout
    assert "requests" in rerun.stdout and "$" in rerun.stdout
    for i in range(n):
        title = f"Track {i}"
        if f"id{i:03d}" in done_before:
            assert hits[title] == hits_before[title] == 1  # not asked again
        else:
            assert hits[title] - hits_before[title] == 1
    table = pd.read_csv(tmp_path / "prompted.csv")
    assert len(table) == n and all(len(json.loads(c)) == 10 for c in table["openai_prompts"])
    usage = json.loads((folder / "usage_last_run.json").read_text())
    assert usage["already"] == len(done_before) and usage["usage"]["requests"] == n - len(done_before)


def test_prompts_csv_template_route(tmp_path):
    _merged(3).to_csv(tmp_path / "merged.csv", index=False)
    report = prompts_csv(tmp_path / "merged.csv", tmp_path / "out.csv", tmp_path / "p", progress=False)
    assert report.written == 3 and report.usage == {}
    assert len(pd.read_csv(tmp_path / "out.csv")) == 3
