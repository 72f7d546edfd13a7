"""Reliability figures against ``make serve`` (docs/reliability.md). Not a test.

    .venv/bin/python tests/loadtest/reliability.py flood|churn|both

``flood``: a ``redis-server`` of its own (3 MB, ``noeviction``), a SQLite register with
the ``kz_az_2023`` fixtures, ``make serve`` (2 workers, page cache on); 2,000 GETs
with random unknown parameters and 200 canonical ones (8 threads); Redis keys and
memory before and after, status counts, then a staff sign-in and the change list.
Run on this tree, then on ``c678cd6`` (a temporary ``git worktree`` in /tmp/before,
removed at the end) for a "before" column; ``--no-before`` skips it.

``churn``: PostgreSQL (``tracker_churn``, dropped and made again), ``make serve`` (2
workers, page cache on, no Redis), 50 client threads for 60 s over the public pages,
while this process unpublishes / publishes one document and records follow-up updates
every 0.5 s. A response that started after a commit and ended before the next change
began must show the document as that commit left it; violations are counted.

Every loop is bounded in count and time; servers and Redis started here are stopped
on the way out, whatever happened. Output: .bench/reliability/.
"""

import argparse
import html
import http.cookiejar
import os
import random
import secrets
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / ".bench" / "reliability"
BEFORE_COMMIT, BEFORE_TREE = "c678cd6", Path("/tmp/before")
CHURN_DB = os.environ.get(
    "CHURN_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/tracker_churn"
)
PASSWORD = secrets.token_urlsafe(16)
FLOOD_JUNK, FLOOD_CANONICAL, FLOOD_THREADS, FLOOD_LIMIT_S = 2000, 200, 8, 600
CHURN_CLIENTS, CHURN_SECONDS, TOGGLE_EVERY = 50, 60, 0.5
#: Pages where a published document may be absent for another reason: checked only
#: for not showing it while unpublished. The dashboard lists quiet ("stale")
#: documents, and the toggler's recorded updates make the document not quiet.
HIDE_ONLY = {"follow-up"}


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(database_url, **extra):
    return {
        **{k: v for k, v in os.environ.items() if k != "REDIS_URL"},
        "DATABASE_URL": database_url,
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_SECURE_HSTS_SECONDS": "0",
        "DJANGO_SECURE_COOKIES": "0",
        "DJANGO_PAGE_CACHE_SECONDS": "600",
        # An empty value means the default (20/m, 60/m; settings.env_str), not "off":
        # a limit no run reaches keeps the 429s out of the figures.
        "DJANGO_RATE_LIMIT_CALENDAR": "off",
        "DJANGO_RATE_LIMIT_SEARCH": "off",
        "DJANGO_LOG_LEVEL": "WARNING",
        "DJANGO_SUPERUSER_PASSWORD": PASSWORD,
        **extra,
    }


def manage(tree, env, *args):
    subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=tree,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        timeout=600,
    )


def prepare_register(tree, env):
    manage(tree, env, "migrate", "--noinput", "-v0")
    manage(tree, env, "loaddata", "kz_az_2023", "kz_az_2023_followup", "-v0")
    manage(
        tree, env, *"createsuperuser --noinput --username staff --email s@x.org".split()
    )


class Started:
    """Processes started here, each in its own session; all stopped on exit."""

    def __init__(self):
        self.procs = []

    def __enter__(self):
        return self

    def start(self, command, cwd, env, log):
        with open(log, "w") as out:
            proc = subprocess.Popen(
                command,
                cwd=cwd,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.procs.append(proc)
        return proc

    def __exit__(self, *exc):
        for proc in reversed(self.procs):
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait(timeout=10)


def serve(started, tree, env, label):
    port = free_port()
    # -o: never reinstall the (shared) virtualenv, even in the worktree.
    command = "make --no-print-directory -o .venv/.installed serve MIGRATE=0".split()
    command += ["HOST=127.0.0.1", f"PORT={port}", "WORKERS=2"]
    server = started.start(command, tree, env, OUT / f"serve-{label}.log")
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"make serve stopped: see {OUT}/serve-{label}.log")
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2):
                return base
        except OSError:
            time.sleep(0.5)
    raise RuntimeError("make serve did not answer within 120 s")


