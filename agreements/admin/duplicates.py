"""The duplicate check on the document form: while typing (a JSON address the page's
script asks) and on save, where saving a look-alike takes an explicit confirmation."""

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ..duplicates import likely_duplicates
from .mixins import VersionedAdminForm

#: The inline of a document's parties, as the form posts it.
PARTIES = "parties"


def posted_bodies(data):
    """The bodies of the party rows a document form posts (rows being deleted left
    out)."""
    try:
        total = int(data.get(f"{PARTIES}-TOTAL_FORMS") or 0)
    except ValueError:
        return []
    bodies = []
    for row in range(min(total, 1000)):
        if data.get(f"{PARTIES}-{row}-DELETE"):
            continue
        body = (data.get(f"{PARTIES}-{row}-body") or "").strip()
        if body.isdigit():
            bodies.append(int(body))
    return bodies


def reasons(match):
    if match.same_title and match.same_parties_and_day:
        return gettext("same title, same parties and day")
    if match.same_title:
        return gettext("same title")
    return gettext("same parties, same day")


class DocumentAdminForm(VersionedAdminForm):
    """The document form, which says what a new document looks like before saving
    it, and saves a look-alike only when told it is not a duplicate."""

    not_a_duplicate = forms.BooleanField(
        label=_("Save anyway: this is not a duplicate"),
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.duplicates = []

    def clean(self):
        cleaned_data = super().clean()
        checked = ("title", "signed_on")
        if self.instance.pk is not None and not any(
            name in self.changed_data for name in checked
        ):
            return cleaned_data  # an existing document, its identity unchanged
        self.duplicates = likely_duplicates(
            title=cleaned_data.get("title") or "",
            signed_on=cleaned_data.get("signed_on"),
            body_ids=posted_bodies(self.data),
            exclude_pk=self.instance.pk,
        )
        if self.duplicates and not cleaned_data.get("not_a_duplicate"):
            raise ValidationError(
                _(
                    "This looks like a document already in the register (listed "
                    "above). If it is another document, tick “Save anyway: this is "
                    "not a duplicate” and save again."
                ),
                code="duplicate",
            )
        return cleaned_data


def duplicates_view(model_admin, request):
    """``{"matches": [...]}``: what a document being typed looks like, for the
    form's script. Bad parameters are a 400 naming the parameter."""
    if not model_admin.has_view_or_change_permission(request):
        return JsonResponse({"error": "forbidden"}, status=403)
    params = request.GET
    signed_on = None
    if params.get("signed_on"):
        try:
            signed_on = datetime.date.fromisoformat(params["signed_on"])
        except ValueError:
            return JsonResponse(
                {
                    "error": "signed_on is not a date (YYYY-MM-DD)",
                    "parameter": "signed_on",
                },
                status=400,
            )
    exclude = params.get("exclude") or None
    if exclude is not None and not exclude.isdigit():
        return JsonResponse(
            {"error": "exclude is not a document id", "parameter": "exclude"},
            status=400,
        )
    bodies = [value for value in params.getlist("body") if value.isdigit()]
    matches = likely_duplicates(
        title=params.get("title", "")[:500],
        signed_on=signed_on,
        body_ids=bodies[:20],
        exclude_pk=int(exclude) if exclude else None,
    )
    return JsonResponse(
        {
            "matches": [
                {
                    "title": match.document.title,
                    "signed_on": date_format(match.document.signed_on, "DATE_FORMAT"),
                    "url": reverse(
                        "admin:agreements_document_change",
                        args=[match.document.pk],
                    ),
                    "reason": reasons(match),
                }
                for match in matches[:10]
            ],
            "intro": gettext("This looks like:"),
        }
    )
