"""The register's admins: countries, topics, bodies, sources and events (documents,
parties and relations: ``documents``)."""

from functools import partial

from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Value, When
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TabbedTranslationAdmin

from ..aggregates import cached_aggregate
from ..imports import BodyResource, EventResource, SourceResource
from ..models import (
    Action,
    Body,
    BodyName,
    Country,
    Document,
    Event,
    EventCitation,
    Source,
    Topic,
)
from ..search import language_columns
from .changelists import LargeListMixin, request_stamp, search_words
from .filters import (
    BodyCountryFilter,
    PublishedByFilter,
    PublishedYearFilter,
    PublisherFilter,
)
from .history import HistoryAdmin
from .mixins import (
    HTTPS_URLS,
    BumpsParentVersionMixin,
    PublishingAdminMixin,
    VersionedAdminMixin,
    VersionedInlineMixin,
    admin_change_url,
)
from .package import package_view
from .spreadsheets import SpreadsheetMixin
from .widgets import PUBLISHERS_SUGGESTED, SuggestingTextInput


def linked(obj):
    """A record that keeps another from being deleted, as the delete page lists it."""
    return format_html(
        "{}: <a href='{}'>{}</a>",
        capfirst(obj._meta.verbose_name),
        admin_change_url(obj),
        obj,
    )


# --- Countries and topics -------------------------------------------------------------


@admin.register(Country)
class CountryAdmin(HistoryAdmin):
    list_display = ("name", "code", "language")
    search_fields = ("name", "code")
    list_per_page = 50

    def get_search_results(self, request, queryset, search_term):
        # "RU" is first Russia's code, then the names that hold the letters
        # (Aruba...): the exact code comes first, in the list and the autocomplete.
        queryset, may_have_duplicates = super().get_search_results(
            request, queryset, search_term
        )
        term = search_term.strip().upper()
        if len(term) == 2:
            queryset = queryset.annotate(
                exact_code=Case(
                    When(code=term, then=Value(0)),
                    default=Value(1),
                    output_field=IntegerField(),
                )
            ).order_by("exact_code", "name")
        return queryset, may_have_duplicates


class TopicChangeList(ChangeList):
    """Topics with their documents counted once until the register changes, rather
    than by a GROUP BY over every document's topics at every view."""

    def get_results(self, request):
        super().get_results(request)
        counts = cached_aggregate(
            request_stamp(request),
            "admin:topic-documents",
            lambda: dict(
                Document.topics.through.objects.values_list("topic_id")
                .annotate(documents=Count("pk"))
                .order_by()
            ),
            per_language=False,
        )
        for topic in self.result_list:
            topic.documents_count = counts.get(topic.pk, 0)


@admin.register(Topic)
class TopicAdmin(VersionedAdminMixin, TabbedTranslationAdmin, HistoryAdmin):
    list_display = ("name", "slug", "documents_count")
    search_fields = (*language_columns("name"), "slug")
    prepopulated_fields = {"slug": ("name",)}
    list_per_page = 50

    def get_changelist(self, request, **kwargs):
        return TopicChangeList

    # not sortable: sorting would count every document's topics
    @admin.display(description=_("documents"))
    def documents_count(self, obj):
        return obj.documents_count

    def get_deleted_objects(self, objs, request):
        # Documents tagged with a topic would lose the tag without a trace: they keep
        # it, and the page lists them, until they no longer use it.
        deleted, counts, perms_needed, protected = super().get_deleted_objects(
            objs, request
        )
        documents = (
            Document.objects.filter(topics__in=objs).distinct().order_by("title")
        )
        return deleted, counts, perms_needed, [*protected, *map(linked, documents)]


# --- Bodies ---------------------------------------------------------------------------


class BodyNameInline(VersionedInlineMixin, admin.TabularInline):
    model = BodyName
    extra = 0
    fields = ("name", "short_name", "valid_from", "valid_until", "note")


#: An address typed without a scheme is taken as https:// (Django 6's default).


@admin.register(Body)
class BodyAdmin(
    LargeListMixin,
    SpreadsheetMixin,
    VersionedAdminMixin,
    TabbedTranslationAdmin,
    HistoryAdmin,
):
    resource_classes = [BodyResource]
    import_help = _(
        "One body a row: its names in each language (the names it uses itself, from an "
        "official source), its kind, its country's ISO code and its parent's slug. An "
        "empty slug makes a new body."
    )
    formfield_overrides = HTTPS_URLS
    list_display = ("name", "short_name", "kind", "country", "parent", "documents")
    list_filter = (BodyCountryFilter, "kind")
    list_select_related = ("country", "parent")
    search_fields = (
        *language_columns("name"),
        *language_columns("short_name"),
        "former_names__name",
    )
    autocomplete_fields = ("country", "parent")
    # the slug is made on save, from whole words (Body.slug_from)
    inlines = (BodyNameInline,)
    list_per_page = 50
    fieldsets = (
        (None, {"fields": ("name", "short_name", "slug", "kind", "country", "parent")}),
        (
            _("Details"),
            {"classes": ("collapse",), "fields": ("website", "description")},
        ),
    )

    def get_search_results(self, request, queryset, search_term):
        """Every word in a name or short name, in any language, or in a former
        name: a subquery for the former names, not a join, so no ``DISTINCT``."""

        def former(word):
            return Exists(
                BodyName.objects.filter(body=OuterRef("pk"), name__icontains=word)
            )

        fields = (*language_columns("name"), *language_columns("short_name"))
        return search_words(queryset, search_term, fields, related=(former,)), False

    def get_queryset(self, request):
        # One party per document and body, so parties count documents: a subquery
        # on the parties' body index for each body listed, not a GROUP BY over
        # every party.
        return super().get_queryset(request).with_documents_count()

    def get_deleted_objects(self, objs, request):
        # A body's children (their parent would be cleared) and the actions that
        # name it responsible (it would drop out of them) keep it, like the
        # documents it signed: the page lists them, and nothing is deleted until
        # they no longer refer to it.
        deleted, counts, perms_needed, protected = super().get_deleted_objects(
            objs, request
        )
        bodies = [body.pk for body in objs]
        referring = [
            *Body.objects.filter(parent__in=bodies).order_by("name"),
            *Action.objects.filter(responsible_bodies__in=bodies)
            .distinct()
            .order_by("title"),
        ]
        return deleted, counts, perms_needed, [*protected, *map(linked, referring)]

    # not sortable: sorting would count the parties of every body
    @admin.display(description=_("documents"))
    def documents(self, obj):
        return obj.documents_count


