"""Unpublished records never reach the public.

The register holds a draft document (with its actions, updates and relations to a
published document, both ways) and an unpublished event, each with words found
nowhere else. Every public URL (``PUBLIC_URLS``: each page, each ``?ordering=``,
each filter aimed at the draft, search, page numbers, the calendar, the sitemap)
must answer without any of those words, and the counts and figures must leave the
drafts out. A new page is one more line in ``PUBLIC_URLS``.
"""

import datetime
import re
import urllib.parse
from http import HTTPStatus

import icalendar
import pytest
from django.utils import timezone

from agreements.filters import FILTER_PARAMS, ORDERINGS
from agreements.models import Action, Document, Event
from agreements.sitemaps import SITEMAPS
from tests.factories import (
    ActionFactory,
    AttachmentFactory,
    BodyFactory,
    CountryFactory,
    DocumentFactory,
    DocumentIdentifierFactory,
    EventFactory,
    PartyFactory,
    PartyStepFactory,
    ProgressUpdateFactory,
    RelationFactory,
    TopicFactory,
    bilateral_document,
)

pytestmark = pytest.mark.django_db

SIGNED = datetime.date(2023, 4, 10)
#: The draft's signature: no published document is signed in 2019.
DRAFT_SIGNED = datetime.date(2019, 2, 13)
#: The draft is the most recently changed document of the register.
DRAFT_CHANGED = datetime.datetime(2031, 7, 19, 8, 30, tzinfo=datetime.UTC)
PUBLISHED_FILLERS = 25

#: Words of the unpublished records, found nowhere else.
SECRETS = (
    "Zanzibarian",  # the draft's title
    "zanzibarian-protocol",  # its slug
    "Flibbertigibbet",  # its summary
    "Grimblewort",  # its validity note
    "Plonkish",  # its overdue action
    "Snorkelwise",  # its action due soon
    "Wibblequest",  # its progress update
    "Yoinkwhistle",  # its party's step
    "Quuxwell",  # the unpublished event's title
    "quuxwell-summit",  # its slug
    "Blorptastic",  # the draft's official identifier
    "Quibblefrost",  # the text of the draft's file
    # the draft's dates, as pages, feeds and the sitemap write them
    "2031-07-19",
    "19 July 2031",
    "20310719",
    "2019-02-13",
    "13 February 2019",
    "13 Feb 2019",
)


