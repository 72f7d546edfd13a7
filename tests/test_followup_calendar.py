"""The follow-up calendar: RFC 5545, read back with the icalendar package."""

import datetime

import icalendar
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agreements.followup import calendar as followup
from agreements.models import Action, Document
from tests.factories import (
    ActionFactory,
    BodyFactory,
    DocumentFactory,
    PartyFactory,
    bilateral_document,
)

pytestmark = pytest.mark.django_db

BASE = "https://register.example.org"
SIGNED = datetime.date(2023, 4, 10)


def events(data):
    calendar = icalendar.Calendar.from_ical(data)
    return {str(event["uid"]): event for event in calendar.walk("VEVENT")}


def build(**kwargs):
    return followup.build_calendar(base_url=BASE, **kwargs)


@pytest.fixture
def protocol():
    document = bilateral_document(
        title="Protocol on the Council",
        slug="protocol",
        signed_on=SIGNED,
        entered_into_force_on=datetime.date(2023, 5, 10),
        valid_until=datetime.date(2028, 5, 9),
        validity_note="For five years (Article 9).",
    )
    ActionFactory(
        document=document,
        slug="first-meeting",
        title="Hold the first meeting",
        due_on=datetime.date(2024, 4, 10),
        clause="Article 3",
        focal_person="Private Person",
        contact_email="private@ministry.example.org",
    )
    return document


def test_the_calendar_is_rfc_5545_with_a_name(protocol):
    calendar = icalendar.Calendar.from_ical(build())
    assert calendar["version"] == "2.0"
    assert "Follow-up calendar" in str(calendar["prodid"])
    assert str(calendar["x-wr-calname"]) == followup.CALENDAR_NAME
    assert build().startswith(b"BEGIN:VCALENDAR\r\n")


def test_an_open_action_deadline_is_an_all_day_event(protocol):
    event = events(build())["protocol.first-meeting.due@register.example.org"]
    assert event.decoded("dtstart") == datetime.date(2024, 4, 10)
    assert event.decoded("dtend") == datetime.date(2024, 4, 11)
    assert str(event["summary"]) == "Due: Hold the first meeting"
    assert "Document: Protocol on the Council" in str(event["description"])
    assert "Clause: Article 3" in str(event["description"])
    assert str(event["url"]) == f"{BASE}/agreements/protocol/#action-first-meeting"
    action = protocol.actions.get()
    assert event.decoded("dtstamp") == action.updated_at.replace(microsecond=0)


def test_contact_details_stay_out_of_the_public_calendar(protocol):
    data = build()
    assert b"Private Person" not in data
    assert b"private@ministry" not in data


def test_entry_into_force_and_expiry_are_events(protocol):
    found = events(build())
    force = found["protocol.entry-into-force@register.example.org"]
    assert force.decoded("dtstart") == datetime.date(2023, 5, 10)
    assert str(force["summary"]) == "Entry into force: Protocol on the Council"
    end = found["protocol.end@register.example.org"]
    assert end.decoded("dtstart") == datetime.date(2028, 5, 9)
    assert str(end["summary"]) == "Validity ends: Protocol on the Council"
    assert "For five years (Article 9)." in str(end["description"])
    assert str(end["url"]) == f"{BASE}/agreements/protocol/"


def test_an_actual_end_date_wins_over_the_expected_expiry(protocol):
    protocol.ended_on = datetime.date(2025, 1, 1)
    protocol.save()
    end = events(build())["protocol.end@register.example.org"]
    assert end.decoded("dtstart") == datetime.date(2025, 1, 1)
    assert str(end["summary"]) == "End: Protocol on the Council"


def test_done_cancelled_and_undated_actions_are_left_out(protocol):
    ActionFactory(document=protocol, slug="done", done=True)
    ActionFactory(document=protocol, slug="cancelled", status=Action.Status.CANCELLED)
    ActionFactory(document=protocol, slug="undated", due_on=None)
    ActionFactory(document=protocol, slug="blocked", status=Action.Status.BLOCKED)
    uids = set(events(build()))
    assert "protocol.blocked.due@register.example.org" in uids
    for slug in ("done", "cancelled", "undated"):
        assert f"protocol.{slug}.due@register.example.org" not in uids


def test_unpublished_documents_are_left_out(protocol):
    Document.objects.filter(pk=protocol.pk).update(is_published=False)
    assert events(build()) == {}


def test_uids_stay_the_same_from_one_build_to_the_next(protocol):
    assert build() == build()
    ActionFactory(document=protocol, slug="second-meeting")
    assert set(events(build())) > {"protocol.first-meeting.due@register.example.org"}


def test_the_calendar_filters_by_a_party_from_each_country(protocol):
    other = bilateral_document(slug="kz-uz", countries=("KZ", "UZ"))
    ActionFactory(document=other, slug="meeting")
    assert set(events(build(country_codes=["KZ"]))) >= {
        "protocol.first-meeting.due@register.example.org",
        "kz-uz.meeting.due@register.example.org",
    }
    both = set(events(build(country_codes=["KZ", "AZ"])))
    assert "kz-uz.meeting.due@register.example.org" not in both
    assert "protocol.first-meeting.due@register.example.org" in both
    assert "protocol.entry-into-force@register.example.org" in both


