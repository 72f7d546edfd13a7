"""The follow-up in the admin: actions, progress updates and reminders, the document
page's follow-up inlines, and the Editors' permissions on them.

Statuses change only by recording an update, so every test that changes one also
checks the update that was stored.
"""

import datetime
import importlib
import re
from http import HTTPStatus

import pytest
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone
from django.utils.formats import date_format

from agreements import models
from agreements.admin import filters as admin_filters
from tests.factories import (
    ActionCitationFactory,
    ActionFactory,
    BodyFactory,
    DocumentFactory,
    EventFactory,
    ProgressUpdateFactory,
    ReminderLogFactory,
    SourceFactory,
    bilateral_document,
)
from tests.test_admin import (
    CHANGELIST_MAX_QUERIES,
    admin_url,
    change_url,
    errors_of,
    filter_choices,
    form_data,
    inline_formset,
)

pytestmark = pytest.mark.django_db

Status = models.Action.Status
FollowUp = models.Document.FollowUpStatus
TODAY = timezone.localdate()


def days(n):
    return TODAY + datetime.timedelta(days=n)


def changelist(client, model, params=None):
    return client.get(admin_url(model, "changelist"), params or {})


def listed(response):
    return list(response.context["cl"].result_list)


def rows(response):
    """Each changelist row as {column: text}, as the user reads it."""
    body = response.content.decode().split("<tbody>")[1].split("</tbody>")[0]
    return [
        {
            name: re.sub(r"<[^>]+>", "", text)
            for name, text in re.findall(
                r'<t[hd] class="field-([a-z_]+)[^"]*">(.*?)</t[hd]>', row
            )
        }
        for row in re.findall(r"<tr>.*?</tr>", body, re.S)
    ]


def messages_of(response):
    return [str(message) for message in response.context["messages"]]


def run_bulk(client, model, action, objs, **data):
    """A bulk action from the changelist; with ``post="yes"``, its form's answer."""
    return client.post(
        admin_url(model, "changelist"),
        {"action": action, "_selected_action": [o.pk for o in objs], **data},
        follow=True,
    )


@pytest.fixture
def editor(django_user_model):
    user = django_user_model.objects.create_user("dana.editor", is_staff=True)
    user.groups.add(Group.objects.get(name="Editors"))
    return user


# --- The action changelist ------------------------------------------------------------


def test_action_changelist_shows_the_columns_staff_work_with(admin_client):
    document = bilateral_document(title="Programme of cooperation")
    first = BodyFactory(name="Ministry of Education", short_name="MoE")
    second = BodyFactory(name="Ministry of Science", short_name="")
    action = ActionFactory(
        document=document,
        title="Open a joint laboratory",
        responsible_bodies=[first, second],
        due_on=days(-3),
    )

    response = changelist(admin_client, models.Action)

    assert rows(response) == [
        {
            "document": "Programme of cooperation",
            "title": "Open a joint laboratory",
            "responsible": "Ministry of Education (MoE); Ministry of Science",
            "due_on": date_format(days(-3)),
            "status": "planned",
            "deadline": "overdue",
            "completed_on": "-",
        }
    ]
    assert f'href="{change_url(action)}' in response.content.decode()


def test_action_changelist_flags_overdue_and_due_soon_open_actions(admin_client):
    ActionFactory(title="Late", due_on=days(-1))
    ActionFactory(title="Soon", due_on=days(10))
    ActionFactory(title="Later", due_on=days(200))
    ActionFactory(title="Done", due_on=days(-30), done=True)
    ActionFactory(title="Undated", due_on=None)

    response = changelist(admin_client, models.Action)

    assert {row["title"]: row["deadline"] for row in rows(response)} == {
        "Late": "overdue",
        "Soon": "due soon",
        "Later": "-",
        "Done": "-",
        "Undated": "-",
    }


