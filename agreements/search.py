"""Full-text search over documents, the same on SQLite and PostgreSQL for the reader.

What is searched: a document's title, its titles in other languages, its official
identifiers' values, the names of its parties' bodies (current, short and former
names; a body's names in every language) and its signatories, the place of signature,
and its summary in every language.
Those live in six tables, so each document keeps a denormalized copy of them: on
SQLite as folded text in ``Document.search_text``, on PostgreSQL as a weighted
``tsvector`` in ``Document.search_vector`` with a GIN index (``search_text`` stays
empty there: a second copy would double the row and slow every scan). Database
triggers maintain them, so the copy stays right whoever writes: ``save()``,
``bulk_create()``, ``loaddata``, raw SQL.

Case folding must work for every script (``қазақ`` finds ``Қазақстан``, ``AZƏRBAYCAN``
finds ``Azərbaycan``):

- SQLite's ``lower()`` and ``LIKE`` only fold ASCII, so the SQLite triggers call
  ``agreements_search_fold``, a Python function registered on every SQLite connection
  (``connection_created`` in ``agreements.search_index``), and the query folds its
  words with the same function.
  Matching is by substring of every word, found through FTS5 trigram indexes of the
  copies and of the files' texts (``agreements.trigrams``) for a word of three
  characters or more, by ``instr`` otherwise; results keep the list's order.
- PostgreSQL folds with ``lower()`` (under an ICU collation where the server has one, so
  it does not depend on the database's ``LC_CTYPE``) and matches every word as a prefix
  (``'қазақ':*``) through the GIN index; results are ordered by ``ts_rank``, with
  matches in the title weighing most.

Both fold the Turkic dotted and dotless i (``İ``, ``ı``) to ``i``, so ``Bakı`` and
``BAKI`` find each other, as Azerbaijani readers expect.

Across scripts and spellings: beside the folded text, each document's copy holds its
*skeleton* (``agreements.folding.skeleton()``), a Latin key that Cyrillic (Russian
and Kazakh), Azerbaijani Latin and English spellings of the same name share:
"Байтерек" and "Baiterek" are both ``baiterek``; "Қазақстан", "Казахстан",
"Kazakhstan" and "Qazaqstan" are all ``kazakstan``; "Azərbaycan", "Азербайджан" and
"Azerbaijan" all ``azerbaijan``. A word is found by its own form or by its
skeleton. On PostgreSQL the skeleton's words weigh least, so a match in the script
the reader typed ranks first; the ``simple`` configuration never stems Kazakh or
Azerbaijani words as English.

The triggers are defined in ``agreements.search_index``. On PostgreSQL migration
0003 installs them. On SQLite they must not exist while migrations run (a rebuilt
table cannot be renamed while another table's trigger names it), so ``migrate``
drops them first and a ``post_migrate`` hook installs them after, refreshing every
copy. That hook also re-installs the triggers wherever they are missing or out of
date (SQLite: their SQL differs; PostgreSQL: ``PG_VERSION`` differs).

The text of a document's files (``Attachment.extracted_text``) is searched too, but
never copied into the document's copy: a signed text runs to hundreds of pages. On
SQLite a document matches when each word is in its own copy or in one of its
files' texts; on PostgreSQL when all the words are in its copy or all in one text
(one index scan of each, ORed; see docs/texts.md). On PostgreSQL each attachment
has its own GIN-indexed ``tsvector`` and the list shows a snippet of the best
matching text (``with_snippets``); SQLite searches the folded text by substring.
The identifiers' and attachments' tables come with migration 0019: until they exist
(migrating from scratch), the triggers leave them out; ``ensure_search_triggers``
puts them in once they are there.

The search is three modules, one a concern, beside ``agreements.trigrams``:

- this one turns a visitor's words into a query (``clean_query``, ``query_words``,
  ``search_documents``, ``with_snippets``), and is the search's public face: the
  names in ``__all__``, its own and the other two modules', import from here;
- ``agreements.folding``: how text is folded and keyed (``fold``, ``skeleton``), the
  one form the query and the index share;
- ``agreements.search_index``: the copies' triggers and SQL functions on both
  databases, the GIN indexes, and the hooks that keep them installed.
"""

import re

from django.contrib.postgres.fields import ArrayField
from django.db import connections
from django.db.models import (
    BigIntegerField,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    TextField,
    Value,
)
from django.db.models.functions import Coalesce, Left, NullIf, Substr

