"""The register's own text in four languages (agreements/translation.py): each page
shows its language's text where the register has it, and otherwise the English,
marked ``lang="en-GB"`` with a note; staff edit every language in the admin, with a
tab each; search and history cover every language."""

import re
from http import HTTPStatus

import pytest
from django.contrib.admin.sites import site
from django.test import Client
from django.urls import reverse
from django.utils import translation

from agreements.models import Body, Document, Party
from tests.factories import ActionFactory, EventFactory, TopicFactory
from tests.test_views import bilateral_document

pytestmark = pytest.mark.django_db

NOTE = {
    "ru": "Пока нет на русском языке: показан текст на английском.",
    "kk": "Қазақ тілінде әлі жоқ: ағылшын тіліндегі мәтін көрсетілген.",
    "az": "Hələ Azərbaycan dilində yoxdur: ingilis dilindəki mətn göstərilir.",
}


def path(record):
    """``record``'s English address: a request in another language leaves that
    language active in the test's thread."""
    with translation.override("en-gb"):
        return record.get_absolute_url()


def page(client, url):
    response = client.get(url)
    assert response.status_code == HTTPStatus.OK
    return response.content.decode()


@pytest.mark.parametrize("code", ["ru", "kk", "az"])
def test_a_summary_missing_in_a_language_is_the_english_marked_with_a_note(
    client, code
):
    document = bilateral_document(summary="Cooperation in science.")
    content = page(client, f"/{code}{path(document)}")
    assert re.search(
        r'<div class="lead document__summary" lang="en-GB"><p>Cooperation in '
        r"science.</p></div>",
        content,
    )
    assert NOTE[code] in content
    # English pages need neither
    english = page(client, path(document))
    assert '<div class="lead document__summary"><p>Cooperation' in english
    assert NOTE[code] not in english


def test_a_summary_in_the_pages_language_is_shown_without_a_note(client):
    document = bilateral_document(
        summary="Cooperation in science.", summary_ru="Сотрудничество в науке."
    )
    content = page(client, f"/ru{path(document)}")
    assert (
        '<div class="lead document__summary"><p>Сотрудничество в науке.</p></div>'
        in content
    )
    assert "Cooperation in science." not in content
    assert NOTE["ru"] not in content
    # the other languages still fall back to the English
    assert NOTE["kk"] in page(client, f"/kk{path(document)}")


def test_an_event_title_and_description_in_each_language(client):
    event = EventFactory(
        title="State visit to Astana",
        title_ru="Государственный визит в Астану",
        description="Six documents were signed.",
    )
    content = page(client, f"/ru{path(event)}")
    assert '<h1 class="heading-l">Государственный визит в Астану</h1>' in content
    assert "<title>Государственный визит в Астану" in content
    assert '<div class="event__description" lang="en-GB">' in content
    assert NOTE["ru"] in content
    kazakh = page(client, f"/kk{path(event)}")
    assert (
        '<h1 class="heading-l"><span lang="en-GB">State visit to Astana</span></h1>'
        in kazakh
    )
    assert kazakh.count(NOTE["kk"]) == 1  # once for the page, under its heading


def test_a_body_is_named_in_the_pages_language_where_its_name_is_recorded(client):
    document = bilateral_document()
    body = document.parties.first().body
    Body.objects.filter(pk=body.pk).update(
        name_ru="Министерство иностранных дел Республики Казахстан",
        short_name_ru="МИД РК",
    )
    content = page(client, f"/ru{path(body)}")
    assert (
        '<h1 class="heading-l">Министерство иностранных дел Республики Казахстан '
        '<span class="heading-secondary">(МИД РК)</span></h1>'
    ) in content
    on_document = page(client, f"/ru{path(document)}")
    assert "Министерство иностранных дел Республики Казахстан" in on_document
    other = document.parties.last().body
    assert f'<span lang="en-GB">{other.name_en_gb}</span>' in on_document


def test_the_bodies_list_sorts_by_the_name_shown(client):
    first = bilateral_document(countries=("KZ", "KG")).parties.first().body
    second = bilateral_document(countries=("KZ", "UZ")).parties.first().body
    Body.objects.filter(pk=first.pk).update(name_en_gb="Alpha", name_ru="Яблоко")
    Body.objects.filter(pk=second.pk).update(name_en_gb="Zulu", name_ru="Абрикос")
    english = page(client, "/bodies/")
    assert english.index("Alpha") < english.index("Zulu")
    russian = page(client, "/ru/bodies/")
    assert russian.index("Абрикос") < russian.index("Яблоко")


