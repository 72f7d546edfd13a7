"""The public follow-up pages: the dashboard and the iCalendar feed.

Only published documents' actions and updates appear, and never the staff-only
fields (focal person, contact e-mail). Each page issues the same number of queries
whatever the size of the register.

The dashboard's lists are aggregates over the whole register (what is overdue among
300,000 actions, which documents have gone quiet): they are computed as plain rows,
capped (``LIST_LIMIT``, with a count of the rest), and cached until the register
changes or the day does (``agreements.aggregates``); each request then only groups
and renders them.
"""

import datetime
import re
from collections import defaultdict

from django.db.models import Count, Exists, F, OuterRef, Q
from django.http import HttpResponse, HttpResponseBadRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from django.views.generic import TemplateView

from ..aggregates import cached_aggregate
from ..models import Action, Document, Event, Party
from ..models.followup import DUE_SOON_DAYS
from .calendar import build_calendar
from .selectors import COUNTED_STATUSES, STALE_AFTER_DAYS, stale_documents

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
#: register's deadlines, and all of a small one's (each costs the icalendar package
#: some 0.3 ms to write).
CALENDAR_LIMIT = 500

_COUNTRY_CODE = re.compile(r"[A-Za-z]{2}")
_SLUG = re.compile(r"[-a-zA-Z0-9_]{1,120}")


def today():
    """The day the pages are computed for; tests monkeypatch this function."""
    return timezone.localdate()


def _crumbs(*trail):
    return [(_("Home"), reverse("agreements:home")), *trail]


def _document_prefix():
    """``/agreements/``: a document's address is this and its slug (one reverse())."""
    return reverse("agreements:document-detail", kwargs={"slug": "-"})[:-2]


def action_rows(actions, *, limit):
    """The first ``limit`` of ``actions`` (published, ordered) as plain rows, with
    their total: what a dashboard list shows, in four queries however many.

    Each row: ``title``, ``url``, ``document_title``, ``document_url``, ``due_on``,
    ``status``, ``is_overdue``, ``is_due_soon``, ``bodies`` (responsible, each
    ``(pk, name, url)``) and ``countries`` (of its document's parties, each
    ``(pk, code, name)``).
    """
    total = actions.count()
    if not total:
        return {"rows": [], "total": 0}
    rows = list(
        actions.values(
            "pk",
            "title",
            "slug",
            "due_on",
            "status",
            "is_overdue",
            "is_due_soon",
            "document_id",
            document_title=F("document__title"),
            document_slug=F("document__slug"),
        )[:limit]
    )
    body_prefix = reverse("agreements:body-detail", kwargs={"slug": "-"})[:-2]
    bodies = defaultdict(list)
    for action_id, pk, name, short_name, slug in (
        Action.responsible_bodies.through.objects.filter(
            action_id__in=[row["pk"] for row in rows]
        )
        .order_by("body__name", "body_id")
        .values_list(
            "action_id", "body_id", "body__name", "body__short_name", "body__slug"
        )
    ):
        # as Body.__str__
        label = f"{name} ({short_name})" if short_name else name
        bodies[action_id].append((pk, label, f"{body_prefix}{slug}/"))
    countries = defaultdict(dict)
    for document_id, pk, code, name in (
        Party.objects.filter(document_id__in={row["document_id"] for row in rows})
        .order_by("body__country__name", "body__country_id")
        .values_list(
            "document_id",
            "body__country_id",
            "body__country__code",
            "body__country__name",
        )
    ):
        countries[document_id][pk] = (pk, code, name)
    prefix = _document_prefix()
    for row in rows:
        document_url = f"{prefix}{row.pop('document_slug')}/"
        row.update(
            url=f"{document_url}#action-{row.pop('slug')}",
            document_url=document_url,
            bodies=bodies[row["pk"]],
            countries=list(countries[row.pop("document_id")].values()),
        )
    return {"rows": rows, "total": total}