@pytest.mark.parametrize(
    ("deadline", "kept"),
    [("overdue", {"Late"}), ("due_soon", {"Soon"}), ("none", {"Undated"})],
)
def test_action_changelist_filters_by_deadline(admin_client, deadline, kept):
    ActionFactory(title="Late", due_on=days(-1))
    ActionFactory(title="Soon", due_on=days(30))
    ActionFactory(title="Later", due_on=days(31))
    ActionFactory(title="Done", due_on=days(-1), done=True)
    ActionFactory(title="Undated", due_on=None)

    response = changelist(admin_client, models.Action, {"deadline": deadline})

    assert {action.title for action in listed(response)} == kept


def test_action_changelist_filters_by_status(admin_client):
    planned = ActionFactory()
    done = ActionFactory(done=True)

    response = changelist(admin_client, models.Action, {"status__exact": "done"})

    assert listed(response) == [done]
    assert change_url(planned) not in response.content.decode()


def test_responsible_body_filter_offers_the_busiest_bodies_and_the_chosen_one(
    admin_client,
):
    limit = admin_filters.BODIES_IN_FILTER
    busy = BodyFactory(name="Busy ministry")
    ActionFactory.create_batch(2, responsible_bodies=[busy])
    others = [BodyFactory(name=f"Ministry {n:02}") for n in range(limit)]
    for body in others:
        ActionFactory(responsible_bodies=[body])
    BodyFactory(name="Idle ministry")  # responsible for nothing: never offered

    response = changelist(admin_client, models.Action)

    offered = [label for _, label in filter_choices(response, "responsible body")]
    assert offered == [str(busy), *(str(body) for body in others[: limit - 1])]

    left_out = others[-1]
    response = changelist(
        admin_client, models.Action, {"responsible_body": left_out.pk}
    )

    assert str(left_out) in [
        label for _, label in filter_choices(response, "responsible body")
    ]
    assert [a.responsible_bodies.get() for a in listed(response)] == [left_out]


def test_responsible_body_filter_lists_an_action_with_several_bodies_once(
    admin_client,
):
    first, second = BodyFactory(), BodyFactory()
    shared = ActionFactory(responsible_bodies=[first, second])
    other = ActionFactory()

    response = changelist(admin_client, models.Action, {"responsible_body": first.pk})

    assert listed(response) == [shared]
    assert change_url(other) not in response.content.decode()


def test_action_changelist_filters_by_party_country(admin_client):
    kz_az = ActionFactory(document=bilateral_document(countries=("KZ", "AZ")))
    az_tr = ActionFactory(document=bilateral_document(countries=("AZ", "TR")))
    BodyFactory(country=models.Country.objects.get(code="FR"))  # no party

    response = changelist(admin_client, models.Action, {"party_country": "KZ"})

    assert filter_choices(response, "party country") == [
        ("AZ", "Azerbaijan"),
        ("KZ", "Kazakhstan"),
        ("TR", "Türkiye"),
    ]
    assert listed(response) == [kz_az]
    assert change_url(az_tr) not in response.content.decode()


def test_action_event_filter_offers_events_whose_documents_have_actions(
    admin_client,
):
    with_actions = EventFactory(title="Summit")
    action = ActionFactory(document=bilateral_document(event=with_actions))
    without_actions = EventFactory(title="Forum")
    bilateral_document(event=without_actions)
    other = ActionFactory()

    response = changelist(admin_client, models.Action, {"event": with_actions.pk})

    assert filter_choices(response, "event") == [
        (str(with_actions.pk), str(with_actions))
    ]
    assert listed(response) == [action]
    assert change_url(other) not in response.content.decode()


