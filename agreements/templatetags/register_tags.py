"""Template helpers for the public pages.

The busiest parts of the pages (rows of tables, long lists of choices) are built here
in Python rather than in template loops, with the words of ``agreements.labels``.
"""

import datetime
import functools

from django import template
from django.template.defaultfilters import linebreaksbr
from django.urls import get_script_prefix, reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.text import capfirst

from ..labels import (
    choice_label,
    day_month,
    esc,
    labels_of,
    link_url,
    long_date,
    short_date,
)
from ..models import Confidence, Document

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


@register.simple_tag
def site_urls():
    """The addresses of the main sections, for the header: reversed once (for the
    site's script prefix), not at every page."""
    return _site_urls(get_script_prefix())


@functools.cache
def _site_urls(prefix):
    names = {
        "home": "agreements:home",
        "documents": "agreements:document-list",
        "events": "agreements:event-list",
        "bodies": "agreements:body-list",
        "follow_up": "followup:followup-dashboard",
    }
    return {key: reverse(name) for key, name in names.items()}


@register.simple_tag(takes_context=True)
def register_last_changed(context):
    """When a published document last changed (one query a request)."""
    from ..aggregates import last_changed

    return last_changed(context.get("request"))


register.filter("link_url", link_url)


@register.filter
def status_tag(value):
    return _STATUS_TAGS.get(value, "tag--grey")


@register.filter
def follow_up_tag(value):
    return _FOLLOW_UP_TAGS.get(value, "tag--grey")


@register.filter
def confidence_tag(value):
    return _CONFIDENCE_TAGS.get(value, "tag--grey")


@register.filter
def label(value, choices):
    """``{{ document.kind|label:"kind" }}``: the words for a stored choice."""
    return choice_label(choices, value)


@register.filter
def cap_label(value, choices):
    """``{{ document.kind|cap_label:"kind" }}``: the same, with a capital letter."""
    return choice_label(choices, value, capitalised=True)


@register.filter
def day(value):
    """``<time datetime="2023-04-10">10 April 2023</time>`` for a date or datetime
    (``""`` for none): the markup every page uses for a day."""
    if not value:
        return ""
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        value = value.date()
    return mark_safe(f'<time datetime="{value.isoformat()}">{long_date(value)}</time>')


@register.simple_tag
def checkboxes(name, options):
    """Checked boxes for ``options`` (dicts with ``code`` and ``name``), built in
    Python: template loops over hundreds of countries are slow."""
    name = esc(name)
    parts = []
    for option in options:
        code = esc(option["code"])
        parts.append(
            f'<div class="checkboxes__item"><input class="checkboxes__input" '
            f'type="checkbox" name="{name}" value="{code}" id="id_{name}_{code}" '
            f'checked><label class="checkboxes__label" for="id_{name}_{code}">'
            f"{esc(option['name'])}</label></div>"
        )
    return mark_safe("\n".join(parts))


@register.simple_tag
def source_list(citations):
    """A record's sources (``views.citation_row`` rows), each with how sure it is:
    the tag, the source (a link when it has an address), its publisher and date,
    the claim it supports and a note. Built in Python: the template's loop cost
    0.35 ms for a dozen sources."""
    parts = ['<ol class="sources">']
    for citation in citations:
        confidence, source = citation["confidence"], citation["source"]
        label = capfirst(choice_label("confidence", confidence))
        shown = esc(source["title"] or source["url"])
        href = link_url(source["url"])
        if href:
            url_class = "" if source["title"] else " link--url"
            shown = (
                f'<a href="{esc(href)}" class="sources__link{url_class}">{shown}</a>'
            )
        line = [
            f'<li class="sources__item sources__item--{esc(confidence)}">',
            f'<strong class="tag {confidence_tag(confidence)}">{esc(label)}</strong>',
            shown,
        ]
        publisher, published = source["publisher"], source["published_on"]
        if publisher or published:
            # "– Akorda, 10 April 2023", "– Akorda" or "– 10 April 2023"
            said = [esc(publisher)] if publisher else []
            if published:
                said.append(day(published))
            line.append(f'<span class="secondary">– {", ".join(said)}</span>')
        if citation["claim"]:
            line.append(
                f'<p class="sources__claim">Supports: {esc(citation["claim"])}</p>'
            )
        if citation["note"]:
            line.append(
                f'<p class="sources__note">{linebreaksbr(citation["note"], True)}</p>'
            )
        line.append("</li>")
        parts.append("\n".join(line))
    parts.append("</ol>")
    return mark_safe("\n".join(parts))


