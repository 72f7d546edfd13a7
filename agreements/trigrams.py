"""SQLite: the search's words found through a trigram index, not by reading them all.

On SQLite the search matches each word as a substring of each document's folded copy
(``Document.search_text``) and of its files' folded text (``agreements.search``). A
substring cannot use a B-tree index, so every search read all of it: at 100,000
documents, 88 MB of copies and 188 MB of file text, 0.2 s and 0.8 s a word.

SQLite's FTS5 module has a ``trigram`` tokenizer made for this: it indexes every
three characters, and a quoted string of three or more characters matches exactly
the rows holding it as a substring. Two FTS5 tables hold the same folded text:

- ``agreements_document_trigrams``: each document's ``search_text`` (rowid: its id);
- ``agreements_attachment_trigrams``: each file's text, folded as the query folds
  (rowid: the attachment's id).

Both keep their own copy of the text (not an FTS5 "external content" table): a row
is then removed by its rowid alone, whatever it held, so triggers that fire in any
order, or a fold that changes between versions, can never leave the index at odds
with what it was given. Triggers on the two tables keep them up to date; they are
installed, and the tables filled, with the search's own triggers
(``search.install_search_triggers``), dropped with them while migrations run.

Two more serve the admin's follow-up lists, whose search reads an action's titles
and descriptions and an update's title by ``icontains``, every row of 300,000
actions or 530,000 updates for a word found in few: ``agreements_action_trigrams``
and ``agreements_progressupdate_trigrams``, the same columns as they are, their case
folded by the tokenizer. They only narrow the rows the search then tests
(``admin.changelists.search_words``): the tokenizer folds the case of every script,
``LIKE`` only ASCII's, so they may offer rows the test refuses, never miss one.

A word shorter than three characters (or whose cross-script key is) is still
matched by substring: the tokenizer has nothing to index for it. Where SQLite was
built without FTS5 (``sqlite3`` compiled with ``SQLITE_OMIT_FTS5``, rare), the
tables are not made and every word is matched by substring, as before.
"""

from django.db import OperationalError
from django.db.models import Func
from django.db.models.expressions import RawSQL

DOCUMENTS = "agreements_document_trigrams"
ATTACHMENTS = "agreements_attachment_trigrams"
ACTIONS = "agreements_action_trigrams"
UPDATES = "agreements_progressupdate_trigrams"
#: The follow-up tables: {index: (table, its columns)}.
FOLLOW_UP = {
    ACTIONS: (
        "agreements_action",
        tuple(
            f"{name}_{code}"
            for name in ("title", "description")
            for code in ("en_gb", "ru", "kk", "az")
        ),
    ),
    UPDATES: ("agreements_progressupdate", ("title",)),
}
#: The shortest string the trigram tokenizer can find.
SHORTEST = 3
#: Set on a connection (a ``DatabaseWrapper``) once the tables are known to be there.
ATTRIBUTE = "agreements_trigrams"


def follow_up_ready(connection):
    """Whether the follow-up tables have every column indexed (they have once
    migrated: not before migration 0012 made the titles four)."""
    with connection.cursor() as cursor:
        for table, columns in FOLLOW_UP.values():
            description = connection.introspection.get_table_description(cursor, table)
            if not set(columns) <= {column.name for column in description}:
                return False
    return True


def triggers(fold_function, attachments=True, follow_up=True):
    """``{name: CREATE TRIGGER statement}`` keeping the two tables up to date.

    A document's row is re-read from the table, not taken from ``NEW``: its search
    copy is written by another trigger after the insert, and whichever runs first,
    the index ends with what the row holds.
    """
    refresh_document = (
        f"INSERT OR REPLACE INTO {DOCUMENTS}(rowid, search_text) "
        "SELECT id, search_text FROM agreements_document WHERE id = NEW.id;"
    )
    statements = {
        "agreements_document_trigrams_insert": (
            "AFTER INSERT ON agreements_document",
            refresh_document,
        ),
        "agreements_document_trigrams_update": (
            "AFTER UPDATE OF search_text ON agreements_document",
            refresh_document,
        ),
        "agreements_document_trigrams_delete": (
            "AFTER DELETE ON agreements_document",
            f"DELETE FROM {DOCUMENTS} WHERE rowid = OLD.id;",
        ),
    }
    for index, (table, columns) in FOLLOW_UP.items() if follow_up else ():
        names = ", ".join(columns)
        values = ", ".join(f"NEW.{column}" for column in columns)
        refresh_row = (
            f"INSERT OR REPLACE INTO {index}(rowid, {names}) VALUES (NEW.id, {values});"
        )
        statements |= {
            f"{index}_insert": (f"AFTER INSERT ON {table}", refresh_row),
            f"{index}_update": (f"AFTER UPDATE OF {names} ON {table}", refresh_row),
            f"{index}_delete": (
                f"AFTER DELETE ON {table}",
                f"DELETE FROM {index} WHERE rowid = OLD.id;",
            ),
        }
    if attachments:
        refresh_text = (
            f"INSERT OR REPLACE INTO {ATTACHMENTS}(rowid, text) "
            f"VALUES (NEW.id, {fold_function}(NEW.extracted_text));"
        )
        statements |= {
            "agreements_attachment_trigrams_insert": (
                "AFTER INSERT ON agreements_attachment",
                refresh_text,
            ),
            "agreements_attachment_trigrams_update": (
                "AFTER UPDATE OF extracted_text ON agreements_attachment",
                refresh_text,
            ),
            "agreements_attachment_trigrams_delete": (
                "AFTER DELETE ON agreements_attachment",
                f"DELETE FROM {ATTACHMENTS} WHERE rowid = OLD.id;",
            ),
        }
    return {
        name: f"CREATE TRIGGER IF NOT EXISTS {name} {timing} BEGIN {body} END"
        for name, (timing, body) in statements.items()
    }


