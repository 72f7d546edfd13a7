"""Follow-up's admins: actions (every status change is a recorded update), their
bulk actions and the inlines of their updates; the updates' own admin and the
reminder logs are in ``updates``."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.widgets import AdminDateWidget, AutocompleteSelect
from django.contrib.auth import get_permission_codename
from django.core.exceptions import ValidationError
from django.db import connections, models
from django.db.models import Exists, OuterRef, Q
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from modeltranslation.admin import TabbedTranslationAdmin

from .. import trigrams
from ..followup import services as followup
from ..models import (
    Action,
    ActionCitation,
    Body,
    DateKind,
    ProgressUpdate,
    Source,
)
from ..search import language_columns
from .changelists import (
    LargeListMixin,
    contains_any,
    documents_matching,
    search_words,
    union_of_ids,
)
from .filters import (
    ActionEventFilter,
    ActionPartyCountryFilter,
    DeadlineFilter,
    DueYearFilter,
    ResponsibleBodyFilter,
)
from .history import HistoryAdmin
from .mixins import (
    BumpsParentVersionMixin,
    EditedInsideMixin,
    KeepsRecordedFieldsFormSet,
    KeepsRecordedFieldsMixin,
    VersionedAdminMixin,
    VersionedInlineMixin,
    record_update_url,
)


class RecordsUpdatesMixin:
    """Bulk actions with ``permissions=("record_update",)`` need both the right to
    change the selected records and the right to add progress updates."""

    def has_record_update_permission(self, request):
        codename = get_permission_codename("add", ProgressUpdate._meta)
        return self.has_change_permission(request) and request.user.has_perm(
            f"{ProgressUpdate._meta.app_label}.{codename}"
        )


class RecordUpdateForm(forms.Form):
    """What a bulk action that records updates asks first: when, and on what source."""

    happened_on = forms.DateField(
        label=_("date"),
        initial=timezone.localdate,
        widget=AdminDateWidget,
        help_text=_("The day it happened, which is the date of each update."),
    )
    source = forms.ModelChoiceField(
        Source.objects.all(),
        label=_("source"),
        required=False,
        widget=AutocompleteSelect(ProgressUpdate._meta.get_field("source"), admin.site),
    )


def record_updates_page(modeladmin, request, queryset, *, question, record):
    """A bulk action's intermediate page, as Django's "delete selected" has.

    The changelist's POST shows the form; the form's POST (with ``post``) calls
    ``record(happened_on=..., source=...)``, which records the updates and tells the
    user, and returns to the list. A refusal from the services saves nothing and is
    shown as an error message.
    """
    form = RecordUpdateForm(request.POST if request.POST.get("post") else None)
    if form.is_valid():
        try:
            record(**form.cleaned_data)
        except ValidationError as error:
            modeladmin.message_user(
                request,
                _("Nothing was recorded: %(errors)s")
                % {"errors": " ".join(error.messages)},
                messages.ERROR,
            )
        return None
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": question,
        "subtitle": None,
        "opts": modeladmin.model._meta,
        "form": form,
        "queryset": queryset,
        "action_name": request.POST["action"],
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "media": modeladmin.media + form.media,
    }
    request.current_app = modeladmin.admin_site.name
    return TemplateResponse(request, "admin/agreements/record_updates.html", context)


def follow_up_status_action(status):
    """One action per follow-up status; each change is a recorded update."""

    @admin.action(
        description=format_lazy("{}: {}", _("Set follow-up status"), status.label),
        permissions=("record_update",),
    )
    def action(modeladmin, request, queryset):
        def record(*, happened_on, source):
            updates = followup.record_follow_up_status(
                documents=queryset.prefetch_related(None),
                status=status,
                happened_on=happened_on,
                title=_("Follow-up status set to “%(status)s”")
                % {"status": status.label},
                source=source,
                user=request.user,
            )
            if not updates:
                modeladmin.message_user(
                    request,
                    _("No document changed: each already has this status."),
                    messages.WARNING,
                )
                return
            modeladmin.message_user(
                request,
                ngettext(
                    "Follow-up status of %(count)d document set to “%(status)s”, "
                    "with an update recorded.",
                    "Follow-up status of %(count)d documents set to “%(status)s”, "
                    "with an update recorded for each.",
                    len(updates),
                )
                % {"count": len(updates), "status": status.label},
                messages.SUCCESS,
            )

        return record_updates_page(
            modeladmin,
            request,
            queryset,
            question=format_lazy("{}: {}", _("Set follow-up status"), status.label),
            record=record,
        )

    action.__name__ = f"set_follow_up_{status.value}"
    return action


class ActionInline(VersionedInlineMixin, admin.TabularInline):
    """New commitments of the document, added in place. The actions it has are
    listed above it, a page at a time, each leading to its own page, where it is
    edited (``agreements.admin.compact``): 50 rows of widgets would take a second to
    render. Their statuses change only by recording an update. The title is the
    English one here; the action's own page has a tab per language, the description
    and the contact."""

    model = Action
    formset = KeepsRecordedFieldsFormSet
    template = "admin/agreements/document/action_inline.html"
    verbose_name_plural = _("new actions")
    extra = 0
    autocomplete_fields = ("responsible_bodies",)
    # what a row needs, to fit the screen: the description, the focal person, the
    # other languages and the completion are on the action's own page ("Change" on
    # each row); the slug is made from the title (Action.slug_from)
    fields = (
        "title_en_gb",
        "basis",
        "clause",
        "responsible_bodies",
        "current_date",
        "status",
    )
    readonly_fields = ("current_date", "status")
    formfield_overrides = {
        models.TextField: {"widget": forms.Textarea(attrs={"rows": 2, "cols": 30})}
    }

    def get_queryset(self, request):
        # only new actions here: the recorded ones are in the table above
        return super().get_queryset(request).none()

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "title_en_gb":
            field.required = True  # as on the action's own page
        return field

    @admin.display(description=_("current date"))
    def current_date(self, obj):
        return current_date_words(obj)


def current_date_words(action):
    """An action's current date and its kind: "expected by Q3 2026 (forecast)"."""
    if action is None or not action.due_on:
        return _("no date recorded")
    words = {
        DateKind.DEADLINE: _("due by %(when)s (deadline)"),
        DateKind.PLAN: _("planned for %(when)s (plan)"),
        DateKind.FORECAST: _("expected by %(when)s (forecast)"),
    }.get(action.due_kind, _("%(when)s (kind not recorded)"))
    return words % {"when": action.due_display}


