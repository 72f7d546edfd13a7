"""The bulk files' tables: what each holds, every column described (the data
dictionary, shown on /data/ and written into ``datapackage.json``), and its rows.

Published records only, as on the public pages: published documents and their
parties, citations, actions and progress updates (and their parties' steps,
identifiers and texts: ``steps_and_texts``); published events; the public bodies
(``Body.objects.public()``); the sources those cite. Nothing a page keeps for
staff (an action's focal person and e-mail, who recorded an update) is written.

The documents table is the list export's (``agreements.exports``) with more columns:
the same cells, the same words. Each row function reads its table ``CHUNK`` rows at a
time and yields plain values (text, whole numbers, dates, ``None`` for unknown), so
a build holds one chunk in memory whatever the size of the register.
"""

import datetime

from django.db.models import Exists, F, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from .. import exports
from ..models import (
    Action,
    ActionCitation,
    Attachment,
    Basis,
    Body,
    Confidence,
    DateKind,
    Document,
    DocumentCitation,
    DocumentIdentifier,
    DuePrecision,
    Event,
    EventCitation,
    Party,
    PartyCitation,
    PartyStep,
    ProgressUpdate,
    Source,
    former_names_prefetch,
)
from .columns import (
    CONFIDENCE,
    COUNTRY,
    DOCUMENT,
    SLUG,
    SOURCE,
    UPDATED,
    URL,
    Column,
    Table,
    dated_columns,
    translated,
)
from .steps_and_texts import IDENTIFIERS, PARTY_STEPS, TEXTS

CHUNK = exports.CHUNK


def _values(record, columns):
    return [getattr(record, column.name) for column in columns]


def _slug_of(record, published=True):
    return record.slug if record is not None and published else None


def _iso_interval(start, end):
    """``2010-01-01/2019-12-31``, with ``..`` for an open end (ISO 8601-2)."""
    return f"{start.isoformat() if start else '..'}/{end.isoformat() if end else '..'}"


# --- Documents ------------------------------------------------------------------------

#: The export's columns (agreements.exports.COLUMNS), described.
EXPORT_COLUMNS = {
    "slug": Column("slug", "string", SLUG),
    "url": Column("url", "string", URL, format="uri"),
    "title": Column("title", "string", _("The title as signed.")),
    "kind": Column(
        "kind", "string", _("The kind of document."), values=tuple(Document.Kind.values)
    ),
    "signed_on": Column("signed_on", "date", _("The date of signature.")),
    "signed_city": Column(
        "signed_city", "string", _("Where it was signed; empty when not known.")
    ),
    "signed_country": Column(
        "signed_country",
        "string",
        _("ISO 3166-1 alpha-2 code of the country where it was signed."),
    ),
    "event": Column(
        "event",
        "string",
        _("The slug of the event at which it was signed (events.csv)."),
    ),
    "parties": Column(
        "parties",
        "string",
        _(
            "Every side in one readable cell: the body's name when it signed, its "
            "country and, where reported, the signatory (details in parties.csv)."
        ),
    ),
    **{
        f"party_{number}_{part}": Column(f"party_{number}_{part}", "string", words)
        for number in (1, 2)
        for part, words in (
            ("body", _("The name of this side's body when it signed.")),
            ("country", _("ISO 3166-1 alpha-2 code of this side's country.")),
            ("signatory", _("Who signed for this side; empty when not reported.")),
        )
    },
    "legal_status": Column(
        "legal_status",
        "string",
        _("Whether it is in force, as the sources say."),
        values=tuple(Document.LegalStatus.values),
    ),
    "entered_into_force_on": Column(
        "entered_into_force_on", "date", _("When it entered into force, if known.")
    ),
    "ended_on": Column(
        "ended_on",
        "date",
        _("When it was terminated, expired or superseded, if known."),
    ),
    "follow_up_status": Column(
        "follow_up_status",
        "string",
        _("Whether anything has come of it since it was signed."),
        values=tuple(Document.FollowUpStatus.values),
    ),
    "topics": Column(
        "topics", "string", _("The slugs of its topics, separated by semicolons.")
    ),
    "sources": Column(
        "sources",
        "string",
        _(
            "The addresses of its sources, each with how sure it is in brackets, "
            "separated by semicolons (details in citations.csv)."
        ),
    ),
}
DOCUMENT_SUMMARIES = translated(
    "summary", _("The summary in %(language)s; empty where the register has none.")
)
DOCUMENT_MORE = (
    Column("valid_from", "date", _("The start of its validity period, if reported.")),
    Column("valid_until", "date", _("The end of its validity period, if reported.")),
    Column(
        "validity_note", "string", _("Where the validity period comes from, if noted.")
    ),
    Column(
        "event_signing_confidence",
        "string",
        _("How sure it is that it was signed at the event; empty when not recorded."),
        values=tuple(Confidence.values),
    ),
    Column(
        "event_confidence",
        "string",
        _(
            "How sure it is that it is one of the documents the sources count for the "
            "event; empty when not recorded."
        ),
        values=tuple(Confidence.values),
    ),
    Column("updated_at", "datetime", UPDATED),
)


