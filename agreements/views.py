"""Public pages. Only published records ever appear here.

Every page issues the same number of queries whatever the size of the register, and
does little work per row: lists fetch plain rows (``values()``) of what they show,
and aggregates that would scan the whole register (the home page's counts, a filtered
list's count, a country's years) are cached until the register changes
(``agreements.aggregates``). Pages themselves are never cached here.

Pages past the last one, and ``?page=`` values that are not numbers, answer 404 (as
Django's ``paginate_queryset`` does), so a page number in a link is always a real page.
"""

import functools
import hashlib
import operator
from collections import Counter, defaultdict
from functools import reduce
from types import SimpleNamespace

from django.core.paginator import InvalidPage, Paginator
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import (
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, Concat, ExtractYear
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.generic import DetailView, ListView, TemplateView
from django_countries.data import COUNTRIES
from django_filters.views import FilterView

from . import search
from .aggregates import (
    cached_aggregate,
    last_changed_column,
    register_stamp,
    remember_last_changed,
)
from .aggregates import last_changed as last_changed  # the footer and the sitemap
from .db import CompiledOnce, planned_once
from .filters import FILTER_PARAMS, ORDERINGS, DocumentFilter, signed_by
from .labels import choice_label, choices_of, esc, labels_of, short_date
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
    Relation,
    Topic,
)
from .templatetags.register_tags import status_tag

PER_PAGE = 25
#: The most matches a search ranks (PostgreSQL); more are listed newest first.
RANK_LIMIT = 500
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


#: The unfiltered list remembers the sort keys of every ``BOUNDARY_EVERY``-th document.
BOUNDARY_EVERY = 500
#: The orderings whose last column is unique, so that a key names one place.
KEYSET_ORDERINGS = {
    name for name, columns in ORDERINGS.items() if columns[-1] in ("pk", "-pk")
}


def keyset_rows(request, ordering, bottom, top, *, every=BOUNDARY_EVERY):
    """The published documents ``bottom:top`` in ``ordering`` (``ROW_FIELDS``
    rows), however deep the page.

    ``OFFSET`` walks every row it skips: 75,000 index entries for page 3,000. Instead
    the sort keys of every ``every``-th document are remembered (each the first time a
    page past it is asked for, cached until the register changes), and a page starts
    from the nearest one before it (``WHERE`` on the keys, which the index seeks to),
    skipping fewer than ``every`` rows.
    """
    columns = ORDERINGS[ordering]
    published = in_published_order().order_by(*columns)
    boundary = bottom // every
    if not boundary:
        return list(published.values(*ROW_FIELDS)[bottom:top])
    names = [column.lstrip("-") for column in columns]
    key = cached_aggregate(
        request,
        f"list-boundary:{ordering}:{every}:{boundary}",
        lambda: published.values_list(*names)[boundary * every],
    )
    skip = bottom - boundary * every
    return list(
        published.filter(at_or_after(columns, key)).values(*ROW_FIELDS)[
            skip : skip + top - bottom
        ]
    )


def at_or_after(columns, key):
    """The rows at or after ``key`` (the values of ``columns``) in their order.

    ``(a, b, c) >= key`` spelt out, as ``a >= k1 AND (a > k1 OR a = k1 AND b > k2 OR
    ...)``, with the direction of each column; the first term lets the database seek
    its index to the key rather than test every row.
    """
    terms, equal = [], {}
    for position, (column, value) in enumerate(zip(columns, key, strict=True)):
        name = column.lstrip("-")
        after = "lt" if column.startswith("-") else "gt"
        if position == len(columns) - 1:
            after += "e"
        terms.append(Q(**equal, **{f"{name}__{after}": value}))
        equal[name] = value
    first = columns[0]
    seek = Q(**{f"{first.lstrip('-')}__{'lte' if first[0] == '-' else 'gte'}": key[0]})
    return seek & reduce(operator.or_, terms)


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


