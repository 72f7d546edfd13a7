"""The public bodies, events and country pages."""

import datetime
from http import HTTPStatus

import pytest

from agreements import filters, views
from agreements.models import (
    Body,
    Confidence,
    Document,
)
from tests.factories import (
    BodyFactory,
    BodyNameFactory,
    CountryFactory,
    DocumentFactory,
    EventCitationFactory,
    EventFactory,
    PartyFactory,
    SourceFactory,
    bilateral_document,
)
from tests.test_views import (
    SIGNED,
    empty_cache,  # noqa: F401 (autouse fixture: applies here too)
    many_documents,
)

pytestmark = pytest.mark.django_db


# --- Bodies ---------------------------------------------------------------------------


def public(*bodies):
    """``bodies`` made public: each a party to one published document."""
    document = bilateral_document()
    for order, body in enumerate(bodies, start=3):
        PartyFactory(document=document, body=body, order=order)
    return bodies


def test_bodies_are_listed_grouped_by_country(client):
    public(
        BodyFactory(
            name="Ministry of Foreign Affairs of Azerbaijan",
            country=CountryFactory(code="AZ"),
        ),
        BodyFactory(
            name="Ministry of Foreign Affairs of Kazakhstan",
            country=CountryFactory(code="KZ"),
        ),
    )
    content = client.get("/bodies/").content.decode()
    azerbaijan = content.index('id="country-AZ"')
    kazakhstan = content.index('id="country-KZ"')
    assert azerbaijan < content.index("Ministry of Foreign Affairs of Azerbaijan")
    assert content.index("Ministry of Foreign Affairs of Azerbaijan") < kazakhstan


def test_bodies_search_matches_names_short_names_and_former_names_in_any_case(client):
    renamed = BodyFactory(name="Ministry of Trade and Integration")
    public(
        BodyFactory(
            name="Қазақстан Республикасының Сыртқы істер министрлігі", short_name="СІМ"
        ),
        renamed,
        BodyFactory(name="Azərbaycan Dövlət Teleqraf Agentliyi", short_name="AZƏRTAC"),
        BodyFactory(name="Unrelated chamber"),
    )
    BodyNameFactory(body=renamed, name="Ministry of National Economy")

    def names(query):
        response = client.get("/bodies/", {"q": query})
        return {body.name for body in response.context["bodies"]}

    assert names("ҚАЗАҚСТАН") == {"Қазақстан Республикасының Сыртқы істер министрлігі"}
    assert names("national economy") == {"Ministry of Trade and Integration"}
    assert names("azərtac") == {"Azərbaycan Dövlət Teleqraf Agentliyi"}
    assert names("nothing like it") == set()


def test_bodies_list_is_paginated(client):
    public(*BodyFactory.create_batch(53))  # and the document's own two
    response = client.get("/bodies/")
    assert len(response.context["bodies"]) == 50
    assert client.get("/bodies/?page=2").status_code == HTTPStatus.OK
    assert client.get("/bodies/?page=3").status_code == HTTPStatus.NOT_FOUND


@pytest.mark.parametrize("n", [2, 60])
def test_bodies_list_queries_stay_constant(client, django_assert_max_num_queries, n):
    # keeps the page free of N+1 queries
    public(*BodyFactory.create_batch(n))
    # cold: the register generation, the public bodies, the count and the footer's
    # last change, each cached, and the page
    with django_assert_max_num_queries(5):
        assert client.get("/bodies/").status_code == HTTPStatus.OK
    with django_assert_max_num_queries(2):
        assert client.get("/bodies/").status_code == HTTPStatus.OK
    with django_assert_max_num_queries(3):
        assert client.get("/bodies/?q=ministry").status_code == HTTPStatus.OK


