"""The register's admins for documents, their parties and signatures, and the
relations between documents (the rest of the register: ``register``)."""

from functools import partial

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.db.models import Count
from django.urls import path
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from modeltranslation.admin import TabbedTranslationAdmin

from ..imports import DocumentResource
from ..models import (
    Document,
    DocumentCitation,
    DocumentTitle,
    Party,
    PartyCitation,
    Relation,
)
from ..search import clean_query, language_columns, search_documents
from .changelists import LargeListMixin
from .compact import follow_up_tables
from .duplicates import DocumentAdminForm, duplicates_view
from .filters import (
    PartyCountryFilter,
    PublishedByFilter,
    RecentEventFilter,
    SignatureYearFilter,
)
from .followup import (
    ActionInline,
    RecordsUpdatesMixin,
    follow_up_status_action,
)
from .history import HistoryAdmin, related_history
from .mixins import (
    BumpsParentVersionMixin,
    EditedInsideMixin,
    KeepsRecordedFieldsMixin,
    PublishingAdminMixin,
    VersionedAdminMixin,
    VersionedInlineFormSet,
    VersionedInlineMixin,
    admin_change_url,
    record_update_url,
)
from .spreadsheets import SpreadsheetMixin
from .steps import DerivesStatusFromStepsMixin, DocumentStepsMixin, PartyStepInline
from .texts import AttachmentInline, DocumentIdentifierInline, extract_texts

# --- Documents ------------------------------------------------------------------------


class PartyInlineFormSet(VersionedInlineFormSet):
    """Two or more parties; new rows are numbered after the existing ones."""

    default_error_messages = {
        "too_few_forms": _(
            "A document has at least %(num)d parties: add the body on each side."
        ),
    }

    def get_unique_error_message(self, unique_check):
        if "body" in unique_check:
            return _("A body signs a document once: remove the second row for it.")
        if "order" in unique_check:
            return _("Two parties have the same order: number them 1, 2, 3…")
        return super().get_unique_error_message(unique_check)

    def get_form_kwargs(self, index):
        kwargs = super().get_form_kwargs(index)
        if index is not None and index >= self.initial_form_count():
            taken = [party.order for party in self.get_queryset()]
            start = max(taken, default=0) + 1
            kwargs["initial"] = {"order": start + index - self.initial_form_count()}
        return kwargs


class PartyInline(VersionedInlineMixin, admin.TabularInline):
    model = Party
    formset = PartyInlineFormSet
    extra = 0
    min_num = 2
    autocomplete_fields = ("body",)
    fields = (
        "order",
        "body",
        "signatory_name",
        "signatory_position",
        "signature_sources",
    )
    readonly_fields = ("signature_sources",)

    def get_formset(self, request, obj=None, **kwargs):
        # min_num alone only shows two rows; validate_min refuses fewer.
        return super().get_formset(request, obj, validate_min=True, **kwargs)

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("body")
            .annotate(citations_count=Count("citations"))
        )

    @admin.display(description=_("signature sources"))
    def signature_sources(self, obj):
        if obj.pk is None:
            return _("Save first, then add its sources.")
        count = getattr(obj, "citations_count", None)
        if count is None:
            count = obj.citations.count()
        label = ngettext("%(count)d source: edit", "%(count)d sources: edit", count)
        return format_html(
            "<a href='{}'>{}</a>", admin_change_url(obj), label % {"count": count}
        )


class RelationInline(VersionedInlineMixin, admin.TabularInline):
    model = Relation
    fk_name = "from_document"
    extra = 0
    autocomplete_fields = ("to_document", "source")
    fields = ("kind", "to_document", "confidence", "source", "note")
    verbose_name = _("relation to another document")
    verbose_name_plural = _("relations to other documents")

    def get_queryset(self, request):
        # a row's label names both documents (Relation.__str__)
        return super().get_queryset(request).select_related("from_document")


class DocumentCitationInline(VersionedInlineMixin, admin.TabularInline):
    model = DocumentCitation
    extra = 0
    autocomplete_fields = ("source",)
    fields = ("source", "confidence", "claim", "note")


class DocumentTitleInline(VersionedInlineMixin, admin.TabularInline):
    model = DocumentTitle
    extra = 0
    autocomplete_fields = ("source",)
    fields = ("language", "title", "is_official", "source")


