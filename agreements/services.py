"""Writes with side effects: each change is stored with a history entry naming its user.

The admin's bulk actions call these functions rather than ``QuerySet.update()``, which
would bypass django-simple-history and leave no trace of who published what. Follow-up
statuses change only with a recorded update: see ``agreements.followup``.
"""

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from .models import Document

# Rows per UPDATE statement when thousands of documents are selected at once.
BATCH_SIZE = 500


def _set_document_field(
    *,
    documents: QuerySet[Document],
    field: str,
    value: object,
    user: AbstractBaseUser | None,
) -> int:
    """Set ``field`` to ``value`` where it differs, with one history entry per row.

    ``is_published``, the field these services change, takes part in no constraint
    and not in ``Document.clean()``, so the rows are written in bulk without
    ``full_clean()``.
    """
    changed = list(documents.prefetch_related(None).exclude(**{field: value}))
    if not changed:
        return 0
    # bulk_update() skips auto_now, so the timestamp is set here.
    now = timezone.now()
    for document in changed:
        setattr(document, field, value)
        document.updated_at = now
    with transaction.atomic():
        bulk_update_with_history(
            changed,
            Document,
            [field, "updated_at"],
            batch_size=BATCH_SIZE,
            default_user=user,
        )
    return len(changed)


def publish_documents(
    *, documents: QuerySet[Document], user: AbstractBaseUser | None
) -> int:
    """Show the documents on the public site; returns how many were unpublished."""
    return _set_document_field(
        documents=documents, field="is_published", value=True, user=user
    )


def unpublish_documents(
    *, documents: QuerySet[Document], user: AbstractBaseUser | None
) -> int:
    """Withdraw the documents from the public site; returns how many were shown."""
    return _set_document_field(
        documents=documents, field="is_published", value=False, user=user
    )
