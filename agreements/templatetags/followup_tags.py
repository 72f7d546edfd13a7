"""Follow-up on the public pages: ``{% load followup_tags %}``.

The markup is in ``templates/followup/`` and ``templates/includes/``; these are the
small filters those templates use, none of which runs a query.
"""

from django import template

from ..models import Action

register = template.Library()

# Tag colours say the same as the text beside them; they never carry meaning alone.
_ACTION_TAGS = {
    Action.Status.PLANNED: "tag--grey",
    Action.Status.IN_PROGRESS: "tag--blue",
    Action.Status.DONE: "tag--green",
    Action.Status.CANCELLED: "tag--grey",
    Action.Status.BLOCKED: "tag--red",
}


@register.filter
def action_status_tag(value):
    """The CSS class of an action status's tag."""
    return _ACTION_TAGS.get(value, "tag--grey")