def test_body_page_shows_the_body_its_names_family_and_documents(client):
    parent = BodyFactory(name="Government of Kazakhstan")
    body = BodyFactory(
        name="Ministry of Trade and Integration",
        parent=parent,
        website="https://www.gov.kz/memleket/entities/mti",
    )
    public(BodyFactory(name="Committee on Trade", parent=body))
    BodyNameFactory(
        body=body,
        name="Ministry of National Economy",
        valid_from=datetime.date(2014, 8, 6),
        valid_until=datetime.date(2019, 2, 18),
    )
    signed = bilateral_document(title="Agreement on trade")
    PartyFactory(document=signed, body=body, order=3)
    draft = DocumentFactory(title="Draft on trade", is_published=False)
    PartyFactory(document=draft, body=body)
    content = client.get(body.get_absolute_url()).content.decode()
    for text in (
        "Government of Kazakhstan",
        "Committee on Trade",
        "Ministry of National Economy",
        "6 August 2014",
        "18 February 2019",
        "https://www.gov.kz/memleket/entities/mti",
        "Agreement on trade",
        f'href="/agreements/?body={body.slug}"',
    ):
        assert text in content, text
    assert "Draft on trade" not in content


@pytest.mark.parametrize("walk_from", [1, 10_000])
def test_body_page_lists_the_same_documents_however_they_are_found(
    client, monkeypatch, walk_from
):
    # a body with many documents has them found by walking the list (EXISTS), one
    # with few from its parties (IN): the reader sees the same either way
    monkeypatch.setattr(filters, "WALK_FROM", walk_from)
    body = BodyFactory()
    for year in (2001, 2003, 2002):
        document = bilateral_document(
            title=f"Signed {year}", signed_on=datetime.date(year, 1, 1)
        )
        PartyFactory(document=document, body=body, order=3)
    bilateral_document(title="Not signed by it")
    hidden = bilateral_document(title="Unpublished", is_published=False)
    PartyFactory(document=hidden, body=body, order=3)
    response = client.get(body.get_absolute_url())
    titles = [row.title for row in response.context["documents"]]
    assert titles == ["Signed 2003", "Signed 2002", "Signed 2001"]
    listed = client.get(f"/agreements/?body={body.slug}&ordering=signed_on")
    titles = [row.title for row in listed.context["page_obj"].object_list]
    assert titles == ["Signed 2001", "Signed 2002", "Signed 2003"]


def test_body_page_paginates_documents_25_a_page(client):
    body = BodyFactory()
    for day in range(30):
        document = DocumentFactory(signed_on=SIGNED - datetime.timedelta(days=day))
        PartyFactory(document=document, body=body)
    first = client.get(body.get_absolute_url())
    assert len(first.context["documents"]) == 25
    assert 'rel="next"' in first.content.decode()
    assert (
        len(client.get(f"{body.get_absolute_url()}?page=2").context["documents"]) == 5
    )
    assert (
        client.get(f"{body.get_absolute_url()}?page=9").status_code
        == HTTPStatus.NOT_FOUND
    )


@pytest.mark.parametrize("n", [1, 40])
def test_body_page_queries_stay_constant(client, django_assert_max_num_queries, n):
    # keeps the page free of N+1 queries
    body = BodyFactory()
    BodyFactory.create_batch(3, parent=body)
    BodyNameFactory(body=body)
    for document in many_documents(n):
        PartyFactory(document=document, body=body, order=3)
    # cold: the generation, the body, its document count, the last change, its
    # children and names, the page, its parties and their bodies' former names
    with django_assert_max_num_queries(12):
        assert client.get(body.get_absolute_url()).status_code == HTTPStatus.OK
    # warm: the generation, the body, its children and names, the page, parties,
    # their bodies' former names
    with django_assert_max_num_queries(7):
        assert client.get(body.get_absolute_url()).status_code == HTTPStatus.OK


# --- Events ---------------------------------------------------------------------------


def test_events_list_shows_published_events_with_recorded_counts(client):
    event = EventFactory(title="Official visit", documents_reported=3)
    many_documents(2, event=event)
    bilateral_document(event=event, is_published=False)
    EventFactory(title="Secret summit", is_published=False)
    content = client.get("/events/").content.decode()
    assert "Official visit" in content
    assert "3 reported, 2 recorded" in content
    assert "Secret summit" not in content


