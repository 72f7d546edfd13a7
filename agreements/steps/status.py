"""The document's legal status, derived from its parties' steps and its own rule of
entry into force, and stored in ``Document.legal_status`` for filtering.

How it is derived (``derive_status``), first rule that applies:

1. A document recorded as expired or superseded keeps that status: no step records
   those ends. Nothing is derived.
2. Terminated: a party has denounced or withdrawn from it (a bilateral document
   ends with one side's withdrawal), on or before today. ``ended_on`` is the first
   such date.
3. Suspended: a party's latest step up to today is a suspension.
4. In force: the rule of entry into force gives a date, on or before today:
   - on signature: the document's date of signature;
   - on the date of the last notification: every party has notified the completion
     of its internal procedures, and the date is the latest of those notifications;
   - a number of days after the last notification: that date plus the days;
   - on a given date: that date.
   A notification known only to the month or the year gives no date.
5. Provisionally applied: every party applies it provisionally, on or before today.
6. Signed: the rule gives a date still to come (not yet in force).
7. Otherwise the steps say too little (the rule is unknown, a party's notification
   is not recorded): nothing is derived and the stored status stays as staff set
   it. A document whose rule is unknown is never derived to be in force.

A step dated after today does not count yet. ``recompute_legal_status`` stores what
is derived, with a history entry; the data-quality check ``status-contradicts-steps``
lists documents whose stored status differs from what their steps derive today.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from ..models import DatePrecision, Document, PartyStep, StepKind
from ..services import bump_version

Status = Document.LegalStatus
Rule = Document.EntryIntoForce

#: Statuses no step leads to or away from.
KEPT_STATUSES = (Status.EXPIRED, Status.SUPERSEDED)

#: The reason stored in the document's history when its status is derived.
CHANGE_REASON = "derived from the parties' steps"


@dataclass(frozen=True)
class Derived:
    """What the steps say: the status and its dates."""

    status: str
    entered_into_force_on: datetime.date | None
    ended_on: datetime.date | None

    def differs_from(self, document) -> bool:
        return (
            self.status != document.legal_status
            or self.entered_into_force_on != document.entered_into_force_on
            or self.ended_on != document.ended_on
        )


def entry_into_force_date(document, steps_by_party, party_ids):
    """The date the rule gives, or ``None`` when the steps do not give one."""
    rule = document.entry_into_force_rule
    if rule == Rule.SIGNATURE:
        return document.signed_on
    if rule == Rule.FIXED_DATE:
        return document.entry_into_force_date
    if rule not in (Rule.LAST_NOTIFICATION, Rule.DAYS_AFTER_NOTIFICATION):
        return None
    notified = []
    for party_id in party_ids:
        notifications = [
            step
            for step in steps_by_party.get(party_id, ())
            if step.kind == StepKind.NOTIFICATION
        ]
        if not notifications:
            return None
        first = min(notifications, key=lambda step: step.happened_on)
        if first.date_precision != DatePrecision.DAY:
            return None
        notified.append(first.happened_on)
    if not notified:
        return None
    last = max(notified)
    if rule == Rule.DAYS_AFTER_NOTIFICATION:
        if document.entry_into_force_days is None:
            return None
        return last + datetime.timedelta(days=document.entry_into_force_days)
    return last


def derive_status(*, document, party_ids, steps, today) -> Derived | None:
    """What ``document``'s parties (``party_ids``) and their ``steps`` say of its
    legal status on ``today`` (see the module's rules), or ``None`` when they say
    too little."""
    if document.legal_status in KEPT_STATUSES or not party_ids:
        return None
    steps_by_party = defaultdict(list)
    for step in steps:
        if step.happened_on <= today:
            steps_by_party[step.party_id].append(step)
    in_force_on = entry_into_force_date(document, steps_by_party, party_ids)
    if in_force_on is not None and in_force_on < document.signed_on:
        return None  # contradicts the signature: for staff to correct
    known_in_force = (
        in_force_on
        if in_force_on is not None and in_force_on <= today
        else document.entered_into_force_on
    )

    withdrawals = [
        step.happened_on
        for party_steps in steps_by_party.values()
        for step in party_steps
        if step.kind == StepKind.WITHDRAWAL
    ]
    if withdrawals:
        if min(withdrawals) < document.signed_on:
            return None  # a withdrawal known to the year only, before the signature
        return Derived(Status.TERMINATED, known_in_force, min(withdrawals))

    for party_steps in steps_by_party.values():
        latest = max(party_steps, key=lambda step: (step.happened_on, step.pk or 0))
        if latest.kind == StepKind.SUSPENSION:
            return Derived(Status.SUSPENDED, known_in_force, document.ended_on)

    if in_force_on is not None and in_force_on <= today:
        return Derived(Status.IN_FORCE, in_force_on, None)

    if all(
        any(
            step.kind == StepKind.PROVISIONAL_APPLICATION
            for step in steps_by_party.get(party_id, ())
        )
        for party_id in party_ids
    ):
        return Derived(Status.PROVISIONAL, None, None)

    if in_force_on is not None:
        return Derived(Status.SIGNED, None, None)
    return None


def derived_for(document, *, today=None) -> Derived | None:
    """``derive_status`` for a stored document: two queries (parties, steps)."""
    party_ids = list(document.parties.order_by().values_list("pk", flat=True))
    steps = PartyStep.objects.filter(party__document=document).only(
        "party_id", "kind", "happened_on", "date_precision"
    )
    return derive_status(
        document=document,
        party_ids=party_ids,
        steps=list(steps),
        today=today or timezone.localdate(),
    )


# --- Services -------------------------------------------------------------------------


def recompute_legal_status(
    *,
    document: Document,
    user: AbstractBaseUser | None = None,
    today: datetime.date | None = None,
) -> Derived | None:
    """Store what ``document``'s steps derive (``derive_status``), with a history
    entry naming ``user``; returns what was stored, or ``None`` when nothing changed
    (the steps say too little, or the stored status already agrees).

    The document is locked and read again first, so two steps recorded at once
    each derive from the other's. Its version moves: a form opened before would
    write the old status back.
    """
    with transaction.atomic():
        stored = (
            Document.objects.select_for_update(no_key=True)
            .defer("search_text", "search_vector")
            .get(pk=document.pk)
        )
        derived = derived_for(stored, today=today)
        if derived is None or not derived.differs_from(stored):
            return None
        stored.legal_status = derived.status
        stored.entered_into_force_on = derived.entered_into_force_on
        stored.ended_on = derived.ended_on
        stored._history_user = user
        stored._change_reason = CHANGE_REASON
        stored.save(
            update_fields=[
                "legal_status",
                "entered_into_force_on",
                "ended_on",
                "updated_at",
            ]
        )
        bump_version(model=Document, pk=stored.pk)
    document.legal_status = derived.status
    document.entered_into_force_on = derived.entered_into_force_on
    document.ended_on = derived.ended_on
    return derived


def record_step(*, step: PartyStep, user: AbstractBaseUser | None = None) -> PartyStep:
    """Save ``step`` (new or changed) after ``full_clean()``, then store the legal
    status its document's steps now derive."""
    step.full_clean()
    with transaction.atomic():
        step._history_user = user
        step.save()
        recompute_legal_status(document=step.party.document, user=user)
    return step


def delete_step(*, step: PartyStep, user: AbstractBaseUser | None = None) -> None:
    """Delete ``step``, then store the legal status the remaining steps derive."""
    document = step.party.document
    with transaction.atomic():
        step._history_user = user
        step.delete()
        recompute_legal_status(document=document, user=user)
