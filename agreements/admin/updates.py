"""Follow-up's admins, continued: progress updates (each a recorded step, which
changes the status of what it is about) and the reminder logs."""

from django import forms
from django.contrib import admin
from django.db import connections
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .. import trigrams
from ..followup import services as followup
from ..models import Action, DuePrecision, ProgressUpdate, ReminderLog
from ..search import language_columns
from .changelists import (
    LargeListMixin,
    contains_any,
    documents_matching,
    search_words,
    union_of_ids,
)
from .filters import HappenedYearFilter, StatusAfterFilter, UpdateSubjectFilter
from .followup import UpdateColumns
from .history import HistoryAdmin
from .mixins import VersionedAdminMixin


class ProgressUpdateAddForm(forms.ModelForm):
    """Records an update through ``followup.record_update``.

    The status before is the subject's current one, set here so that validation
    sees the whole entry; the service sets it again under a row lock when saving.
    """

    class Meta:
        model = ProgressUpdate
        fields = (
            "document",
            "action",
            "happened_on",
            "date_precision",
            "title",
            "text",
            "status_after",
            "source",
            "confidence",
            "expected_on",
            "expected_precision",
            "expected_kind",
            "stated_by",
        )
        help_texts = {
            "status_after": _(
                "A document status for an update about the document, an action "
                "status for one about an action. The current status records "
                "progress without a change."
            ),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # most updates give no date: its precision matters only with one
        self.fields["expected_precision"].required = False

    def clean_expected_precision(self):
        return self.cleaned_data.get("expected_precision") or DuePrecision.DAY

    def clean(self):
        cleaned_data = super().clean()
        document, action = cleaned_data.get("document"), cleaned_data.get("action")
        if document is not None:
            self.instance.status_before = (
                action.status if action else document.follow_up_status
            )
        return cleaned_data

    def full_clean(self):
        super().full_clean()
        # The one rule of record_update that model validation does not check, once
        # the entry is otherwise valid, so that its message comes alone.
        if self.errors or not self.is_bound:
            return
        update = self.instance
        later = ProgressUpdate.objects.filter(
            document=update.document,
            action=update.action,
            happened_on__gt=update.happened_on,
        )
        if update.status_changed and later.exists():
            self.add_error(
                "happened_on",
                _(
                    "A later update is already recorded, so this one cannot change "
                    "the current status; record it with the current status."
                ),
            )


@admin.register(ProgressUpdate)
class ProgressUpdateAdmin(
    LargeListMixin, UpdateColumns, VersionedAdminMixin, HistoryAdmin
):
    """Updates are recorded here, through ``followup.record_update``, which also
    changes the document's or the action's status. Once recorded, the subject, date
    and statuses stay as they are: a correction is a new update."""

    list_display = (
        "title",
        "date",
        "document",
        "action",
        "status_change",
        "confidence",
        "recorded_by",
    )
    list_filter = (
        UpdateSubjectFilter,
        StatusAfterFilter,
        "confidence",
        HappenedYearFilter,
    )
    list_select_related = ("document", "action", "recorded_by")
    # what the search box reads: see get_search_results
    search_fields = ("title",)
    search_help_text = _(
        "Words of the update's title, of its action's title or of its document "
        "(title, parties, signatories)."
    )
    list_per_page = 50
    autocomplete_fields = ("document", "action", "source")
    add_fieldsets = (
        (None, {"fields": ("document", "action")}),
        (
            _("What happened"),
            {
                "fields": (
                    ("happened_on", "date_precision"),
                    "title",
                    "text",
                    "status_after",
                )
            },
        ),
        (_("Source"), {"fields": ("source", "confidence")}),
        (
            _("A date for the action (when the source gives one)"),
            {
                "fields": (
                    ("expected_on", "expected_precision"),
                    "expected_kind",
                    "stated_by",
                ),
                "description": _(
                    "The date the source gives for the action: its kind (a deadline "
                    "the source sets, a plan announced by an authority, or a "
                    "forecast) and who stated it. The update's date is the day it "
                    "was stated; the newest statement becomes the action's current "
                    "date."
                ),
            },
        ),
    )
    fieldsets = (
        (None, {"fields": ("document", "action")}),
        (
            _("What happened"),
            {
                "fields": (
                    ("happened_on", "date_precision"),
                    "title",
                    "text",
                    ("status_before", "status_after"),
                )
            },
        ),
        (_("Source"), {"fields": ("source", "confidence")}),
        (
            _("Date for the action"),
            {
                "fields": (
                    ("expected_on", "expected_precision"),
                    "expected_kind",
                    "stated_by",
                )
            },
        ),
        (
            _("Record"),
            {"classes": ("collapse",), "fields": ("recorded_by", "created_at")},
        ),
    )
    change_readonly_fields = (
        "document",
        "action",
        "happened_on",
        "date_precision",
        "status_before",
        "status_after",
        "expected_on",
        "expected_precision",
        "expected_kind",
        "recorded_by",
        "created_at",
    )

    def get_search_results(self, request, queryset, search_term):
        """Every word in the update's title or its action's title (a foreign key:
        no row repeated), or found by the public search in its document. The
        updates that may hold a word are first read through indexes, as the
        actions' are (``followup.ActionAdmin.get_search_results``)."""

        def in_document(word):
            return Q(document__in=documents_matching(word))

        def holders(word):
            connection = connections[queryset.db]
            titles = language_columns("title")
            if connection.vendor == "postgresql":  # trigram indexes, migration 0024
                own = ProgressUpdate.objects.filter(title__icontains=word)
                actions = Action.objects.filter(contains_any(titles, word))
            elif trigrams.usable(connection, word):
                own = ProgressUpdate.objects.filter(
                    pk__in=trigrams.rows_holding(trigrams.UPDATES, word)
                )
                actions = Action.objects.filter(
                    pk__in=trigrams.rows_holding(trigrams.ACTIONS, word, titles)
                )
            else:
                return None
            updates = ProgressUpdate.objects
            return union_of_ids(
                own.values_list("pk", flat=True),
                updates.filter(action__in=actions.values("pk")).values_list(
                    "pk", flat=True
                ),
                updates.filter(in_document(word)).values_list("pk", flat=True),
            )

        results = search_words(
            queryset,
            search_term,
            ("title", *language_columns("action__title")),
            related=(in_document,),
            holders=holders,
        )
        return results, False

    def get_fieldsets(self, request, obj=None):
        return self.add_fieldsets if obj is None else self.fieldsets

    def delete_model(self, request, obj):
        # a deleted date statement gives the action back its previous date
        followup.forget_date(obj, request.user)

    def delete_queryset(self, request, queryset):
        for update in queryset:
            followup.forget_date(update, request.user)

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.change_readonly_fields

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = ProgressUpdateAddForm
        return super().get_form(request, obj, change, **kwargs)

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        update = followup.record_update(
            document=obj.document,
            action=obj.action,
            happened_on=obj.happened_on,
            date_precision=obj.date_precision,
            title=obj.title,
            text=obj.text,
            status_after=obj.status_after,
            source=obj.source,
            confidence=obj.confidence,
            expected_on=obj.expected_on,
            expected_precision=obj.expected_precision,
            expected_kind=obj.expected_kind,
            stated_by=obj.stated_by,
            user=request.user,
        )
        # The admin goes on with ``obj`` (its log entry, the redirect): make it the
        # row the service saved.
        obj.pk = update.pk
        obj._state.adding = False
        obj._state.db = update._state.db
        obj.refresh_from_db()


@admin.register(ReminderLog)
class ReminderLogAdmin(admin.ModelAdmin):
    """What the daily reminders sent; only ``send_followup_reminders`` writes it."""

    list_display = (
        "recipient",
        "sent_on",
        "sent_at",
        "overdue_count",
        "due_soon_count",
    )
    search_fields = ("recipient",)
    date_hierarchy = "sent_on"
    list_per_page = 50

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
