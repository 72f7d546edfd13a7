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
  (``connection_created`` below), and the query folds its words with the same function.
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
*skeleton* (``skeleton()``), a Latin key that Cyrillic (Russian and Kazakh),
Azerbaijani Latin and English spellings of the same name share: "Байтерек" and
"Baiterek" are both ``baiterek``; "Қазақстан", "Казахстан", "Kazakhstan" and
"Qazaqstan" are all ``kazakstan``; "Azərbaycan", "Азербайджан" and "Azerbaijan" all
``azerbaijan``. A word is found by its own form or by its skeleton. On PostgreSQL the
skeleton's words weigh least, so a match in the script the reader typed ranks first;
the ``simple`` configuration never stems Kazakh or Azerbaijani words as English.

The triggers are defined here. On PostgreSQL migration 0003 installs them. On SQLite
they must not exist while migrations run (a rebuilt table cannot be renamed while
another table's trigger names it), so ``migrate`` drops them first and a
``post_migrate`` hook installs them after, refreshing every copy. That hook also
re-installs the triggers wherever they are missing or out of date (SQLite: their
SQL differs; PostgreSQL: ``PG_VERSION`` differs).

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
"""

import re
import unicodedata

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import connections
from django.db.backends.signals import connection_created
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
from django.db.models.signals import post_migrate, pre_migrate

from . import trigrams
from .expressions import EqualsAny, Instr

#: The longest search the list accepts; longer input is cut and the reader told.
MAX_QUERY_LENGTH = 200
#: The most words one search looks for; further words are ignored and the reader told.
MAX_QUERY_WORDS = 12

FOLD_FUNCTION = "agreements_search_fold"
#: Bump when the PostgreSQL trigger functions change: ``migrate`` then re-installs
#: them and refreshes every document (SQLite compares the triggers' SQL instead).
PG_VERSION = "agreements search 8"
#: Tables that come with later migrations than the search's: left out until they exist.
OPTIONAL_TABLES = ("agreements_documentidentifier", "agreements_attachment")
#: The longest extracted text PostgreSQL indexes (a tsvector holds at most 1 MB).
PG_TEXT_LIMIT = 500_000
#: What ``ts_headline`` puts around a matched word (private-use characters, which
#: extraction drops from texts); the template marks them up.
SNIPPET_START, SNIPPET_STOP = "\ue000", "\ue001"
#: The part of a text the snippet is taken from: from this many characters before
#: the first match, this many in all (a snippet is at most 2 x 30 words).
SNIPPET_BEFORE, SNIPPET_WINDOW = 300, 900
_TURKIC_I = str.maketrans({"İ": "i", "ı": "i"})
_WORD = re.compile(r"\w+")

SKELETON_FUNCTION = "agreements_search_skeleton"
#: PostgreSQL: the ids of the documents whose texts match a ``tsquery`` (an array).
TEXT_MATCHES_FUNCTION = "agreements_text_matches"
INDEX_FUNCTION = "agreements_search_index"
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


# --- Connections ----------------------------------------------------------------------


def register_sqlite_functions(connection):
    create = connection.connection.create_function
    create(FOLD_FUNCTION, 1, fold, deterministic=True)
    create(INDEX_FUNCTION, 1, index_text, deterministic=True)


def _on_connection_created(sender, connection, **kwargs):
    if connection.vendor == "sqlite":
        register_sqlite_functions(connection)
        trigrams.detect(connection)


connection_created.connect(_on_connection_created, dispatch_uid="agreements_search")


# --- Triggers -------------------------------------------------------------------------


def language_columns(field):
    """The columns of a translated ``field`` (agreements/translation.py), one per
    language: ``summary`` -> ``summary_en_gb``, ``summary_ru``, ..."""
    return [f"{field}_{code.replace('-', '_')}" for code, _name in settings.LANGUAGES]


def _texts(alias, *fields):
    """SQL joining, with spaces, the text of ``fields`` in every language (an empty
    language is ``NULL``)."""
    return " || ' ' || ".join(
        f"coalesce({alias}{column}, '')"
        for field in fields
        for column in language_columns(field)
    )


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


_BODY_COLUMNS = (*language_columns("name"), *language_columns("short_name"))

# For each table a document's search text draws on: the column that names the document
# (or the body, whose parties name the documents), and the columns whose change matters.
_SOURCES = {
    "agreements_party": (
        "document_id",
        False,
        ("document_id", "body_id", "signatory_name"),
    ),
    "agreements_documenttitle": ("document_id", False, ("document_id", "title")),
    "agreements_documentidentifier": ("document_id", False, ("document_id", "value")),
    "agreements_body": ("id", True, _BODY_COLUMNS),
    "agreements_bodyname": ("body_id", True, ("body_id", "name", "short_name")),
}
# Bodies are never deleted while they have parties (PROTECT): no delete trigger there.
_EVENTS = {
    "agreements_party": ("insert", "update", "delete"),
    "agreements_documenttitle": ("insert", "update", "delete"),
    "agreements_documentidentifier": ("insert", "update", "delete"),
    "agreements_body": ("insert", "update"),
    "agreements_bodyname": ("insert", "update", "delete"),
}
_SQLITE_DOCUMENT_TRIGGERS = {
    "agreements_document_search_insert": "AFTER INSERT ON agreements_document",
    "agreements_document_search_update": (
        "AFTER UPDATE OF title, signed_city, "
        + ", ".join(language_columns("summary"))
        + " ON agreements_document"
    ),
}


def _optional_tables(connection):
    """Which of ``OPTIONAL_TABLES`` exist (all of them once migrated)."""
    existing = set(connection.introspection.table_names())
    return frozenset(table for table in OPTIONAL_TABLES if table in existing)


def _events(tables):
    """``_EVENTS`` of the tables that exist."""
    return {
        table: events
        for table, events in _EVENTS.items()
        if table not in OPTIONAL_TABLES or table in tables
    }


def _parts_sql(agg, doc_id, tables=frozenset(OPTIONAL_TABLES)):
    """SQL for the other titles, the identifiers and the party names of the document
    ``doc_id``: a body's names in every language, its former names, the signatory's
    name."""
    former = agg("n.name || ' ' || n.short_name")
    party = (
        f"{_texts('b.', 'name', 'short_name')} || ' ' || p.signatory_name || ' ' || "
        f"coalesce((SELECT {former} FROM agreements_bodyname n "
        "WHERE n.body_id = b.id), '')"
    )
    titles = (
        f"(SELECT {agg('t.title')} FROM agreements_documenttitle t "
        f"WHERE t.document_id = {doc_id})"
    )
    parties = (
        f"(SELECT {agg(party)} FROM agreements_party p "
        f"JOIN agreements_body b ON b.id = p.body_id WHERE p.document_id = {doc_id})"
    )
    identifiers = (
        f"(SELECT {agg('i.value')} FROM agreements_documentidentifier i "
        f"WHERE i.document_id = {doc_id})"
        if "agreements_documentidentifier" in tables
        else "NULL"
    )
    return titles, parties, identifiers


def _documents_of(table, values):
    """SQL selecting the ids of the documents named by ``values`` of ``table``."""
    _column, via_body, _watched = _SOURCES[table]
    if via_body:
        return f"SELECT document_id FROM agreements_party WHERE body_id IN ({values})"
    return values


# SQLite: row triggers that recompute ``search_text`` with the registered fold function.


def _sqlite_text_sql(tables=frozenset(OPTIONAL_TABLES)):
    titles, parties, identifiers = _parts_sql(
        lambda expr: f"group_concat({expr}, ' ')", "agreements_document.id", tables
    )
    return (
        f"{INDEX_FUNCTION}(title || ' ' || coalesce({titles}, '') || ' ' "
        f"|| coalesce({identifiers}, '') || ' ' "
        f"|| coalesce({parties}, '') || ' ' || signed_city || ' ' "
        f"|| {_texts('', 'summary')})"
    )


def _sqlite_triggers(tables=frozenset(OPTIONAL_TABLES)):
    """``{name: CREATE TRIGGER statement}`` (for the optional ``tables`` that exist)."""
    text = _sqlite_text_sql(tables)
    triggers = {}
    for name, timing in _SQLITE_DOCUMENT_TRIGGERS.items():
        triggers[name] = (
            timing,
            f"UPDATE agreements_document SET search_text = {text} WHERE id = NEW.id;",
        )
    for table, events in _events(tables).items():
        column, _via_body, watched = _SOURCES[table]
        changed = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in watched)
        for event in events:
            rows = {"insert": ("NEW",), "update": ("NEW", "OLD"), "delete": ("OLD",)}
            values = ", ".join(f"{row}.{column}" for row in rows[event])
            when = f" WHEN {changed}" if event == "update" else ""
            triggers[f"{table}_search_{event}"] = (
                f"AFTER {event.upper()} ON {table} FOR EACH ROW{when}",
                f"UPDATE agreements_document SET search_text = {text} "
                f"WHERE id IN ({_documents_of(table, values)});",
            )
    return {
        name: f"CREATE TRIGGER IF NOT EXISTS {name} {timing} BEGIN {body} END"
        for name, (timing, body) in triggers.items()
    }


# PostgreSQL: a row trigger computes both columns before a document is written; the
# other tables' statement triggers (one UPDATE per statement, so bulk_create stays
# fast) touch the documents concerned, which fires it again.


def _pg_collation(connection):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_collation WHERE collname = 'und-x-icu'")
        return ' COLLATE "und-x-icu"' if cursor.fetchone() else ""


def _pg_fold_sql(connection, expression):
    collation = getattr(connection, "_agreements_fold_collation", None)
    if collation is None:
        collation = connection._agreements_fold_collation = _pg_collation(connection)
    return f"lower(translate({expression}, 'İı', 'ii'){collation})"


def _pg_skeleton_sql():
    """``skeleton()`` in SQL, on a folded ``value``: replace() for the digraphs,
    then one translate() (letters past the end of its second list are dropped)."""
    expression = "value"
    for digraph, letter in SKELETON_DIGRAPHS:
        expression = f"replace({expression}, '{digraph}', '{letter}')"
    kept = [(letter, key) for letter, key in SKELETON_LETTERS.items() if key]
    dropped = [letter for letter, key in SKELETON_LETTERS.items() if not key]
    source = "".join(letter for letter, _key in kept) + "".join(dropped)
    target = "".join(key for _letter, key in kept)
    expression = f"translate({expression}, '{source}', '{target}')"
    for pair, letter in SKELETON_AFTER:
        expression = f"replace({expression}, '{pair}', '{letter}')"
    return expression


def _pg_version(tables):
    """The version the installed functions are marked with: ``PG_VERSION``, and
    which optional tables they leave out."""
    missing = [table for table in OPTIONAL_TABLES if table not in tables]
    return f"{PG_VERSION} without {' '.join(missing)}" if missing else PG_VERSION


def _pg_statements(connection, tables=frozenset(OPTIONAL_TABLES)):
    fold_sql = _pg_fold_sql(connection, "coalesce(value, '')")
    titles, parties, identifiers = _parts_sql(
        lambda expr: f"string_agg({expr}, ' ')", "NEW.id", tables
    )
    statements = [
        f"""
        CREATE OR REPLACE FUNCTION {FOLD_FUNCTION}(value text) RETURNS text
        LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT {fold_sql} $$
        """,
        f"""
        CREATE OR REPLACE FUNCTION {SKELETON_FUNCTION}(value text) RETURNS text
        LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT {_pg_skeleton_sql()} $$
        """,
        f"""
        CREATE OR REPLACE FUNCTION agreements_document_search() RETURNS trigger
        LANGUAGE plpgsql AS $$
        DECLARE
            title text := {FOLD_FUNCTION}(NEW.title);
            titles text := {FOLD_FUNCTION}({titles});
            -- "123-VI", "Z19/0001": words apart, as the search splits them (the
            -- parser would read "-2" as a signed number)
            identifiers text := {FOLD_FUNCTION}(
                regexp_replace({identifiers}, '[^[:alnum:]]+', ' ', 'g'));
            parties text := {FOLD_FUNCTION}({parties});
            summary text := {FOLD_FUNCTION}({_texts("NEW.", "summary")});
            place text := {FOLD_FUNCTION}(NEW.signed_city);
        BEGIN
            -- the vector is all PostgreSQL searches; a second copy as text would
            -- double the row, and every scan of the table
            NEW.search_text := '';
            NEW.search_vector :=
                setweight(to_tsvector('simple', title), 'A')
                || setweight(to_tsvector('simple', titles), 'B')
                || setweight(to_tsvector('simple', identifiers), 'B')
                || setweight(to_tsvector('simple', parties), 'C')
                || setweight(to_tsvector('simple', place), 'C')
                || setweight(to_tsvector('simple', summary), 'D')
                -- the skeleton of it all, for other scripts and spellings
                || setweight(to_tsvector('simple', {SKELETON_FUNCTION}(
                    concat_ws(' ', title, titles, identifiers, parties, place,
                              summary))), 'D');
            RETURN NEW;
        END
        $$
        """,
        "DROP TRIGGER IF EXISTS agreements_document_search ON agreements_document",
        """
        CREATE TRIGGER agreements_document_search
        BEFORE INSERT OR UPDATE ON agreements_document
        FOR EACH ROW EXECUTE FUNCTION agreements_document_search()
        """,
    ]
    for table, events in _events(tables).items():
        column, _via_body, watched = _SOURCES[table]
        changed = " OR ".join(f"n.{c} IS DISTINCT FROM o.{c}" for c in watched)
        pairs = f"new_rows n JOIN old_rows o ON o.id = n.id WHERE {changed}"
        values = {
            "insert": f"SELECT {column} FROM new_rows",
            "update": (
                f"SELECT n.{column} FROM {pairs} UNION SELECT o.{column} FROM {pairs}"
            ),
            "delete": f"SELECT {column} FROM old_rows",
        }
        branches = " ELSIF ".join(
            f"TG_OP = '{event.upper()}' THEN "
            "UPDATE agreements_document SET search_text = '' "
            f"WHERE id IN ({_documents_of(table, values[event])});"
            for event in events
        )
        statements.append(
            f"""
            CREATE OR REPLACE FUNCTION {table}_search() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
                IF {branches} END IF;
                RETURN NULL;
            END
            $$
            """
        )
        for event in events:
            referencing = {
                "insert": "NEW TABLE AS new_rows",
                "update": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
                "delete": "OLD TABLE AS old_rows",
            }[event]
            name = f"{table}_search_{event}"
            statements += [
                f"DROP TRIGGER IF EXISTS {name} ON {table}",
                f"CREATE TRIGGER {name} AFTER {event.upper()} ON {table} "
                f"REFERENCING {referencing} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {table}_search()",
            ]
    if "agreements_attachment" in tables:
        # each file's own vector: its folded text, without skeleton (the text is long)
        statements += [
            f"""
            CREATE OR REPLACE FUNCTION agreements_attachment_search() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
                NEW.search_vector := to_tsvector('simple', {FOLD_FUNCTION}(
                    left(NEW.extracted_text, {PG_TEXT_LIMIT})));
                RETURN NEW;
            END
            $$
            """,
            "DROP TRIGGER IF EXISTS agreements_attachment_search "
            "ON agreements_attachment",
            """
            CREATE TRIGGER agreements_attachment_search
            BEFORE INSERT OR UPDATE OF extracted_text ON agreements_attachment
            FOR EACH ROW EXECUTE FUNCTION agreements_attachment_search()
            """,
            # The planner costs a scan of the attachments as cheap (the table is
            # small) but each row's vector is a long TOASTed value: for a word in
            # 10,000 texts, 107 ms against 6 ms through the GIN index. The
            # function's own setting keeps its query on the index.
            f"""
            CREATE OR REPLACE FUNCTION {TEXT_MATCHES_FUNCTION}(query tsquery)
            RETURNS bigint[]
            LANGUAGE sql STABLE STRICT PARALLEL SAFE
            SET enable_seqscan = off
            AS $$
                SELECT coalesce(array_agg(DISTINCT document_id), '{{}}')
                FROM agreements_attachment WHERE search_vector @@ query
            $$
            """,
        ]
    statements.append(
        f"COMMENT ON FUNCTION agreements_document_search() IS '{_pg_version(tables)}'"
    )
    return statements


#: The GIN indexes of ``?q=`` on PostgreSQL: the documents' vectors, and the files'.
GIN_INDEXES = {
    "agreements_doc_search": "agreements_document",
    "agreements_attach_search": "agreements_attachment",
}


def _pg_index_statements(tables=frozenset(OPTIONAL_TABLES)):
    """The search's GIN indexes, built after the copies are refreshed (one bulk
    build, not an insert a row), without GIN's pending list (``fastupdate``).

    With the list, a new or changed row's words wait in an unsorted list that every
    search reads through until a vacuum or 4 MB of them merges it: after one
    1,000-row import, 297 pages of it took a search for a word in the files from 7
    to 12 ms. Writes here are a member of staff's edit or an import, reads are every
    visitor's: each write pays for its own words instead."""
    statements = []
    for index, table in GIN_INDEXES.items():
        if table != "agreements_document" and table not in tables:
            continue
        statements += [
            f"CREATE INDEX IF NOT EXISTS {index} ON {table} "
            "USING gin (search_vector) WITH (fastupdate = off)",
            # an index made before: the same setting, and its waiting words merged
            f"ALTER INDEX {index} SET (fastupdate = off)",
            f"SELECT gin_clean_pending_list('{index}'::regclass)",
        ]
    return statements


