"""Aggregates over the whole register, cached until the register changes.

The home page's counts, a filtered list's count, the countries that are parties, a
country's years, the follow-up dashboard's lists: each would scan the register at
every request. They are kept in the cache under the register's stamp
(``register_stamp``), which any change moves, so the first request after a change
computes them again. A view reads the stamp once and passes it to each
``cached_aggregate`` of its request.
"""

import logging
from typing import NamedTuple

from django.core.cache import cache
from django.db import DatabaseError
from django.db.models import Max
from django.utils.translation import get_language

from .cache import generation
from .models import Document

logger = logging.getLogger(__name__)
_MISSING = object()

#: How long an aggregate may live when keyed on the last change of a published
#: document (deletions do not move it): a database without the register generation.
AGGREGATE_TIMEOUT = 300
#: How long it may live when keyed on the register generation, which every change
#: moves: only so that entries nobody asks for again leave the cache.
GENERATION_TIMEOUT = 24 * 60 * 60


class Stamp(NamedTuple):
    """What cached aggregates are keyed on, and how long they may live."""

    key: str
    timeout: int


def register_stamp():
    """A new stamp whenever the register changes.

    The register generation (``agreements.cache``: database triggers change it with
    every write to the app's tables, deletions and bulk loads included), one
    primary-key query. Without it (a database not migrated, or without triggers),
    when a published document last changed, which misses deletions: entries then
    live ``AGGREGATE_TIMEOUT`` at most.
    """
    try:
        current = generation()
    except DatabaseError:  # not migrated yet
        current = None
    if current is not None:
        return Stamp(f"g{current}", GENERATION_TIMEOUT)
    last = _last_changed()
    return Stamp(f"t{last.isoformat() if last else 'none'}", AGGREGATE_TIMEOUT)


def cached_aggregate(stamp, key, compute, *, per_language=True):
    """``compute()``, cached under ``stamp`` (from ``register_stamp``) and ``key``,
    which names the value and whatever else it depends on (the filters, the day),
    and under the language active: names and titles are read in it (with the English
    where it has none), and records carry that language's columns; a value that is
    the same in every language (a count, ids) says ``per_language=False``.
    """
    language = get_language() if per_language else "-"
    key = f"agreements:{key}:{language}:{stamp.key}"
    try:
        value = cache.get(key, _MISSING)
    except Exception:  # the shared cache (Redis) is down: compute, as uncached
        logger.warning("cache unavailable: %s computed without it", key, exc_info=True)
        return compute()
    if value is _MISSING:
        value = compute()
        try:
            cache.set(key, value, timeout=stamp.timeout)
        except Exception:
            logger.warning("cache unavailable: %s not stored", key, exc_info=True)
    return value


def _last_changed():
    return Document.objects.listed().aggregate(last=Max("updated_at"))["last"]


def last_changed(stamp=None):
    """When a published document last changed (``None`` if none is published)."""
    if stamp is None:
        return _last_changed()
    return cached_aggregate(stamp, "last-changed", _last_changed)
