"""The register: who signed what with whom, when, where, and how sure we are of it.

Every fact that comes from outside is tied to a ``Source`` through a citation that says
how sure the fact is (confirmed, reported or inferred), so a reader can always tell a
confirmed fact from an inference. An unknown stays empty rather than guessed.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from ..languages import country_name, with_article
from ..slugs import unique_slug


class Confidence(models.TextChoices):
    """How sure the register is of a fact, as its source supports it."""

    CONFIRMED = "confirmed", _("confirmed")
    REPORTED = "reported", _("reported")
    INFERRED = "inferred", _("inferred")


# --- Publication and versions (documents, events; bodies have a version only) --------


def version_field():
    """The record's version, for optimistic locking in the admin.

    A form carries the version it was opened at; saving claims the next one with an
    atomic ``UPDATE ... WHERE version = n`` (``agreements.services.claim_version``), so
    a second save from a form opened earlier is refused instead of overwriting the
    first. Bulk writes in ``agreements.services`` bump it too. Kept out of history
    (every save changes it).
    """
    return models.PositiveIntegerField(
        _("version"),
        default=1,
        editable=False,
        help_text=_("Goes up by one with each save from the admin or a bulk action."),
    )


def published_by_field():
    """Set by ``agreements.services`` and the admin, never by a form. A user who
    published something is not deleted (deactivate the account instead): the record
    would lose who published it, with no trace in its history."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The publisher who last made it public; empty while unpublished."),
    )


def published_at_field():
    return models.DateTimeField(
        _("published at"),
        null=True,
        blank=True,
        help_text=_("When it was last made public; empty while unpublished."),
    )


def publication_constraint(model_name):
    """An unpublished record names no publisher and no publication time.

    Not repeated in ``clean()``: no form edits these fields, and a form is validated
    before ``services.set_publication`` settles them (unpublishing clears them);
    ``full_clean()`` still checks the constraint, with this message, when it is
    given the publication fields.
    """
    return models.CheckConstraint(
        condition=Q(is_published=True)
        | Q(published_by__isnull=True, published_at__isnull=True),
        name=f"agreements_{model_name}_unpublished_has_no_publisher",
        violation_error_message=_(
            "An unpublished record has no publisher and no publication time."
        ),
    )


# --- Text in several languages -------------------------------------------------------


class TranslatedModel(models.Model):
    """A model with text in each language (agreements/translation.py).

    django-modeltranslation keeps the original column (``name`` beside ``name_ru``
    and the rest) but leaves its content to the language active at each save. Here
    it is always the English text, so that what still reads it (lookups across a
    relation, a default ordering) reads one language whoever saved the record.
    """

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        with translation.override(settings.LANGUAGE_CODE):
            if hasattr(self, "slug_from") and not self.slug:
                self.slug = self.slug_from()
            super().save(*args, **kwargs)


# --- Countries ------------------------------------------------------------------------


class Language(models.TextChoices):
    """The languages a title is recorded in (and a country's state language)."""

    ENGLISH = "en", _("English")
    KAZAKH = "kk", _("Kazakh")
    RUSSIAN = "ru", _("Russian")
    AZERBAIJANI = "az", _("Azerbaijani")
    OTHER = "other", _("other")


class CountryManager(models.Manager):
    def get_by_natural_key(self, code):
        return self.get(code=code)


