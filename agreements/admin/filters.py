"""List filters that offer only values that occur, never all 249 countries.

Their choices are cached until the register changes (``CachedLookupsMixin``): each
would otherwise scan parties, documents or actions at every view of the list.
"""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..models import (
    Action,
    Body,
    Country,
    Document,
    Event,
    Party,
    ProgressUpdate,
    Source,
)
from ..models.followup import DUE_SOON_DAYS
from ..selectors import from_country
from .changelists import (
    CachedLookupsMixin,
    SelectFilterMixin,
    YearFilter,
    request_stamp,
)

# Enough to choose from at a glance; older events are reached by search or by the
# "documents" link on the event's page.
RECENT_EVENTS_IN_FILTER = 20
# Likewise the bodies responsible for the most actions; others by search.
BODIES_IN_FILTER = 20
# And the publishers with the most sources.
PUBLISHERS_IN_FILTER = 20

# --- List filters ---------------------------------------------------------------------


class PartyCountryFilter(SelectFilterMixin, CachedLookupsMixin, admin.SimpleListFilter):
    """Documents with a party from a country; lists only countries that have parties."""

    title = _("party country")
    parameter_name = "party_country"

    def compute_lookups(self, request, model_admin):
        return Country.objects.filter(
            Exists(Party.objects.filter(body__country=OuterRef("pk")))
        ).values_list("code", "name")

    def queryset(self, request, queryset):
        if self.value():
            # Exists() rather than a join: a join would repeat a document per party;
            # the country's bodies as a list: see selectors.from_country
            parties = Party.objects.filter(
                from_country(self.value(), request_stamp(request)),
                document=OuterRef("pk"),
            )
            return queryset.filter(Exists(parties))
        return queryset


class RecentEventFilter(CachedLookupsMixin, admin.SimpleListFilter):
    """The latest events that have documents, and the one chosen, if older."""

    title = _("event")
    parameter_name = "event"
    #: The path from the listed model to the event's id.
    event_field = "event_id"

    def compute_lookups(self, request, model_admin):
        events = self.events_offered().order_by("-date", "title")
        return [
            (str(event.pk), str(event)) for event in events[:RECENT_EVENTS_IN_FILTER]
        ]

    def chosen_lookup(self, value):
        if not value.isdigit():
            return []
        return [(str(event.pk), str(event)) for event in Event.objects.filter(pk=value)]

    def queryset(self, request, queryset):
        if self.value():
            if not self.value().isdigit():
                return queryset.none()
            return queryset.filter(**{self.event_field: self.value()})
        return queryset

    def events_offered(self):
        return Event.objects.filter(
            Exists(Document.objects.filter(event=OuterRef("pk")))
        )


class ActionEventFilter(RecentEventFilter):
    """The latest events whose documents have actions, and the one chosen."""

    event_field = "document__event_id"

    def events_offered(self):
        return Event.objects.filter(
            Exists(Action.objects.filter(document__event=OuterRef("pk")))
        )


class ActionPartyCountryFilter(PartyCountryFilter):
    """Actions of documents with a party from a country."""

    def queryset(self, request, queryset):
        if self.value():
            return queryset.for_countries([self.value()])
        return queryset


class DeadlineFilter(admin.SimpleListFilter):
    """Open actions past their deadline or plan, past their forecast, or near their
    date, and actions with no date."""

    title = _("deadline")
    parameter_name = "deadline"

    def lookups(self, request, model_admin):
        return [
            ("overdue", _("overdue (deadline or plan passed)")),
            ("forecast_passed", _("forecast date passed")),
            ("due_soon", _("due within %(days)d days") % {"days": DUE_SOON_DAYS}),
            ("none", _("no due date")),
        ]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        if self.value() == "overdue":
            return queryset.overdue(today)
        if self.value() == "forecast_passed":
            return queryset.forecast_passed(today)
        if self.value() == "due_soon":
            return queryset.due_soon(today)
        if self.value() == "none":
            return queryset.filter(due_on__isnull=True)
        return queryset


