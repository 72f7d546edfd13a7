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
def _clear_caches():
    # Each test starts with empty caches: cached pages and aggregates from an earlier
    # test's (rolled back) data must not leak into the next one.
    from django.core.cache import caches

    for cache in caches.all(initialized_only=True):
        cache.clear()
    yield