from . import trigrams
from .expressions import EqualsAny, Instr
from .folding import (
    SKELETON_AFTER,
    SKELETON_DIGRAPHS,
    SKELETON_LETTERS,
    fold,
    index_text,
    skeleton,
)
from .search_index import (
    FOLD_FUNCTION,
    GIN_INDEXES,
    INDEX_FUNCTION,
    OPTIONAL_TABLES,
    PG_TEXT_LIMIT,
    PG_VERSION,
    SKELETON_FUNCTION,
    TEXT_MATCHES_FUNCTION,
    ensure_search_triggers,
    install_search_triggers,
    language_columns,
    register_sqlite_functions,
    remove_search_triggers,
)

__all__ = [
    # the query (this module)
    "MAX_QUERY_LENGTH",
    "MAX_QUERY_WORDS",
    "SNIPPET_BEFORE",
    "SNIPPET_START",
    "SNIPPET_STOP",
    "SNIPPET_WINDOW",
    "Folded",
    "TextMatches",
    "clean_query",
    "every_language",
    "query_words",
    "search_documents",
    "too_many_words",
    "with_snippets",
    # agreements.folding
    "SKELETON_AFTER",
    "SKELETON_DIGRAPHS",
    "SKELETON_LETTERS",
    "fold",
    "index_text",
    "skeleton",
    # agreements.search_index
    "FOLD_FUNCTION",
    "GIN_INDEXES",
    "INDEX_FUNCTION",
    "OPTIONAL_TABLES",
    "PG_TEXT_LIMIT",
    "PG_VERSION",
    "SKELETON_FUNCTION",
    "TEXT_MATCHES_FUNCTION",
    "ensure_search_triggers",
    "install_search_triggers",
    "language_columns",
    "register_sqlite_functions",
    "remove_search_triggers",
]

#: The longest search the list accepts; longer input is cut and the reader told.
MAX_QUERY_LENGTH = 200
#: The most words one search looks for; further words are ignored and the reader told.
MAX_QUERY_WORDS = 12
#: What ``ts_headline`` puts around a matched word (private-use characters, which
#: extraction drops from texts); the template marks them up.
SNIPPET_START, SNIPPET_STOP = "\ue000", "\ue001"
#: The part of a text the snippet is taken from: from this many characters before
#: the first match, this many in all (a snippet is at most 2 x 30 words).
SNIPPET_BEFORE, SNIPPET_WINDOW = 300, 900
_WORD = re.compile(r"\w+")


def clean_query(text):
    """The search as typed, without NUL bytes and cut to ``MAX_QUERY_LENGTH``.

    Returns ``(text, shortened)``.
    """
    text = (text or "").replace("\x00", "").strip()
    if len(text) > MAX_QUERY_LENGTH:
        return text[:MAX_QUERY_LENGTH].strip(), True
    return text, False


def query_words(text):
    """The folded words a search looks for (at most ``MAX_QUERY_WORDS``)."""
    words = []
    for word in _WORD.findall(fold(text or "")):
        if word not in words:
            words.append(word)
    return words[:MAX_QUERY_WORDS]


def too_many_words(text):
    """Whether ``text`` has more different words than one search looks for."""
    return len(set(_WORD.findall(fold(text or "")))) > MAX_QUERY_WORDS


def search_documents(queryset, text, *, texts=True, page=True):
    """Documents matching every word of ``text``; best first on PostgreSQL.

    On PostgreSQL the queryset gets a ``search_rank`` alias and is ordered by it (a
    later ``order_by()`` still wins); on other databases the order is unchanged.
    ``texts=False`` leaves the attached texts out: each document's own copy only
    (the admin's follow-up lists find an action by its document's title or parties).
    ``page=False``: the result is a set of ids for another query, not a list's page
    (SQLite then looks the matches up by id; see ``trigrams.Unindexed``).
    """
    from .models import Attachment

    words = query_words(text)
    if not words:
        return queryset
    if _is_postgresql(queryset):
        from django.contrib.postgres.search import SearchRank

        query = _pg_query(words)
        # The documents whose own copy matches, or whose id is in the array of those
        # whose texts match, read once (an InitPlan) through the texts' GIN index:
        # each side of the OR is an index scan (a BitmapOr). A UNION of the two
        # indexes' ids, or an EXISTS per document, made PostgreSQL read every
        # document; see TEXT_MATCHES_FUNCTION's SQL for why it is a function.
        found = Q(search_vector=query)
        if texts:
            found |= Q(EqualsAny(F("pk"), TextMatches(query)))
        return (
            queryset.filter(found)
            .alias(search_rank=SearchRank(F("search_vector"), query))
            .order_by("-search_rank", "-signed_on", "title", "pk")
        )
    connection = connections[queryset.db]
    for index, word in enumerate(words):
        if trigrams.usable(connection, word, skeleton(word)):
            # through the trigram index (agreements.trigrams): the same matches
            pk = f"_search_id_{index}"
            matches = Q(
                **{f"{pk}__in": trigrams.documents_holding(word, skeleton(word))}
            )
            if texts:
                matches |= Q(
                    **{f"{pk}__in": trigrams.documents_with_text_holding(word)}
                )
            column = trigrams.Unindexed("pk", output_field=BigIntegerField())
            queryset = queryset.alias(**{pk: column if page else F("pk")})
            queryset = queryset.filter(matches)
            continue
        found, key = f"_search_word_{index}", f"_search_key_{index}"
        matches = Q(**{f"{found}__gt": 0}) | Q(**{f"{key}__gt": 0})
        if texts:
            matches |= Exists(
                Attachment.objects.alias(folded_text=Folded("extracted_text")).filter(
                    document=OuterRef("pk"), folded_text__contains=word
                )
            )
        queryset = queryset.alias(
            **{
                found: Instr(F("search_text"), Value(word)),
                key: Instr(F("search_text"), Value(skeleton(word))),
            }
        ).filter(matches)
    return queryset


