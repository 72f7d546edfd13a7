"""The follow-up in the admin: the action changelist, the action page and marking
actions done (updates and reminders: test_followup_admin_updates.py; the document
page and the Editors: test_followup_admin_documents.py).

Statuses change only by recording an update, so every test that changes one also
checks the update that was stored.
"""

import datetime
import re
from http import HTTPStatus

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone
from django.utils.formats import date_format

from agreements import models
from agreements.admin import filters as admin_filters
from tests.factories import (
    ActionCitationFactory,
    ActionFactory,
    BodyFactory,
    EventFactory,
    ProgressUpdateFactory,
    SourceFactory,
    bilateral_document,
)
from tests.test_admin import (
    CHANGELIST_MAX_QUERIES,
    admin_url,
    change_url,
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
    assert "overdue (deadline or plan passed) (60)" in response.content.decode()
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
    data.update(
        status=Status.DONE, completed_on=TODAY.isoformat(), title_en_gb="Renamed"
    )

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
