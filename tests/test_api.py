"""The read-only JSON API at /api/v1/: what each endpoint gives, its filters, its
cursor, the licence, throttling, and that lists and records cost the same queries
at any size. Bad input and the schema have their own modules
(test_api_bad_input.py, test_api_schema.py)."""

import datetime
from http import HTTPStatus

import pytest
from django.core.management import call_command

from agreements.filters import ORDERINGS
from agreements.followup import views as followup_views
from agreements.models import Action, Body, Country, Document, Event
from tests.factories import (
    ActionCitationFactory,
    ActionFactory,
    AttachmentFactory,
    BodyFactory,
    BodyNameFactory,
    CountryFactory,
    DocumentCitationFactory,
    DocumentFactory,
    DocumentIdentifierFactory,
    DocumentTitleFactory,
    EventCitationFactory,
    EventFactory,
    PartyCitationFactory,
    PartyFactory,
    PartyStepFactory,
    ProgressUpdateFactory,
    RelationFactory,
    SourceFactory,
    TopicFactory,
    bilateral_document,
)

pytestmark = pytest.mark.django_db

API = "/api/v1"
TODAY = datetime.date(2024, 1, 15)
LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/"


@pytest.fixture(autouse=True)
def on_day(monkeypatch):
    monkeypatch.setattr(followup_views, "today", lambda: TODAY)


@pytest.fixture
def register():
    """A published memorandum with everything its page shows, beside a published
    agreement, a draft related to the memorandum, and an unpublished event."""
    kz, az = CountryFactory(code="KZ"), CountryFactory(code="AZ")
    ministry = BodyFactory(
        slug="ministry", name="Ministry of Digital Development", country=kz
    )
    BodyNameFactory(body=ministry, name="Ministry of Information")
    agency = BodyFactory(slug="agency", name="State News Agency", country=az)
    agency.name_ru = "Государственное информационное агентство"
    agency.save()
    child = BodyFactory(slug="agency-bureau", country=az, parent=agency)
    visit = EventFactory(
        slug="visit",
        title="Official visit to Astana",
        date=datetime.date(2023, 4, 10),
        documents_reported=3,
    )
    EventCitationFactory(event=visit, source__url="https://event.example.org/1")
    trade = TopicFactory(slug="trade", name="trade")
    memorandum = DocumentFactory(
        slug="memorandum",
        title="Memorandum on news exchange",
        summary="News exchange between the agencies.",
        kind=Document.Kind.MEMORANDUM,
        signed_on=datetime.date(2023, 4, 10),
        signed_country=kz,
        event=visit,
        event_signing_confidence="confirmed",
        event_confidence="inferred",
        topics=[trade],
        follow_up_status=Document.FollowUpStatus.IN_PROGRESS,
    )
    memorandum.summary_ru = "Обмен новостями."
    memorandum.save()
    signature = PartyFactory(
        document=memorandum,
        body=ministry,
        order=1,
        signatory_name="Bagdat Mussin",
        signatory_position="Minister",
    )
    PartyCitationFactory(party=signature, source__url="https://signing.example.org/")
    PartyFactory(document=memorandum, body=agency, order=2, signatory_name="")
    PartyFactory(
        document=bilateral_document(
            slug="by-the-bureau", kind="treaty", signed_on=datetime.date(2021, 3, 1)
        ),
        body=child,
        order=9,
    )
    DocumentTitleFactory(
        document=memorandum,
        title="Меморандум об обмене новостями",
        source=SourceFactory(url="https://titles.example.org/ru"),
    )
    DocumentCitationFactory(
        document=memorandum,
        confidence="confirmed",
        claim="signing",
        source__url="https://news.example.org/memorandum",
    )
    agreement = bilateral_document(
        slug="agreement",
        title="Agreement on transit",
        kind=Document.Kind.AGREEMENT,
        signed_on=datetime.date(2020, 6, 1),
        countries=("KZ", "RU"),
    )
    RelationFactory(from_document=memorandum, to_document=agreement)
    draft = DocumentFactory(
        slug="secret-draft", title="Secret draft", is_published=False
    )
    PartyFactory(document=draft, body=ministry, order=1)
    RelationFactory(from_document=draft, to_document=memorandum, kind="amends")
    RelationFactory(from_document=memorandum, to_document=draft, kind="refers_to")
    ActionFactory(document=draft, title="Secret action")
    hidden = EventFactory(slug="hidden-summit", is_published=False)
    bilateral_document(
        slug="at-hidden-event",
        kind="treaty",
        signed_on=datetime.date(2021, 3, 1),
        event=hidden,
    )
    action = ActionFactory(
        document=memorandum,
        slug="exchange",
        title="Exchange news daily",
        clause="Article 2",
        basis="quoted",
        due_on=datetime.date(2023, 12, 31),
        responsible_bodies=[agency],
        focal_person="Private Person",
        contact_email="private@ministry.example.org",
    )
    ActionCitationFactory(action=action, source__url="https://action.example.org/")
    update = ProgressUpdateFactory(
        document=memorandum,
        title="Work has begun",
        happened_on=datetime.date(2023, 6, 1),
        status_before="not_started",
        status_after="in_progress",
    )
    return {
        "memorandum": memorandum,
        "agreement": agreement,
        "action": action,
        "update": update,
    }


