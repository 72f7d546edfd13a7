"""A document's follow-up on its change form, as compact tables.

A document may have dozens of actions and hundreds of progress updates. As editable
inlines, each action is a row of widgets (an autocomplete, a many-to-many select, a
date) that Django renders in Python: about a second for 50 actions. The change form
instead lists them in two tables of plain links, a page at a time, each row leading
to the record's own page, where it is edited (with the same protection against two
people saving at once as every change form). New actions are still added on the
document's form, through the "add action" inline.
"""

from django.contrib.admin.utils import unquote
from django.core.paginator import Paginator
from django.urls import reverse
from django.utils import timezone

from ..models import Action, ProgressUpdate
from .followup import UpdateColumns, current_date_words
from .mixins import admin_change_url

#: Actions a page of the document's table shows.
ACTIONS_PER_PAGE = 20
#: Progress updates the document's table shows, newest first; the rest are in the
#: updates' own list, filtered to the document.
UPDATES_SHOWN = 10
#: The query parameter of the actions table's page.
ACTIONS_PAGE_VAR = "actions_page"


def follow_up_tables(request, object_id):
    """What the change form's follow-up tables show, for its template context; an
    empty dict for an id that names no document (the change view answers it)."""
    document_id = unquote(object_id)
    if not str(document_id).isdigit():
        return {}
    actions = (
        Action.objects.filter(document_id=document_id)
        .with_flags(timezone.localdate())
        .prefetch_related("responsible_bodies")
        .order_by(*Action._meta.ordering)
    )
    page = Paginator(actions, ACTIONS_PER_PAGE).get_page(
        request.GET.get(ACTIONS_PAGE_VAR)
    )
    updates = ProgressUpdate.objects.filter(document_id=document_id).select_related(
        "action", "source", "recorded_by"
    )
    shown = list(updates[: UPDATES_SHOWN + 1])
    columns = UpdateColumns()
    all_updates = reverse("admin:agreements_progressupdate_changelist")
    return {
        "follow_up_tables": True,
        "action_page": page,
        "action_rows": [
            {
                "action": action,
                "url": admin_change_url(action),
                "responsible": ", ".join(
                    str(body) for body in action.responsible_bodies.all()
                ),
                "date": current_date_words(action),
            }
            for action in page
        ],
        "actions_page_var": ACTIONS_PAGE_VAR,
        "update_rows": [
            {
                "update": update,
                "url": admin_change_url(update),
                "status": columns.status_change(update),
            }
            for update in shown[:UPDATES_SHOWN]
        ],
        "more_updates": len(shown) > UPDATES_SHOWN,
        "all_updates_url": f"{all_updates}?document__id__exact={document_id}",
    }
