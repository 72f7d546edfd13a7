"""Follow-up: what a document commits its parties to, and the dates it is measured by.

A document's commitments are ``Action``s, each with the bodies responsible, a due date
when one is known and a status; ``ActionCitation`` is what supports them. What happens
afterwards is a dated ``ProgressUpdate`` (in ``agreements.models.updates``): a
document's or an action's status, and an action's current date, change only through
one, written by ``agreements.followup.record_update``. ``ReminderLog`` remembers who
was reminded of overdue actions on which day, so the daily reminders go out once.

The date vocabulary lives here because actions, progress updates and party steps
share it: ``DatePrecision``, ``DuePrecision``, ``DateKind`` and ``period_end``, with
``TodayAwareModel`` for checks against the day's date.

Everything a row can check on its own is a database constraint. What needs another
table (a due date before the signature) or the day's date (no completion date in the
future) is checked in ``clean()``, whose messages name the field.
"""

import datetime

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models
from django.db.models import Case, Exists, OuterRef, Q, Value, When
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from ..slugs import unique_slug
from .documents import Document, Party
from .register import Body, Citation, TranslatedModel, version_field

#: An open action due within this many days is "due soon".
DUE_SOON_DAYS = 30


class TodayAwareModel(models.Model):
    """Lets ``full_clean(today=...)`` say which day "in the future" is measured from.

    Services pass their own ``today`` through, so tests fix the day without patching
    the clock; without it, today is ``timezone.localdate()``. (Abstract, so it stays
    out of the migrations.)
    """

    _today = None

    class Meta:
        abstract = True

    def full_clean(self, *args, today=None, **kwargs):
        self._today = today
        try:
            super().full_clean(*args, **kwargs)
        finally:
            self._today = None

    def today(self):
        return self._today or timezone.localdate()


def _unique_clash_on(error, field, message):
    """``error`` with a clash of the model's one multi-field unique constraint
    moved from the non-field errors to ``field``, so a form shows it in place."""
    errors = dict(error.error_dict)
    general = errors.pop(NON_FIELD_ERRORS, [])
    others = [e for e in general if e.code != "unique_together"]
    if len(others) < len(general):
        errors.setdefault(field, []).append(ValidationError(message, code="unique"))
    if others:
        errors[NON_FIELD_ERRORS] = others
    return ValidationError(errors)


class DatePrecision(models.TextChoices):
    """How much of a date the sources give; the rest is filled with the first day."""

    DAY = "day", _("day")
    MONTH = "month", _("month only")
    YEAR = "year", _("year only")


class DuePrecision(models.TextChoices):
    """How much of an expected date the sources give. The date kept is the period's
    last day ("by the third quarter of 2026" is 30 September 2026), so a date is late
    only once the whole period has passed."""

    DAY = "day", _("day")
    MONTH = "month", _("month")
    QUARTER = "quarter", _("quarter")
    YEAR = "year", _("year")


