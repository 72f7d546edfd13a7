"""Benchmark the public pages on a large demo register: ``make bench``.

Not a test (pytest does not collect it): it seeds a register with ``seed_demo`` once
per database and keeps it (SQLite in ``.bench/bench.sqlite3``, PostgreSQL in the
database ``tracker_bench``), serves the app with gunicorn as in production (DEBUG
off), and times each page over keep-alive HTTP, the pages taken in turn so that noise
hits them all alike. For each page it also counts the SQL queries (the test client,
in a subprocess on the same database), and on PostgreSQL it explains the list's query.
Results are printed and written to ``.bench/results-<db>.md``.

Two passes, each with its own server: **uncached** (``DJANGO_PAGE_CACHE_SECONDS=0``:
every request renders its page; aggregates such as counts stay cached until the
register changes) and **warm** (the page cache on, as in production; each page asked
for a few times first, so each worker holds it). Each pass has its own ``/healthz``
and each page's median is given as a ratio to it. The targets: uncached within 25x
(deep pages too; the document with 50 actions 50x), warm within 1.2x.

The register gets one more document beside the demo rows, ``bench-fifty-actions``
(50 actions, 100 updates): the follow-up issue measures a document page with 50
actions, more than ``seed_demo`` gives any document.

Staff pages (``STAFF_PAGES``: the admin's data-quality queue) are asked for signed in
as the bench's staff user (an Editor, made by the probe), so never from the page
cache. They are timed once, in the first pass, after its public pages (and after its
memory is read): **cold**, the register generation moved before each request so that
the queue's cached counts are computed again (``--cold-requests`` of them), and
**warm**, the counts cached. Target: within 25x ``/healthz``.

The first pass also downloads the CSV and XLSX exports of every published document
once each (``EXPORTS``): rows a second, the CSV's first byte against ``/healthz``,
and how much the serving worker's memory grew (its peak during the download over
its size before). The feeds are timed with the pages.

    .venv/bin/python tests/bench.py                       # 100,000 documents, both
    .venv/bin/python tests/bench.py --documents 2000 --db sqlite   # a quick run
    .venv/bin/python tests/bench.py --staff-only --passes uncached  # the queue only

A page that fails is reported with its status; the benchmark goes on.
"""