@register.simple_tag
def document_rows(documents):
    """The ``<tr>`` of a documents table, from ``agreements.views.rows_of()`` rows.

    Built in Python, not in a template loop: the same markup, a fifth of the time,
    and the table is on the four busiest pages.
    """
    lines = []
    for document in documents:
        parties = "".join(
            f"<li>{esc(party['name'])} "
            f'<span class="secondary">({esc(party["country"])})</span></li>'
            for party in document["parties"]
        )
        lines.append(
            "<tr>\n"
            f'<th scope="row" class="documents__title"><a href="'
            f'{esc(document["url"])}">{esc(document["title"])}</a></th>'
            f"\n<td>{esc(document['kind_label'])}</td>\n"
            f'<td class="documents__signed"><time datetime="'
            f'{document["signed_iso"]}">{esc(document["signed_display"])}'
            "</time></td>\n"
            f'<td><ul class="list list--bare">{parties}</ul></td>\n'
            f'<td><strong class="tag {document["status_class"]}">'
            f"{esc(document['status_label'])}</strong></td>"
            "\n</tr>"
        )
    return mark_safe("\n".join(lines))


@register.simple_tag(takes_context=True)
def pagination(context, label="Pages"):
    """GOV.UK pagination for ``page_obj`` and its ``page_links`` (``views.page_links``):
    previous, the numbers with ellipses, next; each link the query in force with
    its page (as ``{% querystring page=n %}``). Nothing for a single page. Built in
    Python: the template, with a ``querystring`` tag a link, cost 0.3 ms a page."""
    numbers = context.get("page_links")
    if not numbers:
        return ""
    page = context["page_obj"]
    query = context["request"].GET.copy()

    def href(number):
        query["page"] = number
        return esc(f"?{query.urlencode()}")

    parts = [f'<nav class="pagination" aria-label="{esc(label)}">']
    if page.has_previous():
        parts.append(
            '<div class="pagination__prev"><a class="pagination__link" '
            f'href="{href(page.previous_page_number())}" rel="prev">Previous'
            '<span class="visually-hidden"> page</span></a></div>'
        )
    parts.append('<ul class="pagination__list">')
    ellipsis = page.paginator.ELLIPSIS
    for number in numbers:
        if number == ellipsis:
            parts.append(
                '<li class="pagination__item pagination__item--ellipses">&hellip;</li>'
            )
            continue
        if number == page.number:
            item, mark = " pagination__item--current", ' aria-current="page"'
        else:
            item, mark = "", ""
        parts.append(
            f'<li class="pagination__item{item}"><a class="pagination__link" '
            f'href="{href(number)}" aria-label="Page {number}"{mark}>{number}</a></li>'
        )
    parts.append("</ul>")
    if page.has_next():
        parts.append(
            '<div class="pagination__next"><a class="pagination__link" '
            f'href="{href(page.next_page_number())}" rel="next">Next'
            '<span class="visually-hidden"> page</span></a></div>'
        )
    parts.append("</nav>")
    return mark_safe("\n".join(parts))


@register.simple_tag
def text_input(field, type="text"):  # noqa: A002 - the input's type attribute
    """One text-like filter (GOV.UK text input): label, hint, error and box, with
    what was sent; ``type`` is ``text`` or ``search``. Built in Python: five
    includes of a template cost the list page more than its table."""
    auto_id, errors = esc(field.auto_id), field.errors
    hint = esc(field.help_text) if field.help_text else ""
    value = field.value()
    described = " ".join(
        part
        for part, present in ((f"{auto_id}-hint", hint), (f"{auto_id}-error", errors))
        if present
    )
    parts = [
        f'<div class="form-group{" form-group--error" if errors else ""}">',
        f'<label class="label" for="{auto_id}">{esc(field.label)}</label>',
    ]
    if hint:
        parts.append(f'<p class="hint" id="{auto_id}-hint">{hint}</p>')
    if errors:
        parts.append(
            f'<p class="error-message" id="{auto_id}-error">'
            f'<span class="visually-hidden">Error:</span> {esc(" ".join(errors))}</p>'
        )
    max_length = getattr(field.field, "max_length", None)
    parts.append(
        f'<input class="input{" input--error" if errors else ""}" id="{auto_id}" '
        f'name="{esc(field.html_name)}" type="{esc(type)}" '
        f'value="{esc("" if value is None else value)}"'
        + (f' aria-describedby="{described}"' if described else "")
        + (f' maxlength="{max_length}"' if max_length else "")
        + ' spellcheck="false">\n</div>'
    )
    return mark_safe("\n".join(parts))