@pytest.fixture
def register():
    """Published documents (two pages of the list) around one draft and one
    unpublished event."""
    today = timezone.localdate()
    kz, nz = CountryFactory(code="KZ"), CountryFactory(code="NZ")
    shared_body = BodyFactory(slug="body-shared", country=kz)
    secret_body = BodyFactory(slug="body-secret", country=nz)
    event = EventFactory(
        slug="visit", title="Visit to Astana", date=SIGNED, documents_reported=2
    )
    hidden_event = EventFactory(
        slug="quuxwell-summit",
        title="Quuxwell summit",
        date=datetime.date(2021, 6, 15),
        country=nz,
        is_published=False,
    )
    topic = TopicFactory(slug="draft-topic", name="draft topic")

    published = bilateral_document(
        slug="published-memorandum", title="Published memorandum", event=event
    )
    PartyFactory(document=published, body=shared_body, order=3)
    # a published document signed at an unpublished event
    at_hidden_event = bilateral_document(
        slug="signed-at-hidden-event",
        signed_on=hidden_event.date,
        event=hidden_event,
    )
    DocumentFactory.create_batch(PUBLISHED_FILLERS, signed_on=SIGNED)

    draft = DocumentFactory(
        slug="zanzibarian-protocol",
        title="Zanzibarian protocol on cooperation",
        summary="Flibbertigibbet cooperation.",
        kind=Document.Kind.PROTOCOL,
        legal_status=Document.LegalStatus.IN_FORCE,
        follow_up_status=Document.FollowUpStatus.IN_PROGRESS,
        signed_on=DRAFT_SIGNED,
        entered_into_force_on=DRAFT_SIGNED + datetime.timedelta(days=10),
        valid_until=today + datetime.timedelta(days=20),
        validity_note="Grimblewort clause",
        event=event,
        topics=[topic],
        is_published=False,
    )
    PartyFactory(document=draft, body=shared_body, order=1)
    secret_party = PartyFactory(document=draft, body=secret_body, order=2)
    # its party's steps: a ratification the register holds for staff only
    PartyStepFactory(
        party=secret_party,
        happened_on=DRAFT_SIGNED + datetime.timedelta(days=15),
        act_title="Yoinkwhistle ratification law",
    )
    RelationFactory(from_document=draft, to_document=published)
    RelationFactory(
        from_document=published, to_document=draft, kind="amends", note="see it"
    )
    ActionFactory(
        document=draft,
        title="Plonkish action",
        due_on=DRAFT_SIGNED + datetime.timedelta(days=30),
        responsible_bodies=[shared_body, secret_body],
    )
    ActionFactory(
        document=draft,
        title="Snorkelwise action",
        due_on=today + datetime.timedelta(days=5),
        responsible_bodies=[shared_body],
    )
    ProgressUpdateFactory(
        document=draft,
        title="Wibblequest reached",
        happened_on=DRAFT_SIGNED + datetime.timedelta(days=20),
    )
    # the published document's own follow-up: one action done, one overdue
    ActionFactory(document=published, done=True, responsible_bodies=[shared_body])
    ActionFactory(
        document=published,
        title="Visible overdue action",
        due_on=SIGNED + datetime.timedelta(days=60),
        responsible_bodies=[shared_body],
    )
    # the draft's identifier and file: neither searchable nor served
    DocumentIdentifierFactory(document=draft, value="Blorptastic-77")
    AttachmentFactory(
        pk=9001,
        document=draft,
        file__filename="zanzibarian.txt",
        file__data=b"Quibblefrost text.",
        extracted_text="Quibblefrost text.",
    )
    # the draft changed last of all (a leak would show in "last changed" dates)
    Document.objects.filter(pk=draft.pk).update(updated_at=DRAFT_CHANGED)
    Event.objects.filter(pk=hidden_event.pk).update(updated_at=DRAFT_CHANGED)
    Action.objects.filter(document=draft).update(updated_at=DRAFT_CHANGED)
    return {
        "published": published,
        "at_hidden_event": at_hidden_event,
        "draft": draft,
        "event": event,
        "published_count": Document.objects.published().count(),
    }


def assert_no_secret(url, response):
    """None of the drafts' words in the answer, except those the URL itself holds
    (a search box shows what was searched)."""
    asked = urllib.parse.unquote_plus(url).lower()
    content = response.content.decode()
    for secret in SECRETS:
        if secret.lower() in asked:
            continue
        assert secret.lower() not in content.lower(), f"{secret!r} in {url}"


#: Filters aimed at the draft: its kind, status, follow-up, topic, countries,
#: bodies, event, and date windows around its signature.
DRAFT_FILTERS = [
    "party_status=NZ:ratified",
    "party_status=KZ:not_ratified&party_status=NZ:ratified",
    "kind=protocol",
    "status=in_force",
    "follow_up=in_progress",
    "topic=draft-topic",
    "country=NZ",
    "country=KZ&country=NZ",
    "body=body-secret",
    "body=body-shared",
    "event=visit",
    "event=quuxwell-summit",
    "signed_after=2019-02-13&signed_before=2019-02-13",
    "signed_after=2019-01-01&signed_before=2019-12-31",
    "signed_before=2019-12-31",
    "signed_after=2019-02-13&signed_before=2022-01-01",
    "q=Zanzibarian",
    "q=zanzibarian",
    "q=Flibbertigibbet",
    "q=zanzibarian-protocol",
    "q=Plonkish",
    "q=Wibblequest",
    "q=Grimblewort",
    "q=Blorptastic",
    "q=Quibblefrost",
]