import argparse
import http.client
import json
import math
import os
import shlex
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: Where the SQLite register, the seed markers and the results live.
BENCH_DIR = Path(os.environ.get("BENCH_DIR", ROOT / ".bench"))
SQLITE_PATH = BENCH_DIR / "bench.sqlite3"
POSTGRES_URL = os.environ.get(
    "BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/tracker_bench"
)
SEED = 1
WARMUP_ROUNDS = 3
#: The warm pass asks for each page this many times before timing it: enough for
#: both workers to hold it (gunicorn's sync workers take each request afresh).
WARM_ROUNDS = 6
#: The document of the "50 actions" page, added by ``prepare`` when missing.
FIFTY_SLUG = "bench-fifty-actions"
FIFTY_ACTIONS = 50
SEARCH_WORD = "energy"
DEEP_PAGE = 3000
#: The staff pages: (label, path, cold). Cold: the register changed just before.
STAFF_PAGES = (
    ("data quality, staff, cold", "/admin/agreements/data-quality/", True),
    ("data quality, staff, warm", "/admin/agreements/data-quality/", False),
    # {event}: the event with the most documents (the probe says which)
    (
        "package entry, 20 rows",
        "/admin/agreements/event/{event}/package/?rows=20",
        False,
    ),
    ("spreadsheet import form", "/admin/agreements/document/import/", False),
    # {checked_import}: the bench's 1,000-row file as checked (the probe checks it
    # once): its result page lists 50 rows, the refused ones first (issue 15)
    (
        "spreadsheet import: the check of 1,000 rows",
        "/admin/agreements/document/import/{checked_import}/",
        False,
    ),
    # The admin pass (issue 19): every changelist plain, searched and with two
    # filters; a document's change form; the one with 50 actions; a deep page.
    # First the floor of any admin page: the home page (the site's chrome and the
    # models' list) and the documents' changelist with no row: its filters, search
    # box and actions, but no row to render. The search finds nothing through the
    # index on PostgreSQL (under 2 ms) and through the trigram index on SQLite
    # (agreements.trigrams).
    ("admin: home", "/admin/", False),
    (
        "admin: documents, a search that finds nothing",
        "/admin/agreements/document/?q=zqxjv",
        False,
    ),
    ("admin: documents", "/admin/agreements/document/", False),
    ("admin: documents, search", "/admin/agreements/document/?q={word}", False),
    (
        "admin: documents, search a signatory",
        "/admin/agreements/document/?q={signatory}",
        False,
    ),
    (
        "admin: documents, two filters",
        "/admin/agreements/document/?kind__exact=memorandum&party_country=KZ",
        False,
    ),
    ("admin: documents, page 2,000", "/admin/agreements/document/?p=2000", False),
    ("admin: a document", "/admin/agreements/document/{document}/change/", False),
    (
        "admin: the document with 50 actions",
        "/admin/agreements/document/{fifty}/change/",
        False,
    ),
    ("admin: events", "/admin/agreements/event/", False),
    ("admin: events, search", "/admin/agreements/event/?q={place}", False),
    (
        "admin: events, two filters",
        "/admin/agreements/event/?kind__exact=state_visit&is_published__exact=1",
        False,
    ),
    ("admin: bodies", "/admin/agreements/body/", False),
    ("admin: bodies, search", "/admin/agreements/body/?q=ministry", False),
    (
        "admin: bodies, two filters",
        "/admin/agreements/body/?country=KZ&kind__exact=ministry",
        False,
    ),
    ("admin: sources", "/admin/agreements/source/", False),
    ("admin: sources, search", "/admin/agreements/source/?q={publisher}", False),
    (
        "admin: sources, two filters",
        "/admin/agreements/source/?year={year}&publisher={publisher}",
        False,
    ),
    ("admin: actions", "/admin/agreements/action/", False),
    ("admin: actions, search", "/admin/agreements/action/?q={word}", False),
    # a word found nowhere: the search reads every action (a common word lets the
    # list stop at its 50th match)
    (
        "admin: actions, a search that finds nothing",
        "/admin/agreements/action/?q=zqxjv",
        False,
    ),
    (
        "admin: actions, two filters",
        "/admin/agreements/action/?deadline=overdue&status__exact=planned",
        False,
    ),
    ("admin: progress updates", "/admin/agreements/progressupdate/", False),
    (
        "admin: progress updates, search",
        "/admin/agreements/progressupdate/?q={word}",
        False,
    ),
    (
        "admin: progress updates, a search that finds nothing",
        "/admin/agreements/progressupdate/?q=zqxjv",
        False,
    ),
    (
        "admin: progress updates, two filters",
        "/admin/agreements/progressupdate/?about=action&confidence__exact=reported",
        False,
    ),
    ("admin: topics", "/admin/agreements/topic/", False),
)


def staff_pages(info):
    """``STAFF_PAGES`` with this register's ids in their paths."""
    params = info.get("staff_params", {})
    return [(label, path.format(**params), cold) for label, path, cold in STAFF_PAGES]


#: The bench's staff user, made by the probe when missing.
STAFF_USERNAME = "bench-staff"
SERVER_ENV = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "bench",
    "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
    "DJANGO_SETTINGS_MODULE": "tracker.settings",
    "PYTHONUNBUFFERED": "1",
    # plain HTTP on the loopback: no redirect to HTTPS, no HSTS
    "DJANGO_SECURE_SSL_REDIRECT": "0",
    "DJANGO_SECURE_HSTS_SECONDS": "0",
    # one client asks for each page many times: timing, not rate limits
    "DJANGO_RATE_LIMIT_CALENDAR": "off",
    "DJANGO_RATE_LIMIT_SEARCH": "off",
    "DJANGO_RATE_LIMIT_EXPORT": "off",
    "DJANGO_RATE_LIMIT_API": "off",
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--documents",
        type=int,
        default=100_000,
        help="size of the demo register (default 100000)",
    )
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument(
        "--requests",
        type=int,
        default=50,
        help="timed requests per page (default 50), after warm-ups",
    )
    parser.add_argument(
        "--passes",
        choices=("uncached", "warm", "both"),
        default="both",
        help="time pages rendered afresh, from the page cache, or both (default)",
    )
    parser.add_argument(
        "--staff-only",
        action="store_true",
        help="time only the staff pages (and /healthz, for the ratios)",
    )
    parser.add_argument(
        "--cold-requests",
        type=int,
        default=10,
        help="timed cold requests per staff page (default 10)",
    )
    parser.add_argument(
        "--reseed",
        action="store_true",
        help="seed again even if the cached register has the same size",
    )
    parser.add_argument(
        "--timeout",
        type=int,
        default=60,
        help="seconds a page may take; slower pages are reported, not timed",
    )
    args = parser.parse_args()

    BENCH_DIR.mkdir(exist_ok=True)
    (BENCH_DIR / "probe.log").write_text("")
    databases = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    static_debug = collect_static()
    for name in databases:
        url = database_url(name)
        if url is None:
            continue
        print(f"\n=== {name}: {args.documents:,} documents")
        prepare(name, url, args.documents, reseed=args.reseed)
        run_benchmark(name, url, args, static_debug)


