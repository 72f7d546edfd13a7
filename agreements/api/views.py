"""The API's views: read-only, anonymous, published records only (docs/api.md).

Each answer carries the data's licence (``settings.DATA_LICENCE``) in a ``Link``
header, and lists and records carry it in their body too. Anonymous clients are
throttled per address (``throttling.AnonymousThrottle``). A parameter the register
cannot read is a 400 whose body names it (``exceptions``); an unknown record or
address a 404 ``{"detail": "..."}``.

Every list and record costs the same number of queries whatever the size of the
register: what the serializers read is fetched here, with ``select_related`` and
``prefetch_related`` (published rows only).
"""

import re

from csp.decorators import csp_update
from django.conf import settings
from django.db.models import Exists, OuterRef, Prefetch, prefetch_related_objects
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework import generics
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import selectors
from ..aggregates import cached_aggregate, register_stamp
from ..filters import ORDERINGS, DocumentFilter
from ..followup.filters import ActionFilter
from ..followup.selectors import document_followup, responsible_bodies
from ..models import (
    Action,
    ActionCitation,
    Attachment,
    Body,
    Confidence,
    Country,
    Document,
    DocumentIdentifier,
    EventCitation,
    Party,
    PartyStep,
    Topic,
    former_names_prefetch,
)
from . import serializers
from .pagination import CursorPagination

#: An event's answer lists this many of its documents (``documents_url``: all).
EVENT_DOCUMENTS = 100
#: A country's answer lists this many of its latest documents.
COUNTRY_DOCUMENTS = 25
SLUG = re.compile(r"[-a-zA-Z0-9_]{1,120}")


class LicenceLinkMixin:
    """Names the data's licence in a ``Link`` header of every answer."""

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Link"] = f'<{settings.DATA_LICENCE["url"]}>; rel="license"'
        return response


class FilterBackend(DjangoFilterBackend):
    """The FilterSet's own validation (400 naming the parameter); the view keeps the
    filterset for its order."""

    def get_filterset(self, request, queryset, view):
        filterset = super().get_filterset(request, queryset, view)
        view.filterset = filterset
        return filterset


class ApiView(LicenceLinkMixin, APIView):
    pass


class ListView(LicenceLinkMixin, generics.ListAPIView):
    pagination_class = CursorPagination
    #: the cursor's order: the last column unique
    ordering = ("pk",)

    def cursor_ordering(self):
        return self.ordering


class DetailView(LicenceLinkMixin, generics.RetrieveAPIView):
    lookup_field = "slug"
    #: "There is no <what> “slug” in the register."
    what = ""

    def get_object(self):
        slug = self.kwargs["slug"]
        found = None
        if SLUG.fullmatch(slug):
            found = self.get_queryset().filter(slug=slug).first()
        if found is None:
            # what was asked is named only when it could be a slug: never markup
            raise NotFound(
                _("There is no %(what)s “%(slug)s” in the register.")
                % {"what": self.what, "slug": slug}
                if SLUG.fullmatch(slug)
                else _("There is no %(what)s at this address.") % {"what": self.what}
            )
        return found


def absolute(request, name, query=""):
    return request.build_absolute_uri(reverse(name) + (f"?{query}" if query else ""))


# --- The index ------------------------------------------------------------------------


class RootView(ApiView):
    """Where everything is: the lists, the schema, its documentation, the licence."""

    @extend_schema(exclude=True)
    def get(self, request):
        return Response(
            {
                "licence": serializers.licence(),
                "documents": absolute(request, "api:document-list"),
                "bodies": absolute(request, "api:body-list"),
                "events": absolute(request, "api:event-list"),
                "actions": absolute(request, "api:action-list"),
                "country": request.build_absolute_uri(
                    reverse("api:country-detail", kwargs={"code": "kz"})
                ).replace("/kz/", "/{code}/"),
                "schema": absolute(request, "api:schema"),
                "docs": absolute(request, "api:docs"),
            }
        )


# --- Documents ------------------------------------------------------------------------


def _parties():
    return Prefetch(
        "parties",
        queryset=Party.objects.select_related("body__country")
        .prefetch_related(former_names_prefetch("body__former_names"))
        .order_by("order", "id"),
        to_attr="listed_parties",
    )


def _topics():
    return Prefetch("topics", Topic.objects.order_by("slug"), to_attr="listed_topics")