class Country(models.Model):
    """A state by its ISO 3166-1 alpha-2 code; a migration fills in every code."""

    code = models.CharField(_("ISO 3166-1 alpha-2 code"), max_length=2, unique=True)
    name = models.CharField(_("name"), max_length=100)
    language = models.CharField(
        _("state language"),
        max_length=5,
        choices=Language,
        blank=True,
        help_text=_(
            "Code of the language its documents' titles should be recorded in "
            "(“kk”, “az”, “ru”); the data-quality queue lists documents without one."
        ),
    )

    objects = CountryManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ("name", "code")
        verbose_name = _("country")
        verbose_name_plural = _("countries")
        constraints = [
            models.CheckConstraint(
                condition=Q(code__regex=r"^[A-Z]{2}$"),
                name="agreements_country_code_alpha2",
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("agreements:country-detail", kwargs={"code": self.code.lower()})

    @property
    def local_name(self):
        """The name in the active language, from CLDR (the stored English name for
        a code CLDR does not know)."""
        return country_name(self.code, self.name)

    @property
    def name_in_sentence(self):
        """``local_name`` as it reads in a sentence: "a party from the United
        Kingdom"."""
        return with_article(self.local_name)

    def natural_key(self):
        return (self.code,)

    def clean(self):
        self.code = (self.code or "").upper()


# --- Bodies ---------------------------------------------------------------------------


class BodyQuerySet(models.QuerySet):
    def get_by_natural_key(self, slug):
        return self.get(slug=slug)

    def public(self):
        """Bodies a visitor may see: those that signed a published document or are
        responsible for an action of one, and the parents of those (their pages link
        to them). A body entered for a draft stays hidden until the draft is
        published, so a draft's counterparty is not revealed."""

        from .documents import Party  # documents import bodies

        def at_work():
            # each OuterRef is the body of the query this condition filters
            signed = Party.objects.filter(
                body=OuterRef("pk"), document__is_published=True
            )
            responsible = Body.objects.filter(
                pk=OuterRef("pk"), actions__document__is_published=True
            )
            return Q(Exists(signed)) | Q(Exists(responsible))

        children = Body.objects.filter(parent=OuterRef("pk")).filter(at_work())
        return self.filter(at_work() | Q(Exists(children)))

    def with_documents_count(self):
        """Annotate ``documents_count``, the documents each body is a party to (one
        party per document and body): a subquery on the parties' body index, run
        for the bodies returned, not a join and ``GROUP BY`` over every party."""
        from .documents import Party  # documents import bodies

        counted = (
            Party.objects.filter(body=OuterRef("pk"))
            .order_by()
            .values("body")
            .annotate(n=models.Count("pk"))
            .values("n")
        )
        return self.annotate(
            documents_count=Coalesce(
                models.Subquery(counted, output_field=models.IntegerField()),
                models.Value(0),
            )
        )


class Body(TranslatedModel):
    """A signatory body: a state, a ministry, an academy, a chamber, a company...

    Bodies are renamed and reorganised; their earlier names live in ``BodyName`` so a
    document shows the name a body had on the day it signed.
    """

    class Kind(models.TextChoices):
        STATE = "state", _("state")
        HEAD_OF_STATE = "head_of_state", _("head of state")
        GOVERNMENT = "government", _("government")
        PARLIAMENT = "parliament", _("parliament")
        MINISTRY = "ministry", _("ministry")
        AGENCY = "agency", _("agency")
        ACADEMY = "academy", _("academy")
        CHAMBER = "chamber", _("chamber")
        STATE_COMPANY = "state_company", _("state company")
        COMPANY = "company", _("company")
        MEDIA = "media", _("media")
        OTHER = "other", _("other")

    name = models.CharField(_("name"), max_length=300)
    short_name = models.CharField(_("short name or acronym"), max_length=50, blank=True)
    slug = models.SlugField(
        _("slug"),
        max_length=120,
        unique=True,
        blank=True,
        help_text=_(
            "The body's address. Leave it empty to make it from the English name "
            "(whole words, at most 100 characters)."
        ),
    )
    country = models.ForeignKey(
        Country,
        verbose_name=_("country"),
        on_delete=models.PROTECT,
        related_name="bodies",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind, default=Kind.OTHER)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent body"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="children",
    )
    website = models.URLField(_("website"), blank=True)
    description = models.TextField(_("description"), blank=True)
    version = version_field()

    objects = BodyQuerySet.as_manager()
    # history: registered in agreements.translation

    class Meta:
        ordering = ("name", "id")
        verbose_name = _("body")
        verbose_name_plural = _("bodies")
        # the bodies list sorts by country and name in Python, in the alphabet of the
        # page's language (agreements.languages): no index on the name
        constraints = [
            models.CheckConstraint(
                condition=~Q(parent=F("id")), name="agreements_body_not_own_parent"
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.short_name})" if self.short_name else self.name

    def get_absolute_url(self):
        return reverse("agreements:body-detail", kwargs={"slug": self.slug})

    def slug_from(self):
        """A new body's address, from its English name."""
        return unique_slug(
            Body, self.name_en_gb or "", fallback="body", exclude_pk=self.pk
        )

    def natural_key(self):
        return (self.slug,)

    def clean(self):
        if self.parent_id and self.pk and self.parent_id == self.pk:
            raise ValidationError({"parent": _("A body cannot be its own parent.")})

    def name_on(self, day):
        """The name the body had on ``day``: from ``listed_former_names`` where
        ``former_names_prefetch`` read them, else from ``former_names`` (prefetched
        or a query)."""
        if day is not None:
            names = getattr(self, "listed_former_names", None)
            if names is None:
                names = self.former_names.all()
            for former in names:
                if former.covers(day):
                    return former.name
        return self.name


def former_names_prefetch(path="former_names"):
    """The bodies' former names at ``path``, as a list in ``listed_former_names``
    (which ``Body.name_on`` reads). A list, not a queryset per body as a plain
    prefetch makes: for the 100 bodies of a feed's parties, 4 ms less."""
    # in Meta.ordering's order within a body, without its join to the bodies
    # ("body" orders by the body's own ordering)
    names = BodyName.objects.order_by("-valid_until", "name")
    return models.Prefetch(path, queryset=names, to_attr="listed_former_names")


class BodyNameManager(models.Manager):
    def get_by_natural_key(self, body_slug, name):
        return self.get(body__slug=body_slug, name=name)


class BodyName(models.Model):
    """A name a body carried for a while before it was renamed or reorganised."""

    body = models.ForeignKey(
        Body,
        verbose_name=_("body"),
        on_delete=models.CASCADE,
        related_name="former_names",
    )
    name = models.CharField(_("name"), max_length=300)
    short_name = models.CharField(_("short name"), max_length=50, blank=True)
    valid_from = models.DateField(_("used from"), null=True, blank=True)
    valid_until = models.DateField(_("used until"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    version = version_field()

    objects = BodyNameManager()
    history = HistoricalRecords(excluded_fields=["version"])

    class Meta:
        ordering = ("body", "-valid_until", "name")
        verbose_name = _("former name")
        verbose_name_plural = _("former names")
        constraints = [
            models.UniqueConstraint(
                fields=("body", "name"), name="agreements_bodyname_unique_per_body"
            ),
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_until__isnull=True)
                | Q(valid_until__gte=F("valid_from")),
                name="agreements_bodyname_until_after_from",
            ),
        ]

    def __str__(self):
        return self.name

    def natural_key(self):
        return (*self.body.natural_key(), self.name)

    natural_key.dependencies = ["agreements.body"]

    def clean(self):
        if self.valid_from and self.valid_until and self.valid_until < self.valid_from:
            raise ValidationError(
                {"valid_until": _("“Used until” cannot be before “used from”.")}
            )

    def covers(self, day):
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_until is not None and day <= self.valid_until
        )