@pytest.mark.parametrize(
    "term", ["joint laboratory", "clean rooms", "Programme of", "Academy"]
)
def test_action_search_by_title_description_document_or_body(admin_client, term):
    action = ActionFactory(
        title="Open a joint laboratory",
        description="With clean rooms.",
        document=bilateral_document(title="Programme of cooperation"),
        responsible_bodies=[BodyFactory(name="National Academy of Sciences")],
    )
    other = ActionFactory()

    response = changelist(admin_client, models.Action, {"q": term})

    assert listed(response) == [action]
    assert change_url(other) not in response.content.decode()


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"q": "Ministry"},
        {"deadline": "overdue", "status__exact": "planned", "party_country": "KZ"},
        {"responsible_body": "shared", "event": "shared"},
    ],
    ids=["plain", "search", "filtered", "body-and-event"],
)
def test_action_changelist_query_count_does_not_grow_with_rows(
    admin_client, django_assert_max_num_queries, params
):
    body, event = BodyFactory(), EventFactory()
    params = {
        key: {"shared": body.pk if key == "responsible_body" else event.pk}.get(
            value, value
        )
        for key, value in params.items()
    }

    def make(count):
        for _ in range(count):
            ActionFactory(
                document=bilateral_document(event=event),
                responsible_bodies=[body, BodyFactory()],
                due_on=days(-10),
            )

    make(5)
    url = admin_url(models.Action, "changelist")
    # keeps the page free of N+1 queries
    with django_assert_max_num_queries(CHANGELIST_MAX_QUERIES) as few:
        small = admin_client.get(url, params)
    make(55)
    # keeps the page free of N+1 queries
    with django_assert_max_num_queries(CHANGELIST_MAX_QUERIES) as many:
        large = admin_client.get(url, params)

    assert len(listed(small)) == 5
    assert len(listed(large)) == 50
    assert len(many) == len(few)


# Counts per filter choice, on request: Django rebuilds the list's filters for
# each filter's counts, so the page costs more, but no more with more rows.
FACETS_MAX_QUERIES = 35


def test_action_changelist_with_counts_does_not_grow_with_rows(
    admin_client, django_assert_max_num_queries
):
    body = BodyFactory()

    def make(count):
        for _ in range(count):
            ActionFactory(
                document=bilateral_document(event=EventFactory()),
                responsible_bodies=[body, BodyFactory()],
                due_on=days(-10),
            )

    make(5)
    url = admin_url(models.Action, "changelist")
    # keeps the page free of N+1 queries
    with django_assert_max_num_queries(FACETS_MAX_QUERIES) as few:
        admin_client.get(url, {"_facets": "True"})
    make(55)
    # keeps the page free of N+1 queries
    with django_assert_max_num_queries(FACETS_MAX_QUERIES) as many:
        response = admin_client.get(url, {"_facets": "True"})

    assert len(many) == len(few)
    assert "overdue (60)" in response.content.decode()
    assert f"{body} (60)" in response.content.decode()


# --- The action page ------------------------------------------------------------------


def test_action_page_shows_status_read_only_with_a_way_to_record_an_update(
    admin_client,
):
    action = ActionFactory(status=Status.IN_PROGRESS)

    response = admin_client.get(change_url(action))

    content = response.content.decode()
    assert 'name="status"' not in content
    assert 'name="completed_on"' not in content
    assert "in progress" in content
    add_url = admin_url(models.ProgressUpdate, "add")
    assert (
        f'<a href="{add_url}?document={action.document_id}&amp;action={action.pk}">'
        "record an update</a>"
    ) in content


def test_action_page_ignores_a_posted_status(admin_client):
    action = ActionFactory()
    data = form_data(admin_client.get(change_url(action)))
    data.update(status=Status.DONE, completed_on=TODAY.isoformat(), title="Renamed")

    response = admin_client.post(change_url(action), data)

    assert response.status_code == HTTPStatus.FOUND
    action.refresh_from_db()
    assert (action.title, action.status, action.completed_on) == (
        "Renamed",
        Status.PLANNED,
        None,
    )


def test_action_page_edits_its_sources(admin_client):
    citation = ActionCitationFactory(claim="due date")
    action = citation.action
    source = SourceFactory()
    data = form_data(admin_client.get(change_url(action)))
    data.update(
        {
            "citations-TOTAL_FORMS": "2",
            "citations-1-source": str(source.pk),
            "citations-1-confidence": models.Confidence.REPORTED,
            "citations-1-claim": "responsible bodies",
        }
    )

    response = admin_client.post(change_url(action), data)

    assert response.status_code == HTTPStatus.FOUND
    assert sorted(action.citations.values_list("claim", flat=True)) == [
        "due date",
        "responsible bodies",
    ]