class UpdateColumns:
    """Columns of a progress update, for its changelist and its read-only inlines."""

    @admin.display(description=_("date"), ordering="happened_on")
    def date(self, obj):
        return obj.happened_on_display

    @admin.display(description=_("about"))
    def about(self, obj):
        return obj.action or _("the document")

    @admin.display(description=_("status"))
    def status_change(self, obj):
        after = obj.get_status_after_display()
        if obj.status_changed:
            return f"{obj.get_status_before_display()} → {after}"
        return _("%(status)s (unchanged)") % {"status": after}


class ProgressUpdateInline(UpdateColumns, admin.TabularInline):
    """The timeline, newest first, read-only: updates are recorded on their own page,
    which also changes the status."""

    model = ProgressUpdate
    extra = 0
    can_delete = False
    show_change_link = True
    fields = (
        "date",
        "title",
        "about",
        "status_change",
        "source",
        "confidence",
        "recorded_by",
    )
    readonly_fields = fields

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("action", "source", "recorded_by")
        )

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ActionUpdateInline(ProgressUpdateInline):
    fk_name = "action"
    fields = tuple(f for f in ProgressUpdateInline.fields if f != "about")
    readonly_fields = fields


# --- Follow-up ------------------------------------------------------------------------


class ActionCitationInline(VersionedInlineMixin, admin.TabularInline):
    model = ActionCitation
    extra = 0
    autocomplete_fields = ("source",)
    fields = ("source", "confidence", "claim", "note")


