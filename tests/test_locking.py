"""No lost edits: two staff members edit the same record in the admin; the second save
is refused with a message and a link to the current version, and nothing of it is
saved, its inlines included (optimistic locking with a version number)."""

import threading
from http import HTTPStatus

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group
from django.db import connection, connections, transaction
from django.test import Client

from agreements import services
from agreements.admin.mixins import VersionedAdminForm
from agreements.models import Body, Document, Event, Relation
from tests.factories import (
    BodyFactory,
    DocumentCitationFactory,
    EventFactory,
    SourceFactory,
    bilateral_document,
)
from tests.test_admin import change_url, form_data

pytestmark = pytest.mark.django_db

CONFLICT = "was changed by someone else while you were editing it"


def staff(django_user_model, username, group="Editors"):
    user = django_user_model.objects.create_user(username, is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    client = Client()
    client.force_login(user)
    client.user = user
    return client


@pytest.fixture
def alice(django_user_model):
    return staff(django_user_model, "alice.editor")


@pytest.fixture
def bob(django_user_model):
    return staff(django_user_model, "bob.editor")


def non_field_errors(response):
    return [str(e) for e in response.context["adminform"].form.non_field_errors()]


def stored(document):
    """What the database holds of a document and its inlines."""
    document = Document.objects.get(pk=document.pk)
    return {
        "title": document.title,
        "version": document.version,
        "parties": list(
            document.parties.order_by("order").values_list("body_id", "signatory_name")
        ),
        "relations": document.relations_from.count(),
        "citations": list(document.citations.values_list("source_id", "claim")),
    }


def test_the_change_form_carries_the_version_in_a_hidden_field(alice):
    document = bilateral_document()
    page = alice.get(change_url(document))
    assert '<input type="hidden" name="version" value="1"' in page.content.decode()

    assert alice.post(change_url(document), form_data(page)).status_code == 302

    page = alice.get(change_url(document))
    assert '<input type="hidden" name="version" value="2"' in page.content.decode()
    assert Document.objects.get(pk=document.pk).version == 2


def test_the_second_of_two_editors_is_refused_and_nothing_of_it_is_saved(alice, bob):
    document = bilateral_document(title="Memorandum on media")
    DocumentCitationFactory(document=document, claim="date")
    other = bilateral_document(title="Programme 2024-2026")
    alice_form = form_data(alice.get(change_url(document)))
    bob_form = form_data(bob.get(change_url(document)))
    history_before = document.history.count()

    alice_form["title"] = "Memorandum on media cooperation"
    assert alice.post(change_url(document), alice_form).status_code == 302
    after_alice = stored(document)

    # Bob changes the document, a party, and adds a relation and a source.
    bob_form["title"] = "Memorandum on news exchange"
    bob_form["parties-0-signatory_name"] = "Signed by Bob's version"
    bob_form.update(
        {
            "relations_from-TOTAL_FORMS": "1",
            "relations_from-0-kind": Relation.Kind.REFERS_TO,
            "relations_from-0-to_document": str(other.pk),
            "relations_from-0-confidence": "reported",
            "citations-TOTAL_FORMS": "2",
            "citations-1-source": str(SourceFactory().pk),
            "citations-1-confidence": "confirmed",
            "citations-1-claim": "title",
        }
    )
    response = bob.post(change_url(document), bob_form)

    assert response.status_code == HTTPStatus.OK
    [error] = non_field_errors(response)
    assert f"This document {CONFLICT} (the latest change: by alice.editor, " in error
    assert f"<a href='{change_url(document)}'>Open the current version</a>" in error
    content = response.content.decode()
    assert "Please correct the error below." in content
    assert f"<a href='{change_url(document)}'>Open the current version</a>" in content
    # What Bob entered is still there for him to copy...
    assert 'value="Memorandum on news exchange"' in content
    # ...but the database holds Alice's edit, and nothing of Bob's, inlines included.
    assert stored(document) == after_alice
    assert after_alice["title"] == "Memorandum on media cooperation"
    assert after_alice["version"] == 2
    assert document.history.count() == history_before + 1  # Alice's change only
    assert LogEntry.objects.filter(user=bob.user).count() == 0

    # Sending the same form again is refused again.
    assert bob.post(change_url(document), bob_form).status_code == HTTPStatus.OK
    assert stored(document) == after_alice

    # Opened afresh, Bob's form saves.
    fresh = form_data(bob.get(change_url(document)))
    fresh["title"] = "Memorandum on news exchange"
    assert bob.post(change_url(document), fresh).status_code == 302
    assert stored(document)["title"] == "Memorandum on news exchange"
    assert stored(document)["version"] == 3


NO_VERSION = (
    "This form does not say which version of the document it edits, so it was not "
    "saved. Open the page again."
)


@pytest.mark.parametrize(
    ("version", "message"),
    [(None, NO_VERSION), ("", NO_VERSION), ("abc", NO_VERSION), ("7", CONFLICT)],
)
def test_a_form_without_the_current_version_is_refused(alice, version, message):
    document = bilateral_document(title="Kept title")
    data = form_data(alice.get(change_url(document)))
    data["title"] = "Changed title"
    if version is None:
        del data["version"]
    else:
        data["version"] = version

    response = alice.post(change_url(document), data)

    assert response.status_code == HTTPStatus.OK
    [error] = non_field_errors(response)
    assert message in error
    assert stored(document) == {**stored(document), "title": "Kept title", "version": 1}


def test_a_bulk_publish_meanwhile_refuses_the_open_form(django_user_model):
    first = staff(django_user_model, "dana.publisher", "Publishers")
    second = staff(django_user_model, "erlan.publisher", "Publishers")
    document = bilateral_document(is_published=False)
    # The form shows "published" unticked; saved later, it would withdraw the document.
    data = form_data(first.get(change_url(document)))

    services.publish_documents(
        documents=Document.objects.filter(pk=document.pk), user=second.user
    )
    response = first.post(change_url(document), data)

    assert response.status_code == HTTPStatus.OK
    assert "by erlan.publisher" in non_field_errors(response)[0]
    document.refresh_from_db()
    assert document.is_published is True


def test_a_part_changed_on_its_own_page_refuses_the_open_document_form(alice, bob):
    document = bilateral_document()
    party = document.parties.order_by("order").first()
    document_form = form_data(alice.get(change_url(document)))

    party_form = form_data(bob.get(change_url(party)))
    party_form["signatory_name"] = "Corrected on the party's page"
    assert bob.post(change_url(party), party_form).status_code == 302
    response = alice.post(change_url(document), document_form)

    assert response.status_code == HTTPStatus.OK
    assert CONFLICT in non_field_errors(response)[0]
    party.refresh_from_db()
    assert party.signatory_name == "Corrected on the party's page"


def test_a_save_that_passed_the_check_is_still_refused_by_the_atomic_claim(
    alice, bob, monkeypatch
):
    """The form's check and the save are two steps: if the first save lands between
    them, the claim (UPDATE ... WHERE version = n) fails, everything rolls back, and
    the form comes back with the message."""
    document = bilateral_document(title="Before")
    other = bilateral_document()
    bob_form = form_data(bob.get(change_url(document)))
    alice_form = form_data(alice.get(change_url(document)))
    alice_form["title"] = "Alice's title"
    assert alice.post(change_url(document), alice_form).status_code == 302

    checks_skipped = []
    real_clean = VersionedAdminForm.clean

    def clean_as_if_before_alice_saved(form):
        if checks_skipped:
            return real_clean(form)
        checks_skipped.append(form.instance.pk)
        cleaned_data = super(VersionedAdminForm, form).clean()
        cleaned_data["version"] = int(cleaned_data["version"])
        return cleaned_data

    monkeypatch.setattr(VersionedAdminForm, "clean", clean_as_if_before_alice_saved)
    bob_form["title"] = "Bob's title"
    bob_form.update(
        {
            "relations_from-TOTAL_FORMS": "1",
            "relations_from-0-kind": Relation.Kind.REFERS_TO,
            "relations_from-0-to_document": str(other.pk),
            "relations_from-0-confidence": "reported",
        }
    )
    response = bob.post(change_url(document), bob_form)

    assert checks_skipped == [document.pk]  # the first run got past the form
    assert response.status_code == HTTPStatus.OK
    assert CONFLICT in non_field_errors(response)[0]
    assert stored(document)["title"] == "Alice's title"
    assert stored(document)["relations"] == 0
    assert stored(document)["version"] == 2


@pytest.mark.parametrize(
    ("model", "factory", "field"),
    [(Event, EventFactory, "title_en_gb"), (Body, BodyFactory, "name_en_gb")],
)
def test_events_and_bodies_are_locked_too(alice, bob, model, factory, field):
    record = factory()
    alice_form = form_data(alice.get(change_url(record)))
    bob_form = form_data(bob.get(change_url(record)))
    alice_form[field] = "Alice's"
    bob_form[field] = "Bob's"

    assert alice.post(change_url(record), alice_form).status_code == 302
    response = bob.post(change_url(record), bob_form)

    assert response.status_code == HTTPStatus.OK
    verbose_name = model._meta.verbose_name
    assert f"This {verbose_name} {CONFLICT}" in non_field_errors(response)[0]
    assert getattr(model.objects.get(pk=record.pk), field) == "Alice's"


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="two sessions waiting on a row lock: run with DATABASE_URL on PostgreSQL",
)
# serialized_rollback: the flush after it must leave the migrations' rows for the
# tests that restore them (as the browser tests do).
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_simultaneous_claims_of_one_version_let_exactly_one_through():
    document = bilateral_document()
    claimed = threading.Event()
    results = {}

    def save(name, wait_for=None, hold=0.0):
        try:
            if wait_for:
                wait_for.wait(5)
            with transaction.atomic():
                copy = Document.objects.get(pk=document.pk)
                try:
                    services.claim_version(instance=copy, version=1)
                except services.EditConflict:
                    results[name] = "refused"
                    return
                claimed.set()
                # Hold the row lock: the other claim waits, then sees version 2.
                threading.Event().wait(hold)
                results[name] = "saved"
        finally:
            connections.close_all()

    first = threading.Thread(target=save, args=("first",), kwargs={"hold": 0.5})
    second = threading.Thread(target=save, args=("second", claimed))
    first.start()
    second.start()
    first.join(10)
    second.join(10)

    assert results == {"first": "saved", "second": "refused"}
    assert Document.objects.get(pk=document.pk).version == 2