def document_rows(absolute):
    documents = Document.objects.listed().order_by("pk")
    extra = (
        *(column.name for column in DOCUMENT_SUMMARIES),
        "valid_from",
        "valid_until",
        "validity_note",
        "event_signing_confidence",
        "event_confidence",
        "updated_at",
    )
    yield from exports.document_rows(documents, absolute, extra=extra)


# --- Parties --------------------------------------------------------------------------


def party_rows(absolute):
    parties = (
        Party.objects.filter(document__is_published=True)
        .select_related("document", "body__country")
        .defer("document__search_text", "document__search_vector")
        .prefetch_related(former_names_prefetch("body__former_names"))
        .order_by("document_id", "order", "pk")
    )
    for party in parties.iterator(chunk_size=CHUNK):
        yield [
            party.document.slug,
            party.order,
            party.body.slug,
            party.body_name_at_signing,
            party.body.country.code,
            party.signatory_name,
            party.signatory_position,
            party.note,
        ]


# --- Events ---------------------------------------------------------------------------

EVENT_TITLES = translated("title", _("The title in %(language)s."))
EVENT_DESCRIPTIONS = translated(
    "description",
    _("The description in %(language)s; empty where the register has none."),
)


def event_rows(absolute):
    events = (
        Event.objects.published()
        .with_recorded_count()
        .select_related("country")
        .order_by("pk")
    )
    for event in events.iterator(chunk_size=CHUNK):
        yield [
            event.slug,
            absolute(event.get_absolute_url()),
            *_values(event, EVENT_TITLES),
            event.kind,
            event.date,
            event.end_date,
            event.city,
            event.country.code if event.country_id else None,
            event.documents_reported,
            event.documents_recorded,
            *_values(event, EVENT_DESCRIPTIONS),
            event.updated_at,
        ]


# --- Bodies ---------------------------------------------------------------------------

BODY_NAMES = translated("name", _("The current name in %(language)s."))
BODY_SHORT_NAMES = translated(
    "short_name", _("The short name or acronym in %(language)s, if any.")
)
BODY_DESCRIPTIONS = translated(
    "description",
    _("The description in %(language)s; empty where the register has none."),
)


def body_rows(absolute):
    public = Body.objects.public()
    bodies = (
        public.select_related("country", "parent")
        .annotate(
            parent_is_public=Exists(
                Body.objects.public().filter(pk=OuterRef("parent_id"))
            )
        )
        .prefetch_related("former_names")
        .order_by("pk")
    )
    for body in bodies.iterator(chunk_size=CHUNK):
        former = sorted(
            body.former_names.all(),
            key=lambda name: (name.valid_until or datetime.date.max, name.name),
        )
        yield [
            body.slug,
            absolute(body.get_absolute_url()),
            *_values(body, BODY_NAMES),
            *_values(body, BODY_SHORT_NAMES),
            body.kind,
            body.country.code,
            _slug_of(body.parent, body.parent_is_public),
            "; ".join(
                f"{name.name} ({_iso_interval(name.valid_from, name.valid_until)})"
                for name in former
            ),
            body.website,
            *_values(body, BODY_DESCRIPTIONS),
        ]


