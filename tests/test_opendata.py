"""Bulk data: ``build_open_data`` writes the published register as files, /data/
lists them with the data dictionary and the licence, /data/files/ serves them."""

import csv
import dataclasses
import datetime
import io
import json
import re
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
    AttachmentFactory,
    BodyNameFactory,
    DocumentCitationFactory,
    DocumentIdentifierFactory,
    EventCitationFactory,
    EventFactory,
    PartyCitationFactory,
    PartyStepFactory,
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
    PartyStepFactory(
        party=party, source=SourceFactory(url="https://adilet.example.org/1")
    )
    DocumentIdentifierFactory(document=document, source=None)
    AttachmentFactory(document=document, source=SourceFactory())
    AttachmentFactory(document=document, link=True, source=None)
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
    # register.json is not a table, so the package is not a tabular data package
    assert package["profile"] == "data-package"
    assert {r["name"] for r in package["resources"] if "schema" not in r} == {
        "register"
    }
    assert all(
        r["profile"] == "tabular-data-resource"
        for r in package["resources"]
        if "schema" in r
    )
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


def test_every_key_of_the_package_holds_in_its_files(small_register):
    """What ``frictionless validate`` checks of the keys: each primary key is
    unique, and each foreign key names a row of the table it points to."""
    build.build()
    rows = {table.name: read_csv(table.filename) for table in TABLES}
    for table in TABLES:
        assert rows[table.name], f"{table.filename} has no row to check"
        if table.primary_key:
            keys = [
                tuple(row[c] for c in table.primary_key) for row in rows[table.name]
            ]
            assert len(set(keys)) == len(keys), table.name
        for fields, other, reference in table.foreign_keys:
            known = {tuple(row[c] for c in reference) for row in rows[other]}
            for row in rows[table.name]:
                value = tuple(row[c] for c in fields)
                if any(value):  # an empty cell refers to nothing
                    assert value in known, (table.name, fields, value)


def test_the_steps_identifiers_and_texts_of_a_published_document(open_data_root):
    document = bilateral_document(slug="transit", signed_on=datetime.date(2019, 3, 19))
    kz = document.parties.get(order=1)
    law = SourceFactory(url="https://adilet.example.org/law")
    PartyStepFactory(
        party=kz,
        kind="ratification",
        happened_on=datetime.date(2019, 6, 1),
        date_precision="month",
        act_title="Закон о ратификации",
        act_number="250-VI",
        act_date=datetime.date(2019, 5, 28),
        source=law,
        confidence="confirmed",
    )
    PartyStepFactory(
        party=kz,
        kind="signature",
        happened_on=document.signed_on,
        source=None,
        confidence="reported",
    )
    DocumentIdentifierFactory(
        document=document,
        kind="unts",
        value="I-56789",
        issuer="United Nations",
        url="https://treaties.example.org/I-56789",
        source=law,
    )
    signed = AttachmentFactory(
        document=document,
        title="Signed text",
        language="ru",
        size=2048,
        content_type="application/pdf",
        pages=12,
        source=SourceFactory(url="https://mfa.example.org/"),
        confidence="confirmed",
        extracted_text="Text read from the file, never written.",
    )
    AttachmentFactory(
        document=document,
        link=True,
        kind="official_publication",
        language="az",
        title="",
        url="https://e-qanun.example.org/4321",
        source=None,
    )
    call_command("build_open_data", "--base-url", "https://register.example.org/")

    body, country = kz.body.slug, kz.body.country.code
    assert read_csv("party_steps.csv") == [
        {
            "document": "transit",
            "body": body,
            "country": country,
            "kind": "signature",
            "happened_on": "2019-03-19",
            "date_precision": "day",
            "act_title": "",
            "act_number": "",
            "act_date": "",
            "source": "",
            "confidence": "reported",
        },
        {
            "document": "transit",
            "body": body,
            "country": country,
            "kind": "ratification",
            "happened_on": "2019-06-01",
            "date_precision": "month",
            "act_title": "Закон о ратификации",
            "act_number": "250-VI",
            "act_date": "2019-05-28",
            "source": "https://adilet.example.org/law",
            "confidence": "confirmed",
        },
    ]
    assert read_csv("identifiers.csv") == [
        {
            "document": "transit",
            "kind": "unts",
            "value": "I-56789",
            "issuer": "United Nations",
            "url": "https://treaties.example.org/I-56789",
            "source": "https://adilet.example.org/law",
        }
    ]
    link, file = read_csv("texts.csv")  # by kind (its code), as the page lists them
    assert file == {
        "document": "transit",
        "kind": "signed_text",
        "language": "ru",
        "title": "Signed text",
        "url": f"https://register.example.org/agreements/transit/texts/{signed.pk}/"
        f"{signed.filename}",
        "size": "2048",
        "content_type": "application/pdf",
        "pages": "12",
        "source": "https://mfa.example.org/",
        "confidence": "confirmed",
    }
    assert link["url"] == "https://e-qanun.example.org/4321"
    assert (link["kind"], link["language"]) == ("official_publication", "az")
    assert (link["size"], link["content_type"], link["pages"], link["source"]) == (
        "",
        "",
        "",
        "",
    )
    # the sources they cite are in sources.csv; the JSON file says null for unknown
    assert {"https://adilet.example.org/law", "https://mfa.example.org/"} <= {
        row["url"] for row in read_csv("sources.csv")
    }
    whole = read_json()["tables"]
    assert whole["party_steps"][0]["act_date"] is None
    assert whole["party_steps"][1]["act_date"] == "2019-05-28"
    assert whole["texts"][0]["size"] is None and whole["texts"][1]["size"] == 2048
    for path in built(".").iterdir():
        assert "never written" not in path.read_text(encoding="utf-8"), path.name