def get(url, opener=None, timeout=30):
    """(status, body text); status 0 with the error's name on a connection error."""
    try:
        with (opener.open if opener else urllib.request.urlopen)(
            url, timeout=timeout
        ) as r:
            return r.status, r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, ""
    except (OSError, ValueError) as error:
        return 0, type(error).__name__


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def staff_check(base):
    """Sign in to the admin; (login status, change list status, public page status)."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(jar), NoRedirect
    )
    get(base + "/admin/login/", opener)
    token = next((c.value for c in jar if c.name == "csrftoken"), "")
    fields = {"csrfmiddlewaretoken": token, "username": "staff", "password": PASSWORD}
    form = urllib.parse.urlencode({**fields, "next": "/admin/"}).encode()
    request = urllib.request.Request(
        base + "/admin/login/", data=form, headers={"Referer": base + "/admin/login/"}
    )
    login, _ = get(request, opener)
    changelist, _ = get(base + "/admin/agreements/document/", opener)
    public, _ = get(base + "/agreements/")
    return login, changelist, public


# --- flood ---------------------------------------------------------------------------


def key_kind(key):
    kinds = {":page:": "pages", "filter-panel": "filter fragments"}
    kinds.update({":rl:": "rate limits", ":agreements:": "aggregates"})
    return next((kind for part, kind in kinds.items() if part in key), "other")


def redis_stats(client):
    errors = client.info("errorstats")
    kinds = Counter(key_kind(key.decode()) for key in client.scan_iter(count=1000))
    memory = client.info("memory")["used_memory"]
    oom = errors.get("errorstat_OOM", {}).get("count", 0)
    return {"keys": client.dbsize(), "memory": memory, "oom": oom, "kinds": kinds}


def flood(tree, label, canonical=FLOOD_CANONICAL):
    import redis

    work = OUT / f"flood-{label.replace(', ', '-').replace(' ', '-')}"
    work.mkdir(parents=True, exist_ok=True)
    db = work / "register.db"
    db.unlink(missing_ok=True)
    port = free_port()
    env = server_env(f"sqlite:///{db}", REDIS_URL=f"redis://127.0.0.1:{port}/0")
    prepare_register(tree, env)
    query = "SELECT slug FROM agreements_{} WHERE is_published ORDER BY id LIMIT 1"
    with sqlite3.connect(db) as conn:
        document, event = (conn.execute(query.format(t)).fetchone()[0]
                           for t in ("document", "event"))  # fmt: skip
    paths = "/agreements/ /agreements/?kind=memorandum /follow-up/calendar.ics /bodies/"
    paths = paths.split() + [f"/events/{event}/", f"/agreements/{document}/"]
    rng = random.Random(13)
    urls = [
        (p + ("&" if "?" in p else "?") + f"junk{i}={rng.getrandbits(64):x}")
        for i, p in enumerate(rng.choice(paths) for _ in range(FLOOD_JUNK))
    ]
    urls += [paths[i % len(paths)] for i in range(canonical)]
    rng.shuffle(urls)
    with Started() as started:
        options = "--bind 127.0.0.1 --appendonly no --maxmemory 3mb"
        options += " --maxmemory-policy noeviction"  # Redis's default: the worst case
        command = ["redis-server", "--port", str(port), "--save", "", *options.split()]
        started.start(command, tree, env, work / "redis.log")
        client = redis.Redis(port=port, socket_timeout=5)
        for _ in range(50):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.1)
        base = serve(started, tree, env, work.name)
        before = redis_stats(client)
        deadline = time.monotonic() + FLOOD_LIMIT_S

        def one(path):
            if time.monotonic() > deadline:
                return "not sent"
            status, _ = get(base + path)
            return status

        t0 = time.monotonic()
        with ThreadPoolExecutor(FLOOD_THREADS) as pool:
            statuses = Counter(pool.map(one, urls))
        elapsed = time.monotonic() - t0
        after = redis_stats(client)
        staff = staff_check(base)
    result = {"label": label, "requests": len(urls), "statuses": dict(statuses)}
    result.update(elapsed=elapsed, before=before, after=after, staff=staff)
    print(f"flood {label}: {result}", flush=True)
    return result


def worktree(*args, check=False):
    subprocess.run(["git", "worktree", *args], cwd=ROOT, check=check, timeout=120)


def before_tree():
    if BEFORE_TREE.exists():
        worktree("remove", "--force", str(BEFORE_TREE))
    worktree("add", "--detach", "-q", str(BEFORE_TREE), BEFORE_COMMIT, check=True)
    (BEFORE_TREE / ".venv").symlink_to(ROOT / ".venv")
    return BEFORE_TREE


def run_flood(args):
    results = [flood(ROOT, "after")]
    # Junk alone: no canonical request ever stores the page junk requests would hit.
    results.append(flood(ROOT, "after, junk only", canonical=0))
    if not args.no_before:
        try:
            results.append(flood(before_tree(), "before"))
        except Exception as error:  # report what was seen, keep the "after" column
            print(f"flood before: failed: {error!r}", flush=True)
        finally:
            worktree("remove", "--force", str(BEFORE_TREE))
    lines = [
        "| | " + " | ".join(r["label"] for r in results) + " |",
        "|---" * (len(results) + 1) + "|",
    ]
    rows = {
        "requests (junk + canonical)": lambda r: f"{r['requests']:,}",
        "statuses": lambda r: ", ".join(
            f"{k}: {v}" for k, v in sorted(r["statuses"].items(), key=str)
        ),
        "elapsed": lambda r: f"{r['elapsed']:.1f} s",
        "Redis keys before → after": lambda r: (
            f"{r['before']['keys']} → {r['after']['keys']}"
        ),
        "Redis used_memory before → after": lambda r: (
            f"{r['before']['memory'] / 2**20:.2f} → "
            f"{r['after']['memory'] / 2**20:.2f} MB"
        ),
        "keys after, by kind": lambda r: ", ".join(
            f"{k} {v}" for k, v in r["after"]["kinds"].most_common()
        ),
        "Redis OOM refusals": lambda r: str(r["after"]["oom"]),
        "staff: login, change list, public": lambda r: ", ".join(map(str, r["staff"])),
    }
    for name, cell in rows.items():
        lines.append(f"| {name} | " + " | ".join(cell(r) for r in results) + " |")
    text = "\n".join(lines)
    print(text)
    (OUT / "flood.md").write_text(text + "\n")
    after = results[0]
    return all(
        isinstance(s, int) and s < 500 and s for s in after["statuses"]
    ) and after["staff"] == (302, 200, 200)


# --- churn ---------------------------------------------------------------------------


def psql(admin_url, sql):
    subprocess.run(
        ["psql", admin_url, "-v", "ON_ERROR_STOP=1", "-qc", sql], check=True, timeout=60
    )


def run_churn(args):
    name = urllib.parse.urlsplit(CHURN_DB).path.lstrip("/")
    admin_url = CHURN_DB.rsplit("/", 1)[0] + "/postgres"
    psql(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    psql(admin_url, f'CREATE DATABASE "{name}"')
    env = server_env(CHURN_DB)
    prepare_register(ROOT, env)
    names = ("DATABASE_URL", "DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS")
    os.environ.update({name: env[name] for name in names}, DJANGO_DEBUG="0")
    os.environ["DJANGO_SETTINGS_MODULE"] = "tracker.settings"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.utils import timezone

    from agreements import services
    from agreements.followup.services import record_update
    from agreements.models import Action, Document

    candidates = Document.objects.filter(is_published=True, actions__isnull=False)
    doc = candidates.filter(event__is_published=True).order_by("pk").first()
    action = doc.actions.order_by("pk").first()
    body = doc.parties.select_related("body").first().body
    word = max((w for w in doc.title.split() if w.isalpha()), key=len)
    pages = {"home": "/", "list": "/agreements/", "search": f"/agreements/?q={word}"}
    pages.update(
        document=f"/agreements/{doc.slug}/", event=f"/events/{doc.event.slug}/"
    )
    pages.update(body=f"/bodies/{body.slug}/", calendar="/follow-up/calendar.ics")
    pages["follow-up"] = "/follow-up/"
    marker = html.escape(doc.title)
    one_doc = Document.objects.filter(pk=doc.pk)

    def show(published):
        (services.publish_documents if published else services.unpublish_documents)(
            documents=one_doc, user=None
        )

    with Started() as started:
        base = serve(started, ROOT, env, "churn")
        # Which pages name the document only while it is published (checked for it).
        seen = {}
        for published in (True, False, True):
            show(published)
            for page, path in pages.items():
                status, text = get(base + path)
                seen.setdefault(page, []).append((status, marker in text))
        tells = {
            p for p, s in seen.items() if s[0] == s[2] == (200, True) and s[1] != s[0]
        }
        print(
            f"churn: document {doc.slug!r}; pages that tell its state: {sorted(tells)}",
            flush=True,
        )
        # (begin, commit, published) of each publication change; at first: published
        changes = [(float("-inf"), float("-inf"), True)]
        log, toggler_errors, updates, stop = [], [], [], threading.Event()

        def client(seed):
            rng = random.Random(seed)
            while not stop.is_set():
                page = rng.choice(list(pages))
                start = time.monotonic()
                status, text = get(base + pages[page])
                log.append((page, start, time.monotonic(), status, marker in text))

        def toggle():
            published, step = True, 0
            while not stop.wait(TOGGLE_EVERY):
                step += 1
                try:
                    if step % 2:
                        begin = time.monotonic()
                        show(not published)
                        published = not published
                        changes.append((begin, time.monotonic(), published))
                    else:  # an action's status, then the document's, in turn
                        on_action = step % 4 == 2
                        subject = (Action.objects.get(pk=action.pk) if on_action
                                   else Document.objects.get(pk=doc.pk))  # fmt: skip
                        now = subject.status if on_action else subject.follow_up_status
                        statuses = ("planned", "in_progress", "stalled")
                        statuses = statuses[:2] if on_action else statuses[1:]
                        after = statuses[0] if now == statuses[1] else statuses[1]
                        record_update(
                            document=doc, action=subject if on_action else None,
                            happened_on=timezone.localdate(), title=f"churn {step}",
                            status_after=after, user=None,
                        )  # fmt: skip
                        updates.append(time.monotonic())
                except Exception as error:  # counted, then the next change
                    toggler_errors.append(repr(error))

        threads = [
            threading.Thread(target=client, args=(i,)) for i in range(CHURN_CLIENTS)
        ]
        threads.append(threading.Thread(target=toggle))
        for thread in threads:
            thread.daemon = True
        t0 = time.monotonic()
        for thread in threads:
            thread.start()
        time.sleep(CHURN_SECONDS)
        stop.set()
        for thread in threads:
            thread.join(timeout=40)
        elapsed = time.monotonic() - t0
    return churn_report(
        log, changes, tells, toggler_errors, len(updates), elapsed, doc.slug
    )


def churn_report(log, changes, tells, toggler_errors, updates, elapsed, slug):
    errors = sum(1 for entry in log if entry[3] == 0 or entry[3] >= 500)
    checkable, violations, examples = Counter(), Counter(), []
    begins = [c[0] for c in changes]
    for page, start, end, status, shown in log:
        if page != "document" and page not in tells:
            continue
        # the last change committed before the request started ...
        k = max(i for i, c in enumerate(changes) if c[1] <= start)
        # ... and no other change began before the response ended
        if k + 1 < len(changes) and begins[k + 1] <= end:
            continue
        published = changes[k][2]
        if published and page in HIDE_ONLY:
            continue
        checkable[page] += 1
        checkable["while unpublished"] += not published
        if page == "document":
            ok = (status, shown) == (200, True) if published else status == 404
        else:
            ok = status == 200 and shown == published
        if not ok:
            violations[page] += 1
            examples.append((page, published, status, shown, start, end))
    pubs, hidden = len(changes) - 1, checkable.pop("while unpublished", 0)
    text = "\n".join(
        [
            f"Document {slug}; {len(log):,} responses in {elapsed:.1f} s "
            f"({len(log) / elapsed:.0f}/s), {CHURN_CLIENTS} clients; statuses "
            f"{dict(Counter(e[3] for e in log))}",
            f"Publication changes: {pubs}; follow-up updates recorded: "
            f"{updates}; toggler errors: {len(toggler_errors)} {toggler_errors[:3]}",
            "",
            "| page | responses | checkable | violations |",
            "|---|--:|--:|--:|",
            *(
                f"| {p} | {sum(1 for e in log if e[0] == p):,} | {checkable[p]:,} | "
                f"{violations[p]} |"
                for p in sorted({e[0] for e in log})
            ),
            f"| all | {len(log):,} | {sum(checkable.values()):,} "
            f"({hidden:,} while unpublished) | "
            f"{sum(violations.values())} |",
            f"\nErrors (5xx, connection): {errors}; violations, e.g.: {examples[:5]}",
        ]
    )
    print(text)
    (OUT / "churn.md").write_text(text + "\n")
    return errors == 0 and not violations and not toggler_errors


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("scenario", choices=("flood", "churn", "both"))
    skip = f"flood: skip the run on {BEFORE_COMMIT}"
    parser.add_argument("--no-before", action="store_true", help=skip)
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    ok = True
    if args.scenario in ("flood", "both"):
        ok &= run_flood(args)
    if args.scenario in ("churn", "both"):
        ok &= run_churn(args)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
