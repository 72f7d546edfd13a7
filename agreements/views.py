"""Public pages. Only published records ever appear here.

Every page issues the same number of queries whatever the size of the register.
Aggregates that would scan the whole register (the home page's counts, a list's
count, a country's years) are cached until the register changes
(``agreements.aggregates``); whole pages are cached for anonymous visitors by
``agreements.cache``.

Pages past the last one, and ``?page=`` values that are not numbers, answer 404
(Django's ``paginate_queryset``), so a page number in a link is always a real page.
"""

import hashlib
from collections import Counter

from django.core.paginator import InvalidPage
from django.db.models import Exists, OuterRef, Q, Value
from django.db.models.functions import Concat
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.decorators import method_decorator
from django.utils.functional import cached_property
from django.utils.text import capfirst
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.generic import DetailView, ListView, TemplateView
from django_filters.views import FilterView

from . import describe, search, selectors, texts
from .aggregates import cached_aggregate, last_changed, register_stamp
from .cache import canonical_query
from .filters import FILTER_PARAMS, ORDERINGS, DocumentFilter, signed_by
from .followup.selectors import document_followup
from .languages import country_name, sort_key
from .models import (
    Body,
    BodyName,
    Confidence,
    Country,
    Document,
    EventCitation,
)
from .pagination import CountedPaginator, KeysetPaginator
from .security import is_search, rate_limited
from .steps.selectors import HEADINGS as STEP_HEADINGS
from .steps.selectors import steps_table

PER_PAGE = 25
#: How long the list's filter panel is kept (a fragment per set of filters).
PANEL_SECONDS = 600
#: The most matches a search ranks (PostgreSQL); more are listed newest first.
RANK_LIMIT = 500
#: The country page lists this many recent documents (the list has the rest).
COUNTRY_RECENT = 25
#: The orderings whose last column is unique: the unfiltered list pages them by keys.
KEYSET_ORDERINGS = {
    name for name, columns in ORDERINGS.items() if columns[-1] in ("pk", "-pk")
}


def healthz(request):
    """Liveness probe: answers without touching the database."""
    return HttpResponse("ok", content_type="text/plain")


def crumbs(*trail):
    """Breadcrumbs from the home page: ``(label, url)`` pairs, the last without URL."""
    return [(_("Home"), reverse("agreements:home")), *trail]


class RegisterMixin:
    """The register's stamp, read once a request, for its cached aggregates; and the
    footer's last change."""

    @cached_property
    def stamp(self):
        return register_stamp()

    def cached(self, key, compute):
        return cached_aggregate(self.stamp, key, compute)

    def public_body_ids(self):
        """The ids of the bodies a visitor may see (``Body.objects.public()``), worked
        out once per change of the register: across every body, the test reads every
        published party."""
        return self.cached(
            "public-bodies",
            lambda: list(Body.objects.public().values_list("pk", flat=True)),
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["register_last_changed"] = last_changed(self.stamp)
        if context.get("page_obj"):
            context["page_links"] = page_links(context["page_obj"])
        return context

    def paginate_queryset(self, queryset, page_size):
        # the list views' pages: the same 404 message as the detail pages' lists
        try:
            return super().paginate_queryset(queryset, page_size)
        except Http404 as error:
            number = self.request.GET.get("page")
            raise Http404(
                _("There is no page %(page)s here.") % {"page": number}
            ) from error

    def paginate(self, queryset, count, per_page=PER_PAGE):
        """A page of ``queryset`` for ``?page=`` (404 past the end), as the context
        of ``includes/pagination.html``, its rows as ``documents``."""
        paginator = CountedPaginator(queryset, per_page, count=count)
        number = self.request.GET.get("page") or 1
        if number == "last":
            number = paginator.num_pages
        try:
            page = paginator.page(number)
        except InvalidPage as error:
            raise Http404(
                _("There is no page %(page)s here.") % {"page": number}
            ) from error
        return {
            "paginator": paginator,
            "page_obj": page,
            "page_links": page_links(page),
            "documents": page.object_list,
        }


def page_links(page):
    """Page numbers with ellipses (GOV.UK pagination), or ``[]`` for a single page."""
    if page.paginator.num_pages <= 1:
        return []
    return list(
        page.paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1)
    )


