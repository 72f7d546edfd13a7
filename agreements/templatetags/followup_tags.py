"""Follow-up on the public pages: ``{% load followup_tags %}``, then
``{% followup_for_document document %}`` on a document's page, and the rows of the
dashboard's tables (built in Python, as ``register_tags.document_rows``: the
dashboard lists each action under each of its bodies and partner countries)."""

from django import template
from django.db.models import F
from django.urls import reverse
from django.utils.html import linebreaks
from django.utils.safestring import mark_safe

from ..db import CompiledOnce
from ..followup.selectors import COUNTED_STATUSES
from ..labels import (
    choice_label,
    esc,
    labels_of,
    link_url,
    long_date,
    month_names,
)
from ..models import Action, DatePrecision, ProgressUpdate
from ..models.followup import action_flags
from .register_tags import day

register = template.Library()

# Tag colours say the same as the text beside them; they never carry meaning alone.
_ACTION_TAGS = {
    Action.Status.PLANNED: "tag--grey",
    Action.Status.IN_PROGRESS: "tag--blue",
    Action.Status.DONE: "tag--green",
    Action.Status.CANCELLED: "tag--grey",
    Action.Status.BLOCKED: "tag--red",
}
NOT_RECORDED = '<span class="secondary">Not recorded</span>'


@register.filter
def action_status_tag(value):
    return _ACTION_TAGS.get(value, "tag--grey")


@register.simple_tag
def action_tables(groups, show_bodies=False):
    """A table of actions for each ``(group, rows)`` of ``followup_views.grouped``,
    captioned with the group's name (a body, a partner country)."""
    responsible = '<th scope="col">Responsible</th>' if show_bodies else ""
    return mark_safe(
        "\n".join(
            '<div class="table-wrapper"><table class="table followup__actions">'
            f'<caption class="table__caption">{esc(group["name"])}</caption>'
            '<thead><tr>\n<th scope="col">Action</th><th scope="col">Document</th>'
            f'{responsible}<th scope="col">Due</th><th scope="col">Status</th>'
            f"</tr></thead><tbody>{action_rows(rows, show_bodies)}</tbody></table>"
            "\n</div>"
            for group, rows in groups
        )
    )


@register.simple_tag
def action_rows(rows, show_bodies=False):
    """The ``<tr>`` of a dashboard table of actions (``followup_views.action_rows``
    rows); ``show_bodies`` adds the responsible bodies. Built in Python: the
    dashboard lists each action under each of its bodies and countries."""
    lines = []
    for row in rows:
        cells = [
            f'<tr>\n<th scope="row"><a href="{esc(row["url"])}">{esc(row["title"])}'
            f'</a></th>\n<td><a href="{esc(row["document_url"])}">'
            f"{esc(row['document_title'])}</a></td>"
        ]
        if show_bodies:
            bodies = "; ".join(
                f'<a href="{esc(url)}">{esc(name)}</a>'
                for _pk, name, url in row["bodies"]
            )
            cells.append(f"<td>{bodies or NOT_RECORDED}</td>")
        due = row["due_on"]
        flag = ""
        if row["is_overdue"]:
            flag = '<br><strong class="tag tag--red">Overdue</strong>'
        elif row["is_due_soon"]:
            flag = '<br><strong class="tag tag--orange">Due soon</strong>'
        status = row["status"]
        cells.append(
            f'<td><time datetime="{due.isoformat()}">{long_date(due)}</time>{flag}'
            f'</td>\n<td><strong class="tag {action_status_tag(status)}">'
            f"{esc(choice_label('action_status', status, capitalised=True))}"
            "</strong></td>\n</tr>"
        )
        lines.append("\n".join(cells))
    return mark_safe("\n".join(lines))


@register.simple_tag
def event_progress_rows(events):
    """The dashboard's rows of events (``followup_views.event_rows``): actions done
    of the total, in words and as a bar."""
    lines = []
    for event in events:
        done, total = event["actions_done"], event["actions_total"]
        words = f"{done} of {total} action{'' if total == 1 else 's'} done"
        title = esc(event["title"])
        lines.append(
            f'<tr>\n<th scope="row"><a href="{esc(event["url"])}">{title}</a></th>\n'
            f"<td>{day(event['date'])}</td>\n<td>{words}<br>"
            f'<progress value="{done}" max="{total}" aria-label="{title}: {done} of '
            f'{total} actions done">{done} of {total}</progress></td>\n</tr>'
        )
    return mark_safe("\n".join(lines))


