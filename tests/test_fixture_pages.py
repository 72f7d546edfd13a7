"""The public pages, the reminders and the calendar of the real fixtures claim no more
than the sources do: issue "Follow-up that claims no more than its sources"."""

import datetime
import re
from html import unescape

import icalendar
import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.utils.html import strip_tags

from agreements.followup import reminders
from agreements.followup import views as followup_views
from agreements.followup.calendar import build_calendar

pytestmark = pytest.mark.django_db

FIBRE = "/agreements/kazakhtelecom-azertelecom-2022-memorandum-trans-caspian-fibre/"
STATEMENT = "/agreements/kz-az-2023-joint-statement-of-the-presidents/"
PROTOCOL = "/agreements/kz-az-2023-protocol-supreme-interstate-council/"
AZERTAC = "/agreements/kz-az-2023-mou-tv-radio-complex-azertac/"
VISIT = "/events/aliyev-official-visit-astana-2023-04-10/"
#: the day this was written; and a day after the cable's "end of 2026" forecast
TODAY = datetime.date(2026, 12, 5)
LATER = datetime.date(2027, 2, 1)


@pytest.fixture
def loaded():
    call_command("loaddata", "kz_az_2023", "kz_az_2023_followup", verbosity=0)


@pytest.fixture
def on_day(monkeypatch):
    def set_day(day):
        monkeypatch.setattr(followup_views, "today", lambda: day)
        cache.clear()

    set_day(TODAY)
    yield set_day
    cache.clear()


def text(client, url):
    """The page's words, tags stripped and spaces folded."""
    response = client.get(url)
    assert response.status_code == 200, url
    return re.sub(r"\s+", " ", unescape(strip_tags(response.content.decode())))


def section(words, start, end=None):
    begin = words.index(start)
    return words[begin : words.index(end, begin) if end else None]


@pytest.mark.parametrize("day", [TODAY, LATER])
def test_the_cable_is_never_overdue_and_says_whose_date_it_is(
    client, loaded, on_day, day
):
    on_day(day)
    page = text(client, FIBRE)
    assert "Overdue" not in page
    assert "days late" not in page
    assert "Expected by the end of 2026 (forecast)" in page
    # the history of the dates, each with who gave it and when
    dates = section(page, "Dates given by the sources", "sources Confirmed")
    assert re.search(
        r"planned for the end of 2025 \(President Kassym-Jomart Tokayev, "
        r"address to the nation, 2 September 2024; MENAFN",
        dates,
    )
    assert re.search(
        r"expected by Q3 2026 \(forecast\) \(Zhaslan Madiyev, [^;]*, "
        r"26 December 2025; Qazinform",
        dates,
    )
    assert re.search(
        r"now: expected by the end of 2026 \(forecast\) \(President Ilham Aliyev, "
        r"11 February 2026; Report.az",
        dates,
    )
    if day == LATER:
        assert "Forecast date passed" in page
    else:
        assert "Forecast date passed" not in page


@pytest.mark.parametrize("day", [TODAY, LATER])
def test_the_dashboard_keeps_passed_forecasts_apart_from_overdue(
    client, loaded, on_day, day
):
    on_day(day)
    page = text(client, "/follow-up/")
    overdue = section(page, "Overdue: deadlines and plans passed", "Forecast dates")
    assert "Trans-Caspian" not in overdue
    assert "Overdue: deadlines and plans passed (0)" in page
    passed = section(page, "Forecast dates passed", "Due within")
    if day == LATER:
        assert "Launch the Trans-Caspian fibre-optic line" in passed
    else:
        assert "Launch the Trans-Caspian fibre-optic line" not in passed


def test_the_calendar_exports_the_cable_as_a_forecast_not_a_deadline(loaded):
    calendar = icalendar.Calendar.from_ical(
        build_calendar(base_url="https://register.example.org", today=LATER)
    )
    (cable,) = [
        event
        for event in calendar.walk("VEVENT")
        if "Trans-Caspian" in str(event["summary"])
    ]
    assert str(cable["summary"]).startswith("Expected (forecast): ")
    assert "Due:" not in str(cable["summary"])
    assert str(cable["categories"].cats[0]) == "forecast"
    assert "not a missed deadline" in str(cable["description"])


def test_reminders_word_the_cable_as_a_passed_forecast(loaded):
    (digest,) = reminders.build_reminders(today=LATER, staff_email="staff@example.org")
    assert digest.overdue == ()
    assert [a.slug for a in digest.forecast_passed] == [
        "launch-trans-caspian-fibre-optic-line"
    ]
    assert "(forecast date passed)" in digest.body
    assert "overdue)" not in digest.body


def test_the_joint_statement_commits_to_nothing_the_register_only_links(
    client, loaded, on_day
):
    page = text(client, STATEMENT)
    assert "What the document commits its parties to" not in page
    related = section(page, "Related follow-up, linked by the register")
    for title in (
        "Hold the Days of Kazakh Culture in Baku",
        "Hold the Days of Azerbaijani Culture in Astana",
        "Open the Kurmangazy Children's Creativity Center in Fuzuli",
        "Open Heydar Aliyev Street in Astana",
    ):
        assert title in related
    assert "4 of 4 actions done" in related
    # each action shows its description and the sources of its link
    assert "Linked by the register" in related
    assert "August 2022" in related
    assert "Supports:" in related


def test_signing_at_the_visit_is_confirmed_and_only_the_count_inferred(
    client, loaded, on_day
):
    for url in (PROTOCOL, STATEMENT, AZERTAC):
        page = text(client, url)
        claims = section(page, "Signed at this event:", "Legal status")
        assert claims.startswith("Signed at this event: Confirmed"), url
        assert "Counted among the 6 documents the sources report for it: Inferred" in (
            claims
        ), url
        assert "The sources do not list this document" not in page


def test_the_visit_says_its_reconciliation_rests_on_an_inference(
    client, loaded, on_day
):
    page = text(client, VISIT)
    assert "6 reported, 6 recorded, of which 3 by inference" in page
    assert "the match of the two numbers rests on it" in page


def test_the_country_timeline_says_none_recorded_not_none_signed(
    client, loaded, on_day
):
    page = text(client, "/countries/az/")
    assert "No documents" not in page
    assert "documents recorded" in page


def test_a_follow_up_status_with_no_source_is_shown_as_unknown(client, loaded, on_day):
    # the Protocol's "in progress" was never given by a sourced update
    page = text(client, PROTOCOL)
    assert "Follow-up: unknown" in page
    assert (
        "Follow-up Unknown Recorded as “in progress”, but no source is recorded for it."
    ) in page
    # the cable's status comes from a sourced update, and says since when
    page = text(client, FIBRE)
    assert "Follow-up: in progress" in page
    assert "Since January 2023: Kazakhtelecom and AzerTelecom agree" in page
