"""Text folded for matching: the one form the search's words and its index share.

``fold()`` folds case the same way for every script, and the Turkic dotted and
dotless i (``İ``, ``ı``) to ``i``; ``skeleton()`` gives folded text the Latin key
that its Cyrillic (Russian and Kazakh), Azerbaijani Latin and English spellings
share; ``index_text()`` is both, as SQLite keeps them in ``Document.search_text``.

The query (``agreements.search``) folds a visitor's words with these functions; the
index (``agreements.search_index``) registers them on every SQLite connection for its
triggers, and writes the same skeleton in SQL for PostgreSQL from the tables below.
See ``agreements.search`` for the whole of the search.
"""

import unicodedata

_TURKIC_I = str.maketrans({"İ": "i", "ı": "i"})
#: The skeleton's two steps, on folded text: Latin digraphs become the Cyrillic
#: letter they spell, then every letter its Latin key (a letter mapped to "" is
#: dropped). One character for one, so PostgreSQL's translate() does the same.
SKELETON_DIGRAPHS = (("kh", "к"), ("zh", "ж"), ("sh", "ш"), ("ch", "ч"), ("ts", "ц"))
SKELETON_LETTERS = {
    # Russian and Kazakh Cyrillic
    "а": "a", "ә": "a", "б": "b", "в": "v", "г": "g", "ғ": "g", "д": "d", "е": "e",
    "ё": "e", "ж": "j", "з": "z", "и": "i", "й": "i", "к": "k", "қ": "k", "л": "l",
    "м": "m", "н": "n", "ң": "n", "о": "o", "ө": "o", "п": "p", "р": "r", "с": "s",
    "т": "t", "у": "u", "ұ": "u", "ү": "u", "ф": "f", "х": "k", "һ": "h", "ц": "c",
    "ч": "c", "ш": "s", "щ": "s", "ы": "i", "і": "i", "э": "e", "ю": "u", "я": "a",
    "ъ": "", "ь": "",
    # Azerbaijani Latin and English spellings of the same sounds
    "q": "k", "x": "k", "c": "j", "ç": "c", "ş": "s", "ğ": "g", "ə": "e", "ö": "o",
    "ü": "u", "y": "i", "w": "v",
}  # fmt: skip
#: Then, on the Latin key: Russian дж (``dj``) is the j of Azerbaijan.
SKELETON_AFTER = (("dj", "j"),)
_SKELETON = str.maketrans(
    {letter: key or None for letter, key in SKELETON_LETTERS.items()}
)


def fold(text):
    """Fold case the same way for every script (and the Turkic i's) for matching."""
    if text is None:
        return None
    text = unicodedata.normalize("NFKC", text).translate(_TURKIC_I)
    return text.casefold().replace("i\u0307", "i")


def skeleton(folded):
    """The Latin key of already folded text, shared by its spellings in Cyrillic,
    Azerbaijani Latin and English (see the module's doc)."""
    if folded is None:
        return None
    for digraph, letter in SKELETON_DIGRAPHS:
        folded = folded.replace(digraph, letter)
    folded = folded.translate(_SKELETON)
    for pair, letter in SKELETON_AFTER:
        folded = folded.replace(pair, letter)
    return folded


def index_text(text):
    """What SQLite keeps in ``search_text``: the folded text, then its skeleton."""
    if text is None:
        return None
    folded = fold(text)
    return f"{folded} {skeleton(folded)}"