def test_action_page_lists_its_updates_read_only_newest_first(admin_client):
    action = ActionFactory()
    older = ProgressUpdateFactory(action=action, happened_on=days(-20))
    newer = ProgressUpdateFactory(action=action, happened_on=days(-10))
    ProgressUpdateFactory(document=action.document)  # about the document

    response = admin_client.get(change_url(action))

    updates = inline_formset(response, "updates")
    assert [form.instance for form in updates.forms] == [newer, older]
    assert updates.max_num == 0
    assert 'name="updates-0-title"' not in response.content.decode()
    assert "planned → in progress" in response.content.decode()


def test_action_add_page_has_no_updates_inline(admin_client):
    response = admin_client.get(admin_url(models.Action, "add"))

    prefixes = [i.formset.prefix for i in response.context["inline_admin_formsets"]]
    assert prefixes == ["citations"]


# --- Marking actions done -------------------------------------------------------------


def test_mark_done_asks_for_the_date_and_source_first(admin_client):
    actions = ActionFactory.create_batch(2)

    response = run_bulk(admin_client, models.Action, "mark_done", actions)

    assert response.templates[0].name == "admin/agreements/record_updates.html"
    assert response.context["form"]["happened_on"].value() == TODAY
    content = response.content.decode()
    assert "Mark the selected actions done" in content
    for action in actions:
        assert f"<li>{action.title}</li>" in content
        assert f'name="_selected_action" value="{action.pk}"' in content
    assert not models.ProgressUpdate.objects.exists()
    assert not models.Action.objects.filter(status=Status.DONE).exists()


def test_mark_done_records_an_update_for_each_action(admin_client, admin_user):
    planned = ActionFactory(status=Status.PLANNED)
    started = ActionFactory(status=Status.IN_PROGRESS)
    left = ActionFactory()
    source = SourceFactory()

    response = run_bulk(
        admin_client,
        models.Action,
        "mark_done",
        [planned, started],
        post="yes",
        happened_on="2024-05-02",
        source=source.pk,
    )

    assert response.status_code == HTTPStatus.OK
    assert messages_of(response) == [
        "2 actions marked done, with an update recorded for each."
    ]
    for action, before in ((planned, Status.PLANNED), (started, Status.IN_PROGRESS)):
        action.refresh_from_db()
        assert (action.status, action.completed_on) == (
            Status.DONE,
            datetime.date(2024, 5, 2),
        )
        update = action.updates.get()
        assert (
            update.status_before,
            update.status_after,
            update.happened_on,
            update.source,
            update.recorded_by,
        ) == (before, Status.DONE, datetime.date(2024, 5, 2), source, admin_user)
        assert action.history.first().history_user == admin_user
    left.refresh_from_db()
    assert left.status == Status.PLANNED
    assert not left.updates.exists()


def test_mark_done_refused_for_one_action_changes_none(admin_client):
    fine = ActionFactory(document__signed_on=datetime.date(2023, 4, 10))
    too_early = ActionFactory(
        title="Sign the roadmap",
        document__signed_on=datetime.date(2024, 6, 1),
    )

    response = run_bulk(
        admin_client,
        models.Action,
        "mark_done",
        [fine, too_early],
        post="yes",
        happened_on="2024-01-15",
    )

    assert messages_of(response) == [
        "Nothing was recorded: Sign the roadmap: An update cannot be dated before "
        "the document's date of signature."
    ]
    assert not models.ProgressUpdate.objects.exists()
    assert set(models.Action.objects.values_list("status", flat=True)) == {
        Status.PLANNED
    }


