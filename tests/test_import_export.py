"""Documents in and out of spreadsheets: a dry run that lists every row's result, an
all-or-nothing import that makes nothing up, history, drafts for editors, and a
template with the columns."""

import csv
import io
from http import HTTPStatus

import pytest
import tablib
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from agreements.imports import DocumentResource
from agreements.models import Document, DocumentCitation, PartyCitation, Source
from tests.factories import (
    BodyFactory,
    BodyNameFactory,
    CountryFactory,
    EventFactory,
    bilateral_document,
)

pytestmark = pytest.mark.django_db

COLUMNS = [
    "slug",
    "title",
    "kind",
    "signed_on",
    "signed_city",
    "signed_country",
    "event",
    "legal_status",
    "summary",
    "party_1_body",
    "party_1_country",
    "party_1_signatory",
    "party_2_body",
    "party_2_country",
    "party_2_signatory",
    "source_url",
    "source_publisher",
    "source_confidence",
    "published",
    "not_a_duplicate",
]


@pytest.fixture
def register():
    kz, az = CountryFactory(code="KZ"), CountryFactory(code="AZ")
    science_kz = BodyFactory(
        name="Ministry of Science and Higher Education", short_name="MSHE", country=kz
    )
    science_az = BodyFactory(name="Ministry of Science and Education", country=az)
    culture_az = BodyFactory(name="Ministry of Culture", country=az)
    BodyFactory(name="Ministry of Culture", country=kz)  # the same name elsewhere
    BodyNameFactory(body=culture_az, name="Ministry of Culture and Tourism")
    event = EventFactory(slug="astana-2023", country=kz)
    return {
        "kz": kz,
        "science_kz": science_kz,
        "science_az": science_az,
        "culture_az": culture_az,
        "event": event,
    }


def a_row(**values):
    row = dict.fromkeys(COLUMNS, "")
    row.update(
        title="Memorandum on cooperation in science",
        kind="memorandum",
        signed_on="2023-04-10",
        signed_city="Astana",
        signed_country="KZ",
        event="astana-2023",
        party_1_body="MSHE",
        party_1_signatory="Sayasat Nurbek",
        party_2_body="Ministry of Science and Education",
        source_url="https://www.inform.kz/en/six-documents",
        source_publisher="Kazinform",
        source_confidence="reported",
    )
    row.update(values)
    return row


def dataset(*rows):
    data = tablib.Dataset(headers=COLUMNS)
    for row in rows:
        data.append([row[column] for column in COLUMNS])
    return data


def run(data, user=None, dry_run=True):
    return DocumentResource().import_data(
        data, dry_run=dry_run, use_transactions=True, user=user, raise_errors=False
    )


def errors_of(result):
    return {row.number: row.error.message_dict for row in result.invalid_rows}


# --- The import -----------------------------------------------------------------------


def test_a_dry_run_lists_each_row_and_saves_nothing(register, admin_user):
    data = dataset(
        a_row(),
        a_row(
            title="Memorandum on culture",
            party_1_body="Ministry of Culture",
            party_1_country="AZ",
            party_2_body="MSHE",
        ),
    )
    result = run(data, user=admin_user)
    assert not result.has_errors() and not result.has_validation_errors()
    assert [row.import_type for row in result.rows] == ["new", "new"]
    assert not Document.objects.exists()
    assert not Source.objects.exists()


def test_the_import_makes_documents_with_parties_sources_and_history(
    register, admin_user
):
    result = run(dataset(a_row()), user=admin_user, dry_run=False)
    assert not result.has_validation_errors()
    document = Document.objects.get()
    assert document.slug == "memorandum-on-cooperation-in-science"
    assert document.event == register["event"]
    assert document.signed_country == register["kz"]
    parties = list(document.parties.order_by("order"))
    assert [p.body for p in parties] == [register["science_kz"], register["science_az"]]
    assert parties[0].signatory_name == "Sayasat Nurbek"
    (citation,) = document.citations.all()
    assert (citation.source.url, citation.source.publisher, citation.confidence) == (
        "https://www.inform.kz/en/six-documents",
        "Kazinform",
        "reported",
    )
    assert PartyCitation.objects.filter(party__document=document).count() == 2
    (record,) = document.history.all()
    assert record.history_change_reason == "spreadsheet import"
    assert record.history_type == "+" and record.history_user == admin_user
    assert record.title == document.title and record.slug == document.slug
    # every record the import made has its history: who, why, as saved
    made = [*parties, citation, citation.source, *PartyCitation.objects.all()]
    for obj in made:
        (entry,) = obj.history.all()
        assert (
            entry.history_type,
            entry.history_user,
            entry.history_change_reason,
        ) == (
            "+",
            admin_user,
            "spreadsheet import",
        ), obj
    assert parties[0].history.get().signatory_name == "Sayasat Nurbek"


