"""Each party's legal life: its own dated steps towards (and away from) the document.

UNTC's participant table, one side at a time: a party signs, ratifies or approves
(or accepts) the document under its own law, notifies the other that its internal
procedures are complete, and the document enters into force for it; it may apply the
document provisionally before that, suspend it, or denounce it. Each step is a fact
with its own date, the act that made it (a law, a government decree), a source and a
confidence. What no source records is not recorded: a party with no step of a kind
reads "unknown", never a default.

The act's title is kept as the source gives it, in its language: it is a fact with
a source, not the register's own text, so it is not translated (as a document's
title is not).
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .documents import Party
from .followup import DatePrecision, period_end
from .register import Confidence, Source, version_field


class StepKind(models.TextChoices):
    SIGNATURE = "signature", _("signature")
    RATIFICATION = "ratification", _("ratification")
    APPROVAL = "approval", _("approval")
    ACCEPTANCE = "acceptance", _("acceptance")
    NOTIFICATION = "notification", _("notification of completed internal procedures")
    ENTRY_INTO_FORCE = "entry_into_force", _("entry into force for the party")
    PROVISIONAL_APPLICATION = "provisional", _("provisional application")
    SUSPENSION = "suspension", _("suspension")
    WITHDRAWAL = "withdrawal", _("denunciation or withdrawal")


#: The steps by which a party consents to be bound: what "ratified" means in the
#: public list's ``?party_status=`` and the table's "ratification" column.
CONSENT_KINDS = (StepKind.RATIFICATION, StepKind.APPROVAL, StepKind.ACCEPTANCE)


class PartyStepQuerySet(models.QuerySet):
    def get_by_natural_key(self, document_slug, body_slug, kind, happened_on):
        return self.get(
            party__document__slug=document_slug,
            party__body__slug=body_slug,
            kind=kind,
            happened_on=happened_on,
        )

    def public(self):
        """Steps of published documents: what a visitor may see."""
        return self.filter(party__document__is_published=True)


class PartyStep(models.Model):
    """One dated step of one party: its signature, its ratification (or approval,
    acceptance), its notification, the entry into force for it, and so on.

    A party takes a step of a kind once on a day (``agreements_partystep_unique``),
    which is also the natural key fixtures use. The date is required: a step is a
    dated entry; when the sources give only the month or the year, the date is its
    first day (``date_precision``), as for progress updates.
    """

    Kind = StepKind

    party = models.ForeignKey(
        Party,
        verbose_name=_("party"),
        on_delete=models.CASCADE,
        related_name="steps",
    )
    kind = models.CharField(_("step"), max_length=20, choices=StepKind)
    happened_on = models.DateField(_("date"))
    date_precision = models.CharField(
        _("date known to"),
        max_length=5,
        choices=DatePrecision,
        default=DatePrecision.DAY,
        help_text=_(
            "When the sources give only the month or the year, the date is the first "
            "day of it and readers see only the month or the year."
        ),
    )
    act_title = models.CharField(
        _("act"),
        max_length=500,
        blank=True,
        help_text=_(
            "The act that made the step (a law, a government decree), as the source "
            "names it. Empty when not reported."
        ),
    )
    act_number = models.CharField(
        _("act number"),
        max_length=100,
        blank=True,
        help_text=_("Only as a source gives it."),
    )
    act_date = models.DateField(_("act date"), null=True, blank=True)
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
    note = models.TextField(_("note"), blank=True)

    version = version_field()

    objects = PartyStepQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["version"])

    class Meta:
        ordering = ("party", "happened_on", "kind", "pk")
        verbose_name = _("step of a party")
        verbose_name_plural = _("steps of the parties")
        constraints = [
            models.UniqueConstraint(
                fields=("party", "kind", "happened_on"),
                name="agreements_partystep_unique",
                violation_error_message=_(
                    "This party already has this step on this date."
                ),
            ),
        ]
        indexes = [
            # ?party_status=: a document's parties' steps of some kinds (EXISTS)
            models.Index(fields=("party", "kind"), name="agreements_partystep_kind"),
        ]

    def __str__(self):
        kind = self.get_kind_display()
        return f"{self.party.body}: {kind}, {self.happened_on_display}"

    def get_absolute_url(self):
        return f"{self.party.document.get_absolute_url()}#steps"

    def natural_key(self):
        return (*self.party.natural_key(), self.kind, self.happened_on.isoformat())

    natural_key.dependencies = ["agreements.party", "agreements.source"]

    def clean(self):
        errors = {}
        if self.happened_on:
            if self.date_precision != DatePrecision.DAY and (
                self.happened_on.day != 1
                or (
                    self.date_precision == DatePrecision.YEAR
                    and self.happened_on.month != 1
                )
            ):
                errors["date_precision"] = _(
                    "With only the month or the year known, the date is its first day."
                )
            signed_on = self.party.document.signed_on if self.party_id else None
            if signed_on and period_end(self.happened_on, self.date_precision) < (
                signed_on
            ):
                errors["happened_on"] = _(
                    "A step cannot come before the document was signed."
                )
            # not a database constraint: a step known to the month may be dated
            # the 1st and made by an act of the 15th
            last_day = period_end(self.happened_on, self.date_precision)
            if self.act_date and self.act_date > last_day:
                errors["act_date"] = _(
                    "The act cannot be dated after the step it made."
                )
        if errors:
            raise ValidationError(errors)

    @property
    def happened_on_display(self):
        """The date as precisely as the sources give it."""
        formats = {DatePrecision.MONTH: "YEAR_MONTH_FORMAT", DatePrecision.YEAR: "Y"}
        return date_format(
            self.happened_on, formats.get(self.date_precision, "DATE_FORMAT")
        )
