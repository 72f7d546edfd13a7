"""What every public page's chrome shows, for templates whose view does not give it."""

from django.conf import settings
from django.urls import translate_url
from django.utils.functional import SimpleLazyObject
from django.utils.translation import get_language

from .aggregates import last_changed, register_stamp


def register(request):
    """``register_last_changed`` for the footer, read only if a template shows it and
    its view has not given it (the register's views do: ``views.RegisterMixin``)."""
    return {
        "register_last_changed": SimpleLazyObject(
            lambda: last_changed(register_stamp())
        )
    }


def languages(request):
    """``language_links``: this page in each language (its address with the query
    kept), for the switcher and the ``hreflang`` alternates; ``canonical_url``, the
    page's one address; each computed only if a template shows it."""

    def links():
        current = get_language()
        here = request.get_full_path()
        return [
            {
                "code": code,
                "name": name,
                "url": translate_url(here, code),
                "current": code == current,
            }
            for code, name in settings.LANGUAGES
        ]

    def canonical():
        # the page's own address: the parameters it knows, in its order, without
        # defaults (agreements.cache.canonical_query), as the page cache keys it
        from .cache import canonical_query

        query = canonical_query(request)[0]
        return request.build_absolute_uri(request.path) + (f"?{query}" if query else "")

    return {
        "language_links": SimpleLazyObject(links),
        "canonical_url": SimpleLazyObject(canonical),
    }
