"""A document's "Cite this page": RIS and BibTeX files for reference managers, and
the citation as selectable text with a copy button."""

import datetime
from http import HTTPStatus

import pytest

from agreements.citations import bibtex, tex
from agreements.followup import views as followup_views
from tests.factories import CountryFactory, bilateral_document

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 2)


@pytest.fixture(autouse=True)
def today(monkeypatch):
    monkeypatch.setattr(followup_views, "today", lambda: TODAY)


@pytest.fixture
def memorandum():
    document = bilateral_document(
        slug="kz-az-media",
        title="Меморандум о сотрудничестве в области СМИ & связи",
        signed_on=datetime.date(2023, 4, 10),
        signed_city="Астана",
        countries=("KZ", "AZ"),
    )
    first, second = document.parties.order_by("order")
    first.body.name = "Министерство информации {КЗ}"
    first.body.save()
    second.body.name = "AzərTAc_100% #1"
    second.body.save()
    return document


def test_the_ris_file_describes_the_page(client, memorandum):
    response = client.get("/agreements/kz-az-media/cite.ris")
    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"] == (
        "application/x-research-info-systems; charset=utf-8"
    )
    assert response["Content-Disposition"] == ('attachment; filename="kz-az-media.ris"')
    text = response.content.decode("utf-8")
    lines = text.split("\r\n")
    assert lines[0] == "TY  - LEGAL"
    assert "TI  - Меморандум о сотрудничестве в области СМИ & связи" in lines
    assert "AU  - Министерство информации {КЗ}" in lines
    assert "AU  - AzərTAc_100% #1" in lines
    assert "DA  - 2023/04/10/" in lines
    assert "CY  - Астана" in lines
    assert "UR  - http://testserver/agreements/kz-az-media/" in lines
    assert "Y2  - 2026/11/02/" in lines
    assert lines[-2:] == ["ER  -", ""]


def test_the_bibtex_file_escapes_what_tex_would_read(client, memorandum):
    response = client.get("/agreements/kz-az-media/cite.bib")
    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"] == "application/x-bibtex; charset=utf-8"
    assert response["Content-Disposition"] == ('attachment; filename="kz-az-media.bib"')
    text = response.content.decode("utf-8")
    assert text.startswith("@misc{kz-az-media,\n")
    assert "  title = {{Меморандум о сотрудничестве в области СМИ \\& связи}}," in text
    assert (
        "  author = {{Министерство информации \\{КЗ\\}} and {AzərTAc\\_100\\% \\#1}},"
        in text
    )
    assert "  date = {2023-04-10}," in text
    assert "  address = {Астана}," in text
    assert "  url = {http://testserver/agreements/kz-az-media/}," in text
    assert "  urldate = {2026-11-02}\n}\n" in text
    # every brace the file opens, it closes
    assert text.count("{") - text.count("\\{") == text.count("}") - text.count("\\}")


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("a & b", "a \\& b"),
        ("50% off", "50\\% off"),
        ("$5 #1 _x_", "\\$5 \\#1 \\_x\\_"),
        ("{braces}", "\\{braces\\}"),
        ("back\\slash", "back\\textbackslash{}slash"),
        ("a^b~c", "a\\textasciicircum{}b\\textasciitilde{}c"),
        ("two\nlines", "two lines"),
        ("Қазақстан Azərbaycan", "Қазақстан Azərbaycan"),
    ],
)
def test_tex_special_characters_are_escaped_and_letters_kept(text, escaped):
    assert tex(text) == escaped


def test_a_document_without_place_or_parties_says_nothing_of_them():
    facts = {
        "key": "k",
        "title": "T",
        "authors": [],
        "date": datetime.date(2020, 1, 2),
        "place": "",
        "kind": "treaty",
        "url": "http://x/",
        "accessed": TODAY,
        "publisher": "Register",
    }
    text = bibtex(facts)
    assert "author" not in text and "address" not in text


@pytest.mark.parametrize("extension", ["ris", "bib"])
def test_no_citation_of_a_draft_or_of_nothing(client, extension):
    draft = bilateral_document(slug="draft-memorandum", is_published=False)
    assert draft.pk
    for slug in ("draft-memorandum", "no-such-document"):
        response = client.get(f"/agreements/{slug}/cite.{extension}")
        assert response.status_code == HTTPStatus.NOT_FOUND
    assert client.get("/agreements/x/cite.pdf").status_code == HTTPStatus.NOT_FOUND


def test_the_citation_files_are_in_each_language(client, memorandum):
    response = client.get("/ru/agreements/kz-az-media/cite.bib")
    assert response.status_code == HTTPStatus.OK
    text = response.content.decode()
    assert "url = {http://testserver/ru/agreements/kz-az-media/}" in text
    assert "type = {меморандум о взаимопонимании}" in text


def test_the_page_links_both_files_and_offers_a_copy_button(client, memorandum):
    CountryFactory(code="KZ")
    content = client.get("/agreements/kz-az-media/").content.decode()
    assert 'href="/agreements/kz-az-media/cite.ris" download' in content
    assert 'href="/agreements/kz-az-media/cite.bib" download' in content
    # the text is there to select without JavaScript; the button only with it
    assert "readonly data-copy-source>Register of signed bilateral documents" in content
    assert '<p class="cite__copy" hidden data-copy-button>' in content
    assert '<script src="/static/js/copy-citation.js" defer></script>' in content
