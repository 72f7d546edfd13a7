"""The public follow-up pages: the dashboard, the calendar feed and the follow-up block
of a document's page."""

import datetime
from http import HTTPStatus

import icalendar
import pytest
from django.core.cache import cache
from django.template.loader import render_to_string
from django.urls import reverse

from agreements.followup import views as followup_views
from agreements.followup.selectors import document_followup
from agreements.models import Action, DateKind, Document
from tests.factories import (
    ActionFactory,
    BodyFactory,
    DocumentFactory,
    EventFactory,
    ProgressUpdateFactory,
    SourceFactory,
    bilateral_document,
)

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 2)
SIGNED = datetime.date(2023, 4, 10)
DASHBOARD = "/follow-up/"
CALENDAR = "/follow-up/calendar.ics"
SCRIPT = "<script>alert(1)</script>"


@pytest.fixture(autouse=True)
def frozen_today(monkeypatch):
    monkeypatch.setattr(followup_views, "today", lambda: TODAY)
    # the footer's last change is cached on the data; start each test afresh
    cache.clear()
    yield TODAY
    cache.clear()


def overdue_action(**kwargs):
    kwargs.setdefault("document", bilateral_document(signed_on=SIGNED))
    return ActionFactory(due_on=TODAY - datetime.timedelta(days=20), **kwargs)


def forecast_passed_action(**kwargs):
    kwargs.setdefault("document", bilateral_document(signed_on=SIGNED))
    return ActionFactory(
        due_on=TODAY - datetime.timedelta(days=20),
        due_kind=DateKind.FORECAST,
        **kwargs,
    )


def due_soon_action(**kwargs):
    kwargs.setdefault("document", bilateral_document(signed_on=SIGNED))
    return ActionFactory(due_on=TODAY + datetime.timedelta(days=10), **kwargs)


def render_block(document):
    """The document page's follow-up block, as the document view renders it."""
    return render_to_string(
        "includes/followup_document.html",
        {"followup": document_followup(document, today=TODAY)},
    )


def calendar_uids(response):
    calendar = icalendar.Calendar.from_ical(response.content)
    return {str(event["uid"]) for event in calendar.walk("VEVENT")}


# --- URLs -----------------------------------------------------------------------------


def test_url_names_and_paths_round_trip():
    assert reverse("followup:followup-dashboard") == DASHBOARD
    assert reverse("followup:followup-calendar") == CALENDAR


# --- Dashboard ------------------------------------------------------------------------


def test_dashboard_has_one_h1_and_breadcrumbs_home(client):
    response = client.get(DASHBOARD)
    assert response.status_code == HTTPStatus.OK
    content = response.content.decode()
    assert content.count("<h1") == 1
    assert 'aria-label="Breadcrumb"' in content
    assert f'href="{reverse("agreements:home")}">Home</a>' in content


def test_dashboard_lists_overdue_and_due_soon_actions_by_body_and_country(client):
    ministry = BodyFactory(name="Ministry of Transport")
    late = overdue_action(
        title="Open the border crossing", responsible_bodies=[ministry]
    )
    soon = due_soon_action(title="Sign the transit protocol")

    response = client.get(DASHBOARD)

    overdue = response.context["overdue"]
    due_soon = response.context["due_soon"]
    assert overdue["actions"] == [late]
    assert due_soon["actions"] == [soon]
    assert [body for body, _ in overdue["by_body"]] == [ministry]
    assert {country.code for country, _ in overdue["by_country"]} == {"KZ", "AZ"}
    content = response.content.decode()
    assert "Open the border crossing" in content
    assert "Sign the transit protocol" in content
    assert "Ministry of Transport" in content
    assert "Kazakhstan" in content
    assert "Overdue</strong>" in content
    assert "Due soon</strong>" in content