def with_snippets(queryset, text):
    """On PostgreSQL, each document's ``text_snippet``: a passage of the file text
    that best matches ``text`` (``None`` where no file text matches), the matched
    words between ``SNIPPET_START`` and ``SNIPPET_STOP``. Elsewhere, unchanged."""
    from .models import Attachment

    words = query_words(text)
    if not words or not _is_postgresql(queryset):
        return queryset
    from django.contrib.postgres.search import SearchHeadline, SearchRank

    query = _pg_query(words)
    # ts_headline parses all the text it is given (1 ms for 2,000 words): it is
    # given a window around the first place of the longest word (found by a
    # case-insensitive regular expression, which stops there), else the whole text.
    # The expression is read once and the text twice: 0.15 ms less a row than a
    # CASE that asked for both again. A word in the first SNIPPET_BEFORE characters
    # gives a window that starts at the text's start (SUBSTRING from a negative
    # place), so shorter.
    word = max(words, key=len)
    at = Func(
        F("extracted_text"),
        Value(word),
        Value(1),
        Value(1),
        Value(0),
        Value("i"),
        function="regexp_instr",
        output_field=IntegerField(),
    )
    window = Coalesce(
        Substr("extracted_text", NullIf(at, Value(0)) - SNIPPET_BEFORE, SNIPPET_WINDOW),
        Left("extracted_text", PG_TEXT_LIMIT),
    )
    best = (
        Attachment.objects.filter(document=OuterRef("pk"), search_vector=query)
        .annotate(
            snippet=SearchHeadline(
                window,
                query,
                config="simple",
                start_sel=SNIPPET_START,
                stop_sel=SNIPPET_STOP,
                max_words=30,
                min_words=12,
                max_fragments=2,
                fragment_delimiter=" … ",
            )
        )
        .order_by(SearchRank(F("search_vector"), query).desc(), "pk")
        .values("snippet")[:1]
    )
    return queryset.annotate(text_snippet=Subquery(best, output_field=TextField()))


def _is_postgresql(queryset):
    return bool(queryset.db) and connections[queryset.db].vendor == "postgresql"


def _pg_query(words):
    from django.contrib.postgres.search import SearchQuery

    return SearchQuery(
        " & ".join(_either(word) for word in words),
        config="simple",
        search_type="raw",
    )


def _either(word):
    """A tsquery term: the word as typed, or its skeleton, each as a prefix."""
    key = skeleton(word)
    if not key or key == word:
        return f"'{word}':*"
    return f"('{word}':* | '{key}':*)"


class TextMatches(Func):
    """PostgreSQL: the array of the ids of the documents whose texts match a
    ``tsquery``, computed once per query (a scalar subquery is an InitPlan)."""

    function = TEXT_MATCHES_FUNCTION
    template = "(SELECT %(function)s(%(expressions)s))::bigint[]"
    output_field = ArrayField(BigIntegerField())


class Folded(Func):
    """A text expression folded like ``fold()`` by the database, for matching.

    Both databases have the ``agreements_search_fold`` function: SQLite through
    ``register_sqlite_functions``, PostgreSQL through the search migration.
    """

    function = FOLD_FUNCTION
    output_field = TextField()


class _Spaced(Func):
    """Its arguments joined with spaces, in one flat expression (nested ``Concat``
    of many columns overflows SQLite's parser)."""

    arg_joiner = " || ' ' || "
    template = "(%(expressions)s)"
    output_field = TextField()


def every_language(*fields):
    """An expression joining, with spaces, the text of translated ``fields`` in every
    language, to search whatever the page's language is."""
    return _Spaced(
        *(
            Coalesce(F(column), Value(""))
            for field in fields
            for column in language_columns(field)
        )
    )
