"""The bulk files of each party's legal steps, the documents' official identifiers and
their texts (``agreements.steps``, ``agreements.texts``): published documents only,
as their pages show them.

A text is given by its public address (the file as ``/agreements/<slug>/texts/``
serves it, or the link to a text held elsewhere) and what its upload was found to
be; the text read from a file is never written. Each row function reads ``CHUNK``
rows at a time, as those of ``tables`` do.
"""

from django.db.models import F
from django.utils.translation import gettext_lazy as _

from .. import exports
from ..models import (
    Attachment,
    Confidence,
    DocumentIdentifier,
    PartyStep,
    StepKind,
)
from ..models.register import Language
from .columns import (
    CONFIDENCE,
    COUNTRY,
    DOCUMENT,
    SOURCE,
    Column,
    Table,
    dated_columns,
)

CHUNK = exports.CHUNK


def party_step_rows(absolute):
    steps = (
        PartyStep.objects.public()
        .select_related("source")
        .annotate(
            document_slug=F("party__document__slug"),
            body_slug=F("party__body__slug"),
            country_code=F("party__body__country__code"),
        )
        .order_by("party__document_id", "party__order", "happened_on", "kind", "pk")
    )
    for step in steps.iterator(chunk_size=CHUNK):
        yield [
            step.document_slug,
            step.body_slug,
            step.country_code,
            step.kind,
            step.happened_on,
            step.date_precision,
            step.act_title,
            step.act_number,
            step.act_date,
            step.source.url if step.source_id else None,
            step.confidence,
        ]


def identifier_rows(absolute):
    identifiers = (
        DocumentIdentifier.objects.filter(document__is_published=True)
        .select_related("source")
        .annotate(document_slug=F("document__slug"))
        .order_by("document_id", "kind", "value")
    )
    for identifier in identifiers.iterator(chunk_size=CHUNK):
        yield [
            identifier.document_slug,
            identifier.kind,
            identifier.value,
            identifier.issuer,
            identifier.url,
            identifier.source.url if identifier.source_id else None,
        ]


def text_rows(absolute):
    texts = (
        Attachment.objects.filter(document__is_published=True)
        .select_related("document", "source")
        .defer(
            "extracted_text",
            "search_vector",
            "document__search_text",
            "document__search_vector",
        )
        .order_by("document_id", "kind", "language", "pk")
    )
    for text in texts.iterator(chunk_size=CHUNK):
        yield [
            text.document.slug,
            text.kind,
            text.language,
            text.title,
            absolute(text.get_absolute_url()) if text.file else text.url,
            text.size,
            text.content_type,
            text.pages,
            text.source.url if text.source_id else None,
            text.confidence,
        ]


PARTY_STEPS = Table(
    "party_steps",
    _("Parties' steps"),
    _(
        "Each party's own steps under its law, one row a step: its signature, "
        "ratification, approval or acceptance, notification of completed procedures, "
        "the entry into force for it, provisional application, suspension or "
        "withdrawal, with the act that made it."
    ),
    (
        Column("document", "string", DOCUMENT),
        Column("body", "string", _("The body's slug (bodies.csv).")),
        Column("country", "string", COUNTRY),
        Column(
            "kind",
            "string",
            _("The step the party took."),
            values=tuple(StepKind.values),
        ),
        *dated_columns(),
        Column(
            "act_title",
            "string",
            _(
                "The act that made the step (a law, a government decree) as the "
                "source names it, in its language; empty when not reported."
            ),
        ),
        Column(
            "act_number",
            "string",
            _("The act's number as a source gives it; empty when not reported."),
        ),
        Column("act_date", "date", _("The act's date, if reported.")),
        Column("source", "string", SOURCE),
        Column("confidence", "string", CONFIDENCE, values=tuple(Confidence.values)),
    ),
    party_step_rows,
    primary_key=("document", "body", "kind", "happened_on"),
    foreign_keys=(
        (("document", "body"), "parties", ("document", "body")),
        (("source",), "sources", ("url",)),
    ),
)

IDENTIFIERS = Table(
    "identifiers",
    _("Official identifiers"),
    _(
        "The numbers the published documents are registered or published under: a "
        "national register's, an official publication's, the UN Treaty Series'."
    ),
    (
        Column("document", "string", DOCUMENT),
        Column(
            "kind",
            "string",
            _("What kind of number it is."),
            values=tuple(DocumentIdentifier.Kind.values),
        ),
        Column("value", "string", _("The number or reference as issued.")),
        Column("issuer", "string", _("Who gave the number, if recorded.")),
        Column(
            "url",
            "string",
            _("Where the document is found under it, if recorded."),
            format="uri",
        ),
        Column("source", "string", SOURCE),
    ),
    identifier_rows,
    primary_key=("document", "kind", "value"),
    foreign_keys=(
        (("document",), "documents", ("slug",)),
        (("source",), "sources", ("url",)),
    ),
)

TEXTS = Table(
    "texts",
    _("Texts"),
    _(
        "The published documents' signed texts, translations, annexes and official "
        "publications: files the register serves, and links to texts held "
        "elsewhere. The text read from a file is not included."
    ),
    (
        Column("document", "string", DOCUMENT),
        Column(
            "kind",
            "string",
            _("What the text is."),
            values=tuple(Attachment.Kind.values),
        ),
        Column(
            "language",
            "string",
            _("The text's language."),
            values=tuple(Language.values),
        ),
        Column("title", "string", _("Its title, if it has one.")),
        Column(
            "url",
            "string",
            _("The file's address in the register, or the link to the text."),
            format="uri",
        ),
        Column("size", "integer", _("The file's size in bytes; empty for a link.")),
        Column(
            "content_type",
            "string",
            _("The file's media type; empty for a link."),
        ),
        Column(
            "pages",
            "integer",
            _("A PDF file's number of pages; empty for other files and links."),
        ),
        Column("source", "string", SOURCE),
        Column("confidence", "string", CONFIDENCE, values=tuple(Confidence.values)),
    ),
    text_rows,
    foreign_keys=(
        (("document",), "documents", ("slug",)),
        (("source",), "sources", ("url",)),
    ),
)