# --- Sources --------------------------------------------------------------------------


class SourceManager(models.Manager):
    def get_by_natural_key(self, url):
        return self.get(url=url)


class Source(models.Model):
    """A published text the register relies on: an article, an official page."""

    url = models.URLField(_("URL"), max_length=500, unique=True)
    publisher = models.CharField(_("publisher"), max_length=200, blank=True)
    title = models.CharField(_("title"), max_length=500, blank=True)
    published_on = models.DateField(_("publication date"), null=True, blank=True)
    accessed_on = models.DateField(_("access date"), null=True, blank=True)
    version = version_field()

    objects = SourceManager()
    history = HistoricalRecords(excluded_fields=["version"])

    class Meta:
        ordering = ("publisher", "-published_on", "url")
        indexes = [
            # the sources' list in its order, and filtered by publisher, without
            # sorting every source (64,707 at the bench's size: 28 to 0.1 ms)
            models.Index(
                "publisher",
                models.F("published_on").desc(),
                "url",
                name="agreements_source_listed",
            ),
        ]
        verbose_name = _("source")
        verbose_name_plural = _("sources")

    def __str__(self):
        label = self.title or self.url
        return f"{self.publisher}: {label}" if self.publisher else label

    def natural_key(self):
        return (self.url,)


class Citation(models.Model):
    """What a source supports, and how sure that support is."""

    source = models.ForeignKey(
        Source, verbose_name=_("source"), on_delete=models.PROTECT
    )
    confidence = models.CharField(
        _("confidence"), max_length=10, choices=Confidence, default=Confidence.REPORTED
    )
    claim = models.CharField(
        _("what it supports"),
        max_length=300,
        blank=True,
        help_text=_("The fact this source supports, e.g. “signatories” or “date”."),
    )
    note = models.TextField(_("note"), blank=True)
    version = version_field()

    class Meta:
        abstract = True
        ordering = ("id",)

    def __str__(self):
        return f"{self.source} ({self.get_confidence_display()})"


