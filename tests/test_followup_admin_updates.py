"""Admin progress updates: recording them, their changelist, and reminders."""

import datetime
from http import HTTPStatus

import pytest
from django.contrib.admin.models import ADDITION, LogEntry

from agreements import models
from tests.factories import (
    ActionFactory,
    DocumentFactory,
    ProgressUpdateFactory,
    ReminderLogFactory,
    SourceFactory,
)
from tests.test_admin import (
    admin_url,
    change_url,
    errors_of,
    filter_choices,
    form_data,
)
from tests.test_followup_admin import (
    FollowUp,
    Status,
    changelist,
    days,
    listed,
    rows,
)

pytestmark = pytest.mark.django_db


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
        "expected_on": "",
        "expected_precision": models.DuePrecision.DAY,
        "expected_kind": "",
        "stated_by": "",
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


def test_update_changelist_filters_by_confidence_and_by_year(admin_client):
    confirmed = ProgressUpdateFactory(confidence=models.Confidence.CONFIRMED)
    ProgressUpdateFactory(confidence=models.Confidence.INFERRED)
    ProgressUpdateFactory(
        confidence=models.Confidence.CONFIRMED,
        happened_on=confirmed.happened_on.replace(year=confirmed.happened_on.year - 3),
    )

    response = changelist(
        admin_client,
        models.ProgressUpdate,
        {"confidence__exact": "confirmed", "year": str(confirmed.happened_on.year)},
    )

    assert listed(response) == [confirmed]
    # the years come from a cached list, not date_hierarchy's scan of every row
    assert response.context["cl"].date_hierarchy is None
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
            "sent_on": "2 November 2026",
            "sent_at": "2 Nov 2026, 7:30 a.m.",
            "overdue_count": "3",
            "due_soon_count": "0",
        }
    ]
