"""What kind of date an action has, where an action comes from, and the words the
public pages, the reminders and the calendar use for them: a forecast is never
"overdue" and never "Due:"; a newer statement moves the date and the older one
stays in the history; inferred follow-up is not a commitment of the document."""

import datetime
from http import HTTPStatus
from io import StringIO

import icalendar
import pytest
from django.core import mail
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.management import call_command

from agreements.followup import services as followup
from agreements.followup import views as followup_views
from agreements.followup.calendar import build_calendar
from agreements.followup.reminders import build_reminders
from agreements.models import (
    Action,
    Basis,
    Confidence,
    DateKind,
    Document,
    DuePrecision,
    ProgressUpdate,
)
from agreements.models.followup import period_end
from tests.factories import (
    ActionCitationFactory,
    ActionFactory,
    EventFactory,
    ProgressUpdateFactory,
    SourceFactory,
    bilateral_document,
)

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 2)
SIGNED = datetime.date(2022, 9, 28)
DASHBOARD = "/follow-up/"


@pytest.fixture(autouse=True)
def frozen_today(monkeypatch):
    monkeypatch.setattr(followup_views, "today", lambda: TODAY)
    cache.clear()
    yield TODAY
    cache.clear()


@pytest.fixture
def document():
    return bilateral_document(signed_on=SIGNED)


def state(action, *, on, when, kind, precision=DuePrecision.DAY, by="", source=None):
    """Record a dated statement about ``action`` (no change of status)."""
    return followup.record_update(
        document=action.document,
        action=action,
        happened_on=on,
        title=f"{by or 'Someone'} gives a date ({on})",
        status_after=action.status,
        source=source or SourceFactory(),
        confidence=Confidence.REPORTED,
        expected_on=when,
        expected_precision=precision,
        expected_kind=kind,
        stated_by=by,
        today=TODAY,
    )


def undated_action(document, **kwargs):
    kwargs.setdefault("status", Action.Status.IN_PROGRESS)
    return ActionFactory(document=document, due_on=None, **kwargs)


# --- Periods --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "precision", "end"),
    [
        (datetime.date(2026, 8, 14), DuePrecision.DAY, datetime.date(2026, 8, 14)),
        (datetime.date(2026, 2, 3), DuePrecision.MONTH, datetime.date(2026, 2, 28)),
        (datetime.date(2026, 8, 1), DuePrecision.QUARTER, datetime.date(2026, 9, 30)),
        (datetime.date(2026, 11, 5), DuePrecision.QUARTER, datetime.date(2026, 12, 31)),
        (datetime.date(2025, 3, 1), DuePrecision.YEAR, datetime.date(2025, 12, 31)),
    ],
)
def test_a_period_ends_on_its_last_day(day, precision, end):
    assert period_end(day, precision) == end


def test_a_coarse_expected_date_must_be_the_last_day_of_its_period(document):
    action = undated_action(document)
    with pytest.raises(ValidationError) as error:
        state(
            action,
            on=datetime.date(2025, 12, 26),
            when=datetime.date(2026, 7, 1),
            kind=DateKind.FORECAST,
            precision=DuePrecision.QUARTER,
        )
    assert "expected_on" in error.value.message_dict
    assert not ProgressUpdate.objects.exists()


def test_an_expected_date_needs_its_kind_and_an_action(document):
    update = ProgressUpdate(
        document=document,
        happened_on=datetime.date(2025, 1, 1),
        title="A date for the document",
        status_before=document.follow_up_status,
        status_after=document.follow_up_status,
        expected_on=datetime.date(2026, 1, 1),
        expected_kind=DateKind.PLAN,
    )
    with pytest.raises(ValidationError) as error:
        update.full_clean(today=TODAY)
    assert "expected_on" in error.value.message_dict
    action = undated_action(document)
    update.action = action
    update.expected_kind = ""
    with pytest.raises(ValidationError) as error:
        update.full_clean(today=TODAY)
    assert "expected_kind" in error.value.message_dict


# --- The current date -----------------------------------------------------------------


