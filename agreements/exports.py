"""Any list of documents as a file: ``/agreements/export.csv`` and
``/agreements/export.xlsx`` take exactly the list's parameters and hold every
matching published document, not one page.

The CSV is streamed, UTF-8 with a byte-order mark so that spreadsheet programs read
Cyrillic and Azerbaijani letters; the XLSX is written by XlsxWriter in its
constant-memory mode. Both read the documents as tuples, a chunk at a time
(``document_rows``). A cell that begins with ``=``, ``+``, ``-`` or ``@``
(or a tab or carriage return) is written with a leading apostrophe, so that no
formula runs when the file is opened.

Each export reads every matching document, so anonymous clients are rate limited
(``RATE_LIMITS["export"]``, a 429 with ``Retry-After``); the files are streamed and
never stored by the page cache. The bulk files (agreements.opendata) reuse the
columns and the cells.
"""

import csv
import io
import json
import tempfile
from itertools import islice

import xlsxwriter
from django.db import connections
from django.db.models import F, Q
from django.db.models.expressions import RawSQL
from django.http import FileResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from modeltranslation.utils import build_localized_fieldname

from .expressions import EqualsAny
from .filters import DocumentFilter
from .models import Body, BodyName, Document, DocumentCitation, Party, Topic
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


#: The document's own columns the rows read, in this order.
_DOCUMENT_FIELDS = (
    "pk",
    "slug",
    "title",
    "kind",
    "signed_on",
    "signed_city",
    "signed_country__code",
    "event__slug",
    "event__is_published",
    "legal_status",
    "entered_into_force_on",
    "ended_on",
    "follow_up_status",
)


def _iso(day):
    return day.isoformat() if day else ""


class _Names:
    """Bodies' names as the documents' pages give them: the name a body had on the
    day of signature (its former names), else its name in the page's language,
    else the English; and each body's country. Read once for the whole file, so
    that each chunk's parties are read without a join."""

    def __init__(self):
        self.former = {}
        for body, name, start, end in BodyName.objects.order_by(
            "body_id", "-valid_until", "name"
        ).values_list("body_id", "name", "valid_from", "valid_until"):
            self.former.setdefault(body, []).append((name, start, end))
        # the page's language's name, then the English (the same column in English)
        columns = dict.fromkeys(
            (build_localized_fieldname("name", get_language()), "name_en_gb")
        )
        self.bodies = {
            body: (next((name for name in names if name), ""), code)
            for body, code, *names in Body.objects.values_list(
                "pk", "country__code", *columns
            )
        }

    def on(self, body, day):
        """``(name, country code)`` of ``body`` for a document signed on ``day``."""
        current, code = self.bodies.get(body, ("", ""))
        for name, start, end in self.former.get(body, ()):
            if (start is None or start <= day) and end is not None and day <= end:
                return name, code
        return current, code


def _of_documents(ids, postgresql):
    """A condition on rows with a ``document_id``: one of ``ids``, given as one
    parameter (an array on PostgreSQL, a JSON list on SQLite) rather than one
    parameter an id: each id of an ``IN`` list is prepared by Django and bound by
    the driver, which took a third of the CSV's time on PostgreSQL."""
    if postgresql:
        return Q(EqualsAny(F("document_id"), RawSQL("%s::bigint[]", (ids,))))
    # SQLite: one JSON parameter, its elements read by json_each()
    return Q(
        document_id__in=RawSQL("SELECT value FROM json_each(%s)", (json.dumps(ids),))
    )


