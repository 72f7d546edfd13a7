"""Document, event, body and country pages describe themselves: Open Graph tags and
schema.org JSON-LD, read back with a JSON-LD processor (pyld) and checked against
the page's facts, saying no more than the register knows."""

import datetime
import json
import re
from html import unescape

import pytest
from pyld import jsonld

from agreements.models import Body, Document
from tests.factories import (
    BodyFactory,
    CountryFactory,
    DocumentCitationFactory,
    DocumentTitleFactory,
    EventFactory,
    TopicFactory,
    bilateral_document,
)

pytestmark = pytest.mark.django_db

SCHEMA = "http://schema.org/"
#: What the processor reads for "https://schema.org": the part of schema.org's own
#: context these pages use (no network in tests).
SCHEMA_CONTEXT = {
    "@context": {
        "@vocab": SCHEMA,
        "schema": SCHEMA,
        "url": {"@id": "schema:url", "@type": "@id"},
        "sameAs": {"@id": "schema:sameAs", "@type": "@id"},
    }
}
#: The shape the tests read: schema.org terms, addresses as plain strings.
READ_AS = {"@vocab": SCHEMA, "url": {"@type": "@id"}, "sameAs": {"@type": "@id"}}


def load_document(url, options=None):
    assert url.rstrip("/") == "https://schema.org", url
    return {
        "contentType": "application/ld+json",
        "contextUrl": None,
        "documentUrl": url,
        "document": SCHEMA_CONTEXT,
    }


def linked_data(content):
    """The page's JSON-LD, expanded and compacted to plain schema.org terms."""
    (script,) = re.findall(
        r'<script type="application/ld\+json">(.*?)</script>', content, re.S
    )
    data = json.loads(script)
    options = {"documentLoader": load_document}
    expanded = jsonld.expand(data, options)
    assert expanded, "nothing a JSON-LD processor understands"
    compacted = jsonld.compact(expanded, READ_AS, options)
    compacted.pop("@context")
    return compacted


def meta(content, name, attribute="property"):
    return [
        unescape(value)
        for value in re.findall(
            rf'<meta {attribute}="{re.escape(name)}" content="([^"]*)">', content
        )
    ]


def as_list(value):
    return value if isinstance(value, list) else [value]


@pytest.fixture
def treaty():
    kz, az = CountryFactory(code="KZ"), CountryFactory(code="AZ")
    document = bilateral_document(
        slug="treaty-on-friendship",
        title="Treaty on friendship",
        kind=Document.Kind.TREATY,
        signed_on=datetime.date(2023, 4, 10),
        signed_city="Astana",
        signed_country=kz,
        summary="Friendship and cooperation.",
        in_force=True,
        topics=[TopicFactory(slug="trade", name="trade")],
    )
    DocumentCitationFactory(
        document=document, confidence="confirmed", source__url="https://gov.kz/t/1"
    )
    DocumentCitationFactory(
        document=document, confidence="reported", source__url="https://news.az/t/1"
    )
    DocumentTitleFactory(document=document, language="ru", title="Договор о дружбе")
    DocumentTitleFactory(
        document=document, language="az", title="Dostluq müqaviləsi", is_official=False
    )
    assert {p.body.country for p in document.parties.all()} == {kz, az}
    return document


def test_a_document_is_legislation_with_the_pages_facts(client, treaty):
    content = client.get("/agreements/treaty-on-friendship/").content.decode()
    data = linked_data(content)
    parties = list(treaty.parties.order_by("order"))

    assert data["@type"] == "Legislation"
    assert data["url"] == "http://testserver/agreements/treaty-on-friendship/"
    assert data["name"] == "Treaty on friendship"
    assert data["legislationDate"] == "2023-04-10"
    assert data["legislationDateOfApplicability"] == "2023-05-10"
    assert data["legislationLegalForce"] == {"@id": f"{SCHEMA}InForce"}
    assert data["legislationType"] == "treaty"
    assert [p["name"] for p in data["legislationPassedBy"]] == [
        party.body.name for party in parties
    ]
    assert [p["url"] for p in data["legislationPassedBy"]] == [
        f"http://testserver{party.body.get_absolute_url()}" for party in parties
    ]
    assert {c["identifier"] for c in as_list(data["legislationJurisdiction"])} == {
        "KZ",
        "AZ",
    }
    assert data["locationCreated"]["name"] == "Astana"
    assert data["locationCreated"]["address"]["addressCountry"] == "KZ"
    assert data["description"] == {
        "@value": "Friendship and cooperation.",
        "@language": "en-gb",
    }
    assert data["keywords"] == "trade"
    # only a source that states the document is the same thing; one that reports it
    # is not; an official title is another name and a language, a variant neither
    assert data["sameAs"] == "https://gov.kz/t/1"
    assert data["alternateName"] == {"@value": "Договор о дружбе", "@language": "ru"}
    assert data["inLanguage"] == "ru"


@pytest.mark.parametrize(
    ("status", "force"),
    [
        ("in_force", f"{SCHEMA}InForce"),
        ("terminated", f"{SCHEMA}NotInForce"),
        ("expired", f"{SCHEMA}NotInForce"),
        ("signed", None),
        ("provisional", None),
        ("suspended", None),
    ],
)
def test_legal_force_is_said_only_when_the_status_says_it(client, status, force):
    document = bilateral_document(legal_status=status)
    data = linked_data(client.get(document.get_absolute_url()).content.decode())
    assert data.get("legislationLegalForce") == ({"@id": force} if force else None)