def test_mark_done_refuses_a_date_in_the_future(admin_client):
    action = ActionFactory()

    response = run_bulk(
        admin_client,
        models.Action,
        "mark_done",
        [action],
        post="yes",
        happened_on=days(1).isoformat(),
    )

    assert "An update cannot be dated in the future." in messages_of(response)[0]
    action.refresh_from_db()
    assert action.status == Status.PLANNED


def test_mark_done_leaves_done_actions_alone(admin_client):
    done = ActionFactory(done=True)

    response = run_bulk(
        admin_client,
        models.Action,
        "mark_done",
        [done],
        post="yes",
        happened_on=TODAY.isoformat(),
    )

    assert messages_of(response) == [
        "No action changed: the selected ones are already done."
    ]
    assert not models.ProgressUpdate.objects.exists()


def test_mark_done_with_a_bad_date_shows_the_form_again(admin_client):
    action = ActionFactory()

    response = run_bulk(
        admin_client,
        models.Action,
        "mark_done",
        [action],
        post="yes",
        happened_on="yesterday",
    )

    assert response.context["form"].errors == {"happened_on": ["Enter a valid date."]}
    assert 'name="post" value="yes"' in response.content.decode()
    action.refresh_from_db()
    assert action.status == Status.PLANNED


def test_record_update_actions_need_the_right_to_add_updates(client, django_user_model):
    user = django_user_model.objects.create_user("viewer", is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(
            codename__in=("view_action", "change_action", "change_document")
        )
    )
    client.force_login(user)

    for model, name in ((models.Action, "mark_done"), (models.Document, "set_")):
        response = changelist(client, model)
        form = response.context["action_form"]
        choices = dict(form["action"].field.choices) if form else {}
        assert not [value for value in choices if value.startswith(name)], model

    user.user_permissions.add(Permission.objects.get(codename="add_progressupdate"))
    response = changelist(client, models.Action)
    assert "mark_done" in dict(response.context["action_form"]["action"].field.choices)


# --- Recording an update --------------------------------------------------------------


def update_data(document, **overrides):
    return {
        "document": str(document.pk),
        "action": "",
        "happened_on": "2024-03-01",
        "date_precision": models.DatePrecision.DAY,
        "title": "The working group met",
        "text": "It agreed a work plan.",
        "status_after": FollowUp.IN_PROGRESS,
        "source": "",
        "confidence": models.Confidence.CONFIRMED,
        **overrides,
    }


def test_record_update_page_fills_in_the_document_and_action(admin_client):
    action = ActionFactory()

    response = admin_client.get(
        admin_url(models.ProgressUpdate, "add"),
        {"document": action.document_id, "action": action.pk},
    )

    form = response.context["adminform"].form
    assert (form["document"].value(), form["action"].value()) == (
        str(action.document_id),
        str(action.pk),
    )
    content = response.content.decode()
    assert f'<option value="{action.pk}" selected>{action.title}</option>' in content
    assert 'name="status_before"' not in content


def test_recording_a_document_update_changes_its_status(admin_client, admin_user):
    document = DocumentFactory(follow_up_status=FollowUp.NOT_STARTED)
    source = SourceFactory()

    response = admin_client.post(
        admin_url(models.ProgressUpdate, "add"),
        update_data(document, source=str(source.pk)),
    )

    assert response.status_code == HTTPStatus.FOUND
    assert response.url == admin_url(models.ProgressUpdate, "changelist")
    document.refresh_from_db()
    assert document.follow_up_status == FollowUp.IN_PROGRESS
    update = models.ProgressUpdate.objects.get()
    assert (
        update.document,
        update.action,
        update.happened_on,
        update.title,
        update.status_before,
        update.status_after,
        update.source,
        update.confidence,
        update.recorded_by,
    ) == (
        document,
        None,
        datetime.date(2024, 3, 1),
        "The working group met",
        FollowUp.NOT_STARTED,
        FollowUp.IN_PROGRESS,
        source,
        models.Confidence.CONFIRMED,
        admin_user,
    )
    assert document.history.first().history_user == admin_user
    entry = LogEntry.objects.get()
    assert (entry.action_flag, entry.object_id) == (ADDITION, str(update.pk))


