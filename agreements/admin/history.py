"""History pages that show each change field by field, with the related records'
changes beside a document's own."""

import datetime

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin
from simple_history.models import DeletedObject
from simple_history.template_utils import HistoricalRecordContextHelper

from ..models import (
    DocumentCitation,
    Party,
    PartyCitation,
)
from .dates import DateHintMixin
from .widgets import LoadedAutocompleteMixin


def format_moment(moment):
    return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT")


class HistoryContextHelper(HistoricalRecordContextHelper):
    """History changes as staff read them: an empty foreign key is "None" (not
    simple-history's "Deleted user (pk=None)"), a moment in local time."""

    def prepare_delta_change_value(self, change, value):
        if isinstance(value, DeletedObject) and value.pk is None:
            return None
        if isinstance(value, datetime.datetime):
            return format_moment(value)
        return super().prepare_delta_change_value(change, value)


def _history_entries(records, model, label):
    """Each historical record with the field changes since the one before it."""
    entries = []
    previous_by_object = {}
    for record in sorted(records, key=lambda r: (r.history_date, r.history_id)):
        previous = previous_by_object.get(record.id)
        changes = []
        if previous is not None and record.history_type == "~":
            delta = record.diff_against(previous, foreign_keys_are_objs=True)
            helper = HistoryContextHelper(model, record)
            changes = helper.context_for_delta_changes(delta)
        previous_by_object[record.id] = record
        entries.append(
            {
                "record": record,
                "model": model._meta.verbose_name,
                "label": label(record),
                "changes": changes,
            }
        )
    return entries


def _related_object_label(record, field):
    """The related object's name, or its id once it has been deleted."""
    try:
        related = getattr(record, field)
    except ObjectDoesNotExist:
        related = None
    if related is None:
        return _("deleted %(model)s #%(id)s") % {
            "model": record._meta.get_field(field).related_model._meta.verbose_name,
            "id": getattr(record, f"{field}_id"),
        }
    return str(related)


def related_history(document_id):
    """The history of a document's parties, signature sources and sources, newest
    first, for the document's history page."""
    parties = list(
        Party.history.filter(document_id=document_id).select_related(
            "body", "history_user"
        )
    )
    party_labels = {}
    for record in sorted(parties, key=lambda r: (r.history_date, r.history_id)):
        party_labels[record.id] = _related_object_label(record, "body")
    party_citations = list(
        PartyCitation.history.filter(party_id__in=party_labels).select_related(
            "source", "history_user"
        )
    )
    citations = list(
        DocumentCitation.history.filter(document_id=document_id).select_related(
            "source", "history_user"
        )
    )
    entries = [
        *_history_entries(parties, Party, lambda r: party_labels[r.id]),
        *_history_entries(
            party_citations,
            PartyCitation,
            lambda r: "{}: {}".format(
                party_labels[r.party_id], _related_object_label(r, "source")
            ),
        ),
        *_history_entries(
            citations, DocumentCitation, lambda r: _related_object_label(r, "source")
        ),
    ]
    entries.sort(
        key=lambda e: (e["record"].history_date, e["record"].history_id), reverse=True
    )
    return entries


class HistoryAdmin(LoadedAutocompleteMixin, DateHintMixin, SimpleHistoryAdmin):
    """History pages without reverting.

    A revert would write an old version straight over the record, past the services
    that record follow-up changes and settle publication, so it is refused on the
    server (403, nothing saved), not only hidden (``SIMPLE_HISTORY_REVERT_DISABLED``
    hides the button). Past versions can still be viewed.
    """

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method not in ("GET", "HEAD"):
            raise PermissionDenied(
                _(
                    "Reverting to an earlier version is not possible here: make the "
                    "change on the record's own page."
                )
            )
        return super().history_form_view(request, object_id, version_id, extra_context)
