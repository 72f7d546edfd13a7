"""Writes with side effects: each change is stored with a history entry naming its user.

The admin's bulk actions call these functions rather than ``QuerySet.update()``, which
would bypass django-simple-history and leave no trace of who published what. Follow-up
statuses change only with a recorded update: see ``agreements.followup``.

Review before publishing: only a user with the model's ``publish_<model>`` permission
(the Publishers group, superusers) makes a document or event public or withdraws it;
the services refuse anyone else with ``PermissionDenied``, whatever route called them.
``user=None`` stands for a script acting on its own account (no publisher recorded).

No lost edits: documents, events and bodies carry a ``version``. A save from a form
first claims the next version with one atomic ``UPDATE ... WHERE version = n``
(``claim_version``), which also locks the row until the transaction ends; a form
opened at an older version is refused (``EditConflict``). Bulk writes here bump the
version too, so a form opened before a bulk publish cannot undo it unseen.
"""

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from .models import Document, Event

# Rows per UPDATE statement when thousands of documents are selected at once.
BATCH_SIZE = 500


class EditConflict(Exception):
    """The record was saved by someone else after the form was opened."""

    def __init__(self, instance):
        super().__init__(f"{instance._meta.label} {instance.pk} changed meanwhile")
        self.instance = instance


# --- Publication ----------------------------------------------------------------------


def publish_permission(model: type[models.Model]) -> str:
    """``agreements.publish_document``, ``agreements.publish_event``."""
    return f"{model._meta.app_label}.publish_{model._meta.model_name}"


def can_publish(user: AbstractBaseUser | None, model: type[models.Model]) -> bool:
    """Whether ``user`` may publish and unpublish records of ``model``."""
    return user is not None and user.has_perm(publish_permission(model))


def check_can_publish(user: AbstractBaseUser | None, model: type[models.Model]) -> None:
    """Refuse a user without the publish permission; ``None`` is a script."""
    if user is not None and not can_publish(user, model):
        raise PermissionDenied(
            _("Only publishers can publish or unpublish %(records)s.")
            % {"records": model._meta.verbose_name_plural}
        )


def set_publication(*, instance: Document | Event, user: AbstractBaseUser) -> None:
    """Before ``instance`` is saved from a form by ``user``: settle its publication.

    A user who may not publish leaves the flag as stored (``False`` for a new record,
    whatever the form says). When a publisher changes
    the flag, ``published_by`` and ``published_at`` record who and when (publishing)
    or are cleared (unpublishing); otherwise they stay as stored.
    """
    model = type(instance)
    stored = (
        model._default_manager.filter(pk=instance.pk)
        .values("is_published", "published_by", "published_at")
        .first()
        if instance.pk is not None
        else None
    ) or {"is_published": False, "published_by": None, "published_at": None}
    if not can_publish(user, model):
        instance.is_published = stored["is_published"]
    if instance.is_published == stored["is_published"]:
        instance.published_by_id = stored["published_by"]
        instance.published_at = stored["published_at"]
    elif instance.is_published:
        instance.published_by = user
        instance.published_at = timezone.now()
    else:
        instance.published_by = None
        instance.published_at = None


def set_published(
    *, records: QuerySet, published: bool, user: AbstractBaseUser | None
) -> int:
    """Set ``is_published`` where it differs, with one history entry per row.

    The rows are read again under a row lock (``SELECT ... FOR UPDATE`` where the
    database has it) so that the history entries hold what is stored, and written in
    bulk without ``full_clean()``: the publication fields take part in one constraint
    only, which the values set here satisfy, and not in ``clean()``'s other rules.
    """
    model = records.model
    check_can_publish(user, model)
    now = timezone.now()
    with transaction.atomic():
        changed = list(
            model._default_manager.select_for_update(no_key=True)
            .filter(pk__in=records.values("pk"))
            .exclude(is_published=published)
            .order_by("pk")
        )
        if not changed:
            return 0
        for record in changed:
            record.is_published = published
            record.published_by = user if published else None
            record.published_at = now if published else None
            # bulk_update() skips auto_now, so the timestamp is set here.
            record.updated_at = now
            # Computed by the database: a form opened before this write is refused.
            record.version = F("version") + 1
        bulk_update_with_history(
            changed,
            model,
            ["is_published", "published_by", "published_at", "updated_at", "version"],
            batch_size=BATCH_SIZE,
            default_user=user,
        )
    return len(changed)


def publish_documents(
    *, documents: QuerySet[Document], user: AbstractBaseUser | None
) -> int:
    """Show the documents on the public site; returns how many were unpublished."""
    return set_published(records=documents, published=True, user=user)


def unpublish_documents(
    *, documents: QuerySet[Document], user: AbstractBaseUser | None
) -> int:
    """Withdraw the documents from the public site; returns how many were shown."""
    return set_published(records=documents, published=False, user=user)


def publish_events(*, events: QuerySet[Event], user: AbstractBaseUser | None) -> int:
    """Show the events on the public site; returns how many were unpublished."""
    return set_published(records=events, published=True, user=user)


def unpublish_events(*, events: QuerySet[Event], user: AbstractBaseUser | None) -> int:
    """Withdraw the events from the public site; returns how many were shown."""
    return set_published(records=events, published=False, user=user)


# --- Versions -------------------------------------------------------------------------


def claim_version(*, instance: models.Model, version: int) -> None:
    """Take version ``version + 1`` of ``instance``, edited from ``version``.

    One ``UPDATE ... SET version = n + 1 WHERE pk = ... AND version = n``: it succeeds
    for exactly one of two saves from forms opened at version ``n``, and holds the
    row's lock until the caller's transaction ends, so the save and its inlines
    follow before anyone else's. Raises ``EditConflict`` when the stored version is
    no longer ``version``. Call it inside ``transaction.atomic()``.
    """
    claimed = (
        type(instance)
        ._default_manager.filter(pk=instance.pk, version=version)
        .update(version=version + 1)
    )
    if not claimed:
        raise EditConflict(instance)
    instance.version = version + 1


def bump_version(*, model: type[models.Model], pk: object) -> None:
    """A part of the record (a party of a document, say) changed on its own page:
    forms of the whole record opened before are refused, as they would write it
    back."""
    model._default_manager.filter(pk=pk).update(version=F("version") + 1)
