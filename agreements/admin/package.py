"""Package entry: an event's documents entered on one page.

What every document of the package shares (the date, place and country of signature,
the source and how sure it is) is given once and inherited by each row unless the row
gives its own date. Each row is a document: its title, kind and two parties, picked
by autocomplete (a missing body is added in place, with the "+" beside the box). One
save makes all of it in one transaction: every row is valid, or nothing is saved and
each error sits beside its field. Look-alikes of documents already in the register
(or of another row) need their row's "not a duplicate" ticked, as on the document
form. Editors make drafts; a publisher may publish the package at once.

The page's rows are made in the browser from one row rendered by the server (the
formset's empty form, as the admin's own inlines do), so the page costs the same
whether it offers 8 rows or 50, and "Add a row" keeps what is typed. After a refused
save, the rows sent are rendered with their errors; the bodies they name are read in
one query for all the rows (``Picked``), not one for each box.
"""

import re

from django import forms
from django.contrib import messages
from django.contrib.admin.widgets import AutocompleteSelect, RelatedFieldWidgetWrapper
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.forms import formset_factory
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from ..duplicates import likely_duplicates, normalised
from ..models import (
    Body,
    Confidence,
    Country,
    Document,
    DocumentCitation,
    Event,
    Party,
    PartyCitation,
    Source,
)
from ..services import can_publish

#: Rows offered by default, and at most.
ROWS, MAX_ROWS = 8, 50


def autocomplete(form_field, model, field, admin_site, picked=None):
    """``form_field`` picked by the admin's autocomplete of ``model.field`` (with the
    records already picked read from ``picked``, when given)."""
    if picked is None:
        form_field.widget = AutocompleteSelect(model._meta.get_field(field), admin_site)
    else:
        form_field.widget = PickedAutocompleteSelect(
            model._meta.get_field(field), admin_site, picked=picked
        )
    form_field.widget.choices = form_field.choices
    return form_field.widget


class Picked:
    """The bodies a package's posted rows name, read in one query when a box first
    asks for one (a GET names none, and asks nothing)."""

    FIELD = re.compile(r"rows-\d+-(first|second)_body")

    def __init__(self, data=None):
        self.data = data or {}
        self._bodies = None

    def get(self, pk):
        if self._bodies is None:
            ids = {
                value
                for key, value in self.data.items()
                if self.FIELD.fullmatch(key) and str(value).isdigit()
            }
            bodies = Body.objects.select_related("country").filter(pk__in=ids)
            self._bodies = {str(body.pk): body for body in bodies}
        return self._bodies.get(str(pk))


class PickedBodyField(forms.ModelChoiceField):
    """A row's party: the body is looked up in the rows' ``Picked`` bodies (set by
    the row's form), one query for the whole package rather than one a box."""

    picked = None

    def __init__(self, **kwargs):
        super().__init__(Body.objects.all(), **kwargs)

    def to_python(self, value):
        if value in self.empty_values or self.picked is None:
            return super().to_python(value)
        body = self.picked.get(value)
        if body is None:
            raise ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            )
        return body


class PickedAutocompleteSelect(AutocompleteSelect):
    """The admin's autocomplete of one record, its picked record's label taken from
    ``picked`` (``Picked``) rather than from a query of its own."""

    def __init__(self, field, admin_site, *, picked, **kwargs):
        super().__init__(field, admin_site, **kwargs)
        self.picked = picked

    def optgroups(self, name, value, attr=None):
        options = []
        if not self.is_required:
            options.append(self.create_option(name, "", "", False, 0))
        for pk in value:
            record = self.picked.get(pk) if pk not in (None, "") else None
            if record is not None:
                label = self.choices.field.label_from_instance(record)
                options.append(
                    self.create_option(name, record.pk, label, True, len(options))
                )
        return [(None, options, 0)]