class ResponsibleBodyFilter(CachedLookupsMixin, admin.SimpleListFilter):
    """The bodies responsible for the most actions, and the one chosen.

    Thousands of bodies would not fit in the sidebar; the others are found by
    searching for their names.
    """

    title = _("responsible body")
    parameter_name = "responsible_body"

    def compute_lookups(self, request, model_admin):
        responsible = Action.responsible_bodies.through.objects.filter(
            body=OuterRef("pk")
        )
        bodies = (
            Body.objects.filter(Exists(responsible))
            .annotate(actions_count=Count("actions"))
            .order_by("-actions_count", "name", "id")
        )
        return [(str(body.pk), str(body)) for body in bodies[:BODIES_IN_FILTER]]

    def chosen_lookup(self, value):
        if not value.isdigit():
            return []
        return [(str(body.pk), str(body)) for body in Body.objects.filter(pk=value)]

    def queryset(self, request, queryset):
        if self.value():
            if not self.value().isdigit():
                return queryset.none()
            # Exists() rather than a join: a join would repeat an action per body.
            return queryset.filter(
                Exists(
                    Action.responsible_bodies.through.objects.filter(
                        action=OuterRef("pk"), body_id=self.value()
                    )
                )
            )
        return queryset


class UpdateSubjectFilter(admin.SimpleListFilter):
    """Updates about a document as a whole, or about one of its actions."""

    title = _("about")
    parameter_name = "about"

    def lookups(self, request, model_admin):
        return [("document", _("the document")), ("action", _("an action"))]

    def queryset(self, request, queryset):
        if self.value() in ("document", "action"):
            return queryset.filter(action__isnull=self.value() == "document")
        return queryset


class StatusAfterFilter(admin.SimpleListFilter):
    """The status an update leads to; a value both kinds share is offered once."""

    title = _("status after")
    parameter_name = "status_after"

    def lookups(self, request, model_admin):
        choices = ProgressUpdate._meta.get_field("status_after").flatchoices
        return list(dict(choices).items())

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(status_after=self.value())
        return queryset


class SignatureYearFilter(YearFilter):
    """The years in which documents were signed, newest first."""

    title = _("year of signature")
    field = "signed_on"


class DueYearFilter(YearFilter):
    """The years of the actions' current dates."""

    title = _("year due")
    field = "due_on"


class HappenedYearFilter(YearFilter):
    """The years in which the updates' events happened."""

    title = _("year")
    field = "happened_on"


class PublishedYearFilter(YearFilter):
    """The years in which sources were published."""

    title = _("year published")
    field = "published_on"


class PublisherFilter(CachedLookupsMixin, admin.SimpleListFilter):
    """The publishers with the most sources, and the one chosen; others by search."""

    title = _("publisher")
    parameter_name = "publisher"

    def compute_lookups(self, request, model_admin):
        publishers = (
            Source.objects.exclude(publisher="")
            .values("publisher")
            .annotate(sources=Count("pk"))
            .order_by("-sources", "publisher")
        )
        return [
            (row["publisher"], row["publisher"])
            for row in publishers[:PUBLISHERS_IN_FILTER]
        ]

    def chosen_lookup(self, value):
        return [(value, value)]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(publisher=self.value())
        return queryset


class BodyCountryFilter(SelectFilterMixin, CachedLookupsMixin, admin.SimpleListFilter):
    """Bodies by country; lists only countries that have bodies."""

    title = _("country")
    parameter_name = "country"

    def compute_lookups(self, request, model_admin):
        return Country.objects.filter(
            Exists(Body.objects.filter(country=OuterRef("pk")))
        ).values_list("code", "name")

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(country__code=self.value())
        return queryset


class PublishedByFilter(CachedLookupsMixin, admin.SimpleListFilter):
    """Records by who published them; lists only users who published some."""

    title = _("published by")
    parameter_name = "published_by"

    def compute_lookups(self, request, model_admin):
        published = model_admin.model.objects.filter(published_by=OuterRef("pk"))
        return [
            (str(user.pk), str(user))
            for user in get_user_model()
            .objects.filter(Exists(published))
            .order_by("username")
        ]

    def queryset(self, request, queryset):
        if self.value():
            if not self.value().isdigit():
                return queryset.none()
            return queryset.filter(published_by=self.value())
        return queryset
