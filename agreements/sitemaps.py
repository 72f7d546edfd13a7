"""The sitemap (``/sitemap.xml``): every public page a search engine should find.

``/sitemap.xml`` is an index of sections (``/sitemap-<section>.xml``). A section of
records is split into files by id: file n (``?p=n``) holds the records with ids from
``(n - 1) * LIMIT + 1`` to ``n * LIMIT`` (``IdRangePaginator``). So at 100,000
documents no file is large, every file costs the same two cheap queries however deep
it is (the highest id, then one id range), and a record stays in its file as the
register grows. Django's own paginator would count the section and skip the rows
before the page (``OFFSET``), which reads the whole table for the last files.

Each page is listed in every language (``/ru/...``, ``/kk/...``, ``/az/...`` beside
the English address) with its ``hreflang`` alternates and an ``x-default`` (English).

Only public pages appear: published documents and events, the public bodies
(``Body.objects.public()``) and the countries with a body that signed a published
document. ``lastmod`` is the record's
``updated_at``; bodies and countries have none (see ``BodySitemap``).
"""

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.core.paginator import Paginator
from django.db.models import Exists, F, Max, OuterRef
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import get_language

from .aggregates import last_changed
from .models import Body, Country, Document, Event, Party

#: URLs a file holds at most. The protocol allows 50,000; a smaller file keeps each
#: one quick to build.
LIMIT = 2_000


class IdRangePaginator(Paginator):
    """Page n of ``queryset``: its rows with ids in ``((n - 1) * per_page,
    n * per_page]``, found by a range of the primary key.

    A page may hold fewer than ``per_page`` rows (unpublished records, deleted ids),
    or none; the pages run up to the highest id of ``model``'s table.
    """

    def __init__(self, queryset, per_page, *, model):
        super().__init__(queryset, per_page)
        self.model = model

    @cached_property
    def count(self):
        # not a number of rows: the highest id (from the primary key's index), so
        # that num_pages (count / per_page, rounded up) reaches every id
        return self.model._default_manager.aggregate(top=Max("pk"))["top"] or 0

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        rows = self.object_list.filter(pk__gt=bottom, pk__lte=bottom + self.per_page)
        # each record in each language, as Django's i18n sitemaps list them
        pairs = [(row, code) for row in rows for code, _name in settings.LANGUAGES]
        return self._get_page(pairs, number, self)


class RecordSitemap(Sitemap):
    """A section of records, each a page at ``url_name`` with its ``key``.

    ``records()`` annotates each record's ``key`` (the URL's argument) and, when it
    has one, its ``lastmod``. Rows are tuples rather than model instances: a file
    has thousands.
    """

    limit = LIMIT
    # every page in each language, with its alternates (hreflang) and x-default
    i18n = True
    alternates = True
    x_default = True
    url_name = ""
    url_kwarg = "slug"
    #: ``False`` for records with no ``updated_at``
    has_lastmod = True

    def records(self):
        raise NotImplementedError

    def items(self):
        fields = ("key", "lastmod") if self.has_lastmod else ("key",)
        return self.records().order_by("pk").values_list(*fields)

    @property
    def paginator(self):
        return IdRangePaginator(self.items(), self.limit, model=self.records().model)

    def location(self, item):
        # one reverse() a file and language rather than one a URL:
        # "/ru/agreements/-/" gives the prefix "/ru/agreements/"
        prefixes = self.__dict__.setdefault("_prefixes", {})
        language = get_language()
        if language not in prefixes:
            prefixes[language] = reverse(self.url_name, kwargs={self.url_kwarg: "-"})[
                :-2
            ]
        return f"{prefixes[language]}{item[0]}/"

    def lastmod(self, item):
        return item[1] if self.has_lastmod else None

    def get_latest_lastmod(self):
        # for the index; Django's default calls lastmod() on every record
        if not self.has_lastmod:
            return None
        return self.records().aggregate(latest=Max("lastmod"))["latest"]


class DocumentSitemap(RecordSitemap):
    url_name = "agreements:document-detail"

    def records(self):
        # a bare "WHERE is_published": SQLite then reads the id range of the table;
        # with "is_published = true" it would walk an is_published index and sort
        return Document.objects.published().annotate(
            key=F("slug"), lastmod=F("updated_at")
        )

    def get_latest_lastmod(self):
        # read from the (is_published, updated_at) index
        return last_changed()


class EventSitemap(RecordSitemap):
    url_name = "agreements:event-detail"

    def records(self):
        return Event.objects.published().annotate(
            key=F("slug"), lastmod=F("updated_at")
        )


def signatories(bodies):
    """``bodies`` that signed a published document (one EXISTS a body: each stops
    at its first such document, and PostgreSQL does not join the whole register)."""
    parties = Party.objects.filter(body=OuterRef("pk"), document__is_published=True)
    return bodies.filter(Exists(parties))


class BodySitemap(RecordSitemap):
    """The public bodies (``Body.objects.public()``), as the body pages show them.

    No ``lastmod``: a body has no ``updated_at``, and the latest change to its
    documents, for every body of a file, would read every party of the register
    for each file.
    """

    url_name = "agreements:body-detail"
    has_lastmod = False

    def records(self):
        return Body.objects.public().annotate(key=F("slug"))


class CountrySitemap(RecordSitemap):
    """Countries with a body that signed a published document; no ``lastmod``, as
    bodies."""

    url_name = "agreements:country-detail"
    url_kwarg = "code"
    has_lastmod = False

    def records(self):
        bodies = signatories(Body.objects.filter(country=OuterRef("pk")))
        return Country.objects.filter(Exists(bodies)).annotate(key=Lower("code"))


class PageSitemap(Sitemap):
    """The home page, the lists, the follow-up dashboard and the open data page."""

    i18n = True
    alternates = True
    x_default = True

    names = (
        "agreements:home",
        "agreements:document-list",
        "agreements:event-list",
        "agreements:body-list",
        "agreements:country-list",
        "followup:followup-dashboard",
        "agreements:open-data",
    )

    def items(self):
        return list(self.names)

    def location(self, item):
        return reverse(item)


#: The sections, in the index's order; the URL names a section by its key.
SITEMAPS = {
    "pages": PageSitemap,
    "documents": DocumentSitemap,
    "events": EventSitemap,
    "bodies": BodySitemap,
    "countries": CountrySitemap,
}
