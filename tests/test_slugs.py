"""Addresses made from titles: whole words, at most 100 characters, unique; an
event's carries its date. They are permanent, so they are made once, on save."""

import datetime
from http import HTTPStatus

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agreements.models import Body, Document, Event
from agreements.slugs import MAX_LENGTH, cut
from tests.factories import BodyFactory, CountryFactory, DocumentFactory, EventFactory
from tests.test_admin import admin_url, form_data

LONG_TITLE = (
    "Memorandum of understanding between the Ministry of Health of the Republic of "
    "Kazakhstan and the Ministry of Health of the Republic of Azerbaijan on "
    "cooperation in the field of sanitary and epidemiological welfare of the "
    "population"
)


def test_a_long_title_is_cut_after_a_whole_word():
    slug = cut("cooperation-in-the-field-of-" * 4 + "sanitary-and-epidemiological")
    assert len(slug) <= MAX_LENGTH
    assert slug.endswith("-field-of-cooperation")  # whole words, not "-in-th"
    assert cut("short-title") == "short-title"
    assert cut("a" * 150) == "a" * MAX_LENGTH  # one endless word: cut anyway


@given(st.lists(st.from_regex(r"[a-z0-9]{1,30}", fullmatch=True), min_size=1))
def test_a_cut_slug_is_whole_words_of_the_slug(words):
    slug = "-".join(words)
    result = cut(slug)
    assert len(result) <= MAX_LENGTH
    if len(slug) <= MAX_LENGTH:
        assert result == slug
    elif len(words[0]) <= MAX_LENGTH:
        kept = result.split("-")
        assert kept == words[: len(kept)]


@pytest.mark.django_db
def test_a_document_without_a_slug_gets_one_from_its_title():
    document = DocumentFactory(title=LONG_TITLE, slug="")
    assert document.slug == (
        "memorandum-of-understanding-between-the-ministry-of-health-of-the-republic-"
        "of-kazakhstan"
    )
    assert len(document.slug) <= MAX_LENGTH
    twin = DocumentFactory(title=LONG_TITLE, slug="")
    assert twin.slug == f"{document.slug}-2"
    # a title with no Latin letter: its kind and date
    russian = DocumentFactory(
        title="Меморандум о сотрудничестве",
        slug="",
        kind=Document.Kind.MEMORANDUM,
        signed_on=datetime.date(2023, 4, 10),
    )
    assert russian.slug == "memorandum-2023-04-10"


@pytest.mark.django_db
def test_an_events_slug_carries_its_date():
    first = EventFactory(
        title="State visit to Astana", date=datetime.date(2023, 4, 10), slug=""
    )
    second = EventFactory(
        title="State visit to Astana", date=datetime.date(2026, 5, 2), slug=""
    )
    assert first.slug == "state-visit-to-astana-2023-04-10"
    assert second.slug == "state-visit-to-astana-2026-05-02"
    long = EventFactory(title=LONG_TITLE, date=datetime.date(2024, 1, 1), slug="")
    assert long.slug.endswith("-2024-01-01") and len(long.slug) <= MAX_LENGTH
    assert "--" not in long.slug


@pytest.mark.django_db
def test_a_slug_once_made_does_not_follow_a_new_title():
    body = BodyFactory(name="Ministry of Energy", slug="")
    body.name = "Ministry of Energy and Water"
    body.save()
    body.refresh_from_db()
    assert body.slug == "ministry-of-energy"


@pytest.mark.django_db
def test_the_admin_makes_the_slug_when_it_is_left_empty(admin_client):
    kz = CountryFactory(code="KZ")
    data = form_data(admin_client.get(admin_url(Event, "add")))
    data.update(
        title_en_gb="Official visit to Baku",
        slug="",
        date="2026-03-02",
        country=kz.pk,
        kind="official_visit",
    )
    response = admin_client.post(admin_url(Event, "add"), data)
    assert response.status_code == HTTPStatus.FOUND, response.context[
        "adminform"
    ].form.errors
    assert Event.objects.get().slug == "official-visit-to-baku-2026-03-02"
    data = form_data(admin_client.get(admin_url(Body, "add")))
    data.update(name_en_gb="Ministry of Digital Development", slug="", country=kz.pk)
    data["kind"] = "ministry"
    response = admin_client.post(admin_url(Body, "add"), data)
    assert response.status_code == HTTPStatus.FOUND
    assert Body.objects.get(name_en_gb="Ministry of Digital Development").slug == (
        "ministry-of-digital-development"
    )
