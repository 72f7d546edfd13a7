"""Follow-up invariants: each held by the database where a row can check it alone, and
mirrored in ``full_clean`` with a message that names the field."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from agreements.models import (
    Action,
    ActionCitation,
    DatePrecision,
    Document,
    ProgressUpdate,
    ReminderLog,
)
from tests.factories import (
    ActionCitationFactory,
    ActionFactory,
    BodyFactory,
    DocumentFactory,
    ProgressUpdateFactory,
    ReminderLogFactory,
)

pytestmark = pytest.mark.django_db

SIGNED = datetime.date(2023, 4, 10)
TODAY = datetime.date(2026, 11, 2)
Status = Action.Status
FollowUp = Document.FollowUpStatus


def assert_integrity_error(save):
    with pytest.raises(IntegrityError), transaction.atomic():
        save()


def assert_invalid(instance, field, text="", **kwargs):
    with pytest.raises(ValidationError) as error:
        instance.full_clean(**kwargs)
    assert field in error.value.message_dict, error.value.message_dict
    assert text in " ".join(error.value.message_dict[field])


# --- Action ---------------------------------------------------------------------------


def test_a_done_action_without_completion_date_is_refused_by_the_database():
    action = ActionFactory()
    action.status = Status.DONE
    assert_integrity_error(action.save)


def test_a_done_action_without_completion_date_is_refused_naming_the_field():
    action = ActionFactory.build(
        document=DocumentFactory(), status=Status.DONE, completed_on=None
    )
    assert_invalid(action, "completed_on", "needs its completion date", today=TODAY)


def test_a_completion_date_on_an_open_action_is_refused_by_the_database():
    action = ActionFactory(status=Status.IN_PROGRESS)
    action.completed_on = SIGNED
    assert_integrity_error(action.save)


def test_a_completion_date_on_a_cancelled_action_is_refused_naming_the_field():
    action = ActionFactory.build(
        document=DocumentFactory(), status=Status.CANCELLED, completed_on=SIGNED
    )
    assert_invalid(action, "completed_on", "Only a done action", today=TODAY)


def test_a_done_action_with_its_completion_date_is_valid():
    action = ActionFactory(done=True)
    action.full_clean(today=TODAY)
    assert action.completed_on == action.due_on


def test_a_completion_date_in_the_future_is_refused_naming_the_field():
    action = ActionFactory(
        document__signed_on=SIGNED, status=Status.DONE, completed_on=TODAY
    )
    action.full_clean(today=TODAY)
    assert_invalid(
        action, "completed_on", "in the future", today=TODAY - datetime.timedelta(1)
    )


def test_a_completion_date_in_the_future_is_measured_from_the_real_day_by_default():
    tomorrow = datetime.date.today() + datetime.timedelta(days=2)
    action = ActionFactory(status=Status.DONE, completed_on=tomorrow)
    assert_invalid(action, "completed_on", "in the future")


def test_a_due_date_before_the_signature_is_refused_naming_the_field():
    action = ActionFactory.build(
        document=DocumentFactory(signed_on=SIGNED),
        due_on=SIGNED - datetime.timedelta(days=1),
    )
    assert_invalid(action, "due_on", "before the document's date of signature")


def test_a_due_date_on_the_day_of_signature_is_allowed():
    action = ActionFactory(document__signed_on=SIGNED, due_on=SIGNED)
    action.full_clean(today=TODAY)


def test_a_completion_date_before_the_signature_is_refused_naming_the_field():
    action = ActionFactory(
        document__signed_on=SIGNED,
        due_on=None,
        status=Status.DONE,
        completed_on=SIGNED - datetime.timedelta(days=1),
    )
    assert_invalid(action, "completed_on", "before the document's date of signature")


def test_two_actions_of_a_document_cannot_share_a_slug_in_the_database():
    first = ActionFactory(slug="council-meeting")
    assert_integrity_error(
        lambda: Action.objects.create(
            document=first.document, slug="council-meeting", title="Another"
        )
    )


def test_two_actions_of_a_document_cannot_share_a_slug_naming_the_field():
    first = ActionFactory(slug="council-meeting")
    clash = ActionFactory.build(document=first.document, slug="council-meeting")
    assert_invalid(clash, "slug", "already has an action with this slug")


def test_actions_of_different_documents_may_share_a_slug():
    ActionFactory(slug="council-meeting")
    other = ActionFactory.build(document=DocumentFactory(), slug="council-meeting")
    other.full_clean()


def test_actions_sort_by_due_date_with_undated_ones_last():
    document = DocumentFactory(signed_on=SIGNED)
    undated = ActionFactory(document=document, title="A undated", due_on=None)
    late = ActionFactory(document=document, title="B", due_on=datetime.date(2025, 1, 1))
    early = ActionFactory(
        document=document, title="C", due_on=datetime.date(2024, 1, 1)
    )
    assert list(document.actions.all()) == [early, late, undated]


def test_with_flags_marks_open_actions_overdue_or_due_soon():
    document = DocumentFactory(signed_on=SIGNED)
    today = datetime.date(2023, 9, 1)
    expected = {}
    for status in (Status.PLANNED, Status.IN_PROGRESS, Status.BLOCKED):
        for days, flags in (
            (None, (False, False)),
            (-1, (True, False)),
            (0, (False, True)),
            (30, (False, True)),
            (31, (False, False)),
        ):
            due_on = None if days is None else today + datetime.timedelta(days=days)
            action = ActionFactory(document=document, status=status, due_on=due_on)
            expected[action.pk] = flags
    for due_on in (today - datetime.timedelta(days=1), today):
        expected[ActionFactory(document=document, done=True, due_on=due_on).pk] = (
            False,
            False,
        )
        cancelled = ActionFactory(
            document=document, status=Status.CANCELLED, due_on=due_on
        )
        expected[cancelled.pk] = (False, False)
    flagged = {
        action.pk: (action.is_overdue, action.is_due_soon)
        for action in Action.objects.with_flags(today)
    }
    assert flagged == expected


def test_with_flags_takes_another_window():
    document = DocumentFactory(signed_on=SIGNED)
    today = datetime.date(2023, 9, 1)
    ActionFactory(document=document, due_on=today + datetime.timedelta(days=10))
    assert not Action.objects.with_flags(today, days=7).get().is_due_soon
    assert Action.objects.with_flags(today, days=10).get().is_due_soon


def test_an_action_is_named_by_its_document_and_slug():
    action = ActionFactory(document__slug="protocol", slug="first-meeting")
    assert action.natural_key() == ("protocol", "first-meeting")
    assert Action.objects.get_by_natural_key("protocol", "first-meeting") == action
    assert str(action) == action.title
    assert action.get_absolute_url() == "/agreements/protocol/#action-first-meeting"


def test_an_action_citation_is_unique_per_source_and_claim_in_the_database():
    citation = ActionCitationFactory(claim="due date")
    assert_integrity_error(
        lambda: ActionCitation.objects.create(
            action=citation.action, source=citation.source, claim="due date"
        )
    )
    assert (
        ActionCitation.objects.get_by_natural_key(*citation.natural_key()) == citation
    )


def test_an_action_citation_clash_is_refused_by_validation():
    citation = ActionCitationFactory(claim="due date")
    clash = ActionCitation(
        action=citation.action, source=citation.source, claim="due date"
    )
    with pytest.raises(ValidationError):
        clash.full_clean()


def test_changes_to_an_action_are_kept_in_its_history():
    action = ActionFactory(title="First wording")
    action.title = "Second wording"
    action.save()
    titles = list(action.history.values_list("title", flat=True))
    assert titles[0] == "Second wording"
    assert titles[-1] == "First wording"


def test_changes_to_the_responsible_bodies_are_kept_in_the_history():
    first, second = BodyFactory(), BodyFactory()
    action = ActionFactory(responsible_bodies=[first])
    action.responsible_bodies.set([second])
    bodies = [
        [row.body for row in entry.responsible_bodies.all()]
        for entry in action.history.all()
    ]
    assert bodies[0] == [second]
    assert [first] in bodies


# --- ProgressUpdate -------------------------------------------------------------------


def test_an_action_status_on_a_document_update_is_refused_by_the_database():
    update = ProgressUpdateFactory()
    update.status_after = Status.DONE
    assert_integrity_error(update.save)


def test_an_action_status_on_a_document_update_is_refused_naming_the_field():
    update = ProgressUpdateFactory.build(
        document=DocumentFactory(), status_after=Status.DONE
    )
    assert_invalid(update, "status_after", "not a status of a document", today=TODAY)


def test_a_document_status_on_an_action_update_is_refused_by_the_database():
    update = ProgressUpdateFactory(action=ActionFactory())
    update.status_before = FollowUp.NOT_STARTED
    assert_integrity_error(update.save)


def test_a_document_status_on_an_action_update_is_refused_naming_the_field():
    update = ProgressUpdateFactory.build(
        action=ActionFactory(), status_before=FollowUp.NOT_STARTED
    )
    assert_invalid(update, "status_before", "not a status of an action", today=TODAY)


def test_a_status_shared_by_both_kinds_is_valid_for_either():
    ProgressUpdateFactory(status_after="in_progress").full_clean(today=TODAY)
    ProgressUpdateFactory(
        action=ActionFactory(), status_after="in_progress"
    ).full_clean(today=TODAY)


def test_an_update_must_have_a_status_after_in_the_database():
    update = ProgressUpdateFactory()
    update.status_after = ""
    assert_integrity_error(update.save)


def test_an_update_dated_in_the_future_is_refused_naming_the_field():
    update = ProgressUpdateFactory.build(
        document=DocumentFactory(), happened_on=TODAY + datetime.timedelta(days=1)
    )
    assert_invalid(update, "happened_on", "in the future", today=TODAY)
    update.happened_on = TODAY
    update.full_clean(today=TODAY)


def test_an_update_dated_before_the_signature_is_refused_naming_the_field():
    update = ProgressUpdateFactory.build(
        document=DocumentFactory(signed_on=SIGNED),
        happened_on=SIGNED - datetime.timedelta(days=1),
    )
    assert_invalid(update, "happened_on", "before the document's date of signature")


def test_an_update_about_another_documents_action_is_refused_naming_the_field():
    update = ProgressUpdateFactory.build(
        document=DocumentFactory(), action=ActionFactory()
    )
    assert_invalid(update, "action", "one of this document's", today=TODAY)


def test_a_month_only_date_must_be_the_first_of_the_month():
    update = ProgressUpdateFactory.build(
        document=DocumentFactory(signed_on=SIGNED),
        happened_on=datetime.date(2023, 6, 15),
        date_precision=DatePrecision.MONTH,
    )
    assert_invalid(update, "date_precision", "first day", today=TODAY)
    update.happened_on = datetime.date(2023, 6, 1)
    update.full_clean(today=TODAY)
    assert update.happened_on_display == "June 2023"
    assert str(update).startswith("June 2023: ")


def test_a_year_only_date_must_be_the_first_of_january():
    update = ProgressUpdateFactory.build(
        document=DocumentFactory(signed_on=datetime.date(2022, 1, 1)),
        happened_on=datetime.date(2023, 6, 1),
        date_precision=DatePrecision.YEAR,
    )
    assert_invalid(update, "date_precision", today=TODAY)
    update.happened_on = datetime.date(2023, 1, 1)
    update.full_clean(today=TODAY)
    assert update.happened_on_display == "2023"


def test_two_updates_with_one_title_on_one_day_are_refused_by_the_database():
    update = ProgressUpdateFactory(title="Council met")
    assert_integrity_error(
        lambda: ProgressUpdateFactory(
            document=update.document,
            happened_on=update.happened_on,
            title="Council met",
        )
    )


def test_two_updates_with_one_title_on_one_day_are_refused_naming_the_title():
    update = ProgressUpdateFactory(title="Council met")
    clash = ProgressUpdateFactory.build(
        document=update.document,
        happened_on=update.happened_on,
        title="Council met",
        source=update.source,
    )
    assert_invalid(clash, "title", "already has an update with this title", today=TODAY)


def test_an_update_is_named_by_document_date_and_title():
    update = ProgressUpdateFactory(
        document__slug="protocol",
        happened_on=datetime.date(2024, 3, 11),
        title="First meeting held",
    )
    key = update.natural_key()
    assert key == ("protocol", "2024-03-11", "First meeting held")
    assert ProgressUpdate.objects.get_by_natural_key(*key) == update
    assert str(update) == "11 March 2024: First meeting held"


def test_updates_sort_newest_first():
    document = DocumentFactory(signed_on=SIGNED)
    older = ProgressUpdateFactory(
        document=document, happened_on=datetime.date(2023, 5, 1)
    )
    newer = ProgressUpdateFactory(
        document=document, happened_on=datetime.date(2024, 5, 1)
    )
    assert list(document.updates.all()) == [newer, older]


def test_an_update_shows_the_status_labels_of_its_kind():
    update = ProgressUpdateFactory(
        action=ActionFactory(),
        status_before=Status.IN_PROGRESS,
        status_after=Status.DONE,
    )
    assert update.get_status_before_display() == "in progress"
    assert update.get_status_after_display() == "done"
    assert update.status_changed


# --- ReminderLog ----------------------------------------------------------------------


def test_a_recipient_is_logged_once_a_day_in_the_database():
    log = ReminderLogFactory(recipient="focal@ministry.example.org")
    assert_integrity_error(
        lambda: ReminderLog.objects.create(recipient=log.recipient, sent_on=log.sent_on)
    )
    ReminderLog.objects.create(
        recipient=log.recipient, sent_on=log.sent_on + datetime.timedelta(days=1)
    )


def test_a_recipient_logged_twice_a_day_is_refused_by_validation():
    log = ReminderLogFactory(recipient="focal@ministry.example.org")
    clash = ReminderLog(recipient="Focal@Ministry.example.org ", sent_on=log.sent_on)
    with pytest.raises(ValidationError):
        clash.full_clean()
    assert clash.recipient == "focal@ministry.example.org"


def test_a_reminder_log_is_named_by_recipient_and_day():
    log = ReminderLogFactory(
        recipient="focal@ministry.example.org", sent_on=datetime.date(2026, 11, 2)
    )
    assert log.natural_key() == ("focal@ministry.example.org", "2026-11-02")
    assert ReminderLog.objects.get_by_natural_key(*log.natural_key()) == log
    assert str(log) == "focal@ministry.example.org, 2 November 2026"