def test_dashboard_leaves_out_actions_done_or_beyond_30_days(client):
    overdue_action(title="Already done", done=True)
    ActionFactory(
        title="Next year",
        due_on=TODAY + datetime.timedelta(days=31),
        document=(bilateral_document(signed_on=SIGNED)),
    )
    response = client.get(DASHBOARD)
    assert response.context["overdue"]["total"] == 0
    assert response.context["due_soon"]["total"] == 0
    assert "Already done" not in response.content.decode()
    assert "Next year" not in response.content.decode()


def test_dashboard_hides_actions_of_unpublished_documents(client):
    hidden = bilateral_document(signed_on=SIGNED, is_published=False)
    overdue_action(title="Secret overdue action", document=hidden)
    due_soon_action(title="Secret due-soon action", document=hidden)
    response = client.get(DASHBOARD)
    content = response.content.decode()
    assert "Secret overdue action" not in content
    assert "Secret due-soon action" not in content
    assert "No published action is overdue." in content


def test_dashboard_never_shows_focal_persons_or_contact_emails(client):
    overdue_action(focal_person="Aigerim Focal", contact_email="aigerim@example.org")
    content = client.get(DASHBOARD).content.decode()
    assert "Aigerim Focal" not in content
    assert "aigerim@example.org" not in content


def test_dashboard_caps_each_list_and_counts_the_rest(client, monkeypatch):
    monkeypatch.setattr(followup_views.FollowUpDashboardView, "list_limit", 2)
    document = bilateral_document(signed_on=SIGNED)
    body = BodyFactory()
    for _ in range(5):
        overdue_action(document=document, responsible_bodies=[body])
    response = client.get(DASHBOARD)
    assert len(response.context["overdue"]["actions"]) == 2
    assert "the first 2 are listed, and 3 more" in response.content.decode()


def test_dashboard_shows_event_progress_in_words_and_a_bar(client):
    event = EventFactory(title="Official visit of 10 April 2023", date=SIGNED)
    document = bilateral_document(signed_on=SIGNED, event=event)
    ActionFactory(document=document, done=True)
    ActionFactory(document=document)
    ActionFactory(document=document, status=Action.Status.CANCELLED)
    hidden = bilateral_document(signed_on=SIGNED, event=event, is_published=False)
    ActionFactory(document=hidden)

    content = client.get(DASHBOARD).content.decode()

    assert "Official visit of 10 April 2023" in content
    assert "1 of 2 actions done" in content
    assert '<progress value="1" max="2"' in content


def test_dashboard_lists_documents_whose_validity_ends_within_180_days(client):
    bilateral_document(
        title="Comprehensive Programme 2022-2026",
        signed_on=datetime.date(2022, 1, 20),
        valid_until=datetime.date(2026, 12, 31),
    )
    bilateral_document(title="Later programme", valid_until=datetime.date(2027, 6, 1))
    bilateral_document(title="Lapsed programme", valid_until=datetime.date(2026, 11, 1))
    bilateral_document(
        title="Hidden programme",
        valid_until=datetime.date(2026, 12, 1),
        is_published=False,
    )
    response = client.get(DASHBOARD)
    assert [d.title for d in response.context["ending"]["documents"]] == [
        "Comprehensive Programme 2022-2026"
    ]
    assert "31 December 2026" in response.content.decode()


def test_dashboard_lists_stale_documents(client):
    bilateral_document(
        title="Quiet memorandum",
        signed_on=SIGNED,
        follow_up_status=Document.FollowUpStatus.IN_PROGRESS,
    )
    busy = bilateral_document(
        title="Busy memorandum",
        signed_on=SIGNED,
        follow_up_status=Document.FollowUpStatus.IN_PROGRESS,
    )
    ProgressUpdateFactory(document=busy, happened_on=TODAY - datetime.timedelta(days=5))
    response = client.get(DASHBOARD)
    assert [d.title for d in response.context["stale"]["documents"]] == [
        "Quiet memorandum"
    ]


def test_dashboard_escapes_action_titles(client):
    overdue_action(title=SCRIPT)
    content = client.get(DASHBOARD).content.decode()
    assert SCRIPT not in content
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in content