def test_recording_an_action_done_sets_its_completion_date(admin_client):
    action = ActionFactory(status=Status.IN_PROGRESS)

    response = admin_client.post(
        admin_url(models.ProgressUpdate, "add"),
        update_data(
            action.document,
            action=str(action.pk),
            happened_on="2024-04-30",
            status_after=Status.DONE,
        ),
    )

    assert response.status_code == HTTPStatus.FOUND
    action.refresh_from_db()
    assert (action.status, action.completed_on) == (
        Status.DONE,
        datetime.date(2024, 4, 30),
    )
    update = action.updates.get()
    assert (update.status_before, update.status_after) == (
        Status.IN_PROGRESS,
        Status.DONE,
    )
    action.document.refresh_from_db()
    assert action.document.follow_up_status == FollowUp.UNKNOWN


def test_recording_progress_without_a_change_keeps_the_status(admin_client):
    document = DocumentFactory(follow_up_status=FollowUp.IN_PROGRESS)
    ProgressUpdateFactory(document=document, happened_on=datetime.date(2024, 6, 1))

    # An earlier find may be recorded after later entries when it changes nothing.
    response = admin_client.post(
        admin_url(models.ProgressUpdate, "add"),
        update_data(document, happened_on="2024-03-01"),
    )

    assert response.status_code == HTTPStatus.FOUND
    update = models.ProgressUpdate.objects.get(title="The working group met")
    assert update.status_before == update.status_after == FollowUp.IN_PROGRESS


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {"status_after": Status.DONE},
            "status_after",
            "“done” is not a status of a document.",
        ),
        (
            {"happened_on": days(1).isoformat()},
            "happened_on",
            "An update cannot be dated in the future.",
        ),
        (
            {"happened_on": "2023-04-09"},
            "happened_on",
            "An update cannot be dated before the document's date of signature.",
        ),
        (
            {"happened_on": "2024-01-31"},
            "happened_on",
            "A later update is already recorded, so this one cannot change the "
            "current status; record it with the current status.",
        ),
        (
            {"happened_on": "2024-02-01", "title": "Earlier news"},
            "title",
            "The document already has an update with this title on this date.",
        ),
        (
            {"action": "other document's"},
            "action",
            "The action must be one of this document's.",
        ),
    ],
    ids=["wrong-kind", "future", "before-signature", "later", "clash", "action"],
)
def test_refused_update_shows_the_error_by_the_field(
    admin_client, overrides, field, message
):
    document = DocumentFactory(
        signed_on=datetime.date(2023, 4, 10), follow_up_status=FollowUp.NOT_STARTED
    )
    ProgressUpdateFactory(
        document=document,
        happened_on=datetime.date(2024, 2, 1),
        title="Earlier news",
        status_before=FollowUp.NOT_STARTED,
        status_after=FollowUp.NOT_STARTED,
    )
    if overrides.get("action"):
        overrides["action"] = str(ActionFactory().pk)

    response = admin_client.post(
        admin_url(models.ProgressUpdate, "add"), update_data(document, **overrides)
    )

    assert response.status_code == HTTPStatus.OK
    assert errors_of(response, field) == [message]
    assert models.ProgressUpdate.objects.count() == 1
    document.refresh_from_db()
    assert document.follow_up_status == FollowUp.NOT_STARTED


def test_update_page_keeps_subject_date_and_statuses_fixed(admin_client):
    update = ProgressUpdateFactory(title="Meeting held")
    data = form_data(admin_client.get(change_url(update)))
    data.update(
        title="Joint meeting held",
        status_after=FollowUp.COMPLETED,
        happened_on="2024-01-01",
    )

    response = admin_client.post(change_url(update), data)

    assert response.status_code == HTTPStatus.FOUND
    before = (update.happened_on, update.status_before, update.status_after)
    update.refresh_from_db()
    assert update.title == "Joint meeting held"
    assert (update.happened_on, update.status_before, update.status_after) == before


# --- The progress update changelist ---------------------------------------------------


