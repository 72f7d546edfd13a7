"""The public list's filters. Their names are the list's URL contract: keep them.

``?q=`` words; ``kind``, ``status``, ``follow_up``, ``topic``: repeatable choices, any
of them; ``country``: repeatable ISO codes, all of them parties; ``body``, ``event``:
slugs; ``signed_after``, ``signed_before``: ISO dates, inclusive; ``ordering``.

A query the register cannot read (an unknown choice, a date that does not exist, an
unknown slug) is an error shown beside its filter; the list then shows no results.
"""

import copy
import re

import django_filters
from django import forms
from django.db import connections
from django.db.models import Exists, OuterRef
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _
from django_countries.data import COUNTRIES

from . import search
from .aggregates import cached_aggregate
from .labels import choices_of
from .models import Body, Country, Document, Event, Party, Topic

SLUG = re.compile(r"^[-a-zA-Z0-9_]+$")
#: A body with at least this many documents has them found by walking the list.
WALK_FROM = 500
DATE_FORMAT = "%Y-%m-%d"

#: ``?ordering=`` values and the columns they sort by (with a tie-breaker).
ORDERINGS = {
    "-signed_on": ("-signed_on", "title", "pk"),
    "signed_on": ("signed_on", "title"),
    # the id settles ties: SQLite's (is_published, title) index holds it, so a deep
    # page walks the index alone
    "title": ("title", "pk"),
    "-title": ("-title", "-pk"),
    "-updated": ("-updated_at",),
    "updated": ("updated_at",),
}
ORDERING_CHOICES = [
    ("-signed_on", _("Newest signature first")),
    ("signed_on", _("Oldest signature first")),
    ("title", _("Title, A to Z")),
    ("-title", _("Title, Z to A")),
    ("-updated", _("Recently updated first")),
    ("updated", _("Least recently updated first")),
]

#: The filter parameters, in the order the selected-filter tags show them.
FILTER_PARAMS = (
    "q",
    "kind",
    "status",
    "follow_up",
    "topic",
    "country",
    "body",
    "event",
    "signed_after",
    "signed_before",
)


def _without_nul(value):
    return value.replace("\x00", "") if isinstance(value, str) else value


class RepeatableChoiceField(django_filters.fields.MultipleChoiceField):
    """Repeatable values: blanks dropped, each value once, ``normalize`` applied."""

    def __init__(self, *args, normalize=None, **kwargs):
        self.normalize = normalize
        super().__init__(*args, **kwargs)

    def valid_value(self, value):
        # a set of the values, made once: Django walks the choices for each value
        if not hasattr(self, "_values"):
            self._values = {str(key) for key, _label in self.choices}
        return str(value) in self._values

    def to_python(self, value):
        values = []
        for item in super().to_python(value):
            item = _without_nul(item).strip()
            if self.normalize:
                item = self.normalize(item)
            if item and item not in values:
                values.append(item)
        return values


class RepeatableChoiceFilter(django_filters.MultipleChoiceFilter):
    field_class = RepeatableChoiceField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("distinct", False)
        kwargs.setdefault("widget", forms.CheckboxSelectMultiple)
        super().__init__(*args, **kwargs)


class CountryCodeField(RepeatableChoiceField):
    """``?country=`` codes: valid when ISO 3166-1 knows them. No list of 249 choices:
    the form would copy it, and Django go through it, on every request (1 ms); the
    page shows the countries from the register, not from the field."""

    def valid_value(self, value):
        return str(value) in COUNTRIES


class CountryCodeFilter(RepeatableChoiceFilter):
    field_class = CountryCodeField


class SearchField(forms.CharField):
    """The search box: NUL bytes dropped; cut to its first 200 characters."""

    def to_python(self, value):
        value, _shortened = search.clean_query(_without_nul(value))
        return value

    def bound_data(self, data, initial):
        # the box shows what was searched, not the 10 kB that was sent
        return self.to_python(data)


class SearchFilter(django_filters.CharFilter):
    field_class = SearchField


class IsoDateFilter(django_filters.DateFilter):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("input_formats", [DATE_FORMAT])
        # a text box with an example, not type="date": browsers show that in their
        # own locale's order, and an invalid date sent back would be invalid HTML
        kwargs.setdefault("widget", forms.DateInput(format=DATE_FORMAT))
        kwargs.setdefault("field_name", "signed_on")
        super().__init__(*args, **kwargs)


# Choices are functions, so that each request's copy of the filters (django-filter
# deep-copies them, and the form its fields) does not copy every value and label.
def kind_choices():
    return choices_of("kind")


def status_choices():
    return choices_of("status")


def follow_up_choices():
    return choices_of("follow_up")