# --- Statuses only a recorded update changes ------------------------------------------


def _record_while_saving(monkeypatch, admin_class, record):
    """Make ``record`` change while its page is being saved: the update lands between
    the moment the admin reads the row and the moment it writes it."""
    original = admin_class.get_object

    def get_object(self, request, object_id, from_field=None):
        obj = original(self, request, object_id, from_field)
        if request.method == "POST":
            record()
        return obj

    monkeypatch.setattr(admin_class, "get_object", get_object)


def test_an_update_recorded_while_the_document_is_saved_is_kept(
    admin_client, monkeypatch
):
    from agreements.admin.documents import DocumentAdmin
    from agreements.followup.services import record_update

    document = bilateral_document()
    data = form_data(admin_client.get(change_url(document)))
    data["title"] = "Edited meanwhile"
    _record_while_saving(
        monkeypatch,
        DocumentAdmin,
        lambda: record_update(
            document=document,
            happened_on=document.signed_on,
            title="Work began",
            status_after=Document.FollowUpStatus.IN_PROGRESS,
        ),
    )

    assert admin_client.post(change_url(document), data).status_code == 302

    document.refresh_from_db()
    assert document.title == "Edited meanwhile"
    assert document.follow_up_status == Document.FollowUpStatus.IN_PROGRESS
    latest = document.history.order_by("-history_date", "-history_id").first()
    assert latest.follow_up_status == Document.FollowUpStatus.IN_PROGRESS


