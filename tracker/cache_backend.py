"""Django's Redis cache, made to step aside for a while when Redis fails.

Every page works without the cache, so a Redis that is down or hung must cost the
site little: not a 500 (Django's ``RedisCache`` raises whatever redis-py raises), and
not a socket timeout on every cache call of every request (a hung Redis accepts
connections and never answers, so each call would wait its full timeout).

Why a subclass: neither Django's ``RedisCache`` nor django-redis can skip the cache
for a while after a failure. django-redis's ``IGNORE_EXCEPTIONS`` only turns each
error into a miss, after its timeout, on every call; and since it swallows the error,
a subclass could not see it to start a pause. So this is Django's own backend (no
extra dependency), through its public methods only: the first call that fails
(a ``RedisError``, which includes redis-py's connection errors and timeouts, or an
``OSError``) is logged, answered as a miss, and starts a pause of ``RETRY_AFTER``
seconds during which every call answers at once as an empty cache would (``get``
gives the default, ``add`` False, ``incr`` raises ``ValueError`` as for a missing
key). After the pause the next call tries Redis again.

The pause is shared by every thread of a process (each thread has its own backend
instance, as Django makes them), so a worker process pays at most one timeout per
pause. ``RETRY_AFTER`` is a key of the cache's settings beside ``OPTIONS``, which
Django's backend hands to redis-py whole.
"""

import logging
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

#: What a failing cache call raises: redis-py's errors (ConnectionError and
#: TimeoutError among them), and a socket error that escaped them.
FAILURES = (RedisError, OSError)

#: When each Redis location last failed (time.monotonic()), for every thread of the
#: process: a pause, not data, so no cache of model data.
_failed_at = {}


class FailSoftRedisCache(RedisCache):
    """``RedisCache`` that answers as an empty cache for ``RETRY_AFTER`` seconds
    after a failure, instead of raising or waiting on each call (see module doc)."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self.location = server if isinstance(server, str) else ",".join(server)
        self.retry_after = float(params.get("RETRY_AFTER", 30))

    # --- The pause ----------------------------------------------------------------

    def is_paused(self):
        """True while the cache is skipped after a failure."""
        failed_at = _failed_at.get(self.location)
        if failed_at is None:
            return False
        if time.monotonic() - failed_at < self.retry_after:
            return True
        _failed_at.pop(self.location, None)
        return False

    def _call(self, method, missing, *args, **kwargs):
        if self.is_paused():
            return missing
        try:
            return method(*args, **kwargs)
        except FAILURES:
            _failed_at[self.location] = time.monotonic()
            logger.warning(
                "cache unavailable: skipped for %s s", self.retry_after, exc_info=True
            )
            return missing

    # --- BaseCache's API ----------------------------------------------------------

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(super().add, False, key, value, timeout, version)

    def get(self, key, default=None, version=None):
        return self._call(super().get, default, key, default, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(super().set, None, key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(super().touch, False, key, timeout, version)

    def delete(self, key, version=None):
        return self._call(super().delete, False, key, version)

    def get_many(self, keys, version=None):
        return self._call(super().get_many, {}, keys, version)

    def has_key(self, key, version=None):
        return self._call(super().has_key, False, key, version)

    def incr(self, key, delta=1, version=None):
        missing = object()
        value = self._call(super().incr, missing, key, delta, version)
        if value is missing:
            # What an empty cache says: callers (rate limits) already handle it.
            raise ValueError(f"Key {key!r} not found (the cache is unavailable).")
        return value

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(super().set_many, list(data), data, timeout, version)

    def delete_many(self, keys, version=None):
        return self._call(super().delete_many, None, keys, version)

    def clear(self):
        return self._call(super().clear, False)