#: Bodies' names, countries and former names for the documents tables, kept by the
#: process while the register stays the same (``body_labels``).
_body_labels = {"kept": (None, {})}
#: More bodies than this and the process starts its collection afresh.
BODY_LABELS_MAX = 20_000


def body_labels(request, body_ids):
    """``{id: {"name", "country", "former"}}`` for the bodies ``body_ids`` (at least).

    Every documents table shows its parties' bodies, and joining the page's parties
    to the bodies, their countries and former names made PostgreSQL hash the whole
    body table on each request (2 ms at 3,600 bodies). A body changes far less
    often than pages are read: each process keeps the bodies it has shown while
    the register generation stays the same (any change to any body moves it), and
    reads only those it has not seen. Without the generation (a database without
    its triggers) it reads them every time.
    """
    stamp, timeout = register_stamp(request)
    if timeout is not None:  # not the generation: a renamed body would go unseen
        return _read_body_labels(body_ids)
    kept_stamp, bodies = _body_labels["kept"]
    if kept_stamp != stamp or len(bodies) > BODY_LABELS_MAX:
        # one assignment: another thread sees the old pair or the new one
        bodies = {}
        _body_labels["kept"] = (stamp, bodies)
    missing = [pk for pk in body_ids if pk not in bodies]
    if missing:
        bodies.update(_read_body_labels(missing))
    return bodies


def forget_body_labels():
    """Empty the process's bodies (tests: their databases reuse generations)."""
    _body_labels["kept"] = (None, {})


def _read_body_labels(body_ids):
    bodies = {}
    for pk, name, country, *former in Body.objects.filter(pk__in=body_ids).values_list(
        "pk",
        "name",
        "country__name",
        "former_names__name",
        "former_names__valid_from",
        "former_names__valid_until",
    ):
        body = bodies.setdefault(pk, {"name": name, "country": country, "former": []})
        if former[0] is not None:
            body["former"].append(
                BodyName(name=former[0], valid_from=former[1], valid_until=former[2])
            )
    for body in bodies.values():
        # the latest first, as Body.name_on() looks for the name that covers a day
        body["former"].sort(
            key=lambda f: (-f.valid_until.toordinal() if f.valid_until else 1, f.name)
        )
    return bodies


#: What a row of a documents table shows of the document itself.
ROW_FIELDS = ("pk", "title", "slug", "kind", "signed_on", "legal_status")


def rows_of(documents, request=None):
    """A page of documents (``.values(*ROW_FIELDS)`` rows) ready for a table.

    Each row gains its ``url``, its labels and dates in words, and its ``parties``
    (each body's name on the day it signed, and its country). Two queries whatever
    the page: the page itself, and its parties; the parties' bodies, countries and
    former names come from ``body_labels`` (a third query for the bodies it has not
    seen). Plain rows rather than prefetched model instances, and words worked out
    here rather than in template filters: at 25 rows, that work costs more than the
    queries do.
    """
    rows = list(documents)
    if not rows:
        return rows
    parties = defaultdict(list)
    for document_id, body_id in party_bodies([row["pk"] for row in rows]):
        parties[document_id].append(body_id)
    bodies = body_labels(request, {i for ids in parties.values() for i in ids})
    # "/agreements/<slug>/": one reverse() for the page, not one a row
    prefix = reverse("agreements:document-detail", kwargs={"slug": "-"})[:-2]
    kinds = labels_of("kind", capitalised=True)
    statuses = labels_of("status", capitalised=True)
    for row in rows:
        signed_on = row["signed_on"]
        row.update(
            url=f"{prefix}{row['slug']}/",
            kind_label=kinds.get(row["kind"], row["kind"]),
            status_label=statuses.get(row["legal_status"], row["legal_status"]),
            status_class=status_tag(row["legal_status"]),
            signed_iso=signed_on.isoformat(),
            signed_display=short_date(signed_on),
            parties=[
                {
                    # as Body.name_on(): the former name that covers the day
                    "name": next(
                        (f.name for f in body["former"] if f.covers(signed_on)),
                        body["name"],
                    ),
                    "country": body["country"],
                }
                # a body deleted since the parties were read is left out
                for body in filter(None, map(bodies.get, parties.get(row["pk"], ())))
            ],
        )
    return rows


