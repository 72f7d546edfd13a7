"""The public follow-up pages: the dashboard and the iCalendar feed.

Only published documents' actions and updates appear, and never the staff-only
fields (focal person, contact e-mail). Each page issues the same number of queries
whatever the size of the register: lists are capped (``LIST_LIMIT``) with a count of
the rest, and grouped in Python over the capped, prefetched rows.
"""

import datetime
import re
from collections import defaultdict

from django.db.models import Prefetch
from django.http import HttpResponse, HttpResponseBadRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from django.views.generic import TemplateView

from .followup import STALE_AFTER_DAYS, build_calendar, event_progress, stale_documents
from .models import Action, Document, Event, Party
from .models.followup import DUE_SOON_DAYS

#: Rows a dashboard list shows at most; the rest are counted ("and N more").
LIST_LIMIT = 200
#: A document whose validity ends within this many days is listed as ending.
ENDING_WITHIN_DAYS = 180
#: Events with actions shown on the dashboard, newest first.
EVENT_LIMIT = 50
#: The calendar accepts this many ``?country=`` and ``?body=`` values each.
CALENDAR_MAX_PARAMS = 10

_COUNTRY_CODE = re.compile(r"[A-Za-z]{2}")
_SLUG = re.compile(r"[-a-zA-Z0-9_]{1,120}")


def today():
    """The day the pages are computed for; tests monkeypatch this function."""
    return timezone.localdate()


def _crumbs(*trail):
    return [(_("Home"), reverse("agreements:home")), *trail]


def _public_actions():
    """Published actions with what a row shows, in two extra queries however many."""
    return (
        Action.objects.published()
        .select_related("document")
        .prefetch_related(
            "responsible_bodies",
            Prefetch(
                "document__parties",
                queryset=Party.objects.select_related("body__country"),
            ),
        )
        .defer(
            "focal_person",
            "contact_email",
            "description",
            "document__summary",
            "document__search_text",
            "document__search_vector",
        )
        .order_by("due_on", "title", "id")
    )


def action_list(queryset, *, limit):
    """The first ``limit`` actions, grouped by responsible body and by the partner
    countries of their document (an action appears under each of its bodies and
    countries), with the count of those left out."""
    total = queryset.count()
    actions = list(queryset[:limit]) if total else []
    by_body, by_country = defaultdict(list), defaultdict(list)
    bodies, countries = {}, {}
    for action in actions:
        for body in action.responsible_bodies.all():
            bodies[body.pk] = body
            by_body[body.pk].append(action)
        seen = set()
        for party in action.document.parties.all():
            country = party.body.country
            if country.pk in seen:
                continue
            seen.add(country.pk)
            countries[country.pk] = country
            by_country[country.pk].append(action)
    return {
        "actions": actions,
        "total": total,
        "more": total - len(actions),
        "by_body": [
            (bodies[pk], rows)
            for pk, rows in sorted(
                by_body.items(), key=lambda item: (bodies[item[0]].name, item[0])
            )
        ],
        "by_country": [
            (countries[pk], rows)
            for pk, rows in sorted(
                by_country.items(),
                key=lambda item: (countries[item[0]].name, item[0]),
            )
        ],
    }


class FollowUpDashboardView(TemplateView):
    """What is overdue, what is due soon, how each event's package is going, which
    documents' validity ends soon and which have gone quiet."""

    template_name = "followup/dashboard.html"
    list_limit = LIST_LIMIT

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        day = today()
        limit = self.list_limit
        actions = _public_actions().with_flags(day)
        documents = Document.objects.published().defer(
            "summary", "search_text", "search_vector"
        )
        ending = documents.filter(
            ended_on__isnull=True,
            valid_until__gte=day,
            valid_until__lte=day + datetime.timedelta(days=ENDING_WITHIN_DAYS),
        ).order_by("valid_until", "title", "id")
        stale = stale_documents(documents, today=day).order_by(
            "quiet_since", "title", "id"
        )
        events = (
            event_progress(Event.objects.published())
            .filter(actions_total__gt=0)
            .order_by("-date", "title", "id")
        )
        context.update(
            today=day,
            due_soon_days=DUE_SOON_DAYS,
            ending_within_days=ENDING_WITHIN_DAYS,
            stale_after_days=STALE_AFTER_DAYS,
            overdue=action_list(actions.overdue(day), limit=limit),
            due_soon=action_list(actions.due_soon(day), limit=limit),
            events=list(events[:EVENT_LIMIT]),
            ending=list(ending[:limit]),
            stale=list(stale[:limit]),
            breadcrumbs=_crumbs((_("Follow-up"), None)),
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


@require_GET
def calendar(request):
    """The published documents' dates to watch as an iCalendar feed, filtered like
    the list; well-formed but unknown codes and slugs give an empty calendar."""
    try:
        codes, slugs = _calendar_params(request)
    except BadFilter as error:
        return HttpResponseBadRequest(
            str(error), content_type="text/plain; charset=utf-8"
        )
    data = build_calendar(
        base_url=request.build_absolute_uri("/"),
        country_codes=codes,
        body_slugs=slugs,
    )
    response = HttpResponse(data, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="register-follow-up.ics"'
    return response
