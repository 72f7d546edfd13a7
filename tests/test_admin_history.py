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
}
FIELD = {
    models.Party: "signatory_name",
    models.Relation: "note",
    models.DocumentCitation: "claim",
    models.PartyCitation: "claim",
    models.ActionCitation: "claim",
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
    field = FIELD.get(model, "name" if model is models.Body else "title")
    first = record.history.order_by("history_date").first()
    model.objects.filter(pk=record.pk).update(**{field: "Later"})

    page = admin_client.get(history_url(record, first))
    assert page.status_code == HTTPStatus.OK
    response = admin_client.post(history_url(record, first), {field: "Stored"})

    assert response.status_code == HTTPStatus.FORBIDDEN
    assert getattr(model.objects.get(pk=record.pk), field) == "Later"
