"""The public follow-up pages: the dashboard and the iCalendar feed.

Only published documents' actions and updates appear, and never the staff-only
fields (focal person, contact e-mail). Each page issues the same number of queries
whatever the size of the register.

The dashboard's lists are aggregates over the whole register (what is overdue, which
documents have gone quiet): they are capped (``LIST_LIMIT``, with a count of the
rest) and cached, as model instances with their related rows, until the register
changes or the day does (``agreements.aggregates``); each request then only groups
and renders them.
"""

import datetime
import re
from collections import defaultdict

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Prefetch, Q
from django.http import HttpResponse, HttpResponseBadRequest
from django.utils import timezone
from django.utils.translation import get_language, override
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from django.views.generic import TemplateView

from ..models import Action, Document, Event, Party
from ..models.followup import DUE_SOON_DAYS
from ..security import rate_limited
from ..views import RegisterMixin, crumbs
from .calendar import build_calendar
from .selectors import (
    COUNTED_STATUSES,
    STALE_AFTER_DAYS,
    responsible_bodies,
    stale_documents,
)

#: Actions a dashboard list shows at most; the rest are counted ("and N more").
LIST_LIMIT = 25
#: Documents the "ending" and "stale" lists show at most.
DOCUMENT_LIMIT = 25
#: A document whose validity ends within this many days is listed as ending.
ENDING_WITHIN_DAYS = 180
#: Events with actions shown on the dashboard, newest first.
EVENT_LIMIT = 25
#: The calendar accepts this many ``?country=`` and ``?body=`` values each.
CALENDAR_MAX_PARAMS = 10
#: The calendar holds the dates nearest today, this many at most: months of a large
#: register's deadlines, and all of a small one's.
CALENDAR_LIMIT = 500

_COUNTRY_CODE = re.compile(r"[A-Za-z]{2}")
_SLUG = re.compile(r"[-a-zA-Z0-9_]{1,120}")


def today():
    """The day the pages are computed for; tests monkeypatch this function."""
    return timezone.localdate()


def action_list(actions, *, limit):
    """The first ``limit`` of ``actions`` (published, flagged, ordered) with what a
    dashboard table shows, and their total: four queries however many.

    Each action carries its document, ``responsible`` (its bodies, by name) and its
    document's ``parties_by_country`` (with their bodies' countries, by name).
    """
    total = actions.count()
    if not total:
        return {"actions": [], "total": 0}
    parties = (
        Party.objects.select_related("body__country")
        .order_by("body__country__name", "body__country_id")
        .only("document", "body", "body__country__code", "body__country__name")
    )
    listed = list(
        actions.select_related("document")
        .only(
            "slug",
            "title",
            "due_on",
            "due_kind",
            "due_precision",
            "status",
            "document__title",
            "document__slug",
        )
        .prefetch_related(
            responsible_bodies(),
            Prefetch("document__parties", parties, to_attr="parties_by_country"),
        )[:limit]
    )
    return {"actions": listed, "total": total}


def grouped(listed):
    """A cached ``action_list``, grouped for the page: every action under each of its
    responsible bodies and each partner country (sorted by name)."""
    actions = listed["actions"]
    bodies, countries = {}, {}
    by_body, by_country = defaultdict(list), defaultdict(list)
    for action in actions:
        for body in action.responsible:
            bodies[body.pk] = body
            by_body[body.pk].append(action)
        for country in {
            party.body.country.pk: party.body.country
            for party in action.document.parties_by_country
        }.values():
            countries[country.pk] = country
            by_country[country.pk].append(action)
    return {
        "actions": actions,
        "total": listed["total"],
        "more": listed["total"] - len(actions),
        "by_body": [
            (bodies[pk], by_body[pk])
            for pk in sorted(by_body, key=lambda pk: (str(bodies[pk]), pk))
        ],
        "by_country": [
            (countries[pk], by_country[pk])
            for pk in sorted(by_country, key=lambda pk: (countries[pk].name, pk))
        ],
    }


def event_list(limit):
    """The ``limit`` newest published events with actions of their published
    documents, each with ``actions_done`` of ``actions_total`` (cancelled ones left
    out). Two queries: the events (walking them newest first, each tested for
    actions), then the counts for those alone."""
    with_actions = Action.objects.filter(
        document__event_id=OuterRef("pk"),
        document__is_published=True,
        status__in=COUNTED_STATUSES,
    )
    events = list(
        Event.objects.published()
        .filter(Exists(with_actions))
        .order_by("-date", "title", "id")
        .only("title", "slug", "date")[:limit]
    )
    # counted per document, from the events' documents (their event index) to their
    # actions, and summed per event here: SQLite would otherwise read every action
    totals, done = defaultdict(int), defaultdict(int)
    for event_id, document_total, document_done in (
        Document.objects.filter(
            event_id__in=[event.pk for event in events], is_published=True
        )
        .order_by()
        .values("pk")
        .annotate(
            total=Count("actions", filter=Q(actions__status__in=COUNTED_STATUSES)),
            done=Count("actions", filter=Q(actions__status=Action.Status.DONE)),
        )
        .values_list("event_id", "total", "done")
    ):
        totals[event_id] += document_total
        done[event_id] += document_done
    for event in events:
        event.actions_total = totals[event.pk]
        event.actions_done = done[event.pk]
    return events


