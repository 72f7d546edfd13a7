"""Queries that look rows up by a key, made cheap to repeat: ``planned_once`` and
``CompiledOnce``.

**Planned once.**
PostgreSQL plans every query it is sent. For the document page, whose eight queries
each fetch one document's rows by its id or slug, planning (the joins of parties,
bodies, former names and sources) took about three times as long as running them:
about 4 ms of the page's 20 ms here. A prepared statement is kept by the connection;
after five runs planned for their own values, PostgreSQL switches to one plan made
for any value, planned no more, if that plan costs no more than theirs did. That is
the right plan when every value selects a handful of rows through the same index.

It is the wrong plan for the lists: "documents with Kazakhstan as a party" has 58,000
rows, "with Tuvalu" three, and a plan made for any country took 230 ms instead of
0.7 ms. So nothing is prepared by default (Django's own default: client-side binding,
no prepared statements), and a view whose queries are all key lookups opts in with
``planned_once``: within it, and only there, the connection binds parameters on the
server (which prepared statements need, and which caps a query at 65,535 parameters:
a key lookup has a handful) and prepares each query.

On when ``settings.PREPARED_STATEMENTS`` (``DJANGO_DB_PREPARED_STATEMENTS``, default
on); ``planned_once`` does nothing with it off (a pooler that cannot keep prepared
statements) or on SQLite.

**Compiled once.** Turning a queryset into SQL is work for Python too: about 0.3 to
0.8 ms a query here, 4 ms for the document page's eight, as much as PostgreSQL's own
work. ``CompiledOnce`` keeps the SQL of a ``values()`` query whose only varying value is
one key (a document's id), per database connection, and runs it again with the next
key. This is SQLAlchemy's compiled cache, for the few queries on the hottest page.
"""

import weakref
from contextlib import contextmanager

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections


def prepares_statements(using=DEFAULT_DB_ALIAS):
    """Whether ``planned_once`` prepares anything on this database."""
    return connections[using].vendor == "postgresql" and getattr(
        settings, "PREPARED_STATEMENTS", True
    )


@contextmanager
def planned_once(using=DEFAULT_DB_ALIAS):
    """Within: each query the connection runs is bound on the server and kept as a
    prepared statement (psycopg keeps the connection's 100 most recent), for this
    request and the next ones on the same connection."""
    if not prepares_statements(using):
        yield
        return
    from django.db.backends.postgresql.base import ServerBindingCursor

    connection = connections[using]
    connection.ensure_connection()
    raw = connection.connection
    previous = raw.cursor_factory, raw.prepare_threshold
    # the cursors made within bind on the server; psycopg prepares each query the
    # first time it runs (a round trip more, once per connection)
    raw.cursor_factory, raw.prepare_threshold = ServerBindingCursor, 0
    try:
        yield
    finally:
        # the connection may have been closed and replaced meanwhile (an error)
        if connection.connection is raw:
            raw.cursor_factory, raw.prepare_threshold = previous


class CompiledOnce:
    """A ``values()`` query that differs from one call to the next only in a key.

    ``build(key)`` returns the queryset; ``CompiledOnce(build)(key)`` returns its rows
    (dicts, as ``values()`` gives them) through the SQL compiled the first time, with
    this key in place of the first one. ``build`` must use the key as a plain lookup
    value and nothing else: the first call on a connection compiles it for two keys
    and refuses it (``ValueError``) if anything but the key's own parameters differs,
    which catches the usual mistakes (a value worked out from the key, a list as
    long as the key), though not a ``build`` that branches on the key's value.
    """

    def __init__(self, build):
        self.build = build
        # one entry a connection: a connection (thread) converts its own values
        self._compiled = weakref.WeakKeyDictionary()

    def __call__(self, key, using=DEFAULT_DB_ALIAS):
        connection = connections[using]
        compiled = self._compiled.get(connection)
        if compiled is None:
            compiled = self._compiled[connection] = self._compile(key, using)
        sql, params, positions, names, converters = compiled
        params = list(params)
        for position in positions:
            params[position] = key
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        width = len(names)
        result = []
        for row in rows:
            row = list(row[:width])
            for position, (functions, expression) in converters:
                value = row[position]
                for function in functions:
                    value = function(value, expression, connection)
                row[position] = value
            result.append(dict(zip(names, row, strict=True)))
        return result

    def _compile(self, key, using):
        if not isinstance(key, int):
            raise TypeError(f"CompiledOnce takes a whole-number key, not {key!r}")
        queryset = self.build(key)
        query = queryset.query
        if not query.selected or query.extra_select or query.is_sliced:
            raise ValueError("CompiledOnce takes a plain values() query")
        compiler = query.get_compiler(using)
        sql, params = compiler.as_sql()
        other_sql, other_params = self.build(key + 1).query.get_compiler(using).as_sql()
        refused = ValueError(
            "CompiledOnce: the query changes with its key in more than the key's own "
            "parameters"
        )
        if sql != other_sql or len(params) != len(other_params):
            raise refused
        positions = [
            index
            for index, (one, other) in enumerate(zip(params, other_params, strict=True))
            if one != other
        ]
        if not positions or any(
            params[index] != key or other_params[index] != key + 1
            for index in positions
        ):
            raise refused
        names = list(query.selected)  # as ValuesIterable
        fields = [column[0] for column in compiler.select[: compiler.col_count]]
        if len(fields) != len(names):
            raise ValueError("CompiledOnce takes a plain values() query")
        converters = list(compiler.get_converters(fields).items())
        return sql, tuple(params), positions, names, converters
