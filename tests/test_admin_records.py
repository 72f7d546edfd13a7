"""The admin's history pages, events, bodies and sources, and the Editors' rights."""

import datetime
import re
from http import HTTPStatus

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.urls import reverse

from agreements import models
from tests.factories import (
    BodyFactory,
    BodyNameFactory,
    DocumentCitationFactory,
    DocumentFactory,
    EventFactory,
    PartyCitationFactory,
    PartyFactory,
    SourceFactory,
    bilateral_document,
)
from tests.test_admin import (
    CHANGELIST_MAX_QUERIES,
    admin_url,
    change_url,
    errors_of,
    filter_choices,
    form_data,
    inline_formset,
)

pytestmark = pytest.mark.django_db


# --- History --------------------------------------------------------------------------


def test_admin_forms_have_no_inline_script(admin_client):
    # A Content-Security-Policy without 'unsafe-inline' would block it: the change
    # form's own script is a static file.
    document = bilateral_document()
    urls = [
        change_url(document),
        admin_url(models.Document, "add"),
        change_url(EventFactory()),
        change_url(BodyFactory()),
    ]
    for url in urls:
        content = admin_client.get(url).content.decode()
        scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", content, re.S)
        assert scripts, url
        inline = [(attrs, body) for attrs, body in scripts if "src=" not in attrs]
        assert inline == [], url
        assert re.search(r'src="[^"]*/js/admin-change-form(\.\w+)?\.js"', content), url


@pytest.fixture
def editor(django_user_model):
    user = django_user_model.objects.create_user(
        "aigerim.editor", password="not-used", is_staff=True
    )
    user.groups.add(Group.objects.get(name="Editors"))
    return user


def test_document_history_shows_who_changed_a_party_and_what(client, editor):
    document = bilateral_document()
    party = document.parties.order_by("order").first()
    old_name = party.signatory_name
    client.force_login(editor)
    data = form_data(client.get(change_url(document)))
    index = next(
        i
        for i in range(int(data["parties-TOTAL_FORMS"]))
        if data[f"parties-{i}-id"] == str(party.pk)
    )
    data[f"parties-{index}-signatory_name"] = "Zhanar Aitzhanova"

    response = client.post(change_url(document), data)
    assert response.status_code == HTTPStatus.FOUND

    history = client.get(admin_url(models.Document, "history", document.pk))

    assert history.status_code == HTTPStatus.OK
    related = history.content.decode().split('id="related-history"')[1]
    changed_row = re.search(
        r"<tr>(?:(?!</tr>).)*Zhanar Aitzhanova.*?</tr>", related, re.S
    )
    assert changed_row is not None
    row = changed_row.group(0)
    assert "aigerim.editor" in row
    assert "Changed" in row
    assert f"<strong>Signatory:</strong> {old_name}&nbsp;&rarr;&nbsp;Zhanar" in row


def test_document_history_shows_sources_and_signature_sources(admin_client):
    document = bilateral_document()
    party = document.parties.first()
    DocumentCitationFactory(document=document, source__title="Official communiqué")
    PartyCitationFactory(party=party, source__title="Ministry press release")

    response = admin_client.get(admin_url(models.Document, "history", document.pk))

    related = response.content.decode().split('id="related-history"')[1]
    assert "Document source: Example News: Official communiqué" in related
    assert "Signature source: " in related
    assert "Ministry press release" in related
    assert "Party and signature: " in related


# --- Events ---------------------------------------------------------------------------


def test_event_changelist_reconciles_reported_and_recorded(admin_client):
    event = EventFactory(documents_reported=3)
    bilateral_document(event=event)
    bilateral_document(event=event, is_published=False)  # staff count it too
    complete = EventFactory(documents_reported=1)
    bilateral_document(event=complete)
    unknown = EventFactory(documents_reported=None)

    response = admin_client.get(admin_url(models.Event, "changelist"))

    content = response.content.decode()
    assert "3 reported, 2 recorded, 1 still to identify" in content
    assert "1 reported, 1 recorded<" in content
    assert "0 recorded, number reported unknown" in content
    assert change_url(unknown) in content


