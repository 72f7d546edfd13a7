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

#: The most queries a document's change form makes, whatever its follow-up holds.
DOCUMENT_PAGE_QUERIES = 25


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


def test_document_page_lists_its_actions_as_links_and_adds_new_ones(admin_client):
    document = bilateral_document()
    action = ActionFactory(
        document=document,
        status=Status.BLOCKED,
        responsible_bodies=[BodyFactory(name="Ministry of Energy")],
    )

    response = admin_client.get(change_url(document))

    # the recorded actions: a table of links to their own pages
    table = response.content.decode().split('id="actions-table"')[1]
    table = table.split("</table>")[0]
    assert f'href="{change_url(action)}"' in table
    assert "Ministry of Energy" in table
    assert "blocked" in table
    assert "<select" not in table and "<input" not in table
    # and an inline that only adds: no form for the recorded one
    actions = inline_formset(response, "actions")
    assert actions.forms == []
    assert actions.empty_form.fields["title_en_gb"].required
    assert "status" not in actions.empty_form.fields
    assert re.search(
        r'<select name="actions-__prefix__-responsible_bodies"[^>]*data-ajax--url=',
        response.content.decode(),
    )


def test_the_actions_table_shows_a_page_at_a_time(admin_client):
    from agreements.admin.compact import ACTIONS_PER_PAGE

    document = bilateral_document()
    actions = [
        ActionFactory(document=document, title=f"Action {n:02}", due_on=days(n))
        for n in range(ACTIONS_PER_PAGE + 3)
    ]

    first = admin_client.get(change_url(document)).content.decode()
    second = admin_client.get(change_url(document), {"actions_page": 2})
    second = second.content.decode()
    bad = admin_client.get(change_url(document), {"actions_page": "x' OR 1"})

    assert f"Actions ({len(actions)})" in first
    assert change_url(actions[0]) in first
    assert change_url(actions[-1]) not in first
    assert "actions_page=2" in first
    assert change_url(actions[-1]) in second
    assert change_url(actions[0]) not in second
    # a page that is not one is the first page, not an error
    assert bad.status_code == HTTPStatus.OK


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


def test_document_page_lists_its_latest_updates_read_only_newest_first(admin_client):
    from agreements.admin.compact import UPDATES_SHOWN

    document = bilateral_document()
    action = ActionFactory(document=document)
    older = ProgressUpdateFactory(document=document, happened_on=days(-300))
    newer = ProgressUpdateFactory(action=action, happened_on=days(-100))

    response = admin_client.get(change_url(document))

    content = response.content.decode().split('id="updates-table"')[1]
    assert content.index(change_url(newer)) < content.index(change_url(older))
    assert "<input" not in content.split("</table>")[0]
    assert action.title in content
    assert "the document" in content
    assert "All the updates of this document" not in content

    for n in range(UPDATES_SHOWN):
        ProgressUpdateFactory(document=document, happened_on=days(-10 - n))
    content = admin_client.get(change_url(document)).content.decode()
    content = content.split('id="updates-table"')[1]
    assert change_url(older) not in content
    link = admin_url(models.ProgressUpdate, "changelist")
    assert f"{link}?document__id__exact={document.pk}" in content
    listed = admin_client.get(link, {"document__id__exact": document.pk})
    assert listed.status_code == HTTPStatus.OK
    assert change_url(older) in listed.content.decode()


@pytest.mark.parametrize("count", [2, 50])
def test_document_page_query_count_does_not_grow_with_actions_and_updates(
    admin_client, django_assert_max_num_queries, count
):
    document = bilateral_document()
    for _ in range(count):
        action = ActionFactory(
            document=document, responsible_bodies=[BodyFactory(), BodyFactory()]
        )
        ProgressUpdateFactory(action=action, source=SourceFactory())
        ProgressUpdateFactory(action=action, source=SourceFactory())
    # once first: what the process reads once (content types) is not per action
    admin_client.get(change_url(document))

    # the same bound for 2 actions and for 50 with 100 updates
    with django_assert_max_num_queries(DOCUMENT_PAGE_QUERIES):
        response = admin_client.get(change_url(document))

    assert response.status_code == HTTPStatus.OK
    assert response.content.decode().count("/admin/agreements/action/") >= min(
        count, 20
    )


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
