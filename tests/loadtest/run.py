"""Load test: ``make loadtest`` (``make loadtest LOADTEST_ARGS="--cache both"``).

Not a test (pytest does not collect it). Serves the app with ``make serve`` (gunicorn,
DEBUG off, workers from the CPU count) on the benchmark's PostgreSQL register
(``tracker_bench``, 100,000 documents, seeded by ``make bench``; only read here:
``MIGRATE=0``), then runs the locust scenario ``tests/loadtest/locustfile.py``
headless: 50 users for 60 seconds, a mix of the list, filtered lists, searches,
document, event, body and country pages, the follow-up dashboard and ``/healthz``.

It prints, and writes to ``.bench/loadtest/``: the error count (must be 0), requests
per second, each page's median and 95th percentile with their ratio to ``/healthz`` in
the same run, the page cache's hit rate, the workers' CPU time per request and their
peak memory (RSS, sampled from /proc every half second). Exits non-zero on any error.

    .venv/bin/python tests/loadtest/run.py                 # page cache on
    .venv/bin/python tests/loadtest/run.py --cache both    # on, then off
    .venv/bin/python tests/loadtest/run.py --wait 0        # no pause: saturation
"""

import argparse
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUT_DIR = ROOT / ".bench" / "loadtest"
VENV_BIN = Path(sys.executable).parent
DEFAULT_DB = os.environ.get(
    "BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/tracker_bench"
)
SAMPLE_DOCUMENTS = 2000
SAMPLE_EVENTS = 500
CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
STOP_WORDS = {"about", "between", "republic", "government", "their", "other"}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_DB)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--spawn-rate", type=float, default=10)
    parser.add_argument("--duration", type=int, default=60, help="seconds")
    parser.add_argument(
        "--wait",
        default="0.5-2",
        help='seconds between a user\'s requests, "low-high", or "0" for none',
    )
    parser.add_argument("--cache", choices=("on", "off", "both"), default="on")
    parser.add_argument("--workers", default="", help="default: make serve's")
    parser.add_argument("--seed", type=int, default=1)
    # Internal: run in a subprocess whose environment points at the database.
    parser.add_argument("--pick", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.pick:
        pick_targets(Path(args.pick), args.seed)
        return

    OUT_DIR.mkdir(parents=True, exist_ok=True)
    targets = OUT_DIR / "targets.json"
    env = {**os.environ, "DATABASE_URL": args.database_url}
    picked = subprocess.run(
        [sys.executable, __file__, "--pick", str(targets), "--seed", str(args.seed)],
        cwd=ROOT,
        env=env,
    )
    if picked.returncode:
        sys.exit("could not read the register: is it seeded? (make bench)")

    failed = False
    for cache in ("on", "off") if args.cache == "both" else (args.cache,):
        summary = run_once(args, cache, targets)
        failed |= summary["errors"] > 0
    sys.exit(1 if failed else 0)


# --- Real records to ask for ---------------------------------------------------------


def pick_targets(path, seed):
    """Write published slugs, codes and words of the register to ``path`` (JSON)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from agreements.models import Document, Event, Party, Topic

    rng = random.Random(seed)
    slugs = list(
        Document.objects.filter(is_published=True)
        .order_by("pk")
        .values_list("slug", flat=True)
    )
    if not slugs:
        sys.exit("the register has no published document")
    documents = rng.sample(slugs, min(SAMPLE_DOCUMENTS, len(slugs)))
    events = list(
        Event.objects.published().order_by("pk").values_list("slug", flat=True)
    )
    events = rng.sample(events, min(SAMPLE_EVENTS, len(events)))
    parties = Party.objects.filter(document__slug__in=documents[:500])
    bodies = list(dict.fromkeys(parties.values_list("body__slug", flat=True)))
    countries = Counter(
        code.lower() for code in parties.values_list("body__country__code", flat=True)
    )
    words = Counter(
        word
        for title in Document.objects.filter(slug__in=documents).values_list(
            "title", flat=True
        )
        for word in title.lower().split()
        if len(word) >= 5 and word.isalpha() and word not in STOP_WORDS
    )
    data = {
        "documents": documents,
        "events": events,
        "bodies": bodies,
        "countries": [code for code, _count in countries.most_common(60)],
        "words": [word for word, _count in words.most_common(40)],
        "topics": list(Topic.objects.order_by("slug").values_list("slug", flat=True)),
        "pages": -(-len(slugs) // 25),  # the list shows 25 a page
        "kinds": list(Document.Kind.values),
        "statuses": list(Document.LegalStatus.values),
    }
    path.write_text(json.dumps(data))
    print(
        f"Picked {len(documents)} documents, {len(events)} events, {len(bodies)} "
        f"bodies, {len(data['countries'])} countries, {len(data['words'])} words "
        f"(of {len(slugs):,} published documents)"
    )


# --- One run -------------------------------------------------------------------------


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(url, server, timeout=180):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"make serve stopped (exit {server.returncode}): see its log")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    sys.exit(f"{url} did not answer within {timeout} s")


def warm_up(base, targets):
    """A few requests of each kind, spread over the workers by new connections, so
    the timed run meets warm workers (imports done, templates compiled)."""
    data = json.loads(targets.read_text())
    paths = ["/healthz", "/", "/agreements/", "/follow-up/", "/bodies/", "/events/"]
    paths += [f"/agreements/{slug}/" for slug in data["documents"][:3]]
    paths += [f"/events/{slug}/" for slug in data["events"][:2]]
    paths += [f"/countries/{code}/" for code in data["countries"][:2]]
    paths += [f"/agreements/?q={word}" for word in data["words"][:2]]
    for _round in range(3):
        for path in paths:
            try:
                with urllib.request.urlopen(base + path, timeout=60) as response:
                    response.read()
            except urllib.error.HTTPError as error:  # the timed run counts errors
                print(f"warm-up: {path} answered {error.code}")


def _stat(pid):
    """(ppid, utime+stime, cutime+cstime, rss bytes) of a process, from /proc."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    # fields[0] is the state (field 3 of proc(5)); offsets below are field - 3
    cpu = (int(fields[11]) + int(fields[12])) / CLK_TCK
    children = (int(fields[13]) + int(fields[14])) / CLK_TCK
    return int(fields[1]), cpu, children, int(fields[21]) * PAGE_SIZE


class Sampler(threading.Thread):
    """Samples the gunicorn workers' memory and CPU time twice a second."""

    def __init__(self, session):
        super().__init__(daemon=True)
        self.session = session  # the process group make serve runs in
        self.stop = threading.Event()
        self.peak_worker = 0  # the largest RSS of any one worker
        self.peak_total = 0  # the largest sum of the workers' RSS
        self.worker_cpu = {}  # pid -> last seen CPU seconds
        self.master_children_cpu = 0.0  # CPU of workers that ended (recycled)
        self.workers_seen = set()

    def gunicorn(self):
        found = {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                if os.getpgid(int(entry)) != self.session:
                    continue
                with open(f"/proc/{entry}/cmdline", "rb") as cmdline:
                    if b"gunicorn" not in cmdline.read():
                        continue
                found[int(entry)] = _stat(int(entry))
            except (OSError, ProcessLookupError, IndexError, ValueError):
                continue
        return found

    def sample(self):
        found = self.gunicorn()
        masters = [pid for pid, info in found.items() if info[0] not in found]
        workers = {pid: info for pid, info in found.items() if info[0] in found}
        total = 0
        for pid, (_ppid, cpu, _children, rss) in workers.items():
            self.workers_seen.add(pid)
            self.worker_cpu[pid] = cpu
            self.peak_worker = max(self.peak_worker, rss)
            total += rss
        self.peak_total = max(self.peak_total, total)
        for pid in masters:
            self.master_children_cpu = found[pid][2]

    def cpu_seconds(self):
        """CPU time of every worker of the run, including recycled ones."""
        return sum(self.worker_cpu.values()) + self.master_children_cpu

    def run(self):
        while not self.stop.wait(0.5):
            self.sample()


def run_once(args, cache, targets):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = OUT_DIR / f"serve-cache-{cache}.log"
    env = {
        **os.environ,
        "DATABASE_URL": args.database_url,
        "DJANGO_SECRET_KEY": "loadtest-" + "x" * 50,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_PAGE_CACHE_SECONDS": "600" if cache == "on" else "0",
        "DJANGO_LOG_LEVEL": "ERROR",
        # plain HTTP on the loopback: no redirect to HTTPS, no HSTS
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_SECURE_HSTS_SECONDS": "0",
        # one client asks for each page many times: timing, not rate limits
        "DJANGO_RATE_LIMIT_CALENDAR": "off",
        "DJANGO_RATE_LIMIT_SEARCH": "off",
    }
    env.pop("REDIS_URL", None)  # each worker's own memory cache, as by default
    command = ["make", "--no-print-directory", "serve", "MIGRATE=0"]
    command += ["HOST=127.0.0.1", f"PORT={port}", f"WORKERS={args.workers}"]
    print(f"\n=== page cache {cache}: {' '.join(command)} (log: {log})")
    with open(log, "w") as log_file:
        server = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_until_up(f"{base}/healthz", server)
        warm_up(base, targets)
        sampler = Sampler(os.getpgid(server.pid))
        sampler.sample()
        workers = len(sampler.worker_cpu)
        cpu_before = sampler.cpu_seconds()
        sampler.start()
        results = OUT_DIR / f"times-cache-{cache}.json"
        started = time.monotonic()
        locust = subprocess.run(
            [
                str(VENV_BIN / "locust"),
                "-f",
                str(ROOT / "tests" / "loadtest" / "locustfile.py"),
                "--headless",
                "--users",
                str(args.users),
                "--spawn-rate",
                str(args.spawn_rate),
                "--run-time",
                f"{args.duration}s",
                "--host",
                base,
                "--only-summary",
                "--csv",
                str(OUT_DIR / f"locust-cache-{cache}"),
                "--loglevel",
                "WARNING",
            ],
            cwd=ROOT,
            env={
                **os.environ,
                "LOADTEST_TARGETS": str(targets),
                "LOADTEST_RESULTS": str(results),
                "LOADTEST_WAIT": args.wait,
            },
            stdout=subprocess.DEVNULL,
        )
        elapsed = time.monotonic() - started
        sampler.stop.set()
        sampler.join()
        sampler.sample()
        cpu = sampler.cpu_seconds() - cpu_before
    finally:
        stop(server)
    data = json.loads(results.read_text())
    summary = report(args, cache, data, elapsed, sampler, workers, cpu, locust)
    return summary


def stop(server):
    """Stop make serve's gunicorn (the process group this script started)."""
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def report(args, cache, data, elapsed, sampler, workers, cpu, locust):
    times = data["times"]
    total = sum(len(values) for values in times.values())
    errors = sum(data["failures"].values())
    health = times.get("/healthz")
    base_median = statistics.median(health)
    base_p95 = percentile(health, 0.95)
    hits = misses = 0
    lines = [
        f"Page cache {cache}, {args.users} users, {args.duration} s, "
        f"pause {args.wait} s, {workers} gunicorn workers, PostgreSQL "
        f"({args.database_url.rsplit('/', 1)[-1]})",
        "",
        f"Requests: {total:,} in {elapsed:.0f} s = {total / elapsed:.1f} per second; "
        f"errors: {errors}",
        f"Workers' CPU time: {cpu:.1f} s, "
        f"{1000 * cpu / max(total, 1):.1f} ms a request",
        f"Peak RSS: {sampler.peak_worker / 2**20:.0f} MB the largest worker, "
        f"{sampler.peak_total / 2**20:.0f} MB all workers together",
        "",
        "| page | requests | errors | median ms | p95 ms | median / healthz "
        "| p95 / healthz | cache hits |",
        "|---|--:|--:|--:|--:|--:|--:|--:|",
    ]
    order = sorted(times, key=lambda name: (name != "/healthz", name))
    for name in order:
        values = times[name]
        outcome = data["cache"].get(name, {})
        hit, miss = outcome.get("hit", 0), outcome.get("miss", 0)
        hits, misses = hits + hit, misses + miss
        rate = f"{100 * hit / (hit + miss):.0f}%" if hit + miss else "–"
        median, p95 = statistics.median(values), percentile(values, 0.95)
        lines.append(
            f"| {name} | {len(values):,} | {data['failures'].get(name, 0)} "
            f"| {median:.1f} | {p95:.1f} "
            f"| {median / base_median:.1f} | {p95 / base_p95:.1f} | {rate} |"
        )
    if hits + misses:
        lines.insert(5, f"Page cache hits: {100 * hits / (hits + misses):.0f}%")
    if locust.returncode and not errors:
        lines.append(f"\nlocust exited with {locust.returncode}")
    text = "\n".join(lines)
    print(text)
    (OUT_DIR / f"results-cache-{cache}.md").write_text(text + "\n")
    return {"errors": errors or (1 if locust.returncode else 0)}


if __name__ == "__main__":
    main()
