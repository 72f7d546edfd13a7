"""The parties' steps in the admin (issue 16).

Staff record a party's steps on the party's own page, in an inline (where its
signature sources are too); each step also has its own page, for links and history.
The document's change form shows every party's steps read-only, a row a party with
links, beside its follow-up tables (``agreements.admin.compact``).

Whenever a step is saved or deleted, here or on the party's page, and whenever a
document's form is saved (its rule of entry into force may have changed), the legal
status its steps derive is stored (``agreements.steps.status``), and staff are told
when it changed.
"""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.utils.translation import gettext_lazy as _

from ..models import Party, PartyStep
from ..steps.selectors import HEADINGS, steps_table
from ..steps.status import recompute_legal_status
from .history import HistoryAdmin
from .mixins import (
    BumpsParentVersionMixin,
    VersionedAdminMixin,
    VersionedInlineMixin,
    admin_change_url,
)


def recompute(request, model_admin, document):
    """Store the status ``document``'s steps derive; tell the user if it changed."""
    derived = recompute_legal_status(document=document, user=request.user)
    if derived is not None:
        model_admin.message_user(
            request,
            _(
                "The legal status of “%(document)s” follows from its parties' steps: "
                "it is now “%(status)s”."
            )
            % {"document": document, "status": document.get_legal_status_display()},
            messages.INFO,
        )


class PartyStepInline(VersionedInlineMixin, admin.TabularInline):
    model = PartyStep
    extra = 0
    autocomplete_fields = ("source",)
    fields = (
        "kind",
        "happened_on",
        "date_precision",
        "act_title",
        "act_number",
        "act_date",
        "source",
        "confidence",
        "note",
    )


class DerivesStatusFromStepsMixin:
    """For ``PartyAdmin``: after its steps (inlines) are saved, or the party is
    deleted, its document's derived status is stored."""

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        recompute(request, self, form.instance.document)

    def delete_model(self, request, obj):
        document = obj.document
        super().delete_model(request, obj)
        recompute(request, self, document)


class DocumentStepsMixin:
    """For ``DocumentAdmin``: the parties' steps read-only on the change form, and
    the derived status stored after each save (the rule may have changed, a party
    may have gone)."""

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {
            **(extra_context or {}),
            **steps_summary(object_id),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        recompute(request, self, form.instance)


def steps_summary(object_id):
    """The change form's steps table, for its template context: two queries (the
    parties, their steps); empty for an id that names no document."""
    document_id = unquote(object_id)
    if not str(document_id).isdigit():
        return {}
    parties = list(
        Party.objects.filter(document_id=document_id)
        .select_related("body__country")
        .order_by("order", "id")
    )
    rows = steps_table(parties)
    for row in rows:
        row.url = admin_change_url(row.party)
        for cell in row.cells:
            for step in cell.steps:
                step.admin_url = admin_change_url(step)
    return {"party_steps_summary": rows, "step_headings": HEADINGS}


@admin.register(PartyStep)
class PartyStepAdmin(BumpsParentVersionMixin, VersionedAdminMixin, HistoryAdmin):
    """A step's own page (edited in its party's page too)."""

    versioned_parent = "party"

    list_display = ("party", "kind", "happened_on", "confidence", "source")
    list_filter = ("kind", "confidence")
    list_select_related = ("party__body", "source")
    search_fields = ("party__document__title", "act_title", "act_number", "note")
    autocomplete_fields = ("party", "source")
    date_hierarchy = "happened_on"
    list_per_page = 50
    fieldsets = (
        (None, {"fields": ("party", "kind", ("happened_on", "date_precision"))}),
        (_("Act"), {"fields": ("act_title", "act_number", "act_date")}),
        (_("Source"), {"fields": ("source", "confidence", "note")}),
    )

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        recompute(request, self, obj.party.document)

    def delete_model(self, request, obj):
        document = obj.party.document
        super().delete_model(request, obj)
        recompute(request, self, document)

    def delete_queryset(self, request, queryset):
        documents = {step.party.document for step in queryset.select_related("party")}
        super().delete_queryset(request, queryset)
        for document in documents:
            recompute(request, self, document)