@admin.register(Document)
class DocumentAdmin(
    DocumentStepsMixin,
    LargeListMixin,
    SpreadsheetMixin,
    VersionedAdminMixin,
    PublishingAdminMixin,
    RecordsUpdatesMixin,
    KeepsRecordedFieldsMixin,
    TabbedTranslationAdmin,
    HistoryAdmin,
):
    form = DocumentAdminForm
    # spreadsheets in and out (agreements/imports.py)
    resource_classes = [DocumentResource]
    import_help = _(
        "One document a row: its event by slug, its two parties by the body's name "
        "(with the country's ISO code where two bodies share a name), and the source "
        "that reports it. Bodies and countries must be in the register already: a row "
        "that names one that is not is listed as an error. A row that looks like a "
        "document already recorded needs yes in not_a_duplicate."
    )
    list_display = (
        "title",
        "kind",
        "signed_on",
        "parties_display",
        "legal_status",
        "follow_up_status",
        "is_published",
        "published_column",
    )
    list_filter = (
        "kind",
        "legal_status",
        "follow_up_status",
        PartyCountryFilter,
        RecentEventFilter,
        "topics",
        "is_published",
        PublishedByFilter,
        SignatureYearFilter,
    )
    list_select_related = ("published_by",)
    # what the search box reads: see get_search_results
    search_fields = ("title",)
    search_help_text = _(
        "Words of the title (in any language), of an official identifier, of a "
        "party's name or short name, of a signatory's name, of the place, of the "
        "summary or of the text of its files; the start of a word is enough."
    )
    list_per_page = 50
    save_on_top = True
    actions = (
        "publish",
        "unpublish",
        *(follow_up_status_action(status) for status in Document.FollowUpStatus),
        extract_texts,
    )
    autocomplete_fields = ("event", "signed_country")
    filter_horizontal = ("topics",)
    # The slug is made on save, from whole words (Document.slug_from), not typed
    # ahead by the admin's script, which cuts words.
    prepopulated_fields = {}
    readonly_fields = (
        "follow_up",
        "publication",
        "incoming_relations",
        "created_at",
        "updated_at",
    )
    inlines = (
        PartyInline,
        RelationInline,
        DocumentCitationInline,
        DocumentTitleInline,
        DocumentIdentifierInline,
        AttachmentInline,
        ActionInline,
    )
    object_history_template = "admin/agreements/document/object_history.html"
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "title",
                    "slug",
                    "kind",
                    "signed_on",
                    ("signed_city", "signed_country"),
                    "summary",
                    "topics",
                )
            },
        ),
        (
            _("Event"),
            {
                "fields": (
                    ("event", "package_order"),
                    "event_signing_confidence",
                    "event_confidence",
                )
            },
        ),
        (
            _("Status"),
            {
                "fields": (
                    "legal_status",
                    "entry_into_force_rule",
                    ("entry_into_force_days", "entry_into_force_date"),
                    "entered_into_force_on",
                    "ended_on",
                    "follow_up_status",
                    "is_published",
                    "publication",
                )
            },
        ),
        (
            _("Validity period"),
            {
                "classes": ("collapse",),
                "fields": ("valid_from", "valid_until", "validity_note"),
            },
        ),
        (_("Referred to by other documents"), {"fields": ("incoming_relations",)}),
        (
            _("Record"),
            {"classes": ("collapse",), "fields": ("created_at", "updated_at")},
        ),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).with_parties(names_only=True)

    def get_search_results(self, request, queryset, search_term):
        """The public search's index (``agreements.search``): every word, or its
        start, in the title, the titles in other languages, the identifiers, the
        parties' names, the signatories, the place, the summary or the text of the
        files. Indexed conditions on the document's row, so no join and no
        ``DISTINCT``."""
        text, _shortened = clean_query(search_term)
        if not text:
            return queryset, False
        return search_documents(queryset, text), False

    def get_urls(self):
        opts = self.model._meta
        return [
            path(
                "duplicates/",
                self.admin_site.admin_view(partial(duplicates_view, self)),
                name=f"{opts.app_label}_{opts.model_name}_duplicates",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # its actions and updates as compact tables (agreements.admin.compact)
        extra_context = {
            **(extra_context or {}),
            **follow_up_tables(request, object_id),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def get_fieldsets(self, request, obj=None):
        # A new document starts with a follow-up status; after that it changes only
        # by recording an update, so the change form shows it read-only.
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:
            return fieldsets
        return [
            (
                name,
                {
                    **options,
                    "fields": tuple(
                        "follow_up" if field == "follow_up_status" else field
                        for field in options["fields"]
                    ),
                },
            )
            for name, options in fieldsets
        ]

    def is_public(self, obj):
        """Whether ``obj`` is published as stored, which is what the slug rule
        follows: not as a submitted form says."""
        if obj is None or obj.pk is None:
            return False
        # read once a request (the form asks three times), when the record is first
        # asked about: before the form sets what was posted on it
        if not hasattr(obj, "stored_public"):
            obj.stored_public = Document.objects.filter(
                pk=obj.pk, is_published=True
            ).exists()
        return obj.stored_public

    def get_readonly_fields(self, request, obj=None):
        readonly = super().get_readonly_fields(request, obj)
        # The slug is in public URLs: it stays as it is while the document is public.
        if self.is_public(obj):
            return ("slug", *readonly)
        return readonly

    def save_model(self, request, obj, form, change):
        if self.is_public(obj):
            # Whatever was posted: a public document's address does not change.
            obj.slug = Document.objects.values_list("slug", flat=True).get(pk=obj.pk)
        super().save_model(request, obj, form, change)

    @admin.display(description=_("follow-up status"))
    def follow_up(self, obj):
        return format_html(
            '{}<div class="help">{} <a href="{}">{}</a></div>',
            obj.get_follow_up_status_display(),
            _("It changes only when an update is recorded:"),
            record_update_url(obj),
            _("record an update"),
        )

    @admin.display(description=_("parties"))
    def parties_display(self, obj):
        # From the prefetch in get_queryset(): no query per row.
        return " / ".join(
            f"{party.body_name_at_signing} ({party.body.country.code})"
            for party in obj.listed_parties
        )

    @admin.display(description=_("referred to by"))
    def incoming_relations(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        relations = obj.relations_to.select_related("from_document").order_by(
            "kind", "from_document__title"
        )
        if not relations:
            return _("No other document refers to this one.")
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                "<li>{} <a href='{}'>{}</a> ({})</li>",
                (
                    (
                        relation.inverse_label,
                        admin_change_url(relation.from_document),
                        relation.from_document,
                        relation.get_confidence_display(),
                    )
                    for relation in relations
                ),
            ),
        )

    def history_view(self, request, object_id, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "related_history": related_history(unquote(object_id)),
        }
        return super().history_view(request, object_id, extra_context=extra_context)


@admin.register(DocumentTitle)
class DocumentTitleAdmin(BumpsParentVersionMixin, VersionedAdminMixin, HistoryAdmin):
    list_display = ("title", "language", "is_official", "document")
    list_filter = ("language", "is_official")
    list_select_related = ("document",)
    search_fields = ("title", "document__title")
    autocomplete_fields = ("document", "source")
    list_per_page = 50


@admin.register(DocumentCitation)
class DocumentCitationAdmin(BumpsParentVersionMixin, VersionedAdminMixin, HistoryAdmin):
    list_display = ("source", "document", "confidence", "claim")
    list_filter = ("confidence",)
    list_select_related = ("source", "document")
    search_fields = ("document__title", "source__url", "source__title", "claim")
    autocomplete_fields = ("document", "source")
    list_per_page = 50


# --- Parties and signatures -----------------------------------------------------------


class PartyCitationInline(VersionedInlineMixin, admin.TabularInline):
    model = PartyCitation
    extra = 0
    autocomplete_fields = ("source",)
    fields = ("source", "confidence", "claim", "note")


@admin.register(Party)
class PartyAdmin(
    DerivesStatusFromStepsMixin,
    BumpsParentVersionMixin,
    VersionedAdminMixin,
    HistoryAdmin,
):
    list_display = ("__str__", "document", "order", "signatory_position")
    search_fields = (
        "signatory_name",
        *language_columns("body__name"),
        *language_columns("body__short_name"),
        "document__title",
    )
    autocomplete_fields = ("document", "body")
    inlines = (PartyCitationInline, PartyStepInline)
    list_per_page = 50
    fieldsets = (
        (None, {"fields": ("document", "body", "order")}),
        (
            _("Signature"),
            {"fields": ("signatory_name", "signatory_position", "note")},
        ),
    )

    def get_queryset(self, request):
        # The party's name is its body's, so autocomplete results need the body
        # too; and a select_related() here makes the changelist skip
        # list_select_related, hence both relations.
        return super().get_queryset(request).select_related("body", "document")


@admin.register(PartyCitation)
class PartyCitationAdmin(EditedInsideMixin, VersionedAdminMixin, HistoryAdmin):
    list_display = ("source", "party", "confidence", "claim")
    list_filter = ("confidence",)
    list_select_related = ("source", "party__body")
    search_fields = (
        *language_columns("party__body__name"),
        "party__signatory_name",
        "source__url",
        "source__title",
        "claim",
    )
    autocomplete_fields = ("party", "source")
    list_per_page = 50


# --- Relations ------------------------------------------------------------------------


@admin.register(Relation)
class RelationAdmin(BumpsParentVersionMixin, VersionedAdminMixin, HistoryAdmin):
    versioned_parent = "from_document"

    list_display = ("from_document", "kind", "to_document", "confidence")
    list_filter = ("kind", "confidence")
    list_select_related = ("from_document", "to_document")
    search_fields = ("from_document__title", "to_document__title", "note")
    autocomplete_fields = ("from_document", "to_document", "source")
    list_per_page = 50
