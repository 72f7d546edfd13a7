"""Bulk data: ``build_open_data`` writes the published register as files, /data/
lists them with the data dictionary and the licence, /data/files/ serves them."""

import csv
import dataclasses
import io
import json
from http import HTTPStatus
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.template.defaultfilters import filesizeformat
from django.test.utils import CaptureQueriesContext

from agreements.exports import COLUMNS
from agreements.opendata import build
from agreements.opendata.tables import TABLES
from tests.factories import (
    ActionCitationFactory,
    ActionFactory,
    BodyNameFactory,
    DocumentCitationFactory,
    EventCitationFactory,
    EventFactory,
    PartyCitationFactory,
    ProgressUpdateFactory,
    SourceFactory,
    bilateral_document,
)
from tests.test_unpublished import SECRETS, register  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db

TABLE_FILES = [table.filename for table in TABLES]


@pytest.fixture
def open_data_root(settings):
    return settings.OPEN_DATA_ROOT  # a fresh directory (tests/conftest.py)


def built(name):
    return build.current_dir() / name


def read_csv(name):
    text = built(name).read_bytes()
    assert text.startswith("\ufeff".encode())  # spreadsheets read the letters right
    rows = list(csv.reader(io.StringIO(text.decode("utf-8-sig"))))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def read_json():
    return json.loads(built(build.JSON_FILE).read_text(encoding="utf-8"))


@pytest.fixture
def small_register():
    event = EventFactory(slug="astana-visit", title="Visit to Astana")
    document = bilateral_document(
        slug="memorandum-on-media",
        title="Меморандум о сотрудничестве в области СМИ",
        event=event,
        summary_ru="Сотрудничество в области СМИ.",
    )
    DocumentCitationFactory(document=document, source__url="https://gov.kz/news/1")
    party = document.parties.get(order=1)
    BodyNameFactory(body=party.body, name="Old ministry name")
    PartyCitationFactory(party=party)
    EventCitationFactory(event=event)
    action = ActionFactory(
        document=document, slug="hold-a-meeting", focal_person="Secret Focal"
    )
    ActionCitationFactory(action=action)
    ProgressUpdateFactory(action=action, title="Meeting held")
    return document


def test_the_command_writes_every_table_the_json_and_the_dictionary(
    small_register, open_data_root
):
    call_command("build_open_data", "--base-url", "https://register.example.org/")

    names = {path.name for path in built(".").iterdir()}
    assert names == {
        *TABLE_FILES,
        build.JSON_FILE,
        build.DATAPACKAGE,
        build.MANIFEST,
    }
    (document,) = read_csv("documents.csv")
    assert list(document)[: len(COLUMNS)] == list(COLUMNS)  # the export's columns
    assert document["title"] == "Меморандум о сотрудничестве в области СМИ"
    assert document["url"] == (
        "https://register.example.org/agreements/memorandum-on-media/"
    )
    assert document["event"] == "astana-visit"
    assert document["summary_ru"] == "Сотрудничество в области СМИ."
    assert document["summary_kk"] == ""  # no translation: nothing invented
    parties = read_csv("parties.csv")
    assert [p["order"] for p in parties] == ["1", "2"]
    assert {p["document"] for p in parties} == {"memorandum-on-media"}
    (body,) = [b for b in read_csv("bodies.csv") if b["former_names"]]
    assert body["former_names"] == "Old ministry name (2010-01-01/2019-12-31)"
    assert {c["cites"] for c in read_csv("citations.csv")} == {
        "document",
        "party",
        "event",
        "action",
    }
    (action,) = read_csv("actions.csv")
    assert action["slug"] == "hold-a-meeting"
    assert "Secret Focal" not in built("actions.csv").read_text()  # staff only
    (update,) = read_csv("progress_updates.csv")
    assert update["action"] == "hold-a-meeting"
    assert "https://gov.kz/news/1" in {s["url"] for s in read_csv("sources.csv")}

    whole = read_json()
    assert whole["licence"]["name"] == "CC BY 4.0"
    assert whole["tables"]["documents"][0]["title"] == document["title"]
    assert whole["tables"]["documents"][0]["summary_kk"] is None  # unknown: null
    for table in TABLES:
        assert len(whole["tables"][table.name]) == len(read_csv(table.filename))


def test_the_data_package_describes_every_column_of_every_file(small_register):
    build.build()
    package = json.loads(built(build.DATAPACKAGE).read_text())
    assert package["profile"] == "tabular-data-package"
    assert package["licenses"] == [
        {"title": "CC BY 4.0", "path": "https://creativecommons.org/licenses/by/4.0/"}
    ]
    resources = {resource["name"]: resource for resource in package["resources"]}
    for table in TABLES:
        resource = resources[table.name]
        with built(table.filename).open(encoding="utf-8-sig", newline="") as file:
            header = next(csv.reader(file))
        assert [field["name"] for field in resource["schema"]["fields"]] == header
        assert all(
            len(field["description"]) > 10 for field in resource["schema"]["fields"]
        )
        assert resource["bytes"] == built(table.filename).stat().st_size
    kinds = next(
        field
        for field in resources["documents"]["schema"]["fields"]
        if field["name"] == "kind"
    )
    assert "memorandum" in kinds["constraints"]["enum"]


