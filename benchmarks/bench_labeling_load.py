"""Load and fault benchmark of the labeling site under gunicorn, on 127.0.0.1 only.

0. First task's download: a study made from 1024-px painter pictures; the bytes of the first task's clip and
   grid (what make-study's web copies save, against the full PNGs sent before).
1. 50 participants at once register (one invite code with 100 uses; the sign-ups start together and their
   latency is the argon2 burst), agree, fill in the survey and answer every task; then the database must
   hold exactly the acknowledged submissions (none lost, none duplicated) and no request may answer 5xx.
2. Task-fetch throughput: logged-in participants hammer ``GET /api/task`` (keep-alive connections).
3. Faults: a second wave of participants submits while the whole server is killed with SIGKILL and started
   again; clients retry until answered. Every acknowledged submission must still be in the database.

With ``--postgres`` everything runs against a throwaway PostgreSQL cluster (:mod:`a2i.labeling.pgcluster`)
instead of SQLite. Bounded in time (each phase has a deadline) and in size; prints one summary line last.

    python benchmarks/bench_labeling_load.py [--participants 50] [--workers 4] [--fetch-requests 6000] [--postgres]
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

PASSWORD = "load test password"
HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class Server:
    """gunicorn in its own process group, so one SIGKILL takes the master and every worker down at once."""

    def __init__(self, env: dict[str, str], port: int, workers: int, threads: int, log: Path):
        self.env, self.port, self.workers, self.threads, self.log = env, port, workers, threads, log
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        cmd = [sys.executable, "-m", "gunicorn", "--bind", f"{HOST}:{self.port}", "--workers", str(self.workers),
               "--worker-class", "gthread", "--threads", str(self.threads), "--keep-alive", "5",
               "--log-level", "warning", "a2i.labeling:create_app()"]
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(cmd, env=self.env, start_new_session=True, stdout=log, stderr=log)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(f"http://{HOST}:{self.port}/login", timeout=5).status_code == 200:
                    return
            except requests.RequestException:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"gunicorn did not start within 60 s; see {self.log}")

    def kill9(self) -> None:
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)


class Stats:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.status: dict[int, int] = {}
        self.acknowledged: set[int] = set()
        self.acked_twice = 0
        self.conflicts = 0
        self.connection_errors = 0

    def count(self, status: int) -> None:
        with self.lock:
            self.status[status] = self.status.get(status, 0) + 1

    @property
    def server_errors(self) -> int:
        return sum(n for s, n in self.status.items() if s >= 500)


class Participant:
    """One simulated participant with a real HTTP session; retries through server outages."""

    def __init__(self, base: str, username: str, code: str, stats: Stats, start: threading.Barrier | None = None):
        self.base, self.username, self.code, self.stats, self.start = base, username, code, stats, start
        self.session = requests.Session()
        self.token = ""
        self.signup_seconds: float | None = None

    def request(self, method: str, path: str, deadline: float, **kw) -> requests.Response:
        while True:
            try:
                response = self.session.request(method, self.base + path, timeout=30, allow_redirects=False, **kw)
                self.stats.count(response.status_code)
                return response
            except requests.RequestException:  # refused or cut off by the killed server: try again
                with self.stats.lock:
                    self.stats.connection_errors += 1
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def page_token(self, path: str, deadline: float) -> str:
        html = self.request("GET", path, deadline).text
        return re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)

    def register(self, deadline: float) -> None:
        self.token = self.page_token("/register", deadline)
        if self.start is not None:
            self.start.wait(60)  # every sign-up is sent at the same moment: the argon2 burst
        t0 = time.perf_counter()
        r = self.request("POST", "/register", deadline, data={
            "csrf_token": self.token, "invite": self.code, "username": self.username,
            "password": PASSWORD, "confirm": PASSWORD})
        self.signup_seconds = time.perf_counter() - t0
        assert r.status_code == 302, (r.status_code, r.text[:300])
        self.token = self.page_token("/consent", deadline)
        r = self.request("POST", "/consent", deadline, data={"csrf_token": self.token, "agree": "yes"})
        assert r.status_code == 302, (r.status_code, r.text[:300])
        self.token = self.page_token("/survey", deadline)
        r = self.request("POST", "/survey", deadline, data={
            "csrf_token": self.token, "age": "30", "sex": "other", "country_of_birth": "DK",
            "country_of_residence": "DK", "music_listening": "daily", "preferred_language": "en"})
        assert r.status_code == 302, (r.status_code, r.text[:300])
        self.token = self.page_token("/tutorial", deadline)

    def answer_all(self, deadline: float) -> None:
        while time.monotonic() < deadline:
            r = self.request("GET", "/api/task", deadline)
            if r.status_code != 200:
                raise AssertionError(f"{self.username}: GET /api/task answered {r.status_code}")
            task = r.json()
            if task["done"]:
                return
            t = task["task"]
            body = {"assignment": t["assignment"], "selected": [im["id"] for im in t["images"][:2]],
                    "liked": "yes", "bad_audio": False, "duration_ms": 4000,
                    "interactions": [{"type": "play", "t": 5, "position": 0.0},
                                     {"type": "select", "t": 900, "image": t["images"][0]["id"]},
                                     {"type": "select", "t": 1500, "image": t["images"][1]["id"]}]}
            r = self.request("POST", "/api/submit", deadline, json=body, headers={"X-CSRFToken": self.token})
            with self.stats.lock:
                if r.status_code == 201:
                    if t["assignment"] in self.stats.acknowledged:
                        self.stats.acked_twice += 1
                    self.stats.acknowledged.add(t["assignment"])
                elif r.status_code == 409:  # stored before a crash, answer lost: the retry is refused, not doubled
                    self.stats.conflicts += 1
        raise TimeoutError(f"{self.username} did not finish before the deadline")


def run_wave(participants: list[Participant], deadline: float, *, register: bool = True,
             answer: bool = True) -> list[BaseException]:
    errors: list[BaseException] = []

    def work(p: Participant) -> None:
        try:
            if register:
                p.register(deadline)
            if answer:
                p.answer_all(deadline)
        except BaseException as exc:  # noqa: BLE001  (reported, not raised, so every thread is joined)
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(p,)) for p in participants]
    for t in threads:
        t.start()
    for t in threads:
        t.join(max(1.0, deadline - time.monotonic() + 5))
    return errors


def fetch_benchmark(port: int, cookies: list[str], total: int, concurrency: int,
                    processes: int = 2) -> tuple[int, int, list[float], float]:
    """``total`` GET /api/task over ``concurrency`` keep-alive connections spread over client processes (one
    Python process cannot keep 4 workers busy through its GIL); returns ok, bad, latencies, seconds."""
    import multiprocessing

    per_process = concurrency // processes
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        start = time.perf_counter()
        parts = pool.starmap(_fetch_threads, [(port, cookies[k::processes], total // processes, per_process)
                                             for k in range(processes)])
        seconds = time.perf_counter() - start
    return (sum(p[0] for p in parts), sum(p[1] for p in parts), [x for p in parts for x in p[2]], seconds)


def _fetch_threads(port: int, cookies: list[str], total: int, concurrency: int) -> tuple[int, int, list[float]]:
    latencies: list[float] = []
    counts = {"ok": 0, "bad": 0}
    lock = threading.Lock()
    per_thread = total // concurrency

    def work(k: int) -> None:
        conn = http.client.HTTPConnection(HOST, port, timeout=30)
        headers = {"Cookie": cookies[k % len(cookies)], "Accept": "application/json"}
        mine, ok, bad = [], 0, 0
        for _ in range(per_thread):
            t0 = time.perf_counter()
            conn.request("GET", "/api/task", headers=headers)
            response = conn.getresponse()
            body = response.read()
            mine.append(time.perf_counter() - t0)
            if response.status == 200 and body.startswith(b"{") and b'"task"' in body:
                ok += 1
            else:
                bad += 1
        conn.close()
        with lock:
            latencies.extend(mine)
            counts["ok"] += ok
            counts["bad"] += bad

    threads = [threading.Thread(target=work, args=(k,)) for k in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    return counts["ok"], counts["bad"], latencies


def stored_submissions(url: str) -> list[int]:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as con:
        rows = [row[0] for row in con.execute(text("SELECT assignment_id FROM submission"))]
    engine.dispose()
    return rows


def count_users(url: str, prefix: str) -> int:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as con:
        n = con.execute(text('SELECT count(*) FROM "user" WHERE username LIKE :p'), {"p": prefix + "%"}).scalar()
    engine.dispose()
    return int(n)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * (len(ordered) - 1) + 0.5))]


def first_task_download(tmp: Path) -> tuple[int, int]:
    """Bytes of the first task's clip and grid with make-study's web copies, and of the 12 full PNGs they
    replace, for a study of 1024-px painter pictures."""
    from a2i.labeling.demo import fake_generate_output
    from a2i.labeling.make_study import make_study
    from a2i.labeling.manifest import load_study
    from a2i.mood import Profile
    from a2i.outputs import read_run
    from a2i.render import get_backend

    painter = get_backend("painter")
    folders = []
    for i in range(3):
        folder = fake_generate_output(tmp / "painted" / f"song{i}", i, n_images=4, seconds=12.0)
        for k, picture in enumerate(read_run(folder).pictures):
            image = painter.render(profile=Profile(valence=0.2 + 0.3 * i, energy=0.3 + 0.15 * k),
                                   prompt="a painting of the music", size=1024, seed=10 * i + k)
            image.save(folder / picture.image)
        folders.append(folder)
    study = load_study(make_study(folders, tmp / "painted-study", tutorial=0, contact="bench@example.org").parent)
    item = study.items[0]
    sent = (study.root / item.audio).stat().st_size + sum((study.root / im.web).stat().st_size for im in item.images)
    originals = sum((study.root / im.path).stat().st_size for im in item.images)
    return sent, originals


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--participants", type=int, default=50)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=4, help="gthread threads per worker (default: 4)")
    parser.add_argument("--fetch-requests", type=int, default=6000)
    parser.add_argument("--fetch-concurrency", type=int, default=8)
    parser.add_argument("--fault-participants", type=int, default=20)
    parser.add_argument("--fetchers", type=int, default=8, help="participants whose sessions fetch tasks")
    parser.add_argument("--postgres", action="store_true", help="run against a throwaway PostgreSQL cluster")
    parser.add_argument("--no-first-task", action="store_true", help="skip phase 0 (painting 12 pictures)")
    parser.add_argument("--songs", type=int, default=20, help="songs in the study: 1 tutorial + the items (default: 20)")
    parser.add_argument("--kill-after", type=int, default=30,
                        help="acknowledged submissions of the fault wave before the SIGKILL (default: 30)")
    args = parser.parse_args()

    from a2i.labeling.demo import demo_study

    tmp = Path(tempfile.mkdtemp(prefix="a2i-label-load-"))
    sent = originals = 0
    if not args.no_first_task:
        sent, originals = first_task_download(tmp)
        print(f"[first task] clip + 12 pictures: {sent / 1e6:.2f} MB sent (web copies), "
              f"{originals / 1e6:.2f} MB as full 1024-px PNGs")
    # 20 songs: 1 tutorial + 19 items, 10 tasks each: 11 submissions per participant.
    study = demo_study(tmp, songs=args.songs, tutorial=1, per_item=1000, tasks=min(10, args.songs - 1), n_images=4)
    env = dict(os.environ, A2I_INSTANCE_PATH=str(tmp / "instance"), A2I_STUDY_DIR=str(study),
               SECRET_KEY=secrets.token_hex(32), A2I_SESSION_COOKIE_SECURE="false", HF_HUB_OFFLINE="1")
    cluster = None
    if args.postgres:
        from a2i.labeling.pgcluster import ThrowawayPostgres

        cluster = ThrowawayPostgres()
        env["DATABASE_URL"] = cluster.start()
    url = env.get("DATABASE_URL") or f"sqlite:///{tmp / 'instance' / 'labeling.sqlite3'}"
    a2i = [sys.executable, "-m", "a2i", "label"]
    subprocess.run([*a2i, "init-db"], env=env, check=True, capture_output=True)
    codes = subprocess.run([*a2i, "invite", "--uses",
                            str(args.participants + args.fault_participants + args.fetchers)],
                           env=env, check=True, capture_output=True, text=True).stdout.split()
    code = codes[0]
    port = free_port()
    base = f"http://{HOST}:{port}"
    server = Server(env, port, args.workers, args.threads, tmp / "gunicorn.log")
    try:
        server.start()
        # 1. concurrent registrations and the whole study
        stats = Stats()
        barrier = threading.Barrier(args.participants)
        wave = [Participant(base, f"load{k}", code, stats, barrier) for k in range(args.participants)]
        t0 = time.perf_counter()
        errors = run_wave(wave, time.monotonic() + 240)
        wave_seconds = time.perf_counter() - t0
        stored = stored_submissions(url)
        lost = len(stats.acknowledged - set(stored))
        duplicated = len(stored) - len(set(stored))
        users = count_users(url, "load")
        requests_made = sum(stats.status.values())
        signups = [p.signup_seconds for p in wave if p.signup_seconds is not None]
        signup_p50, signup_p99 = percentile(signups, 0.5), percentile(signups, 0.99)
        print(f"[sign-up] {len(signups)} simultaneous sign-ups: p50 {signup_p50:.2f} s, p99 {signup_p99:.2f} s, "
              f"max {max(signups):.2f} s (argon2id m=19 MiB t=2 p=1, {args.workers} workers)")
        print(f"[wave] {args.participants} participants, {users} registered, {len(stats.acknowledged)} submissions "
              f"acknowledged, {len(stored)} stored, lost {lost}, duplicated {duplicated}, 5xx {stats.server_errors}, "
              f"client errors {len(errors)}; {requests_made} requests in {wave_seconds:.1f} s "
              f"({requests_made / wave_seconds:.0f} req/s incl. argon2 sign-ups)")
        for exc in errors[:3]:
            print(f"  error: {exc!r}")

        # 2. task-fetch throughput with participants in the middle of the study
        fetchers = [Participant(base, f"fetch{k}", code, Stats()) for k in range(args.fetchers)]
        for p in fetchers:
            p.register(time.monotonic() + 60)
        cookies = ["; ".join(f"{c.name}={c.value}" for c in p.session.cookies) for p in fetchers]
        fetch_benchmark(port, cookies, min(400, args.fetch_requests), args.fetch_concurrency)  # warm-up
        ok, bad, latencies, seconds = fetch_benchmark(port, cookies, args.fetch_requests, args.fetch_concurrency)
        latencies.sort()
        p50 = statistics.median(latencies) * 1000
        p99 = latencies[int(0.99 * (len(latencies) - 1))] * 1000
        rate = ok / seconds
        print(f"[fetch] GET /api/task: {ok} valid, {bad} other in {seconds:.2f} s = {rate:.0f} valid responses/s, "
              f"p50 {p50:.1f} ms, p99 {p99:.1f} ms ({args.fetch_concurrency} keep-alive clients in 2 processes, "
              f"{args.workers} workers x {args.threads} threads)")

        # 3. kill -9 the server while a second wave submits, restart it, and check every acknowledged answer
        fault_stats = Stats()
        fault_wave = [Participant(base, f"fault{k}", code, fault_stats) for k in range(args.fault_participants)]
        fault_errors = run_wave(fault_wave, time.monotonic() + 120, answer=False)  # sign up first
        result: list[list[BaseException]] = []
        runner = threading.Thread(target=lambda: result.append(
            run_wave(fault_wave, time.monotonic() + 120, register=False)))
        runner.start()
        deadline = time.monotonic() + 60
        while len(fault_stats.acknowledged) < args.kill_after and time.monotonic() < deadline:
            time.sleep(0.02)
        acked_before_kill = len(fault_stats.acknowledged)
        server.kill9()
        time.sleep(1.0)
        server.start()
        runner.join(300)
        fault_errors += result[0] if result else [RuntimeError("fault wave did not finish")]
        stored = stored_submissions(url)
        fault_lost = len(fault_stats.acknowledged - set(stored))
        fault_duplicated = len(stored) - len(set(stored))
        print(f"[fault] SIGKILL after {acked_before_kill} acknowledged submissions, restarted; "
              f"{len(fault_stats.acknowledged)} acknowledged in all, lost {fault_lost}, duplicated {fault_duplicated}, "
              f"5xx {fault_stats.server_errors}, refused connections retried {fault_stats.connection_errors}, "
              f"409 after retry {fault_stats.conflicts}, client errors {len(fault_errors)}")
        for exc in fault_errors[:3]:
            print(f"  error: {exc!r}")
    finally:
        server.stop()
        if cluster is not None:
            cluster.stop()

    total_lost = lost + fault_lost
    total_5xx = stats.server_errors + fault_stats.server_errors
    ok_all = (total_lost == 0 and duplicated == 0 and fault_duplicated == 0 and total_5xx == 0 and not errors
              and not fault_errors and users == args.participants)
    if ok_all:
        shutil.rmtree(tmp, ignore_errors=True)
    else:
        print(f"kept {tmp} (database and gunicorn.log) for a look")
    print(f"bench_labeling_load: {'PASS' if ok_all else 'FAIL'} on {'PostgreSQL' if args.postgres else 'SQLite'}: "
          f"{args.participants} concurrent participants ({len(stats.acknowledged)} submissions): lost {total_lost}, "
          f"duplicated {duplicated + fault_duplicated}, 5xx {total_5xx}; sign-up p50 {signup_p50:.2f} s, "
          f"p99 {signup_p99:.2f} s; kill -9 mid-load: {len(fault_stats.acknowledged)} acknowledged, {fault_lost} lost; "
          f"task fetch {rate:.0f} valid/s, p50 {p50:.1f} ms, p99 {p99:.1f} ms with {args.workers} gunicorn workers"
          + (f"; first task {sent / 1e6:.2f} MB (was {originals / 1e6:.1f} MB)" if sent else ""))
    return 0 if ok_all else 1


if __name__ == "__main__":
    sys.exit(main())