def test_the_newest_statement_gives_the_current_date_and_the_older_ones_stay(
    document,
):
    action = undated_action(document)
    state(
        action,
        on=datetime.date(2024, 9, 2),
        when=datetime.date(2025, 12, 31),
        kind=DateKind.PLAN,
        precision=DuePrecision.YEAR,
        by="President Tokayev",
    )
    action.refresh_from_db()
    assert (action.due_on, action.due_kind) == (datetime.date(2025, 12, 31), "plan")
    state(
        action,
        on=datetime.date(2025, 12, 26),
        when=datetime.date(2026, 9, 30),
        kind=DateKind.FORECAST,
        precision=DuePrecision.QUARTER,
        by="Minister Madiyev",
    )
    state(
        action,
        on=datetime.date(2026, 1, 6),
        when=datetime.date(2026, 12, 31),
        kind=DateKind.FORECAST,
        precision=DuePrecision.YEAR,
        by="Minister Madiyev",
    )
    # a late find of an older statement does not move the current date
    state(
        action,
        on=datetime.date(2025, 11, 17),
        when=datetime.date(2026, 12, 31),
        kind=DateKind.FORECAST,
        precision=DuePrecision.YEAR,
        by="Deputy Minister Asadov",
    )
    action.refresh_from_db()
    assert (action.due_on, action.due_kind, action.due_precision) == (
        datetime.date(2026, 12, 31),
        DateKind.FORECAST,
        DuePrecision.YEAR,
    )
    assert action.due_display == "the end of 2026"
    assert ProgressUpdate.objects.filter(action=action).count() == 4

    html = page(document)
    assert "planned for the end of 2025" in html
    assert "President Tokayev" in html
    assert "expected by Q3 2026 (forecast)" in html
    assert "Deputy Minister Asadov" in html
    assert "now:" in html
    assert "Expected by the end of 2026 (forecast)" in html


def test_deleting_the_newest_statement_gives_back_the_previous_date(document):
    action = undated_action(document)
    state(
        action,
        on=datetime.date(2024, 9, 2),
        when=datetime.date(2025, 12, 31),
        kind=DateKind.PLAN,
        precision=DuePrecision.YEAR,
    )
    newest = state(
        action,
        on=datetime.date(2026, 1, 6),
        when=datetime.date(2026, 12, 31),
        kind=DateKind.FORECAST,
        precision=DuePrecision.YEAR,
    )
    followup.forget_date(newest)
    action.refresh_from_db()
    assert (action.due_on, action.due_kind) == (datetime.date(2025, 12, 31), "plan")


def test_the_admin_records_a_date_with_its_kind_and_who_stated_it(
    admin_client, document
):
    action = undated_action(document)
    source = SourceFactory()
    response = admin_client.post(
        "/admin/agreements/progressupdate/add/",
        {
            "document": str(document.pk),
            "action": str(action.pk),
            "happened_on": "2025-12-26",
            "date_precision": "day",
            "title": "Launch expected in the third quarter of 2026",
            "text": "",
            "status_after": action.status,
            "source": str(source.pk),
            "confidence": "reported",
            "expected_on": "2026-09-30",
            "expected_precision": "quarter",
            "expected_kind": "forecast",
            "stated_by": "Minister Madiyev",
        },
    )
    assert response.status_code == HTTPStatus.FOUND
    action.refresh_from_db()
    assert (action.due_on, action.due_kind, action.due_precision) == (
        datetime.date(2026, 9, 30),
        "forecast",
        "quarter",
    )
    change = admin_client.get(f"/admin/agreements/action/{action.pk}/change/")
    assert "expected by Q3 2026 (forecast)" in change.content.decode()


def test_the_admin_refuses_a_date_without_its_kind(admin_client, document):
    action = undated_action(document)
    response = admin_client.post(
        "/admin/agreements/progressupdate/add/",
        {
            "document": str(document.pk),
            "action": str(action.pk),
            "happened_on": "2025-12-26",
            "date_precision": "day",
            "title": "A date",
            "status_after": action.status,
            "confidence": "reported",
            "expected_on": "2026-09-30",
            "expected_precision": "day",
            "expected_kind": "",
        },
    )
    assert response.status_code == HTTPStatus.OK
    assert "expected_kind" in response.context["adminform"].form.errors
    assert not ProgressUpdate.objects.exists()


# --- Late, or not ---------------------------------------------------------------------


def dated(document, kind, days_ago, **kwargs):
    return ActionFactory(
        document=document,
        due_on=TODAY - datetime.timedelta(days=days_ago),
        due_kind=kind,
        **kwargs,
    )


def page(document):
    return Client_get(document.get_absolute_url())


def Client_get(url):  # noqa: N802 - reads as a request in the tests
    from django.test import Client

    response = Client().get(url)
    assert response.status_code == HTTPStatus.OK
    return response.content.decode()