class DocumentFilterForm(forms.Form):
    """Turns ``?body=`` and ``?event=`` slugs into records, or into errors."""

    # set by clean_q for the template: "your search was shortened"
    q_shortened = False
    q_words_dropped = False

    def clean_q(self):
        value = self.cleaned_data.get("q") or ""
        raw = _without_nul(self.data.get("q", ""))
        self.q_shortened = len(raw.strip()) > search.MAX_QUERY_LENGTH
        self.q_words_dropped = search.too_many_words(value)
        return value

    def _clean_slug(self, name, records, what):
        value = _without_nul(self.cleaned_data.get(name) or "").strip().lower()
        if not value:
            return None
        if not SLUG.match(value):
            raise forms.ValidationError(
                _(
                    "Enter the %(what)s’s slug: the last part of the address of its "
                    "page, in letters, digits and hyphens."
                ),
                params={"what": what},
                code="invalid",
            )
        found = records().filter(slug=value).first()
        if found is None:
            raise forms.ValidationError(
                _("There is no %(what)s “%(slug)s” in the register."),
                params={"what": what, "slug": value},
                code="unknown",
            )
        return found

    def clean_body(self):
        # the querysets made only for a slug: most requests have none
        return self._clean_slug("body", Body.objects.all, _("body"))

    def clean_event(self):
        return self._clean_slug("event", Event.objects.published, _("event"))

    def clean(self):
        data = super().clean()
        after, before = data.get("signed_after"), data.get("signed_before")
        if after and before and after > before:
            self.add_error(
                "signed_before",
                _(
                    "“Signed on or before” must be the same as or later than "
                    "“signed on or after”."
                ),
            )
        return data


class _FieldsOfOneForm(dict):
    """The fields of a form class made for a single form: the form takes them as
    they are instead of deep-copying them (0.4 ms of each list request)."""

    def __deepcopy__(self, memo):
        return dict(self)


class _FiltersCopiedShallow(dict):
    """The filter set's filters, copied for each filter set without a deep copy
    (django-filter deep-copies every filter, its choices and labels: 0.3 ms of each
    list request). Each copy has its own ``extra`` (the field's arguments, which a
    filter set may change) and its own method binding; the rest a filter set
    only reads."""

    def __deepcopy__(self, memo):
        return {name: _copy_filter(filter_) for name, filter_ in self.items()}


def _copy_filter(filter_):
    copied = copy.copy(filter_)
    copied.extra = dict(filter_.extra)
    # a FilterMethod holds its filter, which leads it to its filter set (parent)
    copied.method = filter_.method
    # the form field is made from extra, per copy
    copied.__dict__.pop("_field", None)
    return copied


