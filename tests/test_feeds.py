"""Atom feeds of the published documents (with the list's filters) and of the
follow-up, linked from the pages they follow."""

import datetime
import xml.etree.ElementTree as ET
from http import HTTPStatus

import pytest

from tests.factories import (
    ActionFactory,
    EventFactory,
    ProgressUpdateFactory,
    bilateral_document,
)

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


def entries(client, url, params=None):
    response = client.get(url, params or {})
    assert response.status_code == HTTPStatus.OK, response.content
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)
    return feed, [
        (entry.find(f"{ATOM}title").text, entry.find(f"{ATOM}link").get("href"))
        for entry in feed.findall(f"{ATOM}entry")
    ]


def test_the_documents_feed_takes_the_lists_filters(client):
    memorandum = bilateral_document(
        title="Memorandum on science", kind="memorandum", countries=("KZ", "AZ")
    )
    bilateral_document(title="Treaty on friendship", kind="treaty")
    bilateral_document(title="Draft memorandum", kind="memorandum", is_published=False)

    feed, items = entries(client, "/feeds/documents/")
    titles = [title for title, _link in items]
    assert "Memorandum on science" in titles and "Treaty on friendship" in titles
    assert "Draft memorandum" not in titles  # published records only

    feed, items = entries(
        client, "/feeds/documents/", {"kind": "memorandum", "country": "AZ"}
    )
    assert items == [
        ("Memorandum on science", f"http://testserver{memorandum.get_absolute_url()}")
    ]
    assert "Kind: memorandum of understanding" in feed.find(f"{ATOM}title").text


@pytest.mark.parametrize("url", ["/feeds/documents/", "/feeds/follow-up/"])
def test_a_feed_is_handed_to_the_server_in_one_piece(client, url):
    # the feed generator writes a few bytes at a time; the WSGI server would send
    # each piece to the socket on its own
    for number in range(3):
        document = bilateral_document(title=f"Memorandum No. {number}")
        ProgressUpdateFactory(document=document)
    response = client.get(url)
    pieces = list(response)
    assert len(pieces) == 1
    assert pieces[0].count(b"<entry>") == 3


def test_a_bad_parameter_is_a_400_that_names_it(client):
    response = client.get("/feeds/documents/", {"signed_after": "yesterday"})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "signed_after" in response.content.decode()
    response = client.get("/feeds/follow-up/", {"country": "XX"})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "country" in response.content.decode()
    response = client.get("/feeds/follow-up/", {"colour": "red"})
    assert response.status_code == HTTPStatus.BAD_REQUEST


def test_the_follow_up_feed_by_country_and_body(client):
    kz_az = bilateral_document(title="Agreement on transit", countries=("KZ", "AZ"))
    other = bilateral_document(title="Agreement on trade", countries=("KZ", "UZ"))
    action = ActionFactory(document=kz_az, title="Open the route")
    ProgressUpdateFactory(
        document=kz_az,
        action=action,
        title="The first train ran",
        happened_on=datetime.date(2024, 5, 1),
    )
    ProgressUpdateFactory(
        document=other, title="Tariffs agreed", happened_on=datetime.date(2024, 6, 1)
    )
    ProgressUpdateFactory(
        document=bilateral_document(is_published=False), title="Not public"
    )

    _feed, items = entries(client, "/feeds/follow-up/")
    titles = [title for title, _link in items]
    assert titles == [
        "Tariffs agreed (Agreement on trade)",
        "The first train ran (Agreement on transit)",
    ]
    _feed, items = entries(client, "/feeds/follow-up/", {"country": "az"})
    assert [title for title, _link in items] == [
        "The first train ran (Agreement on transit)"
    ]
    body = other.parties.last().body
    _feed, items = entries(client, "/feeds/follow-up/", {"body": body.slug})
    assert [title for title, _link in items] == ["Tariffs agreed (Agreement on trade)"]


def test_a_feed_in_another_language(client):
    bilateral_document(title="Memorandum on science")
    feed, _items = entries(client, "/ru/feeds/documents/")
    assert "Документы" in feed.find(f"{ATOM}title").text


@pytest.mark.parametrize(
    ("page", "feed"),
    [
        ("/agreements/?kind=memorandum", "/feeds/documents/?kind=memorandum"),
        ("/countries/kz/", "/feeds/documents/?country=KZ"),
    ],
)
def test_pages_name_their_feed(client, page, feed):
    bilateral_document()
    content = client.get(page).content.decode()
    assert '<link rel="alternate" type="application/atom+xml"' in content
    assert f'href="{feed}"' in content.replace("&amp;", "&")


def test_body_and_event_pages_name_their_feed(client):
    event = EventFactory()
    document = bilateral_document(event=event)
    body = document.parties.first().body
    body_page = client.get(body.get_absolute_url()).content.decode()
    assert f'href="/feeds/documents/?body={body.slug}"' in body_page
    event_page = client.get(event.get_absolute_url()).content.decode()
    assert f'href="/feeds/documents/?event={event.slug}"' in event_page


# --- The page cache -----------------------------------------------------------------


@pytest.fixture
def page_cache_on(settings):
    settings.PAGE_CACHE_SECONDS = 600


@pytest.mark.parametrize(
    "url",
    [
        "/feeds/documents/",
        "/feeds/documents/?kind=memorandum&country=KZ",
        "/ru/feeds/documents/",
        "/feeds/follow-up/",
        "/feeds/follow-up/?country=KZ",
    ],
)
def test_a_warm_feed_comes_from_the_page_cache_and_a_change_clears_it(
    client, page_cache_on, url, django_assert_max_num_queries
):
    document = bilateral_document(title="Memorandum on science", kind="memorandum")
    ProgressUpdateFactory(document=document, title="First meeting held")
    first = client.get(url)
    assert first.status_code == HTTPStatus.OK
    assert first["X-Cache"] == "miss"
    # one query: the register generation, then the stored feed
    with django_assert_max_num_queries(1):
        warm = client.get(url)
    assert warm["X-Cache"] == "hit"
    assert warm.content == first.content

    newer = bilateral_document(title="Memorandum on trade", kind="memorandum")
    ProgressUpdateFactory(document=newer, title="Second meeting held")
    fresh = client.get(url)
    assert fresh["X-Cache"] == "miss"
    assert b"Memorandum on trade" in fresh.content


def test_feeds_asked_for_in_another_order_share_one_entry(client, page_cache_on):
    bilateral_document(kind="memorandum", countries=("KZ", "AZ"))
    assert (
        client.get("/feeds/documents/?country=KZ&kind=memorandum&country=AZ")["X-Cache"]
        == "miss"
    )
    again = client.get("/feeds/documents/?kind=memorandum&country=AZ&country=KZ")
    assert again["X-Cache"] == "hit"


def test_a_feeds_bad_request_is_never_stored(client, page_cache_on):
    for _ in range(2):
        response = client.get("/feeds/follow-up/?country=XX")
        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert "X-Cache" not in response


def test_an_update_is_one_entry_however_many_parties_match(client):
    document = bilateral_document(countries=("KZ", "KZ", "AZ"))
    ProgressUpdateFactory(document=document, title="Joint commission met")
    bodies = "&".join(f"body={p.body.slug}" for p in document.parties.all()[:2])
    for query in ("country=KZ", "country=KZ&country=AZ", bodies):
        _feed, items = entries(client, f"/feeds/follow-up/?{query}")
        assert [title for title, _link in items] == [
            f"Joint commission met ({document.title})"
        ], query
