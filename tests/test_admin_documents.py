"""The admin's bulk actions on documents and the document add and change pages."""

import datetime
import json
import re
from http import HTTPStatus

import pytest
from django.utils import timezone

from agreements import models
from tests.factories import (
    DocumentFactory,
    PartyCitationFactory,
    RelationFactory,
    SourceFactory,
    bilateral_document,
)
from tests.test_admin import (
    FollowUp,
    admin_url,
    change_url,
    errors_of,
    form_data,
    inline_formset,
    new_document_data,
    run_action,
)

pytestmark = pytest.mark.django_db


# --- Bulk actions ---------------------------------------------------------------------


def test_publish_action_publishes_the_selected_documents(admin_client, admin_user):
    chosen = bilateral_document(is_published=False)
    left = bilateral_document(is_published=False)

    response = run_action(admin_client, "publish", [chosen])

    assert "1 document published." in response.content.decode()
    chosen.refresh_from_db()
    left.refresh_from_db()
    assert chosen.is_published is True
    assert left.is_published is False
    assert chosen.history.first().history_user == admin_user


def test_unpublish_action_withdraws_the_selected_documents(admin_client):
    chosen = [bilateral_document(), bilateral_document()]

    response = run_action(admin_client, "unpublish", chosen)

    assert "2 documents withdrawn from the public site." in response.content.decode()
    assert not models.Document.objects.filter(is_published=True).exists()


def record_with_action(client, action, documents, **data):
    """The second step of a bulk action that records updates: its form, posted."""
    return run_action(client, action, documents, post="yes", **data)


def test_follow_up_action_asks_for_the_date_and_source_first(admin_client):
    document = bilateral_document(follow_up_status=FollowUp.UNKNOWN)

    response = run_action(admin_client, "set_follow_up_completed", [document])

    assert response.status_code == HTTPStatus.OK
    assert response.templates[0].name == "admin/agreements/record_updates.html"
    form = response.context["form"]
    assert form["happened_on"].value() == timezone.localdate()
    content = response.content.decode()
    assert f"<li>{document.title}</li>" in content
    assert '<input type="hidden" name="action" value="set_follow_up_completed">' in (
        content
    )
    assert re.search(r'<select name="source"[^>]*data-ajax--url=', content)
    document.refresh_from_db()
    assert document.follow_up_status == FollowUp.UNKNOWN
    assert not models.ProgressUpdate.objects.exists()


@pytest.mark.parametrize("status", FollowUp.values)
def test_follow_up_actions_record_an_update_for_each_change(
    admin_client, admin_user, status
):
    before = FollowUp.STALLED if status == FollowUp.UNKNOWN else FollowUp.UNKNOWN
    document = bilateral_document(follow_up_status=before)
    source = SourceFactory()

    response = record_with_action(
        admin_client,
        f"set_follow_up_{status}",
        [document],
        happened_on="2024-02-01",
        source=source.pk,
    )

    assert response.status_code == HTTPStatus.OK
    assert f"set to “{FollowUp(status).label}”, with an update recorded." in (
        response.content.decode()
    )
    document.refresh_from_db()
    assert document.follow_up_status == status
    update = models.ProgressUpdate.objects.get()
    assert (
        update.document,
        update.action,
        update.happened_on,
        update.status_before,
        update.status_after,
        update.source,
        update.recorded_by,
    ) == (document, None, datetime.date(2024, 2, 1), before, status, source, admin_user)
    assert document.history.first().history_user == admin_user


def test_follow_up_action_leaves_documents_already_in_the_status_alone(admin_client):
    completed = bilateral_document(follow_up_status=FollowUp.COMPLETED)
    stalled = bilateral_document(follow_up_status=FollowUp.STALLED)

    response = record_with_action(
        admin_client,
        "set_follow_up_completed",
        [completed, stalled],
        happened_on="2024-02-01",
    )

    assert "Follow-up status of 1 document set to" in response.content.decode()
    assert [u.document for u in models.ProgressUpdate.objects.all()] == [stalled]

    response = record_with_action(
        admin_client, "set_follow_up_completed", [completed], happened_on="2024-02-02"
    )

    assert "No document changed: each already has this status." in (
        response.content.decode()
    )
    assert models.ProgressUpdate.objects.count() == 1


