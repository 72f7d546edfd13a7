"""The list's filters: each keeps the rows it should and drops the others.

The parameter names are the list's public URL contract (``agreements.filters``).
"""

import datetime
import re
from http import HTTPStatus

import pytest
from django.core.cache import cache
from django.http import QueryDict

from agreements.filters import FILTER_PARAMS, ORDERINGS, DocumentFilter
from agreements.models import Document
from tests.factories import (
    BodyFactory,
    CountryFactory,
    DocumentFactory,
    EventFactory,
    PartyFactory,
    TopicFactory,
    bilateral_document,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


def listed(client, query):
    """The titles the list shows for the query string ``query``."""
    response = client.get(f"/agreements/?{query}")
    assert response.status_code == HTTPStatus.OK
    return [row.title for row in response.context["page_obj"].object_list]


def assert_keeps_and_drops(client, query, keeps, drops):
    response = client.get(f"/agreements/?{query}")
    assert response.status_code == HTTPStatus.OK
    content = response.content.decode()
    for title in keeps:
        assert f">{title}</a>" in content, f"{query} should keep {title}"
    for title in drops:
        assert f">{title}</a>" not in content, f"{query} should drop {title}"


def test_the_url_contract_names_every_filter():
    assert FILTER_PARAMS == (
        "q",
        "kind",
        "status",
        "follow_up",
        "topic",
        "country",
        "body",
        "event",
        "signed_after",
        "signed_before",
        "party_status",
    )
    assert set(DocumentFilter.base_filters) == {*FILTER_PARAMS, "ordering"}
    assert set(ORDERINGS) == {
        "signed_on",
        "-signed_on",
        "title",
        "-title",
        "updated",
        "-updated",
    }


def test_list_filters_by_kind(client):
    DocumentFactory(title="Treaty A", kind=Document.Kind.TREATY)
    DocumentFactory(title="Protocol B", kind=Document.Kind.PROTOCOL)
    DocumentFactory(title="Memorandum C", kind=Document.Kind.MEMORANDUM)
    assert_keeps_and_drops(
        client, "kind=treaty", ["Treaty A"], ["Protocol B", "Memorandum C"]
    )


def test_list_filters_by_any_of_several_kinds(client):
    DocumentFactory(title="Treaty A", kind=Document.Kind.TREATY)
    DocumentFactory(title="Protocol B", kind=Document.Kind.PROTOCOL)
    DocumentFactory(title="Memorandum C", kind=Document.Kind.MEMORANDUM)
    assert_keeps_and_drops(
        client,
        "kind=treaty&kind=protocol",
        ["Treaty A", "Protocol B"],
        ["Memorandum C"],
    )


def test_list_filters_by_legal_status(client):
    DocumentFactory(title="In force", in_force=True)
    DocumentFactory(title="Only signed")
    DocumentFactory(title="Expired", legal_status=Document.LegalStatus.EXPIRED)
    assert_keeps_and_drops(
        client,
        "status=in_force&status=expired",
        ["In force", "Expired"],
        ["Only signed"],
    )


def test_list_filters_by_follow_up_status(client):
    DocumentFactory(title="Stalled", follow_up_status=Document.FollowUpStatus.STALLED)
    DocumentFactory(title="Done", follow_up_status=Document.FollowUpStatus.COMPLETED)
    assert_keeps_and_drops(client, "follow_up=stalled", ["Stalled"], ["Done"])


def test_list_filters_by_topic_slug_without_duplicates(client):
    trade = TopicFactory(slug="trade", name="trade")
    science = TopicFactory(slug="science", name="science")
    culture = TopicFactory(slug="culture", name="culture")
    DocumentFactory(title="Trade and science", topics=[trade, science])
    DocumentFactory(title="Culture", topics=[culture])
    assert_keeps_and_drops(
        client, "topic=trade&topic=science", ["Trade and science"], ["Culture"]
    )
    # a document with both topics is listed once
    assert listed(client, "topic=trade&topic=science") == ["Trade and science"]


def test_list_filters_by_party_country_requiring_every_country(client):
    bilateral_document(title="Kazakhstan and Azerbaijan", countries=("KZ", "AZ"))
    bilateral_document(title="Kazakhstan and Russia", countries=("KZ", "RU"))
    bilateral_document(title="Azerbaijan and Georgia", countries=("AZ", "GE"))
    assert_keeps_and_drops(
        client,
        "country=KZ&country=AZ",
        ["Kazakhstan and Azerbaijan"],
        ["Kazakhstan and Russia", "Azerbaijan and Georgia"],
    )
    assert_keeps_and_drops(
        client,
        "country=az",
        ["Kazakhstan and Azerbaijan", "Azerbaijan and Georgia"],
        ["Kazakhstan and Russia"],
    )


def test_country_filter_lists_a_document_once_whatever_its_parties(client):
    document = bilateral_document(title="Three parties", countries=("KZ", "AZ"))
    PartyFactory(document=document, order=3, body__country=CountryFactory(code="AZ"))
    assert listed(client, "country=AZ&country=kz") == ["Three parties"]
    response = client.get("/agreements/?country=AZ")
    assert response.context["paginator"].count == 1


def test_country_filter_offers_the_register_countries_and_keeps_chosen_ones(client):
    bilateral_document(countries=("KZ", "AZ"))
    bilateral_document(countries=("KZ", "GE"), is_published=False)
    content = client.get("/agreements/?country=fr&country=KZ").content.decode()
    # chosen countries are checked boxes (uncheck to drop), France too: any ISO code
    assert 'value="FR" id="id_country_FR" checked' in content
    assert 'value="KZ" id="id_country_KZ" checked' in content
    # the others with published documents can be added; Georgia has none published
    add = content.split('id="id_country_add"')[1].split("</select>")[0]
    assert '<option value="AZ">Azerbaijan</option>' in add
    assert 'value="KZ"' not in add and 'value="GE"' not in add


def test_a_country_without_bodies_finds_nothing_and_a_new_body_is_found(client):
    # the countries' bodies are cached until the register changes (from_country)
    bilateral_document(countries=("KZ", "AZ"))
    for query in (
        "country=FR",
        "party_status=FR:ratified",
        "party_status=FR:not_signed",
    ):
        response = client.get(f"/agreements/?{query}")
        assert response.status_code == 200
        assert response.context["paginator"].count == 0
    assert client.get("/feeds/documents/?country=FR").status_code == 200
    bilateral_document(title="With France", countries=("KZ", "FR"))
    assert listed(client, "country=FR") == ["With France"]


def test_list_filters_by_body_slug(client):
    body = BodyFactory(slug="mfa-kz")
    signed = DocumentFactory(title="Signed by the ministry")
    PartyFactory(document=signed, body=body)
    bilateral_document(title="Someone else's")
    assert_keeps_and_drops(
        client, "body=mfa-kz", ["Signed by the ministry"], ["Someone else's"]
    )


def test_body_filter_is_a_text_box_not_a_select(client):
    BodyFactory.create_batch(5)
    content = client.get("/agreements/").content.decode()
    assert '<input class="input" id="id_body" name="body" type="text"' in content
    assert '<select class="select" id="id_body"' not in content


def test_list_filters_by_event_slug(client):
    event = EventFactory(slug="visit-2023")
    bilateral_document(title="At the visit", event=event)
    bilateral_document(title="Elsewhere", event=EventFactory())
    assert_keeps_and_drops(client, "event=visit-2023", ["At the visit"], ["Elsewhere"])


def test_unknown_body_or_event_slug_is_an_error_beside_the_filter(client):
    bilateral_document(title="Anything")
    EventFactory(slug="hidden", is_published=False)
    for query, field in (
        ("body=no-such-body", "body"),
        ("event=no-such-event", "event"),
        ("event=hidden", "event"),
    ):
        response = client.get(f"/agreements/?{query}")
        assert response.status_code == HTTPStatus.OK
        content = response.content.decode()
        assert "There is a problem with the filters" in content
        assert f'id="id_{field}-error"' in content
        assert "is no" in content and "in the register" in content
        assert list(response.context["page_obj"].object_list) == []


def test_list_filters_by_signature_dates_inclusively(client):
    DocumentFactory(title="Before", signed_on=datetime.date(2022, 12, 31))
    DocumentFactory(title="First day", signed_on=datetime.date(2023, 1, 1))
    DocumentFactory(title="Last day", signed_on=datetime.date(2023, 12, 31))
    DocumentFactory(title="After", signed_on=datetime.date(2024, 1, 1))
    assert_keeps_and_drops(
        client,
        "signed_after=2023-01-01&signed_before=2023-12-31",
        ["First day", "Last day"],
        ["Before", "After"],
    )
    assert_keeps_and_drops(client, "signed_after=2024-01-01", ["After"], ["Last day"])
    assert_keeps_and_drops(
        client, "signed_before=2022-12-31", ["Before"], ["First day"]
    )


def test_dates_in_the_wrong_order_are_an_error(client):
    DocumentFactory()
    content = client.get(
        "/agreements/?signed_after=2024-01-01&signed_before=2023-01-01"
    ).content.decode()
    assert "must be the same as or later than" in content


def test_list_searches_words_with_q(client):
    bilateral_document(title="Agreement on air services")
    bilateral_document(title="Memorandum on culture")
    assert_keeps_and_drops(
        client,
        "q=air services",
        ["Agreement on air services"],
        ["Memorandum on culture"],
    )


def test_filters_combine(client):
    trade = TopicFactory(slug="trade")
    bilateral_document(title="Kept", kind="treaty", topics=[trade], in_force=True)
    bilateral_document(
        title="Wrong kind", kind="protocol", topics=[trade], in_force=True
    )
    bilateral_document(title="Wrong status", kind="treaty", topics=[trade])
    bilateral_document(
        title="Wrong country",
        kind="treaty",
        topics=[trade],
        in_force=True,
        countries=("KZ", "RU"),
    )
    assert_keeps_and_drops(
        client,
        "kind=treaty&topic=trade&status=in_force&country=AZ",
        ["Kept"],
        ["Wrong kind", "Wrong status", "Wrong country"],
    )


def test_filters_never_list_unpublished_documents(client):
    event = EventFactory(slug="visit")
    body = BodyFactory(slug="mfa")
    hidden = bilateral_document(
        title="Hidden treaty", kind="treaty", event=event, is_published=False
    )
    PartyFactory(document=hidden, body=body, order=3)
    for query in (
        "",
        "kind=treaty",
        "country=AZ",
        "event=visit",
        "body=mfa",
        "q=hidden",
        "status=signed",
        "ordering=-updated",
    ):
        response = client.get(f"/agreements/?{query}")
        assert b"Hidden treaty" not in response.content, query
        assert response.context["paginator"].count == 0, query


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("signed_on", ["Alpha", "Bravo", "Charlie"]),
        ("-signed_on", ["Charlie", "Bravo", "Alpha"]),
        ("title", ["Alpha", "Bravo", "Charlie"]),
        ("-title", ["Charlie", "Bravo", "Alpha"]),
        ("updated", ["Bravo", "Charlie", "Alpha"]),
        ("-updated", ["Alpha", "Charlie", "Bravo"]),
    ],
)
def test_list_orders_by_each_ordering(client, ordering, expected):
    dates = {"Alpha": 2001, "Bravo": 2002, "Charlie": 2003}
    updates = {"Bravo": 1, "Charlie": 2, "Alpha": 3}
    for title, year in dates.items():
        document = DocumentFactory(title=title, signed_on=datetime.date(year, 1, 1))
        Document.objects.filter(pk=document.pk).update(
            updated_at=datetime.datetime(2026, 1, updates[title], tzinfo=datetime.UTC)
        )
    assert listed(client, f"ordering={ordering}") == expected