# --- Sources and citations ------------------------------------------------------------


def public_sources():
    """The sources a published record cites (a source only drafts cite stays out)."""

    def cited(model, **published):
        return Q(Exists(model.objects.filter(source=OuterRef("pk"), **published)))

    return Source.objects.filter(
        cited(DocumentCitation, document__is_published=True)
        | cited(PartyCitation, party__document__is_published=True)
        | cited(EventCitation, event__is_published=True)
        | cited(ActionCitation, action__document__is_published=True)
        | cited(ProgressUpdate, document__is_published=True)
        | cited(PartyStep, party__document__is_published=True)
        | cited(DocumentIdentifier, document__is_published=True)
        | cited(Attachment, document__is_published=True)
    )


def source_rows(absolute):
    for source in public_sources().order_by("pk").iterator(chunk_size=CHUNK):
        yield [
            source.url,
            source.publisher,
            source.title,
            source.published_on,
            source.accessed_on,
        ]


def citation_rows(absolute):
    kinds = (
        (
            "document",
            DocumentCitation.objects.filter(document__is_published=True)
            .select_related("source")
            .annotate(document_slug=F("document__slug")),
        ),
        (
            "party",
            PartyCitation.objects.filter(party__document__is_published=True)
            .select_related("source")
            .annotate(
                document_slug=F("party__document__slug"),
                body_slug=F("party__body__slug"),
            ),
        ),
        (
            "event",
            EventCitation.objects.filter(event__is_published=True)
            .select_related("source")
            .annotate(event_slug=F("event__slug")),
        ),
        (
            "action",
            ActionCitation.objects.filter(action__document__is_published=True)
            .select_related("source")
            .annotate(
                document_slug=F("action__document__slug"), action_slug=F("action__slug")
            ),
        ),
    )
    for kind, citations in kinds:
        for citation in citations.order_by("pk").iterator(chunk_size=CHUNK):
            yield [
                kind,
                getattr(citation, "document_slug", None),
                getattr(citation, "body_slug", None),
                getattr(citation, "event_slug", None),
                getattr(citation, "action_slug", None),
                citation.source.url,
                citation.confidence,
                citation.claim,
                citation.note,
            ]


# --- Follow-up ------------------------------------------------------------------------

ACTION_TITLES = translated("title", _("What is to be done, in %(language)s."))
ACTION_DESCRIPTIONS = translated(
    "description",
    _("The details in %(language)s; empty where the register has none."),
)


def action_rows(absolute):
    actions = (
        Action.objects.published()
        .select_related("document")
        .defer("document__search_text", "document__search_vector")
        .prefetch_related("responsible_bodies")
        .order_by("pk")
    )
    for action in actions.iterator(chunk_size=CHUNK):
        yield [
            action.document.slug,
            action.slug,
            absolute(action.get_absolute_url()),
            *_values(action, ACTION_TITLES),
            *_values(action, ACTION_DESCRIPTIONS),
            action.clause,
            "; ".join(sorted(body.slug for body in action.responsible_bodies.all())),
            action.basis,
            action.due_on,
            action.due_precision if action.due_on else None,
            action.due_kind,
            action.status,
            action.completed_on,
            action.updated_at,
        ]


def update_rows(absolute):
    updates = (
        ProgressUpdate.objects.filter(document__is_published=True)
        .select_related("document", "action", "source")
        .defer("document__search_text", "document__search_vector")
        .order_by("pk")
    )
    for update in updates.iterator(chunk_size=CHUNK):
        yield [
            update.pk,
            absolute(update.get_absolute_url()),
            update.document.slug,
            update.action.slug if update.action_id else None,
            update.happened_on,
            update.date_precision,
            update.title,
            update.text,
            update.status_before,
            update.status_after,
            update.source.url if update.source_id else None,
            update.confidence,
            update.expected_on,
            update.expected_precision if update.expected_on else None,
            update.expected_kind,
            update.stated_by,
        ]


# --- The tables -----------------------------------------------------------------------