def test_follow_up_action_refused_for_one_document_changes_none(admin_client):
    older = bilateral_document(signed_on=datetime.date(2023, 4, 10))
    newer = bilateral_document(signed_on=datetime.date(2024, 6, 1))

    response = record_with_action(
        admin_client,
        "set_follow_up_in_progress",
        [older, newer],
        happened_on="2024-01-15",
    )

    content = response.content.decode()
    assert "Nothing was recorded: " in content
    assert "before the document&#x27;s date of signature" in content
    assert not models.ProgressUpdate.objects.exists()
    assert set(models.Document.objects.values_list("follow_up_status", flat=True)) == {
        FollowUp.UNKNOWN
    }


def test_follow_up_action_with_a_bad_date_shows_the_form_again(admin_client):
    document = bilateral_document()

    response = record_with_action(
        admin_client, "set_follow_up_stalled", [document], happened_on="2024-13-45"
    )

    assert response.templates[0].name == "admin/agreements/record_updates.html"
    assert response.context["form"].errors["happened_on"] == ["Enter a valid date."]
    assert not models.ProgressUpdate.objects.exists()


# --- Adding and changing a document on one page --------------------------------------


def test_document_add_page_offers_two_party_rows(admin_client):
    response = admin_client.get(admin_url(models.Document, "add"))

    parties = inline_formset(response, "parties")
    assert len(parties.forms) == 2
    assert [form.initial.get("order") for form in parties.forms] == [1, 2]
    prepopulated = json.loads(response.context["prepopulated_fields_json"])
    # slugs are made on save, from whole words, not typed ahead by the script
    assert prepopulated == []


def test_document_add_stores_the_document_with_its_parties(admin_client):
    data = new_document_data()

    response = admin_client.post(admin_url(models.Document, "add"), data)

    assert response.status_code == HTTPStatus.FOUND
    document = models.Document.objects.get(slug="agreement-on-air-services")
    assert [p.body_id for p in document.parties.order_by("order")] == [
        int(data["parties-0-body"]),
        int(data["parties-1-body"]),
    ]


def test_document_with_one_party_is_refused(admin_client):
    data = new_document_data(**{"parties-TOTAL_FORMS": "1"})

    response = admin_client.post(admin_url(models.Document, "add"), data)

    assert response.status_code == HTTPStatus.OK
    assert "A document has at least 2 parties" in response.content.decode()
    assert not models.Document.objects.exists()


def test_end_date_before_signature_shows_the_error_by_the_field(admin_client):
    data = new_document_data(ended_on="2023-04-09")

    response = admin_client.post(admin_url(models.Document, "add"), data)

    assert response.status_code == HTTPStatus.OK
    message = "The end date cannot be before the date of signature."
    assert errors_of(response, "ended_on") == [message]
    # The message sits in the ended_on row, before its input.
    row = re.search(
        r'<div class="form-row errors field-ended_on">(.*?)id="id_ended_on"',
        response.content.decode(),
        re.DOTALL,
    )
    assert row is not None
    assert message in row.group(1)
    assert not models.Document.objects.exists()
    assert not models.Party.objects.exists()


def test_second_signature_by_the_same_body_is_refused(admin_client):
    data = new_document_data()
    data["parties-1-body"] = data["parties-0-body"]

    response = admin_client.post(admin_url(models.Document, "add"), data)

    assert response.status_code == HTTPStatus.OK
    assert inline_formset(response, "parties").non_form_errors() == [
        "A body signs a document once: remove the second row for it."
    ]
    assert "A body signs a document once" in response.content.decode()
    assert not models.Document.objects.exists()


def test_second_signature_by_a_body_already_saved_is_refused(admin_client):
    document = bilateral_document()
    first, second = document.parties.order_by("order")
    page = admin_client.get(change_url(document))
    data = form_data(page)
    data["parties-1-body"] = str(first.body_id)

    response = admin_client.post(change_url(document), data)

    assert response.status_code == HTTPStatus.OK
    assert "A body signs a document once" in response.content.decode()
    second.refresh_from_db()
    assert second.body_id != first.body_id


def test_two_parties_with_the_same_order_are_refused(admin_client):
    data = new_document_data(**{"parties-1-order": "1"})

    response = admin_client.post(admin_url(models.Document, "add"), data)

    assert response.status_code == HTTPStatus.OK
    assert "Two parties have the same order" in response.content.decode()
    assert not models.Document.objects.exists()


