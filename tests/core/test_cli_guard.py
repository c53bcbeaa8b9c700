"""The standing guard of issue 20: every sub-command, fed bad inputs, refuses cleanly and touches nothing.

For a generated table of bad inputs (missing, a folder, empty, not audio, truncated, a device) and bad outputs
(the input itself, inside the input, the working directory, an unrelated file, under a file, unwritable, a
folder of someone else's files) and odd numbers, each command is run in-process through :func:`a2i.cli.main`
in a sandbox whose working directory is a small git-like project. Each run must

- exit non-zero,
- print exactly one ``a2i: error:`` line and no traceback,
- leave every file and folder of the sandbox as it was (contents and modes), except the command's own new
  output folder.

The table is plain data, so a new command or a new kind of bad input is one more row.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from a2i.cli import main

#: Placeholders of the table, filled from the sandbox (see :func:`sandbox`).
BAD_AUDIO = ("missing", "folder", "empty", "notaudio", "truncated", "device")
BAD_TABLES = ("missing", "folder", "empty", "notaudio", "truncated_csv")
#: Outputs that no command may use or write over; ``{out}`` is each case's own new output.
BAD_FOLDER_OUTPUTS = ("input", "inside_input", "cwd", "notes", "under_file", "unwritable", "papers")
BAD_FILE_OUTPUTS = ("input", "folder", "under_file", "unwritable", "precious")

# Each command: (argv with {in} and {out} slots, what {in} is, which bad outputs apply, how {out} is spelt).
COMMANDS: dict[str, tuple[list[str], str, tuple[str, ...]]] = {
    "analyze": (["analyze", "{in}"], "audio", ()),
    "generate": (["generate", "{in}", "--out", "{out}", "--size", "32"], "audio", BAD_FOLDER_OUTPUTS),
    "render": (["render", "{in}", "--out", "{out}", "--size", "32", "--workers", "1"], "audio",
               ("input", "inside_input", "notes", "under_file", "unwritable")),
    "video": (["video", "{in}", "--out", "{out}", "--size", "64x36", "--fps", "2"], "audio",
              ("input", "inside_input", "cwd", "notes_mp4", "under_file_mp4", "unwritable_mp4", "papers")),
    "explore build": (["explore", "build", "{in}", "--out", "{out}", "--size", "32", "--variants", "1"], "audio",
                      BAD_FOLDER_OUTPUTS),
    "dataset from-folder": (["dataset", "from-folder", "{in}", "--out", "{out}", "--no-progress"], "music",
                            BAD_FOLDER_OUTPUTS),
    "dataset clean": (["dataset", "clean", "{in}", "{out}"], "table", BAD_FILE_OUTPUTS),
    "dataset merge": (["dataset", "merge", "{in}", "{empty_dir}", "{out}", "--no-progress"], "table", BAD_FILE_OUTPUTS),
    "dataset prompts": (["dataset", "prompts", "{in}", "{out}", "--no-progress"], "table", BAD_FILE_OUTPUTS),
    "dataset split": (["dataset", "split", "{in}", "{out}", "--no-plot"], "table", BAD_FILE_OUTPUTS),
    "dataset youtube": (["dataset", "youtube", "{in}", "{out}", "--search-results", "{empty_json}", "--no-progress"],
                        "table", ("input", "notes", "under_file", "unwritable")),
    "dataset spotify": (["dataset", "spotify", "--tracks", "{in}", "{out}"], "table", BAD_FILE_OUTPUTS),
    "label make-study": (["label", "make-study", "{run}", "{in}", "--out", "{out}", "--contact", "a@b.c"], "run",
                         BAD_FOLDER_OUTPUTS),
    "train": (["train", "--config", "{in}"], "config", ()),
}

#: Odd numbers and values, with a valid input and a fresh output.
ODD: list[tuple[str, list[str]]] = [
    ("generate --size 0", ["generate", "{song}", "--out", "{out}", "--size", "0"]),
    ("generate --size nan", ["generate", "{song}", "--out", "{out}", "--size", "nan"]),
    ("generate --seed -1", ["generate", "{song}", "--out", "{out}", "--seed", "-1"]),
    ("generate --n 0", ["generate", "{song}", "--out", "{out}", "--n", "0"]),
    ("generate --clips middle", ["generate", "{song}", "--out", "{out}", "--clips", "middle"]),
    ("generate sdxl steps x strength = 0", ["generate", "{song}", "--out", "{out}", "--backend", "sdxl", "--model",
                                            "no/such/sdxl", "--init", "painter", "--strength", "0.3", "--steps", "3"]),
    ("generate --llm-base-url notaurl", ["generate", "{song}", "--out", "{out}", "--prompts", "llm",
                                         "--llm-base-url", "notaurl"]),
    ("render --variants 0", ["render", "{song}", "--out", "{out}", "--variants", "0"]),
    ("render --size 99999", ["render", "{song}", "--out", "{out}", "--size", "99999"]),
    ("video --fps 0", ["video", "{song}", "--out", "{out}.mp4", "--fps", "0"]),
    ("video --start nan", ["video", "{song}", "--out", "{out}.mp4", "--start", "nan"]),
    ("video --end -1", ["video", "{song}", "--out", "{out}.mp4", "--end", "-1"]),
    ("video --out x.avi", ["video", "{song}", "--out", "{out}.avi"]),
    ("explore build --clip-seconds 0", ["explore", "build", "{song}", "--out", "{out}", "--clip-seconds", "0"]),
    ("explore build --variants -2", ["explore", "build", "{song}", "--out", "{out}", "--variants", "-2"]),
    ("dataset split --test-size 1.5", ["dataset", "split", "{table}", "{out}", "--test-size", "1.5"]),
    ("dataset from-folder --valid-size -1", ["dataset", "from-folder", "{music}", "--out", "{out}", "--valid-size", "-1"]),
    ("label make-study --images 0", ["label", "make-study", "{run}", "{run2}", "--out", "{out}", "--contact", "a@b.c",
                                     "--images", "0"]),
    ("label make-study --contact notanemail", ["label", "make-study", "{run}", "{run2}", "--out", "{out}", "--contact",
                                               "notanemail", "--images", "2", "--own", "1", "--max-select", "2"]),
    ("train --set optim.lr=fast", ["train", "--config", "tiny", "--set", "optim.lr=fast"]),
    ("train --set optim.epochs=-", ["train", "--config", "tiny", "--set", "optim.epochs=[1,2]"]),
    ("render --workers 0", ["render", "{song}", "--out", "{out}", "--workers", "0"]),
    ("video --size 641x360", ["video", "{song}", "--out", "{out}.mp4", "--size", "641x360"]),
    ("video --crf 99", ["video", "{song}", "--out", "{out}.mp4", "--crf", "99"]),
    ("video --every 0", ["video", "{song}", "--out", "{out}.mp4", "--every", "0"]),
    ("explore build --size 3", ["explore", "build", "{song}", "--out", "{out}", "--size", "3"]),
    ("dataset split --valid-size 0.9", ["dataset", "split", "{table}", "{out}", "--valid-size", "0.9", "--test-size", "0.5"]),
    ("dataset youtube --workers 0", ["dataset", "youtube", "{table}", "{out}", "--workers", "0"]),
    ("label make-study --own 0", ["label", "make-study", "{run}", "{run2}", "--out", "{out}", "--contact", "a@b.c",
                                  "--own", "0"]),
    ("train --config a song", ["train", "--config", "{song}"]),
    ("unknown command", ["paint", "{song}"]),
]


#: Odd values whose refusal must say this (the rest of the command line is valid, so only this can stop it).
ODD_MESSAGES = {
    "generate --llm-base-url notaurl": "--llm-base-url 'notaurl': not an http(s) URL",
    "label make-study --contact notanemail": "--contact 'notanemail': not an e-mail address",
    "train --set optim.lr=fast": "optim.lr: expected a number, got 'fast'",
    "generate sdxl steps x strength = 0": "--steps",
}


def _cases() -> list[tuple[str, list[str], str]]:
    """``(id, argv, input kind)`` for every command x bad input and command x bad output, then the odd values."""
    cases = []
    for name, (argv, kind, outputs) in COMMANDS.items():
        bad_inputs = {"audio": BAD_AUDIO, "table": BAD_TABLES, "music": ("missing", "song", "empty_dir", "notaudio_dir"),
                      "run": ("missing", "folder", "empty", "notaudio"), "config": ("missing", "folder", "empty_toml",
                                                                                       "notaudio")}[kind]
        for bad in bad_inputs:
            cases.append((f"{name} <- {bad}", [a.replace("{in}", "{" + bad + "}") for a in argv], kind))
        good = {"audio": "{song}", "table": "{table}", "music": "{music}", "run": "{run2}", "config": "tiny"}[kind]
        for bad in outputs:
            spelt = "{" + bad + "}"
            cases.append((f"{name} -> {bad}", [a.replace("{in}", good).replace("{out}", spelt) for a in argv], kind))
    cases += [(name, argv, "odd") for name, argv in ODD]
    return cases


CASES = _cases()


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory, mood_songs):
    """A sandbox with good and bad inputs, a project the commands run in, and someone else's files."""
    root = tmp_path_factory.mktemp("guard")
    project = root / "project"
    (project / ".git").mkdir(parents=True)
    (project / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (project / "src").mkdir()
    (project / "src" / "main.py").write_text("print('hi')\n")
    (project / "README.md").write_text("my project\n")
    music = root / "music"
    music.mkdir()
    song = music / "song.flac"
    shutil.copy(mood_songs["dark_minor"], song)
    (root / "folder").mkdir()
    (root / "empty_dir").mkdir()
    (root / "notaudio_dir").mkdir()
    (root / "notaudio_dir" / "a.mp3").write_text("just text, not audio\n")
    (root / "empty.wav").write_bytes(b"")
    (root / "empty.toml").write_text("")
    (root / "empty.json").write_text("{}")
    (root / "notaudio.mp3").write_bytes(b"\x00\x01binary nonsense" * 50)
    (root / "truncated.flac").write_bytes(song.read_bytes()[: len(song.read_bytes()) // 3])
    (root / "notes.txt").write_text("my notes\n")
    (root / "notes.mp4").write_bytes(b"a holiday video")
    (root / "precious.csv").write_text("date,amount\n2024-04-01,1200\n")
    (root / "papers" / "taxes" / "2024").mkdir(parents=True)
    (root / "papers" / "taxes" / "2024" / "return.pdf").write_bytes(b"%PDF-1.4 precious")
    table = root / "tracks.csv"
    table.write_text("track_id,artists,track_name\nx,[\"a\"],y\n")
    (root / "truncated.csv").write_text('track_id,artists,track_na')
    (root / "own").mkdir()  # each case's own output goes in here
    run = root / "runs" / "song"
    assert main(["generate", str(song), "--out", str(run), "--size", "32"]) == 0
    run2 = root / "runs" / "song2"
    shutil.copytree(run, run2)
    return {
        "root": root, "project": project, "song": song, "music": music, "run": run, "run2": run2, "table": table,
        "missing": root / "no" / "such.flac", "folder": root / "folder", "empty": root / "empty.wav",
        "notaudio": root / "notaudio.mp3", "truncated": root / "truncated.flac", "device": Path("/dev/zero"),
        "truncated_csv": root / "truncated.csv", "empty_dir": root / "empty_dir", "notaudio_dir": root / "notaudio_dir",
        "empty_toml": root / "empty.toml", "empty_json": root / "empty.json",
        "notes": root / "notes.txt", "notes_mp4": root / "notes.mp4", "precious": root / "precious.csv",
        "papers": root / "papers", "cwd": Path("."), "under_file": root / "notes.txt" / "x",
        "under_file_mp4": root / "notes.txt" / "x.mp4", "unwritable": Path("/proc/a2i-guard"),
        "unwritable_mp4": Path("/proc/a2i-guard.mp4"),
    }


def _snapshot(root: Path, skip: Path) -> dict[str, tuple]:
    """Every path under ``root`` (but ``skip``) with its kind, mode and content hash."""
    state = {}
    for path in sorted(root.rglob("*")):
        if path == skip or skip in path.parents:
            continue
        info = path.lstat()
        digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() and not path.is_symlink() else None
        state[path.relative_to(root).as_posix()] = (path.is_dir(), info.st_mode, digest)
    return state


@pytest.mark.parametrize("case_id, argv, kind", CASES, ids=[c[0] for c in CASES])
def test_bad_input_is_one_clean_error_and_touches_nothing(sandbox, case_id, argv, kind, monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")  # so the LLM case reaches the URL check, never the network
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    for name in ("SPOTIPY_CLIENT_ID", "SPOTIPY_CLIENT_SECRET"):  # the Spotify step must refuse before any request
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(sandbox["project"])
    own = sandbox["root"] / "own" / case_id.replace(" ", "_").replace("<-", "from").replace("->", "to")
    paths = {key: str(value) for key, value in sandbox.items()}
    paths["inside_input"] = str(sandbox["song"] / "out")
    paths["input"] = {"audio": paths["song"], "table": paths["table"], "music": paths["music"], "run": paths["run2"],
                      "config": paths["song"], "odd": paths["song"]}[kind]
    args = [a.format(**paths, out=own) for a in argv]
    before = _snapshot(sandbox["root"], own)
    try:
        code = main(args)
    except SystemExit as exc:  # argparse refusals
        code = exc.code
    err = capsys.readouterr().err
    if "truncated" in case_id and "<-" in case_id and code in (0, None):
        # A cut audio file is decoded as far as it goes, with a warning that says so (a2i.audio's choice).
        assert "a2i: warning:" in err and "truncated" in err and "Traceback" not in err, err
        assert _snapshot(sandbox["root"], own) == before
        return
    assert code not in (0, None), f"a2i {' '.join(args)} succeeded on bad input\n{err}"
    assert "Traceback" not in err, err
    lines = [line for line in err.splitlines() if line.startswith("a2i: error:")]
    assert len(lines) == 1, f"expected one 'a2i: error:' line from a2i {' '.join(args)}, got:\n{err}"
    assert ODD_MESSAGES.get(case_id, "") in lines[0]
    assert _snapshot(sandbox["root"], own) == before, f"a2i {' '.join(args)} changed files outside its own output"
