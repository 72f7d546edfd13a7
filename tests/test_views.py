"""The public pages' URLs, what every page shares, home and the document list (the
document page, bodies, events and countries have their own test_views_*.py modules)."""

import datetime
import re
from http import HTTPStatus

import pytest
from django.core.cache import cache
from django.template import loader
from django.urls import resolve, reverse
from django.utils import timezone

from agreements import filters, views
from agreements.filters import ORDERINGS
from agreements.models import (
    Document,
)
from agreements.pagination import KeysetPaginator
from tests.factories import (
    BodyFactory,
    BodyNameFactory,
    DocumentFactory,
    EventFactory,
    PartyFactory,
    TopicFactory,
    bilateral_document,
)

pytestmark = pytest.mark.django_db

SIGNED = datetime.date(2023, 4, 10)


@pytest.fixture(autouse=True)
def empty_cache():
    # cached aggregates are keyed on the data's last change; start each test afresh
    cache.clear()
    yield
    cache.clear()


def many_documents(n, **kwargs):
    return [bilateral_document(**kwargs) for _ in range(n)]


def h1_count(response):
    return len(re.findall(rb"<h1[\s>]", response.content))


# --- URLs -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "kwargs", "path"),
    [
        ("home", {}, "/"),
        ("document-list", {}, "/agreements/"),
        ("document-detail", {"slug": "kz-az-treaty"}, "/agreements/kz-az-treaty/"),
        ("body-list", {}, "/bodies/"),
        ("body-detail", {"slug": "mfa-kz"}, "/bodies/mfa-kz/"),
        ("event-list", {}, "/events/"),
        ("event-detail", {"slug": "visit-2023"}, "/events/visit-2023/"),
        ("country-detail", {"code": "az"}, "/countries/az/"),
    ],
)
def test_url_names_and_paths_round_trip(name, kwargs, path):
    assert reverse(f"agreements:{name}", kwargs=kwargs) == path
    match = resolve(path)
    assert match.view_name == f"agreements:{name}"
    assert match.kwargs == kwargs


def test_model_urls_are_the_public_pages():
    document = bilateral_document(slug="kz-az-treaty")
    party = document.parties.select_related("body__country").first()
    assert document.get_absolute_url() == "/agreements/kz-az-treaty/"
    assert party.body.get_absolute_url() == f"/bodies/{party.body.slug}/"
    assert party.body.country.get_absolute_url() == "/countries/kz/"


# --- Every page -----------------------------------------------------------------------


def test_every_page_has_one_h1_landmarks_skip_link_and_the_sections(client):
    document = bilateral_document(event=EventFactory())
    body = document.parties.first().body
    for path in (
        "/",
        "/agreements/",
        document.get_absolute_url(),
        "/bodies/",
        body.get_absolute_url(),
        "/events/",
        document.event.get_absolute_url(),
        "/countries/kz/",
    ):
        response = client.get(path)
        assert response.status_code == HTTPStatus.OK, path
        assert h1_count(response) == 1, path
        content = response.content.decode()
        assert '<html lang="en-GB">' in content
        assert 'href="#main-content"' in content and 'id="main-content"' in content
        for landmark in ("<header", "<nav", "<main", "<footer"):
            assert landmark in content, (path, landmark)
        for section in ("Agreements", "Events", "Bodies", "Follow-up"):
            assert f">{section}</a>" in content, (path, section)
        assert "style=" not in content, path
        # no script inline: data (JSON-LD) or a file of our own, nothing else
        for script in re.findall(r"<script\b[^>]*>", content):
            assert script == '<script type="application/ld+json">' or re.fullmatch(
                r'<script src="/static/js/[\w.-]+\.js" defer>', script
            ), (path, script)