def get(client, path, **params):
    response = client.get(f"{API}{path}", params)
    assert response["Content-Type"] == "application/json", response.content
    return response


def slugs(response):
    return [row["slug"] for row in response.json()["results"]]


def walk(client, path, **params):
    """Every row of a list, page after page by its ``next`` links."""
    rows, response = [], get(client, path, **params)
    pages = 0
    while True:
        assert response.status_code == HTTPStatus.OK, response.json()
        rows += response.json()["results"]
        pages += 1
        following = response.json()["next"]
        if following is None:
            return rows, pages
        response = client.get(following)


# --- Documents ------------------------------------------------------------------------


def test_the_document_list_gives_published_documents_newest_first(client, register):
    response = get(client, "/documents/")
    assert response.status_code == HTTPStatus.OK
    body = response.json()
    assert body["licence"] == {"name": "CC BY 4.0", "url": LICENCE_URL}
    assert body["previous"] is None and body["next"] is None
    newest_first = Document.objects.published().order_by("-signed_on", "title", "pk")
    assert slugs(response) == list(newest_first.values_list("slug", flat=True))
    assert "secret-draft" not in slugs(response) and len(slugs(response)) == 4
    row = next(row for row in body["results"] if row["slug"] == "memorandum")
    assert row["url"] == "http://testserver/agreements/memorandum/"
    assert row["api_url"] == "http://testserver/api/v1/documents/memorandum/"
    assert row["kind"] == "memorandum" and row["signed_on"] == "2023-04-10"
    assert row["signed_country"] == {"code": "KZ", "name": "Kazakhstan"}
    assert row["event"]["slug"] == "visit"
    assert row["event"]["title"]["en"] == "Official visit to Astana"
    assert [party["body"]["slug"] for party in row["parties"]] == ["ministry", "agency"]
    assert row["parties"][0]["signatory_name"] == "Bagdat Mussin"
    assert row["parties"][1]["body"]["name"] == {
        "en": "State News Agency",
        "ru": "Государственное информационное агентство",
        "kk": None,
        "az": None,
    }
    assert row["topics"] == [
        {"slug": "trade", "name": {"en": "trade", "ru": None, "kk": None, "az": None}}
    ]
    assert row["follow_up_status"] == "in_progress"


def _addresses(data):
    """Every ``url`` and ``api_url`` of the register's own in an answer."""
    if isinstance(data, dict):
        for key, value in data.items():
            if key in ("url", "api_url") and str(value).startswith("http://testserver"):
                yield value
            else:
                yield from _addresses(value)
    elif isinstance(data, list):
        for value in data:
            yield from _addresses(value)


@pytest.mark.parametrize(
    "path",
    [
        "/documents/",
        "/documents/memorandum/",
        "/bodies/",
        "/bodies/agency/",
        "/events/",
        "/events/visit/",
        "/countries/kz/",
        "/actions/",
    ],
)
def test_every_address_an_answer_gives_is_the_records_own(client, register, path):
    # the addresses are filled in from one reversed per answer: each must be
    # the one the record's page or answer has
    found = list(_addresses(get(client, path).json()))
    assert found
    expected = {
        f"http://testserver{record.get_absolute_url()}"
        for model in (Document, Body, Event, Country)
        for record in model.objects.all()
    }
    for address in found:
        if "/api/v1/" in address:
            assert client.get(address).status_code == HTTPStatus.OK, address
        else:
            assert address.split("#")[0] in expected, address
            assert client.get(address).status_code == HTTPStatus.OK, address


