"""The public pages' cache, and the register generation that invalidates it.

What is cached: a 200 answer to an anonymous GET of a public page (``PUBLIC_PATHS``),
whole, in ``caches[PAGE_CACHE_ALIAS]`` (Redis when ``REDIS_URL`` is set, otherwise each
worker's own memory) for ``PAGE_CACHE_SECONDS`` (0 turns the cache off). A HEAD is
answered from the GET's entry; every entry has an ``ETag``, so a browser that asks again
with ``If-None-Match`` gets a 304.

Who never gets a cached page, and whose page is never stored: a request carrying the
session cookie (staff signed in, or with an expired session), the messages cookie or
an ``Authorization`` header is passed through untouched, so the header, drafts and
messages an editor sees are rendered for them alone. A response is stored only if it
sets no cookie (a page that used a CSRF token sets one, so it is never shared) and
varies on nothing but ``Cookie``. The middleware stands before the session and
authentication middleware, so a hit costs no session, user or template work.

Invalidation, across any number of worker processes and hosts: every page's key holds
the **register generation**, a number in a one-row table (``agreements_generation``)
that database triggers change in the same transaction as any insert, update or delete
of any table of the app (except the history tables): admin forms, inlines, bulk
actions, many-to-many changes, cascading deletes, ``loaddata``, ``bulk_create``,
``QuerySet.update()`` and raw SQL alike. A request reads the generation first (one
primary-key query): once a change is committed, every worker's next request looks
for a new key, and the entries under the old one are simply never read again (the
cache's own expiry and size limit evict them). A request that read the generation
before the commit may store the page it rendered under the old generation: nobody asks
for that key again, so nothing stale is ever served. Memory caches need no message
between processes, and Redis needs no deletion. The key also holds the day (overdue
and due-soon actions move with it), the scheme and host (the calendar holds absolute
links) and the path with the parameters the page knows, normalised
(``canonical_query``): a request with parameters the page does not know never stores
its page, so junk parameters cannot fill the cache. A query string longer than
``MAX_QUERY_LENGTH`` is never cached, and each cache bounds how many pages it holds
(``MAX_ENTRIES`` in memory, the expiry in Redis; see docs/deployment.md for Redis).

``migrate`` creates the table and the triggers (SQLite drops a table's triggers when a
migration rebuilds it, so every ``migrate`` puts back the missing ones) and moves the
generation, so pages rendered by the previous release are not served after a deploy.
The table is made outside the migrations, like Django's ``createcachetable``: it holds
no data of the register and must survive ``flush`` and restores.
"""

import hashlib
import logging
from urllib.parse import parse_qsl, urlencode

from django.apps import apps
from django.conf import settings
from django.core.cache import caches
from django.db import DatabaseError, connections
from django.http import HttpResponse
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.cache import get_conditional_response, set_response_etag
from django.utils.translation import get_language_from_path, override

logger = logging.getLogger(__name__)

TABLE = "agreements_generation"
#: The trigger names on PostgreSQL (one of each a table), and the function they run:
#: a row trigger deferred to the commit, and one for TRUNCATE (which has no rows).
PG_TRIGGER = "agreements_generation_at_commit"
PG_TRUNCATE_TRIGGER = "agreements_generation_truncate"
#: The statement trigger of earlier releases, replaced by the two above.
PG_OLD_TRIGGER = "agreements_generation"
PG_FUNCTION = "agreements_bump_generation"
#: The statement (its start time) that last moved the generation in this transaction:
#: the deferred triggers all fire in the COMMIT statement, so it moves once a
#: transaction (once a statement where constraints are immediate, as in tests).
PG_FLAG = "agreements.generation_moved"

