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


def test_two_people_edit_one_action_on_its_page_at_once(staff):
    """The document's form lists its actions as links; each is edited on its own
    page, where two saves from the same version never both succeed."""
    document = bilateral_document()
    action = ActionFactory(document=document)
    lost = refused = 0
    for n in range(ROUNDS):
        first, second = staff(), staff()
        first_data = form_data(first.get(change_url(action)))
        second_data = form_data(second.get(change_url(action)))
        first_clause, second_clause = f"Article {2 * n}", f"Article {2 * n + 1}"
        first_data["clause"] = first_clause
        second_data["clause"] = second_clause

        statuses = run_together(
            lambda c=first, d=first_data: c.post(change_url(action), d).status_code,
            lambda c=second, d=second_data: c.post(change_url(action), d).status_code,
        )
        stored = Action.objects.get(pk=action.pk).clause
        saved = {
            clause
            for clause, status in zip(
                (first_clause, second_clause), statuses, strict=True
            )
            if status == HTTPStatus.FOUND
        }
        refused += 2 - len(saved)
        # a save that said it succeeded is what the database holds; never two
        lost += len(saved) != 1 or stored not in saved
    assert lost == 0
    assert refused == ROUNDS  # exactly one of each pair was refused, with a message


def test_an_action_added_on_the_document_form_while_another_is_updated(staff):
    document = bilateral_document()
    action = ActionFactory(document=document)
    statuses = [Action.Status.IN_PROGRESS, Action.Status.PLANNED]
    lost = 0
    for n in range(ROUNDS):
        client = staff()
        data = form_data(client.get(change_url(document)))
        # a new action through the "add action" inline
        data.update(
            {
                "actions-TOTAL_FORMS": "1",
                "actions-0-title_en_gb": f"New in round {n}",
                "actions-0-basis": "reported",
                "actions-0-responsible_bodies": [str(document.parties.first().body_id)],
            }
        )
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
        added = Action.objects.filter(document=document, title=f"New in round {n}")
        lost += saved == HTTPStatus.FOUND and not added.exists()
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
