"""The sitemap: an index of sections, split into files, public records only."""

import datetime
import math
import xml.etree.ElementTree as ET
from http import HTTPStatus
from urllib.parse import urlsplit

import pytest
from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps import views as sitemap_views
from django.db.models import Max

from agreements import sitemaps
from agreements.models import Document, Event
from tests.factories import (
    BodyFactory,
    DocumentFactory,
    EventFactory,
    PartyFactory,
    bilateral_document,
)

pytestmark = pytest.mark.django_db

NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}
BASE = "http://testserver"


def get_xml(client, url):
    response = client.get(url)
    assert response.status_code == HTTPStatus.OK, url
    assert response["Content-Type"] == "application/xml"
    return ET.fromstring(response.content)


def index_entries(client):
    """``{relative URL: lastmod or None}`` of /sitemap.xml."""
    root = get_xml(client, "/sitemap.xml")
    assert root.tag == f"{{{NS['sm']}}}sitemapindex"
    entries = {}
    for entry in root.findall("sm:sitemap", NS):
        loc = entry.findtext("sm:loc", namespaces=NS)
        assert loc.startswith(BASE)
        entries[loc.removeprefix(BASE)] = entry.findtext("sm:lastmod", namespaces=NS)
    return entries


OTHER_LANGUAGES = ("ru", "kk", "az")


def section_urls(client, url):
    """``{path: lastmod or None}`` of one sitemap file's English pages, checking
    that each is also listed in the other three languages, with the same lastmod."""
    urls = section_urls_in_every_language(client, url)
    english = {
        path: lastmod
        for path, lastmod in urls.items()
        if not path.startswith(tuple(f"/{code}/" for code in OTHER_LANGUAGES))
    }
    for path, lastmod in english.items():
        for code in OTHER_LANGUAGES:
            assert urls[f"/{code}{path}"] == lastmod
    assert len(urls) == 4 * len(english)
    return english


def section_urls_in_every_language(client, url):
    root = get_xml(client, url)
    assert root.tag == f"{{{NS['sm']}}}urlset"
    urls = {}
    for entry in root.findall("sm:url", NS):
        loc = entry.findtext("sm:loc", namespaces=NS)
        assert loc.startswith(BASE)
        urls[urlsplit(loc).path] = entry.findtext("sm:lastmod", namespaces=NS)
    return urls


def test_each_page_lists_its_alternates_in_every_language(client, register):
    document = Document.objects.get(slug="trade-agreement")
    number = math.ceil(document.pk / sitemaps.LIMIT)
    root = get_xml(client, f"/sitemap-documents.xml?p={number}")
    xhtml = "{http://www.w3.org/1999/xhtml}link"
    (entry,) = [
        e
        for e in root.findall("sm:url", NS)
        if urlsplit(e.findtext("sm:loc", namespaces=NS)).path
        == "/kk/agreements/trade-agreement/"
    ]
    alternates = {
        link.get("hreflang"): urlsplit(link.get("href")).path
        for link in entry.iter(xhtml)
    }
    assert alternates == {
        "en-gb": "/agreements/trade-agreement/",
        "ru": "/ru/agreements/trade-agreement/",
        "kk": "/kk/agreements/trade-agreement/",
        "az": "/az/agreements/trade-agreement/",
        "x-default": "/agreements/trade-agreement/",
    }


def test_the_pages_in_other_languages_answer(client, register):
    document = Document.objects.get(slug="trade-agreement")
    number = math.ceil(document.pk / sitemaps.LIMIT)
    urls = section_urls_in_every_language(client, f"/sitemap-documents.xml?p={number}")
    assert "/az/agreements/trade-agreement/" in urls
    for url in urls:
        assert client.get(url).status_code == HTTPStatus.OK, url


def all_urls(client):
    """Every URL of every file the index names."""
    urls = {}
    for file_url in index_entries(client):
        urls.update(section_urls(client, file_url))
    return urls


@pytest.fixture
def register():
    """A published and an unpublished document, event, body and country each."""
    event = EventFactory(slug="astana-visit", title="Visit to Astana")
    hidden_event = EventFactory(slug="secret-visit", is_published=False)
    published = bilateral_document(
        slug="trade-agreement", event=event, countries=("KZ", "AZ")
    )
    draft = DocumentFactory(slug="draft-protocol", is_published=False)
    PartyFactory(document=draft, body__slug="draft-only-body", body__country__code="NZ")
    BodyFactory(slug="no-documents")
    return {
        "published": published,
        "draft": draft,
        "event": event,
        "hidden_event": hidden_event,
    }


