"""Follow-up reads computed in the database: ``annotate_progress``,
``stale_documents``, ``event_progress``, ``filter_documents``, and
``document_followup`` for the block on a document's page.
``Action.objects.overdue()`` and friends live on the model's QuerySet.

Every function that depends on the date takes ``today`` (default
``timezone.localdate()``), so tests fix the day without patching the clock.
"""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from ..models import (
    Action,
    ActionCitation,
    Body,
    Document,
    Event,
    Party,
    ProgressUpdate,
)
from ..models.followup import LATE_KINDS
from ..search import language_columns

#: A document in progress (or not started) with no news for this long is stale.
STALE_AFTER_DAYS = 180
#: Follow-up statuses under which silence means something has stalled.
WATCHED_STATUSES = (
    Document.FollowUpStatus.NOT_STARTED,
    Document.FollowUpStatus.IN_PROGRESS,
)
#: Cancelled actions do not count towards a document's progress.
COUNTED_STATUSES = tuple(s for s in Action.Status if s != Action.Status.CANCELLED)


def default_today(today: datetime.date | None) -> datetime.date:
    return today or timezone.localdate()


def annotate_progress(
    documents: QuerySet[Document], *, today: datetime.date | None = None
) -> QuerySet[Document]:
    """Add ``actions_total`` (cancelled ones left out), ``actions_done``,
    ``actions_overdue`` and ``actions_percent`` (done of total, None without actions),
    ``last_update`` (the date of the latest update, or None)."""
    today = default_today(today)
    documents = documents.annotate(
        actions_total=Count(
            "actions", filter=Q(actions__status__in=COUNTED_STATUSES), distinct=True
        ),
        actions_done=Count(
            "actions", filter=Q(actions__status=Action.Status.DONE), distinct=True
        ),
        actions_overdue=Count(
            "actions",
            filter=Q(
                actions__status__in=Action.OPEN_STATUSES,
                actions__due_kind__in=LATE_KINDS,
                actions__due_on__lt=today,
            ),
            distinct=True,
        ),
        last_update=Max("updates__happened_on"),
    )
    return documents.annotate(
        actions_percent=Case(
            When(actions_total=0, then=Value(None)),
            default=F("actions_done") * 100 / F("actions_total"),
            output_field=IntegerField(),
        )
    )


def stale_documents(
    documents: QuerySet[Document],
    *,
    today: datetime.date | None = None,
    days: int = STALE_AFTER_DAYS,
) -> QuerySet[Document]:
    """Documents not started or in progress with no news for more than ``days``.

    "News" is the latest update, or the signature when there is none yet, so a
    document signed last month is not stale for want of updates. Annotates
    ``last_update`` (None without updates) and ``quiet_since``.
    """
    cutoff = default_today(today) - datetime.timedelta(days=days)
    return (
        documents.filter(follow_up_status__in=WATCHED_STATUSES)
        .annotate(last_update=Max("updates__happened_on"))
        .annotate(quiet_since=Coalesce(F("last_update"), F("signed_on")))
        .filter(quiet_since__lt=cutoff)
    )


def event_progress(
    events: QuerySet[Event], *, published_only: bool = True
) -> QuerySet[Event]:
    """Add ``actions_total`` (cancelled ones left out) and ``actions_done`` over the
    actions of the event's (published) documents."""
    published = Q(documents__is_published=True) if published_only else Q()
    return events.annotate(
        actions_total=Count(
            "documents__actions",
            filter=published & Q(documents__actions__status__in=COUNTED_STATUSES),
            distinct=True,
        ),
        actions_done=Count(
            "documents__actions",
            filter=published & Q(documents__actions__status=Action.Status.DONE),
            distinct=True,
        ),
    )


def with_party_from(
    queryset: QuerySet, country_codes: Sequence[str], *, document: str = "pk"
) -> QuerySet:
    """``queryset`` (of documents, or of records of the document ``document`` names)
    kept to those with a party from each country in ``country_codes``.

    A scalar subquery a code rather than ``EXISTS``: PostgreSQL turns ``EXISTS`` into
    a join and, misjudging how many parties a big partner has (Kazakhstan: 60% of the
    demo register), first collects every document with one; a scalar subquery is
    asked row by row as the query walks its index, so a capped list stops early.
    """
    for number, code in enumerate(country_codes):
        party = (
            Party.objects.filter(
                document_id=OuterRef(document), body__country__code=code.upper()
            )
            .order_by()
            .values("pk")[:1]
        )
        name = f"_party_from_{number}"
        queryset = queryset.alias(**{name: Subquery(party)}).filter(
            **{f"{name}__isnull": False}
        )
    return queryset


