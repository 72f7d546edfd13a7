"""agreements.db: key lookups compiled once (both databases) and planned once
(PostgreSQL's prepared statements, on the document page only)."""

import datetime
import itertools
from http import HTTPStatus

import pytest
from django.db import connection
from django.urls import reverse

from agreements.db import CompiledOnce, planned_once, prepares_statements
from agreements.models import Action, Document, DocumentTitle
from agreements.models.followup import action_flags

from .factories import (
    ActionFactory,
    BodyFactory,
    DocumentFactory,
    DocumentTitleFactory,
    PartyFactory,
    SourceFactory,
)

pytestmark = pytest.mark.django_db

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL's prepared statements"
)


def titles_of(document_id):
    return (
        DocumentTitle.objects.filter(document_id=document_id)
        .order_by("language", "title")
        .values("language", "title", "is_official", "source__url")
    )


# --- CompiledOnce ---------------------------------------------------------------------


def test_compiled_once_gives_the_rows_values_gives_for_each_key(
    django_assert_num_queries,
):
    first, second, empty = DocumentFactory(), DocumentFactory(), DocumentFactory()
    DocumentTitleFactory(document=first, language="ru", title="Соглашение")
    DocumentTitleFactory(
        document=first, language="kk", title="Келісім", source=SourceFactory()
    )
    DocumentTitleFactory(document=second, language="az", title="Saziş")
    titles = CompiledOnce(titles_of)
    for document in (first, second, empty, first):
        with django_assert_num_queries(1):
            rows = titles(document.pk)
        assert rows == list(titles_of(document.pk))
    assert [row["title"] for row in titles(first.pk)] == ["Келісім", "Соглашение"]
    assert titles(empty.pk) == []


def test_compiled_once_converts_values_as_the_orm_does():
    # SQLite stores dates and booleans as text and integers: the field's converters
    # must run, as they do for values()
    document = DocumentFactory(signed_on=datetime.date(2023, 4, 10), is_published=True)
    row = CompiledOnce(
        lambda pk: Document.objects.filter(pk=pk).values("signed_on", "is_published")
    )(document.pk)
    assert row == [{"signed_on": datetime.date(2023, 4, 10), "is_published": True}]
    assert type(row[0]["is_published"]) is bool


@pytest.mark.parametrize(
    "build",
    [
        # the number of parameters changes with the key
        lambda key: Document.objects.filter(pk__in=range(key % 3 + 1)).values("pk"),
        # a value worked out from the key, not the key itself
        lambda key: Document.objects.filter(pk=key + 1).values("pk"),
        # the key does not reach the query at all
        lambda key: Document.objects.filter(pk=1).values("pk"),
        # not a plain values() query
        lambda key: Document.objects.filter(pk=key),
        lambda key: Document.objects.filter(pk=key).values("pk")[:1],
    ],
    ids=["parameter-count", "derived-value", "key-unused", "model-rows", "sliced"],
)
def test_compiled_once_refuses_a_query_that_is_not_a_plain_key_lookup(build):
    document = DocumentFactory()
    with pytest.raises(ValueError, match="CompiledOnce"):
        CompiledOnce(build)(document.pk)


def test_compiled_once_takes_a_whole_number_key():
    with pytest.raises(TypeError, match="whole-number key"):
        CompiledOnce(titles_of)("12")


# --- planned_once ------------------------------------------------------------------


def prepared_statements():
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [statement for (statement,) in cursor.fetchall()]


def binds_in_the_client():
    """The connection is as Django leaves it: client-side binding, nothing prepared."""
    from django.db.backends.postgresql.base import Cursor

    raw = connection.connection
    return raw.cursor_factory is Cursor and raw.prepare_threshold is None


@on_postgresql
def test_the_document_page_prepares_its_queries_and_the_list_does_not(client):
    assert prepares_statements()
    document = DocumentFactory(title="Agreement on the Prepared Statements")
    DocumentTitleFactory(document=document)
    response = client.get(document.get_absolute_url())
    assert response.status_code == HTTPStatus.OK
    statements = prepared_statements()
    assert any('FROM "agreements_documenttitle"' in s for s in statements)
    assert any('FROM "agreements_party"' in s for s in statements)
    # the list's best plan depends on its filters: planned afresh on each request
    before = len(statements)
    response = client.get(reverse("agreements:document-list"), {"country": "KZ"})
    assert response.status_code == HTTPStatus.OK
    assert len(prepared_statements()) == before
    # and once the page is done the connection binds in the client again
    assert binds_in_the_client()


