"""The prepared vibenet graph's cache: one file per install, the stale ones a2i made removed, nothing else."""

from __future__ import annotations

import os

from a2i import vibenet_model


def test_writing_the_prepared_graph_removes_only_stale_a2i_graphs(tmp_path, monkeypatch):
    # Names a2i wrote in earlier versions (with vibenet's version, without the texture) and for another install.
    stale = ["vibenet-0.1.0-18526438-1796336769-embedding.onnx", "vibenet-18526438-1796336769-embedding.onnx",
             "vibenet-18526438-1111111111-embedding-texture.onnx"]
    # Not a2i's: other tools' files, near misses of the name, a folder, an interrupted write's temporary file.
    foreign = ["model.onnx", "vibenet-notes.onnx", "vibenet-18526438-1796336769-embedding.onnx.bak",
               "my-vibenet-18526438-1796336769-embedding.onnx", "vibenet-x-1-2-embedding.onnx",
               ".vibenet-18526438-1796336769-embedding.onnx.abc.a2i-tmp"]
    for name in stale + foreign:
        (tmp_path / name).write_bytes(b"old")
    (tmp_path / "vibenet-1-2-embedding.onnx.d").mkdir()
    monkeypatch.setenv("A2I_CACHE", str(tmp_path))

    data = vibenet_model._prepared_graph()

    written = [p.name for p in tmp_path.iterdir() if p.name not in foreign and p.is_file()]
    assert len(written) == 1 and written[0].endswith("-embedding-texture.onnx")
    assert (tmp_path / written[0]).read_bytes() == data and len(data) > 10_000_000
    assert all((tmp_path / name).read_bytes() == b"old" for name in foreign)
    assert (tmp_path / "vibenet-1-2-embedding.onnx.d").is_dir()
    assert not any((tmp_path / name).exists() for name in stale)


def test_a_cached_graph_is_read_not_rebuilt_and_nothing_is_removed(tmp_path, monkeypatch):
    monkeypatch.setenv("A2I_CACHE", str(tmp_path))
    stat = vibenet_model.source_graph().stat()
    current = tmp_path / f"vibenet-{stat.st_size}-{int(stat.st_mtime)}-embedding-texture.onnx"
    current.write_bytes(b"prepared earlier")
    other = tmp_path / "vibenet-18526438-1111111111-embedding-texture.onnx"
    other.write_bytes(b"another install's")  # e.g. a second virtual environment sharing the cache

    assert vibenet_model._prepared_graph() == b"prepared earlier"
    assert other.read_bytes() == b"another install's"  # only a write cleans up


def test_the_source_graph_is_the_file_importlib_resources_names():
    import importlib.resources

    with importlib.resources.as_file(importlib.resources.files("vibenet.artifacts") / "efficientnet_model.onnx") as path:
        assert vibenet_model.source_graph().samefile(path)


def test_the_name_pattern_matches_every_name_a2i_has_written_and_only_those():
    assert vibenet_model.PREPARED_NAME.fullmatch("vibenet-0.1.0-18526438-1796336769-embedding.onnx")
    assert vibenet_model.PREPARED_NAME.fullmatch("vibenet-18526438-1796336769-embedding-texture.onnx")
    assert not vibenet_model.PREPARED_NAME.fullmatch("vibenet-18526438-1796336769-embedding-texture.onnx" + os.sep)
    assert not vibenet_model.PREPARED_NAME.fullmatch("vibenet-18526438-embedding.onnx")


def test_a_cache_entry_that_cannot_be_read_is_prepared_again_and_left_alone(tmp_path, monkeypatch):
    monkeypatch.setenv("A2I_CACHE", str(tmp_path))
    stat = vibenet_model.source_graph().stat()
    blocked = tmp_path / f"vibenet-{stat.st_size}-{int(stat.st_mtime)}-embedding-texture.onnx"
    blocked.mkdir()  # something else sits under the graph's name: reading and writing it both fail
    stale = tmp_path / "vibenet-18526438-1111111111-embedding-texture.onnx"
    stale.write_bytes(b"old")

    assert len(vibenet_model._prepared_graph()) > 10_000_000
    assert blocked.is_dir() and stale.read_bytes() == b"old"  # nothing written, so nothing cleaned
