"""Words the public pages show for stored values: choices, dates, escaped text.

The busiest parts of the pages (rows of tables, lists of choices) are built in Python,
and there the plain way costs more than the rest of a row: ``get_FOO_display()``
rebuilds its choice list at every call, a lazy translation is looked up again at every
use, ``|date:"j F Y"`` parses its format each time and Django's ``escape`` checks for
lazy strings. Here the words are worked out once per language and kept.
"""

import functools
from html import escape as html_escape
from urllib.parse import urlsplit

from django.utils import dates
from django.utils.text import capfirst
from django.utils.translation import get_language

from .models import (
    Action,
    Body,
    Confidence,
    Document,
    DocumentTitle,
    Event,
    Relation,
)

CHOICES = {
    "kind": Document.Kind.choices,
    "status": Document.LegalStatus.choices,
    "follow_up": Document.FollowUpStatus.choices,
    "confidence": Confidence.choices,
    "body_kind": Body.Kind.choices,
    "event_kind": Event.Kind.choices,
    "language": DocumentTitle.Language.choices,
    "relation": Relation.Kind.choices,
    "action_status": Action.Status.choices,
    # an update records document or action statuses in the same fields; the words
    # for a shared value ("in progress") are the same in both
    "update_status": [*Document.FollowUpStatus.choices, *Action.Status.choices],
}


@functools.cache
def _choices(language, name, capitalised):
    return tuple(
        (value, capfirst(str(words)) if capitalised else str(words))
        for value, words in CHOICES[name]
    )


@functools.cache
def _labels(language, name, capitalised):
    return dict(_choices(language, name, capitalised))


def choices_of(name, *, capitalised=False):
    """``CHOICES[name]`` as ``(value, words)`` pairs of plain text."""
    return _choices(get_language(), name, capitalised)


def labels_of(name, *, capitalised=False):
    """``{value: words}`` of the choices ``name``: for loops over many rows."""
    return _labels(get_language(), name, capitalised)


def choice_label(name, value, *, capitalised=False):
    """The words for ``value`` of the choices ``name`` (``value`` if unknown)."""
    return _labels(get_language(), name, capitalised).get(value, value)


@functools.cache
def _months(language):
    return (
        {number: str(words) for number, words in dates.MONTHS.items()},
        {number: str(words).title() for number, words in dates.MONTHS_3.items()},
    )


def long_date(day, months=None):
    """``10 April 2023``, as ``|date:"j F Y"`` writes it (``months``: the names
    from ``month_names()``, for loops)."""
    months = months or _months(get_language())[0]
    return f"{day.day} {months[day.month]} {day.year}"


def month_names():
    """``{1: "January", ...}`` in the current language."""
    return _months(get_language())[0]


def day_month(day):
    """``10 April``, as ``|date:"j F"`` writes it."""
    return f"{day.day} {_months(get_language())[0][day.month]}"


def short_date(day):
    """``10 Apr 2023``, as ``|date:"j M Y"`` writes it."""
    return f"{day.day} {_months(get_language())[1][day.month]} {day.year}"


def esc(value):
    """``django.utils.html.escape`` for text built in Python: the same output,
    without the lazy-string checks of its wrapper."""
    return html_escape(value if type(value) is str else str(value))


def link_url(url):
    """``url`` if it may be a link (``http`` or ``https``), else ``""``.

    Forms only take such addresses, but a record loaded another way (a fixture, the
    shell, an import) could hold ``javascript:...``: shown as text, never a link.
    """
    if url and urlsplit(url).scheme.lower() in ("http", "https"):
        return url
    return ""
