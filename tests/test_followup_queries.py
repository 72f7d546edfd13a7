"""Derived facts computed in the database: overdue, due soon, progress, staleness."""

import datetime

import pytest

from agreements.followup import selectors as followup
from agreements.models import Action, Document, Event
from tests.factories import (
    ActionFactory,
    BodyFactory,
    CountryFactory,
    DocumentFactory,
    EventFactory,
    PartyFactory,
    ProgressUpdateFactory,
    bilateral_document,
)

pytestmark = pytest.mark.django_db

SIGNED = datetime.date(2023, 4, 10)
TODAY = datetime.date(2026, 11, 2)
Status = Action.Status
FollowUp = Document.FollowUpStatus


def days(n):
    return TODAY + datetime.timedelta(days=n)


@pytest.fixture
def deadlines():
    """One action per case around TODAY, named by what it is."""
    document = DocumentFactory(signed_on=SIGNED)
    make = {
        "overdue": {"due_on": days(-1)},
        "overdue_blocked": {"due_on": days(-200), "status": Status.BLOCKED},
        "due_today": {"due_on": TODAY, "status": Status.IN_PROGRESS},
        "due_in_30": {"due_on": days(30)},
        "due_in_31": {"due_on": days(31)},
        "undated": {"due_on": None},
        "done_late": {"due_on": days(-10), "done": True},
        "cancelled": {"due_on": days(-10), "status": Status.CANCELLED},
        "cancelled_soon": {"due_on": days(5), "status": Status.CANCELLED},
    }
    return {
        name: ActionFactory(document=document, slug=name.replace("_", "-"), **kwargs)
        for name, kwargs in make.items()
    }


def names(actions, deadlines):
    by_pk = {action.pk: name for name, action in deadlines.items()}
    return {by_pk[action.pk] for action in actions}


def test_overdue_is_open_and_due_before_today(deadlines):
    assert names(Action.objects.overdue(TODAY), deadlines) == {
        "overdue",
        "overdue_blocked",
    }


def test_due_soon_is_open_and_due_from_today_to_thirty_days_on(deadlines):
    assert names(Action.objects.due_soon(TODAY), deadlines) == {
        "due_today",
        "due_in_30",
    }
    assert names(Action.objects.due_soon(TODAY, days=31), deadlines) == {
        "due_today",
        "due_in_30",
        "due_in_31",
    }


def test_open_leaves_out_done_and_cancelled_actions(deadlines):
    assert names(Action.objects.open(), deadlines) == {
        "overdue",
        "overdue_blocked",
        "due_today",
        "due_in_30",
        "due_in_31",
        "undated",
    }


def test_with_flags_marks_each_action_true_or_false(deadlines):
    flags = {
        names([a], deadlines).pop(): (a.is_overdue, a.is_due_soon)
        for a in Action.objects.with_flags(TODAY)
    }
    assert flags == {
        "overdue": (True, False),
        "overdue_blocked": (True, False),
        "due_today": (False, True),
        "due_in_30": (False, True),
        "due_in_31": (False, False),
        "undated": (False, False),
        "done_late": (False, False),
        "cancelled": (False, False),
        "cancelled_soon": (False, False),
    }


def test_today_defaults_to_the_real_day():
    action = ActionFactory(due_on=datetime.date.today() - datetime.timedelta(days=1))
    assert list(Action.objects.overdue()) == [action]
    assert action in Action.objects.overdue(datetime.date.today())


def test_published_leaves_out_actions_of_unpublished_documents():
    shown = ActionFactory(document__is_published=True)
    ActionFactory(document__is_published=False)
    assert list(Action.objects.published()) == [shown]


def test_for_countries_needs_a_party_from_each_country():
    both = ActionFactory(document=bilateral_document(countries=("KZ", "AZ")))
    ActionFactory(document=bilateral_document(countries=("KZ", "UZ")))
    assert list(Action.objects.for_countries(["kz", "AZ"])) == [both]
    assert Action.objects.for_countries(["KZ"]).count() == 2


def test_involving_bodies_counts_parties_and_responsible_bodies():
    body = BodyFactory()
    as_party = ActionFactory()
    PartyFactory(document=as_party.document, body=body)
    responsible = ActionFactory(responsible_bodies=[body])
    ActionFactory()
    assert set(Action.objects.involving_bodies([body.slug])) == {as_party, responsible}
    assert list(Action.objects.involving_bodies([body.slug, "no-such-body"])) == []


