"""Small filters for the public pages: the CSS class of a status tag, the words for
a stored choice, a day as a ``<time>`` element, a link that is safe to follow.
None of them runs a query; the markup is in ``templates/``."""

import dataclasses
import datetime
import functools
import json
from urllib.parse import urlsplit

from django import template
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, to_locale
from modeltranslation.utils import build_localized_fieldname

from ..models import (
    Action,
    Basis,
    Body,
    Confidence,
    DateKind,
    Document,
    DocumentTitle,
    Event,
    ProgressUpdate,
    Relation,
    StepKind,
)

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

#: The choices ``|label`` knows, by the name a template gives.
CHOICES = {
    "kind": Document.Kind,
    "status": Document.LegalStatus,
    "follow_up": Document.FollowUpStatus,
    "confidence": Confidence,
    "step": StepKind,
    "body_kind": Body.Kind,
    "event_kind": Event.Kind,
    "language": DocumentTitle.Language,
    "relation": Relation.Kind,
    "action_status": Action.Status,
    "basis": Basis,
    "date_kind": DateKind,
    # a progress update's statuses: a document's or an action's
    "update_status": ProgressUpdate._meta.get_field("status_after").flatchoices,
}


@register.filter
def status_tag(value):
    return _STATUS_TAGS.get(value, "tag--grey")


@register.filter
def follow_up_tag(value):
    return _FOLLOW_UP_TAGS.get(value, "tag--grey")


@register.filter
def confidence_tag(value):
    return _CONFIDENCE_TAGS.get(value, "tag--grey")


@functools.lru_cache(maxsize=64)
def _words(name, language):
    choices = getattr(CHOICES[name], "choices", CHOICES[name])
    return {value: str(words) for value, words in choices}


@register.filter
def label(value, name):
    """``{{ document.kind|label:"kind" }}``: the words for a stored choice, as
    ``get_kind_display()`` gives them, looked up once per language rather than at
    each row."""
    return _words(name, get_language()).get(value, value)


@register.filter
def day(value):
    """``<time datetime="2023-04-10">10 April 2023</time>`` for a date or datetime
    (``""`` for none): the one markup every page uses for a day."""
    if not value:
        return ""
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        value = value.date()
    return format_html(
        '<time datetime="{}">{}</time>',
        value.isoformat(),
        date_format(value, "DATE_FORMAT"),
    )


@register.filter
def link_url(url):
    """``url`` if it may be a link (``http`` or ``https``), else ``""``.

    Forms only take such addresses, but a record loaded another way (a fixture, the
    shell, an import) could hold ``javascript:...``: shown as text, never a link.
    """
    if url and urlsplit(url).scheme.lower() in ("http", "https"):
        return url
    return ""


@register.filter
def ticked(field):
    """How many of a checkbox group's choices the query ticks."""
    chosen = {str(value) for value in field.value() or ()}
    return sum(1 for value, _words in field.field.choices if str(value) in chosen)


@register.filter
def bcp47(code):
    """``{{ LANGUAGE_CODE|bcp47 }}``: Django's language code as HTML's ``lang``
    wants it ("en-gb" becomes "en-GB")."""
    return to_locale(code or "").replace("_", "-")


#: Open Graph's locale (``language_TERRITORY``) of each of the site's languages.
OPEN_GRAPH_LOCALES = {"en-gb": "en_GB", "ru": "ru_RU", "kk": "kk_KZ", "az": "az_AZ"}


@register.filter
def og_locale(code):
    """``{{ LANGUAGE_CODE|og_locale }}``: "ru" becomes "ru_RU", as ``og:locale``
    wants it."""
    return OPEN_GRAPH_LOCALES.get(code, to_locale(code or ""))


#: What JSON may hold that HTML would read: escaped as JSON's own \u escapes, so
#: that neither ``</script>`` nor ``<!--`` in a title ends or hides the block (as
#: Django's ``json_script`` does).
_JSON_IN_HTML = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


@register.filter
def json_ld(data):
    """``<script type="application/ld+json">{{ data|json_ld }}</script>``: ``data``
    as JSON that is safe inside the script element (``json_script`` gives the same
    escapes, but only with ``type="application/json"``)."""
    text = json.dumps(data, ensure_ascii=False, cls=DjangoJSONEncoder)
    return mark_safe(text.translate(_JSON_IN_HTML))  # noqa: S308 - escaped above


@dataclasses.dataclass(frozen=True)
class InLanguage:
    """A text of the register's own in the page's language, or the English one where
    that language has none yet (``fallback``): the page then marks it ``lang`` and
    says so (``includes/in_language.html``, ``includes/not_yet_translated.html``)."""

    text: str
    language: str
    fallback: bool

    def __str__(self):
        return self.text

    def __bool__(self):
        return bool(self.text)


@register.simple_tag
def in_language(record, field):
    """``{% in_language event "title" as title %}``: ``record``'s translated
    ``field`` (agreements/translation.py) in the page's language, else English."""
    language = get_language() or settings.LANGUAGE_CODE
    own = getattr(record, build_localized_fieldname(field, language), None)
    if own:
        return InLanguage(own, language, False)
    default = settings.LANGUAGE_CODE
    english = getattr(record, build_localized_fieldname(field, default), None) or ""
    return InLanguage(english, default, bool(english) and language != default)
