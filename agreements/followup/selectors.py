"""Follow-up reads computed in the database: ``annotate_progress``,
``stale_documents``, ``event_progress``, ``filter_documents``.
``Action.objects.overdue()`` and friends live on the model's QuerySet.

Every function that depends on the date takes ``today`` (default
``timezone.localdate()``), so tests fix the day without patching the clock.
"""

import datetime
from collections.abc import Sequence

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    Max,
    OuterRef,
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
    Document,
    Event,
    Party,
)

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
                actions__status__in=Action.OPEN_STATUSES, actions__due_on__lt=today
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