def test_the_draft_filters_cover_every_filter_of_the_list():
    used = {
        key for query in DRAFT_FILTERS for key, _value in urllib.parse.parse_qsl(query)
    }
    assert used == set(FILTER_PARAMS)


#: Every public URL; each must answer (200, or 404 where said) without a secret.
PUBLIC_URLS = [
    "/",
    "/agreements/",
    "/agreements/?page=2",
    "/agreements/?page=last",
    *(f"/agreements/?ordering={ordering}" for ordering in ORDERINGS),
    *(f"/agreements/?ordering={ordering}&page=2" for ordering in ORDERINGS),
    *(f"/agreements/?{query}" for query in DRAFT_FILTERS),
    *(
        f"/agreements/?{query}&ordering={ordering}"
        for query in ("kind=protocol", "country=NZ", "signed_before=2019-12-31")
        for ordering in ORDERINGS
    ),
    "/agreements/published-memorandum/",
    "/agreements/signed-at-hidden-event/",
    "/bodies/",
    "/bodies/?q=Zanzibarian",
    "/bodies/body-shared/",
    "/events/",
    "/events/visit/",
    "/countries/kz/",
    "/countries/nz/",
    "/follow-up/",
    "/follow-up/calendar.ics",
    "/follow-up/calendar.ics?country=NZ",
    "/follow-up/calendar.ics?body=body-secret",
    "/follow-up/calendar.ics?body=body-shared&country=KZ",
    "/sitemap.xml",
    *(f"/sitemap-{section}.xml" for section in SITEMAPS),
    "/robots.txt",
    "/data/",
    "/feeds/documents/",
    "/feeds/documents/?kind=protocol",
    "/feeds/documents/?body=body-shared",
    "/feeds/follow-up/",
    "/feeds/follow-up/?body=body-shared",
    "/agreements/published-memorandum/cite.ris",
    "/agreements/published-memorandum/cite.bib",
    "/agreements/signed-at-hidden-event/cite.bib",
    # the JSON API (agreements.api)
    "/api/v1/",
    "/api/v1/documents/",
    *(
        f"/api/v1/documents/?ordering={ordering}&page_size=100"
        for ordering in ORDERINGS
    ),
    "/api/v1/documents/published-memorandum/",
    "/api/v1/documents/signed-at-hidden-event/",
    "/api/v1/bodies/?page_size=100",
    "/api/v1/bodies/body-shared/",
    "/api/v1/events/?page_size=100",
    "/api/v1/events/visit/",
    "/api/v1/countries/kz/",
    "/api/v1/countries/nz/",
    "/api/v1/actions/?page_size=100",
    "/api/v1/actions/?country=NZ",
    "/api/v1/actions/?body=body-shared",
    "/api/v1/actions/?overdue=true",
    "/api/v1/actions/?status=planned&due_after=2019-01-01",
    "/api/v1/schema/",
]

#: Guessed addresses of the unpublished records, and pages past the last.
NOT_FOUND_URLS = [
    # a body that signed only drafts: its page would name the draft's counterparty
    "/bodies/body-secret/",
    "/agreements/zanzibarian-protocol/",
    "/agreements/ZANZIBARIAN-PROTOCOL/",
    "/agreements/zanzibarian-protocol",
    "/agreements/zanzibarian-protocol/?preview=1",
    "/events/quuxwell-summit/",
    "/events/quuxwell-summit",
    "/agreements/?page=3",
    "/agreements/?ordering=-updated&page=3",
    "/bodies/body-secret/?page=2",
    "/events/visit/?page=2",
    "/sitemap-documents.xml?p=999999",
    "/agreements/zanzibarian-protocol/cite.ris",
    "/agreements/zanzibarian-protocol/cite.bib",
    "/api/v1/documents/zanzibarian-protocol/",
    "/api/v1/documents/ZANZIBARIAN-PROTOCOL/",
    "/api/v1/events/quuxwell-summit/",
    "/api/v1/bodies/body-secret/",
    # the draft's file, by its address and under a published document's
    "/agreements/zanzibarian-protocol/texts/9001/zanzibarian.txt",
    "/agreements/published-memorandum/texts/9001/zanzibarian.txt",
]


