"""Follow-up: the services that change statuses, the derived facts, the reminders and
the calendar.

- Writes: ``create_action``, ``record_update`` (the only way a document's follow-up
  status or an action's status changes: each change is a dated ``ProgressUpdate``),
  ``mark_actions_done`` and ``record_follow_up_status`` for the admin's bulk actions.
- Reads computed in the database: ``annotate_progress``, ``stale_documents``,
  ``event_progress``, ``filter_documents``; ``Action.objects.overdue()`` and friends
  live on the model's QuerySet.
- ``build_reminders`` (used by ``send_followup_reminders``) and ``build_calendar``.

Every function that depends on the date takes ``today`` (default
``timezone.localdate()``), so tests fix the day without patching the clock.
"""

import datetime
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

import icalendar
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
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
from django.utils.dateformat import format as date_format
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .labels import choice_label
from .models import (
    Action,
    Body,
    Confidence,
    DatePrecision,
    Document,
    Event,
    Party,
    ProgressUpdate,
    Source,
)
from .models.followup import DUE_SOON_DAYS

#: A document in progress (or not started) with no news for this long is stale.
STALE_AFTER_DAYS = 180
#: Follow-up statuses under which silence means something has stalled.
WATCHED_STATUSES = (
    Document.FollowUpStatus.NOT_STARTED,
    Document.FollowUpStatus.IN_PROGRESS,
)
#: Cancelled actions do not count towards a document's progress.
COUNTED_STATUSES = tuple(s for s in Action.Status if s != Action.Status.CANCELLED)

CALENDAR_NAME = "Register of signed bilateral documents: follow-up"
PRODID = "-//Register of signed bilateral documents//Follow-up calendar//EN"


def _today(today: datetime.date | None) -> datetime.date:
    return today or timezone.localdate()


# --- Writes ---------------------------------------------------------------------------


def create_action(
    *,
    document: Document,
    title: str,
    responsible_bodies: Iterable[Body],
    slug: str = "",
    description: str = "",
    clause: str = "",
    due_on: datetime.date | None = None,
    focal_person: str = "",
    contact_email: str = "",
    user: AbstractBaseUser | None = None,
    today: datetime.date | None = None,
) -> Action:
    """Add a commitment to a document; it starts as planned.

    Its status then changes only through ``record_update``. The slug defaults to the
    title's. Refuses an action with no responsible body or due before the signature.
    """
    bodies = list(responsible_bodies)
    action = Action(
        document=document,
        slug=slug or slugify(title)[:120],
        title=title,
        description=description,
        clause=clause,
        due_on=due_on,
        focal_person=focal_person,
        contact_email=contact_email,
    )
    errors = {}
    try:
        action.full_clean(today=today)
    except ValidationError as error:
        errors = error.update_error_dict(errors)
    if not bodies:
        errors["responsible_bodies"] = [_("Name at least one responsible body.")]
    if errors:
        raise ValidationError(errors)
    action._history_user = user
    with transaction.atomic():
        action.save()
        action.responsible_bodies.set(bodies)
    return action


