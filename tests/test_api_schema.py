"""The API's OpenAPI schema: valid OpenAPI 3, committed as docs/api/openapi-v1.yaml,
and never changed without a version note (a new version in SPECTACULAR_SETTINGS
and a line in docs/api.md's changelog with the new schema's fingerprint). Its
documentation page is served from our own static files."""

import hashlib
import re
from http import HTTPStatus
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.management import call_command
from openapi_spec_validator import validate

ROOT = Path(__file__).resolve().parent.parent
COMMITTED = ROOT / "docs" / "api" / "openapi-v1.yaml"
CHANGELOG = ROOT / "docs" / "api.md"
REGENERATE = ".venv/bin/python manage.py spectacular --file docs/api/openapi-v1.yaml"
#: The fields a client relies on, by schema component: renaming one breaks clients.
STABLE_FIELDS = {
    "DocumentList": {"slug", "url", "title", "kind", "signed_on", "parties"},
    "DocumentDetail": {
        "slug",
        "titles",
        "sources",
        "follow_up",
        "relations",
        "entry_into_force_rule",
        "identifiers",
        "texts",
    },
    "DetailParty": {"body", "sources", "steps"},
    "Step": {"kind", "happened_on", "date_precision", "act_title", "source"},
    "Text": {"kind", "language", "url"},
    "Body": {"slug", "url", "name", "country"},
    "Event": {"slug", "url", "title", "date", "documents_recorded"},
    "CountryDetail": {"code", "name", "years", "documents_url"},
    "Action": {"slug", "url", "document", "status", "due_on", "is_overdue"},
}


def fingerprint(text):
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    path = tmp_path_factory.mktemp("schema") / "openapi.yaml"
    call_command("spectacular", "--file", str(path))
    return path.read_text()


def test_the_schema_is_valid_openapi_3(generated):
    schema = yaml.safe_load(generated)
    validate(schema)  # raises on any error
    assert schema["openapi"].startswith("3.")
    paths = set(schema["paths"])
    assert {
        "/api/v1/documents/",
        "/api/v1/documents/{slug}/",
        "/api/v1/bodies/",
        "/api/v1/bodies/{slug}/",
        "/api/v1/events/",
        "/api/v1/events/{slug}/",
        "/api/v1/countries/{code}/",
        "/api/v1/actions/",
    } == paths


def test_the_committed_schema_is_the_one_the_code_makes(generated):
    assert COMMITTED.read_text() == generated, (
        "The API's schema has changed. If that is deliberate: raise "
        "SPECTACULAR_SETTINGS['VERSION'] in tracker/settings.py (a new field: the "
        "minor number; a field renamed or removed: that is /api/v2/), then run "
        f"`{REGENERATE}` and add the version to the changelog in docs/api.md with "
        "the fingerprint that test_the_schema_version_has_its_changelog_line asks "
        "for. Otherwise, undo the change to the serializers, filters or views."
    )


def test_the_schema_version_has_its_changelog_line():
    text = COMMITTED.read_text()
    version = yaml.safe_load(text)["info"]["version"]
    assert version == settings.SPECTACULAR_SETTINGS["VERSION"]
    line = f"- **{version}** (schema `{fingerprint(text)}`)"
    assert line in CHANGELOG.read_text(), (
        f"docs/api/openapi-v1.yaml changed, but docs/api.md's changelog has no line "
        f"for it. A changed schema is a new version: raise "
        f"SPECTACULAR_SETTINGS['VERSION'] in tracker/settings.py, run "
        f"`{REGENERATE}`, and add under 'Changelog' a line beginning "
        f"'- **<new version>** (schema `<fingerprint>`)' saying what changed "
        f"(this test then names the fingerprint). Now: {line}"
    )


def test_each_version_is_in_the_changelog_once():
    versions = re.findall(
        r"^- \*\*([\d.]+)\*\* \(schema `([0-9a-f]{16})`\)", CHANGELOG.read_text(), re.M
    )
    assert versions, "docs/api.md has a changelog"
    assert len({version for version, _ in versions}) == len(versions)
    assert len({print_ for _, print_ in versions}) == len(versions)


def test_the_fields_clients_rely_on_are_documented(generated):
    components = yaml.safe_load(generated)["components"]["schemas"]
    for name, fields in STABLE_FIELDS.items():
        properties = components[name]["properties"]
        assert fields <= set(properties), name
    # help_text reaches the schema
    detail = components["DocumentList"]["properties"]
    assert "description" in detail["follow_up_status"]


# --- Served -------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_schema_is_served_as_yaml_and_json(client):
    response = client.get("/api/v1/schema/")
    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"].startswith("application/vnd.oai.openapi")
    assert yaml.safe_load(response.content) == yaml.safe_load(COMMITTED.read_text())
    as_json = client.get("/api/v1/schema/", {"format": "json"})
    assert as_json.json()["info"]["version"] == settings.SPECTACULAR_SETTINGS["VERSION"]


@pytest.mark.django_db
def test_the_docs_page_comes_from_our_own_static_files(client):
    response = client.get("/api/v1/docs/")
    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    addresses = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert addresses
    assert all(a.startswith(("/static/", "/api/v1/")) for a in addresses), addresses
    assert "<style" not in html
    assert not re.search(r"<script>\S", html), "no inline script"
    policy = directives(response)
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert policy["img-src"] == "'self' data:"  # Swagger UI's icons, this page only
    script = client.get("/api/v1/docs/", {"script": ""})
    assert script["Content-Type"] == "application/javascript"
    assert "/api/v1/schema/" in script.content.decode()
    # every other page keeps the site's policy
    assert directives(client.get("/api/v1/documents/"))["img-src"] == "'self'"


def directives(response):
    return dict(
        part.strip().split(" ", 1)
        for part in response["Content-Security-Policy"].split(";")
    )