@pytest.mark.parametrize("n", [1, 20])
def test_dashboard_queries_stay_constant(client, django_assert_max_num_queries, n):
    # keeps the page free of N+1 queries
    event = EventFactory()
    for _ in range(n):
        document = bilateral_document(
            signed_on=SIGNED,
            event=event,
            valid_until=TODAY + datetime.timedelta(days=60),
            follow_up_status=Document.FollowUpStatus.IN_PROGRESS,
        )
        overdue_action(
            document=document, responsible_bodies=BodyFactory.create_batch(2)
        )
        due_soon_action(document=document)
        forecast_passed_action(document=document)
        EventFactory()
    # cold: the register generation, its last change, and the lists (four queries
    # for each of three lists of actions, two for events, two for each list of
    # documents)
    with django_assert_max_num_queries(20):
        assert client.get(DASHBOARD).status_code == HTTPStatus.OK
    # warm: the lists come from the cache until the register changes
    with django_assert_max_num_queries(1):
        assert client.get(DASHBOARD).status_code == HTTPStatus.OK


def test_dashboard_lists_are_computed_again_after_a_change(client):
    overdue_action(title="Open the border crossing")
    assert "Open the border crossing" in client.get(DASHBOARD).content.decode()
    overdue_action(title="Build the bridge")
    content = client.get(DASHBOARD).content.decode()
    assert "Open the border crossing" in content
    assert "Build the bridge" in content
    assert "Overdue: deadlines and plans passed (2)" in content


def test_dashboard_lists_are_computed_again_the_next_day(client, monkeypatch):
    due_soon_action(title="Sign the transit protocol")  # due in 10 days
    assert "Due soon</strong>" in client.get(DASHBOARD).content.decode()
    later = TODAY + datetime.timedelta(days=11)
    monkeypatch.setattr(followup_views, "today", lambda: later)
    content = client.get(DASHBOARD).content.decode()
    assert "Overdue: deadlines and plans passed (1)" in content
    assert "Due soon</strong>" not in content


# --- Calendar -------------------------------------------------------------------------


@pytest.fixture
def two_deadlines():
    kz_az = bilateral_document(slug="kz-az", signed_on=SIGNED, countries=("KZ", "AZ"))
    kz_uz = bilateral_document(slug="kz-uz", signed_on=SIGNED, countries=("KZ", "UZ"))
    transport = BodyFactory(slug="transport")
    ActionFactory(document=kz_az, slug="bridge", responsible_bodies=[transport])
    ActionFactory(document=kz_uz, slug="railway")
    return kz_az, kz_uz


def test_calendar_is_an_inline_icalendar_feed_of_published_deadlines(
    client, two_deadlines
):
    hidden = bilateral_document(slug="hidden", signed_on=SIGNED, is_published=False)
    ActionFactory(document=hidden, slug="secret")
    response = client.get(CALENDAR)
    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert (
        response["Content-Disposition"] == 'inline; filename="register-follow-up.ics"'
    )
    uids = calendar_uids(response)
    assert uids == {
        "kz-az.bridge.due@testserver",
        "kz-uz.railway.due@testserver",
    }
    calendar = icalendar.Calendar.from_ical(response.content)
    urls = {str(event["url"]) for event in calendar.walk("VEVENT")}
    assert "http://testserver/agreements/kz-az/#action-bridge" in urls


def test_calendar_filters_by_country(client, two_deadlines):
    response = client.get(CALENDAR, {"country": "uz"})
    assert calendar_uids(response) == {"kz-uz.railway.due@testserver"}
    response = client.get(CALENDAR, {"country": ["KZ", "AZ"]})
    assert calendar_uids(response) == {"kz-az.bridge.due@testserver"}


def test_calendar_filters_by_body(client, two_deadlines):
    response = client.get(CALENDAR, {"body": "transport"})
    assert calendar_uids(response) == {"kz-az.bridge.due@testserver"}


@pytest.mark.parametrize(
    "params",
    [{"country": "ZZ"}, {"body": "no-such-body"}, {"country": "kz", "body": "x"}],
)
def test_calendar_with_unknown_codes_or_slugs_is_empty(client, two_deadlines, params):
    response = client.get(CALENDAR, params)
    assert response.status_code == HTTPStatus.OK
    assert calendar_uids(response) == set()


