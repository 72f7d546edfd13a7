"""Documents: what was signed, by whom (parties and their signatures), in which
words (titles in other languages), on what sources, and how documents relate."""

from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Coalesce, Lower
from django.db.models.signals import pre_save
from django.dispatch import receiver
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from ..search import language_columns, search_documents
from ..slugs import unique_slug
from ..text import normalised
from .register import (
    Body,
    Citation,
    Confidence,
    Country,
    Event,
    Language,
    Source,
    Topic,
    TranslatedModel,
    publication_constraint,
    published_at_field,
    published_by_field,
    version_field,
)

# --- Documents ------------------------------------------------------------------------


#: Where a document of each kind comes in its event's package when staff set no
#: ``package_order``: the main declaration and treaties first. Staff's own numbers
#: (1, 2, ...) come before all of these.
PACKAGE_RANKS = {
    "declaration": 100,
    "joint_statement": 110,
    "treaty": 120,
    "agreement": 130,
    "protocol": 140,
    "exchange_of_notes": 150,
    "agreed_minutes": 160,
    "programme": 170,
    "action_plan": 180,
    "roadmap": 190,
    "memorandum": 200,
    "letter_of_intent": 210,
}
OTHER_RANK = 300


#: A body's description columns (the field and its languages): not read for lists.
BODY_DESCRIPTION = ("description", *language_columns("description"))


class DocumentQuerySet(models.QuerySet):
    def get_by_natural_key(self, slug):
        return self.get(slug=slug)

    def published(self):
        return self.filter(is_published=True)

    def listed(self):
        """Published documents, for pages that walk them in date, title or update order.

        SQLite walks the ``(is_published, ...)`` indexes for "is_published = true",
        not for the bare "WHERE is_published" that ``published()`` compiles to.
        """
        return self.filter(is_published=models.Value(True))

    def search(self, text):
        """Documents matching every word of ``text`` (see ``agreements.search``).

        On PostgreSQL they come ranked, best first, unless ordered afterwards.
        """
        return search_documents(self, text)

    def with_parties(self, *, names_only=False):
        """Each document's parties in order, with their bodies, countries and former
        names, as lists: ``listed_parties``, and each body's
        ``listed_former_names`` (no queryset made per document and per body).
        ``names_only``: only the columns of a party's name at signing and its
        country's code (``Party.body_name_at_signing``), for a list showing no more."""
        from .register import former_names_prefetch

        parties = Party.objects.select_related("body__country")
        if names_only:
            names = (f"body__{name}" for name in ("name", *language_columns("name")))
            parties = parties.only("document", "order", "body__country__code", *names)
        else:
            # a body's description (in every language) is for its own page
            parties = parties.defer(*(f"body__{column}" for column in BODY_DESCRIPTION))
        return self.prefetch_related(
            models.Prefetch(
                "parties",
                queryset=parties.prefetch_related(
                    former_names_prefetch("body__former_names")
                ).order_by("order", "id"),
                to_attr="listed_parties",
            )
        )

    def in_package_order(self):
        """An event's documents in the order of its package: each document's
        ``package_order`` where staff gave one, else its kind's place
        (``PACKAGE_RANKS``), then the title."""
        ranks = [
            models.When(kind=kind, then=models.Value(rank))
            for kind, rank in PACKAGE_RANKS.items()
        ]
        return self.order_by(
            Coalesce(
                "package_order",
                models.Case(*ranks, default=models.Value(OTHER_RANK)),
            ),
            "title",
            "pk",
        )

    def as_rows(self):
        """What a table of documents shows: each document's own columns and its
        parties (``with_parties``)."""
        return self.only(
            "title", "slug", "kind", "signed_on", "legal_status"
        ).with_parties()