def install_search_triggers(connection):
    """Create (or re-create) the triggers, then fill in every document's copy."""
    connection.ensure_connection()
    tables = _optional_tables(connection)
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            register_sqlite_functions(connection)
            for statement in _sqlite_triggers(tables).values():
                cursor.execute(statement)
            cursor.execute(
                "UPDATE agreements_document "
                f"SET search_text = {_sqlite_text_sql(tables)}"
            )
            if trigrams.create_tables(cursor):
                texts = "agreements_attachment" in tables
                follow_up = trigrams.follow_up_ready(connection)
                trigrams.fill(cursor, FOLD_FUNCTION, texts, follow_up)
                statements = trigrams.triggers(FOLD_FUNCTION, texts, follow_up)
                for statement in statements.values():
                    cursor.execute(statement)
                setattr(connection, trigrams.ATTRIBUTE, True)
        elif connection.vendor == "postgresql":
            for statement in _pg_statements(connection, tables):
                cursor.execute(statement)
            # the row trigger computes both columns
            cursor.execute("UPDATE agreements_document SET search_text = ''")
            if "agreements_attachment" in tables:
                cursor.execute(
                    "UPDATE agreements_attachment SET extracted_text = extracted_text"
                )
            for statement in _pg_index_statements(tables):
                cursor.execute(statement)