def period_end(day, precision):
    """The last day of the month, quarter or year ``day`` falls in."""
    if precision == DuePrecision.YEAR:
        return datetime.date(day.year, 12, 31)
    if precision in (DuePrecision.MONTH, DuePrecision.QUARTER):
        month = day.month
        if precision == DuePrecision.QUARTER:
            month = (month - 1) // 3 * 3 + 3
        following = datetime.date(day.year + month // 12, month % 12 + 1, 1)
        return following - datetime.timedelta(days=1)
    return day


def format_period(day, precision):
    """``day`` as precisely as the sources give it: "30 September 2026",
    "September 2026", "Q3 2026" or "the end of 2026"."""
    if precision == DuePrecision.YEAR:
        return _("the end of %(year)d") % {"year": day.year}
    if precision == DuePrecision.QUARTER:
        return _("Q%(quarter)d %(year)d") % {
            "quarter": (day.month - 1) // 3 + 1,
            "year": day.year,
        }
    if precision == DuePrecision.MONTH:
        return date_format(day, "YEAR_MONTH_FORMAT")
    return date_format(day, "DATE_FORMAT")


class DateKind(models.TextChoices):
    """Whose date it is. Only a deadline or a plan can be missed: a forecast whose
    day has passed is a forecast that was wrong, not a commitment that is late."""

    DEADLINE = "deadline", _("deadline")
    PLAN = "plan", _("plan")
    FORECAST = "forecast", _("forecast")


#: The kinds of date an action can be late against.
LATE_KINDS = (DateKind.DEADLINE, DateKind.PLAN)


class Basis(models.TextChoices):
    """Where an action comes from: the document's text, a source's report of a
    commitment, or the register's own linking of later events to the document."""

    QUOTED = "quoted", _("quoted from the document")
    REPORTED = "reported", _("reported commitment")
    INFERRED = "inferred", _("linked by the register")


# --- Actions --------------------------------------------------------------------------


class ActionQuerySet(models.QuerySet):
    def get_by_natural_key(self, document_slug, slug):
        return self.get(document__slug=document_slug, slug=slug)

    def published(self):
        return self.filter(document__is_published=Value(True))

    def open(self):
        """Still to be done: planned, in progress or blocked."""
        return self.filter(status__in=Action.OPEN_STATUSES)

    def overdue(self, today=None):
        """Open actions whose deadline or planned date has passed (a forecast whose
        date has passed is ``forecast_passed``, never overdue)."""
        today = today or timezone.localdate()
        return self.open().filter(due_kind__in=LATE_KINDS, due_on__lt=today)

    def forecast_passed(self, today=None):
        """Open actions measured against a forecast whose date has passed."""
        today = today or timezone.localdate()
        return self.open().filter(due_kind=DateKind.FORECAST, due_on__lt=today)

    def commitments(self):
        """Actions the document commits its parties to: quoted or reported."""
        return self.filter(basis__in=(Basis.QUOTED, Basis.REPORTED))

    def due_soon(self, today=None, days=DUE_SOON_DAYS):
        """Open actions due between today and ``days`` from now, both included."""
        today = today or timezone.localdate()
        return self.open().filter(
            due_on__gte=today, due_on__lte=today + datetime.timedelta(days=days)
        )

    def with_flags(self, today=None, days=DUE_SOON_DAYS):
        """Annotate ``is_overdue`` (open, with a deadline or plan before today),
        ``is_forecast_passed`` (open, with a forecast before today) and ``is_due_soon``
        (open and due within ``days``), always True or False."""
        today = today or timezone.localdate()
        is_open = Q(status__in=Action.OPEN_STATUSES)
        soon = today + datetime.timedelta(days=days)
        return self.annotate(
            is_overdue=Case(
                When(
                    is_open & Q(due_kind__in=LATE_KINDS, due_on__lt=today),
                    then=Value(True),
                ),
                default=Value(False),
                output_field=models.BooleanField(),
            ),
            is_forecast_passed=Case(
                When(
                    is_open & Q(due_kind=DateKind.FORECAST, due_on__lt=today),
                    then=Value(True),
                ),
                default=Value(False),
                output_field=models.BooleanField(),
            ),
            is_due_soon=Case(
                When(
                    is_open & Q(due_on__gte=today, due_on__lte=soon), then=Value(True)
                ),
                default=Value(False),
                output_field=models.BooleanField(),
            ),
        )

    def for_countries(self, codes):
        """Actions of documents with a party from each of the countries ``codes``."""
        queryset = self
        for code in codes:
            queryset = queryset.filter(
                Exists(
                    Party.objects.filter(
                        document_id=OuterRef("document_id"),
                        body__country__code=code.upper(),
                    )
                )
            )
        return queryset

    def involving_bodies(self, slugs):
        """Actions each body in ``slugs`` is responsible for or a party to."""
        queryset = self
        for slug in slugs:
            responsible = Action.responsible_bodies.through.objects.filter(
                action_id=OuterRef("pk"), body__slug=slug
            )
            party = Party.objects.filter(
                document_id=OuterRef("document_id"), body__slug=slug
            )
            queryset = queryset.filter(Q(Exists(responsible)) | Q(Exists(party)))
        return queryset


class Action(TranslatedModel, TodayAwareModel):
    """A commitment a document makes: something one or more bodies are to do.

    The slug is unique within its document, so ``(document slug, action slug)`` names
    an action in fixtures and URLs. ``status`` and ``completed_on`` change only through
    ``agreements.followup.record_update``, which leaves a dated entry for each change.
    A done action has its completion date and only a done one has it: a cancelled
    action's date is the date of the update that cancelled it.
    """

    class Status(models.TextChoices):
        PLANNED = "planned", _("planned")
        IN_PROGRESS = "in_progress", _("in progress")
        DONE = "done", _("done")
        CANCELLED = "cancelled", _("cancelled")
        BLOCKED = "blocked", _("blocked")

    OPEN_STATUSES = (Status.PLANNED, Status.IN_PROGRESS, Status.BLOCKED)

    document = models.ForeignKey(
        Document,
        verbose_name=_("document"),
        on_delete=models.CASCADE,
        related_name="actions",
    )
    slug = models.SlugField(
        _("slug"),
        max_length=120,
        blank=True,
        help_text=_(
            "Unique within the document; part of its address. Leave it empty to make "
            "it from the English title."
        ),
    )
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    clause = models.CharField(
        _("article or clause"),
        max_length=100,
        blank=True,
        help_text=_("The article or clause it carries out, e.g. “Article 3(2)”."),
    )
    responsible_bodies = models.ManyToManyField(
        Body,
        verbose_name=_("responsible bodies"),
        related_name="actions",
        help_text=_("One or more, from either side."),
    )
    focal_person = models.CharField(
        _("focal person"),
        max_length=200,
        blank=True,
        help_text=_("Staff only: never shown to the public."),
    )
    contact_email = models.EmailField(
        _("contact e-mail"),
        blank=True,
        help_text=_("Receives the reminders; staff only, never shown to the public."),
    )
    contact_language = models.CharField(
        _("contact's language"),
        max_length=5,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
        help_text=_("The language of the reminders sent to the contact e-mail."),
    )
    basis = models.CharField(
        _("where it comes from"),
        max_length=10,
        choices=Basis,
        blank=True,
        help_text=_(
            "Quoted from the document's text (give the clause), a commitment a source "
            "reports, or follow-up the register links to the document by inference. "
            "Empty while unknown: it is then shown as linked by the register."
        ),
    )
    # The current date: that of the latest dated progress update (the newest
    # statement wins), kept by agreements.followup.record_update like the status.
    due_on = models.DateField(_("current date"), null=True, blank=True)
    due_precision = models.CharField(
        _("precision of the current date"),
        max_length=7,
        choices=DuePrecision,
        default=DuePrecision.DAY,
    )
    due_kind = models.CharField(
        _("kind of the current date"),
        max_length=10,
        choices=DateKind,
        blank=True,
        help_text=_("Empty for a date of unknown kind: such a date is never late."),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status, default=Status.PLANNED
    )
    completed_on = models.DateField(_("completion date"), null=True, blank=True)
    created_at = models.DateTimeField(
        _("created"), default=timezone.now, editable=False
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ActionQuerySet.as_manager()
    version = version_field()
    # history: registered in agreements.translation

    class Meta:
        ordering = (models.F("due_on").asc(nulls_last=True), "title", "id")
        verbose_name = _("action")
        verbose_name_plural = _("actions")
        indexes = [
            # ?status= and the overdue / due-soon filters, the reminders, the calendar
            models.Index(fields=("status", "due_on"), name="agreements_action_status"),
            # the default sort: soonest deadline first (the title, a tie-break, is
            # one column per language: not indexed)
            models.Index(fields=("due_on",), name="agreements_action_due"),
            # overdue (deadlines and plans) apart from passed forecasts
            models.Index(
                fields=("due_kind", "status", "due_on"),
                name="agreements_action_kind_due",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=("document", "slug"), name="agreements_action_unique_slug"
            ),
            models.CheckConstraint(
                condition=~Q(status="done") | Q(completed_on__isnull=False),
                name="agreements_action_done_has_completion_date",
            ),
            models.CheckConstraint(
                condition=Q(status="done") | Q(completed_on__isnull=True),
                name="agreements_action_completion_date_only_when_done",
            ),
            models.CheckConstraint(
                condition=Q(due_kind="") | Q(due_on__isnull=False),
                name="agreements_action_date_kind_needs_date",
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return f"{self.document.get_absolute_url()}#action-{self.slug}"

    def slug_from(self):
        """A new action's anchor, from its English title, unique within its
        document."""
        return unique_slug(
            Action,
            self.title_en_gb or "",
            fallback="action",
            exclude_pk=self.pk,
            within={"document_id": self.document_id},
        )

    def natural_key(self):
        return (*self.document.natural_key(), self.slug)

    natural_key.dependencies = ["agreements.document", "agreements.body"]

    def clean(self):
        errors = {}
        if self.status == self.Status.DONE and self.completed_on is None:
            errors["completed_on"] = _("A done action needs its completion date.")
        elif self.status != self.Status.DONE and self.completed_on is not None:
            errors["completed_on"] = _("Only a done action has a completion date.")
        elif self.completed_on and self.completed_on > self.today():
            errors["completed_on"] = _("The completion date cannot be in the future.")
        signed_on = self.document.signed_on if self.document_id else None
        if signed_on:
            if self.due_on and self.due_on < signed_on:
                errors["due_on"] = _(
                    "The due date cannot be before the document's date of signature."
                )
            if self.completed_on and self.completed_on < signed_on:
                errors.setdefault(
                    "completed_on",
                    _(
                        "The completion date cannot be before the document's date "
                        "of signature."
                    ),
                )
        if self.basis == Basis.QUOTED and not self.clause:
            errors["clause"] = _(
                "A commitment quoted from the document names its article or clause."
            )
        if errors:
            raise ValidationError(errors)

    def validate_constraints(self, exclude=None):
        try:
            super().validate_constraints(exclude)
        except ValidationError as error:
            raise _unique_clash_on(
                error, "slug", _("The document already has an action with this slug.")
            ) from error

    @property
    def is_open(self):
        return self.status in self.OPEN_STATUSES

    @property
    def is_commitment(self):
        """The document commits its parties to it (quoted or reported)."""
        return self.basis in (Basis.QUOTED, Basis.REPORTED)

    @property
    def can_be_late(self):
        return self.due_kind in LATE_KINDS

    @property
    def due_display(self):
        return format_period(self.due_on, self.due_precision) if self.due_on else ""


class ActionCitationManager(models.Manager):
    def get_by_natural_key(self, document_slug, action_slug, url, claim):
        return self.get(
            action__document__slug=document_slug,
            action__slug=action_slug,
            source__url=url,
            claim=claim,
        )


class ActionCitation(Citation):
    """What supports an action, its dates and its tie to the document."""

    action = models.ForeignKey(
        Action,
        verbose_name=_("action"),
        on_delete=models.CASCADE,
        related_name="citations",
    )

    objects = ActionCitationManager()
    history = HistoricalRecords(excluded_fields=["version"])

    class Meta(Citation.Meta):
        verbose_name = _("action source")
        verbose_name_plural = _("action sources")
        constraints = [
            models.UniqueConstraint(
                fields=("action", "source", "claim"),
                name="agreements_actioncitation_unique",
            ),
        ]

    def natural_key(self):
        return (*self.action.natural_key(), *self.source.natural_key(), self.claim)

    natural_key.dependencies = ["agreements.action", "agreements.source"]


# --- Reminders ------------------------------------------------------------------------


class ReminderLogManager(models.Manager):
    def get_by_natural_key(self, recipient, sent_on):
        return self.get(recipient=recipient, sent_on=sent_on)


class ReminderLog(models.Model):
    """One reminder digest sent to one address on one day.

    ``send_followup_reminders`` writes it in the same transaction as the sending and
    skips an address already in the log for the day, so running the command twice a
    day sends each digest once. It has no public page, hence no ``get_absolute_url``.
    """

    recipient = models.EmailField(_("recipient"))
    sent_on = models.DateField(_("day"))
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)
    overdue_count = models.PositiveIntegerField(_("overdue actions"), default=0)
    due_soon_count = models.PositiveIntegerField(_("actions due soon"), default=0)

    objects = ReminderLogManager()

    class Meta:
        ordering = ("-sent_on", "recipient")
        verbose_name = _("reminder sent")
        verbose_name_plural = _("reminders sent")
        constraints = [
            models.UniqueConstraint(
                fields=("recipient", "sent_on"),
                name="agreements_reminderlog_once_a_day",
            ),
        ]

    def __str__(self):
        return f"{self.recipient}, {date_format(self.sent_on, 'DATE_FORMAT')}"

    def natural_key(self):
        return (self.recipient, self.sent_on.isoformat())

    def clean(self):
        self.recipient = (self.recipient or "").strip().lower()