# --- Home -----------------------------------------------------------------------------


class HomeView(RegisterMixin, TemplateView):
    """What the register holds, at a glance: counts that lead into the list, and the
    latest events and documents (all of it cached until the register changes)."""

    template_name = "agreements/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        data = self.cached(
            "home",
            lambda: {
                "counts": selectors.home_counts(),
                "latest_events": selectors.latest_events(),
                "latest_documents": selectors.latest_documents(),
            },
        )
        by_kind, by_status, by_follow_up = Counter(), Counter(), Counter()
        for kind, status, follow_up, n in data["counts"]:
            by_kind[kind] += n
            by_status[status] += n
            by_follow_up[follow_up] += n

        def tally(counts, choices):
            return [
                (value, capfirst(label), counts[value])
                for value, label in choices
                if counts[value]
            ]

        context.update(
            total=sum(by_kind.values()),
            by_kind=tally(by_kind, Document.Kind.choices),
            by_status=tally(by_status, Document.LegalStatus.choices),
            by_follow_up=tally(by_follow_up, Document.FollowUpStatus.choices),
            latest_events=data["latest_events"],
            latest_documents=data["latest_documents"],
        )
        return context


# --- Documents ------------------------------------------------------------------------


CAPTIONS = {
    "rank": gettext_lazy("Documents, best match first"),
    "-signed_on": gettext_lazy("Documents, newest signature first"),
    "signed_on": gettext_lazy("Documents, oldest signature first"),
    "title": gettext_lazy("Documents, by title from A to Z"),
    "-title": gettext_lazy("Documents, by title from Z to A"),
    "-updated": gettext_lazy("Documents, recently updated first"),
    "updated": gettext_lazy("Documents, least recently updated first"),
}