def remove_search_triggers(connection):
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for name in [*_sqlite_triggers(), *trigrams.trigger_names()]:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
        elif connection.vendor == "postgresql":
            cursor.execute("DROP INDEX IF EXISTS agreements_doc_search")
            cursor.execute(
                "DROP TRIGGER IF EXISTS agreements_document_search "
                "ON agreements_document"
            )
            cursor.execute("DROP FUNCTION IF EXISTS agreements_document_search()")
            tables = _optional_tables(connection)
            for table, events in _events(tables).items():
                for event in events:
                    cursor.execute(
                        f"DROP TRIGGER IF EXISTS {table}_search_{event} ON {table}"
                    )
                cursor.execute(f"DROP FUNCTION IF EXISTS {table}_search()")
            if "agreements_attachment" in tables:
                cursor.execute("DROP INDEX IF EXISTS agreements_attach_search")
                cursor.execute(
                    "DROP TRIGGER IF EXISTS agreements_attachment_search "
                    "ON agreements_attachment"
                )
            cursor.execute("DROP FUNCTION IF EXISTS agreements_attachment_search()")
            cursor.execute(f"DROP FUNCTION IF EXISTS {TEXT_MATCHES_FUNCTION}(tsquery)")
            cursor.execute(f"DROP FUNCTION IF EXISTS {FOLD_FUNCTION}(text)")
            cursor.execute(f"DROP FUNCTION IF EXISTS {SKELETON_FUNCTION}(text)")