def test_a_document_of_an_unpublished_event_does_not_name_it(client, register):
    rows = {row["slug"]: row for row in get(client, "/documents/").json()["results"]}
    assert rows["at-hidden-event"]["event"] is None
    detail = get(client, "/documents/at-hidden-event/").json()
    assert detail["event"] is None
    assert "hidden-summit" not in get(client, "/documents/").content.decode()


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"kind": "agreement"}, ["agreement"]),
        ({"kind": ["agreement", "memorandum"]}, ["memorandum", "agreement"]),
        ({"country": ["KZ", "RU"]}, ["agreement"]),
        ({"country": "az"}, ["memorandum", "by-the-bureau", "at-hidden-event"]),
        ({"body": "ministry"}, ["memorandum"]),
        ({"event": "visit"}, ["memorandum"]),
        ({"topic": "trade"}, ["memorandum"]),
        ({"follow_up": "in_progress"}, ["memorandum"]),
        ({"signed_before": "2021-01-01"}, ["agreement"]),
        ({"signed_after": "2023-04-10", "signed_before": "2023-04-10"}, ["memorandum"]),
        ({"q": "transit"}, ["agreement"]),
        ({"q": "secret"}, []),
    ],
)
def test_the_document_list_takes_the_lists_filters(client, register, params, expected):
    response = get(client, "/documents/", **params)
    assert response.status_code == HTTPStatus.OK
    found = slugs(response)
    # on the same day, the documents come in the same order as with no filter
    everything = slugs(get(client, "/documents/"))
    assert found == [slug for slug in everything if slug in expected]
    assert sorted(found) == sorted(expected)


@pytest.mark.parametrize("ordering", ["", *ORDERINGS])
def test_the_cursor_walks_every_published_document_once_in_order(client, ordering):
    for number in range(7):
        # shared dates and titles: the order's ties need the tie-breaker
        DocumentFactory(
            title=f"Protocol {number % 3}",
            signed_on=datetime.date(2022, 1, 1 + number % 2),
        )
    DocumentFactory(is_published=False)
    rows, pages = walk(client, "/documents/", ordering=ordering, page_size=2)
    assert pages == 4
    walked = [row["slug"] for row in rows]
    published = Document.objects.published().order_by(
        *ORDERINGS[ordering or "-signed_on"], "pk"
    )
    assert walked == list(published.values_list("slug", flat=True))
    # and back: the previous links give the same pages
    response = client.get(f"{API}/documents/", {"ordering": ordering, "page_size": 2})
    for _page in range(3):
        response = client.get(response.json()["next"])
    back = list(reversed(response.json()["results"]))
    while response.json()["previous"]:
        response = client.get(response.json()["previous"])
        back += list(reversed(response.json()["results"]))
    assert [row["slug"] for row in reversed(back)] == walked