@pytest.mark.parametrize("n", [1, 30])
def test_events_list_queries_stay_constant(client, django_assert_max_num_queries, n):
    # keeps the page free of N+1 queries
    for event in EventFactory.create_batch(n):
        bilateral_document(event=event)
    # cold: the register generation, the public bodies, the count and the footer's
    # last change, each cached, and the page
    with django_assert_max_num_queries(5):
        assert client.get("/events/").status_code == HTTPStatus.OK
    with django_assert_max_num_queries(2):
        assert client.get("/events/").status_code == HTTPStatus.OK


def test_event_page_reconciles_reported_and_recorded_documents(client):
    event = EventFactory(documents_reported=6)
    many_documents(6, event=event)
    assert (
        "6 reported, 6 recorded"
        in client.get(event.get_absolute_url()).content.decode()
    )


def test_event_page_says_how_many_are_not_yet_identified(client):
    event = EventFactory(documents_reported=6)
    many_documents(4, event=event)
    bilateral_document(event=event, is_published=False)
    content = client.get(event.get_absolute_url()).content.decode()
    assert "6 reported, 4 recorded" in content
    assert "2 not yet identified" in content


def test_event_page_lists_documents_whose_place_is_inferred(client):
    event = EventFactory()
    inferred = bilateral_document(
        event=event, title="Memorandum on media", event_confidence="inferred"
    )
    bilateral_document(
        event=event, title="Joint statement", event_confidence="confirmed"
    )
    content = client.get(event.get_absolute_url()).content.decode()
    note = content.split("inferred-note")[1].split("</div>")[0]
    assert f'<a href="{inferred.get_absolute_url()}">Memorandum on media</a>' in note
    assert "Joint statement" not in note


def test_event_page_shows_its_sources_with_confidence(client):
    event = EventFactory()
    EventCitationFactory(
        event=event,
        source=SourceFactory(title="Akorda press release"),
        confidence=Confidence.CONFIRMED,
        claim="six documents signed",
    )
    content = client.get(event.get_absolute_url()).content.decode()
    assert "Akorda press release" in content and ">Confirmed<" in content
    assert "Supports: six documents signed" in content


def test_unpublished_event_answers_404(client):
    event = EventFactory(is_published=False)
    assert client.get(event.get_absolute_url()).status_code == HTTPStatus.NOT_FOUND


@pytest.mark.parametrize("n", [1, 30])
def test_event_page_queries_stay_constant(client, django_assert_max_num_queries, n):
    # keeps the page free of N+1 queries
    event = EventFactory(documents_reported=n)
    EventCitationFactory(event=event)
    many_documents(n, event=event, event_confidence="inferred")
    # the generation, the event (with its recorded count), the last change, its
    # sources, the page of documents, their parties and their bodies' former
    # names, the inferred ones
    with django_assert_max_num_queries(8):
        assert client.get(event.get_absolute_url()).status_code == HTTPStatus.OK
    # warm: the last change comes from the cache
    with django_assert_max_num_queries(7):
        assert client.get(event.get_absolute_url()).status_code == HTTPStatus.OK


# --- Countries ------------------------------------------------------------------------


def test_country_page_answers_to_its_code_in_any_case(client):
    bilateral_document(title="Agreement with Azerbaijan")
    for code in ("az", "AZ", "Az"):
        response = client.get(f"/countries/{code}/")
        assert response.status_code == HTTPStatus.OK
        assert "Agreement with Azerbaijan" in response.content.decode()


@pytest.mark.parametrize("code", ["zz", "xyz", "1a", "k"])
def test_country_page_answers_404_for_an_unknown_code(client, code):
    assert client.get(f"/countries/{code}/").status_code == HTTPStatus.NOT_FOUND


