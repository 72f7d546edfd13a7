"""Filters for a document's texts on the public pages."""

import re

from django import template

from ..search import SNIPPET_START, SNIPPET_STOP

register = template.Library()

_MARKED = re.compile(f"{SNIPPET_START}(.*?){SNIPPET_STOP}", re.DOTALL)


@register.filter
def snippet_parts(snippet):
    """``[(text, matched)]``: a search snippet (``agreements.search.with_snippets``)
    cut where the database marked the matched words, for the template to mark up
    (and escape) each part."""
    parts, position = [], 0
    for match in _MARKED.finditer(snippet or ""):
        if match.start() > position:
            parts.append((snippet[position : match.start()], False))
        parts.append((match.group(1), True))
        position = match.end()
    if position < len(snippet or ""):
        parts.append((snippet[position:], False))
    return parts
