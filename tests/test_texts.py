"""A document's official identifiers and texts: checked uploads, files served only
for published documents, text extracted outside the request, and searched."""

from http import HTTPStatus
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.urls import reverse

from agreements import quality
from agreements.models import Attachment, Document, DocumentIdentifier
from agreements.texts.extraction import extract
from tests import samples
from tests.factories import (
    AttachmentFactory,
    DocumentFactory,
    DocumentIdentifierFactory,
    SourceFactory,
    bilateral_document,
)

pytestmark = pytest.mark.django_db

State = Attachment.TextState
postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL (tsvector, ts_headline); SQLite searches by substring",
)


def stored_files(settings):
    root = Path(settings.MEDIA_ROOT)
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def upload(admin_client, document, name, data, **fields):
    """Posts a file on the attachment's own add page, as staff would."""
    return admin_client.post(
        reverse("admin:agreements_attachment_add"),
        {
            "document": document.pk,
            "kind": Attachment.Kind.SIGNED_TEXT,
            "language": "ru",
            "confidence": "reported",
            "file": SimpleUploadedFile(name, data) if name else "",
            **fields,
        },
    )


def with_file(document, name, data, **fields):
    """An attachment saved with ``data`` as its file, waiting for its text."""
    attachment = Attachment(document=document, language="ru", **fields)
    attachment.file.save(name, ContentFile(data), save=False)
    attachment.text_state = State.WAITING
    attachment.save()
    return attachment


def visit(url):
    """A visitor's GET: no session."""
    return Client().get(url)


# --- Uploads --------------------------------------------------------------------------


BAD_FILES = [
    pytest.param("text.pdf", b"Just some words.", "is not PDF", id="text-as-pdf"),
    pytest.param("text.docx", samples.pdf("A PDF"), "is not DOCX", id="pdf-as-docx"),
    pytest.param(
        "nodoc.docx", samples.zip_without_document(), "is not DOCX", id="zip-as-docx"
    ),
    pytest.param(
        "latin.txt", "café olé".encode("latin-1"), "not UTF-8", id="latin1-txt"
    ),
    pytest.param("binary.txt", b"abc\x00def", "is not plain text", id="nul-in-txt"),
    pytest.param(
        "secret.pdf", samples.encrypted_pdf(), "encrypted", id="encrypted-pdf"
    ),
    pytest.param("broken.pdf", samples.damaged_pdf(), "damaged", id="damaged-pdf"),
    pytest.param("bomb.docx", samples.zip_bomb_docx(), "zip bomb", id="zip-bomb-docx"),
    pytest.param("program.exe", b"MZ\x90\x00", "Only PDF, DOCX", id="exe"),
    pytest.param("old.doc", b"\xd0\xcf\x11\xe0", "Only PDF, DOCX", id="doc"),
]


@pytest.mark.parametrize(("name", "data", "message"), BAD_FILES)
def test_a_bad_file_is_a_form_error_and_nothing_is_stored(
    admin_client, settings, name, data, message
):
    document = bilateral_document()
    response = upload(admin_client, document, name, data)
    assert response.status_code == HTTPStatus.OK
    errors = " ".join(response.context["adminform"].form.errors.get("file", []))
    assert message in errors
    assert not Attachment.objects.exists()
    assert stored_files(settings) == []


def test_a_file_over_the_configured_size_is_refused(admin_client, settings):
    settings.ATTACHMENT_MAX_MB = 1
    response = upload(
        admin_client, bilateral_document(), "big.txt", b"a" * (1024 * 1024 + 1)
    )
    errors = response.context["adminform"].form.errors["file"]
    assert "the most accepted is 1.0\xa0MB" in errors[0]
    assert not Attachment.objects.exists()
    assert stored_files(settings) == []


def test_a_good_pdf_is_stored_at_once_and_waits_for_its_text(admin_client, settings):
    document = bilateral_document()
    data = samples.pdf("Article 1", "Article 2")
    response = upload(admin_client, document, "treaty.pdf", data)
    assert response.status_code == HTTPStatus.FOUND
    attachment = Attachment.objects.get()
    assert attachment.text_state == State.WAITING
    assert attachment.extracted_text == ""
    assert (attachment.size, attachment.pages) == (len(data), 2)
    assert attachment.content_type == "application/pdf"
    assert attachment.file.name == f"texts/{document.pk}/treaty.pdf"
    assert [path.read_bytes() for path in stored_files(settings)] == [data]