def test_the_index_names_every_section(client, register):
    entries = index_entries(client)
    assert {urlsplit(url).path for url in entries} == {
        f"/sitemap-{section}.xml" for section in sitemaps.SITEMAPS
    }


def test_the_pages_section_lists_home_the_lists_and_open_data(client, register):
    urls = section_urls(client, "/sitemap-pages.xml")
    assert set(urls) == {
        "/",
        "/agreements/",
        "/events/",
        "/bodies/",
        "/countries/",
        "/follow-up/",
        "/data/",
    }


def test_sections_list_only_published_records(client, register):
    urls = all_urls(client)
    assert "/agreements/trade-agreement/" in urls
    assert "/agreements/draft-protocol/" not in urls
    assert "/events/astana-visit/" in urls
    assert "/events/secret-visit/" not in urls
    # bodies and countries with a published document, not the others
    published_bodies = {
        f"/bodies/{party.body.slug}/" for party in register["published"].parties.all()
    }
    assert published_bodies <= set(urls)
    assert "/bodies/draft-only-body/" not in urls
    assert "/bodies/no-documents/" not in urls
    assert {"/countries/kz/", "/countries/az/"} <= set(urls)
    assert "/countries/nz/" not in urls
    countries = [url for url in urls if url.startswith("/countries/")]
    assert sorted(countries) == ["/countries/", "/countries/az/", "/countries/kz/"]


def test_every_url_in_the_sitemap_answers(client, register):
    urls = all_urls(client)
    assert len(urls) == 7 + 1 + 1 + 2 + 2  # pages (with /data/), records
    for url in urls:
        assert client.get(url).status_code == HTTPStatus.OK, url


def test_lastmod_is_the_records_last_change(client, register):
    changed = datetime.datetime(2024, 3, 5, 12, tzinfo=datetime.UTC)
    Document.objects.filter(pk=register["published"].pk).update(updated_at=changed)
    Event.objects.filter(pk=register["event"].pk).update(
        updated_at=changed - datetime.timedelta(days=3)
    )
    urls = all_urls(client)
    assert urls["/agreements/trade-agreement/"] == "2024-03-05"
    assert urls["/events/astana-visit/"] == "2024-03-02"
    # bodies and countries have no updated_at: no lastmod rather than a wrong one
    assert urls["/countries/kz/"] is None
    # the index dates each section by its latest change, published records only
    Document.objects.filter(pk=register["draft"].pk).update(
        updated_at=changed + datetime.timedelta(days=100)
    )
    entries = index_entries(client)
    assert entries["/sitemap-documents.xml"].startswith("2024-03-05T12:00:00")
    assert entries["/sitemap-events.xml"].startswith("2024-03-02T12:00:00")
    assert entries["/sitemap-bodies.xml"] is None


def files_of(client, section):
    return [
        url for url in index_entries(client) if url.startswith(f"/sitemap-{section}.")
    ]


@pytest.mark.parametrize("section", ["documents", "events", "bodies", "countries"])
def test_the_index_names_one_file_for_each_range_of_ids(client, register, section):
    model = sitemaps.SITEMAPS[section]().records().model
    top = model.objects.aggregate(top=Max("pk"))["top"]
    pages = math.ceil(top / sitemaps.LIMIT)
    assert files_of(client, section) == [
        f"/sitemap-{section}.xml",
        *(f"/sitemap-{section}.xml?p={n}" for n in range(2, pages + 1)),
    ]
    assert client.get(f"/sitemap-{section}.xml?p={pages}").status_code == HTTPStatus.OK
    assert (
        client.get(f"/sitemap-{section}.xml?p={pages + 1}").status_code
        == HTTPStatus.NOT_FOUND
    )


