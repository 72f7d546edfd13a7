"""The public pages: what each shows, that only published records appear, and that
each page's query count does not grow with the register."""

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
    Body,
    Confidence,
    Document,
    DocumentTitle,
    Relation,
)
from agreements.pagination import KeysetPaginator
from tests.factories import (
    ActionFactory,
    BodyFactory,
    BodyNameFactory,
    CountryFactory,
    DocumentCitationFactory,
    DocumentFactory,
    DocumentTitleFactory,
    EventCitationFactory,
    EventFactory,
    PartyCitationFactory,
    PartyFactory,
    ProgressUpdateFactory,
    RelationFactory,
    SourceFactory,
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
        assert "<script" not in content, path


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
    # cold: with the register generation, the count, topics, countries and last
    # change, all cached until the register changes
    with django_assert_max_num_queries(9):
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


# --- Document page --------------------------------------------------------------------


def test_document_page_shows_the_key_facts_as_a_summary_list(client):
    event = EventFactory(title="Official visit to Astana")
    document = bilateral_document(
        title="Agreement on transit",
        kind=Document.Kind.AGREEMENT,
        signed_on=SIGNED,
        signed_city="Astana",
        in_force=True,
        ended_on=datetime.date(2030, 1, 1),
        valid_from=datetime.date(2023, 1, 1),
        valid_until=datetime.date(2026, 12, 31),
        validity_note="“for 2023-2026” in the title",
        follow_up_status=Document.FollowUpStatus.IN_PROGRESS,
        event=event,
        topics=[TopicFactory(slug="transport", name="transport and transit")],
    )
    content = client.get(document.get_absolute_url()).content.decode()
    assert '<dl class="summary-list">' in content
    for text in (
        "10 April 2023</time>, Astana",
        "Official visit to Astana",
        "In force",
        "Entered into force on",
        "10 May 2023",
        "Ended on",
        "1 January 2030",
        "31 December 2026",
        "“for 2023-2026” in the title",
        "In progress",
        'href="/agreements/?topic=transport"',
        "Last updated",
    ):
        assert text in content, text


def test_document_page_lists_parties_with_their_name_at_signing(client):
    body = BodyFactory(name="Ministry of Trade and Integration")
    BodyNameFactory(
        body=body,
        name="Ministry of National Economy",
        valid_from=datetime.date(2014, 1, 1),
        valid_until=datetime.date(2019, 12, 31),
    )
    document = DocumentFactory(signed_on=datetime.date(2016, 6, 1))
    PartyFactory(document=document, body=body, order=1, signatory_name="")
    PartyFactory(
        document=document,
        order=2,
        signatory_name="Mikayil Jabbarov",
        signatory_position="Minister of Economy",
    )
    content = client.get(document.get_absolute_url()).content.decode()
    assert f'<a href="/bodies/{body.slug}/">Ministry of National Economy</a>' in content
    assert "(now Ministry of Trade and Integration)" in content
    assert "Not reported" in content
    assert "Mikayil Jabbarov" in content and "Minister of Economy" in content


def test_document_page_shows_party_citations_beside_the_parties(client):
    document = bilateral_document()
    party = document.parties.first()
    PartyCitationFactory(
        party=party,
        source=SourceFactory(publisher="Kazinform"),
        confidence=Confidence.INFERRED,
        claim="signatory",
        note="Named as minister at the time.",
    )
    content = client.get(document.get_absolute_url()).content.decode()
    parties = content.split('id="parties"')[1].split("</table>")[0]
    assert "Kazinform" in parties and "signatory" in parties
    assert "Named as minister at the time." in parties
    assert "tag--inferred" in parties


def test_document_page_numbers_sources_with_confidence_in_words(client):
    document = bilateral_document()
    DocumentCitationFactory(
        document=document,
        source=SourceFactory(title="Official text"),
        confidence=Confidence.CONFIRMED,
        claim="signing",
    )
    DocumentCitationFactory(
        document=document,
        source=SourceFactory(title="A guess"),
        confidence=Confidence.INFERRED,
        claim="place in the package",
        note="No source lists the documents.",
    )
    content = client.get(document.get_absolute_url()).content.decode()
    sources = content.split('id="sources"')[1]
    assert '<ol class="sources">' in sources
    assert 'sources__item--confirmed"' in sources and ">Confirmed<" in sources
    assert 'sources__item--inferred"' in sources and ">Inferred<" in sources
    assert "Supports: place in the package" in sources
    assert "No source lists the documents." in sources


def test_sources_give_publisher_date_and_a_link_only_for_web_addresses(client):
    document = bilateral_document()
    for source, note in (
        (
            SourceFactory(
                title="Joint statement <b>",
                url="https://akorda.kz/en/statement",
                publisher="Akorda",
                published_on=datetime.date(2023, 4, 10),
            ),
            "First line\nsecond <i>line</i>",
        ),
        (
            SourceFactory(
                title="",
                url="https://example.org/bare",
                publisher="",
                published_on=None,
            ),
            "",
        ),
        (
            SourceFactory(
                title="Undated", publisher="", published_on=datetime.date(2023, 4, 11)
            ),
            "",
        ),
        (SourceFactory(title="Scheme", url="javascript:alert(1)", publisher=""), ""),
    ):
        DocumentCitationFactory(document=document, source=source, note=note)
    content = client.get(document.get_absolute_url()).content.decode()
    sources = content.split('<ol class="sources">')[1].split("</ol>")[0]
    assert (
        '<a href="https://akorda.kz/en/statement" class="sources__link">'
        "Joint statement &lt;b&gt;</a>" in sources
    )
    assert (
        '<span class="secondary">– Akorda, <time datetime="2023-04-10">'
        "10 April 2023</time></span>" in sources
    )
    assert (
        '<p class="sources__note">First line<br>second &lt;i&gt;line&lt;/i&gt;</p>'
        in sources
    )
    # no title: the address is shown, as an address
    assert (
        '<a href="https://example.org/bare" class="sources__link link--url">'
        "https://example.org/bare</a>" in sources
    )
    # a date without a publisher
    assert re.search(
        r'Undated</a>\s*<span class="secondary">– <time datetime="2023-04-11">',
        sources,
    )
    # only http(s) addresses become links
    assert re.search(r"</strong>\s*Scheme\s*<", sources)
    assert "javascript" not in sources


def test_document_page_marks_titles_in_other_languages_and_variants(client):
    document = bilateral_document()
    DocumentTitleFactory(
        document=document,
        language=DocumentTitle.Language.RUSSIAN,
        title="Соглашение о транзите",
    )
    DocumentTitleFactory(
        document=document,
        language=DocumentTitle.Language.KAZAKH,
        title="Транзит туралы келісім",
        is_official=False,
    )
    content = client.get(document.get_absolute_url()).content.decode()
    assert '<li lang="ru">' in content and "Соглашение о транзите" in content
    assert '<li lang="kk">' in content and "Variant wording" in content


def test_document_page_reads_relations_both_ways_and_only_to_published(client):
    declaration = bilateral_document(title="Declaration of 24 August 2022")
    protocol = bilateral_document(title="Protocol of 2023")
    draft = bilateral_document(title="Draft programme", is_published=False)
    RelationFactory(
        from_document=protocol,
        to_document=declaration,
        kind=Relation.Kind.IMPLEMENTS,
    )
    RelationFactory(
        from_document=draft, to_document=declaration, kind=Relation.Kind.IMPLEMENTS
    )
    RelationFactory(
        from_document=protocol, to_document=draft, kind=Relation.Kind.REFERS_TO
    )
    on_protocol = client.get(protocol.get_absolute_url()).content.decode()
    assert "Implements: <a" in on_protocol
    assert "Declaration of 24 August 2022" in on_protocol
    assert "Draft programme" not in on_protocol
    on_declaration = client.get(declaration.get_absolute_url()).content.decode()
    assert "Implemented by: <a" in on_declaration
    assert "Protocol of 2023" in on_declaration
    assert "Draft programme" not in on_declaration


def test_document_page_notes_an_inferred_place_in_the_event_package(client):
    document = bilateral_document(
        event=EventFactory(), event_confidence=Confidence.INFERRED
    )
    confirmed = bilateral_document(
        event=EventFactory(), event_confidence=Confidence.CONFIRMED
    )
    assert "place in the package is an inference" in (
        client.get(document.get_absolute_url()).content.decode()
    )
    assert "place in the package is an inference" not in (
        client.get(confirmed.get_absolute_url()).content.decode()
    )


def test_document_page_does_not_link_an_unpublished_event(client):
    document = bilateral_document(
        event=EventFactory(title="Hidden visit", is_published=False)
    )
    assert b"Hidden visit" not in client.get(document.get_absolute_url()).content


def test_document_page_shows_its_follow_up_actions_and_timeline(client):
    document = bilateral_document()
    action = ActionFactory(document=document, title="Hold the Days of Culture")
    ProgressUpdateFactory(action=action, title="Days of Culture held in Baku")
    content = client.get(document.get_absolute_url()).content.decode()
    assert 'id="follow-up-heading"' in content
    assert "Hold the Days of Culture" in content
    assert "Days of Culture held in Baku" in content


def test_document_page_gives_a_stable_url_to_cite(client):
    document = bilateral_document(slug="kz-az-air-services")
    content = client.get(document.get_absolute_url()).content.decode()
    assert "Cite this page" in content
    assert "http://testserver/agreements/kz-az-air-services/" in content
    assert "accessed <time" in content


def test_unpublished_document_answers_404(client):
    document = bilateral_document(is_published=False)
    assert client.get(document.get_absolute_url()).status_code == HTTPStatus.NOT_FOUND


@pytest.mark.parametrize("n", [1, 12])
def test_document_page_queries_stay_constant(client, django_assert_max_num_queries, n):
    # keeps the page free of N+1 queries
    document = DocumentFactory(event=EventFactory(), topics=[TopicFactory()])
    for order in range(1, n + 1):
        party = PartyFactory(document=document, order=order)
        BodyNameFactory(body=party.body)
        PartyCitationFactory(party=party)
        DocumentCitationFactory(document=document)
        DocumentTitleFactory(document=document, source=SourceFactory())
        RelationFactory(from_document=document)
        RelationFactory(to_document=document)
        action = ActionFactory(document=document)
        ProgressUpdateFactory(action=action)
    # the generation and the footer's last change, the document, its parties (with
    # their bodies), the bodies' former names, the parties' sources, titles,
    # sources, topics, relations each way, and the follow-up's actions and updates
    with django_assert_max_num_queries(14):
        response = client.get(document.get_absolute_url())
    assert response.status_code == HTTPStatus.OK


# --- Bodies ---------------------------------------------------------------------------


def test_bodies_are_listed_grouped_by_country(client):
    BodyFactory(
        name="Ministry of Foreign Affairs of Azerbaijan",
        country=CountryFactory(code="AZ"),
    )
    BodyFactory(
        name="Ministry of Foreign Affairs of Kazakhstan",
        country=CountryFactory(code="KZ"),
    )
    content = client.get("/bodies/").content.decode()
    azerbaijan = content.index('id="country-AZ"')
    kazakhstan = content.index('id="country-KZ"')
    assert azerbaijan < content.index("Ministry of Foreign Affairs of Azerbaijan")
    assert content.index("Ministry of Foreign Affairs of Azerbaijan") < kazakhstan


def test_bodies_search_matches_names_short_names_and_former_names_in_any_case(client):
    BodyFactory(
        name="Қазақстан Республикасының Сыртқы істер министрлігі", short_name="СІМ"
    )
    renamed = BodyFactory(name="Ministry of Trade and Integration")
    BodyNameFactory(body=renamed, name="Ministry of National Economy")
    BodyFactory(name="Azərbaycan Dövlət Teleqraf Agentliyi", short_name="AZƏRTAC")
    BodyFactory(name="Unrelated chamber")

    def names(query):
        response = client.get("/bodies/", {"q": query})
        return {body.name for body in response.context["bodies"]}

    assert names("ҚАЗАҚСТАН") == {"Қазақстан Республикасының Сыртқы істер министрлігі"}
    assert names("national economy") == {"Ministry of Trade and Integration"}
    assert names("azərtac") == {"Azərbaycan Dövlət Teleqraf Agentliyi"}
    assert names("nothing like it") == set()


def test_bodies_list_is_paginated(client):
    BodyFactory.create_batch(55)
    response = client.get("/bodies/")
    assert len(response.context["bodies"]) == 50
    assert client.get("/bodies/?page=2").status_code == HTTPStatus.OK
    assert client.get("/bodies/?page=3").status_code == HTTPStatus.NOT_FOUND


@pytest.mark.parametrize("n", [2, 60])
def test_bodies_list_queries_stay_constant(client, django_assert_max_num_queries, n):
    # keeps the page free of N+1 queries
    BodyFactory.create_batch(n)
    # cold: the register generation, the count and the footer's last change, cached
    with django_assert_max_num_queries(4):
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
    BodyFactory(name="Committee on Trade", parent=body)
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
    # cold: the register generation, the count and the footer's last change, cached
    with django_assert_max_num_queries(4):
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
    # events, cached), the recent documents, their parties and the parties' bodies'
    # former names, the last change
    with django_assert_max_num_queries(10):
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


# --- Links from the data --------------------------------------------------------------


def test_an_address_that_is_not_http_is_shown_as_text_never_a_link(client):
    # the forms refuse such addresses; a fixture, the shell or an import may not
    document = bilateral_document(title="Memorandum")
    source = SourceFactory(url="https://example.org/good", title="Good source")
    DocumentCitationFactory(document=document, source=source)
    bad = SourceFactory(url="javascript:alert(1)", title="Bad source")
    DocumentCitationFactory(document=document, source=bad)
    body = document.parties.first().body
    type(body).objects.filter(pk=body.pk).update(website=" javascript:alert(2)")
    page = client.get(document.get_absolute_url()).content.decode()
    assert '<a href="https://example.org/good"' in page
    assert "Bad source" in page
    assert not re.search(r"href=\s*[\"']?\s*javascript:", page, re.IGNORECASE)
    body_page = client.get(body.get_absolute_url()).content.decode()
    assert "javascript:alert(2)" in body_page
    assert not re.search(r"href=\s*[\"']?\s*javascript:", body_page, re.IGNORECASE)
