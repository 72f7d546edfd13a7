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
    Basis,
    Body,
    Confidence,
    DateKind,
    Document,
    DocumentCitation,
    Event,
    EventCitation,
    Party,
    PartyCitation,
    ProgressUpdate,
    Source,
)

pytestmark = pytest.mark.django_db

PROTOCOL = "kz-az-2023-protocol-supreme-interstate-council"
STATEMENT = "kz-az-2023-joint-statement-of-the-presidents"
FIBRE = "kazakhtelecom-azertelecom-2022-memorandum-trans-caspian-fibre"
SIC1 = "kz-az-supreme-interstate-council-1st-meeting-2024-03-11"
SILK_WAY_TV = (
    "https://silkwaytv.kz/en/azerbaijani-culture-days-underway-in-kazakhstan_46474"
)
MODELS = [
    Source,
    Body,
    Event,
    EventCitation,
    Document,
    DocumentCitation,
    Party,
    PartyCitation,
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
    assert ProgressUpdate.objects.count() == 20
    assert ActionCitation.objects.count() == 33
    assert Event.objects.filter(kind=Event.Kind.COUNCIL_MEETING).count() == 2
    # the nine documents of the Council's first meeting that turan.az describes
    assert Document.objects.count() == 12 + 9
    assert Document.objects.filter(event__slug=SIC1).count() == 9
    assert Body.objects.count() == 15 + 7
    assert Source.objects.count() == 17 + 33


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
    """Guards against the follow-up fixture undoing an edit of kz_az_2023.json: the
    register's rows it repeats differ only in their follow-up status; the others are
    new documents, signed at the Council's first meeting."""
    base = {
        row["fields"]["slug"]: row["fields"]
        for row in read("kz_az_2023")
        if row["model"] == "agreements.document"
    }
    documents = [
        r for r in read("kz_az_2023_followup") if r["model"] == "agreements.document"
    ]
    rows = [r for r in documents if r["fields"]["slug"] in base]
    assert [row["fields"]["slug"] for row in rows] == [FIBRE]
    new = [r["fields"] for r in documents if r["fields"]["slug"] not in base]
    assert len(new) == 9
    assert {fields["event"][0] for fields in new} == {SIC1}
    bodies = {
        r["fields"]["slug"]
        for r in read("kz_az_2023")
        if r["model"] == "agreements.body"
    }
    for row in read("kz_az_2023_followup"):
        if row["model"] == "agreements.body":
            assert row["fields"]["slug"] not in bodies
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
    assert len(new) == 33
    assert len(set(new)) == len(new)
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
    assert not ActionCitation.objects.filter(source__isnull=True).exists()
    # a date is a dated update's, never a bare citation's
    assert not ActionCitation.objects.filter(claim__startswith="due date").exists()


def test_where_each_action_comes_from(loaded):
    assert dict(Action.objects.values_list("slug", "basis")) == {
        "first-meeting-of-the-council": Basis.INFERRED,
        "second-meeting-of-the-council": Basis.INFERRED,
        "days-of-kazakh-culture-in-baku": Basis.INFERRED,
        "days-of-azerbaijani-culture-in-astana": Basis.INFERRED,
        "kurmangazy-childrens-creativity-center-in-fuzuli": Basis.INFERRED,
        "heydar-aliyev-street-in-astana": Basis.INFERRED,
        "launch-trans-caspian-fibre-optic-line": Basis.REPORTED,
    }
    # no text of the documents was found: nothing is quoted, no clause is named
    assert not Action.objects.exclude(clause="").exists()
    for act in Action.objects.filter(basis=Basis.INFERRED):
        tie = act.citations.get(claim="tie to this document")
        assert tie.confidence == Confidence.INFERRED, act.slug
        assert "not found" in act.description, act.slug


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
        # the tie to the Protocol, an inference
        "https://www.newscentralasia.net/2023/04/11/azerbaijan-and-kazakhstan-results-of-the-summit-talks-countries-to-set-the-supreme-interstate-council/",
    }
    assert "turan.az describes nine" in first.updates.get().text
    for meeting in (first, second):
        assert "Protocol's text was not found" in meeting.description


def test_the_council_meetings_are_events_with_what_is_known_of_their_documents(loaded):
    baku, astana = (
        Event.objects.with_recorded_count()
        .filter(kind="council_meeting")
        .order_by("date")
    )
    assert (baku.date, baku.city, baku.country.code) == (d(2024, 3, 11), "Baku", "AZ")
    assert baku.reconciliation(baku.documents_recorded, baku.documents_inferred) == {
        "reported": 14,
        "recorded": 9,
        "inferred": 0,
        "missing": 5,
    }
    assert (astana.date, astana.city, astana.country.code) == (
        d(2025, 10, 21),
        "Astana",
        "KZ",
    )
    assert astana.documents_reported is None
    assert astana.documents_recorded == 0
    assert baku.citations.count() == 4
    assert astana.citations.get().confidence == Confidence.CONFIRMED


