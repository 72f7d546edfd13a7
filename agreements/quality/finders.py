"""Each check's query (``find_*``), what it reads besides (``detail_*``) and what it
says of each record it finds (``explain_*``): the checks' table is ``checks``."""

from django.conf import settings
from django.db.models import Count, Exists, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, Lower
from django.utils.text import get_text_list
from django.utils.translation import get_language_info, gettext, ngettext

from ..models import (
    Action,
    Attachment,
    Basis,
    Body,
    Confidence,
    Document,
    DocumentCitation,
    DocumentTitle,
    Event,
    Party,
    Relation,
    Topic,
)
from ..steps.queries import contradicted_ids
from .queue import LONG_TEXTS

FollowUp = Document.FollowUpStatus


# --- Filters ------------------------------------------------------------------------


def _document_condition(filters, *, ref="pk", kind="kind"):
    """The documents matching ``filters``, as a condition on a query whose
    ``OuterRef(ref)`` is a document's id and whose ``kind`` is its kind."""
    condition = Q()
    if filters.kind:
        condition &= Q(**{kind: filters.kind})
    if filters.country:
        condition &= Q(
            Exists(
                Party.objects.filter(
                    document_id=OuterRef(ref), body__country__code=filters.country
                )
            )
        )
    if filters.body:
        condition &= Q(
            Exists(
                Party.objects.filter(document_id=OuterRef(ref), body__slug=filters.body)
            )
        )
    return condition


def _documents(filters):
    return Document.objects.filter(_document_condition(filters)).order_by(
        "-signed_on", "title", "pk"
    )


def _events(filters):
    """Events one of whose documents matches ``filters``; with a country alone, also
    the events held in it (an event may have no document recorded yet)."""
    queryset = Event.objects.order_by("-date", "title", "pk")
    if filters.selects_everything:
        return queryset
    condition = Q(
        Exists(
            Document.objects.filter(_document_condition(filters), event=OuterRef("pk"))
        )
    )
    if filters.country and not (filters.body or filters.kind):
        condition |= Q(country__code=filters.country)
    return queryset.filter(condition)


def _actions(filters):
    """Actions of documents matching ``filters``; the body filter also keeps the
    actions a body is responsible for (``ActionQuerySet.involving_bodies``)."""
    queryset = Action.objects.order_by(F("due_on").asc(nulls_last=True), "title", "pk")
    if filters.kind:
        queryset = queryset.filter(document__kind=filters.kind)
    if filters.country:
        queryset = queryset.for_countries([filters.country])
    if filters.body:
        queryset = queryset.involving_bodies([filters.body])
    return queryset


def _relations(filters):
    """Relations either of whose documents matches ``filters``."""
    queryset = Relation.objects.order_by("-pk")
    if filters.selects_everything:
        return queryset
    return queryset.filter(
        _document_condition(filters, ref="from_document_id", kind="from_document__kind")
        | _document_condition(filters, ref="to_document_id", kind="to_document__kind")
    )


def _count(queryset, by):
    """How many rows ``queryset`` (correlated through ``OuterRef``) has, as an
    expression: 0 when none."""
    counted = queryset.order_by().values(by).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted[:1]), 0)


# --- 1. Documents without a source ----------------------------------------------------


def find_without_source(filters, today):
    citations = DocumentCitation.objects.filter(document=OuterRef("pk"))
    return _documents(filters).filter(~Exists(citations))


# --- 2. Documents with a signatory not recorded ---------------------------------------


def _unsigned_parties():
    return Party.objects.filter(document=OuterRef("pk"), signatory_name="")


def find_without_signatory(filters, today):
    return _documents(filters).filter(Exists(_unsigned_parties()))


def detail_without_signatory(queryset, today):
    unsigned = _unsigned_parties().order_by("order", "pk")
    return queryset.annotate(
        unsigned_body=Subquery(unsigned.values("body__name")[:1]),
        unsigned_count=_count(_unsigned_parties(), "document"),
    )