def test_event_changelist_sorts_by_documents_recorded(admin_client):
    busy, quiet = EventFactory(), EventFactory()
    bilateral_document(event=busy)
    bilateral_document(event=busy)
    url = admin_url(models.Event, "changelist")
    column = (
        admin_client.get(url).context["cl"].list_display.index("documents_recorded")
    )

    ascending = admin_client.get(url, {"o": f"{column}"})
    descending = admin_client.get(url, {"o": f"-{column}"})

    assert list(ascending.context["cl"].result_list) == [quiet, busy]
    assert list(descending.context["cl"].result_list) == [busy, quiet]


def test_event_changelist_query_count_does_not_grow_with_rows(
    admin_client, django_assert_max_num_queries
):
    for _ in range(60):
        bilateral_document(event=EventFactory())

    # keeps the page free of N+1 queries
    with django_assert_max_num_queries(CHANGELIST_MAX_QUERIES):
        response = admin_client.get(admin_url(models.Event, "changelist"))

    assert len(response.context["cl"].result_list) == 50


def test_event_page_lists_its_documents_and_counts(admin_client):
    event = EventFactory(documents_reported=2)
    documents = [bilateral_document(event=event), bilateral_document(event=event)]
    unrelated = bilateral_document()

    response = admin_client.get(change_url(event))

    content = response.content.decode()
    for document in documents:
        assert f"<a href='{change_url(document)}'>{document.title}</a>" in content
    assert change_url(unrelated) not in content
    assert "2 reported, 2 recorded" in content
    assert f"?event={event.pk}" in content


def test_event_with_end_before_start_is_refused(admin_client):
    event = EventFactory()
    data = form_data(admin_client.get(change_url(event)))
    data["end_date"] = (event.date - datetime.timedelta(days=1)).isoformat()

    response = admin_client.post(change_url(event), data)

    assert response.status_code == HTTPStatus.OK
    assert errors_of(response, "end_date") == [
        "The end date cannot be before the date."
    ]
    event.refresh_from_db()
    assert event.end_date is None


# --- Bodies and sources ---------------------------------------------------------------


def test_body_changelist_counts_documents(admin_client):
    document = bilateral_document(countries=("KZ", "AZ"))
    kz_body = document.parties.get(body__country__code="KZ").body
    PartyFactory(body=kz_body, document=DocumentFactory())
    idle = BodyFactory()

    response = admin_client.get(admin_url(models.Body, "changelist"))

    counts = {body: body.documents_count for body in response.context["cl"].result_list}
    assert counts[kz_body] == 2
    assert counts[idle] == 0
    assert '<td class="field-documents">2</td>' in response.content.decode()


def test_body_country_filter_lists_only_countries_with_bodies(admin_client):
    document = bilateral_document(countries=("KZ", "AZ"))
    az_body = document.parties.get(body__country__code="AZ").body

    response = admin_client.get(admin_url(models.Body, "changelist"), {"country": "AZ"})

    assert filter_choices(response, "country") == [
        ("AZ", "Azerbaijan"),
        ("KZ", "Kazakhstan"),
    ]
    assert list(response.context["cl"].result_list) == [az_body]


def test_body_search_finds_short_and_former_names(admin_client):
    body = BodyFactory(short_name="NAS")
    BodyNameFactory(body=body, name="Academy of Sciences of the Kazakh SSR")
    other = BodyFactory()
    url = admin_url(models.Body, "changelist")

    for term in ("NAS", "Kazakh SSR"):
        response = admin_client.get(url, {"q": term})
        assert list(response.context["cl"].result_list) == [body], term
        assert change_url(other) not in response.content.decode()


def test_body_page_edits_former_names(admin_client):
    former = BodyNameFactory(name="Ministry of Education")

    response = admin_client.get(change_url(former.body))

    assert 'value="Ministry of Education"' in response.content.decode()


def test_body_changelist_filters_by_kind(admin_client):
    academy = BodyFactory(kind=models.Body.Kind.ACADEMY)
    ministry = BodyFactory(kind=models.Body.Kind.MINISTRY)

    response = admin_client.get(
        admin_url(models.Body, "changelist"), {"kind__exact": "academy"}
    )

    content = response.content.decode()
    assert change_url(academy) in content
    assert change_url(ministry) not in content


