"""Public pages. Only published records ever appear here.

Every page issues the same number of queries whatever the size of the register: lists
prefetch what their rows show, and aggregates that would scan the whole register (the
home page's counts, a country's years) are cached under the register's "last changed"
stamp, so any edit to a published document makes them recomputed.

Pages past the last one, and ``?page=`` values that are not numbers, answer 404 (as
Django's ``paginate_queryset`` does), so a page number in a link is always a real page.
"""

import hashlib
from collections import Counter, defaultdict, deque

from django.core.cache import cache
from django.core.paginator import InvalidPage, Paginator
from django.db import connection
from django.db.models import (
    Count,
    Exists,
    IntegerField,
    Max,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, Concat, ExtractYear
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.functional import cached_property
from django.utils.http import urlencode
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.generic import DetailView, ListView, TemplateView
from django_countries.data import COUNTRIES
from django_filters.views import FilterView

from . import search
from .filters import FILTER_PARAMS, DocumentFilter, signed_by
from .models import (
    Body,
    BodyName,
    Confidence,
    Country,
    Document,
    DocumentCitation,
    DocumentTitle,
    Event,
    EventCitation,
    Party,
    PartyCitation,
    Relation,
)
from .templatetags.register_tags import choice_label, status_tag

PER_PAGE = 25
#: How long a cached aggregate may live even if nothing published changes (deletions
#: do not move the "last changed" stamp).
AGGREGATE_TIMEOUT = 300
#: The country page lists this many recent documents (the list has the rest) and
#: names this many recent events on its timeline (older years give a count).
COUNTRY_RECENT = 25
COUNTRY_EVENTS = 30


def healthz(request):
    """Liveness probe: answers without touching the database."""
    return HttpResponse("ok", content_type="text/plain")


# --- Helpers --------------------------------------------------------------------------


def in_published_order():
    """Published documents, for pages that walk them in date, title or update order.

    "is_published = true" lets SQLite walk the (is_published, ...) indexes (a bare
    "WHERE is_published", as ``published()`` writes it, cannot use them). Queries that
    start from an event or a body keep ``published()``, so that SQLite, which may have
    no statistics, starts from that foreign key's index instead.
    """
    return Document.objects.filter(is_published=Value(True))


def last_changed(request=None):
    """When a published document last changed (``None`` if none is published).

    Computed once a request: the footer shows it and cached aggregates are keyed on it.
    """
    if request is not None and hasattr(request, "_register_last_changed"):
        return request._register_last_changed
    last = in_published_order().aggregate(last=Max("updated_at"))["last"]
    if request is not None:
        request._register_last_changed = last
    return last


def cached_aggregate(request, key, compute, *, events=False):
    """``compute()``, cached until a published document changes (or a few minutes).

    With ``events``, a change to a published event makes it recomputed too.
    """
    stamps = [last_changed(request)]
    if events:
        stamps.append(
            Event.objects.published().aggregate(last=Max("updated_at"))["last"]
        )
    stamp = ",".join(value.isoformat() if value else "none" for value in stamps)
    return cache.get_or_set(
        f"agreements:{key}:{stamp}", compute, timeout=AGGREGATE_TIMEOUT
    )


def crumbs(*trail):
    """Breadcrumbs from the home page: ``(label, url)`` pairs, the last without URL."""
    return [(_("Home"), reverse("agreements:home")), *trail]


class KnownCountPaginator(Paginator):
    """A paginator that can be told its count (cached, or counted another way)."""

    def __init__(self, object_list, per_page, *, count=None, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self._known_count = count

    @cached_property
    def count(self):
        return super().count if self._known_count is None else self._known_count


def paginate(request, queryset, per_page=PER_PAGE, *, count=None):
    """``(paginator, page)`` for ``?page=``; 404 for a page that does not exist."""
    paginator = KnownCountPaginator(
        queryset, per_page, count=count, allow_empty_first_page=True
    )
    number = request.GET.get("page") or 1
    if number == "last":
        number = paginator.num_pages
    try:
        return paginator, paginator.page(number)
    except InvalidPage as error:
        raise Http404(
            _("There is no page %(page)s here.") % {"page": number}
        ) from error


#: The count key of the list with no filter.
UNFILTERED = hashlib.sha256(b"").hexdigest()


def ids_by_index_keys(bottom, top):
    """Ids of the published documents ``bottom:top``, newest first, for PostgreSQL.

    Its index (is_published, signed_on, title) has no id, so ``SELECT id ... OFFSET``
    reads every row it skips; the keys (signed_on, title) come from the index alone
    (an index-only scan), then the page's rows are found by key. Ties (same day,
    same title) go by id, as the list's ordering does; a tie that began on an earlier
    page is counted to know how many of it that page already showed.
    """
    published = in_published_order()
    keys = list(
        published.order_by("-signed_on", "title").values_list("signed_on", "title")[
            bottom:top
        ]
    )
    if not keys:
        return []
    first_day, first_title = keys[0]
    shown_before = (
        bottom
        - published.filter(
            Q(signed_on__gt=first_day) | Q(signed_on=first_day, title__lt=first_title)
        ).count()
    )
    match = Q()
    for day, title in set(keys):
        match |= Q(signed_on=day, title=title)
    with_key = defaultdict(deque)
    for pk, day, title in (
        published.filter(match).order_by("pk").values_list("pk", "signed_on", "title")
    ):
        with_key[(day, title)].append(pk)
    for _shown in range(shown_before):
        with_key[keys[0]].popleft()
    return [with_key[key].popleft() for key in keys]


def page_links(paginator, page):
    """Page numbers with ellipses (GOV.UK pagination), or ``[]`` for a single page."""
    if paginator.num_pages <= 1:
        return []
    return list(paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1))


def recorded_count():
    """Published documents of each event, as a subquery (one value a row)."""
    documents = (
        Document.objects.published()
        .filter(event=OuterRef("pk"))
        .order_by()
        .values("event")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(documents, output_field=IntegerField()), 0)


def list_url(**params):
    """The documents list filtered by ``params`` (lists become repeated keys)."""
    return f"{reverse('agreements:document-list')}?{urlencode(params, doseq=True)}"


#: What a row of a documents table shows of the document itself.
ROW_FIELDS = ("pk", "title", "slug", "kind", "signed_on", "legal_status")


def rows_of(documents):
    """A page of documents (``.values(*ROW_FIELDS)`` rows) ready for a table.

    Each row gains its ``url``, its labels and dates in words, and its ``parties``
    (each body's name on the day it signed, and its country). Two queries whatever
    the page: the page itself, and its parties with their bodies, countries and
    former names. Plain rows rather than prefetched model instances, and words
    worked out here rather than in template filters: at 25 rows, that work costs
    more than the queries do.
    """
    rows = list(documents)
    if not rows:
        return rows
    parties = {}
    for document_id, party_id, name, country, *former in (
        Party.objects.filter(document_id__in=[row["pk"] for row in rows])
        .order_by(
            "document_id",
            "order",
            "id",
            "-body__former_names__valid_until",
            "body__former_names__name",
        )
        .values_list(
            "document_id",
            "id",
            "body__name",
            "body__country__name",
            "body__former_names__name",
            "body__former_names__valid_from",
            "body__former_names__valid_until",
        )
    ):
        found = parties.setdefault(document_id, {})
        party = found.setdefault(
            party_id, {"name": name, "country": country, "former": []}
        )
        if former[0] is not None:
            party["former"].append(
                BodyName(name=former[0], valid_from=former[1], valid_until=former[2])
            )
    # "/agreements/<slug>/": one reverse() for the page, not one a row
    prefix = reverse("agreements:document-detail", kwargs={"slug": "-"})[:-2]
    for row in rows:
        signed_on = row["signed_on"]
        row.update(
            url=f"{prefix}{row['slug']}/",
            kind_label=capfirst(choice_label("kind", row["kind"])),
            status_label=capfirst(choice_label("status", row["legal_status"])),
            status_class=status_tag(row["legal_status"]),
            signed_iso=signed_on.isoformat(),
            signed_display=date_format(signed_on, "j M Y"),
            parties=[
                {
                    # as Body.name_on(): the former name that covers the day
                    "name": next(
                        (f.name for f in party["former"] if f.covers(signed_on)),
                        party["name"],
                    ),
                    "country": party["country"],
                }
                for party in parties.get(row["pk"], {}).values()
            ],
        )
    return rows


def with_country_party(queryset, country):
    parties = Party.objects.filter(document_id=OuterRef("pk"), body__country=country)
    return queryset.filter(Exists(parties))


# --- Home -----------------------------------------------------------------------------


class HomeView(TemplateView):
    """What the register holds, at a glance: counts that lead into the list."""

    template_name = "agreements/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rows = cached_aggregate(self.request, "home-counts", _home_counts)
        by_kind, by_status, by_follow_up = Counter(), Counter(), Counter()
        for kind, status, follow_up, n in rows:
            by_kind[kind] += n
            by_status[status] += n
            by_follow_up[follow_up] += n

        base = reverse("agreements:document-list")

        def tally(counts, choices, param):
            return [
                {
                    "label": label,
                    "count": counts[value],
                    "url": f"{base}?{urlencode({param: value})}",
                }
                for value, label in choices
                if counts[value]
            ]

        context.update(
            total=sum(by_kind.values()),
            by_kind=tally(by_kind, Document.Kind.choices, "kind"),
            by_status=tally(by_status, Document.LegalStatus.choices, "status"),
            by_follow_up=tally(
                by_follow_up, Document.FollowUpStatus.choices, "follow_up"
            ),
            latest_events=Event.objects.published()
            .select_related("country")
            .annotate(documents_recorded=recorded_count())
            .order_by("-date", "title")[:5],
            latest_documents=in_published_order()
            .defer("summary", "search_text", "search_vector")
            .order_by("-signed_on", "title")[:5],
        )
        return context


def _home_counts():
    # one pass over the register rather than three
    return list(
        in_published_order()
        .order_by()
        .values_list("kind", "legal_status", "follow_up_status")
        .annotate(n=Count("pk"))
    )


# --- Documents ------------------------------------------------------------------------


class DocumentListView(FilterView):
    """The register, filtered (see ``agreements.filters`` for the URL contract)."""

    filterset_class = DocumentFilter
    template_name = "agreements/document_list.html"
    paginate_by = PER_PAGE

    def get_queryset(self):
        # the id settles ties, the same way on every page (see ids_by_index_keys)
        return in_published_order().order_by("-signed_on", "title", "pk")

    def paginate_queryset(self, queryset, page_size):
        # the page's ids first (an index-only walk, however deep the page), then
        # the rows: SQLite then reads 25 table rows, not every row it skips
        queryset = queryset.values_list("pk", flat=True)
        count = None
        key = self._count_key()
        if key is not None:
            # the count is the costly part of a big filtered list: once per change
            count = cached_aggregate(self.request, f"list-count:{key}", queryset.count)
        paginator, page = paginate(self.request, queryset, page_size, count=count)
        if page.number > 1 and key == UNFILTERED and self._newest_first():
            ids = ids_by_index_keys(page.start_index() - 1, page.end_index())
        else:
            ids = list(page.object_list)
        by_id = {
            row["pk"]: row
            for row in Document.objects.filter(pk__in=ids).values(*ROW_FIELDS)
        }
        page.object_list = rows_of(by_id[pk] for pk in ids)
        return paginator, page, page.object_list, page.has_other_pages()

    def _newest_first(self):
        return connection.vendor == "postgresql" and (
            self.filterset.current_ordering == "-signed_on"
        )

    def _count_key(self):
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

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        filterset = context["filter"]
        form = filterset.form
        ordering = filterset.current_ordering
        context.update(
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
            page_links=page_links(context["paginator"], context["page_obj"]),
            **self._countries(form),
        )
        return context

    def _countries(self, form):
        """The chosen countries (checkboxes) and the others with published documents
        (a select to add one). The URL accepts every ISO code; the select offers only
        the register's countries, so the panel stays short."""
        present = cached_aggregate(self.request, "party-countries", _party_countries)
        chosen = []
        if form.is_bound and form.is_valid():
            chosen = form.cleaned_data.get("country") or []
        names = dict(present)
        return {
            "chosen_countries": [
                {
                    "code": code,
                    "name": names.get(code) or str(COUNTRIES.get(code, code)),
                }
                for code in chosen
            ],
            "other_countries": [
                {"code": code, "name": name}
                for code, name in sorted(present, key=lambda item: item[1])
                if code not in chosen
            ],
        }


CAPTIONS = {
    "rank": _lazy("Documents, best match first"),
    "-signed_on": _lazy("Documents, newest signature first"),
    "signed_on": _lazy("Documents, oldest signature first"),
    "title": _lazy("Documents, by title from A to Z"),
    "-title": _lazy("Documents, by title from Z to A"),
    "-updated": _lazy("Documents, recently updated first"),
    "updated": _lazy("Documents, least recently updated first"),
}


def _party_countries():
    parties = Party.objects.filter(
        body__country=OuterRef("pk"), document__is_published=True
    )
    return list(Country.objects.filter(Exists(parties)).values_list("code", "name"))


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


class DocumentDetailView(DetailView):
    """One document, with every fact's source and how sure it is."""

    template_name = "agreements/document_detail.html"
    context_object_name = "document"

    def get_queryset(self):
        return (
            Document.objects.published()
            .select_related("event", "signed_country")
            .defer("search_text", "search_vector")
            .with_parties()
            .prefetch_related(
                Prefetch(
                    "parties__citations",
                    queryset=PartyCitation.objects.select_related("source"),
                ),
                Prefetch(
                    "titles",
                    queryset=DocumentTitle.objects.select_related("source"),
                ),
                "topics",
                Prefetch(
                    "citations",
                    queryset=DocumentCitation.objects.select_related("source"),
                ),
                Prefetch(
                    "relations_from",
                    queryset=Relation.objects.filter(
                        to_document__is_published=True
                    ).select_related("to_document", "source"),
                ),
                Prefetch(
                    "relations_to",
                    queryset=Relation.objects.filter(
                        from_document__is_published=True
                    ).select_related("from_document", "source"),
                ),
            )
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        document = self.object
        relations = [
            {
                "label": relation.get_kind_display(),
                "document": relation.to_document,
                "relation": relation,
            }
            for relation in document.relations_from.all()
        ] + [
            {
                "label": relation.inverse_label,
                "document": relation.from_document,
                "relation": relation,
            }
            for relation in document.relations_to.all()
        ]
        event = document.event if document.event_id else None
        if event is not None and not event.is_published:
            event = None
        context.update(
            relations=relations,
            breadcrumbs=crumbs(
                (_("Agreements"), reverse("agreements:document-list")),
                (document.title, None),
            ),
            event=event,
            inferred_in_package=(
                event is not None and document.event_confidence == Confidence.INFERRED
            ),
            cite_url=self.request.build_absolute_uri(document.get_absolute_url()),
            today=timezone.localdate(),
        )
        return context


# --- Bodies ---------------------------------------------------------------------------


class BodyListView(ListView):
    """Every signatory body, grouped by country; ``?q=`` searches their names."""

    template_name = "agreements/body_list.html"
    context_object_name = "bodies"
    paginate_by = 50

    def get_queryset(self):
        queryset = Body.objects.select_related("country").order_by(
            "country__name", "name", "id"
        )
        self.query, self.query_shortened = search.clean_query(
            self.request.GET.get("q", "")
        )
        words = self.words = search.query_words(self.query)
        if words:
            queryset = queryset.alias(
                folded_name=search.Folded(Concat("name", Value(" "), "short_name"))
            )
            for word in words:
                former = BodyName.objects.alias(
                    folded=search.Folded(Concat("name", Value(" "), "short_name"))
                ).filter(body=OuterRef("pk"), folded__contains=word)
                queryset = queryset.filter(
                    Q(folded_name__contains=word) | Exists(former)
                )
        return queryset

    def paginate_queryset(self, queryset, page_size):
        if not self.words:
            paginator, page = paginate(self.request, queryset, page_size)
            return paginator, page, page.object_list, page.has_other_pages()
        # a search folds every body's names (in Python on SQLite): do it once, for
        # the ids in order, rather than once to count and again for the page
        ids = list(queryset.values_list("pk", flat=True))
        paginator, page = paginate(self.request, ids, page_size)
        bodies = Body.objects.select_related("country").in_bulk(page.object_list)
        page.object_list = [bodies[pk] for pk in page.object_list]
        return paginator, page, page.object_list, page.has_other_pages()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            query=self.query,
            breadcrumbs=crumbs((_("Bodies"), None)),
            query_shortened=self.query_shortened,
            page_links=page_links(context["paginator"], context["page_obj"]),
        )
        return context


class BodyDetailView(DetailView):
    """A body, its names over time, and the published documents it signed."""

    template_name = "agreements/body_detail.html"
    context_object_name = "body"

    def get_queryset(self):
        return Body.objects.select_related("country", "parent").prefetch_related(
            Prefetch("children", queryset=Body.objects.order_by("name", "id")),
            "former_names",
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        body = self.object
        total = cached_aggregate(
            self.request,
            f"body-documents:{body.pk}",
            Document.objects.published().filter(parties__body=body).count,
        )
        documents = (
            signed_by(in_published_order(), body, total)
            .order_by("-signed_on", "title")
            .values(*ROW_FIELDS)
        )
        paginator, page = paginate(self.request, documents, count=total)
        context.update(
            paginator=paginator,
            page_obj=page,
            documents=rows_of(page.object_list),
            page_links=page_links(paginator, page),
            list_url=list_url(body=self.object.slug),
            breadcrumbs=crumbs(
                (_("Bodies"), reverse("agreements:body-list")),
                (self.object.name, None),
            ),
        )
        return context


# --- Events ---------------------------------------------------------------------------


class EventListView(ListView):
    template_name = "agreements/event_list.html"
    context_object_name = "events"
    paginate_by = PER_PAGE

    def get_queryset(self):
        return (
            Event.objects.published()
            .select_related("country")
            .annotate(documents_recorded=recorded_count())
            .order_by("-date", "title")
        )

    def paginate_queryset(self, queryset, page_size):
        paginator, page = paginate(self.request, queryset, page_size)
        return paginator, page, page.object_list, page.has_other_pages()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["page_links"] = page_links(context["paginator"], context["page_obj"])
        context["breadcrumbs"] = crumbs((_("Events"), None))
        return context


class EventDetailView(DetailView):
    """An event, its documents, and how many the sources say are still missing."""

    template_name = "agreements/event_detail.html"
    context_object_name = "event"

    def get_queryset(self):
        return (
            Event.objects.published()
            .with_recorded_count()
            .select_related("country")
            .prefetch_related(
                Prefetch(
                    "citations",
                    queryset=EventCitation.objects.select_related("source"),
                )
            )
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        event = self.object
        documents = (
            Document.objects.published()
            .filter(event=event)
            .order_by("-signed_on", "title")
            .values(*ROW_FIELDS)
        )
        paginator, page = paginate(self.request, documents)
        context.update(
            paginator=paginator,
            page_obj=page,
            documents=rows_of(page.object_list),
            page_links=page_links(paginator, page),
            reconciliation=event.reconciliation(event.documents_recorded),
            inferred=list(
                Document.objects.published()
                .filter(event=event, event_confidence=Confidence.INFERRED)
                .order_by("-signed_on", "title")
                .only("title", "slug", "signed_on")
            ),
            list_url=list_url(event=event.slug),
            breadcrumbs=crumbs(
                (_("Events"), reverse("agreements:event-list")),
                (event.title, None),
            ),
        )
        return context


# --- Countries ------------------------------------------------------------------------


class CountryDetailView(DetailView):
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
        documents = with_country_party(in_published_order(), country)
        # events held there, and events elsewhere where such documents were signed
        held_there = Event.objects.published().filter(country=country)
        with_documents = (
            Event.objects.published()
            .filter(
                Exists(
                    with_country_party(
                        Document.objects.published().filter(event=OuterRef("pk")),
                        country,
                    )
                )
            )
            .exclude(country=country)
        )
        events = Event.objects.published().filter(
            Q(country=country) | Q(pk__in=with_documents.values("pk"))
        )

        def years():
            per_year = dict(
                documents.order_by()
                .annotate(year=ExtractYear("signed_on"))
                .values_list("year")
                .annotate(n=Count("pk"))
                .values_list("year", "n")
            )
            event_years = dict(
                events.order_by()
                .annotate(year=ExtractYear("date"))
                .values_list("year")
                .annotate(n=Count("pk"))
                .values_list("year", "n")
            )
            return per_year, event_years

        per_year, event_years = cached_aggregate(
            self.request, f"country-years:{country.code}", years, events=True
        )
        # two queries merged rather than one with "OR EXISTS": PostgreSQL would
        # build the set of every event with such documents before taking 30
        recent_events = sorted(
            (
                event
                for events_of_a_kind in (held_there, with_documents)
                for event in events_of_a_kind.select_related("country").order_by(
                    "-date", "title"
                )[:COUNTRY_EVENTS]
            ),
            key=lambda event: (-event.date.toordinal(), event.title),
        )[:COUNTRY_EVENTS]
        # counted for the events shown only (SQLite would count for every event of
        # the country before sorting them)
        recorded = dict(
            Document.objects.published()
            .filter(event__in=recent_events)
            .order_by()
            .values_list("event")
            .annotate(n=Count("pk"))
        )
        for event in recent_events:
            event.documents_recorded = recorded.get(event.pk, 0)
        recent_documents = rows_of(
            documents.order_by("-signed_on", "title").values(*ROW_FIELDS)[
                :COUNTRY_RECENT
            ]
        )
        context.update(
            timeline=_timeline(country, per_year, event_years, recent_events),
            document_total=sum(per_year.values()),
            event_total=sum(event_years.values()),
            recent_documents=recent_documents,
            recent_events=recent_events,
            list_url=list_url(country=country.code),
            breadcrumbs=crumbs(
                (_("Bodies"), reverse("agreements:body-list")),
                (country.name, None),
            ),
        )
        return context


def _timeline(country, per_year, event_years, events):
    """One row a year, newest first; a run of empty years is one "gap" row."""
    years = set(per_year) | set(event_years)
    if not years:
        return []
    peak = max(per_year.values(), default=0) or 1
    listed = {}
    for event in events:
        listed.setdefault(event.date.year, []).append(event)
    base = reverse("agreements:document-list")
    rows = []
    for year in range(max(years), min(years) - 1, -1):
        count, event_count = per_year.get(year, 0), event_years.get(year, 0)
        if not count and not event_count:
            if rows and rows[-1].get("gap"):
                rows[-1]["first"] = year
            else:
                rows.append({"gap": True, "first": year, "last": year})
            continue
        rows.append(
            {
                "year": year,
                "documents": count,
                "events": event_count,
                "listed_events": listed.get(year, []),
                "unlisted_events": event_count - len(listed.get(year, [])),
                # bar length in tenths of the busiest year: a CSS class, no style=""
                "scale": max(1, round(10 * count / peak)) if count else 0,
                "url": base
                + "?"
                + urlencode(
                    {
                        "country": country.code,
                        "signed_after": f"{year:04d}-01-01",
                        "signed_before": f"{year:04d}-12-31",
                    }
                ),
            }
        )
    return rows
