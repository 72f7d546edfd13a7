"""The data-quality queue: what the register still lacks or contradicts.

Each ``Check`` finds one kind of gap (a document without a source, an event whose
recorded documents do not match the reported number, a forecast whose date has passed)
in one query: the matches are counted and the first ``PREVIEW`` of them picked in the
same query (a window count), and both are cached until the register changes
(``agreements.aggregates``), keyed on the check and the filters (and the day, for a
check that depends on it). Saying what is wrong with each of those is one more query
a check, whatever their number; its result (plain text and addresses) is cached the
same way, per language. The admin page (``agreements.admin.quality``) and the
``data_quality`` command read the same checks.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.db import models
from django.db.models import Count, Exists, F, OuterRef, Q, Subquery, Window
from django.db.models.functions import Coalesce, Lower
from django.urls import reverse
from django.utils.text import get_text_list
from django.utils.translation import get_language, get_language_info, gettext, ngettext
from django.utils.translation import gettext_lazy as _

from .aggregates import cached_aggregate
from .models import (
    Action,
    Attachment,
    Basis,
    Body,
    Confidence,
    Country,
    Document,
    DocumentCitation,
    DocumentTitle,
    Event,
    Party,
    Relation,
    Topic,
)
from .steps.queries import contradicted_ids, explain_contradiction

#: How many of a check's items the overview (and the cache) holds.
PREVIEW = 20

FollowUp = Document.FollowUpStatus


@dataclass(frozen=True)
class Filters:
    """Which part of the register to look at; empty values select everything."""

    country: str = ""  # ISO 3166-1 alpha-2, upper case: a party's country
    body: str = ""  # a body's slug: a party (or, for actions, a responsible body)
    kind: str = ""  # a Document.Kind
    language: str = ""  # a language the register's own text is missing in

    @property
    def key(self):
        return f"{self.country}:{self.body}:{self.kind}:{self.language}"

    @property
    def selects_everything(self):
        """No filter on which records (the language says only what they lack)."""
        return not (self.country or self.body or self.kind)


@dataclass(frozen=True)
class Item:
    """One thing to fix: the record, the address of its admin form, and why (plain
    data, so that it can be cached)."""

    pk: int
    label: str
    url: str
    explanation: str
    #: other records the explanation names, as (label, admin URL) pairs
    others: tuple = ()


@dataclass(frozen=True)
class Check:
    """One kind of gap. ``find(filters, today)`` is the ordered queryset of the
    records that have it; ``detail(queryset, today)`` adds what ``explain(obj)``
    needs to say what is wrong with each."""

    name: str
    title: str
    description: str
    model: type[models.Model]
    find: Callable
    explain: Callable
    detail: Callable = lambda queryset, today: queryset
    #: whether what it finds depends on the day (its cached values then last a day)
    daily: bool = False
    #: other records the explanation names: ``others(obj, url)`` gives
    #: ``(label, admin URL)`` pairs, ``url`` being the model's ``ChangeUrl``
    others: Callable = lambda obj, url: ()

    def rows(self, filters, today):
        """Every match, ready to be shown (slice it for a page)."""
        return self.detail(_shown(self.find(filters, today)), today)

    def key(self, filters, today):
        """What its cached values depend on: the check, the filters, and the day if
        it matters."""
        day = today.isoformat() if self.daily else ""
        return f"{self.name}:{filters.key}:{day}"

    def summary(self, filters, *, today, stamp):
        """``(count, ids of the first PREVIEW)``, cached until the register changes."""
        key = f"quality:{self.key(filters, today)}"

        def compute():
            picked = list(
                self.find(filters, today)
                .annotate(quality_total=Window(Count("*")))
                .values_list("pk", "quality_total")[:PREVIEW]
            )
            return (picked[0][1] if picked else 0, [pk for pk, _total in picked])

        return cached_aggregate(stamp, key, compute, per_language=False)

    def preview(self, filters, *, today, stamp):
        """``(count, the items of the first PREVIEW)``, both cached until the register
        changes (the items in the active language)."""
        count, ids = self.summary(filters, today=today, stamp=stamp)
        if not ids:
            return count, []
        key = f"quality-items:{self.key(filters, today)}:{get_language()}"
        return count, cached_aggregate(stamp, key, lambda: self.items_for(ids, today))

    def items_for(self, ids, today):
        """The items of the records ``ids``, in that order: one query."""
        if not ids:
            return []
        rows = self.detail(_shown(self.model.objects.filter(pk__in=ids)), today)
        found = {obj.pk: obj for obj in rows}
        return self.items([found[pk] for pk in ids if pk in found])

    def items(self, objs):
        """The items of ``objs``, rows of ``detail``."""
        url = ChangeUrl(self.model)
        return [
            Item(
                pk=obj.pk,
                label=_label(obj),
                url=url(obj.pk),
                explanation=self.explain(obj),
                others=tuple(self.others(obj, url)),
            )
            for obj in objs
        ]


@dataclass(frozen=True)
class Result:
    check: Check
    count: int
    items: list


class ChangeUrl:
    """The address of ``model``'s admin change form, for any primary key: reversed
    once, not once an item (a page lists up to 200 of them)."""

    _PK = "pk"

    def __init__(self, model):
        opts = model._meta
        url = reverse(
            f"admin:{opts.app_label}_{opts.model_name}_change", args=(self._PK,)
        )
        self.head, self.tail = url.rsplit(self._PK, 1)

    def __call__(self, pk):
        return f"{self.head}{pk}{self.tail}"


#: A document's long texts, which no item shows.
_LONG_TEXTS = ("summary", "validity_note", "search_text", "search_vector")


def _shown(queryset):
    """``queryset`` without the long texts of documents."""
    if queryset.model is Document:
        return queryset.defer(*_LONG_TEXTS)
    return queryset


def _label(obj):
    if isinstance(obj, Action):
        return gettext("%(action)s (of “%(document)s”)") % {
            "action": obj.title,
            "document": obj.document.title,
        }
    return str(obj)


def overview(filters, *, today, stamp, checks=None):
    """Every check's count and first items: a query a check, and one more for the
    items of each check that found any; none while they are cached."""
    return [
        Result(check, *check.preview(filters, today=today, stamp=stamp))
        for check in checks or CHECKS
    ]


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


def _find_without_source(filters, today):
    citations = DocumentCitation.objects.filter(document=OuterRef("pk"))
    return _documents(filters).filter(~Exists(citations))


# --- 2. Documents with a signatory not recorded ---------------------------------------


def _unsigned_parties():
    return Party.objects.filter(document=OuterRef("pk"), signatory_name="")


def _find_without_signatory(filters, today):
    return _documents(filters).filter(Exists(_unsigned_parties()))


def _detail_without_signatory(queryset, today):
    unsigned = _unsigned_parties().order_by("order", "pk")
    return queryset.annotate(
        unsigned_body=Subquery(unsigned.values("body__name")[:1]),
        unsigned_count=_count(_unsigned_parties(), "document"),
    )


def _explain_without_signatory(document):
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


def _find_without_partner_title(filters, today):
    return _documents(filters).filter(Exists(_parties_missing_their_title()))


def _detail_without_partner_title(queryset, today):
    languages = _parties_missing_their_title().order_by("order", "pk")
    languages = languages.values("body__country__language")
    # the first two parties' languages: a bilateral document's both sides
    return queryset.annotate(
        missing_language=Subquery(languages[:1]),
        missing_language_2=Subquery(languages[1:2]),
    )


def _explain_without_partner_title(document):
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


def _find_event_count_mismatch(filters, today):
    return (
        _events(filters)
        .filter(documents_reported__isnull=False)
        .with_recorded_count(published_only=False)
        .exclude(documents_recorded=F("documents_reported"))
    )


def _detail_event_count_mismatch(queryset, today):
    return queryset.with_recorded_count(published_only=False)


def _explain_event_count_mismatch(event):
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


def _find_follow_up_contradiction(filters, today):
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


def _detail_follow_up_contradiction(queryset, today):
    return queryset.annotate(
        open_count=_count(_open_actions(), "document"),
        done_count=_count(_done_actions(), "document"),
    )


def _explain_follow_up_contradiction(document):
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


def _find_forecast_passed(filters, today):
    # An action's date is its latest statement's (record_update keeps it), so a
    # passed forecast is one no newer source has replaced.
    return _actions(filters).forecast_passed(today)


def _detail_actions(queryset, today):
    return queryset.select_related("document").defer(
        *(f"document__{name}" for name in _LONG_TEXTS)
    )


def _explain_forecast_passed(action):
    return gettext(
        "The forecast date, %(date)s, has passed, and no later date is recorded."
    ) % {"date": action.due_display}


# --- 7. Facts that rest only on an inference ------------------------------------------


def _find_inferred_documents(filters, today):
    return _documents(filters).filter(
        Q(event_confidence=Confidence.INFERRED)
        | Q(event_signing_confidence=Confidence.INFERRED)
    )


def _explain_inferred_document(document):
    facts = []
    if document.event_signing_confidence == Confidence.INFERRED:
        facts.append(gettext("its signing at the event"))
    if document.event_confidence == Confidence.INFERRED:
        facts.append(gettext("its place among the event's reported documents"))
    return gettext("Inferred, not stated by a source: %(facts)s.") % {
        "facts": get_text_list(facts, gettext("and"))
    }


def _find_inferred_actions(filters, today):
    return _actions(filters).filter(basis__in=(Basis.INFERRED, ""))


def _explain_inferred_action(action):
    if action.basis == Basis.INFERRED:
        return gettext(
            "Linked to the document by the register, not by a source that quotes "
            "or reports the commitment."
        )
    return gettext("Where it comes from is not recorded.")


def _find_inferred_relations(filters, today):
    return _relations(filters).filter(confidence=Confidence.INFERRED)


def _detail_relations(queryset, today):
    return queryset.select_related("from_document", "to_document").only(
        "kind", "confidence", "from_document__title", "to_document__title"
    )


def _explain_inferred_relation(relation):
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


def _find_duplicates(filters, today):
    return (
        _documents(filters)
        .alias(first_body=_party_body(1), second_body=_party_body(2))
        .filter(Q(Exists(_same_title())) | Q(Exists(_same_parties())))
    )


def _detail_duplicates(queryset, today):
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


def _explain_duplicate(document):
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


def _duplicate_others(document, url):
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


def _explain_untranslated(fields):
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


def _all_columns(queryset, today):
    """The rows with every language's text (what ``_shown`` defers included)."""
    return queryset.defer(None).defer("search_text", "search_vector")