def test_only_deadlines_and_plans_can_be_overdue(document):
    deadline = dated(document, DateKind.DEADLINE, 10)
    plan = dated(document, DateKind.PLAN, 10)
    forecast = dated(document, DateKind.FORECAST, 10)
    unknown = dated(document, "", 10)
    assert set(Action.objects.overdue(TODAY)) == {deadline, plan}
    assert set(Action.objects.forecast_passed(TODAY)) == {forecast}
    flags = {
        a.pk: (a.is_overdue, a.is_forecast_passed)
        for a in Action.objects.with_flags(TODAY)
    }
    assert flags[unknown.pk] == (False, False)
    assert flags[forecast.pk] == (False, True)


def test_a_passed_forecast_reads_as_such_on_the_document_page(document):
    dated(document, DateKind.FORECAST, 65, title="Launch the line")
    html = page(document)
    assert "Forecast date passed" in html
    assert "Overdue" not in html
    assert "days late" not in html


def test_each_kind_is_worded_apart_on_the_document_page(document):
    dated(document, DateKind.DEADLINE, 5, title="Deadline action")
    dated(document, DateKind.PLAN, 5, title="Plan action")
    html = page(document)
    assert "Overdue" in html
    assert "Behind plan" in html
    assert "5 days late" in html
    assert "Due by" in html
    assert "Planned for" in html


def test_the_dashboard_separates_overdue_from_passed_forecasts(client, document):
    dated(document, DateKind.DEADLINE, 10, title="Sign the annex")
    dated(document, DateKind.FORECAST, 10, title="Launch the line")
    html = client.get(DASHBOARD).content.decode()
    overdue = html[html.index('id="overdue"') : html.index('id="forecast-passed"')]
    passed = html[html.index('id="forecast-passed"') : html.index('id="due-soon"')]
    assert "Sign the annex" in overdue
    assert "Launch the line" not in overdue
    assert "Launch the line" in passed
    assert "Forecast date passed" in passed
    assert "Overdue: deadlines and plans passed (1)" in html
    assert "Forecast dates passed (1)" in html


def test_the_calendar_never_exports_a_forecast_as_due(document):
    dated(document, DateKind.FORECAST, -20, title="Launch the line")
    dated(document, DateKind.PLAN, -20, title="Open the centre")
    dated(document, DateKind.DEADLINE, -20, title="Sign the annex")
    calendar = icalendar.Calendar.from_ical(
        build_calendar(base_url="https://register.example.org/", today=TODAY)
    )
    summaries = {
        str(e["summary"]): str(e["categories"].cats[0]) for e in calendar.walk("VEVENT")
    }
    assert summaries == {
        "Expected (forecast): Launch the line": "forecast",
        "Planned: Open the centre": "plan",
        "Due: Sign the annex": "deadline",
    }


def test_a_passed_forecast_in_the_calendar_says_it_is_not_a_missed_deadline(
    document,
):
    dated(document, DateKind.FORECAST, 20, title="Launch the line")
    calendar = icalendar.Calendar.from_ical(
        build_calendar(base_url="https://register.example.org/", today=TODAY)
    )
    (event,) = calendar.walk("VEVENT")
    assert "not a missed deadline" in str(event["description"])


def test_reminders_list_a_passed_forecast_apart_and_never_as_overdue(document):
    dated(
        document,
        DateKind.FORECAST,
        20,
        title="Launch the line",
        contact_email="focal@telecom.example.org",
    )
    dated(
        document,
        DateKind.PLAN,
        3,
        title="Open the centre",
        contact_email="focal@telecom.example.org",
    )
    (reminder,) = build_reminders(today=TODAY)
    assert [a.title for a in reminder.overdue] == ["Open the centre"]
    assert [a.title for a in reminder.forecast_passed] == ["Launch the line"]
    assert "(forecast date passed)" in reminder.body
    assert "3 days behind plan" in reminder.body
    assert "1 forecast date passed" in reminder.subject
    assert (
        "Launch the line"
        not in reminder.body.split("Due within")[0].split("Overdue")[1]
    )


def test_the_reminder_command_sends_the_forecast_section(document, settings):
    settings.FOLLOWUP_REMINDER_STAFF_EMAIL = ""
    dated(
        document,
        DateKind.FORECAST,
        20,
        title="Launch the line",
        contact_email="focal@telecom.example.org",
    )
    call_command(
        "send_followup_reminders", "--today", TODAY.isoformat(), stdout=StringIO()
    )
    (message,) = mail.outbox
    assert "Forecast dates passed" in message.body
    assert "overdue)" not in message.body


