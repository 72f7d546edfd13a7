"""Every public page names its one address (``rel=canonical``) and describes itself
(``meta name=description``), in the page's language."""

import re
from html import unescape

import pytest
from django.utils import translation

from tests.factories import EventFactory, bilateral_document

pytestmark = pytest.mark.django_db


def meta(content):
    canonical = re.findall(r'<link rel="canonical" href="([^"]*)">', content)
    description = re.findall(r'<meta name="description" content="([^"]*)">', content)
    return canonical, [unescape(d) for d in description]


@pytest.fixture
def register():
    event = EventFactory(city="Astana")
    document = bilateral_document(
        event=event, summary="Cooperation in science.", signed_city="Astana"
    )
    with translation.override("en-gb"):
        return {
            "document": document.get_absolute_url(),
            "event": event.get_absolute_url(),
            "body": document.parties.first().body.get_absolute_url(),
        }


@pytest.mark.parametrize(
    "page",
    [
        "/",
        "/agreements/",
        "document",
        "event",
        "body",
        "/events/",
        "/bodies/",
        "/countries/",
        "/countries/kz/",
        "/follow-up/",
    ],
)
def test_each_page_has_one_canonical_address_and_a_description(client, register, page):
    path = register.get(page, page)
    content = client.get(path).content.decode()
    canonical, description = meta(content)
    assert canonical == [f"http://testserver{path}"]
    assert len(description) == 1 and len(description[0]) > 20


def test_the_canonical_address_keeps_the_known_filters_only(client, register):
    content = client.get(
        "/agreements/", {"kind": "memorandum", "utm_source": "chat", "page": "1"}
    ).content.decode()
    canonical, _description = meta(content)
    assert canonical == ["http://testserver/agreements/?kind=memorandum"]


def test_a_document_describes_itself_in_the_pages_language(client, register):
    _canonical, (description,) = meta(client.get(register["document"]).content.decode())
    assert description.startswith("Memorandum of understanding, ")
    assert "Astana. Cooperation in science." in description
    russian = client.get(f"/ru{register['document']}").content.decode()
    canonical, (description,) = meta(russian)
    assert canonical == [f"http://testserver/ru{register['document']}"]
    assert description.startswith("Меморандум о взаимопонимании, ")


def test_a_country_page_describes_itself(client):
    bilateral_document(countries=("KZ", "GB"))
    _canonical, (description,) = meta(client.get("/countries/gb/").content.decode())
    assert description == (
        "Signed documents with a party from the United Kingdom, and what has come "
        "of them."
    )
