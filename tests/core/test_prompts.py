import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from a2i.errors import ConfigError, PromptError
from a2i.mood import Analysis, ClipProfile, Profile
from a2i.planner import Job, plan, song_prompts
from a2i.prompts import SCENES, LLMPromptGenerator, get_generator, parse_prompt_lines, scene_order
from a2i.render.painter.text import read_prompt
from a2i.seeding import song_seed
from a2i.vocabulary import COLOUR_PAIRS

HAPPY = Profile(valence=0.9, energy=0.85, tempo=140, genre="disco", title="Glitter", danceability=0.8)
SAD = Profile(valence=0.1, energy=0.15, tempo=62, acousticness=0.9, mode=0)


def test_template_gives_n_distinct_two_sentence_prompts():
    prompts = get_generator("template").generate(HAPPY, n=10, seed=0)
    assert len(prompts) == 10 and len(set(prompts)) == 10
    for p in prompts:
        sentences = [s for s in p.replace("!", ".").split(". ") if s.strip()]
        assert len(sentences) == 2, p
        assert p.endswith(".")
    assert len({p.split(" of ")[0] for p in prompts}) == 10  # a different artistic style each


def test_template_is_deterministic_for_a_seed():
    g = get_generator("template")
    assert g.generate(HAPPY, n=5, seed=3) == g.generate(HAPPY, n=5, seed=3)
    assert g.generate(HAPPY, n=5, seed=3) != g.generate(HAPPY, n=5, seed=4)


def test_template_reflects_the_mood():
    happy = " ".join(get_generator("template").generate(HAPPY, n=5))
    sad = " ".join(get_generator("template").generate(SAD, n=5))
    assert "joy" in happy and "luminous, vivid" in happy
    assert "melancholy" in sad and "dark, shadowed, muted" in sad
    happy_colours = {c for pair in COLOUR_PAIRS[(2, 2)] for c in pair}
    sad_colours = {c for pair in COLOUR_PAIRS[(0, 0)] for c in pair}
    assert {c.name for p in get_generator("template").generate(HAPPY, n=5) for c in read_prompt(p).colours} <= happy_colours
    assert {c.name for p in get_generator("template").generate(SAD, n=5) for c in read_prompt(p).colours} <= sad_colours
    assert all(read_prompt(p).time in ("night", "dusk") for p in get_generator("template").generate(SAD, n=5))
    assert all(read_prompt(p).time in (None, "day", "dawn", "dusk") for p in get_generator("template").generate(HAPPY, n=5))


@pytest.mark.parametrize("valence", [0.5, 0.9])
def test_happy_and_energetic_songs_are_not_painted_at_night(valence):
    """A night is dark whatever its colours (the painter, round 6), so a euphoric song "at night under the stars"
    was darker than a sad song's dusk and Spearman(valence, lightness) fell to 0.27; a happy or energetic mid cell
    paints by day, at dawn or at dusk."""
    profile = Profile(valence=valence, energy=0.9)
    for seed in range(4):
        for prompt in get_generator("template").generate(profile, n=12, seed=seed):
            reading = read_prompt(prompt)
            assert reading.time != "night" and not {"moon", "stars"} & set(reading.subjects), prompt


@pytest.mark.parametrize("valence, energy", [(0.1, 0.1), (0.1, 0.9), (0.5, 0.5), (0.9, 0.1), (0.9, 0.9)])
def test_template_prompts_name_only_what_the_painter_draws(valence, energy):
    """Every word of a template prompt is drawable or names no thing: the card never says "not drawn"."""
    for clip in range(3):
        profile = ClipProfile(valence=valence, energy=energy, index=clip, acousticness=0.8 * (clip == 1), danceability=0.9 * (clip == 2))
        for prompt in get_generator("template").generate(profile, n=12, seed=clip):
            reading = read_prompt(prompt)
            assert reading.not_drawn == () and reading.subjects and reading.style, prompt


def test_a_songs_scenes_do_not_repeat_until_the_vocabulary_is_used_up():
    """As a run assigns them: clip c's first picture takes prompt c mod n of its own clip's prompts."""
    n = 10
    scenes = []
    for c in range(len(SCENES)):
        clip = ClipProfile(valence=0.2 + 0.6 * (c % 3) / 2, energy=0.5, index=c)
        prompt = get_generator("template").generate(clip, n=n, seed=7)[c % n]
        scenes.append(prompt.split(" of ", 1)[1].split(" at ")[0].split(" under ")[0].split(" in ")[0].split(" on a sunny")[0])
    assert len(set(scenes)) == len(SCENES), sorted(scenes)
    variants = get_generator("template").generate(ClipProfile(index=3), n=n, seed=7)
    assert len({v.split(",")[0] for v in variants}) == n


