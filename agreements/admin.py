"""The staff's daily tool: every record of the register, edited where it belongs.

A document is edited on one page with its parties, relations, sources, titles and
actions; signature sources are edited on the party's own page, linked from the document.
Choices that grow with the data (bodies, events, documents, sources) are autocompletes,
and list filters offer only values that occur, never all 249 countries.

Follow-up statuses (a document's, an action's) are read-only on their forms: they change
only by recording a progress update, through ``agreements.followup`` (the progress
update add page, "mark done" and the "set follow-up status" bulk actions), so each
change is a dated entry naming who recorded it.

Review before publishing: the "published" flag of documents and events is read-only
for anyone without the publish permission (Editors), and ``services.set_publication``
keeps it as stored whatever they post, on the add, change and history-revert forms;
the publish and unpublish bulk actions are offered to publishers only and refused to
others. No lost edits: documents, events and bodies are edited with optimistic locking
(``VersionedAdminMixin``).
"""

import datetime

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.options import csrf_protect_m
from django.contrib.admin.utils import unquote
from django.contrib.admin.widgets import AdminDateWidget, AutocompleteSelect
from django.contrib.auth import get_permission_codename, get_user_model
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import models, router, transaction
from django.db.models import Count, Exists, OuterRef
from django.forms.models import BaseInlineFormSet
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.admin import SimpleHistoryAdmin
from simple_history.models import DeletedObject
from simple_history.template_utils import HistoricalRecordContextHelper

from . import followup, services
from .models import (
    Action,
    ActionCitation,
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
    ProgressUpdate,
    Relation,
    ReminderLog,
    Source,
    Topic,
)
from .models.followup import DUE_SOON_DAYS

# Enough to choose from at a glance; older events are reached by search or by the
# "documents" link on the event's page.
RECENT_EVENTS_IN_FILTER = 20
# Likewise the bodies responsible for the most actions; others by search.
BODIES_IN_FILTER = 20


def admin_change_url(obj):
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=(obj.pk,))


def record_update_url(document, action=None):
    """The progress update add page, with the document (and action) filled in."""
    params = {"document": document.pk}
    if action is not None:
        params["action"] = action.pk
    return f"{reverse('admin:agreements_progressupdate_add')}?{urlencode(params)}"


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


# --- No lost edits: optimistic locking ------------------------------------------------


def conflict_message(instance):
    """What the second of two editors is told: who saved meanwhile, and where the
    current version is."""
    opts = instance._meta
    latest = instance.history.select_related("history_user").first()
    change = ""
    if latest is not None:
        change = (
            _(" (the latest change: by %(user)s, %(moment)s)")
            % {
                "user": latest.history_user,
                "moment": format_moment(latest.history_date),
            }
            if latest.history_user
            else _(" (the latest change: %(moment)s)")
            % {"moment": format_moment(latest.history_date)}
        )
    return format_html(
        "{} <a href='{}'>{}</a>{}",
        _(
            "This %(model)s was changed by someone else while you were editing "
            "it%(change)s, so your changes were not saved: they would have "
            "overwritten theirs. What you entered is still shown below."
        )
        % {"model": opts.verbose_name, "change": change},
        admin_change_url(instance),
        _("Open the current version"),
        _(", then make your changes again."),
    )


class VersionedAdminForm(forms.ModelForm):
    """Carries the version the record had when the form was opened, in a hidden
    field, and refuses to save over a later one (a non-field error).

    The check here tells the user early; ``VersionedAdminMixin.save_model`` makes it
    certain with an atomic claim of the next version.
    """

    version = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # model_to_dict() leaves out non-editable fields; the history revert form's
        # instance has the stored version too (it is not kept in history).
        self.initial.setdefault("version", self.instance.version)

    def clean(self):
        cleaned_data = super().clean()
        if self.instance.pk is None:
            return cleaned_data
        try:
            version = int(cleaned_data.get("version") or "")
        except ValueError:
            raise ValidationError(
                _(
                    "This form does not say which version of the %(model)s it "
                    "edits, so it was not saved. Open the page again."
                )
                % {"model": self.instance._meta.verbose_name},
                code="no_version",
            ) from None
        if version != self.instance.version:
            raise ValidationError(conflict_message(self.instance), code="edit_conflict")
        cleaned_data["version"] = version
        return cleaned_data