#: Paths served from the cache: the public site and its feeds, exactly as listed
#: (``/`` alone, the others with everything under them). Admin, /healthz, /readyz,
#: static files and the bulk files of /data/files/ are never cached.
PUBLIC_PATHS = ("/",)
PUBLIC_PREFIXES = (
    "/agreements/",
    "/bodies/",
    "/events/",
    "/countries/",
    "/follow-up/",
    "/feeds/",
    "/sitemap",
)
#: Longer query strings (10 kB searches, junk) are rendered but never stored.
MAX_QUERY_LENGTH = 1024
#: Cookies that mean the page may be rendered for this visitor alone.
PRIVATE_COOKIES = ("messages",)
#: ``Vary`` values a stored page may carry: the key is taken only from requests that
#: have no session, so a page that varies on ``Cookie`` is the same for all of them;
#: a public page's language is its address's (LocaleMiddleware adds
#: ``Accept-Language`` to the English ones all the same).
ALLOWED_VARY = {"cookie", "accept-language"}
#: The cache key format; change it when an entry's shape changes.
KEY_PREFIX = "page:v2"


# --- The register generation --------------------------------------------------------


def _upsert(seed):
    # The first value is random, so a table made again (a new database behind a Redis
    # that outlived the old one) does not start again at numbers already used as keys.
    return (
        f"INSERT INTO {TABLE} (id, generation) VALUES (1, {seed}) "
        f"ON CONFLICT (id) DO UPDATE SET generation = {TABLE}.generation + 1"
    )


_SEED = {
    "sqlite": "abs(random() % 1000000000000)",
    "postgresql": "floor(random() * 1000000000000)::bigint",
}


def generation(using="default"):
    """The register generation: it changes whenever anything in the register does.

    ``None`` on a database without the triggers (the page cache then stays off).
    """
    connection = connections[using]
    if connection.vendor not in _SEED:
        return None
    return _read_generation(connection)


def _read_generation(connection):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT generation FROM {TABLE} WHERE id = 1")
        row = cursor.fetchone()
    return row[0] if row else 0


def bump_generation(using="default"):
    """Change the generation by hand (the triggers do it for every write)."""
    connection = connections[using]
    if connection.vendor in _SEED:
        with connection.cursor() as cursor:
            cursor.execute(_upsert(_SEED[connection.vendor]))


def _watched_tables(connection):
    """The tables of the app whose changes show on public pages: all but history."""
    from simple_history.models import HistoricalChanges

    existing = set(connection.introspection.table_names())
    tables = {
        model._meta.db_table
        for model in apps.get_app_config("agreements").get_models(
            include_auto_created=True
        )
        if not model._meta.proxy
        and model._meta.managed
        and not issubclass(model, HistoricalChanges)
    }
    return sorted(tables & existing)


def _sqlite_triggers(tables):
    bump = _upsert(_SEED["sqlite"])
    return {
        f"{table}_generation_{event}": (
            f"CREATE TRIGGER {table}_generation_{event} AFTER {event.upper()} "
            f"ON {table} FOR EACH ROW BEGIN {bump}; END"
        )
        for table in tables
        for event in ("insert", "update", "delete")
    }


