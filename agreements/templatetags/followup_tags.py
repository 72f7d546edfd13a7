"""Follow-up on a document's page: ``{% load followup_tags %}``, then
``{% followup_for_document document %}``."""

from django import template

from ..followup import COUNTED_STATUSES
from ..models import Action, Confidence, Document

register = template.Library()

# Tag colours say the same as the text beside them; they never carry meaning alone.
_ACTION_TAGS = {
    Action.Status.PLANNED: "tag--grey",
    Action.Status.IN_PROGRESS: "tag--blue",
    Action.Status.DONE: "tag--green",
    Action.Status.CANCELLED: "tag--grey",
    Action.Status.BLOCKED: "tag--red",
}
# An update records document statuses or action statuses in the same fields; the
# words for a shared value ("in progress") are the same in both.
_STATUS_LABELS = {
    **dict(Document.FollowUpStatus.choices),
    **dict(Action.Status.choices),
}
_CONFIDENCE_LABELS = dict(Confidence.choices)


@register.filter
def action_status_tag(value):
    return _ACTION_TAGS.get(value, "tag--grey")


@register.filter
def followup_status_label(value):
    """The words for an action status or a document follow-up status."""
    return _STATUS_LABELS.get(value, value)


@register.filter
def confidence_label(value):
    return _CONFIDENCE_LABELS.get(value, value)


@register.inclusion_tag("includes/followup_document.html")
def followup_for_document(document):
    """A published document's actions and its timeline of updates, newest first.

    Three queries whatever the number of actions and updates: the actions, their
    responsible bodies, the updates with their action and source. An unpublished
    document renders nothing.
    """
    if document is None or not document.is_published:
        return {"show": False}
    from ..followup_views import today

    day = today()
    actions = list(
        Action.objects.filter(document=document)
        .with_flags(day)
        .prefetch_related("responsible_bodies")
        .defer("focal_person", "contact_email")
    )
    updates = list(
        document.updates.select_related("action", "source").defer(
            "action__focal_person", "action__contact_email"
        )
    )
    counted = [a for a in actions if a.status in COUNTED_STATUSES]
    done = sum(1 for a in counted if a.status == Action.Status.DONE)
    for action in actions:
        if action.due_on:
            action.days_overdue = (day - action.due_on).days
            action.days_left = (action.due_on - day).days
    return {
        "show": True,
        "document": document,
        "actions": actions,
        "updates": updates,
        "actions_done": done,
        "actions_total": len(counted),
        "today": day,
    }