def test_footer_says_when_published_data_last_changed(client):
    DocumentFactory()
    newest = DocumentFactory()
    Document.objects.filter(pk=newest.pk).update(
        updated_at=datetime.datetime(2026, 3, 5, 12, tzinfo=datetime.UTC)
    )
    hidden = DocumentFactory(is_published=False)
    Document.objects.filter(pk=hidden.pk).update(
        updated_at=datetime.datetime(2026, 9, 9, 12, tzinfo=datetime.UTC)
    )
    response = client.get("/agreements/")
    latest = timezone.localdate(
        Document.objects.published().latest("updated_at").updated_at
    )
    assert (
        f'Data last changed <time datetime="{latest.isoformat()}">'
        f"{latest.day} {latest:%B %Y}</time>." in response.content.decode()
    )
    # the unpublished document changed later, and is not what the footer reports
    assert "9 September 2026" not in response.content.decode()


def test_breadcrumbs_lead_back_to_the_list_and_home(client):
    document = bilateral_document(title="Treaty of friendship")
    response = client.get(document.get_absolute_url())
    crumbs = (
        response.content.decode().split('aria-label="Breadcrumb"')[1].split("</nav>")[0]
    )
    assert 'href="/"' in crumbs
    assert 'href="/agreements/"' in crumbs
    assert 'aria-current="page">Treaty of friendship</li>' in crumbs


def test_not_found_uses_the_site_design(client):
    response = client.get("/agreements/no-such-document/")
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert b"Page not found" in response.content
    assert b"Register of signed bilateral documents" in response.content


def test_server_error_page_renders_without_a_request_or_the_database(
    django_assert_num_queries,
):
    with django_assert_num_queries(0):
        html = loader.get_template("500.html").render()
    assert "Sorry, there is a problem with the service" in html
    assert "<h1" in html and 'lang="en-GB"' in html


# --- Home -----------------------------------------------------------------------------


def test_home_counts_published_documents_by_kind_status_and_follow_up(client):
    DocumentFactory.create_batch(2, kind=Document.Kind.TREATY)
    DocumentFactory(kind=Document.Kind.PROTOCOL, in_force=True)
    DocumentFactory(
        kind=Document.Kind.TREATY,
        follow_up_status=Document.FollowUpStatus.STALLED,
        is_published=False,
    )
    response = client.get("/")
    content = response.content.decode()
    assert re.search(
        r'href="/agreements/\?kind=treaty">Treaty</a>\s*<span[^>]*>2<', content
    )
    assert re.search(
        r'href="/agreements/\?status=in_force">In force</a>\s*<span[^>]*>1<', content
    )
    assert 'href="/agreements/?follow_up=unknown"' in content
    # the unpublished document's stalled follow-up is counted nowhere
    assert 'href="/agreements/?follow_up=stalled"' not in content
    assert response.context["total"] == 3


def test_home_lists_latest_published_events_only(client):
    EventFactory(title="State visit to Baku", date=datetime.date(2024, 5, 1))
    EventFactory(title="Secret summit", is_published=False)
    content = client.get("/").content.decode()
    assert "State visit to Baku" in content
    assert "Secret summit" not in content


@pytest.mark.parametrize("n", [1, 30])
def test_home_queries_stay_constant(client, django_assert_max_num_queries, n):
    # keeps the page free of N+1 queries
    many_documents(n, event=EventFactory())
    EventFactory.create_batch(n)
    # cold: the register generation, the page's aggregates, the footer's last change
    with django_assert_max_num_queries(5):
        assert client.get("/").status_code == HTTPStatus.OK
    # warm: the aggregates come from the cache until the register changes
    with django_assert_max_num_queries(1):
        assert client.get("/").status_code == HTTPStatus.OK


# --- Document list --------------------------------------------------------------------


def test_list_shows_a_renamed_body_under_its_new_name_at_once(client):
    # the list's rows are cached nowhere: a renamed body shows at once
    document = bilateral_document(signed_on=datetime.date(2023, 4, 10))
    body = document.parties.first().body
    url = reverse("agreements:document-list")
    assert body.name in client.get(url).content.decode()
    body.name = "Ministry of Renamed Affairs"
    body.save()
    assert "Ministry of Renamed Affairs" in client.get(url).content.decode()
    BodyNameFactory(
        body=body,
        name="Ministry of Earlier Affairs",
        valid_from=datetime.date(2020, 1, 1),
        valid_until=datetime.date(2023, 12, 31),
    )
    content = client.get(url).content.decode()
    assert "Ministry of Earlier Affairs" in content
    assert "Ministry of Renamed Affairs" not in content


