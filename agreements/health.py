"""Readiness probe: ``/readyz`` says whether this app server can serve the register.

``/healthz`` (agreements.views) only says the process answers; a load balancer should
route traffic to a host only while ``/readyz`` answers 200. Each check is a trivial
round trip to a service the pages need; the answer names the check that failed, and
the log has the error (the response does not: it may name hosts or users).
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


@never_cache
@require_safe
def readyz(request):
    """200 with ``{"status": "ok", "checks": {...}}``, or 503 naming what failed."""
    results = {}
    for name, check in CHECKS.items():
        try:
            check()
        except Exception:  # any failure means "not ready"; the log has the details
            logger.exception("readiness check %r failed", name)
            results[name] = "failed"
        else:
            results[name] = "ok"
    failed = [name for name, result in results.items() if result != "ok"]
    return JsonResponse(
        {"status": "failed" if failed else "ok", "checks": results, "failed": failed},
        status=503 if failed else 200,
    )