@pytest.mark.parametrize(
    "query",
    [
        "country=KAZ",
        "country=",
        "country=K%00",
        "body=%00",
        "body=transport%00",
        "body=" + "a" * 500,
        "body=%3Cscript%3E",
        "country=%E2%82%AC%E2%82%AC",
        "&".join(f"country=K{c}" for c in "ABCDEFGHIJKL"),
    ],
)
def test_calendar_refuses_malformed_filters_with_a_message(client, query):
    response = client.get(f"{CALENDAR}?{query}")
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response["Content-Type"].startswith("text/plain")
    assert b"<script>" not in response.content
    assert response.content


def test_calendar_answers_only_get(client):
    assert client.post(CALENDAR).status_code == HTTPStatus.METHOD_NOT_ALLOWED


@pytest.mark.parametrize("n", [1, 20])
def test_calendar_queries_stay_constant(client, django_assert_max_num_queries, n):
    # keeps the feed free of N+1 queries
    for _ in range(n):
        document = bilateral_document(
            signed_on=SIGNED, valid_until=TODAY + datetime.timedelta(days=60)
        )
        ActionFactory(document=document, responsible_bodies=BodyFactory.create_batch(2))
    # the nearest dates of each kind on each side of today, then the records
    with django_assert_max_num_queries(15):
        response = client.get(CALENDAR, {"country": "KZ"})
    assert len(calendar_uids(response)) == 2 * n


def test_calendar_holds_the_dates_nearest_today(client, monkeypatch):
    monkeypatch.setattr(followup_views, "CALENDAR_LIMIT", 3)
    document = bilateral_document(slug="plan", signed_on=SIGNED)
    for days in (-400, -30, 5, 60, 900):
        ActionFactory(
            document=document,
            slug=f"in-{days}",
            due_on=TODAY + datetime.timedelta(days=days),
        )
    assert calendar_uids(client.get(CALENDAR)) == {
        "plan.in--30.due@testserver",
        "plan.in-5.due@testserver",
        "plan.in-60.due@testserver",
    }


# --- Document page block --------------------------------------------------------------


@pytest.fixture
def followed_document():
    document = bilateral_document(title="Road map", signed_on=SIGNED)
    transport = BodyFactory(name="Ministry of Transport")
    late = ActionFactory(
        document=document,
        slug="bridge",
        title="Build the bridge",
        responsible_bodies=[transport],
        due_on=TODAY - datetime.timedelta(days=3),
        focal_person="Aigerim Focal",
        contact_email="aigerim@example.org",
    )
    ActionFactory(
        document=document,
        title="Open the consulate",
        due_on=TODAY + datetime.timedelta(days=5),
    )
    ActionFactory(document=document, title="Exchange letters", done=True)
    ProgressUpdateFactory(
        action=late,
        title="Tender announced",
        happened_on=datetime.date(2024, 3, 1),
        date_precision="month",
        source=SourceFactory(publisher="Kazinform"),
        confidence="reported",
    )
    ProgressUpdateFactory(
        document=document,
        title="Working group met",
        happened_on=datetime.date(2025, 6, 15),
        status_before=Document.FollowUpStatus.NOT_STARTED,
        status_after=Document.FollowUpStatus.IN_PROGRESS,
        confidence="confirmed",
    )
    return document


def test_block_shows_actions_with_bodies_due_dates_flags_and_progress(
    followed_document,
):
    html = render_block(followed_document)
    assert 'id="follow-up-heading">Follow-up</h2>' in html
    assert "1 of 3 actions done" in html
    assert '<progress id="follow-up-commitments-progress" value="1" max="3">' in html
    assert 'id="action-bridge"' in html
    assert "Build the bridge" in html
    assert "Ministry of Transport" in html
    assert "30 October 2026" in html
    assert "Overdue</strong>" in html
    assert "3 days late" in html
    assert "Due soon</strong>" in html
    assert "Planned</strong>" in html
    assert "Done</strong>" in html


