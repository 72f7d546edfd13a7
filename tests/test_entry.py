"""Staff entry: look-alike documents are shown while typing and on save, and saving
one takes a confirmation; the admin home says where to start; kinds, the package's
order, country search by code, date hints and the public fixes that came with them."""

import datetime
from http import HTTPStatus

import pytest
from django.urls import reverse
from django.utils import translation

from agreements.duplicates import likely_duplicates, normalised
from agreements.languages import with_article
from agreements.models import Body, Country, Document
from agreements.models.documents import PACKAGE_RANKS
from tests.factories import BodyFactory, DocumentFactory, EventFactory
from tests.test_admin import admin_url, form_data, new_document_data
from tests.test_views import bilateral_document

pytestmark = pytest.mark.django_db

SIGNED = datetime.date(2023, 4, 10)


# --- Duplicates -------------------------------------------------------------------


def test_titles_are_compared_without_case_spacing_or_punctuation():
    assert normalised("Memorandum of Understanding  No. 5.") == (
        "memorandum of understanding no 5"
    )
    original = bilateral_document(title="Memorandum of understanding No. 5")
    DocumentFactory(title="Memorandum of understanding No. 6")
    matches = likely_duplicates(title="memorandum of  understanding no 5")
    assert [m.document for m in matches] == [original]
    assert matches[0].same_title and not matches[0].same_parties_and_day
    assert likely_duplicates(title="Memorandum", exclude_pk=original.pk) == []


def test_the_same_parties_on_the_same_day_look_alike():
    original = bilateral_document(title="Agreement on air services", signed_on=SIGNED)
    bodies = list(original.parties.values_list("body_id", flat=True))
    matches = likely_duplicates(
        title="Air transport agreement", signed_on=SIGNED, body_ids=bodies
    )
    assert [m.document for m in matches] == [original]
    assert matches[0].same_parties_and_day and not matches[0].same_title
    other_day = SIGNED + datetime.timedelta(days=1)
    assert likely_duplicates(signed_on=other_day, body_ids=bodies) == []
    assert likely_duplicates(signed_on=SIGNED, body_ids=bodies[:1]) == []


def party_rows(data, bodies):
    for row, body in enumerate(bodies):
        data[f"parties-{row}-body"] = str(body.pk)
    return data


def test_saving_a_look_alike_needs_a_confirmation(admin_client):
    original = bilateral_document(title="Protocol on customs cooperation")
    data = new_document_data(title="Protocol on Customs Cooperation", slug="")
    url = admin_url(Document, "add")

    response = admin_client.post(url, data)

    assert response.status_code == HTTPStatus.OK
    content = response.content.decode()
    assert "This looks like:" in content
    assert reverse("admin:agreements_document_change", args=[original.pk]) in content
    assert "Save anyway: this is not a duplicate" in content
    assert Document.objects.count() == 1  # nothing saved

    data["not_a_duplicate"] = "on"
    response = admin_client.post(url, data)
    assert response.status_code == HTTPStatus.FOUND
    assert Document.objects.count() == 2


def test_an_unchanged_title_does_not_ask_again(admin_client):
    bilateral_document(title="Roadmap on trade")
    twin = bilateral_document(title="Roadmap on trade")
    url = reverse("admin:agreements_document_change", args=[twin.pk])
    data = form_data(admin_client.get(url))
    data["summary_en_gb"] = "Edited."
    assert admin_client.post(url, data).status_code == HTTPStatus.FOUND


def test_the_form_asks_while_typing(admin_client):
    original = bilateral_document(title="Memorandum on geology", signed_on=SIGNED)
    url = reverse("admin:agreements_document_duplicates")
    bodies = original.parties.values_list("body_id", flat=True)

    response = admin_client.get(url, {"title": "memorandum on GEOLOGY"})
    assert response.status_code == HTTPStatus.OK
    (match,) = response.json()["matches"]
    assert match["title"] == "Memorandum on geology"
    assert match["url"] == reverse(
        "admin:agreements_document_change", args=[original.pk]
    )
    assert match["reason"] == "same title"
    by_parties = admin_client.get(
        url, {"title": "Other", "signed_on": "2023-04-10", "body": list(bodies)}
    ).json()["matches"]
    assert [m["reason"] for m in by_parties] == ["same parties, same day"]
    assert admin_client.get(
        url, {"title": "memorandum on geology", "exclude": original.pk}
    ).json() == {"matches": [], "intro": "This looks like:"}


