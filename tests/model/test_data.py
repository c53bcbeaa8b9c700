"""Training data: dataset.csv reading and valid carving, the memory-mapped audio cache, seeded items, batches."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from a2i.audio import write
from a2i.dataset.schema import dump_list, to_final
from a2i.errors import DatasetError
from a2i.model.data import SAMPLE_RATE, AudioCache, Augment, BatchPlan, ClipDataset, read_corpus
from a2i.synth import tone


def small_dataset(folder, n=8, split=("train",) * 8, prompts=2):
    rows = []
    for i in range(n):
        write(folder / "audio" / f"t{i}.wav", tone(1.0 + 0.25 * i, freq=200.0 + 50 * i, sr=22050))
        rows.append({"spotify_track_id": f"t{i}", "spotify_genre": "ab"[i % 2], "spotify_valence": i / n,
                     "spotify_energy": 1 - i / n, "path_audio_full": f"audio/t{i}.wav",
                     "openai_prompts": dump_list([f"prompt {i}.{k}" for k in range(prompts)]),
                     "train_stratify_key": "ab"[i % 2], "train_split": split[i]})
    csv = folder / "dataset.csv"
    to_final(pd.DataFrame(rows)).to_csv(csv, index=False)
    return csv


def test_reads_dataset_and_carves_valid_per_stratum(tmp_path):
    corpus = read_corpus(small_dataset(tmp_path), valid_fraction=0.25, seed=0)
    assert len(corpus) == 8 and corpus.prompts[:3] == ["prompt 0.0", "prompt 0.1", "prompt 1.0"]
    assert len(corpus.split["valid"]) == 2 and set(corpus.genres[corpus.split["valid"]]) == {"a", "b"}
    assert not set(corpus.split["valid"]) & set(corpus.split["train"])
    assert corpus.audio_paths[0] == tmp_path / "audio" / "t0.wav"
    given = read_corpus(small_dataset(tmp_path / "b", split=("train",) * 6 + ("valid", "test")))
    assert given.split["valid"].tolist() == [6] and given.split["test"].tolist() == [7]


def test_refuses_tracks_without_prompts(tmp_path):
    csv = small_dataset(tmp_path)
    table = pd.read_csv(csv)
    table.loc[3, "openai_prompts"] = "[]"
    table.to_csv(csv, index=False)
    with pytest.raises(DatasetError, match="1 tracks have no prompts .*t3.*a2i dataset prompts"):
        read_corpus(csv)


def test_audio_cache_is_memory_mapped_resumable_and_centred(tmp_path):
    corpus = read_corpus(small_dataset(tmp_path))
    cache = AudioCache(tmp_path / "cache", seconds=1.5)
    cache.build(corpus.audio_paths[:4] + corpus.audio_paths[4:], progress=False)
    audio = np.load(cache.path, mmap_mode="r")
    assert isinstance(audio, np.memmap) and audio.dtype == np.int16 and audio.shape == (8, int(1.5 * SAMPLE_RATE))
    assert cache.length(0) == SAMPLE_RATE and cache.length(7) == int(1.5 * SAMPLE_RATE)  # 1 s song kept whole
    clip = cache.clip(7, 0, 1000)
    assert abs(float(np.abs(clip).max()) - 0.3) < 0.01  # a 0.3-amplitude tone, back in float
    short = cache.clip(0, 0, 2 * SAMPLE_RATE)  # a clip longer than the song repeats it
    assert np.allclose(short[:SAMPLE_RATE], short[SAMPLE_RATE:], atol=1e-4)
    with pytest.raises(DatasetError, match="new folder"):
        AudioCache(tmp_path / "cache", seconds=2.0).build(corpus.audio_paths, progress=False)
    lengths = np.load(cache.lengths_path)
    lengths[5] = -1  # as if the run had been killed before track 5
    np.save(cache.lengths_path, lengths)
    import json

    manifest = json.loads(cache.manifest_path.read_text())
    cache.manifest_path.write_text(json.dumps({**manifest, "complete": False}))
    cache.build(corpus.audio_paths, progress=False)
    assert np.load(cache.lengths_path)[5] > 0


def test_items_are_seeded_per_track_and_epoch(tmp_path):
    corpus = read_corpus(small_dataset(tmp_path))
    cache = AudioCache(tmp_path / "cache", seconds=1.5)
    cache.build(corpus.audio_paths, progress=False)
    tracks = corpus.split["train"]
    negatives = np.roll(tracks, 1)[:, None]
    train = ClipDataset(corpus, cache, tracks, negatives, 24_000, Augment(mix_prob=0.5), seed=0)
    a, b, c = train[(3, 0)], train[(3, 0)], train[(3, 1)]
    assert np.array_equal(a["audio"], b["audio"]) and not np.array_equal(a["audio"], c["audio"])
    assert a["prompt"] in corpus.prompt_ids(a["track"]) and a["neg_tracks"].tolist() == [negatives[3, 0]]
    assert a["neg_prompts"][0] in corpus.prompt_ids(int(negatives[3, 0]))
    valid = ClipDataset(corpus, cache, tracks, negatives, 24_000, None, seed=0)
    assert np.array_equal(valid[(3, 0)]["audio"], valid[(3, 5)]["audio"])
    assert valid[(3, 0)]["prompt"] == corpus.prompt_start[a["track"]]


def test_batch_plan_gives_the_same_global_batch_to_any_number_of_processes():
    one = BatchPlan(20, 8, 0, 1, seed=3)
    two = [BatchPlan(20, 8, r, 2, seed=3) for r in range(2)]
    for step in range(6):  # over epoch boundaries (2 steps per epoch, 4 items dropped)
        assert one.keys(step) == two[0].keys(step) + two[1].keys(step)
    assert {k[0] for s in range(2) for k in one.keys(s)} != {k[0] for s in range(2, 4) for k in one.keys(s)}
    with pytest.raises(DatasetError, match="divisible"):
        BatchPlan(20, 7, 0, 2, seed=0)
    with pytest.raises(DatasetError, match="larger than the training split"):
        BatchPlan(4, 8, 0, 1, seed=0)