@register.simple_tag
def ending_rows(documents):
    """The dashboard's rows of documents whose validity ends soon."""
    return mark_safe(
        "\n".join(
            f'<tr>\n<th scope="row"><a href="{esc(document["url"])}">'
            f"{esc(document['title'])}</a></th>\n"
            f"<td>{day(document['valid_until'])}</td>\n"
            f"<td>{esc(document['validity_note'] or '–')}</td>\n</tr>"
            for document in documents
        )
    )


@register.simple_tag
def stale_rows(documents):
    """The dashboard's rows of quiet documents."""
    lines = []
    for document in documents:
        signature = (
            ""
            if document["last_update"]
            else ' <span class="hint">(signature; no update yet)</span>'
        )
        status = choice_label(
            "follow_up", document["follow_up_status"], capitalised=True
        )
        lines.append(
            f'<tr>\n<th scope="row"><a href="{esc(document["url"])}">'
            f"{esc(document['title'])}</a></th>\n<td>{esc(status)}</td>\n"
            f"<td>{day(document['quiet_since'])}{signature}</td>\n</tr>"
        )
    return mark_safe("\n".join(lines))


# A document's actions and updates, looked up by its id (see agreements.db); the
# flags that depend on the day are worked out in Python (action_flags), so that the
# query stays the same from one day to the next.
ACTION_ROWS = CompiledOnce(
    lambda document_id: (
        Action.objects.filter(document_id=document_id)
        .order_by(
            F("due_on").asc(nulls_last=True),
            "title",
            "id",
            "responsible_bodies__name",
            "responsible_bodies__id",
        )
        .values(
            "pk",
            "slug",
            "title",
            "clause",
            "due_on",
            "status",
            "completed_on",
            "responsible_bodies__name",
            "responsible_bodies__short_name",
            "responsible_bodies__slug",
        )
    )
)
UPDATE_ROWS = CompiledOnce(
    lambda document_id: (
        ProgressUpdate.objects.filter(document_id=document_id)
        .order_by("-happened_on", "-created_at", "-id")
        .values(
            "pk",
            "happened_on",
            "date_precision",
            "title",
            "text",
            "status_before",
            "status_after",
            "confidence",
            "action__slug",
            "action__title",
            "source__url",
            "source__publisher",
            "source__title",
        )
    )
)


@register.inclusion_tag("includes/followup_document.html")
def followup_for_document(document):
    """A published document's actions and its timeline of updates, newest first.

    Two queries whatever the number of actions and updates: the actions with their
    responsible bodies, the updates with their action and source; plain rows, not
    model instances, rendered by ``document_action_rows`` and ``timeline``. An
    unpublished document renders nothing.
    """
    if document is None or not document.is_published:
        return {"show": False}
    from ..followup.views import today

    day = today()
    # one query: the actions joined with their responsible bodies (a row a body)
    body_prefix = reverse("agreements:body-detail", kwargs={"slug": "-"})[:-2]
    actions = {}
    for row in ACTION_ROWS(document.pk):
        name = row.pop("responsible_bodies__name")
        short_name = row.pop("responsible_bodies__short_name")
        slug = row.pop("responsible_bodies__slug")
        action = actions.get(row["pk"])
        if action is None:
            action = actions[row["pk"]] = {**row, "bodies": []}
            action["is_overdue"], action["is_due_soon"] = action_flags(
                row["status"], row["due_on"], day
            )
            if row["due_on"]:
                action["days_overdue"] = (day - row["due_on"]).days
                action["days_left"] = (row["due_on"] - day).days
        if slug is not None:
            # as Body.__str__
            label = f"{name} ({short_name})" if short_name else name
            action["bodies"].append((label, f"{body_prefix}{slug}/"))
    actions = list(actions.values())
    updates = UPDATE_ROWS(document.pk)
    counted = [a for a in actions if a["status"] in COUNTED_STATUSES]
    done = sum(1 for a in counted if a["status"] == Action.Status.DONE)
    return {
        "show": True,
        "document": document,
        "actions": actions,
        "updates": updates,
        "actions_done": done,
        "actions_total": len(counted),
        "today": day,
    }


def _plural(number, word):
    return f"{number} {word}{'' if number == 1 else 's'}"


