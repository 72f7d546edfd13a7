"""Follow-up writes: ``create_action``, ``record_update`` (the only way a document's
follow-up status or an action's status changes: each change is a dated
``ProgressUpdate``), and the admin's bulk ``mark_actions_done`` and
``record_follow_up_status``."""

import datetime
from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.db.models import (
    QuerySet,
)
from django.utils.text import slugify
from django.utils.translation import gettext as _

from ..models import (
    Action,
    Body,
    Confidence,
    DatePrecision,
    Document,
    DuePrecision,
    ProgressUpdate,
    Source,
)


def create_action(
    *,
    document: Document,
    title: str,
    responsible_bodies: Iterable[Body],
    slug: str = "",
    description: str = "",
    clause: str = "",
    basis: str = "",
    focal_person: str = "",
    contact_email: str = "",
    user: AbstractBaseUser | None = None,
    today: datetime.date | None = None,
) -> Action:
    """Add an action to a document; it starts as planned, with no date.

    Its status and its date then change only through ``record_update`` (a date is a
    dated, sourced statement). The slug defaults to the title's. ``basis`` says where
    it comes from (``Basis``); a quoted commitment needs its ``clause``. Refuses an
    action with no responsible body.
    """
    bodies = list(responsible_bodies)
    action = Action(
        document=document,
        slug=slug or slugify(title)[:120],
        title=title,
        description=description,
        clause=clause,
        basis=basis,
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
    expected_on: datetime.date | None = None,
    expected_precision: str = DuePrecision.DAY,
    expected_kind: str = "",
    stated_by: str = "",
    user: AbstractBaseUser | None = None,
    today: datetime.date | None = None,
) -> ProgressUpdate:
    """Record what happened on ``happened_on`` and move the status to ``status_after``.

    An update about an action may also state when the action will be done
    (``expected_on``, its ``expected_precision``, whether it is a deadline, a plan or a
    forecast, and who ``stated_by``): the statement made on ``happened_on``. The
    action's current date is that of its newest such statement, so a newer source
    moves it and the older one stays on the timeline.

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
        if action is not None and action.document_id != document.pk:
            raise ValidationError(
                {"action": _("The action must be one of this document's.")}
            )
        # The document first, then its action: the admin's forms lock them in that
        # order too, so two writers never wait on each other in a circle.
        subject = Document.objects.select_for_update(no_key=True).get(pk=document.pk)
        status_before = subject.follow_up_status
        if action is not None:
            subject = Action.objects.select_for_update(no_key=True).get(pk=action.pk)
            status_before = subject.status
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
            expected_on=expected_on,
            expected_precision=expected_precision,
            expected_kind=expected_kind,
            stated_by=stated_by,
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
        if expected_on is not None:
            _follow_newest_date(subject, user)
            action.due_on, action.due_kind, action.due_precision = (
                subject.due_on,
                subject.due_kind,
                subject.due_precision,
            )

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


def _follow_newest_date(action: Action, user) -> None:
    """Give ``action`` (locked) the date of its newest dated update: the latest
    statement, whatever its date, wins; on the same day the last recorded."""
    newest = (
        action.updates.filter(expected_on__isnull=False)
        .order_by("-happened_on", "-created_at", "-id")
        .only("expected_on", "expected_kind", "expected_precision")
        .first()
    )
    current = (
        (newest.expected_on, newest.expected_kind, newest.expected_precision)
        if newest
        else (None, "", DuePrecision.DAY)
    )
    if current == (action.due_on, action.due_kind, action.due_precision):
        return
    action.due_on, action.due_kind, action.due_precision = current
    action._history_user = user
    action.save(update_fields=["due_on", "due_kind", "due_precision", "updated_at"])


def forget_date(update: ProgressUpdate, user: AbstractBaseUser | None = None) -> None:
    """Delete ``update`` and give its action the date of the statement that is now
    the newest (the admin's delete of a dated update)."""
    with transaction.atomic():
        action = None
        if update.action_id:
            action = Action.objects.select_for_update(no_key=True).get(
                pk=update.action_id
            )
        update.delete()
        if action is not None:
            _follow_newest_date(action, user)


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
