"""A real ``redis-server`` that stops or hangs: the site and the admin keep answering.

Each test starts its own ``redis-server`` on a spare port (no persistence), makes the
register's cache use it (``tracker.cache_backend.FailSoftRedisCache``, as REDIS_URL
does), then stops it (connections refused) or pauses it with SIGSTOP (connections
accepted by the kernel, never answered: every call waits for its socket timeout).
"""

import os
import shutil
import signal
import socket
import subprocess
import time
from http import HTTPStatus

import pytest
from django.contrib.sessions.models import Session
from django.core.cache import cache

from tests.conftest import skip_or_fail
from tests.factories import ActionFactory, EventFactory, bilateral_document

pytestmark = pytest.mark.django_db

#: The socket timeouts of these tests, in seconds: long enough that waiting on each
#: cache call (several a request) could not pass for the one wait of a pause.
TIMEOUT = 1.0
#: Requests with Redis paused: at most one wait in all, so well under 3 timeouts.
REQUESTS = 10


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    """A ``redis-server`` process of the test's own."""

    def __init__(self):
        self.port = free_port()
        self.process = subprocess.Popen(
            [
                shutil.which("redis-server"),
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    self.stop()
                    pytest.fail(f"redis-server did not start on port {self.port}")
                time.sleep(0.05)

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"

    def pause(self):
        self.process.send_signal(signal.SIGSTOP)

    def resume(self):
        self.process.send_signal(signal.SIGCONT)

    def stop(self):
        if self.process.poll() is None:
            self.resume()  # a stopped process does not act on SIGTERM until resumed
            self.process.terminate()
            self.process.wait(timeout=10)


@pytest.fixture
def redis_server():
    if not shutil.which("redis-server"):
        skip_or_fail("redis-server not found (apt-get install redis-server)")
    server = RedisServer()
    yield server
    server.stop()


def fail_soft_cache(url, retry_after=30):
    """The cache REDIS_URL selects (tracker/settings.py), with this test's timeouts."""
    return {
        "default": {
            "BACKEND": "tracker.cache_backend.FailSoftRedisCache",
            "LOCATION": url,
            "KEY_PREFIX": "faults",
            "RETRY_AFTER": retry_after,
            "OPTIONS": {"socket_connect_timeout": TIMEOUT, "socket_timeout": TIMEOUT},
        }
    }


@pytest.fixture
def on_redis(settings, redis_server):
    settings.CACHES = fail_soft_cache(redis_server.url)
    settings.PAGE_CACHE_SECONDS = 600
    return redis_server


@pytest.fixture
def register():
    event = EventFactory(slug="astana-2023", title="Visit to Astana")
    document = bilateral_document(
        title="Memorandum on science", slug="memorandum-on-science", event=event
    )
    ActionFactory(document=document, title="Convene the joint commission")
    return document


@pytest.fixture
def staff(django_user_model):
    return django_user_model.objects.create_superuser(
        "editor", "editor@example.org", "a long pass phrase"
    )


def public_urls(document):
    return [
        "/",
        "/agreements/",
        "/agreements/?kind=memorandum&country=KZ",
        document.get_absolute_url(),
        "/bodies/",
        "/events/",
        "/follow-up/",
    ]


def sign_in_and_work(client, document):
    """What an editor does: sign in, open a change list and a record."""
    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": "editor", "password": "a long pass phrase"},
    )
    assert response.status_code == HTTPStatus.FOUND, response.content[:500]
    assert Session.objects.filter(session_key=client.session.session_key).exists()
    response = client.get("/admin/agreements/document/")
    assert response.status_code == HTTPStatus.OK
    assert b"Memorandum on science" in response.content
    response = client.get(f"/admin/agreements/document/{document.pk}/change/")
    assert response.status_code == HTTPStatus.OK


def test_with_redis_up_pages_are_served_from_it(client, on_redis, register):
    assert client.get("/agreements/")["X-Cache"] == "miss"
    assert client.get("/agreements/")["X-Cache"] == "hit"
    assert client.get("/readyz").json()["status"] == "ok"


def test_with_redis_stopped_pages_admin_and_readiness_answer(
    client, on_redis, register, staff
):
    assert client.get("/agreements/")["X-Cache"] == "miss"  # a live connection
    on_redis.stop()
    for url in public_urls(register):
        response = client.get(url)
        assert response.status_code == HTTPStatus.OK, url
        assert response.get("X-Cache") != "hit"  # rendered: Redis is gone
    readiness = client.get("/readyz")
    assert readiness.status_code == HTTPStatus.OK
    assert readiness.json()["status"] == "degraded"
    assert readiness.json()["checks"] == {"database": "ok", "cache": "failed"}
    sign_in_and_work(client, register)


def test_with_redis_paused_requests_wait_once_not_on_every_cache_call(
    client, on_redis, register, staff
):
    assert client.get("/agreements/")["X-Cache"] == "miss"
    on_redis.pause()
    urls = public_urls(register)
    started = time.monotonic()
    for index in range(REQUESTS):
        response = client.get(urls[index % len(urls)])
        assert response.status_code == HTTPStatus.OK
    elapsed = time.monotonic() - started
    # The first cache call waited for its timeout (Redis really hung), then the
    # cache was skipped: not one timeout per call (2 or more a page: 20+ s).
    assert TIMEOUT * 0.9 <= elapsed < 3 * TIMEOUT, elapsed
    started = time.monotonic()
    sign_in_and_work(client, register)
    assert client.get("/readyz").json()["checks"]["cache"] == "failed"
    assert time.monotonic() - started < 2 * TIMEOUT


def test_after_the_pause_the_cache_is_used_again(client, settings, redis_server):
    settings.CACHES = fail_soft_cache(redis_server.url, retry_after=1)
    redis_server.pause()
    assert cache.get("key", "default") == "default"  # waits, then pauses
    started = time.monotonic()
    cache.set("key", "value")
    assert cache.get("key") is None  # skipped, at once
    assert time.monotonic() - started < TIMEOUT / 2
    redis_server.resume()
    time.sleep(1.1)
    cache.set("key", "value")
    assert cache.get("key") == "value"


def test_a_paused_cache_answers_as_an_empty_one(settings, redis_server):
    settings.CACHES = fail_soft_cache(redis_server.url)
    redis_server.stop()
    assert cache.get("key", "default") == "default"
    assert cache.add("key", 1) is False
    assert cache.get_many(["a", "b"]) == {}
    assert cache.set_many({"a": 1, "b": 2}) == ["a", "b"]
    assert cache.get_or_set("key", 5) == 5
    assert cache.has_key("key") is False
    with pytest.raises(ValueError):
        cache.incr("key")
    cache.delete("key")
    cache.delete_many(["a"])
    cache.clear()


@pytest.mark.skipif(os.name != "posix", reason="SIGSTOP needs POSIX")
def test_the_pause_is_shared_by_the_threads_of_a_process(settings, redis_server):
    # Django gives each thread its own backend instance: they share one pause.
    import threading

    settings.CACHES = fail_soft_cache(redis_server.url)
    redis_server.pause()
    assert cache.get("key") is None
    timings = []

    def read():
        started = time.monotonic()
        cache.get("key")
        timings.append(time.monotonic() - started)

    thread = threading.Thread(target=read)
    thread.start()
    thread.join()
    assert timings[0] < TIMEOUT / 2
