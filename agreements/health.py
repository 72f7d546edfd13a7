"""Readiness probe: ``/readyz`` says whether this app server can serve the register.

``/healthz`` (agreements.views) only says the process answers; a load balancer should
route traffic to a host only while ``/readyz`` answers 200. Each check is a trivial
round trip to a service; the answer names the check that failed, and the log has the
error (the response does not: it may name hosts or users).

Only the database is required: without it this host cannot serve, so the answer is
503. The cache is optional: every page works without it (slower), and the cache is
shared by every host, so failing readiness on it would take every host out of the
load balancer at once for one Redis outage. A failed cache is reported as
``"status": "degraded"`` with 200.
"""

import logging
import secrets

from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)


def check_database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        if cursor.fetchone() != (1,):
            raise RuntimeError("SELECT 1 did not return 1")


def check_cache():
    # tracker.cache_backend answers as an empty cache for a while after a failure:
    # the probe then fails at once, without waiting on Redis again.
    if getattr(cache, "is_paused", lambda: False)():
        raise RuntimeError("the cache is skipped after a recent failure")
    # A key of its own per probe, so concurrent probes cannot see each other's value.
    key = f"readyz:{secrets.token_hex(8)}"
    value = secrets.token_hex(8)
    cache.set(key, value, timeout=10)
    try:
        if cache.get(key) != value:
            raise RuntimeError("the value written to the cache did not come back")
    finally:
        cache.delete(key)


CHECKS = {"database": check_database, "cache": check_cache}
#: Checks whose failure means this host cannot serve (503); the others degrade it.
REQUIRED = {"database"}


@never_cache
@require_safe
def readyz(request):
    """``{"status": "ok" | "degraded" | "failed", "checks": {...}, "failed": [...]}``:
    503 when a required check failed, else 200."""
    results = {}
    for name, check in CHECKS.items():
        try:
            check()
        except Exception:  # any failure counts; the log has the details
            logger.exception("readiness check %r failed", name)
            results[name] = "failed"
        else:
            results[name] = "ok"
    failed = [name for name, result in results.items() if result != "ok"]
    unready = REQUIRED.intersection(failed)
    status = "failed" if unready else "degraded" if failed else "ok"
    return JsonResponse(
        {"status": status, "checks": results, "failed": failed},
        status=503 if unready else 200,
    )
