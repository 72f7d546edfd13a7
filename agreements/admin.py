"""The staff's daily tool: every record of the register, edited where it belongs.

A document is edited on one page with its parties, relations, sources and titles;
signature sources are edited on the party's own page, linked from the document.
Choices that grow with the data (bodies, events, documents, sources) are autocompletes,
and list filters offer only values that occur, never all 249 countries.
"""

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Count, Exists, OuterRef
from django.forms.models import BaseInlineFormSet
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.admin import SimpleHistoryAdmin
from simple_history.template_utils import HistoricalRecordContextHelper

from . import services
from .models import (
    Body,
    BodyName,
    Country,
    Document,
    DocumentCitation,
    DocumentTitle,
    Event,
    EventCitation,
    Party,
    PartyCitation,
    Relation,
    Source,
    Topic,
)

# Enough to choose from at a glance; older events are reached by search or by the
# "documents" link on the event's page.
RECENT_EVENTS_IN_FILTER = 20


def admin_change_url(obj):
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=(obj.pk,))


# --- List filters ---------------------------------------------------------------------


class PartyCountryFilter(admin.SimpleListFilter):
    """Documents with a party from a country; lists only countries that have parties."""

    title = _("party country")
    parameter_name = "party_country"

    def lookups(self, request, model_admin):
        return Country.objects.filter(
            Exists(Party.objects.filter(body__country=OuterRef("pk")))
        ).values_list("code", "name")

    def queryset(self, request, queryset):
        if self.value():
            # Exists() rather than a join: a join would repeat a document per party.
            return queryset.filter(
                Exists(
                    Party.objects.filter(
                        document=OuterRef("pk"), body__country__code=self.value()
                    )
                )
            )
        return queryset


class RecentEventFilter(admin.SimpleListFilter):
    """The latest events that have documents, and the one chosen, if older."""

    title = _("event")
    parameter_name = "event"

    def lookups(self, request, model_admin):
        events = list(
            Event.objects.filter(
                Exists(Document.objects.filter(event=OuterRef("pk")))
            ).order_by("-date", "title")[:RECENT_EVENTS_IN_FILTER]
        )
        chosen = self.value()
        if chosen and chosen.isdigit() and all(str(e.pk) != chosen for e in events):
            events += list(Event.objects.filter(pk=chosen))
        return [(str(event.pk), str(event)) for event in events]

    def queryset(self, request, queryset):
        if self.value():
            if not self.value().isdigit():
                return queryset.none()
            return queryset.filter(event_id=self.value())
        return queryset


class SignatureYearFilter(admin.SimpleListFilter):
    """The years in which documents were signed, newest first."""

    title = _("year of signature")
    parameter_name = "year"

    def lookups(self, request, model_admin):
        return [
            (str(day.year), str(day.year))
            for day in Document.objects.dates("signed_on", "year", order="DESC")
        ]

    def queryset(self, request, queryset):
        if self.value():
            if not self.value().isdigit():
                return queryset.none()
            return queryset.filter(signed_on__year=int(self.value()))
        return queryset


class BodyCountryFilter(admin.SimpleListFilter):
    """Bodies by country; lists only countries that have bodies."""

    title = _("country")
    parameter_name = "country"

    def lookups(self, request, model_admin):
        return Country.objects.filter(
            Exists(Body.objects.filter(country=OuterRef("pk")))
        ).values_list("code", "name")

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(country__code=self.value())
        return queryset


# --- Countries and topics -------------------------------------------------------------


@admin.register(Country)
class CountryAdmin(admin.ModelAdmin):
    list_display = ("name", "code")
    search_fields = ("name", "code")
    list_per_page = 50


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "documents_count")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    list_per_page = 50

    def get_queryset(self, request):
        return (
            super().get_queryset(request).annotate(documents_count=Count("documents"))
        )

    @admin.display(description=_("documents"), ordering="documents_count")
    def documents_count(self, obj):
        return obj.documents_count


# --- Bodies ---------------------------------------------------------------------------


class BodyNameInline(admin.TabularInline):
    model = BodyName
    extra = 0
    fields = ("name", "short_name", "valid_from", "valid_until", "note")