def test_the_document_gives_everything_its_page_shows(client, register):
    response = get(client, "/documents/memorandum/")
    assert response.status_code == HTTPStatus.OK
    assert response["Link"] == f'<{LICENCE_URL}>; rel="license"'
    document = response.json()
    assert document["licence"]["url"] == LICENCE_URL
    assert document["title"] == "Memorandum on news exchange"
    assert document["summary"] == {
        "en": "News exchange between the agencies.",
        "ru": "Обмен новостями.",
        "kk": None,
        "az": None,
    }
    assert document["event"]["signing_confidence"] == "confirmed"
    assert document["event"]["counted_confidence"] == "inferred"
    assert document["event"]["documents_reported"] == 3
    ministry, agency = document["parties"]
    assert ministry["name_at_signing"] == "Ministry of Digital Development"
    assert ministry["sources"][0]["source"]["url"] == "https://signing.example.org/"
    assert ministry["sources"][0]["confidence"] == "reported"
    assert agency["signatory_name"] == ""
    (title,) = document["titles"]
    assert title["language"] == "ru"
    assert title["title"] == "Меморандум об обмене новостями"
    assert title["source"]["url"] == "https://titles.example.org/ru"
    (source,) = document["sources"]
    assert (source["confidence"], source["claim"]) == ("confirmed", "signing")
    assert source["source"]["url"] == "https://news.example.org/memorandum"
    # the relation to the draft is left out, both ways
    assert [(r["relation"], r["document"]["slug"]) for r in document["relations"]] == [
        ("implements", "agreement")
    ]
    followup = document["follow_up"]
    assert followup["status"] == "in_progress"  # a sourced update gave it
    assert followup["status_update"] == register["update"].pk
    assert (followup["commitments"]["done"], followup["commitments"]["total"]) == (0, 1)
    (action,) = followup["commitments"]["actions"]
    assert action["slug"] == "exchange" and action["is_overdue"] is True
    assert action["responsible_bodies"][0]["slug"] == "agency"
    assert action["sources"][0]["source"]["url"] == "https://action.example.org/"
    assert [update["title"] for update in followup["updates"]] == ["Work has begun"]
    content = response.content.decode()
    assert "Private Person" not in content and "private@" not in content


def test_the_document_gives_each_partys_steps_and_the_rule_of_entry_into_force(
    client, register
):
    memorandum = register["memorandum"]
    memorandum.entry_into_force_rule = Document.EntryIntoForce.DAYS_AFTER_NOTIFICATION
    memorandum.entry_into_force_days = 30
    memorandum.save()
    ministry = memorandum.parties.get(order=1)
    PartyStepFactory(
        party=ministry,
        kind="notification",
        happened_on=datetime.date(2023, 9, 1),
        date_precision="month",
        act_title="Закон о ратификации",
        act_number="42-VIII",
        act_date=datetime.date(2023, 8, 20),
        confidence="reported",
        source=SourceFactory(
            url="https://adilet.example.org/law/42",
            publisher="Adilet",
            title="Law No. 42-VIII",
            published_on=datetime.date(2023, 8, 25),
            accessed_on=None,
        ),
        note="Notified by a note verbale.",
    )
    PartyStepFactory(
        party=ministry, kind="signature", happened_on=memorandum.signed_on, source=None
    )
    document = get(client, "/documents/memorandum/").json()
    assert document["entry_into_force_rule"] == "days_after_notification"
    assert document["entry_into_force_days"] == 30
    assert document["entry_into_force_date"] is None
    ministry, agency = document["parties"]
    assert agency["steps"] == []  # nothing recorded: nothing assumed
    signature, notification = ministry["steps"]  # by date
    assert (signature["kind"], signature["source"]) == ("signature", None)
    assert notification == {
        "kind": "notification",
        "happened_on": "2023-09-01",
        "date_precision": "month",
        "act_title": "Закон о ратификации",
        "act_number": "42-VIII",
        "act_date": "2023-08-20",
        "confidence": "reported",
        "source": {
            "url": "https://adilet.example.org/law/42",
            "publisher": "Adilet",
            "title": "Law No. 42-VIII",
            "published_on": "2023-08-25",
            "accessed_on": None,
        },
        "note": "Notified by a note verbale.",
    }