@on_postgresql
def test_the_body_page_prepares_the_body_but_not_its_documents(client):
    body = BodyFactory(name="Ministry of Prepared Affairs")
    PartyFactory(body=body, document=DocumentFactory())
    assert client.get(body.get_absolute_url()).status_code == HTTPStatus.OK
    statements = prepared_statements()
    assert any('FROM "agreements_body"' in s for s in statements)
    # how many documents the body signed decides the best plan for them
    assert not any('FROM "agreements_document"' in s for s in statements)
    assert binds_in_the_client()


@on_postgresql
@pytest.mark.parametrize(
    "name",
    ["agreements:document-detail", "agreements:event-detail", "agreements:body-detail"],
)
def test_a_404_leaves_the_connection_binding_in_the_client(client, name):
    response = client.get(reverse(name, args=["no-such"]))
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert binds_in_the_client()


@on_postgresql
def test_planned_once_restores_the_connection_after_an_error():
    connection.ensure_connection()
    with pytest.raises(LookupError), planned_once():
        assert connection.connection.prepare_threshold == 0
        raise LookupError
    assert binds_in_the_client()


@on_postgresql
def test_planned_once_leaves_a_replaced_connection_alone():
    from django.db.backends.postgresql.base import Cursor

    connection.ensure_connection()
    old = connection.connection
    new = connection.get_new_connection(connection.get_connection_params())
    new.prepare_threshold = 7  # what the newcomer has must stay as it is
    try:
        with planned_once():
            # as after an error that closed the connection and opened another
            connection.connection = new
        assert new.prepare_threshold == 7
        assert new.cursor_factory is Cursor
    finally:
        connection.connection = old
        old.cursor_factory, old.prepare_threshold = Cursor, None
        new.close()


@on_postgresql
def test_with_prepared_statements_off_nothing_is_prepared(client, settings):
    settings.PREPARED_STATEMENTS = False
    assert not prepares_statements()
    document = DocumentFactory()
    assert client.get(document.get_absolute_url()).status_code == HTTPStatus.OK
    assert prepared_statements() == []


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's no-op")
def test_planned_once_does_nothing_on_sqlite():
    assert not prepares_statements()
    with planned_once():
        assert Document.objects.count() == 0


# --- action_flags --------------------------------------------------------------------


def test_action_flags_say_what_with_flags_annotates():
    document = DocumentFactory(signed_on=datetime.date(2023, 4, 10))
    today = datetime.date(2023, 9, 1)
    due_dates = [
        None,
        today - datetime.timedelta(days=1),
        today,
        today + datetime.timedelta(days=30),
        today + datetime.timedelta(days=31),
    ]
    statuses = [status for status in Action.Status if status != Action.Status.DONE]
    for status, due_on in itertools.product(statuses, due_dates):
        ActionFactory(document=document, status=status, due_on=due_on)
    ActionFactory(document=document, done=True, due_on=today)
    rows = Action.objects.with_flags(today).values(
        "status", "due_on", "is_overdue", "is_due_soon"
    )
    assert len(rows) == len(statuses) * len(due_dates) + 1
    seen = set()
    for row in rows:
        flags = action_flags(row["status"], row["due_on"], today)
        assert flags == (row["is_overdue"], row["is_due_soon"]), row
        seen.add(flags)
    # every case is there: neither, overdue, due soon
    assert seen == {(False, False), (True, False), (False, True)}


def test_action_flags_take_another_window():
    today = datetime.date(2023, 9, 1)
    due = today + datetime.timedelta(days=10)
    assert action_flags(Action.Status.PLANNED, due, today, days=7) == (False, False)
    assert action_flags(Action.Status.PLANNED, due, today, days=10) == (False, True)
    assert action_flags(Action.Status.DONE, due, today, days=10) == (False, False)
