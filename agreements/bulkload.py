"""Bulk loading for ``seed_demo``: rows made by the test factories, written fast.

A factory's ``build()`` costs 40-60 µs a row in factory-boy's declaration machinery,
and ``bulk_create()`` another 40 µs in Django's query compiler: at two million rows
that was most of a demo's seeding time. Here each factory builds ONE instance, the
template of every row of its model; a row is that template with the values the
demo sets, as a plain dict, and each table's rows are written with one
``executemany`` (SQLite) or ``COPY`` (PostgreSQL) per batch.

A row is what ``factory.build(**values)`` gives, field for field: a ``Table`` refuses
a row that does not set every sequence, lazy attribute and sub-factory of its
factory (those differ from row to row), and sets nothing it was not told it would.
Ids are given in Python, from the table's sequence, so rows point to each other
before they are saved and nothing is read back. Like ``bulk_create``, this writes no
history (django-simple-history) and sends no signals.

``batch_writer`` writes each batch in its own transaction; on PostgreSQL, on a second
connection in a second thread, so that the server works on one batch while Python
makes the next (on two cores the load takes less than the sum of the two).
"""

import contextlib
import itertools
import operator
import queue
import threading

import factory
from django.db import connections, transaction

# Field types whose Python values both databases' drivers take as they are; any
# other type goes through the field's ``get_db_prep_save`` (dates on SQLite, say).
_AS_IS = {
    "AutoField",
    "BigAutoField",
    "BigIntegerField",
    "BooleanField",
    "CharField",
    "EmailField",
    "ForeignKey",
    "IntegerField",
    "PositiveBigIntegerField",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "SlugField",
    "SmallIntegerField",
    "TextField",
    "URLField",
}
# PostgreSQL hands out ids in blocks of up to this many (unused ones are a gap).
ID_BLOCK = 20_000


class Table:
    """The rows of one model waiting to be written, and how to write them.

    ``factory_class`` builds the template (the model's own defaults without one, for
    the through tables of many-to-many fields); ``per_row`` names, by attribute
    (``document_id``, not ``document``), the fields every row sets.
    """

    def __init__(self, connection, model, *, factory_class=None, per_row=()):
        # Rows are written on the calling thread's connection to the same database,
        # which need not be this one (see ``batch_writer``).
        self.using = connection.alias
        self.model = model
        self.table = model._meta.db_table
        self.factory_class = factory_class
        self.fields = [
            field for field in model._meta.concrete_fields if not field.generated
        ]
        self.pk = model._meta.pk.attname
        attnames = {field.name: field.attname for field in self.fields}
        self.per_row = frozenset(per_row)
        unknown = self.per_row - set(attnames.values())
        if unknown:
            raise ValueError(f"{model.__name__} has no fields {sorted(unknown)}")
        if factory_class is None:
            template = model()
        else:
            # Every declaration that is not a plain value (sequence, lazy attribute,
            # sub-factory, trait) gives each row its own value: the caller sets it.
            declarations = factory_class._meta.pre_declarations.as_dict()
            dynamic = {
                attnames.get(name, name)
                for name, value in declarations.items()
                if isinstance(value, factory.declarations.BaseDeclaration)
            }
            unset = dynamic - self.per_row
            if unset:
                raise ValueError(
                    f"{factory_class.__name__} makes {sorted(unset)} per row: "
                    "set them on every row"
                )
            template = factory_class.build()
        # pre_save() fills in auto_now fields: one "updated" time for the load.
        self.defaults = {
            field.attname: field.pre_save(template, True)
            for field in self.fields
            if field.attname not in self.per_row
        }
        self.defaults[self.pk] = None
        self.columns = [field.attname for field in self.fields]
        self._values = operator.itemgetter(*self.columns)
        self._prepare = [
            (index, _cached(field, connection))
            for index, field in enumerate(self.fields)
            if field.get_internal_type() not in _AS_IS
        ]
        self._ids = _Ids(self.using, model)
        self.rows = []
        self.written = 0

    def add(self, **values):
        """Add a row (a dict by attribute name, id included) and return it.

        The row may still be changed until the table is written.
        """
        if values.keys() != self.per_row:
            raise ValueError(
                f"a {self.model.__name__} row sets {sorted(self.per_row)}, "
                f"not {sorted(values)}"
            )
        row = self.defaults.copy()
        row.update(values)
        row[self.pk] = next(self._ids)
        self.rows.append(row)
        return row

    def add_instance(self, instance):
        """Add a row from an unsaved instance (built per row); gives it its id."""
        instance.pk = next(self._ids)
        for field in self.fields:
            if field.is_relation and field.is_cached(instance):
                # Related objects given before they had an id.
                related = getattr(instance, field.name)
                if related is not None:
                    setattr(instance, field.attname, related.pk)
        self.rows.append(
            {field.attname: field.pre_save(instance, True) for field in self.fields}
        )
        return instance

    def take(self):
        """The rows added since the last ``take()``, for ``write()``."""
        rows, self.rows = self.rows, []
        return rows

    def write(self, rows=None):
        """Write ``rows`` (by default the rows added since the last write)."""
        if rows is None:
            rows = self.take()
        if not rows:
            return
        values = [list(self._values(row)) for row in rows]
        for index, prepare in self._prepare:
            for row in values:
                row[index] = prepare(row[index])
        connection = connections[self.using]
        quote = connection.ops.quote_name
        table = quote(self.table)
        columns = ", ".join(quote(field.column) for field in self.fields)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # COPY is PostgreSQL's bulk path: several times faster than INSERT.
                with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for row in values:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(self.fields))
                cursor.executemany(
                    f"INSERT INTO {table} ({columns}) VALUES ({marks})", values
                )
        self.written += len(values)