def grouped(listed):
    """A cached ``action_rows`` list, grouped for the page: every action under each
    of its responsible bodies and each partner country (sorted by name)."""
    rows = listed["rows"]
    by_body, by_country, bodies, countries = (
        defaultdict(list),
        defaultdict(list),
        {},
        {},
    )
    for row in rows:
        for pk, name, url in row["bodies"]:
            bodies[pk] = {"pk": pk, "name": name, "url": url}
            by_body[pk].append(row)
        for pk, code, name in row["countries"]:
            countries[pk] = {"pk": pk, "code": code, "name": name}
            by_country[pk].append(row)
    return {
        "actions": rows,
        "total": listed["total"],
        "more": listed["total"] - len(rows),
        "by_body": [
            (bodies[pk], by_body[pk])
            for pk in sorted(by_body, key=lambda pk: (bodies[pk]["name"], pk))
        ],
        "by_country": [
            (countries[pk], by_country[pk])
            for pk in sorted(by_country, key=lambda pk: (countries[pk]["name"], pk))
        ],
    }


def event_rows(limit):
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
        .values("pk", "title", "slug", "date")[:limit]
    )
    # counted per document, from the events' documents (their event index) to their
    # actions, and summed per event here: SQLite would otherwise read every action
    counts = defaultdict(lambda: {"total": 0, "done": 0})
    for event_id, total, done in (
        Document.objects.filter(
            event_id__in=[event["pk"] for event in events], is_published=True
        )
        .order_by()
        .values("pk")
        .annotate(
            total=Count("actions", filter=Q(actions__status__in=COUNTED_STATUSES)),
            done=Count("actions", filter=Q(actions__status=Action.Status.DONE)),
        )
        .values_list("event_id", "total", "done")
    ):
        counts[event_id]["total"] += total
        counts[event_id]["done"] += done
    prefix = reverse("agreements:event-detail", kwargs={"slug": "-"})[:-2]
    for event in events:
        found = counts.get(event["pk"], {})
        event.update(
            url=f"{prefix}{event.pop('slug')}/",
            actions_total=found.get("total", 0),
            actions_done=found.get("done", 0),
        )
    return events


def document_rows(documents, fields, *, limit):
    """The first ``limit`` of ``documents`` as plain rows (``title``, ``url`` and
    ``fields``), with their total."""
    total = documents.count()
    rows = list(documents.values("title", "slug", *fields)[:limit]) if total else []
    prefix = _document_prefix()
    for row in rows:
        row["url"] = f"{prefix}{row.pop('slug')}/"
    return {"rows": rows, "total": total, "more": total - len(rows)}


def dashboard_data(day, *, limit=LIST_LIMIT):
    """Everything the dashboard lists on ``day``, as plain rows (cacheable)."""
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
        "overdue": action_rows(actions.overdue(day), limit=limit),
        "due_soon": action_rows(actions.due_soon(day), limit=limit),
        "events": event_rows(EVENT_LIMIT),
        "ending": document_rows(
            ending, ["valid_until", "validity_note"], limit=DOCUMENT_LIMIT
        ),
        "stale": document_rows(
            stale,
            ["follow_up_status", "quiet_since", "last_update"],
            limit=DOCUMENT_LIMIT,
        ),
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
        data = cached_aggregate(
            self.request,
            f"follow-up-dashboard:{day.isoformat()}:{limit}",
            lambda: dashboard_data(day, limit=limit),
        )
        context.update(
            today=day,
            due_soon_days=DUE_SOON_DAYS,
            ending_within_days=ENDING_WITHIN_DAYS,
            stale_after_days=STALE_AFTER_DAYS,
            overdue=grouped(data["overdue"]),
            due_soon=grouped(data["due_soon"]),
            events=data["events"],
            ending=data["ending"],
            stale=data["stale"],
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
    the list; well-formed but unknown codes and slugs give an empty calendar. The
    ``CALENDAR_LIMIT`` dates nearest today, when there are more."""
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
        limit=CALENDAR_LIMIT,
        today=today(),
    )
    response = HttpResponse(data, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="register-follow-up.ics"'
    return response