# --- Where an action comes from -------------------------------------------------------


def test_inferred_follow_up_is_not_shown_as_a_commitment(document):
    ActionFactory(document=document, basis=Basis.REPORTED, title="Hold the council")
    inferred = ActionFactory(
        document=document,
        basis=Basis.INFERRED,
        title="Open the street",
        description="No source ties it to the document.",
        status=Action.Status.DONE,
        completed_on=SIGNED,
    )
    ActionCitationFactory(
        action=inferred,
        confidence=Confidence.INFERRED,
        claim="tie to this document",
        source=SourceFactory(publisher="The Astana Times"),
    )
    html = page(document)
    commitments = html[
        html.index("What the document commits its parties to") : html.index(
            "Related follow-up, linked by the register"
        )
    ]
    related = html[html.index("Related follow-up, linked by the register") :]
    assert "Hold the council" in commitments
    assert "Open the street" not in commitments
    assert "Open the street" in related
    assert "No source ties it to the document." in related
    assert "Supports: tie to this document" in related
    assert "The Astana Times" in related
    assert "0 of 1 action done" in commitments
    assert "1 of 1 action done" in related


def test_an_action_of_unknown_origin_is_shown_as_linked_by_the_register(document):
    ActionFactory(document=document, basis="", title="Meet again")
    html = page(document)
    assert "What the document commits its parties to" not in html
    assert "Related follow-up, linked by the register" in html
    assert "Origin not recorded" in html


# --- Events and counts ----------------------------------------------------------------


def test_the_event_page_says_how_many_of_the_recorded_rest_on_an_inference(client):
    event = EventFactory(documents_reported=3, is_published=True)
    for confidence in (Confidence.REPORTED, Confidence.INFERRED, Confidence.INFERRED):
        bilateral_document(
            event=event,
            event_signing_confidence=Confidence.CONFIRMED,
            event_confidence=confidence,
        )
    html = client.get(event.get_absolute_url()).content.decode()
    assert "3 reported, 3 recorded, of which 2 by inference" in html
    assert "the match of the two numbers rests on it" in html
    assert "The sources do not list" not in html


def test_the_document_page_keeps_signing_and_counting_apart(client):
    event = EventFactory(documents_reported=6, is_published=True)
    document = bilateral_document(
        event=event,
        event_signing_confidence=Confidence.CONFIRMED,
        event_confidence=Confidence.INFERRED,
    )
    html = page(document)
    signing = html[html.index("Signed at this event:") :]
    assert signing.index("Confirmed") < signing.index(
        "Counted among the 6 documents the sources report for it:"
    )
    counted = signing[signing.index("Counted among") :]
    assert counted.index("Inferred") < counted.index("</li>")
    assert "The sources do not list this document" not in html


def test_a_follow_up_status_without_a_source_is_shown_as_unknown(document):
    Document.objects.filter(pk=document.pk).update(
        follow_up_status=Document.FollowUpStatus.IN_PROGRESS
    )
    html = page(document)
    assert "Follow-up: unknown" in html
    assert "Recorded as “in progress”, but no source is recorded for it." in html

    ProgressUpdateFactory(
        document=document,
        source=SourceFactory(),
        happened_on=SIGNED + datetime.timedelta(days=40),
        status_before=Document.FollowUpStatus.NOT_STARTED,
        status_after=Document.FollowUpStatus.IN_PROGRESS,
    )
    cache.clear()
    html = page(document)
    assert "Follow-up: in progress" in html
    assert "no source is recorded" not in html


def test_an_empty_year_on_a_timeline_reads_none_recorded(client):
    from agreements.models import Country

    bilateral_document(signed_on=datetime.date(2022, 8, 24))
    bilateral_document(signed_on=datetime.date(2025, 10, 21))
    # a year with an event held in the country but no document recorded
    EventFactory(
        country=Country.objects.get(code="KZ"),
        date=datetime.date(2024, 3, 11),
        title="Council meeting",
        is_published=True,
    )
    html = client.get("/countries/kz/").content.decode()
    year = html[html.index(">2024<") : html.index(">2022<")]
    assert "Council meeting" in year
    assert "None recorded" in year
    assert "No documents" not in html
    assert "1 document recorded" in html
