"""The follow-up inlines of the admin's document page and the Editors' permissions."""

import importlib
import re
from http import HTTPStatus

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from agreements import models
from tests.factories import (
    ActionFactory,
    BodyFactory,
    ProgressUpdateFactory,
    ReminderLogFactory,
    SourceFactory,
    bilateral_document,
)
from tests.test_admin import (
    admin_url,
    change_url,
    form_data,
    inline_formset,
)
from tests.test_followup_admin import (
    TODAY,
    FollowUp,
    Status,
    changelist,
    days,
    messages_of,
    run_bulk,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(django_user_model):
    user = django_user_model.objects.create_user("dana.editor", is_staff=True)
    user.groups.add(Group.objects.get(name="Editors"))
    return user


# --- The document page ----------------------------------------------------------------


def test_document_page_shows_follow_up_status_read_only_with_a_link(admin_client):
    document = bilateral_document(follow_up_status=FollowUp.STALLED)

    response = admin_client.get(change_url(document))

    content = response.content.decode()
    assert 'name="follow_up_status"' not in content
    assert "stalled" in content
    add_url = admin_url(models.ProgressUpdate, "add")
    assert f'<a href="{add_url}?document={document.pk}">record an update</a>' in (
        content
    )


def test_document_page_ignores_a_posted_follow_up_status(admin_client):
    document = bilateral_document(follow_up_status=FollowUp.STALLED)
    data = form_data(admin_client.get(change_url(document)))
    data["follow_up_status"] = FollowUp.COMPLETED

    response = admin_client.post(change_url(document), data)

    assert response.status_code == HTTPStatus.FOUND
    document.refresh_from_db()
    assert document.follow_up_status == FollowUp.STALLED


def test_new_document_is_given_its_starting_follow_up_status(admin_client):
    response = admin_client.get(admin_url(models.Document, "add"))

    assert 'name="follow_up_status"' in response.content.decode()
    prefixes = [i.formset.prefix for i in response.context["inline_admin_formsets"]]
    assert "updates" not in prefixes


def test_document_page_edits_actions_with_status_read_only(admin_client):
    document = bilateral_document()
    action = ActionFactory(document=document, status=Status.BLOCKED)

    response = admin_client.get(change_url(document))

    actions = inline_formset(response, "actions")
    assert [form.instance for form in actions.forms] == [action]
    content = response.content.decode()
    assert 'name="actions-0-title_en_gb"' in content
    assert 'name="actions-0-status"' not in content
    assert 'name="actions-0-completed_on"' not in content
    assert f'href="{change_url(action)}"' in content
    assert re.search(
        r'<select name="actions-0-responsible_bodies"[^>]*data-ajax--url=', content
    )


def test_document_page_adds_an_action_through_the_inline(admin_client):
    document = bilateral_document()
    bodies = [BodyFactory(), BodyFactory()]
    data = form_data(admin_client.get(change_url(document)))
    data.update(
        {
            "actions-TOTAL_FORMS": "1",
            "actions-0-title_en_gb": "Hold the first meeting",
            "actions-0-slug": "hold-the-first-meeting",
            "actions-0-responsible_bodies": [str(b.pk) for b in bodies],
            "actions-0-basis": "reported",
            # not a field of the inline: a date is a dated, sourced update
            "actions-0-due_on": "2024-01-31",
            "actions-0-contact_email": "focal@ministry.example.org",
        }
    )

    response = admin_client.post(change_url(document), data)

    assert response.status_code == HTTPStatus.FOUND
    action = document.actions.get()
    assert (action.title, action.status, action.basis, action.due_on) == (
        "Hold the first meeting",
        Status.PLANNED,
        "reported",
        None,
    )
    assert set(action.responsible_bodies.all()) == set(bodies)


def test_document_page_refuses_an_action_without_responsible_body(admin_client):
    document = bilateral_document()
    data = form_data(admin_client.get(change_url(document)))
    data.update(
        {
            "actions-TOTAL_FORMS": "1",
            "actions-0-title_en_gb": "Hold the first meeting",
            "actions-0-slug": "hold-the-first-meeting",
        }
    )

    response = admin_client.post(change_url(document), data)

    assert response.status_code == HTTPStatus.OK
    assert inline_formset(response, "actions").errors == [
        {"responsible_bodies": ["This field is required."]}
    ]
    assert not document.actions.exists()


def test_document_page_lists_its_updates_read_only_newest_first(admin_client):
    document = bilateral_document()
    action = ActionFactory(document=document)
    older = ProgressUpdateFactory(document=document, happened_on=days(-300))
    newer = ProgressUpdateFactory(action=action, happened_on=days(-100))

    response = admin_client.get(change_url(document))

    updates = inline_formset(response, "updates")
    assert [form.instance for form in updates.forms] == [newer, older]
    assert updates.max_num == 0
    assert updates.can_delete is False
    content = response.content.decode().split('id="updates-group"')[1]
    assert 'name="updates-0-title"' not in content
    assert action.title in content
    assert "the document" in content
    assert f'href="{change_url(newer)}"' in content


def test_document_page_query_count_does_not_grow_with_actions_and_updates(
    admin_client, django_assert_max_num_queries
):
    document = bilateral_document()

    def add(count):
        for _ in range(count):
            action = ActionFactory(
                document=document, responsible_bodies=[BodyFactory(), BodyFactory()]
            )
            ProgressUpdateFactory(action=action, source=SourceFactory())

    add(2)
    # once first: what the process reads once (content types) is not per action
    admin_client.get(change_url(document))
    with django_assert_max_num_queries(60) as few:
        admin_client.get(change_url(document))
    add(10)
    with django_assert_max_num_queries(80) as many:
        response = admin_client.get(change_url(document))

    assert len(inline_formset(response, "actions").forms) == 12
    # Only the autocomplete widgets' chosen options cost a query per action row.
    assert len(many) - len(few) == 10


# --- Editors --------------------------------------------------------------------------


EDITOR_FOLLOW_UP_PERMISSIONS = {
    "add_action",
    "change_action",
    "view_action",
    "add_actioncitation",
    "change_actioncitation",
    "view_actioncitation",
    "add_progressupdate",
    "change_progressupdate",
    "view_progressupdate",
    "view_reminderlog",
}
FOLLOW_UP_MODELS = ("action", "actioncitation", "progressupdate", "reminderlog")


def editors_follow_up_permissions():
    return set(
        Group.objects.get(name="Editors")
        .permissions.filter(content_type__model__in=FOLLOW_UP_MODELS)
        .values_list("codename", flat=True)
    )


def test_editors_may_record_the_follow_up_but_never_delete_it():
    assert editors_follow_up_permissions() == EDITOR_FOLLOW_UP_PERMISSIONS


def test_editors_follow_up_migration_reverses_and_reapplies():
    migration = importlib.import_module("agreements.migrations.0005_editors_followup")
    state = MigrationExecutor(connection).loader.project_state(
        ("agreements", "0005_editors_followup")
    )
    register_permissions = Group.objects.get(name="Editors").permissions.exclude(
        content_type__model__in=FOLLOW_UP_MODELS
    )
    kept = set(register_permissions.values_list("codename", flat=True))

    migration.revoke(state.apps, None)
    assert editors_follow_up_permissions() == set()
    assert set(register_permissions.values_list("codename", flat=True)) == kept

    migration.grant(state.apps, None)
    assert editors_follow_up_permissions() == EDITOR_FOLLOW_UP_PERMISSIONS


def test_editor_records_the_follow_up_in_the_admin(client, editor):
    action = ActionFactory()
    ReminderLogFactory()
    client.force_login(editor)

    for model in (models.Action, models.ActionCitation, models.ProgressUpdate):
        assert changelist(client, model).status_code == HTTPStatus.OK
        assert client.get(admin_url(model, "add")).status_code == HTTPStatus.OK
    assert changelist(client, models.ReminderLog).status_code == HTTPStatus.OK
    assert (
        client.get(admin_url(models.ReminderLog, "add")).status_code
        == HTTPStatus.FORBIDDEN
    )
    assert (
        client.get(admin_url(models.Action, "delete", action.pk)).status_code
        == HTTPStatus.FORBIDDEN
    )

    response = run_bulk(
        client,
        models.Action,
        "mark_done",
        [action],
        post="yes",
        happened_on=TODAY.isoformat(),
    )

    assert messages_of(response) == ["1 action marked done, with an update recorded."]
    assert action.updates.get().recorded_by == editor
