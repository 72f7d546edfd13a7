"""The register's own text in each of the site's languages (django-modeltranslation).

Each field named here gains a column per language (``summary_en_gb``, ``summary_ru``,
``summary_kk``, ``summary_az``); reading ``summary`` gives the page's language, or the
English where that language has no text yet (the templates then mark it as English).

What is *not* here is as deliberate: a document's title is the signed text's own, and
its title in another language is a fact with a source (``DocumentTitle``), never our
translation; signatories' names, places and sources are kept as recorded.

These models' history is registered here, after their translation fields exist, so
that a change to the Russian summary is in the history like one to the English.
"""

import simple_history
from modeltranslation.translator import TranslationOptions, register

from .models import Action, Body, Document, Event, Topic


@register(Document)
class DocumentTranslation(TranslationOptions):
    fields = ("summary",)


@register(Event)
class EventTranslation(TranslationOptions):
    fields = ("title", "description")
    required_languages = ("en-gb",)


@register(Body)
class BodyTranslation(TranslationOptions):
    fields = ("name", "short_name", "description")
    required_languages = {"en-gb": ("name",)}


@register(Topic)
class TopicTranslation(TranslationOptions):
    fields = ("name",)
    required_languages = ("en-gb",)


@register(Action)
class ActionTranslation(TranslationOptions):
    fields = ("title", "description")
    required_languages = {"en-gb": ("title",)}


simple_history.register(
    Document,
    m2m_fields=["topics"],
    excluded_fields=["search_text", "search_vector", "version", "title_key"],
)
simple_history.register(Event, excluded_fields=["version"])
simple_history.register(Body, excluded_fields=["version"])
simple_history.register(Topic, excluded_fields=["version"])
simple_history.register(
    Action, m2m_fields=["responsible_bodies"], excluded_fields=["version"]
)