def record_update(
    *,
    document: Document,
    action: Action | None = None,
    happened_on: datetime.date,
    title: str,
    text: str = "",
    status_after: str,
    date_precision: str = DatePrecision.DAY,
    source: Source | None = None,
    confidence: str = Confidence.REPORTED,
    user: AbstractBaseUser | None = None,
    today: datetime.date | None = None,
) -> ProgressUpdate:
    """Record what happened on ``happened_on`` and move the status to ``status_after``.

    About the document as a whole when ``action`` is None (``status_after`` is then a
    ``Document.FollowUpStatus``), else about that action of the document (an
    ``Action.Status``; a change to done sets its completion date to ``happened_on``,
    a change to anything else clears it). The entry keeps the status before and
    after; entry and status change are saved in one transaction, with history naming
    ``user``. ``status_after`` may equal the current status: the entry then records
    progress without a change, and may be dated before earlier entries (a late
    find); an entry that changes the status must be the latest of its subject, so
    the timeline reads as one chain.

    Raises ``ValidationError`` naming the field: a date in the future or before the
    signature or, for a change of status, before the subject's latest entry; a status
    of the wrong kind; an action of another document.
    """
    with transaction.atomic():
        if action is not None:
            if action.document_id != document.pk:
                raise ValidationError(
                    {"action": _("The action must be one of this document's.")}
                )
            subject = Action.objects.select_for_update().get(pk=action.pk)
            status_before = subject.status
        else:
            subject = Document.objects.select_for_update().get(pk=document.pk)
            status_before = subject.follow_up_status
        update = ProgressUpdate(
            document=document,
            action=action,
            happened_on=happened_on,
            date_precision=date_precision,
            title=title,
            text=text,
            status_before=status_before,
            status_after=status_after,
            source=source,
            confidence=confidence,
            recorded_by=user,
        )
        update.full_clean(today=today)
        later = ProgressUpdate.objects.filter(
            document=document, action=action, happened_on__gt=happened_on
        )
        if status_after != status_before and later.exists():
            raise ValidationError(
                {
                    "happened_on": _(
                        "A later update is already recorded, so this one cannot "
                        "change the current status; record it with the current "
                        "status."
                    )
                }
            )
        update._history_user = user
        update.save()

        if status_after == status_before:
            return update
        if action is not None:
            completed_on = happened_on if status_after == Action.Status.DONE else None
            subject.status, subject.completed_on = status_after, completed_on
            subject.full_clean(today=today)
            subject._history_user = user
            subject.save(update_fields=["status", "completed_on", "updated_at"])
            action.status, action.completed_on = status_after, completed_on
        else:
            subject.follow_up_status = status_after
            subject.full_clean()
            subject._history_user = user
            subject.save(update_fields=["follow_up_status", "updated_at"])
            document.follow_up_status = status_after
    return update


def mark_actions_done(
    *,
    actions: Iterable[Action],
    happened_on: datetime.date,
    user: AbstractBaseUser | None = None,
    source: Source | None = None,
    confidence: str = Confidence.REPORTED,
    today: datetime.date | None = None,
) -> list[ProgressUpdate]:
    """Mark the actions done on ``happened_on``, recording one update per action.

    For the admin's bulk action. Actions already done are left alone. All or
    nothing: a refused action (e.g. a date before its document's signature) raises
    ``ValidationError`` with the action's title in each message, and nothing is saved.
    """
    if isinstance(actions, QuerySet):
        actions = actions.select_related("document")
    updates = []
    with transaction.atomic():
        for action in actions:
            if action.status == Action.Status.DONE:
                continue
            try:
                updates.append(
                    record_update(
                        document=action.document,
                        action=action,
                        happened_on=happened_on,
                        title=_("Done: %(action)s") % {"action": action.title},
                        status_after=Action.Status.DONE,
                        source=source,
                        confidence=confidence,
                        user=user,
                        today=today,
                    )
                )
            except ValidationError as error:
                by_field = (
                    error.message_dict
                    if hasattr(error, "error_dict")
                    else {NON_FIELD_ERRORS: error.messages}
                )
                raise ValidationError(
                    {
                        field: [f"{action.title}: {message}" for message in messages]
                        for field, messages in by_field.items()
                    }
                ) from error
    return updates


def record_follow_up_status(
    *,
    documents: Iterable[Document],
    status: str,
    happened_on: datetime.date,
    title: str,
    text: str = "",
    user: AbstractBaseUser | None = None,
    source: Source | None = None,
    confidence: str = Confidence.REPORTED,
    today: datetime.date | None = None,
) -> list[ProgressUpdate]:
    """Move each document whose follow-up status differs to ``status``, recording a
    document update for each (the admin's "set follow-up status" bulk action)."""
    updates = []
    with transaction.atomic():
        for document in documents:
            if document.follow_up_status == status:
                continue
            updates.append(
                record_update(
                    document=document,
                    happened_on=happened_on,
                    title=title,
                    text=text,
                    status_after=status,
                    source=source,
                    confidence=confidence,
                    user=user,
                    today=today,
                )
            )
    return updates


