"""``make serve`` for real: collectstatic, migrate, the deployment check and gunicorn,
on a free port against a fresh database, then what a client sees over HTTP.

The database is SQLite, or PostgreSQL when the tests run on it (DATABASE_URL): then a
database of its own, ``<name>_serve``, created and dropped here.

The server runs with the default HTTPS settings (redirect and HSTS on with DEBUG off)
behind a (pretend) TLS proxy: a request carrying ``X-Forwarded-Proto: https`` is what
the proxy forwards.
"""

import http.client
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent
START_TIMEOUT = 180  # collectstatic compresses every file; the machine may be busy
HTTPS = {"X-Forwarded-Proto": "https"}


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def make_env(**variables):
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("DJANGO_", "FOLLOWUP_"))
        and name not in {"DATABASE_URL", "REDIS_URL", "WORKERS", "HOST", "PORT"}
    }
    env.update(variables)
    return env


def make(target, env, **kwargs):
    # -o: the test runs in an installed virtualenv; never reinstall it from here.
    command = ["make", "--no-print-directory", "-o", ".venv/.installed", target]
    return subprocess.Popen(
        command,
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        **kwargs,
    )


@contextmanager
def fresh_database(tmp_path):
    """The URL of an empty database like the one the tests run on."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        yield f"sqlite:///{tmp_path / 'db.sqlite3'}"
        return
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = f"{parts.path.lstrip('/') or 'tracker'}_serve"
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
        sql.Identifier(name)
    )
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(drop)
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(admin_url, autocommit=True) as connection:
            connection.execute(drop)


class Server:
    """A ``make serve`` process and a way to talk to it."""

    def __init__(self, tmp_path, database_url):
        self.port = free_port()
        self.static_root = tmp_path / "static"
        self.log = tmp_path / "serve.log"
        env = make_env(
            DATABASE_URL=database_url,
            DJANGO_STATIC_ROOT=str(self.static_root),
            DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
            DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
            # The redirect and HSTS are left to their defaults (on with DEBUG off).
            DJANGO_SECURE_PROXY_SSL_HEADER="1",
            DJANGO_DEBUG="1",  # make serve must turn it off all the same
            HOST="127.0.0.1",
            PORT=str(self.port),
            WORKERS="2",
        )
        self.output = self.log.open("w")
        self.process = subprocess.Popen(
            ["make", "--no-print-directory", "-o", ".venv/.installed", "serve"],
            cwd=BASE_DIR,
            env=env,
            stdout=self.output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # make, its shell and gunicorn: one group to stop
        )

    def wait_until_up(self):
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"make serve stopped:\n{self.log.read_text()[-4000:]}")
            try:
                if self.request("GET", "/healthz")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.5)
        pytest.fail(f"no answer in {START_TIMEOUT} s:\n{self.log.read_text()[-4000:]}")

    def request(self, method, path, headers=None, body=None, host="127.0.0.1"):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.putrequest(
                method, path, skip_host=True, skip_accept_encoding=True
            )
            connection.putheader("Host", host)
            for name, value in (headers or {}).items():
                connection.putheader(name, value)
            if body is not None:
                connection.putheader("Content-Length", str(len(body)))
            connection.endheaders(body)
            response = connection.getresponse()
            return response.status, response.headers, response.read()
        finally:
            connection.close()

    def stop(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.output.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("serve")
    with fresh_database(tmp_path) as database_url:
        server = Server(tmp_path, database_url)
        try:
            server.wait_until_up()
            yield server
        finally:
            server.stop()


def test_make_serve_checks_migrates_and_starts_workers(server):
    log = server.log.read_text()
    assert "manage.py migrate" in log
    assert "Applying agreements.0001_initial... OK" in log
    # the deployment check, with no HTTPS variable set
    assert "System check identified no issues" in log
    assert "WARNINGS" not in log
    assert len(re.findall(r"Booting worker with pid", log)) >= 2


def test_healthz_and_readyz_answer_over_plain_http(server):
    # Load balancers probe over HTTP: no redirect to HTTPS for these two.
    status, _, body = server.request("GET", "/healthz")
    assert (status, body) == (200, b"ok")
    status, headers, body = server.request("GET", "/readyz")
    assert status == 200
    assert json.loads(body)["checks"] == {"database": "ok", "cache": "ok"}
    assert "no-cache" in headers["Cache-Control"]


def test_a_page_carries_the_security_headers(server):
    status, headers, body = server.request("GET", "/agreements/", HTTPS)
    assert status == 200
    policy = headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    # On by default, at a short max-age that operators raise.
    assert headers["Strict-Transport-Security"] == "max-age=3600; includeSubDomains"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    # DEBUG is off: the page links the hashed stylesheet.
    assert re.search(rb'href="/static/css/site\.[0-9a-f]{12}\.css"', body)


def test_plain_http_is_redirected_to_https_by_default(server):
    status, headers, _ = server.request("GET", "/agreements/?kind=treaty")
    assert status == 301
    assert headers["Location"] == "https://127.0.0.1/agreements/?kind=treaty"


def test_cookies_are_secure_and_http_only(server):
    status, headers, _ = server.request("GET", "/admin/login/", HTTPS)
    assert status == 200
    (cookie,) = [c for c in headers.get_all("Set-Cookie") if c.startswith("csrftoken=")]
    attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")}
    assert {"secure", "httponly", "samesite"} <= attributes


def hashed(server, name):
    manifest = json.loads((server.static_root / "staticfiles.json").read_text())
    return manifest["paths"][name]


@pytest.mark.parametrize("encoding", ["br", "gzip"])
def test_static_files_are_hashed_compressed_and_cached_for_ever(server, encoding):
    name = hashed(server, "css/site.css")
    assert re.fullmatch(r"css/site\.[0-9a-f]{12}\.css", name)
    original = (server.static_root / name).read_bytes()
    status, headers, body = server.request(
        "GET", f"/static/{name}", {**HTTPS, "Accept-Encoding": encoding}
    )
    assert status == 200
    assert headers["Content-Encoding"] == encoding
    assert len(body) < len(original)
    assert "immutable" in headers["Cache-Control"]
    assert "max-age=315360000" in headers["Cache-Control"]
    status, headers, body = server.request("GET", f"/static/{name}", HTTPS)
    assert "Content-Encoding" not in headers
    assert body == original


def test_admin_static_files_are_served(server):
    name = hashed(server, "admin/js/core.js")
    status, headers, _ = server.request("GET", f"/static/{name}", HTTPS)
    assert status == 200
    assert "javascript" in headers["Content-Type"]


def test_a_host_not_allowed_gets_400(server):
    status, _, _ = server.request("GET", "/agreements/", HTTPS, host="evil.example")
    assert status == 400


def test_a_10_mb_body_is_refused_and_the_server_carries_on(server):
    body = b"username=a&password=" + b"x" * (10 * 1024 * 1024)
    headers = {**HTTPS, "Content-Type": "application/x-www-form-urlencoded"}
    try:
        status, _, text = server.request("POST", "/admin/login/", headers, body)
    except (BrokenPipeError, ConnectionResetError):
        # The server may answer and close before the client has sent it all.
        pass
    else:
        assert status == 413
        assert b"too large" in text
    assert server.request("GET", "/readyz")[0] == 200
    assert server.process.poll() is None
    assert "Worker exiting" not in server.log.read_text()


def test_the_access_log_records_requests(server):
    server.request("GET", "/healthz?from=access-log-test")
    time.sleep(0.5)
    log = server.log.read_text()
    assert re.search(r'"GET /healthz\?from=access-log-test HTTP/1.1" 200 2 ', log)


def test_make_serve_refuses_clearly_without_secret_key_and_hosts(tmp_path):
    process = make("serve", make_env(DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}"))
    output, _ = process.communicate(timeout=60)
    assert process.returncode != 0
    assert "make serve: set DJANGO_SECRET_KEY DJANGO_ALLOWED_HOSTS" in output
    assert "Traceback" not in output
    assert not (tmp_path / "x.db").exists()  # stopped before touching anything
