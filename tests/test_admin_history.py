"""History pages: past versions are shown, and reverting to one is refused on the
server for every model, whatever the user (a revert would bypass the services that
record follow-up changes and settle publication)."""

from http import HTTPStatus

import pytest
from django.contrib import admin
from django.urls import reverse

from agreements import models
from tests import factories

pytestmark = pytest.mark.django_db


def saved(record, **values):
    """``record`` saved with ``values``: countries come from a migration, unrecorded."""
    for name, value in values.items():
        setattr(record, name, value)
    record.save()
    return record


MAKERS = {
    models.Document: lambda: factories.bilateral_document(title="Stored"),
    models.Event: lambda: factories.EventFactory(title="Stored"),
    models.Body: lambda: factories.BodyFactory(name="Stored"),
    models.Source: lambda: factories.SourceFactory(title="Stored"),
    models.Action: lambda: factories.ActionFactory(title="Stored"),
    models.Party: lambda: factories.PartyFactory(signatory_name="Stored"),
    models.Relation: lambda: factories.RelationFactory(note="Stored"),
    models.DocumentCitation: lambda: factories.DocumentCitationFactory(claim="Stored"),
    models.PartyCitation: lambda: factories.PartyCitationFactory(claim="Stored"),
    models.ActionCitation: lambda: factories.ActionCitationFactory(claim="Stored"),
    models.ProgressUpdate: lambda: factories.ProgressUpdateFactory(title="Stored"),
    models.Topic: lambda: factories.TopicFactory(name="Stored"),
    models.Country: lambda: saved(factories.CountryFactory(code="AZ"), name="Stored"),
    models.BodyName: lambda: factories.BodyNameFactory(name="Stored"),
    models.DocumentTitle: lambda: factories.DocumentTitleFactory(title="Stored"),
    models.EventCitation: lambda: factories.EventCitationFactory(claim="Stored"),
    models.PartyStep: lambda: factories.PartyStepFactory(note="Stored"),
    models.DocumentIdentifier: lambda: factories.DocumentIdentifierFactory(
        value="Stored"
    ),
    models.Attachment: lambda: factories.AttachmentFactory(title="Stored"),
}
FIELD = {
    models.Party: "signatory_name",
    models.Relation: "note",
    models.DocumentCitation: "claim",
    models.PartyCitation: "claim",
    models.ActionCitation: "claim",
    models.EventCitation: "claim",
    models.PartyStep: "note",
    models.DocumentIdentifier: "value",
}


def history_url(record, version):
    opts = record._meta
    return reverse(
        f"admin:{opts.app_label}_{opts.model_name}_simple_history",
        args=[record.pk, version.history_id],
    )


def test_every_history_admin_refuses_reverting():
    with_history = {
        model
        for model, model_admin in admin.site._registry.items()
        if hasattr(model_admin, "history_form_view")
    }
    assert with_history == set(MAKERS)


@pytest.mark.parametrize("model", list(MAKERS), ids=lambda m: m.__name__)
def test_a_revert_posted_by_hand_is_refused_and_saves_nothing(admin_client, model):
    record = MAKERS[model]()
    field = FIELD.get(
        model,
        "name"
        if model in (models.Body, models.Topic, models.BodyName, models.Country)
        else "title",
    )
    first = record.history.order_by("history_date").first()
    model.objects.filter(pk=record.pk).update(**{field: "Later"})

    page = admin_client.get(history_url(record, first))
    assert page.status_code == HTTPStatus.OK
    response = admin_client.post(history_url(record, first), {field: "Stored"})

    assert response.status_code == HTTPStatus.FORBIDDEN
    assert getattr(model.objects.get(pk=record.pk), field) == "Later"


# --- Deleting a body that others refer to ---------------------------------------------


def delete_url(record):
    opts = record._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_delete", args=[record.pk])


@pytest.mark.parametrize("referrer", ["child", "action"])
def test_a_body_still_referred_to_is_not_deleted_and_the_page_says_by_what(
    admin_client, referrer
):
    body = factories.BodyFactory(name="Old ministry")
    if referrer == "child":
        other = factories.BodyFactory(name="Its department", parent=body)
        shown = "Its department"
    else:
        other = factories.ActionFactory(
            title="Open the centre", responsible_bodies=[body]
        )
        shown = "Open the centre"

    page = admin_client.get(delete_url(body))
    response = admin_client.post(delete_url(body), {"post": "yes"})

    assert shown in page.content.decode()
    assert "Cannot delete" in page.content.decode()
    assert response.status_code == HTTPStatus.OK
    assert models.Body.objects.filter(pk=body.pk).exists()
    other.refresh_from_db()


def test_deleting_a_body_records_its_former_names_in_history(admin_client):
    name = factories.BodyNameFactory(name="Its old name")
    body = name.body

    response = admin_client.post(delete_url(body), {"post": "yes"})

    assert response.status_code == HTTPStatus.FOUND
    assert not models.Body.objects.filter(pk=body.pk).exists()
    removed = models.BodyName.history.filter(history_type="-").get()
    assert removed.name == "Its old name"


def test_a_topic_still_used_by_documents_is_not_deleted(admin_client):
    topic = factories.TopicFactory(name="Energy")
    document = factories.DocumentFactory(title="Memorandum on energy")
    document.topics.add(topic)

    page = admin_client.get(delete_url(topic))
    response = admin_client.post(delete_url(topic), {"post": "yes"})

    assert "Memorandum on energy" in page.content.decode()
    assert response.status_code == HTTPStatus.OK
    assert models.Topic.objects.filter(pk=topic.pk).exists()


@pytest.mark.parametrize("what", ["published a document", "recorded an update"])
def test_a_user_who_published_or_recorded_is_not_deleted(
    admin_client, django_user_model, what
):
    user = django_user_model.objects.create_user("dana", is_staff=True)
    if what == "published a document":
        record = factories.bilateral_document()
        models.Document.objects.filter(pk=record.pk).update(published_by=user)
    else:
        record = factories.ProgressUpdateFactory(recorded_by=user)
    url = reverse("admin:auth_user_delete", args=[user.pk])

    page = admin_client.get(url)
    response = admin_client.post(url, {"post": "yes"})

    assert "Cannot delete" in page.content.decode()
    assert response.status_code == HTTPStatus.OK
    assert django_user_model.objects.filter(pk=user.pk).exists()


def test_a_past_version_naming_a_record_deleted_since_still_shows(admin_client):
    """A document's first version names an event it was moved from and that was
    deleted later: its page shows that version, the event's box empty."""
    gone, kept = factories.EventFactory(), factories.EventFactory()
    document = factories.DocumentFactory(event=gone)
    document.event = kept
    document.save()
    gone_id = gone.pk
    gone.delete()
    first = document.history.order_by("history_date").first()

    page = admin_client.get(history_url(document, first))

    assert page.status_code == HTTPStatus.OK
    assert first.event_id == gone_id
    assert f'<option value="{gone_id}" selected' not in page.content.decode()