def _find_untranslated_documents(filters, today):
    return (
        _documents(filters)
        .filter(is_published=True)
        .filter(_untranslated(("summary",), filters))
    )


def _find_untranslated_events(filters, today):
    return (
        _events(filters)
        .filter(is_published=True)
        .filter(_untranslated(("title", "description"), filters))
    )


def _find_untranslated_bodies(filters, today):
    queryset = Body.objects.public().order_by("name_en_gb", "pk")
    if filters.country:
        queryset = queryset.filter(country__code=filters.country)
    if filters.body:
        queryset = queryset.filter(slug=filters.body)
    return queryset.filter(
        _untranslated(("name", "short_name", "description"), filters)
    )


def _find_untranslated_topics(filters, today):
    in_use = Document.objects.filter(
        _document_condition(filters), is_published=True, topics=OuterRef("pk")
    )
    return (
        Topic.objects.filter(Exists(in_use))
        .filter(_untranslated(("name",), filters))
        .order_by("name_en_gb", "pk")
    )


def _find_untranslated_actions(filters, today):
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


def _find_no_text_layer(filters, today):
    return _documents(filters).filter(Exists(_scanned_files()))


def _detail_no_text_layer(queryset, today):
    files = _count(_scanned_files(), "document")
    return queryset.annotate(scanned_files=files)


