"""Progress updates: the dated entries on what came of a document or of its actions.

Each ``ProgressUpdate`` records the status before and after, so a document's or an
action's status is never changed without a dated, sourced entry saying why
(``agreements.followup.record_update`` is the only writer). It is a concept apart from
the commitments it reports on (``Action``, in ``agreements.models.followup``), with its
own table, history, constraints and admin: it depends on ``Action`` and ``Document``,
and nothing in ``followup`` depends on it. The date vocabulary it shares with actions
and party steps (``DatePrecision``, ``DuePrecision``, ``DateKind``, ``period_end``)
stays in ``followup``.

Everything a row can check on its own is a database constraint. What needs another
table (an action of another document, a date before the signature) or the day's
date (nothing dated in the future) is checked in ``clean()``, whose messages name the
field.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .documents import Document
from .followup import (
    Action,
    DateKind,
    DatePrecision,
    DuePrecision,
    TodayAwareModel,
    _unique_clash_on,
    format_period,
    period_end,
)
from .register import Confidence, Source, version_field


def _status_condition(values):
    return Q(status_before__in=values, status_after__in=values)


class ProgressUpdateManager(models.Manager):
    def get_by_natural_key(self, document_slug, happened_on, title):
        return self.get(
            document__slug=document_slug, happened_on=happened_on, title=title
        )


class ProgressUpdate(TodayAwareModel):
    """A dated entry on what came of a document, or of one of its actions.

    The document is always set, so a document's timeline is one query; ``action`` is
    set when the entry is about one action, which must be the document's. The statuses
    before and after are stored in one pair of fields: document follow-up statuses
    for a document entry, action statuses for an action entry. A database constraint
    keeps each kind to its own values, so the timeline reads "in progress → done"
    without asking which table the status came from.
    """

    STATUS_CHOICES = [
        (_("Document follow-up"), Document.FollowUpStatus.choices),
        (_("Action"), Action.Status.choices),
    ]

    document = models.ForeignKey(
        Document,
        verbose_name=_("document"),
        on_delete=models.CASCADE,
        related_name="updates",
    )
    action = models.ForeignKey(
        Action,
        verbose_name=_("action"),
        on_delete=models.CASCADE,
        related_name="updates",
        null=True,
        blank=True,
        help_text=_("Empty when the entry is about the document as a whole."),
    )
    happened_on = models.DateField(_("date"))
    date_precision = models.CharField(
        _("date precision"),
        max_length=5,
        choices=DatePrecision,
        default=DatePrecision.DAY,
        help_text=_(
            "When the sources give only the month or the year, the date is the first "
            "day of it and readers see only the month or the year."
        ),
    )
    title = models.CharField(_("what happened"), max_length=300)
    text = models.TextField(_("details"), blank=True)
    status_before = models.CharField(
        _("status before"), max_length=20, choices=STATUS_CHOICES
    )
    status_after = models.CharField(
        _("status after"), max_length=20, choices=STATUS_CHOICES
    )
    source = models.ForeignKey(
        Source,
        verbose_name=_("source"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    confidence = models.CharField(
        _("confidence"), max_length=10, choices=Confidence, default=Confidence.REPORTED
    )
    # A statement of when the action will be done: the update's date is the day it
    # was stated, its source the statement's. The newest such update gives the
    # action its current date.
    expected_on = models.DateField(
        _("expected date"),
        null=True,
        blank=True,
        help_text=_(
            "When the source says the action will be done; for a month, quarter or "
            "year, its last day."
        ),
    )
    expected_precision = models.CharField(
        _("precision of the expected date"),
        max_length=7,
        choices=DuePrecision,
        default=DuePrecision.DAY,
    )
    expected_kind = models.CharField(
        _("kind of date"),
        max_length=10,
        choices=DateKind,
        blank=True,
        help_text=_(
            "A deadline its source sets, a plan announced by an authority, or a "
            "forecast."
        ),
    )
    stated_by = models.CharField(
        _("stated by"),
        max_length=200,
        blank=True,
        help_text=_("Who gave the date, e.g. “Minister of Digital Development”."),
    )
    # kept: a user who recorded updates is deactivated, not deleted
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(
        _("recorded"), default=timezone.now, editable=False
    )

    objects = ProgressUpdateManager()
    version = version_field()
    history = HistoricalRecords(excluded_fields=["version"])

    class Meta:
        ordering = ("-happened_on", "-created_at", "-id")
        verbose_name = _("progress update")
        verbose_name_plural = _("progress updates")
        indexes = [
            # the updates' list in the admin, newest first, read from the index
            # rather than sorted: 530,000 rows in the benchmark's register
            models.Index(
                fields=("-happened_on", "-created_at", "-id"),
                name="agreements_update_newest",
            ),
        ]
        constraints = [
            # its index also serves a document's timeline and its last update
            models.UniqueConstraint(
                fields=("document", "happened_on", "title"),
                name="agreements_progressupdate_unique",
            ),
            models.CheckConstraint(
                condition=(
                    Q(action__isnull=True)
                    & _status_condition(Document.FollowUpStatus.values)
                )
                | (Q(action__isnull=False) & _status_condition(Action.Status.values)),
                name="agreements_progressupdate_status_of_its_kind",
            ),
            models.CheckConstraint(
                condition=(Q(expected_on__isnull=True) & Q(expected_kind=""))
                | (
                    Q(expected_on__isnull=False)
                    & ~Q(expected_kind="")
                    & Q(action__isnull=False)
                ),
                name="agreements_progressupdate_expected_date_whole",
            ),
        ]

    def __str__(self):
        return f"{self.happened_on_display}: {self.title}"

    def get_absolute_url(self):
        return f"{self.document.get_absolute_url()}#update-{self.pk}"

    def natural_key(self):
        return (
            *self.document.natural_key(),
            self.happened_on.isoformat(),
            self.title,
        )

    natural_key.dependencies = [
        "agreements.document",
        "agreements.action",
        "agreements.source",
    ]

    def clean(self):
        errors = {}
        if self.happened_on:
            if self.happened_on > self.today():
                errors["happened_on"] = _("An update cannot be dated in the future.")
            elif (
                self.document_id
                and self.document.signed_on
                and self.happened_on < self.document.signed_on
            ):
                errors["happened_on"] = _(
                    "An update cannot be dated before the document's date of signature."
                )
            elif self.date_precision != DatePrecision.DAY and (
                self.happened_on.day != 1
                or (
                    self.date_precision == DatePrecision.YEAR
                    and self.happened_on.month != 1
                )
            ):
                errors["date_precision"] = _(
                    "With only the month or the year known, the date is its first day."
                )
        if self.action_id and self.action.document_id != self.document_id:
            errors["action"] = _("The action must be one of this document's.")
        if self.expected_on or self.expected_kind:
            if not self.action_id:
                errors["expected_on"] = _(
                    "An expected date belongs to an action: choose the action."
                )
            elif not self.expected_on:
                errors["expected_on"] = _("Give the expected date, or clear its kind.")
            elif not self.expected_kind:
                errors["expected_kind"] = _(
                    "Say whether the date is a deadline, a plan or a forecast."
                )
            elif self.expected_on != period_end(
                self.expected_on, self.expected_precision
            ):
                errors["expected_on"] = _(
                    "With only the month, quarter or year known, the date is its last "
                    "day (e.g. 30 September for the third quarter)."
                )
        valid = self.status_values()
        for field in ("status_before", "status_after"):
            value = getattr(self, field)
            if value and value not in valid:
                errors[field] = _("“%(value)s” is not a status of %(kind)s.") % {
                    "value": value,
                    "kind": _("an action") if self.action_id else _("a document"),
                }
        if errors:
            raise ValidationError(errors)

    def validate_constraints(self, exclude=None):
        try:
            super().validate_constraints(exclude)
        except ValidationError as error:
            raise _unique_clash_on(
                error,
                "title",
                _("The document already has an update with this title on this date."),
            ) from error

    def status_values(self):
        """The statuses this entry may record: an action's or a document's."""
        if self.action_id:
            return Action.Status.values
        return Document.FollowUpStatus.values

    @property
    def status_changed(self):
        return self.status_before != self.status_after

    @property
    def expected_display(self):
        if not self.expected_on:
            return ""
        return format_period(self.expected_on, self.expected_precision)

    @property
    def happened_on_display(self):
        """The date as precisely as the sources give it."""
        formats = {DatePrecision.MONTH: "YEAR_MONTH_FORMAT", DatePrecision.YEAR: "Y"}
        return date_format(
            self.happened_on, formats.get(self.date_precision, "DATE_FORMAT")
        )