def test_a_link_is_recorded_without_a_file(admin_client):
    response = upload(
        admin_client,
        bilateral_document(),
        None,
        b"",
        url="https://adilet.example.org/rus/docs/Z1900000001",
    )
    assert response.status_code == HTTPStatus.FOUND
    assert Attachment.objects.get().text_state == State.LINK


def test_neither_file_nor_link_is_a_form_error(admin_client):
    response = upload(admin_client, bilateral_document(), None, b"")
    assert response.context["adminform"].form.errors["file"] == [
        "Upload a file or give a link to the text."
    ]


def test_the_database_refuses_an_attachment_with_neither_file_nor_link():
    document = DocumentFactory()
    with pytest.raises(ValidationError):
        Attachment(document=document, language="ru").full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        Attachment.objects.create(document=document, language="ru")


def test_an_identifier_is_unique_by_document_kind_and_value():
    identifier = DocumentIdentifierFactory()
    twin = DocumentIdentifier(
        document=identifier.document, kind=identifier.kind, value=identifier.value
    )
    with pytest.raises(ValidationError):
        twin.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        twin.save()


# --- Serving --------------------------------------------------------------------------


def test_a_published_documents_file_is_served_with_its_type():
    attachment = with_file(bilateral_document(), "treaty.pdf", samples.pdf("Hello"))
    response = visit(attachment.get_absolute_url())
    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'inline; filename="treaty.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == samples.pdf("Hello")


def test_a_docx_is_downloaded_not_shown():
    attachment = with_file(bilateral_document(), "text.docx", samples.docx("Hello"))
    response = visit(attachment.get_absolute_url())
    assert response["Content-Disposition"] == 'attachment; filename="text.docx"'


def test_a_drafts_file_answers_404():
    draft = bilateral_document(is_published=False)
    attachment = with_file(draft, "treaty.pdf", samples.pdf("Hello"))
    assert visit(attachment.get_absolute_url()).status_code == 404


def test_a_file_under_another_name_or_document_answers_404():
    attachment = with_file(bilateral_document(), "treaty.pdf", samples.pdf("Hello"))
    other = bilateral_document()
    url = reverse(
        "agreements:attachment-file",
        kwargs={"slug": other.slug, "pk": attachment.pk, "filename": "treaty.pdf"},
    )
    assert visit(url).status_code == 404
    renamed = attachment.get_absolute_url().replace("treaty.pdf", "other.pdf")
    assert visit(renamed).status_code == 404


# --- Extraction -----------------------------------------------------------------------


def test_extraction_reads_pdf_docx_and_txt():
    document = bilateral_document()
    pdf = with_file(document, "a.pdf", samples.pdf("The Parties agree", "Article 2"))
    docx = with_file(document, "b.docx", samples.docx("Статья 1. Стороны"))
    txt = with_file(document, "c.txt", "Razılığa gəldilər".encode())
    assert extract(Attachment.objects.all()) == {State.DONE: 3}
    pdf.refresh_from_db(), docx.refresh_from_db(), txt.refresh_from_db()
    assert pdf.extracted_text == "The Parties agree\n\nArticle 2"
    assert pdf.pages == 2
    assert docx.extracted_text == "Статья 1. Стороны\nCell one | Cell two"
    assert txt.extracted_text == "Razılığa gəldilər"
    assert {pdf.text_state, docx.text_state, txt.text_state} == {State.DONE}
    assert pdf.extracted_at is not None


def test_a_scan_without_a_text_layer_is_flagged_in_the_quality_queue():
    document = bilateral_document(title="Scanned agreement")
    scan = with_file(document, "scan.pdf", samples.pdf("", ""))
    extract([scan])
    scan.refresh_from_db()
    assert scan.text_state == State.NO_TEXT_LAYER
    check = quality.CHECKS_BY_NAME["no-text-layer"]
    rows = list(check.rows(quality.Filters(), None))
    assert rows == [document]
    assert "1 PDF file has no text layer" in check.explain(rows[0])


def test_the_no_text_layer_check_leaves_documents_with_text_out():
    document = bilateral_document()
    extract([with_file(document, "a.pdf", samples.pdf("The Parties agree to this"))])
    check = quality.CHECKS_BY_NAME["no-text-layer"]
    assert not check.find(quality.Filters(), None).exists()


