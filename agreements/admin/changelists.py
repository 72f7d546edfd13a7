"""Changelists that stay fast at 100,000 documents.

What Django's changelist does on every view, and what replaces it here:

- **The count.** The paginator counts the filtered rows (``COUNT(*)``, with the
  search's joins) on every page. ``LargeListMixin.get_paginator`` gives it the count
  from the cache instead, keyed on the register generation and on the list's filters
  and search (``cached_aggregate``, as the public list's count), so a changelist
  counts once until the register changes. The full count stays off
  (``show_full_result_count = False``).
- **Deep pages.** ``OFFSET`` reads every row it skips. The lists stop at
  ``MAX_PAGES``: a page beyond it is refused with a message that asks to narrow the
  search or the filters (or to sort the other way), and the pagination offers no
  link past it.
- **Year lists.** ``date_hierarchy`` runs ``SELECT DISTINCT`` over the date column of
  every row at every view; ``YearFilter`` lists the years from a cached aggregate.
- **Filter choices.** ``CachedLookupsMixin`` keeps a filter's choices (which
  countries have parties, which events have documents...) in the cache under the
  register generation.
"""

import hashlib

from django.contrib import admin, messages
from django.core.paginator import EmptyPage
from django.db.models import Q
from django.http import HttpResponseRedirect
from django.utils.text import smart_split, unescape_string_literal
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from ..aggregates import cached_aggregate, register_stamp
from ..pagination import CountedPaginator
from ..search import MAX_QUERY_WORDS, clean_query, search_documents

#: The deepest page a changelist shows: 10,000 rows at 50 a page.
MAX_PAGES = 200
#: The changelist's own parameters that do not change which rows are listed.
NOT_FILTERS = ("p", "o", "e", "_changelist_filters")


def request_stamp(request):
    """The register's stamp (``register_stamp``), read once per request however many
    filters and counts of the page use it."""
    if not hasattr(request, "register_stamp"):
        request.register_stamp = register_stamp()
    return request.register_stamp


def changelist_key(model, query):
    """What names a changelist's rows: the model, its filters and its search."""
    filters = sorted(
        (name, value)
        for name, values in query.lists()
        if name not in NOT_FILTERS
        for value in values
    )
    digest = hashlib.sha256(repr(filters).encode()).hexdigest()[:32]
    return f"admin:{model._meta.label_lower}:{digest}"


class CappedPaginator(CountedPaginator):
    """A paginator that offers no page past ``max_pages``."""

    def __init__(self, *args, max_pages=MAX_PAGES, **kwargs):
        super().__init__(*args, **kwargs)
        self.max_pages = max_pages

    @property
    def num_pages(self):
        return min(super().num_pages, self.max_pages)

    def validate_number(self, number):
        number = super().validate_number(number)
        if number > self.max_pages:
            raise EmptyPage(_("That page is past the last page shown."))
        return number


class LargeListMixin:
    """A ``ModelAdmin`` whose changelist counts from the cache and stops at
    ``MAX_PAGES`` (see the module's doc)."""

    show_full_result_count = False
    max_pages = MAX_PAGES

    def get_paginator(
        self, request, queryset, per_page, orphans=0, allow_empty_first_page=True
    ):
        count = cached_aggregate(
            request_stamp(request),
            changelist_key(self.model, request.GET),
            queryset.count,
            per_language=False,
        )
        return CappedPaginator(
            queryset,
            per_page,
            orphans=orphans,
            allow_empty_first_page=allow_empty_first_page,
            count=count,
            max_pages=self.max_pages,
        )

    def changelist_view(self, request, extra_context=None):
        page = request.GET.get("p", "")
        if page.isdigit() and int(page) > self.max_pages:
            messages.warning(
                request,
                ngettext(
                    "A list shows its first %(pages)d page only.",
                    "A list shows its first %(pages)d pages only.",
                    self.max_pages,
                )
                % {"pages": self.max_pages}
                + " "
                + str(
                    _(
                        "To reach the records further on, narrow the list with the "
                        "search or the filters, or sort it the other way."
                    )
                ),
            )
            query = request.GET.copy()
            query["p"] = str(self.max_pages)
            return HttpResponseRedirect(f"{request.path}?{query.urlencode()}")
        return super().changelist_view(request, extra_context)


class CachedLookupsMixin:
    """A list filter whose choices are kept in the cache until the register
    changes; ``compute_lookups`` gives them, with the same arguments as
    ``lookups``. The choice the user made, if it is not among them, is added by
    ``chosen_lookup`` (uncached: one primary-key query)."""

    def lookups(self, request, model_admin):
        model = model_admin.model._meta.label_lower
        choices = cached_aggregate(
            request_stamp(request),
            f"admin-filter:{model}:{self.parameter_name}",
            lambda: list(self.compute_lookups(request, model_admin)),
        )
        chosen = self.value()
        if chosen and all(str(value) != chosen for value, _label in choices):
            choices = [*choices, *self.chosen_lookup(chosen)]
        return choices

    def compute_lookups(self, request, model_admin):
        raise NotImplementedError

    def chosen_lookup(self, value):
        """``[(value, label)]`` for a value outside the cached choices, or ``[]``."""
        return []