def test_a_dry_run_and_a_refused_import_write_no_history(register, admin_user):
    from agreements.models import Party

    run(dataset(a_row()), user=admin_user)  # a dry run
    run(
        dataset(a_row(), a_row(title="Protocol", party_2_body="Ministry of Magic")),
        user=admin_user,
        dry_run=False,
    )
    assert not Document.history.exists()
    assert not Party.history.exists()
    assert not Source.history.exists()


def test_bodies_are_matched_by_short_and_former_names_and_never_invented(register):
    rows = [
        a_row(party_2_body="Ministry of Culture and Tourism"),  # a former name
        a_row(title="Protocol", party_2_body="Ministry of Magic"),
        a_row(title="Agreement", party_2_body="Ministry of Culture"),  # two of them
        a_row(title="Treaty", party_2_body="Ministry of Culture", party_2_country="XX"),
        a_row(title="Statement", signed_country="Atlantis"),
    ]
    result = run(dataset(*rows))
    errors = errors_of(result)
    assert 1 not in errors
    assert (
        "No body in the register is called “Ministry of Magic”"
        in (errors[2]["party_2_body"][0])
    )
    assert (
        "More than one body is called “Ministry of Culture”"
        in (errors[3]["party_2_body"][0])
    )
    assert errors[4]["party_2_body"] == ["No country is called or coded “XX”."]
    assert errors[5]["signed_country"] == ["No country is called or coded “Atlantis”."]
    assert Document.objects.count() == 0


def test_bodies_sources_and_rules_cost_no_query_a_row(register, admin_user):
    """The bodies' names are read once an import and the file's sources once; a
    new document's citations and parties are made without looking for them; the
    rules of a document are checked in Python (Document.clean), not by a query a
    rule a row. So these queries do not grow with the rows."""

    def queries_of(rows):
        data = dataset(
            *(
                a_row(
                    title=f"Memorandum number {number}",
                    signed_on=f"2023-04-{10 + number}",  # not look-alikes
                    party_2_body="Ministry of Culture and Tourism",
                    source_url=f"https://example.org/{number % 2}",
                )
                for number in range(rows)
            )
        )
        with CaptureQueriesContext(connection) as queries:
            result = run(data, user=admin_user)
        assert not result.has_errors() and not result.has_validation_errors()
        sql = [query["sql"] for query in queries.captured_queries]
        return {
            "bodies": sum('FROM "agreements_body"' in q for q in sql),
            "former names": sum('FROM "agreements_bodyname"' in q for q in sql),
            "sources read": sum(
                q.startswith('SELECT "agreements_source"') for q in sql
            ),
            "citations read": sum(
                q.startswith('SELECT "agreements_documentcitation"')
                or q.startswith('SELECT "agreements_partycitation"')
                for q in sql
            ),
            "rules": sum('AS "_check"' in q for q in sql),
        }

    few, many = queries_of(2), queries_of(6)
    assert few == many, (few, many)
    assert few["rules"] == few["citations read"] == 0


def test_one_resource_may_run_the_dry_run_then_the_import(register, admin_user):
    """The sources a dry run made were rolled back with it: the import that follows
    on the same resource reads them afresh instead of citing rows that are gone."""
    resource = DocumentResource()
    data = dataset(
        a_row(), a_row(title="Memorandum on culture", signed_on="2023-04-11")
    )
    for dry_run in (True, False):
        result = resource.import_data(
            data, dry_run=dry_run, use_transactions=True, user=admin_user
        )
        assert not result.has_errors() and not result.has_validation_errors()
    (source,) = Source.objects.all()
    assert source.url == "https://www.inform.kz/en/six-documents"
    assert DocumentCitation.objects.filter(source=source).count() == 2
    assert PartyCitation.objects.filter(source=source).count() == 4


def test_one_bad_row_and_nothing_is_imported(register, admin_user):
    rows = [a_row(), a_row(title="Protocol", kind="pamphlet")]
    result = run(dataset(*rows), user=admin_user, dry_run=False)
    assert result.has_validation_errors()
    assert "kind" in errors_of(result)[2]
    assert not Document.objects.exists()


