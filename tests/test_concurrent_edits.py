"""Concurrent edits on PostgreSQL, run many times: no update is ever lost.

Each round opens the forms first, then lets two writers go at once (a barrier), as
two colleagues pressing Save together would. A lost update is a write that reported
success but whose value is not what the database ends up holding, with no refusal
shown to anyone. The rounds are counted in docs/reliability.md.
"""

import datetime
import threading
from http import HTTPStatus

import pytest
from django.db import connection, connections
from django.test import Client

from agreements.followup.services import record_update
from agreements.models import Action, Document
from tests.factories import ActionFactory, bilateral_document
from tests.test_admin import change_url, form_data

ROUNDS = 15

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="concurrent writers on row locks: run with DATABASE_URL on PostgreSQL",
    ),
    # serialized_rollback: the flush after it must leave the migrations' rows.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def run_together(*writers):
    """Run each writer in its own thread and connection, released at once."""
    barrier = threading.Barrier(len(writers))
    results = [None] * len(writers)

    def run(index, writer):
        try:
            barrier.wait(5)
            results[index] = writer()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, w)) for i, w in enumerate(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results


@pytest.fixture
def staff(django_user_model):
    user = django_user_model.objects.create_superuser("concurrent")

    def client():
        c = Client()
        c.force_login(user)
        return c

    return client


def test_a_recorded_update_is_never_undone_by_a_document_save(staff):
    document = bilateral_document()
    statuses = [Document.FollowUpStatus.IN_PROGRESS, Document.FollowUpStatus.COMPLETED]
    lost = 0
    for n in range(ROUNDS):
        client = staff()
        data = form_data(client.get(change_url(document)))
        data["title"] = f"Edited in round {n}"
        status = statuses[n % 2]
        saved, _update = run_together(
            lambda c=client, d=data: c.post(change_url(document), d).status_code,
            lambda s=status, n=n: record_update(
                document=document,
                happened_on=document.signed_on + datetime.timedelta(days=n),
                title=f"Round {n}",
                status_after=s,
            ),
        )
        stored = Document.objects.get(pk=document.pk)
        lost += stored.follow_up_status != status
        assert saved in (HTTPStatus.FOUND, HTTPStatus.OK)
    assert lost == 0


def test_an_action_edited_on_its_page_and_in_the_inline_at_once(staff):
    document = bilateral_document()
    action = ActionFactory(document=document)
    lost = refused = 0
    for n in range(ROUNDS):
        own, inline = staff(), staff()
        own_data = form_data(own.get(change_url(action)))
        inline_data = form_data(inline.get(change_url(document)))
        key = next(k for k in inline_data if k.startswith("actions-0-clause"))
        own_day = f"Article {2 * n}"
        inline_day = f"Article {2 * n + 1}"
        own_data["clause"] = own_day
        inline_data[key] = inline_day

        own_status, inline_status = run_together(
            lambda c=own, d=own_data: c.post(change_url(action), d).status_code,
            lambda c=inline, d=inline_data: c.post(change_url(document), d).status_code,
        )
        stored = Action.objects.get(pk=action.pk).clause
        saved = {
            day
            for day, status in ((own_day, own_status), (inline_day, inline_status))
            if status == HTTPStatus.FOUND
        }
        refused += 2 - len(saved)
        # a save that said it succeeded is what the database holds; never two
        lost += len(saved) != 1 or stored not in saved
    assert lost == 0
    assert refused == ROUNDS  # exactly one of each pair was refused, with a message


def test_an_action_update_recorded_while_the_document_form_is_saved(staff):
    document = bilateral_document()
    action = ActionFactory(document=document)
    statuses = [Action.Status.IN_PROGRESS, Action.Status.PLANNED]
    lost = 0
    for n in range(ROUNDS):
        client = staff()
        data = form_data(client.get(change_url(document)))
        key = next(k for k in data if k.startswith("actions-0-title"))
        data[key] = f"Renamed in round {n}"
        status = statuses[n % 2]
        saved, _update = run_together(
            lambda c=client, d=data: c.post(change_url(document), d).status_code,
            lambda s=status, n=n: record_update(
                document=document,
                action=action,
                happened_on=document.signed_on + datetime.timedelta(days=n),
                title=f"Round {n}",
                status_after=s,
            ),
        )
        stored = Action.objects.get(pk=action.pk)
        lost += stored.status != status
        lost += saved == HTTPStatus.FOUND and stored.title != f"Renamed in round {n}"
    assert lost == 0


def test_two_writers_locking_rows_in_opposite_orders_do_not_deadlock_on_the_cache():
    """Every write moves the page cache's generation (one row). Taken at the first
    write, that row lock made any two transactions deadlock that each held a row the
    other wanted next; taken at commit, it never closes such a cycle."""
    from django.db import transaction

    from agreements.models import ProgressUpdate

    document = bilateral_document()
    action = ActionFactory(document=document)
    a_locked, b_wrote = threading.Event(), threading.Event()
    errors = []

    def recorder():
        try:
            with transaction.atomic():
                Action.objects.select_for_update().get(pk=action.pk)
                a_locked.set()
                b_wrote.wait(5)
                ProgressUpdate.objects.create(
                    document=document,
                    action=action,
                    happened_on=document.signed_on,
                    title="Recorded",
                    status_before=action.status,
                    status_after=action.status,
                )
        except Exception as error:  # the deadlock, if any
            errors.append(error)
        finally:
            connections.close_all()

    def editor():
        try:
            a_locked.wait(5)
            with transaction.atomic():
                Document.objects.filter(pk=document.pk).update(title="Edited")
                b_wrote.set()
                Action.objects.select_for_update().get(pk=action.pk)
        except Exception as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=recorder), threading.Thread(target=editor)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert errors == []
    assert Document.objects.get(pk=document.pk).title == "Edited"
    assert ProgressUpdate.objects.filter(action=action).count() == 1
