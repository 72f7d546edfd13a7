"""Package entry: an event's documents on one page, what they share given once, all
saved in one transaction or none."""

import datetime
from http import HTTPStatus

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from agreements.models import Document, DocumentCitation, Party, PartyCitation
from tests.factories import (
    BodyFactory,
    CountryFactory,
    EventFactory,
    SourceFactory,
    bilateral_document,
)

pytestmark = pytest.mark.django_db

DAY = datetime.date(2023, 4, 10)


@pytest.fixture
def package():
    kz = CountryFactory(code="KZ")
    az = CountryFactory(code="AZ")
    event = EventFactory(date=DAY, city="Astana", country=kz)
    return {
        "event": event,
        "url": reverse("admin:agreements_event_package", args=[event.pk]),
        "source": SourceFactory(),
        "kz": [BodyFactory(country=kz) for _n in range(3)],
        "az": [BodyFactory(country=az) for _n in range(3)],
    }


def post_data(package, rows, **shared):
    data = {
        "signed_on": "2023-04-10",
        "signed_city": "Astana",
        "signed_country": package["event"].country_id,
        "source": package["source"].pk,
        "confidence": "reported",
        "cite_signatures": "on",
        "rows-TOTAL_FORMS": str(len(rows) + 1),  # and an empty row, ignored
        "rows-INITIAL_FORMS": "0",
        "rows-MIN_NUM_FORMS": "0",
        "rows-MAX_NUM_FORMS": "50",
    }
    data.update(shared)
    for number, row in enumerate(rows):
        for key, value in row.items():
            data[f"rows-{number}-{key}"] = value
    return data


def row(package, number, title, kind="memorandum", **extra):
    return {
        "title": title,
        "kind": kind,
        "first_body": package["kz"][number].pk,
        "first_signatory": f"Signatory KZ {number}",
        "second_body": package["az"][number].pk,
        "second_signatory": "",
        **extra,
    }


def test_the_page_starts_from_the_event(admin_client, package):
    response = admin_client.get(package["url"])
    assert response.status_code == HTTPStatus.OK
    form = response.context["package"]
    assert form.initial["signed_on"] == DAY
    assert form.initial["signed_city"] == "Astana"
    # the rows are made in the browser from the one row template the page holds
    assert response.context["rows"].forms == []
    assert 'id="package-row-template"' in response.content.decode()
    assert 'name="rows-__prefix__-title"' in response.content.decode()
    assert 'data-rows="8"' in response.content.decode()
    for asked, offered in (("20", 20), ("x", 8), ("0", 1), ("500", 50)):
        response = admin_client.get(package["url"], {"rows": asked})
        assert response.context["wanted_rows"] == offered
    change = reverse("admin:agreements_event_change", args=[package["event"].pk])
    assert package["url"] in admin_client.get(change).content.decode()


def test_one_save_makes_every_document_with_its_parties_and_sources(
    admin_client, package
):
    rows = [
        row(package, 0, "Joint declaration on strategic partnership", "declaration"),
        row(package, 1, "Memorandum on cooperation in science"),
        row(
            package, 2, "Agreement on air services", "agreement", signed_on="2023-04-11"
        ),
    ]
    response = admin_client.post(package["url"], post_data(package, rows))

    assert response.status_code == HTTPStatus.FOUND
    documents = Document.objects.filter(event=package["event"]).order_by("pk")
    assert [d.title for d in documents] == [r["title"] for r in rows]
    first, _second, third = documents
    assert (first.signed_on, first.signed_city, first.signed_country_id) == (
        DAY,
        "Astana",
        package["event"].country_id,
    )
    assert third.signed_on == datetime.date(2023, 4, 11)  # its own date
    assert first.event_signing_confidence == "reported"
    assert not first.is_published  # no "publish" ticked
    assert first.slug == "joint-declaration-on-strategic-partnership"
    parties = Party.objects.filter(document=first).order_by("order")
    assert [p.body for p in parties] == [package["kz"][0], package["az"][0]]
    assert parties[0].signatory_name == "Signatory KZ 0"
    assert DocumentCitation.objects.filter(source=package["source"]).count() == 3
    assert PartyCitation.objects.filter(source=package["source"]).count() == 6
    assert first.history.count() == 1  # recorded in history


def test_one_bad_row_saves_nothing_and_its_error_sits_beside_its_field(
    admin_client, package
):
    rows = [
        row(package, 0, "Memorandum on culture"),
        {**row(package, 1, "Memorandum on sport"), "second_body": ""},
    ]
    response = admin_client.post(package["url"], post_data(package, rows))

    assert response.status_code == HTTPStatus.OK
    assert not Document.objects.exists()
    forms = response.context["rows"].forms
    assert forms[0].errors == {}
    assert forms[1].errors == {"second_body": ["This field is required."]}
    content = response.content.decode()
    assert "Nothing was saved" in content
    # the typed rows come back as typed
    assert 'value="Memorandum on culture"' in content


def test_the_same_body_twice_is_refused(admin_client, package):
    bad = {**row(package, 0, "Memorandum on youth"), "second_body": package["kz"][0].pk}
    response = admin_client.post(package["url"], post_data(package, [bad]))
    assert response.context["rows"].forms[0].errors == {
        "second_body": ["The two parties are the same body."]
    }


