"""The follow-up of the 10 April 2023 package: what it holds, and that it loads after
kz_az_2023, twice without change, with every status coming from a dated update."""

import datetime
import json

import icalendar
import pytest
from django.conf import settings
from django.core import serializers
from django.core.management import call_command
from django.core.serializers.base import DeserializationError

from agreements.followup import calendar, reminders, selectors
from agreements.models import (
    Action,
    ActionCitation,
    Confidence,
    Document,
    Event,
    EventCitation,
    ProgressUpdate,
    Source,
)

pytestmark = pytest.mark.django_db

PROTOCOL = "kz-az-2023-protocol-supreme-interstate-council"
STATEMENT = "kz-az-2023-joint-statement-of-the-presidents"
FIBRE = "kazakhtelecom-azertelecom-2022-memorandum-trans-caspian-fibre"
MODELS = [
    Source,
    Event,
    EventCitation,
    Document,
    Action,
    ActionCitation,
    ProgressUpdate,
]
d = datetime.date


def snapshot():
    """The rows the fixture touches, by natural keys only (no primary keys)."""
    dump = {}
    for model in MODELS:
        rows = json.loads(
            serializers.serialize(
                "json",
                model.objects.all(),
                use_natural_foreign_keys=True,
                use_natural_primary_keys=True,
            )
        )
        dump[model._meta.label] = sorted(
            json.dumps(row, sort_keys=True) for row in rows
        )
    return dump


def read(name):
    return json.loads((settings.FIXTURE_DIRS[0] / f"{name}.json").read_text())


@pytest.fixture
def loaded():
    call_command("loaddata", "kz_az_2023", verbosity=0)
    call_command("loaddata", "kz_az_2023_followup", verbosity=0)


def action(slug):
    return Action.objects.get(slug=slug)


# --- Loading --------------------------------------------------------------------------


def test_the_fixture_carries_no_primary_keys():
    assert all("pk" not in row for row in read("kz_az_2023_followup"))


def test_it_adds_the_follow_up_to_the_register(loaded):
    assert Action.objects.count() == 7
    assert ProgressUpdate.objects.count() == 11
    assert ActionCitation.objects.count() == 23
    assert Event.objects.filter(kind=Event.Kind.COUNCIL_MEETING).count() == 2
    assert Document.objects.count() == 12
    assert Source.objects.count() == 17 + 17


def test_loading_it_twice_changes_nothing(loaded):
    before = snapshot()
    call_command("loaddata", "kz_az_2023_followup", verbosity=0)
    assert snapshot() == before


def test_reloading_the_register_after_it_changes_nothing(loaded):
    before = snapshot()
    call_command("loaddata", "kz_az_2023", verbosity=0)
    call_command("loaddata", "kz_az_2023_followup", verbosity=0)
    assert snapshot() == before


def test_without_the_register_it_fails_and_loads_nothing():
    with pytest.raises(DeserializationError):
        call_command("loaddata", "kz_az_2023_followup", verbosity=0)
    assert not Source.objects.exists()
    assert not Action.objects.exists()


def test_its_document_rows_differ_from_the_register_only_in_follow_up_status():
    """Guards against the follow-up fixture undoing an edit of kz_az_2023.json."""
    base = {
        row["fields"]["slug"]: row["fields"]
        for row in read("kz_az_2023")
        if row["model"] == "agreements.document"
    }
    rows = [
        r for r in read("kz_az_2023_followup") if r["model"] == "agreements.document"
    ]
    assert [row["fields"]["slug"] for row in rows] == [FIBRE]
    for row in rows:
        fields, old = dict(row["fields"]), dict(base[row["fields"]["slug"]])
        assert (old["follow_up_status"], fields["follow_up_status"]) == (
            "unknown",
            "in_progress",
        )
        for key in ("follow_up_status", "updated_at"):
            fields.pop(key), old.pop(key)
        assert fields == old


def test_its_new_sources_are_not_in_the_register_already():
    base = {r["fields"]["url"] for r in read("kz_az_2023") if "url" in r["fields"]}
    new = [
        r["fields"]["url"] for r in read("kz_az_2023_followup") if "url" in r["fields"]
    ]
    assert len(new) == 17
    assert not base & set(new)


# --- Statuses come from the updates ---------------------------------------------------