@pytest.mark.parametrize("term", ["kazinform", "kazinform.kz/news/123", "summit"])
def test_source_search_by_url_title_or_publisher(admin_client, term):
    source = SourceFactory(
        url="https://kazinform.kz/news/123",
        publisher="Kazinform",
        title="Summit in Astana",
    )
    other = SourceFactory()

    response = admin_client.get(admin_url(models.Source, "changelist"), {"q": term})

    content = response.content.decode()
    assert change_url(source) in content
    assert change_url(other) not in content


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL")
def test_source_search_reads_the_trigram_indexes_on_postgresql(admin_client):
    """Each column the search reads has a trigram index in the form ``icontains``
    asks, so a word is found without reading every source (migration 0023)."""
    SourceFactory(url="https://kazinform.kz/news/123", publisher="Kazinform")
    changelist = admin_client.get(
        admin_url(models.Source, "changelist"), {"q": "kazinform"}
    ).context["cl"]
    with connection.cursor() as cursor:
        # (a tiny table would be scanned; the point is that the indexes serve it)
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
    plan = changelist.queryset.explain()
    for column in ("url", "title", "publisher"):
        assert f"agreements_source_{column}_trgm" in plan


def test_without_pg_trgm_the_sources_search_migration_warns_and_goes_on():
    """A database user who may not create the extension gets a warning, not a
    failed migration; no index is attempted without it."""
    import importlib
    import warnings

    from django.db import DatabaseError

    migration = importlib.import_module(
        "agreements.migrations.0023_source_search_trigrams"
    )
    executed = []

    class Editor:
        class connection:  # noqa: N801 (a stand-in for the schema editor's)
            vendor = "postgresql"
            alias = "default"

        def execute(self, sql):
            if sql.startswith("CREATE EXTENSION"):
                raise DatabaseError("permission denied to create extension")
            executed.append(sql)

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        migration.create(None, Editor())

    assert executed == []
    assert "pg_trgm could not be created" in str(caught[0].message)


# --- Editors --------------------------------------------------------------------------


def test_editor_views_adds_and_changes_register_records(client, editor):
    document = bilateral_document()
    client.force_login(editor)

    for model in (models.Document, models.Body, models.Event, models.Source):
        assert client.get(admin_url(model, "changelist")).status_code == HTTPStatus.OK
        assert client.get(admin_url(model, "add")).status_code == HTTPStatus.OK
    data = form_data(client.get(change_url(document)))
    data["title"] = "Renamed by an editor"
    assert client.post(change_url(document), data).status_code == HTTPStatus.FOUND
    document.refresh_from_db()
    assert document.title == "Renamed by an editor"


def test_editor_cannot_delete(client, editor):
    document = bilateral_document()
    client.force_login(editor)

    page = client.get(change_url(document))
    assert inline_formset(page, "parties").can_delete is False
    response = client.get(admin_url(models.Document, "delete", document.pk))
    assert response.status_code == HTTPStatus.FORBIDDEN
    response = client.post(admin_url(models.Document, "delete", document.pk))
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert models.Document.objects.filter(pk=document.pk).exists()

    changelist = client.get(admin_url(models.Document, "changelist"))
    actions = [
        name for name, _ in changelist.context["action_form"].fields["action"].choices
    ]
    assert "delete_selected" not in actions
    # Publishing is for publishers: see test_publishing.py.
    assert "publish" not in actions


def test_editor_cannot_see_users_and_groups(client, editor, django_user_model):
    client.force_login(editor)

    assert (
        client.get(admin_url(django_user_model, "changelist")).status_code
        == HTTPStatus.FORBIDDEN
    )
    assert (
        client.get(admin_url(Group, "changelist")).status_code == HTTPStatus.FORBIDDEN
    )
    index = client.get(reverse("admin:index"))
    app_labels = [app["app_label"] for app in index.context["app_list"]]
    assert app_labels == ["agreements"]