def test_clashing_slug_is_refused(admin_client):
    DocumentFactory(slug="agreement-on-air-services")

    response = admin_client.post(
        admin_url(models.Document, "add"),
        new_document_data(title="Another agreement"),
    )

    assert response.status_code == HTTPStatus.OK
    assert errors_of(response, "slug") == ["Document with this Slug already exists."]
    assert models.Document.objects.count() == 1


def test_published_document_keeps_its_slug(admin_client):
    document = bilateral_document(slug="kept-slug", is_published=True)
    page = admin_client.get(change_url(document))
    data = form_data(page)
    data["slug"] = "changed-slug"

    response = admin_client.post(change_url(document), data)

    assert response.status_code == HTTPStatus.FOUND
    assert 'name="slug"' not in page.content.decode()
    document.refresh_from_db()
    assert document.slug == "kept-slug"


def test_unpublished_document_slug_can_change(admin_client):
    document = bilateral_document(slug="draft-slug", is_published=False)
    data = form_data(admin_client.get(change_url(document)))
    data["slug"] = "better-slug"

    response = admin_client.post(change_url(document), data)

    assert response.status_code == HTTPStatus.FOUND
    document.refresh_from_db()
    assert document.slug == "better-slug"


def test_document_page_shows_its_relations_both_ways(admin_client):
    programme = bilateral_document(title="Programme of cooperation 2024-2026")
    memorandum = bilateral_document(title="Memorandum on science")
    RelationFactory(
        from_document=programme,
        kind=models.Relation.Kind.IMPLEMENTS,
        to_document=memorandum,
    )

    outgoing = admin_client.get(change_url(programme))
    incoming = admin_client.get(change_url(memorandum))

    relations = inline_formset(outgoing, "relations_from")
    assert [form.instance.to_document for form in relations.forms] == [memorandum]
    assert (
        f'<option value="{memorandum.pk}" selected>Memorandum on science</option>'
        in outgoing.content.decode()
    )
    assert (
        f"<li>implemented by <a href='{change_url(programme)}'>"
        "Programme of cooperation 2024-2026</a> (reported)</li>"
    ) in incoming.content.decode()


def test_document_page_adds_a_relation_through_the_inline(admin_client):
    document, earlier = bilateral_document(), bilateral_document()
    data = form_data(admin_client.get(change_url(document)))
    data.update(
        {
            "relations_from-TOTAL_FORMS": "1",
            "relations_from-0-kind": models.Relation.Kind.AMENDS,
            "relations_from-0-to_document": str(earlier.pk),
            "relations_from-0-confidence": models.Confidence.CONFIRMED,
        }
    )

    response = admin_client.post(change_url(document), data)

    assert response.status_code == HTTPStatus.FOUND
    relation = models.Relation.objects.get()
    assert (relation.from_document, relation.kind, relation.to_document) == (
        document,
        models.Relation.Kind.AMENDS,
        earlier,
    )


def test_party_rows_link_to_the_party_page_with_its_sources(admin_client):
    document = bilateral_document()
    party = document.parties.order_by("order").first()
    PartyCitationFactory.create_batch(2, party=party)

    response = admin_client.get(change_url(document))

    assert (
        f"<a href='{change_url(party)}'>2 sources: edit</a>"
        in response.content.decode()
    )


def test_party_page_edits_its_signature_sources(admin_client):
    citation = PartyCitationFactory(claim="signatory")
    party = citation.party
    source = SourceFactory()
    data = form_data(admin_client.get(change_url(party)))
    data.update(
        {
            "citations-TOTAL_FORMS": "2",
            "citations-1-source": str(source.pk),
            "citations-1-confidence": models.Confidence.CONFIRMED,
            "citations-1-claim": "position",
        }
    )

    response = admin_client.post(change_url(party), data)

    assert response.status_code == HTTPStatus.FOUND
    assert sorted(party.citations.values_list("claim", flat=True)) == [
        "position",
        "signatory",
    ]


def test_document_page_uses_autocomplete_for_growing_tables(admin_client):
    response = admin_client.get(change_url(bilateral_document()))

    content = response.content.decode()
    for name in (
        "event",
        "parties-0-body",
        "relations_from-__prefix__-to_document",
        "citations-__prefix__-source",
        "titles-__prefix__-source",
    ):
        assert re.search(
            rf'<select name="{re.escape(name)}"[^>]*data-ajax--url=', content
        ), name