def test_a_file_holds_the_published_documents_of_its_range_of_ids(
    client, register, monkeypatch
):
    monkeypatch.setattr(sitemaps.DocumentSitemap, "limit", 2)
    for _ in range(4):
        DocumentFactory()
    DocumentFactory(is_published=False)
    documents = Document.objects.order_by("pk")
    listed = []
    # (not every file: PostgreSQL's ids do not start again at 1 for each test)
    for number in sorted({math.ceil(document.pk / 2) for document in documents}):
        urls = section_urls(client, f"/sitemap-documents.xml?p={number}")
        assert len(urls) <= 2
        assert all(
            math.ceil(Document.objects.get(slug=url.split("/")[2]).pk / 2) == number
            for url in urls
        )
        listed += list(urls)
    # each published document once, in id order: a document keeps its file as the
    # register grows
    assert listed == [
        document.get_absolute_url() for document in documents if document.is_published
    ]
    top = math.ceil(documents.last().pk / 2)
    assert (
        client.get(f"/sitemap-documents.xml?p={top + 1}").status_code
        == HTTPStatus.NOT_FOUND
    )


def test_no_file_is_over_the_protocol_limit():
    for section in sitemaps.SITEMAPS.values():
        assert 0 < section.limit <= Sitemap.limit == 50_000
    assert sitemaps.LIMIT <= 5_000


@pytest.mark.parametrize(
    "url",
    [
        "/sitemap-documents.xml?p=abc",
        "/sitemap-documents.xml?p=0",
        "/sitemap-documents.xml?p=-1",
        "/sitemap-documents.xml?p=1.5",
        "/sitemap-documents.xml?p=999999",
        "/sitemap-documents.xml?p=99999999999999999999",
        "/sitemap-documents.xml?p=%00",
        "/sitemap-nothing.xml",
        "/sitemap-.xml",
        "/sitemap-%3Cscript%3E.xml",
    ],
)
def test_pages_and_sections_that_do_not_exist_answer_404(client, register, url):
    response = client.get(url)
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert b"<script>" not in response.content


def render(view, rf, **kwargs):
    """The sitemap view's answer, rendered: its own queries, without the
    middleware's (the page cache's)."""
    response = view(rf.get("/"), sitemaps=sitemaps.SITEMAPS, **kwargs)
    response.render()
    assert response.status_code == HTTPStatus.OK
    return ET.fromstring(response.content)


def test_the_index_issues_a_fixed_number_of_queries(
    rf, register, django_assert_max_num_queries
):
    for _ in range(10):
        bilateral_document(event=EventFactory())
    # keeps the index free of N+1 queries: the highest id of each section, and the
    # latest change of documents and of events
    with django_assert_max_num_queries(6):
        root = render(sitemap_views.index, rf, sitemap_url_name="sitemap-section")
    assert len(root.findall("sm:sitemap", NS)) >= 5


@pytest.mark.parametrize("section", list(sitemaps.SITEMAPS))
def test_each_file_issues_a_fixed_number_of_queries(
    rf, register, section, django_assert_max_num_queries, monkeypatch
):
    for code in ("FR", "DE", "IT", "ES", "PT", "NL"):
        bilateral_document(event=EventFactory(), countries=(code, "KZ"))
    # one file for all (PostgreSQL's ids, which choose the file, do not start
    # again at 1 for each test)
    monkeypatch.setattr(sitemaps.RecordSitemap, "limit", 10**9)
    # keeps each file free of N+1 queries: the highest id and the file's rows
    with django_assert_max_num_queries(2):
        root = render(sitemap_views.sitemap, rf, section=section)
    assert len(root.findall("sm:url", NS)) >= 5


def test_robots_txt_points_at_the_sitemap(client, register):
    response = client.get("/robots.txt")
    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert lines[0] == "User-agent: *"
    assert "Disallow: /admin/" in lines
    assert f"Sitemap: {BASE}/sitemap.xml" in lines
    # documents stay crawlable; the lists' endless query strings do not
    assert "Disallow: /agreements/" not in lines
    assert "Disallow: /agreements/?" in lines


def test_the_sitemap_names_the_host_it_was_asked_on(client, register, settings):
    settings.ALLOWED_HOSTS = ["register.example.org"]
    response = client.get("/sitemap.xml", headers={"host": "register.example.org"})
    assert b"<loc>http://register.example.org/sitemap-documents.xml</loc>" in (
        response.content
    )
    # a host that is not allowed is refused, never echoed into the sitemap
    response = client.get("/sitemap.xml", headers={"host": "evil.example.com"})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert b"evil.example.com" not in response.content