def test_a_look_alike_needs_yes_in_not_a_duplicate(register, admin_user):
    bilateral_document(title="Memorandum on Cooperation in Science")
    result = run(dataset(a_row()), user=admin_user)
    (message,) = errors_of(result)[1]["title"]
    assert message.startswith("This looks like “Memorandum on Cooperation in Science”")
    result = run(dataset(a_row(not_a_duplicate="yes")), user=admin_user)
    assert not result.has_validation_errors()


def test_an_editors_import_makes_drafts_and_a_publishers_may_publish(
    register, django_user_model
):
    editor = django_user_model.objects.create_user("editor", is_staff=True)
    editor.groups.add(Group.objects.get(name="Editors"))
    publisher = django_user_model.objects.create_user("publisher", is_staff=True)
    publisher.groups.add(Group.objects.get(name="Publishers"))
    result = run(dataset(a_row(published="yes")), user=editor, dry_run=False)
    assert not result.has_errors(), [e.error for e in result.base_errors] + [
        e.error for row in result.rows for e in row.errors
    ]
    assert not Document.objects.get().is_published
    run(
        dataset(
            a_row(title="Agreement on transit", signed_on="2023-05-02", published="yes")
        ),
        user=publisher,
        dry_run=False,
    )
    published = Document.objects.get(title="Agreement on transit")
    assert published.is_published and published.published_by == publisher


def test_a_row_with_a_known_slug_changes_that_document(register, admin_user):
    run(dataset(a_row()), user=admin_user, dry_run=False)
    document = Document.objects.get()
    result = run(
        dataset(a_row(slug=document.slug, signed_city="Aktau")),
        user=admin_user,
        dry_run=False,
    )
    assert [row.import_type for row in result.rows] == ["update"]
    document.refresh_from_db()
    assert document.signed_city == "Aktau"
    assert Document.objects.count() == 1


# --- Export and the template ----------------------------------------------------------


def test_the_export_has_the_parties_and_the_source(register, admin_user):
    run(dataset(a_row()), user=admin_user, dry_run=False)
    exported = DocumentResource().export()
    assert exported.headers == COLUMNS
    (row,) = exported.dict
    assert row["party_1_body"] == "Ministry of Science and Higher Education"
    assert row["party_2_country"] == "AZ"
    assert row["source_url"] == "https://www.inform.kz/en/six-documents"
    # and it imports back as a change of the same document
    result = run(exported, user=admin_user)
    assert [r.import_type for r in result.rows] == ["update"]


@pytest.mark.parametrize("extension", ["csv", "xlsx"])
def test_a_template_shows_the_columns(admin_client, extension):
    url = reverse("admin:agreements_document_import_template", args=[extension])
    response = admin_client.get(url)
    assert response.status_code == HTTPStatus.OK
    if extension == "csv":
        header = next(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    else:
        sheet = load_workbook(io.BytesIO(response.content)).active
        header = [cell.value for cell in next(sheet.iter_rows())]
    assert header == COLUMNS


def test_an_unknown_template_format_is_a_404(admin_client):
    url = reverse("admin:agreements_document_import_template", args=["pdf"])
    assert admin_client.get(url).status_code == HTTPStatus.NOT_FOUND


# --- Through the admin ----------------------------------------------------------------


def upload(client, rows):
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=COLUMNS)
    writer.writeheader()
    for row in rows:
        writer.writerow(row)
    file = io.BytesIO(text.getvalue().encode())
    file.name = "documents.csv"
    return client.post(
        reverse("admin:agreements_document_import"),
        {"import_file": file, "format": "0", "resource": "0"},
    )


def checked(client, rows):
    """The result of checking ``rows`` in the admin: its ``SpreadsheetImport`` and
    its page."""
    from agreements.models import SpreadsheetImport

    response = upload(client, rows)
    assert response.status_code == HTTPStatus.FOUND
    run = SpreadsheetImport.objects.latest("pk")
    assert response["Location"] == reverse(
        "admin:agreements_document_import_result", args=[run.pk]
    )
    return run, client.get(response["Location"])


def page_text(response):
    return response.content.decode().replace("&#x201C;", "“").replace("&#x201D;", "”")