# --- Events ---------------------------------------------------------------------------


class EventQuerySet(models.QuerySet):
    def get_by_natural_key(self, slug):
        return self.get(slug=slug)

    def published(self):
        return self.filter(is_published=True)

    def with_recorded_count(self, *, published_only=True):
        """Annotate ``documents_recorded``: the documents held for the event, and
        ``documents_inferred``: those of them counted among the reported ones only
        by inference.

        Each is a subquery on the documents' event index, which the database runs
        for the events it returns (a page of them), not a join and ``GROUP BY``
        over every document.
        """
        condition = Q(is_published=True) if published_only else Q()
        return self.annotate(
            documents_recorded=_documents_of_event(condition),
            documents_inferred=_documents_of_event(
                condition & Q(event_confidence=Confidence.INFERRED)
            ),
        )


def _documents_of_event(condition):
    """How many of an event's documents meet ``condition``: a subquery for an
    annotation on events."""
    from .documents import Document  # documents.py imports this module

    counted = (
        Document.objects.filter(condition, event=models.OuterRef("pk"))
        .order_by()
        .values("event")
        .annotate(n=models.Count("pk"))
        .values("n")
    )
    return Coalesce(
        models.Subquery(counted, output_field=models.IntegerField()), models.Value(0)
    )


class Event(TranslatedModel):
    """The occasion of a signing: a visit, a summit, a commission's session.

    Sources often say how many documents were signed without listing them all; the
    event keeps that reported number so the register can show what is still missing.
    """

    class Kind(models.TextChoices):
        OFFICIAL_VISIT = "official_visit", _("official visit")
        STATE_VISIT = "state_visit", _("state visit")
        WORKING_VISIT = "working_visit", _("working visit")
        SUMMIT = "summit", _("summit")
        COMMISSION = "commission", _("intergovernmental commission")
        COUNCIL_MEETING = "council_meeting", _("council meeting")
        FORUM = "forum", _("forum")
        OTHER = "other", _("other")

    title = models.CharField(_("title"), max_length=300)
    slug = models.SlugField(
        _("slug"),
        max_length=120,
        unique=True,
        blank=True,
        help_text=_(
            "The event's address. Leave it empty to make it from the English title "
            "and the date (whole words, at most 100 characters)."
        ),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind, default=Kind.OTHER)
    date = models.DateField(_("date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    country = models.ForeignKey(
        Country,
        verbose_name=_("country"),
        on_delete=models.PROTECT,
        related_name="events",
        null=True,
        blank=True,
    )
    description = models.TextField(_("description"), blank=True)
    documents_reported = models.PositiveSmallIntegerField(
        _("documents reported"),
        null=True,
        blank=True,
        help_text=_(
            "How many documents the sources say were signed; empty if unknown."
        ),
    )
    # A new event is a draft until a publisher publishes it (see Document).
    is_published = models.BooleanField(
        _("published"),
        default=False,
        help_text=_("Unpublished records are for staff only; publishers publish."),
    )
    published_by = published_by_field()
    published_at = published_at_field()
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    version = version_field()

    objects = EventQuerySet.as_manager()
    # history: registered in agreements.translation

    class Meta:
        ordering = ("-date", "title")
        verbose_name = _("event")
        verbose_name_plural = _("events")
        permissions = [("publish_event", "Can publish and unpublish events")]
        indexes = [
            # the events list sorts by date, newest first (the title, a tie-break, is
            # one column per language: not indexed)
            models.Index(fields=("-date",), name="agreements_event_date"),
            # the admin's events list filtered by kind, newest first: without it,
            # SQLite reads every event of the kind and counts each one's documents
            # before sorting them (16 ms of 48 at 11,000 events)
            models.Index(fields=("kind", "-date"), name="agreements_event_kind_date"),
            # a country page's events held there
            models.Index(
                fields=("country", "-date"),
                name="agreements_event_country_date",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("date")),
                name="agreements_event_end_after_start",
            ),
            publication_constraint("event"),
        ]

    def __str__(self):
        return f"{self.title} ({date_format(self.date, 'DATE_FORMAT')})"

    def get_absolute_url(self):
        return reverse("agreements:event-detail", kwargs={"slug": self.slug})

    def slug_from(self):
        """A new event's address: its English title and its date, so that the next
        visit of the same kind has its own ("state-visit-to-astana-2023-04-10")."""
        return unique_slug(
            Event,
            self.title_en_gb or "",
            fallback=self.kind or "event",
            suffix=f"-{self.date.isoformat()}" if self.date else "",
            exclude_pk=self.pk,
        )

    def natural_key(self):
        return (self.slug,)

    def clean(self):
        if self.end_date and self.date and self.end_date < self.date:
            raise ValidationError(
                {"end_date": _("The end date cannot be before the date.")}
            )

    def reconciliation(self, recorded, inferred=0):
        """'6 reported, 6 recorded, of which 3 by inference' and how many are
        still unidentified. ``inferred`` counts the recorded documents whose place
        among the reported ones is an inference."""
        reported = self.documents_reported
        missing = max(reported - recorded, 0) if reported is not None else None
        return {
            "reported": reported,
            "recorded": recorded,
            "inferred": inferred,
            "missing": missing,
        }