def test_country_page_places_documents_and_events_on_a_timeline(client):
    visit = EventFactory(
        title="Visit to Baku",
        date=datetime.date(2022, 8, 24),
        country=CountryFactory(code="AZ"),
    )
    bilateral_document(signed_on=datetime.date(2022, 8, 24), event=visit)
    many_documents(2, signed_on=datetime.date(2023, 4, 10))
    bilateral_document(signed_on=datetime.date(2019, 1, 1))
    bilateral_document(signed_on=datetime.date(2018, 1, 1), is_published=False)
    bilateral_document(signed_on=datetime.date(2015, 1, 1), countries=("KZ", "RU"))
    response = client.get("/countries/az/")
    timeline = response.context["timeline"]
    assert [row.get("year") for row in timeline] == [2023, 2022, None, 2019]
    assert timeline[0]["documents"] == 2 and timeline[0]["scale"] == 10
    assert timeline[1]["documents"] == 1 and timeline[1]["events"] == 1
    assert timeline[2] == {"gap": True, "first": 2020, "last": 2021}
    content = response.content.decode()
    assert '<ol class="timeline"' in content
    assert "Visit to Baku" in content
    assert "signed_after=2023-01-01&amp;signed_before=2023-12-31" in content
    assert response.context["document_total"] == 4


def test_country_page_lists_recent_documents_and_links_to_the_rest(client, monkeypatch):
    monkeypatch.setattr(views, "COUNTRY_RECENT", 3)
    for day in range(5):
        bilateral_document(
            title=f"Memorandum {day}", signed_on=SIGNED - datetime.timedelta(days=day)
        )
    content = client.get("/countries/az/").content.decode()
    assert "Memorandum 0" in content and "Memorandum 2" in content
    assert "Memorandum 3" not in content
    assert "The 3 most recent of 5" in content
    assert 'href="/agreements/?country=AZ"' in content


def test_country_page_counts_only_published_records(client):
    bilateral_document(title="Published memorandum")
    bilateral_document(title="Draft memorandum", is_published=False)
    EventFactory(
        title="Hidden meeting", country=CountryFactory(code="AZ"), is_published=False
    )
    response = client.get("/countries/az/")
    content = response.content.decode()
    assert "Draft memorandum" not in content and "Hidden meeting" not in content
    assert response.context["document_total"] == 1
    assert response.context["event_total"] == 0


@pytest.mark.parametrize("n", [1, 40])
def test_country_page_queries_stay_constant(client, django_assert_max_num_queries, n):
    # keeps the page free of N+1 queries
    for year in range(n):
        event = EventFactory(date=datetime.date(1990 + year, 5, 1))
        bilateral_document(event=event, signed_on=datetime.date(1990 + year, 5, 1))
    # cold: the country, the register generation, the timeline (years and recent
    # events, cached), the countries' bodies (cached), the recent documents, their
    # parties and the parties' bodies' former names, the last change
    with django_assert_max_num_queries(11):
        assert client.get("/countries/az/").status_code == HTTPStatus.OK
    # warm: the country, the generation, the documents, parties, former names
    with django_assert_max_num_queries(5):
        assert client.get("/countries/az/").status_code == HTTPStatus.OK


def test_cached_aggregates_follow_the_published_data(client):
    bilateral_document(kind=Document.Kind.TREATY)
    assert client.get("/").context["total"] == 1
    # publishing through save() moves the "last changed" stamp: no stale counts
    draft = bilateral_document(kind=Document.Kind.TREATY, is_published=False)
    draft.is_published = True
    draft.save()
    assert client.get("/").context["total"] == 2


def test_body_of_an_unpublished_document_only_is_not_linked_to_it(client):
    body = BodyFactory()
    PartyFactory(
        document=DocumentFactory(is_published=False, title="Secret deal"), body=body
    )
    assert b"Secret deal" not in client.get(body.get_absolute_url()).content
    assert Body.objects.filter(pk=body.pk).exists()