def test_annotate_progress_counts_done_of_the_actions_not_cancelled():
    document = DocumentFactory(signed_on=SIGNED)
    ActionFactory(document=document, done=True)
    ActionFactory(document=document, due_on=days(-1))
    ActionFactory(document=document, due_on=days(10))
    ActionFactory(document=document, status=Status.CANCELLED)
    ProgressUpdateFactory(document=document, happened_on=datetime.date(2024, 1, 1))
    ProgressUpdateFactory(document=document, happened_on=datetime.date(2025, 1, 1))
    empty = DocumentFactory()
    rows = {
        d.pk: d for d in followup.annotate_progress(Document.objects.all(), today=TODAY)
    }
    progress = rows[document.pk]
    assert (progress.actions_total, progress.actions_done) == (3, 1)
    assert progress.actions_overdue == 1
    assert progress.actions_percent == 33
    assert progress.last_update == datetime.date(2025, 1, 1)
    assert (rows[empty.pk].actions_total, rows[empty.pk].actions_percent) == (0, None)
    assert rows[empty.pk].last_update is None


def test_annotate_progress_is_one_query_for_any_number_of_documents(
    django_assert_num_queries,
):
    for _ in range(5):
        ActionFactory.create_batch(2, document=DocumentFactory())
    # keeps the dashboard free of N+1 queries
    with django_assert_num_queries(1):
        rows = list(followup.annotate_progress(Document.objects.all(), today=TODAY))
    assert [row.actions_total for row in rows] == [2] * 5


def test_stale_documents_are_watched_ones_with_no_news_for_180_days():
    cutoff = TODAY - datetime.timedelta(days=180)
    quiet = DocumentFactory(follow_up_status=FollowUp.IN_PROGRESS)
    ProgressUpdateFactory(document=quiet, happened_on=cutoff - datetime.timedelta(1))
    recent = DocumentFactory(follow_up_status=FollowUp.IN_PROGRESS)
    ProgressUpdateFactory(document=recent, happened_on=cutoff - datetime.timedelta(9))
    ProgressUpdateFactory(document=recent, happened_on=cutoff)
    never = DocumentFactory(follow_up_status=FollowUp.NOT_STARTED)
    just_signed = DocumentFactory(
        follow_up_status=FollowUp.NOT_STARTED, signed_on=days(-30)
    )
    completed = DocumentFactory(follow_up_status=FollowUp.COMPLETED)
    unknown = DocumentFactory(follow_up_status=FollowUp.UNKNOWN)
    stale = followup.stale_documents(Document.objects.all(), today=TODAY)
    assert set(stale) == {quiet, never}
    assert not {recent, just_signed, completed, unknown} & set(stale)
    rows = {d.pk: d for d in stale}
    assert rows[quiet.pk].last_update == cutoff - datetime.timedelta(1)
    assert (rows[never.pk].last_update, rows[never.pk].quiet_since) == (
        None,
        never.signed_on,
    )


def test_event_progress_sums_the_actions_of_its_published_documents():
    event = EventFactory()
    shown = DocumentFactory(event=event)
    hidden = DocumentFactory(event=event, is_published=False)
    ActionFactory(document=shown, done=True)
    ActionFactory(document=shown)
    ActionFactory(document=hidden, done=True)
    quiet = EventFactory()
    rows = {e.pk: e for e in followup.event_progress(Event.objects.all())}
    assert (rows[event.pk].actions_total, rows[event.pk].actions_done) == (2, 1)
    assert (rows[quiet.pk].actions_total, rows[quiet.pk].actions_done) == (0, 0)
    staff = followup.event_progress(Event.objects.all(), published_only=False)
    assert staff.get(pk=event.pk).actions_done == 2


def test_filter_documents_needs_each_country_and_each_body():
    body = BodyFactory(country=CountryFactory(code="AZ"))
    kz_az = bilateral_document(countries=("KZ", "AZ"))
    kz_uz = bilateral_document(countries=("KZ", "UZ"))
    ActionFactory(document=kz_uz, responsible_bodies=[body])
    everything = Document.objects.all()
    assert set(followup.filter_documents(everything, country_codes=["KZ"])) == {
        kz_az,
        kz_uz,
    }
    assert list(followup.filter_documents(everything, country_codes=["KZ", "az"])) == [
        kz_az
    ]
    assert list(followup.filter_documents(everything, body_slugs=[body.slug])) == [
        kz_uz
    ]
    assert not followup.filter_documents(
        everything, country_codes=["AZ"], body_slugs=[body.slug]
    ).exists()
