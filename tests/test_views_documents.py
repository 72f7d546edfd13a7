"""The public document page and the links it draws from the data."""

import datetime
import re
from http import HTTPStatus

import pytest
from django.utils import timezone
from django.utils.formats import date_format

from agreements.models import (
    Confidence,
    Document,
    DocumentTitle,
    Relation,
)
from tests.factories import (
    ActionFactory,
    AttachmentFactory,
    BodyFactory,
    BodyNameFactory,
    DocumentCitationFactory,
    DocumentFactory,
    DocumentIdentifierFactory,
    DocumentTitleFactory,
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
from tests.test_views import (
    SIGNED,
    empty_cache,  # noqa: F401 (autouse fixture: applies here too)
)

pytestmark = pytest.mark.django_db


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
    # the follow-up status is shown as recorded only with a sourced update
    ProgressUpdateFactory(
        document=document,
        source=SourceFactory(),
        happened_on=SIGNED + datetime.timedelta(days=5),
        status_before=Document.FollowUpStatus.NOT_STARTED,
        status_after=Document.FollowUpStatus.IN_PROGRESS,
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
    note = "that this document is one of those counted is the register’s inference"
    assert note in client.get(document.get_absolute_url()).content.decode()
    assert note not in client.get(confirmed.get_absolute_url()).content.decode()


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
    # in a read-only text box, to select and copy (markup would show there as text)
    today = date_format(timezone.localdate(), "DATE_FORMAT")
    assert re.search(
        r'<textarea class="input cite__text" id="cite-text" rows="3" readonly '
        r"data-copy-source>Register of signed bilateral documents, “[^”]+”, "
        rf"http://testserver/agreements/kz-az-air-services/ \(accessed {today}\)\."
        r"</textarea>",
        content,
    )


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
        PartyStepFactory(party=party)
        DocumentCitationFactory(document=document)
        DocumentTitleFactory(document=document, source=SourceFactory())
        RelationFactory(from_document=document)
        RelationFactory(to_document=document)
        action = ActionFactory(document=document)
        ProgressUpdateFactory(action=action)
    # the generation and the footer's last change, the document, its parties (with
    # their bodies), the bodies' former names, the parties' sources, titles,
    # sources, topics, relations each way, and the follow-up's actions (with their
    # sources) and updates, the parties' steps (with their sources), the identifiers
    # and the texts (with their sources)
    with django_assert_max_num_queries(18):
        response = client.get(document.get_absolute_url())
    assert response.status_code == HTTPStatus.OK


#: A document page with parties and nothing else: the generation and the footer's
#: last change, the document (with which of its sections hold anything), its
#: parties with their bodies, the bodies' former names, the parties' sources, the
#: titles, the sources and the parties' steps.
QUERIES_BARE_DOCUMENT = 9


def test_an_empty_section_costs_no_query_and_a_filled_one_is_read_and_shown(
    client, django_assert_num_queries
):
    document = bilateral_document(title="Agreement on the air corridor")
    url = document.get_absolute_url()
    client.get(url)  # warms the register's caches
    document.save()
    with django_assert_num_queries(QUERIES_BARE_DOCUMENT):
        content = client.get(url).content.decode()
    assert 'id="relations"' not in content
    assert "No text recorded" in content
    assert "Protocol on the air corridor" not in content

    RelationFactory(
        from_document=document,
        to_document=DocumentFactory(title="Protocol on the air corridor"),
    )
    RelationFactory(
        from_document=DocumentFactory(title="Programme for the air corridor"),
        to_document=document,
    )
    DocumentIdentifierFactory(document=document, value="Z23000007")
    AttachmentFactory(document=document, title="Signed text in Kazakh")
    document.topics.add(TopicFactory(name="Air transport"))
    ActionFactory(document=document, title="Open the air corridor")
    document.save()
    # and the relations each way, the identifiers, the texts, the topics and the
    # follow-up (the actions, their bodies, their sources, the updates)
    with django_assert_num_queries(QUERIES_BARE_DOCUMENT + 9):
        content = client.get(url).content.decode()
    for shown in (
        "Protocol on the air corridor",
        "Programme for the air corridor",
        "Z23000007",
        "Signed text in Kazakh",
        "Air transport",
        "Open the air corridor",
    ):
        assert shown in content


def test_a_document_with_an_update_and_no_action_shows_its_update(client):
    document = bilateral_document()
    ProgressUpdateFactory(document=document, title="Ratified by the parliament")
    content = client.get(document.get_absolute_url()).content.decode()
    assert "Ratified by the parliament" in content


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