def test_the_calendar_filters_by_a_party_or_responsible_body(protocol):
    party = protocol.parties.first().body
    responsible = BodyFactory()
    other = DocumentFactory(slug="other", entered_into_force_on=SIGNED)
    ActionFactory(document=other, slug="meeting", responsible_bodies=[responsible])
    as_party = set(events(build(body_slugs=[party.slug])))
    assert as_party == {
        "protocol.first-meeting.due@register.example.org",
        "protocol.entry-into-force@register.example.org",
        "protocol.end@register.example.org",
    }
    as_responsible = set(events(build(body_slugs=[responsible.slug])))
    assert as_responsible == {
        "other.meeting.due@register.example.org",
        "other.entry-into-force@register.example.org",
    }


def test_the_calendar_takes_the_querysets_it_is_given(protocol):
    other = DocumentFactory(slug="other", entered_into_force_on=SIGNED)
    only = build(
        actions=Action.objects.none(), documents=Document.objects.filter(pk=other.pk)
    )
    assert set(events(only)) == {"other.entry-into-force@register.example.org"}


def test_a_limited_calendar_keeps_the_dates_nearest_today(protocol):
    # protocol: in force 2023-05-10, first meeting due 2024-04-10, ends 2028-05-09
    other = bilateral_document(
        slug="other", signed_on=SIGNED, entered_into_force_on=datetime.date(2024, 5, 1)
    )
    ActionFactory(document=other, slug="late", due_on=datetime.date(2024, 3, 1))
    ActionFactory(
        document=other, slug="done", due_on=datetime.date(2024, 4, 9), done=True
    )
    near = set(events(build(limit=3, today=datetime.date(2024, 4, 12))))
    assert near == {
        "protocol.first-meeting.due@register.example.org",  # 2 days before
        "other.entry-into-force@register.example.org",  # 19 days after
        "other.late.due@register.example.org",  # 42 days before
    }
    everything = set(events(build(limit=10, today=datetime.date(2024, 4, 12))))
    assert everything == set(events(build()))
    assert len(everything) == 5


def test_a_limited_calendar_takes_fifteen_queries_whatever_its_size(
    protocol, django_assert_num_queries
):
    for _ in range(10):
        document = bilateral_document(entered_into_force_on=SIGNED)
        ActionFactory.create_batch(3, document=document)
    # keeps the feed free of N+1 queries: each kind of date on each side of today
    # (actions one status at a time), then the actions, their bodies, the documents
    with django_assert_num_queries(15):
        data = build(country_codes=["KZ"], limit=20, today=SIGNED)
    assert len(events(data)) == 20


def test_the_calendar_takes_three_queries_whatever_its_size(
    protocol, django_assert_num_queries
):
    for _ in range(10):
        document = bilateral_document(entered_into_force_on=SIGNED)
        PartyFactory(document=document)
        ActionFactory.create_batch(3, document=document)
    # keeps the feed free of N+1 queries
    with django_assert_num_queries(3):
        data = build(country_codes=["KZ"], body_slugs=[])
    assert len(events(data)) == 3 + 10 * 4


def test_control_characters_never_reach_the_calendar(protocol):
    # RFC 5545 text holds no control character but the tab; a lone carriage
    # return would even end the line early (NUL: SQLite stores it, PostgreSQL not)
    assert followup._ical_text("a\x00b\r\nc\rd\te\x7f") == "ab\nc\nd\te"
    Document.objects.filter(pk=protocol.pk).update(
        title="Protocol\x01 on\x1b the\rCouncil",
        validity_note="Five\r\nyears\x07",
    )
    Action.objects.filter(document=protocol).update(
        title="Hold\x02 the\x0bfirst\tmeeting", clause="Art.\x7f 3"
    )
    data = build()
    lines = data.split(b"\r\n")
    assert all(
        not any(byte < 0x20 and byte != 0x09 or byte == 0x7F for byte in line)
        for line in lines
    ), data
    found = events(data)
    due = found["protocol.first-meeting.due@register.example.org"]
    assert str(due["summary"]) == "Due: Hold thefirst\tmeeting"
    assert "Document: Protocol on the\nCouncil" in str(due["description"])
    assert "Clause: Art. 3" in str(due["description"])
    end = found["protocol.end@register.example.org"]
    assert str(end["description"]).endswith("Five\nyears")


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL's plans (SQLite: no change)"
)
def test_the_nearest_validity_ends_are_read_in_index_order(protocol):
    # the (ended_on, valid_until) index gives the order, so PostgreSQL stops after
    # the nearest: no full sort of every document with a validity (50 ms at 100,000)
    with CaptureQueriesContext(connection) as queries:
        build(limit=500, today=datetime.date(2026, 1, 1))
    # the two queries that read (valid_until, pk) alone; the order of the columns
    # in the SQL may vary (modeltranslation collects the values' names in a set)
    validity = [
        q["sql"]
        for q in queries
        if sorted(q["sql"].split(" FROM ")[0].removeprefix("SELECT ").split(", "))
        == [
            '"agreements_document"."id" AS "pk"',
            '"agreements_document"."valid_until" AS "valid_until"',
        ]
    ]
    assert len(validity) == 2
    with connection.cursor() as cursor:
        # as on a big register: no reading the table whole
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        # a full sort only when nothing else gives the order
        cursor.execute("SET LOCAL enable_sort = off")
        for sql in validity:
            cursor.execute(f"EXPLAIN (COSTS OFF) {sql}")
            plan = [row[0].strip().removeprefix("->").strip() for row in cursor]
            assert any("agreements_doc_end" in line for line in plan), plan
            assert "Sort" not in plan, plan  # an "Incremental Sort" at most