def party_bodies(document_ids, using=DEFAULT_DB_ALIAS):
    """``[(document id, body id)]`` of the documents' parties, each document's in
    their order: ``Party.objects.filter(document_id__in=...).order_by("document_id",
    "order", "id").values_list("document_id", "body_id")``, written once as SQL. Every
    documents table asks for it, and the ORM took twice as long to build it as the
    database to answer (0.5 ms of 0.75 ms here)."""
    if not document_ids:
        return []
    connection = connections[using]
    with connection.cursor() as cursor:
        cursor.execute(_party_bodies_sql(using, len(document_ids)), document_ids)
        return cursor.fetchall()


@functools.lru_cache(maxsize=64)
def _party_bodies_sql(using, count):
    quote = connections[using].ops.quote_name
    meta = Party._meta
    document, body, order, pk = (
        quote(meta.get_field(name).column)
        for name in ("document", "body", "order", "id")
    )
    placeholders = ", ".join(["%s"] * count)
    return (
        f"SELECT {document}, {body} FROM {quote(meta.db_table)} "
        f"WHERE {document} IN ({placeholders}) ORDER BY {document}, {order}, {pk}"
    )


def with_country_party(queryset, country):
    parties = Party.objects.filter(document_id=OuterRef("pk"), body__country=country)
    return queryset.filter(Exists(parties))


# --- Home -----------------------------------------------------------------------------


class HomeView(TemplateView):
    """What the register holds, at a glance: counts that lead into the list, and the
    latest events and documents (all of it cached until the register changes)."""

    template_name = "agreements/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        data = cached_aggregate(self.request, "home", _home_data)
        by_kind, by_status, by_follow_up = Counter(), Counter(), Counter()
        for kind, status, follow_up, n in data["counts"]:
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
                for value, label in choices_of(choices, capitalised=True)
                if counts[value]
            ]

        context.update(
            total=sum(by_kind.values()),
            by_kind=tally(by_kind, "kind", "kind"),
            by_status=tally(by_status, "status", "status"),
            by_follow_up=tally(by_follow_up, "follow_up", "follow_up"),
            latest_events=data["latest_events"],
            latest_documents=data["latest_documents"],
        )
        return context


def _home_data():
    """The home page's counts (one pass over the register rather than three), and
    its five latest events and documents, as plain rows."""
    # records with attributes, like the model instances they stand for
    events = [
        SimpleNamespace(
            **event,
            url=reverse("agreements:event-detail", kwargs={"slug": event["slug"]}),
        )
        for event in Event.objects.published()
        .order_by("-date", "title")
        .values("title", "slug", "date", "city", "documents_reported")
        .annotate(documents_recorded=recorded_count())[:5]
    ]
    documents = [
        SimpleNamespace(
            **document,
            url=reverse(
                "agreements:document-detail", kwargs={"slug": document["slug"]}
            ),
        )
        for document in in_published_order()
        .order_by("-signed_on", "title")
        .values("title", "slug", "kind", "signed_on")[:5]
    ]
    return {
        "counts": list(
            in_published_order()
            .order_by()
            .values_list("kind", "legal_status", "follow_up_status")
            .annotate(n=Count("pk"))
        ),
        "latest_events": events,
        "latest_documents": documents,
    }


# --- Documents ------------------------------------------------------------------------