class EventCitationManager(models.Manager):
    def get_by_natural_key(self, event_slug, url, claim):
        return self.get(event__slug=event_slug, source__url=url, claim=claim)


class EventCitation(Citation):
    event = models.ForeignKey(
        Event,
        verbose_name=_("event"),
        on_delete=models.CASCADE,
        related_name="citations",
    )

    objects = EventCitationManager()
    history = HistoricalRecords(excluded_fields=["version"])

    class Meta(Citation.Meta):
        verbose_name = _("event source")
        verbose_name_plural = _("event sources")
        constraints = [
            models.UniqueConstraint(
                fields=("event", "source", "claim"),
                name="agreements_eventcitation_unique",
            ),
        ]

    def natural_key(self):
        return (*self.event.natural_key(), *self.source.natural_key(), self.claim)

    natural_key.dependencies = ["agreements.event", "agreements.source"]


# --- Topics ---------------------------------------------------------------------------


class TopicManager(models.Manager):
    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


class Topic(TranslatedModel):
    """A field of cooperation (trade, science, media...); staff can add more."""

    slug = models.SlugField(_("slug"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=100)
    version = version_field()

    objects = TopicManager()
    # history: registered in agreements.translation

    class Meta:
        ordering = ("name",)
        verbose_name = _("topic")
        verbose_name_plural = _("topics")

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.slug,)