def test_the_document_gives_its_identifiers_and_texts_never_their_text(
    client, register
):
    memorandum = register["memorandum"]
    DocumentIdentifierFactory(
        document=memorandum,
        value="Z2300001",
        issuer="Adilet",
        url="https://adilet.example.org/Z2300001",
        source=SourceFactory(url="https://adilet.example.org/"),
    )
    signed = AttachmentFactory(
        document=memorandum,
        title="Signed text",
        language="ru",
        pages=3,
        extracted_text="The Parties agree on secret cooperation.",
        source=SourceFactory(url="https://mfa.example.org/texts"),
        confidence="confirmed",
    )
    AttachmentFactory(
        document=memorandum,
        link=True,
        kind="official_publication",
        language="az",
        title="",
        url="https://e-qanun.example.org/123",
        source=None,
    )
    response = get(client, "/documents/memorandum/")
    document = response.json()
    (identifier,) = document["identifiers"]
    assert identifier == {
        "kind": "national_register",
        "value": "Z2300001",
        "issuer": "Adilet",
        "url": "https://adilet.example.org/Z2300001",
        "source": identifier["source"],
    }
    assert identifier["source"]["url"] == "https://adilet.example.org/"
    link, file = document["texts"]  # by kind (its code), as the page lists them
    assert file["url"] == (
        f"http://testserver/agreements/memorandum/texts/{signed.pk}/{signed.filename}"
    )
    assert client.get(file["url"]).status_code == HTTPStatus.OK
    assert (file["kind"], file["language"], file["title"]) == (
        "signed_text",
        "ru",
        "Signed text",
    )
    assert (file["size"], file["content_type"], file["pages"]) == (
        33,
        "text/plain; charset=utf-8",
        3,
    )
    assert (file["confidence"], file["source"]["url"]) == (
        "confirmed",
        "https://mfa.example.org/texts",
    )
    assert link["url"] == "https://e-qanun.example.org/123"
    assert (link["kind"], link["language"], link["title"]) == (
        "official_publication",
        "az",
        "",
    )
    assert (link["size"], link["content_type"], link["pages"]) == (None, "", None)
    assert link["source"] is None
    assert "secret cooperation" not in response.content.decode()


def test_a_drafts_steps_identifiers_and_texts_are_nowhere_in_the_api(client, register):
    draft = Document.objects.get(slug="secret-draft")
    PartyStepFactory(party=draft.parties.get(), note="Secret step")
    DocumentIdentifierFactory(document=draft, value="SECRET-NUMBER")
    text = AttachmentFactory(document=draft, title="Secret text")
    assert get(client, "/documents/secret-draft/").status_code == HTTPStatus.NOT_FOUND
    assert client.get(text.get_absolute_url()).status_code == HTTPStatus.NOT_FOUND
    everything = "".join(
        get(client, path).content.decode()
        for path in ("/documents/", "/documents/memorandum/", "/bodies/ministry/")
    )
    for secret in ("Secret step", "SECRET-NUMBER", "Secret text", f"/{text.pk}/"):
        assert secret not in everything


def test_a_follow_up_status_without_a_source_shows_as_unknown(client, register):
    register["update"].delete()
    document = get(client, "/documents/memorandum/").json()
    assert document["follow_up_status"] == "in_progress"  # as recorded
    assert document["follow_up"]["status"] == "unknown"  # as the page shows it


@pytest.mark.parametrize(
    "path",
    [
        "/documents/secret-draft/",
        "/documents/no-such-document/",
        "/documents/MEMORANDUM/",
        "/documents/memo%00randum/",
        "/events/hidden-summit/",
        "/events/nothing/",
        "/bodies/nothing/",
        "/countries/zz/",
        "/countries/kaz/",
        "/countries/%C3%A9%C3%A9/",
        "/nothing/",
        "/documents/memorandum/extra/",
    ],
)
def test_unknown_addresses_are_a_404_in_json(client, register, path):
    response = get(client, path)
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert set(response.json()) == {"detail"}
    assert response["Link"] == f'<{LICENCE_URL}>; rel="license"'


def test_the_answer_does_not_follow_the_browsers_language(client, register):
    english = get(client, "/documents/memorandum/").content
    russian = client.get(f"{API}/documents/memorandum/", HTTP_ACCEPT_LANGUAGE="ru")
    assert russian.content == english


# --- Bodies, events, countries --------------------------------------------------------


def test_the_body_list_gives_the_public_bodies(client, register):
    rows, _pages = walk(client, "/bodies/", page_size=2)
    by_slug = {row["slug"]: row for row in rows}
    assert "ministry" in by_slug and "agency" in by_slug
    assert by_slug["agency-bureau"]["parent"] == "agency"
    assert by_slug["ministry"]["country"] == {"code": "KZ", "name": "Kazakhstan"}
    assert [row["slug"] for row in rows] == sorted(by_slug)


def test_a_body_that_signed_only_a_draft_is_not_public(client):
    body = BodyFactory(slug="draft-only")
    PartyFactory(document=DocumentFactory(is_published=False), body=body)
    assert "draft-only" not in get(client, "/bodies/").content.decode()
    assert get(client, "/bodies/draft-only/").status_code == HTTPStatus.NOT_FOUND


