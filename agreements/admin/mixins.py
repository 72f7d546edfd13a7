"""What the register's admins share: optimistic locking (no lost edits), review
before publishing, and helpers for links and dates."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import csrf_protect_m
from django.core.exceptions import ValidationError
from django.db import models
from django.forms.models import BaseInlineFormSet
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from .. import services
from .dates import DateHintMixin
from .history import HistoryContextHelper, format_moment
from .widgets import LoadedAutocompleteMixin, show_loaded_records


def admin_change_url(obj):
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=(obj.pk,))


def record_update_url(document, action=None):
    """The progress update add page, with the document (and action) filled in."""
    params = {"document": document.pk}
    if action is not None:
        params["action"] = action.pk
    return f"{reverse('admin:agreements_progressupdate_add')}?{urlencode(params)}"


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
        # model_to_dict() leaves out non-editable fields such as the version.
        self.initial.setdefault("version", self.instance.version)
        show_loaded_records(self)

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

    def get_fields(self, request, obj=None):
        # The form always carries the version (hidden, rendered by the template);
        # as a model field it is not editable, so it is left out of the layout.
        return [name for name in super().get_fields(request, obj) if name != "version"]

    def get_fieldsets(self, request, obj=None):
        # The same for layouts made from the form's fields (a translated model's
        # admin makes its layout so, with a tab per language).
        return [
            (
                name,
                {
                    **options,
                    "fields": [f for f in options["fields"] if f != "version"],
                },
            )
            for name, options in super().get_fieldsets(request, obj)
        ]

    def save_model(self, request, obj, form, change):
        if change:
            services.claim_version(instance=obj, version=form.cleaned_data["version"])
        super().save_model(request, obj, form, change)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        return self._retry_on_conflict(
            request, object_id, super().changeform_view, form_url, extra_context
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


class VersionedInlineForm(forms.ModelForm):
    """A row of an inline whose model has a version: carries the version the row had
    when the page was opened (``row_version``, hidden) and refuses to save a row
    changed over a later one. A row left as it was is not saved, whatever its
    version, so a colleague's change to another row never blocks the page."""

    row_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.initial.setdefault("row_version", self.instance.version)
        show_loaded_records(self)

    def has_changed(self):
        return any(name != "row_version" for name in self.changed_data)

    def clean(self):
        cleaned_data = super().clean()
        if self.instance.pk is not None and self.has_changed():
            check_row_version(self.instance, cleaned_data.get("row_version"))
        return cleaned_data


def check_row_version(instance, version):
    """Refuse a row posted at ``version`` when it is stored at another one."""
    if version is None:
        raise ValidationError(
            _(
                "This row does not say which version of the %(model)s it edits, so "
                "it was not saved. Open the page again."
            )
            % {"model": instance._meta.verbose_name},
            code="no_version",
        )
    if version != instance.version:
        raise ValidationError(conflict_message(instance), code="edit_conflict")


class VersionedInlineFormSet(BaseInlineFormSet):
    """The rows of a versioned inline: each changed row claims its next version as it
    is saved (``services.claim_version``), and a row deleted after someone else
    changed it is refused, as a changed one is."""

    @cached_property
    def empty_form(self):
        """The template row that "Add another" copies, built once: Django's
        property builds it anew each time the page asks (its media, whether it
        uploads, its columns, its row, its prepopulated fields: five forms an
        inline, each copying its fields and widgets)."""
        return super().empty_form

    def clean(self):
        super().clean()
        for form in self.deleted_forms:
            if form.instance.pk is not None:
                check_row_version(form.instance, form.cleaned_data.get("row_version"))

    def save_existing(self, form, obj, commit=True):
        services.claim_version(instance=obj, version=form.cleaned_data["row_version"])
        return super().save_existing(form, obj, commit=commit)


class VersionedInlineMixin(LoadedAutocompleteMixin, DateHintMixin):
    """For an ``InlineModelAdmin`` of a model with a version. Its rows are read with
    the records their autocompletes name, which label them without a query a box."""

    form = VersionedInlineForm
    formset = VersionedInlineFormSet

    def get_queryset(self, request):
        opts = self.model._meta
        records = [
            name
            for name in self.get_autocomplete_fields(request)
            if opts.get_field(name).many_to_one
        ]
        return super().get_queryset(request).select_related(*records)

    def get_fields(self, request, obj=None):
        fields = list(super().get_fields(request, obj))
        return fields if "row_version" in fields else [*fields, "row_version"]


class EditedInsideMixin:
    """A record staff edit inside another's form (a source citation, a party): its
    own page stays, for links and history, but the admin home and its sidebar do not
    list it beside the main records."""

    def get_model_perms(self, request):
        return {}


class BumpsParentVersionMixin(EditedInsideMixin):
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
        # The parent first: a save of the parent's form (with this part as an
        # inline) locks the parent before its parts, so both lock in one order.
        self._bump_parent(obj)
        super().save_model(request, obj, form, change)

    def delete_model(self, request, obj):
        self._bump_parent(obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self._bump_parent(obj)
        super().delete_queryset(request, queryset)


# --- Statuses that only a recorded update changes -------------------------------------

#: Fields that change only through ``followup.services.record_update`` (each change is
#: a dated progress update); a form never writes them.
RECORDED_FIELDS = {
    "agreements.document": ("follow_up_status",),
    "agreements.action": ("status", "completed_on"),
}


def keep_recorded_fields(obj):
    """Before ``obj`` is saved from a form: its recorded fields as stored now.

    The row is locked first (``SELECT ... FOR NO KEY UPDATE`` on PostgreSQL: rows that
    refer to it, such as a progress update being recorded, can still be added), so
    an update recorded while the form was being saved either lands before (and is
    kept) or waits until this save is done; the form's copy, read when the request
    began, is never written back over it.
    """
    fields = RECORDED_FIELDS.get(obj._meta.label_lower)
    if not fields or obj.pk is None:
        return
    stored = (
        type(obj)
        ._default_manager.select_for_update(no_key=True)
        .filter(pk=obj.pk)
        .values(*fields)
        .first()
    )
    for name, value in (stored or {}).items():
        setattr(obj, name, value)


class KeepsRecordedFieldsMixin:
    """For the admin of a model in ``RECORDED_FIELDS``: its own page's saves."""

    def save_model(self, request, obj, form, change):
        keep_recorded_fields(obj)
        super().save_model(request, obj, form, change)


class KeepsRecordedFieldsFormSet(VersionedInlineFormSet):
    """For an inline of a model in ``RECORDED_FIELDS``: its rows' saves."""

    def save_existing(self, form, obj, commit=True):
        keep_recorded_fields(obj)
        return super().save_existing(form, obj, commit=commit)


# --- Review before publishing ---------------------------------------------------------


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


HTTPS_URLS = {models.URLField: {"assume_scheme": "https"}}