def test_the_admin_shows_the_dry_run_then_imports_on_confirmation(
    admin_client, register
):
    run, page = checked(admin_client, [a_row()])
    assert page.status_code == HTTPStatus.OK
    assert run.state == "checked" and run.totals["new"] == 1
    assert not Document.objects.exists()
    assert 'id="import-confirm"' in page.content.decode()
    assert "Memorandum on cooperation in science" in page.content.decode()

    response = admin_client.post(page.wsgi_request.path, {"confirm": "Import"})
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == reverse("admin:agreements_document_changelist")
    assert Document.objects.count() == 1
    run.refresh_from_db()
    assert run.state == "imported" and run.imported_at is not None
    # its page now links each row to the record it made
    document = Document.objects.get()
    imported = admin_client.get(page.wsgi_request.path)
    assert (
        reverse("admin:agreements_document_change", args=[document.pk])
        in imported.content.decode()
    )
    assert "Imported" in imported.content.decode()

    # a second press imports nothing more and says why
    again = admin_client.post(page.wsgi_request.path, follow=True)
    assert "This file is not waiting to be imported." in again.content.decode()
    assert Document.objects.count() == 1
    assert 'id="import-confirm"' not in again.content.decode()


def test_the_admin_lists_a_bad_rows_reason_and_offers_no_confirmation(
    admin_client, register
):
    run, page = checked(
        admin_client, [a_row(), a_row(party_2_body="Ministry of Magic")]
    )
    assert run.state == "refused"
    assert run.totals == {**run.totals, "new": 1, "error": 1}
    assert "No body in the register is called “Ministry of Magic”" in page_text(page)
    assert 'id="import-confirm"' not in page.content.decode()
    # the refused row is listed first: the page opens on the refused rows
    assert "Memorandum on cooperation in science" in page_text(page)
    assert page.context["shown"] == "problems"
    assert [row["line"] for row in page.context["page_obj"]] == [3]
    assert not Document.objects.exists()
    # a confirmation posted anyway imports nothing
    admin_client.post(page.wsgi_request.path)
    assert not Document.objects.exists()


def test_a_row_like_a_document_in_the_register_is_listed_as_a_duplicate(
    admin_client, register, admin_user
):
    run(dataset(a_row()), user=admin_user, dry_run=False)
    result, page = checked(admin_client, [a_row()])
    assert result.totals["duplicate"] == 1 and result.state == "refused"
    (row,) = result.rows
    assert row["status"] == "duplicate"
    assert "This looks like “Memorandum on cooperation in science”" in page_text(page)
    assert Document.objects.count() == 1


def test_only_the_person_who_checked_a_file_imports_it(
    admin_client, register, django_user_model
):
    run, page = checked(admin_client, [a_row()])
    other = django_user_model.objects.create_superuser("bob", "bob@example.org", "x")
    admin_client.force_login(other)
    seen = admin_client.get(page.wsgi_request.path)
    assert seen.status_code == HTTPStatus.OK
    assert 'id="import-confirm"' not in seen.content.decode()
    assert "who checked this file, can import it" in seen.content.decode()
    refused = admin_client.post(page.wsgi_request.path)
    assert refused.status_code == HTTPStatus.FORBIDDEN
    assert not Document.objects.exists()


def test_a_file_the_register_no_longer_accepts_imports_nothing(admin_client, register):
    rows = [a_row(), a_row(title="Protocol on geology", signed_on="2023-04-11")]
    run, page = checked(admin_client, rows)
    assert run.state == "checked"
    register["science_az"].delete()  # the register changes after the check
    response = admin_client.post(page.wsgi_request.path, follow=True)
    assert "Nothing was imported: the register changed since the check" in (
        response.content.decode()
    )
    assert not Document.objects.exists()
    run.refresh_from_db()
    assert run.state == "refused" and run.totals["error"] == 2


def test_a_checked_file_gone_from_the_server_is_said_so(admin_client, register):
    import os
    import tempfile

    run, page = checked(admin_client, [a_row()])
    os.remove(os.path.join(tempfile.gettempdir(), run.confirm_data["import_file_name"]))
    response = admin_client.post(page.wsgi_request.path, follow=True)
    assert response.status_code == HTTPStatus.OK
    assert "The file is no longer on the server: upload it again." in (
        response.content.decode()
    )
    assert not Document.objects.exists()
    run.refresh_from_db()
    assert run.state == "refused"