def test_a_file_the_library_cannot_read_is_marked_failed():
    # stored without the form's checks (an import, the shell)
    attachment = with_file(bilateral_document(), "bad.pdf", samples.damaged_pdf())
    assert extract([attachment]) == {State.FAILED: 1}


def test_the_command_reads_the_waiting_files_only_by_default(capsys):
    document = bilateral_document()
    waiting = with_file(document, "a.txt", b"New words")
    done = AttachmentFactory(document=document, extracted_text="old")
    call_command("extract_texts")
    waiting.refresh_from_db(), done.refresh_from_db()
    assert waiting.text_state == State.DONE
    assert waiting.extracted_text == "New words"
    assert done.extracted_text == "old"
    assert "1 file(s) read" in capsys.readouterr().out


def test_the_command_reads_all_or_a_documents_files():
    first, second = bilateral_document(), bilateral_document()
    one = AttachmentFactory(document=first, extracted_text="stale")
    two = AttachmentFactory(document=second, extracted_text="stale")
    call_command("extract_texts", document=[first.slug])
    one.refresh_from_db(), two.refresh_from_db()
    assert one.extracted_text == "The Parties agree on cooperation."
    assert two.extracted_text == "stale"
    call_command("extract_texts", all=True)
    two.refresh_from_db()
    assert two.extracted_text == "The Parties agree on cooperation."
    with pytest.raises(CommandError, match="no-such-document"):
        call_command("extract_texts", document=["no-such-document"])


def test_the_admin_action_extracts_the_selected_documents_files(admin_client):
    chosen, other = bilateral_document(), bilateral_document()
    mine = with_file(chosen, "a.pdf", samples.pdf("Chosen words"))
    theirs = with_file(other, "b.pdf", samples.pdf("Other words"))
    response = admin_client.post(
        reverse("admin:agreements_document_changelist"),
        {"action": "extract_texts", "_selected_action": [chosen.pk]},
        follow=True,
    )
    assert [str(m) for m in response.context["messages"]] == [
        "1 file read: 1 with text, 0 without a text layer, 0 failed."
    ]
    mine.refresh_from_db(), theirs.refresh_from_db()
    assert (mine.text_state, mine.extracted_text) == (State.DONE, "Chosen words")
    assert theirs.text_state == State.WAITING


# --- Search ---------------------------------------------------------------------------


def test_an_identifier_finds_its_document():
    document = bilateral_document()
    DocumentIdentifierFactory(document=document, value="Z1900000123")
    bilateral_document()
    assert list(Document.objects.search("z1900000123")) == [document]


def test_a_changed_identifier_is_found_by_its_new_value():
    identifier = DocumentIdentifierFactory(value="OLD-1")
    identifier.value = "NEW-2"
    identifier.save()
    assert list(Document.objects.search("NEW-2")) == [identifier.document]
    assert not Document.objects.search("OLD").exists()


def test_the_public_search_finds_words_of_an_extracted_text(client):
    document = bilateral_document(title="Agreement on railways")
    attachment = with_file(
        document, "a.pdf", samples.pdf("The gauge of the track is 1520 millimetres")
    )
    bilateral_document(title="Agreement on roads")
    response = client.get("/agreements/?q=millimetres")
    assert list(response.context["page_obj"].object_list) == []
    extract([attachment])
    response = client.get("/agreements/?q=gauge+millimetres")
    assert [d.pk for d in response.context["page_obj"].object_list] == [document.pk]


@pytest.mark.skipif(
    connection.vendor == "postgresql",
    reason="PostgreSQL finds all the words in one place: the document or one text",
)
def test_a_search_word_may_be_in_the_metadata_and_another_in_the_text():
    document = bilateral_document(title="Agreement on railways")
    AttachmentFactory(document=document, extracted_text="the gauge of the track")
    assert list(Document.objects.search("railways gauge")) == [document]


def test_a_drafts_text_is_not_found(client):
    draft = bilateral_document(is_published=False)
    AttachmentFactory(document=draft, extracted_text="Hidden phrase")
    response = client.get("/agreements/?q=hidden+phrase")
    assert list(response.context["page_obj"].object_list) == []


@postgres_only
def test_postgres_keeps_each_texts_vector_by_trigger():
    attachment = AttachmentFactory(extracted_text="Сотрудничество в области")
    vector = Attachment.objects.values_list("search_vector", flat=True).get(
        pk=attachment.pk
    )
    assert "'сотрудничество'" in vector