def document_list(documents, fields, *, limit):
    """The first ``limit`` of ``documents`` (with their ``title``, ``slug`` and
    ``fields``), their total and how many more there are."""
    total = documents.count()
    listed = list(documents.only("title", "slug", *fields)[:limit]) if total else []
    return {"documents": listed, "total": total, "more": total - len(listed)}


def dashboard_data(day, *, limit=LIST_LIMIT):
    """Everything the dashboard lists on ``day`` (cacheable: model instances whose
    related rows are already read)."""
    actions = (
        Action.objects.published().with_flags(day).order_by("due_on", "title", "id")
    )
    documents = Document.objects.published()
    ending = documents.filter(
        ended_on__isnull=True,
        valid_until__gte=day,
        valid_until__lte=day + datetime.timedelta(days=ENDING_WITHIN_DAYS),
    ).order_by("valid_until", "title", "id")
    stale = stale_documents(documents, today=day).order_by("quiet_since", "title", "id")
    return {
        "overdue": action_list(actions.overdue(day), limit=limit),
        "forecast_passed": action_list(actions.forecast_passed(day), limit=limit),
        "due_soon": action_list(actions.due_soon(day), limit=limit),
        "events": event_list(EVENT_LIMIT),
        "ending": document_list(
            ending, ["valid_until", "validity_note"], limit=DOCUMENT_LIMIT
        ),
        "stale": document_list(stale, ["follow_up_status"], limit=DOCUMENT_LIMIT),
    }


class FollowUpDashboardView(RegisterMixin, TemplateView):
    """What is overdue (deadlines and plans), which forecasts have passed, what is
    due soon, how each event's package is going, which
    documents' validity ends soon and which have gone quiet."""

    template_name = "followup/dashboard.html"
    list_limit = LIST_LIMIT

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        day = today()
        limit = self.list_limit
        data = self.cached(
            f"follow-up-dashboard:{day.isoformat()}:{limit}",
            lambda: dashboard_data(day, limit=limit),
        )
        context.update(
            today=day,
            due_soon_days=DUE_SOON_DAYS,
            ending_within_days=ENDING_WITHIN_DAYS,
            stale_after_days=STALE_AFTER_DAYS,
            overdue=grouped(data["overdue"]),
            forecast_passed=grouped(data["forecast_passed"]),
            due_soon=grouped(data["due_soon"]),
            events=data["events"],
            ending=data["ending"],
            stale=data["stale"],
            breadcrumbs=crumbs((_("Follow-up"), None)),
        )
        return context


class BadFilter(ValueError):
    """A calendar filter that no code or slug could match; its message says why."""


def _calendar_params(request):
    """The ``?country=`` codes and ``?body=`` slugs; ``BadFilter`` if malformed."""
    codes = request.GET.getlist("country")
    slugs = request.GET.getlist("body")
    if len(codes) > CALENDAR_MAX_PARAMS or len(slugs) > CALENDAR_MAX_PARAMS:
        raise BadFilter(
            _("Give at most %(n)d countries and %(n)d bodies.")
            % {"n": CALENDAR_MAX_PARAMS}
        )
    # NUL bytes and the like would reach the database (PostgreSQL refuses them)
    if not all(_COUNTRY_CODE.fullmatch(code) for code in codes):
        raise BadFilter(_("?country= takes a two-letter country code, such as KZ."))
    if not all(_SLUG.fullmatch(slug) for slug in slugs):
        raise BadFilter(
            _(
                "?body= takes a body's address name (its slug), such as "
                "ministry-of-foreign-affairs."
            )
        )
    return codes, slugs


def _calendar_language(request):
    """``?lang=``: one of the register's languages (default: the address's)."""
    language = request.GET.get("lang")
    if not language:
        return get_language()
    codes = [code for code, _name in settings.LANGUAGES]
    if language.lower() not in codes:
        raise BadFilter(
            _("?lang= takes one of: %(codes)s.") % {"codes": ", ".join(codes)}
        )
    return language.lower()


@require_GET
@rate_limited("calendar")
def calendar(request):
    """The published documents' dates to watch as an iCalendar feed, filtered like
    the list; well-formed but unknown codes and slugs give an empty calendar. The
    ``CALENDAR_LIMIT`` dates nearest today, when there are more."""
    try:
        codes, slugs = _calendar_params(request)
        language = _calendar_language(request)
    except BadFilter as error:
        return HttpResponseBadRequest(
            str(error), content_type="text/plain; charset=utf-8"
        )
    with override(language):
        data = build_calendar(
            base_url=request.build_absolute_uri("/"),
            country_codes=codes,
            body_slugs=slugs,
            limit=CALENDAR_LIMIT,
            today=today(),
        )
    response = HttpResponse(data, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="register-follow-up.ics"'
    return response
