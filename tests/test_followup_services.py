"""The follow-up services: statuses change only with a dated entry, all or nothing."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from agreements.followup import services as followup
from agreements.models import (
    Action,
    Basis,
    Confidence,
    DatePrecision,
    Document,
    ProgressUpdate,
)
from tests.factories import ActionFactory, BodyFactory, DocumentFactory, SourceFactory

pytestmark = pytest.mark.django_db

SIGNED = datetime.date(2023, 4, 10)
TODAY = datetime.date(2026, 11, 2)
Status = Action.Status
FollowUp = Document.FollowUpStatus


@pytest.fixture
def document():
    return DocumentFactory(signed_on=SIGNED, follow_up_status=FollowUp.UNKNOWN)


def field_errors(error):
    return error.value.message_dict


# --- create_action --------------------------------------------------------------------


def test_create_action_adds_a_planned_action_with_its_bodies(document):
    bodies = [BodyFactory(), BodyFactory()]
    action = followup.create_action(
        document=document,
        title="Hold the first meeting of the Council",
        responsible_bodies=bodies,
        basis=Basis.REPORTED,
        today=TODAY,
    )
    assert action.slug == "hold-the-first-meeting-of-the-council"
    assert action.status == Status.PLANNED
    assert action.basis == Basis.REPORTED
    assert action.due_on is None
    assert set(action.responsible_bodies.all()) == set(bodies)


def test_create_action_refuses_an_action_without_a_responsible_body(document):
    with pytest.raises(ValidationError) as error:
        followup.create_action(document=document, title="Meet", responsible_bodies=[])
    assert "responsible_bodies" in field_errors(error)
    assert not Action.objects.exists()


def test_create_action_refuses_a_quoted_commitment_without_its_clause(document):
    with pytest.raises(ValidationError) as error:
        followup.create_action(
            document=document,
            title="Meet",
            responsible_bodies=[BodyFactory()],
            basis=Basis.QUOTED,
        )
    assert "clause" in field_errors(error)
    assert not Action.objects.exists()


# --- record_update on a document ------------------------------------------------------


def test_record_update_moves_the_document_status_and_keeps_before_and_after(document):
    source = SourceFactory()
    update = followup.record_update(
        document=document,
        happened_on=datetime.date(2024, 3, 11),
        title="Council met",
        status_after=FollowUp.IN_PROGRESS,
        source=source,
        confidence=Confidence.CONFIRMED,
        today=TODAY,
    )
    document.refresh_from_db()
    assert document.follow_up_status == FollowUp.IN_PROGRESS
    assert (update.status_before, update.status_after) == ("unknown", "in_progress")
    assert (update.source, update.confidence) == (source, "confirmed")
    assert update.action is None


def test_record_update_without_a_change_records_progress_only(document):
    document.follow_up_status = FollowUp.IN_PROGRESS
    document.save()
    history_before = document.history.count()
    update = followup.record_update(
        document=document,
        happened_on=datetime.date(2024, 3, 11),
        title="Working group met",
        status_after=FollowUp.IN_PROGRESS,
        today=TODAY,
    )
    assert not update.status_changed
    assert document.history.count() == history_before


def test_record_update_names_the_user_in_the_entry_and_the_history(
    document, django_user_model
):
    user = django_user_model.objects.create_user("editor")
    update = followup.record_update(
        document=document,
        happened_on=datetime.date(2024, 3, 11),
        title="Council met",
        status_after=FollowUp.IN_PROGRESS,
        user=user,
        today=TODAY,
    )
    assert update.recorded_by == user
    assert update.history.get().history_user == user
    latest = document.history.first()
    assert (latest.follow_up_status, latest.history_user) == ("in_progress", user)


def test_record_update_refuses_a_date_in_the_future_and_changes_nothing(document):
    with pytest.raises(ValidationError) as error:
        followup.record_update(
            document=document,
            happened_on=TODAY + datetime.timedelta(days=1),
            title="Council will meet",
            status_after=FollowUp.IN_PROGRESS,
            today=TODAY,
        )
    assert "happened_on" in field_errors(error)
    document.refresh_from_db()
    assert document.follow_up_status == FollowUp.UNKNOWN
    assert not ProgressUpdate.objects.exists()


def test_record_update_refuses_an_action_status_for_a_document(document):
    with pytest.raises(ValidationError) as error:
        followup.record_update(
            document=document,
            happened_on=datetime.date(2024, 3, 11),
            title="Council met",
            status_after=Status.DONE,
            today=TODAY,
        )
    assert "status_after" in field_errors(error)
    document.refresh_from_db()
    assert document.follow_up_status == FollowUp.UNKNOWN


def test_record_update_keeps_a_month_only_date(document):
    update = followup.record_update(
        document=document,
        happened_on=datetime.date(2023, 6, 1),
        date_precision=DatePrecision.MONTH,
        title="Shareholder agreement signed",
        status_after=FollowUp.IN_PROGRESS,
        today=TODAY,
    )
    assert update.happened_on_display == "June 2023"


# --- record_update on an action -------------------------------------------------------


def test_record_update_done_sets_the_completion_date(document):
    action = ActionFactory(document=document, status=Status.IN_PROGRESS)
    update = followup.record_update(
        document=document,
        action=action,
        happened_on=datetime.date(2024, 3, 11),
        title="Council met",
        status_after=Status.DONE,
        today=TODAY,
    )
    action.refresh_from_db()
    assert (action.status, action.completed_on) == ("done", datetime.date(2024, 3, 11))
    assert (update.status_before, update.status_after) == ("in_progress", "done")
    document.refresh_from_db()
    assert document.follow_up_status == FollowUp.UNKNOWN


def test_record_update_reopening_a_done_action_clears_the_completion_date(document):
    action = ActionFactory(document=document, done=True)
    followup.record_update(
        document=document,
        action=action,
        happened_on=datetime.date(2024, 9, 1),
        title="Reopened: the first meeting is to be held again",
        status_after=Status.IN_PROGRESS,
        today=TODAY,
    )
    action.refresh_from_db()
    assert (action.status, action.completed_on) == ("in_progress", None)


def test_record_update_refuses_an_action_of_another_document(document):
    action = ActionFactory()
    with pytest.raises(ValidationError) as error:
        followup.record_update(
            document=document,
            action=action,
            happened_on=datetime.date(2024, 3, 11),
            title="Council met",
            status_after=Status.DONE,
            today=TODAY,
        )
    assert "action" in field_errors(error)
    action.refresh_from_db()
    assert action.status == Status.PLANNED


def test_record_update_refuses_a_document_status_for_an_action(document):
    action = ActionFactory(document=document)
    with pytest.raises(ValidationError) as error:
        followup.record_update(
            document=document,
            action=action,
            happened_on=datetime.date(2024, 3, 11),
            title="Council met",
            status_after=FollowUp.COMPLETED,
            today=TODAY,
        )
    assert "status_after" in field_errors(error)


def test_record_update_refuses_a_completion_date_in_the_future(document):
    action = ActionFactory(document=document)
    with pytest.raises(ValidationError) as error:
        followup.record_update(
            document=document,
            action=action,
            happened_on=TODAY + datetime.timedelta(days=1),
            title="Council met",
            status_after=Status.DONE,
            today=TODAY,
        )
    assert "happened_on" in field_errors(error)
    action.refresh_from_db()
    assert (action.status, action.completed_on) == ("planned", None)


# --- bulk services --------------------------------------------------------------------


def test_mark_actions_done_records_one_update_per_open_action(
    document, django_user_model
):
    user = django_user_model.objects.create_user("editor")
    first, second = ActionFactory.create_batch(2, document=document)
    already = ActionFactory(document=document, done=True)
    updates = followup.mark_actions_done(
        actions=Action.objects.filter(document=document),
        happened_on=datetime.date(2024, 3, 11),
        user=user,
        today=TODAY,
    )
    assert {u.action for u in updates} == {first, second}
    assert {u.title for u in updates} == {
        f"Done: {first.title}",
        f"Done: {second.title}",
    }
    for action in (first, second):
        action.refresh_from_db()
        assert (action.status, action.completed_on) == (
            "done",
            datetime.date(2024, 3, 11),
        )
    assert not already.updates.exists()


def test_mark_actions_done_saves_nothing_when_one_action_is_refused():
    early = ActionFactory(document__signed_on=datetime.date(2020, 1, 1))
    late = ActionFactory(document__signed_on=datetime.date(2025, 1, 1), title="Late")
    with pytest.raises(ValidationError) as error:
        followup.mark_actions_done(
            actions=[early, late], happened_on=datetime.date(2024, 3, 11), today=TODAY
        )
    assert field_errors(error)["happened_on"][0].startswith("Late: ")
    early.refresh_from_db()
    assert early.status == Status.PLANNED
    assert not ProgressUpdate.objects.exists()


def test_mark_actions_done_without_a_date_is_refused_naming_the_field(document):
    action = ActionFactory(document=document)
    with pytest.raises(ValidationError) as error:
        followup.mark_actions_done(actions=[action], happened_on=None, today=TODAY)
    assert "happened_on" in field_errors(error)


def test_record_follow_up_status_records_an_update_per_changed_document():
    moving = DocumentFactory(follow_up_status=FollowUp.NOT_STARTED)
    staying = DocumentFactory(follow_up_status=FollowUp.IN_PROGRESS)
    updates = followup.record_follow_up_status(
        documents=Document.objects.filter(pk__in=[moving.pk, staying.pk]),
        status=FollowUp.IN_PROGRESS,
        happened_on=datetime.date(2024, 1, 15),
        title="Follow-up reviewed",
        today=TODAY,
    )
    assert [u.document for u in updates] == [moving]
    moving.refresh_from_db()
    assert moving.follow_up_status == FollowUp.IN_PROGRESS
    assert not staying.updates.exists()


def test_updates_recorded_by_the_services_read_as_one_status_chain(document):
    for day, status in (
        (datetime.date(2023, 5, 1), FollowUp.NOT_STARTED),
        (datetime.date(2023, 9, 1), FollowUp.IN_PROGRESS),
        (datetime.date(2024, 9, 1), FollowUp.STALLED),
    ):
        followup.record_update(
            document=document,
            happened_on=day,
            title=f"Reviewed {day}",
            status_after=status,
            today=TODAY,
        )
    chain = list(document.updates.order_by("happened_on"))
    assert chain[0].status_before == "unknown"
    for earlier, later in zip(chain, chain[1:], strict=False):
        assert later.status_before == earlier.status_after
    document.refresh_from_db()
    assert document.follow_up_status == chain[-1].status_after == "stalled"


def test_an_earlier_event_found_late_cannot_change_the_current_status(document):
    action = ActionFactory(document=document)
    followup.record_update(
        document=document,
        action=action,
        happened_on=datetime.date(2024, 3, 11),
        title="Council met",
        status_after=Status.DONE,
        today=TODAY,
    )
    with pytest.raises(ValidationError) as error:
        followup.record_update(
            document=document,
            action=action,
            happened_on=datetime.date(2023, 9, 1),
            title="Preparations began",
            status_after=Status.IN_PROGRESS,
            today=TODAY,
        )
    assert "A later update is already recorded" in field_errors(error)["happened_on"][0]
    action.refresh_from_db()
    assert action.status == Status.DONE
    late_find = followup.record_update(
        document=document,
        action=action,
        happened_on=datetime.date(2023, 9, 1),
        title="Preparations began",
        status_after=Status.DONE,
        today=TODAY,
    )
    assert late_find.status_before == late_find.status_after == "done"
    action.refresh_from_db()
    assert action.completed_on == datetime.date(2024, 3, 11)