@register.simple_tag
def document_action_rows(actions):
    """The ``<tr>`` of a document's table of actions (``followup_for_document``)."""
    lines = []
    statuses = labels_of("action_status", capitalised=True)
    months = month_names()

    def time(day):
        return f'<time datetime="{day.isoformat()}">{long_date(day, months)}</time>'

    for action in actions:
        slug, title = esc(action["slug"]), esc(action["title"])
        clause = (
            f' <span class="secondary">({esc(action["clause"])})</span>'
            if action["clause"]
            else ""
        )
        bodies = "; ".join(
            f'<a href="{esc(url)}">{esc(name)}</a>' for name, url in action["bodies"]
        )
        due = action["due_on"]
        if due:
            when = time(due)
            if action["is_overdue"]:
                when += (
                    '<br><strong class="tag tag--red">Overdue</strong> '
                    f'<span class="hint">{_plural(action["days_overdue"], "day")} '
                    "late</span>"
                )
            elif action["is_due_soon"]:
                left = action["days_left"]
                soon = f"in {_plural(left, 'day')}" if left else "today"
                when += (
                    '<br><strong class="tag tag--orange">Due soon</strong> '
                    f'<span class="hint">{soon}</span>'
                )
        else:
            when = '<span class="secondary">No date set</span>'
        status = action["status"]
        completed = (
            f'<br><span class="hint">on {time(action["completed_on"])}</span>'
            if action["completed_on"]
            else ""
        )
        lines.append(
            f'<tr id="action-{slug}">\n<th scope="row">{title}{clause}</th>\n'
            f"<td>{bodies or NOT_RECORDED}</td>\n"
            f"<td>{when}</td>\n"
            f'<td><strong class="tag {action_status_tag(status)}">'
            f"{esc(statuses.get(status, status))}</strong>{completed}</td>\n</tr>"
        )
    return mark_safe("\n".join(lines))


def _paragraphs(text):
    """``|linebreaks`` of ``text`` (escaped), quicker for the usual single line."""
    if not text:
        return ""
    if "\n" in text or "\r" in text:
        return linebreaks(text, autoescape=True)
    return f"<p>{esc(text)}</p>"


def _happened_on(update, months):
    """The date as precisely as the sources give it (``happened_on_display``)."""
    happened = update["happened_on"]
    precision = update["date_precision"]
    if precision == DatePrecision.YEAR:
        return str(happened.year)
    if precision == DatePrecision.MONTH:
        return f"{months[happened.month]} {happened.year}"
    return long_date(happened, months)


@register.simple_tag
def timeline(updates):
    """The ``<li>`` of a document's timeline of updates (``followup_for_document``):
    what happened, the status before and after, and the source with its confidence.
    """
    lines = []
    statuses, confidences = labels_of("update_status"), labels_of("confidence")
    months = month_names()
    for update in updates:
        happened = update["happened_on"]
        before, after = update["status_before"], update["status_after"]
        if before != after:
            status = (
                f"Status: {esc(statuses.get(before, before))} → "
                f"<strong>{esc(statuses.get(after, after))}</strong>"
            )
        else:
            status = f"Status unchanged: {esc(statuses.get(after, after))}"
        confidence = esc(confidences.get(update["confidence"], update["confidence"]))
        if update["source__url"]:
            shown = esc(
                update["source__publisher"]
                or update["source__title"]
                or update["source__url"]
            )
            href = link_url(update["source__url"])
            if href:
                shown = f'<a href="{esc(href)}">{shown}</a>'
            source = f'<p class="hint">Source: {shown} ({confidence})</p>'
        else:
            source = f'<p class="hint">No source recorded ({confidence}).</p>'
        action = (
            f'<p class="secondary">Action: <a href="#action-'
            f'{esc(update["action__slug"])}">{esc(update["action__title"])}</a></p>'
            if update["action__slug"]
            else ""
        )
        parts = [
            f'<li class="followup__update" id="update-{update["pk"]}">',
            f'<p class="caption"><time datetime="{happened.isoformat()}">'
            f"{_happened_on(update, months)}</time></p>",
            f'<h4 class="heading-s">{esc(update["title"])}</h4>',
            action,
            _paragraphs(update["text"]),
            f"<p>{status}</p>",
            source,
            "</li>",
        ]
        lines.append("\n".join(part for part in parts if part))
    return mark_safe("\n".join(lines))