def filter_documents(
    documents: QuerySet[Document],
    *,
    country_codes: Sequence[str] = (),
    body_slugs: Sequence[str] = (),
) -> QuerySet[Document]:
    """Documents with a party from each country, and involving each body (as a party
    or as responsible for one of its actions): the list's AND semantics."""
    documents = with_party_from(documents, country_codes)
    for slug in body_slugs:
        party = Party.objects.filter(document_id=OuterRef("pk"), body__slug=slug)
        responsible = Action.objects.filter(
            document_id=OuterRef("pk"), responsible_bodies__slug=slug
        )
        documents = documents.filter(Q(Exists(party)) | Q(Exists(responsible)))
    return documents


def responsible_bodies(to_attr: str = "responsible") -> Prefetch:
    """An action's responsible bodies, by name, as a list on ``to_attr``."""
    return Prefetch(
        "responsible_bodies",
        queryset=Body.objects.order_by("name", "id").only("name", "short_name", "slug"),
        to_attr=to_attr,
    )


@dataclass(frozen=True)
class ActionGroup:
    """Actions of one origin with their progress: ``done`` of ``total``
    (cancelled ones left out)."""

    actions: list[Action]
    done: int
    total: int


def _group(actions: list[Action]) -> ActionGroup:
    counted = [action for action in actions if action.status in COUNTED_STATUSES]
    return ActionGroup(
        actions=actions,
        done=sum(action.status == Action.Status.DONE for action in counted),
        total=len(counted),
    )


@dataclass(frozen=True)
class DocumentFollowUp:
    """What a document's page shows of its follow-up: the commitments the document
    makes (quoted from its text or reported by a source) apart from the follow-up
    the register links to it by inference, each action soonest first with its
    ``responsible`` bodies, its ``sources`` (citations), its ``dates`` (the dated
    statements, oldest first, the last being the current date) and the day's flags;
    and the document's updates, newest first."""

    commitments: ActionGroup
    related: ActionGroup
    updates: list[ProgressUpdate]
    #: the newest sourced update that gave the document its follow-up status
    status_source: ProgressUpdate | None = None

    def shown_status(self, status):
        """The follow-up status to show: ``status`` when a sourced update gave it,
        otherwise unknown (a status with no source is never shown as a fact)."""
        if status == Document.FollowUpStatus.UNKNOWN or self.status_source:
            return status
        return Document.FollowUpStatus.UNKNOWN

    @property
    def actions(self):
        return self.commitments.actions + self.related.actions


def document_followup(
    document: Document, *, today: datetime.date | None = None
) -> DocumentFollowUp | None:
    """The follow-up block of a published ``document`` (None for an unpublished one),
    in four queries however many actions and updates: the actions, their bodies,
    their sources, the updates with their action and source. Staff-only fields are
    never read."""
    if document is None or not document.is_published:
        return None
    if not getattr(document, "has_followup", True):
        # read with selectors.document_sections: no action and no update to query
        return DocumentFollowUp(commitments=_group([]), related=_group([]), updates=[])
    today = default_today(today)
    actions = list(
        Action.objects.filter(document=document)
        .with_flags(today)
        .only(
            "slug",
            "title",
            "description",
            "clause",
            "basis",
            "due_on",
            "due_kind",
            "due_precision",
            "status",
            "completed_on",
        )
        .prefetch_related(
            responsible_bodies(),
            Prefetch(
                "citations",
                queryset=ActionCitation.objects.select_related("source").only(
                    "action_id",
                    "confidence",
                    "claim",
                    "note",
                    "source__url",
                    "source__publisher",
                    "source__title",
                    "source__published_on",
                    "source__accessed_on",
                ),
                to_attr="sources",
            ),
        )
    )
    updates = list(
        ProgressUpdate.objects.filter(document=document)
        .select_related("action", "source")
        .only(
            "happened_on",
            "date_precision",
            "title",
            "text",
            "status_before",
            "status_after",
            "confidence",
            "expected_on",
            "expected_precision",
            "expected_kind",
            "stated_by",
            "action__slug",
            *language_columns("action__title"),
            "source__url",
            "source__publisher",
            "source__title",
            "source__published_on",
            "source__accessed_on",
        )
    )
    dates = {}
    for update in reversed(updates):  # oldest first
        if update.expected_on:
            dates.setdefault(update.action_id, []).append(update)
    for action in actions:
        action.dates = dates.get(action.pk, [])
        if action.due_on:
            action.days_overdue = (today - action.due_on).days
            action.days_left = -action.days_overdue
    status_source = next(
        (
            update
            for update in updates
            if update.action_id is None
            and update.source_id
            and update.status_after == document.follow_up_status
        ),
        None,
    )
    return DocumentFollowUp(
        commitments=_group([a for a in actions if a.is_commitment]),
        related=_group([a for a in actions if not a.is_commitment]),
        updates=updates,
        status_source=status_source,
    )