# --- Databases ------------------------------------------------------------------------


def database_url(name):
    if name == "sqlite":
        return f"sqlite:///{SQLITE_PATH}"
    try:
        import psycopg

        server = POSTGRES_URL.rsplit("/", 1)[0] + "/postgres"
        dbname = POSTGRES_URL.rsplit("/", 1)[1]
        if dbname == "tracker":
            sys.exit("Refusing to benchmark the database 'tracker': set another name.")
        with psycopg.connect(server, autocommit=True, connect_timeout=5) as conn:
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (dbname,)
            ).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{dbname}"')
    except Exception as error:  # any failure means "not here"
        print(f"\n=== postgres: skipped, PostgreSQL is not reachable ({error})")
        return None
    return POSTGRES_URL


def django_env(url, **extra):
    return {**os.environ, **SERVER_ENV, "DATABASE_URL": url, **extra}


def manage(url, *args, check=True, **env):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=django_env(url, **env),
        check=check,
    )


def marker_path(name):
    return BENCH_DIR / f"seeded-{name}.json"


def prepare(name, url, documents, *, reseed):
    """Migrate, and seed unless the database already holds this register."""
    manage(url, "migrate", "--noinput", "-v", "0")
    marker = marker_path(name)
    seeded = json.loads(marker.read_text()) if marker.exists() else {}
    held = probe_subprocess(url, "count", documents)["demo_documents"]
    if (
        not reseed
        and seeded.get("documents") == documents
        and seeded.get("seed") == SEED
        and held == documents
    ):
        print(
            f"Re-using the seeded register ({held:,} demo documents, seeded in "
            f"{seeded.get('seconds', 0):.0f} s)"
        )
        probe_subprocess(url, "fifty", documents)
        return
    marker.unlink(missing_ok=True)
    print(f"Seeding {documents:,} documents (seed {SEED})...")
    started = time.perf_counter()
    seed = subprocess.Popen(
        [sys.executable, "manage.py", "seed_demo", "--documents", str(documents)]
        + ["--seed", str(SEED), "--replace"],
        cwd=ROOT,
        env=django_env(url),
    )
    # wait4, not wait: the seed's own peak memory and CPU time.
    _pid, status, usage = os.wait4(seed.pid, 0)
    seed.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - started
    if seed.returncode:
        sys.exit(f"seed_demo failed on {url}")
    peak_mb = usage.ru_maxrss / 1024
    cpu = usage.ru_utime + usage.ru_stime
    if name == "postgres":
        # The refreshed search copies leave dead rows; measure a settled table.
        import psycopg

        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("VACUUM (ANALYZE)")
    marker.write_text(
        json.dumps(
            {
                "documents": documents,
                "seed": SEED,
                "seconds": round(seconds, 1),
                "cpu_seconds": round(cpu, 1),
                "peak_rss_mb": round(peak_mb),
            }
        )
    )
    print(
        f"Seeded in {seconds:.1f} s wall time including start-up ({cpu:.1f} s CPU in "
        f"the seeding process), peak RSS {peak_mb:.0f} MB"
    )
    probe_subprocess(url, "fifty", documents)


def collect_static():
    """Collect static files for DEBUG off; returns True if DEBUG must stay on."""
    result = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=django_env(f"sqlite:///{SQLITE_PATH}"),
        capture_output=True,
        text=True,
    )
    if result.returncode:
        print(
            "collectstatic failed, so pages are served with DEBUG on:\n"
            + result.stderr.strip()[-2000:]
        )
        return True
    return False