# --- Reads computed in the database ---------------------------------------------------


def annotate_progress(
    documents: QuerySet[Document], *, today: datetime.date | None = None
) -> QuerySet[Document]:
    """Add ``actions_total`` (cancelled ones left out), ``actions_done``,
    ``actions_overdue`` and ``actions_percent`` (done of total, None without actions),
    ``last_update`` (the date of the latest update, or None)."""
    today = _today(today)
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
    cutoff = _today(today) - datetime.timedelta(days=days)
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


# --- Reminders ------------------------------------------------------------------------


@dataclass(frozen=True)
class Reminder:
    """One digest for one address: its overdue and due-soon actions."""

    recipient: str
    subject: str
    body: str
    overdue: tuple[Action, ...]
    due_soon: tuple[Action, ...]


def build_reminders(
    *,
    today: datetime.date | None = None,
    base_url: str = "",
    staff_email: str | None = None,
    days: int = DUE_SOON_DAYS,
) -> list[Reminder]:
    """The digests to send on ``today``: one per contact address of the published
    documents' overdue or due-soon actions, listing those actions, and one to
    ``staff_email`` listing them all (it replaces the contact digest when the
    staff address is also a contact address). Two queries whatever the number."""
    today = _today(today)
    actions = list(
        Action.objects.published()
        .open()
        .filter(due_on__lte=today + datetime.timedelta(days=days))
        .with_flags(today, days)
        .select_related("document")
        .prefetch_related("responsible_bodies")
        .order_by("due_on", "title", "id")
    )
    by_recipient = defaultdict(list)
    for action in actions:
        if action.contact_email:
            by_recipient[action.contact_email.strip().lower()].append(action)
    staff_email = (staff_email or "").strip().lower()
    if staff_email and actions:
        by_recipient[staff_email] = actions
    return [
        _digest(
            recipient,
            listed,
            today=today,
            base_url=base_url,
            days=days,
            for_staff=recipient == staff_email,
        )
        for recipient, listed in sorted(by_recipient.items())
    ]


def _digest(recipient, actions, *, today, base_url, days, for_staff):
    overdue = tuple(a for a in actions if a.is_overdue)
    due_soon = tuple(a for a in actions if a.is_due_soon)
    subject = _("Follow-up: %(overdue)d overdue, %(soon)d due within %(days)d days") % {
        "overdue": len(overdue),
        "soon": len(due_soon),
        "days": days,
    }
    if for_staff:
        subject += _(" (all bodies)")
    lines = [
        _("Follow-up of the register of signed bilateral documents, %(day)s.")
        % {"day": date_format(today, "j F Y")},
        "",
    ]
    for heading, listed in (
        (_("Overdue"), overdue),
        (_("Due within %(days)d days") % {"days": days}, due_soon),
    ):
        lines.append(f"{heading} ({len(listed)})")
        if not listed:
            lines.append(_("- none"))
        for action in listed:
            lines.extend(
                _digest_entry(
                    action, today=today, base_url=base_url, for_staff=for_staff
                )
            )
        lines.append("")
    lines.append(
        _(
            "Please record what has happened in the register, with its date and "
            "source: actions done or cancelled are no longer reminded."
        )
    )
    return Reminder(recipient, subject, "\n".join(lines), overdue, due_soon)


def _digest_entry(action, *, today, base_url, for_staff):
    bodies = "; ".join(str(body) for body in action.responsible_bodies.all())
    due = date_format(action.due_on, "j F Y")
    if action.is_overdue:
        late = (today - action.due_on).days
        due += " " + ngettext(
            "(%(days)d day overdue)", "(%(days)d days overdue)", late
        ) % {"days": late}
    entry = [
        f"- {due}: {action.title}",
        "  " + _("Document: %(title)s") % {"title": action.document.title},
        "  " + _("Responsible: %(bodies)s") % {"bodies": bodies or _("not recorded")},
        "  " + _("Status: %(status)s") % {"status": action.get_status_display()},
    ]
    if for_staff:
        contact = action.contact_email or _("none (only staff are reminded)")
        entry.append("  " + _("Contact: %(contact)s") % {"contact": contact})
    entry.append(f"  {base_url.rstrip('/')}{action.get_absolute_url()}")
    return entry