class DocumentListView(FilterView):
    """The register, filtered (see ``agreements.filters`` for the URL contract)."""

    filterset_class = DocumentFilter
    template_name = "agreements/document_list.html"
    paginate_by = PER_PAGE

    def get_queryset(self):
        # the id settles ties, the same way on every page (see keyset_rows)
        return in_published_order().order_by("-signed_on", "title", "pk")

    #: A search matching more documents than this is not ranked (PostgreSQL reads
    #: and ranks every match to find the best 25: 50 ms for 7,500) but listed
    #: newest first, and the reader is told so.
    rank_limit = RANK_LIMIT

    def paginate_queryset(self, queryset, page_size):
        documents, queryset = queryset, queryset.values_list("pk", flat=True)
        count = None
        key = self._count_key()
        if key is not None:
            # the count is the costly part of a big filtered list: once per change
            count = cached_aggregate(self.request, f"list-count:{key}", queryset.count)
        ordering = self.filterset.current_ordering
        self.unranked = ordering == "rank" and (count or 0) > self.rank_limit
        if self.unranked:
            ordering = "-signed_on"
            documents = documents.order_by(*ORDERINGS[ordering])
            queryset = queryset.order_by(*ORDERINGS[ordering])
        self.shown_ordering = ordering
        paginator, page = paginate(self.request, queryset, page_size, count=count)
        bottom = (page.number - 1) * page_size
        top = bottom + page_size
        if key == UNFILTERED and ordering in KEYSET_ORDERINGS:
            rows = keyset_rows(self.request, ordering, bottom, top)
        elif bottom < BOUNDARY_EVERY:
            # a first page: its rows at once
            rows = list(documents.values(*ROW_FIELDS)[bottom:top])
        else:
            # a deep page of a filtered list: the ids first (an index-only walk of
            # what it skips), then 25 rows, not a row read for each skipped
            ids = list(page.object_list)
            by_id = {
                row["pk"]: row
                for row in Document.objects.filter(pk__in=ids).values(*ROW_FIELDS)
            }
            rows = [by_id[pk] for pk in ids]
        page.object_list = rows_of(rows, self.request)
        return paginator, page, page.object_list, page.has_other_pages()

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
        ordering = getattr(self, "shown_ordering", filterset.current_ordering)
        context.update(
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
        names = {code: name for code, name, _option in present}
        return {
            "chosen_countries": [
                {
                    "code": code,
                    "name": names.get(code) or str(COUNTRIES.get(code, code)),
                }
                for code in chosen
            ],
            "other_countries": mark_safe(
                "".join(option for code, _name, option in present if code not in chosen)
            ),
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
    """The countries with a party to a published document: ``(code, name,
    <option>)``, by name (the markup built once, not at every request)."""
    parties = Party.objects.filter(
        body__country=OuterRef("pk"), document__is_published=True
    )
    present = Country.objects.filter(Exists(parties)).values_list("code", "name")
    return [
        (code, name, f'<option value="{esc(code)}">{esc(name)}</option>')
        for code, name in sorted(present, key=lambda country: country[1])
    ]


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


class PlannedOnceMixin:
    """For a page whose every query looks rows up by a key (a slug, an id, the ids
    of a page of rows), whatever the key selects about as many rows the same way:
    each query is a prepared statement (``agreements.db.planned_once``),
    the template's too, hence the rendering here."""

    def get(self, request, *args, **kwargs):
        with planned_once():
            return super().get(request, *args, **kwargs).render()


class DocumentDetailView(PlannedOnceMixin, DetailView):
    """One document, with every fact's source and how sure it is.

    The related lists come as plain rows, one query each, ordered by their own
    columns: model instances, prefetching and the models' default orderings (which
    sort a party by its document's date and title, a join) cost more than the
    queries themselves on a page read this often.
    """

    template_name = "agreements/document_detail.html"
    context_object_name = "document"

    def get_queryset(self):
        return (
            Document.objects.published()
            .select_related("event", "signed_country")
            .defer("search_text", "search_vector")
            # the footer's last change, read with the document
            .annotate(register_last_changed=last_changed_column())
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        document = self.object
        remember_last_changed(self.request, document.register_last_changed)
        event = document.event if document.event_id else None
        if event is not None and not event.is_published:
            event = None
        context.update(
            parties=document_parties(document),
            titles=[
                {**title, "language_label": choice_label("language", title["language"])}
                for title in TITLE_ROWS(document.pk)
            ],
            topics=TOPIC_ROWS(document.pk),
            citations=[citation_row(row) for row in CITATION_ROWS(document.pk)],
            relations=document_relations(document),
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


#: The columns of a citation row (``citation_row``), of a document or an event.
CITATION_FIELDS = (
    "confidence",
    "claim",
    "note",
    "source__url",
    "source__publisher",
    "source__title",
    "source__published_on",
)


# The document page's rows, each looked up by the document's id (see agreements.db).
TITLE_ROWS = CompiledOnce(
    lambda document_id: (
        DocumentTitle.objects.filter(document_id=document_id)
        .order_by("language", "title")
        .values("language", "title", "is_official", "source__url")
    )
)
TOPIC_ROWS = CompiledOnce(
    lambda document_id: (
        Topic.objects.filter(documents__id=document_id)
        .order_by("name")
        .values("slug", "name")
    )
)
CITATION_ROWS = CompiledOnce(
    lambda document_id: (
        DocumentCitation.objects.filter(document_id=document_id)
        .order_by("id")
        .values(*CITATION_FIELDS)
    )
)


def citation_row(row, prefix=""):
    """A citation from ``values()`` (its fields under ``prefix``): ``confidence``,
    ``claim``, ``note`` and ``source`` (``url``, ``publisher``, ``title``,
    ``published_on``)."""
    return {
        "confidence": row[f"{prefix}confidence"],
        "confidence_label": choice_label("confidence", row[f"{prefix}confidence"]),
        "claim": row[f"{prefix}claim"],
        "note": row[f"{prefix}note"],
        "source": {
            "url": row[f"{prefix}source__url"],
            "publisher": row[f"{prefix}source__publisher"],
            "title": row[f"{prefix}source__title"],
            "published_on": row[f"{prefix}source__published_on"],
        },
    }


PARTY_ROWS = CompiledOnce(
    lambda document_id: (
        Party.objects.filter(document_id=document_id)
        .order_by("order", "id")
        .values(
            "pk",
            "signatory_name",
            "signatory_position",
            "note",
            "body__name",
            "body__slug",
            "body__country__code",
            "body__country__name",
            "body__former_names__name",
            "body__former_names__valid_from",
            "body__former_names__valid_until",
            "citations__id",
            "citations__confidence",
            "citations__claim",
            "citations__note",
            "citations__source__url",
            "citations__source__publisher",
            "citations__source__title",
            "citations__source__published_on",
        )
    )
)


def document_parties(document):
    """The parties of ``document`` in order, each with its body's name on the day it
    signed (``name``, and ``current_name``), its country, its signatory and the
    sources of the signature (``citations``). One query: the parties joined with
    their bodies' former names and their sources (a few rows a party)."""
    parties, names, citations = {}, defaultdict(dict), defaultdict(dict)
    for row in PARTY_ROWS(document.pk):
        pk = row["pk"]
        if pk not in parties:
            parties[pk] = {
                "signatory_name": row["signatory_name"],
                "signatory_position": row["signatory_position"],
                "note": row["note"],
                "current_name": row["body__name"],
                "url": reverse(
                    "agreements:body-detail", kwargs={"slug": row["body__slug"]}
                ),
                "country": row["body__country__name"],
                "country_url": reverse(
                    "agreements:country-detail",
                    kwargs={"code": row["body__country__code"].lower()},
                ),
            }
        if row["body__former_names__name"] is not None:
            former = BodyName(
                name=row["body__former_names__name"],
                valid_from=row["body__former_names__valid_from"],
                valid_until=row["body__former_names__valid_until"],
            )
            names[pk][former.name] = former
        if row["citations__id"] is not None:
            citations[pk][row["citations__id"]] = citation_row(row, "citations__")
    for pk, party in parties.items():
        # as Body.name_on(): of the former names that cover the day, the latest
        covering = sorted(
            (-former.valid_until.toordinal(), former.name)
            for former in names[pk].values()
            if former.covers(document.signed_on)
        )
        party["name"] = covering[0][1] if covering else party["current_name"]
        # in the order recorded
        party["citations"] = [citations[pk][key] for key in sorted(citations[pk])]
    return list(parties.values())


RELATION_ROWS = CompiledOnce(
    lambda document_id: (
        Relation.objects.filter(
            Q(from_document_id=document_id, to_document__is_published=True)
            | Q(to_document_id=document_id, from_document__is_published=True)
        )
        .order_by()
        .values(
            "kind",
            "confidence",
            "note",
            "from_document_id",
            "from_document__title",
            "from_document__slug",
            "from_document__signed_on",
            "to_document__title",
            "to_document__slug",
            "to_document__signed_on",
        )
    )
)


def document_relations(document):
    """Relations of ``document`` both ways, with published documents only: the
    words ("implements", "implemented by"), the other document and the relation's
    confidence and note. One query."""
    relations = []
    for row in RELATION_ROWS(document.pk):
        outgoing = row["from_document_id"] == document.pk
        end = "to_document" if outgoing else "from_document"
        label = (
            choice_label("relation", row["kind"])
            if outgoing
            else str(Relation.INVERSE_LABELS.get(row["kind"], row["kind"]))
        )
        signed_on = row[f"{end}__signed_on"]
        title = row[f"{end}__title"]
        relations.append(
            {
                # the models' order: this document's relations by kind, then the
                # others' by their date and title
                "order": (0, row["kind"], -signed_on.toordinal(), title)
                if outgoing
                else (1, -signed_on.toordinal(), title, row["kind"]),
                "label": label,
                "title": title,
                "url": reverse(
                    "agreements:document-detail", kwargs={"slug": row[f"{end}__slug"]}
                ),
                "signed_on": signed_on,
                "confidence": row["confidence"],
                "confidence_label": choice_label("confidence", row["confidence"]),
                "note": row["note"],
            }
        )
    return sorted(relations, key=lambda relation: relation["order"])


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
            count = cached_aggregate(self.request, "body-count", queryset.count)
            paginator, page = paginate(self.request, queryset, page_size, count=count)
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


# The body page's rows, each looked up by the body's id (see agreements.db).
CHILD_ROWS = CompiledOnce(
    lambda body_id: (
        Body.objects.filter(parent_id=body_id)
        .order_by("name", "id")
        .values("name", "slug")
    )
)
FORMER_NAME_ROWS = CompiledOnce(
    lambda body_id: (
        BodyName.objects.filter(body_id=body_id)
        .order_by("-valid_until", "name")
        .values("name", "short_name", "valid_from", "valid_until", "note")
    )
)


class BodyDetailView(DetailView):
    """A body, its names over time, and the published documents it signed."""

    template_name = "agreements/body_detail.html"
    context_object_name = "body"

    def get_object(self, queryset=None):
        # the body, its names and (below) its children, by its slug or id: planned
        # once (agreements.db); not its documents, whose best plan depends on how
        # many the body signed
        with planned_once():
            return super().get_object(queryset)

    def get_queryset(self):
        return Body.objects.select_related("country", "parent")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        body = self.object
        prefix = reverse("agreements:body-detail", kwargs={"slug": "-"})[:-2]
        with planned_once():
            context["children"] = [
                {"name": row["name"], "url": f"{prefix}{row['slug']}/"}
                for row in CHILD_ROWS(body.pk)
            ]
            context["former_names"] = FORMER_NAME_ROWS(body.pk)
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
            documents=rows_of(page.object_list, self.request),
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
        count = cached_aggregate(self.request, "event-count", queryset.count)
        paginator, page = paginate(self.request, queryset, page_size, count=count)
        return paginator, page, page.object_list, page.has_other_pages()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["page_links"] = page_links(context["paginator"], context["page_obj"])
        context["breadcrumbs"] = crumbs((_("Events"), None))
        return context


class EventDetailView(PlannedOnceMixin, DetailView):
    """An event, its documents, and how many the sources say are still missing.

    Planned once: an event's documents, found by its id, are a few dozen at most (20
    in the largest of the demo's 11,000 events); even a thousand would be read and
    sorted in about a millisecond by the plan made for any event.
    """

    template_name = "agreements/event_detail.html"
    context_object_name = "event"

    def get_queryset(self):
        return (
            Event.objects.published()
            .with_recorded_count()
            # the footer's last change, read with the event
            .annotate(register_last_changed=last_changed_column())
            .select_related("country")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        event = self.object
        remember_last_changed(self.request, event.register_last_changed)
        prefix = reverse("agreements:document-detail", kwargs={"slug": "-"})[:-2]
        documents = (
            Document.objects.published()
            .filter(event=event)
            .order_by("-signed_on", "title")
            .values(*ROW_FIELDS)
        )
        # the event's published documents are counted already
        paginator, page = paginate(
            self.request, documents, count=event.documents_recorded
        )
        context.update(
            paginator=paginator,
            page_obj=page,
            documents=rows_of(page.object_list, self.request),
            page_links=page_links(paginator, page),
            reconciliation=event.reconciliation(event.documents_recorded),
            inferred=[
                {"title": row["title"], "url": f"{prefix}{row['slug']}/"}
                for row in INFERRED_ROWS(event.pk)
            ],
            citations=[citation_row(row) for row in EVENT_CITATION_ROWS(event.pk)],
            list_url=list_url(event=event.slug),
            breadcrumbs=crumbs(
                (_("Events"), reverse("agreements:event-list")),
                (event.title, None),
            ),
        )
        return context


# The event page's rows, each looked up by the event's id (see agreements.db).
INFERRED_ROWS = CompiledOnce(
    lambda event_id: (
        Document.objects.published()
        .filter(event_id=event_id, event_confidence=Confidence.INFERRED)
        .order_by("-signed_on", "title")
        .values("title", "slug")
    )
)
EVENT_CITATION_ROWS = CompiledOnce(
    lambda event_id: (
        EventCitation.objects.filter(event_id=event_id)
        .order_by("id")
        .values(*CITATION_FIELDS)
    )
)


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
        per_year, event_years, recent_events = cached_aggregate(
            self.request,
            f"country-timeline:{country.code}",
            lambda: _country_timeline(country, documents),
        )
        recent_documents = rows_of(
            documents.order_by("-signed_on", "title").values(*ROW_FIELDS)[
                :COUNTRY_RECENT
            ],
            self.request,
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


def _country_timeline(country, documents):
    """A country's documents and events a year, and its ``COUNTRY_EVENTS`` most
    recent events (as rows: ``title``, ``url``, ``date``).

    Its events: those held there, and those elsewhere where documents with a party
    from the country were signed. Aggregates over the register: cached.
    """
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
    per_year = _count_by_year(documents, "signed_on")
    event_years = _count_by_year(events, "date")
    # two queries merged rather than one with "OR EXISTS": PostgreSQL would build
    # the set of every event with such documents before taking 30
    recent = sorted(
        (
            event
            for events_of_a_kind in (held_there, with_documents)
            for event in events_of_a_kind.order_by("-date", "title").values(
                "pk", "title", "slug", "date"
            )[:COUNTRY_EVENTS]
        ),
        key=lambda event: (-event["date"].toordinal(), event["title"]),
    )[:COUNTRY_EVENTS]
    prefix = reverse("agreements:event-detail", kwargs={"slug": "-"})[:-2]
    for event in recent:
        del event["pk"]
        event["url"] = f"{prefix}{event.pop('slug')}/"
    return per_year, event_years, recent


def _timeline(country, per_year, event_years, events):
    """One row a year, newest first; a run of empty years is one "gap" row."""
    years = set(per_year) | set(event_years)
    if not years:
        return []
    peak = max(per_year.values(), default=0) or 1
    listed = {}
    for event in events:
        listed.setdefault(event["date"].year, []).append(event)
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


def _count_by_year(queryset, date_field):
    """{year: number of rows} of ``queryset`` by the year of ``date_field``."""
    return dict(
        queryset.order_by()
        .annotate(year=ExtractYear(date_field))
        .values_list("year")
        .annotate(n=Count("pk"))
        .values_list("year", "n")
    )
