"""Filters of the published documents' actions (the API's ``actions/``), built from
the document list's own filter types so that the same values mean the same thing.

``status``, ``basis``: repeatable choices, any of them; ``country``: repeatable ISO
codes, each a party to the action's document; ``body``: a body's slug, responsible
for the action or a party to its document; ``document``: a document's slug;
``due_after``, ``due_before``: ISO dates, inclusive; ``overdue``: ``true`` for the
open actions whose deadline or plan has passed, ``false`` for the others.
"""

import django_filters
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from ..filters import (
    CountryCodeFilter,
    DocumentFilterForm,
    IsoDateFilter,
    RepeatableChoiceFilter,
)
from ..models import Action, Basis, Document

ACTION_FILTER_PARAMS = (
    "status",
    "basis",
    "country",
    "body",
    "document",
    "due_after",
    "due_before",
    "overdue",
)


class ActionFilterForm(DocumentFilterForm):
    """Turns ``?body=`` (``clean_body``, the list's: public bodies only) and
    ``?document=`` slugs into records, or into errors."""

    def clean_document(self):
        return self._clean_slug("document", Document.objects.published, _("document"))

    def clean(self):
        # the dates are the due dates: the list's check of signature dates is not run
        data = self.cleaned_data
        after, before = data.get("due_after"), data.get("due_before")
        if after and before and after > before:
            self.add_error(
                "due_before",
                _(
                    "“Due on or before” must be the same as or later than "
                    "“due on or after”."
                ),
            )
        return data


class ActionFilter(django_filters.FilterSet):
    """Filters for the published documents' actions."""

    status = RepeatableChoiceFilter(
        label=_("Status"), choices=Action.Status.choices, normalize=str.lower
    )
    basis = RepeatableChoiceFilter(
        label=_("Where it comes from"), choices=Basis.choices, normalize=str.lower
    )
    country = CountryCodeFilter(
        label=_("Party country"),
        method="filter_country",
        choices=(),
        normalize=str.upper,
        help_text=_("Actions of documents with a party from each country chosen."),
    )
    body = django_filters.CharFilter(
        label=_("Body"),
        method="filter_body",
        max_length=120,
        help_text=_(
            "The body’s slug: actions it is responsible for, or of documents it signed."
        ),
    )
    document = django_filters.CharFilter(
        label=_("Document"),
        method="filter_document",
        max_length=120,
        help_text=_("The document’s slug, as in the address of its page."),
    )
    due_after = IsoDateFilter(
        label=_("Due on or after"),
        field_name="due_on",
        lookup_expr="gte",
        help_text=_("Year-month-day, for example 2023-04-10."),
    )
    due_before = IsoDateFilter(
        label=_("Due on or before"),
        field_name="due_on",
        lookup_expr="lte",
        help_text=_("Year-month-day, for example 2023-12-31."),
    )
    overdue = django_filters.ChoiceFilter(
        label=_("Overdue"),
        method="filter_overdue",
        choices=[("true", _("Overdue")), ("false", _("Not overdue"))],
        help_text=_(
            "true: open actions whose deadline or planned date has passed; false: "
            "the others."
        ),
    )

    class Meta:
        model = Action
        form = ActionFilterForm
        fields = ACTION_FILTER_PARAMS

    @extend_schema_field(OpenApiTypes.STR)  # an ISO code, for the API's schema
    def filter_country(self, queryset, name, value):
        return queryset.for_countries(value)

    def filter_body(self, queryset, name, value):
        return queryset.involving_bodies([value.slug])

    def filter_document(self, queryset, name, value):
        return queryset.filter(document_id=value.pk)

    def filter_overdue(self, queryset, name, value):
        overdue = Action.objects.overdue(timezone.localdate()).values("pk")
        if value == "true":
            return queryset.filter(pk__in=overdue)
        return queryset.exclude(pk__in=overdue)