def test_topic_names_and_filter_tags_follow_the_language(client):
    topic = TopicFactory(slug="hydrogen", name="hydrogen", name_ru="водород")
    bilateral_document(topics=[topic])
    assert "Topic: hydrogen" in page(client, "/agreements/?topic=hydrogen")
    assert "Тема: водород" in page(client, "/ru/agreements/?topic=hydrogen")
    # the list's topics are cached per language: English again after Russian
    assert "Topic: hydrogen" in page(client, "/agreements/?topic=hydrogen")


def test_an_action_title_missing_in_a_language_is_marked_english(client):
    document = bilateral_document()
    ActionFactory(document=document, title="Open a joint laboratory")
    content = page(client, f"/az{path(document)}")
    assert '<span lang="en-GB">Open a joint laboratory</span>' in content


# --- Search ---------------------------------------------------------------------------


def test_search_finds_a_summary_and_a_body_name_in_any_language(client):
    summary = bilateral_document(summary="On science.", summary_kk="Ғылым туралы.")
    named = bilateral_document()
    body = named.parties.first().body
    body.name_az = "Elm və Ali Təhsil Nazirliyi"
    body.save()

    def found(q):
        response = client.get("/agreements/", {"q": q})
        return [d.pk for d in response.context["documents"]]

    assert found("ғылым") == [summary.pk]
    assert found("Nazirliyi") == [named.pk]
    # and the body list, whatever the page's language
    response = client.get("/ru/bodies/", {"q": "nazirliyi"})
    assert f"/ru/bodies/{body.slug}/" in response.content.decode()


# --- Storage --------------------------------------------------------------------------


def test_the_original_column_stays_english_whoever_saves(admin_client):
    document = bilateral_document()
    body = document.parties.first().body
    english = body.name_en_gb
    with translation.override("ru"):
        body = Body.objects.get(pk=body.pk)
        body.name = "Министерство"  # the Russian column, in Russian
        body.save()
    body.refresh_from_db()
    assert (body.name_en_gb, body.name_ru) == (english, "Министерство")
    # a lookup across a relation reads the original column: still the English
    assert Party.objects.filter(body__name=english).exists()


def test_history_records_each_languages_text(admin_client):
    document = bilateral_document(summary="On science.")
    document.summary_ru = "О науке."
    document.save()
    latest = document.history.latest()
    assert (latest.summary_en_gb, latest.summary_ru) == ("On science.", "О науке.")
    assert latest.diff_against(latest.prev_record).changed_fields == ["summary_ru"]


# --- The admin ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "fields"),
    [
        (Document, ("summary",)),
        (Body, ("name", "short_name", "description")),
    ],
)
def test_the_admin_edits_every_language_with_a_tab_each(admin_client, model, fields):
    document = bilateral_document()
    record = document if model is Document else document.parties.first().body
    opts = model._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[record.pk])
    content = page(admin_client, url)
    for field in fields:
        for code in ("en_gb", "ru", "kk", "az"):
            assert f'name="{field}_{code}"' in content
    # the tabs' scripts come from our own static files: no CDN (the CSP allows none)
    assert "/static/agreements/vendor/jquery-ui/jquery-ui.min.js" in content
    assert "tabbed_translation_fields.js" in content
    assert not re.search(r'<script[^>]+src="(https?:)?//', content)


def test_the_english_text_is_required_and_the_others_are_not(rf, admin_user):
    request = rf.get("/")
    request.user = admin_user
    form = site._registry[Body].get_form(request)
    assert form.base_fields["name_en_gb"].required
    assert not form.base_fields["name_ru"].required


def test_a_body_saved_in_the_russian_admin_keeps_its_english_name(admin_user):
    document = bilateral_document()
    body = document.parties.first().body
    english = body.name_en_gb
    client = Client()
    client.force_login(admin_user)
    url = reverse("admin:agreements_body_change", args=[body.pk])
    client.cookies["django_language"] = "ru"
    data = _form_data(client.get(url, HTTP_ACCEPT_LANGUAGE="ru"))
    data["name_ru"] = "Министерство"
    response = client.post(url, data, HTTP_ACCEPT_LANGUAGE="ru")
    assert response.status_code == HTTPStatus.FOUND
    body.refresh_from_db()
    assert (body.name_en_gb, body.name_ru) == (english, "Министерство")
    # the original column, read without modeltranslation's rewriting
    assert Body.objects.rewrite(False).filter(pk=body.pk, name=english).exists()


def _form_data(response):
    from tests.test_admin import form_data

    return form_data(response)