def install_generation_triggers(connection):
    """Create the generation table and each watched table's trigger where missing.

    SQLite runs a row trigger (a plain upsert of one row; SQLite writes one
    transaction at a time). PostgreSQL runs a row trigger deferred to the commit that
    moves the generation once in the COMMIT (``PG_FLAG``), so ``bulk_create`` of
    thousands of rows changes it once, and the generation row is the last lock a
    transaction takes.
    """
    vendor = connection.vendor
    if vendor not in _SEED:
        return
    tables = _watched_tables(connection)
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {TABLE} "
            "(id integer PRIMARY KEY, generation bigint NOT NULL)"
        )
        if vendor == "sqlite":
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                "AND name LIKE '%\\_generation\\_%' ESCAPE '\\'"
            )
            existing = dict(cursor.fetchall())
            for name, sql in _sqlite_triggers(tables).items():
                if existing.get(name) != sql:
                    cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
                    cursor.execute(sql)
        else:
            # At commit, once a transaction: the generation row is locked last, after
            # every row the transaction locks, so two writers that lock rows in
            # different orders never also wait on each other through it.
            cursor.execute(
                f"CREATE OR REPLACE FUNCTION {PG_FUNCTION}() RETURNS trigger "
                "LANGUAGE plpgsql AS $$ BEGIN "
                f"IF current_setting('{PG_FLAG}', true) IS DISTINCT FROM "
                "statement_timestamp()::text THEN "
                f"PERFORM set_config('{PG_FLAG}', statement_timestamp()::text, true); "
                f"{_upsert(_SEED[vendor])}; END IF; RETURN NULL; END $$"
            )
            cursor.execute(
                "SELECT tgrelid::regclass::text, tgname FROM pg_trigger "
                "WHERE tgname IN (%s, %s, %s)",
                [PG_TRIGGER, PG_OLD_TRIGGER, PG_TRUNCATE_TRIGGER],
            )
            existing = set(cursor.fetchall())
            for table in tables:
                if (table, PG_OLD_TRIGGER) in existing:
                    cursor.execute(f"DROP TRIGGER {PG_OLD_TRIGGER} ON {table}")
                if (table, PG_TRIGGER) not in existing:
                    cursor.execute(
                        f"CREATE CONSTRAINT TRIGGER {PG_TRIGGER} "
                        f"AFTER INSERT OR UPDATE OR DELETE ON {table} "
                        "DEFERRABLE INITIALLY DEFERRED "
                        f"FOR EACH ROW EXECUTE FUNCTION {PG_FUNCTION}()"
                    )
                if (table, PG_TRUNCATE_TRIGGER) not in existing:
                    cursor.execute(
                        f"CREATE TRIGGER {PG_TRUNCATE_TRIGGER} AFTER TRUNCATE ON "
                        f"{table} FOR EACH STATEMENT EXECUTE FUNCTION {PG_FUNCTION}()"
                    )
    bump_generation(connection.alias)


def install_after_migrate(sender, using="default", **kwargs):
    """``post_migrate``: the table, the triggers, and fresh pages after a deploy."""
    if getattr(sender, "label", None) == "agreements":
        install_generation_triggers(connections[using])


# --- The middleware -----------------------------------------------------------------


def _is_public(path):
    """A public page's path, in English or under a language's prefix."""
    language = get_language_from_path(path)
    if language and language != settings.LANGUAGE_CODE:
        path = path.removeprefix(f"/{language}")
    return path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)


def _cacheable_request(request):
    return (
        request.method in ("GET", "HEAD")
        and _is_public(request.path_info)
        and len(request.META.get("QUERY_STRING", "")) <= MAX_QUERY_LENGTH
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and not any(name in request.COOKIES for name in PRIVATE_COOKIES)
        and "HTTP_AUTHORIZATION" not in request.META
    )


#: The query parameters each cached page knows (by URL name). A key is made of these
#: alone; a page not listed here knows none.
PAGE_PARAMS = {
    "agreements:document-list": (
        "q",
        "kind",
        "status",
        "follow_up",
        "topic",
        "country",
        "body",
        "event",
        "signed_after",
        "signed_before",
        "ordering",
        "page",
    ),
    # the documents feed: the list's filters (its order is the feed's own)
    "agreements:feed-documents": (
        "q",
        "kind",
        "status",
        "follow_up",
        "topic",
        "country",
        "body",
        "event",
        "signed_after",
        "signed_before",
        "ordering",
    ),
    "agreements:feed-followup": ("country", "body"),
    "agreements:body-list": ("q", "page"),
    "agreements:body-detail": ("page",),
    "agreements:event-list": ("page",),
    "agreements:event-detail": ("page",),
    "followup:followup-calendar": ("country", "body", "lang"),
    "sitemap-section": ("p",),
}
#: The parameters of a page that take several values (``?country=KZ&country=AZ``).
REPEATABLE = {
    "agreements:document-list": {"kind", "status", "follow_up", "topic", "country"},
    "followup:followup-calendar": {"country", "body"},
    "agreements:feed-documents": {"kind", "status", "follow_up", "topic", "country"},
    "agreements:feed-followup": {"country", "body"},
}
#: Values that mean the same as leaving the parameter out.
DEFAULT_VALUES = {"page": "1", "p": "1"}