def test_a_look_alike_needs_its_row_confirmed(admin_client, package):
    existing = bilateral_document(title="Memorandum on cooperation in geology")
    rows = [row(package, 0, "Memorandum on Cooperation in Geology")]

    response = admin_client.post(package["url"], post_data(package, rows))

    assert response.status_code == HTTPStatus.OK
    (error,) = response.context["rows"].forms[0].errors["title"]
    assert "This looks like “Memorandum on cooperation in geology”" in error
    assert (
        reverse("admin:agreements_document_change", args=[existing.pk])
        in response.content.decode()
    )
    rows[0]["not_a_duplicate"] = "on"
    response = admin_client.post(package["url"], post_data(package, rows))
    assert response.status_code == HTTPStatus.FOUND
    assert Document.objects.filter(event=package["event"]).count() == 1


def test_two_rows_with_one_title_are_refused(admin_client, package):
    rows = [
        row(package, 0, "Protocol on customs"),
        row(package, 1, "Protocol on Customs."),
    ]
    response = admin_client.post(package["url"], post_data(package, rows))
    assert response.context["rows"].forms[1].errors == {
        "title": ["Row 1 has the same title."]
    }
    assert not Document.objects.exists()


def test_the_source_is_required(admin_client, package):
    data = post_data(package, [row(package, 0, "Memorandum on health")], source="")
    response = admin_client.post(package["url"], data)
    assert response.context["package"].errors == {"source": ["This field is required."]}


def test_a_publisher_may_publish_the_package_and_an_editor_makes_drafts(
    client, django_user_model, package
):
    editor = django_user_model.objects.create_user("editor", is_staff=True)
    editor.groups.add(Group.objects.get(name="Editors"))
    client.force_login(editor)
    data = post_data(package, [row(package, 0, "Memorandum on media")], publish="on")
    response = client.post(package["url"], data)
    assert response.status_code == HTTPStatus.FOUND
    assert not Document.objects.get().is_published  # an editor cannot publish
    assert "publish" not in client.get(package["url"]).context["package"].fields

    publisher = django_user_model.objects.create_user("publisher", is_staff=True)
    publisher.groups.add(Group.objects.get(name="Publishers"))
    client.force_login(publisher)
    data = post_data(
        package, [row(package, 1, "Memorandum on youth policy")], publish="on"
    )
    assert client.post(package["url"], data).status_code == HTTPStatus.FOUND
    published = Document.objects.get(title="Memorandum on youth policy")
    assert published.is_published and published.published_by == publisher


def test_staff_without_the_right_to_add_documents_are_refused(
    client, django_user_model, package
):
    viewer = django_user_model.objects.create_user("viewer", is_staff=True)
    client.force_login(viewer)
    assert client.get(package["url"]).status_code == HTTPStatus.FORBIDDEN
    assert admin_unknown(client) in (HTTPStatus.FORBIDDEN, HTTPStatus.NOT_FOUND)


def admin_unknown(client):
    return client.get(
        reverse("admin:agreements_event_package", args=[999999])
    ).status_code


def test_an_unknown_event_is_a_404(admin_client):
    assert admin_unknown(admin_client) == HTTPStatus.NOT_FOUND


@pytest.mark.parametrize("rows", [1, 20])
def test_the_page_stays_constant_in_queries(
    admin_client, package, django_assert_max_num_queries, rows
):
    with django_assert_max_num_queries(12):
        response = admin_client.get(package["url"], {"rows": rows})
    assert response.status_code == HTTPStatus.OK


def test_a_new_event_goes_straight_to_its_package(admin_client):
    from agreements.models import Event
    from tests.test_admin import admin_url, form_data

    kz = CountryFactory(code="KZ")
    url = admin_url(Event, "add")
    page = admin_client.get(url)
    assert 'name="_addpackage"' in page.content.decode()
    data = form_data(page)
    data.update(
        title_en_gb="State visit to Baku",
        kind="state_visit",
        date="2026-05-02",
        country=kz.pk,
        _addpackage="Save and add its documents",
    )
    response = admin_client.post(url, data)
    event = Event.objects.get(title_en_gb="State visit to Baku")
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == reverse(
        "admin:agreements_event_package", args=[event.pk]
    )


def test_a_refused_package_comes_back_with_queries_that_do_not_grow_with_rows(
    admin_client, package
):
    """The rows sent back are rendered with their bodies read once for all rows."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for size in (1, 3):
        rows = [row(package, n, f"Memorandum number {n}") for n in range(size)]
        rows.append({**row(package, 0, "Memorandum on sport"), "second_body": ""})
        with CaptureQueriesContext(connection) as queries:
            response = admin_client.post(package["url"], post_data(package, rows))
        assert response.status_code == HTTPStatus.OK
        assert "Nothing was saved" in response.content.decode()
        # each body picked comes back picked, by its name
        for body in package["az"][:size]:
            assert f'<option value="{body.pk}" selected>{body}</option>' in (
                response.content.decode()
            )
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert not Document.objects.exists()


def test_a_body_that_is_not_in_the_register_is_a_clear_error(admin_client, package):
    bad = {**row(package, 0, "Memorandum on youth"), "second_body": "999999"}
    response = admin_client.post(package["url"], post_data(package, [bad]))
    assert response.status_code == HTTPStatus.OK
    assert response.context["rows"].forms[0].errors == {
        "second_body": [
            "Select a valid choice. That choice is not one of the available choices."
        ]
    }