def explain_without_signatory(document):
    others = document.unsigned_count - 1
    if others < 1:
        return gettext("No signatory recorded for %(body)s.") % {
            "body": document.unsigned_body
        }
    return ngettext(
        "No signatory recorded for %(body)s and %(count)d other party.",
        "No signatory recorded for %(body)s and %(count)d other parties.",
        others,
    ) % {"body": document.unsigned_body, "count": others}


# --- 3. Documents without a title in a partner's language -----------------------------


def _parties_missing_their_title():
    """Parties (of the document ``OuterRef("pk")``) whose country has a state
    language in which the document has no title."""
    title = DocumentTitle.objects.filter(
        document=OuterRef("document_id"), language=OuterRef("body__country__language")
    )
    return (
        Party.objects.filter(document=OuterRef("pk"))
        .exclude(body__country__language="")
        .filter(~Exists(title))
    )


def find_without_partner_title(filters, today):
    return _documents(filters).filter(Exists(_parties_missing_their_title()))


def detail_without_partner_title(queryset, today):
    languages = _parties_missing_their_title().order_by("order", "pk")
    languages = languages.values("body__country__language")
    # the first two parties' languages: a bilateral document's both sides
    return queryset.annotate(
        missing_language=Subquery(languages[:1]),
        missing_language_2=Subquery(languages[1:2]),
    )


def explain_without_partner_title(document):
    names = dict(DocumentTitle.Language.choices)
    codes = dict.fromkeys(
        code
        for code in (document.missing_language, document.missing_language_2)
        if code
    )
    languages = [str(names.get(code, code)) for code in codes]
    return gettext("No title in %(languages)s.") % {
        "languages": get_text_list(languages, gettext("or"))
    }


# --- 4. Events whose recorded documents differ from the reported number ---------------


def find_event_count_mismatch(filters, today):
    return (
        _events(filters)
        .filter(documents_reported__isnull=False)
        .with_recorded_count(published_only=False)
        .exclude(documents_recorded=F("documents_reported"))
    )


def detail_event_count_mismatch(queryset, today):
    return queryset.with_recorded_count(published_only=False)


def explain_event_count_mismatch(event):
    return gettext("Reported %(reported)d, recorded %(recorded)d.") % {
        "reported": event.documents_reported,
        "recorded": event.documents_recorded,
    }


# --- 5. Follow-up status that contradicts the actions ---------------------------------


def _open_actions():
    return Action.objects.filter(
        document=OuterRef("pk"), status__in=Action.OPEN_STATUSES
    )


def _done_actions():
    return Action.objects.filter(document=OuterRef("pk"), status=Action.Status.DONE)


def find_follow_up_contradiction(filters, today):
    # "All done" leaves cancelled actions out, as progress does: done ones and no
    # open one.
    return _documents(filters).filter(
        Q(Exists(_open_actions()), follow_up_status=FollowUp.COMPLETED)
        | Q(
            Exists(_done_actions()),
            ~Exists(_open_actions()),
            follow_up_status__in=(FollowUp.IN_PROGRESS, FollowUp.NOT_STARTED),
        )
    )


def detail_follow_up_contradiction(queryset, today):
    return queryset.annotate(
        open_count=_count(_open_actions(), "document"),
        done_count=_count(_done_actions(), "document"),
    )


def explain_follow_up_contradiction(document):
    status = document.get_follow_up_status_display()
    if document.follow_up_status == FollowUp.COMPLETED:
        return ngettext(
            "Follow-up status “%(status)s”, but %(count)d action is still open.",
            "Follow-up status “%(status)s”, but %(count)d actions are still open.",
            document.open_count,
        ) % {"status": status, "count": document.open_count}
    return ngettext(
        "Follow-up status “%(status)s”, but its %(count)d action is done and none "
        "is open.",
        "Follow-up status “%(status)s”, but %(count)d of its actions are done and "
        "none is open.",
        document.done_count,
    ) % {"status": status, "count": document.done_count}


# --- 6. Forecasts past their date -----------------------------------------------------


def find_forecast_passed(filters, today):
    # An action's date is its latest statement's (record_update keeps it), so a
    # passed forecast is one no newer source has replaced.
    return _actions(filters).forecast_passed(today)


def detail_actions(queryset, today):
    return queryset.select_related("document").defer(
        *(f"document__{name}" for name in LONG_TEXTS)
    )


