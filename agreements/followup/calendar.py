"""The follow-up calendar (iCalendar): actions' dates and documents' validity ends."""

import datetime
import re
from collections.abc import Sequence
from urllib.parse import urlsplit

import icalendar
from django.db.models import (
    Q,
    QuerySet,
)
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..models import (
    Action,
    DateKind,
    Document,
    DuePrecision,
)
from .selectors import (
    default_today,
    filter_documents,
    with_party_from,
)

CALENDAR_NAME = gettext_lazy("Register of signed bilateral documents: follow-up")
PRODID = "-//Register of signed bilateral documents//Follow-up calendar//EN"


def build_calendar(
    *,
    base_url: str,
    actions: QuerySet[Action] | None = None,
    documents: QuerySet[Document] | None = None,
    country_codes: Sequence[str] = (),
    body_slugs: Sequence[str] = (),
    name: str = CALENDAR_NAME,
    limit: int | None = None,
    today: datetime.date | None = None,
) -> bytes:
    """An iCalendar (RFC 5545) feed of the published documents' dates to watch.

    One all-day event per open action's due date, per entry into force and per end
    (``ended_on``, or else the expected ``valid_until``). Filtered like the list: a
    party from each country in ``country_codes``; each body in ``body_slugs`` a
    party or responsible for the action (for a document: for one of its actions).
    UIDs are built from slugs, so they survive a reload of the database, and DTSTAMP
    is the record's last change, so the same data gives the same bytes. Three queries
    whatever the number of events.

    With ``limit``, only the ``limit`` dates nearest ``today`` (the past and the
    future alike; a register of 100,000 documents has some 150,000 dates, more than
    a calendar application takes in a feed). Fifteen queries then, whatever the size
    of the register: the nearest dates before and after ``today`` of each kind (an
    index walked from ``today`` in each direction), then the chosen records.
    """
    actions = Action.objects.all() if actions is None else actions
    documents = Document.objects.all() if documents is None else documents
    actions = with_party_from(
        actions.published().open().filter(due_on__isnull=False),
        country_codes,
        document="document_id",
    ).involving_bodies(body_slugs)
    documents = filter_documents(
        documents.published().filter(
            Q(entered_into_force_on__isnull=False)
            | Q(ended_on__isnull=False)
            | Q(valid_until__isnull=False)
        ),
        country_codes=country_codes,
        body_slugs=body_slugs,
    ).prefetch_related(None)
    force = end = None  # the documents whose dates are wanted (None: all of them)
    if limit is not None:
        chosen = _nearest_dates(
            actions, documents, limit=limit, today=default_today(today)
        )
        # found through the filters already: fetched by id alone
        actions = Action.objects.filter(pk__in=chosen["due"])
        force, end = set(chosen["force"]), set(chosen["end"])
        documents = Document.objects.filter(pk__in=force | end)
    actions = actions.select_related("document").prefetch_related("responsible_bodies")

    base_url = base_url.rstrip("/")
    domain = urlsplit(base_url).hostname or "register.invalid"
    words = {
        "document": _("Document: %(title)s"),
        "status": _("Status: %(status)s"),
        "responsible": _("Responsible: %(bodies)s"),
        "clause": _("Clause: %(clause)s"),
        "due": _("Due: %(title)s"),
        "planned": _("Planned: %(title)s"),
        "expected": _("Expected (forecast): %(title)s"),
        "unknown kind": _("Date (kind not recorded): %(title)s"),
        "deadline": _("deadline"),
        "plan": _("plan"),
        "forecast": _("forecast"),
        "date": _("date"),
        "period": _("Date given to the %(precision)s: %(when)s"),
        "forecast passed": _(
            "The forecast date has passed with no newer date recorded; this is not a "
            "missed deadline."
        ),
        "legal_status": _("Legal status: %(status)s"),
        "force": _("Entry into force: %(title)s"),
        "entry into force": _("entry into force"),
        "ended": _("End: %(title)s"),
        "valid_until": _("Validity ends: %(title)s"),
        "end": _("end"),
    }
    day = default_today(today)
    events = []  # (day, uid, properties)
    for action in actions:
        document = action.document
        bodies = "; ".join(str(body) for body in action.responsible_bodies.all())
        description = [
            words["document"] % {"title": document.title},
            words["status"] % {"status": action.get_status_display()},
        ]
        if bodies:
            description.append(words["responsible"] % {"bodies": bodies})
        if action.clause:
            description.append(words["clause"] % {"clause": action.clause})
        if action.due_precision != DuePrecision.DAY:
            description.append(
                words["period"]
                % {
                    "precision": action.get_due_precision_display(),
                    "when": action.due_display,
                }
            )
        summary, category = _KIND_WORDS.get(action.due_kind, _KIND_WORDS[""])
        if action.due_kind == DateKind.FORECAST and action.due_on < day:
            description.append(words["forecast passed"])
        uid = f"{document.slug}.{action.slug}.due@{domain}"
        events.append(
            (
                action.due_on,
                uid,
                {
                    "summary": words[summary] % {"title": action.title},
                    "description": "\n".join(description),
                    "url": base_url + action.get_absolute_url(),
                    "category": words[category],
                    "changed": action.updated_at,
                },
            )
        )
    for document in documents:
        url = base_url + document.get_absolute_url()
        legal_status = words["legal_status"] % {
            "status": document.get_legal_status_display()
        }
        if document.entered_into_force_on and (force is None or document.pk in force):
            events.append(
                (
                    document.entered_into_force_on,
                    f"{document.slug}.entry-into-force@{domain}",
                    {
                        "summary": words["force"] % {"title": document.title},
                        "description": legal_status,
                        "url": url,
                        "category": words["entry into force"],
                        "changed": document.updated_at,
                    },
                )
            )
        if (document.ended_on or document.valid_until) and (
            end is None or document.pk in end
        ):
            if document.ended_on:
                day, summary = document.ended_on, words["ended"]
            else:
                day, summary = document.valid_until, words["valid_until"]
            events.append(
                (
                    day,
                    f"{document.slug}.end@{domain}",
                    {
                        "summary": summary % {"title": document.title},
                        "description": "\n".join(
                            filter(None, [legal_status, document.validity_note])
                        ),
                        "url": url,
                        "category": words["end"],
                        "changed": document.updated_at,
                    },
                )
            )

    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", str(name))
    for day, uid, properties in sorted(events, key=lambda event: event[:2]):
        calendar.add_component(_calendar_event(uid=uid, day=day, **properties))
    return calendar.to_ical()