@pytest.mark.parametrize(
    ("params", "parameter"),
    [({"signed_on": "10/04/2023"}, "signed_on"), ({"exclude": "x"}, "exclude")],
)
def test_the_typing_check_refuses_bad_parameters(admin_client, params, parameter):
    response = admin_client.get(reverse("admin:agreements_document_duplicates"), params)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json()["parameter"] == parameter


def test_the_typing_check_is_for_staff_only(client):
    response = client.get(reverse("admin:agreements_document_duplicates"))
    assert response.status_code == HTTPStatus.FOUND  # to the login page


def test_the_typing_check_stays_constant_in_queries(
    admin_client, django_assert_max_num_queries
):
    for _number in range(15):
        bilateral_document(title="Memorandum on geology", signed_on=SIGNED)
    url = reverse("admin:agreements_document_duplicates")
    with django_assert_max_num_queries(8):
        response = admin_client.get(url, {"title": "Memorandum on geology"})
    assert len(response.json()["matches"]) == 10


# --- Kinds and the package's order ----------------------------------------------


def test_the_new_kinds_and_their_place_in_a_package():
    kinds = set(Document.Kind.values)
    assert {"letter_of_intent", "exchange_of_notes", "agreed_minutes", "roadmap"} <= (
        kinds
    )
    # every kind but "other" has a place; "other" comes last
    assert set(PACKAGE_RANKS) == kinds - {"other"}


def test_an_events_documents_come_in_package_order(client):
    event = EventFactory()
    memorandum = bilateral_document(
        title="A memorandum", kind="memorandum", event=event
    )
    declaration = bilateral_document(
        title="Z declaration", kind="declaration", event=event
    )
    letter = bilateral_document(
        title="B letter of intent", kind="letter_of_intent", event=event
    )
    ordered = list(Document.objects.filter(event=event).in_package_order())
    assert ordered == [declaration, memorandum, letter]
    letter.package_order = 1  # staff put it first
    letter.save()
    ordered = list(Document.objects.filter(event=event).in_package_order())
    assert ordered == [letter, declaration, memorandum]
    content = client.get(event.get_absolute_url()).content.decode()
    assert (
        content.index("B letter of intent")
        < content.index("Z declaration")
        < content.index("A memorandum")
    )


def test_a_letter_of_intent_reads_so_on_the_public_site(client):
    document = bilateral_document(kind="letter_of_intent")
    content = client.get(document.get_absolute_url()).content.decode()
    assert "Letter of intent" in content
    russian = client.get(f"/ru{document.get_absolute_url()}").content.decode()
    assert "Письмо о намерениях" in russian


# --- The admin ----------------------------------------------------------------------


def test_the_admin_home_says_where_to_start_and_hides_inner_records(admin_client):
    content = admin_client.get(reverse("admin:index")).content.decode()
    steps = ["1. Sources", "2. Bodies", "3. Event", "4. Documents", "5. Follow-up"]
    positions = [content.index(step) for step in steps]
    assert positions == sorted(positions)
    for inner in ("documentcitation", "partycitation", "eventcitation", "party/"):
        assert f"/admin/agreements/{inner}" not in content
    # their own pages still answer (links from the records, history)
    citations = reverse("admin:agreements_documentcitation_changelist")
    assert admin_client.get(citations).status_code == HTTPStatus.OK