def test_template_many_prompts_stay_distinct():
    prompts = get_generator("template").generate(SAD, n=40, seed=1)
    assert len(set(prompts)) == 40


def test_bad_arguments():
    with pytest.raises(ConfigError, match="n must be"):
        get_generator("template").generate(HAPPY, n=0)
    with pytest.raises(ConfigError, match="unknown prompt generator"):
        get_generator("poet")


def test_parse_strips_numbering_quotes_and_blank_lines():
    text = '1. "First scene. Blue light."\n\n2) Second scene. Red light.\n- Third scene. Gold light.\n3. Extra.'
    assert parse_prompt_lines(text, 3) == ["First scene. Blue light.", "Second scene. Red light.", "Third scene. Gold light."]
    with pytest.raises(PromptError, match="2 usable"):
        parse_prompt_lines("1. one\n2. two", 3)


class FakeOpenAI:
    """An OpenAI-compatible /v1/chat/completions server on 127.0.0.1 with a script of answers."""

    def __init__(self, answers):
        self.answers = list(answers)
        self.requests = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                outer.requests.append({"path": self.path, "auth": self.headers.get("Authorization"), "body": body})
                status, content = outer.answers.pop(0) if outer.answers else (200, "")
                if status != 200:
                    payload = json.dumps({"error": {"message": "boom", "type": "server_error"}}).encode()
                else:
                    payload = json.dumps({
                        "id": "x", "object": "chat.completion", "created": 0, "model": body["model"],
                        "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": content}}],
                        "usage": {"prompt_tokens": 100, "completion_tokens": 50, "total_tokens": 150},
                    }).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def answer(n):
    return "\n".join(f"{i + 1}. Scene number {i + 1}. Light number {i + 1}." for i in range(n))


@pytest.fixture
def fake_llm():
    servers = []

    def start(answers):
        servers.append(FakeOpenAI(answers))
        return servers[-1]

    yield start
    for s in servers:
        s.close()


def test_llm_prompts_through_the_real_client(fake_llm):
    server = fake_llm([(200, answer(4))])
    g = get_generator("llm", base_url=server.url, api_key="sk-test", model="tiny-model")
    prompts = g.generate(HAPPY, n=4, seed=7)
    assert prompts == [f"Scene number {i}. Light number {i}." for i in range(1, 5)]
    (request,) = server.requests
    assert request["path"] == "/v1/chat/completions" and request["auth"] == "Bearer sk-test"
    assert request["body"]["model"] == "tiny-model" and request["body"]["seed"] == 7
    user = request["body"]["messages"][-1]["content"]
    assert "Glitter" in user and "disco" in user and "Write 4 distinct prompts" in user
    assert g.usage == {"requests": 1, "prompt_tokens": 100, "completion_tokens": 50}


def test_llm_gets_a_seed_a_chat_api_takes(fake_llm):
    """A song seed is 64 bits; the API's `seed` gets a2i.seeding.api_seed of it (0 .. 2**31 - 1), and two seeds
    that differ only above bit 32 still ask for different samples."""
    from a2i.seeding import MAX_API_SEED, api_seed

    server = fake_llm([(200, answer(2))] * 3)
    g = get_generator("llm", base_url=server.url, api_key="k")
    for seed in (2**64 - 1, 2**32, 0):
        g.generate(HAPPY, n=2, seed=seed)
    sent = [r["body"]["seed"] for r in server.requests]
    assert sent == [api_seed(2**64 - 1), api_seed(2**32), 0] and all(0 <= s <= MAX_API_SEED for s in sent)
    assert sent[1] != sent[2]


def test_llm_retries_server_errors_and_short_answers(fake_llm):
    server = fake_llm([(500, ""), (200, answer(2)), (200, answer(3))])
    g = LLMPromptGenerator(base_url=server.url, api_key="k", max_retries=3, backoff=0.01)
    assert len(g.generate(SAD, n=3)) == 3
    assert len(server.requests) == 3 and g.usage["requests"] == 2


def test_llm_gives_up_with_a_clear_error(fake_llm):
    server = fake_llm([(200, "only one line")] * 3)
    g = LLMPromptGenerator(base_url=server.url, api_key="k", max_retries=2, backoff=0.01)
    with pytest.raises(PromptError, match="after 3 attempt"):
        g.generate(SAD, n=3)