def _explain_no_text_layer(document):
    return ngettext(
        "%(count)d PDF file has no text layer (a scan): the search cannot read it. "
        "Upload a copy with text, or its text as a .txt file.",
        "%(count)d PDF files have no text layer (scans): the search cannot read "
        "them. Upload copies with text, or their text as .txt files.",
        document.scanned_files,
    ) % {"count": document.scanned_files}


# --- Legal status that its parties' steps contradict (agreements.steps) -------------


def _find_status_contradicts_steps(filters, today):
    return _documents(filters).filter(
        pk__in=contradicted_ids(_documents(filters), today)
    )


# --- The checks -----------------------------------------------------------------------


CHECKS = (
    Check(
        name="no-source",
        title=_("Documents without a source"),
        description=_("No source is cited for the document."),
        model=Document,
        find=_find_without_source,
        explain=lambda document: gettext("No source is cited."),
    ),
    Check(
        name="no-signatory",
        title=_("Documents with a signatory not recorded"),
        description=_(
            "A party's signatory is empty: record it when a source names it."
        ),
        model=Document,
        find=_find_without_signatory,
        detail=_detail_without_signatory,
        explain=_explain_without_signatory,
    ),
    Check(
        name="no-partner-title",
        title=_("Documents without a title in a partner's language"),
        description=_(
            "A party's country has a state language (the country's “state language”) "
            "and the document has no title in it."
        ),
        model=Document,
        find=_find_without_partner_title,
        detail=_detail_without_partner_title,
        explain=_explain_without_partner_title,
    ),
    Check(
        name="event-count",
        title=_("Events whose recorded documents differ from the reported number"),
        description=_(
            "The sources report a number of documents, and the register holds "
            "another (published and unpublished documents alike)."
        ),
        model=Event,
        find=_find_event_count_mismatch,
        detail=_detail_event_count_mismatch,
        explain=_explain_event_count_mismatch,
    ),
    Check(
        name="follow-up-contradiction",
        title=_("Follow-up status that contradicts the actions"),
        description=_(
            "“Completed” while an action is open, or “in progress” or “not started” "
            "while the document's actions are done (cancelled ones left out)."
        ),
        model=Document,
        find=_find_follow_up_contradiction,
        detail=_detail_follow_up_contradiction,
        explain=_explain_follow_up_contradiction,
    ),
    Check(
        name="status-contradicts-steps",
        title=_("Legal status that the parties' steps contradict"),
        description=_(
            "The parties' steps and the document's rule of entry into force give "
            "another legal status, or another date of entry into force or end, than "
            "the one recorded."
        ),
        model=Document,
        find=_find_status_contradicts_steps,
        daily=True,
        explain=explain_contradiction,
    ),
    Check(
        name="forecast-passed",
        title=_("Forecasts past their date"),
        description=_(
            "Open actions measured against a forecast whose date has passed, with no "
            "newer date from a source."
        ),
        model=Action,
        find=_find_forecast_passed,
        detail=_detail_actions,
        daily=True,
        explain=_explain_forecast_passed,
    ),
    Check(
        name="inferred-documents",
        title=_("Documents placed at an event by inference"),
        description=_(
            "That the document was signed at its event, or is one of the documents "
            "the sources count for it, is inferred."
        ),
        model=Document,
        find=_find_inferred_documents,
        explain=_explain_inferred_document,
    ),
    Check(
        name="inferred-actions",
        title=_("Actions linked to their document by inference"),
        description=_(
            "Follow-up the register links to a document by inference, or whose "
            "origin is not recorded."
        ),
        model=Action,
        find=_find_inferred_actions,
        detail=_detail_actions,
        explain=_explain_inferred_action,
    ),
    Check(
        name="inferred-relations",
        title=_("Relations between documents that are inferred"),
        description=_("A link between two documents that no source states."),
        model=Relation,
        find=_find_inferred_relations,
        detail=_detail_relations,
        explain=_explain_inferred_relation,
    ),
    Check(
        name="duplicates",
        title=_("Probable duplicates"),
        description=_(
            "Another document has the same title (in any case), or was signed the "
            "same day by the same first two parties."
        ),
        model=Document,
        find=_find_duplicates,
        detail=_detail_duplicates,
        explain=_explain_duplicate,
        others=_duplicate_others,
    ),
    Check(
        name="untranslated-documents",
        title=_("Summaries not yet in every language"),
        description=_(
            "A published document's summary is in English and not yet in Russian, "
            "Kazakh or Azerbaijani (the language filter picks one). Its page in that "
            "language shows the English, marked as such."
        ),
        model=Document,
        find=_find_untranslated_documents,
        detail=_all_columns,
        explain=_explain_untranslated(("summary",)),
    ),
    Check(
        name="untranslated-events",
        title=_("Events not yet in every language"),
        description=_(
            "A published event's title or description is in English and not yet in "
            "one of the other languages."
        ),
        model=Event,
        find=_find_untranslated_events,
        explain=_explain_untranslated(("title", "description")),
    ),
    Check(
        name="untranslated-bodies",
        title=_("Bodies not yet named in every language"),
        description=_(
            "A public body's name, short name or description is in English only for "
            "a language. A body's name in a language is the name it uses itself: "
            "take it from an official source, never translate it."
        ),
        model=Body,
        find=_find_untranslated_bodies,
        explain=_explain_untranslated(("name", "short_name", "description")),
    ),
    Check(
        name="untranslated-topics",
        title=_("Topics not yet in every language"),
        description=_("A topic of published documents is named in English only."),
        model=Topic,
        find=_find_untranslated_topics,
        explain=_explain_untranslated(("name",)),
    ),
    Check(
        name="untranslated-actions",
        title=_("Follow-up not yet in every language"),
        description=_(
            "A published document's action has its title or description in English "
            "and not yet in one of the other languages."
        ),
        model=Action,
        find=_find_untranslated_actions,
        detail=_detail_actions,
        explain=_explain_untranslated(("title", "description")),
    ),
)

