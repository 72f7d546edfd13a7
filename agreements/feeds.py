"""Atom feeds (``django.contrib.syndication``), published records only.

``/feeds/documents/`` takes the list's own parameters, so "new memoranda with
Azerbaijan" is ``/feeds/documents/?kind=memorandum&country=AZ``; ``/feeds/follow-up/``
carries the progress updates, by country (``?country=``, repeatable) and body
(``?body=``). Bad parameters are a 400 that names them, as on the list.

Anonymous readers are served from the page cache, as the pages are
(``agreements.cache``): one entry a feed, language and set of the parameters it
knows, left behind by any change to the register.
"""

import datetime

from django.contrib.syndication.views import Feed
from django.db.models import Exists, OuterRef, Prefetch
from django.http import HttpResponseBadRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.formats import date_format
from django.utils.translation import get_language, gettext
from django_countries.data import COUNTRIES

from .aggregates import register_stamp
from .filters import DocumentFilter
from .models import Body, Document, Party, ProgressUpdate, former_names_prefetch
from .search import language_columns
from .selectors import from_country
from .templatetags.register_tags import label

#: Entries a feed holds, newest first.
ENTRIES = 50


def _moment(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))


def _summary(record, field):
    """The record's text in the page's language, else the English."""
    return getattr(record, field) or ""


class DocumentsFeed(Feed):
    feed_type = Atom1Feed

    def get_object(self, request):
        return request.feed_filterset

    def title(self, filterset):
        chosen = "; ".join(
            f"{label}: {value}" for label, value, _url in filterset.selected_filters()
        )
        name = gettext("Documents in the register of signed bilateral documents")
        return f"{name} ({chosen})" if chosen else name

    def link(self, filterset):
        query = filterset.data.urlencode()
        return reverse("agreements:document-list") + (f"?{query}" if query else "")

    def subtitle(self, filterset):
        return gettext("The documents most recently published, newest first.")

    def items(self, filterset):
        # the parties' names only: an entry names its signatories' bodies, as
        # they were called on the day, and nothing else of them
        names = ("name", *language_columns("name"))
        parties = (
            Party.objects.select_related("body")
            .only("document", "order", "body", *(f"body__{name}" for name in names))
            .prefetch_related(former_names_prefetch("body__former_names"))
            .order_by("order", "id")
        )
        return (
            filterset.qs.order_by("-published_at", "-pk")
            .defer("search_text", "search_vector")
            .prefetch_related(
                Prefetch("parties", queryset=parties, to_attr="listed_parties")
            )[:ENTRIES]
        )

    def item_title(self, document):
        return document.title

    def item_description(self, document):
        parties = "; ".join(
            party.body_name_at_signing for party in document.listed_parties
        )
        facts = gettext("%(kind)s, signed %(day)s by %(parties)s.") % {
            "kind": label(document.kind, "kind").capitalize(),
            "day": date_format(document.signed_on, "DATE_FORMAT"),
            "parties": parties or "–",
        }
        summary = _summary(document, "summary")
        return f"{facts} {summary}".strip()

    def item_link(self, document):
        return document.get_absolute_url()

    def item_pubdate(self, document):
        return document.published_at or document.created_at

    def item_updateddate(self, document):
        return document.updated_at

    def item_categories(self, document):
        return [label(document.kind, "kind")]


class FollowUpFeed(Feed):
    feed_type = Atom1Feed

    def get_object(self, request):
        return request.feed_filters

    def title(self, filters):
        name = gettext("Follow-up in the register of signed bilateral documents")
        chosen = [*filters["countries"], *(b.name for b in filters["bodies"])]
        return f"{name} ({', '.join(chosen)})" if chosen else name

    def link(self, filters):
        return reverse("followup:followup-dashboard")

    def subtitle(self, filters):
        return gettext("What has come of the documents since they were signed.")

    def items(self, filters):
        updates = ProgressUpdate.objects.filter(document__is_published=True)
        # Exists, not joins: no row repeated, so no DISTINCT over every update
        stamp = register_stamp() if filters["countries"] else None
        for code in filters["countries"]:
            updates = updates.filter(
                Exists(
                    Party.objects.filter(
                        from_country(code, stamp), document_id=OuterRef("document_id")
                    )
                )
            )
        for body in filters["bodies"]:
            updates = updates.filter(
                Exists(
                    Party.objects.filter(document_id=OuterRef("document_id"), body=body)
                )
            )
        return updates.select_related("document", "action", "source").order_by(
            "-happened_on", "-pk"
        )[:ENTRIES]

    def item_title(self, update):
        return f"{update.title} ({update.document.title})"

    def item_description(self, update):
        text = update.text or ""
        if update.action_id:
            text = f"{update.action.title}. {text}"
        return text.strip() or update.title

    def item_link(self, update):
        return update.document.get_absolute_url()

    def item_guid(self, update):
        return f"{update.document.get_absolute_url()}#update-{update.pk}"

    def item_pubdate(self, update):
        return _moment(update.happened_on)

    def item_updateddate(self, update):
        return update.created_at


def documents_feed(request):
    filterset = DocumentFilter(request.GET or None, queryset=Document.objects.listed())
    if filterset.is_bound and not filterset.is_valid():
        return _bad_request(filterset.form.errors)
    request.feed_filterset = filterset
    return _in_language(DocumentsFeed()(request))


def followup_feed(request):
    errors = {}
    countries = []
    for code in request.GET.getlist("country"):
        code = code.strip().upper()
        if code not in COUNTRIES:
            errors.setdefault("country", []).append(
                gettext("“%(code)s” is not an ISO country code.") % {"code": code}
            )
        elif code not in countries:
            countries.append(code)
    bodies = []
    public = Body.objects.public()
    for slug in request.GET.getlist("body"):
        body = public.filter(slug=slug.strip().lower()).first()
        if body is None:
            errors.setdefault("body", []).append(
                gettext("There is no body “%(slug)s” in the register.") % {"slug": slug}
            )
        else:
            bodies.append(body)
    unknown = set(request.GET) - {"country", "body"}
    if unknown:
        errors["parameters"] = [
            gettext("Unknown parameters: %(names)s.")
            % {"names": ", ".join(sorted(unknown))}
        ]
    if errors:
        return _bad_request(errors)
    request.feed_filters = {"countries": countries, "bodies": bodies}
    return _in_language(FollowUpFeed()(request))


def _bad_request(errors):
    lines = [
        f"{name}: {' '.join(str(e) for e in messages)}"
        for name, messages in errors.items()
    ]
    return HttpResponseBadRequest(
        "\n".join(lines), content_type="text/plain; charset=utf-8"
    )


def _in_language(response):
    response["Content-Language"] = get_language()
    # The feed generator writes the XML to the response a few bytes at a time, each
    # a piece of the body that the WSGI server sends on its own: 50 entries were
    # some 20,000 writes to the socket, 9 ms of a 27 ms feed. One piece instead.
    response.content = response.content
    return response