def test_the_result_is_paged_and_filtered_and_its_queries_do_not_grow(
    admin_client, register
):
    rows = [
        a_row(title=f"Memorandum number {n}", signed_on=f"2020-01-{n + 1:02d}")
        for n in range(3)
    ]
    small, _page = checked(admin_client, rows[:1])
    large, _page = checked(admin_client, rows)
    urls = {
        run: reverse("admin:agreements_document_import_result", args=[run.pk])
        for run in (small, large)
    }
    counts = {}
    for run, url in urls.items():
        with CaptureQueriesContext(connection) as queries:
            assert admin_client.get(url).status_code == HTTPStatus.OK
        counts[run.pk] = len(queries)
    assert counts[small.pk] == counts[large.pk]

    # two rows a page: the third row is on page 2
    from agreements.admin.spreadsheets import SpreadsheetMixin

    SpreadsheetMixin.result_per_page, per_page = 2, SpreadsheetMixin.result_per_page
    try:
        first = admin_client.get(urls[large])
        assert 'href="?page=2"' in first.content.decode()
        second = admin_client.get(urls[large], {"page": "2"})
        assert [r["line"] for r in second.context["page_obj"]] == [4]
        # bad input is no error: a page that is not a number is the first
        for bad in ({"page": "x"}, {"page": "99"}, {"status": "<b>"}):
            response = admin_client.get(urls[large], bad)
            assert response.status_code == HTTPStatus.OK
        new = admin_client.get(urls[large], {"status": "new"})
        assert new.context["page_obj"].paginator.count == 3
        errors = admin_client.get(urls[large], {"status": "error"})
        assert "No row has this result." in errors.content.decode()
    finally:
        SpreadsheetMixin.result_per_page = per_page


def test_a_result_is_found_only_under_its_own_records(admin_client, register):
    run, _page = checked(admin_client, [a_row()])
    url = reverse("admin:agreements_body_import_result", args=[run.pk])
    assert admin_client.get(url).status_code == HTTPStatus.NOT_FOUND
    missing = reverse("admin:agreements_document_import_result", args=[run.pk + 1])
    assert admin_client.get(missing).status_code == HTTPStatus.NOT_FOUND


def test_the_imports_are_listed_with_their_results(admin_client, register):
    run, _page = checked(admin_client, [a_row()])
    response = admin_client.get(
        reverse("admin:agreements_spreadsheetimport_changelist")
    )
    assert response.status_code == HTTPStatus.OK
    text = response.content.decode()
    assert "documents.csv" in text and "new: 1" in text
    assert '<td class="field-records">Documents</td>' in text  # by name
    assert reverse("admin:agreements_document_import_result", args=[run.pk]) in text
    assert "add/" not in text.split('id="changelist"')[-1]


@pytest.mark.parametrize("file_format", ["", "xlsx"])
def test_the_changelist_exports_its_filtered_documents(
    admin_client, register, admin_user, file_format
):
    run(dataset(a_row()), user=admin_user, dry_run=False)
    run(
        dataset(
            a_row(title="Treaty on friendship", kind="treaty", signed_on="2020-01-02")
        ),
        user=admin_user,
        dry_run=False,
    )
    changelist = admin_client.get(reverse("admin:agreements_document_changelist"))
    assert "Export XLSX" in changelist.content.decode()
    params = {"kind__exact": "treaty"}
    if file_format:
        params["file_format"] = file_format
    response = admin_client.get(reverse("admin:agreements_document_export"), params)
    assert response.status_code == HTTPStatus.OK
    if file_format == "xlsx":
        sheet = load_workbook(io.BytesIO(response.content)).active
        rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
        titles = [row[1] for row in rows[1:]]
    else:
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        titles = [row[1] for row in rows[1:]]
    assert rows[0] == COLUMNS
    assert titles == ["Treaty on friendship"]


def test_an_unknown_export_format_is_a_400(admin_client):
    response = admin_client.get(
        reverse("admin:agreements_document_export"), {"file_format": "pdf"}
    )
    assert response.status_code == HTTPStatus.BAD_REQUEST


# --- Events, bodies, sources ----------------------------------------------------------


def table(headers, *rows):
    data = tablib.Dataset(headers=headers)
    for row in rows:
        data.append(row)
    return data