@pytest.mark.parametrize("url", PUBLIC_URLS)
def test_public_pages_show_nothing_of_unpublished_records(client, register, url):
    response = client.get(url)
    assert response.status_code == HTTPStatus.OK
    assert_no_secret(url, response)


@pytest.mark.parametrize("url", NOT_FOUND_URLS)
def test_unpublished_records_cannot_be_reached_by_address(client, register, url):
    response = client.get(url, follow=True)
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert_no_secret(url, response)


@pytest.mark.parametrize("query", DRAFT_FILTERS)
def test_the_apis_filters_aimed_at_the_draft_show_nothing_of_it(
    client, register, query
):
    url = f"/api/v1/documents/?{query}&page_size=100"
    response = client.get(url)
    # a slug the public cannot see is a 400 naming the parameter
    assert response.status_code in (HTTPStatus.OK, HTTPStatus.BAD_REQUEST)
    assert_no_secret(url, response)


# --- Counts and figures ---------------------------------------------------------------


def listed(client, query=""):
    """Slugs the list shows on every page of ``query``, and the count it gives."""
    slugs, page = [], 1
    while True:
        response = client.get(f"/agreements/?{query}&page={page}")
        assert response.status_code == HTTPStatus.OK
        slugs += [row.slug for row in response.context["page_obj"].object_list]
        if not response.context["page_obj"].has_next():
            return slugs, response.context["paginator"].count
        page += 1


@pytest.mark.parametrize("ordering", ["", *ORDERINGS])
def test_every_ordering_lists_the_published_documents_only(client, register, ordering):
    slugs, count = listed(client, f"ordering={ordering}")
    published = set(Document.objects.published().values_list("slug", flat=True))
    assert count == register["published_count"] == len(published)
    assert sorted(slugs) == sorted(published)


@pytest.mark.parametrize("ordering", ["", *ORDERINGS])
def test_the_api_walks_the_published_documents_only(client, register, ordering):
    slugs, url = [], f"/api/v1/documents/?ordering={ordering}&page_size=7"
    while url:
        response = client.get(url)
        assert response.status_code == HTTPStatus.OK
        slugs += [row["slug"] for row in response.json()["results"]]
        url = response.json()["next"]
    published = set(Document.objects.published().values_list("slug", flat=True))
    assert sorted(slugs) == sorted(published)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("kind=protocol", []),
        ("status=in_force", []),
        ("topic=draft-topic", []),
        ("country=NZ", []),
        ("body=body-secret", []),
        ("body=body-shared", ["published-memorandum"]),
        ("event=visit", ["published-memorandum"]),
        ("signed_before=2019-12-31", []),
        ("signed_after=2019-01-01&signed_before=2019-12-31", []),
        ("q=Zanzibarian", []),
        ("q=Flibbertigibbet", []),
        ("q=Plonkish", []),
    ],
)
def test_filters_aimed_at_the_draft_find_only_published_documents(
    client, register, query, expected
):
    slugs, count = listed(client, query)
    assert slugs == expected
    assert count == len(expected)


def test_an_unpublished_event_is_not_a_filter(client, register):
    response = client.get("/agreements/?event=quuxwell-summit")
    assert 'id="id_event-error"' in response.content.decode()
    assert list(response.context["page_obj"].object_list) == []


def test_home_page_counts_published_documents_only(client, register):
    context = client.get("/").context
    assert context["total"] == register["published_count"]
    assert Document.Kind.PROTOCOL.label not in [
        str(label) for _value, label, _count in context["by_kind"]
    ]
    assert "zanzibarian-protocol" not in [d.slug for d in context["latest_documents"]]
    assert "quuxwell-summit" not in [e.slug for e in context["latest_events"]]


def test_related_documents_show_no_link_to_a_draft_either_way(client, register):
    response = client.get("/agreements/published-memorandum/")
    assert list(response.context["relations_from"]) == []
    assert list(response.context["relations_to"]) == []