def test_update_changelist_filters_by_what_it_is_about(admin_client):
    about_document = ProgressUpdateFactory()
    about_action = ProgressUpdateFactory(action=ActionFactory())

    by_document = changelist(admin_client, models.ProgressUpdate, {"about": "document"})
    by_action = changelist(admin_client, models.ProgressUpdate, {"about": "action"})

    assert listed(by_document) == [about_document]
    assert listed(by_action) == [about_action]


def test_update_changelist_offers_each_status_after_once(admin_client):
    started = ProgressUpdateFactory(action=ActionFactory())
    done = ProgressUpdateFactory(
        action=ActionFactory(), status_after=Status.DONE, title="Done"
    )

    response = changelist(admin_client, models.ProgressUpdate, {"status_after": "done"})

    values = [value for value, _ in filter_choices(response, "status after")]
    assert values.count("in_progress") == 1
    assert set(values) == set(FollowUp.values) | set(Status.values)
    assert listed(response) == [done]
    assert change_url(started) not in response.content.decode()


def test_update_changelist_filters_by_confidence_and_has_a_date_hierarchy(
    admin_client,
):
    confirmed = ProgressUpdateFactory(confidence=models.Confidence.CONFIRMED)
    ProgressUpdateFactory(confidence=models.Confidence.INFERRED)

    response = changelist(
        admin_client, models.ProgressUpdate, {"confidence__exact": "confirmed"}
    )

    assert listed(response) == [confirmed]
    assert response.context["cl"].date_hierarchy == "happened_on"
    assert [row["status_change"] for row in rows(response)] == [
        "not started → in progress"
    ]


@pytest.mark.parametrize("term", ["Delegates", "Programme", "laboratory"])
def test_update_search_by_title_document_or_action(admin_client, term):
    update = ProgressUpdateFactory(
        title="Delegates met",
        action=ActionFactory(
            title="Open a joint laboratory",
            document=DocumentFactory(title="Programme of cooperation"),
        ),
    )
    other = ProgressUpdateFactory(title="Visit")

    response = changelist(admin_client, models.ProgressUpdate, {"q": term})

    assert listed(response) == [update]
    assert change_url(other) not in response.content.decode()


# --- Reminders ------------------------------------------------------------------------


def test_reminder_changelist_shows_recipient_day_and_time(admin_client):
    log = ReminderLogFactory(
        recipient="focal@ministry.example.org",
        sent_on=datetime.date(2026, 11, 2),
        sent_at=datetime.datetime(2026, 11, 2, 7, 30, tzinfo=datetime.UTC),
        overdue_count=3,
    )

    response = changelist(admin_client, models.ReminderLog)

    assert listed(response) == [log]
    assert rows(response) == [
        {
            "recipient": "focal@ministry.example.org",
            "sent_on": "2 Nov 2026",
            "sent_at": "2 Nov 2026, 7:30 a.m.",
            "overdue_count": "3",
            "due_soon_count": "0",
        }
    ]


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
    assert 'name="actions-0-title"' in content
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
            "actions-0-title": "Hold the first meeting",
            "actions-0-slug": "hold-the-first-meeting",
            "actions-0-responsible_bodies": [str(b.pk) for b in bodies],
            "actions-0-due_on": "2024-01-31",
            "actions-0-contact_email": "focal@ministry.example.org",
        }
    )

    response = admin_client.post(change_url(document), data)

    assert response.status_code == HTTPStatus.FOUND
    action = document.actions.get()
    assert (action.title, action.status, action.due_on) == (
        "Hold the first meeting",
        Status.PLANNED,
        datetime.date(2024, 1, 31),
    )
    assert set(action.responsible_bodies.all()) == set(bodies)


def test_document_page_refuses_an_action_without_responsible_body(admin_client):
    document = bilateral_document()
    data = form_data(admin_client.get(change_url(document)))
    data.update(
        {
            "actions-TOTAL_FORMS": "1",
            "actions-0-title": "Hold the first meeting",
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