def explain_forecast_passed(action):
    return gettext(
        "The forecast date, %(date)s, has passed, and no later date is recorded."
    ) % {"date": action.due_display}


# --- 7. Facts that rest only on an inference ------------------------------------------


def find_inferred_documents(filters, today):
    return _documents(filters).filter(
        Q(event_confidence=Confidence.INFERRED)
        | Q(event_signing_confidence=Confidence.INFERRED)
    )


def explain_inferred_document(document):
    facts = []
    if document.event_signing_confidence == Confidence.INFERRED:
        facts.append(gettext("its signing at the event"))
    if document.event_confidence == Confidence.INFERRED:
        facts.append(gettext("its place among the event's reported documents"))
    return gettext("Inferred, not stated by a source: %(facts)s.") % {
        "facts": get_text_list(facts, gettext("and"))
    }


def find_inferred_actions(filters, today):
    return _actions(filters).filter(basis__in=(Basis.INFERRED, ""))


def explain_inferred_action(action):
    if action.basis == Basis.INFERRED:
        return gettext(
            "Linked to the document by the register, not by a source that quotes "
            "or reports the commitment."
        )
    return gettext("Where it comes from is not recorded.")


def find_inferred_relations(filters, today):
    return _relations(filters).filter(confidence=Confidence.INFERRED)


def detail_relations(queryset, today):
    return queryset.select_related("from_document", "to_document").only(
        "kind", "confidence", "from_document__title", "to_document__title"
    )


def explain_inferred_relation(relation):
    return gettext("The relation is inferred, not stated by a source.")


# --- 8. Probable duplicates -----------------------------------------------------------


def _party_body(order):
    """The body of the party ``order`` of the document ``OuterRef("pk")``."""
    parties = Party.objects.filter(document=OuterRef("pk"), order=order)
    # one row at most (unique per document and order): no ordering, no join for it
    return Subquery(parties.order_by().values("body_id")[:1])


def _same_title():
    """Other documents with the title of ``OuterRef`` in any case (the index
    agreements_doc_title_lower)."""
    return (
        Document.objects.exclude(pk=OuterRef("pk"))
        .alias(lower_title=Lower("title"))
        .filter(lower_title=Lower(OuterRef("title")))
    )


def _same_parties():
    """Other documents of the same kind signed the same day as ``OuterRef``, whose
    first two parties are its first two, in either order (``OuterRef`` has
    ``first_body`` and ``second_body``). The kind keeps a package apart: two
    governments often sign several agreements on one day, rarely two memoranda."""
    first, second = OuterRef("first_body"), OuterRef("second_body")
    return (
        Document.objects.exclude(pk=OuterRef("pk"))
        .filter(signed_on=OuterRef("signed_on"), kind=OuterRef("kind"))
        .alias(first_body=_party_body(1), second_body=_party_body(2))
        .filter(
            Q(first_body=first, second_body=second)
            | Q(first_body=second, second_body=first)
        )
    )


def find_duplicates(filters, today):
    return (
        _documents(filters)
        .alias(first_body=_party_body(1), second_body=_party_body(2))
        .filter(Q(Exists(_same_title())) | Q(Exists(_same_parties())))
    )


def detail_duplicates(queryset, today):
    title_twin = _same_title().order_by("pk")
    parties_twin = _same_parties().order_by("pk")
    return queryset.alias(
        first_body=_party_body(1), second_body=_party_body(2)
    ).annotate(
        title_twin_pk=Subquery(title_twin.values("pk")[:1]),
        title_twin_slug=Subquery(title_twin.values("slug")[:1]),
        parties_twin_pk=Subquery(parties_twin.values("pk")[:1]),
        parties_twin_slug=Subquery(parties_twin.values("slug")[:1]),
    )


def explain_duplicate(document):
    reasons = []
    if document.title_twin_pk:
        reasons.append(
            gettext("Same title as “%(other)s”.") % {"other": document.title_twin_slug}
        )
    if document.parties_twin_pk:
        reasons.append(
            gettext(
                "Of the same kind, signed the same day by the same two parties as "
                "“%(other)s”."
            )
            % {"other": document.parties_twin_slug}
        )
    return " ".join(reasons)


