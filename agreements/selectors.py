"""Read queries that several public pages share: the home page's counts, the
countries that are parties, the events' recorded counts and a country's timeline.

Each returns plain values or model instances; the pages cache the costly ones until
the register changes (``agreements.aggregates``).
"""

from django.db.models import (
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
)
from django.db.models.functions import Coalesce, ExtractYear

from .aggregates import GENERATION_TIMEOUT, cached_aggregate, register_stamp
from .models import (
    Action,
    Attachment,
    Body,
    Country,
    Document,
    DocumentCitation,
    DocumentIdentifier,
    DocumentTitle,
    Event,
    Party,
    PartyCitation,
    ProgressUpdate,
    Relation,
    former_names_prefetch,
)

#: A country's timeline names this many of its most recent events (older years
#: give a count).
COUNTRY_EVENTS = 30


def recorded_count():
    """The published documents of each event, as a subquery (one value a row)."""
    documents = (
        Document.objects.published()
        .filter(event=OuterRef("pk"))
        .order_by()
        .values("event")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(documents, output_field=IntegerField()), 0)


def published_events():
    """Published events with their ``documents_recorded``, newest first."""
    return (
        Event.objects.published()
        .annotate(documents_recorded=recorded_count())
        .order_by("-date", "title")
    )


def document_page():
    """Published documents with what a document's page and its API answer show:
    the event and country of signature, ``listed_parties`` (in order, with their
    bodies, countries, former names and sources), ``other_titles`` (with their
    sources) and ``sources`` (the document's citations)."""
    citations = PartyCitation.objects.select_related("source").order_by("id")
    parties = (
        Party.objects.select_related("body__country")
        .prefetch_related(
            former_names_prefetch("body__former_names"),
            Prefetch("citations", citations),
        )
        .order_by("order", "id")
    )
    return (
        Document.objects.published()
        .select_related("event", "signed_country")
        .defer("search_text", "search_vector")
        .prefetch_related(
            Prefetch("parties", parties, to_attr="listed_parties"),
            Prefetch(
                "titles",
                queryset=DocumentTitle.objects.select_related("source").order_by(
                    "language", "title"
                ),
                to_attr="other_titles",
            ),
            Prefetch(
                "citations",
                queryset=DocumentCitation.objects.select_related("source"),
                to_attr="sources",
            ),
        )
    )


def relations_from():
    """Relations to published documents: by kind, then the other's date and title
    (a document's page and its API answer)."""
    return (
        Relation.objects.filter(to_document__is_published=True)
        .select_related("to_document")
        .order_by("kind", "-to_document__signed_on", "to_document__title")
    )


def relations_to():
    """Relations from published documents: by the other's date and title, then
    kind."""
    return (
        Relation.objects.filter(from_document__is_published=True)
        .select_related("from_document")
        .order_by("-from_document__signed_on", "from_document__title", "kind")
    )


def document_sections():
    """Annotations that say which of a document page's sections hold anything, read
    in the document's own query (an index probe each): the page skips the queries
    of an empty section (relations, identifiers, texts, topics, follow-up) rather
    than running them to find nothing."""
    document = OuterRef("pk")
    return {
        "has_relations_from": Exists(
            Relation.objects.filter(
                from_document=document, to_document__is_published=True
            )
        ),
        "has_relations_to": Exists(
            Relation.objects.filter(
                to_document=document, from_document__is_published=True
            )
        ),
        "has_identifiers": Exists(DocumentIdentifier.objects.filter(document=document)),
        "has_texts": Exists(Attachment.objects.filter(document=document)),
        "has_topics": Exists(Document.topics.through.objects.filter(document=document)),
        "has_followup": Exists(Action.objects.filter(document=document))
        | Exists(ProgressUpdate.objects.filter(document=document)),
    }


def home_counts():
    """``[(kind, legal status, follow-up status, documents)]``: the home page's three
    tallies in one pass over the published documents."""
    return list(
        Document.objects.listed()
        .order_by()
        .values_list("kind", "legal_status", "follow_up_status")
        .annotate(n=Count("pk"))
    )


def latest_events(limit=5):
    return list(
        published_events()
        .select_related("country")
        .only("title", "slug", "date", "city", "documents_reported", "country")[:limit]
    )


def latest_documents(limit=5):
    return list(
        Document.objects.listed()
        .order_by("-signed_on", "title")
        .only("title", "slug", "kind", "signed_on")[:limit]
    )


def party_countries():
    """``[(code, name)]`` of the countries with a party to a published document, by
    name (pairs rather than instances: the list is cached, and read back at every
    request)."""
    parties = Party.objects.filter(
        body__country=OuterRef("pk"), document__is_published=True
    )
    return list(
        Country.objects.filter(Exists(parties))
        .order_by("name", "code")
        .values_list("code", "name")
    )


