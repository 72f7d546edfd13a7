"""No lost edits on every record staff edit, on its own page and in the inlines of
the record it belongs to: the second of two saves is refused with a message naming
who saved and when, and what was typed is kept on the form."""

import re
from html import unescape
from http import HTTPStatus

import pytest
from django.db.models import F
from django.test import Client

from agreements import models
from tests import factories
from tests.test_admin import change_url, form_data

pytestmark = pytest.mark.django_db

CONFLICT = "was changed by someone else while you were editing it"


@pytest.fixture
def alice(django_user_model):
    client = Client()
    client.force_login(django_user_model.objects.create_superuser("alice"))
    return client


@pytest.fixture
def bob(django_user_model):
    client = Client()
    client.force_login(django_user_model.objects.create_superuser("bob"))
    return client


def text(response):
    """The page's HTML, its character references read (``&#x27;`` or ``&#39;``:
    either engine's escaping) and its spaces folded."""
    return re.sub(r"\s+", " ", unescape(response.content.decode()))


def document_with(factory, **kwargs):
    return factory(document=factories.bilateral_document(), **kwargs)


OWN_PAGES = {
    # text kept in each language: its English column
    "action": (lambda: document_with(factories.ActionFactory), "title_en_gb"),
    "party": (lambda: factories.bilateral_document().parties.first(), "signatory_name"),
    "relation": (
        lambda: factories.RelationFactory(
            from_document=factories.bilateral_document(),
            to_document=factories.bilateral_document(),
        ),
        "note",
    ),
    "document citation": (
        lambda: document_with(factories.DocumentCitationFactory),
        "claim",
    ),
    "party citation": (
        lambda: factories.PartyCitationFactory(
            party=factories.bilateral_document().parties.first()
        ),
        "claim",
    ),
    "action citation": (
        lambda: factories.ActionCitationFactory(
            action=document_with(factories.ActionFactory)
        ),
        "claim",
    ),
    "progress update": (
        lambda: document_with(factories.ProgressUpdateFactory),
        "title",
    ),
    "event citation": (lambda: factories.EventCitationFactory(), "claim"),
    "former name": (lambda: factories.BodyNameFactory(), "name"),
    "document title": (lambda: document_with(factories.DocumentTitleFactory), "title"),
    "source": (lambda: factories.SourceFactory(), "title"),
    "topic": (lambda: factories.TopicFactory(), "name_en_gb"),
}


@pytest.mark.parametrize("case", OWN_PAGES)
def test_the_second_save_of_a_records_own_page_is_refused(alice, bob, case):
    make, field = OWN_PAGES[case]
    record = make()
    alice_form = form_data(alice.get(change_url(record)))
    bob_form = form_data(bob.get(change_url(record)))
    alice_form[field] = "Alice's"
    bob_form[field] = "Bob's"

    assert alice.post(change_url(record), alice_form).status_code == HTTPStatus.FOUND
    response = bob.post(change_url(record), bob_form)

    assert response.status_code == HTTPStatus.OK
    errors = [str(e) for e in response.context["adminform"].form.non_field_errors()]
    assert f"{CONFLICT} (the latest change: by alice, " in errors[0]
    # what Bob typed is still in his form (a box's value or a text area's text)
    assert 'value="Bob\'s"' in text(response) or ">Bob's</textarea>" in text(response)
    assert getattr(type(record).objects.get(pk=record.pk), field) == "Alice's"


def _parent_and_row(case):
    document = factories.bilateral_document()
    if case == "parties":
        return document, document.parties.order_by("order").first(), "signatory_name"
    if case == "relations_from":
        row = factories.RelationFactory(
            from_document=document, to_document=factories.bilateral_document()
        )
        return document, row, "note"
    if case == "citations":
        return document, factories.DocumentCitationFactory(document=document), "claim"
    if case == "titles":
        return document, factories.DocumentTitleFactory(document=document), "title"
    if case == "event citations":
        row = factories.EventCitationFactory()
        return row.event, row, "claim"
    if case == "former_names":
        row = factories.BodyNameFactory()
        return row.body, row, "name"
    if case == "party citations":
        row = factories.PartyCitationFactory(party=document.parties.first())
        return row.party, row, "claim"
    if case == "action citations":
        row = factories.ActionCitationFactory(
            action=factories.ActionFactory(document=document)
        )
        return row.action, row, "claim"
    raise AssertionError(case)


# A document's actions are not among them: its form lists them as links to their own
# pages (tested in OWN_PAGES) and its inline only adds new ones.
INLINES = (
    "parties",
    "relations_from",
    "citations",
    "titles",
    "event citations",
    "former_names",
    "party citations",
    "action citations",
)


def _row_key(data, row, field):
    """The form field of ``row``'s ``field`` in the posted inline data."""
    for key, value in data.items():
        if key.endswith("-id") and value == str(row.pk):
            prefix = key[: -len("id")]
            if f"{prefix}{field}" in data:
                return f"{prefix}{field}"
    raise AssertionError(f"no inline row for {row!r}")


def _changed_by_someone_else(row, field):
    type(row).objects.filter(pk=row.pk).update(
        **{field: "Bob's"}, version=F("version") + 1
    )


@pytest.mark.parametrize("case", INLINES)
def test_a_row_changed_meanwhile_is_refused_in_the_inline(alice, case):
    parent, row, field = _parent_and_row(case)
    data = form_data(alice.get(change_url(parent)))
    key = _row_key(data, row, field)
    _changed_by_someone_else(row, field)

    data[key] = "Alice's"
    response = alice.post(change_url(parent), data)

    assert response.status_code == HTTPStatus.OK
    assert CONFLICT in text(response)
    assert "Alice's" in text(response)
    assert getattr(type(row).objects.get(pk=row.pk), field) == "Bob's"


@pytest.mark.parametrize("case", INLINES)
def test_a_row_left_as_it_was_does_not_block_the_page(alice, case):
    parent, row, field = _parent_and_row(case)
    data = form_data(alice.get(change_url(parent)))
    _row_key(data, row, field)
    type(row).objects.filter(pk=row.pk).update(version=F("version") + 1)

    response = alice.post(change_url(parent), data)

    assert response.status_code == HTTPStatus.FOUND


def test_a_row_deleted_after_someone_else_changed_it_is_refused(alice):
    parent, row, field = _parent_and_row("citations")
    data = form_data(alice.get(change_url(parent)))
    key = _row_key(data, row, field)
    _changed_by_someone_else(row, field)

    data[key.replace(field, "DELETE")] = "on"
    response = alice.post(change_url(parent), data)

    assert response.status_code == HTTPStatus.OK
    assert CONFLICT in text(response)
    assert models.DocumentCitation.objects.filter(pk=row.pk).exists()


def test_a_row_saved_in_an_inline_moves_its_version(alice):
    parent, row, field = _parent_and_row("citations")
    data = form_data(alice.get(change_url(parent)))
    data[_row_key(data, row, field)] = "changed"

    assert alice.post(change_url(parent), data).status_code == HTTPStatus.FOUND

    row.refresh_from_db()
    assert (getattr(row, field), row.version) == ("changed", 2)
