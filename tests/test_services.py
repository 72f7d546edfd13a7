import datetime
from datetime import UTC

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db.models import F

from agreements import services
from agreements.models import Body, Document, Event
from tests.factories import BodyFactory, DocumentFactory, EventFactory

pytestmark = pytest.mark.django_db


def member_of(django_user_model, username, group):
    user = django_user_model.objects.create_user(username, is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def publisher(django_user_model):
    return member_of(django_user_model, "dana.publisher", "Publishers")


@pytest.fixture
def editor(django_user_model):
    return member_of(django_user_model, "aigerim.editor", "Editors")


def only(document):
    return Document.objects.filter(pk=document.pk)


# --- Publishing -----------------------------------------------------------------------


def test_publish_documents_publishes_only_the_unpublished(publisher):
    hidden = DocumentFactory(is_published=False)
    shown = DocumentFactory(is_published=True)

    count = services.publish_documents(
        documents=Document.objects.filter(pk__in=(hidden.pk, shown.pk)), user=publisher
    )

    assert count == 1
    hidden.refresh_from_db()
    assert hidden.is_published is True


def test_publish_documents_records_who_published_and_when(publisher):
    document = DocumentFactory(is_published=False)
    before = datetime.datetime.now(UTC)

    services.publish_documents(documents=only(document), user=publisher)

    document.refresh_from_db()
    assert document.published_by == publisher
    assert document.published_at >= before
    latest = document.history.first()
    assert latest.history_type == "~"
    assert latest.history_user == publisher
    assert latest.is_published is True
    assert latest.published_by == publisher
    assert sorted(latest.diff_against(latest.prev_record).changed_fields) == [
        "is_published",
        "published_at",
        "published_by",
    ]


def test_publish_documents_touches_the_updated_timestamp(publisher):
    long_ago = datetime.datetime(2020, 1, 1, tzinfo=UTC)
    document = DocumentFactory(is_published=False)
    Document.objects.filter(pk=document.pk).update(updated_at=long_ago)

    services.publish_documents(documents=only(document), user=publisher)

    document.refresh_from_db()
    assert document.updated_at > long_ago


def test_publish_and_unpublish_bump_the_version(publisher):
    document = DocumentFactory(is_published=False)
    untouched = DocumentFactory(is_published=True)

    services.publish_documents(documents=only(document), user=publisher)
    document.refresh_from_db()
    assert document.version == 2
    services.unpublish_documents(documents=only(document), user=publisher)
    document.refresh_from_db()
    assert document.version == 3
    # Documents left as they were keep their version.
    services.publish_documents(documents=only(untouched), user=publisher)
    untouched.refresh_from_db()
    assert untouched.version == 1


def test_unpublish_documents_withdraws_them_and_clears_the_publisher(publisher):
    shown = DocumentFactory.create_batch(2, is_published=False)
    other = DocumentFactory(is_published=True)
    services.publish_documents(
        documents=Document.objects.filter(pk__in=[d.pk for d in shown]), user=publisher
    )

    count = services.unpublish_documents(
        documents=Document.objects.filter(pk__in=[d.pk for d in shown]), user=publisher
    )

    assert count == 2
    assert set(Document.objects.filter(is_published=False)) == set(shown)
    assert not Document.objects.filter(
        pk__in=[d.pk for d in shown], published_by__isnull=False
    ).exists()
    assert not Document.objects.filter(
        pk__in=[d.pk for d in shown], published_at__isnull=False
    ).exists()
    # The history keeps who published and who withdrew.
    latest = shown[0].history.first()
    assert (latest.is_published, latest.history_user) == (False, publisher)
    assert latest.prev_record.published_by == publisher
    other.refresh_from_db()
    assert other.is_published is True


def test_services_do_nothing_for_an_empty_selection(publisher):
    document = DocumentFactory(is_published=False)
    history_before = document.history.count()

    count = services.publish_documents(
        documents=Document.objects.none(), user=publisher
    )

    assert count == 0
    document.refresh_from_db()
    assert document.is_published is False
    assert document.history.count() == history_before


@pytest.mark.parametrize(
    "service", [services.publish_documents, services.unpublish_documents]
)
def test_an_editor_cannot_publish_or_unpublish_through_the_services(editor, service):
    drafts = DocumentFactory(is_published=False)
    shown = DocumentFactory(is_published=True)
    history_before = Document.history.count()

    with pytest.raises(PermissionDenied, match="Only publishers"):
        service(documents=Document.objects.all(), user=editor)

    assert set(Document.objects.values_list("pk", "is_published")) == {
        (drafts.pk, False),
        (shown.pk, True),
    }
    assert Document.history.count() == history_before


def test_staff_without_a_group_cannot_publish(django_user_model):
    staff = django_user_model.objects.create_user("visitor", is_staff=True)
    document = DocumentFactory(is_published=False)

    with pytest.raises(PermissionDenied):
        services.publish_documents(documents=only(document), user=staff)
    document.refresh_from_db()
    assert document.is_published is False


def test_a_superuser_can_publish(admin_user):
    document = DocumentFactory(is_published=False)

    assert services.publish_documents(documents=only(document), user=admin_user) == 1
    document.refresh_from_db()
    assert document.published_by == admin_user


def test_a_script_without_a_user_publishes_without_naming_a_publisher():
    document = DocumentFactory(is_published=False)

    services.publish_documents(documents=only(document), user=None)

    document.refresh_from_db()
    assert document.is_published is True
    assert document.published_by is None
    assert document.published_at is not None


def test_events_are_published_by_publishers_only(publisher, editor):
    event = EventFactory(is_published=False)
    events = Event.objects.filter(pk=event.pk)

    with pytest.raises(PermissionDenied, match="events"):
        services.publish_events(events=events, user=editor)
    assert services.publish_events(events=events, user=publisher) == 1
    event.refresh_from_db()
    assert (event.is_published, event.published_by, event.version) == (
        True,
        publisher,
        2,
    )
    assert services.unpublish_events(events=events, user=publisher) == 1
    event.refresh_from_db()
    assert (event.is_published, event.published_by, event.published_at) == (
        False,
        None,
        None,
    )


# --- set_publication: what a form's save does with the flag ---------------------------


def test_set_publication_keeps_the_stored_flag_for_an_editor(editor, publisher):
    document = DocumentFactory(is_published=False)
    services.publish_documents(documents=only(document), user=publisher)
    stored = Document.objects.get(pk=document.pk)

    stored.is_published = False
    services.set_publication(instance=stored, user=editor)
    assert (stored.is_published, stored.published_by) == (True, publisher)

    draft = DocumentFactory(is_published=False)
    draft.is_published = True
    services.set_publication(instance=draft, user=editor)
    assert (draft.is_published, draft.published_by, draft.published_at) == (
        False,
        None,
        None,
    )


def test_set_publication_makes_a_new_record_a_draft_for_an_editor(editor):
    document = DocumentFactory.build(is_published=True)

    services.set_publication(instance=document, user=editor)

    assert document.is_published is False
    assert document.published_by is None


def test_set_publication_stamps_a_publishers_change(publisher):
    document = DocumentFactory(is_published=False)

    document.is_published = True
    services.set_publication(instance=document, user=publisher)
    assert document.published_by == publisher
    assert document.published_at is not None
    document.save()

    stamped_at = document.published_at
    services.set_publication(instance=document, user=publisher)
    assert document.published_at == stamped_at  # unchanged flag, unchanged stamp

    document.is_published = False
    services.set_publication(instance=document, user=publisher)
    assert (document.published_by, document.published_at) == (None, None)


# --- Versions -------------------------------------------------------------------------


def test_claim_version_takes_the_next_version_once():
    document = DocumentFactory()
    first = Document.objects.get(pk=document.pk)
    second = Document.objects.get(pk=document.pk)

    services.claim_version(instance=first, version=1)

    assert first.version == 2
    with pytest.raises(services.EditConflict):
        services.claim_version(instance=second, version=1)
    assert Document.objects.get(pk=document.pk).version == 2


@pytest.mark.parametrize(
    ("model", "factory"), [(Event, EventFactory), (Body, BodyFactory)]
)
def test_events_and_bodies_have_versions_too(model, factory):
    record = factory()

    services.claim_version(instance=record, version=1)
    services.bump_version(model=model, pk=record.pk)

    assert (
        model.objects.filter(pk=record.pk).values_list("version", flat=True).get() == 3
    )
    with pytest.raises(services.EditConflict):
        services.claim_version(instance=record, version=2)


def test_bump_version_goes_up_by_one_per_call():
    document = DocumentFactory()
    Document.objects.filter(pk=document.pk).update(version=F("version") + 4)

    services.bump_version(model=Document, pk=document.pk)

    document.refresh_from_db()
    assert document.version == 6