CHECKS += (
    Check(
        name="no-text-layer",
        title=_("Documents with a file without a text layer"),
        description=_(
            "A PDF file is a scan with no text to read: the search cannot find its "
            "words."
        ),
        model=Document,
        find=_find_no_text_layer,
        detail=_detail_no_text_layer,
        explain=_explain_no_text_layer,
    ),
)

CHECKS_BY_NAME = {check.name: check for check in CHECKS}


# --- The filter form ------------------------------------------------------------------


class FilterForm(forms.Form):
    """The queue's filters (and which check to list), from a query string or the
    command's options. Values that name nothing are errors, not an empty queue."""

    country = forms.CharField(
        label=_("Country (ISO code)"),
        required=False,
        max_length=2,
        widget=forms.TextInput(attrs={"size": 3}),
    )
    body = forms.SlugField(
        label=_("Body (slug)"),
        required=False,
        max_length=Body._meta.get_field("slug").max_length,
    )
    kind = forms.ChoiceField(
        label=_("Document kind"),
        required=False,
        choices=[("", _("Any kind")), *Document.Kind.choices],
    )
    language = forms.ChoiceField(
        label=_("Text missing in"),
        required=False,
        choices=[
            ("", _("Any other language")),
            *(
                (code, get_language_info(code)["name_translated"])
                for code in OTHER_LANGUAGES
            ),
        ],
    )
    check = forms.ChoiceField(
        label=_("Check"),
        required=False,
        choices=[("", _("All checks")), *((c.name, c.title) for c in CHECKS)],
    )

    def clean_country(self):
        code = self.cleaned_data["country"].strip().upper()
        if code and not Country.objects.filter(code=code).exists():
            raise forms.ValidationError(
                _("No country has the code “%(code)s”."), params={"code": code}
            )
        return code

    def clean_body(self):
        slug = self.cleaned_data["body"]
        if slug and not Body.objects.filter(slug=slug).exists():
            raise forms.ValidationError(
                _("No body has the slug “%(slug)s”."), params={"slug": slug}
            )
        return slug

    def filters(self):
        data = self.cleaned_data
        return Filters(
            country=data["country"],
            body=data["body"],
            kind=data["kind"],
            language=data.get("language", ""),
        )

    def checks(self):
        """The checks to run: the one chosen, or all."""
        name = self.cleaned_data["check"]
        return (CHECKS_BY_NAME[name],) if name else CHECKS