@admin.register(Action)
class ActionAdmin(
    LargeListMixin,
    BumpsParentVersionMixin,
    VersionedAdminMixin,
    RecordsUpdatesMixin,
    KeepsRecordedFieldsMixin,
    TabbedTranslationAdmin,
    HistoryAdmin,
):
    list_display = (
        "document",
        "title",
        "responsible",
        "due_on",
        "status",
        "deadline",
        "completed_on",
    )
    list_display_links = ("title",)
    list_filter = (
        DeadlineFilter,
        "status",
        ResponsibleBodyFilter,
        ActionPartyCountryFilter,
        ActionEventFilter,
        DueYearFilter,
    )
    list_select_related = ("document",)
    # what the search box reads: see get_search_results
    search_fields = language_columns("title")
    search_help_text = _(
        "Words of the action's title or description (in any language), of its "
        "document's title or parties, or of a responsible body's name."
    )
    list_per_page = 50
    actions = ("mark_done",)
    autocomplete_fields = ("document", "responsible_bodies")
    prepopulated_fields = {"slug": ("title",)}
    readonly_fields = (
        "status_display",
        "completed_on",
        "date_display",
        "created_at",
        "updated_at",
    )
    inlines = (ActionCitationInline, ActionUpdateInline)
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "document",
                    "title",
                    "slug",
                    "basis",
                    "clause",
                    "description",
                    "responsible_bodies",
                )
            },
        ),
        (
            _("Status and date"),
            {"fields": ("status_display", "completed_on", "date_display")},
        ),
        (
            _("Contact (staff only)"),
            {"fields": ("focal_person", "contact_email")},
        ),
        (
            _("Record"),
            {"classes": ("collapse",), "fields": ("created_at", "updated_at")},
        ),
    )

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .with_flags(timezone.localdate())
            .prefetch_related("responsible_bodies")
        )

    def get_search_results(self, request, queryset, search_term):
        """Every word in the action's title or description, or found by the public
        search in its document, or in a responsible body's name: subqueries, not
        joins, so no ``DISTINCT``. The actions that may hold a word are first
        read through indexes (the texts' trigram indexes: migration 0024 on
        PostgreSQL, ``agreements.trigrams`` on SQLite; the documents' search
        index; the bodies): for a rare word only those are tested
        (``search_words``)."""
        fields = (*language_columns("title"), *language_columns("description"))
        through = Action.responsible_bodies.through
        body_names = [
            f"body__{field}"
            for field in (*language_columns("name"), *language_columns("short_name"))
        ]

        def bodies_named(word):
            names = (*language_columns("name"), *language_columns("short_name"))
            return Body.objects.filter(contains_any(names, word)).values("pk")

        def responsible(word):
            return Exists(
                through.objects.filter(
                    contains_any(body_names, word), action=OuterRef("pk")
                )
            )

        def in_document(word):
            return Q(document__in=documents_matching(word))

        def holders(word):
            connection = connections[queryset.db]
            if connection.vendor == "postgresql":  # trigram indexes, migration 0024
                own = Action.objects.filter(contains_any(fields, word))
            elif trigrams.usable(connection, word):
                own = Action.objects.filter(
                    pk__in=trigrams.rows_holding(trigrams.ACTIONS, word)
                )
            else:
                return None  # no index: every row is read
            return union_of_ids(
                own.values_list("pk", flat=True),
                Action.objects.filter(in_document(word)).values_list("pk", flat=True),
                # the bodies first (3,663), then their actions by index
                through.objects.filter(body__in=bodies_named(word)).values_list(
                    "action_id", flat=True
                ),
            )

        results = search_words(
            queryset,
            search_term,
            fields,
            related=(in_document, responsible),
            holders=holders,
        )
        return results, False

    def get_inlines(self, request, obj):
        # An action being added has no updates yet.
        if obj is None:
            return [i for i in self.inlines if i is not ActionUpdateInline]
        return self.inlines

    @admin.display(description=_("responsible bodies"))
    def responsible(self, obj):
        # From the prefetch in get_queryset(): no query per row.
        return "; ".join(str(body) for body in obj.responsible_bodies.all())

    @admin.display(description=_("deadline"))
    def deadline(self, obj):
        if obj.is_overdue:
            return _("overdue")
        if obj.is_forecast_passed:
            return _("forecast date passed")
        if obj.is_due_soon:
            return _("due soon")
        return None

    @admin.display(description=_("current date"))
    def date_display(self, obj):
        words = current_date_words(obj)
        if obj.pk is None:
            return _("%(date)s; once the action is saved, record dated updates.") % {
                "date": words
            }
        return format_html(
            '{}<div class="help">{} <a href="{}">{}</a></div>',
            words,
            _(
                "A date is a dated statement with its source: record an update "
                "giving the expected date, its kind and who stated it. The newest "
                "statement is the current date."
            ),
            record_update_url(obj.document, obj),
            _("record a date"),
        )

    @admin.display(description=_("status"))
    def status_display(self, obj):
        if obj.pk is None:
            return _("%(status)s; once the action is saved, record updates.") % {
                "status": Action.Status.PLANNED.label
            }
        return format_html(
            '{}<div class="help">{} <a href="{}">{}</a></div>',
            obj.get_status_display(),
            _("It changes only when an update is recorded:"),
            record_update_url(obj.document, obj),
            _("record an update"),
        )

    @admin.action(
        description=_("Mark selected actions done"), permissions=("record_update",)
    )
    def mark_done(self, request, queryset):
        def record(*, happened_on, source):
            updates = followup.mark_actions_done(
                actions=queryset.prefetch_related(None),
                happened_on=happened_on,
                source=source,
                user=request.user,
            )
            if not updates:
                self.message_user(
                    request,
                    _("No action changed: the selected ones are already done."),
                    messages.WARNING,
                )
                return
            self.message_user(
                request,
                ngettext(
                    "%(count)d action marked done, with an update recorded.",
                    "%(count)d actions marked done, with an update recorded for each.",
                    len(updates),
                )
                % {"count": len(updates)},
                messages.SUCCESS,
            )

        return record_updates_page(
            self,
            request,
            queryset,
            question=_("Mark the selected actions done"),
            record=record,
        )


@admin.register(ActionCitation)
class ActionCitationAdmin(EditedInsideMixin, VersionedAdminMixin, HistoryAdmin):
    list_display = ("source", "action", "confidence", "claim")
    list_filter = ("confidence",)
    list_select_related = ("source", "action")
    search_fields = (
        *language_columns("action__title"),
        "source__url",
        "source__title",
        "claim",
    )
    autocomplete_fields = ("action", "source")
    list_per_page = 50