def test_the_body_gives_its_names_children_and_documents(client, register):
    body = get(client, "/bodies/ministry/").json()
    assert body["name"]["en"] == "Ministry of Digital Development"
    assert [name["name"] for name in body["former_names"]] == [
        "Ministry of Information"
    ]
    assert body["documents_count"] == 1
    assert body["documents_url"] == "http://testserver/api/v1/documents/?body=ministry"
    agency = get(client, "/bodies/agency/").json()
    assert [child["slug"] for child in agency["children"]] == ["agency-bureau"]
    assert agency["licence"]["url"] == LICENCE_URL


def test_the_event_list_and_an_event(client, register):
    rows, _pages = walk(client, "/events/")
    assert [row["slug"] for row in rows] == ["visit"]
    assert rows[0]["documents_recorded"] == 1
    event = get(client, "/events/visit/").json()
    assert [document["slug"] for document in event["documents"]] == ["memorandum"]
    assert event["documents_reported"] == 3
    assert (event["documents_inferred"], event["documents_missing"]) == (1, 2)
    assert event["sources"][0]["source"]["url"] == "https://event.example.org/1"
    assert event["documents_url"] == "http://testserver/api/v1/documents/?event=visit"


@pytest.mark.parametrize("code", ["kz", "KZ", "Kz"])
def test_a_country_by_its_code_in_any_case(client, register, code):
    response = get(client, f"/countries/{code}/")
    assert response.status_code == HTTPStatus.OK
    country = response.json()
    assert country["code"] == "KZ"
    assert country["name"]["en"] == "Kazakhstan"
    assert country["name"]["ru"] == "Казахстан"
    assert country["url"] == "http://testserver/countries/kz/"
    published_kz = {"memorandum", "agreement", "by-the-bureau", "at-hidden-event"}
    assert country["documents_count"] == len(published_kz)
    assert {d["slug"] for d in country["recent_documents"]} == published_kz
    assert {row["year"] for row in country["years"]} == {2020, 2021, 2023}
    assert [event["slug"] for event in country["recent_events"]] == ["visit"]


def test_a_country_with_no_documents_is_empty_not_missing(client, register):
    country = get(client, "/countries/nz/").json()
    assert (country["documents_count"], country["years"]) == (0, [])


# --- Actions --------------------------------------------------------------------------


def test_the_action_list_gives_published_documents_actions_without_staff_fields(
    client, register
):
    response = get(client, "/actions/")
    (action,) = response.json()["results"]
    assert action["slug"] == "exchange"
    assert action["url"] == "http://testserver/agreements/memorandum/#action-exchange"
    assert action["document"]["slug"] == "memorandum"
    assert action["title"]["en"] == "Exchange news daily"
    assert action["is_overdue"] is True
    content = response.content.decode()
    assert "Secret action" not in content
    assert "Private Person" not in content and "private@" not in content
    assert "contact" not in content and "focal" not in content


@pytest.mark.parametrize(
    ("params", "found"),
    [
        ({"status": "planned"}, True),
        ({"status": "done"}, False),
        ({"basis": "quoted"}, True),
        ({"country": ["KZ", "AZ"]}, True),
        ({"country": "RU"}, False),
        ({"body": "agency"}, True),  # responsible
        ({"body": "ministry"}, True),  # a party
        ({"document": "memorandum"}, True),
        ({"document": "agreement"}, False),
        ({"due_after": "2023-12-31"}, True),
        ({"due_before": "2023-12-30"}, False),
        ({"overdue": "true"}, True),
        ({"overdue": "false"}, False),
    ],
)
def test_the_action_list_takes_its_filters(client, register, params, found):
    response = get(client, "/actions/", **params)
    assert response.status_code == HTTPStatus.OK
    assert slugs(response) == (["exchange"] if found else [])


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"status": "finished"}, "status"),
        ({"country": "XX"}, "country"),
        ({"body": "no-such-body"}, "body"),
        ({"document": "secret-draft"}, "document"),
        ({"due_after": "2023-02-30"}, "due_after"),
        ({"due_after": "2024-01-01", "due_before": "2023-01-01"}, "due_before"),
        ({"overdue": "maybe"}, "overdue"),
    ],
)
def test_bad_action_filters_are_a_400_naming_them(client, register, params, name):
    response = get(client, "/actions/", **params)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert list(response.json()["errors"]) == [name]