def test_no_unpublished_record_is_in_any_file(register):  # noqa: F811
    build.build()
    for path in built(".").iterdir():
        text = path.read_text(encoding="utf-8").lower()
        for secret in (*SECRETS, "body-secret"):
            assert secret.lower() not in text, f"{secret!r} in {path.name}"
    documents = {row["slug"] for row in read_csv("documents.csv")}
    assert "published-memorandum" in documents
    assert "zanzibarian-protocol" not in documents
    # a published document signed at an unpublished event does not name it
    (row,) = [
        r for r in read_csv("documents.csv") if r["slug"] == "signed-at-hidden-event"
    ]
    assert row["event"] == ""
    assert {row["slug"] for row in read_csv("events.csv")} == {"visit"}
    actions = read_csv("actions.csv")
    assert actions and {row["document"] for row in actions} == {"published-memorandum"}


def test_a_source_cited_only_by_a_draft_stays_out():
    draft = bilateral_document(is_published=False)
    DocumentCitationFactory(
        document=draft, source=SourceFactory(url="https://draft.example.org/")
    )
    published = bilateral_document()
    DocumentCitationFactory(
        document=published, source=SourceFactory(url="https://public.example.org/")
    )
    build.build()
    assert [row["url"] for row in read_csv("sources.csv")] == [
        "https://public.example.org/"
    ]


def test_cells_that_could_be_formulas_are_neutralised_in_csv_only():
    bilateral_document(title="=HYPERLINK(1) treaty")
    build.build()
    (row,) = read_csv("documents.csv")
    assert row["title"] == "'=HYPERLINK(1) treaty"
    assert read_json()["tables"]["documents"][0]["title"] == "=HYPERLINK(1) treaty"


def test_the_build_reads_in_chunks_whatever_the_number_of_documents():
    """Queries per table, not per row: the build's memory and queries stay flat."""

    def queries():
        with CaptureQueriesContext(connection) as captured:
            build.build()
        return len(captured)

    ActionFactory(document=bilateral_document())
    few = queries()
    for _ in range(15):
        document = bilateral_document()
        ActionFactory(document=document)
    assert queries() == few


def test_a_new_build_replaces_the_old_one_whole(small_register, open_data_root):
    first = build.build()
    old = built(".").resolve()
    bilateral_document(slug="second-document")
    second = build.build()
    assert second["created"] >= first["created"]
    assert not old.exists()  # removed once the new set is in service
    assert "second-document" in built("documents.csv").read_text()
    # nothing half-built is left, and current is the only way in
    assert sorted(p.name for p in open_data_root.iterdir() if p.name != "current") == [
        built(".").resolve().name
    ]


def test_a_failed_build_leaves_the_set_in_service(small_register, monkeypatch):
    build.build()
    before = built(build.MANIFEST).read_text()

    def broken(absolute):
        yield ["half"]
        raise RuntimeError("the database went away")

    monkeypatch.setattr(
        build, "TABLES", (dataclasses.replace(TABLES[0], rows=broken), *TABLES[1:])
    )
    with pytest.raises(Exception):  # noqa: B017, PT011
        build.build()
    assert built(build.MANIFEST).read_text() == before
    root = Path(build.root())
    assert not [path for path in root.iterdir() if path.name.startswith(".building")]


# --- The page -------------------------------------------------------------------------


def test_the_page_says_when_nothing_has_been_built(client):
    response = client.get("/data/")
    assert response.status_code == HTTPStatus.OK
    content = response.content.decode()
    assert "No files have been built yet." in content
    assert "CC BY 4.0" in content
    # the dictionary is there all the same
    assert '<code lang="en">signed_on</code>' in content


def test_the_page_lists_each_file_with_its_size_date_and_dictionary(
    client, small_register, settings, django_assert_max_num_queries
):
    settings.DATA_LICENCE = {"name": "ODbL", "url": "https://opendatacommons.org/"}
    build.build()
    # keeps the page free of N+1 queries
    with django_assert_max_num_queries(4):
        response = client.get("/data/")
    content = response.content.decode()
    for name in (*TABLE_FILES, build.JSON_FILE, build.DATAPACKAGE):
        assert f'href="/data/files/{name}"' in content
    assert "No files have been built yet." not in content
    assert "ODbL" in content and 'href="https://opendatacommons.org/"' in content
    size = built("documents.csv").stat().st_size
    assert f'<td data-label="Size">{filesizeformat(size)}</td>' in content
    for table in TABLES:
        for column in table.columns:
            assert f'<code lang="en">{column.name}</code>' in content


def test_the_page_is_in_each_language_and_linked_from_the_footer(client):
    russian = client.get("/ru/data/").content.decode()
    assert '<html lang="ru">' in russian
    assert 'href="/ru/data/"' in client.get("/ru/").content.decode()
    assert 'href="/data/"' in client.get("/").content.decode()


def test_a_file_is_served_from_the_set_in_service(client, small_register):
    manifest = build.build()
    response = client.get("/data/files/documents.csv")
    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="documents.csv"' in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == built("documents.csv").read_bytes()
    listed = {file["name"]: file for file in manifest["files"]}
    again = client.get("/data/files/documents.csv", HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == HTTPStatus.NOT_MODIFIED
    assert response["ETag"].strip('"') == listed["documents.csv"]["hash"][7:]
    package = client.get("/data/files/datapackage.json")
    assert package["Content-Type"] == "application/json; charset=utf-8"


@pytest.mark.parametrize(
    "name", ["manifest.json", "nothing.csv", "..%2Fmanifest.json", "current"]
)
def test_only_the_listed_files_are_served(client, small_register, name):
    build.build()
    assert client.get(f"/data/files/{name}").status_code == HTTPStatus.NOT_FOUND


def test_no_file_is_served_before_the_first_build(client):
    assert client.get("/data/files/documents.csv").status_code == HTTPStatus.NOT_FOUND