def test_llm_refused_key_is_not_retried(fake_llm):
    server = fake_llm([(401, "")])
    g = LLMPromptGenerator(base_url=server.url, api_key="bad", max_retries=3, backoff=0.01)
    with pytest.raises(PromptError, match="refused the API key"):
        g.generate(SAD, n=2)
    assert len(server.requests) == 1


def test_llm_without_key_says_what_to_do(monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(PromptError, match="OPENAI_API_KEY is not set"):
        get_generator("llm")


def test_songs_of_one_mood_do_not_share_their_colours_at_one_clip():
    """Each song starts its walk through its mood cell's colour pairs at its own place (from its seed)."""
    colours = {tuple(c.name for c in read_prompt(get_generator("template").generate(
        ClipProfile(valence=0.5, energy=0.5, index=1), n=1, seed=song_seed(0, f"{k:064x}"))[0]).colours) for k in range(12)}
    assert len(colours) >= 4 and all(pair in COLOUR_PAIRS[(1, 1)] for pair in colours)


def _untagged(path, valence=0.3, energy=0.2, tempo=80.0):
    """An untagged song's analysis as the analyser gives it (no title, artist or genre), three clips."""
    clips = [ClipProfile(valence=valence, energy=energy, tempo=tempo, index=i, start=10.0 * i, end=10.0 * i + 10)
             for i in range(3)]
    return Analysis(path, Profile(valence=valence, energy=energy, tempo=tempo), clips, {}, {}, 30.0)


def _prompts(analysis, song_hash, seed=0):
    job = Job(clips="all", variants=2, seed=seed)
    return song_prompts(analysis, job, song_hash), [r.prompt for r in plan(analysis, job, song_hash)]


def test_two_untagged_songs_of_one_mood_write_different_prompts_at_one_seed():
    """The writer is seeded by the song's bytes: two untagged songs with the same numbers (and the same file
    name, "track01.mp3" of two albums) walk their own scenes, styles and colours. Before, both took the user's
    seed and the same (empty) tags: the same scene walk, colour offset, count words and times of day."""
    one, two = _prompts(_untagged("a/track01.mp3"), "ab" * 32), _prompts(_untagged("b/track01.mp3"), "cd" * 32)
    assert one[0] != two[0] and one[1] != two[1]
    assert scene_order(song_seed(0, "ab" * 32)) != scene_order(song_seed(0, "cd" * 32))
    scenes = [{p.split(" of ", 1)[1].split(", ")[0] for p in texts} for texts in (one[1], two[1])]
    assert scenes[0] != scenes[1]


def test_a_renamed_copy_writes_the_same_prompts():
    """Only the song's bytes key the prompts: its file name (the untagged clips' title) does not."""
    assert _prompts(_untagged("song.mp3"), "ab" * 32) == _prompts(_untagged("copy of song (1).mp3"), "ab" * 32)
    tagged = Profile(valence=0.3, energy=0.2, title="Grey Harbour", artist="a2i synthesizer")
    assert get_generator("template").generate(tagged, n=4, seed=11) == get_generator("template").generate(
        Profile(valence=0.3, energy=0.2, title="Other", artist="Someone"), n=4, seed=11)


@pytest.mark.parametrize("change", [{"tempo": 80.1}, {"tempo": 79.9}, {"valence": 0.31}, {"energy": 0.19},
                                    {"tempo": 81.0, "valence": 0.29, "energy": 0.21}])
def test_a_more_precise_analysis_does_not_re_roll_the_prompts(change):
    """The analysis's numbers are content, not the song's identity: moved inside their bands (the same mood
    cell, tempo phrase and texture family) they write the same prompts, word for word. Before, the style
    order was keyed on valence, energy and tempo to 0.1 BPM, and a more precise tempo re-rolled every picture."""
    moved = {"valence": 0.3, "energy": 0.2, "tempo": 80.0, **change}
    writer = get_generator("template")
    assert writer.generate(ClipProfile(valence=0.3, energy=0.2, tempo=80.0, index=2), n=10, seed=5) == writer.generate(
        ClipProfile(**moved, index=2), n=10, seed=5)
    assert _prompts(_untagged("song.mp3", **moved), "ab" * 32) == _prompts(_untagged("song.mp3"), "ab" * 32)


def test_what_the_music_says_still_changes_the_words():
    """Crossing a band changes the words it decides, and only those: the scenes and styles stay."""
    slow, fast = (_prompts(_untagged("song.mp3", tempo=tempo), "ab" * 32)[0] for tempo in (100.0, 110.0))
    assert all("unhurried sway" in p for p in slow) and all("alive with motion" in p for p in fast)
    assert [p.replace("in an unhurried sway", "alive with motion") for p in slow] == fast