# --- Licence, index, throttling -------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/documents/",
        "/documents/memorandum/",
        "/bodies/",
        "/bodies/ministry/",
        "/events/",
        "/events/visit/",
        "/countries/az/",
        "/actions/",
    ],
)
def test_every_answer_names_the_licence(client, register, settings, path):
    settings.DATA_LICENCE = {"name": "OGL", "url": "https://licence.example.org/"}
    response = get(client, path)
    assert response.status_code == HTTPStatus.OK
    assert response["Link"] == '<https://licence.example.org/>; rel="license"'
    assert response.json()["licence"] == {
        "name": "OGL",
        "url": "https://licence.example.org/",
    }


def test_the_index_links_every_list(client):
    index = get(client, "/").json()
    for name in ("documents", "bodies", "events", "actions"):
        assert client.get(index[name]).status_code == HTTPStatus.OK
    assert index["country"] == "http://testserver/api/v1/countries/{code}/"


def test_anonymous_clients_are_throttled_with_retry_after(client, settings):
    settings.RATE_LIMITS = {"api": "3/m"}
    statuses = [get(client, "/documents/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = get(client, "/events/")
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert 0 < int(response["Retry-After"]) <= 60
    assert "detail" in response.json()
    # another address has its own count
    other = client.get(f"{API}/documents/", REMOTE_ADDR="10.0.0.2")
    assert other.status_code == HTTPStatus.OK


def test_throttling_is_off_when_the_rate_is(client, settings):
    settings.RATE_LIMITS = {"api": None}
    assert {get(client, "/events/").status_code for _ in range(30)} == {200}


# --- Queries --------------------------------------------------------------------------


def _documents(count):
    topic = TopicFactory(slug="energy")
    event = EventFactory()
    EventFactory.create_batch(count)
    for number in range(count):
        document = bilateral_document(event=event, topics=[topic])
        DocumentCitationFactory(document=document)
        DocumentTitleFactory(document=document)
        PartyCitationFactory(party=document.parties.first())
        action = ActionFactory(document=document)
        ActionCitationFactory(action=action)
        ProgressUpdateFactory(document=document, action=action)
        if number:
            RelationFactory(
                from_document=document,
                to_document=Document.objects.order_by("pk").first(),
            )
        BodyNameFactory(body=document.parties.first().body)
        PartyStepFactory(party=document.parties.first())
        DocumentIdentifierFactory(document=document, source=SourceFactory())
        AttachmentFactory(document=document, source=SourceFactory())
    return Document.objects.published().order_by("pk").first()


#: Where a path's bound is not 14: a document's answer also reads its parties' steps,
#: its identifiers and its texts.
QUERIES_AT_MOST = {"/documents/{slug}/": 16}


@pytest.mark.parametrize("count", [3, 30])
@pytest.mark.parametrize(
    "path",
    [
        "/documents/?page_size=100",
        "/documents/?page_size=100&country=KZ&topic=energy&q=memorandum",
        "/documents/{slug}/",
        "/bodies/?page_size=100",
        "/bodies/{body}/",
        "/events/?page_size=100",
        "/events/{event}/",
        "/countries/kz/",
        "/actions/?page_size=100",
        "/actions/?page_size=100&country=KZ&overdue=true",
    ],
)
def test_lists_and_records_cost_the_same_queries_at_any_size(
    client, django_assert_max_num_queries, count, path
):
    document = _documents(count)
    bound = QUERIES_AT_MOST.get(path, 14)
    path = path.format(
        slug=document.slug,
        body=document.parties.first().body.slug,
        event=document.event.slug,
    )
    # keeps the API free of N+1 queries: the same bound for 3 rows and 30
    with django_assert_max_num_queries(bound):
        response = client.get(f"{API}{path}")
    assert response.status_code == HTTPStatus.OK
    body = response.json()
    if "results" in body:
        assert len(body["results"]) >= count


#: A document's answer: its queries, the parties' steps, identifiers and texts
#: included (the same for any number of them); no relations, topics or follow-up.
QUERIES_DOCUMENT_DETAIL = 9


@pytest.mark.parametrize("texts", [1, 3])
@pytest.mark.parametrize("parties", [2, 5])
def test_a_document_costs_the_same_queries_whatever_its_steps_and_texts(
    client, django_assert_max_num_queries, parties, texts
):
    codes = ("KZ", "AZ", "RU", "TR", "GE")[:parties]
    document = bilateral_document(countries=codes)
    for party in document.parties.all():
        PartyCitationFactory(party=party)
        for kind, days in (("signature", 0), ("ratification", 40)):
            PartyStepFactory(
                party=party,
                kind=kind,
                happened_on=document.signed_on + datetime.timedelta(days=days),
            )
    for _ in range(texts):
        AttachmentFactory(document=document, source=SourceFactory())
        AttachmentFactory(document=document, link=True, source=SourceFactory())
        DocumentIdentifierFactory(document=document, source=SourceFactory())
    # keeps the answer free of N+1 queries: the bound is the count for 2 parties and
    # 1 text, so a query per party, step or text goes past it
    with django_assert_max_num_queries(QUERIES_DOCUMENT_DETAIL):
        response = client.get(f"{API}/documents/{document.slug}/")
    answer = response.json()
    assert [len(party["steps"]) for party in answer["parties"]] == [2] * parties
    assert all(step["source"] for party in answer["parties"] for step in party["steps"])
    assert len(answer["texts"]) == 2 * texts
    assert all(text["source"] for text in answer["texts"])
    assert len(answer["identifiers"]) == texts


#: A document's answer when it has parties and nothing else: the document (with
#: which of its sections hold anything), its parties with their bodies, the bodies'
#: former names, the parties' sources and steps, the titles and the sources.
QUERIES_BARE_DOCUMENT = 7


def test_an_empty_section_of_a_document_costs_no_query(
    client, django_assert_num_queries
):
    document = bilateral_document(title="Agreement on the air corridor")
    url = f"{API}/documents/{document.slug}/"
    client.get(url)  # warms the register's caches
    with django_assert_num_queries(QUERIES_BARE_DOCUMENT):
        answer = client.get(url).json()
    for section in ("relations", "topics", "texts", "identifiers"):
        assert answer[section] == [], section
    assert answer["follow_up"]["updates"] == []

    RelationFactory(
        from_document=document,
        to_document=DocumentFactory(slug="protocol", title="Protocol"),
    )
    RelationFactory(
        from_document=DocumentFactory(slug="programme", title="Programme"),
        to_document=document,
    )
    DocumentIdentifierFactory(document=document, value="Z23000007")
    AttachmentFactory(document=document, title="Signed text in Kazakh")
    document.topics.add(TopicFactory(slug="air-transport"))
    ActionFactory(document=document, slug="open-the-corridor")
    client.get(url)
    # and the relations each way, the identifiers, the texts, the topics and the
    # follow-up (the actions, their bodies, their sources, the updates)
    with django_assert_num_queries(QUERIES_BARE_DOCUMENT + 9):
        answer = client.get(url).json()
    assert sorted(r["document"]["slug"] for r in answer["relations"]) == [
        "programme",
        "protocol",
    ]
    assert [topic["slug"] for topic in answer["topics"]] == ["air-transport"]
    assert [text["title"] for text in answer["texts"]] == ["Signed text in Kazakh"]
    assert [i["value"] for i in answer["identifiers"]] == ["Z23000007"]
    actions = answer["follow_up"]["commitments"]["actions"]
    actions += answer["follow_up"]["related"]["actions"]
    assert [action["slug"] for action in actions] == ["open-the-corridor"]


# --- The real fixtures ----------------------------------------------------------------


def test_the_real_fixtures_read_back_through_the_api(client):
    call_command("loaddata", "kz_az_2023", "kz_az_2023_followup", verbosity=0)
    rows, _pages = walk(client, "/documents/", page_size=5)
    published = set(Document.objects.published().values_list("slug", flat=True))
    assert {row["slug"] for row in rows} == published
    for slug in published:
        response = get(client, f"/documents/{slug}/")
        assert response.status_code == HTTPStatus.OK
        assert response.json()["slug"] == slug
    actions, _pages = walk(client, "/actions/")
    assert len(actions) == Action.objects.published().count()