def test_bodies_come_in_with_their_names_in_each_language(register):
    from agreements.imports import BodyResource
    from agreements.models import Body

    headers = ["slug", "name_en_gb", "name_ru", "kind", "country", "parent"]
    data = table(
        headers,
        ["", "Ministry of Energy", "Министерство энергетики", "ministry", "KZ", ""],
        ["", "", "Без английского названия", "ministry", "KZ", ""],
        ["", "Ministry of Ecology", "", "ministry", "XX", ""],
    )
    result = BodyResource().import_data(data, dry_run=False, use_transactions=True)
    errors = {row.number: row.error.message_dict for row in result.invalid_rows}
    assert errors[2]["name_en_gb"] == ["Give the body's English name."]
    assert errors[3]["country"] == ["No country has the code “XX”."]
    assert not Body.objects.filter(name_en_gb="Ministry of Energy").exists()  # none
    result = BodyResource().import_data(
        table(headers, data[0]), dry_run=False, use_transactions=True
    )
    body = Body.objects.get(name_en_gb="Ministry of Energy")
    assert (body.slug, body.name_ru, body.country.code) == (
        "ministry-of-energy",
        "Министерство энергетики",
        "KZ",
    )


def test_events_come_in_as_drafts_with_their_date_in_the_slug(register):
    from agreements.imports import EventResource
    from agreements.models import Event

    headers = ["slug", "title_en_gb", "kind", "date", "city", "country"]
    data = table(
        headers,
        ["", "Working visit to Baku", "official_visit", "2026-03-02", "Baku", "AZ"],
    )
    result = EventResource().import_data(data, dry_run=False, use_transactions=True)
    assert not result.has_validation_errors(), [
        r.error.message_dict for r in result.invalid_rows
    ]
    event = Event.objects.get(title_en_gb="Working visit to Baku")
    assert event.slug == "working-visit-to-baku-2026-03-02"
    assert not event.is_published


def test_sources_are_found_by_their_url(register):
    from agreements.imports import SourceResource

    Source.objects.create(url="https://www.inform.kz/en/a", publisher="Kazinform")
    data = table(
        ["url", "title", "publisher", "published_on", "accessed_on"],
        ["https://www.inform.kz/en/a", "Six documents", "Kazinform", "2023-04-10", ""],
        ["https://azertag.az/en/b", "Aliyev in Astana", "AZERTAC", "2023-04-10", ""],
    )
    result = SourceResource().import_data(data, dry_run=False, use_transactions=True)
    assert [row.import_type for row in result.rows] == ["update", "new"]
    assert Source.objects.get(url="https://www.inform.kz/en/a").title == "Six documents"


@pytest.mark.parametrize("model", ["body", "event", "source"])
def test_each_import_page_links_its_template(admin_client, model):
    response = admin_client.get(reverse(f"admin:agreements_{model}_import"))
    assert response.status_code == HTTPStatus.OK
    template = reverse(f"admin:agreements_{model}_import_template", args=["xlsx"])
    assert template in response.content.decode()
    assert admin_client.get(template).status_code == HTTPStatus.OK


def test_an_unknown_event_is_the_rows_error(register):
    result = run(dataset(a_row(event="no-such-visit")))
    assert errors_of(result)[1]["event"] == ["No event has the slug “no-such-visit”."]


@pytest.mark.parametrize("name", ["Editors", "Publishers"])
def test_the_staff_groups_see_the_list_of_imports(name):
    group = Group.objects.get(name=name)
    assert group.permissions.filter(codename="view_spreadsheetimport").exists()
    assert not group.permissions.filter(codename="change_spreadsheetimport").exists()


def test_a_check_shows_what_the_file_holds_as_text(admin_client, register):
    """Titles, names and the file's own name are shown escaped on the check's page."""
    rows = [
        a_row(title="Memorandum <script>alert(1)</script>"),
        a_row(title="Protocol", party_2_body="Ministry <img src=x onerror=alert(2)>"),
    ]
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=COLUMNS)
    writer.writeheader()
    writer.writerows(rows)
    file = io.BytesIO(text.getvalue().encode())
    file.name = 'memoranda"><img src=x onerror=alert(3)>.csv'
    response = admin_client.post(
        reverse("admin:agreements_document_import"),
        {"import_file": file, "format": "0", "resource": "0"},
        follow=True,
    )
    assert response.status_code == HTTPStatus.OK
    every_row = admin_client.get(response.wsgi_request.path, {"status": "all"})
    for page in (response, every_row):
        content = page.content.decode()
        assert "<script>alert(" not in content
        assert "<img src=x" not in content
        assert "onerror=alert(3)&gt;.csv" in content  # the file's name, as text
    assert "Memorandum &lt;script&gt;alert(1)&lt;/script&gt;" in (
        every_row.content.decode()
    )
    assert "Ministry &lt;img src=x onerror=alert(2)&gt;" in response.content.decode()
    listed = admin_client.get(reverse("admin:agreements_spreadsheetimport_changelist"))
    assert "<img src=x" not in listed.content.decode()