class PackageForm(forms.Form):
    """What the package's documents share."""

    signed_on = forms.DateField(label=_("date of signature"))
    signed_city = forms.CharField(
        label=_("place of signature"), max_length=100, required=False
    )
    signed_country = forms.ModelChoiceField(
        Country.objects.all(), label=_("country of signature"), required=False
    )
    source = forms.ModelChoiceField(
        Source.objects.all(),
        label=_("source"),
        help_text=_("The report of the signing that names these documents."),
    )
    confidence = forms.ChoiceField(
        label=_("confidence"), choices=Confidence.choices, initial=Confidence.REPORTED
    )
    cite_signatures = forms.BooleanField(
        label=_("Cite this source for each signature too"),
        required=False,
        initial=True,
    )
    publish = forms.BooleanField(label=_("Publish the documents now"), required=False)

    def __init__(self, *args, admin_site, may_publish, **kwargs):
        super().__init__(*args, **kwargs)
        autocomplete(
            self.fields["signed_country"], Document, "signed_country", admin_site
        )
        autocomplete(self.fields["source"], DocumentCitation, "source", admin_site)
        if not may_publish:
            del self.fields["publish"]


class RowForm(forms.Form):
    """One document of the package."""

    title = forms.CharField(label=_("title"), max_length=500)
    kind = forms.ChoiceField(
        label=_("kind"), choices=[("", "---------"), *Document.Kind.choices]
    )
    first_body = PickedBodyField(label=_("first party"))
    first_signatory = forms.CharField(
        label=_("its signatory"), max_length=200, required=False
    )
    second_body = PickedBodyField(label=_("second party"))
    second_signatory = forms.CharField(
        label=_("its signatory"), max_length=200, required=False
    )
    signed_on = forms.DateField(
        label=_("other date"),
        required=False,
        help_text=_("Only if it differs from the package's."),
    )
    not_a_duplicate = forms.BooleanField(label=_("not a duplicate"), required=False)

    def __init__(self, *args, admin_site=None, picked=None, **kwargs):
        super().__init__(*args, **kwargs)
        relation = Party._meta.get_field("body").remote_field
        picked = picked if picked is not None else Picked()
        for name in ("first_body", "second_body"):
            self.fields[name].picked = picked
            # "+" beside the box adds a missing body in place (a pop-up)
            self.fields[name].widget = RelatedFieldWidgetWrapper(
                autocomplete(self.fields[name], Party, "body", admin_site, picked),
                relation,
                admin_site,
                can_add_related=True,
                can_change_related=False,
                can_view_related=False,
            )
        self.duplicates = []

    def clean(self):
        cleaned_data = super().clean()
        first, second = cleaned_data.get("first_body"), cleaned_data.get("second_body")
        if first and second and first == second:
            self.add_error("second_body", _("The two parties are the same body."))
        return cleaned_data