class DocumentListView(ListView):
    """Published documents, filtered exactly like the public list (``/agreements/``):
    every parameter is repeatable where the list's is, and means the same. Newest
    signature first unless ``ordering`` says otherwise (a search is not ranked)."""

    serializer_class = serializers.DocumentListSerializer
    filter_backends = [FilterBackend]
    filterset_class = DocumentFilter

    def get_queryset(self):
        return (
            Document.objects.listed()
            .select_related("event", "signed_country")
            .defer("search_text", "search_vector")
            .prefetch_related(_parties(), _topics())
        )

    def cursor_ordering(self):
        chosen = None
        filterset = getattr(self, "filterset", None)
        if filterset is not None and filterset.is_valid():
            chosen = filterset.form.cleaned_data.get("ordering")
        columns = ORDERINGS[chosen or "-signed_on"]
        # a tie-breaker, so that the order is total
        if columns[-1].lstrip("-") != "pk":
            columns = (*columns, "-pk" if columns[0].startswith("-") else "pk")
        return columns


class DocumentDetailView(DetailView):
    """A published document: everything its page shows, with the sources of each
    fact and how sure each is."""

    serializer_class = serializers.DocumentDetailSerializer
    what = "document"

    def get_queryset(self):
        return (
            selectors.document_page()
            .annotate(**selectors.document_sections())
            .prefetch_related(
                # what the page reads a query each (agreements.steps)
                Prefetch(
                    "listed_parties__steps",
                    PartyStep.objects.select_related("source").order_by(
                        "happened_on", "kind", "pk"
                    ),
                    to_attr="listed_steps",
                ),
            )
        )

    @staticmethod
    def sections():
        """Each section's prefetch by the annotation that says whether the document
        has anything there (``selectors.document_sections``): an empty section is
        an empty list, without its query."""
        return {
            "has_topics": _topics(),
            "has_identifiers": Prefetch(
                "identifiers",
                DocumentIdentifier.objects.select_related("source"),
                to_attr="listed_identifiers",
            ),
            "has_texts": Prefetch(
                "attachments", Attachment.objects.listed(), to_attr="listed_texts"
            ),
            "has_relations_from": Prefetch(
                "relations_from",
                selectors.relations_from(),
                to_attr="published_relations_from",
            ),
            "has_relations_to": Prefetch(
                "relations_to",
                selectors.relations_to(),
                to_attr="published_relations_to",
            ),
        }

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["followup"] = getattr(self, "followup", None)
        return context

    def retrieve(self, request, *args, **kwargs):
        # imported here: the follow-up views import the pages' views
        from ..followup.views import today

        document = self.get_object()
        lookups = []
        for has, lookup in self.sections().items():
            if getattr(document, has):
                lookups.append(lookup)
            else:
                setattr(document, lookup.to_attr, [])
        prefetch_related_objects([document], *lookups)
        self.followup = document_followup(document, today=today())
        return Response(self.get_serializer(document).data)


# --- Bodies ---------------------------------------------------------------------------


def _public_parent():
    return Exists(Body.objects.public().filter(pk=OuterRef("parent_id")))


class BodyListView(ListView):
    """The public bodies: those that signed a published document or are responsible
    for one of its actions, and their parents; by slug."""

    serializer_class = serializers.BodySerializer
    ordering = ("slug",)

    def get_queryset(self):
        return (
            Body.objects.public()
            .select_related("country", "parent")
            .annotate(parent_is_public=_public_parent())
        )


class BodyDetailView(DetailView):
    """A public body, its names over time, its public sub-bodies and how many
    published documents it signed (``documents_url`` lists them)."""

    serializer_class = serializers.BodyDetailSerializer
    what = "body"

    def get_queryset(self):
        return (
            Body.objects.public()
            .select_related("country", "parent")
            .annotate(parent_is_public=_public_parent())
            .prefetch_related(
                Prefetch("former_names"),
                Prefetch(
                    "children",
                    Body.objects.public()
                    .select_related("country")
                    .order_by("name", "id"),
                    to_attr="public_children",
                ),
            )
        )

    def retrieve(self, request, *args, **kwargs):
        body = self.get_object()
        # the body page's count, cached until the register changes
        body.documents_count = cached_aggregate(
            register_stamp(),
            f"body-documents:{body.pk}",
            Document.objects.published().filter(parties__body=body).count,
        )
        body.documents_url = absolute(request, "api:document-list", f"body={body.slug}")
        return Response(self.get_serializer(body).data)


# --- Events ---------------------------------------------------------------------------


