"""Date boxes in the admin say the form they take."""

from django.db import models
from django.utils.translation import gettext_lazy as _


def with_date_hint(db_field, form_field):
    """A date box shows the form it takes ("YYYY-MM-DD", in ISO first: see
    ``tracker/formats``), not a bare "12/11/2025"."""
    if isinstance(db_field, models.DateField) and form_field is not None:
        form_field.widget.attrs.setdefault("placeholder", _("YYYY-MM-DD"))
    return form_field


class DateHintMixin:
    def formfield_for_dbfield(self, db_field, request, **kwargs):
        return with_date_hint(
            db_field, super().formfield_for_dbfield(db_field, request, **kwargs)
        )