def canonical_query(request, *, leave_out=()):
    """``(query, known_only)``: the parameters the page knows, in the page's order,
    read as the view reads them: a repeatable one (``REPEATABLE``) as its values,
    each once and sorted; any other as its last value, as ``QueryDict.get`` gives
    it. Empty and default values are dropped, and the names in ``leave_out``.
    ``known_only`` is False when the request carries a parameter the page does not
    know.

    Requests that differ only in order, repeats or empty fields share one entry. A
    request with unknown parameters is served a stored canonical page but never
    stores one, so junk parameters cannot fill the cache.
    """
    pairs = parse_qsl(request.META.get("QUERY_STRING", ""), keep_blank_values=True)
    # resolved in the language of the address: /ru/... matches only in Russian
    language = get_language_from_path(request.path_info) or settings.LANGUAGE_CODE
    try:
        with override(language):
            view_name = resolve(request.path_info).view_name
    except Resolver404:
        view_name = None
    known = PAGE_PARAMS.get(view_name, ())
    repeatable = REPEATABLE.get(view_name, set())
    values = {}
    for name, value in pairs:
        if name not in known or name in leave_out:
            continue
        if name in repeatable:
            values.setdefault(name, set()).add(value)
        else:
            values[name] = {value}  # the last one wins, as in the view
    kept = [
        (name, value)
        for name in known
        for value in sorted(values.get(name, ()))
        if value and value != DEFAULT_VALUES.get(name)
    ]
    return urlencode(kept), all(name in known for name, _value in pairs)


def page_key(request, generation, query):
    """The cache key of this request's page under ``generation``, in the language
    of its address (its /ru/, /kk/ or /az/ prefix; English without one): the same
    page in four languages is four entries, and a change to the register (a new
    generation) leaves all of them behind."""
    language = get_language_from_path(request.path_info) or settings.LANGUAGE_CODE
    address = f"{request.scheme}://{request.get_host()}{request.path}?{query}"
    digest = hashlib.md5(address.encode(), usedforsecurity=False).hexdigest()
    day = timezone.localdate().isoformat()
    return f"{KEY_PREFIX}:{generation}:{day}:{language}:{digest}"


def _storable(response):
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    cache_control = response.get("Cache-Control", "").lower()
    if any(word in cache_control for word in ("private", "no-store", "no-cache")):
        return False
    vary = {
        value.strip().lower()
        for value in response.get("Vary", "").split(",")
        if value.strip()
    }
    return vary <= ALLOWED_VARY


class PublicPageCacheMiddleware:
    """Serve anonymous visitors the public pages from the cache (see module doc).

    Stands after SecurityMiddleware, the CSP middleware and WhiteNoise (their headers
    are added to every answer, cached or not) and before SessionMiddleware.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        seconds = getattr(settings, "PAGE_CACHE_SECONDS", 600)
        if not seconds or not _cacheable_request(request):
            return self.get_response(request)
        try:
            current = generation()
        except DatabaseError:
            # Not migrated yet: without the triggers a cached page could go stale.
            logger.exception("page cache off: the register generation is unreadable")
            return self.get_response(request)
        if current is None:
            return self.get_response(request)
        cache = caches[getattr(settings, "PAGE_CACHE_ALIAS", "default")]
        query, known_only = canonical_query(request)
        key = page_key(request, current, query)

        try:
            entry = cache.get(key)
        except Exception:  # the shared cache (Redis) is down: serve uncached
            logger.warning("page cache unavailable", exc_info=True)
            return self.get_response(request)
        if entry is not None:
            content, headers = entry
            response = HttpResponse(content, headers=headers)
            response["X-Cache"] = "hit"
            return get_conditional_response(
                request, etag=response.get("ETag"), response=response
            )

        response = self.get_response(request)
        # HEAD is answered from a GET's entry but never stored (a view may answer a
        # HEAD with less).
        if request.method == "GET" and known_only and _storable(response):
            set_response_etag(response)
            try:
                cache.set(key, (response.content, dict(response.items())), seconds)
            except Exception:
                logger.warning("page cache unavailable", exc_info=True)
                return response
            response["X-Cache"] = "miss"
            return get_conditional_response(
                request, etag=response.get("ETag"), response=response
            )
        return response