def test_the_cultural_days_are_tied_to_the_joint_statement_by_inference(loaded):
    for slug in (
        "days-of-kazakh-culture-in-baku",
        "days-of-azerbaijani-culture-in-astana",
    ):
        days = action(slug)
        assert days.document.slug == STATEMENT
        assert days.basis == Basis.INFERRED
        tie = days.citations.get(claim="tie to this document")
        assert tie.confidence == Confidence.INFERRED
        assert "No source ties the days of culture to the Joint Statement" in tie.note
        # proposed in August 2022, before the statement
        proposal = days.citations.get(
            claim__startswith="President Tokayev's proposal of 24 August 2022"
        )
        assert "a3970728" in proposal.source.url
        assert "August 2022" in days.description
        # the plan of the talks: "this year", stated by President Tokayev
        plan = days.updates.get(happened_on=d(2023, 4, 10))
        assert (plan.expected_on, plan.expected_precision, plan.expected_kind) == (
            d(2023, 12, 31),
            "year",
            DateKind.PLAN,
        )
        assert plan.stated_by.startswith("President Kassym-Jomart Tokayev")
        assert plan.status_before == plan.status_after == "planned"
        assert plan.source.url == (
            "https://astanatimes.com/2023/04/kazakhstan-azerbaijan-reiterate-"
            "commitment-to-strengthen-ties/"
        )


def test_the_kazakh_culture_days_ended_in_baku_on_5_december_2023(loaded):
    days = action("days-of-kazakh-culture-in-baku")
    assert (days.status, days.completed_on) == ("done", d(2023, 12, 5))
    assert (days.due_on, days.due_precision, days.due_kind) == (
        d(2023, 12, 31),
        "year",
        "plan",
    )
    held = days.updates.get(status_after="done")
    assert held.confidence == Confidence.CONFIRMED
    assert held.source.url == (
        "https://astanatimes.com/2023/12/kazakhstan-azerbaijan-cultural-diplomacy-"
        "bridges-nations/"
    )
    assert "ended on 5 December 2023" in held.text
    assert "2 to 5 December 2023" in held.text
    # the trend.az preview supports the schedule, not the holding
    preview = days.citations.get(source__url__contains="3831835")
    assert (preview.claim, preview.confidence) == (
        "scheduled for 2–5 December 2023",
        "reported",
    )
    assert days.completed_on <= days.due_on


def test_the_azerbaijani_culture_days_were_planned_twice_and_held_in_2024(loaded):
    days = action("days-of-azerbaijani-culture-in-astana")
    assert (days.status, days.completed_on) == ("done", d(2024, 9, 26))
    plans = [
        (u.happened_on, u.expected_on, u.expected_kind, u.source.url)
        for u in days.updates.filter(expected_on__isnull=False).order_by("happened_on")
    ]
    assert [p[:3] for p in plans] == [
        (d(2023, 4, 10), d(2023, 12, 31), "plan"),
        (d(2023, 12, 1), d(2024, 12, 31), "plan"),
    ]
    assert plans[1][3] == "https://en.trend.az/azerbaijan/society/3831835.html"
    assert "Balayeva" in days.updates.get(happened_on=d(2023, 12, 1)).stated_by
    assert (days.due_on, days.due_precision, days.due_kind) == (
        d(2024, 12, 31),
        "year",
        "plan",
    )
    held = days.updates.get(status_after="done")
    assert held.confidence == Confidence.REPORTED
    assert held.source.url == "https://en.vestikavkaza.ru/material/170644"
    assert "24 to 26 September" in held.text
    assert "23 to 26 September" in held.text
    held_sources = {
        c.source.url: c.confidence
        for c in days.citations.filter(claim__startswith="held")
    }
    assert held_sources == {
        "https://en.vestikavkaza.ru/material/170644": "confirmed",
        SILK_WAY_TV: "confirmed",
    }
    # the announcements support the schedule, not the holding
    assert set(
        days.citations.filter(claim__startswith="scheduled").values_list(
            "source__url", "confidence"
        )
    ) == {
        (
            "https://report.az/en/amp/cultural-policy/astana-to-host-azerbaijani-"
            "culture-days",
            "reported",
        ),
        ("https://ortcom.kz/ru/deyatelnost-pravitelstva/1727095671", "reported"),
    }
    # held after the first plan (2023), within the second (2024)
    assert days.completed_on > d(2023, 12, 31)
    assert days.completed_on <= days.due_on


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
    assert "opened the same day" in street.description
    # announced in August 2022, before the statement was signed
    assert "24 August 2022" in centre.description
    assert set(
        centre.citations.filter(source__url__contains="inform.kz").values_list(
            "confidence", flat=True
        )
    ) == {"confirmed"}
    assert centre.citations.filter(source__url__contains="a3970672").exists()
    # neither opening has a date on record
    for opening in (centre, street):
        assert (opening.due_on, opening.due_kind) == (None, "")