class EventListView(ListView):
    """Published events, newest first, each with how many documents the sources
    report and how many the register holds."""

    serializer_class = serializers.EventSerializer
    ordering = ("-date", "-pk")

    def get_queryset(self):
        return selectors.published_events().select_related("country")


class EventDetailView(DetailView):
    """A published event, its documents in the order of its package (the first
    ``EVENT_DOCUMENTS``; ``documents_url`` lists them all), how many the sources
    report and are still missing, and its sources."""

    serializer_class = serializers.EventDetailSerializer
    what = "event"

    def get_queryset(self):
        return (
            selectors.published_events()
            .select_related("country")
            .prefetch_related(
                Prefetch(
                    "citations",
                    EventCitation.objects.select_related("source"),
                    to_attr="sources",
                )
            )
        )

    def retrieve(self, request, *args, **kwargs):
        event = self.get_object()
        documents = Document.objects.published().filter(event=event)
        event.package = list(
            documents.in_package_order().only("title", "slug", "kind", "signed_on")[
                :EVENT_DOCUMENTS
            ]
        )
        inferred = documents.filter(event_confidence=Confidence.INFERRED).count()
        reconciliation = event.reconciliation(event.documents_recorded, inferred)
        event.documents_inferred = reconciliation["inferred"]
        event.documents_missing = reconciliation["missing"]
        event.documents_url = absolute(
            request, "api:document-list", f"event={event.slug}"
        )
        return Response(self.get_serializer(event).data)


# --- Countries ------------------------------------------------------------------------


class CountryDetailView(LicenceLinkMixin, generics.GenericAPIView):
    """The relationship with one country (ISO 3166-1 alpha-2 code, any case), year
    by year, with its latest events and documents."""

    serializer_class = serializers.CountryDetailSerializer

    def get(self, request, code):
        country = None
        if len(code) == 2 and code.isascii() and code.isalpha():
            country = Country.objects.filter(code=code.upper()).first()
        if country is None:
            raise NotFound(_("There is no country with that code."))
        stamp = register_stamp()
        rows, documents, events, recent = cached_aggregate(
            stamp,
            f"country-timeline:{country.code}",
            lambda: selectors.country_timeline(country, stamp),
        )
        country.documents_count = documents
        country.events_count = events
        country.years = [row for row in rows if not row.get("gap")]
        country.recent_events = recent
        country.recent_documents = list(
            selectors.country_documents(country, stamp)
            .order_by("-signed_on", "title")
            .only("title", "slug", "kind", "signed_on")[:COUNTRY_DOCUMENTS]
        )
        country.documents_url = absolute(
            request, "api:document-list", f"country={country.code}"
        )
        return Response(self.get_serializer(country).data)


# --- Actions --------------------------------------------------------------------------


class ActionListView(ListView):
    """The actions of published documents (what each commits its parties to, and
    the follow-up linked to it), newest first, with the flags of the day; never the
    staff-only fields (focal person, contact)."""

    serializer_class = serializers.ActionSerializer
    filter_backends = [FilterBackend]
    filterset_class = ActionFilter
    ordering = ("-pk",)

    def get_queryset(self):
        from ..followup.views import today

        return (
            Action.objects.published()
            .with_flags(today())
            .select_related("document")
            .defer(
                "focal_person",
                "contact_email",
                "contact_language",
                "document__search_text",
                "document__search_vector",
            )
            .prefetch_related(
                responsible_bodies(),
                Prefetch(
                    "citations",
                    ActionCitation.objects.select_related("source"),
                    to_attr="sources",
                ),
            )
        )


# --- The schema and its documentation page --------------------------------------------


class SchemaView(LicenceLinkMixin, SpectacularAPIView):
    """The OpenAPI 3 schema (YAML; JSON with ``?format=json``)."""


# Swagger UI draws its icons as data: images (in its bundled CSS and script): the
# one thing this page needs beyond the site's policy, and only for images.
@method_decorator(csp_update({"img-src": ["data:"]}), name="dispatch")
class DocsView(LicenceLinkMixin, SpectacularSwaggerSplitView):
    """Swagger UI from our own static files (drf-spectacular-sidecar), its
    settings in a script of its own (``?script``): the CSP allows nothing inline."""

    url_name = "api:schema"
    template_name = "api/docs.html"


class NotFoundView(ApiView):
    """Any other address under ``/api/v1/``: a 404 in JSON."""

    @extend_schema(exclude=True)
    def get(self, request):
        raise NotFound(_("There is nothing at this address of the API."))