class SelectFilterMixin:
    """A list filter with many choices (the countries of parties, the years) offered
    as one drop-down rather than a link each: the list's other filters, search and
    order travel as hidden fields of its form, so no choice needs an address built
    for it (a link each was 196 addresses for the countries, the most time of a
    documents' list with no row). Choosing submits the form
    (``js/admin-filter-select.js``); without scripts, its button does."""

    template = "admin/agreements/filter_select.html"

    def choices(self, changelist):
        # the list's other parameters, to keep; not the page, which starts again
        keep = [
            (name, value)
            for name, value in changelist.params.items()
            if name not in (self.parameter_name, "p")
            for value in (value if isinstance(value, list) else [value])
        ]
        facets = changelist.add_facets and self.get_facet_queryset(changelist)
        yield {
            "selected": self.value() is None,
            "value": "",
            "keep": keep,
            "display": _("All"),
        }
        for index, (lookup, title) in enumerate(self.lookup_choices):
            if facets:  # the counts the list offers on request (?_facets=True)
                count = facets.get(f"{index}__c", -1)
                title = f"{title} ({count if count != -1 else '-'})"
            yield {
                "selected": self.value() == str(lookup),
                "value": lookup,
                "display": title,
            }


class YearFilter(SelectFilterMixin, CachedLookupsMixin, admin.SimpleListFilter):
    """The years of ``field``, newest first, from a cached aggregate rather than a
    ``SELECT DISTINCT`` over every row at every view (``date_hierarchy``)."""

    parameter_name = "year"
    field = None

    def compute_lookups(self, request, model_admin):
        return [
            (str(day.year), str(day.year))
            for day in model_admin.model.objects.dates(self.field, "year", order="DESC")
        ]

    def queryset(self, request, queryset):
        if self.value():
            if not self.value().isdigit():
                return queryset.none()
            return queryset.filter(**{f"{self.field}__year": int(self.value())})
        return queryset


#: A word found in no more rows than this is looked up by their ids (``search_words``).
FEW_MATCHES = 2000


def search_words(queryset, search_term, fields, *, related=(), holders=None):
    """Rows in which every word of ``search_term`` is found: in one of ``fields``
    (``icontains``, on the row or across a foreign key, which repeats no row), or by
    one of ``related``, each a function from a word to a condition (an ``Exists``
    or an ``__in`` subquery rather than a join, so no row is repeated and no
    ``DISTINCT`` is needed).

    ``holders``, where given, is a function from a word to a query of the ids of
    the rows that may hold it, read through indexes: every row that holds it, and
    perhaps some that do not (``None`` where it has no index for that word). Up to
    ``FEW_MATCHES + 1`` of them are read first: for a word in no more rows than
    that, only those rows are tested. Otherwise the list is walked in its order,
    each row tested, until its page is full, which for a common word is soon; for
    a rare one it would read every row (0.5 s for 300,000 actions, 0.9 s for
    530,000 updates). Either way a row is listed only if it passes the test.
    """
    text, _shortened = clean_query(search_term)
    # as Django's own search: words, or phrases in quotes
    words = [
        unescape_string_literal(bit) if bit[:1] in "\"'" and bit[-1:] == bit[0] else bit
        for bit in smart_split(text)
    ]
    for word in words[:MAX_QUERY_WORDS]:
        condition = contains_any(fields, word)
        for make in related:
            condition |= make(word)
        held = holders(word) if holders else None
        if held is not None:
            ids = list(held[: FEW_MATCHES + 1])
            if len(ids) <= FEW_MATCHES:
                # those rows only, each still tested: the ids may hold more
                queryset = queryset.filter(pk__in=ids)
        queryset = queryset.filter(condition)
    return queryset


def contains_any(fields, word):
    """``word`` in any of ``fields`` (``icontains``)."""
    condition = Q()
    for field in fields:
        condition |= Q(**{f"{field}__icontains": word})
    return condition


def union_of_ids(*querysets):
    """The ids the ``querysets`` (each of one column) give, one after another
    (``UNION ALL``, unordered, so a limit stops reading as soon as it is reached)."""
    first, *others = (queryset.order_by() for queryset in querysets)
    return first.union(*others, all=True)


def documents_matching(word):
    """The ids of the documents whose own words (title, parties, signatories, place,
    summary: the public search's index, without the attached texts) hold ``word``."""
    from ..models import Document

    return (
        search_documents(Document.objects.all(), word, texts=False, page=False)
        .order_by()
        .values("pk")
    )
