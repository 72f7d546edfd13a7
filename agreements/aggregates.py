"""Aggregates over the whole register, cached until the register changes.

The home page's counts, a filtered list's count, the countries that are parties, a
country's years, the follow-up dashboard's lists: each would scan the register at
every request. They are computed once and kept in the cache under the register's
stamp (``register_stamp``), which any change moves, so the next request after a change
computes them again. Pages themselves are never cached here (``agreements.cache``
does that for anonymous visitors, and can be switched off).
"""

import logging

from django.core.cache import cache
from django.db import DatabaseError
from django.db.models import Max, Subquery, Value

from .cache import generation
from .models import Document

logger = logging.getLogger(__name__)
_MISSING = object()

#: How long a cached aggregate may live when it is keyed on the last change of a
#: published document (deletions do not move it): without the register generation.
AGGREGATE_TIMEOUT = 300
#: How long it may live when keyed on the register generation, which every change
#: moves: only so that entries nobody asks for again leave the cache.
GENERATION_TIMEOUT = 24 * 60 * 60


def register_stamp(request=None):
    """What cached aggregates are keyed on: a new value whenever the register changes.

    The register generation (``agreements.cache``: database triggers change it with
    every write to the app's tables, deletions and bulk loads included) when the
    database has it: one primary-key query a request, none when the page cache has
    already read it. Otherwise when a published document last changed, which misses
    deletions: entries then live ``AGGREGATE_TIMEOUT`` at most.
    """
    if request is not None and hasattr(request, "_register_stamp"):
        return request._register_stamp
    current = getattr(request, "register_generation", None)
    if current is None:
        try:
            current = generation()
        except DatabaseError:  # not migrated yet
            current = None
    if current is not None:
        stamp = (f"g{current}", None)
    else:
        last = _last_changed()
        stamp = (f"t{last.isoformat() if last else 'none'}", AGGREGATE_TIMEOUT)
        if request is not None:
            request._register_last_changed = last
    if request is not None:
        request._register_stamp = stamp
    return stamp


def cached_aggregate(request, key, compute):
    """``compute()``, cached until the register changes (see ``register_stamp``).

    ``key`` names the value and everything else it depends on (the filters, the
    day for what is overdue).
    """
    stamp, timeout = register_stamp(request)
    key = f"agreements:{key}:{stamp}"
    try:
        value = cache.get(key, _MISSING)
    except Exception:  # the shared cache (Redis) is down: compute, as uncached
        logger.warning("cache unavailable: %s computed without it", key, exc_info=True)
        return compute()
    if value is _MISSING:
        value = compute()
        try:
            cache.set(key, value, timeout=timeout or GENERATION_TIMEOUT)
        except Exception:
            logger.warning("cache unavailable: %s not stored", key, exc_info=True)
    return value


def _last_changed():
    # "= true" lets SQLite walk the (is_published, updated_at) index
    return Document.objects.filter(is_published=Value(True)).aggregate(
        last=Max("updated_at")
    )["last"]


def last_changed_column():
    """When a published document last changed, as a subquery: a page whose own
    query reads it (``annotate()``) and gives it to ``remember_last_changed`` needs
    no other query for its footer."""
    return Subquery(
        Document.objects.filter(is_published=Value(True))
        .order_by("-updated_at")
        .values("updated_at")[:1]
    )


def remember_last_changed(request, value):
    """Use ``value`` (from ``last_changed_column``) as this request's last change."""
    request._register_last_changed = value


def last_changed(request=None):
    """When a published document last changed (``None`` if none is published).

    Once a request (the footer shows it), from the cache while nothing changes.
    """
    if request is not None and hasattr(request, "_register_last_changed"):
        return request._register_last_changed
    if request is None:
        return _last_changed()
    last = cached_aggregate(request, "last-changed", _last_changed)
    request._register_last_changed = last
    return last