@admin.register(BodyName)
class BodyNameAdmin(BumpsParentVersionMixin, VersionedAdminMixin, HistoryAdmin):
    versioned_parent = "body"

    list_display = ("name", "short_name", "body", "valid_from", "valid_until")
    list_select_related = ("body",)
    search_fields = ("name", "short_name", *language_columns("body__name"))
    autocomplete_fields = ("body",)
    list_per_page = 50


# --- Sources --------------------------------------------------------------------------


@admin.register(Source)
class SourceAdmin(LargeListMixin, SpreadsheetMixin, VersionedAdminMixin, HistoryAdmin):
    resource_classes = [SourceResource]
    import_help = _("One source a row, found by its URL.")
    formfield_overrides = HTTPS_URLS
    list_display = ("__str__", "url", "publisher", "published_on", "accessed_on")
    list_filter = (PublisherFilter, PublishedYearFilter)
    search_fields = ("url", "title", "publisher")
    list_per_page = 50

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        # The publishers already recorded are offered as the name is typed, so that
        # "Kazinform" is not entered again as "Kazinform (inform.kz)".
        if db_field.name == "publisher":
            kwargs["widget"] = SuggestingTextInput(
                suggestions=Source.objects.exclude(publisher="")
                .order_by("publisher")
                .values_list("publisher", flat=True)
                .distinct()[:PUBLISHERS_SUGGESTED],
                attrs={"class": "vTextField"},
            )
        return super().formfield_for_dbfield(db_field, request, **kwargs)


# --- Events ---------------------------------------------------------------------------


class EventCitationInline(VersionedInlineMixin, admin.TabularInline):
    model = EventCitation
    extra = 0
    autocomplete_fields = ("source",)
    fields = ("source", "confidence", "claim", "note")


@admin.register(Event)
class EventAdmin(
    LargeListMixin,
    SpreadsheetMixin,
    VersionedAdminMixin,
    PublishingAdminMixin,
    TabbedTranslationAdmin,
    HistoryAdmin,
):
    resource_classes = [EventResource]
    import_help = _(
        "One event a row: its title in each language, kind, dates (YYYY-MM-DD), city, "
        "country's ISO code and the number of documents the sources report. An empty "
        "slug makes a new event, a draft until a publisher publishes it."
    )
    list_display = (
        "title",
        "kind",
        "date",
        "place",
        "documents_reported",
        "documents_recorded",
        "reconciliation",
        "is_published",
        "published_column",
    )
    list_filter = ("kind", "is_published", PublishedByFilter)
    list_select_related = ("country", "published_by")
    actions = ("publish", "unpublish")
    search_fields = (*language_columns("title"), "slug", "city")
    autocomplete_fields = ("country",)
    # the slug is made on save, with the date (Event.slug_from)
    readonly_fields = ("reconciliation", "document_list", "publication", "updated_at")
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
        # publication in plain view, as on a document: not in a collapsed box
        (_("Publication"), {"fields": ("is_published", "publication")}),
        (
            _("Description"),
            {"classes": ("collapse",), "fields": ("description", "updated_at")},
        ),
    )

    def get_queryset(self, request):
        # Staff see every document recorded, published or not.
        return super().get_queryset(request).with_recorded_count(published_only=False)

    def response_add(self, request, obj, post_url_continue=None):
        # "Save and add its documents": from a new event straight to its package
        if "_addpackage" in request.POST and request.user.has_perm(
            "agreements.add_document"
        ):
            return HttpResponseRedirect(
                reverse("admin:agreements_event_package", args=[obj.pk])
            )
        return super().response_add(request, obj, post_url_continue)

    def get_urls(self):
        opts = self.model._meta
        return [
            path(
                "<path:object_id>/package/",
                self.admin_site.admin_view(partial(package_view, self)),
                name=f"{opts.app_label}_{opts.model_name}_package",
            ),
            *super().get_urls(),
        ]

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
class EventCitationAdmin(BumpsParentVersionMixin, VersionedAdminMixin, HistoryAdmin):
    versioned_parent = "event"

    list_display = ("source", "event", "confidence", "claim")
    list_filter = ("confidence",)
    list_select_related = ("source", "event")
    search_fields = (
        *language_columns("event__title"),
        "source__url",
        "source__title",
        "claim",
    )
    autocomplete_fields = ("event", "source")
    list_per_page = 50