# --- Probing pages in-process: which pages, and how many queries ---------------------


def probe_subprocess(url, what, documents, *, path=None, timeout=None, staff=False):
    """Run ``probe`` on the database at ``url``; what it printed, as one dict.

    A probe stopped at ``timeout`` (a page that takes minutes) gives what it printed
    so far and ``timed_out``.
    """
    log = BENCH_DIR / "probe.log"
    script = Path(__file__).with_name("bench_probe.py")
    command = [sys.executable, str(script), what, "--documents", str(documents)]
    if path:
        command += ["--path", path]
    if staff:
        command.append("--staff")
    env = django_env(
        url,
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        DJANGO_LOG_LEVEL="CRITICAL",
        # the queries a page itself issues, not a hit in a shared (Redis) cache
        DJANGO_PAGE_CACHE_SECONDS="0",
    )
    timed_out = False
    with log.open("a") as stderr:
        try:
            result = subprocess.run(
                command,
                cwd=ROOT,
                env=env,
                stdout=subprocess.PIPE,
                stderr=stderr,
                timeout=timeout,
            )
            output, failed = result.stdout, result.returncode
        except subprocess.TimeoutExpired as expired:
            output, failed, timed_out = expired.stdout or b"", 0, True
    if failed and what == "page":
        return {"timed_out": False, "status": f"probe failed, see {log.name}"}
    if failed:
        sys.exit(f"The probe failed on {url}; see {log}")
    info = {"timed_out": timed_out}
    for line in output.decode().splitlines():
        if line.startswith("{"):
            info.update(json.loads(line))
    return info


# --- Serving and timing --------------------------------------------------------------


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(name, url, timeout, static_debug, *, env=None):
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "tracker.wsgi",
        "-b",
        f"127.0.0.1:{port}",
        "-w",
        "2",
        # Longer than the client waits, so a slow page is not cut off mid-way.
        "--timeout",
        str(timeout + 30),
    ]
    overrides = env or {}
    env = django_env(url)
    for key, value in overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    if static_debug:
        env["DJANGO_DEBUG"] = "1"
    log = (BENCH_DIR / f"gunicorn-{name}.log").open("w")
    shown = " ".join(f"{key}={value}" for key, value in overrides.items() if value)
    print(f"Serving: DATABASE_URL={url} {shown} {shlex.join(command[1:])}")
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"gunicorn stopped; see {log.name}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                conn.close()
                return server, port
        except OSError:
            time.sleep(0.2)
    server.terminate()
    sys.exit(f"gunicorn did not answer /healthz within a minute; see {log.name}")


def stop_server(server):
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def worker_pids(master_pid):
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid ...; comm may hold spaces, so split after ")"
        if int(stat.rsplit(")", 1)[1].split()[1]) == master_pid:
            pids.append(int(entry.name))
    return sorted(pids)


def peak_rss_mb(pid):
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