@admin.register(Body)
class BodyAdmin(SimpleHistoryAdmin):
    list_display = ("name", "short_name", "kind", "country", "parent", "documents")
    list_filter = (BodyCountryFilter, "kind")
    list_select_related = ("country", "parent")
    search_fields = ("name", "short_name", "former_names__name")
    autocomplete_fields = ("country", "parent")
    prepopulated_fields = {"slug": ("name",)}
    inlines = (BodyNameInline,)
    list_per_page = 50
    fieldsets = (
        (None, {"fields": ("name", "short_name", "slug", "kind", "country", "parent")}),
        (
            _("Details"),
            {"classes": ("collapse",), "fields": ("website", "description")},
        ),
    )

    def get_queryset(self, request):
        # One party per document and body, so parties count documents.
        return super().get_queryset(request).annotate(documents_count=Count("parties"))

    @admin.display(description=_("documents"), ordering="documents_count")
    def documents(self, obj):
        return obj.documents_count


@admin.register(BodyName)
class BodyNameAdmin(admin.ModelAdmin):
    list_display = ("name", "short_name", "body", "valid_from", "valid_until")
    list_select_related = ("body",)
    search_fields = ("name", "short_name", "body__name")
    autocomplete_fields = ("body",)
    list_per_page = 50


# --- Sources --------------------------------------------------------------------------


@admin.register(Source)
class SourceAdmin(SimpleHistoryAdmin):
    list_display = ("__str__", "url", "publisher", "published_on", "accessed_on")
    search_fields = ("url", "title", "publisher")
    date_hierarchy = "published_on"
    list_per_page = 50


# --- Events ---------------------------------------------------------------------------


class EventCitationInline(admin.TabularInline):
    model = EventCitation
    extra = 0
    autocomplete_fields = ("source",)
    fields = ("source", "confidence", "claim", "note")


@admin.register(Event)
class EventAdmin(SimpleHistoryAdmin):
    list_display = (
        "title",
        "kind",
        "date",
        "place",
        "documents_reported",
        "documents_recorded",
        "reconciliation",
        "is_published",
    )
    list_filter = ("kind", "is_published")
    list_select_related = ("country",)
    search_fields = ("title", "slug", "city")
    date_hierarchy = "date"
    autocomplete_fields = ("country",)
    prepopulated_fields = {"slug": ("title",)}
    readonly_fields = ("reconciliation", "document_list", "updated_at")
    inlines = (EventCitationInline,)
    list_per_page = 50
    fieldsets = (
        (None, {"fields": ("title", "slug", "kind", "date", "end_date")}),
        (_("Place"), {"fields": ("city", "country")}),
        (
            _("Documents"),
            {
                "fields": ("documents_reported", "reconciliation", "document_list"),
                "description": _(
                    "Compare the number the sources report with the documents "
                    "recorded for this event."
                ),
            },
        ),
        (
            _("Description and publication"),
            {
                "classes": ("collapse",),
                "fields": ("description", "is_published", "updated_at"),
            },
        ),
    )

    def get_queryset(self, request):
        # Staff see every document recorded, published or not.
        return super().get_queryset(request).with_recorded_count(published_only=False)

    @admin.display(description=_("place"), ordering="city")
    def place(self, obj):
        return ", ".join(str(part) for part in (obj.city, obj.country) if part)

    @admin.display(description=_("documents recorded"), ordering="documents_recorded")
    def documents_recorded(self, obj):
        return obj.documents_recorded

    @admin.display(description=_("reconciliation"))
    def reconciliation(self, obj):
        if obj.pk is None:
            return "—"
        numbers = obj.reconciliation(obj.documents_recorded)
        if numbers["reported"] is None:
            return _("%(recorded)d recorded, number reported unknown") % numbers
        if numbers["missing"]:
            return (
                _(
                    "%(reported)d reported, %(recorded)d recorded, "
                    "%(missing)d still to identify"
                )
                % numbers
            )
        return _("%(reported)d reported, %(recorded)d recorded") % numbers

    @admin.display(description=_("documents recorded"))
    def document_list(self, obj):
        if obj.pk is None:
            return "—"
        documents = obj.documents.order_by("signed_on", "title")
        if not documents:
            return _("No document recorded yet.")
        rows = format_html_join(
            "",
            "<li><a href='{}'>{}</a> ({}, {}{})</li>",
            (
                (
                    admin_change_url(document),
                    document.title,
                    document.get_kind_display(),
                    document.signed_on,
                    "" if document.is_published else _(", unpublished"),
                )
                for document in documents
            ),
        )
        changelist = reverse("admin:agreements_document_changelist")
        return format_html(
            "<ul>{}</ul><p><a href='{}?event={}'>{}</a></p>",
            rows,
            changelist,
            obj.pk,
            _("Open them in the documents list"),
        )


