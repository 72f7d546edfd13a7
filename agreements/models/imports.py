"""Spreadsheet imports: each file checked in the admin, the result of its dry run row
by row, and whether it was then imported (``agreements.admin.spreadsheets``).

The dry run's result is kept here rather than rendered in the response that ran it,
so that its page can be paged, filtered and reloaded without checking the file again,
and so that the register keeps who brought in which file, when, and what it held.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class SpreadsheetImport(models.Model):
    class State(models.TextChoices):
        CHECKED = "checked", _("checked, not yet imported")
        REFUSED = "refused", _("refused: rows with errors")
        IMPORTED = "imported", _("imported")

    model = models.CharField(_("records"), max_length=100, editable=False)
    file_name = models.CharField(_("file"), max_length=255, editable=False)
    # where the uploaded file waits for the confirmation (the library's temporary
    # storage), and the import form's choices, to import exactly what was checked
    confirm_data = models.JSONField(default=dict, editable=False)
    # kept: a user who imported is deactivated, not deleted
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("checked by"),
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    checked_at = models.DateTimeField(
        _("checked"), default=timezone.now, editable=False
    )
    imported_at = models.DateTimeField(
        _("imported"), null=True, blank=True, editable=False
    )
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, editable=False
    )
    #: rows by status: ``{"new": 998, "update": 0, "skip": 0, "error": 2}``
    totals = models.JSONField(_("rows"), default=dict, editable=False)
    #: errors of the whole file (not of a row)
    file_errors = models.JSONField(default=list, editable=False)
    #: one entry a row: ``{"number", "status", "record", "object_id", "changes",
    #: "errors": [[column, message], ...]}``
    rows = models.JSONField(default=list, editable=False)

    class Meta:
        ordering = ("-checked_at", "-id")
        verbose_name = _("spreadsheet import")
        verbose_name_plural = _("spreadsheet imports")

    def __str__(self):
        return f"{self.file_name} ({self.checked_at:%Y-%m-%d %H:%M})"

    @property
    def row_count(self):
        return sum(self.totals.values())

    @property
    def confirmable(self):
        return self.state == self.State.CHECKED