@method_decorator(rate_limited("search", when=is_search), name="dispatch")
class DocumentListView(RegisterMixin, FilterView):
    """The register, filtered (see ``agreements.filters`` for the URL contract)."""

    filterset_class = DocumentFilter
    template_name = "agreements/document_list.html"
    paginate_by = PER_PAGE
    #: A search matching more documents than this is not ranked (PostgreSQL would
    #: read and rank every match to find the best page) but listed newest first,
    #: and the reader is told so.
    rank_limit = RANK_LIMIT

    def get_queryset(self):
        # the id settles ties, the same way on every page
        return Document.objects.listed().as_rows().order_by(*ORDERINGS["-signed_on"])

    def get_filterset_kwargs(self, filterset_class):
        return {**super().get_filterset_kwargs(filterset_class), "stamp": self.stamp}

    def get_paginator(self, queryset, per_page, **kwargs):
        key = self.filters_key()
        # the count is the costly part of a big filtered list: once per change
        count = (
            None if key is None else self.cached(f"list-count:{key}", queryset.count)
        )
        ordering = self.filterset.current_ordering
        self.unranked = ordering == "rank" and (count or 0) > self.rank_limit
        if self.unranked:
            ordering = "-signed_on"
            queryset = queryset.order_by(*ORDERINGS[ordering])
        self.shown_ordering = ordering
        if key == UNFILTERED and ordering in KEYSET_ORDERINGS:
            return KeysetPaginator(
                queryset,
                per_page,
                count=count,
                ordering=ORDERINGS[ordering],
                remember=lambda name, compute: self.cached(
                    f"list-start:{ordering}:{name}", compute
                ),
                **kwargs,
            )
        return CountedPaginator(queryset, per_page, count=count, **kwargs)

    def filters_key(self):
        """The filters in force, normalised (``None`` when they are invalid)."""
        filterset = self.filterset
        if filterset.is_bound and not filterset.is_valid():
            return None
        data = filterset.form.cleaned_data if filterset.is_bound else {}
        parts = []
        for name in FILTER_PARAMS:
            value = data.get(name)
            if name == "q":
                value = search.query_words(value)
            elif hasattr(value, "pk"):
                value = value.pk
            elif isinstance(value, list | tuple):
                value = sorted(map(str, value))
            if value not in (None, "", []):
                parts.append(f"{name}={value}")
        return hashlib.sha256("&".join(parts).encode()).hexdigest()

    def render_to_response(self, context, **response_kwargs):
        response = super().render_to_response(context, **response_kwargs)
        filterset = context["filter"]
        if filterset.is_bound and not filterset.is_valid():
            # a page of form errors is for the one who asked: never stored, so
            # made-up values cannot fill the page cache either
            patch_cache_control(response, private=True)
        return response

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        filterset = context["filter"]
        form = filterset.form
        ordering = getattr(self, "shown_ordering", filterset.current_ordering)
        chosen = []
        if form.is_bound and form.is_valid():
            chosen = form.cleaned_data.get("country") or []
        # named and sorted in the page's language (cached in each language)
        countries = self.cached("party-countries-named", _named_party_countries)
        names = dict(countries)
        feed_query = canonical_query(self.request, leave_out=("page", "ordering"))[0]
        export_query = canonical_query(self.request, leave_out=("page",))[0]
        context.update(
            stamp=self.stamp,
            # the list's feed: the same filters (agreements.feeds)
            feed_query=f"?{feed_query}" if feed_query else "",
            # the list as files: the same filters and order (agreements.exports)
            export_query=f"?{export_query}" if export_query else "",
            # the filter panel's fragment key: the filters the list knows (not the
            # page), so that neither unknown parameters nor paging store copies of
            # it; none for invalid filters, whose errors are not kept
            filter_key=(
                canonical_query(self.request, leave_out=("page",))[0]
                if not filterset.is_bound or filterset.is_valid()
                else None
            ),
            panel_timeout=min(self.stamp.timeout, PANEL_SECONDS),
            unranked=getattr(self, "unranked", False),
            rank_limit=self.rank_limit,
            form=form,
            breadcrumbs=crumbs((_("Agreements"), None)),
            selected_filters=filterset.selected_filters(),
            errors=[
                (form[name].auto_id, form[name].label, message)
                for name, messages in form.errors.items()
                if name in form.fields
                for message in messages
            ]
            if filterset.is_bound
            else [],
            ordering=ordering,
            caption=CAPTIONS[ordering],
            sort_columns=_sort_columns(ordering),
            # the chosen countries as ticked boxes; the register's others in a
            # select to add one (the URL accepts every ISO code)
            chosen_countries=[
                (code, names.get(code) or country_name(code, code)) for code in chosen
            ],
            other_countries=[pair for pair in countries if pair[0] not in chosen],
        )
        return context


def _named_party_countries():
    """``[(code, name)]`` of the countries with a party, named and sorted in the
    active language."""
    return sorted(
        (
            (code, country_name(code, name))
            for code, name in selectors.party_countries()
        ),
        key=lambda pair: sort_key(pair[1]),
    )


#: The count key of the list with no filter.
UNFILTERED = hashlib.sha256(b"").hexdigest()


def _sort_columns(ordering):
    """For the sortable headers: where each leads, and ``aria-sort`` if it sorts."""
    columns = {}
    for column, ascending, first in (
        ("title", "title", "title"),
        ("signed", "signed_on", "-signed_on"),
    ):
        descending = f"-{ascending}"
        if ordering == ascending:
            columns[column] = {"next": descending, "sort": "ascending"}
        elif ordering == descending:
            columns[column] = {"next": ascending, "sort": "descending"}
        else:
            columns[column] = {"next": first, "sort": None}
    return columns