class Browser:
    """One keep-alive connection, as a browser would hold."""

    def __init__(self, port, timeout):
        self.port = port
        self.timeout = timeout
        self.conn = None

    def get(self, path, headers=None):
        """Returns (milliseconds, status, bytes); status is text for a failure."""
        started = time.perf_counter()
        try:
            if self.conn is None:
                self.conn = http.client.HTTPConnection(
                    "127.0.0.1", self.port, timeout=self.timeout
                )
            headers = {"Accept-Encoding": "identity", **(headers or {})}
            self.conn.request("GET", path, headers=headers)
            response = self.conn.getresponse()
            body = response.read()
            status = response.status
            if response.will_close:
                self.conn.close()
                self.conn = None
        except (OSError, http.client.HTTPException) as error:
            if self.conn is not None:
                self.conn.close()
            self.conn = None
            return (time.perf_counter() - started) * 1000, type(error).__name__, 0
        return (time.perf_counter() - started) * 1000, status, len(body)


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def run_benchmark(name, url, args, static_debug):
    info = probe_subprocess(url, "pages", args.documents)
    pages = info["pages"]
    if args.staff_only:
        pages = [(label, path) for label, path in pages if path == "/healthz"]
    info.update(queries={}, plan="")
    probe_timeout = 2 * args.timeout  # a cold process, caches empty
    for _label, path in pages:
        counted = probe_subprocess(
            url, "page", args.documents, path=path, timeout=probe_timeout
        )
        if counted.pop("timed_out") and "status" not in counted:
            counted = {"status": f"over {probe_timeout} s", "queries": "?"}
        info["plan"] = counted.pop("plan", info["plan"])
        info["queries"][path] = counted
    staff = {
        "cookie": probe_subprocess(url, "staff", args.documents)["cookie"],
        "pages": staff_pages(info),
    }
    info["staff_queries"] = {}
    for path in dict.fromkeys(path for _label, path, _cold in staff_pages(info)):
        counted = probe_subprocess(
            url, "page", args.documents, path=path, timeout=probe_timeout, staff=True
        )
        if counted.pop("timed_out") and "status" not in counted:
            counted = {"status": f"over {probe_timeout} s", "queries": "?"}
        info["staff_queries"][path] = counted

    passes = {}
    if args.passes in ("uncached", "both"):
        print("Uncached pass (DJANGO_PAGE_CACHE_SECONDS=0)")
        passes["uncached"] = time_pages(
            name,
            "uncached",
            url,
            args,
            static_debug,
            pages,
            env={"DJANGO_PAGE_CACHE_SECONDS": "0"},
            warmup_rounds=WARMUP_ROUNDS,
            staff=staff,
        )
    if args.passes in ("warm", "both"):
        print("Warm pass (the page cache on, as configured by default)")
        passes["warm"] = time_pages(
            name,
            "warm",
            url,
            args,
            static_debug,
            pages,
            env={"DJANGO_PAGE_CACHE_SECONDS": None},
            warmup_rounds=WARM_ROUNDS,
            staff=None if passes else staff,
        )

    report = render(name, args, pages, info, passes, static_debug)
    imported = probe_subprocess(url, "import", args.documents, timeout=600)
    report += (
        f"\n\nSpreadsheet import of {imported.get('rows', '?')} new documents with "
        f"two parties each (agreements/imports.py), in-process: dry run "
        f"{imported.get('dry_run_seconds', '?')} s, import "
        f"{imported.get('import_seconds', '?')} s (rows refused: "
        f"{imported.get('import_invalid', '?')}, errors: "
        f"{imported.get('import_errors', '?')}); the target is 30 s each. The "
        f"admin's import page given that file (its dry run, kept as a check): "
        f"{imported.get('page_seconds', '?')} s, status "
        f"{imported.get('page_status', '?')}, "
        f"{imported.get('page_queries', '?')} queries; the page of its result "
        f"({imported.get('result_rows', '?')} rows, in process): "
        f"{imported.get('result_ms', '?')} ms, status "
        f"{imported.get('result_status', '?')}, "
        f"{imported.get('result_queries', '?')} queries."
    )
    print(report)
    path = BENCH_DIR / f"results-{name}.md"
    path.write_text(report + "\n")
    print(f"Written to {path}")


def time_pages(
    name, pass_name, url, args, static_debug, pages, *, env, warmup_rounds, staff=None
):
    """Serve, ask for every page ``warmup_rounds`` times, then time ``args.requests``
    rounds. ``env`` sets (or, with ``None``, removes) server environment variables.
    With ``staff`` (the staff user's cookie), then time the staff pages.

    Returns ``{"results": {path: PageResult}, "memory": {who: MB},
    "staff": {label: PageResult}}``.
    """
    server, port = start_server(
        f"{name}-{pass_name}", url, args.timeout, static_debug, env=env
    )
    try:
        browser = Browser(port, args.timeout)
        results = {path: PageResult() for _label, path in pages}
        for warmup in range(warmup_rounds):
            for _label, path in pages:
                if results[path].too_slow:
                    continue
                ms, status, _size = browser.get(path)
                if warmup == 0 and (
                    status == "TimeoutError" or ms > args.timeout * 1e3
                ):
                    results[path].too_slow = True
        started = time.perf_counter()
        for round_number in range(args.requests):
            for _label, path in pages:
                if not results[path].too_slow:
                    results[path].add(*browser.get(path))
            if (round_number + 1) % 10 == 0:
                print(
                    f"  {round_number + 1}/{args.requests} rounds "
                    f"({time.perf_counter() - started:.0f} s)"
                )
        memory = {"master": peak_rss_mb(server.pid)}
        for number, pid in enumerate(worker_pids(server.pid), start=1):
            memory[f"worker {number}"] = peak_rss_mb(pid)
        staff_results = time_staff_pages(browser, url, args, staff) if staff else {}
        # once, in the first pass (the exports are never stored by the page cache)
        downloads = time_exports(port, server.pid, args.timeout) if staff else {}
    finally:
        stop_server(server)
    return {
        "results": results,
        "memory": memory,
        "staff": staff_results,
        "exports": downloads,
    }