@register.simple_tag
def select_input(field):
    """One filter as a select (GOV.UK): label, error and its choices, the one sent
    selected. Built in Python: the template's loop over the choices cost 0.2 ms."""
    auto_id, errors = esc(field.auto_id), field.errors
    current = field.value()
    current = "" if current is None else str(current)
    parts = [
        f'<div class="form-group{" form-group--error" if errors else ""}">',
        f'<label class="label" for="{auto_id}">{esc(field.label)}</label>',
    ]
    described = ""
    if errors:
        parts.append(
            f'<p class="error-message" id="{auto_id}-error">'
            f'<span class="visually-hidden">Error:</span> {esc(" ".join(errors))}</p>'
        )
        described = f' aria-describedby="{auto_id}-error"'
    parts.append(
        f'<select class="select" id="{auto_id}" name="{esc(field.html_name)}"'
        f"{described}>"
    )
    for value, words in field.field.choices:
        selected = " selected" if str(value) == current else ""
        parts.append(f'<option value="{esc(value)}"{selected}>{esc(words)}</option>')
    parts.append("</select>\n</div>")
    return mark_safe("\n".join(parts))


@register.simple_tag
def checkbox_group(field, expanded=False):
    """A fieldset of checkboxes for a repeatable filter (GOV.UK markup), in a section
    that stays open while a box is ticked or an error shows (MoJ "filter a list"),
    or when ``expanded`` (the kind, the filter most used), so a phone shows a short
    panel above the results. Built in Python: four groups
    of template loops cost more than the rest of the panel."""
    name, auto_id = esc(field.html_name), esc(field.auto_id)
    chosen = set(field.value() or ())
    choices = list(field.field.choices)
    errors = field.errors
    error_id = f"{auto_id}-error"
    described = f' aria-describedby="{error_id}"' if errors else ""
    ticked = sum(1 for value, _label in choices if str(value) in chosen)
    label = esc(field.label)
    summary = label
    if ticked:
        summary += f' <span class="filter-section__count">({ticked} chosen)</span>'
    is_open = " open" if expanded or ticked or errors else ""
    parts = [
        f'<details class="filter-section"{is_open}>',
        f'<summary class="filter-section__summary">{summary}</summary>',
        f'<div class="form-group{" form-group--error" if errors else ""}">',
        f'<fieldset class="fieldset" id="{auto_id}"{described}>',
        f'<legend class="visually-hidden">{label}</legend>',
    ]
    if field.help_text:
        parts.append(f'<p class="hint">{esc(field.help_text)}</p>')
    if errors:
        parts.append(
            f'<p class="error-message" id="{error_id}">'
            f'<span class="visually-hidden">Error:</span> {esc(" ".join(errors))}</p>'
        )
    scroll = " checkboxes--scroll" if len(choices) > 12 else ""
    parts.append(f'<div class="checkboxes{scroll}">')
    for index, (value, words) in enumerate(choices):
        option_id = f"{auto_id}_{index}"
        checked = " checked" if str(value) in chosen else ""
        parts.append(
            f'<div class="checkboxes__item"><input class="checkboxes__input" '
            f'type="checkbox" name="{name}" value="{esc(value)}" '
            f'id="{option_id}"{checked}><label class="checkboxes__label" '
            f'for="{option_id}">{esc(capfirst(str(words)))}</label></div>'
        )
    parts.append("</div>\n</fieldset>\n</div>\n</details>")
    return mark_safe("\n".join(parts))