def test_block_shows_the_timeline_newest_first_with_status_change_and_source(
    followed_document,
):
    html = render_block(followed_document)
    assert html.index("Working group met") < html.index("Tender announced")
    assert "March 2024" in html  # month precision: no day
    assert "15 June 2025" in html
    assert "not started → <strong>in progress</strong>" in html
    assert "planned → <strong>in progress</strong>" in html
    assert 'href="#action-bridge">Build the bridge</a>' in html
    assert ">Kazinform</a> (reported)" in html
    assert "(confirmed)" in html


def test_block_never_shows_focal_persons_or_contact_emails(followed_document):
    html = render_block(followed_document)
    assert "Aigerim Focal" not in html
    assert "aigerim@example.org" not in html


def test_block_renders_nothing_for_an_unpublished_document(followed_document):
    followed_document.is_published = False
    assert render_block(followed_document).strip() == ""


def test_block_says_when_nothing_is_recorded():
    html = render_block(bilateral_document())
    assert "No follow-up actions recorded." in html
    assert "No progress recorded yet." in html


def test_block_escapes_action_titles():
    document = bilateral_document(signed_on=SIGNED)
    action = ActionFactory(document=document, title=SCRIPT)
    ProgressUpdateFactory(action=action, title=SCRIPT, text=SCRIPT)
    html = render_block(document)
    assert SCRIPT not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


@pytest.mark.parametrize("n", [2, 50])
def test_block_queries_stay_constant(django_assert_max_num_queries, n):
    # keeps the page free of N+1 queries
    document = DocumentFactory(signed_on=SIGNED)
    source = SourceFactory()
    for _ in range(n):
        action = ActionFactory(
            document=document, responsible_bodies=BodyFactory.create_batch(2)
        )
        ProgressUpdateFactory.create_batch(2, action=action, source=source)
    # the actions, their bodies, their sources, the updates with their action and
    # source
    with django_assert_max_num_queries(4):
        followup = document_followup(document, today=TODAY)
    with django_assert_max_num_queries(0):
        html = render_to_string(
            "includes/followup_document.html", {"followup": followup}
        )
    assert html.count('<li class="followup__update"') == 2 * n


def test_block_says_how_soon_and_what_is_missing():
    document = bilateral_document(signed_on=SIGNED)
    ActionFactory(document=document, title="Due today", due_on=TODAY)
    ActionFactory(
        document=document, title="Due tomorrow", due_on=TODAY + datetime.timedelta(1)
    )
    undated = ActionFactory(
        document=document, title="Undated", clause="Article 3(2)", due_on=None
    )
    undated.responsible_bodies.clear()
    ActionFactory(document=document, status=Action.Status.CANCELLED)
    html = render_block(document)
    assert '<span class="hint">today</span>' in html
    assert '<span class="hint">in 1 day</span>' in html
    assert 'Undated <span class="secondary">(Article 3(2))</span>' in html
    assert '<span class="secondary">No date recorded</span>' in html
    assert '<span class="secondary">Not recorded</span>' in html
    assert "0 of 3 actions done" in html
    assert "Cancelled actions are not counted." in html


def test_block_shows_an_unchanged_status_and_a_missing_source():
    document = bilateral_document(signed_on=SIGNED)
    ProgressUpdateFactory(
        document=document,
        title="Still under way",
        status_before=Document.FollowUpStatus.IN_PROGRESS,
        status_after=Document.FollowUpStatus.IN_PROGRESS,
        source=None,
        confidence="inferred",
    )
    html = render_block(document)
    assert "Status unchanged: in progress" in html
    assert "No source recorded (inferred)." in html


def test_block_never_links_a_source_that_is_not_http():
    document = bilateral_document(signed_on=SIGNED)
    ProgressUpdateFactory(
        document=document,
        source=SourceFactory(url="javascript:alert(1)", publisher="Odd source"),
    )
    html = render_block(document)
    assert "javascript:" not in html
    assert "Source: Odd source (" in html