def time_staff_pages(browser, url, args, staff):
    """Time ``STAFF_PAGES`` signed in: cold ones with the register generation moved
    before each request, warm ones after ``WARM_ROUNDS`` requests that leave what
    they cache in both workers. Returns ``{label: PageResult}``."""
    headers = {"Cookie": staff["cookie"]}
    results = {}
    for label, path, cold in staff["pages"]:
        result = results[label] = PageResult()
        result.floor = PageResult()
        if not cold:
            for _round in range(WARM_ROUNDS):
                browser.get(path, headers)
        for _request in range(args.cold_requests if cold else args.requests):
            if cold:
                move_generation(url)
            # The machine's pace drifts over a run (/healthz has read 0.9 ms and
            # 2.7 ms in runs 25 minutes apart): each request is paired with one to
            # /healthz just before it, and the page is reported against those.
            result.floor.add(*browser.get("/healthz"))
            ms, status, size = browser.get(path, headers)
            if status == "TimeoutError" or ms > args.timeout * 1e3:
                result.too_slow = True
                break
            result.add(ms, status, size)
        print(f"  {label}: {len(result.timings)} requests")
    return results


def move_generation(url):
    """What any write to the register does (``agreements.cache``): the next request
    reads a new stamp, so every cached aggregate is computed again."""
    sql = "UPDATE agreements_generation SET generation = generation + 1 WHERE id = 1"
    if url.startswith("sqlite:///"):
        import sqlite3

        with sqlite3.connect(url.removeprefix("sqlite:///"), timeout=30) as conn:
            conn.execute(sql)
        conn.close()
    else:
        import psycopg

        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(sql)


class PageResult:
    def __init__(self):
        self.timings = []
        self.statuses = {}
        self.size = 0
        self.too_slow = False
        #: a staff page's own /healthz, asked for just before each of its requests
        self.floor = None

    def add(self, ms, status, size):
        self.timings.append(ms)
        self.statuses[status] = self.statuses.get(status, 0) + 1
        self.size = size

    @property
    def median(self):
        return statistics.median(self.timings)

    @property
    def p95(self):
        return percentile(self.timings, 0.95)

    def status(self):
        return ", ".join(
            str(code) if count == len(self.timings) else f"{code}×{count}"
            for code, count in self.statuses.items()
        )