class DocumentFilter(django_filters.FilterSet):
    """Filters for the public list of documents (``/agreements/``)."""

    q = SearchFilter(
        label=_("Search"),
        method="filter_q",
        help_text=_("Words from the title, summary, parties or signatories."),
        max_length=search.MAX_QUERY_LENGTH,
    )
    kind = RepeatableChoiceFilter(
        label=_("Kind"), choices=kind_choices, normalize=str.lower
    )
    status = RepeatableChoiceFilter(
        label=_("Legal status"),
        field_name="legal_status",
        choices=status_choices,
        normalize=str.lower,
    )
    follow_up = RepeatableChoiceFilter(
        label=_("Follow-up"),
        field_name="follow_up_status",
        choices=follow_up_choices,
        normalize=str.lower,
    )
    topic = RepeatableChoiceFilter(
        label=_("Topic"), method="filter_topic", choices=[], normalize=str.lower
    )
    country = CountryCodeFilter(
        label=_("Party country"),
        method="filter_country",
        choices=(),
        normalize=str.upper,
        help_text=_("Documents with a party from each country chosen."),
    )
    body = django_filters.CharFilter(
        label=_("Body"),
        method="filter_body",
        max_length=120,
        help_text=_("The body’s slug, as in the address of its page."),
    )
    event = django_filters.CharFilter(
        label=_("Event"),
        method="filter_event",
        max_length=120,
        help_text=_("The event’s slug, as in the address of its page."),
    )
    signed_after = IsoDateFilter(
        label=_("Signed on or after"),
        lookup_expr="gte",
        help_text=_("Year-month-day, for example 2023-04-10."),
    )
    signed_before = IsoDateFilter(
        label=_("Signed on or before"),
        lookup_expr="lte",
        help_text=_("Year-month-day, for example 2023-12-31."),
    )
    ordering = django_filters.ChoiceFilter(
        label=_("Sort by"),
        method="filter_ordering",
        choices=ORDERING_CHOICES,
        empty_label=_("Best match, then newest"),
    )

    class Meta:
        model = Document
        form = DocumentFilterForm
        fields = FILTER_PARAMS + ("ordering",)

    def __init__(self, data=None, *args, **kwargs):
        if data is not None:
            data = _strip_nul_keys(data)
        super().__init__(data, *args, **kwargs)
        # a list, so validating and rendering do not query again
        self.topics = cached_aggregate(self.request, "topics", _topics)
        self.filters["topic"].extra["choices"] = self.topics

    def get_form_class(self):
        # django-filter makes the form class, and its fields, afresh for each filter
        # set, and the filter set makes one form of it
        form_class = super().get_form_class()
        form_class.base_fields = _FieldsOfOneForm(form_class.base_fields)
        return form_class

    # --- filtering --------------------------------------------------------------------

    def filter_q(self, queryset, name, value):
        return queryset.search(value)

    def filter_topic(self, queryset, name, value):
        through = Document.topics.through.objects.filter(
            document_id=OuterRef("pk"), topic__slug__in=value
        )
        return queryset.filter(Exists(through))

    def filter_country(self, queryset, name, value):
        # One EXISTS per code: every code must be a party, and no join duplicates
        # rows. Looking the ids up first gives the planner real numbers to go on.
        ids = cached_aggregate(self.request, "country-ids", _country_ids)
        for code in value:
            parties = Party.objects.filter(
                document_id=OuterRef("pk"), body__country_id=ids.get(code, 0)
            )
            queryset = queryset.filter(Exists(parties))
        return queryset

    def filter_body(self, queryset, name, value):
        return signed_by(queryset, value, Party.objects.filter(body=value).count())

    def filter_event(self, queryset, name, value):
        return queryset.filter(event_id=value.pk)

    def filter_ordering(self, queryset, name, value):
        return queryset.order_by(*ORDERINGS[value])

    # --- for the template -------------------------------------------------------------

    @property
    def current_ordering(self):
        """The ``?ordering=`` in force: explicit, else by rank or newest first."""
        if self.is_bound and self.form.is_valid():
            chosen = self.form.cleaned_data.get("ordering")
            if chosen:
                return chosen
            if (
                self.form.cleaned_data.get("q")
                and search.query_words(self.form.cleaned_data["q"])
                # only PostgreSQL ranks; elsewhere matches keep the list's order
                and connections[self.queryset.db].vendor == "postgresql"
            ):
                return "rank"
        return "-signed_on"

    def selected_filters(self):
        """``[(label, value label, URL without it)]`` for each value given."""
        if not self.is_bound:
            return []
        cleaned = self.form.cleaned_data if self.form.is_valid() else {}
        names = {
            "kind": dict(kind_choices()),
            "status": dict(status_choices()),
            "follow_up": dict(follow_up_choices()),
            "topic": dict(self.topics),
            # COUNTRIES itself: names looked up one by one, not 249 translated
            "country": COUNTRIES,
        }
        selected = []
        for param in FILTER_PARAMS:
            label = self.filters[param].label
            for raw in self.data.getlist(param):
                value = raw.strip()
                if not value:
                    continue
                shown = value
                if param in names:
                    key = value.upper() if param == "country" else value
                    shown = str(names[param].get(key, value))
                elif param in ("body", "event") and cleaned.get(param) is not None:
                    shown = (
                        cleaned[param].title
                        if param == "event"
                        else str(cleaned[param])
                    )
                elif param == "q":
                    shown = cleaned.get("q") or search.clean_query(value)[0]
                remaining = self.data.copy()
                remaining.setlist(
                    param, [v for v in self.data.getlist(param) if v != raw]
                )
                remaining.pop("page", None)
                query = remaining.urlencode()
                selected.append((label, shown, f"?{query}" if query else "?"))
        return selected


DocumentFilter.base_filters = _FiltersCopiedShallow(DocumentFilter.base_filters)


def _topics():
    return list(Topic.objects.values_list("slug", "name"))


def _country_ids():
    return dict(Country.objects.values_list("code", "id"))


def signed_by(queryset, body, count):
    """``queryset``'s documents that ``body`` signed, ``count`` of them in all.

    For a body with many documents, walk the list in its order and test each one
    (EXISTS): a page fills at once. For a body with few, start from its parties (IN):
    walking would test every document to find them. A body signs a document once
    (agreements_party_one_signature_per_body), so neither duplicates rows.
    """
    if count >= WALK_FROM:
        parties = Party.objects.filter(document_id=OuterRef("pk"), body_id=body.pk)
        return queryset.filter(Exists(parties))
    return queryset.filter(
        pk__in=Party.objects.filter(body_id=body.pk).values("document_id")
    )


def _strip_nul_keys(data):
    """A copy of the query without NUL bytes in its keys or values."""
    if not any(
        "\x00" in key or any("\x00" in v for v in data.getlist(key)) for key in data
    ):
        return data
    clean = QueryDict(mutable=True)
    for key in data:
        clean.setlist(
            key.replace("\x00", ""), [v.replace("\x00", "") for v in data.getlist(key)]
        )
    return clean
