import os
import shutil

import pytest

# CI sets REQUIRE_ALL=1 so that a missing outside program fails instead of skipping.
REQUIRE_ALL = os.environ.get("REQUIRE_ALL") == "1"


def skip_or_fail(reason):
    """Skip where a program is missing; fail in CI, where nothing may skip."""
    if REQUIRE_ALL:
        pytest.fail(f"required in CI: {reason}")
    pytest.skip(reason)


def pytest_configure(config):
    """Compile the translation catalogues that are newer than their .mo (``make
    test`` compiles them already; this keeps a bare ``pytest`` honest too), with
    Babel, which needs no GNU gettext."""
    from pathlib import Path

    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po in Path(__file__).resolve().parent.parent.glob("locale/*/LC_MESSAGES/*.po"):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as source:
            catalog = read_po(source)
        with mo.open("wb") as target:
            write_mo(target, catalog)


@pytest.fixture
def chromium_path():
    path = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    if not shutil.which(path):
        skip_or_fail(f"Chromium not found at {path} (apt-get install chromium)")
    return path


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # admin_client logs in with a password; the default hasher costs ~1s a test.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _english_to_start():
    # A request in Russian leaves Russian active in the thread: each test starts in
    # the default language, as a management command or a new request does.
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _clear_caches():
    # Each test starts with empty caches: cached pages and aggregates from an earlier
    # test's (rolled back) data must not leak into the next one.
    from django.core.cache import caches

    for cache in caches.all(initialized_only=True):
        cache.clear()
    yield


@pytest.fixture(autouse=True)
def _generation_moves_per_statement(request):
    """A test runs in one transaction that is rolled back, never committed. On
    PostgreSQL the register generation moves at commit (a deferred trigger), so
    within such a test its triggers are made to fire after each statement instead,
    as a committed write's would have by the next request."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None and "db" not in request.fixturenames:
        return
    from django.db import connection

    if marker is not None and marker.kwargs.get("transaction"):
        return  # autocommit: each write commits
    request.getfixturevalue("db")
    if connection.vendor == "postgresql" and connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


@pytest.fixture(autouse=True)
def _no_rate_limits(settings):
    # Tests send many requests from one address; tests/test_rate_limits.py sets limits.
    settings.RATE_LIMITS = {}


@pytest.fixture(autouse=True)
def _open_data_in_a_fresh_directory(settings, tmp_path):
    # /data/ lists what build_open_data left: never a developer's own build.
    settings.OPEN_DATA_ROOT = tmp_path / "opendata"


@pytest.fixture(autouse=True)
def _files_in_a_fresh_directory(settings, tmp_path):
    # documents' files (agreements.models.texts): never in the project's media/
    settings.MEDIA_ROOT = tmp_path / "media"