def render(name, args, pages, info, passes, static_debug):
    lines = [
        f"# Benchmark: {name}, {info['documents']:,} documents "
        f"({info['published']:,} published)",
        "",
        f"{args.requests} requests per page after {WARMUP_ROUNDS} warm-up rounds "
        f"(the warm pass: {WARM_ROUNDS}), pages taken in turn over one keep-alive "
        "connection; gunicorn -w 2, "
        f"DEBUG {'on (collectstatic failed)' if static_debug else 'off'}; "
        f"{time.strftime('%Y-%m-%d %H:%M')}, load average "
        f"{os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs. Queries: counted with "
        "the test client in a fresh process (empty caches, page cache off). "
        "Ratios: to /healthz in the same pass. Uncached: "
        "DJANGO_PAGE_CACHE_SECONDS=0 (target 25x, the document with 50 actions 50x); "
        "warm: the page cache on (target 1.2x). Staff pages: signed in, timed in the "
        "first pass only (never from the page cache), cold "
        f"({args.cold_requests} requests, the register generation moved before "
        "each) and warm, each request paired with one to /healthz just before it, "
        "and their ratios to those paired requests; queries cold and warm "
        "(target 25x).",
        "",
    ]
    uncached, warm = passes.get("uncached"), passes.get("warm")
    header = "| page | path | status | queries | KB |"
    rule = "|---|---|---|--:|--:|"
    if uncached:
        header += " median ms | p95 ms | median / healthz | p95 / healthz |"
        rule += "--:|--:|--:|--:|"
    if warm:
        header += " warm median ms | warm median / healthz |"
        rule += "--:|--:|"
    lines += [header, rule]
    for label, path in pages:
        counted = info["queries"].get(path, {})
        queries = counted.get("queries", "")
        if counted.get("status") not in (None, 200):
            queries = f"{queries} ({counted['status']})"
        first = (uncached or warm)["results"][path]
        size = f"{first.size / 1024:.1f}" if first.timings else "–"
        row = f"| {label} | `{path}` | {first.status() or '–'} | {queries} | {size} |"
        if uncached:
            row += _cells(uncached, path, args.timeout, p95=True)
        if warm:
            row += _cells(warm, path, args.timeout, p95=False)
        lines.append(row)
    lines += _staff_rows(info, uncached, warm, args.timeout)
    lines += _floor_lines(info, uncached, warm)
    errors = [
        f"- {label}: {info['queries'][path]['error']}"
        for label, path in pages
        if info["queries"].get(path, {}).get("error")
    ]
    if errors:
        lines += [
            "",
            "Errors (from the test client; see .bench/gunicorn-*.log):",
            *errors,
        ]
    for pass_name, timed in passes.items():
        peaks = ", ".join(
            f"{who} {mb:.0f} MB"
            for who, mb in timed["memory"].items()
            if mb is not None
        )
        lines += ["", f"Peak RSS (VmHWM) of gunicorn, {pass_name}: {peaks or '?'}."]
    lines += _export_lines(info, passes)
    plan = info["plan"]
    if plan:
        title = (
            "EXPLAIN (ANALYZE, BUFFERS)"
            if info["vendor"] == "postgresql"
            else "EXPLAIN QUERY PLAN"
        )
        lines += ["", f"## {title} of the default list's query", "", "```", plan, "```"]
        if info["vendor"] == "postgresql":
            seq = "Seq Scan on agreements_document" in plan
            lines += [
                "",
                "Contains “Seq Scan on agreements_document”: "
                + ("**yes**" if seq else "no"),
            ]
    else:
        lines += ["", "No list query to explain (the list page was not probed)."]
    return "\n".join(lines)


def _staff_rows(info, uncached, warm, timeout):
    """The staff pages' rows, timed in whichever pass has them."""
    rows = []
    for label, path, cold in staff_pages(info):
        counted = info.get("staff_queries", {}).get(path, {})
        queries = counted.get("queries" if cold else "queries_warm", "")
        if counted.get("status") not in (None, 200):
            queries = f"{queries} ({counted['status']})"
        timed = next(
            (p for p in (uncached, warm) if p and label in p.get("staff", {})), None
        )
        result = timed["staff"][label] if timed else PageResult()
        size = f"{result.size / 1024:.1f}" if result.timings else "–"
        row = f"| {label} | `{path}` | {result.status() or '–'} | {queries} | {size} |"
        for timing, p95 in ((uncached, True), (warm, False)):
            if timing is None:
                continue
            if timing is timed:
                row += _cells(timing, path, timeout, p95=p95, result=result)
            else:
                row += " – | – |" + (" – | – |" if p95 else "")
        rows.append(row)
    return rows


#: The admin's own floor: its home page, Django's page with the least on it (the
#: site's chrome and the list of models, 5 queries).
FLOOR_LABEL = "admin: home"


def _floor_lines(info, uncached, warm):
    """Each admin page's median against the admin's home page in the same run: what
    a page costs above what every admin page costs (``FLOOR_LABEL``)."""
    timed = next((p for p in (uncached, warm) if p and p.get("staff")), None)
    floor = timed and timed["staff"].get(FLOOR_LABEL)
    if not floor or not floor.timings:
        return []
    lines = [
        "",
        f"The admin's pages against its home page in the same pass ({FLOOR_LABEL}: "
        f"{floor.median:.1f} ms, "
        f"{floor.median / _healthz(timed, floor).median:.1f}x /healthz):",
        "",
        "| page | median ms | median / admin home |",
        "|---|--:|--:|",
    ]
    for label, _path, _cold in staff_pages(info):
        result = timed["staff"].get(label)
        if label == FLOOR_LABEL or not result or not result.timings:
            continue
        lines.append(
            f"| {label} | {result.median:.1f} | {result.median / floor.median:.1f} |"
        )
    return lines


# --- Exports: every published document as one file (agreements/exports.py) ----------

