"""The public list's filters. Their names are the list's URL contract: keep them.

``?q=`` words; ``kind``, ``status``, ``follow_up``, ``topic``: repeatable choices, any
of them; ``country``: repeatable ISO codes, all of them parties; ``body``, ``event``:
slugs; ``signed_after``, ``signed_before``: ISO dates, inclusive; ``party_status``:
repeatable ``CC:step`` or ``CC:not_step``, all of them (``agreements.steps.queries``);
``ordering``.

A query the register cannot read (an unknown choice, a date that does not exist, an
unknown slug) is an error shown beside its filter; the list then shows no results.
"""

import re

import django_filters
from django import forms
from django.db import connections
from django.db.models import Exists, OuterRef
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _
from django_countries.data import COUNTRIES
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from . import search
from .aggregates import cached_aggregate, register_stamp
from .models import Body, Document, Event, Party, Topic
from .selectors import from_country
from .steps.queries import (
    MAX_PARTY_STATUSES,
    PARTY_STATUSES,
    normalize_party_status,
    parse_party_status,
    party_status_condition,
    party_status_label,
)

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
    "party_status",
)


def _without_nul(value):
    return value.replace("\x00", "") if isinstance(value, str) else value


class RepeatableChoiceField(django_filters.fields.MultipleChoiceField):
    """Repeatable values: blanks dropped, each value once, ``normalize`` applied."""

    def __init__(self, *args, normalize=None, **kwargs):
        self.normalize = normalize
        super().__init__(*args, **kwargs)

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
    """``?country=`` codes: valid when ISO 3166-1 knows them. The field has no
    choices: the page offers the countries of the register, not all 249."""

    def valid_value(self, value):
        return str(value) in COUNTRIES


class CountryCodeFilter(RepeatableChoiceFilter):
    field_class = CountryCodeField


class PartyStatusField(RepeatableChoiceField):
    """``?party_status=KZ:ratified``: a country's ISO code, a colon and a step
    (``not_`` before it for its absence); at most ``MAX_PARTY_STATUSES`` of them."""

    default_error_messages = {
        "invalid_choice": _(
            "“%(value)s” is not a party’s status: write a country’s code, a colon "
            "and one of %(words)s, with not_ before it for its absence (KZ:ratified, "
            "AZ:not_ratified)."
        ),
        "too_many": _("Choose at most %(limit)d party statuses."),
    }

    def valid_value(self, value):
        return parse_party_status(str(value)) is not None

    def validate(self, value):
        if len(value) > MAX_PARTY_STATUSES:
            raise forms.ValidationError(
                self.error_messages["too_many"],
                code="too_many",
                params={"limit": MAX_PARTY_STATUSES},
            )
        for item in value:
            if not self.valid_value(item):
                raise forms.ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": item, "words": ", ".join(PARTY_STATUSES)},
                )


class PartyStatusFilter(RepeatableChoiceFilter):
    field_class = PartyStatusField


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
        return self._clean_slug("body", Body.objects.public, _("body"))

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


class DocumentFilter(django_filters.FilterSet):
    """Filters for the public list of documents (``/agreements/``)."""

    q = SearchFilter(
        label=_("Search"),
        method="filter_q",
        help_text=_(
            "Words from the title, summary, parties, signatories or place of signature."
        ),
        max_length=search.MAX_QUERY_LENGTH,
    )
    kind = RepeatableChoiceFilter(
        label=_("Kind"), choices=Document.Kind.choices, normalize=str.lower
    )
    status = RepeatableChoiceFilter(
        label=_("Legal status"),
        field_name="legal_status",
        choices=Document.LegalStatus.choices,
        normalize=str.lower,
    )
    follow_up = RepeatableChoiceFilter(
        label=_("Follow-up"),
        field_name="follow_up_status",
        choices=Document.FollowUpStatus.choices,
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
    party_status = PartyStatusFilter(
        label=_("A party’s steps"),
        method="filter_party_status",
        choices=(),
        normalize=normalize_party_status,
        widget=forms.MultipleHiddenInput,
        help_text=_(
            "A country’s code, a colon and what its party did: signed, ratified "
            "(or approved, or accepted), notified, in_force, provisional, suspended "
            "or withdrawn; not_ before it for what it has not done. For example "
            "KZ:ratified, or AZ:not_ratified."
        ),
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

    def __init__(self, data=None, *args, stamp=None, **kwargs):
        if data is not None:
            data = _strip_nul_keys(data)
        super().__init__(data, *args, **kwargs)
        #: the register's stamp (agreements.aggregates), read once by the view
        self.stamp = stamp or register_stamp()
        # a list, so validating and rendering do not query again
        self.topics = cached_aggregate(self.stamp, "topics", _topics)
        self.filters["topic"].extra["choices"] = self.topics
        # and on this form's own field: the class's field may have been built
        # already (the API's schema reads the filters), with the choices of then
        self.form.fields["topic"].choices = self.topics

    # --- filtering --------------------------------------------------------------------

    def filter_q(self, queryset, name, value):
        # on PostgreSQL, a passage of the files' text where the words are found
        return search.with_snippets(queryset.search(value), value)

    # each value's type, for the API's schema (agreements.api): a topic's slug
    @extend_schema_field(OpenApiTypes.STR)
    def filter_topic(self, queryset, name, value):
        through = Document.topics.through.objects.filter(
            document_id=OuterRef("pk"), topic__slug__in=value
        )
        return queryset.filter(Exists(through))

    @extend_schema_field(OpenApiTypes.STR)  # an ISO code, for the API's schema
    def filter_country(self, queryset, name, value):
        # One EXISTS per code: every code must be a party, and no join duplicates
        # rows. The country's bodies' ids give the planner real numbers to go on.
        for code in value:
            parties = Party.objects.filter(
                from_country(code, self.stamp), document_id=OuterRef("pk")
            )
            queryset = queryset.filter(Exists(parties))
        return queryset

    @extend_schema_field(OpenApiTypes.STR)  # "KZ:ratified", for the API's schema
    def filter_party_status(self, queryset, name, value):
        # one EXISTS (or NOT EXISTS) each, as for ?country=: no join, no DISTINCT
        for item in value:
            code, word, negated = parse_party_status(item)
            queryset = queryset.filter(
                party_status_condition(code, word, negated, self.stamp)
            )
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
            "kind": dict(Document.Kind.choices),
            "status": dict(Document.LegalStatus.choices),
            "follow_up": dict(Document.FollowUpStatus.choices),
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
                elif param == "party_status":
                    shown = party_status_label(normalize_party_status(value))
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


def _topics():
    return list(Topic.objects.values_list("slug", "name"))


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