def duplicate_others(document, url):
    twins = {
        document.title_twin_pk: document.title_twin_slug,
        document.parties_twin_pk: document.parties_twin_slug,
    }
    return [(slug, url(pk)) for pk, slug in twins.items() if pk is not None]


# --- Text not yet in every language -------------------------------------------------

#: The languages, other than English, the register's own text is wanted in.
OTHER_LANGUAGES = tuple(
    code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE
)


def _column(field, language):
    return f"{field}_{language.replace('-', '_')}"


def _blank(column):
    return Q(**{f"{column}__isnull": True}) | Q(**{column: ""})


def _untranslated(fields, filters):
    """The condition: one of ``fields`` has its English text and none in the filter's
    language (or in one of the other languages, without the filter)."""
    languages = (filters.language,) if filters.language else OTHER_LANGUAGES
    condition = Q()
    for field in fields:
        english = ~_blank(_column(field, settings.LANGUAGE_CODE))
        for language in languages:
            condition |= english & _blank(_column(field, language))
    return condition


def explain_untranslated(fields):
    """ "Not yet in Russian: summary." for each language the record lacks text in."""

    def explain(obj):
        model = type(obj)
        sentences = []
        for language in OTHER_LANGUAGES:
            missing = [
                str(model._meta.get_field(field).verbose_name)
                for field in fields
                if getattr(obj, _column(field, settings.LANGUAGE_CODE))
                and not getattr(obj, _column(field, language))
            ]
            if missing:
                sentences.append(
                    gettext("Not yet in %(language)s: %(fields)s.")
                    % {
                        "language": get_language_info(language)["name_translated"],
                        "fields": ", ".join(missing),
                    }
                )
        return " ".join(sentences)

    return explain


def all_columns(queryset, today):
    """The rows with every language's text (what ``_shown`` defers included)."""
    return queryset.defer(None).defer("search_text", "search_vector")


def find_untranslated_documents(filters, today):
    return (
        _documents(filters)
        .filter(is_published=True)
        .filter(_untranslated(("summary",), filters))
    )


def find_untranslated_events(filters, today):
    return (
        _events(filters)
        .filter(is_published=True)
        .filter(_untranslated(("title", "description"), filters))
    )


def find_untranslated_bodies(filters, today):
    queryset = Body.objects.public().order_by("name_en_gb", "pk")
    if filters.country:
        queryset = queryset.filter(country__code=filters.country)
    if filters.body:
        queryset = queryset.filter(slug=filters.body)
    return queryset.filter(
        _untranslated(("name", "short_name", "description"), filters)
    )


def find_untranslated_topics(filters, today):
    in_use = Document.objects.filter(
        _document_condition(filters), is_published=True, topics=OuterRef("pk")
    )
    return (
        Topic.objects.filter(Exists(in_use))
        .filter(_untranslated(("name",), filters))
        .order_by("name_en_gb", "pk")
    )


def find_untranslated_actions(filters, today):
    return (
        _actions(filters)
        .filter(document__is_published=True)
        .filter(_untranslated(("title", "description"), filters))
    )


# --- Files without a text layer ------------------------------------------------------


def _scanned_files():
    return Attachment.objects.filter(
        document=OuterRef("pk"), text_state=Attachment.TextState.NO_TEXT_LAYER
    )


def find_no_text_layer(filters, today):
    return _documents(filters).filter(Exists(_scanned_files()))


def detail_no_text_layer(queryset, today):
    files = _count(_scanned_files(), "document")
    return queryset.annotate(scanned_files=files)


def explain_no_text_layer(document):
    return ngettext(
        "%(count)d PDF file has no text layer (a scan): the search cannot read it. "
        "Upload a copy with text, or its text as a .txt file.",
        "%(count)d PDF files have no text layer (scans): the search cannot read "
        "them. Upload copies with text, or their text as .txt files.",
        document.scanned_files,
    ) % {"count": document.scanned_files}


# --- Legal status that its parties' steps contradict (agreements.steps) -------------


def find_status_contradicts_steps(filters, today):
    return _documents(filters).filter(
        pk__in=contradicted_ids(_documents(filters), today)
    )
