"""Reminder digests for ``send_followup_reminders``: one per address, with its
overdue and due-soon actions, and its actions whose forecast date has passed
(worded as such: a forecast that did not come true is not a missed deadline)."""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, override

from ..models import (
    Action,
    DateKind,
)
from ..models.followup import DUE_SOON_DAYS
from .selectors import (
    default_today,
)


@dataclass(frozen=True)
class Reminder:
    """One digest for one address: its overdue, due-soon and passed-forecast
    actions."""

    recipient: str
    subject: str
    body: str
    overdue: tuple[Action, ...]
    due_soon: tuple[Action, ...]
    forecast_passed: tuple[Action, ...] = ()


def build_reminders(
    *,
    today: datetime.date | None = None,
    base_url: str = "",
    staff_email: str | None = None,
    staff_language: str | None = None,
    days: int = DUE_SOON_DAYS,
) -> list[Reminder]:
    """The digests to send on ``today``: one per contact address of the published
    documents' overdue or due-soon actions, listing those actions, and one to
    ``staff_email`` listing them all (it replaces the contact digest when the
    staff address is also a contact address). Two queries whatever the number."""
    today = default_today(today)
    actions = list(
        Action.objects.published()
        .open()
        .filter(due_on__lte=today + datetime.timedelta(days=days))
        .with_flags(today, days)
        .select_related("document")
        .prefetch_related("responsible_bodies")
        .order_by("due_on", "title", "id")
    )
    by_recipient = defaultdict(list)
    languages = {}
    for action in actions:
        if action.contact_email:
            recipient = action.contact_email.strip().lower()
            by_recipient[recipient].append(action)
            # the language of the contact's first action, soonest first
            languages.setdefault(recipient, action.contact_language)
    staff_email = (staff_email or "").strip().lower()
    if staff_email and actions:
        by_recipient[staff_email] = actions
        languages[staff_email] = staff_language or settings.LANGUAGE_CODE
    digests = []
    for recipient, listed in sorted(by_recipient.items()):
        # each digest in its recipient's language, dates and numbers included
        with override(languages.get(recipient) or settings.LANGUAGE_CODE):
            digests.append(
                _digest(
                    recipient,
                    listed,
                    today=today,
                    base_url=base_url,
                    days=days,
                    for_staff=recipient == staff_email,
                )
            )
    return digests


def _digest(recipient, actions, *, today, base_url, days, for_staff):
    overdue = tuple(a for a in actions if a.is_overdue)
    due_soon = tuple(a for a in actions if a.is_due_soon)
    forecast_passed = tuple(a for a in actions if a.is_forecast_passed)
    subject = _("Follow-up: %(overdue)d overdue, %(soon)d due within %(days)d days") % {
        "overdue": len(overdue),
        "soon": len(due_soon),
        "days": days,
    }
    if forecast_passed:
        subject += ngettext(
            ", %(count)d forecast date passed",
            ", %(count)d forecast dates passed",
            len(forecast_passed),
        ) % {"count": len(forecast_passed)}
    if for_staff:
        subject += _(" (all bodies)")
    lines = [
        _("Follow-up of the register of signed bilateral documents, %(day)s.")
        % {"day": date_format(today, "DATE_FORMAT")},
        "",
    ]
    sections = [
        (_("Overdue: deadlines and plans passed"), overdue),
        (_("Due within %(days)d days") % {"days": days}, due_soon),
    ]
    if forecast_passed:
        sections.append(
            (
                _(
                    "Forecast dates passed, with no newer date recorded (not "
                    "overdue: please record the latest statement)"
                ),
                forecast_passed,
            )
        )
    for heading, listed in sections:
        lines.append(f"{heading} ({len(listed)})")
        if not listed:
            lines.append(_("- none"))
        for action in listed:
            lines.extend(
                _digest_entry(
                    action, today=today, base_url=base_url, for_staff=for_staff
                )
            )
        lines.append("")
    lines.append(
        _(
            "Please record what has happened in the register, with its date and "
            "source: actions done or cancelled are no longer reminded."
        )
    )
    return Reminder(
        recipient, subject, "\n".join(lines), overdue, due_soon, forecast_passed
    )


_DUE_WORDS = {
    DateKind.DEADLINE: gettext_lazy("due by %(when)s"),
    DateKind.PLAN: gettext_lazy("planned for %(when)s"),
    DateKind.FORECAST: gettext_lazy("expected by %(when)s (forecast)"),
    "": gettext_lazy("%(when)s (kind of date not recorded)"),
}


def _digest_entry(action, *, today, base_url, for_staff):
    bodies = "; ".join(str(body) for body in action.responsible_bodies.all())
    due = _DUE_WORDS.get(action.due_kind, _DUE_WORDS[""]) % {"when": action.due_display}
    if action.is_overdue:
        late = (today - action.due_on).days
        if action.due_kind == DateKind.PLAN:
            late_words = ngettext(
                "(%(days)d day behind plan)", "(%(days)d days behind plan)", late
            )
        else:
            late_words = ngettext(
                "(%(days)d day overdue)", "(%(days)d days overdue)", late
            )
        due += " " + late_words % {"days": late}
    elif action.is_forecast_passed:
        due += " " + _("(forecast date passed)")
    entry = [
        f"- {due}: {action.title}",
        "  " + _("Document: %(title)s") % {"title": action.document.title},
        "  " + _("Responsible: %(bodies)s") % {"bodies": bodies or _("not recorded")},
        "  " + _("Status: %(status)s") % {"status": action.get_status_display()},
    ]
    if for_staff:
        contact = action.contact_email or _("none (only staff are reminded)")
        entry.append("  " + _("Contact: %(contact)s") % {"contact": contact})
    entry.append(f"  {base_url.rstrip('/')}{action.get_absolute_url()}")
    return entry
