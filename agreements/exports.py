"""Any list of documents as a file: ``/agreements/export.csv`` and
``/agreements/export.xlsx`` take exactly the list's parameters and hold every
matching published document, not one page.

The CSV is streamed, UTF-8 with a byte-order mark so that spreadsheet programs read
Cyrillic and Azerbaijani letters; the XLSX is written by openpyxl's write-only
workbook, in constant memory. A cell that begins with ``=``, ``+``, ``-`` or ``@``
(or a tab or carriage return) is written with a leading apostrophe, so that no
formula runs when the file is opened.

Each export reads every matching document, so anonymous clients are rate limited
(``RATE_LIMITS["export"]``, a 429 with ``Retry-After``); the files are streamed and
never stored by the page cache. The bulk files (agreements.opendata) reuse the
columns and the cells.
"""

import csv
import tempfile

from django.db.models import Prefetch
from django.http import FileResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.utils import timezone
from openpyxl import Workbook

from .filters import DocumentFilter
from .models import Document, Party
from .security import rate_limited

COLUMNS = (
    "slug",
    "url",
    "title",
    "kind",
    "signed_on",
    "signed_city",
    "signed_country",
    "event",
    "parties",
    "party_1_body",
    "party_1_country",
    "party_1_signatory",
    "party_2_body",
    "party_2_country",
    "party_2_signatory",
    "legal_status",
    "entered_into_force_on",
    "ended_on",
    "follow_up_status",
    "topics",
    "sources",
)
#: Documents read from the database at a time.
CHUNK = 500
RISKY = ("=", "+", "-", "@", "\t", "\r")


def neutralised(value):
    """``value`` as a spreadsheet cell that runs nothing."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(RISKY) else text


def _party_cells(party):
    if party is None:
        return ["", "", ""]
    return [
        party.body_name_at_signing,
        party.body.country.code,
        party.signatory_name,
    ]


def document_row(document, absolute):
    """The cells of ``document``, in ``COLUMNS`` order."""
    parties = sorted(document.parties.all(), key=lambda p: (p.order, p.pk))
    readable = "; ".join(
        f"{party.body_name_at_signing} ({party.body.country.code})"
        + (f", signed by {party.signatory_name}" if party.signatory_name else "")
        for party in parties
    )
    first = parties[0] if parties else None
    second = parties[1] if len(parties) > 1 else None
    sources = "; ".join(
        f"{citation.source.url} ({citation.confidence})"
        for citation in sorted(document.citations.all(), key=lambda c: c.pk)
    )
    return [
        document.slug,
        absolute(document.get_absolute_url()),
        document.title,
        document.kind,
        document.signed_on.isoformat(),
        document.signed_city,
        document.signed_country.code if document.signed_country_id else "",
        # a published document may name an event still in draft: not its slug
        document.event.slug
        if document.event_id and document.event.is_published
        else "",
        readable,
        *_party_cells(first),
        *_party_cells(second),
        document.legal_status,
        document.entered_into_force_on.isoformat()
        if document.entered_into_force_on
        else "",
        document.ended_on.isoformat() if document.ended_on else "",
        document.follow_up_status,
        "; ".join(sorted(topic.slug for topic in document.topics.all())),
        sources,
    ]


def documents_for_rows(queryset):
    """``queryset``'s documents with what ``document_row`` reads, ``CHUNK`` at a
    time (the exports and the bulk files, agreements.opendata)."""
    return (
        queryset.select_related("event", "signed_country")
        .defer("search_text", "search_vector")
        .prefetch_related(
            Prefetch(
                "parties",
                queryset=Party.objects.select_related("body__country").prefetch_related(
                    "body__former_names"
                ),
            ),
            "topics",
            "citations__source",
        )
        .iterator(chunk_size=CHUNK)
    )


def _rows(request, filterset):
    absolute = request.build_absolute_uri
    yield list(COLUMNS)
    for document in documents_for_rows(filterset.qs):
        yield [neutralised(cell) for cell in document_row(document, absolute)]


class _Echo:
    """csv.writer's file: hands each line back instead of keeping it."""

    def write(self, value):
        return value


def _filename(extension):
    return f"documents-{timezone.localdate().isoformat()}.{extension}"


@rate_limited("export")
def export(request, extension):
    filterset = DocumentFilter(request.GET or None, queryset=Document.objects.listed())
    if filterset.is_bound and not filterset.is_valid():
        lines = [
            f"{name}: {' '.join(messages)}"
            for name, messages in filterset.form.errors.items()
        ]
        return HttpResponseBadRequest(
            "\n".join(lines), content_type="text/plain; charset=utf-8"
        )
    if extension == "csv":
        writer = csv.writer(_Echo())

        def lines():
            yield "\ufeff"
            for row in _rows(request, filterset):
                yield writer.writerow(row)

        response = StreamingHttpResponse(
            lines(), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{_filename("csv")}"'
        return response
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("documents")
    for row in _rows(request, filterset):
        sheet.append(row)
    spool = tempfile.TemporaryFile()
    workbook.save(spool)
    spool.seek(0)
    return FileResponse(
        spool,
        as_attachment=True,
        filename=_filename("xlsx"),
        content_type=(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        ),
    )
