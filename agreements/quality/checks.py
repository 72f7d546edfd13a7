"""The checks, in the order the queue shows them, and the overview that runs them."""

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ..models import Action, Body, Document, Event, Relation, Topic
from ..steps.queries import explain_contradiction
from .finders import (
    all_columns,
    detail_actions,
    detail_duplicates,
    detail_event_count_mismatch,
    detail_follow_up_contradiction,
    detail_no_text_layer,
    detail_relations,
    detail_without_partner_title,
    detail_without_signatory,
    duplicate_others,
    explain_duplicate,
    explain_event_count_mismatch,
    explain_follow_up_contradiction,
    explain_forecast_passed,
    explain_inferred_action,
    explain_inferred_document,
    explain_inferred_relation,
    explain_no_text_layer,
    explain_untranslated,
    explain_without_partner_title,
    explain_without_signatory,
    find_duplicates,
    find_event_count_mismatch,
    find_follow_up_contradiction,
    find_forecast_passed,
    find_inferred_actions,
    find_inferred_documents,
    find_inferred_relations,
    find_no_text_layer,
    find_status_contradicts_steps,
    find_untranslated_actions,
    find_untranslated_bodies,
    find_untranslated_documents,
    find_untranslated_events,
    find_untranslated_topics,
    find_without_partner_title,
    find_without_signatory,
    find_without_source,
)
from .queue import Check, Result

CHECKS = (
    Check(
        name="no-source",
        title=_("Documents without a source"),
        description=_("No source is cited for the document."),
        model=Document,
        find=find_without_source,
        explain=lambda document: gettext("No source is cited."),
    ),
    Check(
        name="no-signatory",
        title=_("Documents with a signatory not recorded"),
        description=_(
            "A party's signatory is empty: record it when a source names it."
        ),
        model=Document,
        find=find_without_signatory,
        detail=detail_without_signatory,
        explain=explain_without_signatory,
    ),
    Check(
        name="no-partner-title",
        title=_("Documents without a title in a partner's language"),
        description=_(
            "A party's country has a state language (the country's “state language”) "
            "and the document has no title in it."
        ),
        model=Document,
        find=find_without_partner_title,
        detail=detail_without_partner_title,
        explain=explain_without_partner_title,
    ),
    Check(
        name="event-count",
        title=_("Events whose recorded documents differ from the reported number"),
        description=_(
            "The sources report a number of documents, and the register holds "
            "another (published and unpublished documents alike)."
        ),
        model=Event,
        find=find_event_count_mismatch,
        detail=detail_event_count_mismatch,
        explain=explain_event_count_mismatch,
    ),
    Check(
        name="follow-up-contradiction",
        title=_("Follow-up status that contradicts the actions"),
        description=_(
            "“Completed” while an action is open, or “in progress” or “not started” "
            "while the document's actions are done (cancelled ones left out)."
        ),
        model=Document,
        find=find_follow_up_contradiction,
        detail=detail_follow_up_contradiction,
        explain=explain_follow_up_contradiction,
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
        find=find_status_contradicts_steps,
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
        find=find_forecast_passed,
        detail=detail_actions,
        daily=True,
        explain=explain_forecast_passed,
    ),
    Check(
        name="inferred-documents",
        title=_("Documents placed at an event by inference"),
        description=_(
            "That the document was signed at its event, or is one of the documents "
            "the sources count for it, is inferred."
        ),
        model=Document,
        find=find_inferred_documents,
        explain=explain_inferred_document,
    ),
    Check(
        name="inferred-actions",
        title=_("Actions linked to their document by inference"),
        description=_(
            "Follow-up the register links to a document by inference, or whose "
            "origin is not recorded."
        ),
        model=Action,
        find=find_inferred_actions,
        detail=detail_actions,
        explain=explain_inferred_action,
    ),
    Check(
        name="inferred-relations",
        title=_("Relations between documents that are inferred"),
        description=_("A link between two documents that no source states."),
        model=Relation,
        find=find_inferred_relations,
        detail=detail_relations,
        explain=explain_inferred_relation,
    ),
    Check(
        name="duplicates",
        title=_("Probable duplicates"),
        description=_(
            "Another document has the same title (in any case), or was signed the "
            "same day by the same first two parties."
        ),
        model=Document,
        find=find_duplicates,
        detail=detail_duplicates,
        explain=explain_duplicate,
        others=duplicate_others,
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
        find=find_untranslated_documents,
        detail=all_columns,
        explain=explain_untranslated(("summary",)),
    ),
    Check(
        name="untranslated-events",
        title=_("Events not yet in every language"),
        description=_(
            "A published event's title or description is in English and not yet in "
            "one of the other languages."
        ),
        model=Event,
        find=find_untranslated_events,
        explain=explain_untranslated(("title", "description")),
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
        find=find_untranslated_bodies,
        explain=explain_untranslated(("name", "short_name", "description")),
    ),
    Check(
        name="untranslated-topics",
        title=_("Topics not yet in every language"),
        description=_("A topic of published documents is named in English only."),
        model=Topic,
        find=find_untranslated_topics,
        explain=explain_untranslated(("name",)),
    ),
    Check(
        name="untranslated-actions",
        title=_("Follow-up not yet in every language"),
        description=_(
            "A published document's action has its title or description in English "
            "and not yet in one of the other languages."
        ),
        model=Action,
        find=find_untranslated_actions,
        detail=detail_actions,
        explain=explain_untranslated(("title", "description")),
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
        find=find_no_text_layer,
        detail=detail_no_text_layer,
        explain=explain_no_text_layer,
    ),
)

CHECKS_BY_NAME = {check.name: check for check in CHECKS}


def overview(filters, *, today, stamp, checks=None):
    """Every check's count and first items: a query a check, and one more for the
    items of each check that found any; none while they are cached."""
    return [
        Result(check, *check.preview(filters, today=today, stamp=stamp))
        for check in checks or CHECKS
    ]
