import datetime
from datetime import UTC

import pytest

from agreements import services
from agreements.models import Document
from tests.factories import DocumentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(django_user_model):
    return django_user_model.objects.create_user("aigerim", is_staff=True)


def test_publish_documents_publishes_only_the_unpublished(editor):
    hidden = DocumentFactory(is_published=False)
    shown = DocumentFactory(is_published=True)

    count = services.publish_documents(
        documents=Document.objects.filter(pk__in=(hidden.pk, shown.pk)), user=editor
    )

    assert count == 1
    hidden.refresh_from_db()
    assert hidden.is_published is True


def test_publish_documents_records_who_published(editor):
    document = DocumentFactory(is_published=False)

    services.publish_documents(
        documents=Document.objects.filter(pk=document.pk), user=editor
    )

    latest = document.history.first()
    assert latest.history_type == "~"
    assert latest.history_user == editor
    assert latest.is_published is True
    assert latest.diff_against(latest.prev_record).changed_fields == ["is_published"]


def test_publish_documents_touches_the_updated_timestamp(editor):
    long_ago = datetime.datetime(2020, 1, 1, tzinfo=UTC)
    document = DocumentFactory(is_published=False)
    Document.objects.filter(pk=document.pk).update(updated_at=long_ago)

    services.publish_documents(
        documents=Document.objects.filter(pk=document.pk), user=editor
    )

    document.refresh_from_db()
    assert document.updated_at > long_ago


def test_unpublish_documents_withdraws_them(editor):
    shown = DocumentFactory.create_batch(2, is_published=True)
    other = DocumentFactory(is_published=True)

    count = services.unpublish_documents(
        documents=Document.objects.filter(pk__in=[d.pk for d in shown]), user=editor
    )

    assert count == 2
    assert set(Document.objects.filter(is_published=False)) == set(shown)
    other.refresh_from_db()
    assert other.is_published is True


def test_services_do_nothing_for_an_empty_selection(editor):
    document = DocumentFactory(is_published=False)
    history_before = document.history.count()

    count = services.publish_documents(documents=Document.objects.none(), user=editor)

    assert count == 0
    document.refresh_from_db()
    assert document.is_published is False
    assert document.history.count() == history_before