@admin.register(EventCitation)
class EventCitationAdmin(admin.ModelAdmin):
    list_display = ("source", "event", "confidence", "claim")
    list_filter = ("confidence",)
    list_select_related = ("source", "event")
    search_fields = ("event__title", "source__url", "source__title", "claim")
    autocomplete_fields = ("event", "source")
    list_per_page = 50


# --- Documents ------------------------------------------------------------------------


class PartyInlineFormSet(BaseInlineFormSet):
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


class PartyInline(admin.TabularInline):
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


class RelationInline(admin.TabularInline):
    model = Relation
    fk_name = "from_document"
    extra = 0
    autocomplete_fields = ("to_document", "source")
    fields = ("kind", "to_document", "confidence", "source", "note")
    verbose_name = _("relation to another document")
    verbose_name_plural = _("relations to other documents")


class DocumentCitationInline(admin.TabularInline):
    model = DocumentCitation
    extra = 0
    autocomplete_fields = ("source",)
    fields = ("source", "confidence", "claim", "note")


class DocumentTitleInline(admin.TabularInline):
    model = DocumentTitle
    extra = 0
    autocomplete_fields = ("source",)
    fields = ("language", "title", "is_official", "source")


def _follow_up_action(status):
    """One action per follow-up status, so staff change it without a second form."""

    @admin.action(
        description=format_lazy("{}: {}", _("Set follow-up status"), status.label),
        permissions=("change",),
    )
    def action(modeladmin, request, queryset):
        count = services.set_follow_up_status(
            documents=queryset, status=status, user=request.user
        )
        modeladmin.message_user(
            request,
            ngettext(
                "Follow-up status of %(count)d document set to “%(status)s”.",
                "Follow-up status of %(count)d documents set to “%(status)s”.",
                count,
            )
            % {"count": count, "status": status.label},
        )

    action.__name__ = f"set_follow_up_{status.value}"
    return action