def test_nothing_of_a_draft_is_in_the_steps_identifiers_or_texts():
    draft = bilateral_document(slug="draft-treaty", is_published=False)
    hidden = SourceFactory(url="https://draft-only.example.org/")
    PartyStepFactory(
        party=draft.parties.first(), act_title="Secret decree", source=hidden
    )
    DocumentIdentifierFactory(document=draft, value="SECRET-1", source=hidden)
    AttachmentFactory(document=draft, title="Secret text", source=hidden)
    AttachmentFactory(
        document=draft, link=True, url="https://secret.example.org/", source=hidden
    )
    published = bilateral_document(slug="public-treaty")
    PartyStepFactory(party=published.parties.first())
    DocumentIdentifierFactory(document=published)
    AttachmentFactory(document=published)
    build.build()
    for name in ("party_steps.csv", "identifiers.csv", "texts.csv"):
        rows = read_csv(name)
        assert [row["document"] for row in rows] == ["public-treaty"], name
    for path in built(".").iterdir():
        text = path.read_text(encoding="utf-8")
        for secret in ("draft-treaty", "Secret", "SECRET-1", "draft-only", "secret."):
            assert secret not in text, f"{secret!r} in {path.name}"


#: The new tables' columns, in order, as the brief for them set them.
STEPS_AND_TEXTS_COLUMNS = {
    "party_steps": [
        "document",
        "body",
        "country",
        "kind",
        "happened_on",
        "date_precision",
        "act_title",
        "act_number",
        "act_date",
        "source",
        "confidence",
    ],
    "identifiers": ["document", "kind", "value", "issuer", "url", "source"],
    "texts": [
        "document",
        "kind",
        "language",
        "title",
        "url",
        "size",
        "content_type",
        "pages",
        "source",
        "confidence",
    ],
}


def test_the_dictionary_describes_the_steps_identifiers_and_texts(client):
    build.build()
    package = json.loads(built(build.DATAPACKAGE).read_text())
    resources = {resource["name"]: resource for resource in package["resources"]}
    content = client.get("/data/").content.decode()
    for name, columns in STEPS_AND_TEXTS_COLUMNS.items():
        schema = resources[name]["schema"]
        assert [field["name"] for field in schema["fields"]] == columns
        with built(f"{name}.csv").open(encoding="utf-8-sig", newline="") as file:
            assert next(csv.reader(file)) == columns
        start = content.index(f'id="table-{name}"')
        dictionary = content[start : content.index("</table>", start)]
        found = re.findall(r'<th scope="row"><code lang="en">(\w+)</code>', dictionary)
        assert found == columns
    steps = resources["party_steps"]["schema"]
    assert steps["primaryKey"] == ["document", "body", "kind", "happened_on"]
    assert {
        "fields": ["document", "body"],
        "reference": {"resource": "parties", "fields": ["document", "body"]},
    } in steps["foreignKeys"]
    kinds = {field["name"]: field for field in steps["fields"]}["kind"]
    assert "ratification" in kinds["constraints"]["enum"]
    assert "number as a source gives it; empty when not reported." in content
    texts = {field["name"]: field for field in resources["texts"]["schema"]["fields"]}
    assert (texts["size"]["type"], texts["url"]["format"]) == ("integer", "uri")


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

    def document_with_everything():
        document = bilateral_document()
        ActionFactory(document=document)
        for party in document.parties.all():
            PartyStepFactory(party=party)
        DocumentIdentifierFactory(document=document, source=SourceFactory())
        AttachmentFactory(document=document, source=SourceFactory())
        AttachmentFactory(document=document, link=True)

    document_with_everything()
    few = queries()
    for _ in range(15):
        document_with_everything()
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
