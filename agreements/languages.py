"""The register in its four languages: country names from CLDR, sorting by each
language's alphabet.

Country names come from Babel's CLDR data (django-countries has no Kazakh or
Azerbaijani names). Sorting follows the alphabet of the active language: Kazakh puts
ә after а, ғ after г, қ after к, ң after н, ө after о, ұ and ү after у, һ after х and і
after ы; Azerbaijani puts ç after c, ə after e, ğ after g, x after h, ı before i, q
after k, ö after o, ş after s and ü after u; Russian puts ё after е.
"""

import functools
import re

from babel import Locale, UnknownLocaleError
from django.utils.translation import get_language, to_locale

ALPHABETS = {
    "ru": "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
    "kk": "аәбвгғдеёжзийкқлмнңоөпрстуұүфхһцчшщъыіьэюя",
    "az": "abcçdeəfgğhxıijkqlmnoöprsştuüvyz",
}


@functools.cache
def _locale(language):
    try:
        return Locale.parse(to_locale(language or "en"))
    except (UnknownLocaleError, ValueError):
        return Locale.parse("en")


@functools.cache
def _territories(language):
    # a plain dict: Babel's own mapping resolves aliases at every lookup, and a
    # list page names a country hundreds of times
    return dict(_locale(language).territories)


def country_name(code, fallback="", language=None):
    """The country's name in ``language`` (the active one by default), from CLDR;
    ``fallback`` (the stored English name) for a code CLDR does not know."""
    names = _territories(language or get_language())
    return names.get((code or "").upper(), fallback)


#: English country names that take "the" in a sentence: plurals, and names that say
#: what kind of state it is ("the United Kingdom", "the Russian Federation").
_TAKES_THE = re.compile(
    r"^(United |Republic|Kingdom|Federated |Russian Federation|Holy See|Democratic )"
    r"|( Republic| Islands| Emirates| Federation)$"
    r"|^(Bahamas|Netherlands|Philippines|Maldives|Comoros|Seychelles|Gambia)$"
)


def with_article(name, language=None):
    """``name`` as it reads in a sentence of ``language`` (the active one by
    default): English gives some names "the"; the other languages have no article."""
    language = language or get_language() or ""
    if language.startswith("en") and _TAKES_THE.search(name):
        return f"the {name}"
    return name


@functools.cache
def _ranks(language):
    alphabet = ALPHABETS.get((language or "").split("-")[0], "")
    return {letter: rank for rank, letter in enumerate(alphabet)}


def sort_key(text, language=None):
    """A key that orders ``text`` by the alphabet of ``language`` (the active one by
    default): its letters by their place in that alphabet, other characters after
    them by code point, case ignored."""
    language = (language or get_language() or "").split("-")[0]
    ranks = _ranks(language)
    size = len(ranks)
    text = text or ""
    if language == "az":
        # the Turkic pairs: I is the capital of ı, İ that of i
        text = text.replace("I", "ı").replace("İ", "i")
    return tuple(ranks.get(char, size + ord(char)) for char in text.casefold())