def ensure_search_triggers(connection):
    """Install the triggers if any is missing or out of date; ``True`` if it did.

    SQLite drops a table's triggers when a migration rebuilds the table, and the
    triggers' SQL lives in this module, so ``migrate`` checks them every time.
    """
    with connection.cursor() as cursor:
        columns = set()
        if "agreements_document" in connection.introspection.table_names(cursor):
            description = connection.introspection.get_table_description(
                cursor, "agreements_document"
            )
            columns = {column.name for column in description}
        if "search_text" not in columns:
            return False  # migrated back before the search columns, or not at all
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
            existing = dict(cursor.fetchall())
            tables = _optional_tables(connection)
            expected = _sqlite_triggers(tables)
            if trigrams.create_tables(cursor):
                texts = "agreements_attachment" in tables
                follow_up = trigrams.follow_up_ready(connection)
                expected |= trigrams.triggers(FOLD_FUNCTION, texts, follow_up)
            expected = {
                name: sql.replace("CREATE TRIGGER IF NOT EXISTS", "CREATE TRIGGER")
                for name, sql in expected.items()
            }
            if all(existing.get(name) == sql for name, sql in expected.items()):
                return False
        elif connection.vendor == "postgresql":
            cursor.execute(
                "SELECT obj_description("
                "to_regprocedure('agreements_document_search()'), 'pg_proc')"
            )
            if cursor.fetchone()[0] == _pg_version(_optional_tables(connection)):
                return False
        else:
            return False
    remove_search_triggers(connection)
    install_search_triggers(connection)
    return True


def _drop_before_migrate(sender, using="default", plan=None, **kwargs):
    # SQLite rebuilds a table to alter it, and renaming the rebuilt table fails while
    # another table's trigger names it ("error in trigger ...: no such table"): the
    # triggers are off while migrations run, and back (refreshed) after.
    connection = connections[using]
    if getattr(sender, "label", None) == "agreements" and plan:
        if connection.vendor == "sqlite":
            remove_search_triggers(connection)


def _ensure_after_migrate(sender, using="default", **kwargs):
    if getattr(sender, "label", None) == "agreements":
        ensure_search_triggers(connections[using])


pre_migrate.connect(_drop_before_migrate, dispatch_uid="agreements_search")
post_migrate.connect(_ensure_after_migrate, dispatch_uid="agreements_search")