def test_the_events_published_box_is_in_plain_view(admin_client):
    event = EventFactory()
    url = reverse("admin:agreements_event_change", args=[event.pk])
    response = admin_client.get(url)
    fieldsets = response.context["adminform"].fieldsets
    (publication,) = [
        options for name, options in fieldsets if "is_published" in options["fields"]
    ]
    assert "collapse" not in publication.get("classes", ())


def test_dates_are_shown_in_iso_with_a_hint(admin_client):
    document = bilateral_document(signed_on=SIGNED)
    url = reverse("admin:agreements_document_change", args=[document.pk])
    content = admin_client.get(url).content.decode()
    assert 'name="signed_on" value="2023-04-10"' in content
    assert 'placeholder="YYYY-MM-DD"' in content
    data = form_data(admin_client.get(url))
    data["signed_on"] = "11/04/2023"  # the local form is taken too
    assert admin_client.post(url, data).status_code == HTTPStatus.FOUND
    document.refresh_from_db()
    assert document.signed_on == datetime.date(2023, 4, 11)


def test_the_country_search_puts_the_iso_code_first(admin_client):
    Country.objects.get_or_create(code="AW", defaults={"name": "Aruba"})
    Country.objects.get_or_create(code="RU", defaults={"name": "Russian Federation"})
    response = admin_client.get(
        reverse("admin:autocomplete"),
        {
            "term": "ru",
            "app_label": "agreements",
            "model_name": "body",
            "field_name": "country",
        },
    )
    results = response.json()["results"]
    assert results[0]["text"] in ("Russian Federation", "Russia")


def test_the_body_form_makes_an_empty_slug_unique(admin_client):
    kz, _created = Country.objects.get_or_create(code="KZ")
    BodyFactory(slug="ministry-of-energy")
    url = reverse("admin:agreements_body_add")
    data = form_data(admin_client.get(url))
    data.update(name_en_gb="Ministry of Energy", slug="", country=kz.pk)
    data["kind"] = "ministry"
    assert admin_client.post(url, data).status_code == HTTPStatus.FOUND
    new = Body.objects.get(name_en_gb="Ministry of Energy")
    assert new.slug == "ministry-of-energy-2"


# --- Public fixes -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "in_sentence"),
    [
        ("Russian Federation", "the Russian Federation"),
        ("United Kingdom", "the United Kingdom"),
        ("Netherlands", "the Netherlands"),
        ("United Arab Emirates", "the United Arab Emirates"),
        ("Marshall Islands", "the Marshall Islands"),
        ("Kazakhstan", "Kazakhstan"),
        ("Azerbaijan", "Azerbaijan"),
    ],
)
def test_english_country_names_take_their_article(name, in_sentence):
    assert with_article(name, "en-gb") == in_sentence
    assert with_article(name, "ru") == name


def test_the_country_page_says_a_party_from_the_united_kingdom(client):
    bilateral_document(countries=("KZ", "GB"))
    with translation.override("en-gb"):
        content = client.get("/countries/gb/").content.decode()
    assert "with a party from the United Kingdom" in content


def test_the_source_form_suggests_the_publishers_recorded(admin_client):
    from tests.factories import SourceFactory

    SourceFactory(publisher="Kazinform")
    SourceFactory(publisher="AZERTAC")
    content = admin_client.get(reverse("admin:agreements_source_add")).content.decode()
    assert 'list="id_publisher-suggestions"' in content
    assert '<datalist id="id_publisher-suggestions">' in content
    assert '<option value="AZERTAC"><option value="Kazinform">' in content


def test_every_save_keeps_the_normalised_title_fixtures_included():
    from django.core.management import call_command

    call_command("loaddata", "kz_az_2023", verbosity=0)  # raw saves
    keys = dict(Document.objects.values_list("title", "title_key"))
    assert keys and all(key == normalised(title) for title, key in keys.items())
    document = bilateral_document(title="Roadmap, 2024–2026")
    assert document.title_key == "roadmap 2024 2026"
    document.title = "Roadmap: 2025"
    document.save()
    document.refresh_from_db()
    assert document.title_key == "roadmap 2025"