def _cached(field, connection):
    """``field.get_db_prep_save`` remembered per value (dates repeat a lot).

    Only ``connection.ops`` is used, so any thread may call it.
    """
    cache = {None: None}

    def prepare(value):
        try:
            return cache[value]
        except KeyError:
            prepared = cache[value] = field.get_db_prep_save(value, connection)
            return prepared
        except TypeError:  # unhashable
            return field.get_db_prep_save(value, connection)

    return prepare


class _Ids:
    """The next free ids of a table, handed out one at a time.

    PostgreSQL: taken from the table's sequence in blocks (growing to ``ID_BLOCK``),
    as inserts would take them, so they are safe beside other writers and the
    sequence stays ahead of the table; ids left unused at the end are a gap, as
    after a rollback. SQLite: AUTOINCREMENT never gives an id twice, so they follow
    the highest id the table ever had, read when the table is set up, before
    anything is written (SQLite has one writer at a time).
    """

    def __init__(self, using, model):
        self.using = using
        self.table = model._meta.db_table
        self.column = model._meta.pk.column
        self.block = 100
        if connections[using].vendor == "postgresql":
            self.free = iter(())
        else:
            self.free = self._after_highest()

    def __next__(self):
        try:
            return next(self.free)
        except StopIteration:
            self.free = self._from_sequence()
            return next(self.free)

    def _from_sequence(self):
        with connections[self.using].cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) "
                "FROM generate_series(1, %s)",
                [self.table, self.column, self.block],
            )
            ids = [pk for (pk,) in cursor.fetchall()]
        self.block = min(self.block * 4, ID_BLOCK)
        return iter(ids)

    def _after_highest(self):
        connection = connections[self.using]
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT max({quote(self.column)}) FROM {quote(self.table)}")
            highest = cursor.fetchone()[0] or 0
            cursor.execute(
                "SELECT seq FROM sqlite_sequence WHERE name = %s", [self.table]
            )
            given = cursor.fetchone()
        return itertools.count(max(highest, given[0] if given else 0) + 1)


@contextlib.contextmanager
def batch_writer(connection):
    """Yields ``write(job)``, which runs ``job()`` in a transaction, batch after batch.

    On PostgreSQL, outside a transaction, the jobs run in order in a second thread on
    that thread's own connection, one waiting while another runs: ``write()`` returns
    at once unless one is already waiting. A job's failure is raised by the next
    ``write()`` or at the end, and the jobs after it are not run; a failure here
    stops the jobs not yet started. Either way the committed batches stay.

    Elsewhere the jobs run here, at once. Inside a transaction (a test's, say) a
    second connection could not see its rows, nor roll back with it; on SQLite the
    thread saves no time (its driver holds Python's GIL for most of the work).
    """
    if connection.vendor != "postgresql" or connection.in_atomic_block:

        def write(job):
            with transaction.atomic(using=connection.alias):
                job()

        yield write
        return
    writer = _Writer(connection.alias)
    try:
        yield writer.submit
    except BaseException:
        writer.close(cancel=True)
        raise
    writer.close(cancel=False)


class _Writer:
    def __init__(self, using):
        self.using = using
        self.jobs = queue.Queue(maxsize=1)
        self.error = None
        self.cancelled = False
        self.thread = threading.Thread(
            target=self.run, name="seed_demo writer", daemon=True
        )
        self.thread.start()

    def run(self):
        try:
            while (job := self.jobs.get()) is not None:
                if self.error is not None or self.cancelled:
                    continue  # keep taking jobs, so that submit() never blocks
                try:
                    with transaction.atomic(using=self.using):
                        job()
                except BaseException as error:  # raised in the main thread
                    self.error = error
        finally:
            connections.close_all()  # this thread's own connections

    def submit(self, job):
        self.raise_error()
        self.jobs.put(job)

    def close(self, *, cancel):
        self.cancelled = cancel
        self.jobs.put(None)
        self.thread.join()
        if not cancel:
            self.raise_error()

    def raise_error(self):
        if self.error is not None:
            raise self.error