def country_counts():
    """``[(code, name, documents)]``: each country with a party to a published
    document, and how many such documents (one GROUP BY over the parties; a pair
    of values a row, as the list is cached)."""
    return list(
        Party.objects.filter(document__is_published=True)
        .values("body__country__code", "body__country__name")
        .annotate(total=Count("document", distinct=True))
        .order_by("body__country__code")
        .values_list("body__country__code", "body__country__name", "total")
    )


def _country_bodies():
    bodies = {}
    for body, code in Body.objects.order_by("pk").values_list("pk", "country__code"):
        bodies.setdefault(code, []).append(body)
    return bodies


def from_country(code, stamp=None, via=""):
    """A condition on parties (or, through ``via``, such as ``"party__"``, on what
    points to them): the party's body is from the country with the ISO ``code``.

    As ``body_id IN (the country's bodies)``, the ids cached until the register
    changes, rather than a join with the bodies: PostgreSQL then reads how many
    parties those bodies have from its statistics. Through the join it assumed the
    average body's, and for a country with many documents it built the set of all
    of them before sorting (the feed of Kazakhstan's memoranda: 437 ms against
    0.7 ms). Where the stamp does not follow every change (no register
    generation), a new body would be missed for a while: the join, then.
    """
    stamp = stamp or register_stamp()
    if stamp.timeout != GENERATION_TIMEOUT:
        return Q(**{f"{via}body__country__code": code})
    bodies = cached_aggregate(
        stamp, "country-bodies", _country_bodies, per_language=False
    )
    return Q(**{f"{via}body_id__in": bodies.get(code, ())})


def with_country_party(documents, country, stamp=None):
    """``documents`` with a party from ``country`` (EXISTS: no duplicated rows)."""
    parties = Party.objects.filter(
        from_country(country.code, stamp), document_id=OuterRef("pk")
    )
    return documents.filter(Exists(parties))


def country_documents(country, stamp=None):
    """Published documents with a party from ``country``."""
    return with_country_party(Document.objects.listed(), country, stamp)


def country_timeline(country, stamp=None):
    """A country's relationship year by year: ``(rows, document_total, event_total,
    recent_events)``.

    Its events are those held there and those elsewhere where documents with a party
    from the country were signed. ``rows`` run newest year first; each has the
    ``year``, its ``documents``, its ``events``, the ``listed_events`` among the
    ``COUNTRY_EVENTS`` most recent, the ``unlisted_events`` count and a ``scale``
    (the documents in tenths of the busiest year); a run of empty years is one row
    with ``gap``, ``first`` and ``last``.
    """
    held_there = Event.objects.published().filter(country=country)
    with_documents = (
        Event.objects.published()
        .filter(
            Exists(
                with_country_party(
                    Document.objects.published().filter(event=OuterRef("pk")),
                    country,
                    stamp,
                )
            )
        )
        .exclude(country=country)
    )
    events = Event.objects.published().filter(
        Q(country=country) | Q(pk__in=with_documents.values("pk"))
    )
    per_year = _count_by_year(country_documents(country, stamp), "signed_on")
    event_years = _count_by_year(events, "date")
    # two queries merged rather than one with "OR EXISTS": PostgreSQL would build
    # the set of every event with such documents before taking the first few
    recent = sorted(
        (
            event
            for events_of_a_kind in (held_there, with_documents)
            for event in events_of_a_kind.order_by("-date", "title").only(
                "title", "slug", "date"
            )[:COUNTRY_EVENTS]
        ),
        key=lambda event: (-event.date.toordinal(), event.title),
    )[:COUNTRY_EVENTS]
    rows = _timeline_rows(per_year, event_years, recent)
    return rows, sum(per_year.values()), sum(event_years.values()), recent


def _timeline_rows(per_year, event_years, events):
    years = set(per_year) | set(event_years)
    if not years:
        return []
    peak = max(per_year.values(), default=0) or 1
    listed = {}
    for event in events:
        listed.setdefault(event.date.year, []).append(event)
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
                # a CSS class (bar--1 to bar--10), so the page needs no style=""
                "scale": max(1, round(10 * count / peak)) if count else 0,
            }
        )
    return rows


def _count_by_year(queryset, date_field):
    """``{year: rows}`` of ``queryset`` by the year of ``date_field``."""
    return dict(
        queryset.order_by()
        .annotate(year=ExtractYear(date_field))
        .values_list("year")
        .annotate(n=Count("pk"))
        .values_list("year", "n")
    )