def test_an_update_recorded_while_the_action_is_saved_is_kept(
    admin_client, monkeypatch
):
    from agreements.admin.followup import ActionAdmin
    from agreements.followup.services import record_update
    from agreements.models import Action
    from tests.factories import ActionFactory

    action = ActionFactory()
    data = form_data(admin_client.get(change_url(action)))
    data["title_en_gb"] = "Edited meanwhile"
    _record_while_saving(
        monkeypatch,
        ActionAdmin,
        lambda: record_update(
            document=action.document,
            action=action,
            happened_on=action.document.signed_on,
            title="Done",
            status_after=Action.Status.DONE,
        ),
    )

    assert admin_client.post(change_url(action), data).status_code == 302

    action.refresh_from_db()
    assert action.title == "Edited meanwhile"
    assert (action.status, action.completed_on) == (
        Action.Status.DONE,
        action.document.signed_on,
    )


def test_an_update_recorded_while_the_document_form_adds_an_action_is_kept(
    admin_client, monkeypatch
):
    from agreements.admin.documents import DocumentAdmin
    from agreements.followup.services import record_update
    from agreements.models import Action
    from tests.factories import ActionFactory

    document = bilateral_document()
    action = ActionFactory(document=document)
    data = form_data(admin_client.get(change_url(document)))
    # the form lists the recorded action as a link and adds a new one
    data.update(
        {
            "actions-TOTAL_FORMS": "1",
            "actions-0-title_en_gb": "Added in the inline",
            "actions-0-basis": "reported",
            "actions-0-responsible_bodies": [str(document.parties.first().body_id)],
        }
    )
    # an update of the recorded action lands while the form is saved
    save_model = DocumentAdmin.save_model

    def record_then_save(self, request, obj, form, change):
        record_update(
            document=document,
            action=action,
            happened_on=document.signed_on,
            title="Done",
            status_after=Action.Status.DONE,
        )
        save_model(self, request, obj, form, change)

    monkeypatch.setattr(DocumentAdmin, "save_model", record_then_save)

    assert admin_client.post(change_url(document), data).status_code == 302

    action.refresh_from_db()
    assert action.status == Action.Status.DONE
    assert document.actions.filter(title="Added in the inline").exists()