def test_every_action_status_is_the_end_of_its_update_chain(loaded):
    for act in Action.objects.all():
        chain = list(act.updates.order_by("happened_on"))
        assert chain, act.slug
        assert chain[0].status_before == Action.Status.PLANNED, act.slug
        for earlier, later in zip(chain, chain[1:], strict=False):
            assert later.status_before == earlier.status_after, act.slug
        assert chain[-1].status_after == act.status, act.slug
        if act.status == Action.Status.DONE:
            assert act.completed_on == chain[-1].happened_on, act.slug


def test_document_statuses_come_from_their_updates(loaded):
    statuses = dict(Document.objects.values_list("slug", "follow_up_status"))
    # set in kz_az_2023.json, borne out by the Council's two meetings
    assert statuses[PROTOCOL] == "in_progress"
    # the cultural days and the openings are tied to it by inference only
    assert statuses[STATEMENT] == "unknown"
    update = ProgressUpdate.objects.get(document__slug=FIBRE, action=None)
    assert (update.status_before, update.status_after) == ("unknown", "in_progress")
    assert statuses[FIBRE] == "in_progress"
    assert "completed" not in statuses.values()


def test_every_update_and_action_has_a_source(loaded):
    assert not ProgressUpdate.objects.filter(source__isnull=True).exists()
    assert not Action.objects.filter(citations__isnull=True).exists()


# --- The facts ------------------------------------------------------------------------


def test_the_council_met_in_baku_in_2024_and_in_astana_in_2025(loaded):
    first = action("first-meeting-of-the-council")
    second = action("second-meeting-of-the-council")
    assert first.document.slug == second.document.slug == PROTOCOL
    assert (first.status, first.completed_on) == ("done", d(2024, 3, 11))
    assert (second.status, second.completed_on) == ("done", d(2025, 10, 21))
    assert (
        first.updates.get().source.url == "https://president.az/en/articles/view/65296"
    )
    assert "azertag.az" in second.updates.get().source.url
    assert set(first.citations.values_list("source__url", flat=True)) == {
        "https://president.az/en/articles/view/65296",
        "https://astanatimes.com/2024/03/kazakh-president-underscores-strategic-partnership-with-azerbaijan/",
        "https://qazmonitor.com/news/2766/kazakhstan-azerbaijan-sign-14-cooperation-documents",
    }
    assert "full list" in first.updates.get().text


def test_the_council_meetings_are_events_with_what_is_known_of_their_documents(loaded):
    baku, astana = Event.objects.filter(kind="council_meeting").order_by("date")
    assert (baku.date, baku.city, baku.country.code) == (d(2024, 3, 11), "Baku", "AZ")
    assert baku.reconciliation(0) == {"reported": 14, "recorded": 0, "missing": 14}
    assert (astana.date, astana.city, astana.country.code) == (
        d(2025, 10, 21),
        "Astana",
        "KZ",
    )
    assert astana.documents_reported is None
    assert baku.citations.count() == 3
    assert astana.citations.get().confidence == Confidence.CONFIRMED


def test_the_cultural_days_are_tied_to_the_joint_statement_by_inference(loaded):
    for slug in (
        "days-of-kazakh-culture-in-baku",
        "days-of-azerbaijani-culture-in-astana",
    ):
        days = action(slug)
        assert days.document.slug == STATEMENT
        tie = days.citations.get(claim="tie to this document")
        assert tie.confidence == Confidence.INFERRED
        assert "not to a named document" in tie.note
        assert days.due_on == d(2023, 12, 31)
        due = days.citations.get(claim="due date (this year)")
        assert due.confidence == Confidence.REPORTED


def test_the_kazakh_culture_days_ended_in_baku_on_5_december_2023(loaded):
    days = action("days-of-kazakh-culture-in-baku")
    assert (days.status, days.completed_on) == ("done", d(2023, 12, 5))
    assert days.updates.get().confidence == Confidence.CONFIRMED
    assert "2 to 5 December 2023" in days.updates.get().text


