"""The search's index: each document's copy of its words, and what keeps it current.

A document's copy (``Document.search_text`` on SQLite, ``Document.search_vector`` on
PostgreSQL) and each file's vector are kept by database triggers, defined here for
both databases: on SQLite row triggers that call the fold function registered on
every connection (``connection_created`` below); on PostgreSQL a row trigger on the
documents, statement triggers on the tables their words come from, SQL functions
that fold and key text as ``agreements.folding`` does, and the GIN indexes.
``install_search_triggers``, ``remove_search_triggers`` and
``ensure_search_triggers`` put them in place; the ``pre_migrate`` and
``post_migrate`` hooks at the end take them off while SQLite migrates and put them
back after. SQLite's trigram indexes are ``agreements.trigrams``, installed with them.

See ``agreements.search`` for the whole of the search, and for the query that reads
this index.
"""

from django.conf import settings
from django.db import connections
from django.db.backends.signals import connection_created
from django.db.models.signals import post_migrate, pre_migrate

from . import trigrams
from .folding import (
    SKELETON_AFTER,
    SKELETON_DIGRAPHS,
    SKELETON_LETTERS,
    fold,
    index_text,
)

FOLD_FUNCTION = "agreements_search_fold"
#: Bump when the PostgreSQL trigger functions change: ``migrate`` then re-installs
#: them and refreshes every document (SQLite compares the triggers' SQL instead).
PG_VERSION = "agreements search 8"
#: Tables that come with later migrations than the search's: left out until they exist.
OPTIONAL_TABLES = ("agreements_documentidentifier", "agreements_attachment")
#: The longest extracted text PostgreSQL indexes (a tsvector holds at most 1 MB).
PG_TEXT_LIMIT = 500_000
SKELETON_FUNCTION = "agreements_search_skeleton"
#: PostgreSQL: the ids of the documents whose texts match a ``tsquery`` (an array).
TEXT_MATCHES_FUNCTION = "agreements_text_matches"
INDEX_FUNCTION = "agreements_search_index"


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
