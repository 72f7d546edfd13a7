"""``/readyz``: 200 while this host can serve (a failed cache is "degraded"), 503 when
the database does not answer; the answer names what failed."""

import logging
import socket
from http import HTTPStatus

import pytest
from django.contrib.auth import get_user_model
from django.db import OperationalError, connections
from django.test import override_settings

from tests.conftest import skip_or_fail

pytestmark = pytest.mark.django_db

REDIS = ("127.0.0.1", 6379)
# A Redis database of this project's tests' own (the page cache's tests use 5).
REDIS_URL = "redis://127.0.0.1:6379/7"


def redis_cache(location):
    """The cache REDIS_URL selects (tracker/settings.py)."""
    return {
        "default": {
            "BACKEND": "tracker.cache_backend.FailSoftRedisCache",
            "LOCATION": location,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def redis_server():
    try:
        socket.create_connection(REDIS, timeout=1).close()
    except OSError:
        skip_or_fail(f"no Redis server at {REDIS[0]}:{REDIS[1]}")


def test_readyz_answers_200_with_each_check(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(1):
        response = client.get("/readyz")
    assert response.status_code == HTTPStatus.OK
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "cache": "ok"},
        "failed": [],
    }
    assert "no-cache" in response["Cache-Control"]


def test_readyz_names_the_database_when_it_fails(client, monkeypatch, caplog):
    def refuse(*args, **kwargs):
        raise OperationalError("connection to server at 10.0.0.5 failed")

    monkeypatch.setattr(connections["default"], "cursor", refuse)
    response = client.get("/readyz")
    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert response.json() == {
        "status": "failed",
        "checks": {"database": "failed", "cache": "ok"},
        "failed": ["database"],
    }
    assert b"10.0.0.5" not in response.content  # details go to the log only
    assert "readiness check 'database' failed" in caplog.text
    assert "10.0.0.5" in caplog.text


@pytest.mark.parametrize(
    "backend",
    [
        "tracker.cache_backend.FailSoftRedisCache",
        "django.core.cache.backends.redis.RedisCache",
    ],
)
def test_a_failed_cache_makes_readyz_degraded_not_unready(client, backend):
    # Pages work without the cache, and every host shares it: one Redis outage must
    # not take every host out of the load balancer. Nothing listens on this port.
    caches = redis_cache(f"redis://127.0.0.1:{free_port()}/0")
    caches["default"]["BACKEND"] = backend
    with override_settings(CACHES=caches):
        response = client.get("/readyz")
    assert response.status_code == HTTPStatus.OK
    assert response.json() == {
        "status": "degraded",
        "checks": {"database": "ok", "cache": "failed"},
        "failed": ["cache"],
    }


def test_readyz_is_unready_when_the_database_fails_even_with_the_cache_down(
    client, monkeypatch
):
    def refuse(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(connections["default"], "cursor", refuse)
    with override_settings(CACHES=redis_cache(f"redis://127.0.0.1:{free_port()}/0")):
        response = client.get("/readyz")
    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert response.json()["status"] == "failed"
    assert response.json()["failed"] == ["database", "cache"]


def test_readyz_refuses_other_methods(client):
    assert client.post("/readyz").status_code == HTTPStatus.METHOD_NOT_ALLOWED
    assert client.head("/readyz").status_code == HTTPStatus.OK


def test_readyz_with_redis_as_the_shared_cache(client, redis_server, caplog):
    caplog.set_level(logging.ERROR)
    with override_settings(CACHES=redis_cache(REDIS_URL)):
        response = client.get("/readyz")
    assert response.status_code == HTTPStatus.OK, caplog.text
    assert response.json()["checks"] == {"database": "ok", "cache": "ok"}


def test_sessions_are_in_the_database_not_in_redis(client, redis_server):
    # With Redis as the cache, a session is stored in the database only: a Redis
    # outage or restart signs nobody out and refuses no login.
    from django.contrib.sessions.models import Session
    from django.core.cache import cache

    user = get_user_model().objects.create_superuser("ops", "ops@example.org", "pw")
    with override_settings(CACHES=redis_cache(REDIS_URL)):
        cache.clear()
        client.force_login(user)
        key = client.session.session_key
        assert Session.objects.filter(session_key=key).exists()
        assert client.get("/admin/").status_code == HTTPStatus.OK
        assert cache.get(f"django.contrib.sessions.cached_db{key}") is None
        assert cache.get(f"django.contrib.sessions.cache{key}") is None
        cache.clear()  # leave the test database of Redis empty