@admin.register(Document)
class DocumentAdmin(SimpleHistoryAdmin):
    list_display = (
        "title",
        "kind",
        "signed_on",
        "parties_display",
        "legal_status",
        "follow_up_status",
        "is_published",
    )
    list_filter = (
        "kind",
        "legal_status",
        "follow_up_status",
        PartyCountryFilter,
        RecentEventFilter,
        "topics",
        "is_published",
        SignatureYearFilter,
    )
    search_fields = (
        "title",
        "summary",
        "parties__body__name",
        "parties__signatory_name",
    )
    date_hierarchy = "signed_on"
    list_per_page = 50
    # The full count is a COUNT(*) over the whole register on every page view.
    show_full_result_count = False
    save_on_top = True
    actions = (
        "publish",
        "unpublish",
        *(_follow_up_action(status) for status in Document.FollowUpStatus),
    )
    autocomplete_fields = ("event", "signed_country")
    filter_horizontal = ("topics",)
    prepopulated_fields = {"slug": ("title",)}
    readonly_fields = ("incoming_relations", "created_at", "updated_at")
    inlines = (
        PartyInline,
        RelationInline,
        DocumentCitationInline,
        DocumentTitleInline,
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
        (_("Event"), {"fields": ("event", "event_confidence")}),
        (
            _("Status"),
            {
                "fields": (
                    "legal_status",
                    "entered_into_force_on",
                    "ended_on",
                    "follow_up_status",
                    "is_published",
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
        return super().get_queryset(request).with_parties()

    def get_readonly_fields(self, request, obj=None):
        # The slug is in public URLs: it stays as it is while the document is public.
        if obj is not None and obj.is_published:
            return ("slug", *self.readonly_fields)
        return self.readonly_fields

    def get_prepopulated_fields(self, request, obj=None):
        if obj is not None and obj.is_published:
            return {}
        return super().get_prepopulated_fields(request, obj)

    @admin.action(description=_("Publish selected documents"), permissions=("change",))
    def publish(self, request, queryset):
        count = services.publish_documents(documents=queryset, user=request.user)
        self.message_user(
            request,
            ngettext(
                "%(count)d document published.",
                "%(count)d documents published.",
                count,
            )
            % {"count": count},
        )

    @admin.action(
        description=_("Unpublish selected documents"), permissions=("change",)
    )
    def unpublish(self, request, queryset):
        count = services.unpublish_documents(documents=queryset, user=request.user)
        self.message_user(
            request,
            ngettext(
                "%(count)d document withdrawn from the public site.",
                "%(count)d documents withdrawn from the public site.",
                count,
            )
            % {"count": count},
        )

    @admin.display(description=_("parties"))
    def parties_display(self, obj):
        # From the prefetch in get_queryset(): no query per row.
        return " / ".join(
            f"{party.body_name_at_signing} ({party.body.country.code})"
            for party in obj.parties.all()
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


def _history_entries(records, model, label):
    """Each historical record with the field changes since the one before it."""
    entries = []
    previous_by_object = {}
    for record in sorted(records, key=lambda r: (r.history_date, r.history_id)):
        previous = previous_by_object.get(record.id)
        changes = []
        if previous is not None and record.history_type == "~":
            delta = record.diff_against(previous, foreign_keys_are_objs=True)
            helper = HistoricalRecordContextHelper(model, record)
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
        Party.history.filter(document_id=document_id)
        ._select_related_history_tracked_objs()
        .select_related("history_user")
    )
    party_labels = {}
    for record in sorted(parties, key=lambda r: (r.history_date, r.history_id)):
        party_labels[record.id] = _related_object_label(record, "body")
    party_citations = list(
        PartyCitation.history.filter(party_id__in=party_labels)
        ._select_related_history_tracked_objs()
        .select_related("history_user")
    )
    citations = list(
        DocumentCitation.history.filter(document_id=document_id)
        ._select_related_history_tracked_objs()
        .select_related("history_user")
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


@admin.register(DocumentTitle)
class DocumentTitleAdmin(admin.ModelAdmin):
    list_display = ("title", "language", "is_official", "document")
    list_filter = ("language", "is_official")
    list_select_related = ("document",)
    search_fields = ("title", "document__title")
    autocomplete_fields = ("document", "source")
    list_per_page = 50


@admin.register(DocumentCitation)
class DocumentCitationAdmin(SimpleHistoryAdmin):
    list_display = ("source", "document", "confidence", "claim")
    list_filter = ("confidence",)
    list_select_related = ("source", "document")
    search_fields = ("document__title", "source__url", "source__title", "claim")
    autocomplete_fields = ("document", "source")
    list_per_page = 50


# --- Parties and signatures -----------------------------------------------------------


class PartyCitationInline(admin.TabularInline):
    model = PartyCitation
    extra = 0
    autocomplete_fields = ("source",)
    fields = ("source", "confidence", "claim", "note")


@admin.register(Party)
class PartyAdmin(SimpleHistoryAdmin):
    list_display = ("__str__", "document", "order", "signatory_position")
    search_fields = (
        "signatory_name",
        "body__name",
        "body__short_name",
        "document__title",
    )
    autocomplete_fields = ("document", "body")
    inlines = (PartyCitationInline,)
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
class PartyCitationAdmin(SimpleHistoryAdmin):
    list_display = ("source", "party", "confidence", "claim")
    list_filter = ("confidence",)
    list_select_related = ("source", "party__body")
    search_fields = (
        "party__body__name",
        "party__signatory_name",
        "source__url",
        "source__title",
        "claim",
    )
    autocomplete_fields = ("party", "source")
    list_per_page = 50


# --- Relations ------------------------------------------------------------------------


@admin.register(Relation)
class RelationAdmin(SimpleHistoryAdmin):
    list_display = ("from_document", "kind", "to_document", "confidence")
    list_filter = ("kind", "confidence")
    list_select_related = ("from_document", "to_document")
    search_fields = ("from_document__title", "to_document__title", "note")
    autocomplete_fields = ("from_document", "to_document", "source")
    list_per_page = 50
