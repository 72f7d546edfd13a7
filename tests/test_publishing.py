"""Review before publishing: Editors prepare records, only Publishers (and superusers)
make them public or withdraw them, by any route, and the admin shows who did and when.
"""

import importlib
import re
from http import HTTPStatus

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from agreements import models, services
from tests.factories import EventFactory, bilateral_document
from tests.test_admin import admin_url, change_url, form_data, new_document_data

pytestmark = pytest.mark.django_db

MIGRATION = "0006_publishers_and_versions"
PUBLICATION_FIELDS = {"is_published", "published_by", "published_at", "version"}


def member_of(django_user_model, username, group):
    user = django_user_model.objects.create_user(username, is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def editor(django_user_model):
    return member_of(django_user_model, "aigerim.editor", "Editors")


@pytest.fixture
def publisher(django_user_model):
    return member_of(django_user_model, "dana.publisher", "Publishers")


def signed_in(client, user):
    client.force_login(user)
    return client


def only(record):
    return type(record).objects.filter(pk=record.pk)


def published_by(record, user):
    model = type(record)
    if model is models.Document:
        services.publish_documents(documents=only(record), user=user)
    else:
        services.publish_events(events=only(record), user=user)
    record.refresh_from_db()
    return record


def codenames(group_name):
    return set(
        Group.objects.get(name=group_name).permissions.values_list(
            "codename", flat=True
        )
    )


def action_choices(response):
    return [
        name for name, _ in response.context["action_form"].fields["action"].choices
    ]


def messages_of(response):
    return [str(message) for message in response.context["messages"]]


# --- Groups and permissions -----------------------------------------------------------


def test_publishers_have_every_editor_permission_and_publish():
    editors, publishers = codenames("Editors"), codenames("Publishers")

    assert editors < publishers
    assert publishers - editors == {"publish_document", "publish_event"}
    assert not any(codename.startswith("delete_") for codename in publishers)


def test_the_publishers_migration_is_idempotent_and_reversible():
    migration = importlib.import_module(f"agreements.migrations.{MIGRATION}")
    state = MigrationExecutor(connection).loader.project_state(
        ("agreements", MIGRATION)
    )
    before = codenames("Publishers")

    migration.create_publishers(state.apps, None)
    assert codenames("Publishers") == before

    migration.remove_publishers(state.apps, None)
    assert not Group.objects.filter(name="Publishers").exists()
    assert not Permission.objects.filter(
        codename__in=migration.PUBLISH_PERMISSIONS
    ).exists()
    assert codenames("Editors")  # the editors keep theirs

    migration.create_publishers(state.apps, None)
    assert codenames("Publishers") == before


# --- The change and add forms ---------------------------------------------------------


def test_an_editor_sees_the_published_flag_read_only(client, editor):
    document = bilateral_document(is_published=False)

    content = signed_in(client, editor).get(change_url(document)).content.decode()

    assert 'name="is_published"' not in content
    assert "Not published: a publisher publishes it after review." in content


def test_a_crafted_post_cannot_make_an_editor_publish(client, editor):
    document = bilateral_document(is_published=False)
    data = form_data(signed_in(client, editor).get(change_url(document)))
    data.update(title="Edited by an editor", is_published="on")

    response = client.post(change_url(document), data)

    assert response.status_code == HTTPStatus.FOUND
    document.refresh_from_db()
    assert document.title == "Edited by an editor"
    assert (document.is_published, document.published_by) == (False, None)


def test_an_editor_saving_a_published_document_leaves_it_published(
    client, editor, publisher
):
    document = published_by(bilateral_document(is_published=False), publisher)
    data = form_data(signed_in(client, editor).get(change_url(document)))
    assert "is_published" not in data
    data["summary_en_gb"] = "A better summary."

    response = client.post(change_url(document), data)

    assert response.status_code == HTTPStatus.FOUND
    document.refresh_from_db()
    assert document.summary == "A better summary."
    assert (document.is_published, document.published_by) == (True, publisher)


def test_a_document_added_by_an_editor_is_a_draft(client, editor):
    data = new_document_data(is_published="on")

    response = signed_in(client, editor).post(admin_url(models.Document, "add"), data)

    assert response.status_code == HTTPStatus.FOUND
    document = models.Document.objects.get(slug=data["slug"])
    assert (document.is_published, document.published_by) == (False, None)


def test_a_publisher_publishes_from_the_form_and_the_admin_says_who_and_when(
    client, publisher
):
    document = bilateral_document(is_published=False)
    page = signed_in(client, publisher).get(change_url(document))
    assert 'name="is_published"' in page.content.decode()
    data = form_data(page)
    data["is_published"] = "on"

    response = client.post(change_url(document), data)

    assert response.status_code == HTTPStatus.FOUND
    document.refresh_from_db()
    assert (document.is_published, document.published_by) == (True, publisher)
    assert document.published_at is not None
    change_page = client.get(change_url(document)).content.decode()
    assert "Published by dana.publisher, " in change_page
    history = client.get(admin_url(models.Document, "history", document.pk))
    latest = re.search(r"<tbody>\s*<tr>(.*?)</tr>", history.content.decode(), re.S)
    assert "dana.publisher" in latest[1]
    changes = re.sub(r"\s+|&nbsp;", " ", latest[1])
    assert re.search(r"Published by:</strong> None +&rarr; +dana\.publisher", changes)
    assert re.search(r"Published:</strong> False +&rarr; +True", changes)


def test_a_publisher_unpublishes_from_the_form(client, publisher):
    document = published_by(bilateral_document(is_published=False), publisher)
    data = form_data(signed_in(client, publisher).get(change_url(document)))
    del data["is_published"]

    response = client.post(change_url(document), data)

    assert response.status_code == HTTPStatus.FOUND
    document.refresh_from_db()
    assert (document.is_published, document.published_by, document.published_at) == (
        False,
        None,
        None,
    )
    assert document.history.first().history_user == publisher


def test_a_publisher_adds_a_published_document(client, publisher):
    data = new_document_data(is_published="on")

    response = signed_in(client, publisher).post(
        admin_url(models.Document, "add"), data
    )

    assert response.status_code == HTTPStatus.FOUND
    document = models.Document.objects.get(slug=data["slug"])
    assert (document.is_published, document.published_by) == (True, publisher)


def test_a_superuser_publishes_from_the_form(admin_client, admin_user):
    document = bilateral_document(is_published=False)
    data = form_data(admin_client.get(change_url(document)))
    data["is_published"] = "on"

    assert admin_client.post(change_url(document), data).status_code == 302
    document.refresh_from_db()
    assert document.published_by == admin_user


# --- History: reverting to a published version ----------------------------------------


def revert_data(page):
    """What the history revert form posts: its fields as rendered, no inlines."""
    form = page.context["adminform"].form
    data = {}
    for field in form:
        value = field.value()
        if value is None or value is False:
            continue
        if isinstance(value, list | tuple):
            data[field.html_name] = [str(item) for item in value]
        else:
            data[field.html_name] = "on" if value is True else str(value)
    return data


def revert_url(record):
    return reverse(
        "admin:agreements_document_simple_history",
        args=[record.history_object.pk, record.history_id],
    )


def test_an_editor_cannot_publish_by_reverting_to_a_published_version(
    client, editor, publisher
):
    document = published_by(
        bilateral_document(title="First title", is_published=False), publisher
    )
    services.unpublish_documents(documents=only(document), user=publisher)
    models.Document.objects.filter(pk=document.pk).update(title="Later title")
    published_version = document.history.filter(is_published=True).first()

    page = signed_in(client, editor).get(revert_url(published_version))
    response = client.post(revert_url(published_version), revert_data(page))

    assert response.status_code == HTTPStatus.FORBIDDEN
    document.refresh_from_db()
    assert document.title == "Later title"
    assert (document.is_published, document.published_by) == (False, None)


def test_a_publisher_cannot_revert_either(client, publisher):
    document = published_by(bilateral_document(is_published=False), publisher)
    services.unpublish_documents(documents=only(document), user=publisher)
    published_version = document.history.filter(is_published=True).first()
    page = signed_in(client, publisher).get(revert_url(published_version))
    assert page.status_code == HTTPStatus.OK  # a past version can still be viewed

    response = client.post(revert_url(published_version), revert_data(page))

    assert response.status_code == HTTPStatus.FORBIDDEN
    document.refresh_from_db()
    assert (document.is_published, document.published_by) == (False, None)


# --- Bulk actions ---------------------------------------------------------------------


@pytest.mark.parametrize("model", [models.Document, models.Event])
def test_an_editor_is_not_offered_the_publish_actions(client, editor, model):
    response = signed_in(client, editor).get(admin_url(model, "changelist"))

    assert response.status_code == HTTPStatus.OK
    offered = action_choices(response) if response.context["action_form"] else []
    assert "publish" not in offered
    assert "unpublish" not in offered


@pytest.mark.parametrize(
    ("model", "make"),
    [
        (models.Document, lambda **kw: bilateral_document(**kw)),
        (models.Event, lambda **kw: EventFactory(**kw)),
    ],
)
@pytest.mark.parametrize("action", ["publish", "unpublish"])
def test_a_crafted_publish_action_from_an_editor_is_refused(
    client, editor, model, make, action
):
    draft, shown = make(is_published=False), make(is_published=True)
    history_before = model.history.count()

    response = signed_in(client, editor).post(
        admin_url(model, "changelist"),
        {"action": action, "index": "0", "_selected_action": [draft.pk, shown.pk]},
        follow=True,
    )

    assert response.status_code == HTTPStatus.OK
    assert messages_of(response) == [
        f"Only publishers can publish or unpublish {model._meta.verbose_name_plural}; "
        "nothing was changed."
    ]
    assert set(model.objects.values_list("pk", "is_published")) == {
        (draft.pk, False),
        (shown.pk, True),
    }
    assert model.history.count() == history_before


def test_a_publisher_publishes_documents_in_bulk(client, publisher):
    drafts = [bilateral_document(is_published=False) for _ in range(2)]
    left = bilateral_document(is_published=False)
    changelist = signed_in(client, publisher).get(
        admin_url(models.Document, "changelist")
    )
    assert {"publish", "unpublish"} <= set(action_choices(changelist))

    response = client.post(
        admin_url(models.Document, "changelist"),
        {"action": "publish", "index": "0", "_selected_action": [d.pk for d in drafts]},
        follow=True,
    )

    assert messages_of(response) == ["2 documents published."]
    assert set(
        models.Document.objects.filter(published_by=publisher).values_list(
            "pk", flat=True
        )
    ) == {d.pk for d in drafts}
    left.refresh_from_db()
    assert left.is_published is False


def test_a_publisher_publishes_events_in_bulk(client, publisher):
    event = EventFactory(is_published=False)

    response = signed_in(client, publisher).post(
        admin_url(models.Event, "changelist"),
        {"action": "publish", "index": "0", "_selected_action": [event.pk]},
        follow=True,
    )

    assert messages_of(response) == ["1 event published."]
    event.refresh_from_db()
    assert (event.is_published, event.published_by) == (True, publisher)


# --- Inlines --------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["editor", "publisher"])
def test_no_inline_carries_a_publication_field(rf, request, who):
    user = request.getfixturevalue(who)
    http_request = rf.get("/admin/")
    http_request.user = user
    checked = 0
    for model, model_admin in admin.site._registry.items():
        for inline_class in model_admin.inlines:
            inline = inline_class(model, admin.site)
            fields = inline.get_formset(http_request).form.base_fields
            assert not PUBLICATION_FIELDS & set(fields), inline_class
            checked += 1
    assert checked >= 10


# --- Events ---------------------------------------------------------------------------


def test_a_crafted_post_cannot_make_an_editor_publish_an_event(client, editor):
    event = EventFactory(is_published=False)
    page = signed_in(client, editor).get(change_url(event))
    assert 'name="is_published"' not in page.content.decode()
    data = form_data(page)
    data.update(title_en_gb="Visit, edited", is_published="on")

    response = client.post(change_url(event), data)

    assert response.status_code == HTTPStatus.FOUND
    event.refresh_from_db()
    assert (event.title, event.is_published) == ("Visit, edited", False)


def event_add_data(client, **overrides):
    data = form_data(client.get(admin_url(models.Event, "add")))
    data.update(
        title_en_gb="Working visit to Baku",
        slug="working-visit-baku",
        date="2024-05-02",
    )
    data.update(overrides)
    return data


def test_a_new_event_is_a_draft_unless_a_publisher_publishes_it(
    client, editor, publisher
):
    assert models.Event().is_published is False
    signed_in(client, editor)
    data = event_add_data(client, is_published="on")
    assert client.post(admin_url(models.Event, "add"), data).status_code == 302
    assert models.Event.objects.get(slug="working-visit-baku").is_published is False

    signed_in(client, publisher)
    data = event_add_data(client, slug="second-visit", is_published="on")
    assert client.post(admin_url(models.Event, "add"), data).status_code == 302
    event = models.Event.objects.get(slug="second-visit")
    assert (event.is_published, event.published_by) == (True, publisher)


# --- The changelists: who published, and a filter -------------------------------------


def test_the_document_list_shows_who_published_and_filters_by_publisher(
    client, django_user_model, editor, publisher
):
    other = member_of(django_user_model, "erlan.publisher", "Publishers")
    mine = published_by(bilateral_document(is_published=False), publisher)
    theirs = published_by(bilateral_document(is_published=False), other)
    bilateral_document(is_published=False)
    url = admin_url(models.Document, "changelist")

    response = signed_in(client, editor).get(url)

    rows = response.content.decode().split("<tbody>")[1]
    row = re.search(rf"<tr>(?:(?!</tr>).)*{re.escape(mine.title)}.*?</tr>", rows, re.S)
    assert (
        "dana.publisher" in re.search(r'field-published_column">(.*?)</td>', row[0])[1]
    )
    spec = next(
        s for s in response.context["cl"].filter_specs if s.title == "published by"
    )
    assert list(spec.lookup_choices) == [
        (str(publisher.pk), "dana.publisher"),
        (str(other.pk), "erlan.publisher"),
    ]
    filtered = client.get(url, {"published_by": publisher.pk})
    assert list(filtered.context["cl"].result_list) == [mine]
    assert theirs not in filtered.context["cl"].result_list
    nonsense = client.get(url, {"published_by": "abc"})
    assert nonsense.status_code == HTTPStatus.OK
    assert list(nonsense.context["cl"].result_list) == []


def test_the_event_list_shows_who_published(client, publisher):
    event = published_by(EventFactory(is_published=False), publisher)

    response = signed_in(client, publisher).get(admin_url(models.Event, "changelist"))

    assert list(response.context["cl"].result_list) == [event]
    assert re.search(
        r'field-published_column">dana\.publisher<br>', response.content.decode()
    )