class DocumentDetailView(RegisterMixin, DetailView):
    """One document, with every fact's source and how sure it is."""

    template_name = "agreements/document_detail.html"
    context_object_name = "document"

    def get_queryset(self):
        return selectors.document_page().annotate(**selectors.document_sections())

    def get_context_data(self, **kwargs):
        # imported here: the follow-up views import this module's mixin
        from .followup.views import today as followup_today

        context = super().get_context_data(**kwargs)
        document = self.object
        today = followup_today()
        event = document.event
        if event is not None and not event.is_published:
            event = None
        followup = document_followup(document, today=today)
        topics = (
            list(document.topics.order_by("name").only("slug", "name"))
            if document.has_topics
            else []
        )
        cite_url = self.request.build_absolute_uri(document.get_absolute_url())
        context.update(texts.document_texts(document))
        context.update(
            topics=topics,
            structured_data=describe.document(
                document,
                parties=document.listed_parties,
                citations=document.sources,
                titles=document.other_titles,
                topics=topics,
                absolute=self.request.build_absolute_uri,
                url=cite_url,
            ),
            # this document's relations by kind, then the others' by date and title
            relations_from=(
                selectors.relations_from().filter(from_document=document)
                if document.has_relations_from
                else ()
            ),
            relations_to=(
                selectors.relations_to().filter(to_document=document)
                if document.has_relations_to
                else ()
            ),
            breadcrumbs=crumbs(
                (_("Agreements"), reverse("agreements:document-list")),
                (document.title, None),
            ),
            event=event,
            inferred_in_package=(
                event is not None and document.event_confidence == Confidence.INFERRED
            ),
            cite_url=cite_url,
            # each party's steps, one row a party (agreements.steps): one query
            party_steps=steps_table(document.listed_parties),
            step_headings=STEP_HEADINGS,
            today=today,
            followup=followup,
            follow_up_status=(
                followup.shown_status(document.follow_up_status)
                if followup
                else document.follow_up_status
            ),
        )
        return context


# --- Bodies ---------------------------------------------------------------------------


@method_decorator(rate_limited("search", when=is_search), name="dispatch")
class BodyListView(RegisterMixin, ListView):
    """Every public body (``Body.objects.public()``), grouped by country; ``?q=``
    searches their names."""

    template_name = "agreements/body_list.html"
    context_object_name = "bodies"
    paginate_by = 50

    def get_queryset(self):
        """The ids of the public bodies in the list's order, matching ``?q=``: a
        plain list, paginated, then the page's bodies read by id."""
        self.query, self.query_shortened = search.clean_query(
            self.request.GET.get("q", "")
        )
        self.words = search.query_words(self.query)
        ordered = Body.objects.all()
        if not self.words:
            return self.cached(
                f"public-bodies-in-order:{get_language()}",
                lambda: self._public(ordered),
            )
        ordered = ordered.alias(
            folded_name=search.Folded(search.every_language("name", "short_name"))
        )
        for word in self.words:
            former = BodyName.objects.alias(
                folded=search.Folded(Concat("name", Value(" "), "short_name"))
            ).filter(body=OuterRef("pk"), folded__contains=word)
            ordered = ordered.filter(Q(folded_name__contains=word) | Exists(former))
        return self._public(ordered)

    def _public(self, bodies):
        """The public ones of ``bodies``, by country then name in the alphabet of
        the page's language."""
        public = set(self.public_body_ids())
        rows = [
            row
            for row in bodies.values_list(
                "pk", "country__code", "country__name", "name"
            )
            if row[0] in public
        ]
        rows.sort(
            key=lambda row: (
                sort_key(country_name(row[1], row[2])),
                sort_key(row[3]),
                row[0],
            )
        )
        return [row[0] for row in rows]

    def paginate_queryset(self, queryset, page_size):
        paginator, page, ids, is_paginated = super().paginate_queryset(
            queryset, page_size
        )
        bodies = Body.objects.select_related("country").in_bulk(ids)
        page.object_list = [bodies[pk] for pk in ids if pk in bodies]
        return paginator, page, page.object_list, is_paginated

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            query=self.query,
            breadcrumbs=crumbs((_("Bodies"), None)),
            query_shortened=self.query_shortened,
        )
        return context


class BodyDetailView(RegisterMixin, DetailView):
    """A body, its names over time, and the published documents it signed."""

    template_name = "agreements/body_detail.html"
    context_object_name = "body"

    def get_queryset(self):
        return Body.objects.select_related("country", "parent")

    def get_object(self, queryset=None):
        body = super().get_object(queryset)
        if body.pk not in set(self.public_body_ids()):
            raise Http404(_("There is no body at this address."))
        return body

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        body = self.object
        public = set(self.public_body_ids())
        total = self.cached(
            f"body-documents:{body.pk}",
            Document.objects.published().filter(parties__body=body).count,
        )
        documents = (
            signed_by(Document.objects.listed(), body, total)
            .as_rows()
            .order_by("-signed_on", "title")
        )
        parent = body.parent if body.parent_id in public else None
        context.update(
            self.paginate(documents, total),
            structured_data=describe.body(
                body,
                parent=parent,
                absolute=self.request.build_absolute_uri,
                url=self.request.build_absolute_uri(body.get_absolute_url()),
            ),
            children=[
                child
                for child in body.children.order_by("name", "id")
                if child.pk in public
            ],
            parent=parent,
            former_names=body.former_names.order_by("-valid_until", "name"),
            breadcrumbs=crumbs(
                (_("Bodies"), reverse("agreements:body-list")),
                (body.name, None),
            ),
        )
        return context