def test_list_shows_each_documents_parties_in_their_order(client):
    document = DocumentFactory(title="Ordered parties")
    for order, name in ((2, "Second side"), (1, "First side"), (3, "Third side")):
        PartyFactory(document=document, order=order, body=BodyFactory(name=name))
    content = client.get("/agreements/").content.decode()
    row = content.split("Ordered parties")[1].split("</tr>")[0]
    assert row.index("First side") < row.index("Second side") < row.index("Third side")


def test_list_shows_published_documents_with_parties_and_status_tag(client):
    document = bilateral_document(title="Agreement on air services", in_force=True)
    bilateral_document(title="Draft agreement", is_published=False)
    response = client.get("/agreements/")
    content = response.content.decode()
    assert "Agreement on air services" in content
    assert "Draft agreement" not in content
    assert "Kazakhstan" in content and "Azerbaijan" in content
    assert '<strong class="tag tag--green">In force</strong>' in content
    assert f'href="{document.get_absolute_url()}"' in content
    assert "<caption" in content and 'scope="col"' in content
    assert response.context["paginator"].count == 1


def test_list_paginates_25_a_page_with_gov_uk_pagination(client):
    for day in range(60):
        DocumentFactory(signed_on=SIGNED - datetime.timedelta(days=day))
    first = client.get("/agreements/")
    assert len(first.context["page_obj"].object_list) == 25
    content = first.content.decode()
    assert 'rel="next"' in content and 'rel="prev"' not in content
    assert 'aria-current="page">1</a>' in content
    last = client.get("/agreements/?page=3")
    assert len(last.context["page_obj"].object_list) == 10
    assert 'rel="prev"' in last.content.decode()


def test_pagination_shows_an_ellipsis_between_distant_pages(client):
    DocumentFactory.create_batch(25 * 9)
    content = client.get("/agreements/?page=5").content.decode()
    assert "&hellip;" in content
    assert 'aria-label="Page 1"' in content and 'aria-label="Page 9"' in content
    assert 'aria-label="Page 7"' not in content


def test_pagination_and_sort_links_keep_every_filter(client):
    DocumentFactory.create_batch(30, kind=Document.Kind.TREATY)
    content = client.get(
        "/agreements/?kind=treaty&status=signed&signed_after=2000-01-01&ordering=title"
    ).content.decode()
    next_link = re.search(r'href="([^"]+)" rel="next"', content).group(1)
    for part in ("kind=treaty", "status=signed", "signed_after=2000-01-01", "page=2"):
        assert part in next_link
    sort_links = re.findall(r'class="sort-link" href="([^"]+)"', content)
    assert sort_links
    for link in sort_links:
        assert "kind=treaty" in link and "status=signed" in link
        assert "page=" not in link


def test_sortable_headers_say_which_column_sorts_and_which_way(client):
    DocumentFactory()
    default = client.get("/agreements/").content.decode()
    assert 'class="documents__signed" aria-sort="descending"' in default
    by_title = client.get("/agreements/?ordering=title").content.decode()
    assert 'class="documents__title" aria-sort="ascending"' in by_title
    # clicking the sorted column reverses it
    assert "ordering=-title" in by_title


def test_sort_select_shows_the_ordering_in_force(client):
    DocumentFactory()

    def select(query):
        content = client.get(f"/agreements/{query}").content.decode()
        return re.search(
            r'<label class="label" for="id_ordering">Sort by</label>\s*'
            r'<select class="select" id="id_ordering" name="ordering">(.*?)</select>',
            content,
            re.S,
        ).group(1)

    by_title = select("?ordering=title")
    options = re.findall(r'<option value="([^"]*)"( selected)?>', by_title)
    assert [value for value, _ in options] == ["", *filters.ORDERINGS]
    assert [value for value, chosen in options if chosen] == ["title"]
    assert '<option value="" selected>Best match, then newest</option>' in select("")