UPDATE_STATUSES = tuple(
    dict.fromkeys([*Document.FollowUpStatus.values, *Action.Status.values])
)

TABLES = (
    Table(
        "documents",
        _("Documents"),
        _("Every published document, one row each."),
        (
            *(EXPORT_COLUMNS[name] for name in exports.COLUMNS),
            *DOCUMENT_SUMMARIES,
            *DOCUMENT_MORE,
        ),
        document_rows,
        primary_key=("slug",),
        foreign_keys=((("event",), "events", ("slug",)),),
    ),
    Table(
        "parties",
        _("Parties"),
        _("The sides of each document: one row a side, with who signed for it."),
        (
            Column("document", "string", DOCUMENT),
            Column("order", "integer", _("The side's place among the document's.")),
            Column("body", "string", _("The body's slug (bodies.csv).")),
            Column(
                "body_name_at_signing",
                "string",
                _("The body's name on the day the document was signed."),
            ),
            Column("country", "string", COUNTRY),
            Column(
                "signatory_name",
                "string",
                _("Who signed for this side; empty when not reported."),
            ),
            Column(
                "signatory_position", "string", _("The signatory's position, if known.")
            ),
            Column("note", "string", _("A note on this side, if any.")),
        ),
        party_rows,
        primary_key=("document", "body"),
        foreign_keys=(
            (("document",), "documents", ("slug",)),
            (("body",), "bodies", ("slug",)),
        ),
    ),
    PARTY_STEPS,
    IDENTIFIERS,
    TEXTS,
    Table(
        "events",
        _("Events"),
        _("The published events at which documents were signed."),
        (
            Column("slug", "string", SLUG),
            Column("url", "string", URL, format="uri"),
            *EVENT_TITLES,
            Column(
                "kind",
                "string",
                _("The kind of event."),
                values=tuple(Event.Kind.values),
            ),
            Column("date", "date", _("The day it began.")),
            Column("end_date", "date", _("The day it ended, if it lasted longer.")),
            Column("city", "string", _("Where it was held, if known.")),
            Column("country", "string", COUNTRY),
            Column(
                "documents_reported",
                "integer",
                _("How many documents the sources say were signed; empty if unknown."),
            ),
            Column(
                "documents_recorded",
                "integer",
                _("How many of its documents the register publishes."),
            ),
            *EVENT_DESCRIPTIONS,
            Column("updated_at", "datetime", UPDATED),
        ),
        event_rows,
        primary_key=("slug",),
    ),
    Table(
        "bodies",
        _("Bodies"),
        _(
            "The bodies that signed a published document or are responsible for one "
            "of its actions, and their parent bodies."
        ),
        (
            Column("slug", "string", SLUG),
            Column("url", "string", URL, format="uri"),
            *BODY_NAMES,
            *BODY_SHORT_NAMES,
            Column(
                "kind", "string", _("The kind of body."), values=tuple(Body.Kind.values)
            ),
            Column("country", "string", COUNTRY),
            Column(
                "parent",
                "string",
                _("The slug of the body it belongs to, if that body is listed here."),
            ),
            Column(
                "former_names",
                "string",
                _(
                    "Earlier names, each with the dates it was used (from/until, "
                    "“..” where not known), separated by semicolons."
                ),
            ),
            Column("website", "string", _("Its website, if known."), format="uri"),
            *BODY_DESCRIPTIONS,
        ),
        body_rows,
        primary_key=("slug",),
    ),
    Table(
        "sources",
        _("Sources"),
        _("The published texts the register relies on for its published records."),
        (
            Column("url", "string", _("The source's address."), format="uri"),
            Column("publisher", "string", _("Who published it, if known.")),
            Column("title", "string", _("Its title, if known.")),
            Column("published_on", "date", _("When it was published, if known.")),
            Column(
                "accessed_on", "date", _("When the register last read it, if noted.")
            ),
        ),
        source_rows,
        primary_key=("url",),
    ),
    Table(
        "citations",
        _("Citations"),
        _(
            "What each source supports, and how sure: for a document, a side's "
            "signature, an event or an action."
        ),
        (
            Column(
                "cites",
                "string",
                _(
                    "What is cited: a document, a party (a side's signature), an event "
                    "or an action."
                ),
                values=("document", "party", "event", "action"),
            ),
            Column(
                "document",
                "string",
                _("The document's slug, for a document, a party or an action."),
            ),
            Column("body", "string", _("The body's slug, for a party.")),
            Column("event", "string", _("The event's slug, for an event.")),
            Column(
                "action",
                "string",
                _("The action's slug within its document, for an action."),
            ),
            Column("source", "string", SOURCE),
            Column("confidence", "string", CONFIDENCE, values=tuple(Confidence.values)),
            Column(
                "claim",
                "string",
                _("The fact the source supports, e.g. “signatories”."),
            ),
            Column("note", "string", _("A note on the citation, if any.")),
        ),
        citation_rows,
        foreign_keys=((("source",), "sources", ("url",)),),
    ),
    Table(
        "actions",
        _("Actions"),
        _(
            "What the published documents commit their parties to do, and how far it "
            "has come."
        ),
        (
            Column("document", "string", DOCUMENT),
            Column("slug", "string", _("The action's identifier within its document.")),
            Column("url", "string", URL, format="uri"),
            *ACTION_TITLES,
            *ACTION_DESCRIPTIONS,
            Column("clause", "string", _("The article or clause it carries out.")),
            Column(
                "responsible_bodies",
                "string",
                _("The slugs of the bodies responsible, separated by semicolons."),
            ),
            Column(
                "basis",
                "string",
                _(
                    "Where it comes from: the document's text, a source's report, or "
                    "the register's inference; empty while unknown."
                ),
                values=tuple(Basis.values),
            ),
            Column(
                "due_on",
                "date",
                _(
                    "Its current date: that of the latest dated statement; for a "
                    "month, quarter or year, its last day."
                ),
            ),
            Column(
                "due_precision",
                "string",
                _("How much of the current date the sources give."),
                values=tuple(DuePrecision.values),
            ),
            Column(
                "due_kind",
                "string",
                _("Whose date it is: a deadline, a plan or a forecast."),
                values=tuple(DateKind.values),
            ),
            Column(
                "status",
                "string",
                _("How far it has come."),
                values=tuple(Action.Status.values),
            ),
            Column("completed_on", "date", _("When it was done, for a done action.")),
            Column("updated_at", "datetime", UPDATED),
        ),
        action_rows,
        primary_key=("document", "slug"),
        foreign_keys=((("document",), "documents", ("slug",)),),
    ),
    Table(
        "progress_updates",
        _("Progress updates"),
        _("Dated entries on what came of a document or of one of its actions."),
        (
            Column("id", "integer", _("The update's number in the register.")),
            Column("url", "string", URL, format="uri"),
            Column("document", "string", DOCUMENT),
            Column(
                "action",
                "string",
                _("The action's slug, when the entry is about one action."),
            ),
            *dated_columns(),
            Column("title", "string", _("What happened.")),
            Column("text", "string", _("The details, if any.")),
            Column(
                "status_before",
                "string",
                _("The status before: the document's follow-up or the action's."),
                values=UPDATE_STATUSES,
            ),
            Column(
                "status_after",
                "string",
                _("The status after: the document's follow-up or the action's."),
                values=UPDATE_STATUSES,
            ),
            Column("source", "string", SOURCE),
            Column("confidence", "string", CONFIDENCE, values=tuple(Confidence.values)),
            Column(
                "expected_on",
                "date",
                _("When the source says the action will be done, if it says."),
            ),
            Column(
                "expected_precision",
                "string",
                _("How much of the expected date the source gives."),
                values=tuple(DuePrecision.values),
            ),
            Column(
                "expected_kind",
                "string",
                _("Whose expected date it is: a deadline, a plan or a forecast."),
                values=tuple(DateKind.values),
            ),
            Column("stated_by", "string", _("Who gave the expected date, if known.")),
        ),
        update_rows,
        primary_key=("id",),
        foreign_keys=(
            (("document",), "documents", ("slug",)),
            (("source",), "sources", ("url",)),
        ),
    ),
)