def test_the_fibre_line_is_in_progress_and_expected_by_a_forecast(loaded):
    line = action("launch-trans-caspian-fibre-optic-line")
    assert line.document.slug == FIBRE
    assert line.basis == Basis.REPORTED
    assert "reported commitment" in line.description
    assert (line.status, line.due_on, line.completed_on) == (
        "in_progress",
        d(2026, 12, 31),
        None,
    )
    assert (line.due_precision, line.due_kind) == ("year", DateKind.FORECAST)
    assert line.due_display == "the end of 2026"
    assert set(line.responsible_bodies.values_list("slug", flat=True)) == {
        "kazakhtelecom",
        "azertelecom",
    }
    commitment = line.citations.get(claim="the line this memorandum is about")
    assert "kazakhtelecom-azertelecom-to-install" in commitment.source.url
    # report.az stays, for the statement its dated update takes from Qazinform
    madiyev = line.citations.get(source__url__contains="expected-in-3q26")
    assert madiyev.claim.startswith("Minister Madiyev, 26 December 2025")
    assert not line.citations.filter(
        source__url="https://www.trend.az/business/transport/4077608.html"
    ).exists()


def test_the_fibre_milestones_keep_their_dates_as_precise_as_the_sources(loaded):
    milestones = [
        (u.happened_on, u.date_precision, u.happened_on_display, u.action_id is None)
        for u in ProgressUpdate.objects.filter(document__slug=FIBRE).order_by(
            "happened_on"
        )
    ]
    assert milestones == [
        (d(2023, 1, 1), "month", "January 2023", True),
        (d(2023, 6, 22), "day", "22 June 2023", False),
        (d(2023, 8, 23), "day", "23 August 2023", False),
        (d(2024, 9, 2), "day", "2 September 2024", False),
        (d(2025, 3, 3), "day", "3 March 2025", False),
        (d(2025, 5, 23), "day", "23 May 2025", False),
        (d(2025, 8, 6), "day", "6 August 2025", False),
        (d(2025, 11, 17), "day", "17 November 2025", False),
        (d(2025, 12, 26), "day", "26 December 2025", False),
        (d(2026, 1, 6), "day", "6 January 2026", False),
        (d(2026, 2, 11), "day", "11 February 2026", False),
    ]
    january = ProgressUpdate.objects.get(
        document__slug=FIBRE, happened_on=d(2023, 1, 1)
    )
    assert "day not reported" in january.text
    assert january.source.url == "https://en.trend.az/business/3693579.html"
    june = ProgressUpdate.objects.get(document__slug=FIBRE, happened_on=d(2023, 6, 22))
    assert june.source.url == "https://www.azernews.az/nation/211416.html"
    agreement = ProgressUpdate.objects.get(
        document__slug=FIBRE, happened_on=d(2025, 3, 3)
    )
    assert agreement.source.url == (
        "https://astanatimes.com/2025/03/kazakhstan-azerbaijan-sign-agreement-for-"
        "underwater-fiber-optic-communication-line/"
    )
    assert agreement.status_before == agreement.status_after == "in_progress"


def test_the_fibre_line_is_never_overdue_against_a_forecast(loaded):
    line = action("launch-trans-caspian-fibre-optic-line")
    for today in (d(2026, 11, 27), d(2027, 1, 1), d(2027, 6, 1)):
        assert not Action.objects.overdue(today).exists(), today
    assert not Action.objects.forecast_passed(d(2026, 12, 31)).exists()
    assert list(Action.objects.forecast_passed(d(2027, 1, 1))) == [line]
    flags = Action.objects.with_flags(today=d(2027, 6, 1)).get(pk=line.pk)
    assert (flags.is_overdue, flags.is_forecast_passed) == (False, True)
    # nothing is overdue, and nothing due within 30 days of 27 November 2026
    digests = reminders.build_reminders(
        today=d(2026, 11, 27), staff_email="staff@example.org"
    )
    assert digests == []


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
            2026, 12, 31
        ),
        "az-kz-2022-comprehensive-program-2022-2026.end@register.example.org": d(
            2026, 12, 31
        ),
        "az-kz-2024-action-plan-culture-2024-2025.end@register.example.org": d(
            2025, 12, 31
        ),
    }
