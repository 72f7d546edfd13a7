"""Template helpers for the public pages."""

from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.text import capfirst

from ..models import Body, Confidence, Document

register = template.Library()

# Tag colours say the same as the text beside them; they never carry meaning alone.
_STATUS_TAGS = {
    Document.LegalStatus.SIGNED: "tag--blue",
    Document.LegalStatus.IN_FORCE: "tag--green",
    Document.LegalStatus.PROVISIONAL: "tag--turquoise",
    Document.LegalStatus.SUSPENDED: "tag--orange",
    Document.LegalStatus.TERMINATED: "tag--grey",
    Document.LegalStatus.EXPIRED: "tag--grey",
    Document.LegalStatus.SUPERSEDED: "tag--grey",
}
_FOLLOW_UP_TAGS = {
    Document.FollowUpStatus.NOT_STARTED: "tag--orange",
    Document.FollowUpStatus.IN_PROGRESS: "tag--blue",
    Document.FollowUpStatus.COMPLETED: "tag--green",
    Document.FollowUpStatus.STALLED: "tag--red",
    Document.FollowUpStatus.NOT_APPLICABLE: "tag--grey",
    Document.FollowUpStatus.UNKNOWN: "tag--grey",
}
_CONFIDENCE_TAGS = {
    Confidence.CONFIRMED: "tag--green",
    Confidence.REPORTED: "tag--blue",
    Confidence.INFERRED: "tag--inferred",
}


@register.simple_tag(takes_context=True)
def register_last_changed(context):
    """When a published document last changed (one query a request)."""
    from ..views import last_changed

    return last_changed(context.get("request"))


@register.filter
def status_tag(value):
    return _STATUS_TAGS.get(value, "tag--grey")


@register.filter
def follow_up_tag(value):
    return _FOLLOW_UP_TAGS.get(value, "tag--grey")


@register.filter
def confidence_tag(value):
    return _CONFIDENCE_TAGS.get(value, "tag--grey")


# Labels of choices, looked up once: get_FOO_display() rebuilds (and hashes) the
# whole choice list at every call, which a list of 25 rows feels.
_LABELS = {
    "kind": dict(Document.Kind.choices),
    "status": dict(Document.LegalStatus.choices),
    "follow_up": dict(Document.FollowUpStatus.choices),
    "confidence": dict(Confidence.choices),
    "body_kind": dict(Body.Kind.choices),
}


@register.filter
def label(value, choices):
    """``{{ document.kind|label:"kind" }}``: the words for a stored choice."""
    return choice_label(choices, value)


def choice_label(choices, value):
    return _LABELS[choices].get(value, value)


@register.simple_tag
def checkboxes(name, options):
    """Checked boxes for ``options`` (dicts with ``code`` and ``name``), built in
    Python: template loops over hundreds of countries are slow."""
    return mark_safe(
        "\n".join(
            f'<div class="checkboxes__item"><input class="checkboxes__input" '
            f'type="checkbox" name="{escape(name)}" value="{escape(option["code"])}" '
            f'id="id_{escape(name)}_{escape(option["code"])}" checked>'
            f'<label class="checkboxes__label" for="id_{escape(name)}_'
            f'{escape(option["code"])}">{escape(option["name"])}</label></div>'
            for option in options
        )
    )


@register.simple_tag
def document_rows(documents):
    """The ``<tr>`` of a documents table, from ``agreements.views.rows_of()`` rows.

    Built in Python, not in a template loop: the same markup, a fifth of the time,
    and the table is on the four busiest pages.
    """
    lines = []
    for document in documents:
        parties = "".join(
            f"<li>{escape(party['name'])} "
            f'<span class="secondary">({escape(party["country"])})</span></li>'
            for party in document["parties"]
        )
        lines.append(
            "<tr>"
            f'<th scope="row" class="documents__title"><a href="'
            f'{escape(document["url"])}">{escape(document["title"])}</a></th>'
            f"<td>{escape(document['kind_label'])}</td>"
            f'<td class="documents__signed"><time datetime="'
            f'{document["signed_iso"]}">{escape(document["signed_display"])}'
            "</time></td>"
            f'<td><ul class="list list--bare">{parties}</ul></td>'
            f'<td><strong class="tag {document["status_class"]}">'
            f"{escape(document['status_label'])}</strong></td>"
            "</tr>"
        )
    return mark_safe("\n".join(lines))


@register.simple_tag
def checkbox_group(field, expanded=False):
    """A fieldset of checkboxes for a repeatable filter (GOV.UK markup), in a section
    that stays open while a box is ticked or an error shows (MoJ "filter a list"),
    or when ``expanded`` (the kind, the filter most used), so a phone shows a short
    panel above the results. Built in Python: four groups
    of template loops cost more than the rest of the panel."""
    name, auto_id = field.html_name, field.auto_id
    chosen = set(field.value() or ())
    choices = list(field.field.choices)
    errors = field.errors
    error_id = f"{auto_id}-error"
    described = f' aria-describedby="{escape(error_id)}"' if errors else ""
    ticked = sum(1 for value, _label in choices if str(value) in chosen)
    summary = escape(field.label)
    if ticked:
        summary += f' <span class="filter-section__count">({ticked} chosen)</span>'
    is_open = " open" if expanded or ticked or errors else ""
    parts = [
        f'<details class="filter-section"{is_open}>'
        f'<summary class="filter-section__summary">{summary}</summary>'
        f'<div class="form-group{" form-group--error" if errors else ""}">'
        f'<fieldset class="fieldset" id="{escape(auto_id)}"{described}>'
        f'<legend class="visually-hidden">{escape(field.label)}</legend>'
    ]
    if field.help_text:
        parts.append(f'<p class="hint">{escape(field.help_text)}</p>')
    if errors:
        message = escape(" ".join(errors))
        parts.append(
            f'<p class="error-message" id="{escape(error_id)}">'
            f'<span class="visually-hidden">Error:</span> {message}</p>'
        )
    scroll = " checkboxes--scroll" if len(choices) > 12 else ""
    parts.append(f'<div class="checkboxes{scroll}">')
    for index, (value, label) in enumerate(choices):
        option_id = escape(f"{auto_id}_{index}")
        checked = " checked" if str(value) in chosen else ""
        parts.append(
            f'<div class="checkboxes__item"><input class="checkboxes__input" '
            f'type="checkbox" name="{escape(name)}" value="{escape(value)}" '
            f'id="{option_id}"{checked}><label class="checkboxes__label" '
            f'for="{option_id}">{escape(capfirst(label))}</label></div>'
        )
    parts.append("</div></fieldset></div></details>")
    return mark_safe("".join(parts))


@register.simple_tag
def select_options(options):
    """``<option>`` elements for ``options`` (dicts with ``code`` and ``name``)."""
    return mark_safe(
        "".join(
            f'<option value="{escape(option["code"])}">'
            f"{escape(option['name'])}</option>"
            for option in options
        )
    )