# --- Calendar -------------------------------------------------------------------------


def build_calendar(
    *,
    base_url: str,
    actions: QuerySet[Action] | None = None,
    documents: QuerySet[Document] | None = None,
    country_codes: Sequence[str] = (),
    body_slugs: Sequence[str] = (),
    name: str = CALENDAR_NAME,
    limit: int | None = None,
    today: datetime.date | None = None,
) -> bytes:
    """An iCalendar (RFC 5545) feed of the published documents' dates to watch.

    One all-day event per open action's due date, per entry into force and per end
    (``ended_on``, or else the expected ``valid_until``). Filtered like the list: a
    party from each country in ``country_codes``; each body in ``body_slugs`` a
    party or responsible for the action (for a document: for one of its actions).
    UIDs are built from slugs, so they survive a reload of the database, and DTSTAMP
    is the record's last change, so the same data gives the same bytes. Three queries
    whatever the number of events.

    With ``limit``, only the ``limit`` dates nearest ``today`` (the past and the
    future alike; a register of 100,000 documents has some 150,000 dates, more than
    a calendar application takes in a feed). Fifteen queries then, whatever the size
    of the register: the nearest dates before and after ``today`` of each kind (an
    index walked from ``today`` in each direction), then the chosen records.
    """
    actions = Action.objects.all() if actions is None else actions
    documents = Document.objects.all() if documents is None else documents
    actions = with_party_from(
        actions.published().open().filter(due_on__isnull=False),
        country_codes,
        document="document_id",
    ).involving_bodies(body_slugs)
    documents = filter_documents(
        documents.published().filter(
            Q(entered_into_force_on__isnull=False)
            | Q(ended_on__isnull=False)
            | Q(valid_until__isnull=False)
        ),
        country_codes=country_codes,
        body_slugs=body_slugs,
    ).prefetch_related(None)
    force = end = None  # the documents whose dates are wanted (None: all of them)
    if limit is not None:
        chosen = _nearest_dates(actions, documents, limit=limit, today=_today(today))
        # found through the filters already: fetched by id alone
        actions = Action.objects.filter(pk__in=chosen["due"])
        force, end = set(chosen["force"]), set(chosen["end"])
        documents = Document.objects.filter(pk__in=force | end)
    actions = actions.select_related("document").prefetch_related("responsible_bodies")

    base_url = base_url.rstrip("/")
    domain = urlsplit(base_url).hostname or "register.invalid"
    words = {
        "document": _("Document: %(title)s"),
        "status": _("Status: %(status)s"),
        "responsible": _("Responsible: %(bodies)s"),
        "clause": _("Clause: %(clause)s"),
        "due": _("Due: %(title)s"),
        "deadline": _("deadline"),
        "legal_status": _("Legal status: %(status)s"),
        "force": _("Entry into force: %(title)s"),
        "entry into force": _("entry into force"),
        "ended": _("End: %(title)s"),
        "valid_until": _("Validity ends: %(title)s"),
        "end": _("end"),
    }
    events = []  # (day, uid, properties)
    for action in actions:
        document = action.document
        bodies = "; ".join(str(body) for body in action.responsible_bodies.all())
        description = [
            words["document"] % {"title": document.title},
            words["status"] % {"status": choice_label("action_status", action.status)},
        ]
        if bodies:
            description.append(words["responsible"] % {"bodies": bodies})
        if action.clause:
            description.append(words["clause"] % {"clause": action.clause})
        uid = f"{document.slug}.{action.slug}.due@{domain}"
        events.append(
            (
                action.due_on,
                uid,
                {
                    "summary": words["due"] % {"title": action.title},
                    "description": "\n".join(description),
                    "url": base_url + action.get_absolute_url(),
                    "category": words["deadline"],
                    "changed": action.updated_at,
                },
            )
        )
    for document in documents:
        url = base_url + document.get_absolute_url()
        legal_status = words["legal_status"] % {
            "status": choice_label("status", document.legal_status)
        }
        if document.entered_into_force_on and (force is None or document.pk in force):
            events.append(
                (
                    document.entered_into_force_on,
                    f"{document.slug}.entry-into-force@{domain}",
                    {
                        "summary": words["force"] % {"title": document.title},
                        "description": legal_status,
                        "url": url,
                        "category": words["entry into force"],
                        "changed": document.updated_at,
                    },
                )
            )
        if (document.ended_on or document.valid_until) and (
            end is None or document.pk in end
        ):
            if document.ended_on:
                day, summary = document.ended_on, words["ended"]
            else:
                day, summary = document.valid_until, words["valid_until"]
            events.append(
                (
                    day,
                    f"{document.slug}.end@{domain}",
                    {
                        "summary": summary % {"title": document.title},
                        "description": "\n".join(
                            filter(None, [legal_status, document.validity_note])
                        ),
                        "url": url,
                        "category": words["end"],
                        "changed": document.updated_at,
                    },
                )
            )

    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    for day, uid, properties in sorted(events, key=lambda event: event[:2]):
        calendar.add_component(_calendar_event(uid=uid, day=day, **properties))
    return calendar.to_ical()