def test_a_document_of_an_unpublished_event_does_not_name_it(client, register):
    response = client.get("/agreements/signed-at-hidden-event/")
    assert response.context["event"] is None


def test_body_pages_count_published_documents_only(client, register):
    shared = client.get("/bodies/body-shared/").context
    assert shared["paginator"].count == 1
    assert [row.slug for row in shared["documents"]] == ["published-memorandum"]
    assert client.get("/bodies/body-secret/").status_code == HTTPStatus.NOT_FOUND


def test_events_count_published_documents_only(client, register):
    context = client.get("/events/visit/").context
    assert context["reconciliation"] == {
        "reported": 2,
        "recorded": 1,
        "inferred": 0,
        "missing": 1,
    }
    assert [row.slug for row in context["documents"]] == ["published-memorandum"]
    events = client.get("/events/").context["events"]
    assert [event.slug for event in events] == ["visit"]
    assert events[0].documents_recorded == 1


def test_country_timelines_leave_drafts_out(client, register):
    nz = client.get("/countries/nz/").context
    assert (nz["document_total"], nz["event_total"]) == (0, 0)
    assert nz["timeline"] == []
    kz = client.get("/countries/kz/").context
    years = {row.get("year") for row in kz["timeline"]}
    assert 2019 not in years
    assert not any(row.get("gap") and row["first"] <= 2019 for row in kz["timeline"])
    assert (
        kz["document_total"]
        == Document.objects.published()
        .filter(parties__body__country__code="KZ")
        .distinct()
        .count()
    )
    # the visit held there; not the unpublished event where a KZ document was signed
    assert kz["event_total"] == 1


def field(item, name):
    """A row's value, whether the view gives model instances or plain rows."""
    return item[name] if isinstance(item, dict) else getattr(item, name)


def total(listing):
    """How many a dashboard list holds (its ``total`` when it is capped)."""
    return listing["total"] if isinstance(listing, dict) else len(listing)


def test_follow_up_figures_leave_drafts_out(client, register):
    context = client.get("/follow-up/").context
    assert [field(a, "title") for a in context["overdue"]["actions"]] == [
        "Visible overdue action"
    ]
    assert total(context["overdue"]) == 1
    assert total(context["due_soon"]) == 0
    assert total(context["ending"]) == 0
    assert total(context["stale"]) == 0
    (visit,) = [e for e in context["events"] if field(e, "title") == "Visit to Astana"]
    # the published document's two actions, one done; the draft's are not counted
    assert (field(visit, "actions_total"), field(visit, "actions_done")) == (2, 1)


def test_the_calendar_leaves_drafts_out(client, register):
    response = client.get("/follow-up/calendar.ics")
    events = icalendar.Calendar.from_ical(response.content).walk("VEVENT")
    uids = sorted(str(event["uid"]).split("@")[0] for event in events)
    published = register["published"]
    overdue = published.actions.get(title="Visible overdue action")
    assert uids == [f"{published.slug}.{overdue.slug}.due"]


def test_no_file_of_the_sitemap_names_a_draft(client, register):
    # every file, not just the first: PostgreSQL's ids (which choose the file) do
    # not start again at 1 for each test
    index = client.get("/sitemap.xml")
    assert_no_secret("/sitemap.xml", index)
    files = [
        urllib.parse.urlsplit(loc).path + "?" + urllib.parse.urlsplit(loc).query
        for loc in re.findall(r"<loc>([^<]+)</loc>", index.content.decode())
    ]
    assert len(files) >= len(SITEMAPS)
    for url in files:
        response = client.get(url)
        assert response.status_code == HTTPStatus.OK
        assert_no_secret(url, response)
        assert b"/bodies/body-secret/" not in response.content
        assert b"/countries/nz/" not in response.content


def test_the_footer_date_is_the_last_published_change(client, register):
    content = client.get("/agreements/").content.decode()
    latest = Document.objects.published().latest("updated_at").updated_at
    assert f'datetime="{latest:%Y-%m-%d}"' in content