class Document(TranslatedModel):
    """A signed bilateral document: treaty, agreement, protocol, memorandum...

    The slug goes into public URLs and must stay stable once published. Legal status
    (is it in force?) and follow-up status (has anything come of it?) are kept apart
    because they change for different reasons.
    """

    class Kind(models.TextChoices):
        TREATY = "treaty", _("treaty")
        AGREEMENT = "agreement", _("agreement")
        PROTOCOL = "protocol", _("protocol")
        MEMORANDUM = "memorandum", _("memorandum of understanding")
        JOINT_STATEMENT = "joint_statement", _("joint statement")
        DECLARATION = "declaration", _("declaration")
        PROGRAMME = "programme", _("programme")
        ACTION_PLAN = "action_plan", _("action plan")
        ROADMAP = "roadmap", _("roadmap")
        EXCHANGE_OF_NOTES = "exchange_of_notes", _("exchange of notes")
        AGREED_MINUTES = "agreed_minutes", _("agreed minutes")
        LETTER_OF_INTENT = "letter_of_intent", _("letter of intent")
        OTHER = "other", _("other")

    class LegalStatus(models.TextChoices):
        SIGNED = "signed", _("signed")
        IN_FORCE = "in_force", _("in force")
        PROVISIONAL = "provisional", _("provisionally applied")
        SUSPENDED = "suspended", _("suspended")
        TERMINATED = "terminated", _("terminated")
        EXPIRED = "expired", _("expired")
        SUPERSEDED = "superseded", _("superseded")

    class EntryIntoForce(models.TextChoices):
        """The document's own rule of entry into force (``agreements.steps``)."""

        UNKNOWN = "unknown", _("unknown")
        LAST_NOTIFICATION = (
            "last_notification",
            _("on the date of the last notification"),
        )
        DAYS_AFTER_NOTIFICATION = (
            "days_after_notification",
            _("a number of days after the last notification"),
        )
        SIGNATURE = "signature", _("on signature")
        FIXED_DATE = "fixed_date", _("on a given date")

    class FollowUpStatus(models.TextChoices):
        NOT_STARTED = "not_started", _("not started")
        IN_PROGRESS = "in_progress", _("in progress")
        COMPLETED = "completed", _("completed")
        STALLED = "stalled", _("stalled")
        NOT_APPLICABLE = "not_applicable", _("not applicable")
        UNKNOWN = "unknown", _("unknown")

    title = models.CharField(_("title"), max_length=500)
    # the title without case, punctuation or extra spaces, kept by pre_save (below):
    # what the duplicate check compares, through an index
    title_key = models.CharField(max_length=500, editable=False, default="")
    slug = models.SlugField(
        _("slug"),
        max_length=120,
        unique=True,
        blank=True,
        help_text=_(
            "The document's address. Leave it empty to make it from the title "
            "(whole words, at most 100 characters). It never changes once published."
        ),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind)
    package_order = models.PositiveSmallIntegerField(
        _("order in the package"),
        null=True,
        blank=True,
        help_text=_(
            "Where the document comes among its event's documents: 1 first. Empty: "
            "by its kind (declarations and treaties first, letters of intent last)."
        ),
    )
    event = models.ForeignKey(
        Event,
        verbose_name=_("event"),
        on_delete=models.PROTECT,
        related_name="documents",
        null=True,
        blank=True,
    )
    # Two claims, each with its own confidence: that the document was signed at
    # the event, and that it is one of the documents the sources count for it.
    event_signing_confidence = models.CharField(
        _("signed at this event"),
        max_length=10,
        choices=Confidence,
        blank=True,
        help_text=_("How sure it is that the document was signed at the event."),
    )
    event_confidence = models.CharField(
        _("counted among the event's reported documents"),
        max_length=10,
        choices=Confidence,
        blank=True,
        help_text=_(
            "How sure it is that this document is one of those the sources count for "
            "the event (“six documents were signed”); “inferred” is shown to readers."
        ),
    )
    signed_on = models.DateField(_("date of signature"))
    signed_city = models.CharField(_("place of signature"), max_length=100, blank=True)
    signed_country = models.ForeignKey(
        Country,
        verbose_name=_("country of signature"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    summary = models.TextField(_("summary"), blank=True)
    topics = models.ManyToManyField(
        Topic, verbose_name=_("topics"), blank=True, related_name="documents"
    )
    legal_status = models.CharField(
        _("legal status"),
        max_length=20,
        choices=LegalStatus,
        default=LegalStatus.SIGNED,
    )
    entered_into_force_on = models.DateField(
        _("entry into force"), null=True, blank=True
    )
    # --- the rule of entry into force, from which agreements.steps derives the
    # legal status with the parties' steps; "unknown" derives nothing
    entry_into_force_rule = models.CharField(
        _("rule of entry into force"),
        max_length=30,
        choices=EntryIntoForce,
        default=EntryIntoForce.UNKNOWN,
        help_text=_(
            "What the document says about its entry into force. Unless it is "
            "unknown, the legal status follows from the parties' steps."
        ),
    )
    entry_into_force_days = models.PositiveSmallIntegerField(
        _("days after the last notification"),
        null=True,
        blank=True,
        help_text=_("For “a number of days after the last notification” only."),
    )
    entry_into_force_date = models.DateField(
        _("date of entry into force set by the document"),
        null=True,
        blank=True,
        help_text=_("For “on a given date” only."),
    )
    ended_on = models.DateField(
        _("end date"),
        null=True,
        blank=True,
        help_text=_("When it was terminated, expired or superseded."),
    )
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    validity_note = models.CharField(
        _("validity note"),
        max_length=300,
        blank=True,
        help_text=_(
            "Where the validity period comes from, e.g. “for 2022-2026” in the title."
        ),
    )
    follow_up_status = models.CharField(
        _("follow-up status"),
        max_length=20,
        choices=FollowUpStatus,
        default=FollowUpStatus.UNKNOWN,
    )
    # A new document is a draft: only a publisher makes it public, and the admin
    # records who did and when (published_by, published_at, and the history).
    is_published = models.BooleanField(
        _("published"),
        default=False,
        help_text=_("Unpublished records are for staff only; publishers publish."),
    )
    published_by = published_by_field()
    published_at = published_at_field()
    created_at = models.DateTimeField(
        _("created"), default=timezone.now, editable=False
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    # ?q=: copies of the searched words, kept by database triggers (so bulk_create and
    # loaddata keep them too; see agreements.search); never edited, dumped or kept in
    # history. search_text is filled on SQLite, search_vector on PostgreSQL, where
    # it has a GIN index (made by the migration: SQLite has no such index).
    search_text = models.TextField(
        _("search text"), blank=True, default="", editable=False, serialize=False
    )
    search_vector = SearchVectorField(
        _("search vector"), null=True, editable=False, serialize=False
    )
    version = version_field()

    objects = DocumentQuerySet.as_manager()
    # history: registered in agreements.translation

    class Meta:
        ordering = ("-signed_on", "title")
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        permissions = [("publish_document", "Can publish and unpublish documents")]
        indexes = [
            # the public list: published, newest signature first (default sort)
            models.Index(
                fields=("is_published", "-signed_on", "title"),
                name="agreements_doc_pub_signed",
            ),
            # ?ordering=title
            models.Index(
                fields=("is_published", "title"), name="agreements_doc_pub_title"
            ),
            # the duplicate check: a title as typed, normalised (agreements.duplicates)
            models.Index(fields=("title_key",), name="agreements_doc_title_key"),
            # ?ordering=updated
            models.Index(
                fields=("is_published", "-updated_at"),
                name="agreements_doc_pub_updated",
            ),
            # the documents' Atom feed: the newest published first
            models.Index(
                fields=("is_published", "-published_at", "-id"),
                name="agreements_doc_feed",
            ),
            # ?kind=, ?status=, ?follow_up=
            models.Index(fields=("kind", "-signed_on"), name="agreements_doc_kind"),
            models.Index(
                fields=("legal_status", "-signed_on"), name="agreements_doc_status"
            ),
            models.Index(
                fields=("follow_up_status", "-signed_on"),
                name="agreements_doc_follow_up",
            ),
            # the data-quality queue's probable duplicates: the same title
            models.Index(Lower("title"), name="agreements_doc_title_lower"),
            # ?signed_after= / ?signed_before= and the admin's year filter
            models.Index(fields=("signed_on",), name="agreements_doc_signed_on"),
            # the calendar's entry-into-force and end dates, the dashboard's
            # "validity ending" list
            models.Index(
                fields=("entered_into_force_on",), name="agreements_doc_in_force"
            ),
            models.Index(fields=("ended_on", "valid_until"), name="agreements_doc_end"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("signed_on")),
                name="agreements_document_end_after_signature",
            ),
            models.CheckConstraint(
                condition=Q(entered_into_force_on__isnull=True)
                | Q(entered_into_force_on__gte=F("signed_on")),
                name="agreements_document_force_after_signature",
            ),
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_until__isnull=True)
                | Q(valid_until__gte=F("valid_from")),
                name="agreements_document_validity_ordered",
            ),
            publication_constraint("document"),
            # the rule's figures: each given with its rule, and only with it
            models.CheckConstraint(
                condition=Q(
                    entry_into_force_rule="days_after_notification",
                    entry_into_force_days__isnull=False,
                )
                | Q(
                    ~Q(entry_into_force_rule="days_after_notification"),
                    entry_into_force_days__isnull=True,
                ),
                name="agreements_document_force_days_with_rule",
            ),
            models.CheckConstraint(
                condition=Q(
                    entry_into_force_rule="fixed_date",
                    entry_into_force_date__isnull=False,
                )
                | Q(
                    ~Q(entry_into_force_rule="fixed_date"),
                    entry_into_force_date__isnull=True,
                ),
                name="agreements_document_force_date_with_rule",
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("agreements:document-detail", kwargs={"slug": self.slug})

    def slug_from(self):
        """A new document's address, from its title (or its kind and date where the
        title has no Latin letters)."""
        return unique_slug(
            Document,
            self.title,
            fallback=f"{self.kind or 'document'}-{self.signed_on or ''}",
            exclude_pk=self.pk,
        )

    def natural_key(self):
        return (self.slug,)

    def clean(self):
        errors = {}
        if self.signed_on:
            if self.ended_on and self.ended_on < self.signed_on:
                errors["ended_on"] = _(
                    "The end date cannot be before the date of signature."
                )
            if (
                self.entered_into_force_on
                and self.entered_into_force_on < self.signed_on
            ):
                errors["entered_into_force_on"] = _(
                    "Entry into force cannot be before the date of signature."
                )
        errors.update(self._entry_into_force_errors())
        if self.valid_from and self.valid_until and self.valid_until < self.valid_from:
            errors["valid_until"] = _("“Valid until” cannot be before “valid from”.")
        if errors:
            raise ValidationError(errors)

    def _entry_into_force_errors(self):
        rule = self.EntryIntoForce
        errors = {}
        days_rule = self.entry_into_force_rule == rule.DAYS_AFTER_NOTIFICATION
        if days_rule and self.entry_into_force_days is None:
            errors["entry_into_force_days"] = _("Give the number of days.")
        elif not days_rule and self.entry_into_force_days is not None:
            errors["entry_into_force_days"] = _(
                "Only “a number of days after the last notification” has days."
            )
        date_rule = self.entry_into_force_rule == rule.FIXED_DATE
        if date_rule and self.entry_into_force_date is None:
            errors["entry_into_force_date"] = _("Give the date.")
        elif (
            date_rule and self.signed_on and self.entry_into_force_date < self.signed_on
        ):
            errors["entry_into_force_date"] = _(
                "Entry into force cannot be before the date of signature."
            )
        elif not date_rule and self.entry_into_force_date is not None:
            errors["entry_into_force_date"] = _("Only “on a given date” has a date.")
        return errors


class DocumentTitleManager(models.Manager):
    def get_by_natural_key(self, slug, language, title):
        return self.get(document__slug=slug, language=language, title=title)


class DocumentTitle(models.Model):
    """The title in another language, or a variant wording used by some sources."""

    Language = Language

    document = models.ForeignKey(
        Document,
        verbose_name=_("document"),
        on_delete=models.CASCADE,
        related_name="titles",
    )
    language = models.CharField(_("language"), max_length=5, choices=Language)
    title = models.CharField(_("title"), max_length=500)
    is_official = models.BooleanField(
        _("official"), default=False, help_text=_("Off for a variant wording.")
    )
    source = models.ForeignKey(
        Source,
        verbose_name=_("source"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
    )

    version = version_field()

    objects = DocumentTitleManager()
    history = HistoricalRecords(excluded_fields=["version"])

    class Meta:
        ordering = ("document", "language", "title")
        verbose_name = _("title in another language or variant")
        verbose_name_plural = _("titles in other languages and variants")
        constraints = [
            models.UniqueConstraint(
                fields=("document", "language", "title"),
                name="agreements_documenttitle_unique",
            ),
        ]

    def __str__(self):
        return self.title

    def natural_key(self):
        return (*self.document.natural_key(), self.language, self.title)

    natural_key.dependencies = ["agreements.document"]


class DocumentCitationManager(models.Manager):
    def get_by_natural_key(self, slug, url, claim):
        return self.get(document__slug=slug, source__url=url, claim=claim)


class DocumentCitation(Citation):
    document = models.ForeignKey(
        Document,
        verbose_name=_("document"),
        on_delete=models.CASCADE,
        related_name="citations",
    )

    objects = DocumentCitationManager()
    history = HistoricalRecords(excluded_fields=["version"])

    class Meta(Citation.Meta):
        verbose_name = _("document source")
        verbose_name_plural = _("document sources")
        constraints = [
            models.UniqueConstraint(
                fields=("document", "source", "claim"),
                name="agreements_documentcitation_unique",
            ),
        ]

    def natural_key(self):
        return (*self.document.natural_key(), *self.source.natural_key(), self.claim)

    natural_key.dependencies = ["agreements.document", "agreements.source"]


# --- Parties and signatures ----------------------------------------------------------


class PartyManager(models.Manager):
    def get_by_natural_key(self, document_slug, body_slug):
        return self.get(document__slug=document_slug, body__slug=body_slug)


class Party(models.Model):
    """One side of a document: the body, and who signed for it when that is known."""

    document = models.ForeignKey(
        Document,
        verbose_name=_("document"),
        on_delete=models.CASCADE,
        related_name="parties",
    )
    body = models.ForeignKey(
        Body, verbose_name=_("body"), on_delete=models.PROTECT, related_name="parties"
    )
    order = models.PositiveSmallIntegerField(_("order"), default=1)
    signatory_name = models.CharField(
        _("signatory"),
        max_length=200,
        blank=True,
        help_text=_("Empty when not reported."),
    )
    signatory_position = models.CharField(
        _("signatory's position"), max_length=300, blank=True
    )
    note = models.TextField(_("note"), blank=True)

    version = version_field()

    objects = PartyManager()
    history = HistoricalRecords(excluded_fields=["version"])

    class Meta:
        ordering = ("document", "order", "id")
        verbose_name = _("party and signature")
        verbose_name_plural = _("parties and signatures")
        constraints = [
            models.UniqueConstraint(
                fields=("document", "body"),
                name="agreements_party_one_signature_per_body",
            ),
            models.UniqueConstraint(
                fields=("document", "order"), name="agreements_party_unique_order"
            ),
        ]
        indexes = [
            # ?body= and the body page: the documents a body signed
            models.Index(fields=("body", "document"), name="agreements_party_body"),
        ]

    def __str__(self):
        who = f" — {self.signatory_name}" if self.signatory_name else ""
        return f"{self.body}{who}"

    def natural_key(self):
        if self.body_id is None:
            # Reached when a fixture names a body that is not in the register.
            raise Body.DoesNotExist(
                f"A party of document “{self.document.slug}” names a body that "
                "does not exist."
            )
        return (*self.document.natural_key(), *self.body.natural_key())

    natural_key.dependencies = ["agreements.document", "agreements.body"]

    def validate_constraints(self, exclude=None):
        try:
            super().validate_constraints(exclude)
        except ValidationError as error:
            messages = error.message_dict
            clash = Party.objects.filter(
                document_id=self.document_id, body_id=self.body_id
            )
            if self.body_id and clash.exclude(pk=self.pk).exists():
                messages.pop("__all__", None)
                messages["body"] = [_("This body already signed this document.")]
            raise ValidationError(messages) from error

    @property
    def body_name_at_signing(self):
        return self.body.name_on(self.document.signed_on)


class PartyCitationManager(models.Manager):
    def get_by_natural_key(self, document_slug, body_slug, url, claim):
        return self.get(
            party__document__slug=document_slug,
            party__body__slug=body_slug,
            source__url=url,
            claim=claim,
        )


class PartyCitation(Citation):
    party = models.ForeignKey(
        Party,
        verbose_name=_("party"),
        on_delete=models.CASCADE,
        related_name="citations",
    )

    objects = PartyCitationManager()
    history = HistoricalRecords(excluded_fields=["version"])

    class Meta(Citation.Meta):
        verbose_name = _("signature source")
        verbose_name_plural = _("signature sources")
        constraints = [
            models.UniqueConstraint(
                fields=("party", "source", "claim"),
                name="agreements_partycitation_unique",
            ),
        ]

    def natural_key(self):
        return (*self.party.natural_key(), *self.source.natural_key(), self.claim)

    natural_key.dependencies = ["agreements.party", "agreements.source"]


# --- Relations between documents ------------------------------------------------------


class RelationManager(models.Manager):
    def get_by_natural_key(self, from_slug, kind, to_slug):
        return self.get(
            from_document__slug=from_slug, kind=kind, to_document__slug=to_slug
        )


class Relation(models.Model):
    """A link between two documents, read both ways: implements / implemented by."""

    class Kind(models.TextChoices):
        IMPLEMENTS = "implements", _("implements")
        AMENDS = "amends", _("amends")
        SUPERSEDES = "supersedes", _("supersedes")
        EXTENDS = "extends", _("extends")
        REFERS_TO = "refers_to", _("refers to")

    INVERSE_LABELS = {
        Kind.IMPLEMENTS: _("implemented by"),
        Kind.AMENDS: _("amended by"),
        Kind.SUPERSEDES: _("superseded by"),
        Kind.EXTENDS: _("extended by"),
        Kind.REFERS_TO: _("referred to by"),
    }

    from_document = models.ForeignKey(
        Document,
        verbose_name=_("document"),
        on_delete=models.CASCADE,
        related_name="relations_from",
    )
    kind = models.CharField(_("relation"), max_length=20, choices=Kind)
    to_document = models.ForeignKey(
        Document,
        verbose_name=_("related document"),
        on_delete=models.CASCADE,
        related_name="relations_to",
    )
    confidence = models.CharField(
        _("confidence"), max_length=10, choices=Confidence, default=Confidence.REPORTED
    )
    source = models.ForeignKey(
        Source,
        verbose_name=_("source"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
    )
    note = models.CharField(_("note"), max_length=500, blank=True)

    version = version_field()

    objects = RelationManager()
    history = HistoricalRecords(excluded_fields=["version"])

    class Meta:
        ordering = ("from_document", "kind", "to_document")
        verbose_name = _("relation")
        verbose_name_plural = _("relations")
        constraints = [
            models.UniqueConstraint(
                fields=("from_document", "kind", "to_document"),
                name="agreements_relation_unique",
            ),
            models.CheckConstraint(
                condition=~Q(from_document=F("to_document")),
                name="agreements_relation_not_to_itself",
            ),
        ]

    def __str__(self):
        return f"{self.from_document} {self.get_kind_display()} {self.to_document}"

    def natural_key(self):
        return (self.from_document.slug, self.kind, self.to_document.slug)

    natural_key.dependencies = ["agreements.document"]

    def clean(self):
        if self.from_document_id and self.from_document_id == self.to_document_id:
            raise ValidationError(
                {"to_document": _("A document cannot be related to itself.")}
            )

    @property
    def inverse_label(self):
        return self.INVERSE_LABELS[self.kind]


@receiver(pre_save, sender=Document)
def _keep_title_key(sender, instance, **kwargs):
    """Every save, fixtures' raw ones included, keeps ``title_key``; ``bulk_create``
    callers (the demo register) set it themselves."""
    instance.title_key = normalised(instance.title)