def trigger_names():
    return list(triggers("f"))


def create_tables(cursor):
    """Make the tables if SQLite can; ``False`` where it has no FTS5 trigram
    tokenizer (then the search reads by substring)."""
    try:
        for table, column in ((DOCUMENTS, "search_text"), (ATTACHMENTS, "text")):
            cursor.execute(
                f"CREATE VIRTUAL TABLE IF NOT EXISTS {table} USING fts5("
                f"{column}, tokenize = 'trigram case_sensitive 1')"
            )
        for index, (_table, columns) in FOLLOW_UP.items():
            cursor.execute(
                f"CREATE VIRTUAL TABLE IF NOT EXISTS {index} USING fts5("
                f"{', '.join(columns)}, tokenize = 'trigram')"
            )
    except OperationalError:
        return False
    return True


def fill(cursor, fold_function, attachments=True, follow_up=True):
    """Index every document's copy and every file's text afresh."""
    cursor.execute(f"DELETE FROM {DOCUMENTS}")
    cursor.execute(
        f"INSERT INTO {DOCUMENTS}(rowid, search_text) "
        "SELECT id, search_text FROM agreements_document"
    )
    for index, (table, columns) in FOLLOW_UP.items():
        names = ", ".join(columns)
        cursor.execute(f"DELETE FROM {index}")
        if follow_up:
            cursor.execute(
                f"INSERT INTO {index}(rowid, {names}) SELECT id, {names} FROM {table}"
            )
    cursor.execute(f"DELETE FROM {ATTACHMENTS}")
    if attachments:
        cursor.execute(
            f"INSERT INTO {ATTACHMENTS}(rowid, text) "
            f"SELECT id, {fold_function}(extracted_text) FROM agreements_attachment"
        )


def detect(connection):
    """Whether ``connection`` (SQLite) has the tables; remembered on it. Asked of
    the driver's own connection as it opens, so no test counts it as a query."""
    names = (DOCUMENTS, ATTACHMENTS, *FOLLOW_UP)
    found = connection.connection.execute(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN "
        f"({', '.join('?' * len(names))})",
        names,
    ).fetchone()[0]
    setattr(connection, ATTRIBUTE, found == len(names))


def usable(connection, *words):
    """Whether every one of ``words`` can be found through the indexes."""
    return getattr(connection, ATTRIBUTE, False) and all(
        len(word) >= SHORTEST for word in words
    )


def rows_holding(index, word, columns=()):
    """SQL (for ``pk__in``) of the ids of the rows of a follow-up table that may
    hold ``word`` (in one of ``columns``, or in any)."""
    query = _phrase(word)
    if columns:
        query = "{" + " ".join(columns) + "} : " + query
    return RawSQL(f"SELECT rowid FROM {index} WHERE {index} MATCH %s", (query,))


def _phrase(*words):
    """An FTS5 query matching any of ``words`` as a substring (each a quoted
    string, inner quotes doubled)."""
    return " OR ".join('"' + word.replace('"', '""') + '"' for word in words)


def documents_holding(*words):
    """SQL (for ``pk__in``) of the ids of the documents whose copy holds any of
    ``words``."""
    return RawSQL(
        f"SELECT rowid FROM {DOCUMENTS} WHERE {DOCUMENTS} MATCH %s", (_phrase(*words),)
    )


def documents_with_text_holding(word):
    """SQL (for ``pk__in``) of the ids of the documents with a file whose folded
    text holds ``word``. ``+id``: the files' document ids are read from their index
    (each id beside its row's); a row itself holds the text before its document's
    id, so reading it by its id would read the whole text."""
    return RawSQL(
        "SELECT document_id FROM agreements_attachment WHERE +id IN "
        f"(SELECT rowid FROM {ATTACHMENTS} WHERE {ATTACHMENTS} MATCH %s)",
        (_phrase(word),),
    )


class Unindexed(Func):
    """A column SQLite may not look up by its index (``+column``): a document
    matched through the trigram index is then checked as the list's order index is
    walked, and the walk stops at the page's last row. Looking each match up by
    its id instead reads every one of them (17,000 wide rows for a common word,
    0.17 s) to sort them."""

    template = "(+%(expressions)s)"