def document_rows(queryset, absolute, *, extra=()):
    """The cells of ``queryset``'s documents in ``COLUMNS`` order, then the
    document's ``extra`` fields: read as tuples, ``CHUNK`` documents at a time
    (their parties, topics and citations in one query each per chunk), so that a
    file of 100,000 documents builds no model instance and holds one chunk."""
    names = _Names()
    topic_slugs = dict(Topic.objects.values_list("pk", "slug"))
    path = reverse("agreements:document-detail", kwargs={"slug": "slug"})
    prefix, suffix = path.rsplit("slug", 1)
    base = absolute(prefix)
    rows = queryset.values_list(*_DOCUMENT_FIELDS, *extra).iterator(chunk_size=CHUNK)
    postgresql = connections[queryset.db].vendor == "postgresql"
    while chunk := list(islice(rows, CHUNK)):
        ids = [row[0] for row in chunk]
        of_chunk = _of_documents(ids, postgresql)
        signed = {row[0]: row[4] for row in chunk}
        parties = {}
        for document, body, signatory in (
            Party.objects.filter(of_chunk)
            .order_by("document_id", "order", "pk")
            .values_list("document_id", "body_id", "signatory_name")
        ):
            parties.setdefault(document, []).append(
                (*names.on(body, signed[document]), signatory)
            )
        topics = {}
        for document, topic in Document.topics.through.objects.filter(
            of_chunk
        ).values_list("document_id", "topic_id"):
            topics.setdefault(document, []).append(topic_slugs[topic])
        sources = {}
        for document, url, confidence in (
            DocumentCitation.objects.filter(of_chunk)
            .order_by("pk")
            .values_list("document_id", "source__url", "confidence")
        ):
            sources.setdefault(document, []).append(f"{url} ({confidence})")
        for row in chunk:
            (pk, slug, title, kind, signed_on, city, country, event, event_public,
             legal, in_force, ended, follow_up, *more) = row  # fmt: skip
            sides = parties.get(pk, ())
            cells = []
            for index in range(2):
                cells += sides[index] if index < len(sides) else ("", "", "")
            yield [
                slug,
                # a slug is ASCII letters, digits and hyphens: nothing to quote
                f"{base}{slug}{suffix}",
                title,
                kind,
                signed_on.isoformat(),
                city,
                country or "",
                # a published document may name an event still in draft: not its slug
                event if event and event_public else "",
                "; ".join(
                    f"{name} ({code})" + (f", signed by {who}" if who else "")
                    for name, code, who in sides
                ),
                *cells,
                legal,
                _iso(in_force),
                _iso(ended),
                follow_up,
                "; ".join(sorted(topics.get(pk, ()))),
                "; ".join(sources.get(pk, ())),
                *more,
            ]


#: The columns whose cells are text someone typed, and so may look like a formula;
#: the others hold slugs, addresses, ISO codes, dates and stored choices.
TYPED_COLUMNS = (
    "title",
    "signed_city",
    "parties",
    "party_1_body",
    "party_1_signatory",
    "party_2_body",
    "party_2_signatory",
)
_TYPED = tuple(COLUMNS.index(name) for name in TYPED_COLUMNS)


def _rows(request, filterset):
    yield list(COLUMNS)
    for row in document_rows(filterset.qs, request.build_absolute_uri):
        for index in _TYPED:
            if row[index].startswith(RISKY):
                row[index] = f"'{row[index]}"
        yield row


def _csv_text(rows):
    """``rows`` as CSV text, a chunk of lines at a time: one write to the client per
    ``CHUNK`` rows rather than one per row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    yield "\ufeff"
    for number, row in enumerate(rows, 1):
        writer.writerow(row)
        if number % CHUNK == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _xlsx_file(rows):
    """``rows`` as an XLSX workbook in a temporary file, written by XlsxWriter in its
    constant-memory mode (one row in memory at a time)."""
    spool = tempfile.TemporaryFile()
    workbook = xlsxwriter.Workbook(
        spool,
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
        },
    )
    sheet = workbook.add_worksheet("documents")
    write = sheet.write_string
    for number, row in enumerate(rows):
        # every cell is text (dates as ISO text, as in the CSV): written as such,
        # without write()'s guess at each cell's type; an empty cell is not written
        for column, cell in enumerate(row):
            if cell:
                write(number, column, cell)
    workbook.close()
    spool.seek(0)
    return spool


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
        response = StreamingHttpResponse(
            _csv_text(_rows(request, filterset)),
            content_type="text/csv; charset=utf-8",
        )
        response["Content-Disposition"] = f'attachment; filename="{_filename("csv")}"'
        return response
    return FileResponse(
        _xlsx_file(_rows(request, filterset)),
        as_attachment=True,
        filename=_filename("xlsx"),
        content_type=(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        ),
    )