def test_what_the_register_does_not_know_stays_absent(client):
    document = bilateral_document(signed_city="", summary="")
    data = linked_data(client.get(document.get_absolute_url()).content.decode())
    for absent in (
        "locationCreated",
        "description",
        "sameAs",
        "inLanguage",
        "alternateName",
        "legislationDateOfApplicability",
        "keywords",
    ):
        assert absent not in data, absent


def test_a_text_shown_in_english_for_want_of_a_translation_says_so(client, treaty):
    content = client.get("/ru/agreements/treaty-on-friendship/").content.decode()
    data = linked_data(content)
    assert data["url"] == "http://testserver/ru/agreements/treaty-on-friendship/"
    assert data["description"]["@language"] == "en-gb"  # pyld writes tags in lower case
    assert data["legislationType"] == "договор"


def test_a_title_cannot_break_out_of_the_script(client):
    title = "Treaty </script><script>alert(1)</script> <!-- & more"
    document = bilateral_document(title=title)
    content = client.get(document.get_absolute_url()).content.decode()
    assert "</script><script>alert(1)" not in content
    assert "<!-- &" not in content
    assert linked_data(content)["name"] == title


def test_an_event_is_an_event(client):
    event = EventFactory(
        slug="summit",
        title="Summit in Baku",
        date=datetime.date(2023, 4, 10),
        end_date=datetime.date(2023, 4, 11),
        city="Baku",
        country=CountryFactory(code="AZ"),
    )
    data = linked_data(client.get("/events/summit/").content.decode())
    assert data["@type"] == "Event"
    assert data["name"] == {"@value": "Summit in Baku", "@language": "en-gb"}
    assert data["startDate"] == "2023-04-10"
    assert data["endDate"] == "2023-04-11"
    assert data["location"]["address"] == {
        "@type": "PostalAddress",
        "addressLocality": "Baku",
        "addressCountry": "AZ",
    }
    assert data["url"] == f"http://testserver{event.get_absolute_url()}"


def test_an_event_with_no_place_has_no_location(client):
    EventFactory(slug="somewhere", city="", country=None)
    data = linked_data(client.get("/events/somewhere/").content.decode())
    assert "location" not in data and "endDate" not in data


def test_a_body_is_an_organisation_of_its_kind(client):
    parent = BodyFactory(name="Government of Kazakhstan", kind=Body.Kind.GOVERNMENT)
    body = BodyFactory(
        slug="kazinform",
        name="Kazinform",
        kind=Body.Kind.MEDIA,
        parent=parent,
        website="https://kazinform.kz/",
    )
    document = bilateral_document()
    document.parties.filter(order=1).update(body=body)
    data = linked_data(client.get("/bodies/kazinform/").content.decode())
    assert data["@type"] == "NewsMediaOrganization"
    assert data["name"] == {"@value": "Kazinform", "@language": "en-gb"}
    assert data["sameAs"] == "https://kazinform.kz/"
    assert data["location"]["identifier"] == body.country.code
    # the parent is public (its child signed a published document)
    assert data["parentOrganization"]["@type"] == "GovernmentOrganization"
    assert data["parentOrganization"]["name"] == "Government of Kazakhstan"


def test_a_country_is_a_country(client):
    bilateral_document(countries=("KZ", "GB"))
    data = linked_data(client.get("/countries/gb/").content.decode())
    assert data == {
        "@type": "Country",
        "name": "United Kingdom",
        "identifier": "GB",
        "url": "http://testserver/countries/gb/",
    }


@pytest.mark.parametrize("page", ["document", "event", "body", "country"])
def test_each_page_has_open_graph_tags_matching_its_meta(client, treaty, page):
    path = {
        "document": treaty.get_absolute_url(),
        "event": EventFactory(slug="visit").get_absolute_url(),
        "body": treaty.parties.first().body.get_absolute_url(),
        "country": "/countries/kz/",
    }[page]
    for prefix, locale in (("", "en_GB"), ("/ru", "ru_RU")):
        content = client.get(prefix + path).content.decode()
        title = re.search(r"<title>(.*?) – ", content).group(1)
        assert meta(content, "og:title") == [unescape(title)]
        assert meta(content, "og:description") == meta(
            content, "description", attribute="name"
        )
        (canonical,) = re.findall(r'<link rel="canonical" href="([^"]*)">', content)
        assert meta(content, "og:url") == [canonical]
        assert meta(content, "og:type") == ["website"]
        assert meta(content, "og:site_name") and meta(content, "og:site_name")[0]
        assert meta(content, "og:locale") == [locale]
        assert sorted(meta(content, "og:locale:alternate")) == sorted(
            {"en_GB", "ru_RU", "kk_KZ", "az_AZ"} - {locale}
        )


def test_the_document_page_describes_itself_in_constant_queries(client, treaty):
    """Keeps the page free of N+1 queries: more sources and titles, same count."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries():
        client.get(treaty.get_absolute_url())  # its aggregates cached
        with CaptureQueriesContext(connection) as captured:
            client.get(treaty.get_absolute_url())
        return len(captured)

    before = queries()
    for number in range(5):
        DocumentCitationFactory(document=treaty, confidence="confirmed")
        DocumentTitleFactory(document=treaty, language="kk", title=f"Title {number}")
    assert queries() == before