def test_the_azerbaijani_culture_days_dates_disagree_and_are_reported(loaded):
    days = action("days-of-azerbaijani-culture-in-astana")
    assert (days.status, days.completed_on) == ("done", d(2024, 9, 26))
    update = days.updates.get()
    assert update.confidence == Confidence.REPORTED
    assert "24 to 26 September" in update.text
    assert "23 to 26 September" in update.text
    assert set(
        days.citations.filter(claim__startswith="held").values_list(
            "confidence", flat=True
        )
    ) == {"reported"}
    # done, but later than the year the talks set
    assert days.completed_on > days.due_on


def test_the_openings_are_done_and_tied_to_the_statement_by_inference(loaded):
    centre = action("kurmangazy-childrens-creativity-center-in-fuzuli")
    street = action("heydar-aliyev-street-in-astana")
    assert centre.completed_on == d(2024, 3, 12)
    assert street.completed_on == d(2023, 4, 10)
    for opening in (centre, street):
        assert opening.document.slug == STATEMENT
        assert (
            opening.citations.get(claim="tie to this document").confidence
            == Confidence.INFERRED
        )
    assert (
        street.updates.get().source.url == "https://president.az/en/articles/view/59360"
    )


def test_the_fibre_line_is_in_progress_and_due_by_a_reported_forecast(loaded):
    line = action("launch-trans-caspian-fibre-optic-line")
    assert line.document.slug == FIBRE
    assert (line.status, line.due_on, line.completed_on) == (
        "in_progress",
        d(2026, 9, 30),
        None,
    )
    assert set(line.responsible_bodies.values_list("slug", flat=True)) == {
        "kazakhtelecom",
        "azertelecom",
    }
    due = line.citations.get(claim__startswith="due date")
    assert due.confidence == Confidence.REPORTED
    assert "madiyev" in due.source.url
    assert line.citations.get(claim__contains="end of 2026").confidence == "reported"


def test_the_fibre_milestones_keep_month_only_dates_as_such(loaded):
    milestones = [
        (u.happened_on, u.date_precision, u.happened_on_display)
        for u in ProgressUpdate.objects.filter(document__slug=FIBRE).order_by(
            "happened_on"
        )
    ]
    assert milestones == [
        (d(2023, 1, 1), "month", "January 2023"),
        (d(2023, 6, 1), "month", "June 2023"),
        (d(2023, 8, 23), "day", "23 August 2023"),
        (d(2025, 5, 23), "day", "23 May 2025"),
        (d(2025, 8, 6), "day", "6 August 2025"),
    ]
    january = ProgressUpdate.objects.get(
        document__slug=FIBRE, happened_on=d(2023, 1, 1)
    )
    assert "day not reported" in january.text
    assert january.source.url == "https://en.trend.az/business/3693579.html"


def test_on_27_november_2026_the_fibre_line_is_overdue(loaded):
    today = d(2026, 11, 27)
    assert [a.slug for a in Action.objects.overdue(today)] == [
        "launch-trans-caspian-fibre-optic-line"
    ]
    digests = reminders.build_reminders(today=today, staff_email="staff@example.org")
    # no contact address is recorded: only staff are reminded
    assert [r.recipient for r in digests] == ["staff@example.org"]
    assert "Launch the Trans-Caspian fibre-optic line" in digests[0].body


def test_the_progress_of_the_package(loaded):
    rows = {
        doc.slug: (doc.actions_done, doc.actions_total)
        for doc in selectors.annotate_progress(
            Document.objects.all(), today=d(2026, 11, 27)
        )
    }
    assert rows[PROTOCOL] == (2, 2)
    assert rows[STATEMENT] == (4, 4)
    assert rows[FIBRE] == (0, 1)
    visit = selectors.event_progress(Event.objects.all()).get(
        slug="aliyev-official-visit-astana-2023-04-10"
    )
    assert (visit.actions_done, visit.actions_total) == (6, 6)


def test_the_calendar_of_the_package(loaded):
    data = calendar.build_calendar(
        base_url="https://register.example.org", country_codes=["KZ", "AZ"]
    )
    events = {
        str(e["uid"]): e.decoded("dtstart")
        for e in icalendar.Calendar.from_ical(data).walk("VEVENT")
    }
    assert events == {
        f"{FIBRE}.launch-trans-caspian-fibre-optic-line.due@register.example.org": d(
            2026, 9, 30
        ),
        "az-kz-2022-comprehensive-program-2022-2026.end@register.example.org": d(
            2026, 12, 31
        ),
    }