# --- Events ---------------------------------------------------------------------------


class EventListView(RegisterMixin, ListView):
    template_name = "agreements/event_list.html"
    context_object_name = "events"
    paginate_by = PER_PAGE

    def get_queryset(self):
        return selectors.published_events().select_related("country")

    def get_paginator(self, queryset, per_page, **kwargs):
        count = self.cached("event-count", queryset.count)
        return CountedPaginator(queryset, per_page, count=count, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["breadcrumbs"] = crumbs((_("Events"), None))
        return context


class EventDetailView(RegisterMixin, DetailView):
    """An event, its documents, and how many the sources say are still missing."""

    template_name = "agreements/event_detail.html"
    context_object_name = "event"

    def get_queryset(self):
        return selectors.published_events().select_related("country")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        event = self.object
        documents = (
            Document.objects.published().filter(event=event).as_rows()
        ).in_package_order()
        inferred = list(
            Document.objects.published()
            .filter(event=event, event_confidence=Confidence.INFERRED)
            .order_by("-signed_on", "title")
            .only("title", "slug")
        )
        # the event's published documents are counted already
        context.update(
            self.paginate(documents, event.documents_recorded),
            structured_data=describe.event(
                event,
                absolute=self.request.build_absolute_uri,
                url=self.request.build_absolute_uri(event.get_absolute_url()),
            ),
            reconciliation=event.reconciliation(
                event.documents_recorded, len(inferred)
            ),
            inferred=inferred,
            citations=EventCitation.objects.filter(event=event).select_related(
                "source"
            ),
            breadcrumbs=crumbs(
                (_("Events"), reverse("agreements:event-list")),
                (event.title, None),
            ),
        )
        return context


# --- Countries ------------------------------------------------------------------------


class CountryListView(RegisterMixin, TemplateView):
    """The partner countries: those with a party to a published document, named and
    sorted in the page's language, each with its number of documents."""

    template_name = "agreements/country_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        counts = self.cached("country-document-counts", selectors.country_counts)
        context.update(
            countries=sorted(
                (
                    (code.lower(), country_name(code, name), total)
                    for code, name, total in counts
                ),
                key=lambda row: sort_key(row[1]),
            ),
            breadcrumbs=crumbs((_("Countries"), None)),
        )
        return context


class CountryDetailView(RegisterMixin, DetailView):
    """The relationship with one partner country, year by year."""

    template_name = "agreements/country_detail.html"
    context_object_name = "country"

    def get_object(self, queryset=None):
        code = self.kwargs["code"]
        if len(code) != 2 or not code.isascii() or not code.isalpha():
            raise Http404(_("There is no country with that code."))
        return get_object_or_404(Country, code=code.upper())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        country = self.object
        timeline, document_total, event_total, recent_events = self.cached(
            f"country-timeline:{country.code}",
            lambda: selectors.country_timeline(country, self.stamp),
        )
        context.update(
            structured_data=describe.country_page(
                country,
                absolute=self.request.build_absolute_uri,
                url=self.request.build_absolute_uri(country.get_absolute_url()),
            ),
            timeline=timeline,
            document_total=document_total,
            event_total=event_total,
            recent_events=recent_events,
            recent_documents=selectors.country_documents(country, self.stamp)
            .as_rows()
            .order_by("-signed_on", "title")[:COUNTRY_RECENT],
            breadcrumbs=crumbs(
                (_("Countries"), reverse("agreements:country-list")),
                (country.local_name, None),
            ),
        )
        return context