@postgres_only
def test_postgres_lists_a_snippet_with_the_matched_words(client):
    document = bilateral_document(title="Agreement on railways")
    AttachmentFactory(
        document=document,
        extracted_text="Article 3. The gauge of the track is 1520 millimetres.",
    )
    response = client.get("/agreements/?q=gauge")
    content = response.content.decode()
    assert '<p class="snippet">' in content
    assert "<mark>gauge</mark> of the track" in content


@postgres_only
def test_postgres_snippet_comes_from_deep_in_a_long_text(client):
    # the snippet is taken from a window around the first match (SNIPPET_WINDOW)
    filler = "Article text without the word. " * 400  # 12,400 characters
    AttachmentFactory(
        document=bilateral_document(),
        extracted_text=f"{filler}The BATHYMETRIC survey of the shelf. {filler}",
    )
    content = client.get("/agreements/?q=bathymetric").content.decode()
    assert "<mark>BATHYMETRIC</mark> survey of the shelf" in content


@postgres_only
def test_postgres_snippet_falls_back_to_the_whole_text(client):
    # "BAKİ" folds to "baki" but the case-insensitive expression does not find
    # "baki" in it: the snippet is then taken from the whole text
    filler = "Article text without the word. " * 100
    AttachmentFactory(
        document=bilateral_document(), extracted_text=f"{filler}Signed in BAKİ."
    )
    content = client.get("/agreements/?q=baki").content.decode()
    assert '<p class="snippet">' in content
    assert "<mark>BAKİ</mark>" in content


@postgres_only
def test_postgres_texts_matches_read_through_the_index():
    from django.db import connection

    from agreements.search import TEXT_MATCHES_FUNCTION

    matched = bilateral_document()
    AttachmentFactory(document=matched, extracted_text="the bathymetric survey")
    AttachmentFactory(document=matched, extracted_text="a bathymetric chart")
    AttachmentFactory(extracted_text="nothing of the kind")
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {TEXT_MATCHES_FUNCTION}(to_tsquery('simple', 'bathymetric:*'))"
        )
        assert cursor.fetchone()[0] == [matched.pk]  # once, however many texts
        cursor.execute(
            "SELECT proconfig FROM pg_proc WHERE proname = %s", [TEXT_MATCHES_FUNCTION]
        )
        # a scan of every text's vector costs 20 times the index at 10,000 texts
        assert cursor.fetchone()[0] == ["enable_seqscan=off"]


@postgres_only
def test_postgres_snippet_escapes_the_text(client):
    AttachmentFactory(
        document=bilateral_document(), extracted_text="gauge <script>x</script>"
    )
    content = client.get("/agreements/?q=gauge").content.decode()
    assert '<p class="snippet">' in content
    assert "<script>x" not in content


# --- The document's page --------------------------------------------------------------


def test_the_page_shows_its_texts_and_identifiers(client):
    document = bilateral_document()
    source = SourceFactory(publisher="Adilet")
    AttachmentFactory(
        document=document,
        title="Signed text in Russian",
        source=source,
        size=2048,
    )
    AttachmentFactory(document=document, link=True, language="az")
    DocumentIdentifierFactory(document=document, value="Z19000001", issuer="Adilet")
    content = client.get(document.get_absolute_url()).content.decode()
    assert "Signed text in Russian</a>" in content
    assert "2.0\xa0KB" in content
    assert "A link to the official text" in content
    assert "National register number" in content
    assert "Z19000001</a>" in content
    assert "No text recorded" not in content


def test_a_page_without_texts_says_no_text_recorded(client):
    document = bilateral_document()
    content = client.get(document.get_absolute_url()).content.decode()
    assert "No text recorded" in content


@pytest.mark.parametrize("texts", [1, 3])
def test_the_page_takes_as_many_queries_with_three_texts_as_with_one(
    client, django_assert_num_queries, texts
):
    # keeps the page free of N+1 queries
    document = bilateral_document()
    for _ in range(texts):
        AttachmentFactory(document=document, source=SourceFactory())
        DocumentIdentifierFactory(document=document, source=SourceFactory())
    client.get(document.get_absolute_url())  # warms the register's caches
    document.save()
    with django_assert_num_queries(QUERIES_DOCUMENT_PAGE):
        response = client.get(document.get_absolute_url())
    assert response.content.decode().count("/texts/") == texts


#: The document page's queries, texts and the parties' steps included (the same for any
#: number of them): a document without relations, topics or follow-up skips theirs.
QUERIES_DOCUMENT_PAGE = 11
