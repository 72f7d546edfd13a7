"""A document's official identifiers and texts in the admin: inlines on the
document's form, their own pages (for links and history), and the document
changelist's action that reads the text of the selected documents' files.

An upload is checked before anything is stored (``agreements.texts.validation``):
a bad file is a form error on its row. A good one is saved at once, waiting for its
text, which the action or ``manage.py extract_texts`` reads outside the form.
"""

from django.contrib import admin, messages
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from ..models import Attachment, DocumentIdentifier
from ..texts.extraction import extract
from ..texts.validation import check_upload
from .history import HistoryAdmin
from .mixins import (
    HTTPS_URLS,
    BumpsParentVersionMixin,
    VersionedAdminForm,
    VersionedAdminMixin,
    VersionedInlineForm,
    VersionedInlineMixin,
)

State = Attachment.TextState


class UploadCheckMixin:
    """For an attachment's form: checks a new upload, and records what it is."""

    def clean_file(self):
        uploaded = self.cleaned_data.get("file")
        if isinstance(uploaded, UploadedFile):
            upload = check_upload(uploaded)
            instance = self.instance
            instance.size = upload.size
            instance.content_type = upload.content_type
            instance.pages = upload.pages
            # a new file waits for its text (agreements.texts.extraction)
            instance.text_state = State.WAITING
            instance.extracted_text = ""
            instance.extracted_at = None
        return uploaded

    def clean(self):
        cleaned_data = super().clean()
        if not cleaned_data.get("file") and cleaned_data.get("url"):
            instance = self.instance
            instance.text_state = State.LINK
            instance.size = instance.pages = instance.extracted_at = None
            instance.content_type = instance.extracted_text = ""
        return cleaned_data


class AttachmentInlineForm(UploadCheckMixin, VersionedInlineForm):
    pass


class AttachmentAdminForm(UploadCheckMixin, VersionedAdminForm):
    pass


def size_shown(attachment):
    return filesizeformat(attachment.size) if attachment.size is not None else "—"


class DocumentIdentifierInline(VersionedInlineMixin, admin.TabularInline):
    model = DocumentIdentifier
    formfield_overrides = HTTPS_URLS
    extra = 0
    autocomplete_fields = ("source",)
    fields = ("kind", "value", "issuer", "url", "source", "confidence")


class AttachmentInline(VersionedInlineMixin, admin.StackedInline):
    model = Attachment
    formfield_overrides = HTTPS_URLS
    form = AttachmentInlineForm
    extra = 0
    autocomplete_fields = ("source",)
    fields = (
        ("kind", "language"),
        "title",
        "file",
        "url",
        ("source", "confidence"),
        ("text_state", "size_shown", "pages"),
    )
    readonly_fields = ("text_state", "size_shown", "pages")

    def get_queryset(self, request):
        return super().get_queryset(request).defer("extracted_text", "search_vector")

    @admin.display(description=_("size"))
    def size_shown(self, attachment):
        return size_shown(attachment)


@admin.action(
    description=_("Extract the text of the selected documents' files"),
    permissions=["change"],
)
def extract_texts(modeladmin, request, queryset):
    """The document changelist's action: reads each file of the selected documents
    again, whatever its state."""
    attachments = (
        Attachment.objects.files()
        .filter(document__in=queryset.values("pk"))
        .defer("extracted_text", "search_vector")
    )
    reached = extract(attachments)
    total = sum(reached.values())
    if not total:
        modeladmin.message_user(
            request, _("The selected documents have no files."), messages.WARNING
        )
        return
    modeladmin.message_user(
        request,
        ngettext(
            "%(total)d file read: %(done)d with text, %(scans)d without a text "
            "layer, %(failed)d failed.",
            "%(total)d files read: %(done)d with text, %(scans)d without a text "
            "layer, %(failed)d failed.",
            total,
        )
        % {
            "total": total,
            "done": reached[State.DONE],
            "scans": reached[State.NO_TEXT_LAYER],
            "failed": reached[State.FAILED],
        },
        messages.WARNING if reached[State.FAILED] else messages.SUCCESS,
    )


@admin.register(DocumentIdentifier)
class DocumentIdentifierAdmin(
    BumpsParentVersionMixin, VersionedAdminMixin, HistoryAdmin
):
    list_display = ("value", "kind", "issuer", "document")
    formfield_overrides = HTTPS_URLS
    list_filter = ("kind",)
    list_select_related = ("document",)
    search_fields = ("value", "issuer", "document__title")
    autocomplete_fields = ("document", "source")
    list_per_page = 50


@admin.register(Attachment)
class AttachmentAdmin(BumpsParentVersionMixin, VersionedAdminMixin, HistoryAdmin):
    form = AttachmentAdminForm
    formfield_overrides = HTTPS_URLS
    list_display = (
        "__str__",
        "document",
        "kind",
        "language",
        "text_state",
        "size_shown",
    )
    list_filter = ("kind", "language", "text_state")
    list_select_related = ("document",)
    search_fields = ("title", "url", "file", "document__title")
    autocomplete_fields = ("document", "source")
    readonly_fields = ("text_state", "size_shown", "content_type", "pages")
    list_per_page = 50

    def get_queryset(self, request):
        return super().get_queryset(request).defer("extracted_text", "search_vector")

    @admin.display(description=_("size"))
    def size_shown(self, attachment):
        return size_shown(attachment)
