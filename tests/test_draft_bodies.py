"""A body entered for a draft does not reveal the draft: it is not listed, searched,
linked or served until a document it signed (or an action it answers for) is
published, or until it is the parent of such a body."""

import math
from http import HTTPStatus

import pytest

from agreements import services, sitemaps
from agreements.models import Document
from tests.factories import ActionFactory, BodyFactory, PartyFactory, bilateral_document

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft_counterparty():
    document = bilateral_document(is_published=False, title="Secret memorandum")
    body = BodyFactory(name="Zanzibar Trade Office", slug="zanzibar-trade-office")
    PartyFactory(document=document, body=body, order=3)
    return document, body


def visible(client, body):
    pages = {
        "list": client.get("/bodies/").content.decode(),
        "search": client.get("/bodies/?q=zanzibar").content.decode(),
        # the file of the body's id range (PostgreSQL's ids go on across tests)
        "sitemap": client.get(
            f"/sitemap-bodies.xml?p={math.ceil(body.pk / sitemaps.LIMIT)}"
        ).content.decode(),
    }
    seen = {
        name for name, text in pages.items() if body.name in text or body.slug in text
    }
    if client.get(body.get_absolute_url()).status_code == HTTPStatus.OK:
        seen.add("page")
    filtered = client.get(f"/agreements/?body={body.slug}")
    if body.name in filtered.content.decode():
        seen.add("filter")
    return seen


def test_a_body_of_a_draft_appears_nowhere(client, draft_counterparty):
    _document, body = draft_counterparty

    assert visible(client, body) == set()


def test_it_appears_everywhere_once_the_document_is_published(
    client, draft_counterparty, admin_user
):
    document, body = draft_counterparty
    services.publish_documents(
        documents=Document.objects.filter(pk=document.pk), user=admin_user
    )

    assert visible(client, body) == {"list", "search", "sitemap", "page", "filter"}


def test_a_body_responsible_for_a_published_action_is_public(client):
    body = BodyFactory(name="Zanzibar Trade Office", slug="zanzibar-trade-office")
    ActionFactory(document=bilateral_document(), responsible_bodies=[body])

    assert client.get(body.get_absolute_url()).status_code == HTTPStatus.OK


def test_the_parent_of_a_public_body_is_public_and_a_hidden_child_is_not_linked(
    client, draft_counterparty
):
    _document, hidden = draft_counterparty
    parent = BodyFactory(name="Ministry of Trade")
    hidden.parent = parent
    hidden.save()
    public_child = bilateral_document().parties.first().body
    public_child.parent = parent
    public_child.save()

    page = client.get(parent.get_absolute_url())

    assert page.status_code == HTTPStatus.OK
    assert public_child.name in page.content.decode()
    assert hidden.name not in page.content.decode()


def test_a_parent_shows_no_grandparent_that_is_not_public(client):
    grandparent = BodyFactory(name="Cabinet of Ministers")
    parent = BodyFactory(name="Ministry of Trade", parent=grandparent)
    public_child = bilateral_document().parties.first().body
    public_child.parent = parent
    public_child.save()

    page = client.get(parent.get_absolute_url())

    assert page.status_code == HTTPStatus.OK
    assert "Cabinet of Ministers" not in page.content.decode()
    assert client.get(grandparent.get_absolute_url()).status_code == 404