@pytest.mark.parametrize("ordering", sorted(views.KEYSET_ORDERINGS))
def test_deep_pages_found_from_remembered_keys_match_plain_offsets(ordering):
    # deep pages of the unfiltered list start from the remembered sort key of every
    # n-th document; ties (same day, same title) straddle those keys and pages here
    for n in range(23):
        DocumentFactory(
            title=f"Memorandum {n % 3}",
            signed_on=SIGNED - datetime.timedelta(days=n // 7),
        )
    DocumentFactory(is_published=False, title="Memorandum 0", signed_on=SIGNED)
    published = Document.objects.listed()
    expected = list(
        published.order_by(*ORDERINGS[ordering]).values_list("pk", flat=True)
    )
    for every in (3, 4, 7):
        for size in (2, 4, 5):
            paginator = KeysetPaginator(
                published,
                size,
                ordering=ORDERINGS[ordering],
                remember=lambda name, compute: compute(),
            )
            paginator.every = every
            pages = [paginator.page(n).object_list for n in paginator.page_range]
            assert [row.pk for page in pages for row in page] == expected


def test_deep_page_of_the_list_shows_the_right_documents(client):
    for n in range(60):
        DocumentFactory(
            title=f"Doc {n:02d}", signed_on=SIGNED - datetime.timedelta(days=n)
        )
    response = client.get("/agreements/?page=3")
    titles = [row.title for row in response.context["page_obj"].object_list]
    assert titles == [f"Doc {n:02d}" for n in range(50, 60)]


def test_page_past_the_last_answers_404(client):
    DocumentFactory.create_batch(3)
    assert client.get("/agreements/?page=2").status_code == HTTPStatus.NOT_FOUND
    assert client.get("/agreements/?page=last").status_code == HTTPStatus.OK


def test_empty_list_says_so_and_offers_to_clear_filters(client):
    DocumentFactory(kind=Document.Kind.TREATY)
    content = client.get("/agreements/?kind=protocol").content.decode()
    assert "No documents match" in content
    assert "clear all filters" in content
    assert "<table" not in content


@pytest.mark.parametrize("n", [2, 40])
@pytest.mark.parametrize(
    "query",
    [
        "",
        "?kind=memorandum&country=KZ&country=az",
        "?q=memorandum",
        "?topic=trade&status=signed&follow_up=unknown&signed_after=2000-01-01",
        "?ordering=-updated&page=2",
    ],
)
def test_list_queries_stay_constant(client, django_assert_max_num_queries, n, query):
    # keeps the page free of N+1 queries
    trade = TopicFactory(slug="trade")
    for document in many_documents(n):
        document.topics.add(trade)
        BodyNameFactory(body=document.parties.first().body)
    # cold: with the register generation, the count, topics, countries (and for
    # ?country= their bodies) and last change, all cached until the register changes
    with django_assert_max_num_queries(10):
        response = client.get(f"/agreements/{query}")
    assert response.status_code in (HTTPStatus.OK, HTTPStatus.NOT_FOUND)
    # warm: the generation, the page's rows, their parties (with bodies and
    # countries) and the bodies' former names
    with django_assert_max_num_queries(4):
        response = client.get(f"/agreements/{query}")
    assert response.status_code in (HTTPStatus.OK, HTTPStatus.NOT_FOUND)


def test_filtered_list_with_body_and_event_queries_stay_constant(
    client, django_assert_max_num_queries
):
    # keeps the page free of N+1 queries
    event = EventFactory(slug="visit")
    documents = many_documents(30, event=event)
    body = documents[0].parties.first().body
    with django_assert_max_num_queries(11):
        response = client.get(f"/agreements/?body={body.slug}&event=visit")
    assert response.status_code == HTTPStatus.OK
    # warm: the body and the event looked up, the body's parties counted, the page
    with django_assert_max_num_queries(7):
        response = client.get(f"/agreements/?body={body.slug}&event=visit")
    assert response.status_code == HTTPStatus.OK