class BaseRowFormSet(forms.BaseFormSet):
    def __init__(self, *args, package=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.package = package

    def clean(self):
        """Look-alikes, in the register or in the package itself."""
        if any(self.errors) or self.package is None:
            return
        day = self.package.cleaned_data.get("signed_on")
        seen = {}
        for form in self.forms:
            if not form.has_changed():
                continue
            data = form.cleaned_data
            key = normalised(data["title"])
            if key in seen:
                form.add_error(
                    "title",
                    gettext("Row %(row)s has the same title.") % {"row": seen[key]},
                )
                continue
            seen[key] = self.forms.index(form) + 1
            form.duplicates = likely_duplicates(
                title=data["title"],
                signed_on=data.get("signed_on") or day,
                body_ids=[data["first_body"].pk, data["second_body"].pk],
            )
            if form.duplicates and not data.get("not_a_duplicate"):
                form.add_error(
                    "title",
                    ValidationError(
                        _(
                            "This looks like %(documents)s. Tick “not a duplicate” if "
                            "it is another document."
                        ),
                        code="duplicate",
                        params={
                            "documents": "; ".join(
                                f"“{match.document.title}” ({match.document.signed_on})"
                                for match in form.duplicates
                            )
                        },
                    ),
                )


def row_formset(extra):
    return formset_factory(
        RowForm,
        formset=BaseRowFormSet,
        extra=extra,
        max_num=MAX_ROWS,
        validate_max=True,
    )


def _rows(request):
    try:
        wanted = int(request.GET.get("rows", ROWS))
    except ValueError:
        wanted = ROWS
    return max(1, min(wanted, MAX_ROWS))


def package_view(model_admin, request, object_id):
    """The package entry page of the event ``object_id``."""
    event = get_object_or_404(Event, pk=object_id)
    if not (
        model_admin.has_change_permission(request, event)
        and request.user.has_perm("agreements.add_document")
    ):
        raise PermissionDenied
    admin_site = model_admin.admin_site
    may_publish = can_publish(request.user, Document)
    options = {"admin_site": admin_site, "may_publish": may_publish}
    picked = Picked(request.POST)
    row_options = {
        "form_kwargs": {"admin_site": admin_site, "picked": picked},
        "prefix": "rows",
    }
    if request.method == "POST":
        package = PackageForm(request.POST, **options)
        rows = row_formset(0)(request.POST, package=package, **row_options)
        package_valid = package.is_valid()
        if package_valid and rows.is_valid():
            made = save_package(event, package.cleaned_data, rows, request)
            for document in made:
                model_admin.log_addition(
                    request, document, [{"added": {"name": "package entry"}}]
                )
            messages.success(
                request,
                ngettext(
                    "%(count)d document added to the event.",
                    "%(count)d documents added to the event.",
                    len(made),
                )
                % {"count": len(made)},
            )
            return HttpResponseRedirect(
                reverse("admin:agreements_event_change", args=[event.pk])
            )
    else:
        package = PackageForm(
            initial={
                "signed_on": event.date,
                "signed_city": event.city,
                "signed_country": event.country_id,
            },
            **options,
        )
        # no row from the server: the browser makes them from the empty form
        rows = row_formset(0)(**row_options)
    context = {
        **admin_site.each_context(request),
        "opts": Event._meta,
        "event": event,
        "title": gettext("Add the documents of “%(event)s”") % {"event": event},
        "package": package,
        "rows": rows,
        "media": model_admin.media + package.media + rows.media,
        # the rows the page shows: those sent back, or as many as asked for
        "wanted_rows": len(rows.forms) if rows.is_bound else _rows(request),
        "max_rows": MAX_ROWS,
    }
    return TemplateResponse(request, "admin/agreements/event/package.html", context)


@transaction.atomic
def save_package(event, package, rows, request):
    """The documents of ``rows``, their parties and their sources, all at once."""
    user = request.user
    publish = bool(package.get("publish")) and can_publish(user, Document)
    now = timezone.now()
    made = []
    for form in rows.forms:
        if not form.has_changed():
            continue
        row = form.cleaned_data
        document = Document(
            title=row["title"],
            kind=row["kind"],
            event=event,
            event_signing_confidence=package["confidence"],
            event_confidence=package["confidence"],
            signed_on=row.get("signed_on") or package["signed_on"],
            signed_city=package["signed_city"],
            signed_country=package["signed_country"],
            is_published=publish,
            published_by=user if publish else None,
            published_at=now if publish else None,
        )
        if row.get("not_a_duplicate"):
            document._change_reason = "package entry: confirmed not a duplicate"
        document.full_clean(exclude=["slug"])
        document.save()
        DocumentCitation.objects.create(
            document=document,
            source=package["source"],
            confidence=package["confidence"],
            claim="signing",
        )
        for order, (body, signatory) in enumerate(
            (
                (row["first_body"], row["first_signatory"]),
                (row["second_body"], row["second_signatory"]),
            ),
            start=1,
        ):
            party = Party.objects.create(
                document=document, body=body, order=order, signatory_name=signatory
            )
            if package["cite_signatures"]:
                PartyCitation.objects.create(
                    party=party,
                    source=package["source"],
                    confidence=package["confidence"],
                    claim="signatory" if signatory else "party",
                )
        made.append(document)
    return made
