"""Any list of documents as CSV or XLSX, with the list's own parameters."""

import csv
import io
from http import HTTPStatus

import pytest
from openpyxl import load_workbook

from agreements.exports import COLUMNS, neutralised
from tests.factories import DocumentCitationFactory, EventFactory, bilateral_document

pytestmark = pytest.mark.django_db


def csv_rows(response):
    body = b"".join(response.streaming_content)
    assert body.startswith("\ufeff".encode())  # spreadsheet programs read UTF-8
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def test_the_csv_holds_every_matching_published_document(client):
    memorandum = bilateral_document(
        title="Меморандум о сотрудничестве", kind="memorandum", countries=("KZ", "AZ")
    )
    DocumentCitationFactory(document=memorandum, confidence="confirmed")
    for number in range(30):  # more than a page of the list
        bilateral_document(title=f"Agreement {number}", kind="agreement")
    bilateral_document(title="Draft", kind="memorandum", is_published=False)

    response = client.get("/agreements/export.csv", {"kind": "memorandum"})
    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    rows = csv_rows(response)
    assert rows[0] == list(COLUMNS)
    (row,) = [dict(zip(COLUMNS, r, strict=True)) for r in rows[1:]]
    assert row["title"] == "Меморандум о сотрудничестве"
    assert row["url"] == f"http://testserver{memorandum.get_absolute_url()}"
    assert row["party_1_country"] == "KZ" and row["party_2_country"] == "AZ"
    assert "(KZ)" in row["parties"] and "(AZ)" in row["parties"]
    assert row["sources"].endswith("(confirmed)")
    every = csv_rows(client.get("/agreements/export.csv"))
    assert len(every) == 1 + 31  # all of them, not one page


def test_the_xlsx_is_the_same_table(client):
    bilateral_document(title="Agreement on transit", kind="agreement")
    response = client.get("/agreements/export.xlsx", {"ordering": "title"})
    assert response.status_code == HTTPStatus.OK
    content = b"".join(response.streaming_content)
    sheet = load_workbook(io.BytesIO(content), read_only=True).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0] == list(COLUMNS)
    assert rows[1][2] == "Agreement on transit"


@pytest.mark.parametrize("text", ["=HYPERLINK(1)", "+1", "-2", "@SUM(A1)", "\tx"])
def test_a_cell_that_could_be_a_formula_runs_nothing(client, text):
    assert neutralised(text) == f"'{text}"
    bilateral_document(title=text)
    rows = csv_rows(client.get("/agreements/export.csv"))
    assert rows[1][2] == f"'{text}"


def test_typed_text_in_any_column_runs_nothing(client):
    document = bilateral_document(title="Agreement", signed_city="=cmd|' /C calc'!A0")
    document.parties.update(signatory_name="@SUM(1)")
    rows = csv_rows(client.get("/agreements/export.csv"))
    row = dict(zip(COLUMNS, rows[1], strict=True))
    assert row["signed_city"] == "'=cmd|' /C calc'!A0"
    assert row["party_1_signatory"] == "'@SUM(1)"
    assert row["parties"].count("signed by @SUM(1)") == 2  # inside, not first
    every_cell = [cell for cell in rows[1] if cell]
    assert not [cell for cell in every_cell if cell.startswith(("=", "+", "-", "@"))]


def test_bad_parameters_are_a_400(client):
    response = client.get("/agreements/export.csv", {"signed_before": "soon"})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "signed_before" in response.content.decode()


def test_the_list_links_its_files_with_its_filters(client):
    bilateral_document(kind="memorandum")
    content = client.get("/agreements/", {"kind": "memorandum", "page": "1"}).content
    content = content.decode().replace("&amp;", "&")
    assert 'href="/agreements/export.csv?kind=memorandum"' in content
    assert 'href="/agreements/export.xlsx?kind=memorandum"' in content
    assert 'href="/feeds/documents/?kind=memorandum"' in content


def test_the_csv_stays_constant_in_queries(client, django_assert_max_num_queries):
    for number in range(12):
        bilateral_document(title=f"Agreement {number}")
    with django_assert_max_num_queries(12):
        response = client.get("/agreements/export.csv")
        rows = csv_rows(response)
    assert len(rows) == 13


def test_a_document_of_an_unpublished_event_does_not_name_it(client):
    hidden = EventFactory(slug="secret-summit", is_published=False)
    bilateral_document(title="Signed at a secret summit", event=hidden)
    rows = csv_rows(client.get("/agreements/export.csv"))
    (row,) = [dict(zip(COLUMNS, r, strict=True)) for r in rows[1:]]
    assert row["event"] == ""
    content = b"".join(client.get("/agreements/export.xlsx").streaming_content)
    sheet = load_workbook(io.BytesIO(content), read_only=True).active
    cells = [cell for row in sheet.iter_rows(values_only=True) for cell in row]
    assert "Signed at a secret summit" in cells
    assert not [cell for cell in cells if cell and "secret-summit" in str(cell)]