#: An action's date in the calendar, by its kind: the summary and the category.
#: Only a deadline reads "Due:"; a forecast is never exported as one.
_KIND_WORDS = {
    DateKind.DEADLINE: ("due", "deadline"),
    DateKind.PLAN: ("planned", "plan"),
    DateKind.FORECAST: ("expected", "forecast"),
    "": ("unknown kind", "date"),
}


def _nearest_dates(actions, documents, *, limit, today):
    """The ids of the records of the ``limit`` dates nearest ``today``, by kind:
    ``{"due": action ids, "force": document ids, "end": document ids}``.

    Each kind of date gives its ``limit`` nearest on each side of ``today`` (the
    database walks an index from ``today`` in each direction and stops there), and
    the nearest ``limit`` of those are kept; ties go to the earlier date.
    """
    sources = (
        # one status at a time: each walks its part of the (status, due_on) index
        *(
            ("due", actions.filter(status=status), "due_on")
            for status in Action.OPEN_STATUSES
        ),
        ("force", documents, "entered_into_force_on"),
        ("end", documents, "ended_on"),
        # sorted by ended_on (null in all of them) too: PostgreSQL then walks the
        # (ended_on, valid_until) index in order and stops, instead of reading every
        # document with a validity and sorting it (it does not take "is null" as
        # fixing the index's first column)
        ("end", documents.filter(ended_on__isnull=True), "valid_until", "ended_on"),
    )
    candidates = []
    for kind, queryset, field, *leading in sources:
        for lookup, descending in (("gte", ""), ("lt", "-")):
            order = [f"{descending}{column}" for column in (*leading, field)]
            rows = (
                queryset.filter(**{f"{field}__{lookup}": today})
                .order_by(*order, "pk")
                .values_list(field, "pk")[:limit]
            )
            candidates.extend(
                (abs((day - today).days), day, kind, pk) for day, pk in rows
            )
    chosen = {"due": [], "force": [], "end": []}
    for _distance, _day, kind, pk in sorted(candidates)[:limit]:
        chosen[kind].append(pk)
    return chosen


#: What an iCalendar text value cannot hold (RFC 5545, 3.3.11: no control character
#: but the tab; line breaks are written as "\\n" by the icalendar package, which
#: passes the others through, a lone carriage return included).
_NOT_IN_TEXT = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def _ical_text(value):
    """``value`` fit for an iCalendar text property: its line breaks kept (as
    ``\\n``), every other control character left out."""
    return _NOT_IN_TEXT.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))


def _calendar_event(*, uid, day, summary, description, url, category, changed):
    summary, description = _ical_text(summary), _ical_text(description)
    category = _ical_text(category)
    event = icalendar.Event()
    event.add("uid", uid)
    event.add("dtstamp", changed.astimezone(datetime.UTC))
    event.add("last-modified", changed.astimezone(datetime.UTC))
    event.add("dtstart", day)
    event.add("dtend", day + datetime.timedelta(days=1))
    event.add("summary", summary)
    if description:
        event.add("description", description)
    event.add("url", url)
    event.add("categories", [category])
    event.add("transp", "TRANSPARENT")
    return event