@register.simple_tag
def timeline_rows(timeline):
    """The ``<li>`` of a country's timeline (``agreements.views._timeline`` rows):
    a year's documents as a bar and a link, its events; a run of empty years."""
    lines = []
    for row in timeline:
        if row.get("gap"):
            years = (
                str(row["first"])
                if row["first"] == row["last"]
                else f"{row['first']}–{row['last']}"
            )
            lines.append(
                f'<li class="timeline__gap">\n<span class="timeline__label">{years}'
                '</span>\n<span class="secondary">Nothing recorded</span>\n</li>'
            )
            continue
        count = row["documents"]
        if count:
            documents = (
                f'<span class="bar bar--{row["scale"]}"></span> '
                f'<a href="{esc(row["url"])}">{count:,} '
                f"{'document' if count == 1 else 'documents'}</a>"
            )
        else:
            documents = '<span class="secondary">No documents</span>'
        events = ""
        if row["events"]:
            items = [
                f'<li class="timeline__event"><time datetime="'
                f'{event["date"].isoformat()}">{day_month(event["date"])}</time>: '
                f'<a href="{esc(event["url"])}">{esc(event["title"])}</a></li>'
                for event in row["listed_events"]
            ]
            unlisted = row["unlisted_events"]
            if unlisted:
                listed = bool(row["listed_events"])
                items.append(
                    f'<li class="timeline__event">{"and " if listed else ""}'
                    f"{unlisted} {'more ' if listed else ''}"
                    f"{'event' if unlisted == 1 else 'events'}</li>"
                )
            entries = "\n".join(items)
            events = f'\n<ul class="timeline__events">\n{entries}\n</ul>'
        lines.append(
            f'<li class="timeline__year">\n<h3 class="timeline__label">{row["year"]}'
            f'</h3>\n<div class="timeline__body">\n<p class="timeline__documents">'
            f"{documents}</p>{events}\n</div>\n</li>"
        )
    return mark_safe("\n".join(lines))


@register.simple_tag
def documents_by_year(documents):
    """Documents (``agreements.views.rows_of`` rows, newest first) as a list a
    year, each with its kind, date, parties and legal status."""
    parts, year = [], None
    for document in documents:
        signed = document["signed_on"]
        if signed.year != year:
            if year is not None:
                parts.append("</ul>")
            year = signed.year
            parts.append(
                f'<h3 class="heading-s">{year}</h3>\n<ul class="list document-list">'
            )
        parties = "; ".join(esc(party["name"]) for party in document["parties"])
        status = document["legal_status"]
        parts.append(
            f'<li><a href="{esc(document["url"])}">{esc(document["title"])}</a> '
            f'<span class="secondary">– {esc(choice_label("kind", document["kind"]))}'
            f", signed {day(signed)}{' by ' + parties if parties else ''}</span> "
            f'<strong class="tag {status_tag(status)}">'
            f"{esc(choice_label('status', status, capitalised=True))}</strong></li>"
        )
    if year is not None:
        parts.append("</ul>")
    return mark_safe("\n".join(parts))


@register.simple_tag
def body_groups(bodies):
    """The bodies list: a section a country (bodies in country order), each body
    with its short name and kind."""
    kinds = labels_of("body_kind")
    country_prefix = reverse("agreements:country-detail", kwargs={"code": "zz"})[:-3]
    body_prefix = reverse("agreements:body-detail", kwargs={"slug": "-"})[:-2]
    parts, country = [], None
    for body in bodies:
        if body.country_id != getattr(country, "pk", None):
            if country is not None:
                parts.append("</ul>\n</section>")
            country = body.country
            code = esc(country.code)
            parts.append(
                f'<section class="body-group" aria-labelledby="country-{code}">\n'
                f'<h2 class="heading-m" id="country-{code}"><a href="{country_prefix}'
                f'{esc(country.code.lower())}/">{esc(country.name)}</a></h2>\n'
                '<ul class="list body-group__list">'
            )
        short = (
            f' <span class="secondary">({esc(body.short_name)})</span>'
            if body.short_name
            else ""
        )
        parts.append(
            f'<li><a href="{body_prefix}{esc(body.slug)}/">{esc(body.name)}</a>{short}'
            f' <span class="secondary">– {esc(kinds.get(body.kind, body.kind))}'
            "</span></li>"
        )
    if country is not None:
        parts.append("</ul>\n</section>")
    return mark_safe("\n".join(parts))


@register.simple_tag
def event_rows(events):
    """The ``<tr>`` of the events list: title, date, place, documents."""
    prefix = reverse("agreements:event-detail", kwargs={"slug": "-"})[:-2]
    lines = []
    for event in events:
        place = ", ".join(
            esc(part)
            for part in (event.city, event.country and event.country.name)
            if part
        )
        reported = (
            f"{event.documents_reported} reported, "
            if event.documents_reported is not None
            else ""
        )
        lines.append(
            f'<tr>\n<th scope="row"><a href="{prefix}{esc(event.slug)}/">'
            f"{esc(event.title)}</a></th>\n"
            f'<td><time datetime="{event.date.isoformat()}">{short_date(event.date)}'
            f"</time></td>\n<td>{place}</td>\n"
            f"<td>{reported}{event.documents_recorded} recorded</td>\n</tr>"
        )
    return mark_safe("\n".join(lines))