#: (label, path, target rows a second)
EXPORTS = (
    ("CSV export", "/agreements/export.csv", 20_000),
    ("XLSX export", "/agreements/export.xlsx", 5_000),
)
#: How much an export may grow its worker's memory, and how soon the CSV's first
#: byte must come (times /healthz).
EXPORT_MEMORY_MB = 30
FIRST_BYTE_RATIO = 10


def rss_mb(pid):
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def reset_peak(pid):
    """Make the process's peak RSS (VmHWM) its current RSS (Linux 4.0+)."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        pass


def time_exports(port, master_pid, timeout):
    """Download each of ``EXPORTS`` whole, once: seconds, the first byte, bytes, and
    the growth of the worker that served it (its peak RSS during the download over
    its RSS before). Returns ``{label: dict}``."""
    results = {}
    for label, path, _target in EXPORTS:
        workers = worker_pids(master_pid)
        before = {pid: rss_mb(pid) for pid in workers}
        for pid in workers:
            reset_peak(pid)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout * 10)
        started = time.perf_counter()
        try:
            conn.request("GET", path, headers={"Accept-Encoding": "identity"})
            response = conn.getresponse()
            size = len(response.read(1))
            first_byte = time.perf_counter() - started
            while chunk := response.read(1 << 16):
                size += len(chunk)
            status = response.status
        except (OSError, http.client.HTTPException) as error:
            status, size, first_byte = type(error).__name__, 0, None
        finally:
            conn.close()
        seconds = time.perf_counter() - started
        growth = [
            peak_rss_mb(pid) - before[pid]
            for pid in workers
            if before[pid] is not None and peak_rss_mb(pid) is not None
        ]
        results[label] = {
            "path": path,
            "status": status,
            "seconds": seconds,
            "first_byte_ms": None if first_byte is None else first_byte * 1000,
            "bytes": size,
            "growth_mb": max(growth) if growth else None,
        }
        print(f"  {label}: {seconds:.1f} s, {size / 1e6:.1f} MB")
    return results


def _export_lines(info, passes):
    timed = next((p for p in passes.values() if p.get("exports")), None)
    if timed is None:
        return []
    rows = info["published"]
    healthz = timed["results"]["/healthz"]
    base = healthz.median if healthz.timings else None
    lines = [
        "",
        f"Exports of all {rows:,} published documents, each downloaded once in the "
        f"first pass (targets: CSV 20,000 rows/s, XLSX 5,000 rows/s, worker memory "
        f"+{EXPORT_MEMORY_MB} MB at most, CSV first byte within {FIRST_BYTE_RATIO}x "
        "/healthz):",
        "",
        "| export | path | status | MB | seconds | rows/s | first byte ms | "
        "first byte / healthz | worker memory growth MB |",
        "|---|---|---|--:|--:|--:|--:|--:|--:|",
    ]
    targets = {label: target for label, _path, target in EXPORTS}
    for label, result in timed["exports"].items():
        speed = rows / result["seconds"] if result["seconds"] else 0
        first = result["first_byte_ms"]
        ratio = f"{first / base:.1f}" if first is not None and base else "–"
        growth = result["growth_mb"]
        lines.append(
            f"| {label} | `{result['path']}` | {result['status']} | "
            f"{result['bytes'] / 1e6:.1f} | {result['seconds']:.1f} | "
            f"{speed:,.0f} ({'ok' if speed >= targets[label] else 'below target'}) | "
            f"{'–' if first is None else f'{first:.0f}'} | {ratio} | "
            f"{'?' if growth is None else f'{growth:.1f}'} |"
        )
    return lines


def _healthz(timed, result):
    """What ``result`` is measured against: its own paired /healthz requests (a
    staff page's), else the pass's."""
    if result.floor and result.floor.timings:
        return result.floor
    return timed["results"]["/healthz"]


def _cells(timed, path, timeout, *, p95, result=None):
    """The timing cells of one page in one pass (``result``: a staff page's)."""
    result = result or timed["results"][path]
    base = _healthz(timed, result)
    if result.too_slow or not result.timings:
        return f" over {timeout} s | – |" + (" – | – |" if p95 else "")
    cells = f" {result.median:.1f} |"
    if p95:
        cells += f" {result.p95:.1f} |"
    cells += f" {result.median / base.median:.1f} |"
    if p95:
        cells += f" {result.p95 / base.p95:.1f} |"
    return cells


if __name__ == "__main__":
    main()