class VersionedAdminMixin:
    """Optimistic locking for a model with a ``version`` field.

    Two staff members open the same record; the first saves; the second's save is
    refused with the form shown again, a message saying who changed it and when, and
    a link to the current version. Nothing of the refused submission is saved, its
    inlines included: the check is in the form, so Django saves nothing. Should the
    first save land between that check and the second's save, the atomic claim in
    ``save_model`` fails, the transaction (inlines too) rolls back, and the view runs
    again, which then shows the same message.
    """

    form = VersionedAdminForm
    # The revert form needs the hidden version too (the change form's template,
    # admin/agreements/change_form.html, renders it).
    object_history_form_template = "admin/agreements/object_history_form.html"

    def save_model(self, request, obj, form, change):
        if change:
            services.claim_version(instance=obj, version=form.cleaned_data["version"])
        super().save_model(request, obj, form, change)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        return self._retry_on_conflict(
            request, object_id, super().changeform_view, form_url, extra_context
        )

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        def revert(request, object_id, version_id, extra_context):
            # simple-history's revert saves outside a transaction; the claim needs one.
            with transaction.atomic(using=router.db_for_write(self.model)):
                return super(VersionedAdminMixin, self).history_form_view(
                    request, object_id, version_id, extra_context
                )

        return self._retry_on_conflict(
            request, object_id, revert, version_id, extra_context
        )

    def _retry_on_conflict(self, request, object_id, view, *args):
        try:
            return view(request, object_id, *args)
        except services.EditConflict:
            pass
        # Everything was rolled back; run again: the form now sees the new version.
        try:
            return view(request, object_id, *args)
        except services.EditConflict as conflict:
            self.message_user(
                request,
                _(
                    "Your changes were not saved: the %(model)s was being changed "
                    "at the same time. Open it again."
                )
                % {"model": self.opts.verbose_name},
                messages.ERROR,
            )
            return HttpResponseRedirect(admin_change_url(conflict.instance))