def test_list_orders_newest_signature_first_by_default(client):
    DocumentFactory(title="Old", signed_on=datetime.date(2001, 1, 1))
    DocumentFactory(title="New", signed_on=datetime.date(2021, 1, 1))
    assert listed(client, "") == ["New", "Old"]


def test_selected_filters_are_tags_each_removable_with_one_click(client):
    bilateral_document(kind="treaty")
    content = client.get(
        "/agreements/?kind=treaty&kind=protocol&country=az&ordering=title&page=1"
    ).content.decode()
    assert "Selected filters" in content
    assert "Kind: treaty" in content and "Kind: protocol" in content
    assert "Party country: Azerbaijan" in content
    # removing one kind keeps the other filters and the ordering, and goes to page 1
    assert 'href="?kind=protocol&amp;country=az&amp;ordering=title"' in content
    assert 'href="?kind=treaty&amp;kind=protocol&amp;ordering=title"' in content
    assert '<a href="/agreements/">Clear filters</a>' in content


def test_result_count_is_shown(client):
    DocumentFactory.create_batch(3, kind="treaty")
    DocumentFactory(kind="protocol")
    content = client.get("/agreements/?kind=treaty").content.decode()
    assert "<strong>3</strong> documents" in content


def test_filter_panel_labels_every_control(client):
    TopicFactory()
    bilateral_document()
    content = client.get("/agreements/").content.decode()
    form = content.split('<form class="filters"')[1].split("</form>")[0]
    ids = re.findall(r'<(?:input|select)[^>]* id="([^"]+)"', form)
    assert ids
    for control in ids:
        assert f'for="{control}"' in form, control
    assert len(ids) == len(set(ids))


def test_two_filter_sets_never_share_their_forms_errors():
    one = DocumentFilter(QueryDict("kind=treaty")).form
    other = DocumentFilter(QueryDict("kind=nonsense")).form
    assert one.is_valid()
    assert not other.is_valid()
    assert one.is_valid(), "the other form's errors must not leak into this one"


def test_a_topic_added_after_the_filters_field_was_built_is_a_valid_choice(client):
    """The API's schema reads the filters' fields on the class, building them with
    the topics of that moment; a topic added later is still a choice on the list."""
    from agreements.filters import DocumentFilter

    assert DocumentFilter.base_filters["topic"].field is not None  # built now
    trade = TopicFactory(slug="trade", name="trade")
    DocumentFactory(title="On trade", topics=[trade])

    assert listed(client, "topic=trade") == ["On trade"]
