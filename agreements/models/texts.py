"""A document's official identifiers and its texts: the numbers it is registered
under, and the signed texts, translations, annexes and official publications, as
files or as links (see ``agreements.texts`` for uploads, extraction and serving)."""

import posixpath

from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .documents import Document
from .register import Confidence, Language, Source, version_field


class DocumentIdentifierManager(models.Manager):
    def get_by_natural_key(self, slug, kind, value):
        return self.get(document__slug=slug, kind=kind, value=value)


class DocumentIdentifier(models.Model):
    """A number a document is registered or published under: the national register's
    number (Adilet, e-qanun.az), the official publication's reference, the UN Treaty
    Series registration number.

    The issuer is free text: registers and gazettes are rarely parties, so they are
    not bodies of the register. The value is part of what the public search finds
    (``agreements.search``).
    """

    class Kind(models.TextChoices):
        NATIONAL_REGISTER = "national_register", _("national register number")
        OFFICIAL_PUBLICATION = (
            "official_publication",
            _("official publication reference"),
        )
        UNTS = "unts", _("UNTS registration number")
        OTHER = "other", _("other identifier")

    document = models.ForeignKey(
        Document,
        verbose_name=_("document"),
        on_delete=models.CASCADE,
        related_name="identifiers",
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind)
    value = models.CharField(_("number or reference"), max_length=200)
    issuer = models.CharField(
        _("issuer"),
        max_length=200,
        blank=True,
        help_text=_("Who gave the number, e.g. “Adilet (Ministry of Justice)”."),
    )
    url = models.URLField(_("link"), max_length=500, blank=True)
    source = models.ForeignKey(
        Source,
        verbose_name=_("source"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
    )
    confidence = models.CharField(
        _("confidence"), max_length=10, choices=Confidence, default=Confidence.REPORTED
    )
    version = version_field()

    objects = DocumentIdentifierManager()
    history = HistoricalRecords(excluded_fields=["version"])

    class Meta:
        ordering = ("document", "kind", "value")
        verbose_name = _("official identifier")
        verbose_name_plural = _("official identifiers")
        constraints = [
            models.UniqueConstraint(
                fields=("document", "kind", "value"),
                name="agreements_documentidentifier_unique",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.value}"

    def natural_key(self):
        return (*self.document.natural_key(), self.kind, self.value)

    natural_key.dependencies = ["agreements.document"]


def attachment_path(attachment, filename):
    """Where a file is stored: under its document's id, keeping its own name (the
    storage adds a suffix where the name is taken)."""
    return f"texts/{attachment.document_id}/{filename}"


class AttachmentQuerySet(models.QuerySet):
    def files(self):
        return self.exclude(file="")

    def waiting(self):
        return self.filter(text_state=Attachment.TextState.WAITING)

    def listed(self):
        """What a document's page lists: everything but the long text."""
        return self.select_related("source").defer("extracted_text", "search_vector")


class Attachment(models.Model):
    """A text of a document: a file (PDF, DOCX or plain text) kept through Django's
    storage, or a link to an official text held elsewhere.

    An upload is saved at once and waits for its text: ``manage.py extract_texts``
    or the document changelist's action reads it outside the request
    (``agreements.texts.extraction``). The extracted text is what the public search
    reads in the files; on PostgreSQL a trigger keeps its ``search_vector`` (a GIN
    index), so a long text is never copied into the document's own search vector.
    """

    class Kind(models.TextChoices):
        SIGNED_TEXT = "signed_text", _("signed text")
        OFFICIAL_TRANSLATION = "official_translation", _("official translation")
        UNOFFICIAL_TRANSLATION = "unofficial_translation", _("unofficial translation")
        ANNEX = "annex", _("annex")
        OFFICIAL_PUBLICATION = "official_publication", _("official publication")

    class TextState(models.TextChoices):
        WAITING = "waiting", _("waiting for extraction")
        DONE = "done", _("text extracted")
        NO_TEXT_LAYER = "no_text_layer", _("no text layer")
        FAILED = "failed", _("extraction failed")
        LINK = "link", _("link, no file")

    document = models.ForeignKey(
        Document,
        verbose_name=_("document"),
        on_delete=models.CASCADE,
        related_name="attachments",
    )
    kind = models.CharField(
        _("kind"), max_length=30, choices=Kind, default=Kind.SIGNED_TEXT
    )
    language = models.CharField(_("language"), max_length=5, choices=Language)
    title = models.CharField(
        _("title"),
        max_length=300,
        blank=True,
        help_text=_("Optional, e.g. “Annex 2: list of border crossings”."),
    )
    file = models.FileField(
        _("file"),
        upload_to=attachment_path,
        max_length=300,
        blank=True,
        help_text=_("PDF, DOCX or plain text (UTF-8)."),
    )
    url = models.URLField(
        _("link"),
        max_length=500,
        blank=True,
        help_text=_("An official text held elsewhere, recorded without a file."),
    )
    source = models.ForeignKey(
        Source,
        verbose_name=_("source"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
    )
    confidence = models.CharField(
        _("confidence"), max_length=10, choices=Confidence, default=Confidence.REPORTED
    )
    # what the upload was found to be (agreements.texts.validation)
    size = models.PositiveBigIntegerField(_("size"), null=True, editable=False)
    content_type = models.CharField(
        _("content type"), max_length=100, blank=True, editable=False
    )
    pages = models.PositiveIntegerField(_("pages"), null=True, editable=False)
    text_state = models.CharField(
        _("text"),
        max_length=20,
        choices=TextState,
        default=TextState.WAITING,
        editable=False,
    )
    extracted_text = models.TextField(
        _("extracted text"), blank=True, default="", editable=False
    )
    extracted_at = models.DateTimeField(_("extracted"), null=True, editable=False)
    # kept by a trigger on PostgreSQL (agreements.search), empty on SQLite
    search_vector = SearchVectorField(
        _("search vector"), null=True, editable=False, serialize=False
    )
    created_at = models.DateTimeField(
        _("created"), default=timezone.now, editable=False
    )
    version = version_field()

    objects = AttachmentQuerySet.as_manager()
    history = HistoricalRecords(
        excluded_fields=["version", "extracted_text", "search_vector"]
    )

    class Meta:
        ordering = ("document", "kind", "language", "pk")
        verbose_name = _("text or file")
        verbose_name_plural = _("texts and files")
        indexes = [
            # extract_texts: the files waiting; the no-text-layer check
            models.Index(
                fields=("text_state", "document"), name="agreements_attach_state"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(file="") | ~Q(url=""),
                name="agreements_attachment_file_or_link",
            ),
        ]

    def __str__(self):
        return (
            self.title or f"{self.get_kind_display()} ({self.get_language_display()})"
        )

    def get_absolute_url(self):
        """The public address of the file, or the link; ``""`` when neither."""
        if self.file:
            return reverse(
                "agreements:attachment-file",
                kwargs={
                    "slug": self.document.slug,
                    "pk": self.pk,
                    "filename": self.filename,
                },
            )
        return self.url

    @property
    def filename(self):
        return posixpath.basename(self.file.name) if self.file else ""

    def clean(self):
        if not self.file and not self.url:
            raise ValidationError(
                {"file": _("Upload a file or give a link to the text.")}
            )