class BumpsParentVersionMixin:
    """For the page of a part of a record that the record's own form also edits as an
    inline (a party of a document, say): a change here refuses the record's forms
    opened before, which would write the part back as it was."""

    #: The foreign key to the record that has a version.
    versioned_parent = "document"

    def _bump_parent(self, obj):
        field = self.model._meta.get_field(self.versioned_parent)
        parent_id = getattr(obj, field.attname)
        if parent_id is not None:
            services.bump_version(model=field.related_model, pk=parent_id)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        self._bump_parent(obj)

    def delete_model(self, request, obj):
        self._bump_parent(obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self._bump_parent(obj)
        super().delete_queryset(request, queryset)


# --- Review before publishing ---------------------------------------------------------


class PublishedByFilter(admin.SimpleListFilter):
    """Records by who published them; lists only users who published some."""

    title = _("published by")
    parameter_name = "published_by"

    def lookups(self, request, model_admin):
        published = model_admin.model.objects.filter(published_by=OuterRef("pk"))
        return [
            (str(user.pk), str(user))
            for user in get_user_model()
            .objects.filter(Exists(published))
            .order_by("username")
        ]

    def queryset(self, request, queryset):
        if self.value():
            if not self.value().isdigit():
                return queryset.none()
            return queryset.filter(published_by=self.value())
        return queryset


class PublishingAdminMixin:
    """Only publishers (the model's ``publish_<model>`` permission) publish.

    For others the flag is read-only on every form and kept as stored on save
    (``services.set_publication``), new records are drafts, and the publish and
    unpublish actions are neither offered nor accepted from a crafted POST.
    Publishing from a form records who and when, as the bulk actions do.
    """

    publish_actions = ("publish", "unpublish")

    def has_publish_permission(self, request):
        return services.can_publish(request.user, self.model)

    def get_readonly_fields(self, request, obj=None):
        readonly = tuple(super().get_readonly_fields(request, obj))
        if not self.has_publish_permission(request):
            readonly += ("is_published",)
        return readonly

    def save_model(self, request, obj, form, change):
        services.set_publication(instance=obj, user=request.user)
        super().save_model(request, obj, form, change)

    @csrf_protect_m
    def changelist_view(self, request, extra_context=None):
        posted = set(request.POST.getlist("action")) if request.method == "POST" else ()
        if (
            set(self.publish_actions) & set(posted)
            and self.has_view_or_change_permission(request)
            and not self.has_publish_permission(request)
        ):
            self.message_user(
                request,
                _(
                    "Only publishers can publish or unpublish %(records)s; nothing "
                    "was changed."
                )
                % {"records": self.opts.verbose_name_plural},
                messages.ERROR,
            )
            return HttpResponseRedirect(request.get_full_path())
        return super().changelist_view(request, extra_context)

    def _publish_action(self, request, queryset, *, published):
        count = services.set_published(
            records=queryset, published=published, user=request.user
        )
        opts = self.opts
        name = opts.verbose_name if count == 1 else opts.verbose_name_plural
        if published:
            message = _("%(count)d %(name)s published.")
        else:
            message = _("%(count)d %(name)s withdrawn from the public site.")
        self.message_user(request, message % {"count": count, "name": name})

    @admin.action(
        description=_("Publish selected %(verbose_name_plural)s"),
        permissions=("publish",),
    )
    def publish(self, request, queryset):
        self._publish_action(request, queryset, published=True)

    @admin.action(
        description=_("Unpublish selected %(verbose_name_plural)s"),
        permissions=("publish",),
    )
    def unpublish(self, request, queryset):
        self._publish_action(request, queryset, published=False)

    def get_historical_record_context_helper(self, request, historical_record):
        # Shows "published by: None → dana" rather than a "deleted user".
        return HistoryContextHelper(self.model, historical_record)

    @admin.display(description=_("publication"))
    def publication(self, obj):
        if obj is None or obj.pk is None:
            return _("A new record is a draft until a publisher publishes it.")
        if not obj.is_published:
            return _("Not published: a publisher publishes it after review.")
        if obj.published_at is None:
            return _("Published (who and when were not recorded then).")
        return _("Published by %(user)s, %(moment)s.") % {
            "user": obj.published_by or _("a deleted user"),
            "moment": format_moment(obj.published_at),
        }

    @admin.display(description=_("published by"), ordering="published_at")
    def published_column(self, obj):
        if not obj.is_published or obj.published_at is None:
            return None
        return format_html(
            "{}<br>{}",
            obj.published_by or _("a deleted user"),
            formats.date_format(timezone.localtime(obj.published_at), "DATE_FORMAT"),
        )


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
    #: The path from the listed model to the event's id.
    event_field = "event_id"

    def lookups(self, request, model_admin):
        events = list(
            self.events_offered().order_by("-date", "title")[:RECENT_EVENTS_IN_FILTER]
        )
        chosen = self.value()
        if chosen and chosen.isdigit() and all(str(e.pk) != chosen for e in events):
            events += list(Event.objects.filter(pk=chosen))
        return [(str(event.pk), str(event)) for event in events]

    def queryset(self, request, queryset):
        if self.value():
            if not self.value().isdigit():
                return queryset.none()
            return queryset.filter(**{self.event_field: self.value()})
        return queryset

    def events_offered(self):
        return Event.objects.filter(
            Exists(Document.objects.filter(event=OuterRef("pk")))
        )


class ActionEventFilter(RecentEventFilter):
    """The latest events whose documents have actions, and the one chosen."""

    event_field = "document__event_id"

    def events_offered(self):
        return Event.objects.filter(
            Exists(Action.objects.filter(document__event=OuterRef("pk")))
        )


class ActionPartyCountryFilter(PartyCountryFilter):
    """Actions of documents with a party from a country."""

    def queryset(self, request, queryset):
        if self.value():
            return queryset.for_countries([self.value()])
        return queryset


class DeadlineFilter(admin.SimpleListFilter):
    """Open actions past or near their due date, and actions with no due date."""

    title = _("deadline")
    parameter_name = "deadline"

    def lookups(self, request, model_admin):
        return [
            ("overdue", _("overdue")),
            ("due_soon", _("due within %(days)d days") % {"days": DUE_SOON_DAYS}),
            ("none", _("no due date")),
        ]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        if self.value() == "overdue":
            return queryset.overdue(today)
        if self.value() == "due_soon":
            return queryset.due_soon(today)
        if self.value() == "none":
            return queryset.filter(due_on__isnull=True)
        return queryset


class ResponsibleBodyFilter(admin.SimpleListFilter):
    """The bodies responsible for the most actions, and the one chosen.

    Thousands of bodies would not fit in the sidebar; the others are found by
    searching for their names.
    """

    title = _("responsible body")
    parameter_name = "responsible_body"

    def lookups(self, request, model_admin):
        responsible = Action.responsible_bodies.through.objects.filter(
            body=OuterRef("pk")
        )
        bodies = list(
            Body.objects.filter(Exists(responsible))
            .annotate(actions_count=Count("actions"))
            .order_by("-actions_count", "name", "id")[:BODIES_IN_FILTER]
        )
        chosen = self.value()
        if chosen and chosen.isdigit() and all(str(b.pk) != chosen for b in bodies):
            bodies += list(Body.objects.filter(pk=chosen))
        return [(str(body.pk), str(body)) for body in bodies]

    def queryset(self, request, queryset):
        if self.value():
            if not self.value().isdigit():
                return queryset.none()
            # Exists() rather than a join: a join would repeat an action per body.
            return queryset.filter(
                Exists(
                    Action.responsible_bodies.through.objects.filter(
                        action=OuterRef("pk"), body_id=self.value()
                    )
                )
            )
        return queryset


class UpdateSubjectFilter(admin.SimpleListFilter):
    """Updates about a document as a whole, or about one of its actions."""

    title = _("about")
    parameter_name = "about"

    def lookups(self, request, model_admin):
        return [("document", _("the document")), ("action", _("an action"))]

    def queryset(self, request, queryset):
        if self.value() in ("document", "action"):
            return queryset.filter(action__isnull=self.value() == "document")
        return queryset


class StatusAfterFilter(admin.SimpleListFilter):
    """The status an update leads to; a value both kinds share is offered once."""

    title = _("status after")
    parameter_name = "status_after"

    def lookups(self, request, model_admin):
        choices = ProgressUpdate._meta.get_field("status_after").flatchoices
        return list(dict(choices).items())

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(status_after=self.value())
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


#: An address typed without a scheme is taken as https:// (Django 6's default).
HTTPS_URLS = {models.URLField: {"assume_scheme": "https"}}


@admin.register(Body)
class BodyAdmin(VersionedAdminMixin, SimpleHistoryAdmin):
    formfield_overrides = HTTPS_URLS
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
class BodyNameAdmin(BumpsParentVersionMixin, admin.ModelAdmin):
    versioned_parent = "body"

    list_display = ("name", "short_name", "body", "valid_from", "valid_until")
    list_select_related = ("body",)
    search_fields = ("name", "short_name", "body__name")
    autocomplete_fields = ("body",)
    list_per_page = 50


# --- Sources --------------------------------------------------------------------------


@admin.register(Source)
class SourceAdmin(SimpleHistoryAdmin):
    formfield_overrides = HTTPS_URLS
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
class EventAdmin(VersionedAdminMixin, PublishingAdminMixin, SimpleHistoryAdmin):
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
    search_fields = ("title", "slug", "city")
    date_hierarchy = "date"
    autocomplete_fields = ("country",)
    prepopulated_fields = {"slug": ("title",)}
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
        (
            _("Description and publication"),
            {
                "classes": ("collapse",),
                "fields": (
                    "description",
                    "is_published",
                    "publication",
                    "updated_at",
                ),
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
class EventCitationAdmin(BumpsParentVersionMixin, admin.ModelAdmin):
    versioned_parent = "event"

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


def _follow_up_action(status):
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


class ActionInline(admin.TabularInline):
    """The document's commitments, edited in place; their statuses change only by
    recording an update, from the action's own page."""

    model = Action
    extra = 0
    show_change_link = True
    autocomplete_fields = ("responsible_bodies",)
    prepopulated_fields = {"slug": ("title",)}
    fields = (
        "title",
        "slug",
        "description",
        "clause",
        "responsible_bodies",
        "due_on",
        "focal_person",
        "contact_email",
        "status",
        "completed_on",
    )
    readonly_fields = ("status", "completed_on")
    formfield_overrides = {
        models.TextField: {"widget": forms.Textarea(attrs={"rows": 2, "cols": 30})}
    }

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("responsible_bodies")


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


@admin.register(Document)
class DocumentAdmin(
    VersionedAdminMixin, PublishingAdminMixin, RecordsUpdatesMixin, SimpleHistoryAdmin
):
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
    # Only while the slug can change: see get_prepopulated_fields(). (The history
    # revert form reads this attribute directly: no prepopulating there.)
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
        ActionInline,
        ProgressUpdateInline,
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
        return super().get_queryset(request).with_parties()

    def get_inlines(self, request, obj):
        # A document being added has no updates yet.
        if obj is None:
            return [i for i in self.inlines if i is not ProgressUpdateInline]
        return self.inlines

    def get_fieldsets(self, request, obj=None):
        # A new document starts with a follow-up status; after that it changes only
        # by recording an update, so the change form shows it read-only.
        if obj is None:
            return self.fieldsets
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
            for name, options in self.fieldsets
        ]

    def is_public(self, obj):
        """Whether ``obj`` is published as stored, which is what the slug rule
        follows: not as a submitted form or a reverted historical version says."""
        if obj is None or obj.pk is None:
            return False
        if not hasattr(obj, "_stored_is_published"):
            obj._stored_is_published = Document.objects.filter(
                pk=obj.pk, is_published=True
            ).exists()
        return obj._stored_is_published

    def get_readonly_fields(self, request, obj=None):
        readonly = super().get_readonly_fields(request, obj)
        # The slug is in public URLs: it stays as it is while the document is public.
        if self.is_public(obj):
            return ("slug", *readonly)
        return readonly

    def get_prepopulated_fields(self, request, obj=None):
        if self.is_public(obj):
            return {}
        return {"slug": ("title",)}

    def save_model(self, request, obj, form, change):
        if self.is_public(obj):
            # A reverted historical version carries its own slug.
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
class DocumentTitleAdmin(BumpsParentVersionMixin, admin.ModelAdmin):
    list_display = ("title", "language", "is_official", "document")
    list_filter = ("language", "is_official")
    list_select_related = ("document",)
    search_fields = ("title", "document__title")
    autocomplete_fields = ("document", "source")
    list_per_page = 50


@admin.register(DocumentCitation)
class DocumentCitationAdmin(BumpsParentVersionMixin, SimpleHistoryAdmin):
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
class PartyAdmin(BumpsParentVersionMixin, SimpleHistoryAdmin):
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
class RelationAdmin(BumpsParentVersionMixin, SimpleHistoryAdmin):
    versioned_parent = "from_document"

    list_display = ("from_document", "kind", "to_document", "confidence")
    list_filter = ("kind", "confidence")
    list_select_related = ("from_document", "to_document")
    search_fields = ("from_document__title", "to_document__title", "note")
    autocomplete_fields = ("from_document", "to_document", "source")
    list_per_page = 50


# --- Follow-up ------------------------------------------------------------------------


class ActionCitationInline(admin.TabularInline):
    model = ActionCitation
    extra = 0
    autocomplete_fields = ("source",)
    fields = ("source", "confidence", "claim", "note")


@admin.register(Action)
class ActionAdmin(BumpsParentVersionMixin, RecordsUpdatesMixin, SimpleHistoryAdmin):
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
    )
    list_select_related = ("document",)
    search_fields = (
        "title",
        "description",
        "document__title",
        "responsible_bodies__name",
        "responsible_bodies__short_name",
    )
    date_hierarchy = "due_on"
    list_per_page = 50
    # The full count is a COUNT(*) over every action on every page view.
    show_full_result_count = False
    actions = ("mark_done",)
    autocomplete_fields = ("document", "responsible_bodies")
    prepopulated_fields = {"slug": ("title",)}
    readonly_fields = ("status_display", "completed_on", "created_at", "updated_at")
    inlines = (ActionCitationInline, ActionUpdateInline)
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "document",
                    "title",
                    "slug",
                    "clause",
                    "description",
                    "responsible_bodies",
                    "due_on",
                )
            },
        ),
        (_("Status"), {"fields": ("status_display", "completed_on")}),
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
        if obj.is_due_soon:
            return _("due soon")
        return None

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
class ActionCitationAdmin(SimpleHistoryAdmin):
    list_display = ("source", "action", "confidence", "claim")
    list_filter = ("confidence",)
    list_select_related = ("source", "action")
    search_fields = ("action__title", "source__url", "source__title", "claim")
    autocomplete_fields = ("action", "source")
    list_per_page = 50


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
        )
        help_texts = {
            "status_after": _(
                "A document status for an update about the document, an action "
                "status for one about an action. The current status records "
                "progress without a change."
            ),
        }

    def clean(self):
        cleaned_data = super().clean()
        document, action = cleaned_data.get("document"), cleaned_data.get("action")
        if document is not None:
            self.instance.status_before = (
                action.status if action else document.follow_up_status
            )
        return cleaned_data

    def _post_clean(self):
        super()._post_clean()
        # The one rule of record_update that model validation does not check, once
        # the entry is otherwise valid, so that its message comes alone.
        if self.errors:
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
class ProgressUpdateAdmin(UpdateColumns, SimpleHistoryAdmin):
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
    list_filter = (UpdateSubjectFilter, StatusAfterFilter, "confidence")
    list_select_related = ("document", "action", "recorded_by")
    search_fields = ("title", "text", "document__title", "action__title")
    date_hierarchy = "happened_on"
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
        "recorded_by",
        "created_at",
    )

    def get_fieldsets(self, request, obj=None):
        return self.add_fieldsets if obj is None else self.fieldsets

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