def _nearest_dates(actions, documents, *, limit, today):
    """The ids of the records of the ``limit`` dates nearest ``today``, by kind:
    ``{"due": action ids, "force": document ids, "end": document ids}``.

    Each kind of date gives its ``limit`` nearest on each side of ``today`` (the
    database walks an index from ``today`` in each direction and stops there), and
    the nearest ``limit`` of those are kept; ties go to the earlier date.
    """
    sources = (
        # one status at a time: each walks its part of the (status, due_on) index
        *(
            ("due", actions.filter(status=status), "due_on")
            for status in Action.OPEN_STATUSES
        ),
        ("force", documents, "entered_into_force_on"),
        ("end", documents, "ended_on"),
        # sorted by ended_on (null in all of them) too: PostgreSQL then walks the
        # (ended_on, valid_until) index in order and stops, instead of reading every
        # document with a validity and sorting it (it does not take "is null" as
        # fixing the index's first column): 50 ms to 9 ms for ?country=KZ
        ("end", documents.filter(ended_on__isnull=True), "valid_until", "ended_on"),
    )
    candidates = []
    for kind, queryset, field, *leading in sources:
        for lookup, descending in (("gte", ""), ("lt", "-")):
            order = [f"{descending}{column}" for column in (*leading, field)]
            rows = (
                queryset.filter(**{f"{field}__{lookup}": today})
                .order_by(*order, "pk")
                .values_list(field, "pk")[:limit]
            )
            candidates.extend(
                (abs((day - today).days), day, kind, pk) for day, pk in rows
            )
    chosen = {"due": [], "force": [], "end": []}
    for _distance, _day, kind, pk in sorted(candidates)[:limit]:
        chosen[kind].append(pk)
    return chosen


#: What an iCalendar text value cannot hold (RFC 5545, 3.3.11: no control character
#: but the tab; line breaks are written as "\\n" by the icalendar package, which
#: passes the others through, a lone carriage return included).
_NOT_IN_TEXT = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def _ical_text(value):
    """``value`` fit for an iCalendar text property: its line breaks kept (as
    ``\\n``), every other control character left out."""
    return _NOT_IN_TEXT.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))


def _calendar_event(*, uid, day, summary, description, url, category, changed):
    summary, description = _ical_text(summary), _ical_text(description)
    category = _ical_text(category)
    event = icalendar.Event()
    event.add("uid", uid)
    event.add("dtstamp", changed.astimezone(datetime.UTC))
    event.add("last-modified", changed.astimezone(datetime.UTC))
    event.add("dtstart", day)
    event.add("dtend", day + datetime.timedelta(days=1))
    event.add("summary", summary)
    if description:
        event.add("description", description)
    event.add("url", url)
    event.add("categories", [category])
    event.add("transp", "TRANSPARENT")
    return event
